"""Frivillighetsregisteret (and, joined to it by orgnr, Lottstift's VAT compensation) without
Airflow: the real pipeline loads Klass 131/104 (today's geography), brreg-enheter and the sources
of issue 11 in replay; `dbt build` builds their marts in the session's test database.

Data: constructed snapshots in the real API/file shapes (each source's snapshots/SNAPSHOT.md); the
counts asserted here are the snapshots', not statistics.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from atlas_ingest import pipeline
from atlas_ingest.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

DBT = [str(Path(sys.executable).parent / "dbt")]
DBT_DIR = "include/dbt/atlas"
REFERENCE_SOURCES = ["ssb-klass-kommuner", "ssb-klass-fylker", "brreg-enheter"]
MARTS = ["+fact_kommune_registered_organisations", "+dim_ngo", "assert_registered_organisations_add_up",
         "+fact_kommune_vat_compensation"]


def dbt(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*DBT, *args, "--project-dir", DBT_DIR, "--profiles-dir", DBT_DIR,
                           "--target-path", str(tmp / "dbt-target"), "--log-path", str(tmp / "dbt-logs")],
                          env={**os.environ}, capture_output=True, text=True, cwd=PROJECT_ROOT)


@pytest.fixture(scope="module")
def loaded(warehouse_url, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("voluntary")
    results = {s: pipeline.run_source(s, mode="replay", force=True) for s in REFERENCE_SOURCES}
    for source in ("brreg-frivillighetsregisteret", "lottstift-momskompensasjon"):
        results[source] = pipeline.run_source(source, mode="replay", force=True)
    out = dbt("build", "--indirect-selection", "buildable", "--select", *MARTS, tmp=tmp)
    assert out.returncode == 0, out.stdout[-5000:] + out.stderr[-2000:]
    return {"results": results, "tmp": tmp, "dbt": out.stdout}


def test_the_register_loads_with_its_quarantine(loaded, db):
    result = loaded["results"]["brreg-frivillighetsregisteret"]
    assert (result["status"], result["rows"], result["quarantined"]) == ("success", 281, 2)
    assert db.execute("SELECT count(*), count(kommune_nr), count(*) FILTER (WHERE NOT in_enhetsregisteret) "
                      "FROM raw.brreg_frivillige_organisasjoner").fetchone() == (281, 278, 1)
    reasons = sorted(r for (r,) in db.execute(
        "SELECT reason FROM raw.quarantine WHERE ingest_run_id = %s", (result["ingest_run_id"],)))
    db.commit()
    assert reasons[0].startswith("ICNPO code(s) ['15100']") and "'12345'" in reasons[1]


def test_a_second_walk_replaces_the_register_with_the_same_rows(loaded, db):
    before = db.execute("SELECT count(*), sum(hashtext(record_hash)) "
                        "FROM raw.brreg_frivillige_organisasjoner").fetchone()
    db.commit()
    again = pipeline.run_source("brreg-frivillighetsregisteret", mode="replay", force=True)
    assert again["rows"] == 281
    assert db.execute("SELECT count(*), sum(hashtext(record_hash)) FROM raw.brreg_frivillige_organisasjoner"
                      ).fetchone() == before
    db.commit()


def test_dim_voluntary_organisation_places_organisations_on_todays_geography(loaded, db):
    rows = dict(db.execute("SELECT kommune_resolution, count(*) FROM marts.dim_voluntary_organisation GROUP BY 1"
                           ).fetchall())
    assert rows == {"exact": 276, "renumbered": 1, "split": 1, "none": 3}
    drammen = db.execute("SELECT kommune_nr_registered, kommune_nr FROM marts.dim_voluntary_organisation "
                         "WHERE kommune_resolution = 'renumbered'").fetchone()
    shuffled = db.execute("SELECT icnpo_code_1, icnpo_label_1, icnpo_group_1, icnpo_group_label_1, icnpo_code_3 "
                          "FROM marts.dim_voluntary_organisation WHERE icnpo_category_count = 3 "
                          "AND icnpo_code_1 = '4100'").fetchall()
    db.commit()
    assert drammen == ("3005", "3301")
    assert ("4100", "Sosiale tjenester", "4", "Sosiale tjenester", "13100") in shuffled


def test_dim_ngo_takes_icnpo_codes_from_the_register(loaded, db):
    # Folkehjelp (the one landscape NGO with an orgnr) has three ranked categories in the constructed
    # register, so all three columns come from the register, in rank order
    got = db.execute("SELECT icnpo_code_1, icnpo_label_1, icnpo_code_2, icnpo_code_3, icnpo_source FROM marts.dim_ngo "
                     "WHERE slug = 'folkehjelp'").fetchone()
    others = db.execute("SELECT count(*) FROM marts.dim_ngo WHERE icnpo_source IS NULL").fetchone()
    db.commit()
    assert got == ("4200", "Krisehjelp og støttearbeid", "9100", "7100", "frivillighetsregisteret")
    assert others == (10,)


def test_per_kommune_counts_by_icnpo_group(loaded, db):
    assert db.execute("SELECT count(*), count(DISTINCT kommune_nr), sum(organisations_primary) "
                      "FROM marts.fact_kommune_registered_organisations").fetchone() == (357 * 15, 357, 277)
    oslo = dict(db.execute(
        "SELECT coalesce(icnpo_group_code, '-'), organisations_primary "
        "FROM marts.fact_kommune_registered_organisations WHERE kommune_nr = '0301'").fetchall())
    oslo_any = db.execute("SELECT organisations_any_category, organisations_total "
                          "FROM marts.fact_kommune_registered_organisations "
                          "WHERE kommune_nr = '0301' AND icnpo_group_code = '1'").fetchone()
    split = db.execute("SELECT sum(organisations_total) FROM marts.fact_kommune_registered_organisations "
                       "WHERE kommune_nr IN ('1508', '1580')").fetchone()
    drammen = db.execute("SELECT organisations_total FROM marts.fact_kommune_registered_organisations "
                         "WHERE kommune_nr = '3301' AND icnpo_group_code = '1'").fetchone()
    db.commit()
    assert oslo["1"] == 21 and oslo["13"] == 7 and oslo["8"] == 0 and oslo["-"] == 4
    assert sum(oslo.values()) == 61
    assert oslo_any == (22, 61)
    assert split == (0,)
    assert drammen == (15,)  # 14 on 3301 plus the one registered on Drammen's old number 3005


# ------------------------------------------------------------------------------ Lottstift, joined by orgnr
def test_vat_compensation_loads_one_row_per_year_and_recipient(loaded, db):
    result = loaded["results"]["lottstift-momskompensasjon"]
    assert (result["status"], result["rows"], result["quarantined"]) == ("success", 375, 1)
    per_year = db.execute("SELECT period_id, count(*), count(amount_nok) FROM raw.lottstift_momskompensasjon "
                          "GROUP BY 1 ORDER BY 1").fetchall()
    db.commit()
    assert per_year == [("2019", 73, 73), ("2020", 52, 52), ("2021", 62, 62), ("2022", 62, 61), ("2023", 63, 62),
                        ("2024", 63, 63)]


def test_recipients_are_joined_to_organisations_by_orgnr(loaded, db):
    joined = db.execute("SELECT is_registered_voluntary, count(*), count(kommune_nr), count(icnpo_group_1) "
                        "FROM marts.fact_vat_compensation GROUP BY 1 ORDER BY 1").fetchall()
    folkehjelp = db.execute("SELECT count(*), min(ngo_slug), min(icnpo_code_1), bool_and(kommune_nr IS NULL) "
                            "FROM marts.fact_vat_compensation WHERE orgnr = '871033552'").fetchone()
    outside = db.execute("SELECT count(DISTINCT orgnr) FROM marts.fact_vat_compensation "
                         "WHERE NOT is_registered_voluntary").fetchone()
    db.commit()
    # not in the register (kept, with no kommune or category): 3 recipients every year, and in 2019 and 2023
    # the organisation whose register entry was quarantined (ICNPO code 15100)
    assert joined[0][:3] == (False, 20, 0) and joined[1][0] is True
    assert outside == (4,)
    assert folkehjelp == (6, "folkehjelp", "4200", True)


def test_vat_compensation_per_kommune_adds_up_to_the_placed_recipients(loaded, db):
    placed = db.execute("SELECT grant_year, count(*), sum(amount_nok) FROM marts.fact_vat_compensation "
                        "WHERE kommune_nr IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()
    per_kommune = db.execute("SELECT grant_year, sum(recipients), sum(amount_nok) FROM "
                             "marts.fact_kommune_vat_compensation GROUP BY 1 ORDER BY 1").fetchall()
    db.commit()
    assert per_kommune == placed and len(placed) == 6
