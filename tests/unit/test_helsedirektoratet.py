"""helsedir-fastlege: the subscription key from an Airflow connection (and the failure naming it),
the month planner in replay, and the parser against the constructed snapshot and hand-made rows."""

from __future__ import annotations

import json

import pytest

from atlas_ingest.families.helsedirektoratet.api import (
    ApiKeyMissing,
    HelsedirApiError,
    HelsedirFastlegeAdapter,
    choose_months,
    key_headers,
    published_months,
)
from atlas_ingest.families.helsedirektoratet.parse import HelsedirParseError, parse, parse_month, region_of
from atlas_ingest.http import HttpClient
from atlas_ingest.kinds import RunContext
from atlas_ingest.landing import LandingStore
from atlas_ingest.manifest import get_manifest
from atlas_ingest.observations import ObservationWriter

SOURCE = "helsedir-fastlege"


def ctx_for(tmp_path, mode: str = "replay", **kwargs) -> RunContext:
    manifest = get_manifest(SOURCE)
    client = HttpClient(source_id=SOURCE, snapshot_dir=manifest.snapshot_dir, mode=mode)
    return RunContext(manifest=manifest, run_key="test", client=client,
                      landing=LandingStore(str(tmp_path / "landing")), **kwargs)


def snapshot(month: str) -> dict:
    return json.loads((get_manifest(SOURCE).snapshot_dir / f"statistikk-{month}.json").read_text())


# ------------------------------------------------------------------------------ the key
def test_a_live_run_without_the_connection_fails_naming_it_before_any_request(tmp_path, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_HELSEDIR_API", raising=False)
    ctx = ctx_for(tmp_path, mode="live")
    with pytest.raises(ApiKeyMissing) as err:
        HelsedirFastlegeAdapter().discover(ctx)
    message = str(err.value)
    assert "create the Airflow connection 'helsedir_api'" in message
    assert "airflow connections add helsedir_api" in message and "AIRFLOW_CONN_HELSEDIR_API" in message
    assert ctx.client.stats["requests"] == 0


def test_the_key_is_the_connections_password_and_travels_in_the_apim_header(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_HELSEDIR_API", "http://:k3y-from-the-portal@api.helsedirektoratet.no")
    assert key_headers(ctx_for(tmp_path, mode="live")) == {"Ocp-Apim-Subscription-Key": "k3y-from-the-portal"}


def test_a_connection_without_a_password_is_named_too(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_HELSEDIR_API", "http://api.helsedirektoratet.no")
    with pytest.raises(ApiKeyMissing, match="'helsedir_api' has no password"):
        key_headers(ctx_for(tmp_path, mode="record"))


def test_replay_needs_no_key(tmp_path, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_HELSEDIR_API", raising=False)
    assert key_headers(ctx_for(tmp_path)) == {}


# ------------------------------------------------------------------------------ months
def test_published_months_are_first_of_month_snapshots():
    doc = {"perioder": [{"periode": "2025-01-01", "publisert": "x"}, {"periode": "2024-12-01"}]}
    assert published_months(doc) == {"2024M12": None, "2025M01": "x"}
    with pytest.raises(HelsedirApiError, match="first-of-month"):
        published_months({"perioder": [{"periode": "2025-01-15"}]})
    with pytest.raises(HelsedirApiError, match="no `perioder` list"):
        published_months({"items": []})


def test_choose_months_takes_the_latest_or_the_published_part_of_a_request():
    available = {f"2024M{m:02d}": None for m in range(1, 13)}
    assert choose_months(available, None, 3) == (["2024M10", "2024M11", "2024M12"], [])
    assert choose_months(available, ["2024M06", "2025M06"], 3) == (["2024M06"], ["2025M06"])


def test_discover_plans_the_latest_three_months_and_skips_when_nothing_was_published(tmp_path):
    ctx = ctx_for(tmp_path)
    plan = HelsedirFastlegeAdapter().discover(ctx)
    assert [r.params for r in plan.requests] == [[("periode", "2024-11-01")], [("periode", "2024-12-01")],
                                                [("periode", "2025-01-01")]]
    assert [r.meta["period"] for r in plan.requests] == ["2024M11", "2024M12", "2025M01"]
    assert not plan.skip and plan.upstream_version.startswith("2025M01:sha256:")
    again = ctx_for(tmp_path, last_success={"upstream_version": plan.upstream_version})
    assert HelsedirFastlegeAdapter().discover(again).skip


def test_a_backfill_asks_for_its_months_and_notes_unpublished_ones(tmp_path):
    plan = HelsedirFastlegeAdapter().discover(ctx_for(tmp_path, periods=["2024M12", "2025M02"]))
    assert [r.meta["period"] for r in plan.requests] == ["2024M12"]
    assert plan.notes["not_published"] == ["2025M02"] and not plan.skip


# ------------------------------------------------------------------------------ parser
def writer() -> ObservationWriter:
    return ObservationWriter(get_manifest(SOURCE), SOURCE)


def test_a_month_keeps_every_measure_apart_and_markers_null():
    w = writer()
    opts = get_manifest(SOURCE).parse_options()
    parse_month(snapshot("2025-01"), month="2025M01", locator="t", writer=w, options=opts, markers={"..", ":"})
    assert w.records == 374 * 5 and len(w.quarantine) == 5
    assert {q["reason"] for q in w.quarantine} == {
        "ubesatte_lister (3) exceeds lister_uten_fast_lege (1) for 1836 2025-01: inconsistent row"}
    rows = [line.split(",") for line in w.table.getvalue().decode().splitlines()[1:]]
    assert len(rows) == 374 * 5 - 5
    assert {r[5] for r in rows} == {"lister", "lister_uten_fast_lege", "ubesatte_lister", "innbyggere_pa_lister",
                                    "innbyggere_pa_lister_uten_fast_lege"}
    by_key = {(r[2], r[5]): (r[-2], r[-1]) for r in rows}
    assert by_key[("1818", "ubesatte_lister")] == ("", "..")
    assert by_key[("1826", "innbyggere_pa_lister_uten_fast_lege")] == ("", ":")
    assert by_key[("0", "lister")][1] == ""
    assert all(r[4] == "2025M01" for r in rows)


def test_the_month_answered_must_be_the_month_asked_for():
    body = snapshot("2024-12")
    with pytest.raises(HelsedirParseError, match="`periode` is '2024-12-01', but the month asked for is 2025M01"):
        parse_month(body, month="2025M01", locator="GET x", writer=writer(),
                    options=get_manifest(SOURCE).parse_options(), markers=set())


def test_renamed_fields_fail_naming_what_was_found():
    body = {"periode": "2025-01-01", "rader": [{"nivaa": "kommune", "regionkode": "0301", "lists": 5}]}
    with pytest.raises(HelsedirParseError, match=r"has upstream renamed them\?"):
        parse_month(body, month="2025M01", locator="GET x", writer=writer(),
                    options=get_manifest(SOURCE).parse_options(), markers=set())


@pytest.mark.parametrize("level,code,expected", [
    ("land", "0", ("0", None)), ("land", "0000", ("0", None)), ("fylke", "46", ("46", None)),
    ("kommune", "0301", ("0301", None)),
])
def test_region_codes_take_ssbs_shape(level, code, expected):
    assert region_of(level, code) == expected


def test_a_code_contradicting_its_level_is_not_placed():
    assert region_of("kommune", "46")[1] == "region code '46' does not have the shape of a kommune code"
    assert region_of("bydel", "030101")[1].startswith("unknown level 'bydel'")


def test_the_parser_over_fetched_months(tmp_path):
    ctx = ctx_for(tmp_path)
    adapter = HelsedirFastlegeAdapter()
    plan = adapter.discover(ctx)
    result = parse(ctx, plan.fetched + adapter.fetch(ctx, plan))
    assert result.records == 5600 and len(result.quarantine) == 5
    assert result.periods == ["2024M11", "2024M12", "2025M01"]
    assert [(t.table, t.rows) for t in result.tables] == [("raw.observations", 5595), ("raw.indicator_catalog", 5)]
