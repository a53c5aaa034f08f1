"""Derive include/reference/kommune_points_2024.csv: one point per current kommune, for the
report's map. Deterministic; run it again when the reference files change:

    python scripts/reference/kommune_points.py /work/shared/reference/kommuner

Input (Atlas's shared reference set, see include/reference/PROVENANCE.md):
* geonorge_kommuneinfo_v1_fylkerkommuner_2023.json — Geonorge kommuneinfo v1 `fylkerkommuner`
  (Kartverket), 2023 geography: `punktIOmrade`, a point inside each kommune (EPSG:4258);
* kommune_changes_2024_klass131.csv — Klass 131's change table for 2024-01-01.

A 2023 code moves to its 2024 code when the change table maps it to exactly one code (the fylke
renumbering). A kommune that split (1507 Ålesund -> 1508 Ålesund + 1580 Haram) keeps the point
for the kommune that kept the name; the other gets none rather than an invented one.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "include" / "reference" / "kommune_points_2024.csv"


def main(reference_dir: str) -> int:
    ref = Path(reference_dir)
    doc = json.loads((ref / "geonorge_kommuneinfo_v1_fylkerkommuner_2023.json").read_text(encoding="utf-8"))
    moves: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with (ref / "kommune_changes_2024_klass131.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            moves[row["oldCode"]].append((row["newCode"], row["newName"]))
    rows = []
    for fylke in doc:
        for k in fylke["kommuner"]:
            code, name = k["kommunenummer"], k["kommunenavnNorsk"]
            lon, lat = k["punktIOmrade"]["coordinates"]
            targets = moves.get(code, [(code, name)])
            if len(targets) > 1:  # a split: the point stays with the kommune that kept the name
                targets = [t for t in targets if t[1].split(" - ")[0] == name.split(" - ")[0]][:1]
            for new_code, _ in targets:
                rows.append((new_code, code, round(lon, 5), round(lat, 5)))
    rows.sort()
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["kommune_nr", "kommune_nr_2023", "lon", "lat"])
        w.writerows(rows)
    print(f"{OUT}: {len(rows)} points")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/reference/kommuner"))
