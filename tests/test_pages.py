"""Every page through Streamlit's AppTest: no exception, texts in both languages, URL state."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.auth import Accounts

PAGES = ["pages/overview.py", "pages/map.py", "pages/entrepreneurs.py", "pages/services.py", "pages/upload.py",
         "pages/data.py"]
TIMEOUT = 60
APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(scope="module", autouse=True)
def environment(tmp_path_factory):
    """One store (seeded with the sample on first use) and one accounts file for the module."""
    base = tmp_path_factory.mktemp("app")
    patch = pytest.MonkeyPatch()
    patch.setenv("SEBA_ATLAS_STORE", str(base / "store"))
    patch.setenv("SEBA_ATLAS_AUTH_DB", str(base / "users.sqlite"))
    Accounts(base / "users.sqlite").add("asha", "a long test password", role="uploader")
    from pages import common

    common.store.clear()
    common.settings.clear()
    common.accounts.clear()
    yield
    common.store.clear()
    common.settings.clear()
    common.accounts.clear()
    patch.undo()


def run(page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [t.value for t in at.title] + [s.value for s in at.subheader]
    parts += [f"{m.label} {m.value}" for m in at.metric] + [w.value for w in at.warning] + [i.value for i in at.info]
    parts += [c.value for c in at.caption] + [e.value for e in at.error] + [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["bn", "en"])
def test_every_page_runs(page, lang):
    run(page, lang=lang)


@pytest.mark.parametrize(("lang", "expected"), [
    ("bn", ["১,২৪,০৮০", "৮১,৮৭৪", "৪২,২০৬", "১০৪", "৫২", "৩৮,৪৯,১৬৮ টাকা", "১০৫", "১২", "২০২২-২৩ অর্থবছর", "নমুনা ডেটা"]),
    ("en", ["1,24,080", "81,874", "42,206", "104", "52", "Tk 38,49,168", "105", "12", "FY 2022-23", "Sample data"]),
])
def test_overview_shows_every_published_figure(lang, expected):
    shown = texts(run(lang=lang))
    for text in expected:
        assert text in shown, text


def test_bengali_is_the_default():
    at = run()
    assert "পিরোজপুর জেলার ডিজিটাল সেবা" in texts(at)


def test_quarter_and_previous_period_from_query():
    at = run(lang="en", fy="2022-23", q="2")
    shown = texts(at)
    assert "FY 2022-23 Q2" in shown
    udc = next(m for m in at.metric if m.label == "UDC beneficiaries")
    assert udc.value != "81,874"  # a quarter, not the year


def test_map_state_restored_from_query():
    at = run("pages/map.py", lang="en", upazila="BD107914", metric="earnings_paisa", q="1")
    assert at.selectbox(key="w_metric.en").value == "earnings_paisa"
    assert "Bhandaria" in [s.value for s in at.subheader]
    table = at.dataframe[0].value
    assert len(table) == 7  # Bhandaria's unions
    assert at.button(key="map_back") is not None


def test_map_no_data_period_says_so():
    at = run("pages/map.py", lang="en", fy="2030-31")
    assert any("No data" in w.value for w in at.warning)


def test_entrepreneurs_hidden_from_anonymous_by_default():
    at = run("pages/entrepreneurs.py", lang="en")
    assert any("signed-in staff" in i.value for i in at.info)
    assert "Nasrin" not in at.dataframe[0].value.to_csv()


def test_search_from_query_for_staff():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.query_params["search"] = "Bhandaria"
    at.session_state["_auth"] = {"username": "asha", "role": "uploader", "at": __import__("time").time()}
    at.run()
    at.switch_page("pages/entrepreneurs.py")
    at.run()
    assert not at.exception
    assert at.text_input(key="w_search.en").value == "Bhandaria"
    frame = at.dataframe[0].value
    assert len(frame) == 14 and set(frame["Upazila"]) == {"Bhandaria"}


def test_upload_needs_sign_in():
    at = run("pages/upload.py", lang="en")
    assert any("Only signed-in office staff" in w.value for w in at.warning)
    assert len(at.get("file_uploader")) == 0


def test_language_switch_changes_labels():
    at = run(lang="en")
    at.radio(key="w_lang.en").set_value("bn").run()
    assert "১,২৪,০৮০" in texts(at)
    assert "lang" not in at.query_params  # bn is the default, so links stay short


def test_custom_date_range_from_query():
    at = run(lang="en", **{"from": "2022-07-01", "to": "2022-07-31"})
    assert "2022-07-01 – 2022-07-31" in texts(at)
    total = next(m for m in at.metric if m.label == "Total beneficiaries")
    assert total.value not in ("1,24,080", "0")


# -- many sessions at once (issue 16) ----------------------------------------------------
def test_warm_up_runs_once_and_freezes_what_it_loaded():
    import gc
    import sys

    from pages import common

    assert common._WARM  # done when pages.common was first imported (app.py imports it first)
    for module in ("pandas", "pyarrow", "plotly.io", "streamlit.dataframe.lazy_df_adapters"):
        assert module in sys.modules, module
    assert gc.get_freeze_count() > 0
    common.warm_up()  # again: nothing to do


def test_store_version_is_read_once_per_run(monkeypatch):
    from analytics.store import LocalStore

    calls = []
    original = LocalStore.version
    monkeypatch.setattr(LocalStore, "version", lambda self: calls.append(1) or original(self))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert len(calls) == 1  # sidebar, period, page and notices share one reading


def test_tables_reach_streamlit_as_arrow(monkeypatch):
    """pages.common.dataframe hands Streamlit an Arrow table (Streamlit would call to_pandas on a
    polars frame while holding the GIL: the deadlock of issue 16)."""
    import pyarrow as pa
    import streamlit as st

    seen = []
    original = st.dataframe
    monkeypatch.setattr(st, "dataframe", lambda data, *a, **kw: seen.append(type(data)) or original(data, *a, **kw))
    at = run("pages/map.py", lang="en")
    assert seen and all(t is pa.Table for t in seen)
    table = at.dataframe[0].value
    assert list(table.columns)[0] == "Upazila" and len(table) == 7 and table.iloc[0, 1].replace(",", "").isdigit()


# -- privacy for open links (issue 10, section 6) ----------------------------------------
def _staff(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    at.session_state["_auth"] = {"username": "asha", "role": "uploader", "at": __import__("time").time()}
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _shown(at: AppTest) -> str:
    """Everything a page shows as text: texts, metrics (with deltas), tables, charts' data."""
    parts = [texts(at)] + [f"{m.value} {m.proto.delta}" for m in at.metric]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [str(c.proto.spec) for c in at.get("plotly_chart")]
    return "\n".join(parts)


def test_anonymous_map_shows_no_union_earnings():
    at = run("pages/map.py", lang="en", level="union", metric="earnings_paisa")
    table = at.dataframe[0].value
    assert len(table) == 52 and set(table["Entrepreneurs' earnings (Tk)"]) == {"fewer than 3"}
    shown = _shown(at)
    assert "hidden: fewer than 3 entrepreneurs" in shown
    assert "fewer than 3 active entrepreneurs" in shown  # the notice says why
    drill = run("pages/map.py", lang="en", upazila="BD107914", metric="earnings_paisa")
    assert set(drill.dataframe[0].value["Entrepreneurs' earnings (Tk)"]) == {"fewer than 3"}
    assert "Tk " not in " ".join(str(c.proto.spec) for c in drill.get("plotly_chart"))


def test_anonymous_one_day_link_reveals_no_one():
    at = run("pages/map.py", lang="en", level="union", metric="earnings_paisa",
             **{"from": "2022-08-01", "to": "2022-08-01"})
    assert set(at.dataframe[0].value["Entrepreneurs' earnings (Tk)"]) <= {"fewer than 3", "No data"}


def test_anonymous_entrepreneurs_page_shows_upazila_not_union_earnings():
    at = run("pages/entrepreneurs.py", lang="bn")
    upazilas, unions = at.dataframe[0].value, at.dataframe[1].value
    assert len(upazilas) == 7 and upazilas["আয়"].str.endswith("টাকা").all()
    assert len(unions) == 52 and set(unions["আয়"]) == {"৩ জনের কম"}
    assert set(unions["উদ্যোক্তাপ্রতি গড় আয় (টাকা)"]) == {"৩ জনের কম"}


def test_anonymous_services_and_overview_show_no_small_group_earnings():
    services = run("pages/services.py", lang="en", **{"from": "2022-08-01", "to": "2022-08-01"})
    table = services.dataframe[0].value
    assert "fewer than 3" in set(table["Earnings"])
    overview = run(lang="en", upazila="BD107987", **{"from": "2022-08-01", "to": "2022-08-01"})
    earnings = next(m for m in overview.metric if m.label == "Entrepreneurs' earnings")
    assert earnings.value in ("fewer than 3",) or "Tk" in earnings.value
    if earnings.value == "fewer than 3":
        assert not earnings.proto.delta


def test_staff_see_union_earnings():
    at = _staff("pages/map.py", lang="en", level="union", metric="earnings_paisa")
    assert at.dataframe[0].value["Entrepreneurs' earnings (Tk)"].str.startswith("Tk").all()
    assert "hidden: fewer than 3" not in _shown(at)


def test_data_page_hides_audit_log_from_anonymous_viewers():
    at = run("pages/data.py", lang="en")
    shown = _shown(at)
    assert "Audit log" not in shown and "Uploads" in shown
    assert any("signed-in office staff" in i.value for i in at.info)
    assert "asha" not in shown and "sign_in" not in shown
    assert len(at.dataframe) <= 1  # the coverage table only, when it has rows
    staff = _staff("pages/data.py", lang="en")
    assert "Audit log" in _shown(staff) and len(staff.dataframe) >= 2


def test_staff_see_the_name_decisions_with_a_way_to_withdraw_one():
    from analytics import decisions
    from pages import common

    common.store().decide([decisions.make("service", "Misc online work", "UDC069")], actor="asha")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.session_state["_auth"] = {"username": "asha", "role": "uploader", "at": __import__("time").time()}
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Names decided by staff" in texts(at)
    withdraw = next(s for s in at.selectbox if s.label.startswith("Withdraw a decision"))
    assert withdraw.options == ["Misc online work"]
    assert any(b.label == "Withdraw" for b in at.button)
    anonymous = run("pages/data.py", lang="en")
    assert "Names decided by staff" not in texts(anonymous)
