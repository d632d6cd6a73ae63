"""The floor of the start-up benchmark: a bare one-line Streamlit app."""

import streamlit as st

st.write("hello")
