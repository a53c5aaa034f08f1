"""Where things live and how this process is configured.

Everything here is cheap to import (no Airflow, no database): DAG files and the CLI both use it.
Environment variables win over Airflow Variables so that `make demo`, the tests and a production
deployment can each set the mode without editing the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
INCLUDE_DIR = PROJECT_ROOT / "include"
SOURCES_DIR = INCLUDE_DIR / "sources"
DBT_PROJECT_DIR = INCLUDE_DIR / "dbt" / "atlas"
GX_DIR = INCLUDE_DIR / "gx"
MIGRATIONS_DIR = INCLUDE_DIR / "sql" / "migrations"
REFERENCE_DIR = INCLUDE_DIR / "reference"

USER_AGENT = "Atlas/0.1 (+https://github.com/atlas-ingest; data-team@atlas.invalid)"

HTTP_MODES = ("live", "replay", "record")


def atlas_home() -> Path:
    """Local state (landing store, PostgreSQL cluster, AIRFLOW_HOME, reports)."""
    return Path(os.environ.get("ATLAS_HOME", PROJECT_ROOT / ".atlas"))


def sources_dir() -> Path:
    """The source folders (manifest.yml + snapshots). ATLAS_SOURCES_DIR lets tests use a copy."""
    return Path(os.environ.get("ATLAS_SOURCES_DIR", SOURCES_DIR))


def landing_root() -> str:
    """A local directory by default; any fsspec URL (s3://, gs://, …) in production."""
    return os.environ.get("ATLAS_LANDING_ROOT", str(atlas_home() / "landing"))


def http_mode() -> str:
    """`live` in production; `replay` for tests and the demo; `record` to refresh snapshots.

    ATLAS_HTTP_MODE wins; inside Airflow the `atlas_http_mode` Variable is the fallback.
    """
    mode = os.environ.get("ATLAS_HTTP_MODE")
    if not mode:
        mode = _airflow_variable("atlas_http_mode", default="live")
    mode = mode.strip().lower()
    if mode not in HTTP_MODES:
        raise ValueError(f"ATLAS_HTTP_MODE={mode!r} is not one of {', '.join(HTTP_MODES)}")
    return mode


def _airflow_variable(key: str, default: str) -> str:
    if "AIRFLOW_HOME" not in os.environ and "AIRFLOW__CORE__DAGS_FOLDER" not in os.environ:
        return default
    try:
        from airflow.sdk import Variable

        return Variable.get(key, default=default)
    except Exception:  # outside a task (no API server to ask) the default is the honest answer
        return default
