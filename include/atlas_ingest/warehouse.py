"""The PostgreSQL warehouse: connections, migrations, the COPY loader, locks and run bookkeeping.

psycopg 3 throughout. The loader's contract, which the integration tests hold it to:

1. rows are COPYed into a real (unlogged) staging table `raw_staging.<table>__<run>` so that the
   Great Expectations gate, which uses its own connection, can read them;
2. the gate runs on the staged rows; a failure drops the stage and leaves raw untouched;
3. one transaction deletes the affected slices — (source_id, slice value) pairs present in the
   stage — from the raw table and inserts the stage; a crash anywhere before COMMIT leaves the old
   slice intact;
4. an advisory lock per source serialises two runs of the same source: the second waits up to
   a timeout and then fails with a message naming the source and the holder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from atlas_ingest.periods import CANONICAL_PERIOD_REGEX
from atlas_ingest.settings import MIGRATIONS_DIR

log = logging.getLogger("atlas_ingest.warehouse")

WAREHOUSE_CONN_ID = "atlas_warehouse"


class WarehouseError(RuntimeError):
    pass


class SourceLocked(WarehouseError):
    pass


# ------------------------------------------------------------------------------------ connection
def dsn() -> str:
    """The warehouse URL: ATLAS_WAREHOUSE_URL, else the `atlas_warehouse` Airflow connection."""
    url = os.environ.get("ATLAS_WAREHOUSE_URL") or os.environ.get("AIRFLOW_CONN_ATLAS_WAREHOUSE")
    if not url:
        try:
            from airflow.sdk import Connection

            url = Connection.get(WAREHOUSE_CONN_ID).get_uri()
        except Exception as exc:  # noqa: BLE001 - the message below is the useful one
            raise WarehouseError(
                "no warehouse configured: set ATLAS_WAREHOUSE_URL or create the Airflow connection "
                f"{WAREHOUSE_CONN_ID!r} (airflow_settings.yaml does this for local runs); {exc}"
            ) from None
    return normalise_url(url)


def normalise_url(url: str) -> str:
    """Accept postgres://, postgresql+psycopg://, Airflow's `postgres://` URIs; return libpq form."""
    url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url.strip())
    if not url.startswith("postgresql://"):
        raise WarehouseError(f"not a PostgreSQL URL: {redact(url)}")
    return url


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def sqlalchemy_url(url: str | None = None) -> str:
    """For Great Expectations (SQLAlchemy + psycopg2); TCP only, see DESIGN.md gotchas."""
    return (url or dsn()).replace("postgresql://", "postgresql+psycopg2://", 1)


def connect(url: str | None = None, *, autocommit: bool = False) -> psycopg.Connection:
    target = url or dsn()
    try:
        return psycopg.connect(target, autocommit=autocommit, connect_timeout=10,
                               application_name="atlas_ingest")
    except psycopg.OperationalError as exc:
        raise WarehouseError(f"cannot connect to the warehouse at {redact(target)}: {exc}".strip()) from exc


# ------------------------------------------------------------------------------------ migrations
def migrate(conn: psycopg.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply numbered migrations not yet applied; refuse an applied one whose text changed."""
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('atlas:migrations'))")
        conn.execute("CREATE SCHEMA IF NOT EXISTS raw")
        conn.execute(
            """CREATE TABLE IF NOT EXISTS raw.schema_migrations (
                   version text PRIMARY KEY, checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        done = dict(conn.execute("SELECT version, checksum FROM raw.schema_migrations").fetchall())
        for path in sorted(directory.glob("[0-9][0-9][0-9][0-9]_*.sql")):
            text = path.read_text(encoding="utf-8")
            checksum = hashlib.sha256(text.encode()).hexdigest()
            version = path.stem
            if version in done:
                if done[version] != checksum:
                    raise WarehouseError(
                        f"migration {path.name} was changed after it was applied; add a new "
                        "numbered migration instead of editing an applied one"
                    )
                continue
            conn.execute(text)
            conn.execute("INSERT INTO raw.schema_migrations (version, checksum) VALUES (%s, %s)",
                         (version, checksum))
            applied.append(version)
    for version in applied:
        log.info("applied migration %s", version)
    return applied


# ------------------------------------------------------------------------------------ locks
def _lock_key(source_id: str) -> int:
    # A stable signed 64-bit key per source (hashtext is 32-bit and collides more easily).
    return int.from_bytes(hashlib.sha256(f"atlas:{source_id}".encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def source_lock(conn: psycopg.Connection, source_id: str, *, wait_seconds: float = 600,
                poll: float = 0.5) -> Iterator[None]:
    """Session advisory lock for one source; waits, then fails naming who holds it."""
    key = _lock_key(source_id)
    deadline = time.monotonic() + wait_seconds
    announced = False
    while True:
        got = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]
        if not conn.autocommit:
            conn.commit()
        if got:
            break
        holder = conn.execute(
            """SELECT a.pid, a.application_name, a.backend_start
                 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                  AND ((l.classid::bigint << 32) | l.objid::bigint) = %s""",
            (key,),
        ).fetchone()
        if not conn.autocommit:
            conn.commit()
        who = f"pid {holder[0]} ({holder[1]}, since {holder[2]:%Y-%m-%d %H:%M:%S})" if holder else "another session"
        if time.monotonic() >= deadline:
            raise SourceLocked(
                f"{source_id}: another run holds the load lock ({who}); waited {wait_seconds:.0f}s. "
                "Two runs of one source never interleave — let the other finish, or stop it."
            )
        if not announced:
            log.warning("%s: waiting for the load lock held by %s", source_id, who)
            announced = True
        time.sleep(poll)
    try:
        yield
    finally:
        with contextlib.suppress(psycopg.Error):
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.rollback()
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
            if not conn.autocommit:
                conn.commit()


# ------------------------------------------------------------------------------------ ingest runs
RUN_COLUMNS = {
    "status", "step", "finished_at", "requests", "bytes_fetched", "rows_in", "rows_out",
    "rows_quarantined", "periods", "upstream_updated", "upstream_version", "error", "details",
    "dag_id", "data_interval_start", "data_interval_end",
}


def start_run(conn: psycopg.Connection, source_id: str, run_key: str, **fields: Any) -> int:
    """Create (or, for a retried task, reuse) the ingest_runs row of this source run."""
    row = conn.execute(
        """INSERT INTO raw.ingest_runs (source_id, run_key, dag_id, data_interval_start, data_interval_end)
           VALUES (%s, %s, %s, %s, %s)
           ON CONFLICT (source_id, run_key) DO UPDATE
              SET status = 'running', error = NULL, finished_at = NULL
           RETURNING ingest_run_id""",
        (source_id, run_key, fields.get("dag_id"), fields.get("data_interval_start"),
         fields.get("data_interval_end")),
    ).fetchone()
    conn.commit()
    return row[0]


def find_run(conn: psycopg.Connection, source_id: str, run_key: str) -> int | None:
    row = conn.execute("SELECT ingest_run_id FROM raw.ingest_runs WHERE source_id = %s AND run_key = %s",
                       (source_id, run_key)).fetchone()
    return row[0] if row else None


def update_run(conn: psycopg.Connection, ingest_run_id: int, **fields: Any) -> None:
    unknown = set(fields) - RUN_COLUMNS
    if unknown:
        raise ValueError(f"unknown ingest_runs columns: {sorted(unknown)}")
    if not fields:
        return
    assignments, values = [], []
    for column, value in fields.items():
        if column == "details":
            assignments.append(sql.SQL("details = details || %s::jsonb"))
            values.append(json.dumps(value, default=str))
        else:
            assignments.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
            values.append(value)
    conn.execute(
        sql.SQL("UPDATE raw.ingest_runs SET {} WHERE ingest_run_id = %s").format(sql.SQL(", ").join(assignments)),
        (*values, ingest_run_id),
    )
    conn.commit()


def last_success(conn: psycopg.Connection, source_id: str) -> dict[str, Any] | None:
    cur = conn.execute(
        """SELECT ingest_run_id, run_key, finished_at, upstream_updated, upstream_version, periods, rows_out
             FROM raw.ingest_runs WHERE source_id = %s AND status = 'success'
            ORDER BY finished_at DESC NULLS LAST LIMIT 1""",
        (source_id,),
    )
    row = cur.fetchone()
    conn.commit()
    if row is None:
        return None
    return dict(zip([d.name for d in cur.description], row))


# ------------------------------------------------------------------------------------ loader
@dataclass(frozen=True)
class TableLoad:
    """One parsed file bound for one raw table.

    `slice_column` names the column whose values define the slices this load replaces (e.g.
    `period_id`); None replaces every row of the source in that table.
    """

    table: str
    columns: tuple[str, ...]
    slice_column: str | None


@dataclass
class LoadResult:
    table: str
    staged: int
    deleted: int
    inserted: int
    slices: list[str]


def _qualified(table: str) -> sql.Composed:
    schema, name = table.split(".", 1)
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name))


def stage_name(table: str, ingest_run_id: int) -> str:
    return f"raw_staging.{table.split('.', 1)[1]}__{ingest_run_id}"


def copy_into_stage(conn: psycopg.Connection, spec: TableLoad, ingest_run_id: int,
                    csv_chunks: Iterator[bytes] | bytes) -> tuple[str, int]:
    """COPY CSV (header, the spec's columns in order) into a fresh unlogged staging table."""
    stage = stage_name(spec.table, ingest_run_id)
    with conn.transaction():
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_qualified(stage)))
        conn.execute(sql.SQL("CREATE UNLOGGED TABLE {} (LIKE {} INCLUDING DEFAULTS)").format(
            _qualified(stage), _qualified(spec.table)))
        # Every staged row belongs to this run; the column is NOT NULL in raw.
        conn.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN ingest_run_id SET DEFAULT {}").format(
            _qualified(stage), sql.Literal(int(ingest_run_id))))
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, HEADER true)").format(
            _qualified(stage), sql.SQL(", ").join(sql.Identifier(c) for c in spec.columns))
        with conn.cursor() as cur:
            with cur.copy(copy_sql) as copy:
                for chunk in ([csv_chunks] if isinstance(csv_chunks, bytes) else csv_chunks):
                    copy.write(chunk)
        staged = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(_qualified(stage))).fetchone()[0]
    return stage, staged


def drop_stale_stages(conn: psycopg.Connection) -> list[str]:
    """Drop staging tables left by runs that are no longer running (a killed worker leaves one)."""
    stale = [r[0] for r in conn.execute(
        r"""SELECT t.tablename FROM pg_tables t
             WHERE t.schemaname = 'raw_staging'
               AND NOT EXISTS (SELECT 1 FROM raw.ingest_runs r
                                WHERE r.status = 'running'
                                  AND t.tablename LIKE '%\_\_' || r.ingest_run_id::text)""").fetchall()]
    conn.commit()
    for table in stale:
        drop_stage(conn, f"raw_staging.{table}")
        log.warning("dropped the stale staging table raw_staging.%s (its run is not running)", table)
    return stale


def drop_stage(conn: psycopg.Connection, stage: str) -> None:
    with conn.transaction():
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_qualified(stage)))


def replace_slices(conn: psycopg.Connection, spec: TableLoad, stage: str, source_id: str,
                   *, before_commit: Callable[[psycopg.Connection], None] | None = None) -> LoadResult:
    """In ONE transaction: delete the stage's slices of `source_id` from the table, insert the stage.

    `before_commit` runs inside the transaction (the run bookkeeping uses it, so the raw rows and
    the ingest_runs row commit together; tests use it to simulate a crash mid-load).
    """
    target = _qualified(spec.table)
    staged_q = _qualified(stage)
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in (*spec.columns, "ingest_run_id"))
    with conn.transaction():
        staged = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(staged_q)).fetchone()[0]
        wrong = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE source_id IS DISTINCT FROM %s").format(staged_q),
                             (source_id,)).fetchone()[0]
        if wrong:
            raise WarehouseError(f"{source_id}: {wrong} staged rows carry another source_id; refusing to load")
        if spec.slice_column:
            col = sql.Identifier(spec.slice_column)
            slices = [str(r[0]) for r in conn.execute(
                sql.SQL("SELECT DISTINCT {} FROM {} ORDER BY 1").format(col, staged_q)).fetchall()]
            deleted = conn.execute(
                sql.SQL("DELETE FROM {t} WHERE source_id = %s AND {c} IN (SELECT DISTINCT {c} FROM {s})").format(
                    t=target, c=col, s=staged_q), (source_id,)).rowcount
        else:
            slices = ["*"]
            deleted = conn.execute(sql.SQL("DELETE FROM {} WHERE source_id = %s").format(target),
                                   (source_id,)).rowcount
        inserted = conn.execute(
            sql.SQL("INSERT INTO {t} ({c}) SELECT {c} FROM {s}").format(t=target, c=columns, s=staged_q)).rowcount
        if before_commit is not None:
            before_commit(conn)
    return LoadResult(spec.table, staged, deleted, inserted, slices)


def quarantine_unplaceable_regions(conn: psycopg.Connection, stage: str, source_id: str, ingest_run_id: int,
                                   grain: str) -> tuple[int, bool]:
    """Move staged observations whose region Klass cannot place into raw.quarantine.

    * a kommune code Klass 131 has never had → "unknown kommune code";
    * a kommune code with a figure (any status but `.`) for a period it was not valid in →
      "used outside its validity";
    * a bydel code whose first four digits are no kommune, or (once Klass 103 is loaded) that is
      no bydel Klass knows, not even through its kommune's renumbering (Bergen 1201xx → 4601xx);
    * a fylke code no kommune starts with.
    Returns (rows moved, whether the check could run): before the ssb-klass-kommuner source has
    loaded there is nothing to check against, and the check is skipped with a warning.
    """
    known = conn.execute("SELECT count(*) FROM raw.klass_codes WHERE source_id = 'ssb-klass-kommuner'").fetchone()[0]
    conn.commit()
    if not known:
        log.warning("%s: raw.klass_codes has no kommuner yet (run ssb-klass-kommuner first): region codes "
                    "are not checked against Klass in this load", source_id)
        return 0, False
    staged = _qualified(stage)
    moved = conn.execute(sql.SQL("""
        WITH k AS (SELECT code, valid_from, valid_to FROM raw.klass_codes
                    WHERE source_id = 'ssb-klass-kommuner' AND code <> '9999'),
        b AS (SELECT DISTINCT code FROM raw.klass_codes WHERE source_id = 'ssb-klass-bydeler'),
        judged AS (
            SELECT s.ctid AS row_id, s.*,
                   CASE
                     WHEN s.region_level = 'kommune' AND NOT EXISTS (SELECT 1 FROM k WHERE k.code = s.region_code)
                       THEN 'unknown kommune code ' || s.region_code || ' (not in Klass 131 since 2018)'
                     WHEN s.region_level = 'kommune' AND s.status IS DISTINCT FROM '.'
                          AND s.period_id ~ %(period_regex)s AND NOT EXISTS (
                            SELECT 1 FROM k WHERE k.code = s.region_code
                               AND k.valid_from <= raw.period_end(s.period_id, %(grain)s)
                               AND (k.valid_to IS NULL OR k.valid_to > raw.period_start(s.period_id, %(grain)s)))
                       THEN 'kommune code ' || s.region_code || ' used outside its validity (period ' || s.period_id
                            || '; valid ' || (SELECT string_agg(k.valid_from || '..' || coalesce(k.valid_to::text, ''), ', ')
                                               FROM k WHERE k.code = s.region_code) || ')'
                     WHEN s.region_level = 'bydel' AND NOT EXISTS (SELECT 1 FROM k WHERE k.code = left(s.region_code, 4))
                       THEN 'bydel code ' || s.region_code || ' belongs to no known kommune'
                     WHEN s.region_level = 'bydel' AND EXISTS (SELECT 1 FROM b)
                          AND NOT EXISTS (SELECT 1 FROM b WHERE b.code = s.region_code)
                          AND NOT EXISTS (SELECT 1 FROM raw.kommune_crosswalk x JOIN b
                                            ON b.code = x.current_kommune_nr || right(s.region_code, 2)
                                          WHERE x.source_id = 'ssb-klass-kommuner' AND x.n_current = 1
                                            AND x.kommune_nr = left(s.region_code, 4))
                       THEN 'bydel code ' || s.region_code || ' is not in Klass 103, not even through its '
                            || 'kommune''s renumbering'
                     WHEN s.region_level = 'fylke' AND NOT EXISTS (SELECT 1 FROM k WHERE left(k.code, 2) = s.region_code)
                       THEN 'fylke code ' || s.region_code || ' is the prefix of no known kommune'
                   END AS reason
              FROM {stage} s),
        bad AS (SELECT * FROM judged WHERE reason IS NOT NULL),
        removed AS (DELETE FROM {stage} s USING bad WHERE s.ctid = bad.row_id RETURNING s.source_id)
        INSERT INTO raw.quarantine (source_id, ingest_run_id, locator, reason, payload)
        SELECT %(source_id)s, %(run_id)s,
               'raw.observations ' || bad.table_id || ' ' || bad.region_code || ' ' || bad.period_id || ' '
                   || bad.contents_code || ' ' || bad.dimensions::text,
               bad.reason,
               jsonb_build_object('region_code', bad.region_code, 'period_id', bad.period_id,
                                  'contents_code', bad.contents_code, 'dimensions', bad.dimensions,
                                  'value', bad.value, 'status', bad.status)
          FROM bad""").format(stage=staged),
        # a malformed period is the raw suite's to report; only well-formed ones are dated here
        {"grain": grain, "source_id": source_id, "run_id": ingest_run_id,
         "period_regex": CANONICAL_PERIOD_REGEX}).rowcount
    conn.commit()
    return moved, True


def insert_quarantine(conn: psycopg.Connection, source_id: str, ingest_run_id: int,
                      records: Sequence[dict[str, Any]]) -> int:
    """Replace this run's quarantine rows (a retried task must not double them)."""
    with conn.transaction():
        conn.execute("DELETE FROM raw.quarantine WHERE source_id = %s AND ingest_run_id = %s",
                     (source_id, ingest_run_id))
        with conn.cursor() as cur:
            with cur.copy("COPY raw.quarantine (source_id, ingest_run_id, locator, reason, payload) FROM STDIN") as copy:
                for rec in records:
                    copy.write_row((source_id, ingest_run_id, rec["locator"], rec["reason"],
                                    json.dumps(rec.get("payload"), ensure_ascii=False, default=str)))
    return len(records)
