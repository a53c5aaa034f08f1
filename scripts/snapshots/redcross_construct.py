"""Build the replay snapshot of `redcross-branches`: the real, redacted 7-branch sample plus
constructed branches in the export's exact shape.

Real: the 7 branches of shared/reference/redcross/redcross_getOrganizations_2026-04-21_SAMPLE7_
redacted.json (L098 Modum, S006 Haraldvollen, L176 Kinsarvik (terminated), L335 Talvik, L317
Birtavarre, L174 Øygarden, L169 Stord), verbatim — their contacts are already redacted upstream
and the parser drops them anyway.

Constructed (every name ends in "(konstruert)" unless it is a real id/name taken from the sample's
branchParent references; contacts, e-mails, phones and c/o lines are "[KONSTRUERT]" placeholders
so tests can prove none of them reaches the warehouse; web addresses are under example.invalid):
* the national office RK01 and the districts D006, D010, D016, D017 — ids, numbers and names from
  the sample's branchParent blocks, locations constructed;
* districts D901 Innlandet, D902 Oslo, D903 (terminated) — invented, ids outside the real range;
* 23 local branches L901–L923 and one Ukjent S901 in real kommuner (real 2024 postal codes from
  Bring's register), with activities named as in the reviewed mapping seed.

Edge cases it exercises: the three-level hierarchy, Ukjent → local with no parent, terminated
branches (with and without activities), branches without a postal code (resolved by name +
county, incl. the ambiguous name Våler), one branch whose name is ambiguous without a county (Bø,
quarantined), one with an unknown postal code and an unknown place (quarantined), and duplicate
global activities within a branch. The unmapped activity of the negative test is NOT in here:
the test adds it to a copy.

Run: .venv/bin/python scripts/snapshots/redcross_construct.py
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path("/work/shared/reference/redcross/redcross_getOrganizations_2026-04-21_SAMPLE7_redacted.json")
VENDORED = ROOT / "include" / "sources" / "redcross-branches" / "reference" / SAMPLE.name
OUT = ROOT / "include" / "sources" / "redcross-branches" / "snapshots"
URL = "https://dumps.atlas.invalid/redcross/getOrganizations.json"
FILE = "getOrganizations-constructed.json"
TIMESTAMP = "2026-11-01T06:00:00.000Z"

HQ = {"branchId": "RK01", "branchNumber": "9999", "branchName": "RK01", "branchType": "Nasjonalkontoret"}
K = "[KONSTRUERT]"


def contacts(n: int = 2) -> list[dict]:
    roles = ["Leder", "Nestleder", "Kasserer"]
    return [{"role": roles[i % 3], "firstName": K, "lastName": K, "isVolunteer": True, "isMember": True,
             "memberNumber": K} for i in range(n)]


def parent_ref(branch: dict) -> dict:
    return {k: branch[k] for k in ("branchId", "branchNumber", "branchName", "branchType")}


def branch(branch_id: str, number: str, name: str, kind: str, parent: dict | None, *, municipality: str | None,
           county: str | None, postal: tuple[str, str] | None, created: str, active: bool = True,
           region: str | None = None, activities: list[tuple[str, str]] = (), orgnr: str | None = None) -> dict:
    location: dict = {}
    if municipality is not None:
        location["municipality"] = municipality
    if county is not None:
        location["county"] = county
    if region is not None:
        location["region"] = region
    if postal is not None:
        location["postalAddress"] = {"addressLine1": f"C/O {K}", "postalCode": postal[0], "postOffice": postal[1]}
    out = {"branchId": branch_id, "branchNumber": number}
    if orgnr:
        out["organizationNumber"] = orgnr
    out.update({
        "branchType": kind,
        "branchName": name,
        "branchStatus": {"isActive": active, "creationDate": created, "isTerminated": not active},
        **({"branchParent": parent} if parent else {}),
        "branchDetails": {"description": f"{K} fritekst", "organizationLevel": "875880002"} if kind == "Lokalforening"
        else {"organizationLevel": "875880001"},
        "branchLocation": location,
        "communicationChannels": {"phone": "+47 00000000", "email": f"{K.strip('[]').lower()}@example.invalid",
                                  "web": f"https://example.invalid/redcross/{branch_id.lower()}"},
        "branchContacts": contacts(2 if active else 0),
        "branchActivities": [{"globalActivityName": g, "localActivityName": local} for g, local in activities],
    })
    return out


def acts(place: str, *names: str) -> list[tuple[str, str]]:
    return [(n, f"{n} {place} Røde Kors") for n in names]


def constructed() -> list[dict]:
    hq = branch("RK01", "9999", "Norges Røde Kors nasjonalkontoret (konstruert)", "Nasjonalkontoret", None,
                municipality="Oslo", county="Oslo", postal=("0186", "OSLO"), created="1865-09-22",
                activities=acts("Nasjonalkontoret", "Administrative oppgaver"))
    # districts: real ids/numbers/names from the sample's branchParent blocks, locations constructed
    d006 = branch("D006", "0609906", "Buskerud Røde Kors", "Distrikt", HQ, municipality="Drammen", county="Buskerud",
                  postal=("3015", "DRAMMEN"), created="1950-01-01", region="Viken")
    d010 = branch("D010", "1209912", "Hordaland Røde Kors", "Distrikt", HQ, municipality="Bergen", county="Vestland",
                  postal=("5003", "BERGEN"), created="1950-01-01")
    d016 = branch("D016", "1909919", "Troms Røde Kors", "Distrikt", HQ, municipality="Tromsø", county="Troms",
                  postal=("9008", "TROMSØ"), created="1950-01-01")
    d017 = branch("D017", "2009920", "Finnmark Røde Kors", "Distrikt", HQ, municipality="Vadsø", county="Finnmark",
                  postal=("9800", "VADSØ"), created="1950-01-01")
    # invented districts (ids outside the real D0xx range)
    d901 = branch("D901", "9909901", "Innlandet Røde Kors (konstruert)", "Distrikt", HQ, municipality="Hamar",
                  county="Innlandet", postal=("2317", "HAMAR"), created="2020-01-01")
    d902 = branch("D902", "9909902", "Oslo Røde Kors (konstruert)", "Distrikt", HQ, municipality="Oslo",
                  county="Oslo", postal=("0553", "OSLO"), created="1950-01-01")
    d903 = branch("D903", "9909903", "Hedmark Røde Kors (konstruert, nedlagt)", "Distrikt", HQ, municipality="Hamar",
                  county="Hedmark", postal=None, created="1950-01-01", active=False)
    p = {b["branchId"]: parent_ref(b) for b in (d006, d010, d016, d017, d901, d902)}
    locals_ = [
        branch("L901", "9900901", "Drammen Røde Kors (konstruert)", "Lokalforening", p["D006"], municipality="Drammen",
               county="Buskerud", postal=("3015", "DRAMMEN"), created="1920-05-01",
               activities=acts("Drammen", "Hjelpekorps", "Besøkstjeneste", "Norsktrening", "Leksehjelp",
                               "Flyktningguide", "Møteplasser")),
        branch("L902", "9900902", "Kongsberg Røde Kors (konstruert)", "Lokalforening", p["D006"],
               municipality="Kongsberg", county="Buskerud", postal=("3611", "KONGSBERG"), created="1925-03-01",
               activities=acts("Kongsberg", "Hjelpekorps", "Besøkstjeneste", "Beredskap", "Barnas Røde Kors")),
        branch("L903", "9900903", "Ringerike Røde Kors (konstruert)", "Lokalforening", p["D006"],
               municipality="Ringerike", county="Buskerud", postal=("3510", "HØNEFOSS"), created="1930-01-01",
               activities=acts("Ringerike", "Hjelpekorps", "Opplæring", "Besøksvenn med hund")),
        branch("L904", "9900904", "Bergen Røde Kors (konstruert)", "Lokalforening", p["D010"], municipality="Bergen",
               county="Vestland", postal=("5003", "BERGEN"), created="1895-01-01",
               activities=acts("Bergen", "Hjelpekorps", "Besøkstjeneste", "Norsktrening", "Leksehjelp",
                               "Flyktningguide", "Nettverk etter soning", "Vitnestøtte", "Gatemegling",
                               "Treffpunkt - Røde Kors Ungdom", "Kors på halsen")
               + [("Hjelpekorps", "Bergen Røde Kors Fjellgruppe")]),
        branch("L905", "9900905", "Voss Røde Kors (konstruert)", "Lokalforening", p["D010"], municipality="Voss",
               county="Vestland", postal=("5700", "VOSS"), created="1935-01-01",
               activities=acts("Voss", "Hjelpekorps", "Beredskap", "Besøkstjeneste")),
        branch("L906", "9900906", "Kvinnherad Røde Kors (konstruert)", "Lokalforening", p["D010"],
               municipality="Kvinnherad", county="Vestland", postal=("5460", "HUSNES"), created="1946-01-01",
               activities=acts("Kvinnherad", "Hjelpekorps", "Besøkstjeneste")),
        branch("L907", "9900907", "Askøy Røde Kors (konstruert)", "Lokalforening", p["D010"], municipality="Askøy",
               county="Vestland", postal=("5300", "KLEPPESTØ"), created="1950-01-01",
               activities=acts("Askøy", "Leksehjelp", "Møteplasser", "Bruktbutikk")),
        # no postal code: resolved by the municipality name with the county as hint
        branch("L908", "9900908", "Kvam Røde Kors (konstruert)", "Lokalforening", p["D010"], municipality="Kvam",
               county="Vestland", postal=None, created="1948-01-01",
               activities=acts("Kvam", "Hjelpekorps", "Beredskap")),
        branch("L909", "9900909", "Tromsø Røde Kors (konstruert)", "Lokalforening", p["D016"], municipality="Tromsø",
               county="Troms", postal=("9008", "TROMSØ"), created="1900-01-01",
               activities=acts("Tromsø", "Hjelpekorps", "Besøkstjeneste", "Norsktrening", "Ferie for alle")),
        branch("L910", "9900910", "Harstad Røde Kors (konstruert)", "Lokalforening", p["D016"], municipality="Harstad",
               county="Troms", postal=("9405", "HARSTAD"), created="1910-01-01",
               activities=acts("Harstad", "Hjelpekorps", "Praktiske tjenester")),
        branch("L911", "9900911", "Hammerfest Røde Kors (konstruert)", "Lokalforening", p["D017"],
               municipality="Hammerfest", county="Finnmark", postal=("9600", "HAMMERFEST"), created="1912-01-01",
               activities=acts("Hammerfest", "Hjelpekorps", "Beredskap", "Opplæring")),
        # terminated, with an activity still listed: the fact row is inactive
        branch("L912", "9900912", "Vadsø Røde Kors (konstruert, nedlagt)", "Lokalforening", p["D017"],
               municipality="Vadsø", county="Finnmark", postal=("9800", "VADSØ"), created="1913-01-01", active=False,
               activities=acts("Vadsø", "Besøkstjeneste")),
        branch("L913", "9900913", "Hamar Røde Kors (konstruert)", "Lokalforening", p["D901"], municipality="Hamar",
               county="Innlandet", postal=("2317", "HAMAR"), created="1920-01-01",
               activities=acts("Hamar", "Hjelpekorps", "Besøkstjeneste", "Norsktrening", "Leksehjelp",
                               "Flyktningguide", "Møteplasser")),
        branch("L914", "9900914", "Lillehammer Røde Kors (konstruert)", "Lokalforening", p["D901"],
               municipality="Lillehammer", county="Innlandet", postal=("2609", "LILLEHAMMER"), created="1921-01-01",
               activities=acts("Lillehammer", "Hjelpekorps", "Besøkstjeneste",
                               "Røde Kors Friluftsliv og Førstehjelp (RØFF)")),
        branch("L915", "9900915", "Gjøvik Røde Kors (konstruert)", "Lokalforening", p["D901"], municipality="Gjøvik",
               county="Innlandet", postal=("2815", "GJØVIK"), created="1922-01-01",
               activities=acts("Gjøvik", "Hjelpekorps", "Besøkstjeneste", "Leksehjelp")),
        branch("L916", "9900916", "Stange Røde Kors (konstruert)", "Lokalforening", p["D901"], municipality="Stange",
               county="Innlandet", postal=("2335", "STANGE"), created="1923-01-01",
               activities=acts("Stange", "Hjelpekorps", "Besøksvenn med hund")),
        branch("L917", "9900917", "Elverum Røde Kors (konstruert)", "Lokalforening", p["D901"], municipality="Elverum",
               county="Innlandet", postal=("2406", "ELVERUM"), created="1924-01-01",
               activities=acts("Elverum", "Hjelpekorps", "Besøkstjeneste", "Barnas Røde Kors",
                               "Administrative oppgaver")),
        # no postal code and an ambiguous name (Våler exists in Østfold and Innlandet): the county decides
        branch("L918", "9900918", "Våler Røde Kors (konstruert)", "Lokalforening", p["D901"], municipality="Våler",
               county="Innlandet", postal=None, created="1950-01-01", activities=acts("Våler", "Hjelpekorps")),
        branch("L919", "9900919", "Grünerløkka Røde Kors (konstruert)", "Lokalforening", p["D902"],
               municipality="Oslo", county="Oslo", postal=("0553", "OSLO"), created="1960-01-01",
               activities=acts("Grünerløkka", "Norsktrening", "Leksehjelp", "Møteplasser",
                               "Treffpunkt - Røde Kors Ungdom", "Kors på halsen", "Ferie for alle")),
        # quarantined: ambiguous name without a county and without a postal code
        branch("L921", "9900921", "Bø Røde Kors (konstruert)", "Lokalforening", p["D006"], municipality="Bø",
               county=None, postal=None, created="1950-01-01", activities=acts("Bø", "Hjelpekorps")),
        # quarantined: a postal code Bring does not have, a place no kommune was ever called
        branch("L922", "9900922", "Ukjentstad Røde Kors (konstruert)", "Lokalforening", p["D016"],
               municipality="Ukjentstad", county="Troms", postal=("0000", "UKJENTSTAD"), created="1950-01-01",
               activities=acts("Ukjentstad", "Besøkstjeneste")),
        # terminated, no postal code, resolved by name + county
        branch("L923", "9900923", "Sande Røde Kors (konstruert, nedlagt)", "Lokalforening", p["D006"],
               municipality="Sande", county="Vestfold", postal=None, created="1930-01-01", active=False,
               activities=acts("Sande", "Besøkstjeneste")),
        # Ukjent: local with no parent; no postal address at all
        branch("S901", "9900990", "Oslo Røde Kors ungdomssenter (konstruert)", "Ukjent", HQ, municipality="Oslo",
               county="Oslo", postal=None, created="2024-06-01",
               activities=acts("Oslo ungdomssenter", "Treffpunkt - Røde Kors Ungdom")),
    ]
    return [hq, d006, d010, d016, d017, d901, d902, d903, *locals_]


def main() -> None:
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    VENDORED.parent.mkdir(parents=True, exist_ok=True)
    VENDORED.write_bytes(SAMPLE.read_bytes())  # the repository's copy of the real sample (unit tests)
    branches = constructed() + sample["data"]["branches"]
    branches.sort(key=lambda b: (b["branchType"] != "Nasjonalkontoret", b["branchType"] != "Distrikt", b["branchId"]))
    doc = {"data": {"branches": branches}, "metadata": {"totalCount": len(branches), "timestamp": TIMESTAMP}}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / FILE).write_text(json.dumps(doc, ensure_ascii=False, indent=4) + "\n", encoding="utf-8")
    index = {"version": 1, "entries": [{"file": FILE, "headers": {"content-type": "application/json"},
                                        "request": {"method": "GET", "params": [], "url": URL}, "status": 200}]}
    (OUT / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                                    encoding="utf-8")
    kinds: dict[str, int] = {}
    for b in branches:
        kinds[b["branchType"]] = kinds.get(b["branchType"], 0) + 1
    print(f"wrote {OUT / FILE}: {len(branches)} branches {kinds}, "
          f"{sum(len(b['branchActivities']) for b in branches)} activities")


if __name__ == "__main__":
    main()
