"""The NGO landscape (landscape.json + its schema check), the dim_ngo seed generated from it, and the
two curated vocabularies: ref_atlas_service_category and the Red Cross activity mapping."""

from __future__ import annotations

import copy
import csv
import json

import pytest

from atlas_ingest.families.ngo.landscape import (
    ICNPO_SEED_PATH,
    LANDSCAPE_PATH,
    SEED_PATH,
    LandscapeError,
    load_landscape,
    orgnr_is_valid,
    seed_csv,
    validate_landscape,
)
from atlas_ingest.families.ngo.text import slugify
from atlas_ingest.settings import DBT_PROJECT_DIR, SOURCES_DIR

SEEDS = DBT_PROJECT_DIR / "seeds"
TIER_A = ["redcross", "folkehjelp", "nks", "nasjonalforeningen", "frelsesarmeen", "kirkens-bymisjon",
          "speiderforbundet", "redningsselskapet", "mental-helse", "lhl", "caritas"]
CATEGORIES_22 = [
    "rescue_corps", "first_aid_standby", "first_aid_training", "elderly_visiting", "language_practice",
    "homework_help", "migrant_mentoring", "youth_drop_in", "youth_activity_groups", "holiday_camps_low_income",
    "crisis_helpline", "crisis_shelter", "bullying_prevention", "legal_witness_support", "prison_reintegration",
    "street_mediation", "food_distribution", "housing_outreach", "family_support", "health_information",
    "thrift_shop", "political_advocacy"]


def rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def raw_landscape() -> dict:
    return json.loads(LANDSCAPE_PATH.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------ the real file
def test_the_landscape_validates_with_the_tier_a_ngos():
    landscape = load_landscape()
    assert [n.slug for n in landscape.ngos] == TIER_A
    assert all(n.tier.value == "A" for n in landscape.ngos)
    assert landscape.by_slug("redcross").chapter_data_shape.value == "api_canonical"
    assert landscape.by_slug("folkehjelp").chapter_data_shape.value == "cms_bins"
    assert landscape.by_slug("nasjonalforeningen").chapter_data_shape.value == "programme_only"
    assert all(n.brreg_query is not None for n in landscape.ngos), "every Tier A NGO is searched in Brreg"


def test_only_confirmed_organisation_numbers():
    """Norsk Folkehjelp's 871033552 is the one number the research confirms; the rest are null and
    say why and how they will be confirmed."""
    landscape = load_landscape()
    assert {n.slug: n.orgnr for n in landscape.ngos if n.orgnr} == {"folkehjelp": "871033552"}
    for n in landscape.ngos:
        if n.orgnr is None:
            assert "confirm" in n.orgnr_note.lower(), n.slug


def test_the_dim_ngo_seed_is_generated_from_the_landscape():
    assert SEED_PATH.read_text(encoding="utf-8") == seed_csv(load_landscape()), (
        "seeds/ngo_landscape.csv is stale: python -m atlas_ingest.families.ngo.landscape --write-seed")
    seed = rows("ngo_landscape")
    assert [r["slug"] for r in seed] == TIER_A
    folkehjelp = next(r for r in seed if r["slug"] == "folkehjelp")
    assert folkehjelp["orgnr"] == "871033552" and folkehjelp["brreg_name_starts_with"] == "NORSK FOLKEHJELP"


@pytest.mark.parametrize("orgnr,valid", [
    ("871033552", True),   # Norsk Folkehjelp (research 002)
    ("979345305", True),   # Modum Røde Kors (real Red Cross sample)
    ("980255018", True), ("982909120", True), ("988095869", True),
    ("871033553", False), ("87103355", False), ("87103355x", False), ("100000017", False),
])
def test_orgnr_check_digit(orgnr, valid):
    assert orgnr_is_valid(orgnr) is valid


# ------------------------------------------------------------------------------ the schema check
def broken(mutate) -> dict:
    data = copy.deepcopy(raw_landscape())
    mutate(data)
    return data


@pytest.mark.parametrize("mutate,expected", [
    (lambda d: d["ngos"][0].update(colour="red"), "ngos.0(redcross).colour"),
    (lambda d: d["ngos"][1].update(tier="D"), "ngos.1(folkehjelp).tier"),
    (lambda d: d["ngos"][1].update(orgnr="871033553"), "not a valid organisasjonsnummer"),
    (lambda d: d["ngos"][2].update(orgnr_note=None), "orgnr is null: say why"),
    (lambda d: d["ngos"][2].update(slug="NKS"), "ngos.2(NKS).slug"),
    (lambda d: d["ngos"][3].update(chapter_data_shape="wiki"), "chapter_data_shape"),
    (lambda d: d["ngos"][3].update(icnpo_codes=["4100", "9999"]), "not in the ICNPO list"),
    (lambda d: d["ngos"][3].update(icnpo_codes=["4100", "4200", "3400", "2300"]), "icnpo_codes"),
    (lambda d: d["ngos"][4].update(website_url="http://insecure.example"), "website_url"),
    (lambda d: d["ngos"][5]["brreg_query"].update(organisasjonsform=["ENK"]), "named after a person"),
    (lambda d: d["ngos"][5]["brreg_query"].update(navnStartsWith="X"), "brreg_query.navnStartsWith"),
    (lambda d: d["ngos"][6].update(chapter_data_shape="no_structure"), "no_structure means has_chapters: false"),
    (lambda d: d["ngos"][10].update(chapter_source_id="caritas-chapters"), "chapter_source_id given"),
    (lambda d: d["ngos"].append(copy.deepcopy(d["ngos"][0])), "slug repeats: ['redcross']"),
    (lambda d: d.update(ngos=[]), "ngos"),
    (lambda d: d.pop("version"), "version"),
])
def test_a_malformed_entry_is_rejected_naming_the_entry_and_field(mutate, expected):
    with pytest.raises(LandscapeError) as err:
        validate_landscape(broken(mutate))
    assert expected in str(err.value)


def test_the_loader_names_the_file_on_bad_json(tmp_path):
    path = tmp_path / "landscape.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(LandscapeError, match="landscape.json: not valid JSON"):
        load_landscape(path)


def test_adding_an_ngo_is_a_json_edit(tmp_path):
    data = raw_landscape()
    data["ngos"].append({
        "slug": "new-ngo", "orgnr": None, "orgnr_note": "to confirm in Brreg", "name": "Ny Forening",
        "brand_name": "Ny", "website_url": "https://ny.example", "tier": "B", "chapter_data_shape": "no_structure",
        "has_chapters": False, "primary_focus": "testing", "icnpo_codes": ["12100"],
        "brreg_query": {"navn": "Ny Forening", "organisasjonsform": ["FLI"], "nameStartsWith": "NY FORENING"}})
    path = tmp_path / "landscape.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    landscape = load_landscape(path)
    assert landscape.by_slug("new-ngo").brreg_query.organisasjonsform == ["FLI"]
    assert "new-ngo,,to confirm in Brreg,Ny Forening" in seed_csv(landscape)


# ------------------------------------------------------------------------------ vocabularies
def test_the_service_category_vocabulary():
    seed = rows("ref_atlas_service_category")
    codes = [r["code"] for r in seed]
    assert codes == CATEGORIES_22 + ["international_solidarity", "youth_political_action", "other_specialised"]
    icnpo = {r["code"] for r in csv.DictReader(ICNPO_SEED_PATH.open(encoding="utf-8"))}
    for r in seed:
        assert r["label_no"] and r["label_en"] and len(r["description"]) > 20, r["code"]
        assert r["sdg_goals"].startswith("{") and r["sdg_goals"].endswith("}"), r["code"]
        assert all(1 <= int(g) <= 17 for g in r["sdg_goals"].strip("{}").split(",") if g), r["code"]
        if r["code"] == "other_specialised":
            assert r["icnpo_subgroup_code"] == "" and r["is_filter_chip"] == "false"
        else:
            assert r["icnpo_subgroup_code"] in icnpo and r["is_filter_chip"] == "true", r["code"]


def test_the_icnpo_seed_is_the_real_reference_list():
    seed = rows("ref_brreg_icnpo")
    assert len(seed) == 46
    assert {"4100", "4200", "7200", "14100"} <= {r["code"] for r in seed}


def test_the_redcross_mapping_is_keyed_by_the_activity_slug():
    seed = rows("redcross_activity_category")
    categories = {r["code"] for r in rows("ref_atlas_service_category")}
    assert len({r["activity_id"] for r in seed}) == len(seed)
    for r in seed:
        assert r["activity_id"] == "redcross-" + slugify(r["global_activity_name"]), r["global_activity_name"]
        assert r["service_category_code"] in categories, r
        assert r["name_seen_in"] in ("real_sample_2026-04-21", "research_003_table", "research_003_programme")
        assert r["review_note"], r["activity_id"]
    assert slugify("Besøkstjeneste") == "besokstjeneste"  # research 003: 'redcross-besokstjeneste'


def test_every_activity_in_the_real_sample_has_a_reviewed_mapping():
    sample = json.loads(next((SOURCES_DIR / "redcross-branches" / "reference").glob("*SAMPLE7*.json")).read_text())
    names = {a["globalActivityName"] for b in sample["data"]["branches"] for a in b["branchActivities"]}
    mapped = {r["global_activity_name"]: r["name_seen_in"] for r in rows("redcross_activity_category")}
    assert names <= set(mapped), names - set(mapped)
    assert {n for n, seen in mapped.items() if seen == "real_sample_2026-04-21"} == names
