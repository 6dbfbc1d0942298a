"""The app's pages (app.py's navigation), and the first line of every page."""

from __future__ import annotations

import streamlit as st

from pages import run, state


def pages() -> list:
    """The app's pages (app.py's navigation), titled in the user's language.

    No page icons: Streamlit's frontend shows a page's Material icon as the tab's icon by fetching
    it from fonts.gstatic.com (its own copy of the font has no favicons), a request to Google from
    every viewer's browser that an offline meeting room also waits on; the app's own favicon
    (set_page_config) is used instead."""
    t = state.t
    return [
        st.Page("pages/overview.py", title=t("nav.overview"), url_path="overview",
                default=True),
        st.Page("pages/map.py", title=t("nav.map"), url_path="map"),
        st.Page("pages/entrepreneurs.py", title=t("nav.entrepreneurs"),
                url_path="entrepreneurs"),
        st.Page("pages/services.py", title=t("nav.services"), url_path="services"),
        st.Page("pages/upload.py", title=t("nav.upload"), url_path="upload"),
        st.Page("pages/data.py", title=t("nav.data"), url_path="data"),
    ]


def guard() -> None:
    """First line of every page.

    Streamlit 1.67 runs a page file directly (without app.py) on the very first request after a
    server start when the app has a ``pages/`` folder: its old "v1" multipage mode, which it
    keeps on until a script calls ``st.navigation`` (streamlit/runtime/pages_manager.py, and
    ``st.navigation``'s own docstring: calling it "disables the use of the pages feature").
    So a page run that did not come through app.py calls ``st.navigation`` itself, the public
    way to end that mode, and reruns: app.py then runs and shows the same page. (A browser
    test opens a fresh server on a deep link to keep this honest.)
    """
    if not run.in_app():
        st.navigation(pages(), position="hidden")
        st.rerun()
