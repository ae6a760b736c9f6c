"""Benchmarks: ``make bench`` runs ``bench.run``; figures land in ``bench/results.json``."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
