"""Subcommands of `python -m tracker`, one module each (see tracker/cli.py)."""
