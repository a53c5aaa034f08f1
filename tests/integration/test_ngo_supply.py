"""NGO supply end to end without Airflow: the real pipeline loads Klass 131/104 and the postnummer
register (resolve_kommune's reference data, from the warehouse as in production), then
brreg-enheter and redcross-branches in replay; `dbt build` builds the NGO marts in the session's
test database; the persona queries (dbt analyses) are compiled and run with asserted answers.

Data: the Red Cross replay dump is the real 7-branch sample plus constructed branches (see
include/sources/redcross-branches/snapshots/SNAPSHOT.md); Brreg answers are constructed in the
API's shape (include/sources/brreg-enheter/snapshots/SNAPSHOT.md).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from atlas_ingest import pipeline
from atlas_ingest.settings import PROJECT_ROOT, SOURCES_DIR

pytestmark = pytest.mark.integration

DBT = [str(Path(sys.executable).parent / "dbt")]
DBT_DIR = "include/dbt/atlas"
NGO_MARTS = ["+fact_chapter_activities", "+dim_activity", "+dim_ngo", "+dim_fylke", "ref_atlas_service_category",
             "ref_brreg_icnpo"]
REFERENCE_SOURCES = ["ssb-klass-kommuner", "ssb-klass-fylker", "posten-postnummer"]
PERSONA_VARS = {
    "kommune_nr": "0301",
    "service_category_code": "homework_help", "fylke_nr": "46",
    "ngo_slugs": ["redcross", "folkehjelp"], "comparison_fylke_nr": "34",
    "chapter_name": "Modum Røde Kors",
    "district_chapter_id": "redcross-D010",
    "tier": "A",
}


def dbt(*args: str, tmp: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*DBT, *args, "--project-dir", DBT_DIR, "--profiles-dir", DBT_DIR,
                           "--target-path", str(tmp / "dbt-target"), "--log-path", str(tmp / "dbt-logs")],
                          env=env or {**os.environ}, capture_output=True, text=True, cwd=PROJECT_ROOT)


def build_marts(tmp: Path, *select: str) -> subprocess.CompletedProcess:
    return dbt("build", "--indirect-selection", "buildable", "--select", *(select or NGO_MARTS), tmp=tmp)


@pytest.fixture(scope="module")
def loaded(warehouse_url, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ngo-supply")
    results = {s: pipeline.run_source(s, mode="replay", force=True) for s in REFERENCE_SOURCES}
    results["brreg-enheter"] = pipeline.run_source("brreg-enheter", mode="replay", force=True)
    results["redcross-branches"] = pipeline.run_source("redcross-branches", mode="replay", force=True)
    out = build_marts(tmp)
    assert out.returncode == 0, out.stdout[-5000:] + out.stderr[-2000:]
    compiled = dbt("compile", "--select", "path:analyses", "--vars", json.dumps(PERSONA_VARS), tmp=tmp)
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    return {"results": results, "tmp": tmp, "dbt": out.stdout}


def persona(loaded, db, name: str) -> list[tuple]:
    sql = (loaded["tmp"] / "dbt-target" / "compiled" / "atlas" / "analyses" / f"{name}.sql").read_text()
    rows = db.execute(sql).fetchall()
    db.commit()
    return rows


def one(db, sql: str, *params):
    row = db.execute(sql, params).fetchone()
    db.commit()
    return row


# ------------------------------------------------------------------------------ raw
def test_both_sources_load_with_their_counts_and_quarantine(loaded, db):
    r = loaded["results"]
    assert r["brreg-enheter"]["status"] == "success" and r["brreg-enheter"]["rows"] == 14
    assert r["redcross-branches"]["status"] == "success" and r["redcross-branches"]["rows"] == 36 + 93
    assert r["redcross-branches"]["quarantined"] == 2
    assert one(db, "SELECT count(*) FROM raw.redcross_branches WHERE source_id = 'redcross-branches'") == (36,)
    assert one(db, "SELECT count(*) FROM raw.redcross_branch_activities") == (93,)
    reasons = dict(db.execute(
        """SELECT payload->>'branchId', reason FROM raw.quarantine
            WHERE ingest_run_id = %s""", (r["redcross-branches"]["ingest_run_id"],)).fetchall())
    db.commit()
    assert set(reasons) == {"L921", "L922"}
    assert reasons["L921"].startswith("kommune not resolved (ambiguous): 'Bø'")
    # kommune_nr came from the warehouse's Klass and Bring register (gazetteer: warehouse)
    assert one(db, "SELECT kommune_nr, kommune_resolution FROM raw.redcross_branches WHERE branch_id = 'L098'") == (
        "3316", "postnummer")
    assert one(db, "SELECT kommune_nr, kommune_resolution FROM raw.redcross_branches WHERE branch_id = 'L918'") == (
        "3419", "name+fylke")


def test_no_personal_data_in_the_warehouse(loaded, db):
    tables = ["raw.redcross_branches", "raw.redcross_branch_activities", "raw.brreg_enheter"]
    for table in tables:
        text = one(db, f"SELECT coalesce(string_agg(t::text, ' '), '') FROM {table} t")[0]
        for marker in ("[REDACTED", "[KONSTRUERT", "+47", "@example", "@rodekors", "firstName", "memberNumber",
                       "c/o", "C/O", "Rusing"):
            assert marker not in text, f"{marker!r} in {table}"
    quarantine = one(db, "SELECT coalesce(string_agg(q::text, ' '), '') FROM raw.quarantine q "
                         "WHERE source_id IN ('redcross-branches', 'brreg-enheter')")[0]
    assert "[KONSTRUERT" not in quarantine and "firstName" not in quarantine


def test_loads_are_idempotent_and_brreg_rechecks_entities_that_disappear(loaded, db):
    def snapshot():
        rows = {}
        for table, key in (("raw.redcross_branches", "branch_id"), ("raw.brreg_enheter", "orgnr")):
            rows[table] = dict(db.execute(f"SELECT {key}, record_hash FROM {table}").fetchall())
        rows["activities"] = db.execute("SELECT count(*) FROM raw.redcross_branch_activities").fetchone()[0]
        db.commit()
        return rows

    before = snapshot()
    # two entities a previous run had loaded and that no search returns any more
    db.execute("""INSERT INTO raw.brreg_enheter (orgnr, source_id, navn, matched_ngo_slugs, seen_via, raw_payload,
                                                 record_hash, ingest_run_id)
                  VALUES ('123456789', 'brreg-enheter', 'SLETTET ENHET AS', '{redcross}', 'search', '{}', 'x', 1),
                         ('100009006', 'brreg-enheter', 'BORTE ENHET (KONSTRUERT)', '{redcross}', 'search', '{}',
                          'y', 1)""")
    db.commit()
    try:
        again = {s: pipeline.run_source(s, mode="replay", force=True) for s in ("brreg-enheter", "redcross-branches")}
        assert {r["status"] for r in again.values()} == {"success"}
        after = snapshot()
        assert after["raw.redcross_branches"] == before["raw.redcross_branches"]  # same rows, same hashes
        assert after["activities"] == before["activities"]
        deleted = one(db, "SELECT slettedato::text, seen_via, matched_ngo_slugs, ingest_run_id FROM raw.brreg_enheter "
                          "WHERE orgnr = '123456789'")
        assert deleted[:3] == ("2017-10-20", "details", [])
        assert deleted[3] == again["brreg-enheter"]["ingest_run_id"]
        gone = one(db, "SELECT navn, ingest_run_id FROM raw.brreg_enheter WHERE orgnr = '100009006'")
        assert gone == ("BORTE ENHET (KONSTRUERT)", 1)  # 410 Gone: kept as last seen, never re-stamped
        assert {k: v for k, v in after["raw.brreg_enheter"].items() if k not in ("123456789", "100009006")} == \
            before["raw.brreg_enheter"]
        out = build_marts(loaded["tmp"], "stg_brreg_enheter__enheter")
        assert out.returncode == 0, out.stdout[-3000:]
        flags = {o: (d, m, s, c) for o, d, m, s, c in db.execute(
            "SELECT orgnr, is_deleted, is_matched, seen_in_latest_run, is_current_match "
            "FROM staging.stg_brreg_enheter__enheter")}
        db.commit()
        assert flags["123456789"] == (True, False, True, False)
        assert flags["100009006"] == (False, True, False, False)
        assert flags["871033552"] == (False, True, True, True)
    finally:
        db.execute("DELETE FROM raw.brreg_enheter WHERE orgnr IN ('123456789', '100009006')")
        db.commit()


# ------------------------------------------------------------------------------ marts
def test_dim_ngo(loaded, db):
    rows = {r[0]: r[1:] for r in db.execute(
        "SELECT slug, orgnr, tier, chapter_data_shape, has_chapters, brreg_navn, brreg_entities_matched "
        "FROM marts.dim_ngo")}
    db.commit()
    assert len(rows) == 11 and {r[1] for r in rows.values()} == {"A"}
    assert rows["folkehjelp"] == ("871033552", "A", "cms_bins", True, "NORSK FOLKEHJELP", 3)
    assert rows["redcross"] == (None, "A", "api_canonical", True, None, 2)  # orgnr unconfirmed: NULL
    assert rows["caritas"] == (None, "A", "programme_only", False, None, 0)


def test_dim_chapter_hierarchy(loaded, db):
    levels = {(l, s, a): n for l, s, a, n in db.execute(
        "SELECT chapter_level, chapter_subtype, is_active, count(*) FROM marts.dim_chapter GROUP BY 1, 2, 3")}
    db.commit()
    assert levels == {("national", "Nasjonalkontoret", True): 1, ("regional", "Distrikt", True): 6,
                      ("regional", "Distrikt", False): 1, ("local", "Lokalforening", True): 23,
                      ("local", "Lokalforening", False): 3, ("local", "Ukjent", True): 2}
    chapters = {r[0]: r[1:] for r in db.execute(
        "SELECT chapter_id, chapter_level, parent_chapter_id, kommune_nr, office_kommune_nr, is_active, chapter_orgnr, "
        "fylke_nr FROM marts.dim_chapter")}
    db.commit()
    assert chapters["redcross-RK01"][:4] == ("national", None, None, "0301")
    assert chapters["redcross-D006"][:4] == ("regional", "redcross-RK01", None, "3301")   # Distrikt -> HQ
    # the real Modum Røde Kors: parent district, kommune from its postal code, its own orgnr
    assert chapters["redcross-L098"] == ("local", "redcross-D006", "3316", "3316", True, "979345305", "33")
    assert chapters["redcross-S006"][:3] == ("local", None, "5524")   # Ukjent: no parent though the export names RK01
    assert chapters["redcross-S901"][:3] == ("local", None, "0301")
    assert chapters["redcross-L176"][4] is False                      # terminated (real sample)
    assert chapters["redcross-L908"][2] == "4622"                     # no postal code: Kvam by name + county
    assert "redcross-L921" not in chapters and "redcross-L922" not in chapters  # quarantined


def test_dim_activity_and_fact(loaded, db):
    acts = {r[0]: r[1:] for r in db.execute(
        "SELECT activity_id, canonical_name, service_category_code, active_chapters, is_active "
        "FROM marts.dim_activity")}
    db.commit()
    assert len(acts) == 24 and all(v[1] for v in acts.values())
    assert acts["redcross-besokstjeneste"] == ("Besøkstjeneste", "elderly_visiting", 13, True)
    assert acts["redcross-hjelpekorps"] == ("Hjelpekorps", "rescue_corps", 20, True)
    assert acts["redcross-ovrige-aktiviteter-rode-kors-ungdom"][0] == "Øvrige aktiviteter -  Røde Kors Ungdom"
    assert one(db, "SELECT count(*), count(*) FILTER (WHERE is_active), sum(listings) "
                   "FROM marts.fact_chapter_activities") == (90, 88, 93)
    assert one(db, "SELECT count(*) FROM marts.fact_chapter_activities WHERE service_category_code = 'rescue_corps' "
                   "AND is_active AND chapter_level = 'local'") == (20,)
    # a branch listing one global activity twice is one fact row with both local names
    assert one(db, "SELECT local_activity_name, local_activity_names, listings FROM marts.fact_chapter_activities "
                   "WHERE chapter_id = 'redcross-L169' AND activity_id = 'redcross-barnas-rode-kors'") == (
        "Stord Røde Kors Barnehjelp", ["Stord Røde Kors Barnehjelp", "Stord Barnas Røde Kors"], 2)
    # a terminated branch's listed activity is inactive
    assert one(db, "SELECT is_active, kommune_nr FROM marts.fact_chapter_activities "
                   "WHERE chapter_id = 'redcross-L912'") == (False, "5607")
    assert "redcross_activity_has_a_reviewed_category" in loaded["dbt"]


# ------------------------------------------------------------------------------ queries as product
def test_persona_activities_in_a_kommune(loaded, db):
    rows = [(r[2], r[3], r[5]) for r in persona(loaded, db, "persona_activities_in_kommune")]
    assert rows == [
        ("Treffpunkt - Røde Kors Ungdom", "youth_drop_in", 2),   # Grünerløkka + the Ukjent youth centre
        ("Ferie for alle", "holiday_camps_low_income", 1),
        ("Kors på halsen", "crisis_helpline", 1),
        ("Leksehjelp", "homework_help", 1),
        ("Møteplasser", "youth_drop_in", 1),
        ("Norsktrening", "language_practice", 1),
    ]


def test_persona_chapters_offering_a_category_in_a_fylke(loaded, db):
    rows = [(r[1], r[2], r[3], r[5]) for r in persona(loaded, db, "persona_chapters_offering_category_in_fylke")]
    assert rows == [
        ("Askøy Røde Kors (konstruert)", "4627", "Askøy", "Leksehjelp"),
        ("Bergen Røde Kors (konstruert)", "4601", "Bergen", "Leksehjelp"),
        ("Stord Røde Kors", "4614", "Stord", "Leksehjelp"),       # real branch, real activity
    ]


def test_persona_ngo_comparison_per_fylke(loaded, db):
    rows = [(r[0], r[2], r[4], r[5], r[6]) for r in persona(loaded, db, "persona_ngo_comparison_by_fylke")]
    redcross = [r for r in rows if r[1] == "redcross"]
    assert redcross == [("34", "redcross", 6, 10, 8)]   # Innlandet: Hamar, Lillehammer, Gjøvik, Stange, Elverum, Våler
    assert {r[1] for r in rows} == {"redcross", "folkehjelp"}  # every requested NGO gets a row


def test_persona_a_chapters_own_activity_list(loaded, db):
    rows = [(r[2], r[3], r[4], r[5]) for r in persona(loaded, db, "persona_chapter_activity_list")]
    assert rows == [  # all real: Modum Røde Kors in the redacted sample
        ("Arrangement og reise", "Barnehjelp Modum Røde Kors", "other_specialised", True),
        ("Barnas Røde Kors", "Barnas Røde Kors Modum Røde Kors", "youth_activity_groups", True),
        ("Besøkstjeneste", "Besøkstjeneste Modum Røde Kors", "elderly_visiting", True),
        ("Besøksvenn med hund", "Besøksvenn med hund Modum Røde Kors", "elderly_visiting", True),
        ("Hjelpekorps", "Hjelpekorps Modum Røde Kors", "rescue_corps", True),
    ]


def test_persona_under_represented_activities_in_a_district(loaded, db):
    rows = persona(loaded, db, "persona_district_underrepresented_activities")
    assert len(rows) == 24 and {r[0] for r in rows} == {"Hordaland Røde Kors"} and {r[5] for r in rows} == {7}
    by_activity = {r[1]: (r[3], r[4]) for r in rows}
    assert by_activity["Hjelpekorps"] == (6, 1)       # 6 of the 7 active locals (Kinsarvik is terminated)
    assert by_activity["Besøkstjeneste"] == (4, 3)
    assert by_activity["Leksehjelp"] == (3, 4)
    assert by_activity["Opplæring"] == (0, 7)
    assert rows[-1][1] == "Hjelpekorps"                # least under-represented last


def test_persona_active_chapters_per_tier_a_ngo(loaded, db):
    rows = {r[1]: (r[5], r[6], r[7]) for r in persona(loaded, db, "persona_active_chapters_per_ngo")}
    assert len(rows) == 11
    assert rows["redcross"] == (32, 25, 4)   # 1 HQ + 6 districts + 25 local; 3 locals + 1 district terminated
    assert rows["caritas"] == (0, 0, 0)


# ------------------------------------------------------------------------------ the negative test
def test_an_activity_without_a_reviewed_mapping_fails_the_dbt_test(loaded, db, tmp_path):
    """A new globalActivityName loads into raw (it is data), then the dbt test stops the marts."""
    root = tmp_path / "sources"
    root.mkdir()
    for child in SOURCES_DIR.iterdir():
        if child.name != "redcross-branches":
            os.symlink(child, root / child.name)
    folder = root / "redcross-branches"
    shutil.copytree(SOURCES_DIR / "redcross-branches", folder)
    dump = folder / "snapshots" / "getOrganizations-constructed.json"
    doc = json.loads(dump.read_text())
    modum = next(b for b in doc["data"]["branches"] if b["branchId"] == "L098")
    modum["branchActivities"].append({"globalActivityName": "Helt ny aktivitet (konstruert)",
                                      "localActivityName": "Ny aktivitet Modum Røde Kors"})
    dump.write_text(json.dumps(doc, ensure_ascii=False))
    from atlas_ingest.manifest import _load_all

    saved = os.environ.get("ATLAS_SOURCES_DIR")
    os.environ["ATLAS_SOURCES_DIR"] = str(root)
    _load_all.cache_clear()
    try:
        assert pipeline.run_source("redcross-branches", mode="replay", force=True)["status"] == "success"
    finally:
        os.environ.pop("ATLAS_SOURCES_DIR") if saved is None else os.environ.__setitem__("ATLAS_SOURCES_DIR", saved)
        _load_all.cache_clear()
    try:
        out = build_marts(loaded["tmp"], "stg_redcross_branches__activities", "dim_activity", "fact_chapter_activities")
        assert out.returncode != 0
        assert "FAIL 1 redcross_activity_has_a_reviewed_category" in out.stdout
        assert "FAIL 1 not_null_dim_activity_service_category_code" in out.stdout
        assert "SKIP relation marts.fact_chapter_activities" in out.stdout  # bad data stops at the gate
        # the marts keep the last good fact (the unmapped activity is not in it)
        assert one(db, "SELECT count(*) FROM marts.fact_chapter_activities WHERE activity_id = %s",
                   "redcross-helt-ny-aktivitet-konstruert") == (0,)
    finally:  # restore the replay data and the marts for whoever comes next
        assert pipeline.run_source("redcross-branches", mode="replay", force=True)["status"] == "success"
        restored = build_marts(loaded["tmp"], "stg_redcross_branches__activities", "dim_activity",
                               "fact_chapter_activities")
        assert restored.returncode == 0, restored.stdout[-3000:]
