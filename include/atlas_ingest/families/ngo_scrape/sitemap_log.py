"""raw.sitemap_log and orphans: the writes every scraped source's merge shares.

Both run inside the load's one transaction (no commits here). The staged sitemap rows are the
URLs this run's sitemap listed, each with the lastmod it published and, when this run loaded the
page, the `processed_lastmod` to record (NULL = keep what the log had, so a failed page is
fetched again next run).
"""

from __future__ import annotations

from psycopg import sql

from atlas_ingest.warehouse import TableLoad

SITEMAP_LOG_COLUMNS = ("source_id", "url", "lastmod", "processed_lastmod")
SITEMAP_LOG_LOAD = TableLoad("raw.sitemap_log", SITEMAP_LOG_COLUMNS, None)


def _q(name: str) -> sql.Composed:
    schema, table = name.split(".", 1)
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))


def staged_urls(conn, stage: str) -> int:
    return conn.execute(sql.SQL("SELECT count(*) FROM {}").format(_q(stage))).fetchone()[0]


def upsert(conn, stage: str, source_id: str, ingest_run_id: int) -> tuple[int, int]:
    """Insert URLs seen for the first time, refresh the others; returns (new, seen again)."""
    rows = conn.execute(sql.SQL("""
        INSERT INTO raw.sitemap_log AS l (source_id, url, lastmod, processed_lastmod, first_seen_at, last_seen_at,
                                          ingest_run_id)
        SELECT s.source_id, s.url, s.lastmod, s.processed_lastmod, now(), now(), %(run)s
          FROM {stage} s
         WHERE s.source_id = %(source)s
        ON CONFLICT (source_id, url) DO UPDATE
           SET lastmod = excluded.lastmod,
               processed_lastmod = coalesce(excluded.processed_lastmod, l.processed_lastmod),
               last_seen_at = excluded.last_seen_at,
               ingest_run_id = excluded.ingest_run_id
        RETURNING (xmax = 0) AS inserted""").format(stage=_q(stage)),
        {"run": ingest_run_id, "source": source_id}).fetchall()
    new = sum(1 for (inserted,) in rows if inserted)
    return new, len(rows) - new


def mark_orphans(conn, records_table: str, stage: str, source_id: str) -> list[str]:
    """Records whose URL this run's sitemap no longer lists become is_active = false (never
    deleted); returns their URLs."""
    rows = conn.execute(sql.SQL("""
        UPDATE {records} r SET is_active = false
         WHERE r.source_id = %(source)s AND r.is_active
           AND NOT EXISTS (SELECT 1 FROM {stage} s WHERE s.url = r.url)
        RETURNING r.url""").format(records=_q(records_table), stage=_q(stage)), {"source": source_id}).fetchall()
    return sorted(url for (url,) in rows)


def reactivate(conn, records_table: str, stage: str, source_id: str) -> list[str]:
    """Inactive records whose URL is listed again come back (history was kept for this)."""
    rows = conn.execute(sql.SQL("""
        UPDATE {records} r SET is_active = true
         WHERE r.source_id = %(source)s AND NOT r.is_active
           AND EXISTS (SELECT 1 FROM {stage} s WHERE s.url = r.url)
        RETURNING r.url""").format(records=_q(records_table), stage=_q(stage)), {"source": source_id}).fetchall()
    return sorted(url for (url,) in rows)
