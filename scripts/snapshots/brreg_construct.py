"""Build the replay snapshot of `brreg-enheter` (Enhetsregisteret searches for the landscape's NGOs).

Real and vendored into include/sources/brreg-enheter/reference/ (for the unit tests):
* python-brreg's Enhetsregisteret fixtures (crdbrd/python-brreg tests/data, Apache-2.0): real
  response shapes; several values are that project's placeholders (orgnr 112233445, 123456789);
* the bulk-download record sample (navikt/lydia-api) with one FLI record.

Constructed (the search answers under snapshots/): the API's exact shape (`_embedded.enheter`,
`_links`, `page`), one answer per NGO query in landscape.json, page 0, `size=100`. Every entity
is invented and says so in its name ("(KONSTRUERT …)"), with an organisation number starting with
1 that fails the modulus-11 check (no real entity can have it) — except NORSK FOLKEHJELP
871033552, the one number the research notes confirm (002; issue 4), whose record holds only that
number, the name and organisasjonsform FLI (research 002's query); every other field is left out
rather than invented. Also constructed: `GET /enheter/123456789` answers python-brreg's real
deleted-entity fixture (slettedato 2017-10-20), and `GET /enheter/100009006` answers 410 Gone —
the integration test uses both to show how rows that disappear upstream are handled.

Run: .venv/bin/python scripts/snapshots/brreg_construct.py
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path("/work/shared/reference/brreg")
SOURCE = ROOT / "include" / "sources" / "brreg-enheter"
OUT = SOURCE / "snapshots"
REFERENCE = SOURCE / "reference"
API = "https://data.brreg.no/enhetsregisteret/api"
PAGE_SIZE = 100

FORMS = {"FLI": "Forening/lag/innretning", "STI": "Stiftelse"}
WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def fake_orgnr(n: int) -> str:
    """1xxxxxxxx with a wrong check digit: never a real organisasjonsnummer."""
    base = f"1{n:07d}"
    remainder = sum(int(d) * w for d, w in zip(base, WEIGHTS)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    wrong = (check + 1) % 10 if check != 10 else 0
    return base + str(wrong)


def entity(orgnr: str, navn: str, form: str = "FLI", *, kommune: tuple[str, str, str] | None = None,
           frivillig: bool = True, ansatte: int = 0, registrert: str = "2000-01-01") -> dict:
    out = {
        "organisasjonsnummer": orgnr,
        "navn": navn,
        "organisasjonsform": {"kode": form, "beskrivelse": FORMS[form],
                              "_links": {"self": {"href": f"{API}/organisasjonsformer/{form}"}}},
        "registreringsdatoEnhetsregisteret": registrert,
        "registrertIMvaregisteret": False,
        "antallAnsatte": ansatte,
        "harRegistrertAntallAnsatte": ansatte > 0,
    }
    if kommune:
        postnummer, poststed, kommunenummer = kommune
        out["forretningsadresse"] = {"land": "Norge", "landkode": "NO", "postnummer": postnummer,
                                     "poststed": poststed, "adresse": ["Konstruertveien 1"],
                                     "kommune": poststed, "kommunenummer": kommunenummer}
        out["postadresse"] = {"land": "Norge", "landkode": "NO", "postnummer": postnummer, "poststed": poststed,
                              "adresse": ["c/o [KONSTRUERT PERSON]", "Postboks 1"], "kommune": poststed,
                              "kommunenummer": kommunenummer}
    out.update({"registrertIForetaksregisteret": False, "registrertIStiftelsesregisteret": form == "STI",
                "registrertIFrivillighetsregisteret": frivillig, "konkurs": False, "underAvvikling": False,
                "underTvangsavviklingEllerTvangsopplosning": False, "maalform": "Bokmål",
                "_links": {"self": {"href": f"{API}/enheter/{orgnr}"}}})
    return out


def folkehjelp_national() -> dict:
    # Only what the research confirms: the number, the name and the form. Nothing invented.
    return {"organisasjonsnummer": "871033552", "navn": "NORSK FOLKEHJELP",
            "organisasjonsform": {"kode": "FLI", "beskrivelse": FORMS["FLI"],
                                  "_links": {"self": {"href": f"{API}/organisasjonsformer/FLI"}}},
            "_links": {"self": {"href": f"{API}/enheter/871033552"}}}


def answers() -> dict[str, list[dict]]:
    n = iter(range(1, 1000))
    c = "(KONSTRUERT TESTENHET)"
    return {
        "redcross": [
            entity(fake_orgnr(next(n)), f"NORGES RØDE KORS {c}", kommune=("0186", "OSLO", "0301"), ansatte=300),
            entity(fake_orgnr(next(n)), "NORGES RØDE KORS HJELPEKORPS EKSEMPELBYGD (KONSTRUERT)",
                   kommune=("3015", "DRAMMEN", "3301")),
            # Brreg's word search also finds names that merely contain the words: filtered out
            entity(fake_orgnr(next(n)), "VENNER AV NORGES RØDE KORS EKSEMPELBYGD (KONSTRUERT)",
                   kommune=("5003", "BERGEN", "4601"), frivillig=False),
        ],
        "folkehjelp": [
            folkehjelp_national(),
            entity(fake_orgnr(next(n)), "NORSK FOLKEHJELP EKSEMPELBYGD (KONSTRUERT)",
                   kommune=("2317", "HAMAR", "3403")),
            entity(fake_orgnr(next(n)), "NORSK FOLKEHJELP SANITET EKSEMPELBYGD (KONSTRUERT)",
                   kommune=("9008", "TROMSØ", "5501")),
        ],
        "nks": [entity(fake_orgnr(next(n)), f"NORSKE KVINNERS SANITETSFORENING {c}", kommune=("0553", "OSLO", "0301"),
                       ansatte=40)],
        "nasjonalforeningen": [entity(fake_orgnr(next(n)), f"NASJONALFORENINGEN FOR FOLKEHELSEN {c}",
                                      kommune=("0553", "OSLO", "0301"), ansatte=120)],
        "frelsesarmeen": [
            entity(fake_orgnr(next(n)), f"FRELSESARMEEN {c}", kommune=("0553", "OSLO", "0301"), ansatte=900),
            entity(fake_orgnr(next(n)), "FRELSESARMEENS EKSEMPELSTIFTELSE (KONSTRUERT)", "STI",
                   kommune=("0553", "OSLO", "0301"), frivillig=False),
        ],
        "kirkens-bymisjon": [entity(fake_orgnr(next(n)), f"KIRKENS BYMISJON {c}", "STI",
                                    kommune=("0553", "OSLO", "0301"), ansatte=1500, frivillig=False)],
        "speiderforbundet": [entity(fake_orgnr(next(n)), f"NORGES SPEIDERFORBUND {c}",
                                    kommune=("0553", "OSLO", "0301"))],
        "redningsselskapet": [entity(fake_orgnr(next(n)), f"REDNINGSSELSKAPET {c}", kommune=("0553", "OSLO", "0301"),
                                     ansatte=250)],
        "mental-helse": [entity(fake_orgnr(next(n)), f"MENTAL HELSE {c}", kommune=("0553", "OSLO", "0301"))],
        "lhl": [entity(fake_orgnr(next(n)), f"LHL {c}", kommune=("0553", "OSLO", "0301"), ansatte=60)],
        "caritas": [],  # an empty answer, in the real empty-search shape
    }


def search_page(query: dict, hits: list[dict]) -> dict:
    from urllib.parse import urlencode

    params = [("navn", query["navn"])]
    if query.get("organisasjonsform"):
        params.append(("organisasjonsform", ",".join(query["organisasjonsform"])))
    base = f"{API}/enheter?{urlencode(params + [('size', PAGE_SIZE)])}"
    page = {"size": PAGE_SIZE, "totalElements": len(hits), "totalPages": 1 if hits else 0, "number": 0}
    if not hits:
        return {"_links": {"self": {"href": base}}, "page": page}
    return {"_embedded": {"enheter": hits},
            "_links": {"first": {"href": f"{base}&page=0"}, "self": {"href": base},
                       "last": {"href": f"{base}&page=0"}},
            "page": page}


def main() -> None:
    import sys

    sys.path.insert(0, str(ROOT / "include"))
    from atlas_ingest.families.brreg.api import search_params
    from atlas_ingest.families.ngo.landscape import load_landscape

    REFERENCE.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SHARED / "python-brreg_testdata", REFERENCE / "python-brreg_testdata", dirs_exist_ok=True)
    for name in ("brreg_lastned_bulk_format_SAMPLE_enheter.json",):
        shutil.copy(SHARED / name, REFERENCE / name)

    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    entries = []
    by_slug = answers()
    for ngo in load_landscape().ngos:
        if ngo.brreg_query is None:
            continue
        query = ngo.brreg_query.model_dump()
        filename = f"enheter-search-{ngo.slug}-page0.json"
        (OUT / filename).write_text(json.dumps(search_page(query, by_slug[ngo.slug]), ensure_ascii=False, indent=2)
                                    + "\n", encoding="utf-8")
        entries.append({"file": filename, "headers": {"content-type": "application/json"},
                        "request": {"method": "GET", "url": f"{API}/enheter",
                                    "params": [list(p) for p in search_params(query, 0, PAGE_SIZE)]},
                        "status": 200})
    shutil.copy(SHARED / "python-brreg_testdata" / "enheter-details-deleted-response.json",
                OUT / "enheter-details-123456789-deleted.json")
    entries.append({"file": "enheter-details-123456789-deleted.json", "headers": {"content-type": "application/json"},
                    "request": {"method": "GET", "url": f"{API}/enheter/123456789", "params": []}, "status": 200})
    gone = fake_orgnr(900)
    (OUT / f"enheter-details-{gone}-gone.json").write_text("", encoding="utf-8")
    entries.append({"file": f"enheter-details-{gone}-gone.json", "headers": {"content-type": "application/json"},
                    "request": {"method": "GET", "url": f"{API}/enheter/{gone}", "params": []}, "status": 410})
    entries.sort(key=lambda e: e["file"])
    (OUT / "index.json").write_text(json.dumps({"version": 1, "entries": entries}, indent=1, ensure_ascii=False,
                                               sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(entries)} snapshot entries to {OUT} (gone orgnr {gone})")


if __name__ == "__main__":
    main()
