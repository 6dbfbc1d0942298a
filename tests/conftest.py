"""Fixtures shared by the unit tests (the browser tests have their own in tests/browser/conftest.py)."""

from __future__ import annotations

import polars as pl
import pytest

from analytics.reference.gazetteer import Gazetteer
from analytics.reference.sample import generate


@pytest.fixture(scope="session")
def log() -> pl.LazyFrame:
    """The bundled sample (FY 2022-23, every published figure); a test module may define its own."""
    return generate().lazy()


@pytest.fixture(scope="session")
def gaz() -> Gazetteer:
    return Gazetteer.load()
