"""The floor of the UI benchmark: a bare one-line Streamlit app."""

import streamlit as st

st.write("hello")
