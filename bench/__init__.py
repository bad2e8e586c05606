"""Benchmarks: `make bench` (or `python -m bench`). Figures and ratios measured side by side."""
