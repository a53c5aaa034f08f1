"""`atlas report`: one self-contained HTML page people can look at (`.atlas/report/index.html`).

Everything is in the file — CSS inline, charts as inline SVG drawn here, no script, no font, no
CDN — so it opens offline, from a mail attachment or a CI artefact. It reads the marts only:

* ingest health per source (mart_ingest_health): last run, rows, quarantine, freshness;
* the coverage gaps (mart_coverage_gap) per need of the seed coverage_gap_parameters, with their
  confidence, and the supply behind them (fact_kommune_supply);
* a bar chart per headline indicator (each need's indicator, fact_kommune_need) and a kommune
  map of the first default-policy need with its gap kommuner marked — points, not boundaries:
  no kommune boundary file could be vendored here (see include/reference/PROVENANCE.md);
* the disclosure check of Atlas's own aggregates (fact_indicator_rollups).

Presentation policy (seed ref_presentation_policy, via dim_indicator.presentation_policy): a
sensitive indicator is shown per fylke only (upstream's fylke rows), sorted by fylke number, with
the policy's note — never a kommune list, ranking or map.
"""

from __future__ import annotations

import csv
import html
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from atlas_ingest.settings import REFERENCE_DIR, atlas_home, sources_dir

MAP_POINTS = REFERENCE_DIR / "kommune_points_2024.csv"
CONFIDENCE_ORDER = ("confirmed", "supply_unknown", "need_suppressed", "need_suppressed_supply_unknown",
                    "need_missing", "need_missing_supply_unknown")
CONFIDENCE_TEXT = {
    "confirmed": "gap: high need, no supply (every covered NGO's data healthy)",
    "supply_unknown": "high need, supply unknown (NGO data failed, stale or quarantined) — not a gap",
    "need_suppressed": "need suppressed upstream (unknown, not low), no supply",
    "need_suppressed_supply_unknown": "need suppressed, supply unknown",
    "need_missing": "need not published, no supply",
    "need_missing_supply_unknown": "need not published, supply unknown",
}
TOP_BARS = 15


class ReportError(RuntimeError):
    pass


@dataclass
class Need:
    need_id: str
    indicator_id: str
    label: str
    category: str
    category_label: str
    policy: str
    period_id: str | None
    direction: str
    top_fraction: Decimal
    threshold: float | None = None
    per_capita: str | None = None
    confidence_counts: dict[str, int] = field(default_factory=dict)
    gaps: list[dict[str, Any]] = field(default_factory=list)
    gaps_by_fylke: list[dict[str, Any]] = field(default_factory=list)
    bars: list[tuple[str, float, bool]] = field(default_factory=list)  # label, value, is_gap
    bars_note: str = ""


# ------------------------------------------------------------------------------ reading
def _rows(conn, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    cur = conn.execute(sql, params)
    names = [d.name for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _exists(conn, relation: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (relation,)).fetchone()[0]


def read(url: str | None = None) -> dict[str, Any]:
    """Everything the page shows, from the marts."""
    from atlas_ingest import warehouse

    with warehouse.connect(url) as conn:
        missing = [r for r in ("marts.mart_ingest_health", "marts.mart_coverage_gap", "marts.fact_kommune_need",
                               "marts.fact_kommune_supply", "reference.ref_presentation_policy") if not _exists(conn, r)]
        if missing:
            raise ReportError(f"not built yet: {', '.join(missing)} — run the atlas_marts DAG (or `make demo`) first")
        policies = {r["policy"]: r for r in _rows(conn, "SELECT * FROM reference.ref_presentation_policy")}
        health = _rows(conn, """
            SELECT source_id, family, title, cadence, last_run_status, last_run_finished_at, last_success_at,
                   last_success_rows, raw_rows, last_run_quarantined, quarantined_total, age_days,
                   freshness_budget_days, freshness_status, last_error
              FROM marts.mart_ingest_health ORDER BY family, source_id""")
        needs = _read_needs(conn, policies)
        supply = _rows(conn, """
            SELECT service_category_code, max(service_category_label_no) AS label,
                   count(*) FILTER (WHERE supply_status = 'present') AS present,
                   count(*) FILTER (WHERE supply_status = 'unknown') AS unknown,
                   count(*) FILTER (WHERE supply_status = 'none') AS none,
                   sum(active_chapters) AS chapter_links
              FROM marts.fact_kommune_supply GROUP BY service_category_code
             ORDER BY count(*) FILTER (WHERE supply_status = 'present') DESC, service_category_code""")
        supply_meta = _rows(conn, """
            SELECT max(array_to_string(ngos_covered, ', ')) AS ngos, max(unplaced_chapters_nationally) AS unplaced,
                   count(DISTINCT kommune_nr) FILTER (WHERE supply_status = 'present') AS kommuner_with_supply
              FROM marts.fact_kommune_supply""")[0]
        rollups = _rows(conn, """
            SELECT rollup, disclosure_flag, count(*) AS n, count(*) FILTER (WHERE upstream_total_discloses) AS flagged
              FROM marts.fact_indicator_rollups GROUP BY 1, 2 ORDER BY 1, 2""") \
            if _exists(conn, "marts.fact_indicator_rollups") else []
        map_data = _read_map(conn, needs, policies)
    return {"generated_at": datetime.now(timezone.utc), "health": health, "needs": needs, "supply": supply,
            "supply_meta": supply_meta, "rollups": rollups, "map": map_data, "policies": policies,
            "constructed": constructed_sources()}


def _read_needs(conn, policies) -> list[Need]:
    needs = []
    params = _rows(conn, """
        SELECT n.need_id, n.indicator_id, max(n.label_en) AS label, max(n.service_category_code) AS category,
               max(c.label_no) AS category_label, coalesce(max(i.presentation_policy), 'default') AS policy,
               max(n.period_id) AS period_id, max(n.need_direction) AS direction, max(n.top_fraction) AS top_fraction,
               max(n.denominator_age_group) AS age_group, max(n.per_capita_unit) AS per_unit,
               max(i.indicator_label) AS indicator_label
          FROM marts.fact_kommune_need n
          LEFT JOIN marts.dim_indicator i USING (indicator_id)
          LEFT JOIN reference.ref_atlas_service_category c ON c.code = n.service_category_code
         GROUP BY n.need_id, n.indicator_id ORDER BY max(n.sort_order), n.need_id""")
    for p in params:
        need = Need(need_id=p["need_id"], indicator_id=p["indicator_id"], label=p["label"], category=p["category"],
                    category_label=p["category_label"] or p["category"], policy=p["policy"], period_id=p["period_id"],
                    direction=p["direction"], top_fraction=p["top_fraction"],
                    per_capita=(f"per {int(p['per_unit']):,} inhabitants ({p['age_group']})".replace(",", " ")
                                if p["age_group"] else None))
        key = (need.need_id, need.period_id)
        need.threshold = conn.execute("SELECT max(threshold) FROM marts.fact_kommune_need WHERE need_id = %s "
                                      "AND period_id = %s", key).fetchone()[0]
        need.confidence_counts = {r["confidence"]: r["n"] for r in _rows(conn, """
            SELECT confidence, count(*) AS n FROM marts.mart_coverage_gap WHERE need_id = %s AND period_id = %s
             GROUP BY 1""", key)}
        sensitive = not policies.get(need.policy, {}).get("may_rank", True) or \
            policies.get(need.policy, {}).get("finest_level") == "fylke"
        if sensitive:
            need.gaps_by_fylke = _rows(conn, """
                SELECT fylke_nr, fylke_name, count(*) FILTER (WHERE confidence = 'confirmed') AS confirmed,
                       count(*) FILTER (WHERE confidence <> 'confirmed') AS other
                  FROM marts.mart_coverage_gap WHERE need_id = %s AND period_id = %s
                 GROUP BY 1, 2 ORDER BY 1""", key)
            need.bars = [(f"{r['fylke_nr']} {r['fylke_name']}", float(r["value"]), False) for r in _rows(conn, """
                SELECT o.region_code AS fylke_nr, f.fylke_name, o.value
                  FROM intermediate.int_observations__unioned o
                  JOIN marts.dim_fylke f ON f.fylke_nr = o.region_code
                  JOIN reference.coverage_gap_parameters p ON p.need_id = %s AND p.indicator_id = o.indicator_id
                 WHERE o.region_level = 'fylke' AND o.period_id = %s AND o.value IS NOT NULL
                   AND o.dimensions = p.dimensions::jsonb
                 ORDER BY o.region_code""", key)]
            need.bars_note = "per fylke (upstream's own fylke figures), in fylke-number order — not ranked"
        else:
            need.gaps = _rows(conn, """
                SELECT kommune_nr, kommune_name, fylke_name, need_value, threshold, kommune_population
                  FROM marts.mart_coverage_gap
                 WHERE need_id = %s AND period_id = %s AND confidence = 'confirmed'
                 ORDER BY need_value DESC NULLS LAST, kommune_nr""", key)
            gap_set = {g["kommune_nr"] for g in need.gaps}
            order = "DESC" if need.direction == "high" else "ASC"
            need.bars = [(f"{r['kommune_name']}", float(r["need_value"]), r["kommune_nr"] in gap_set)
                         for r in _rows(conn, f"""
                SELECT kommune_nr, kommune_name, need_value FROM marts.fact_kommune_need
                 WHERE need_id = %s AND period_id = %s AND need_value IS NOT NULL
                 ORDER BY need_value {order}, kommune_nr LIMIT {TOP_BARS}""", key)]
            need.bars_note = (f"the {TOP_BARS} kommuner with the highest need"
                              + (f" ({need.per_capita})" if need.per_capita else "") + "; red = a confirmed gap")
        needs.append(need)
    return needs


def _read_map(conn, needs: list[Need], policies) -> dict[str, Any] | None:
    """The first need whose policy allows kommune level: every kommune's need status + its gaps."""
    need = next((n for n in needs if policies.get(n.policy, {}).get("finest_level", "kommune") == "kommune"), None)
    if need is None or not MAP_POINTS.exists():
        return None
    status = {r["kommune_nr"]: r for r in _rows(conn, """
        SELECT n.kommune_nr, n.kommune_name, n.need_status, n.need_value,
               coalesce(g.confidence, '') AS confidence
          FROM marts.fact_kommune_need n
          LEFT JOIN marts.mart_coverage_gap g USING (need_id, period_id, kommune_nr)
         WHERE n.need_id = %s AND n.period_id = %s""", (need.need_id, need.period_id))}
    points = []
    with MAP_POINTS.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["kommune_nr"] in status:
                points.append({**status[row["kommune_nr"]], "lon": float(row["lon"]), "lat": float(row["lat"])})
    return {"need": need, "points": points, "without_point": sorted(set(status) - {p["kommune_nr"] for p in points})}


def constructed_sources() -> list[str]:
    """Sources whose snapshots say they were constructed: their numbers are not official statistics."""
    out = []
    for path in sorted(sources_dir().glob("*/snapshots/SNAPSHOT.md")):
        if re.search(r"construct", path.read_text(encoding="utf-8", errors="replace"), re.I):
            out.append(path.parent.parent.name)
    return out


# ------------------------------------------------------------------------------- drawing
def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _fmt(value: Any, decimals: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal) and value == value.to_integral_value() and decimals <= 1:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    if isinstance(value, (float, Decimal)):
        number = float(value)
        return f"{number:,.{decimals}f}".replace(",", " ") if abs(number) < 1e15 else str(number)
    return str(value)


def bar_chart(bars: list[tuple[str, float, bool]], *, title: str, threshold: float | None = None,
              chart_id: str = "") -> str:
    """Horizontal bars as inline SVG; a dashed line at the threshold; flagged bars in red."""
    if not bars:
        return f"<p class='empty' data-chart='{_e(chart_id)}'>No published values to draw for {_e(title)}.</p>"
    width, label_w, bar_h, gap = 640, 190, 18, 6
    top = 8
    height = top + len(bars) * (bar_h + gap) + 24
    high = max(max(v for _, v, _ in bars), threshold or 0) or 1.0
    decimals = 0 if all(float(v).is_integer() for _, v, _ in bars) else 1
    scale = (width - label_w - 60) / high
    parts = [f"<svg class='chart bar-chart' id='{_e(chart_id)}' role='img' aria-label='{_e(title)}' "
             f"viewBox='0 0 {width} {height}' width='{width}' height='{height}' xmlns='http://www.w3.org/2000/svg'>",
             f"<title>{_e(title)}</title>"]
    for i, (label, value, flagged) in enumerate(bars):
        y = top + i * (bar_h + gap)
        w = max(1.0, value * scale)
        parts.append(f"<text x='{label_w - 6}' y='{y + bar_h - 5}' text-anchor='end' class='lbl'>{_e(label[:28])}</text>")
        parts.append(f"<rect class='bar{' flagged' if flagged else ''}' x='{label_w}' y='{y}' width='{w:.1f}' "
                     f"height='{bar_h}'><title>{_e(label)}: {_fmt(value, 2)}</title></rect>")
        parts.append(f"<text x='{label_w + w + 4:.1f}' y='{y + bar_h - 5}' class='val'>{_fmt(value, decimals)}</text>")
    if threshold is not None:
        x = label_w + threshold * scale
        parts.append(f"<line class='threshold' x1='{x:.1f}' x2='{x:.1f}' y1='{top - 4}' y2='{height - 18}'/>")
        parts.append(f"<text x='{x:.1f}' y='{height - 6}' text-anchor='middle' class='val'>threshold "
                     f"{_fmt(threshold, 1)}</text>")
    parts.append("</svg>")
    return "".join(parts)


def point_map(points: list[dict[str, Any]], *, title: str) -> str:
    """Kommune points (equirectangular, scaled by cos 65°N) coloured by need status; gaps ringed."""
    if not points:
        return "<p class='empty'>No kommune points to draw.</p>"
    lons = [p["lon"] for p in points]
    lats = [p["lat"] for p in points]
    k = math.cos(math.radians(65))
    width = 460
    span_x = (max(lons) - min(lons)) * k or 1
    span_y = (max(lats) - min(lats)) or 1
    height = int(width * span_y / span_x) + 20
    scale = (width - 20) / span_x

    def xy(p):
        return 10 + (p["lon"] - min(lons)) * k * scale, 10 + (max(lats) - p["lat"]) * scale

    parts = [f"<svg class='chart point-map' id='gap-map' role='img' aria-label='{_e(title)}' viewBox='0 0 {width} "
             f"{height}' width='{width}' height='{height}' xmlns='http://www.w3.org/2000/svg'><title>{_e(title)}</title>"]
    for p in sorted(points, key=lambda p: p["confidence"] == "confirmed"):
        x, y = xy(p)
        cls = f"pt {p['need_status']}" + (" gap" if p["confidence"] == "confirmed" else "")
        r = 4.5 if p["confidence"] == "confirmed" else 2.6
        parts.append(f"<circle class='{cls}' cx='{x:.1f}' cy='{y:.1f}' r='{r}'><title>{_e(p['kommune_name'])} "
                     f"({p['kommune_nr']}): {_e(p['need_status'])} {_fmt(p['need_value'], 1)}"
                     f"{' — gap' if p['confidence'] == 'confirmed' else ''}</title></circle>")
    parts.append("</svg>")
    return "".join(parts)


CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;background:#fff}
header{background:#0b3d5c;color:#fff;padding:1.2rem 2rem}header h1{margin:0 0 .3rem;font-size:1.5rem}
main{padding:1rem 2rem 3rem;max-width:1100px}h2{border-bottom:2px solid #0b3d5c;padding-bottom:.2rem;margin-top:2rem}
h3{margin:1.4rem 0 .4rem}table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:13px}
td,th{padding:.25rem .55rem;border-bottom:1px solid #dde2e6;text-align:left;vertical-align:top}
th{background:#f3f5f7}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#1a7f37}.warn{color:#9a6700}.stale,.failed{color:#cf222e;font-weight:600}
.note{color:#57606a;font-size:12.5px}.banner{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem .8rem;margin:1rem 0}
.chips span{display:inline-block;margin:0 .4rem .3rem 0;padding:.1rem .5rem;border-radius:1rem;background:#eef1f4}
.chips .confirmed{background:#ffdcd7}.sensitive{border-left:4px solid #9a6700;padding-left:.6rem}
svg.chart{display:block;margin:.4rem 0 1rem;max-width:100%;height:auto}
svg .bar{fill:#4a7fa8}svg .bar.flagged{fill:#cf222e}svg .lbl,svg .val{font-size:11px;fill:#1b1f24}
svg .threshold{stroke:#1b1f24;stroke-dasharray:4 3}
svg .pt{fill:#c9d3dc}svg .pt.high{fill:#f0a35e}svg .pt.suppressed,svg .pt.missing{fill:#fff;stroke:#8c959f}
svg .pt.gap{fill:#cf222e;stroke:#5c0b0b;stroke-width:1.2}
.legend i{display:inline-block;width:10px;height:10px;border-radius:50%;margin:0 .25rem 0 .8rem}
"""


def render(data: dict[str, Any]) -> str:
    out = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
           "<meta name='viewport' content='width=device-width, initial-scale=1'>",
           "<title>Atlas — need and NGO supply</title>", f"<style>{CSS}</style></head><body>",
           "<header><h1>Atlas — need and NGO supply</h1>",
           f"<div>Generated {_fmt(data['generated_at'])} UTC from the warehouse marts. One file, no network needed.</div>"
           "</header><main>"]
    if data["constructed"]:
        out.append("<p class='banner' id='constructed-note'><b>Not official statistics.</b> The replayed snapshots "
                   f"of {len(data['constructed'])} sources are wholly or partly constructed for development — real codes "
                   "and shapes, invented numbers where each source's <code>snapshots/SNAPSHOT.md</code> says so: "
                   + ", ".join(f"<code>{_e(s)}</code>" for s in data["constructed"]) + ".</p>")
    out.append("<nav class='note'><a href='#ingest-health'>Ingest health</a> · <a href='#coverage-gaps'>Coverage gaps</a>"
               " · <a href='#indicators'>Headline indicators</a> · <a href='#supply'>NGO supply</a> · "
               "<a href='#disclosure'>Disclosure check</a></nav>")
    out += _health_section(data["health"])
    out += _gaps_section(data)
    out += _indicator_section(data)
    out += _supply_section(data)
    out += _disclosure_section(data["rollups"])
    out.append("</main></body></html>")
    return "\n".join(out)


def _health_section(health: list[dict[str, Any]]) -> list[str]:
    counts = {s: sum(1 for r in health if r["freshness_status"] == s) for s in ("ok", "warn", "stale")}
    failed = sum(1 for r in health if r["last_run_status"] == "failed")
    out = ["<section id='ingest-health'><h2>Ingest health</h2>",
           f"<p class='chips'><span>{len(health)} sources</span><span class='ok'>{counts['ok']} fresh</span>"
           f"<span class='warn'>{counts['warn']} late</span><span class='stale'>{counts['stale']} stale</span>"
           f"<span class='failed'>{failed} last run failed</span><span>{_fmt(sum(r['raw_rows'] or 0 for r in health))} "
           "rows in raw</span></p>",
           "<table id='health-table'><thead><tr><th>source</th><th>family</th><th>last run</th><th>finished</th>"
           "<th>last success</th><th class='num'>rows in raw</th><th class='num'>quarantined (last / all)</th>"
           "<th>freshness</th><th class='num'>age / budget (days)</th><th>last error</th></tr></thead><tbody>"]
    for r in health:
        out.append(
            f"<tr><td title='{_e(r['title'])}'><code>{_e(r['source_id'])}</code></td><td>{_e(r['family'])}</td>"
            f"<td class='{'failed' if r['last_run_status'] == 'failed' else ''}'>{_e(r['last_run_status'] or 'never')}</td>"
            f"<td>{_fmt(r['last_run_finished_at'])}</td><td>{_fmt(r['last_success_at'])}</td>"
            f"<td class='num'>{_fmt(r['raw_rows'])}</td>"
            f"<td class='num'>{_fmt(r['last_run_quarantined'])} / {_fmt(r['quarantined_total'])}</td>"
            f"<td class='{_e(r['freshness_status'])}'>{_e(r['freshness_status'])}</td>"
            f"<td class='num'>{_fmt(r['age_days'])} / {_fmt(r['freshness_budget_days'])}</td>"
            f"<td class='note'>{_e((r['last_error'] or '')[:160])}</td></tr>")
    out.append("</tbody></table></section>")
    return out


def _gaps_section(data: dict[str, Any]) -> list[str]:
    policies = data["policies"]
    out = ["<section id='coverage-gaps'><h2>Coverage gaps</h2>",
           "<p>Kommuner where the need is in the top group and no active local chapter of any NGO Atlas covers "
           f"(<b>{_e(data['supply_meta']['ngos'] or 'none yet')}</b>) offers the service — "
           "<code>marts.mart_coverage_gap</code>, latest period per need. Only <b>confirmed</b> rows are gaps; the "
           "others say what Atlas does not know.</p>"]
    for need in data["needs"]:
        policy = policies.get(need.policy, {})
        sensitive = need.policy != "default"
        out.append(f"<div class='need{' sensitive' if sensitive else ''}' id='need-{_e(need.need_id)}'>"
                   f"<h3>{_e(need.label)} <span class='note'>({_e(need.period_id)})</span></h3>")
        out.append(f"<p class='note'>Need <code>{_e(need.indicator_id)}</code>"
                   + (f" {_e(need.per_capita)}" if need.per_capita else "")
                   + f", top {_fmt(float(need.top_fraction) * 100, 0)} % of kommuner (threshold "
                   f"{_fmt(need.threshold, 2)}); supply: <b>{_e(need.category_label)}</b> "
                   f"(<code>{_e(need.category)}</code>).</p>")
        chips = "".join(f"<span class='{c}' title='{_e(CONFIDENCE_TEXT[c])}'>{_e(c)}: {need.confidence_counts.get(c, 0)}</span>"
                        for c in CONFIDENCE_ORDER if need.confidence_counts.get(c))
        out.append(f"<p class='chips'>{chips or '<span>no kommune flagged</span>'}</p>")
        if sensitive:
            out.append(f"<p class='note'>{_e(policy.get('note_en') or 'Shown per fylke only.')}</p>")
            out.append("<table class='gap-table by-fylke'><thead><tr><th>fylke</th><th class='num'>confirmed gaps</th>"
                       "<th class='num'>other flagged</th></tr></thead><tbody>")
            for r in need.gaps_by_fylke:
                out.append(f"<tr><td>{_e(r['fylke_nr'])} {_e(r['fylke_name'])}</td><td class='num'>{r['confirmed']}</td>"
                           f"<td class='num'>{r['other']}</td></tr>")
            out.append("</tbody></table>")
        else:
            out.append(f"<table class='gap-table' data-need='{_e(need.need_id)}'><thead><tr><th>kommune</th><th>fylke</th>"
                       "<th class='num'>need</th><th class='num'>threshold</th><th class='num'>population</th>"
                       "</tr></thead><tbody>")
            for g in need.gaps:
                out.append(f"<tr><td>{_e(g['kommune_nr'])} {_e(g['kommune_name'])}</td><td>{_e(g['fylke_name'])}</td>"
                           f"<td class='num'>{_fmt(g['need_value'], 2)}</td><td class='num'>{_fmt(g['threshold'], 2)}</td>"
                           f"<td class='num'>{_fmt(g['kommune_population'], 0)}</td></tr>")
            if not need.gaps:
                out.append("<tr><td colspan='5' class='note'>no confirmed gap</td></tr>")
            out.append("</tbody></table>")
        out.append("</div>")
    out.append("</section>")
    return out


def _indicator_section(data: dict[str, Any]) -> list[str]:
    out = ["<section id='indicators'><h2>Headline indicators</h2>"]
    seen = set()
    for need in data["needs"]:
        if need.indicator_id in seen and need.bars:
            continue
        seen.add(need.indicator_id)
        out.append(f"<h3>{_e(need.label.split(' and ')[0])} <span class='note'>({_e(need.period_id)})</span></h3>"
                   f"<p class='note'>{_e(need.bars_note)}</p>")
        out.append(bar_chart(need.bars, title=f"{need.label} {need.period_id}",
                             threshold=None if need.policy != "default" or need.threshold is None else float(need.threshold),
                             chart_id=f"bars-{need.need_id}"))
    m = data["map"]
    if m:
        need = m["need"]
        out.append(f"<h3 id='map'>Map: {_e(need.label)} <span class='note'>({_e(need.period_id)})</span></h3>")
        out.append("<p class='note legend'><i style='background:#cf222e'></i>confirmed gap<i style='background:#f0a35e'>"
                   "</i>high need<i style='background:#c9d3dc'></i>lower need<i style='border:1px solid #8c959f'></i>"
                   "suppressed / not published. One point per kommune (Kartverket's point inside the kommune): no "
                   "kommune boundary file could be vendored here, so this is a point map, not a choropleth."
                   + (f" Without a point: {', '.join(m['without_point'])}." if m["without_point"] else "") + "</p>")
        out.append(point_map(m["points"], title=f"{need.label} {need.period_id}: gap kommuner"))
    out.append("</section>")
    return out


def _supply_section(data: dict[str, Any]) -> list[str]:
    meta = data["supply_meta"]
    rows = [r for r in data["supply"] if r["present"]]
    out = ["<section id='supply'><h2>NGO supply</h2>",
           f"<p>NGOs covered: <b>{_e(meta['ngos'] or 'none')}</b>. Kommuner with at least one active local chapter "
           f"offering something: {_fmt(meta['kommuner_with_supply'])}. Chapters quarantined without any candidate "
           f"kommune: {_fmt(meta['unplaced'])} (<code>marts.fact_kommune_supply</code>).</p>",
           bar_chart([(r["label"] or r["service_category_code"], float(r["present"]), False) for r in rows],
                     title="Kommuner with supply, per service category", chart_id="bars-supply"),
           "<table id='supply-table'><thead><tr><th>service category</th><th class='num'>kommuner with supply</th>"
           "<th class='num'>unknown</th><th class='num'>none</th><th class='num'>chapter × kommune links</th>"
           "</tr></thead><tbody>"]
    for r in data["supply"]:
        out.append(f"<tr><td>{_e(r['label'])} <code>{_e(r['service_category_code'])}</code></td>"
                   f"<td class='num'>{r['present']}</td><td class='num'>{r['unknown']}</td><td class='num'>{r['none']}</td>"
                   f"<td class='num'>{_fmt(r['chapter_links'])}</td></tr>")
    out.append("</tbody></table></section>")
    return out


def _disclosure_section(rollups: list[dict[str, Any]]) -> list[str]:
    out = ["<section id='disclosure'><h2>Disclosure check</h2>",
           "<p>Atlas's own sums (kommune → fylke, bydel → kommune; <code>marts.fact_indicator_rollups</code>) are "
           "suppressed when a suppressed cell could be recovered by subtraction.</p>",
           "<table id='disclosure-table'><thead><tr><th>rollup</th><th>flag</th><th class='num'>rows</th>"
           "<th class='num'>upstream total discloses</th></tr></thead><tbody>"]
    for r in rollups:
        out.append(f"<tr><td>{_e(r['rollup'])}</td><td>{_e(r['disclosure_flag'])}</td><td class='num'>{_fmt(r['n'])}</td>"
                   f"<td class='num'>{_fmt(r['flagged'])}</td></tr>")
    out.append("</tbody></table></section>")
    return out


def write_report(out_dir: Path | None = None, url: str | None = None) -> Path:
    out_dir = Path(out_dir) if out_dir else atlas_home() / "report"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    text = render(read(url))
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
