"""The HTML report without a database: it is one self-contained file (no script, no external
URL), its charts are inline SVG, and a sensitive indicator never appears per kommune."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal

from atlas_ingest.export import report

POLICIES = {"default": {"policy": "default", "finest_level": "kommune", "may_rank": True, "note_en": None},
            "sensitive": {"policy": "sensitive", "finest_level": "fylke", "may_rank": False,
                          "note_en": "Sensitive: shown per fylke and never ranked."}}


def data() -> dict:
    poverty = report.Need(need_id="child_poverty", indicator_id="ssb-08764:EUskala60", label="Child poverty and homework help",
                          category="homework_help", category_label="Leksehjelp", policy="default", period_id="2024",
                          direction="high", top_fraction=Decimal("0.25"), threshold=17.3,
                          confidence_counts={"confirmed": 2, "supply_unknown": 1},
                          gaps=[{"kommune_nr": "4601", "kommune_name": "Bergen", "fylke_name": "Vestland",
                                 "need_value": Decimal("19.0"), "threshold": 17.3, "kommune_population": Decimal("291940")}],
                          bars=[("Oslo", 20.0, False), ("Bergen", 19.0, True)], bars_note="top kommuner")
    lonely = report.Need(need_id="loneliness", indicator_id="fhi-ensomhet:MEIS", label="Loneliness and open meeting places",
                         category="youth_drop_in", category_label="Åpne møteplasser", policy="sensitive",
                         period_id="2022-2024", direction="high", top_fraction=Decimal("0.25"), threshold=20.1,
                         confidence_counts={"confirmed": 3},
                         gaps_by_fylke=[{"fylke_nr": "46", "fylke_name": "Vestland", "confirmed": 3, "other": 0}],
                         bars=[("03 Oslo", 18.0, False), ("46 Vestland", 21.5, False)], bars_note="per fylke")
    return {
        "generated_at": datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc),
        "health": [{"source_id": "ssb-08764", "family": "ssb", "title": "t", "cadence": "annual",
                    "last_run_status": "success", "last_run_finished_at": None, "last_success_at": None,
                    "last_success_rows": 10, "raw_rows": Decimal("7065"), "last_run_quarantined": 0,
                    "quarantined_total": 0, "age_days": Decimal("0.1"), "freshness_budget_days": 400,
                    "freshness_status": "ok", "last_error": None},
                   {"source_id": "redcross-branches", "family": "ngo_supply", "title": "t", "cadence": "weekly",
                    "last_run_status": "failed", "last_run_finished_at": None, "last_success_at": None,
                    "last_success_rows": None, "raw_rows": 0, "last_run_quarantined": 0, "quarantined_total": 2,
                    "age_days": None, "freshness_budget_days": 9, "freshness_status": "stale",
                    "last_error": "<script>alert(1)</script> upstream said 500"}],
        "needs": [poverty, lonely],
        "supply": [{"service_category_code": "homework_help", "label": "Leksehjelp", "present": 7, "unknown": 2,
                    "none": 348, "chapter_links": 7}],
        "supply_meta": {"ngos": "folkehjelp, redcross", "unplaced": 1, "kommuner_with_supply": 23},
        "rollups": [{"rollup": "bydel_to_kommune", "disclosure_flag": "component_suppressed", "n": 3, "flagged": 2}],
        "map": {"need": poverty, "without_point": ["1580"],
                "points": [{"kommune_nr": "0301", "kommune_name": "Oslo", "need_status": "high", "need_value": 20.0,
                            "confidence": "", "lon": 10.77, "lat": 59.97},
                           {"kommune_nr": "4601", "kommune_name": "Bergen", "need_status": "high", "need_value": 19.0,
                            "confidence": "confirmed", "lon": 5.32, "lat": 60.39},
                           {"kommune_nr": "5501", "kommune_name": "Tromsø", "need_status": "low", "need_value": 9.0,
                            "confidence": "", "lon": 18.95, "lat": 69.65}]},
        "policies": POLICIES,
        "constructed": ["ssb-08764"],
    }


def test_the_report_is_one_self_contained_file():
    page = report.render(data())
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page.replace("&lt;script&gt;", "")  # upstream text is escaped, never run
    assert not re.search(r"""(src|href)=['"]?(https?:)?//""", page), "no external resources"
    assert "<link" not in page and "@import" not in page


def test_it_has_the_sections_tables_and_charts():
    page = report.render(data())
    for section in ("ingest-health", "coverage-gaps", "indicators", "supply", "disclosure"):
        assert f"id='{section}'" in page
    assert "id='health-table'" in page and "redcross-branches" in page and "class='failed'" in page
    assert page.count("<svg class='chart bar-chart'") == 3  # one per headline indicator + supply
    assert page.count("class='bar flagged'") == 1  # Bergen, the confirmed gap
    assert "id='gap-map'" in page and page.count("<circle") == 3 and "Without a point: 1580" in page
    assert "Not official statistics" in page and "<code>ssb-08764</code>" in page


def test_a_sensitive_indicator_is_shown_per_fylke_never_per_kommune():
    page = report.render(data())
    lonely = page[page.index("id='need-loneliness'"):]
    lonely = lonely[:lonely.index("</div>")]
    assert "by-fylke" in lonely and "46 Vestland" in lonely and "Sensitive: shown per fylke" in lonely
    assert "Bergen" not in lonely and "kommune</th>" not in lonely
    chart = page[page.index("id='bars-loneliness'"):]
    chart = chart[:chart.index("</svg>")]
    labels = re.findall(r"class='lbl'>([^<]+)<", chart)
    assert labels == ["03 Oslo", "46 Vestland"]  # fylke-number order, not ranked by value
    assert "threshold" not in chart


def test_bar_chart_scales_and_marks():
    svg = report.bar_chart([("A", 10.0, False), ("B", 5.0, True)], title="t", threshold=7.5, chart_id="x")
    widths = [float(w) for w in re.findall(r"class='bar[^']*' x='\d+' y='\d+' width='([\d.]+)'", svg)]
    assert widths[0] == 2 * widths[1]
    assert "class='threshold'" in svg and ">10<" in svg
    assert report.bar_chart([], title="nothing").startswith("<p class='empty'")


def test_values_are_formatted_for_people():
    assert report._fmt(Decimal("7065")) == "7 065"
    assert report._fmt(Decimal("0.1")) == "0.1"
    assert report._fmt(None) == "–"
    assert report._fmt(1234567) == "1 234 567"
