"""make bench: the benchmark suite (docs/performance.md)."""
