"""Seba Atlas: Pirojpur district's digital services on a map, in Bengali and English.

Navigation, page config, sidebar and language only; each page lives in pages/.
"""

from pathlib import Path

import streamlit as st

# First, before anything a page does: importing pages.warmup warms the process up once (the
# imports and conversions pages would otherwise do for the first time in many sessions at once,
# racing each other after a restart); every other session waits on the import lock meanwhile.
import pages.warmup  # noqa: F401  (the warm-up runs at import)
from pages import access, navigation, render, run, sidebar, state

with run.script_run():  # what is read once per run (see pages.run.script_run)
    st.set_page_config(page_title="Seba Atlas · সেবা অ্যাটলাস", page_icon=str(Path(__file__).with_name("static") / "favicon.png"),
                       layout="wide")

    current = state.current()
    render.style()
    access.require_viewer(lang=current.lang)
    render.notices()  # a link's unusable parameters, dates widened to whole months: said once
    page = st.navigation(navigation.pages(), position="hidden" if current.present else "sidebar")
    if current.present:
        st.button(state.t("present.exit"), key="exit_present", on_click=state.update, kwargs={"present": False})
    else:
        sidebar.sidebar()
        access.sign_in_box(lang=current.lang)
    run.run_page(page)
