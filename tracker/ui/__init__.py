"""Streamlit user interface: pages render what tracker functions return; they never fetch or compute metrics."""
