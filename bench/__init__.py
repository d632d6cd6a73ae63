"""Benchmark: the tracker's Polars metrics against a straightforward pandas baseline on BACI-shaped data."""
