"""Build the replay snapshot of `dsb-kommuneundersokelsen` (DSB's Kommuneundersøkelsen raw-data workbooks).

CONSTRUCTED: dsb.no cannot be reached from here (and sits behind a bot challenge for scripted
clients), so the three workbooks are built in two plausible edition layouts (see the source's
snapshots/SNAPSHOT.md for what is real and what is assumed):
* 2019 — `labelled`: one sheet, title block, header row with the question texts, Ja/Nei answers,
  every kommune listed with `Besvart`, Kommunenr stored as a number (leading zero lost);
* 2020 and 2023 — `surveyxact`: sheets `Dataset` (numeric codes, respondents only) and `Labels`;
  2023 inserts an untracked question (so the variable numbers shift) and codes "Vet ikke" 9, not 8.

Kommune codes are real (Klass 131: the 2019 version for 2019, the 2020-2023 structure for 2020 and
2023); the number of respondents in 2019 (402) and 2023 (320) are DSB's published counts; WHICH
kommuner answered and WHAT they answered is invented. Deterministic: answers come from a sha256 of
the kommune, year and question, and the xlsx bytes are normalised (fixed document dates, fixed zip
entry times), so a re-run writes identical files.

Run: .venv/bin/python scripts/snapshots/dsb_construct.py
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workbooks import xlsx_bytes  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path("/work/shared/reference/kommuner")
OUT = ROOT / "include" / "sources" / "dsb-kommuneundersokelsen" / "snapshots"
BASE = "https://www.dsb.no/globalassets/dokumenter/statistikk/kommuneundersokelsen"
URLS = {"2019": f"{BASE}/kommuneundersokelsen-2019-radata.xlsx",
        "2020": f"{BASE}/kommuneundersokelsen-2020-radata.xlsx",
        "2023": f"{BASE}/kommuneundersokelsen-2023-radata.xlsx"}
RESPONDENTS = {"2019": 402, "2020": 335, "2023": 320}

# tracked questions: code -> (wording in the 2019 labelled edition, wording in the SurveyXact editions, share yes)
QUESTIONS = {
    "helhetlig_ros": ("Har kommunen gjennomført en helhetlig risiko- og sårbarhetsanalyse (helhetlig ROS)?",
                      "Har kommunen gjennomført helhetlig ROS-analyse?", 0.98),
    "overordnet_beredskapsplan": ("Har kommunen utarbeidet en overordnet beredskapsplan?",
                                  "Har kommunen en overordnet beredskapsplan?", 0.95),
    "ovelse_siste_to_ar": ("Har kommunen øvd kriseorganisasjonen i løpet av de to siste årene?",
                           "Er kommunens beredskapsorganisasjon øvd i løpet av de siste to årene?", 0.88),
    "mal_samfunnssikkerhet": ("Har kommunen utarbeidet mål for arbeidet med samfunnssikkerhet og beredskap?",
                              "Har kommunen mål for arbeidet med samfunnssikkerhet og beredskap?", 0.79),
    "plan_oppfolging": ("Har kommunen utarbeidet en plan for oppfølging av helhetlig ROS?",
                        "Har kommunen en plan for oppfølging av arbeidet med samfunnssikkerhet?", 0.74),
}
UNTRACKED_2019 = "Har kommunen et system for befolkningsvarsling?"
UNTRACKED_2023 = "Har kommunen vurdert konsekvenser av klimaendringer i helhetlig ROS?"


def unit(*parts: str) -> float:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def kommuner(year: str) -> list[tuple[str, str, str]]:
    if year == "2019":
        doc = json.loads((REFERENCE / "klass131_api" / "klass_v1_version_Kommuneinndeling_2019.json").read_text())
        return [(i["code"], i["name"], i["code"][:2]) for i in doc["classificationItems"] if i["code"] != "9999"]
    with (REFERENCE / "kommuner_2023_klass131.csv").open(encoding="utf-8") as fh:
        return [(r["code"], r["name"], r["fylkesnummer"]) for r in csv.DictReader(fh)
                if r["is_special_code"] == "false"]


def respondents(year: str, rows: list[tuple[str, str, str]]) -> set[str]:
    ranked = sorted(rows, key=lambda r: unit(r[0], year, "answers"))
    return {r[0] for r in ranked[:RESPONDENTS[year]]}


def answer(code: str, year: str, question: str) -> str:
    """Ja / Nei / Vet ikke / '' (skipped), invented with the question's share of yes."""
    u = unit(code, year, question)
    share = QUESTIONS[question][2]
    if u > 0.995:
        return ""
    if u > 0.985:
        return "Vet ikke"
    return "Ja" if u < share * 0.985 else "Nei"


def labelled_2019() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Kommuneundersøkelsen 2019"
    ws.append(["Kommuneundersøkelsen 2019 – rådata (KONSTRUERT for Atlas, ikke DSBs tall)"])
    ws.append([])
    questions = list(QUESTIONS)
    ws.append(["Kommunenr", "Kommune", "Fylke", "Besvart"] + [QUESTIONS[q][0] for q in questions] + [UNTRACKED_2019])
    rows = kommuner("2019")
    answered = respondents("2019", rows)
    first_respondent = True
    for code, name, fylke in rows:
        if code in answered:
            cells = [answer(code, "2019", q) for q in questions]
            if first_respondent:  # an answer the survey does not offer (quarantined)
                cells[3], first_respondent = "Delvis", False
            ws.append([int(code), name, fylke, "Ja", *cells, "Ja" if unit(code, "varsling") < 0.6 else "Nei"])
        else:
            ws.append([int(code), name, fylke, "Nei"] + [None] * (len(questions) + 1))
    # special case: a kommune listed twice (the second row is quarantined)
    ws.append([int(rows[20][0]), rows[20][1], rows[20][2], "Ja", "Ja", "Ja", "Ja", "Ja", "Ja", "Ja"])
    return xlsx_bytes(wb)


def surveyxact(year: str) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "Dataset"
    labels = wb.create_sheet("Labels")
    order = ["helhetlig_ros", "overordnet_beredskapsplan", "ovelse_siste_to_ar", "mal_samfunnssikkerhet",
             "plan_oppfolging"]
    dont_know = "8" if year == "2020" else "9"
    values = f"1=Ja;2=Nei;{dont_know}=Vet ikke"
    variables: list[tuple[str, str | None, str]] = []  # (variable, question code or None, wording)
    wordings = [(q, QUESTIONS[q][1]) for q in order]
    if year == "2023":
        wordings = wordings[:1] + [(None, UNTRACKED_2023)] + wordings[1:]
    for n, (q, wording) in enumerate(wordings, start=1):
        variables.append((f"s_{n}", q, wording))
    labels.append(["Variabel", "Spørsmål", "Verdier"])
    for variable, _, wording in variables:
        labels.append([variable, wording, values])
    data.append(["respondentid", "knr", "kommune"] + [v for v, _, _ in variables])
    rows = kommuner(year)
    answered = respondents(year, rows)
    codes = {"Ja": 1, "Nei": 2, "Vet ikke": int(dont_know), "": None}
    for n, (code, name, _) in enumerate(r for r in rows if r[0] in answered):
        cells = [codes[answer(code, year, q)] if q else (1 if unit(code, year, "klima") < 0.7 else 2)
                 for _, q, _ in variables]
        data.append([1000 + n, code, name, *cells])
    if year == "2023":
        # special cases: a row whose knr is not a kommune number, and an answer code without a label
        data.append([9999, "Ukjent", "UKJENT (KONSTRUERT)", 1, 1, 1, 1, 1, 1])
        data.cell(row=5, column=6).value = 7  # s_3 (overordnet_beredskapsplan) of the 4th respondent
    return xlsx_bytes(wb)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in list(OUT.glob("*.xlsx")) + list(OUT.glob("index.json")):
        old.unlink()
    bodies = {"2019": labelled_2019(), "2020": surveyxact("2020"), "2023": surveyxact("2023")}
    entries = []
    for year, body in bodies.items():
        name = f"kommuneundersokelsen-{year}-radata.xlsx"
        (OUT / name).write_bytes(body)
        entries.append({"file": name, "status": 200, "request": {"method": "GET", "url": URLS[year], "params": []},
                        "headers": {"content-type":
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}})
    (OUT / "index.json").write_text(json.dumps({"version": 1, "entries": entries}, indent=1, ensure_ascii=False,
                                               sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(bodies)} workbooks to {OUT}: " + ", ".join(
        f"{y} sha256:{hashlib.sha256(b).hexdigest()[:12]}" for y, b in bodies.items()))


if __name__ == "__main__":
    main()
