"""Load benchmarks (see bench/README.md)."""
