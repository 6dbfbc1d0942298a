"""Seba Atlas: Pirojpur district's digital services on a map, in Bengali and English.

Navigation, page config, sidebar and language only; each page lives in pages/.
"""

from pathlib import Path

import streamlit as st

# First, before anything a page does: importing pages.common warms the process up once (the
# imports and conversions pages would otherwise do for the first time in many sessions at once,
# racing each other after a restart); every other session waits on the import lock meanwhile.
from pages import common

with common.script_run():  # what is read once per run (see pages.common.script_run)
    st.set_page_config(page_title="Seba Atlas · সেবা অ্যাটলাস", page_icon=str(Path(__file__).with_name("static") / "favicon.png"),
                       layout="wide")

    state = common.state()
    common.style()
    common.require_viewer()
    common.notices()  # a link's unusable parameters, dates widened to whole months: said once
    t = common.t
    page = st.navigation(common.pages(), position="hidden" if state.present else "sidebar")
    if state.present:
        st.button(t("present.exit"), key="exit_present", on_click=common.update, kwargs={"present": False})
    else:
        common.sidebar()
        common.sign_in_box()
    common.run_page(page)
