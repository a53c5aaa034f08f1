"""Bufdir family: manifests, ZIP discovery and safety, the workbook reader (golden ZIPs and layout
drift) and the parser's rules — no network, no database (replay snapshots, landing store)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from atlas_ingest.families.bufdir.monitor import BufdirMonitorAdapter, BufdirMonitorError, zip_links
from atlas_ingest.families.bufdir.parse import cell_value, parse
from atlas_ingest.families.bufdir.workbooks import BufdirLayoutError, UnsafeZip, read_indicator, safe_members
from atlas_ingest.http import HttpClient
from atlas_ingest.kinds import Fetched, RunContext
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import get_manifest, manifests_for_family

SOURCES = Path(__file__).resolve().parents[2] / "include" / "sources"
LIMITS = dict(max_members=10, max_member_bytes=1_000_000, max_total_bytes=2_000_000, max_ratio=200)


def ctx_for(source_id: str, periods=None, last_success=None) -> RunContext:
    m = get_manifest(source_id)
    return RunContext(manifest=m, run_key="test", periods=periods, last_success=last_success, landing=LandingStore(),
                      client=HttpClient(source_id=m.id, snapshot_dir=m.snapshot_dir, mode="replay"))


def run(source_id: str, periods=None):
    ctx = ctx_for(source_id, periods)
    plan = BufdirMonitorAdapter().discover(ctx)
    result = parse(ctx, plan.fetched)
    rows = list(csv.DictReader(io.StringIO(ctx.landing.get(result.tables[0].key).decode())))
    catalog = list(csv.DictReader(io.StringIO(ctx.landing.get(result.tables[1].key).decode())))
    return plan, result, rows, catalog


def xlsx(rows: list[list], sheet: str = "Data") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def zipped(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return out.getvalue()


def parse_zip(body: bytes, source_id: str = "bufdir-barnefattigdom", periods=None):
    ctx = ctx_for(source_id, periods)
    fetched = Fetched(role="zip", method="GET", url="https://cdn.example/uploads/test_barnefattigdom.zip", params=[],
                      json_body=None, key=ctx.landing.put(body), status=200, bytes=len(body))
    result = parse(ctx, [fetched])
    return result, list(csv.DictReader(io.StringIO(ctx.landing.get(result.tables[0].key).decode())))


HEADER = ["Region", "Regionnavn", "Enhet", "Tallformat", "2019", "2020", "2021"]


def one_indicator(rows: list[list], header=HEADER) -> dict[str, bytes]:
    body = xlsx([["Tab. 1: Test"], header] + rows)
    others = {f"Indikator_{n}_x.xlsx": xlsx([["Tab"], HEADER, ["0", "Norge", "barn", "antall", 1, 2, 3]])
              for n in (4, 11, 17)}
    return {"Indikator_1_test.xlsx": body, **others}


# ------------------------------------------------------------------------------ manifests
def test_manifests():
    sources = {m.id: m for m in manifests_for_family("bufdir")}
    assert sorted(sources) == ["bufdir-barnefattigdom", "bufdir-barnevern"]
    assert sources["bufdir-barnevern"].presentation_policy.value == "sensitive"
    assert sources["bufdir-barnefattigdom"].presentation_policy.value == "default"
    for m in sources.values():
        kinds = {k: v.methodology_kind for k, v in m.parse_options().indicators.items()}
        assert all(len(kind) > 10 for kind in kinds.values()), kinds
    assert "NUDB" in sources["bufdir-barnefattigdom"].parse_options().indicators["ind11"].methodology_kind


# ------------------------------------------------------------------------------ discovery
def test_zip_links_from_an_spa_page_and_refusing_to_guess():
    page = ('{"body":"[ZIP](https:\\/\\/cdn.x\\/uploads\\/2025_07_31_barnefattigdom_monitor_ab12.zip)"}'
            '<a href="/uploads/other.zip">x</a><a href="https://cdn.x/uploads/2025_07_31_barnefattigdom_monitor_ab12.zip">')
    assert zip_links(page, "https://www.bufdir.no/m/", r"barnefattigdom[^/]*\.zip$") == [
        "https://cdn.x/uploads/2025_07_31_barnefattigdom_monitor_ab12.zip"]
    assert zip_links(page, "https://www.bufdir.no/m/", r"\.zip$")[1] == "https://www.bufdir.no/uploads/other.zip"


def test_discover_downloads_the_edition_and_skips_an_unchanged_one():
    plan = BufdirMonitorAdapter().discover(ctx_for("bufdir-barnefattigdom"))
    assert not plan.skip and [f.role for f in plan.fetched] == ["page", "zip"]
    assert plan.notes["zip"].endswith("/uploads/2025_07_31_barnefattigdom_monitor_e7fc16129b.zip")
    assert plan.upstream_updated.isoformat() == "2025-07-31T08:00:00+00:00"
    again = BufdirMonitorAdapter().discover(ctx_for("bufdir-barnefattigdom",
                                                    last_success={"upstream_version": plan.upstream_version}))
    assert again.skip and "byte-identical" in again.skip_reason
    # named periods load even an unchanged edition
    assert not BufdirMonitorAdapter().discover(ctx_for("bufdir-barnefattigdom", ["2021"],
                                                       {"upstream_version": plan.upstream_version})).skip


def test_two_matching_zips_fail(monkeypatch):
    m = get_manifest("bufdir-barnevern")
    page = '<a href="https://x/uploads/Kommunemonitor_barnevern_a.zip"></a><a href="https://x/uploads/barnevern_b.zip"></a>'
    assert len(zip_links(page, m.fetch_options().page, m.fetch_options().zip_pattern)) == 2

    class Page:
        text = page
        body = page.encode()
        status = 200
        headers = {}
        request = type("R", (), {"method": "GET", "url": m.fetch_options().page, "params": (), "json_body": None})()

    ctx = ctx_for("bufdir-barnevern")
    monkeypatch.setattr(ctx.client, "get", lambda url, **kw: Page())
    with pytest.raises(BufdirMonitorError, match="2 ZIP links .* tighten fetch.options.zip_pattern"):
        BufdirMonitorAdapter().discover(ctx)


# ------------------------------------------------------------------------------ golden ZIPs
def test_barnefattigdom_edition_parses():
    plan, result, rows, catalog = run("bufdir-barnefattigdom")
    assert len(rows) == 22736 and result.quarantine == []
    levels = {}
    for row in rows:
        levels[row["region_level"]] = levels.get(row["region_level"], 0) + 1
    assert levels == {"land": 56, "fylke": 616, "kommune": 19936, "bydel": 2128}
    assert result.periods == ["2020", "2021", "2022", "2023"]  # first_year 2020 drops 2016–2019
    assert result.warnings == ["14 delbydel rows (8-digit Oslo sub-district codes) not loaded: Atlas has no "
                               "delbydel geography"]
    assert sorted({r["table_id"] for r in rows}) == ["ind1", "ind11", "ind17", "ind4"]
    assert {r["contents_code"] for r in rows if r["table_id"] == "ind17"} == {"ind17_barn_antall", "ind17_barn_prosent"}
    # Bufdir's bydel coding is SSB's: 6-digit Klass 103 codes, loaded as published
    assert {r["region_code"] for r in rows if r["region_level"] == "bydel"} >= {"030101", "460101", "110301", "500101"}
    # suppressed cells: NULL + marker, never 0
    assert all(r["value"] == "" for r in rows if r["status"]) and any(r["status"] == ".." for r in rows)
    by_code = {c["contents_code"]: c for c in catalog}
    assert len(by_code) == 14 and by_code["ind4_husholdning_prosent"]["unit"] == "prosent"
    assert by_code["ind17_barn_antall"]["table_title"].startswith("Tab. 17: Barn 0-5 år")


def test_barnefattigdom_values_are_the_workbook_cells():
    """A value and a Norwegian-decimal share read back exactly as the workbook holds them."""
    from openpyxl import load_workbook

    plan, _, rows, _ = run("bufdir-barnefattigdom")
    body = next(f for f in plan.fetched if f.role == "zip")
    zip_body = LandingStore().get(body.key)
    with zipfile.ZipFile(io.BytesIO(zip_body)) as z:
        ws = load_workbook(io.BytesIO(z.read("Indikator_1_barn_i_hush_lavinnt_lav_finans_siste_år.xlsx")))["Data"]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    header = grid[2]
    row = next(r for r in grid if r[0] == "0301" and r[2] == "barn" and r[3] == "prosent")
    text = row[header.index("2022")]
    got = next(r for r in rows if r["region_code"] == "0301" and r["contents_code"] == "ind1_barn_prosent"
               and r["period_id"] == "2022")
    assert isinstance(text, str) and "," in text and got["value"] == text.strip().replace(",", ".")


def test_barnevern_edition_parses_blank_cells_as_no_figure():
    _, result, rows, catalog = run("bufdir-barnevern")
    assert len(rows) == 10560 and result.quarantine == []
    markers = {}
    for row in rows:
        markers[row["status"] or "value"] = markers.get(row["status"] or "value", 0) + 1
    assert markers == {"value": 7946, ".": 2420, "..": 194}
    # 3001 Halden (2020–2023) has no figure for 2024, 3101 Halden (2024) none before
    halden = {(r["region_code"], r["period_id"]): r["status"] for r in rows if r["contents_code"] == "bv1a_antall"
              and r["region_code"] in ("3001", "3101")}
    assert halden[("3001", "2024")] == "." and halden[("3101", "2021")] == "."
    assert halden[("3101", "2024")] in ("", "..") and halden[("3001", "2021")] in ("", "..")
    assert any("Turnover_kommunalt barnevern_2016-2024.xlsx" in w and "not loaded" in w for w in result.warnings)
    assert {c["contents_code"]: c["unit"] for c in catalog} == {
        "bv1a_antall": "personer", "bv1a_andel": "prosent av barn 0-17 år", "bv2a_andel": "kroner per barn",
        "bv3m_andel": "prosent"}


def test_named_periods_only():
    _, result, rows, _ = run("bufdir-barnevern", ["2022"])
    assert result.periods == ["2022"] and {r["period_id"] for r in rows} == {"2022"}


# ------------------------------------------------------------------------------ layout drift
@pytest.mark.parametrize("source_id", ["bufdir-barnefattigdom", "bufdir-barnevern"])
def test_the_drifted_workbook_fails_naming_member_sheet_and_columns(source_id):
    m = get_manifest(source_id)
    opts = m.parse_options()
    path = next((SOURCES / source_id / "snapshots" / "drift").glob("*.xlsx"))
    with pytest.raises(BufdirLayoutError) as err:
        read_indicator(path.read_bytes(), opts.sheet, opts.columns, f"{source_id}: edition.zip → {path.name}")
    message = str(err.value)
    assert path.name in message and f"sheet {opts.sheet!r}" in message
    assert "missing column(s) ['Tallformat']" in message and "unexpected column(s)" in message
    assert "found columns ['Region', 'Regionnavn'" in message


def test_a_drifted_workbook_in_the_zip_fails_the_parse():
    body = zipped(one_indicator([["0301", "Oslo", "barn", "antall", 1, 2, 3]],
                                header=["Region", "Regionnavn", "Enhet", "Format", "2019", "2020", "2021"]))
    with pytest.raises(BufdirLayoutError, match=r"test_barnefattigdom.zip .* → Indikator_1_test.xlsx, sheet 'Data', "
                                                r"header row 2: missing column\(s\) \['Tallformat'\]; unexpected column"):
        parse_zip(body)


def test_missing_sheet_header_and_listed_workbook_fail():
    with pytest.raises(BufdirLayoutError, match=r"no sheet 'Data'; the workbook has \['Ark1'\]"):
        read_indicator(xlsx([["Region"]], sheet="Ark1"), "Data", ["Region", "Tallformat"], "w")
    with pytest.raises(BufdirLayoutError, match=r"no header row starting with 'Region' .* first cells seen: \['Kode'\]"):
        read_indicator(xlsx([["Kode", "2020"]]), "Data", ["Region", "Tallformat"], "w")
    members = one_indicator([["0301", "Oslo", "barn", "antall", 1, 2, 3]])
    del members["Indikator_17_x.xlsx"]
    with pytest.raises(BufdirLayoutError, match=r"no workbook for indicator\(s\) \['ind17'\]; its members are"):
        parse_zip(zipped(members))


def test_rows_values_and_codes():
    rows = [["0", "Norge", "barn", "antall", 5, 6, 7],
            ["0301", "Oslo", "barn", "prosent", "  9,2", "..", None],
            [301, "Oslo (as a number)", "barn", "antall", 1, 2, 3],
            ["03010109", "Bispevika", "barn", "antall", 1, 2, 3],
            ["0301", "Oslo", "voksne", "antall", 1, 2, 3],
            ["4601", "Bergen", "barn", "antall", 1, "n/a", 3],
            ["Kilde: SSB", None, None, None, None, None, None]]
    result, obs = parse_zip(zipped(one_indicator(rows)))
    got = {(r["region_code"], r["contents_code"], r["period_id"]): (r["value"], r["status"]) for r in obs
           if r["table_id"] == "ind1"}
    assert got[("0301", "ind1_barn_prosent", "2020")] == ("", "..")
    assert got[("0301", "ind1_barn_prosent", "2021")] == ("", ".")
    assert got[("0", "ind1_barn_antall", "2021")] == ("7", "")
    assert ("0301", "ind1_barn_prosent", "2019") not in got  # before first_year
    reasons = sorted({q["reason"] for q in result.quarantine})
    assert reasons == ["Enhet 'voksne' is not one of the manifest's units ['barn', 'husholdning']",
                       "Region 301 is stored as a number (leading zeros lost): the code is ambiguous",
                       "not a number: 'n/a'"]
    assert "1 delbydel rows" in result.warnings[0]


def test_cell_values():
    assert cell_value(3) == (3, None) and cell_value(None) == (None, ".") and cell_value(" . ") == (None, ".")
    assert cell_value("..") == (None, "..") and str(cell_value("  17,7")[0]) == "17.7"
    assert str(cell_value("17\u00a0689,64")[0]) == "17689.64"


# ------------------------------------------------------------------------------ ZIP safety
def test_zip_safety_limits():
    ok = zipped({"a.xlsx": b"x" * 100})
    assert [m.name for m in safe_members(ok, "z", **LIMITS)] == ["a.xlsx"]
    with pytest.raises(UnsafeZip, match="11 members, over the limit of 10"):
        list(safe_members(zipped({f"{i}.xlsx": b"x" for i in range(11)}), "z", **LIMITS))
    with pytest.raises(UnsafeZip, match="unsafe path"):
        list(safe_members(zipped({"../evil.xlsx": b"x"}), "z", **LIMITS))
    with pytest.raises(UnsafeZip, match="nested archive"):
        list(safe_members(zipped({"inner.zip": b"x"}), "z", **LIMITS))
    with pytest.raises(UnsafeZip, match="inflates past 1,000,000 bytes"):
        list(safe_members(zipped({"big.xlsx": b"0" * 1_100_000}, zipfile.ZIP_STORED), "z", **LIMITS))
    with pytest.raises(UnsafeZip, match=r"inflates \d+× \(limit 200×\): refused as a possible zip bomb"):
        list(safe_members(zipped({"bomb.xlsx": b"0" * 900_000}), "z", **LIMITS))
    with pytest.raises(UnsafeZip, match="not a ZIP archive"):
        list(safe_members(b"<html>", "z", **LIMITS))
    assert [m.name for m in safe_members(zipped({"~$lock.xlsx": b"x", "__MACOSX/._a.xlsx": b"x", "d/b.xlsx": b"y"}),
                                         "z", **LIMITS)] == ["b.xlsx"]


def test_snapshot_index_lists_page_and_zip():
    for source_id in ("bufdir-barnefattigdom", "bufdir-barnevern"):
        entries = json.loads((SOURCES / source_id / "snapshots" / "index.json").read_text())["entries"]
        urls = sorted(e["request"]["url"] for e in entries)
        assert len(urls) == 2 and urls[0].endswith(".zip") and urls[1].startswith("https://www.bufdir.no/statistikk")
