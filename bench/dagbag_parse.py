#!/usr/bin/env python
"""DagBag parse time of every DAG file in dags/, one file at a time.

    make bench                      # runs this after `make setup`
    .venv/bin/python bench/dagbag_parse.py [--reps 5] [--files dags/ssb.py ...]

Environment: the script reads `.atlas/env.sh` (written by `make setup`) itself, so there is no
need to source it first; a variable already set in your environment wins over the file. Without
`.atlas/env.sh` it runs only if AIRFLOW_HOME is already set (otherwise: `make setup` first).

What is measured, per file:
* fresh process (the number the targets apply to): a new Python process imports Airflow (timed
  separately and reported as context, ~3 s) and then parses that one file with
  `airflow.dag_processing.dagbag.DagBag(dag_folder=<file>)` — what the dag-processor pays for each
  file, since it parses in a fresh child process that has only Airflow's own modules pre-imported;
  the DAG file's own imports (atlas_ingest, Cosmos, ...) are inside the timing;
* serialize: DagSerialization.to_dict of the parsed DAGs, the dag-processor's next step;
* warm re-parse: the same file parsed again in one process whose imports are already cached.

Targets (issue 2): under 1 s per DAG file; the Cosmos marts DAG (atlas_marts.py) under 2 s.
Medians of --reps repetitions. Prints ratios to the target; asserts nothing (numbers only).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _env  # noqa: E402  (bench/_env.py)

ROOT = _env.ROOT
DAGS_DIR = ROOT / "dags"
TARGET_S = 1.0
TARGETS_S = {"atlas_marts.py": 2.0}


def load_env_file() -> str:
    """Apply .atlas/env.sh under the current environment (existing values win)."""
    applied, existed = _env.load_env_file()
    if existed:
        return f"{applied} variables from .atlas/env.sh (existing environment wins)"
    if os.environ.get("AIRFLOW_HOME"):
        return "no .atlas/env.sh; using the AIRFLOW_HOME etc. already in the environment"
    sys.exit("bench/dagbag_parse.py: no .atlas/env.sh and no AIRFLOW_HOME — run `make setup` first")


# ------------------------------------------------------------------------------------ child
def child(path: str) -> None:
    """One fresh process: import Airflow, then parse one file. Prints one JSON line."""
    started = time.perf_counter()
    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.serialized_objects import DagSerialization

    imported = time.perf_counter()
    bag = DagBag(dag_folder=path)
    parsed = time.perf_counter()
    for dag in bag.dags.values():
        DagSerialization.to_dict(dag)
    serialized = time.perf_counter()
    print(json.dumps({
        "import_airflow_s": imported - started,
        "parse_s": parsed - imported,
        "serialize_s": serialized - parsed,
        "dags": sorted(bag.dags),
        "tasks": sum(len(d.tasks) for d in bag.dags.values()),
        "import_errors": {str(k): str(v).strip().splitlines()[-1] if str(v).strip() else "" for k, v in
                          bag.import_errors.items()},
    }))


def fresh(path: Path) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child", str(path)], capture_output=True, text=True,
                            env=os.environ.copy(), cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"parsing {path.name} in a fresh process failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def warm(paths: list[Path], reps: int) -> dict[str, float]:
    from airflow.dag_processing.dagbag import DagBag

    times: dict[str, list[float]] = {p.name: [] for p in paths}
    for p in paths:
        DagBag(dag_folder=str(p))  # first parse caches the file's imports
        for _ in range(reps):
            t0 = time.perf_counter()
            DagBag(dag_folder=str(p))
            times[p.name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


# ------------------------------------------------------------------------------------ main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=5, help="repetitions per file (default 5)")
    parser.add_argument("--files", nargs="*", type=Path, help="DAG files (default: every *.py in dags/)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0

    env_note = load_env_file()
    # Quiet Airflow's and Cosmos's INFO lines (the children inherit it); timings include WARNING+ only.
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    paths = [p.resolve() for p in args.files] if args.files else sorted(DAGS_DIR.glob("*.py"))
    if not paths:
        sys.exit("no DAG files found in dags/")
    print(f"DagBag parse benchmark: {len(paths)} file(s), {args.reps} repetition(s) each")
    print(f"  env: {env_note}; AIRFLOW_HOME={os.environ.get('AIRFLOW_HOME')}")
    print(f"  machine: {platform.node()} · {os.cpu_count()} CPU · Python {platform.python_version()} · "
          f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}")

    rows = []
    import_times = []
    for path in paths:
        runs = [fresh(path) for _ in range(args.reps)]
        last = runs[-1]
        if last["import_errors"]:
            print(f"  ! {path.name}: import errors: {last['import_errors']}")
        import_times += [r["import_airflow_s"] for r in runs]
        rows.append({
            "file": path.name, "dags": len(last["dags"]), "tasks": last["tasks"],
            "parse": statistics.median(r["parse_s"] for r in runs),
            "parse_max": max(r["parse_s"] for r in runs),
            "serialize": statistics.median(r["serialize_s"] for r in runs),
            "errors": bool(last["import_errors"]),
        })
    warm_times = warm(paths, args.reps)

    print()
    header = (f"{'file':<22} {'dags':>4} {'tasks':>6} {'fresh median s':>15} {'max s':>7} {'serialize s':>12} "
              f"{'warm s':>8} {'target s':>9} {'of target':>10}  ok")
    print(header)
    print("-" * len(header))
    all_ok = True
    for row in rows:
        target = TARGETS_S.get(row["file"], TARGET_S)
        ratio = row["parse"] / target
        ok = ratio < 1 and not row["errors"]
        all_ok &= ok
        print(f"{row['file']:<22} {row['dags']:>4} {row['tasks']:>6} {row['parse']:>15.3f} {row['parse_max']:>7.3f} "
              f"{row['serialize']:>12.3f} {warm_times[row['file']]:>8.3f} {target:>9.1f} {ratio:>9.2f}x  "
              f"{'yes' if ok else 'NO'}")
    print("-" * len(header))
    print(f"import airflow + DagBag in a fresh process (not in the per-file figure): median "
          f"{statistics.median(import_times):.2f} s")
    print(f"all files within target: {'yes' if all_ok else 'NO'} "
          f"(target < {TARGET_S:.0f} s per file; atlas_marts.py < {TARGETS_S['atlas_marts.py']:.0f} s with Cosmos)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
