"""Build tools, not part of the running dashboard: the sample generator (`python -m tools.sample`),
the synthetic province for benchmarks (`python -m tools.province`) and the boundary build
(`python -m tools.boundaries`). They may import the library; the library never imports them."""
