"""Fixtures that run a test against both store backends: the local store and the shared one
(a real PostgreSQL cluster and a real SeaweedFS S3 endpoint, started once per test session by
:mod:`tests.servers`). Loaded by ``tests/conftest.py`` (``pytest_plugins``).

- ``backend``: ``"local"`` or ``"shared"`` (a parametrized fixture: a test that asks for it, or
  for ``store_at``/``store``, runs once per backend);
- ``store_at(name)``: the environment of a fresh, empty store of that backend, one per ``name``
  within a test (``SEBA_ATLAS_STORE`` is a directory, or a URL with its own PostgreSQL schema
  and ``SEBA_ATLAS_OBJECTS`` its own S3 prefix), to open with
  ``open_store(env=...)`` here or in a child process;
- ``shared_servers``: the running servers (skipped with the reason when PostgreSQL or
  SeaweedFS cannot start here, failed instead with ``SEBA_ATLAS_REQUIRE_SERVERS=1``, as CI sets).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from tests import servers

BACKENDS = ("local", "shared")


@pytest.fixture(scope="session")
def shared_servers(tmp_path_factory) -> Iterator[dict[str, str]]:
    """PostgreSQL and SeaweedFS for the whole session: the URL and the object-storage keys."""
    base = tmp_path_factory.mktemp("servers")
    try:
        with servers.postgres(base) as url, servers.seaweedfs(base) as s3:
            yield {"url": url, "bucket": s3["bucket"], "s3": s3, **s3.aws}
    except servers.ServerUnavailable as error:
        if os.environ.get("SEBA_ATLAS_REQUIRE_SERVERS") == "1":
            pytest.fail(f"the shared store's servers are required here: {error}")
        pytest.skip(f"the shared store's servers cannot start here: {error}")


def shared_env(servers_: dict[str, str]) -> dict[str, str]:
    """The environment of a new, empty shared store: its own schema and object prefix."""
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(servers_["url"], autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    keys = {k: v for k, v in servers_.items() if k.startswith("AWS_")}
    return {**keys, "SEBA_ATLAS_STORE": f"{servers_['url']}?options=-csearch_path%3D{schema}",
            "SEBA_ATLAS_OBJECTS": f"s3://{servers_['bucket']}/{schema}"}


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def store_at(backend, request, tmp_path) -> Callable[[str], dict[str, str]]:
    """``store_at(name)``: the environment naming a fresh store of this test's backend."""
    made: dict[str, dict[str, str]] = {}
    running = request.getfixturevalue("shared_servers") if backend == "shared" else None

    def make(name: str = "store") -> dict[str, str]:
        if name not in made:
            made[name] = (shared_env(running) if running is not None
                          else {"SEBA_ATLAS_STORE": str(tmp_path / name)})
        return made[name]

    return make
