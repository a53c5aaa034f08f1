"""Build the replay snapshot of `helsedir-fastlege` (Helfo's fastlege statistics, Helsedirektoratet API).

CONSTRUCTED: Helsedirektoratet's API cannot be reached from here, and its fastlege product's reference
is not published (see the source's README). The shapes are the ones the manifest configures
(`fetch.options.periods_path`/`data_path`, `parse.options.*field`); the kommune and fylke codes are
real (Klass 131 2024, the 15 fylker of 2024); **every number is invented**.

Deterministic: values come from a sha256 of the region code and month, so a re-run writes the same
bytes. Run: .venv/bin/python scripts/snapshots/helsedirektoratet_construct.py
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path("/work/shared/reference/kommuner")
OUT = ROOT / "include" / "sources" / "helsedir-fastlege" / "snapshots"
ENDPOINT = "https://api.helsedirektoratet.no"
PERIODS_PATH = "/fastlegestatistikk/v1/perioder"
DATA_PATH = "/fastlegestatistikk/v1/statistikk"
PUBLISHED = [f"{y}-{m:02d}-01" for y, m in [(2024, m) for m in range(1, 13)] + [(2025, 1)]]
RECORDED = PUBLISHED[-3:]  # the manifest's latest_months
BIG = {"0301": 560, "4601": 265, "5001": 185, "1103": 125, "3301": 95, "5501": 70, "1108": 75, "4204": 100}


def unit(*parts: str) -> float:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def kommuner() -> list[tuple[str, str]]:
    with (REFERENCE / "kommuner_2024_klass131.csv").open(encoding="utf-8") as fh:
        return [(r["code"], r["name"]) for r in csv.DictReader(fh) if r["is_special_code"] == "false"]


def fylker() -> list[tuple[str, str]]:
    with (REFERENCE / "fylker_2024_DERIVED.csv").open(encoding="utf-8") as fh:
        return [(r["fylkesnummer"], r["fylkesnavn_norsk"]) for r in csv.DictReader(fh)]


def kommune_row(code: str, name: str, month: str) -> dict:
    lists = BIG.get(code) or 2 + int(unit(code, "size") * 28)
    drift = 1 + (PUBLISHED.index(month) - 6) * 0.002
    without_share = 0.02 + 0.22 * unit(code, "uten") ** 2 * drift
    without = min(lists, round(lists * without_share))
    vacant = round(without * unit(code, month, "ubesatt") * 0.5)
    per_list = 850 + int(unit(code, "per") * 450)
    return {"nivaa": "kommune", "regionkode": code, "regionnavn": name, "antallLister": lists,
            "antallListerUtenFastLege": without, "antallUbesatteLister": vacant,
            "antallInnbyggerePaLister": lists * per_list,
            "antallInnbyggerePaListerUtenFastLege": round(without * per_list * 0.9)}


FIELDS = ("antallLister", "antallListerUtenFastLege", "antallUbesatteLister", "antallInnbyggerePaLister",
          "antallInnbyggerePaListerUtenFastLege")


def summed(level: str, code: str, name: str, rows: list[dict]) -> dict:
    return {"nivaa": level, "regionkode": code, "regionnavn": name,
            **{f: sum(r[f] for r in rows) for f in FIELDS}}


def month_body(month: str) -> dict:
    rows = [kommune_row(code, name, month) for code, name in kommuner()]
    by_fylke = [summed("fylke", nr, name, [r for r in rows if r["regionkode"][:2] == nr]) for nr, name in fylker()]
    land = summed("land", "0", "Norge", rows)
    if month == RECORDED[-1]:
        # the special cases (SNAPSHOT.md): a missing figure, a suppressed one, an inconsistent row,
        # and a kommune code Klass 131 has never had
        by_code = {r["regionkode"]: r for r in rows}
        by_code["1818"]["antallUbesatteLister"] = None
        by_code["1826"]["antallInnbyggerePaListerUtenFastLege"] = ":"
        by_code["1836"].update({"antallListerUtenFastLege": 1, "antallUbesatteLister": 3})
        rows.append({"nivaa": "kommune", "regionkode": "1599", "regionnavn": "UKJENT (KONSTRUERT)",
                     "antallLister": 4, "antallListerUtenFastLege": 0, "antallUbesatteLister": 0,
                     "antallInnbyggerePaLister": 3900, "antallInnbyggerePaListerUtenFastLege": 0})
    return {"periode": month, "publisert": f"{month[:8]}20T08:00:00+01:00", "rader": [land, *by_fylke, *rows]}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    entries = []
    listing = {"perioder": [{"periode": p, "publisert": f"{p[:8]}20T08:00:00+01:00"} for p in PUBLISHED]}
    (OUT / "perioder.json").write_text(json.dumps(listing, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    entries.append({"file": "perioder.json", "headers": {"content-type": "application/json"},
                    "request": {"method": "GET", "url": f"{ENDPOINT}{PERIODS_PATH}", "params": []}, "status": 200})
    for month in RECORDED:
        name = f"statistikk-{month[:7]}.json"
        (OUT / name).write_text(json.dumps(month_body(month), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        entries.append({"file": name, "headers": {"content-type": "application/json"},
                        "request": {"method": "GET", "url": f"{ENDPOINT}{DATA_PATH}",
                                    "params": [["periode", month]]}, "status": 200})
    entries.sort(key=lambda e: e["file"])
    (OUT / "index.json").write_text(json.dumps({"version": 1, "entries": entries}, indent=1, ensure_ascii=False,
                                               sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote the periods listing and {len(RECORDED)} months to {OUT}")


if __name__ == "__main__":
    main()
