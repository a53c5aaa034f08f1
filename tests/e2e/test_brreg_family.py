"""End to end, the brreg family's Frivillighetsregisteret source: what `airflow dags test brreg`
(inside the session's `atlas demo`) loaded by walking the constructed register, and the marts it
feeds — dim_ngo.icnpo_code_1..3, dim_voluntary_organisation and the per-kommune counts by ICNPO
group. (brreg-enheter's own end-to-end checks are in test_ngo_supply_dags.py.)"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration]
SOURCE = "brreg-frivillighetsregisteret"


@pytest.fixture(scope="module")
def brreg_loaded(replayed):
    return {"log": replayed.log("brreg"), "marts_log": replayed.log("atlas_marts"),
            "seconds": replayed.seconds.get("brreg", 0.0)}


def test_the_register_was_walked_and_loaded(brreg_loaded, db):
    status = db.execute("SELECT status, rows_out, rows_quarantined FROM raw.ingest_runs WHERE source_id = %s "
                        "ORDER BY started_at DESC LIMIT 1", (SOURCE,)).fetchone()
    counts = db.execute("SELECT count(*), count(kommune_nr), count(*) FILTER (WHERE cardinality(icnpo_codes) = 0) "
                        "FROM raw.brreg_frivillige_organisasjoner").fetchone()
    db.commit()
    assert status == ("success", 281, 2)
    assert counts[:2] == (281, 278)
    log = brreg_loaded["log"]
    assert "walked 3 register page(s), 283 organisations, 3 Enhetsregister batch(es)" in log
    assert "GX suite raw_brreg_frivillige_organisasjoner on raw_staging." in log
    print(f"brreg DAG {brreg_loaded['seconds']:.0f}s")


def test_the_marts_it_feeds(brreg_loaded, db):
    ngo = db.execute("SELECT icnpo_code_1, icnpo_code_2, icnpo_code_3, icnpo_source FROM marts.dim_ngo "
                     "WHERE slug = 'folkehjelp'").fetchone()
    dim = db.execute("SELECT count(*), count(kommune_nr) FROM marts.dim_voluntary_organisation").fetchone()
    fact = db.execute("SELECT count(*), count(DISTINCT kommune_nr), sum(organisations_primary) "
                      "FROM marts.fact_kommune_registered_organisations").fetchone()
    oslo = db.execute("SELECT organisations_primary FROM marts.fact_kommune_registered_organisations "
                      "WHERE kommune_nr = '0301' AND icnpo_group_code = '1'").fetchone()
    db.commit()
    assert ngo == ("4200", "9100", "7100", "frivillighetsregisteret")
    assert dim == (281, 277)
    assert fact == (357 * 15, 357, 277)
    assert oslo == (21,)
    assert "fact_kommune_registered_organisations_model_build" in brreg_loaded["marts_log"]
