#!/usr/bin/env python
"""Atlas's loader vs a plain COPY vs pandas.DataFrame.to_sql, on the same raw.observations rows.

    make bench                                   # after `make setup` (uses its warehouse)
    ATLAS_WAREHOUSE_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/loader_vs_copy.py [--rows 200000] [--reps 3]

The warehouse is --url, else ATLAS_WAREHOUSE_URL, else the one in `.atlas/env.sh` (read by the
script, no need to source it). Everything happens in a scratch schema `atlas_bench_<pid>`, dropped
at the end; nothing in raw.* is touched. The loader's staging table goes where the loader always
puts it, `raw_staging` (created for the run and dropped again if the database has none).

Data: N canonical rows in the column order of `atlas_ingest.observations.OBSERVATION_COLUMNS`, as
the parsers write them (CSV with header, dimensions as JSON, ~5 % suppressed cells with value NULL
and a status marker), over 10 annual slices. Each table below is an identical copy of
raw.observations (same DDL from the migration, same unique and slice indexes), empty at the start
of each repetition.

(a) loader — the real path minus the Great Expectations gate (the gate is a separate, per-table
    cost of ~0.1–0.2 s and is NOT in the timing): source advisory lock, `warehouse.copy_into_stage`
    (COPY into an unlogged stage), `warehouse.replace_slices` (one transaction: count, source check,
    delete the stage's slices, INSERT … SELECT), `warehouse.drop_stage`. Also reported: the same
    load again over a full table, i.e. an idempotent re-run replacing every slice.
(b) COPY — one `COPY … FROM STDIN (FORMAT csv, HEADER)` of the same bytes into an identical table.
(c) to_sql — pandas `DataFrame.to_sql(if_exists="append")` through SQLAlchemy + psycopg 3, with
    method=None (executemany; SQLAlchemy batches it as multi-row VALUES) and method="multi"
    (chunks of 5000 rows). If N rows would take longer than --to-sql-budget seconds (estimated
    from a 10,000-row probe), a smaller row count is used; rows/s is per row either way.

Prints rows/s and the ratios loader/COPY (target >= 0.5) and loader/to_sql (expected >> 1).
Asserts nothing: numbers for the README.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from importlib.metadata import version
from itertools import product
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _env  # noqa: E402  (bench/_env.py)

from atlas_ingest import warehouse  # noqa: E402
from atlas_ingest.observations import OBSERVATION_COLUMNS  # noqa: E402
from atlas_ingest.settings import MIGRATIONS_DIR  # noqa: E402
from psycopg import sql  # noqa: E402

SOURCE_ID = f"bench-loader-{os.getpid()}"
RUN_ID = -os.getpid()  # negative: can never collide with a real ingest_run_id (bigserial)
PERIODS = [str(y) for y in range(2015, 2025)]
CONTENTS = ["Personer", "Andel"]
SEXES = ["0", "1", "2"]
AGES = [f"{a:03d}-{a + 4:03d}" for a in range(0, 100, 5)]
TO_SQL_CHUNK = 5000


# ------------------------------------------------------------------------------------ data
def generate_csv(n: int, seed: int = 42) -> tuple[bytes, list[tuple]]:
    """N unique canonical rows: CSV bytes (header + rows) and the same rows as tuples."""
    rng = random.Random(seed)
    per_region = len(PERIODS) * len(CONTENTS) * len(SEXES) * len(AGES)
    n_regions = -(-n // per_region)
    regions = [f"{101 + 7 * i:04d}" for i in range(n_regions)]
    if len(regions[-1]) > 4:
        raise SystemExit(f"--rows {n} is too many for this generator")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(OBSERVATION_COLUMNS)
    rows: list[tuple] = []
    combos = product(regions, PERIODS, CONTENTS, SEXES, AGES)
    for region, period, contents, sex, age in combos:
        if len(rows) == n:
            break
        dims = json.dumps({"Alder": age, "Kjonn": sex}, sort_keys=True, ensure_ascii=False)
        if rng.random() < 0.05:
            value, status = None, ".."
        elif contents == "Andel":
            value, status = repr(round(rng.uniform(0, 100), 1)), None
        else:
            value, status = str(rng.randint(0, 25000)), None
        row = (SOURCE_ID, "07459", region, "kommune", period, contents, dims, value, status)
        rows.append(row)
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("utf-8"), rows


# ------------------------------------------------------------------------------------ schema
def observations_ddl(scratch: str) -> list[str]:
    """The raw.observations CREATE TABLE and CREATE INDEX statements from the migrations, re-targeted."""
    statements = []
    for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
        for stmt in text.split(";"):
            if re.search(r"\braw\.observations\b", stmt) and re.match(r"\s*CREATE\b", stmt, re.I):
                statements.append(re.sub(r"\braw\.observations\b", f"{scratch}.observations", stmt.strip()))
    if not any(s.upper().startswith("CREATE TABLE") for s in statements):
        raise SystemExit(f"could not find the raw.observations DDL in {MIGRATIONS_DIR}")
    return statements


def setup_schema(conn, scratch: str) -> bool:
    """Scratch schema with three identical empty tables; returns True if raw_staging was created here."""
    with conn.transaction():
        created_staging = conn.execute(
            "SELECT NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'raw_staging')").fetchone()[0]
        conn.execute("CREATE SCHEMA IF NOT EXISTS raw_staging")
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(scratch)))
        for stmt in observations_ddl(scratch):
            conn.execute(stmt)
        for name in ("observations_copy", "observations_tosql"):
            conn.execute(sql.SQL("CREATE TABLE {}.{} (LIKE {}.observations INCLUDING ALL)").format(
                sql.Identifier(scratch), sql.Identifier(name), sql.Identifier(scratch)))
        conn.execute(sql.SQL("ALTER TABLE {}.observations_copy ALTER COLUMN ingest_run_id SET DEFAULT {}").format(
            sql.Identifier(scratch), sql.Literal(RUN_ID)))
    return created_staging


def truncate(conn, scratch: str, table: str) -> None:
    with conn.transaction():
        conn.execute(sql.SQL("TRUNCATE {}.{}").format(sql.Identifier(scratch), sql.Identifier(table)))


def count(conn, scratch: str, table: str) -> int:
    with conn.transaction():
        return conn.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(scratch), sql.Identifier(table))).fetchone()[0]


# ------------------------------------------------------------------------------------ contenders
def run_loader(conn, spec: warehouse.TableLoad, data: bytes) -> tuple[float, warehouse.LoadResult]:
    t0 = time.perf_counter()
    with warehouse.source_lock(conn, SOURCE_ID):
        stage, _ = warehouse.copy_into_stage(conn, spec, RUN_ID, data)
        try:
            result = warehouse.replace_slices(conn, spec, stage, SOURCE_ID)
        finally:
            warehouse.drop_stage(conn, stage)
    return time.perf_counter() - t0, result


def run_copy(conn, scratch: str, data: bytes) -> float:
    copy_sql = sql.SQL("COPY {}.observations_copy ({}) FROM STDIN WITH (FORMAT csv, HEADER true)").format(
        sql.Identifier(scratch), sql.SQL(", ").join(sql.Identifier(c) for c in OBSERVATION_COLUMNS))
    t0 = time.perf_counter()
    with conn.transaction():
        with conn.cursor() as cur:
            with cur.copy(copy_sql) as copy:
                copy.write(data)
    return time.perf_counter() - t0


def run_to_sql(engine, scratch: str, frame, method: str | None) -> float:
    from sqlalchemy.dialects.postgresql import JSONB

    t0 = time.perf_counter()
    frame.to_sql("observations_tosql", engine, schema=scratch, if_exists="append", index=False,
                 method=method, chunksize=TO_SQL_CHUNK if method == "multi" else None,
                 dtype={"dimensions": JSONB})
    return time.perf_counter() - t0


def make_frame(rows: list[tuple]):
    import pandas as pd

    frame = pd.DataFrame.from_records(rows, columns=OBSERVATION_COLUMNS)
    frame["dimensions"] = frame["dimensions"].map(json.loads)  # dicts, stored as jsonb
    frame["value"] = pd.to_numeric(frame["value"])
    frame["ingest_run_id"] = RUN_ID
    return frame


# ------------------------------------------------------------------------------------ main
def resolve_url(cli_url: str | None) -> tuple[str, str]:
    if cli_url:
        return cli_url, "--url"
    if os.environ.get("ATLAS_WAREHOUSE_URL"):
        return os.environ["ATLAS_WAREHOUSE_URL"], "ATLAS_WAREHOUSE_URL"
    applied, existed = _env.load_env_file()
    if existed and os.environ.get("ATLAS_WAREHOUSE_URL"):
        return os.environ["ATLAS_WAREHOUSE_URL"], ".atlas/env.sh"
    raise SystemExit("no warehouse: pass --url, set ATLAS_WAREHOUSE_URL, or run `make setup` (writes .atlas/env.sh)")


def rate(rows: int, seconds: float) -> float:
    return rows / seconds if seconds > 0 else float("inf")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000, help="rows N (default 200000)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of the loader and COPY (median)")
    parser.add_argument("--to-sql-budget", type=float, default=60.0,
                        help="seconds one to_sql run may take before a smaller row count is used (default 60)")
    parser.add_argument("--skip-to-sql", action="store_true", help="only the loader and COPY")
    parser.add_argument("--url", help="warehouse URL (default ATLAS_WAREHOUSE_URL or .atlas/env.sh)")
    args = parser.parse_args()

    url, origin = resolve_url(args.url)
    url = warehouse.normalise_url(url)
    scratch = f"atlas_bench_{os.getpid()}"

    t0 = time.perf_counter()
    data, rows = generate_csv(args.rows)
    print(f"loader vs COPY vs to_sql — {len(rows):,} raw.observations rows, {len(data) / 1e6:.1f} MB CSV "
          f"(generated in {time.perf_counter() - t0:.1f} s), {args.reps} repetition(s)")
    conn = warehouse.connect(url)
    created_staging = False
    try:
        with conn.transaction():
            server = conn.execute("SHOW server_version").fetchone()[0]
            settings = dict(conn.execute(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name IN "
                "('synchronous_commit', 'fsync', 'shared_buffers', 'max_wal_size', 'wal_level')").fetchall())
        print(f"  warehouse: {warehouse.redact(url)} (from {origin}), PostgreSQL {server}, "
              + ", ".join(f"{k}={v}" for k, v in sorted(settings.items())))
        print(f"  client: {platform.node()} · {os.cpu_count()} CPU · Python {platform.python_version()} · "
              f"psycopg {version('psycopg')} · SQLAlchemy {version('sqlalchemy')} · pandas {version('pandas')}")
        print(f"  scratch schema: {scratch} (dropped at the end)")
        created_staging = setup_schema(conn, scratch)
        spec = warehouse.TableLoad(f"{scratch}.observations", OBSERVATION_COLUMNS, "period_id")

        loader_t, reload_t, copy_t = [], [], []
        for _ in range(args.reps):
            truncate(conn, scratch, "observations")
            seconds, result = run_loader(conn, spec, data)
            assert result.inserted == len(rows) and result.deleted == 0, result
            loader_t.append(seconds)
            seconds, result = run_loader(conn, spec, data)  # again: replaces every slice
            assert result.inserted == len(rows) and result.deleted == len(rows), result
            reload_t.append(seconds)
            truncate(conn, scratch, "observations_copy")
            copy_t.append(run_copy(conn, scratch, data))
            assert count(conn, scratch, "observations_copy") == len(rows)
        slices = len(result.slices)

        to_sql: dict[str, tuple[int, float]] = {}
        if not args.skip_to_sql:
            from sqlalchemy import create_engine

            engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
            try:
                for method in (None, "multi"):
                    probe_rows = rows[: min(len(rows), 10_000)]
                    truncate(conn, scratch, "observations_tosql")
                    probe_s = run_to_sql(engine, scratch, make_frame(probe_rows), method)
                    est = len(rows) / rate(len(probe_rows), probe_s)
                    n = len(rows) if est <= args.to_sql_budget else max(
                        len(probe_rows), int(rate(len(probe_rows), probe_s) * args.to_sql_budget) // 1000 * 1000)
                    if n == len(probe_rows):
                        to_sql[str(method)] = (n, probe_s)
                    else:
                        truncate(conn, scratch, "observations_tosql")
                        to_sql[str(method)] = (n, run_to_sql(engine, scratch, make_frame(rows[:n]), method))
                    assert count(conn, scratch, "observations_tosql") == n
            finally:
                engine.dispose()
    finally:
        with contextlib.suppress(Exception):
            conn.rollback()
        conn.autocommit = True
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(scratch)))
        if created_staging:
            with contextlib.suppress(Exception):
                conn.execute("DROP SCHEMA raw_staging")  # not CASCADE: only if it is empty again
        conn.close()

    n = len(rows)
    loader_rate = rate(n, statistics.median(loader_t))
    copy_rate = rate(n, statistics.median(copy_t))
    print()
    print(f"{'contender':<52} {'rows':>9} {'median s':>9} {'rows/s':>11}")
    print("-" * 84)
    print(f"{'(a) loader: lock + copy_into_stage + replace_slices':<52} {n:>9,} {statistics.median(loader_t):>9.2f} "
          f"{loader_rate:>11,.0f}")
    print(f"{'    same, replacing all ' + str(slices) + ' existing slices (re-run)':<52} {n:>9,} "
          f"{statistics.median(reload_t):>9.2f} {rate(n, statistics.median(reload_t)):>11,.0f}")
    print(f"{'(b) plain COPY into an identical table':<52} {n:>9,} {statistics.median(copy_t):>9.2f} {copy_rate:>11,.0f}")
    for method, (rows_used, seconds) in to_sql.items():
        label = f"(c) pandas to_sql, method={method}" + (" (chunks of 5000)" if method == "multi" else "")
        print(f"{label:<52} {rows_used:>9,} {seconds:>9.2f} {rate(rows_used, seconds):>11,.0f}")
    print("-" * 84)
    ratio = loader_rate / copy_rate
    print(f"loader / COPY   = {ratio:.2f}  (target >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'}); "
          f"re-run / COPY = {rate(n, statistics.median(reload_t)) / copy_rate:.2f}")
    for method, (rows_used, seconds) in to_sql.items():
        print(f"loader / to_sql = {loader_rate / rate(rows_used, seconds):.1f}x  (method={method}; expected >> 1)")
    print("GX gate not included (a fixed ~0.1–0.2 s per staged table, independent of this comparison).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
