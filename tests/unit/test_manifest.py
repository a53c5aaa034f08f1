"""Every manifest in include/sources validates; a broken one is an error naming the file and field."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from atlas_ingest.manifest import (
    FETCH_ADAPTERS,
    FETCH_OPTIONS,
    PARSE_OPTIONS,
    PARSERS,
    Cadence,
    FetchKind,
    Manifest,
    ManifestError,
    Provider,
    get_manifest,
    load_manifests,
    manifests_for_family,
    parse_manifest,
)
from atlas_ingest.settings import SOURCES_DIR

SOURCE_FOLDERS = sorted(p.parent.name for p in SOURCES_DIR.glob("*/manifest.yml"))


# ------------------------------------------------------------------------------ the real ones
def test_every_manifest_in_the_repository_validates():
    manifests = load_manifests()
    assert [m.id for m in manifests] == SOURCE_FOLDERS  # one per folder, sorted by id
    assert "ssb-07459" in SOURCE_FOLDERS and "ssb-klass-kommuner" in SOURCE_FOLDERS


@pytest.mark.parametrize("source_id", SOURCE_FOLDERS)
def test_each_manifest(source_id):
    path = SOURCES_DIR / source_id / "manifest.yml"
    m = parse_manifest(path)
    assert m.id == source_id
    assert m.folder == SOURCES_DIR / source_id
    # kind-specific options and parser options resolve to their registered models
    assert type(m.fetch_options()) is FETCH_OPTIONS[m.fetch.kind.value]
    assert type(m.parse_options()) is PARSE_OPTIONS[m.parse.parser]
    assert m.fetch.endpoint.startswith("https://") and not m.fetch.endpoint.endswith("/")
    if m.raw_table == "raw.observations":
        assert m.microdata is not None
    if m.eu_theme.value == "JUST":
        assert m.presentation_policy.value == "sensitive", f"{source_id}: crime tables are sensitive"
    # replay needs snapshots for every source
    assert (m.snapshot_dir / "index.json").exists(), f"{source_id} has no snapshots/index.json"


def test_ssb_07459_specifics():
    m = get_manifest("ssb-07459")
    opts = m.fetch_options()
    assert opts.table == "07459" and opts.max_cells == 800_000
    assert opts.selection["Region"].codelist == "vs_Kommun"
    assert opts.selection["Kjonn"].values == ["1", "2"]  # list shorthand
    assert opts.selection["Tid"].values == ["top(2)"]
    assert m.suppression_markers[".."] == "data not available"
    assert m.freshness_budget == timedelta(days=400)
    assert m in manifests_for_family("ssb")


def test_registries_name_importable_implementations():
    load_manifests()  # registers the kinds
    assert FETCH_ADAPTERS["pxweb_v2"] == "atlas_ingest.families.ssb.pxweb:PxWebAdapter"
    assert PARSERS["jsonstat2"] == "atlas_ingest.formats.jsonstat_observations:parse"
    assert set(FETCH_OPTIONS) == set(FETCH_ADAPTERS) and set(PARSE_OPTIONS) == set(PARSERS)
    assert set(FETCH_OPTIONS) <= {k.value for k in FetchKind}


# ------------------------------------------------------------------------------ negative cases
BASE: dict = {
    "id": "ssb-99999",
    "provider": "ssb",
    "family": "ssb",
    "title": "Test table",
    "description": "A test table used by the manifest tests.",
    "eu_theme": "SOCI",
    "licence": "CC-BY-4.0",
    "cadence": "annual",
    "period_grain": "P1Y",
    "geo_level": "kommune",
    "methodology_version": "1",
    "fetch": {
        "kind": "pxweb_v2",
        "endpoint": "https://data.ssb.no/api/pxwebapi/v2/",
        "options": {"table": "99999", "selection": {"Region": ["*"], "Tid": ["top(1)"]}},
    },
    "parse": {"parser": "jsonstat2"},
    "raw_table": "raw.observations",
    "min_rows": 1,
    "suppression_markers": {"..": "missing"},
    "microdata": {
        "temporalityType": "STATUS",
        "sensitivityLevel": "PUBLIC",
        "measure": {"dataType": "LONG", "valueDomain": {"measurementUnitDescription": "Antall"}},
    },
    "measures": {"default": {"kind": "count", "annual": "last"}},
}


def write(root: Path, folder: str, data: dict) -> Path:
    path = root / folder / "manifest.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def variant(**changes) -> dict:
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        target = data
        for p in parents:
            target = target[p]
        if value is _DELETE:
            del target[leaf]
        else:
            target[leaf] = value
    return data


_DELETE = object()


def test_the_base_manifest_is_valid(tmp_path):
    m = parse_manifest(write(tmp_path, "ssb-99999", BASE))
    assert m.provider is Provider.ssb and m.cadence is Cadence.annual
    assert m.fetch.endpoint == "https://data.ssb.no/api/pxwebapi/v2"  # trailing slash dropped
    assert [g.value for g in m.geo_level] == ["kommune"]  # a single level is a list of one


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        (variant(colour="blue"), "colour", "Extra inputs are not permitted"),
        (variant(fetch__retries=3), "fetch.retries", "Extra inputs are not permitted"),
        (variant(microdata__measure__unit="x"), "microdata.measure.unit", "Extra inputs are not permitted"),
        (variant(provider="statnett"), "provider", "Input should be 'ssb', 'fhi'"),
        (variant(eu_theme="CRIME"), "eu_theme", "Input should be"),
        (variant(cadence="hourly"), "cadence", "Input should be"),
        (variant(period_grain="P4Y"), "period_grain", "Input should be"),
        (variant(geo_level=["kommune", "planet"]), "geo_level.1", "Input should be"),
        (variant(fetch__kind="ftp"), "fetch.kind", "Input should be"),
        (variant(fetch__endpoint="data.ssb.no"), "fetch.endpoint", "must be an http(s) URL"),
        (variant(id="SSB_99999"), "id", "String should match pattern"),
        (variant(raw_table="observations"), "raw_table", "String should match pattern"),
        (variant(min_rows=-1), "min_rows", "greater than or equal to 0"),
        (variant(title=_DELETE), "title", "Field required"),
        (variant(microdata__sensitivityLevel="SECRET"), "microdata.sensitivityLevel", "String should match"),
    ],
)
def test_invalid_field_names_file_and_field(tmp_path, data, field, text):
    path = write(tmp_path, "ssb-99999", data)
    with pytest.raises(ManifestError) as err:
        parse_manifest(path)
    msg = str(err.value)
    assert str(path) in msg
    assert f"field `{field}`" in msg
    assert text in msg


def test_missing_measures_for_raw_observations(tmp_path):
    with pytest.raises(ManifestError) as err:
        parse_manifest(write(tmp_path, "ssb-99999", variant(measures=_DELETE)))
    assert "measures: required for a source publishing into raw.observations" in str(err.value)


def test_a_sum_rule_needs_an_additive_kind(tmp_path):
    with pytest.raises(ManifestError) as err:
        parse_manifest(write(tmp_path, "ssb-99999", variant(measures={"default": {"kind": "share", "annual": "sum"}})))
    assert "annual: sum needs an additive kind" in str(err.value)


def test_missing_microdata_for_raw_observations(tmp_path):
    path = write(tmp_path, "ssb-99999", variant(microdata=_DELETE))
    with pytest.raises(ManifestError) as err:
        parse_manifest(path)
    assert str(path) in str(err.value)
    assert "microdata: required for a source publishing into raw.observations" in str(err.value)
    # other raw tables need none
    parse_manifest(write(tmp_path / "b", "ssb-99999", variant(microdata=_DELETE, raw_table="raw.klass_codes")))


@pytest.mark.parametrize(
    ("options", "field", "text"),
    [
        ({"table": "7459", "selection": {"Tid": ["*"]}}, "fetch.options.table", "String should match pattern"),
        ({"table": "07459"}, "fetch.options.selection", "Field required"),
        ({"table": "07459", "selection": {}, "lang": "de"}, "fetch.options.lang", "Input should be 'no' or 'en'"),
        ({"table": "07459", "selection": {"Tid": {"values": ["*"], "codeList": "x"}}},
         "fetch.options.selection.Tid.codeList", "Extra inputs are not permitted"),
        ({"table": "07459", "selection": {"Tid": []}}, "fetch.options.selection.Tid.values", "at least 1 item"),
        ({"table": "07459", "selection": {}, "max_cells": 0}, "fetch.options.max_cells", "greater than 0"),
    ],
)
def test_invalid_pxweb_options_name_file_and_field(tmp_path, options, field, text):
    path = write(tmp_path, "ssb-99999", variant(fetch__options=options))
    with pytest.raises(ManifestError) as err:
        parse_manifest(path)
    msg = str(err.value)
    assert str(path) in msg and f"`{field}`" in msg and text in msg


def test_invalid_parse_options_and_unknown_parser(tmp_path):
    path = write(tmp_path, "ssb-99999", variant(parse={"parser": "jsonstat2", "options": {"region": "GEO"}}))
    with pytest.raises(ManifestError) as err:
        parse_manifest(path)
    assert str(path) in str(err.value) and "`parse.options.region`" in str(err.value)

    path = write(tmp_path / "b", "ssb-99999", variant(parse={"parser": "jsonstat3"}))
    with pytest.raises(ManifestError) as err:
        parse_manifest(path)
    assert str(path) in str(err.value) and "parse.parser 'jsonstat3' is not registered" in str(err.value)


def test_klass_options_cross_field_rule(tmp_path):
    data = variant(raw_table="raw.klass_codes", microdata=_DELETE,
                   fetch={"kind": "klass", "endpoint": "https://data.ssb.no/api/klass/v1",
                          "options": {"classification": 131, "method": "codesAt"}},
                   parse={"parser": "klass"})
    path = write(tmp_path, "ssb-99999", data)
    with pytest.raises(ManifestError) as err:
        parse_manifest(path)
    assert str(path) in str(err.value) and "fetch.options" in str(err.value) and "needs `dates`" in str(err.value)


def test_id_must_match_the_folder(tmp_path):
    path = write(tmp_path, "ssb-other", BASE)
    with pytest.raises(ManifestError) as err:
        parse_manifest(path)
    msg = str(err.value)
    assert str(path) in msg
    assert "field `id` is 'ssb-99999' but the folder is 'ssb-other'" in msg


def test_duplicate_id_across_two_folders(tmp_path):
    write(tmp_path, "ssb-99999", BASE)
    second = write(tmp_path, "ssb-99999-copy", BASE)
    with pytest.raises(ManifestError) as err:
        load_manifests(tmp_path)
    msg = str(err.value)
    assert str(second) in msg and "field `id`" in msg and "'ssb-99999'" in msg


def test_load_manifests_sorts_by_id(tmp_path):
    for sid in ("ssb-b", "ssb-a", "ssb-c"):
        write(tmp_path, sid, variant(id=sid))
    assert [m.id for m in load_manifests(tmp_path)] == ["ssb-a", "ssb-b", "ssb-c"]
    assert get_manifest("ssb-b", tmp_path).id == "ssb-b"
    with pytest.raises(KeyError, match="ssb-z"):
        get_manifest("ssb-z", tmp_path)


def test_not_yaml_and_not_a_mapping(tmp_path):
    path = tmp_path / "ssb-x" / "manifest.yml"
    path.parent.mkdir()
    path.write_text("id: [unclosed\n")
    with pytest.raises(ManifestError, match="not valid YAML") as err:
        parse_manifest(path)
    assert str(path) in str(err.value)
    path.write_text("- a\n- b\n")
    with pytest.raises(ManifestError, match="expected a mapping"):
        parse_manifest(path)


def test_manifests_are_frozen():
    m = Manifest.model_validate(BASE)
    with pytest.raises(Exception, match="frozen"):
        m.title = "changed"
