"""Cached read paths for the app, keyed on small arguments (never on frames)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from tracker.config import Config, load_config
from tracker.status import holds_sample, source_status, table_status
from tracker.store import Store

CACHE_TTL_SECONDS = 300


@st.cache_resource
def config() -> Config:
    return load_config()


def store() -> Store:
    return Store()


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def store_tables(root: str) -> pl.DataFrame:
    return table_status(Store(root))


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def store_sources(root: str) -> pl.DataFrame:
    return source_status(Store(root))


@st.cache_data(ttl=CACHE_TTL_SECONDS)
def shows_sample(root: str) -> bool:
    return holds_sample(Store(root))
