"""Bad batches for tests that prove a source's GX gates bite.

A bad batch is a source's loaded rows with exactly one of them replaced by a broken copy (none
added, none lost), so a failing expectation can only come from that row; `gate_failures` runs every
suite the pipeline itself runs on the source's rows of a table and reports, per failing suite, the
rules that failed by their "why"."""

from __future__ import annotations

from atlas_ingest import pipeline, quality
from atlas_ingest.manifest import get_manifest

OBSERVATIONS = ("source_id", "table_id", "region_code", "region_level", "period_id", "contents_code", "dimensions",
                "value", "status", "ingest_run_id", "loaded_at")
SCHOOL_COLUMNS = ("source_id", "orgnr", "school_name", "kommune_nr", "kommune_name", "fylke_nr", "udir_enhet_id",
                  "report_codes", "school_type", "owner", "school_years", "record_hash", "ingest_run_id", "loaded_at")
# table -> (its columns, an order that makes "the first matching row" deterministic)
TABLES = {"raw.observations": (OBSERVATIONS, "region_code, period_id, contents_code, dimensions::text"),
          "raw.udir_schools": (SCHOOL_COLUMNS, "orgnr")}

# the generic raw_observations suite's rule every provider relies on for "suppressed = NULL + status"
NULL_EXACTLY_WITH_STATUS = "value is NULL exactly when an upstream status marker says why; a suppressed cell is never 0"


def base(table: str, source_id: str) -> str:
    return f"SELECT * FROM {table} WHERE source_id = '{source_id}'"


def broken(table: str, source_id: str, where: str, **overrides: str) -> str:
    """The source's loaded rows of `table` with one of them (the first matching `where`) replaced by
    a copy whose columns are overridden by the given SQL expressions."""
    columns, order = TABLES[table]
    assert set(overrides) <= set(columns), set(overrides) - set(columns)
    target = f"(SELECT ctid FROM {table} WHERE source_id = '{source_id}' AND {where} ORDER BY {order} LIMIT 1)"
    select = ", ".join(f"{overrides[c]} AS {c}" if c in overrides else c for c in columns)
    return (f"SELECT * FROM {table} WHERE source_id = '{source_id}' AND ctid <> {target} "
            f"UNION ALL SELECT {select} FROM {table} WHERE ctid = {target}")


def gate_failures(table: str, source_id: str, query: str) -> dict[str, list[str]]:
    """Every suite the pipeline runs on the source's rows of `table`, on `query`: the failing
    expectations (their "why", else their type) per suite that failed."""
    m = get_manifest(source_id)
    failures = {}
    for suite in pipeline.raw_suites(table, m):
        outcome = quality.run_suite(suite, query=query, target="test", variables=pipeline._suite_variables(m))
        assert outcome.evaluated > 0
        # a rule that could not run (an SQL error) also "fails": only a rule that ran may count
        assert not [f for f in outcome.failures if "exception" in f], outcome.failures
        if not outcome.success:
            failures[suite] = sorted(f["why"] or f["expectation"] for f in outcome.failures)
    return failures
