"""IMDi: the table reader against IMDi's REAL captured page (tests/resources/imdi), name resolution
against the repository's Klass snapshots, the Excel path, and the failure of a moved download."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from atlas_ingest.families.imdi.pages import ImdiPageError, ImdiPagesAdapter, excel_link, page_links
from atlas_ingest.families.imdi.parse import ImdiTableError, fylke_code, imdi_cell, parse
from atlas_ingest.geo import Gazetteer
from atlas_ingest.http import HttpClient
from atlas_ingest.kinds import Fetched, RunContext
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import get_manifest, manifests_for_family

RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "imdi"
REAL_PAGE = RESOURCES / "nokkeltall-bosetting-2025_EXCERPT.html"
PAGE_URL = "https://www.imdi.no/bosetting/bosettingstall/nokkeltall-bosetting-2025/"


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer.from_snapshots()


def _manifest(source_id: str):
    m = get_manifest(source_id)
    return m.model_copy(update={"parse": m.parse.model_copy(update={"options": {**m.parse.options,
                                                                                  "gazetteer": "snapshots"}})})


def _page(ctx, body: bytes, year: int, role="page", url=PAGE_URL) -> Fetched:
    return Fetched(role=role, method="GET", url=url, params=[], json_body=None, key=ctx.landing.put(body), status=200,
                   bytes=len(body), content_type="text/html; charset=utf-8", meta={"year": year})


def _rows(ctx, result):
    t = next(t for t in result.tables if t.table == "raw.observations")
    return list(csv.DictReader(io.StringIO(ctx.landing.get(t.key).decode())))


@pytest.mark.parametrize("cell, expected", [
    ("1006", ("1006", None, None)), ("12 640", ("12640", None, None)), (":", (None, ":", None)),
    ("-", (None, "...", None)), ("avventer vedtak", (None, "...", "avventer vedtak")), ("", (None, None, None)),
    (7, (7, None, None)), ("12?", ("12?", None, None)),
])
def test_cells(cell, expected):
    assert imdi_cell(cell) == expected


def test_fylke_names_of_several_eras(gazetteer):
    assert fylke_code(gazetteer, "Troms", date(2025, 7, 1))[0] == "55"
    assert fylke_code(gazetteer, "Vestfold", date(2025, 7, 1))[0] == "39"
    assert fylke_code(gazetteer, "Troms og Finnmark", date(2021, 7, 1))[0] == "54"
    assert fylke_code(gazetteer, "Akershus", date(2025, 7, 1))[0] == "32"
    code, reason = fylke_code(gazetteer, "Atlantis", date(2025, 7, 1))
    assert code is None and "Atlantis" in reason


def test_the_real_page(tmp_path):
    ctx = RunContext(manifest=_manifest("imdi-bosetting"), run_key="t", landing=LandingStore(str(tmp_path)))
    result = parse(ctx, [_page(ctx, REAL_PAGE.read_bytes(), 2025)])
    rows = _rows(ctx, result)
    assert not result.quarantine
    levels = {}
    for r in rows:
        levels[r["region_level"]] = levels.get(r["region_level"], 0) + 1
    assert levels == {"fylke": 15 * 4, "kommune": 25 * 4}
    cell = {(r["region_code"], r["contents_code"]): (r["value"], r["status"]) for r in rows}
    assert cell[("4203", "BOSATTE")] == ("86", "")
    assert cell[("4220", "BOSATTE")] == ("", ":")  # Bygland
    assert cell[("4216", "VEDTATT")] == ("", "...")  # Birkenes: no decision
    assert cell[("4216", "ANMODET")] == ("0", "")  # a real zero
    assert cell[("32", "ANMODET")] == ("1006", "")  # Akershus in the fylke table
    assert cell[("46", "BOSATTE_KOLLEKTIV")] == ("1216", "")
    assert {r["period_id"] for r in rows} == {"2025"}


def test_a_renamed_column_fails_naming_the_headers(tmp_path):
    ctx = RunContext(manifest=_manifest("imdi-bosetting"), run_key="t", landing=LandingStore(str(tmp_path)))
    body = REAL_PAGE.read_text(encoding="utf-8").replace("Antall bosatte personer:", "Bosatt i alt:")
    with pytest.raises(ImdiTableError, match=r"has no column for \['BOSATTE'\].*Bosatt i alt"):
        parse(ctx, [_page(ctx, body.encode(), 2025)])


def test_an_unknown_name_is_quarantined_not_guessed(tmp_path):
    ctx = RunContext(manifest=_manifest("imdi-bosetting"), run_key="t", landing=LandingStore(str(tmp_path)))
    body = REAL_PAGE.read_text(encoding="utf-8").replace(">Iveland<", ">Ivelandd<").replace(">Valle<", ">Våler<")
    result = parse(ctx, [_page(ctx, body.encode(), 2025)])
    reasons = {q["reason"] for q in result.quarantine}
    assert len(result.quarantine) == 8  # two kommuner × four columns
    assert any("Ivelandd" in r for r in reasons)
    assert any("Våler" in r and "Agder" in r for r in reasons)  # no Våler in Agder: not guessed from Østfold's


def test_links_on_pages():
    html = ('<a href="/bosetting/bosettingstall/nokkeltall-bosetting-2025/">2025</a>'
            '<a href="https://www.imdi.no/bosetting/bosettingstall/nokkeltall-bosetting-2024">2024</a>'
            '<a href="/globalassets/x/fil.XLSX?v=2">Excel</a><a href="/om/">om</a>')
    pattern = get_manifest("imdi-bosetting").fetch_options().page_pattern
    assert page_links(html, "https://www.imdi.no/bosetting/bosettingstall/", pattern) == {
        2025: "https://www.imdi.no/bosetting/bosettingstall/nokkeltall-bosetting-2025/",
        2024: "https://www.imdi.no/bosetting/bosettingstall/nokkeltall-bosetting-2024"}
    assert excel_link(html, "https://www.imdi.no/a/", [".xlsx"]) == "https://www.imdi.no/globalassets/x/fil.XLSX?v=2"


def test_a_moved_download_fails_clearly(tmp_path):
    m = _manifest("imdi-innvandringsgrunn-kjonn")
    ctx = RunContext(manifest=m, run_key="t", landing=LandingStore(str(tmp_path)),
                     client=HttpClient(source_id=m.id, snapshot_dir=RESOURCES / "link_moved", mode="replay",
                                       respect_robots=True))
    adapter = ImdiPagesAdapter()
    plan = adapter.discover(ctx)
    assert [r.url for r in plan.requests] == [
        "https://www.imdi.no/globalassets/tall-og-statistikk/innvandringsgrunn-kjonn-2025-v2.xlsx"]
    with pytest.raises(ImdiPageError) as err:
        adapter.fetch(ctx, plan)
    message = str(err.value)
    assert "innvandringsgrunn-kjonn-2025-v2.xlsx" in message and "innvandringsgrunn-2025/" in message
    assert "answered 404" in message and "raw keeps the last good data" in message


def test_an_excel_file_without_its_header_fails(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Kommune", "Grunn", "Kjønn", "Personer"])
    out = io.BytesIO()
    wb.save(out)
    m = _manifest("imdi-innvandringsgrunn-kjonn")
    ctx = RunContext(manifest=m, run_key="t", landing=LandingStore(str(tmp_path)))
    page = _page(ctx, b"<html><body></body></html>", 2025)
    excel = _page(ctx, out.getvalue(), 2025, role="excel", url="https://www.imdi.no/x.xlsx")
    with pytest.raises(ImdiTableError, match="no sheet has a header row"):
        parse(ctx, [page, excel])


EXPECTED = {"imdi-bosetting": 2916, "imdi-innvandringsgrunn-kjonn": 3570, "imdi-landbakgrunn": 2499}


@pytest.mark.parametrize("source_id", sorted(EXPECTED))
def test_replay_snapshots_parse(tmp_path, source_id):
    m = _manifest(source_id)
    ctx = RunContext(manifest=m, run_key="t", landing=LandingStore(str(tmp_path)),
                     client=HttpClient(source_id=m.id, snapshot_dir=m.snapshot_dir, mode="replay", respect_robots=True))
    adapter = ImdiPagesAdapter()
    plan = adapter.discover(ctx)
    result = parse(ctx, plan.fetched + adapter.fetch(ctx, plan))
    rows = _rows(ctx, result)
    assert len(rows) == EXPECTED[source_id] and not result.quarantine
    assert any(r["status"] == ":" and r["value"] == "" for r in rows)
    assert not any(r["value"] not in ("", "0") and 0 < float(r["value"]) < 5
                   and r["contents_code"] not in ("ANMODET", "VEDTATT") for r in rows)
    ctx.last_success = {"upstream_version": plan.upstream_version}
    assert adapter.discover(ctx).skip


def test_the_imdi_family():
    sources = manifests_for_family("imdi")
    assert [m.id for m in sources] == sorted(EXPECTED)
    for m in sources:
        assert m.presentation_policy.value == "sensitive" and m.fetch.kind.value == "html"
        assert set(m.suppression_markers) == {":", "...", ".."}
