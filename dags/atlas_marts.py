"""Atlas marts: dbt through astronomer-cosmos, then Great Expectations mart gates.

Scheduled on the family raw Assets; see the DAG's docs for details.
"""

from atlas_ingest.airflow.marts import build_marts_dag

dag = build_marts_dag()
