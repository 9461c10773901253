"""envman benchmarks: `python bench/run.py` runs them all and prints a markdown table."""
