"""Golden tests for atlas_ingest.geo on REAL data: Klass 131 versions 2018–2024 and its change
table (recorded in include/sources/ssb-klass-kommuner/snapshots) and Bring's postnummer register
(include/sources/posten-postnummer/snapshots)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from atlas_ingest.geo import Gazetteer, fold, name_parts, spellings

ROOT = Path(__file__).resolve().parents[2]
KLASS = ROOT / "include" / "sources" / "ssb-klass-kommuner" / "snapshots"
TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_snapshots(today=TODAY)


def codes_of(year: str) -> set[str]:
    doc = json.loads((KLASS / f"version-kommuneinndeling-{year}.json").read_text())
    return {i["code"] for i in doc["classificationItems"] if i["code"] != "9999"}


@pytest.fixture(scope="module")
def crosswalk(gaz):
    return {row.code: row for row in gaz.crosswalk()}


# ------------------------------------------------------------------------------------ reforms
def test_the_current_geography_is_357_kommuner(gaz):
    assert len(gaz.current) == 357
    assert codes_of("2024") == gaz.current


@pytest.mark.parametrize("year", ["2018", "2019", "2020", "2022", "2023", "2024"])
def test_every_code_of_every_version_maps_to_current_codes_or_is_marked(crosswalk, year):
    for code in codes_of(year):
        row = crosswalk[code]
        assert row.current_codes, f"{code} maps to nothing"
        assert set(row.current_codes) <= codes_of("2024")
        if len(row.current_codes) == 1:
            assert row.change_kind in {"unchanged", "renamed", "renumbered", "merged"}, (code, row)
        else:
            assert row.change_kind in {"split", "ambiguous"}, (code, row)


@pytest.mark.parametrize("code, current, kind", [
    ("0301", ("0301",), "unchanged"),                  # Oslo
    ("3001", ("3101",), "renumbered"),                 # Halden 2020–2023 → 3101 in 2024
    ("0101", ("3101",), "renumbered"),                 # Halden 2018–2019 → 3001 → 3101
    ("0219", ("3201",), "renumbered"),                 # Bærum → 3024 → 3201
    ("1833", ("1833",), "renamed"),                    # Rana → Rana - Raane (2024), same code
    ("0713", ("3903",), "merged"),                     # Sande (Vestfold) → Holmestrand 3802 → 3903
    ("3802", ("3903",), "renumbered"),                 # Holmestrand 2020–2023 (Sande already in) → 3903
    ("3002", ("3103",), "renumbered"),                 # Moss 2020–2023 (Rygge already in) → 3103
    ("0104", ("3103",), "merged"),                     # Moss 2018–2019 merged with Rygge in 2020
    ("1507", ("1508", "1580"), "split"),               # Ålesund 2020–2023 split in 2024
    ("1504", ("1508", "1580"), "ambiguous"),           # Ålesund 2019: merged in 2020, split in 2024
    ("5401", ("5501",), "renumbered"),                 # Tromsø
])
def test_known_reform_paths(crosswalk, code, current, kind):
    row = crosswalk[code]
    assert (row.current_codes, row.change_kind) == (current, kind)


def test_counts_of_change_kinds_are_plausible(crosswalk):
    kinds = [r.change_kind for r in crosswalk.values()]
    assert kinds.count("split") == 1  # only 1507 Ålesund (2024) split without a merge before it
    assert kinds.count("merged") > 90 and kinds.count("renumbered") > 300 and kinds.count("unchanged") > 300


def test_fylke_crosswalk(gaz):
    fylker = {r.code: r for r in gaz.fylke_crosswalk()}
    assert fylker["30"].current_codes == ("31", "32", "33") and fylker["30"].change_kind == "split"  # Viken
    assert fylker["54"].current_codes == ("55", "56") and fylker["54"].change_kind == "split"  # Troms og Finnmark
    assert fylker["03"].change_kind == "unchanged"
    assert "32" in fylker["05"].current_codes and "34" in fylker["05"].current_codes  # Oppland: Lunner, Jevnaker left
    assert fylker["46"].change_kind == "unchanged"
    assert fylker["12"].change_kind == "merged"  # Vestland = Hordaland + (most of) Sogn og Fjordane
    assert fylker["20"].change_kind == "renumbered"  # Finnmark 2019 = Finnmark 2024, through 54
    assert fylker["08"].change_kind == "renumbered"  # Telemark, through 38
    assert fylker["04"].change_kind == "merged"  # Innlandet = Hedmark + Oppland
    assert fylker["01"].change_kind == "split"  # Rømskog went to Aurskog-Høland (Akershus)


# ------------------------------------------------------------------------------------ names
@pytest.mark.parametrize("raw, key", [
    ("Ålesund", "alesund"), ("Aalesund", "alesund"), ("Bærum kommune", "baerum"), ("Våler (Østfold)", "valer"),
    ("Guovdageaidnu", "guovdageaidnu"), ("  Tromsø  ", "tromso"), ("Unjárga", "unjarga"), ("Nord-Aurdal", "nord aurdal"),
])
def test_fold(raw, key):
    assert fold(raw) == key


def test_parallel_names_and_spellings():
    assert name_parts("Unjárga - Nesseby") == ["Unjárga", "Nesseby"]
    assert name_parts("Våler (Østfold)") == ["Våler"]
    kinds = dict(spellings("Bærum"))
    assert kinds["Bærum kommune"] == "with_suffix" and kinds["Baerum"] == "ascii"
    assert "Aalesund" in dict(spellings("Ålesund"))


@pytest.mark.parametrize("name", ["Os", "Våler", "Herøy", "Bø", "Sande", "Nes"])
def test_known_ambiguous_names_are_marked_and_refused_without_a_hint(gaz, name):
    assert fold(name) in gaz.ambiguous_names()
    result = gaz.resolve_kommune(name=name)
    assert not result.ok and result.method == "ambiguous"
    assert "give a fylke hint" in result.reason


@pytest.mark.parametrize("name, hint, expected", [
    ("Våler", "Østfold", "3114"), ("Våler", "Innlandet", "3419"), ("Våler", "Hedmark", "3419"),
    ("Herøy", "Nordland", "1818"), ("Herøy", "Møre og Romsdal", "1515"), ("Bø", "Nordland", "1867"),
    ("Os", "Innlandet", "3430"), ("Sande", "15", "1514"), ("Nes", "Akershus", "3228"),
])
def test_ambiguous_names_resolve_with_a_fylke_hint(gaz, name, hint, expected):
    result = gaz.resolve_kommune(name=name, fylke_hint=hint)
    assert (result.kommune_nr, result.method) == (expected, "name+fylke")


@pytest.mark.parametrize("name, expected", [
    ("Oslo", "0301"), ("Bergen", "4601"), ("Tromsø", "5501"), ("Tromso", "5501"), ("Baerum", "3201"),
    ("Aalesund", "1508"), ("Ålesund kommune", "1508"), ("Nesseby", "5636"), ("Unjárga", "5636"),
    ("Kautokeino", "5612"), ("Guovdageaidnu", "5612"), ("Halden", "3101"), ("Rana", "1833"), ("Raane", "1833"),
    ("Våler (Østfold)", "3114"),  # SSB's own qualifier works as a hint
])
def test_names_with_and_without_diacritics_and_parallel_names(gaz, name, expected):
    result = gaz.resolve_kommune(name=name)
    assert result.kommune_nr == expected, result


def test_historical_names_resolve_to_todays_code(gaz):
    # Sandefjord absorbed Andebu and Stokke in 2017; Holmestrand absorbed Sande in 2020
    assert gaz.resolve_kommune(name="Holmestrand").kommune_nr == "3903"
    result = gaz.resolve_kommune(name="Hof")  # Hof (Vestfold) merged into Holmestrand in 2018
    assert result.kommune_nr in (None, "3903")


def test_unknown_names_are_refused_with_a_reason(gaz):
    result = gaz.resolve_kommune(name="Atlantis")
    assert not result.ok and result.method == "unresolved" and "Atlantis" in result.reason


# ------------------------------------------------------------------------------------ postnummer
@pytest.mark.parametrize("postnummer, expected", [
    ("0150", "0301"), ("5003", "4601"), ("9008", "5501"), ("1337", "3201"), ("9520", "5612"), ("6002", "1508"),
])
def test_postnummer_first(gaz, postnummer, expected):
    result = gaz.resolve_kommune(postnummer=postnummer, name="something else entirely")
    assert (result.kommune_nr, result.method, result.confidence) == (expected, "postnummer", 1.0)


def test_an_unknown_postnummer_falls_back_to_the_name(gaz):
    result = gaz.resolve_kommune(postnummer="0000", name="Bergen")
    assert (result.kommune_nr, result.method) == ("4601", "name")


def test_nothing_to_go_on_is_unresolved(gaz):
    result = gaz.resolve_kommune(postnummer="12", name=None)
    assert not result.ok and "postnummer '12' is not in the postnummer register" in result.reason


def test_name_rows_cover_every_version_and_flag_ambiguity(gaz):
    rows = gaz.name_rows()
    by_key = {}
    for r in rows:
        by_key.setdefault(r["name_key"], set()).add(r["is_ambiguous"])
    assert by_key["valer"] == {True} and by_key["oslo"] == {False}
    assert any(r["spelling"] == "Unjárga" and r["variant"] == "parallel" for r in rows)


def test_an_unresolved_input_becomes_a_quarantine_record(gaz):
    record = gaz.resolve_kommune(name="Våler").quarantine_record("branch L123", {"municipality": "Våler"})
    assert record["locator"] == "branch L123"
    assert record["reason"].startswith("kommune not resolved (ambiguous): 'Våler' is (or was) the name of 2")
    assert record["payload"]["municipality"] == "Våler" and "3114" in record["payload"]["candidates"]
