"""Great Expectations gates, built at execute time and raising on failure.

Suites live as JSON in `include/gx/<suite>.json` (GX's own `{name, expectations: [{type,
kwargs, meta}]}` shape), one per raw table and per mart. String kwargs may use `${source_id}`,
`${period_regex}` and the other template variables a caller passes. A suite runs against a SQL
query (a staging table, a source's slice of a raw table, or a mart) in an ephemeral GX context,
so nothing is written to disk and no GX import happens at DAG-parse time.

Why GX Core directly and not `airflow-provider-great-expectations`: see DESIGN notes (the
provider pins structlog<25.5, which conflicts with Airflow 3.3).
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atlas_ingest.settings import GX_DIR

log = logging.getLogger("atlas_ingest.quality")

_PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")


class QualityGateFailed(RuntimeError):
    def __init__(self, message: str, failures: list[dict[str, Any]]):
        super().__init__(message)
        self.failures = failures


@dataclass
class SuiteResult:
    suite: str
    target: str
    success: bool
    evaluated: int
    failures: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        state = "passed" if self.success else "FAILED"
        return f"GX suite {self.suite} on {self.target}: {state} ({self.evaluated - len(self.failures)}/{self.evaluated})"


def suite_path(name: str) -> Path:
    return GX_DIR / f"{name}.json"


def load_suite_definition(name: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    path = suite_path(name)
    if not path.exists():
        raise FileNotFoundError(f"no Great Expectations suite {name!r} at {path}")
    definition = json.loads(path.read_text(encoding="utf-8"))
    return _substitute(definition, {k: str(v) for k, v in (variables or {}).items()})


def _substitute(node: Any, variables: dict[str, str]) -> Any:
    if isinstance(node, str):
        # Only `${name}` is a placeholder: a bare `$` is a regex anchor in most kwargs.
        def value(match: re.Match) -> str:
            if match.group(1) not in variables:
                raise KeyError(f"suite placeholder ${{{match.group(1)}}} has no value")
            return variables[match.group(1)]

        return _PLACEHOLDER.sub(value, node)
    if isinstance(node, list):
        return [_substitute(n, variables) for n in node]
    if isinstance(node, dict):
        return {k: (v if k == "meta" else _substitute(v, variables)) for k, v in node.items()}
    return node


def run_suite(name: str, *, query: str, target: str, variables: dict[str, Any] | None = None,
              extra: list[dict[str, Any]] | None = None, url: str | None = None) -> SuiteResult:
    """Validate the rows of `query` against suite `name` (+ `extra` expectations)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # its INFO is per-metric noise
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.registry import get_expectation_impl

    from atlas_ingest.warehouse import sqlalchemy_url

    definition = load_suite_definition(name, variables)
    expectations = []
    for spec in definition["expectations"] + list(extra or []):
        impl = get_expectation_impl(spec["type"])
        expectations.append(impl(**spec["kwargs"], meta=spec.get("meta") or {}))

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    datasource = context.data_sources.add_postgres(name="atlas_warehouse", connection_string=sqlalchemy_url(url))
    asset = datasource.add_query_asset(name="rows", query=query)
    batch = asset.add_batch_definition_whole_table("all_rows")
    suite = context.suites.add(gx.ExpectationSuite(name=definition["name"], expectations=expectations))
    validation = context.validation_definitions.add(gx.ValidationDefinition(name=f"{name}_run", data=batch, suite=suite))
    try:
        result = validation.run(result_format="SUMMARY")
    finally:
        # GX keeps its SQLAlchemy engine (and pooled connections) until garbage collection; a
        # family DAG runs dozens of suites in one process, so release them now
        engine = getattr(datasource.get_execution_engine(), "engine", None)
        if engine is not None:
            engine.dispose()

    failures = []
    for item in result.results:
        if item.success:
            continue
        cfg = item.expectation_config
        detail = {k: item.result.get(k) for k in ("observed_value", "unexpected_count", "unexpected_percent",
                                                   "partial_unexpected_list") if item.result.get(k) is not None}
        for info in _exception_infos(item.exception_info):
            detail["exception"] = str(info.get("exception_message", "")).splitlines()[0][:300]
        failures.append({"expectation": cfg.type, "kwargs": {k: v for k, v in cfg.kwargs.items() if k != "batch_id"},
                         "why": (cfg.meta or {}).get("why"), **detail})
    outcome = SuiteResult(name, target, bool(result.success), len(result.results), failures)
    log.info(outcome.summary())
    return outcome


def _exception_infos(info: Any) -> list[dict[str, Any]]:
    """GX reports exceptions either flat or keyed by metric id; return the raised ones."""
    if not info:
        return []
    if isinstance(info, dict) and "raised_exception" in info:
        return [info] if info.get("raised_exception") else []
    if isinstance(info, dict):
        return [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
    return []


def gate(name: str, *, query: str, target: str, variables: dict[str, Any] | None = None,
         extra: list[dict[str, Any]] | None = None, url: str | None = None) -> SuiteResult:
    """Run a suite and raise `QualityGateFailed` naming each failing expectation."""
    outcome = run_suite(name, query=query, target=target, variables=variables, extra=extra, url=url)
    if not outcome.success:
        lines = [outcome.summary()]
        for f in outcome.failures:
            column = f["kwargs"].get("column")
            what = f"{f['expectation']}" + (f" on {column}" if column else "")
            facts = ", ".join(f"{k}={v!r}" for k, v in f.items() if k not in ("expectation", "kwargs", "why"))
            lines.append(f"  - {what}: {facts}" + (f" — {f['why']}" if f.get("why") else ""))
        message = "\n".join(lines)
        log.error(message)
        raise QualityGateFailed(message, outcome.failures)
    return outcome
