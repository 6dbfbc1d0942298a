"""What the server process opens once and every session shares: the ``[seba_atlas]`` secrets,
the store (as the :class:`analytics.store.Store` protocol: pages never depend on a backend) and
the gazetteer.
"""

from __future__ import annotations

import os

import streamlit as st

from analytics.reference.gazetteer import Gazetteer
from analytics.reference.sample import ensure_sample
from analytics.store import Store, open_store


def secrets() -> dict[str, str]:
    """The ``[seba_atlas]`` table of Streamlit secrets (empty when there are none)."""
    try:
        return {k: str(v) for k, v in st.secrets.get("seba_atlas", {}).items()}
    except FileNotFoundError:
        return {}


def config() -> dict[str, str]:
    """The settings: environment variables, overridden by the ``[seba_atlas]`` secrets when both
    name one (the store, the accounts and sign-in all read this one mapping)."""
    return dict(os.environ) | secrets()


@st.cache_resource
def store() -> Store:
    """The store ``SEBA_ATLAS_STORE`` names (a directory, or the shared store's postgresql:// URL with
    ``SEBA_ATLAS_OBJECTS`` and the ``AWS_*`` keys), as :func:`config` gives them; the default
    store else. The bundled sample is put in when it has never had an upload."""
    opened = open_store(env=config())
    ensure_sample(opened)
    return opened


@st.cache_resource
def gazetteer() -> Gazetteer:
    return Gazetteer.load()
