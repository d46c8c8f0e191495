"""Command-line tools, the bundled Upbit simulator and benchmarks for upbit-actors."""
