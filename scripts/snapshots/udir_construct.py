#!/usr/bin/env python3
"""Construct replay snapshots for the Udir family (statistikkportalen; no network here).

CONSTRUCTED DATA, NOT OFFICIAL STATISTICS (except where said). statistikkportalen.udir.no cannot be
reached from the machines this project is built on, so every udir-* source's replay bodies are
generated here, deterministically, in the shapes of the REAL captures in tests/resources/udir
(Rapportside descriptors, filterVerdier with the EnhetID tree, pivots with `metadata.columns`
header levels and `rows[{navn, kode, id, data}]`, numbers as strings with decimal commas and
thousands spaces, `*` for suppression), with

* REAL figures where a capture has them: GSI 2025-26 fylke and kommune rows (83 rows: Agder,
  Finnmark, Oslo, Troms with Svalbard, Østfold), Nasjonale prøver lesing 5. trinn 2025-26
  (Agder, Finnmark, Oslo), Elevfravær 10. trinn 2024-25 (part of Agder, Finnmark), and
  Elevundersøkelsen mobbing for Arendal, 10. trinn, 2025-26;
* REAL enheter: the fylke and kommune codes, names (Sami parts, trailing spaces) and row ids of
  the GSI capture, and the six schools the Elevundersøkelsen capture lists with their real
  organisasjonsnummer and EnhetID (Arendal International School, Asdal skole, Birkeland skole,
  Herefoss skole, Valstrand skole, Kirkelund skole) plus its Utlandet branch;
* CONSTRUCTED schools: "Konstruert skole <kommune>-<n>" / "Konstruert vgs <kommune>-<n>" with
  organisasjonsnummer starting with 1 (valid mod-11 check digit, but no real orgnr starts with 1,
  so none can point at a real organisation) and invented EnhetIDs;
* INVENTED figures everywhere else: deterministic pseudo-random values of a plausible
  magnitude; for Birkenes, Skiptvet and Loppa (all their schools present, as many as the real
  "Antall skoler") the schools' 2025-26 GSI counts add up to the real kommune figures, with
  small counts hidden (`*`) the way Udir does — so a hidden school cell sits next to a published
  kommune total it must never be recomputed from;
* ASSUMED: the report codes, base paths and filter names of the reports without a capture
  (GSK_NP_Geo_Trinn5 and GSK_NP_Geografisk — base paths as a third party observed them —,
  GSK_fravaer, VGO_fravaer, VGO_slutta), the ProeveID filter and its ids, GSI's owner filter
  values (taken from Elevundersøkelsen's EierformID), the measure labels of the upper-secondary
  reports, and that upper-secondary enhet trees keep a kommune level.

The requests are planned by Atlas's own adapter (`atlas_ingest.families.udir.api`) from each
manifest, against the descriptor and filter tree written first, so replay exercises the
request-building code of live mode; each source is then replayed through discover → fetch →
parse here as a self-check.

    .venv/bin/python scripts/snapshots/udir_construct.py [source-id ...]
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "include"))

from atlas_ingest.families.udir.api import UdirApiAdapter, rapportside_url  # noqa: E402
from atlas_ingest.families.udir.parse import valid_orgnr  # noqa: E402
from atlas_ingest.http import HttpClient, HttpRequest, SnapshotStore  # noqa: E402
from atlas_ingest.kinds import RunContext  # noqa: E402
from atlas_ingest.landing import LandingStore  # noqa: E402
from atlas_ingest.manifest import get_manifest  # noqa: E402

ENDPOINT = "https://statistikkportalen.udir.no/api/rapportering"
REAL = ROOT / "tests" / "resources" / "udir"
JSON_HEADERS = {"content-type": "application/json; charset=utf-8"}
SOURCES = ["udir-elevundersokelsen", "udir-fravar", "udir-gsi", "udir-nasjonale-prover", "udir-sluttet-vgs"]
THIN = "\u2009"  # Udir's thousands separator is a space; some answers carry a thin one


def real(name: str) -> Any:
    return json.loads((REAL / name).read_text(encoding="utf-8"))


def rng_for(*parts: Any) -> random.Random:
    return random.Random(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest())


# ----------------------------------------------------------------------------- numbers as Udir writes them
def udir_int(n: int | None, thin: bool = False) -> str:
    if n is None:
        return "*"
    text = f"{n:,}".replace(",", THIN if thin else " ")
    return text


def udir_dec(x: float | None, digits: int = 1) -> str:
    return "*" if x is None else f"{x:.{digits}f}".replace(".", ",")


# ----------------------------------------------------------------------------- the geography
@dataclass
class School:
    orgnr: str
    name: str  # as in the tree (trailing spaces kept where the capture has them)
    enhet_id: int
    kommune: str
    owner: str = "offentlig"
    real: bool = False
    no_7th_grade: bool = False


@dataclass
class Kommune:
    kode: str
    navn: str
    row_id: str
    fylke: str
    enhet_id: int
    schools: list[School] = field(default_factory=list)
    vgs: list[School] = field(default_factory=list)


@dataclass
class Fylke:
    kode: str
    navn: str
    row_id: str
    enhet_id: int
    kommuner: list[Kommune] = field(default_factory=list)


def constructed_orgnr(kommune: str, seq: int) -> str:
    for bump in range(0, 1000, 100):
        base = f"1{kommune}{seq + bump:03d}"
        for check in range(10):
            if valid_orgnr(base + str(check)):
                return base + str(check)
    raise ValueError(kommune)


REAL_FYLKE_IDS = {"42": -538, "31": -540}
REAL_KOMMUNE_IDS = {"4203": -720, "4216": -729, "3116": -827}
REAL_SCHOOLS = {  # from the Elevundersøkelsen capture's EnhetID tree (orgnr = kode, EnhetID = id)
    "4203": [School("990334021", "Arendal International School (Ais)", 28027, "4203", owner="privat", real=True),
             School("975280888", "Asdal skole ", 28041, "4203", real=True)],
    "4216": [School("975283259", "Birkeland skole", 28167, "4216", real=True),
             School("975283267", "Herefoss skole", 28919, "4216", real=True),
             School("975283283", "Valstrand skole", 27654, "4216", real=True)],
    "3116": [School("975280640", "Kirkelund skole ", 43234, "3116", real=True)],
}
# kommune → how many constructed grunnskoler / upper-secondary schools it gets
CONSTRUCTED_SCHOOLS = {"4203": 2, "4216": 1, "3116": 1, "5614": 2, "0301": 3, "2100": 1}
CONSTRUCTED_VGS = {"4203": 1, "4204": 1, "0301": 2, "5601": 1, "3105": 1}


@lru_cache(maxsize=1)
def geography() -> list[Fylke]:
    rows = real("gsi_data_202510_TRIMMED.json")["rows"]
    fylker: list[Fylke] = []
    next_id = iter(range(-2000, -9000, -1))
    for row in rows:
        kode = row["kode"]
        if len(kode) == 2:
            fylker.append(Fylke(kode, row["navn"], row["id"], REAL_FYLKE_IDS.get(kode, next(next_id))))
        else:
            fylker[-1].kommuner.append(Kommune(kode, row["navn"], row["id"], fylker[-1].kode,
                                               REAL_KOMMUNE_IDS.get(kode, next(next_id))))
    school_ids = iter(range(910001, 999999))
    for fylke in fylker:
        for k in fylke.kommuner:
            k.schools = list(REAL_SCHOOLS.get(k.kode, []))
            for n in range(1, CONSTRUCTED_SCHOOLS.get(k.kode, 0) + 1):
                k.schools.append(School(constructed_orgnr(k.kode, n), f"Konstruert skole {k.kode}-{n}",
                                        next(school_ids), k.kode, no_7th_grade=(k.kode == "4203" and n == 2)))
            for n in range(1, CONSTRUCTED_VGS.get(k.kode, 0) + 1):
                k.vgs.append(School(constructed_orgnr(k.kode, 500 + n), f"Konstruert vgs {k.kode}-{n}",
                                    next(school_ids), k.kode, owner="privat" if k.kode == "0301" and n == 2
                                    else "offentlig"))
    return fylker


def kommune_of(kode: str) -> Kommune:
    return next(k for f in geography() for k in f.kommuner if k.kode == kode)


# ----------------------------------------------------------------------------- filterVerdier documents
def tree(kind: str, keep: set[str] | None = None) -> list[dict[str, Any]]:
    """The EnhetID tree: `grunnskole` (schools under kommuner) or `vgs` (upper-secondary schools).
    `keep` trims it to some kommuner (like the real trimmed capture)."""
    nodes: list[dict[str, Any]] = []

    def add(id_: int, kode: str, navn: str, nivaa: int, parent: int | None) -> dict[str, Any]:
        node = {"indeks": len(nodes), "id": id_, "kode": kode, "navn": navn, "erBegrenset": 0, "nivaa": nivaa}
        if parent is not None:
            node["forelder"] = parent
            nodes[parent].setdefault("barn", []).append(node["indeks"])
        nodes.append(node)
        return node

    root = add(-10, "Alle", "Hele landet", 0, None)
    root["skjult"] = 1
    land = add(-12, "I", "Hele landet", 1, 0)
    for f in geography():
        kommuner = [k for k in f.kommuner if (keep is None or k.kode in keep)
                    and (kind == "grunnskole" or k.vgs)]
        if not kommuner:
            continue
        fylke = add(f.enhet_id, f.kode, f.navn, 2, land["indeks"])
        for k in kommuner:
            kommune = add(k.enhet_id, k.kode, k.navn, 3, fylke["indeks"])
            for s in (k.schools if kind == "grunnskole" else k.vgs):
                add(s.enhet_id, s.orgnr, s.name, 4, kommune["indeks"])
    # the Utlandet branch, as in the real capture (never asked: its root is not Hele landet)
    abroad = add(-13, "U", "Utlandet", 1, 0)
    abroad_f = add(-34, "25", "Utlandet", 2, abroad["indeks"])
    abroad_k = add(-476, "2599", "Utlandet, uspesifisert", 3, abroad_f["indeks"])
    add(7483, "U90099006", "Costa Blanca Undervisning - Albir", 4, abroad_k["indeks"])
    return nodes


def time_values(ids: list[int], labels: list[str]) -> list[dict[str, Any]]:
    return [{"indeks": i, "id": id_, "kode": str(id_), "navn": label, "erBegrenset": 0}
            for i, (id_, label) in enumerate(zip(ids, labels))]


def simple_values(items: list[tuple[int, str, str]]) -> list[dict[str, Any]]:
    return [{"indeks": i, "id": id_, "kode": kode, "navn": navn, "erBegrenset": 0}
            for i, (id_, kode, navn) in enumerate(items)]


ALLE_KJONN = simple_values([(-10, "A", "Alle kjønn"), (2, "G", "Gutt"), (1, "J", "Jente")])
EIERFORM = simple_values([(-10, "-10", "Alle eierformer"), (8, "3", "Offentlig skole"), (2, "4", "Privat eiet")])
TRINN = simple_values([(-10, "-10", "Alle trinn"), (4, "5", "5. årstrinn"), (6, "7", "7. årstrinn"),
                       (7, "8", "8. årstrinn"), (8, "9", "9. årstrinn"), (9, "10", "10. årstrinn")])
# CONSTRUCTED: lærertetthet's grade groups (filter name and ids unconfirmed)
TRINNGRUPPE = simple_values([(-10, "-10", "Alle trinngrupper"), (1, "1-7", "1.-7. trinn"),
                             (2, "8-10", "8.-10. trinn"), (3, "1-10", "1.-10. trinn")])
PROVER = simple_values([(1, "NPLES", "Lesing"), (2, "NPREG", "Regning"), (3, "NPENG", "Engelsk")])
PROVE_BY_ID = {1: "Lesing", 2: "Regning", 3: "Engelsk"}
TRINN_BY_ID = {4: "5. årstrinn", 6: "7. årstrinn", 7: "8. årstrinn", 8: "9. årstrinn", 9: "10. årstrinn"}


# ----------------------------------------------------------------------------- reports
@dataclass
class ReportSpec:
    code: str
    name: str
    base_path: str
    time_filter: str
    years: list[tuple[int, str]]  # (id, label) newest first
    filters: dict[str, list[dict[str, Any]]]
    tree_kind: str
    tree_keep: set[str] | None
    row_hierarchy: list[str]
    rapportside: dict[str, Any] | None = None  # a real one, when captured
    valid: list[str] = field(default_factory=list)
    assumed: str = ""

    def descriptor(self) -> dict[str, Any]:
        if self.rapportside is not None:
            return self.rapportside
        valid = sorted(set(self.valid) | {"EnhetID", self.time_filter})
        return {"rappside": {
            "id": int(hashlib.sha256(self.code.encode()).hexdigest()[:4], 16) % 400, "kode": self.code,
            "navn": self.name, "gyldigeFiltre": valid,
            "filterSpecEndepunkt": f"{self.base_path}/filterSpec",
            "filterVerdiEndepunkt": f"{self.base_path}/filterVerdier",
            "filterStatusEndepunkt": f"{self.base_path}/filterStatus",
            "erPrikket": True, "kanVises": True,
            "filterDefaultVerdier": {self.time_filter: [self.years[0][0]], "EnhetID": [-12]},
            "rapportElementer": [{"navn": self.name, "rapportelementnr": 1,
                                  "dataEndepunkt": f"{self.base_path}/data", "defaultRadsti": "*.*",
                                  "gyldigeFiltre": valid, "rapportelementtypenavn": "D_TAB"}],
            "PDF-Elementer": []}, "tekster": {}}

    def filter_values(self) -> dict[str, Any]:
        ids, labels = [y[0] for y in self.years], [y[1] for y in self.years]
        doc = {self.time_filter: time_values(ids, labels)}
        doc["EnhetID"] = tree(self.tree_kind, self.tree_keep)
        doc.update(self.filters)
        return doc


GSI_YEARS = [(202510, "2025-26"), (202410, "2024-25"), (202310, "2023-24")]
EUG_YEARS = [(202512, "2025-26"), (202412, "2024-25")]
NP_YEARS = [(20252026, "2025-26"), (20242025, "2024-25"), (20232024, "2023-24")]
FRAVAER_YEARS = [(202506, "2024-25"), (202406, "2023-24"), (202306, "2022-23")]

REPORTS = {
    "GSK_Elev_Skol": ReportSpec("GSK_Elev_Skol", "Elever og skoler", "rest/v1/Statistikk/GSK/GSI/1/8", "TidID",
                                GSI_YEARS, {"TrinnID": TRINN, "KjoennID": ALLE_KJONN, "KommunalitetID": EIERFORM},
                                "grunnskole", None, ["Nasjonalt", "Fylke", "Kommune", "Enhet"],
                                rapportside=real("gsi_rapportside.json")),
    "GSK_EUG_mobbing": ReportSpec("GSK_EUG_mobbing", "EUG - Mobbing", "rest/v1/Statistikk/GSK/EUG/5/5", "TidID",
                                  EUG_YEARS, {"TrinnID": TRINN, "KjoennID": ALLE_KJONN, "EierformID": EIERFORM},
                                  "grunnskole", {"4203", "4216", "3116"}, ["Indikator", "Spørsmål"],
                                  rapportside=real("eug_rapportside.json")),
    # CONSTRUCTED, unconfirmed: no capture of these two reports exists (see CONSTRUCTED_REPORTS)
    "GSK_Laerertetthet": ReportSpec(
        "GSK_Laerertetthet", "Lærertetthet", "rest/v1/Statistikk/GSK/GSI/3/1", "TidID", GSI_YEARS,
        {"TrinngruppeID": TRINNGRUPPE, "KommunalitetID": EIERFORM},
        "grunnskole", None, ["Nasjonalt", "Fylke", "Kommune", "Enhet"], valid=["KommunalitetID", "TrinngruppeID"],
        assumed="the report code, the descriptor and base path (GSI table, rapportNr 3 version 1), the "
                "TrinngruppeID filter and its ids, the measure label"),
    "GSK_EUG_trivsel": ReportSpec(
        "GSK_EUG_trivsel", "EUG - Trivsel", "rest/v1/Statistikk/GSK/EUG/2/5", "TidID", EUG_YEARS,
        {"TrinnID": TRINN, "KjoennID": ALLE_KJONN, "EierformID": EIERFORM,
         "VisAntallBesvart": simple_values([(0, "0", "Skjul"), (1, "1", "Vis")])},
        "grunnskole", {"4203", "4216", "3116"}, ["Indikator", "Spørsmål"],
        valid=["EierformID", "KjoennID", "TrinnID", "VisAntallBesvart"],
        assumed="the report code, the descriptor and base path (EUG table, rapportNr 2 version 5), the measure "
                "label `Snitt` and the index/question codes of its rows"),
    "GSK_NP_Geo_Trinn5": ReportSpec(
        "GSK_NP_Geo_Trinn5", "Nasjonale prøver 5. trinn", "rest/v1/Statistikk/GSK/NasjonaleProever/4/1", "SkoleAarID",
        NP_YEARS, {"TrinnID": TRINN, "KjoennID": ALLE_KJONN, "EierformID": EIERFORM, "ProeveID": PROVER},
        "grunnskole", None, ["Nasjonalt", "Fylke", "Kommune", "Enhet"],
        valid=["EierformID", "KjoennID", "TrinnID", "ProeveID"],
        assumed="the descriptor (built from the base path a third party observed), the ProeveID filter and its ids"),
    "GSK_NP_Geografisk": ReportSpec(
        "GSK_NP_Geografisk", "Nasjonale prøver ungdomstrinn", "rest/v1/Statistikk/GSK/NasjonaleProever/1/1",
        "SkoleAarID", NP_YEARS,
        {"TrinnID": TRINN, "KjoennID": ALLE_KJONN, "EierformID": EIERFORM, "ProeveID": PROVER},
        "grunnskole", None, ["Nasjonalt", "Fylke", "Kommune", "Enhet"],
        valid=["EierformID", "KjoennID", "TrinnID", "ProeveID"],
        assumed="the descriptor (built from the base path a third party observed), the ProeveID filter and its ids"),
    "GSK_fravaer": ReportSpec(
        "GSK_fravaer", "Elevfravær grunnskole", "rest/v1/Statistikk/GSK/FravaerG/1/1", "TidID", FRAVAER_YEARS,
        {"KjoennID": ALLE_KJONN, "EierformID": EIERFORM,
         "VisAntallPersoner": simple_values([(0, "0", "Skjul"), (1, "1", "Vis")]),
         "VisMaaltall": simple_values([(0, "0", "Skjul"), (1, "1", "Vis")])},
        "grunnskole", None, ["Nasjonalt", "Fylke", "Kommune", "Enhet"],
        valid=["EierformID", "KjoennID", "VisAntallPersoner", "VisMaaltall"],
        assumed="the descriptor and base path (table FravaerG, version 1/1)"),
    "VGO_fravaer": ReportSpec(
        "VGO_fravaer", "Elevfravær videregående", "rest/v1/Statistikk/VGO/FravaerV/1/1", "TidID", FRAVAER_YEARS,
        {"KjoennID": ALLE_KJONN, "EierformID": EIERFORM,
         "VisAntallPersoner": simple_values([(0, "0", "Skjul"), (1, "1", "Vis")]),
         "VisMaaltall": simple_values([(0, "0", "Skjul"), (1, "1", "Vis")])},
        "vgs", None, ["Nasjonalt", "Fylke", "Enhet"],
        valid=["EierformID", "KjoennID", "VisAntallPersoner", "VisMaaltall"],
        assumed="the descriptor and base path (table FravaerV, version 1/1), and a kommune level in its enhet tree"),
    "VGO_slutta": ReportSpec(
        "VGO_slutta", "Sluttet i løpet av året", "rest/v1/Statistikk/VGO/SluttaV/1/1", "TidID", FRAVAER_YEARS,
        {"TrinnID": TRINN, "KjoennID": ALLE_KJONN, "EierformID": EIERFORM},
        "vgs", None, ["Nasjonalt", "Fylke", "Enhet"], valid=["EierformID", "KjoennID", "TrinnID"],
        assumed="the descriptor and base path (table SluttaV, version 1/1), the measure labels, and a kommune "
                "level in its enhet tree"),
}


# What a live check must confirm for the reports without a capture (written into SNAPSHOT.md).
CONSTRUCTED_REPORTS = {
    "GSK_Laerertetthet": """\
- **Report code** `GSK_Laerertetthet` (statistikkbanken's "Lærertetthet" report of GSI): assumed. Check
  `GET rest/v1/Rapportside/GSK_Laerertetthet`; if Udir names it otherwise, change `fetch.options.reports[].code`.
- **Descriptor**: constructed (`rappside` with one `rapportElementer[].dataEndepunkt`), base path
  `rest/v1/Statistikk/GSK/GSI/3/1` (the GSI table, rapportNr 3, version 1): assumed. Atlas reads the path from
  the descriptor every run, so only the code must be right.
- **Filters**: `TrinngruppeID` (ids `-10` alle, `1` 1.-7. trinn, `2` 8.-10. trinn, `3` 1.-10. trinn; Atlas pins
  `3`) and `KommunalitetID` (`-10`): name and ids assumed. Check the report's `gyldigeFiltre` and
  `filterVerdier` (discover fails naming the report if a pinned filter is not valid).
- **Measure label** `Lærertetthet i ordinær undervisning` → `LAERERTETTHET_ORDINAER` (pupils per teacher FTE in
  ordinary teaching; the label is the one Udir's GSI exports use): the column label in this report's pivot is
  assumed (a different label fails the parse naming it). Udir also publishes "lærertetthet 1" (gruppestørrelse
  1); only the ordinary-teaching ratio is read.
- **Rows**: Nasjonalt › Fylke › Kommune › Enhet like `GSK_Elev_Skol` (`radSti=-12.*.*.*`): assumed.
- **Suppression**: whether Udir hides the ratio of small schools at all is unknown; the snapshot hides (`*`)
  the schools with fewer than 100 pupils (their constructed GSI count) so the `*` path is exercised.
- **Figures**: all invented (kommuner 12–17, schools 9.5–19 pupils per teacher FTE).""",
    "GSK_EUG_trivsel": """\
- **Report code** `GSK_EUG_trivsel` (Elevundersøkelsen's "Trivsel" index, 7. and 10. trinn): assumed, by
  analogy with the captured `GSK_EUG_mobbing`. Check `GET rest/v1/Rapportside/GSK_EUG_trivsel`; Udir may publish
  trivsel inside a "læringsmiljø" report with several indexes instead (then pick the Trivsel rows by code).
- **Descriptor**: constructed, base path `rest/v1/Statistikk/GSK/EUG/2/5` (the EUG table of the mobbing report,
  another rapportNr): assumed; read from the descriptor every run.
- **Filters**: the mobbing report's (`EierformID -10`, `KjoennID -10`, `VisAntallBesvart 0`, one request per
  `TrinnID` 6 = 7. trinn and 9 = 10. trinn, the enhet as a filter): assumed to be the same.
- **Measure label** `Snitt` → `TRIVSEL_SNITT` (mean on the 1–5 scale): assumed.
- **Rows** (row hierarchy Indikator › Spørsmål): the index `EUIndeks_TRIVSEL` "Trivsel" and three questions
  `EUSpoersmaal_TRIVSEL_SKOLEN` / `_KLASSEN` / `_FRIMINUTT`: codes and wording INVENTED (Udir's real codes look
  like `EUIndeks_1398`, `EUSpoersmaal_Q11811`). They land in `dimensions.sporsmal`; expect them to change.
- **Suppression**: fewer than 10 respondents → `*`, the same rule (and the same constructed respondents) as
  the mobbing snapshot.
- **Figures**: all invented (index 3.75–4.5).""",
}


# ----------------------------------------------------------------------------- pivots
def header(year_label: str, levels: list[str], measures: list[str]) -> list[list[dict[str, Any]]]:
    n = len(measures)
    out = [[{"name": year_label, "tekstId_kolonne": "1", "columnCount": n}]]
    out += [[{"name": label, "tekstId_kolonne": "1", "columnCount": n}] for label in levels]
    out.append([{"name": m, "tekstId_kolonne": "1", "columnCount": 1} for m in measures])
    return out


def real_rows(name: str) -> dict[str, list[str]]:
    return {r["kode"]: r["data"] for r in real(name)["rows"]}


def kommune_size(kode: str) -> int:
    data = real_rows("gsi_data_202510_TRIMMED.json").get(kode)
    return int(data[0].replace(" ", "")) if data else 500


def gsi_values(kode: str, year: int, level: str) -> list[str]:
    """Elever, spesialundervisning, forsterket norsk, skoler."""
    if year == 202510 and level in ("fylke", "kommune"):
        return real_rows("gsi_data_202510_TRIMMED.json")[kode]
    base = real_rows("gsi_data_202510_TRIMMED.json").get(kode)
    r = rng_for("gsi", kode, year)
    if base is None:
        pupils = r.randint(40, 620)
        spes, norsk, schools = round(pupils * r.uniform(0.04, 0.12)), round(pupils * r.uniform(0.01, 0.09)), 1
    else:
        drift = 1 + (202510 - year) / 100 * r.uniform(-0.03, 0.03)
        pupils = round(int(base[0].replace(" ", "")) * drift)
        spes = round(pupils * r.uniform(0.05, 0.1))
        norsk = round(pupils * r.uniform(0.01, 0.07))
        schools = int(base[3]) if base[3] != "*" else 1
    return [udir_int(pupils), udir_int(spes if spes >= 5 else None), udir_int(norsk if norsk >= 5 else None),
            str(schools)]


def partition(total: int, weights: list[float]) -> list[int]:
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: total - sum(parts)]:
        parts[i] += 1
    return parts


def gsi_school_values(k: Kommune, year: int) -> dict[str, list[str]]:
    """Schools of a kommune; where all its schools are in the snapshot (as many as the real
    'Antall skoler'), the 2025-26 counts add up to the real kommune figures."""
    published = real_rows("gsi_data_202510_TRIMMED.json").get(k.kode)
    complete = published is not None and published[3] != "*" and int(published[3]) == len(k.schools)
    if year == 202510 and complete:
        out: dict[str, list[str]] = {s.orgnr: [] for s in k.schools}
        weights = [rng_for("w", s.orgnr).uniform(0.3, 2.0) for s in k.schools]
        for column in range(3):
            text = published[column]
            if text == "*":  # hidden at kommune level: hidden at every school too
                for s in k.schools:
                    out[s.orgnr].append("*")
                continue
            # the first school is a small one: its special-needs counts fall under Udir's threshold
            parts = partition(int(text.replace(" ", "")), weights if column == 0 else
                              [0.05 if i == 0 else rng_for("w", s.orgnr, column).uniform(0.2, 2.0)
                               for i, s in enumerate(k.schools)])
            for s, part in zip(k.schools, parts):
                out[s.orgnr].append(udir_int(part if (column == 0 or part >= 5) else None))
        for s in k.schools:
            out[s.orgnr].append("1")
        return out
    return {s.orgnr: gsi_values(s.orgnr, year, "school") for s in k.schools}


def rows_pivot(spec: ReportSpec, year_label: str, levels: list[str], measures: list[str],
               values: Callable[[str, str, Any], list[str] | None], *, schools: str = "grunnskole",
               only_owner: str | None = None) -> dict[str, Any]:
    """A row-hierarchy pivot over the whole constructed geography (fylke › kommune › schools, or
    fylke › upper-secondary schools when the hierarchy has no kommune level)."""
    rows = []
    with_kommune = "Kommune" in spec.row_hierarchy
    for f in geography():
        fv = values("fylke", f.kode, f)
        if fv is not None:
            rows.append({"navn": f.navn, "kode": f.kode, "id": f.row_id, "data": fv})
        for k in f.kommuner:
            pool = k.schools if schools == "grunnskole" else k.vgs
            if with_kommune:
                kv = values("kommune", k.kode, k)
                if kv is not None:
                    rows.append({"navn": k.navn, "kode": k.kode, "id": k.row_id, "data": kv})
            for s in pool:
                if only_owner and s.owner != only_owner:
                    continue
                sv = values("school", s.orgnr, s)
                if sv is None:
                    continue
                parent = k.row_id if with_kommune else f.row_id
                rows.append({"navn": s.name, "kode": s.orgnr, "id": f"{parent}.{s.enhet_id}", "data": sv})
    return {"metadata": {"rowHierarchy": spec.row_hierarchy, "columns": header(year_label, levels, measures)},
            "rows": rows}


GSI_MEASURES = ["Antall elever", "Antall elever med individuelt tilrettelagt opplæring/spesialundervisning",
                "Antall elever med forsterket opplæring i norsk", "Antall skoler"]


def gsi_body(spec: ReportSpec, meta: dict[str, Any], owner_label: str | None = None) -> dict[str, Any]:
    year = meta["year_id"]
    label = dict(spec.years)[year]
    cache: dict[str, dict[str, list[str]]] = {}

    def values(level: str, kode: str, obj: Any) -> list[str] | None:
        if level == "school":
            k = kommune_of(obj.kommune)
            cache.setdefault(k.kode, gsi_school_values(k, year))
            return cache[k.kode][kode]
        if owner_label is not None:  # an owner's pivot: fylke/kommune rows hold only that owner's schools
            return None
        return gsi_values(kode, year, level)

    owner = {"Offentlig skole": "offentlig", "Privat eiet": "privat"}.get(owner_label) if owner_label else None
    return rows_pivot(spec, label, ["Alle trinn", "Alle trinn", "Alle kjønn", owner_label or "Alle eierformer"],
                      GSI_MEASURES, values, only_owner=owner)


NP_REAL = real_rows("np_data_trinn5_lesing_TRIMMED.json")


def np_body(spec: ReportSpec, meta: dict[str, Any]) -> dict[str, Any]:
    year = meta["year_id"]
    test = PROVE_BY_ID[meta["split"]["ProeveID"]]
    trinn = TRINN_BY_ID[meta["split"].get("TrinnID", 4)]

    def values(level: str, kode: str, obj: Any) -> list[str]:
        if (spec.code == "GSK_NP_Geo_Trinn5" and test == "Lesing" and year == 20252026 and level != "school"
                and kode in NP_REAL):
            return NP_REAL[kode]
        r = rng_for("np", spec.code, test, trinn, year, kode)
        size = kommune_size(kode) if level != "school" else r.randint(20, 400) * 10
        pupils = max(1, round(size / 10 * r.uniform(0.85, 1.0))) if level != "fylke" else round(size / 10)
        if pupils < 10:
            return ["*", "*", "*"]
        score = round(50 + r.gauss(0, 2.5) + (1 if test == "Engelsk" else 0))
        return [str(score), udir_dec(max(0.2, 20 / pupils ** 0.5)), udir_int(pupils)]

    return rows_pivot(spec, dict(spec.years)[year], [test, trinn, "Alle eierformer", "Alle kjønn"],
                      ["Skalapoeng", "Usikkerhet", "Antall elever deltatt"], values)


FRAVAER_REAL = real_rows("fravar_data_202506_TRIMMED.json")
FRAVAER_MEASURES = ["Median dager", "Median timer", "Snitt dager", "Snitt timer", "Antall elever"]


def fravaer_body(spec: ReportSpec, meta: dict[str, Any]) -> dict[str, Any]:
    year = meta["year_id"]
    vgs = spec.code.startswith("VGO")

    def values(level: str, kode: str, obj: Any) -> list[str]:
        if not vgs and year == 202506 and level != "school" and kode in FRAVAER_REAL:
            return FRAVAER_REAL[kode]
        r = rng_for("fravaer", spec.code, year, kode)
        pupils = (kommune_size(kode) // (10 if not vgs else 3)) if level != "school" else r.randint(3, 160)
        if pupils < 10:
            return ["*"] * 5
        days = r.uniform(6, 15) * (1.25 if vgs else 1)
        return [udir_dec(round(days * 2) / 2), udir_dec(round(days * 0.7 * 2) / 2), udir_dec(days * 1.3),
                udir_dec(days * 1.1), udir_int(pupils)]

    return rows_pivot(spec, dict(spec.years)[year], ["Alle eierformer", "Alle kjønn"], FRAVAER_MEASURES, values,
                      schools="vgs" if vgs else "grunnskole")


def sluttet_body(spec: ReportSpec, meta: dict[str, Any]) -> dict[str, Any]:
    year = meta["year_id"]

    def values(level: str, kode: str, obj: Any) -> list[str]:
        r = rng_for("sluttet", year, kode)
        pupils = kommune_size(kode) // 3 if level != "school" else r.randint(150, 1100)
        if level == "school" and obj.owner == "privat":
            pupils = r.randint(40, 90)  # a small private school: few leave, and Udir hides them
        left = round(pupils * r.uniform(0.02, 0.06))
        if left < 5:
            return [udir_int(pupils), "*", "*"]
        return [udir_int(pupils), udir_int(left), udir_dec(100 * left / pupils)]

    return rows_pivot(spec, dict(spec.years)[year], ["Alle trinn", "Alle eierformer", "Alle kjønn"],
                      ["Antall elever", "Antall sluttet", "Andel sluttet"], values, schools="vgs")


EUG_REAL = real("eug_data_arendal_10.json")
EUG_ROWS = [(r["navn"], r["kode"], r["id"]) for r in EUG_REAL["rows"]]


def eug_levels(spec: ReportSpec, enhet_id: int) -> list[str]:
    """The header's enhet path (Hele landet › Agder › Arendal › Alle skoler) of a filter-mode answer."""
    node = {n["id"]: n for n in tree("grunnskole", spec.tree_keep)}.get(enhet_id)
    nodes = {n["indeks"]: n for n in tree("grunnskole", spec.tree_keep)}
    path = []
    cursor = node
    while cursor is not None and cursor["nivaa"] >= 1:
        path.insert(0, cursor["navn"])
        cursor = nodes.get(cursor.get("forelder"))
    fillers = {1: ["Alle fylker", "Alle kommuner", "Alle skoler"], 2: ["Alle kommuner", "Alle skoler"],
               3: ["Alle skoler"], 4: []}[node["nivaa"]]
    return path + fillers


def eug_body(spec: ReportSpec, meta: dict[str, Any]) -> dict[str, Any]:
    year = meta["year_id"]
    trinn = TRINN_BY_ID[meta["split"]["TrinnID"]]
    enhet = meta["enhet"]
    levels = eug_levels(spec, enhet["id"]) + [trinn, "Alle eierformer", "Alle kjønn"]
    school = next((s for f in geography() for k in f.kommuner for s in k.schools if s.orgnr == enhet["kode"]), None)
    if school is not None and school.no_7th_grade and trinn == "7. årstrinn":
        rows: list[dict[str, Any]] = []  # an ungdomsskole has no 7th grade: Udir answers no rows
    elif enhet["kode"] == "4203" and trinn == "10. årstrinn" and year == 202512:
        rows = EUG_REAL["rows"]
    else:
        r = rng_for("eug", enhet["kode"], trinn, year)
        respondents = r.randint(4, 60) if enhet["level"] == "school" else 200
        hidden = respondents < 10
        index = r.uniform(6, 14)
        shares = [index, index * r.uniform(0.5, 0.7), index * r.uniform(0.35, 0.55), index * r.uniform(0.3, 0.5)]
        rows = [{"navn": n, "kode": c, "id": i, "data": ["*" if hidden else udir_dec(v)]}
                for (n, c, i), v in zip(EUG_ROWS, shares)]
    return {"metadata": {"rowHierarchy": spec.row_hierarchy,
                         "columns": header(dict(spec.years)[year], levels, ["Andel mobbet"])}, "rows": rows}


def laerertetthet_body(spec: ReportSpec, meta: dict[str, Any]) -> dict[str, Any]:
    """Pupils per teacher FTE in ordinary teaching, 1.-10. trinn: INVENTED everywhere (no capture).
    A school with fewer than LT_HIDDEN_BELOW pupils (its constructed GSI count) is hidden (`*`)."""
    year = meta["year_id"]
    cache: dict[str, dict[str, list[str]]] = {}

    def values(level: str, kode: str, obj: Any) -> list[str]:
        r = rng_for("laerertetthet", kode, year)
        if level == "school":
            k = kommune_of(obj.kommune)
            cache.setdefault(k.kode, gsi_school_values(k, year))
            pupils = cache[k.kode][kode][0]
            if pupils == "*" or int(pupils.replace(" ", "").replace(THIN, "")) < LT_HIDDEN_BELOW:
                return ["*"]
            return [udir_dec(r.uniform(9.5, 19.0))]
        return [udir_dec(r.uniform(12.0, 17.0) if level == "kommune" else r.uniform(14.0, 16.0))]

    return rows_pivot(spec, dict(spec.years)[year], ["1.-10. trinn", "Alle eierformer"],
                      ["Lærertetthet i ordinær undervisning"], values)


LT_HIDDEN_BELOW = 100
# CONSTRUCTED rows of the trivsel report: the index and three questions (codes invented, NOT Udir's)
TRIVSEL_ROWS = [("Trivsel", "EUIndeks_TRIVSEL", "51"),
                ("Trives du på skolen?", "EUSpoersmaal_TRIVSEL_SKOLEN", "52"),
                ("Trives du i klassen eller gruppa di?", "EUSpoersmaal_TRIVSEL_KLASSEN", "53"),
                ("Trives du i friminuttene?", "EUSpoersmaal_TRIVSEL_FRIMINUTT", "54")]


def trivsel_body(spec: ReportSpec, meta: dict[str, Any]) -> dict[str, Any]:
    """Trivsel (mean on the 1–5 scale), INVENTED everywhere. A school's respondents are the same
    draw as in the mobbing report (same grade and year), so the same schools are hidden (`*`)."""
    year = meta["year_id"]
    trinn = TRINN_BY_ID[meta["split"]["TrinnID"]]
    enhet = meta["enhet"]
    levels = eug_levels(spec, enhet["id"]) + [trinn, "Alle eierformer", "Alle kjønn"]
    school = next((s for f in geography() for k in f.kommuner for s in k.schools if s.orgnr == enhet["kode"]), None)
    if school is not None and school.no_7th_grade and trinn == "7. årstrinn":
        rows: list[dict[str, Any]] = []
    else:
        respondents = rng_for("eug", enhet["kode"], trinn, year).randint(4, 60) if enhet["level"] == "school" else 200
        hidden = respondents < 10
        r = rng_for("trivsel", enhet["kode"], trinn, year)
        index = r.uniform(3.9, 4.5) - (0.15 if trinn == "10. årstrinn" else 0)
        means = [index, min(5.0, index + r.uniform(0.0, 0.2)), index - r.uniform(0.0, 0.2), index + r.uniform(-0.1, 0.1)]
        rows = [{"navn": n, "kode": c, "id": i, "data": ["*" if hidden else udir_dec(v)]}
                for (n, c, i), v in zip(TRIVSEL_ROWS, means)]
    return {"metadata": {"rowHierarchy": spec.row_hierarchy,
                         "columns": header(dict(spec.years)[year], levels, ["Snitt"])}, "rows": rows}


def data_body(spec: ReportSpec, req) -> dict[str, Any]:
    if req.role == "owner":
        return gsi_body(spec, req.meta, owner_label=req.meta["owner_label"])
    return {"GSK_Elev_Skol": gsi_body, "GSK_EUG_mobbing": eug_body, "GSK_NP_Geo_Trinn5": np_body,
            "GSK_NP_Geografisk": np_body, "GSK_fravaer": fravaer_body, "VGO_fravaer": fravaer_body,
            "VGO_slutta": sluttet_body, "GSK_Laerertetthet": laerertetthet_body,
            "GSK_EUG_trivsel": trivsel_body}[spec.code](spec, req.meta)


# ----------------------------------------------------------------------------- writer
def _dump(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def construct(source_id: str) -> dict[str, Any]:
    manifest = get_manifest(source_id)
    if manifest.fetch.endpoint != ENDPOINT:
        raise SystemExit(f"{source_id}: endpoint {manifest.fetch.endpoint} is not {ENDPOINT}")
    folder = manifest.snapshot_dir
    if folder.exists():
        shutil.rmtree(folder)
    store = SnapshotStore(folder)
    specs = {}
    for report in manifest.fetch_options().reports:
        spec = REPORTS[report.code]
        specs[report.code] = spec
        descriptor = spec.descriptor()
        params = (("versjon", str(report.version)),) if report.version else ()
        store.record(HttpRequest("GET", rapportside_url(ENDPOINT, report.code), params), 200, JSON_HEADERS,
                     _dump(descriptor))
        default = descriptor["rappside"]["filterDefaultVerdier"][report.time_filter][0]
        url = f"{ENDPOINT}/{descriptor['rappside']['filterVerdiEndepunkt']}"
        store.record(HttpRequest("GET", url, (("filter", f"{report.time_filter}({default})_EnhetID(*)"),)), 200,
                     JSON_HEADERS, _dump(spec.filter_values()))
    # plan with the real adapter against what was just written
    with tempfile.TemporaryDirectory() as tmp:
        ctx = RunContext(manifest=manifest, run_key="construct",
                         client=HttpClient(source_id=source_id, snapshot_dir=folder, mode="replay"),
                         landing=LandingStore(tmp))
        plan = UdirApiAdapter().discover(ctx)
    for req in plan.requests:
        body = data_body(specs[req.meta["report"]], req)
        store.record(HttpRequest(req.method, req.url, tuple(req.params)), 200, JSON_HEADERS, _dump(body))
    stats = self_check(manifest)
    stats["requests"] = len(plan.requests) + 2 * len(specs)
    (folder / "SNAPSHOT.md").write_text(snapshot_md(manifest, specs, plan, stats), encoding="utf-8")
    return stats


def self_check(manifest) -> dict[str, Any]:
    from atlas_ingest.kinds import parser_for

    with tempfile.TemporaryDirectory() as tmp:
        ctx = RunContext(manifest=manifest, run_key="construct",
                         client=HttpClient(source_id=manifest.id, snapshot_dir=manifest.snapshot_dir, mode="replay"),
                         landing=LandingStore(tmp))
        adapter = UdirApiAdapter()
        plan = adapter.discover(ctx)
        fetched = plan.fetched + adapter.fetch(ctx, plan)
        result = parser_for(manifest)(ctx, fetched)
        tables = {t.table: list(csv.DictReader(io.StringIO(ctx.landing.get(t.key).decode("utf-8"))))
                  for t in result.tables}
    rows = tables["raw.observations"]
    problems = []
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r["status"] or "value"] = statuses.get(r["status"] or "value", 0) + 1
    levels: dict[str, int] = {}
    for r in rows:
        levels[r["region_level"]] = levels.get(r["region_level"], 0) + 1
    if not statuses.get("*"):
        problems.append("no suppressed (*) cell")
    if not levels.get("school"):
        problems.append("no school rows")
    if any(r["status"] and r["value"] for r in rows) or any(not r["status"] and not r["value"] for r in rows):
        problems.append("a row breaks `value NULL iff status`")
    share = len(result.quarantine) / max(result.records, 1)
    if share > manifest.quarantine_max_share:
        problems.append(f"{share:.1%} quarantined")
    if problems:
        raise SystemExit(f"{manifest.id}: constructed snapshots fail the self-check: {'; '.join(problems)}")
    reasons: dict[str, int] = {}
    for q in result.quarantine:
        reasons[q["reason"]] = reasons.get(q["reason"], 0) + 1
    return {"rows": len(rows), "statuses": statuses, "levels": levels, "periods": result.periods,
            "schools": len(tables["raw.udir_schools"]), "catalog": len(tables["raw.indicator_catalog"]),
            "quarantined": len(result.quarantine), "reasons": reasons, "warnings": result.warnings}


def snapshot_md(manifest, specs: dict[str, ReportSpec], plan, stats: dict[str, Any]) -> str:
    status_line = ", ".join(f"`{k}` {v:,}" for k, v in sorted(stats["statuses"].items()))
    level_line = ", ".join(f"{k} {v:,}" for k, v in sorted(stats["levels"].items()))
    reports = []
    for code, spec in specs.items():
        real_desc = "REAL (captured)" if spec.rapportside is not None else f"CONSTRUCTED — assumed: {spec.assumed}"
        reports.append(f"- `{code}` ({spec.name}): descriptor {real_desc}; base path `{spec.base_path}`; "
                       f"years {', '.join(label for _, label in spec.years)}")
    real_figures = {
        "udir-gsi": "GSI 2025-26 fylke and kommune rows of `GSK_Elev_Skol` are Udir's REAL figures (the 83-row "
                    "capture); the schools' figures, every 2024-25 figure and EVERY lærertetthet figure "
                    "(`GSK_Laerertetthet`, a report with no capture at all) are invented.",
        "udir-elevundersokelsen": "Arendal's 10. trinn 2025-26 mobbing answer is Udir's REAL answer; every other "
                                  "figure, and EVERY trivsel figure (`GSK_EUG_trivsel`, a report with no capture at "
                                  "all), is invented.",
        "udir-nasjonale-prover": "Lesing, 5. trinn, 2025-26 fylke and kommune rows of Agder, Finnmark and Oslo "
                                 "are Udir's REAL figures; every other figure is invented.",
        "udir-fravar": "10. trinn 2024-25 rows of Agder, Arendal, Birkenes, Bygland, Bykle and Finnmark with its "
                       "kommuner are Udir's REAL figures; every other figure is invented.",
        "udir-sluttet-vgs": "Every figure is invented.",
    }[manifest.id]
    quarantine = "; ".join(f"{v} × “{k}”" for k, v in sorted(stats["reasons"].items())) or "none"
    unconfirmed = "".join(f"\n### `{code}` — CONSTRUCTED and unconfirmed\n\n{CONSTRUCTED_REPORTS[code]}\n"
                          for code in specs if code in CONSTRUCTED_REPORTS)
    if unconfirmed:
        unconfirmed = ("\n## Reports without any capture (CONSTRUCTED, unconfirmed)\n\nNothing below was seen in an "
                       "answer of Udir's API; it is Atlas's guess in the shape of the real reports of the same table, "
                       "written down so it can be checked against the live API before the figures are trusted.\n" +
                       unconfirmed)
    return f"""# Snapshots of {manifest.id} — CONSTRUCTED, not official statistics

These replay bodies were **constructed** by `scripts/snapshots/udir_construct.py`, because Udir's
statistikkportalen (statistikkportalen.udir.no/api/rapportering) cannot be reached from the
machines this project is built on. {real_figures} Do not read any other value here as a
statistic about a kommune or a school.

What is real:
- the shapes of the real captures in `tests/resources/udir/` (Rapportside descriptors,
  filterVerdier with the EnhetID tree — `nivaa`, `forelder`/`barn` as indexes, schools keyed by
  organisasjonsnummer —, pivots with `metadata.columns` header levels and
  `rows[{{navn, kode, id, data}}]`, numbers as strings with decimal commas and thousands spaces,
  `*` for suppression);
- the fylke and kommune codes, names (Sami parts, trailing spaces, `Våler (Østfold)`) and row ids
  of the GSI capture, Svalbard `2100` under Troms included (quarantined: not a kommune);
- six schools with their real organisasjonsnummer and EnhetID, from the Elevundersøkelsen
  capture: Arendal International School (Ais) 990334021, Asdal skole 975280888, Birkeland skole
  975283259, Herefoss skole 975283267, Valstrand skole 975283283, Kirkelund skole 975280640
  (their figures are invented; which owner each has is constructed).

Constructed or assumed:
- schools named `Konstruert skole <kommune>-<n>` / `Konstruert vgs <kommune>-<n>`: their
  organisasjonsnummer start with 1 (valid check digit, but no real organisation number starts
  with 1);
- the owner split (GSI's KommunalitetID values taken from Elevundersøkelsen's EierformID);
- per report:
{chr(10).join(reports)}

Requests ({stats['requests']} in `index.json`): the Rapportside and filterVerdier of each report,
then {len(plan.requests)} pivot(s) planned by the real adapter from `manifest.yml`.

Parsed in replay by the real adapter and parser: {stats['rows']:,} rows in `raw.observations`
({status_line}; by level: {level_line}); periods {', '.join(stats['periods'])};
{stats['schools']} schools in `raw.udir_schools`; {stats['quarantined']} cells quarantined by design
({quarantine}).
{unconfirmed}
Regenerate after changing the manifest: `.venv/bin/python scripts/snapshots/udir_construct.py {manifest.id}`.
Record real ones with `ATLAS_HTTP_MODE=record` on a machine that can reach statistikkportalen.udir.no,
and replace this file.
"""


def main(argv: list[str]) -> int:
    wanted = argv or SOURCES
    for source_id in wanted:
        stats = construct(source_id)
        print(f"{source_id}: {stats['rows']:,} rows, {stats['schools']} schools, {stats['quarantined']} quarantined, "
              f"{stats['requests']} requests; {stats['statuses']}; {stats['levels']}; warnings {stats['warnings']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
