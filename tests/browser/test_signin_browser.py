"""Staff sign-in survives a reload and a link opened in the same browser (issue 10), and ends
on sign-out or a password change. Uses accounts of its own, so other tests' sessions are untouched."""

import time

from analytics.auth import GLOBAL_FAILURES, Accounts
from tests.browser.conftest import open_page, sign_in, wait_idle

COOKIE = "seba_atlas_session"


def _account(app, name: str, password: str) -> str:
    accounts = Accounts(app.base / "users.sqlite")
    if not accounts.role_of(name):
        accounts.add(name, password, role="uploader")
    else:
        accounts.set_password(name, password)
    return password


def _signed_in_as(page, name: str) -> None:
    page.wait_for_function(f"() => document.body.innerText.includes('Signed in as {name}')")


def _session_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == COOKIE), None)


def _wait_for_cookie(page, present: bool) -> None:
    page.wait_for_function(f"() => document.cookie.includes('{COOKIE}=') === {str(present).lower()}")


def test_reload_keeps_staff_signed_in_until_sign_out(page, app):
    password = _account(app, "nadia", "nadia's long password")
    sign_in(page, app, "nadia", password)
    _signed_in_as(page, "nadia")
    _wait_for_cookie(page, True)
    cookie = _session_cookie(page.context)
    assert cookie["sameSite"] == "Strict" and cookie["path"] == "/" and not cookie["secure"]  # http here
    assert password not in cookie["value"]

    page.reload()
    wait_idle(page)
    _signed_in_as(page, "nadia")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_function("() => !document.body.innerText.includes('Signed in as')")
    _wait_for_cookie(page, False)
    page.reload()
    wait_idle(page)
    page.get_by_text("Staff sign-in").wait_for()
    assert "Signed in as" not in page.inner_text("body")


def test_a_link_opened_in_a_new_tab_keeps_the_sign_in(page, app):
    password = _account(app, "tania", "tania's long password")
    sign_in(page, app, "tania", password)
    _signed_in_as(page, "tania")
    _wait_for_cookie(page, True)
    link = app + "/entrepreneurs?lang=en&search=" + "Rina%20%26%20Sons"
    tab = page.context.new_page()
    open_page(tab, link)
    _signed_in_as(tab, "tania")
    assert tab.get_by_label("Search by name, ID, union or upazila").input_value() == "Rina & Sons"
    tab.close()


def test_a_token_from_before_a_password_change_no_longer_works(browser, page, app):
    password = _account(app, "farid", "farid's long password")
    sign_in(page, app, "farid", password)
    _signed_in_as(page, "farid")
    _wait_for_cookie(page, True)
    cookie = _session_cookie(page.context)

    copied = browser.new_context()  # the same cookie in another browser works, until...
    other = copied.new_page()
    copied.add_cookies([{"name": COOKIE, "value": cookie["value"], "url": app}])
    open_page(other, app + "/?lang=en")
    _signed_in_as(other, "farid")

    Accounts(app.base / "users.sqlite").set_password("farid", "a changed long password")
    open_page(other, app + "/?lang=en")  # ... the password changes
    other.get_by_text("Staff sign-in").wait_for()
    assert "Signed in as" not in other.inner_text("body")
    # the open tab of the first browser is signed out at its next run too
    page.reload()
    wait_idle(page)
    page.get_by_text("Staff sign-in").wait_for()
    assert "Signed in as" not in page.inner_text("body")
    copied.close()


def test_a_browser_that_signed_in_before_is_not_held_up_while_others_guess(browser, page, app):
    """Someone guessing from everywhere spends the global budget: a new browser waits, this one does not."""
    password = _account(app, "mitu", "mitu's long password")
    sign_in(page, app, "mitu", password)
    _signed_in_as(page, "mitu")
    page.wait_for_function("() => document.cookie.includes('seba_atlas_staff_device=')")
    mark = next(c for c in page.context.cookies() if c["name"] == "seba_atlas_staff_device")
    assert mark["sameSite"] == "Strict" and mark["expires"] - time.time() > 170 * 86_400
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_function("() => !document.body.innerText.includes('Signed in as')")
    accounts = Accounts(app.base / "users.sqlite")
    accounts._clear(["signin:*"])  # (wrong tries of the app's other tests count towards the same budget)
    try:
        for i in range(GLOBAL_FAILURES):  # one guess from each of many addresses
            assert accounts.sign_in("mitu", f"guess {i}", client=f"ip:10.9.{i // 250}.{i % 250}").reason == "bad_credentials"
        fresh = browser.new_context()
        other = fresh.new_page()
        sign_in(other, app, "mitu", password)
        other.get_by_text("Too many wrong tries").wait_for()
        fresh.close()
        sign_in(page, app, "mitu", password)  # the same browser, its mark read back from the cookie
        _signed_in_as(page, "mitu")
    finally:
        accounts._clear(["signin:*"])  # (the app's other tests sign in too)


def test_staff_download_the_entrepreneurs_made_when_asked(page, app):
    """Names and earnings are made into a file only when the button is clicked: no download address
    holds them beforehand (one that would outlive a sign-out)."""
    import csv
    import io

    sign_in(page, app, "asha")
    _signed_in_as(page, "asha")
    _wait_for_cookie(page, True)
    open_page(page, app + "/entrepreneurs?lang=en&fy=2022-23")
    page.get_by_role("button", name="Download CSV").wait_for()
    assert page.locator("a[href*='/media/']").count() == 0
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert download.value.suggested_filename == "entrepreneurs-2022-23.csv"
    assert len(rows) - 1 == 104 and len({row[0] for row in rows[1:]}) == 104, rows[:3]  # every entrepreneur, once
    with page.expect_download() as workbook:
        page.get_by_role("button", name="Download Excel").click()
    assert workbook.value.path().read_bytes()[:2] == b"PK"
