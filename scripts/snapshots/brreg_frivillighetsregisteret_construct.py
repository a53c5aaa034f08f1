"""Build the replay snapshot of `brreg-frivillighetsregisteret` (Frivillighetsregisteret + Enhetsregisteret).

CONSTRUCTED, in the real shapes (see the source's snapshots/SNAPSHOT.md for what is real):
* register pages `GET https://data.brreg.no/frivillighetsregisteret/api/frivillige-organisasjoner?size=100
  [&searchAfter=<last orgnr of the previous page>]` — `_embedded.frivilligeOrganisasjoner`, `_links.self`
  and `_links.next` (searchAfter; absent on the last page), no `page` block;
* one Enhetsregister batch per page,
  `GET https://data.brreg.no/enhetsregisteret/api/enheter?organisasjonsnummer=<…>&size=<n>`, in
  python-brreg's real search shape (`_embedded.enheter`, `_links`, `page`).

Every organisation is invented and says so in its name ("… (KONSTRUERT)"); its organisation number
starts with 1 and fails the modulus-11 check, so no real entity can have it — except NORSK FOLKEHJELP
871033552 (the one number the research confirms), whose register record is constructed (its ICNPO
categories here are an assumption, not read from the register) and whose Enhetsregister record holds
only the name and FLI, as in brreg-enheter's snapshot. Kommune numbers are real Klass 131 codes.

Deterministic: the same input gives byte-identical files. `organisations()` is also read by
scripts/snapshots/lottstift_construct.py, so VAT-compensation recipients are registered organisations.

Run: .venv/bin/python scripts/snapshots/brreg_frivillighetsregisteret_construct.py
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
KOMMUNER = Path("/work/shared/reference/kommuner/kommuner_2024_klass131.csv")
OUT = ROOT / "include" / "sources" / "brreg-frivillighetsregisteret" / "snapshots"
HOST = "https://data.brreg.no"
REGISTER = f"{HOST}/frivillighetsregisteret/api/frivillige-organisasjoner"
ENHETER = f"{HOST}/enhetsregisteret/api/enheter"
PAGE_SIZE = 100
WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
FOLKEHJELP = "871033552"

# How many constructed organisations each kommune gets (real codes; counts invented).
KOMMUNE_COUNTS = {
    "0301": 64, "4601": 38, "5001": 27, "1103": 22, "3301": 14, "5501": 13, "1108": 12, "4204": 11,
    "3403": 9, "1804": 8, "3205": 8, "4203": 7, "1506": 6, "3907": 6, "3105": 5, "5503": 5, "1577": 4,
    "3411": 4, "1820": 3, "4621": 3, "5601": 3, "3422": 2, "1866": 2, "5632": 2, "1856": 1, "4641": 1,
    "5612": 1, "1151": 1,
}
# ICNPO subgroups used, with how often (out of 20) an organisation's first category is each.
PRIMARY_CYCLE = ["1200", "1200", "1200", "1200", "1100", "1100", "1100", "1300", "13100", "13100",
                 "4100", "4200", "10100", "10100", "6100", "7100", "2300", "5100", "9100", "3400"]
KATEGORI = {  # `kategori` strings: the two seen in real answers, the others in the same style (assumed)
    "1100": "ICNPOKategori.kultur", "9100": "ICNPOKategori.internasjonaleOrganisasjoner",
    "1200": "ICNPOKategori.idrett", "1300": "ICNPOKategori.rekreasjonOgSosialeForeninger",
    "13100": "ICNPOKategori.barneOgUngdomsorganisasjoner", "4100": "ICNPOKategori.sosialeTjenester",
    "4200": "ICNPOKategori.kriseHjelpOgStoettearbeid", "10100": "ICNPOKategori.trosOgLivssynsorganisasjoner",
    "6100": "ICNPOKategori.lokalsamfunnsutvikling", "7100": "ICNPOKategori.interesseorganisasjoner",
    "2300": "ICNPOKategori.annenUtdanning", "5100": "ICNPOKategori.naturOgMiljoevern",
    "3400": "ICNPOKategori.andreHelsetjenester", "15100": "ICNPOKategori.ukjent",
}
KINDS = {"1200": "IDRETTSLAG", "1100": "KULTURFORENING", "1300": "VELFORENING", "13100": "SPEIDERGRUPPE",
         "4100": "BESØKSTJENESTE", "4200": "KRISESENTERFORENING", "10100": "MENIGHET", "6100": "GRENDELAG",
         "7100": "PASIENTFORENING", "2300": "STUDIEFORBUND", "5100": "NATURVERNLAG", "9100": "VENNSKAPSFORENING",
         "3400": "HELSELAG"}


def fake_orgnr(n: int) -> str:
    """1xxxxxxxx with a wrong check digit: never a real organisasjonsnummer (same rule as brreg_construct)."""
    base = f"1{n:07d}"
    remainder = sum(int(d) * w for d, w in zip(base, WEIGHTS)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return base + str((check + 1) % 10 if check != 10 else 0)


def kommune_names() -> dict[str, str]:
    with KOMMUNER.open(encoding="utf-8") as fh:
        return {r["code"]: r["name"].split(" - ")[0] for r in csv.DictReader(fh)}


def organisations() -> list[dict]:
    """Every constructed organisation: orgnr, name, kommune, ICNPO codes (ranked), special-case flags."""
    names = kommune_names()
    orgs: list[dict] = []
    i = 0
    for kommune in sorted(KOMMUNE_COUNTS):
        for k in range(KOMMUNE_COUNTS[kommune]):
            i += 1
            primary = PRIMARY_CYCLE[(i * 7) % len(PRIMARY_CYCLE)]
            codes = [] if i % 13 == 0 else [primary]
            if codes and i % 4 == 0:
                codes.append(PRIMARY_CYCLE[(i * 3 + 5) % len(PRIMARY_CYCLE)])
            if codes and i % 9 == 0:
                codes.append(PRIMARY_CYCLE[(i * 11 + 2) % len(PRIMARY_CYCLE)])
            codes = list(dict.fromkeys(codes))
            kind = KINDS.get(codes[0], "FORENING") if codes else "FORENING"
            place = names[kommune].upper()
            orgs.append({"orgnr": fake_orgnr(300000 + i * 17), "navn": f"{place} {kind} {k + 1} (KONSTRUERT)",
                         "kommune": kommune, "icnpo": codes, "address": "business",
                         "grasrot": i % 3 != 0, "innfoert": f"{2010 + i % 14}-{1 + i % 12:02d}-{1 + i % 27:02d}"})
    by_index = {n: o for n, o in enumerate(orgs)}
    # special cases (each documented in SNAPSHOT.md and asserted in the tests)
    by_index[5]["address"] = "postal_only"              # kommune from the postal address
    by_index[17]["kommune"], by_index[17]["address"] = None, "foreign"     # no Norwegian kommunenummer
    by_index[40]["kommune"] = "3005"                    # Drammen's 2020-2023 number (→ 3301 today)
    by_index[41]["kommune"] = "1507"                    # Ålesund 2020-2023: split in 2024, not countable
    by_index[60]["icnpo"] = ["4100", "1200", "13100"]   # three categories, listed out of rank order below
    by_index[60]["shuffle_icnpo"] = True
    by_index[75]["enhet_missing"] = True                # the register lists it, Enhetsregisteret does not answer
    by_index[90]["icnpo"] = ["15100"]                   # an ICNPO code not in the list: quarantined
    by_index[120]["bad_orgnr"] = True                   # a malformed organisasjonsnummer: quarantined
    # Folkehjelp's three ranked categories are an ASSUMPTION (not read from the register): the only
    # landscape NGO with a confirmed orgnr, it is the one row that exercises dim_ngo.icnpo_code_1..3
    orgs.append({"orgnr": FOLKEHJELP, "navn": "NORSK FOLKEHJELP", "kommune": None,
                 "icnpo": ["4200", "9100", "7100"], "address": "none", "grasrot": True, "innfoert": "2013-08-24",
                 "folkehjelp": True})
    return sorted(orgs, key=lambda o: o["orgnr"])


def register_record(o: dict) -> dict:
    ranked = [{"kategori": KATEGORI[c], "icnpoNummer": c, "rekkefoelge": r} for r, c in enumerate(o["icnpo"], 1)]
    if o.get("shuffle_icnpo"):
        ranked = [ranked[1], ranked[2], ranked[0]]
    orgnr = "12345" if o.get("bad_orgnr") else o["orgnr"]
    record = {
        "organisasjonsnummer": orgnr,
        "frivilligOrganisasjonsstatus": "frivilligOrganisasjonsstatus.innfoert",
        "kontonummer": "00000000000",
        "innfoertDato": o["innfoert"],
        "foersteGangInnfoert": o["innfoert"],
        "grasrotandel": {"deltarI": o["grasrot"], "utestengelsesperiode": None},
        "regnskapsrapportering": {"harPaatattSegRapporteringsplikt": False},
        "vedtekter": {"frivilligRegistrerteVedtekter": True, "sistOppdaterteVedtekter": o["innfoert"]},
        "_links": {"self": {"href": f"{REGISTER}/{orgnr}"}},
    }
    if ranked:
        record["icnpoKategorier"] = ranked
    return record


def address(o: dict, names: dict[str, str], postal_line: bool) -> dict:
    kommune = o["kommune"]
    place = names.get(kommune, "EKSEMPELBYGD").upper() if kommune else "EKSEMPELBY"
    # no postnummer: a constructed one could contradict Bring's register
    return {"land": "Norge", "landkode": "NO", "poststed": place,
            "adresse": ["c/o [KONSTRUERT PERSON]", "Postboks 1"] if postal_line else ["Konstruertveien 1"],
            "kommune": place, "kommunenummer": kommune}


def enhet(o: dict, names: dict[str, str]) -> dict:
    out = {"organisasjonsnummer": o["orgnr"], "navn": o["navn"],
           "organisasjonsform": {"kode": "FLI", "beskrivelse": "Forening/lag/innretning",
                                 "_links": {"self": {"href": f"{ENHETER.rsplit('/', 1)[0]}/organisasjonsformer/FLI"}}}}
    if not o.get("folkehjelp"):
        if o["address"] == "foreign":
            out["forretningsadresse"] = {"land": "Sverige", "landkode": "SE", "postnummer": "11122",
                                         "poststed": "STOCKHOLM", "adresse": ["Konstruerad gatan 1"]}
        elif o["address"] == "business":
            out["forretningsadresse"] = address(o, names, False)
        out["postadresse"] = address(o, names, True) if o["address"] != "foreign" else {
            "land": "Sverige", "landkode": "SE", "postnummer": "11122", "poststed": "STOCKHOLM",
            "adresse": ["Box 1"]}
        out.update({"registreringsdatoEnhetsregisteret": "2000-01-01", "registrertIMvaregisteret": False,
                    "antallAnsatte": 0, "registrertIForetaksregisteret": False,
                    "registrertIStiftelsesregisteret": False, "registrertIFrivillighetsregisteret": True,
                    "konkurs": False, "underAvvikling": False, "underTvangsavviklingEllerTvangsopplosning": False,
                    "maalform": "Bokmål"})
    out["_links"] = {"self": {"href": f"{ENHETER}/{o['orgnr']}"}}
    return out


def main() -> None:
    names = kommune_names()
    orgs = organisations()
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    entries = []
    pages = [orgs[i:i + PAGE_SIZE] for i in range(0, len(orgs), PAGE_SIZE)]
    search_after = None
    for n, page in enumerate(pages):
        params = [("size", str(PAGE_SIZE))] + ([("searchAfter", search_after)] if search_after else [])
        records = [register_record(o) for o in page]
        last = page[-1]["orgnr"]
        links = {"self": {"href": f"{REGISTER}?{urlencode(params)}"}}
        if n < len(pages) - 1:
            links["next"] = {"href": f"{REGISTER}?{urlencode([('searchAfter', last), ('size', str(PAGE_SIZE))])}"}
        doc = {"_embedded": {"frivilligeOrganisasjoner": records}, "_links": links}
        name = f"register-page{n}.json"
        (OUT / name).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        entries.append({"file": name, "headers": {"content-type": "application/json"},
                        "request": {"method": "GET", "url": REGISTER, "params": [list(p) for p in params]},
                        "status": 200})
        # the Enhetsregister batch for the page's well-formed orgnrs (as the adapter asks for them)
        orgnrs = [o["orgnr"] for o in page if not o.get("bad_orgnr")]
        hits = [enhet(o, names) for o in page if not o.get("bad_orgnr") and not o.get("enhet_missing")]
        e_params = [("organisasjonsnummer", ",".join(orgnrs)), ("size", str(len(orgnrs)))]
        batch = {"_embedded": {"enheter": hits},
                 "_links": {"self": {"href": f"{ENHETER}?{urlencode(e_params)}"}},
                 "page": {"size": len(orgnrs), "totalElements": len(hits), "totalPages": 1, "number": 0}}
        name = f"enheter-batch-page{n}.json"
        (OUT / name).write_text(json.dumps(batch, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        entries.append({"file": name, "headers": {"content-type": "application/json"},
                        "request": {"method": "GET", "url": ENHETER, "params": [list(p) for p in e_params]},
                        "status": 200})
        search_after = last
    entries.sort(key=lambda e: e["file"])
    (OUT / "index.json").write_text(json.dumps({"version": 1, "entries": entries}, indent=1, ensure_ascii=False,
                                               sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(pages)} register pages ({len(orgs)} organisations) and {len(pages)} Enhetsregister "
          f"batches to {OUT}")


if __name__ == "__main__":
    main()
