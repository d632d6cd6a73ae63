"""Shared page state kept in the URL query parameters, so a view survives a reload and can be shared."""

from __future__ import annotations

import streamlit as st

from tracker.ui.i18n import LANGUAGES


def current_language() -> str:
    lang = st.query_params.get("lang", "en")
    return lang if lang in LANGUAGES else "en"


def language_switch() -> str:
    """A sidebar language selector bound to `?lang=`."""
    lang = current_language()
    choice = st.sidebar.radio(
        "Language / 语言", list(LANGUAGES), index=list(LANGUAGES).index(lang),
        format_func=LANGUAGES.__getitem__, horizontal=True, key="lang_switch",
    )
    if choice != lang:
        st.query_params["lang"] = choice
    return choice
