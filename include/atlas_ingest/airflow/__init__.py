"""Airflow glue: the family DAG factory, default_args, tags and notifiers.

Nothing here is imported by the pipeline itself, so the pipeline stays testable without Airflow.
"""
