"""Every page through Streamlit's AppTest: no exception, texts in both languages, URL state."""

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from analytics import i18n
from tests.helpers import APP, TIMEOUT, run

pytestmark = pytest.mark.usefixtures("app_environment")  # one store and accounts file for the module

MAP_TABLE = ("w_map_table",)  # the map's table is drawn when its expander is opened
PAGES = ["pages/overview.py", "pages/map.py", "pages/entrepreneurs.py", "pages/services.py", "pages/upload.py",
         "pages/data.py"]


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


@pytest.mark.parametrize(("page", "lang", "shown"), [
    (None, "en", "Digital services in Nesarabad upazila, Pirojpur district"),
    (None, "bn", "পিরোজপুর জেলার নেছারাবাদ উপজেলার ডিজিটাল সেবা"),
    ("pages/services.py", "en", "Nesarabad"), ("pages/entrepreneurs.py", "en", "Nesarabad"),
])
def test_a_chosen_upazila_is_named_under_the_title(page, lang, shown):
    """A link presented with the sidebar closed still says whose figures these are."""
    at = run(page, lang=lang, upazila="BD107987", present="1")
    assert shown in texts(at), texts(at)


def test_an_upazilas_overview_says_where_the_front_desk_is_counted():
    """An upazila's figures are its UDCs': no front-desk figure, and no 100%-UDC pie, but a sentence."""
    at = run(lang="en", upazila="BD107980")
    assert "The DC office's front desk serves the whole district" in " ".join(c.value for c in at.caption)
    assert not any(m.label == "Front-desk beneficiaries" for m in at.metric)
    assert len(at.get("plotly_chart")) == 1  # the trend alone
    district = run(lang="en")
    assert any(m.label == "Front-desk beneficiaries" for m in district.metric) and len(district.get("plotly_chart")) == 2


def test_quarter_and_previous_period_from_query():
    at = run(lang="en", fy="2022-23", q="2")
    shown = texts(at)
    assert "FY 2022-23 Q2" in shown
    udc = next(m for m in at.metric if m.label == "UDC beneficiaries")
    assert udc.value != "81,874"  # a quarter, not the year


def test_map_state_restored_from_query():
    at = run("pages/map.py", opened=MAP_TABLE, lang="en", upazila="BD107914", metric="earnings_paisa", q="1")
    assert at.selectbox(key="w_metric.en").value == "earnings_paisa"
    assert "Bhandaria" in [s.value for s in at.subheader]
    table = at.dataframe[0].value
    assert len(table) == 7  # Bhandaria's unions
    assert at.button(key="map_back") is not None


def test_map_table_is_drawn_only_when_opened():
    """The table under the map waits in an expander (issue 13: its grid's script, loaded on every
    first view, held the map back); opened, it holds every upazila."""
    closed = run("pages/map.py", lang="en")
    assert not closed.dataframe and closed.get("plotly_chart")
    assert "All figures in a table" in [e.label for e in closed.expander]
    opened = run("pages/map.py", opened=MAP_TABLE, lang="en")
    assert len(opened.dataframe) == 1 and len(opened.dataframe[0].value) == 7


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
    assert "1 July 2022 – 31 July 2022" in texts(at)
    total = next(m for m in at.metric if m.label == "Total beneficiaries")
    assert total.value not in ("1,24,080", "0")


# -- many sessions at once (issue 16) ----------------------------------------------------
WARM_UP = """
import gc, sys
from pages import warmup
assert warmup._WARM  # done when pages.warmup was first imported (app.py imports it first)
missing = [m for m in ("pandas", "pyarrow", "plotly.io", "streamlit.dataframe.lazy_df_adapters") if m not in sys.modules]
assert not missing, missing
assert gc.get_freeze_count() > 0
frozen = gc.get_freeze_count()
warmup.warm_up()  # again: nothing to do
assert gc.get_freeze_count() == frozen
print("warm")
"""


def test_warm_up_runs_once_and_freezes_what_it_loaded(tmp_path):
    """In a process of its own, as on a server (under AppTest a first import would run inside a
    script run, and whichever test module imported it first would decide what it did)."""
    import os
    import subprocess
    import sys

    root = Path(APP).parent
    done = subprocess.run([sys.executable, "-c", WARM_UP], cwd=root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(root), "SEBA_ATLAS_STORE": str(tmp_path / "store")})
    assert done.returncode == 0 and done.stdout.strip() == "warm", done.stderr[-3000:]


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
    """pages.render.dataframe hands Streamlit an Arrow table, or a Styler over a pandas frame pyarrow
    made from one (Streamlit would call to_pandas on a polars frame while holding the GIL: the
    deadlock of issue 16); figures stay numbers (they sort as numbers) and read as text."""
    import pandas as pd
    import pyarrow as pa
    import streamlit as st
    from pandas.io.formats.style import Styler

    seen = []
    original = st.dataframe
    monkeypatch.setattr(st, "dataframe", lambda data, *a, **kw: seen.append(data) or original(data, *a, **kw))
    at = run("pages/map.py", opened=MAP_TABLE, lang="en")
    assert seen and all(isinstance(d, (pa.Table, Styler)) for d in seen)
    assert all(isinstance(d.data, pd.DataFrame) for d in seen if isinstance(d, Styler))
    table = at.dataframe[0].value
    assert list(table.columns)[0] == "Upazila" and len(table) == 7 and pd.api.types.is_numeric_dtype(table.iloc[:, 1])
    shown = displayed(at.dataframe[0])
    assert shown.iloc[0, 1].replace(",", "").isdigit() and "," in shown.iloc[0, 1]


def displayed(element) -> "pd.DataFrame":  # noqa: F821
    """A table's cells as the browser draws them: the Styler's display text, the table's placeholder
    in missing cells (Streamlit draws those with it), the values where there is no Styler."""
    from streamlit import dataframe_util

    values = element.value
    styler = element.proto.arrow_data.styler
    if not styler.display_values:
        return values.astype(object).where(values.notna(), None)
    texts = dataframe_util.convert_arrow_bytes_to_pandas_df(styler.display_values)
    texts.columns = values.columns
    texts.index = values.index
    return texts.astype(object).where(values.notna(), element.proto.placeholder or None)


# -- privacy for open links (issue 10, section 6) ----------------------------------------
def _staff(page: str, **query) -> AppTest:
    return run(page, session={"username": "asha", "role": "uploader", "at": __import__("time").time()}, **query)


def _shown(at: AppTest) -> str:
    """Everything a page shows as text: texts, metrics (with deltas), tables, charts' data."""
    parts = [texts(at)] + [f"{m.value} {m.proto.delta}" for m in at.metric]
    parts += [displayed(d).to_csv() for d in at.dataframe]
    parts += [str(c.proto.spec) for c in at.get("plotly_chart")]
    return "\n".join(parts)


def test_anonymous_map_shows_no_union_earnings():
    at = run("pages/map.py", opened=MAP_TABLE, lang="en", level="union", metric="earnings_paisa")
    table = displayed(at.dataframe[0])
    assert len(table) == 52 and set(table["Entrepreneurs' earnings (Tk)"]) == {"fewer than 3"}
    shown = _shown(at)
    assert "hidden: fewer than 3 entrepreneurs" in shown
    assert "fewer than 3 active entrepreneurs" in shown  # the notice says why
    drill = run("pages/map.py", opened=MAP_TABLE, lang="en", upazila="BD107914", metric="earnings_paisa")
    assert set(displayed(drill.dataframe[0])["Entrepreneurs' earnings (Tk)"]) == {"fewer than 3"}
    assert "Tk " not in " ".join(str(c.proto.spec) for c in drill.get("plotly_chart"))


def test_anonymous_one_day_link_reveals_no_one():
    at = run("pages/map.py", opened=MAP_TABLE, lang="en", level="union", metric="earnings_paisa",
             **{"from": "2022-08-01", "to": "2022-08-01"})
    assert set(displayed(at.dataframe[0])["Entrepreneurs' earnings (Tk)"]) <= {"fewer than 3", "No data"}


def test_anonymous_entrepreneurs_page_shows_upazila_not_union_earnings():
    at = run("pages/entrepreneurs.py", lang="bn")
    upazilas, unions = displayed(at.dataframe[0]), displayed(at.dataframe[1])
    assert len(upazilas) == 7 and upazilas["আয়"].str.endswith("টাকা").all()
    assert len(unions) == 52 and set(unions["আয়"]) == {"৩ জনের কম"}
    assert set(unions["উদ্যোক্তাপ্রতি গড় আয় (টাকা)"]) == {"৩ জনের কম"}


def test_anonymous_services_and_overview_show_no_small_group_earnings():
    services = run("pages/services.py", lang="en", **{"from": "2022-08-01", "to": "2022-08-01"})
    table = next(t for t in map(displayed, services.dataframe) if "Earnings" in t.columns)  # (not the phone's heat map)
    assert "fewer than 3" in set(table["Earnings"])
    overview = run(lang="en", upazila="BD107987", **{"from": "2022-08-01", "to": "2022-08-01"})
    earnings = next(m for m in overview.metric if m.label == "Entrepreneurs' earnings")
    assert earnings.value == "shown for whole quarters" and not earnings.proto.delta  # (a day's less another range's)


def test_staff_see_union_earnings():
    at = _staff("pages/map.py", opened=MAP_TABLE, lang="en", level="union", metric="earnings_paisa")
    assert displayed(at.dataframe[0])["Entrepreneurs' earnings (Tk)"].str.startswith("Tk").all()
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


def _staff_data_page() -> AppTest:
    """The Data page reached from the app by a signed-in uploader, in English."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.session_state["_auth"] = {"username": "asha", "role": "uploader", "at": __import__("time").time()}
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_staff_see_the_name_decisions_with_a_way_to_withdraw_one():
    from analytics.ingest import decisions
    from pages import resources

    resources.store().decide([decisions.make("service", "Misc online work", "UDC069")], actor="asha")
    at = _staff_data_page()
    assert "Names decided by staff" in texts(at)
    withdraw = next(s for s in at.selectbox if s.label.startswith("Withdraw a decision"))
    assert withdraw.options == ["Misc online work"]
    assert any(b.label == "Withdraw" for b in at.button)
    anonymous = run("pages/data.py", lang="en")
    assert "Names decided by staff" not in texts(anonymous)


# -- the Data page in the user's language (issue 12) --------------------------------------
@pytest.fixture
def own_store(tmp_path, monkeypatch):
    """A store of this test's own (rollbacks here must not change the module's store)."""
    from pages import resources

    monkeypatch.setenv("SEBA_ATLAS_STORE", str(tmp_path / "store"))
    resources.store.clear()
    yield resources.store()
    resources.store.clear()


def _real_upload(store, name: str = "pirojpur_q1.xlsx"):
    """A real file for FY 2022-23 Q1 (the sample's quarter): 40 delivery rows."""
    from analytics.reference.periods import quarter
    from analytics.reference.sample import generate

    rows = generate().filter(quarter(2022, 1).filter()).head(40)
    return store.commit(rows, file_name=name, content_hash="pirojpur-q1", uploader="asha")


def test_data_page_speaks_the_users_language(own_store):
    _real_upload(own_store)
    own_store.record("sign_in", actor="asha")
    at = _staff("pages/data.py", lang="bn")
    audit = displayed(at.dataframe[-1])
    times, details = audit["সময় (ঢাকা)"].tolist(), audit["বিস্তারিত"].tolist()
    assert times and not any(c.isascii() and c.isdigit() for t_ in times for c in t_), times
    assert not any("{" in d or "}" in d for d in details), details
    assert any("pirojpur_q1.xlsx" in d and "আপলোড" in d for d in details)
    uploads = displayed(at.dataframe[0])
    assert any("নমুনা" in f for f in uploads["ফাইল"])  # the sample, labelled as the sample
    for table in at.dataframe:  # every figure in Bengali digits
        for column in displayed(table).columns:
            cells = " ".join(str(v) for v in displayed(table)[column] if v is not None)
            if column not in ("আপলোড আইডি", "ফাইল", "যিনি করেছেন", "আপলোডকারী", "বিস্তারিত"):
                assert not any(c.isascii() and c.isdigit() for c in cells), (column, cells[:80])
    for select in at.selectbox:  # nothing chosen yet: a placeholder in the user's language
        if select.value is None:
            assert select.placeholder and "Choose an option" not in select.placeholder, select.key


def test_rollback_names_the_file_asks_and_says_what_changed(own_store):
    done = _real_upload(own_store)
    from analytics.reference.periods import quarter
    from analytics.report import history

    q1 = (2022, 1)
    shown_before = history.quarter_beneficiaries(own_store.scan(), [q1])[q1]
    assert shown_before == 40  # the real file took the sample's place in FY 2022-23 Q1, not added to it
    at = _staff("pages/data.py", lang="en")
    pick = at.selectbox(key="w_rollback")
    assert pick.value is None and pick.placeholder == "Choose an upload"
    option = pick.format_func(done.upload_id)  # options are plain text: never Markdown-escaped
    assert "\\" not in option
    assert "pirojpur_q1.xlsx" in option and "FY 2022-23 Q1" in option and "40 rows" in option and "asha" in option
    pick.set_value(done.upload_id).run()
    at.button(key="rollback_start").click().run()
    ask = " ".join(w.value for w in at.warning).replace("\\", "").replace("\u2060", "")  # Markdown, escaped
    assert "Roll back “pirojpur_q1.xlsx”?" in ask and "40 rows" in ask
    assert own_store.uploads().filter(pl.col("upload_id") == done.upload_id)["status"].item() == "active"
    at.button(key="rollback_yes").click().run()
    assert not at.exception, [e.message for e in at.exception]
    message = " ".join(s.value for s in at.success).replace("\\", "").replace("\u2060", "")
    after = history.quarter_beneficiaries(own_store.scan(), [q1])[q1]
    assert "Rolled back “pirojpur_q1.xlsx”" in message and quarter(*q1).label(lang="en") in message
    assert ("more" if after > 40 else "fewer") in message and f"version {own_store.version()}" in message
    assert after > 40  # the sample is back for that quarter
    assert own_store.uploads().filter(pl.col("upload_id") == done.upload_id)["status"].item() == "rolled_back"


def test_removing_the_sample_is_its_own_confirmed_action(own_store):
    at = _staff("pages/data.py", lang="en")
    assert any("The sample (reconstructed from the totals of the news report" in i.value for i in at.info)
    at.button(key="sample_start").click().run()
    assert any("Remove the sample" in w.value for w in at.warning)
    at.button(key="rollback_no").click().run()
    assert own_store.uploads()["status"].to_list() == ["active"]
    at.button(key="sample_start").click().run()
    at.button(key="rollback_yes").click().run()
    assert any("The sample was removed" in s.value for s in at.success)
    assert own_store.uploads()["status"].to_list() == ["rolled_back"]


# -- a date range through a month of monthly summaries ---------------------------------------
@pytest.mark.parametrize("page", ["pages/overview.py", "pages/map.py", "pages/services.py"])
@pytest.mark.parametrize("lang, left_out, counted", [
    ("en", "July 2022 is left out", "August 2022 is counted whole"),
    ("bn", "জুলাই ২০২২ বাদ পড়েছে", "আগস্ট ২০২২ পুরোটা ধরা হয়েছে"),
])
def test_a_range_through_months_of_summaries_says_what_it_counts(own_store, page, lang, left_out, counted):
    from datetime import date

    from analytics.reference import schema

    summaries = schema.conform(pl.DataFrame({  # a union's monthly summaries: the 1st of each month, no one named
        "date": [date(2022, 7, 1), date(2022, 8, 1)], "channel": ["udc", "udc"],
        "upazila_code": ["BD107914", "BD107914"], "union_code": ["BD10791411", "BD10791411"],
        "service_code": ["UDC001", "UDC001"], "service_category": ["CERT", "CERT"], "beneficiaries": [120, 64],
        "fee_paisa": [900_000, 480_000], "source_row": [2, 3]})).collect()
    own_store.commit(summaries, file_name="summary.csv", content_hash="summary", uploader="asha")
    at = _staff(page, lang=lang, **{"from": "2022-07-15", "to": "2022-08-14"})
    notices = " ".join(w.value for w in at.warning)
    assert left_out in notices and counted in notices
    whole = _staff(page, lang=lang, **{"from": "2022-07-01", "to": "2022-08-31"})
    assert left_out not in texts(whole) and counted not in texts(whole)


def test_a_quarter_chosen_puts_its_year_in_the_link():
    """A link copied from the address bar after choosing a quarter names the year it shows: without
    it, the same link would show the quarter of whichever year is the latest once a newer year is
    uploaded (the review's /map?q=3 showed "FY 2023-24 Q3 · No data")."""
    at = run(lang="en")
    at.selectbox(key="w_q.en").set_value(3).run()
    assert not at.exception
    assert (at.query_params["q"], at.query_params["fy"]) == ("3", "2022-23")


@pytest.mark.parametrize("lang, said", [("en", "applies to the map and the services"),
                                         ("bn", "মানচিত্র ও সেবার পাতায় প্রযোজ্য")])
def test_the_overview_says_its_figures_cover_both_channels_when_one_is_chosen(lang, said):
    assert said in texts(run(lang=lang, channel="front_desk"))
    assert said not in texts(run(lang=lang))


@pytest.mark.parametrize("lang, said", [("en", "The front desk serves at the DC office, in Pirojpur Sadar"),
                                         ("bn", "ফ্রন্ট ডেস্ক সেবা দেয় ডিসি অফিসে")])
def test_the_front_desk_in_another_upazila_is_not_called_missing_data(lang, said):
    at = run("pages/map.py", lang=lang, channel="front_desk", upazila="BD107958")  # Mathbaria
    assert said in texts(at) and not any("No data" in w.value or "ডেটা নেই" in w.value for w in at.warning)


def test_custom_dates_say_so_where_the_year_and_quarter_are_chosen():
    at = run(lang="en", session={"username": "asha", "role": "uploader", "at": __import__("time").time()},
             **{"from": "2022-07-10", "to": "2022-08-05"})  # (staff: the days as chosen)
    assert at.selectbox(key="w_fy.en").disabled and at.selectbox(key="w_q.en").disabled
    assert any("Shown: 10 July 2022 – 5 August 2022, the dates chosen below" in c.value for c in at.sidebar.caption)
    plain = run(lang="en")
    assert not plain.selectbox(key="w_fy.en").disabled


def test_staff_see_the_remembered_headings_and_can_forget_one():
    """The browser review's case: "প্রাপ্তি" chosen by mistake as the fee of one person applied to every
    later file, seen nowhere. The Data page lists what each heading is read as, and forgets one."""
    from pages import resources

    resources.store().remember_headers({"প্রাপ্তি": "unit_fee", "Service taken": "service"})
    at = _staff_data_page()
    assert "Column headings remembered from the upload page" in texts(at)
    forget = next(s for s in at.selectbox if s.label.startswith("Forget a heading"))
    assert forget.options == ["Service taken", "প্রাপ্তি"]
    assert any(b.label == "Forget" for b in at.button)  # (forgetting, in the browser: test_upload_browser)
    assert "Column headings remembered" not in texts(run("pages/data.py", lang="en"))  # staff only


def test_an_open_link_to_an_earlier_data_version_shows_no_earnings(tmp_path, monkeypatch):
    """The review: version 2 showed Tk 2,137 and version 3 Tk 2,457 to anyone, and the upload between
    them was one entrepreneur's file: Tk 320, one person's earnings. An open link pinned to an earlier
    version than the latest shows counts, not earnings; the latest, and staff, show them."""
    import hashlib

    from analytics.reference.sample import ensure_sample
    from analytics.store import LocalStore
    from pages import access, resources

    store = LocalStore(tmp_path / "store")
    ensure_sample(store)
    q1 = (store.scan().collect().filter(pl.col("date") < pl.date(2022, 10, 1))
          .with_columns(pl.col("date").dt.offset_by("1y"), pl.lit(None, pl.String).alias("upload_id")))
    for name, part in (("q1-most.xlsx", q1.filter(pl.col("union_code") != q1["union_code"].drop_nulls()[0])),
                       ("q1-one-union.xlsx", q1.filter(pl.col("union_code") == q1["union_code"].drop_nulls()[0]))):
        store.commit(part, file_name=name, content_hash=hashlib.sha256(part.write_ipc(None).getvalue()).hexdigest(),
                     uploader="asha")
    latest = store.version()
    monkeypatch.setenv("SEBA_ATLAS_STORE", str(tmp_path / "store"))
    for cached in (resources.store, access.settings, access.accounts):
        cached.clear()
    try:
        def earnings(**query: str) -> str:
            at = run(lang="en", fy="2023-24", q="1", **query)
            return next(m for m in at.metric if m.label == "Entrepreneurs' earnings").value

        assert earnings().startswith("Tk ")  # the latest: shown
        assert earnings(v=str(latest)).startswith("Tk ")  # pinned to the latest: shown
        assert earnings(v=str(latest - 1)) == "shown for the latest data"  # before the one union's file
        staff = run(lang="en", fy="2023-24", q="1", v=str(latest - 1),
                    session={"username": "asha", "role": "uploader", "at": __import__("time").time()})
        assert next(m for m in staff.metric if m.label == "Entrepreneurs' earnings").value.startswith("Tk ")
        table = run("pages/map.py", lang="en", fy="2023-24", q="1", v=str(latest - 1), metric="earnings_paisa",
                    opened=MAP_TABLE)
        column = displayed(table.dataframe[0])["Entrepreneurs' earnings (Tk)"]
        assert not column.astype(str).str.startswith("Tk").any(), column.to_list()
        assert any("earlier version of the data" in c.value for c in table.caption)
    finally:
        for cached in (resources.store, access.settings, access.accounts):
            cached.clear()


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_a_link_to_a_data_version_the_app_does_not_have_says_so(lang):
    """The review: ?v=999 was kept without a word, and the page said it showed the version pinned."""
    at = run(lang=lang, v="999")
    said = [w.value for w in at.warning]
    head = i18n.t("notice.pinned_missing", lang, asked=999, latest=0).split("(")[0]  # (the latest: the module's store)
    assert any(text.startswith(head) for text in said), said
    assert not any(i18n.number(999, lang=lang) in c.value for c in at.caption)  # (not "version 999 pinned")
