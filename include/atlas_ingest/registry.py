"""Mirror the manifests into `raw.source_registry` (read by dim_indicator and mart_ingest_health)."""

from __future__ import annotations

import json
from collections.abc import Iterable

import psycopg

from atlas_ingest.manifest import Manifest, load_manifests


def upsert_sources(conn: psycopg.Connection, manifests: Iterable[Manifest] | None = None) -> int:
    rows = [
        (m.id, m.provider.value, m.family, m.title, m.description, m.eu_theme.value, m.licence, m.cadence.value,
         m.period_grain.value, [g.value for g in m.geo_level], m.presentation_policy.value, m.methodology_version,
         m.methodology_note, m.raw_table, m.min_rows, m.freshness_budget.days,
         json.dumps(m.model_dump(mode="json"), ensure_ascii=False))
        for m in (manifests if manifests is not None else load_manifests())
    ]
    with conn.transaction():
        with conn.cursor() as cur:
            cur.executemany(
                """INSERT INTO raw.source_registry (source_id, provider, family, title, description, eu_theme, licence,
                       cadence, period_grain, geo_levels, presentation_policy, methodology_version, methodology_note,
                       raw_table, min_rows, freshness_budget_days, manifest, updated_at)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now())
                   ON CONFLICT (source_id) DO UPDATE SET
                       provider = EXCLUDED.provider, family = EXCLUDED.family, title = EXCLUDED.title,
                       description = EXCLUDED.description, eu_theme = EXCLUDED.eu_theme, licence = EXCLUDED.licence,
                       cadence = EXCLUDED.cadence, period_grain = EXCLUDED.period_grain,
                       geo_levels = EXCLUDED.geo_levels, presentation_policy = EXCLUDED.presentation_policy,
                       methodology_version = EXCLUDED.methodology_version,
                       methodology_note = EXCLUDED.methodology_note, raw_table = EXCLUDED.raw_table,
                       min_rows = EXCLUDED.min_rows, freshness_budget_days = EXCLUDED.freshness_budget_days,
                       manifest = EXCLUDED.manifest, updated_at = now()""",
                rows,
            )
    return len(rows)
