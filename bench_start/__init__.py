"""Start-up benchmark: `make run` to the first HTTP 200 on a current store, against a bare Streamlit app."""
