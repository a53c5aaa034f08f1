"""A running Airflow for tests that need the scheduler: api-server, scheduler, dag-processor and,
for the CeleryExecutor, a Celery worker — separate processes, as in a deployment."""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def airflow_cli(env: dict[str, str], *args: str, timeout: int = 120) -> str:
    result = subprocess.run([sys.executable, "-m", "airflow", *args], env=env, capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return result.stdout


def runtime_env(env: dict[str, str], port: int) -> dict[str, str]:
    """What every component needs to find the others (one JWT secret, one API URL)."""
    return {
        **env,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": env.get("AIRFLOW__API_AUTH__JWT_SECRET") or secrets.token_hex(32),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "1",
        "AIRFLOW__CORE__PARALLELISM": "4",
    }


@contextmanager
def running_airflow(env: dict[str, str], logs: Path, *, celery: bool = False, ready_timeout: int = 180):
    port = int(env["AIRFLOW__API__PORT"])
    components = [("api-server", ["api-server", "--port", str(port)]), ("scheduler", ["scheduler"]),
                  ("dag-processor", ["dag-processor"])]
    if celery:
        components.append(("celery-worker", ["celery", "worker", "--concurrency", "2"]))
    procs = []
    try:
        for name, args in components:
            out = (logs / f"{name}.log").open("w")
            procs.append((name, subprocess.Popen([sys.executable, "-m", "airflow", *args], env=env, stdout=out,
                                                 stderr=subprocess.STDOUT)))
        deadline = time.monotonic() + ready_timeout
        while True:
            for name, proc in procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{(logs / f'{name}.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=2) as r:
                    health = json.loads(r.read())
                if health["scheduler"]["status"] == "healthy" and health["dag_processor"]["status"] == "healthy":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("Airflow did not become healthy:\n" +
                                   "\n".join(f"--- {n}\n{(logs / f'{n}.log').read_text()[-1500:]}" for n, _ in procs))
            time.sleep(2)
        yield
    finally:
        for _, proc in procs:
            proc.terminate()
        for _, proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_for_dag(env: dict[str, str], dag_id: str, timeout: int = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = subprocess.run([sys.executable, "-m", "airflow", "dags", "list", "-o", "json"], env=env,
                                capture_output=True, text=True)
        if f'"dag_id": "{dag_id}"' in listed.stdout.replace("\n", " ") or f'"{dag_id}"' in listed.stdout:
            return
        time.sleep(3)
    raise RuntimeError(f"the dag-processor never parsed {dag_id}")


def dag_runs(env: dict[str, str], dag_id: str) -> list[dict]:
    out = airflow_cli(env, "dags", "list-runs", dag_id, "-o", "json")
    # the JSON is the line that starts with "[" (a graphviz notice comes first on stdout)
    lines = [line for line in out.splitlines() if line.startswith("[{") or line.strip() == "[]"]
    return json.loads(lines[-1]) if lines else []


def wait_for_runs(env: dict[str, str], dag_id: str, count: int, timeout: int = 600) -> list[dict]:
    deadline = time.monotonic() + timeout
    runs: list[dict] = []
    while time.monotonic() < deadline:
        runs = dag_runs(env, dag_id)
        done = [r for r in runs if r["state"] in ("success", "failed")]
        if len(done) >= count and len(done) == len(runs):
            return runs
        time.sleep(5)
    raise RuntimeError(f"{dag_id}: runs did not finish in {timeout}s: {runs}")
