"""The benchmark's arithmetic: medians, percentiles, the interleaved schedule, paired ratios.

Pure functions (tests/bench/test_bench_smoke.py).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable


def median(values: Iterable[float]) -> float:
    values = list(values)
    if not values:
        raise ValueError("median of nothing")
    return float(statistics.median(values))


def percentile(values: Iterable[float], q: float) -> float:
    """The nearest-rank percentile (``q`` in 0–100): a value that was actually observed."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of nothing")
    if not 0 <= q <= 100:
        raise ValueError(q)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil without floats drifting
    return float(ordered[int(rank) - 1])


def interleave(kinds: Iterable[str], rounds: int) -> list[tuple[int, str]]:
    """Every kind once per round, the order rotating so none always runs first (or last)."""
    kinds = list(kinds)
    schedule = []
    for number in range(rounds):
        shift = number % len(kinds) if kinds else 0
        schedule.extend((number, kind) for kind in kinds[shift:] + kinds[:shift])
    return schedule


def paired_ratios(measured: list[float], reference: list[float]) -> list[float]:
    """Round by round, measured ÷ its reference of the same round."""
    if len(measured) != len(reference):
        raise ValueError("rounds differ")
    return [m / r for m, r in zip(measured, reference, strict=True) if r > 0]
