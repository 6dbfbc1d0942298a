"""Benchmarks: the project's pipeline against plain pandas and DuckDB, in one run."""
