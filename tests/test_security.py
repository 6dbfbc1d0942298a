"""Security properties: formula injection, markup in names, file names, direct upload posts.

(Role checks in the UI are tested in tests/test_pages.py and the browser tests; guessing is
throttled in tests/test_auth.py.)
"""

import csv
import io
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from analytics.reference import schema
from analytics.reference.gazetteer import Gazetteer
from analytics.report import figures, views
from analytics.store import LocalStore
from tests.browser.conftest import running_app

ROOT = Path(__file__).resolve().parent.parent
NASTY = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "<script>alert(1)</script>"]


def entrepreneurs_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "rank": range(1, len(NASTY) + 1), "entrepreneur_id": [f"E{i}" for i in range(len(NASTY))],
        "entrepreneur_name": NASTY, "entrepreneur_gender": ["female"] * len(NASTY), "union": NASTY,
        "upazila": ["Bhandaria"] * len(NASTY), "beneficiaries": [1] * len(NASTY), "earnings_paisa": [100] * len(NASTY),
        "service_kinds": [1] * len(NASTY), "earnings_paisa_previous": [0] * len(NASTY), "change_pct": [None] * len(NASTY),
    }, schema_overrides={"change_pct": pl.Float64})


def test_csv_export_neutralises_formulas():
    export = views.entrepreneur_export(entrepreneurs_frame(), lang="en")
    rows = list(csv.reader(io.StringIO(export.write_csv(), newline="")))[1:]
    assert len(rows) == len(NASTY)
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_xlsx_export_has_no_formula_cells():
    export = views.entrepreneur_export(entrepreneurs_frame(), lang="en")
    buffer = io.BytesIO()
    export.write_excel(buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    names = [c.value for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert names and all(n.startswith("'") for n in names)


def test_markup_in_names_is_escaped_in_map_hover():
    gaz = Gazetteer.load()
    areas = pl.DataFrame({"pcode": ["BD107914"], "name": ["<img src=x onerror=alert(1)>"], "v": [5],
                          "v_text": ["5"]})
    fig = figures.choropleth(areas, {"type": "FeatureCollection", "features": [
        f for f in __import__("analytics.reference.gazetteer", fromlist=["x"]).load_boundaries("upazila")["features"]
        if f["properties"]["pcode"] == "BD107914"]}, metric="v", metric_label="v", lang="en",
        hover=[("v", "v_text")], center={"lat": 22.5, "lon": 90}, zoom=9)
    shown = " ".join(str(trace.customdata) + str(trace.hovertemplate) for trace in fig.data)
    assert "<img" not in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert gaz  # the gazetteer loads alongside (sanity)


def test_markup_in_entrepreneur_names_is_escaped_in_charts():
    frame = entrepreneurs_frame().with_columns(upazila=pl.lit("Bhandaria"))
    fig = figures.earnings_by_group(frame, group="upazila", lang="en")
    hover = " ".join(str(t) for trace in fig.data for t in (trace.hovertext or []))
    assert "<script>" not in hover and "&lt;script&gt;" in hover


def test_upload_file_names_cannot_escape_the_store(tmp_path):
    store = LocalStore(tmp_path / "data" / "store")
    log = schema.conform(pl.DataFrame({"date": [date(2022, 7, 1)], "channel": ["udc"], "upazila_code": ["BD107914"],
                                       "union_code": ["BD10791411"], "entrepreneur_id": ["E"], "service_code": ["UDC001"],
                                       "beneficiaries": [1], "fee_paisa": [100]})).collect()
    for name in ["../../evil.csv", "/etc/passwd", "..\\..\\evil.xlsx", "q1.csv\x00.sh"]:
        store.commit(log, file_name=name, content_hash=name, uploader="u")
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(store.directory in p.parents or p.parent == store.directory for p in written), written
    assert not (tmp_path / "evil.csv").exists()
    assert set(store.uploads()["file_name"]) >= {"../../evil.csv", "/etc/passwd"}  # kept as text only


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("srv")
    with running_app(base) as url:
        yield url, base


def test_direct_upload_post_without_a_session_is_refused(server):
    url, base = server
    body = b"Date,Union,Service\n01/07/2022,Ikri,Photocopy\n"
    request = urllib.request.Request(f"{url}/_stcore/upload_file/not-a-session/not-a-file", data=body, method="PUT",
                                     headers={"Content-Type": "text/csv"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code in (400, 403, 404, 405)
    # nothing but the seeded sample (if the app was opened) is in the store
    store = LocalStore(base / "store")
    assert set(store.uploads()["uploader"].to_list()) <= {"system"}
