"""Atlas Ingest: Norwegian public statistics and NGO supply data into PostgreSQL marts."""

__version__ = "0.1.0"
