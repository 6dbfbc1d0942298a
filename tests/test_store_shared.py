"""The shared store (analytics/store/shared.py) against a real PostgreSQL and a real S3 endpoint:
two checkouts over one store, migrations, a copy from a local store, the object storage stopped
in the middle of an ingest. (The whole store suite also runs on it: tests/test_store.py.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from analytics.store import LocalStore, open_store
from analytics.store.copy import copy_store, totals
from analytics.store.shared import migrate, redact
from tests.backends import shared_env
from tests.helpers import make_log, with_rollups

ROOT = Path(__file__).resolve().parents[1]
#: What a checkout needs to run the command line (no data/, no .venv: the interpreter is shared).
CHECKOUT = ("analytics", "geodata", "pages", "static", ".streamlit", "app.py")


def checkout(target: Path) -> Path:
    target.mkdir()
    for name in CHECKOUT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    return target


def cli(where: Path, env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SEBA_ATLAS", "AWS_"))}
    environment |= env | {"PYTHONPATH": str(where), "SEBA_ATLAS_CLI_LOG": str(where.parent / f"{where.name}.log")}
    done = subprocess.run([sys.executable, "-m", "analytics", *args], cwd=where, env=environment,
                          capture_output=True, text=True, timeout=300)
    if check:
        assert done.returncode == 0, done.stderr
    return done


@pytest.fixture
def shared(shared_servers) -> dict[str, str]:
    return shared_env(shared_servers)


@pytest.fixture(scope="module")
def quarter_files(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("sample")
    subprocess.run([sys.executable, "-m", "analytics", "sample", "--out", str(out), "--formats", "csv"],
                   cwd=ROOT, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return sorted(out.glob("*.csv"))


def test_two_checkouts_share_one_store_to_the_taka(tmp_path, shared, quarter_files):
    """An upload from one checkout is seen by another, to the paisa; a rollback from the second
    is seen by the first; neither checkout writes any data of its own."""
    first, second = checkout(tmp_path / "first"), checkout(tmp_path / "second")
    store = ["--store", shared["SEBA_ATLAS_STORE"]]
    cli(first, shared, "ingest", str(quarter_files[0]), *store)
    seen = [json.loads(cli(where, shared, "summary", "--period", "2022-23-Q1", "--json", *store).stdout)
            for where in (first, second)]
    assert seen[0] == seen[1] and seen[0]["beneficiaries_total"] > 0
    expected = totals(open_store(shared["SEBA_ATLAS_STORE"], env=shared))
    assert expected["fee_paisa"] > 0

    cli(second, shared, "ingest", str(quarter_files[1]), *store)
    upload_id = cli(first, shared, "uploads", *store).stdout.splitlines()[-1].split("\t")[0]
    cli(second, shared, "rollback", upload_id, *store)
    listed = cli(first, shared, "uploads", *store).stdout
    assert f"{upload_id}\t{quarter_files[1].name}" in listed
    assert totals(open_store(shared["SEBA_ATLAS_STORE"], env=shared)) == expected
    for where in (first, second):
        assert not (where / "data").exists(), f"{where.name} wrote data locally"


def test_migrations_are_versioned_and_applied_once(shared):
    url = shared["SEBA_ATLAS_STORE"]
    first = migrate(url)
    assert first == sorted(p.name for p in (ROOT / "analytics/store/migrations").glob("*.sql"))
    assert migrate(url) == []
    with psycopg.connect(url) as db:
        versions = [row[0] for row in db.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == sorted(int(name[:4]) for name in first)


def test_store_migrate_command(tmp_path, shared):
    done = cli(ROOT, shared, "store", "migrate", "--store", shared["SEBA_ATLAS_STORE"])
    assert "***" in done.stdout and "password" not in done.stdout.lower()
    again = cli(ROOT, shared, "store", "migrate", "--store", shared["SEBA_ATLAS_STORE"], "--lang", "bn")
    assert "০টি" in again.stdout


def test_copy_a_local_store_to_the_shared_one_and_back(tmp_path, shared):
    local = LocalStore(tmp_path / "local")
    first = local.commit(make_log(300), file_name="a.csv", content_hash="ha", uploader="clerk")
    local.commit(make_log(200, fee=7000), file_name="b.csv", content_hash="hb", uploader="clerk", mode="replace")
    local.rollback(local.uploads()["upload_id"][1], actor="admin")
    local.remember_headers({"Service taken": "service"})
    done = cli(ROOT, shared, "store", "copy", "--from", str(tmp_path / "local"), "--to", shared["SEBA_ATLAS_STORE"],
               "--json")
    result = json.loads(done.stdout)
    assert (result["uploads"], result["rows"], result["fee_paisa"], result["files"]) == (2, 300, 300 * 5000, 2)
    target = open_store(shared["SEBA_ATLAS_STORE"], env=shared)
    assert target.uploads().equals(local.uploads()) and target.changes().equals(local.changes())
    assert target.scan(as_of=1).collect().height == 300 and target.header_mappings() == local.header_mappings()
    assert target.rollback(first.upload_id, actor="admin") is None  # the copy is a working store
    back = LocalStore(tmp_path / "back")
    assert copy_store(target, back)["rows"] == 0
    refused = cli(ROOT, shared, "store", "copy", "--from", str(tmp_path / "local"), "--to",
                  shared["SEBA_ATLAS_STORE"], check=False)
    assert refused.returncode == 2 and "not empty" in refused.stderr and "Traceback" not in refused.stderr


def test_object_storage_stopped_in_the_middle_of_an_ingest(tmp_path, shared, shared_servers, quarter_files):
    """The first file's Parquet object is written, then the object storage goes away: the ingest
    fails with one line, the catalogue is as it was, and the orphan is swept once it is back."""
    url = shared["SEBA_ATLAS_STORE"]
    before = open_store(url, env=shared)
    before.commit(make_log(50), file_name="before.csv", content_hash="h0", uploader="u")
    state = (before.uploads(), before.changes(), before.version())
    marker = tmp_path / "paused"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SEBA_ATLAS", "AWS_"))}
    environment |= shared | {"PYTHONPATH": str(ROOT), "SEBA_ATLAS_PAUSE_AT": f"object-written:{marker}"}
    child = subprocess.Popen([sys.executable, "-m", "analytics", "ingest", *map(str, quarter_files[:2]),
                              "--store", url], cwd=ROOT, env=environment, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    s3 = shared_servers["s3"]
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), child.communicate()
        s3.stop(kill=True)
        marker.unlink()
        out, err = child.communicate(timeout=180)
    finally:
        if not s3.server.running:
            s3.start()
    assert child.returncode != 0
    assert "Traceback" not in err and "storage" in err, err
    after = open_store(url, env=shared)  # opening sweeps what the failed ingest left
    assert after.uploads().equals(state[0]) and after.changes().equals(state[1]) and after.version() == state[2]
    listed = set(after.export_catalogue()["upload_files"]["path"])
    assert listed <= set(after._list_objects()) <= with_rollups(listed)
    assert totals(after)["rows"] == 50


def test_backup_and_restore_work_for_the_shared_store(tmp_path, shared, shared_servers):
    """``backup`` of a shared store restores into a local one, and into another, empty, shared one."""
    source = open_store(shared["SEBA_ATLAS_STORE"], env=shared)
    source.commit(make_log(120, days=200), file_name="year.csv", content_hash="hy", uploader="clerk")
    archive = tmp_path / "shared.tar.gz"
    cli(ROOT, shared, "backup", str(archive), "--store", shared["SEBA_ATLAS_STORE"])
    cli(ROOT, {}, "restore", str(archive), "--store", str(tmp_path / "restored"))
    again = shared_env(shared_servers)
    cli(ROOT, again, "restore", str(archive), "--store", again["SEBA_ATLAS_STORE"], "--lang", "bn")
    for store in (LocalStore(tmp_path / "restored"), open_store(again["SEBA_ATLAS_STORE"], env=again)):
        assert totals(store) == totals(source) and store.uploads().equals(source.uploads())
    refused = cli(ROOT, again, "restore", str(archive), "--store", again["SEBA_ATLAS_STORE"], check=False)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://u:TopSecret1@db.example/atlas", "postgresql://u:***@db.example/atlas"),
    ("postgresql://db.example/atlas?user=u&password=TopSecret1", "postgresql://db.example/atlas?user=u&password=***"),
    ("postgresql://db.example/atlas?PASSWORD=TopSecret1&sslmode=require",
     "postgresql://db.example/atlas?PASSWORD=***&sslmode=require"),
    ("postgresql://db.example/atlas?sslmode=require", "postgresql://db.example/atlas?sslmode=require"),
    ("postgresql://db.example/atlas", "postgresql://db.example/atlas"),
])
def test_redact(url, shown):
    """A review: a password in the URL's query (libpq's ``?password=``) was printed in an error."""
    assert redact(url) == shown
