#!/usr/bin/env python3
"""First half of `make setup`: the virtualenv. Standard library only (runs on a bare Python 3.11).

1. create `.venv` with the running Python and install `uv` into it;
2. install the lock (`requirements.txt`) with uv, then this package editable with --no-deps;
3. hand over to `python -m atlas_ingest.devenv setup` inside the venv (database, AIRFLOW_HOME,
   migrations, airflow_settings.yaml, dbt manifest).

A stamp of the lock's hash makes a re-run skip step 2 (seconds instead of a minute).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_PY = VENV / "bin" / "python"
STAMP = VENV / ".atlas-requirements.sha256"
UV_VERSION = "0.13.9"


def say(message: str) -> None:
    print(f"[setup] {message}", flush=True)


def run(cmd: list[str], **kwargs) -> None:
    result = subprocess.run(cmd, cwd=ROOT, **kwargs)
    if result.returncode != 0:
        sys.exit(f"[setup] failed ({result.returncode}): {' '.join(map(str, cmd))}")


def requirements_hash() -> str:
    digest = hashlib.sha256()
    for name in ("requirements.txt", "pyproject.toml"):
        digest.update((ROOT / name).read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def ensure_venv() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"[setup] Python 3.11 is required (this is {sys.version.split()[0]}); run with python3.11")
    wanted = requirements_hash()
    if VENV_PY.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        say("virtualenv up to date (.venv)")
        return
    started = time.monotonic()
    if not VENV_PY.exists():
        say("creating .venv")
        run([sys.executable, "-m", "venv", str(VENV)])
    uv = VENV / "bin" / "uv"
    if not uv.exists():
        say(f"installing uv {UV_VERSION}")
        run([str(VENV_PY), "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}"])
    env = {**os.environ, "UV_COMPILE_BYTECODE": "1", "VIRTUAL_ENV": str(VENV)}
    say("installing the locked requirements (requirements.txt) with uv")
    run([str(uv), "pip", "install", "--quiet", "--python", str(VENV_PY), "-r", "requirements.txt"], env=env)
    run([str(uv), "pip", "install", "--quiet", "--python", str(VENV_PY), "--no-deps", "-e", "."], env=env)
    STAMP.write_text(wanted + "\n")
    say(f"virtualenv ready in {time.monotonic() - started:.0f}s")


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "setup"
    if action in ("setup", "start"):
        ensure_venv()
    elif not VENV_PY.exists():
        say("nothing to stop: no .venv")
        return 0
    # PYTHONDONTWRITEBYTECODE is set on some machines; bytecode was compiled at install time.
    os.execv(str(VENV_PY), [str(VENV_PY), "-m", "atlas_ingest.devenv", action, *argv[1:]])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
