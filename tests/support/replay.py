"""Helpers for the end-to-end tests: the session's replayed run and one-off `airflow dags test` runs."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class ReplayedRun:
    log_dir: Path
    output: str
    seconds: dict[str, float]

    def log(self, dag_id: str) -> str:
        return (self.log_dir / f"{dag_id}.log").read_text(errors="replace")


def dags_test(dag_id: str, log_dir: Path, name: str | None = None, conf: str | None = None) -> str:
    """One more `airflow dags test` (a re-run, a restricted run); asserts the run succeeded."""
    log = log_dir / f"{name or dag_id}.log"
    command = [sys.executable, "-m", "airflow", "dags", "test", dag_id] + (["--conf", conf] if conf else [])
    with log.open("w") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ}, timeout=900)
    text = log.read_text(errors="replace")
    assert result.returncode == 0, f"airflow dags test {dag_id} failed:\n{text[-4000:]}"
    assert "state=success" in text, f"{dag_id} did not finish in state success:\n{text[-4000:]}"
    return text
