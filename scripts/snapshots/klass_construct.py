#!/usr/bin/env python3
"""Build the replay snapshots of the Klass sources that have no recorded responses (no network here).

    .venv/bin/python scripts/snapshots/klass_construct.py [ssb-klass-fylker ssb-klass-bydeler ssb-klass-sentralitet]

What is REAL and what is CONSTRUCTED (each source's SNAPSHOT.md says it again):

* ssb-klass-fylker (104): the `codesAt?date=2020-01-01` body is a REAL, verbatim Klass response
  (shared/reference/kommuner/klass_v1_classifications_104_codesAt_2020-01-01.json). The
  2024-01-01 body is CONSTRUCTED in exactly that shape from the real 2024 fylke codes and official
  names (shared/reference/kommuner/fylker_2024_DERIVED.csv).
* ssb-klass-bydeler (103): CONSTRUCTED `codesAt?date=2024-01-01` with the real bydel codes and
  names of Oslo, Stavanger, Bergen and Trondheim (see ssb_tables.BYDELER), parentCode = kommune.
* ssb-klass-sentralitet (128): CONSTRUCTED `correspondsAt` to classification 131 with PLACEHOLDER
  classes — NOT SSB's centrality index — assigned deterministically from a pseudo-population.
* Every `GET /classifications/{id}` header is CONSTRUCTED in the shape of the real 131 header
  (no contact person, no versions list; a `lastModified` we chose).

Requests are recorded through `atlas_ingest.http.SnapshotStore`, keyed exactly as KlassAdapter
builds them from each manifest (URL + params; the `Accept` header is not part of the key).
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "include"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from atlas_ingest.http import HttpRequest, SnapshotStore  # noqa: E402
from atlas_ingest.manifest import get_manifest  # noqa: E402

KOMMUNER_SNAPSHOTS = ROOT / "include" / "sources" / "ssb-klass-kommuner" / "snapshots"

REFERENCE = ROOT.parent / "shared" / "reference" / "kommuner"
KOMMUNER_2024 = ROOT / "include" / "sources" / "ssb-klass-kommuner" / "snapshots" / "version-kommuneinndeling-2024.json"
HEADERS = {"content-type": "application/json"}


def _dump(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def header(endpoint: str, classification: int, name: str, description: str, last_modified: str) -> dict[str, Any]:
    """`GET /classifications/{id}`, minimal but in the real 131 header's shape."""
    base = f"{endpoint}/classifications/{classification}"
    return {
        "name": name, "id": classification, "classificationType": "Klassifikasjon",
        "lastModified": last_modified, "description": description, "primaryLanguage": "nb",
        "copyrighted": False, "includeShortName": False, "includeNotes": False,
        "statisticalUnits": ["Region"], "versions": [],
        "_links": {
            "self": {"href": base},
            "codesAt": {"href": f"{base}/codesAt{{?date=<yyyy-MM-dd>,csvSeparator,level,selectCodes,"
                                "presentationNamePattern}", "templated": True},
            "correspondsAt": {"href": f"{base}/correspondsAt{{?targetClassificationId,date=<yyyy-MM-dd>,"
                                      "csvSeparator}", "templated": True},
        },
    }


def code_item(code: str, name: str, parent: str | None = None, level: str = "1") -> dict[str, Any]:
    """One `codes` item in the shape of the real 104 codesAt sample."""
    return {"code": code, "parentCode": parent, "level": level, "name": name, "shortName": "",
            "presentationName": ""}


def kommuner_2024() -> list[tuple[str, str]]:
    doc = json.loads(KOMMUNER_2024.read_text(encoding="utf-8"))
    return [(i["code"], i["name"]) for i in doc["classificationItems"] if i["code"] != "9999"]


# ----------------------------------------------------------------------------- the three sources
def fylker(endpoint: str, date: str) -> tuple[bytes, str]:
    if date == "2020-01-01":
        return (REFERENCE / "klass_v1_classifications_104_codesAt_2020-01-01.json").read_bytes(), "REAL (verbatim)"
    if date == "2024-01-01":
        with (REFERENCE / "fylker_2024_DERIVED.csv").open(encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        items = [code_item(r["fylkesnummer"], r["fylkesnavn_offisielt_flerspraklig"]) for r in rows]
        items.append(code_item("99", "Uoppgitt"))
        return _dump({"codes": items}), "CONSTRUCTED"
    raise SystemExit(f"ssb-klass-fylker: no body known for codesAt {date}")


def bydeler(endpoint: str, date: str) -> tuple[bytes, str]:
    from ssb_tables import BYDELER

    items = [code_item(code, name, parent=kommune) for code, (name, kommune, _) in sorted(BYDELER.items())]
    return _dump({"codes": items}), "CONSTRUCTED"


CLASS_NAMES = {"01": "Sentralitetsklasse 1 (mest sentral)", "02": "Sentralitetsklasse 2",
               "03": "Sentralitetsklasse 3", "04": "Sentralitetsklasse 4", "05": "Sentralitetsklasse 5",
               "06": "Sentralitetsklasse 6 (minst sentral)"}


def placeholder_class(code: str) -> str:
    """PLACEHOLDER centrality class from ssb_construct's pseudo-population — NOT SSB's index."""
    from ssb_construct import kommune_size

    size = kommune_size(code)
    for limit, klass in ((100_000, "01"), (40_000, "02"), (15_000, "03"), (5_000, "04"), (2_000, "05")):
        if size >= limit:
            return klass
    return "06"


def sentralitet(endpoint: str, date: str) -> tuple[bytes, str]:
    items = [{"sourceCode": code, "sourceName": name, "sourceShortName": "",
              "targetCode": placeholder_class(code), "targetName": CLASS_NAMES[placeholder_class(code)],
              "targetShortName": "", "validFrom": date, "validTo": None}
             for code, name in kommuner_2024()]
    return _dump({"correspondenceItems": items}), "CONSTRUCTED (PLACEHOLDER classes)"


SOURCES: dict[str, dict[str, Any]] = {
    "ssb-klass-fylker": {
        "name": "Standard for fylkesinndeling",
        "description": "Fylkesinndelingen er en administrativ inndeling av Norge i fylker. (Konstruert "
                       "kopi av klassifikasjonshodet for replay; ikke SSBs tekst.)",
        "last_modified": "2024-01-02T08:00:00.000+0000",
        "body": fylker,
    },
    "ssb-klass-bydeler": {
        "name": "Standard for bydelsinndeling",
        "description": "Bydelsinndelingen for Oslo, Bergen, Stavanger og Trondheim. (Konstruert kopi av "
                       "klassifikasjonshodet for replay; ikke SSBs tekst.)",
        "last_modified": "2024-01-02T08:00:00.000+0000",
        "body": bydeler,
    },
    "ssb-klass-sentralitet": {
        # the manifest asks classification 131 (kommuner) for its correspondence to 128; the 131
        # header is the REAL recorded one, the 128 header below is constructed
        "target_name": "Standard for sentralitet",
        "description": "Sentralitetsindeksen deler kommunene i seks sentralitetsklasser. (Konstruert kopi av "
                       "klassifikasjonshodet for replay; ikke SSBs tekst.)",
        "last_modified": "2024-01-02T08:00:00.000+0000",
        "body": sentralitet,
    },
}


def construct(source_id: str) -> list[tuple[str, str, str, int]]:
    spec = SOURCES[source_id]
    manifest = get_manifest(source_id)
    opts = manifest.fetch_options()
    endpoint = manifest.fetch.endpoint
    folder = manifest.snapshot_dir
    if folder.exists():
        shutil.rmtree(folder)
    store = SnapshotStore(folder)
    recorded = []
    url = f"{endpoint}/classifications/{opts.classification}"
    body_of: Callable[[str, str], tuple[bytes, str]] = spec["body"]
    if "target_name" in spec:
        real = (KOMMUNER_SNAPSHOTS / "classifications-131.json").read_bytes()
        name = store.record(HttpRequest("GET", url), 200, HEADERS, real)
        recorded.append((f"GET /classifications/{opts.classification}", name, "REAL (recorded Klass 131 header)", 1))
        target = opts.target_classification
        head = header(endpoint, target, spec["target_name"], spec["description"], spec["last_modified"])
        name = store.record(HttpRequest("GET", f"{endpoint}/classifications/{target}"), 200, HEADERS, _dump(head))
        recorded.append((f"GET /classifications/{target}", name, "CONSTRUCTED", 1))
        since = opts.since.isoformat()
        req = HttpRequest("GET", f"{url}/corresponds",
                          (("targetClassificationId", str(target)), ("from", since)))
        body, what = body_of(endpoint, since)
        name = store.record(req, 200, HEADERS, body)
        recorded.append((f"GET /classifications/{opts.classification}/corresponds?targetClassificationId={target}"
                         f"&from={since}", name, what, len(json.loads(body)["correspondenceItems"])))
    else:
        head = header(endpoint, opts.classification, spec["name"], spec["description"], spec["last_modified"])
        name = store.record(HttpRequest("GET", url), 200, HEADERS, _dump(head))
        recorded.append((f"GET /classifications/{opts.classification}", name, "CONSTRUCTED", 1))
    for d in opts.dates:
        date = d.isoformat()
        if opts.method == "codesAt":
            req = HttpRequest("GET", f"{url}/codesAt", (("date", date),))
            shown = f"GET /classifications/{opts.classification}/codesAt?date={date}"
            key = "codes"
        elif opts.method == "correspondsAt":
            req = HttpRequest("GET", f"{url}/correspondsAt",
                              (("targetClassificationId", str(opts.target_classification)), ("date", date)))
            shown = (f"GET /classifications/{opts.classification}/correspondsAt?"
                     f"targetClassificationId={opts.target_classification}&date={date}")
            key = "correspondenceItems"
        else:
            raise SystemExit(f"{source_id}: method {opts.method} is recorded live, not constructed")
        body, what = body_of(endpoint, date)
        name = store.record(req, 200, HEADERS, body)
        recorded.append((shown, name, what, len(json.loads(body)[key])))
    if opts.include_changes:
        raise SystemExit(f"{source_id}: include_changes is set but no change table is constructed")
    rows = sum(n for _, _, _, n in recorded[1:])
    if manifest.min_rows >= rows:
        raise SystemExit(f"{source_id}: min_rows {manifest.min_rows} is not below the {rows} rows constructed")
    (folder / "SNAPSHOT.md").write_text(SNAPSHOT_MD[source_id](recorded), encoding="utf-8")
    return recorded


def _table(recorded) -> str:
    lines = ["| request | file | what | items |", "|---|---|---|---|"]
    lines += [f"| `{r}` | {f} | {w} | {n} |" for r, f, w, n in recorded]
    return "\n".join(lines)


_HEADER_NOTE = """The `GET /classifications/{id}` header is **constructed** in the shape of the real 131 header
(`shared/reference/kommuner/klass131_api/klass_v1_classifications_131.json`): name, id,
classificationType, a `lastModified` we chose (`2024-01-02T08:00:00.000+0000` — discover compares
it between runs), a one-line description marked as constructed, `_links`; no contact person and
an empty `versions` list (codesAt/correspondsAt never read it)."""

_REGEN = "Regenerate: `.venv/bin/python scripts/snapshots/klass_construct.py {sid}`. Record real ones with " \
         "`ATLAS_HTTP_MODE=record` on a machine that can reach data.ssb.no, and replace this file."

SNAPSHOT_MD: dict[str, Callable[[list], str]] = {
    "ssb-klass-fylker": lambda rec: f"""# Snapshots of ssb-klass-fylker — one REAL body, the rest CONSTRUCTED

{_table(rec)}

- **2020-01-01 is real**: the verbatim Klass answer to `GET /classifications/104/codesAt?date=2020-01-01`
  (data © Statistics Norway, CC BY 4.0), found embedded in a test of `statisticsnorway/mimir` at
  commit `5c55c228da0bf8db0c2d6f7157a7d93f3619c08b`, via `shared/reference/kommuner/`
  (PROVENANCE.md): 11 fylker + `99 Uoppgitt`, fields `code, parentCode, level, name, shortName,
  presentationName`.
- **2024-01-01 is constructed** in exactly that shape: the real 15 fylke codes of 2024 with their
  official (multilingual) names from `fylker_2024_DERIVED.csv` (codes from Klass 131 version
  2024; names as Udir prints them, which mirror SSB's), plus `99 Uoppgitt` as in the 2020 body.
  No real Klass-104-2024 response was available. Details SSB may answer differently: the
  `99 Uoppgitt` row, empty `shortName`/`presentationName`.

{_HEADER_NOTE}

{_REGEN.format(sid="ssb-klass-fylker")}
""",
    "ssb-klass-bydeler": lambda rec: f"""# Snapshots of ssb-klass-bydeler — CONSTRUCTED

{_table(rec)}

No real Klass 103 response was available, so `codesAt?date=2024-01-01` is **constructed** in the
shape of the real 104 `codesAt` sample (`code, parentCode, level, name, shortName,
presentationName`).

Real: the 38 bydel codes and names — Oslo `030101` Gamle Oslo … `030115` Søndre Nordstrand,
`030116` Sentrum, `030117` Marka; Stavanger `110301` Hundvåg … `110307` Hinna; Bergen `460101`
Arna … `460108` Åsane; Trondheim `500101` Midtbyen, `500102` Østbyen, `500103` Lerkendal, `500104`
Heimdal. The Oslo list and the pre-2020 numbering of the others (Bergen `1201xx`, Trondheim
`1601xx`, Stavanger `110301`–`110307`, each with the same order and names) were checked against
a published code list; Bergen and Trondheim follow their kommune's renumbering (4601, 5001).

Uncertain — check when recording for real:
- Stavanger `110308` Finnøy and `110309` Rennesøy (added when those kommuner merged into
  Stavanger in 2020) are inferred, not seen in any list.
- `parentCode` = the kommune code (0301, 1103, 4601, 5001) and `level` "1" are our choice;
  whether Klass 103 nests bydeler under a kommune level is not known here.
- Name details: "St. Hanshaugen" (with a space, as SSB writes it); "Uoppgitt" bydel codes such as
  `030199` are left out.
- Sentrum and Marka are in the published code list as bydeler but have few inhabitants; some
  tables leave them out.

{_HEADER_NOTE}

{_REGEN.format(sid="ssb-klass-bydeler")}
""",
    "ssb-klass-sentralitet": lambda rec: f"""# Snapshots of ssb-klass-sentralitet — CONSTRUCTED, PLACEHOLDER CLASSES

{_table(rec)}

> **THE CENTRALITY CLASSES HERE ARE PLACEHOLDERS, NOT SSB'S SENTRALITETSINDEKS.** No real Klass 128
> response was available. Do not publish, map or analyse anything by these classes.

What is real: the 357 kommune codes and names valid on 2024-01-01 (`sourceCode`/`sourceName`, from
the recorded Klass 131 version 2024 in `ssb-klass-kommuner`), the Klass 131 classification header
(recorded), and the documented response shape (`correspondenceItems` with `sourceCode, sourceName,
targetCode, targetName, validFrom, validTo`).

What is invented: every kommune's class. `targetCode` `01`–`06` is assigned deterministically from
the **pseudo-population** of `scripts/snapshots/ssb_construct.py:kommune_size()` (≥100 000 → 01,
≥40 000 → 02, ≥15 000 → 03, ≥5 000 → 04, ≥2 000 → 05, else 06), and the class names
("Sentralitetsklasse 1 (mest sentral)" …) are ours. SSB's index is computed from access to jobs
and services, not population, and its class labels differ.

Direction: a public investigation of the live API reports that `correspondsAt` for 128↔131 came
back empty and that the kommune→class mapping is served by
`GET /classifications/131/corresponds?targetClassificationId=128&from=…` (131 as source, with
validity per row), so that is what the manifest asks. Unverified here; check when recording.

{_HEADER_NOTE}

{_REGEN.format(sid="ssb-klass-sentralitet")}
""",
}


def main(argv: list[str]) -> int:
    for source_id in argv or sorted(SOURCES):
        recorded = construct(source_id)
        print(f"{source_id}: " + ", ".join(f"{r} → {n} items ({w})" for r, _, w, n in recorded))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
