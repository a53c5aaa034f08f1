"""`airflow_settings.yaml` (the Astro CLI format) → Airflow connections, pools and variables.

The file is the single place for local settings and holds no secrets: values may be
`${ENV_VAR}` or `${ENV_VAR:-default}` placeholders, resolved from the environment when applied.
A connection whose placeholders resolve to nothing is skipped with a note (e.g. an alert target
nobody configured), never created half-empty.

`python -m atlas_ingest.airflow.settings_file apply [path]` (the bootstrap runs it).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from atlas_ingest.settings import PROJECT_ROOT

SETTINGS_PATH = PROJECT_ROOT / "airflow_settings.yaml"
_PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


class Unresolved(ValueError):
    pass


def resolve(value: Any, env: dict[str, str] | None = None) -> Any:
    env = os.environ if env is None else env
    if isinstance(value, str):
        missing = []

        def substitute(match: re.Match) -> str:
            name, default = match.group(1), match.group(2)
            if env.get(name):
                return env[name]
            if default is not None:
                return default
            missing.append(name)
            return ""

        out = _PLACEHOLDER.sub(substitute, value)
        if missing:
            raise Unresolved(", ".join(missing))
        return out
    if isinstance(value, dict):
        return {k: resolve(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, env) for v in value]
    return value


def load_settings(path: Path = SETTINGS_PATH) -> dict[str, list[dict[str, Any]]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    section = data.get("airflow") or {}
    unknown = set(section) - {"connections", "pools", "variables"}
    if unknown:
        raise ValueError(f"{path}: unknown keys under `airflow`: {sorted(unknown)}")
    return {k: list(section.get(k) or []) for k in ("connections", "pools", "variables")}


def apply(path: Path = SETTINGS_PATH) -> list[str]:
    from airflow.models import Connection, Pool, Variable
    from airflow.utils.session import create_session

    settings = load_settings(path)
    report = []
    with create_session() as session:
        for spec in settings["connections"]:
            conn_id = spec["conn_id"]
            try:
                values = resolve(spec)
            except Unresolved as missing:
                report.append(f"connection {conn_id}: skipped (set {missing} to create it)")
                continue
            extra = values.get("conn_extra") or {}
            conn = session.query(Connection).filter(Connection.conn_id == conn_id).one_or_none()
            if conn is None:
                conn = Connection(conn_id=conn_id)
                session.add(conn)
            conn.conn_type = values["conn_type"]
            conn.host = values.get("conn_host") or None
            conn.schema = values.get("conn_schema") or None
            conn.login = values.get("conn_login") or None
            conn.set_password(values.get("conn_password") or None)
            port = values.get("conn_port")
            conn.port = int(port) if port not in (None, "") else None
            conn.set_extra(json.dumps(extra) if isinstance(extra, dict) else extra)
            conn.description = values.get("description")
            report.append(f"connection {conn_id}: {values['conn_type']} {conn.host or ''}")
        session.flush()
        for spec in settings["pools"]:
            values = resolve(spec)
            Pool.create_or_update_pool(name=values["pool_name"], slots=int(values["pool_slot"]),
                                       description=values.get("pool_description", ""), include_deferred=False,
                                       session=session)
            report.append(f"pool {values['pool_name']}: {values['pool_slot']} slot(s)")
        for spec in settings["variables"]:
            values = resolve(spec)
            Variable.set(values["variable_name"], values["variable_value"], description=values.get("description"),
                         session=session)
            report.append(f"variable {values['variable_name']}")
    return report


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0] != "apply":
        sys.exit("usage: python -m atlas_ingest.airflow.settings_file apply [path]")
    for line in apply(Path(args[1]) if len(args) > 1 else SETTINGS_PATH):
        print(f"airflow_settings.yaml: {line}")
