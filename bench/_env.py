"""Shared by the bench scripts: pick up `.atlas/env.sh` (written by `make setup`) without sourcing it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / ".atlas" / "env.sh"
_SKIP = {"PATH", "PWD", "OLDPWD", "SHLVL", "_"}


def load_env_file() -> tuple[int, bool]:
    """Export the file's variables into os.environ; a variable already set wins. (applied, file existed)."""
    if not ENV_FILE.exists():
        return 0, False
    out = subprocess.run(["bash", "-c", f'set -a; . "{ENV_FILE}" >/dev/null; env -0'], capture_output=True,
                         check=True, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")}).stdout
    applied = 0
    for item in out.split(b"\0"):
        key, sep, value = item.decode("utf-8", "replace").partition("=")
        if not sep or key in _SKIP or key in os.environ:
            continue
        os.environ[key] = value
        applied += 1
    return applied, True
