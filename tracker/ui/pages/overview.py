"""Overview placeholder: the product-group dashboards of a later issue land here."""

import polars as pl
import streamlit as st

from tracker.ui import data
from tracker.ui.i18n import t
from tracker.ui.state import current_language

lang = current_language()
st.title(t("page_overview", lang))
st.info(t("dashboards_coming", lang))
st.subheader(t("groups_configured", lang))
groups = data.config().groups
st.dataframe(
    pl.DataFrame(
        {
            "id": [g.id for g in groups],
            "name": [g.name(lang) for g in groups],
            "hs_codes": [", ".join(g.hs_codes) for g in groups],
        }
    ),
    hide_index=True,
    width="stretch",
)
