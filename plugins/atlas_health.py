"""Airflow plugin: the "Atlas health" page (marts.mart_ingest_health) in the Airflow 3 UI."""

from airflow.plugins_manager import AirflowPlugin

from atlas_ingest.airflow.health import create_app


class AtlasHealthPlugin(AirflowPlugin):
    name = "atlas_health"
    fastapi_apps = [{"app": create_app(), "url_prefix": "/atlas", "name": "Atlas health"}]
    external_views = [{
        "name": "Atlas health",
        "href": "/atlas/health",
        "destination": "nav",
        "category": "browse",
        "url_route": "atlas-health",
    }]
