"""Config lint of the distributed deployment: docker-compose.yaml, Dockerfile, .dockerignore.

There is no Docker engine on the development machines or in CI, so nothing here starts a
container. The file is parsed with PyYAML (anchors and merge keys resolved) and held to the
rules in DESIGN.md / issue 6: the Airflow 3 component set with CeleryExecutor, health checks and
start-up ordering, one warehouse target spelled consistently, no literal secrets, and the
environment variable names the code actually reads. When a Compose implementation is installed
(`docker compose` v2 plugin, or the standalone `docker-compose`), `config -q` validates the file
against the Compose schema as well; `config` never talks to an engine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
PACKAGE_DIR = ROOT / "include" / "atlas_ingest"
COMMON_ANCHOR = "x-airflow-common"

AIRFLOW_SERVICES = {
    "airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
    "airflow-triggerer", "airflow-worker",
}
REQUIRED_SERVICES = AIRFLOW_SERVICES | {"postgres", "warehouse", "redis"}
LONG_RUNNING_AIRFLOW = AIRFLOW_SERVICES - {"airflow-init"}
HEALTHCHECKED = {"postgres", "redis", "warehouse", "airflow-apiserver", "airflow-scheduler",
                 "airflow-dag-processor", "airflow-triggerer", "airflow-worker"}

# A `${NAME}` / `${NAME:-default}` / `${NAME-default}` Compose interpolation, the whole value.
PLACEHOLDER = re.compile(r"^\$\{(?P<name>[A-Z][A-Z0-9_]*)(?::?-(?P<default>[^}]*))?\}$")
INTERPOLATION = re.compile(r"(?<!\$)\$\{(?P<name>[A-Z][A-Z0-9_]*)(?::?[-?](?P<default>[^}]*))?\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|API_KEY|PRIVATE_KEY", re.IGNORECASE)


# ------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(text: str) -> dict:
    data = yaml.safe_load(text)
    assert isinstance(data, dict), "docker-compose.yaml is not a mapping"
    return data


@pytest.fixture(scope="module")
def services(compose: dict) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def common(compose: dict) -> dict:
    assert COMMON_ANCHOR in compose, f"no top-level {COMMON_ANCHOR} block"
    return compose[COMMON_ANCHOR]


def _services_merging_common(text: str) -> set[str]:
    """Services whose mapping merges (`<<: *anchor`) the very node defined at x-airflow-common."""
    root = yaml.compose(text)
    top = {k.value: v for k, v in root.value}
    anchor_node = top[COMMON_ANCHOR]
    merged = set()
    for key, node in top["services"].value:
        for k, v in node.value:
            if k.tag == "tag:yaml.org,2002:merge" and v is anchor_node:
                merged.add(key.value)
    return merged


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # KEY=VALUE form
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _resolve(value: str, overrides: dict[str, str] | None = None) -> str:
    """Compose interpolation with the file's own defaults (what `docker compose` does on a clean shell)."""
    overrides = overrides or {}

    def sub(m: re.Match) -> str:
        return overrides.get(m.group("name"), m.group("default") or "")

    return INTERPOLATION.sub(sub, value).replace("$$", "$")


def _walk_strings(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk_strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk_strings(v, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


# ------------------------------------------------------------------------------------ structure
def test_required_services_exist(services):
    missing = REQUIRED_SERVICES - set(services)
    assert not missing, f"docker-compose.yaml lacks services: {sorted(missing)}"


def test_no_obsolete_version_key(compose):
    assert "version" not in compose, "the top-level `version:` key is obsolete in the Compose spec"


def test_airflow_services_use_the_common_anchor(text, services):
    merged = _services_merging_common(text)
    airflow_like = {name for name in services if name.startswith("airflow-")}
    assert AIRFLOW_SERVICES <= airflow_like
    missing = airflow_like - merged
    assert not missing, f"these Airflow services do not merge <<: *airflow-common: {sorted(missing)}"


def test_common_services_have_executor_and_warehouse_env(text, services):
    for name in sorted(_services_merging_common(text)):
        env = _env(services[name])
        assert env.get("AIRFLOW__CORE__EXECUTOR") == "CeleryExecutor", name
        assert env.get("AIRFLOW__CORE__LOAD_EXAMPLES", "").lower() == "false", name
        assert env.get("AIRFLOW__CORE__DAGS_FOLDER") == "/opt/atlas/dags", name
        assert env.get("AIRFLOW__CORE__PLUGINS_FOLDER") == "/opt/atlas/plugins", name
        for key in ("AIRFLOW_CONN_ATLAS_WAREHOUSE", "ATLAS_WAREHOUSE_URL"):
            url = urlsplit(_resolve(env.get(key, "")))
            assert url.hostname == "warehouse", f"{name}: {key} must point at the warehouse service, got {url}"
        assert env.get("ATLAS_DBT_HOST") == "warehouse", name
        assert env.get("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "").lower() == "false", name
        assert env.get("AIRFLOW__COSMOS__CACHE_DIR"), name
        assert env.get("GX_ANALYTICS_ENABLED", "").lower() == "false", name
        assert _resolve(env.get("ATLAS_HTTP_MODE", "")) == "live", f"{name}: ATLAS_HTTP_MODE should default to live"
        assert env.get("ATLAS_HTTP_MODE", "").startswith("${ATLAS_HTTP_MODE"), f"{name}: ATLAS_HTTP_MODE not overridable"


def test_one_warehouse_target_in_every_spelling(common, services):
    """The Airflow connection, ATLAS_WAREHOUSE_URL, the ATLAS_DBT_* parts and the server agree."""
    env = _env(common)
    conn = urlsplit(_resolve(env["AIRFLOW_CONN_ATLAS_WAREHOUSE"]))
    url = urlsplit(_resolve(env["ATLAS_WAREHOUSE_URL"]))
    assert conn.scheme == "postgres" and url.scheme == "postgresql"
    server = _env(services["warehouse"])
    expected = {
        "host": "warehouse", "port": 5432,
        "user": _resolve(server["POSTGRES_USER"]),
        "password": _resolve(server["POSTGRES_PASSWORD"]),
        "dbname": _resolve(server["POSTGRES_DB"]),
    }
    for label, parts in (("AIRFLOW_CONN_ATLAS_WAREHOUSE", conn), ("ATLAS_WAREHOUSE_URL", url)):
        got = {"host": parts.hostname, "port": parts.port or 5432, "user": parts.username,
               "password": parts.password, "dbname": parts.path.lstrip("/")}
        assert got == expected, f"{label} disagrees with the warehouse service"
    dbt = {"host": env["ATLAS_DBT_HOST"], "port": int(_resolve(env["ATLAS_DBT_PORT"])),
           "user": _resolve(env["ATLAS_DBT_USER"]), "password": _resolve(env["ATLAS_DBT_PASSWORD"]),
           "dbname": _resolve(env["ATLAS_DBT_DBNAME"])}
    assert dbt == expected, "ATLAS_DBT_* disagree with the warehouse service"


def test_metadata_db_and_broker_point_at_their_services(common, services):
    env = _env(common)
    meta = urlsplit(_resolve(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]))
    pg = _env(services["postgres"])
    assert meta.scheme.startswith("postgresql") and meta.hostname == "postgres"
    assert meta.username == _resolve(pg["POSTGRES_USER"]) and meta.password == _resolve(pg["POSTGRES_PASSWORD"])
    assert meta.path.lstrip("/") == _resolve(pg["POSTGRES_DB"])
    assert urlsplit(_resolve(env["AIRFLOW__CELERY__RESULT_BACKEND"])).hostname == "postgres"
    assert urlsplit(_resolve(env["AIRFLOW__CELERY__BROKER_URL"])).hostname == "redis"
    assert urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]).hostname == "airflow-apiserver"
    for key in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY"):
        assert env.get(key), f"{key} must be set once for all components (they must agree)"


def test_depends_on_targets_exist_and_conditions_are_valid(services):
    valid = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, svc in services.items():
        deps = svc.get("depends_on") or {}
        items = deps.items() if isinstance(deps, dict) else ((d, {"condition": "service_started"}) for d in deps)
        for target, spec in items:
            assert target in services, f"{name} depends on unknown service {target!r}"
            assert target != name, f"{name} depends on itself"
            condition = (spec or {}).get("condition", "service_started")
            assert condition in valid, f"{name} -> {target}: bad condition {condition!r}"
            if condition == "service_healthy":
                assert services[target].get("healthcheck"), f"{name} waits for {target} healthy, which has no healthcheck"


def test_start_up_order(services):
    def deps(name):
        return services[name].get("depends_on") or {}

    for name in ("postgres", "redis", "warehouse"):
        assert deps("airflow-init").get(name, {}).get("condition") == "service_healthy"
    for name in LONG_RUNNING_AIRFLOW:
        assert deps(name).get("airflow-init", {}).get("condition") == "service_completed_successfully", name
    assert deps("airflow-worker").get("airflow-apiserver", {}).get("condition") == "service_healthy", \
        "Celery workers talk to the Execution API: wait for a healthy api-server"


def test_depends_on_has_no_cycle(services):
    graph = {n: set((s.get("depends_on") or {})) for n, s in services.items()}
    state: dict[str, int] = {}

    def visit(n, trail):
        if state.get(n) == 1:
            raise AssertionError(f"depends_on cycle: {' -> '.join(trail + [n])}")
        if state.get(n) == 2:
            return
        state[n] = 1
        for m in graph.get(n, ()):
            visit(m, trail + [n])
        state[n] = 2

    for n in graph:
        visit(n, [])


def test_healthchecks_present(services):
    for name in sorted(HEALTHCHECKED):
        hc = services[name].get("healthcheck")
        assert hc and hc.get("test"), f"{name} has no healthcheck"
        assert hc["test"][0] in ("CMD", "CMD-SHELL"), name
        for key in ("interval", "retries"):
            assert key in hc, f"{name}: healthcheck without {key}"


def test_commands(services):
    assert services["airflow-apiserver"]["command"] == "api-server"
    assert services["airflow-scheduler"]["command"] == "scheduler"
    assert services["airflow-dag-processor"]["command"] == "dag-processor"
    assert services["airflow-triggerer"]["command"] == "triggerer"
    assert services["airflow-worker"]["command"] == "celery worker"
    env = _env(services["airflow-scheduler"])
    assert env.get("AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK", "").lower() == "true", \
        "the scheduler healthcheck needs its health server"


def test_init_does_the_bootstrap_steps(services):
    script = services["airflow-init"]["command"]
    script = script if isinstance(script, str) else "\n".join(script)
    assert "airflow db migrate" in script
    assert "atlas_ingest.airflow.settings_file apply" in script
    assert "dbt parse" in script or "atlas_ingest.devenv dbt-parse" in script
    assert "warehouse.migrate" in script
    assert "SIMPLE_AUTH_MANAGER_PASSWORDS_FILE" in script or "users create" in script, "no admin user is created"
    assert "set -e" in script, "a failing step must fail airflow-init (and so block the other services)"


def test_worker_is_scalable(services):
    worker = services["airflow-worker"]
    assert "container_name" not in worker, "container_name prevents --scale airflow-worker=N"
    assert not worker.get("ports"), "a published port prevents --scale airflow-worker=N"
    assert _env(worker).get("DUMB_INIT_SETSID") == "0", "Celery warm shutdown needs DUMB_INIT_SETSID=0"


def test_images_are_pinned_and_airflow_is_built_from_the_dockerfile(common, services):
    assert common.get("build"), "x-airflow-common must build ./Dockerfile"
    build = common["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context / dockerfile).resolve() == DOCKERFILE
    for name, svc in services.items():
        image = _resolve(str(svc.get("image", "")))
        assert image or svc.get("build"), f"{name} has neither image nor build"
        if image:
            assert ":" in image.rsplit("/", 1)[-1], f"{name}: image {image!r} has no tag"
            assert not image.endswith(":latest"), f"{name}: image {image!r} is not pinned"
    assert _resolve(services["postgres"]["image"]).startswith("postgres:")
    assert _resolve(services["warehouse"]["image"]).startswith("postgres:")
    assert _resolve(services["redis"]["image"]).startswith("redis:")


def test_ports_are_sane(services):
    published: dict[str, str] = {}
    for name, svc in services.items():
        for port in svc.get("ports") or []:
            spec = _resolve(str(port))
            m = re.fullmatch(r"(?:(?P<ip>[\d.]+|\[[0-9a-f:]+\]):)?(?P<host>\d+):(?P<container>\d+)(?:/(?:tcp|udp))?", spec)
            assert m, f"{name}: port {port!r} is not [ip:]host:container"
            host = int(m.group("host"))
            assert 1024 <= host <= 65535, f"{name}: host port {host} out of range"
            key = f"{m.group('ip') or '0.0.0.0'}:{host}"
            assert key not in published, f"{name} and {published.get(key)} both publish {key}"
            published[key] = name
    api = [_resolve(str(p)) for p in services["airflow-apiserver"].get("ports") or []]
    assert any(p.endswith(":8080") for p in api), "the api-server must publish its port 8080"
    for name in ("postgres", "redis"):
        assert not services[name].get("ports"), f"{name} needs no published port"


def test_named_volumes_declared_and_landing_on_one(compose, common):
    declared = set(compose.get("volumes") or {})
    env = _env(common)
    mounts = {}
    for vol in common.get("volumes") or []:
        src, dst = _resolve(str(vol)).split(":")[:2]
        mounts[dst] = src
        if not src.startswith(("/", ".", "$", "~")):
            assert src in declared, f"named volume {src!r} is not declared under volumes:"
    landing = env["ATLAS_LANDING_ROOT"]
    assert landing in mounts and mounts[landing] in declared, "ATLAS_LANDING_ROOT must live on a named volume"
    assert mounts.get("/opt/atlas") == ".", "the repository (.) must be mounted at /opt/atlas"


# ------------------------------------------------------------------------------------ secrets
def test_no_literal_secrets(compose):
    """Secrets only as ${VAR:-default} placeholders whose default is empty or says dev-only."""
    problems = []
    for path, value in _walk_strings(compose):
        key = path.rsplit(".", 1)[-1]
        if SECRET_NAME.search(key) and not key.startswith("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER"):
            m = PLACEHOLDER.match(value.strip())
            if not m:
                problems.append(f"{path}: literal value for a secret")
            elif m.group("default") and "dev-only" not in m.group("default"):
                problems.append(f"{path}: default {m.group('default')!r} is not marked dev-only")
        # Passwords inside URLs (scheme://user:password@host).
        for url in re.findall(r"[a-z][a-z0-9+.-]*://[^\s'\"]+", value):
            userinfo = url.split("://", 1)[1].split("@", 1)
            if len(userinfo) == 2 and ":" in userinfo[0]:
                password = userinfo[0].split(":", 1)[1]
                m = PLACEHOLDER.match(password)
                if not password:
                    continue
                if not m:
                    problems.append(f"{path}: literal password in URL")
                elif m.group("default") and "dev-only" not in m.group("default"):
                    problems.append(f"{path}: URL password default {m.group('default')!r} is not marked dev-only")
    assert not problems, "\n".join(problems)


def test_dockerfile_bakes_in_no_secrets():
    text = DOCKERFILE.read_text(encoding="utf-8")
    for line in text.splitlines():
        if re.match(r"\s*(ENV|ARG)\b", line) or line.startswith(" "):
            assert not SECRET_NAME.search(line), f"Dockerfile sets something secret-looking: {line.strip()}"


# ------------------------------------------------------------------------------------ Dockerfile
def test_dockerfile_installs_the_lock_then_the_package():
    text = DOCKERFILE.read_text(encoding="utf-8")
    base = re.search(r"^ARG AIRFLOW_BASE_IMAGE=(\S+)", text, re.M) or re.search(r"^FROM (\S+)", text, re.M)
    assert base, "no base image"
    image = base.group(1)
    lock = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    airflow_pin = re.search(r"^apache-airflow==(\S+)", lock, re.M).group(1)
    assert image == f"apache/airflow:{airflow_pin}-python3.11", \
        f"base image {image} does not match the lock's apache-airflow=={airflow_pin} on Python 3.11"
    assert re.search(r"^FROM \$\{AIRFLOW_BASE_IMAGE\}|^FROM apache/airflow:", text, re.M)
    install_lock = re.search(r"pip install[^\n]*-r\s+\S*requirements\.txt", text)
    install_pkg = re.search(r"pip install[^\n]*--no-deps[^\n]*-e\s+\S+", text)
    assert install_lock, "the Dockerfile must install the lock (pip install -r requirements.txt)"
    assert install_pkg, "the Dockerfile must install the package with --no-deps -e"
    assert install_lock.start() < install_pkg.start(), "install the lock before the package"
    assert re.search(r"^COPY\b[^\n]*requirements\.txt", text, re.M)


def test_dockerignore_keeps_local_state_out():
    entries = {line.strip() for line in DOCKERIGNORE.read_text().splitlines() if line.strip() and not line.startswith("#")}
    for needed in (".venv", ".atlas", ".git", ".env"):
        assert needed in entries, f".dockerignore must exclude {needed}"


# ------------------------------------------------------------------------------------ names
def _names_read_by_code() -> set[str]:
    names: set[str] = set()
    sources = list(PACKAGE_DIR.rglob("*.py")) + list((ROOT / "include" / "dbt").rglob("*.yml"))
    sources += [ROOT / "airflow_settings.yaml"]
    sources += list((ROOT / "dags").glob("*.py")) + list((ROOT / "plugins").rglob("*.py"))
    for path in sources:
        if path.is_file() and "target" not in path.parts:
            names |= set(re.findall(r"\b(ATLAS_[A-Z0-9_]*[A-Z0-9])\b", path.read_text(encoding="utf-8", errors="replace")))
    return names


def test_atlas_env_names_are_ones_the_code_reads(text, services):
    read = _names_read_by_code()
    assert "ATLAS_WAREHOUSE_URL" in read and "ATLAS_HTTP_MODE" in read, "sanity: the grep found the code"
    for name in sorted(_services_merging_common(text)):
        unknown = {k for k in _env(services[name]) if k.startswith("ATLAS_")} - read
        assert not unknown, f"{name} sets {sorted(unknown)}, which nothing in include/, dags/ or plugins/ reads"


def test_compose_sets_what_the_local_environment_sets(common):
    """Every setting `make setup` writes to .atlas/env.sh has its container counterpart.

    Left out on purpose: AIRFLOW_HOME (the image's /opt/airflow), the SQLite metadata DB
    (PostgreSQL here), UV_COMPILE_BYTECODE (a venv-build knob) and the 2-core PARALLELISM cap.
    """
    from atlas_ingest import devenv

    local = devenv.environment("postgresql://atlas@127.0.0.1:5432/atlas")
    not_in_compose = {"AIRFLOW_HOME", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "UV_COMPILE_BYTECODE",
                      "AIRFLOW__CORE__PARALLELISM"}
    missing = set(local) - not_in_compose - set(_env(common))
    assert not missing, f"docker-compose.yaml lacks {sorted(missing)} (set by devenv.environment())"
    # And the dbt profile's variables are all provided.
    profiles = (ROOT / "include" / "dbt" / "atlas" / "profiles.yml").read_text(encoding="utf-8")
    for var in set(re.findall(r"env_var\('([A-Z0-9_]+)'", profiles)):
        assert var in _env(common), f"profiles.yml reads {var}, which the containers do not set"


# ------------------------------------------------------------------------------------ compose
def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    if standalone:
        probe = subprocess.run([standalone, "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return [standalone]
    return None


def test_compose_config_validates():
    command = _compose_command()
    if command is None:
        pytest.skip("no Compose implementation here (neither the `docker compose` plugin nor `docker-compose`); "
                    "the YAML lint above still ran")
    # A clean environment: the defaults in the file must be enough, and a shell that sourced
    # .atlas/env.sh must not change what is validated.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATLAS_", "AIRFLOW", "COMPOSE_", "_AIRFLOW"))}
    result = subprocess.run([*command, "-f", str(COMPOSE_FILE), "config", "-q"], capture_output=True, text=True,
                            cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 0, f"{' '.join(command)} config -q failed:\n{result.stdout}\n{result.stderr}"
