"""Fixtures shared by the unit tests (the browser tests have their own in tests/browser/conftest.py;
plain helpers are in tests/helpers.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import polars as pl
import pytest

from analytics.auth import Accounts
from analytics.reference.gazetteer import Gazetteer
from analytics.reference.sample import generate

#: ``backend``, ``store_at`` and ``shared_servers``: a store test runs on the local and the shared store.
pytest_plugins = ["tests.backends"]


@pytest.fixture(scope="session")
def log() -> pl.LazyFrame:
    """The bundled sample (FY 2022-23, every published figure); a test module may define its own."""
    return generate().lazy()


@pytest.fixture(scope="session")
def gaz() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture
def tmpfs(tmp_path):
    """``tmpfs(size)`` mounts a tmpfs of that size and returns it (unmounted after the test): a real
    read-only or full disk. Skips the test unless run as root where ``mount`` works."""
    mounted: list[Path] = []

    def mount(size: str = "2m") -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs (a real read-only or full disk) needs root")
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        out = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
                             capture_output=True, text=True, check=False)
        if out.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {out.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], check=False)


@pytest.fixture(scope="module")
def app_environment(tmp_path_factory):
    """One store (seeded with the sample on first use) and one accounts file for a module of AppTest
    tests (``pytestmark = pytest.mark.usefixtures("app_environment")``)."""
    base = tmp_path_factory.mktemp("app")
    patch = pytest.MonkeyPatch()
    patch.setenv("SEBA_ATLAS_STORE", str(base / "store"))
    patch.setenv("SEBA_ATLAS_AUTH_DB", str(base / "users.sqlite"))
    Accounts(base / "users.sqlite").add("asha", "a long test password", role="uploader")
    # the process's warm-up first, as in app.py, but outside AppTest (which converts tables its own way)
    from pages import access, resources, warmup  # noqa: F401

    for cached in (resources.store, access.settings, access.accounts):
        cached.clear()
    yield
    for cached in (resources.store, access.settings, access.accounts):
        cached.clear()
    patch.undo()
