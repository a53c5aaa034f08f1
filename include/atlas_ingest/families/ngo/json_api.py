"""`json_api`: dispatch to the planner named by `fetch.options.api` (see `ngo/options.py`)."""

from __future__ import annotations

import importlib

from atlas_ingest.kinds import Fetched, Plan, RunContext


def _implementation(ctx: RunContext):
    from atlas_ingest.families.ngo.options import JSON_APIS

    api = ctx.manifest.fetch_options().root.api
    module, _, attr = JSON_APIS[api].partition(":")
    return getattr(importlib.import_module(module), attr)()


class JsonApiAdapter:
    def discover(self, ctx: RunContext) -> Plan:
        return _implementation(ctx).discover(ctx)

    def fetch(self, ctx: RunContext, plan: Plan) -> list[Fetched]:
        return _implementation(ctx).fetch(ctx, plan)
