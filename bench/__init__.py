"""Benchmarks, run with `make bench`. Each prints ratios against a baseline measured in
the same run, since the machines are shared and absolute times drift."""
