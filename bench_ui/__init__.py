"""UI benchmark: page render times in headless Chromium against a bare Streamlit app (`python -m bench_ui`)."""
