"""One module per scenario; `bench.run` runs them in order on one report."""
