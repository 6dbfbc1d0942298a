"""URL state (issue 10): bad parameters fall back to defaults with a notice; share links are
URL-encoded and read back unchanged; custom dates are widened to whole months for viewers."""

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from analytics import i18n
from analytics.report.viewstate import ViewState
from tests.helpers import APP, TIMEOUT


@pytest.mark.parametrize(("query", "rejected"), [
    ({"fy": "9999-00"}, ("fy",)),
    ({"fy": "1900-01"}, ("fy",)),
    ({"fy": "soon"}, ("fy",)),
    ({"from": "0001-01-01", "to": "9999-12-31"}, ("from", "to")),
    ({"from": "2023-01-31", "to": "2022-07-01"}, ("from", "to")),  # backwards
    ({"from": "2022-07-01"}, ("from",)),  # half a range
    ({"compare": "last-week"}, ("compare",)),
    ({"q": "7"}, ("q",)),
    ({"upazila": "<script>"}, ("upazila",)),
    ({"metric": "x"}, ("metric",)),
    ({"v": "-1"}, ("v",)),
    ({"v": "0"}, ("v",)),
    ({"lang": "fr"}, ("lang",)),
    ({"channel": "post"}, ("channel",)),
    ({"level": "village"}, ("level",)),
])
def test_bad_parameters_fall_back_to_defaults(query, rejected):
    state, left_out = ViewState.parse(query)
    assert left_out == rejected
    assert state == ViewState()


def test_good_parameters_are_kept_and_unknown_keys_ignored():
    query = {"lang": "en", "fy": "2022-23", "q": "2", "channel": "udc", "upazila": "BD107914", "level": "union",
             "metric": "earnings_paisa", "v": "3", "present": "1", "search": "Rina", "embed": "true"}
    state, left_out = ViewState.parse(query)
    assert left_out == ()
    assert state.to_query() == {k: v for k, v in query.items() if k != "embed"}
    assert ViewState.from_query(query) == state


@pytest.mark.parametrize("search", ["Rina & Sons", "A#1", "what? now=yes", "রিনা এন্টারপ্রাইজ & সন্স", "50% + 5"])
def test_share_links_round_trip(search):
    state = ViewState(lang="en", fy=2022, q=1, search=search, upazila="BD107914", compare="year")
    link = state.link("http://127.0.0.1:8501/entrepreneurs")
    parts = urlsplit(link)
    assert parts.fragment == "" and parts.path == "/entrepreneurs"
    assert ViewState.parse(parse_qs(parts.query, keep_blank_values=True)) == (state, ())
    assert ViewState().link("http://h/") == "http://h/"


def test_whole_months():
    state = ViewState(start=date(2023, 2, 10), end=date(2024, 2, 3))
    assert state.whole_months() == ViewState(start=date(2023, 2, 1), end=date(2024, 2, 29))
    assert ViewState(fy=2022).whole_months() == ViewState(fy=2022)


# -- in the app ------------------------------------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def environment(app_environment):
    """The app's tests here share one store and accounts file (tests/conftest.py)."""


def run(page: str | None = None, staff: bool = False, **query: str) -> AppTest:
    """The app opened on a link: ``page`` with ``query`` (a deep link, in one run)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    if staff:
        at.session_state["_auth"] = {"username": "asha", "role": "uploader", "at": __import__("time").time()}
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("query", [
    {"fy": "9999-00"}, {"from": "0001-01-01", "to": "9999-12-31"}, {"q": "7"}, {"upazila": "<script>"},
    {"upazila": "BD999999"}, {"metric": "x"}, {"v": "-1"}, {"lang": "fr"},
])
@pytest.mark.parametrize("page", [None, "pages/map.py", "pages/entrepreneurs.py"])
def test_bad_links_show_the_default_view_with_a_notice(query, page):
    at = run(page, **query)
    assert any("এই লিংকের কিছু অংশ" in toast.value for toast in at.toast), [t.value for t in at.toast]
    for name in query:
        assert name not in at.query_params  # left out of the URL too
    if page is None:
        assert any("১,২৪,০৮০" in m.value for m in at.metric)  # the latest fiscal year, as by default


def test_notice_in_english():
    at = run(lang="en", q="9")
    assert any("Part of this link could not be used" in t.value and "Quarter" in t.value for t in at.toast)


def test_custom_dates_widened_to_whole_months_for_viewers():
    at = run(lang="en", **{"from": "2022-07-10", "to": "2022-08-05"})
    assert any("whole months" in t.value and "1 July 2022" in t.value and "31 August 2022" in t.value
               for t in at.toast)
    assert at.query_params["from"] in ("2022-07-01", ["2022-07-01"])
    assert at.query_params["to"] in ("2022-08-31", ["2022-08-31"])
    assert "1 July 2022 – 31 August 2022" in "\n".join(str(m.value) for m in [*at.markdown, *at.caption, *at.subheader])


def test_staff_keep_their_exact_days():
    at = run(lang="en", staff=True, **{"from": "2022-07-10", "to": "2022-08-05"})
    assert not any("whole months" in t.value for t in at.toast)
    assert at.query_params["from"] in ("2022-07-10", ["2022-07-10"])


def test_every_access_string_in_both_languages():
    for key in ("access.url_ignored", "access.whole_months"):
        assert i18n.t(key, "en", names="q", start="a", end="b") != i18n.t(key, "bn", names="q", start="a", end="b")


@pytest.mark.parametrize("lang, said", [("en", "Fiscal year, Quarter, Channel"), ("bn", "অর্থবছর, প্রান্তিক, সেবাকেন্দ্র")])
def test_a_links_unusable_parts_are_named_as_the_sidebar_names_them(lang, said):
    at = run(lang=lang, fy="bogus", q="9", channel="nope")
    notice = " ".join(t.value for t in at.toast)
    assert said in notice and "fy, q" not in notice, notice


@pytest.mark.parametrize(("base", "link"), [
    ("http://localhost:8501", "http://localhost:8501/?lang=en"),  # (the review's brief: no "/" before the query)
    ("https://atlas.pirojpur.gov.bd/", "https://atlas.pirojpur.gov.bd/?lang=en"),
    ("https://example.org/atlas/map", "https://example.org/atlas/map?lang=en"),
])
def test_a_link_from_a_host_alone_opens_its_root_page(base, link):
    assert ViewState(lang="en").link(base) == link
