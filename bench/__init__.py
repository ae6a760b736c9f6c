"""Benchmarks: ``make bench`` runs ``bench.run``; figures land in ``bench/results.json``."""
