"""Benchmarks: each compares AOS-Py with a peer in the same run and reports ratios."""
