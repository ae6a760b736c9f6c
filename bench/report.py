"""What ``make bench`` leaves behind: ``bench/results.json`` and the printed tables."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
from pathlib import Path

from bench import ROOT

RESULTS_PATH = ROOT / "bench" / "results.json"

# The keys issue 8 asks for, in its order, with unit and target (for the table).
FIGURES = (
    ("checkin_rps", "req/s", None),
    ("bare_rps", "req/s", None),
    ("checkin_ratio", "×bare", ("≥", 0.5)),
    ("checkin_p50_ms", "ms", None),
    ("checkin_p99_ms", "ms", None),
    ("api_checkin_ratio", "×/c/", ("≤", 1.0)),  # CPU per scan, API ÷ web (issue 19)
    ("ranking_ms_1k", "ms", None),
    ("ranking_ms_100k", "ms", ("≤", 30)),
    ("ranking_ratio", "×", ("≤", 2)),
    ("dashboard_chart_ms", "ms", ("≤", 100)),  # 全镇概况's slowest chart at 100k (issue 16)
    ("home_uncached_ratio", "×bare", None),
    ("home_cached_ratio", "×bare", ("≥", 0.7)),
    ("qr_svg_ms", "ms", None),
    ("qr_png_ms", "ms", None),
    ("worker_peak_rss_mb", "MB", None),
)


def merge_results(path: Path, new: dict) -> dict:
    """Read-modify-write ``path``: our keys replaced, everyone else's kept.

    The ranking benchmark writes the same file; the temporary file and the rename make
    each write whole, so a reader never sees half a file.
    """
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        current = {}
    if not isinstance(current, dict):
        current = {}
    current.update(new)
    merged = dict(sorted(current.items()))
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return merged


def format_table(results: dict) -> str:
    """The figures of issue 8 as a table; a target that does not hold says so."""
    lines = [f"{'figure':<22} {'value':>12}  {'unit':<6} target", "-" * 56]
    for key, unit, target in FIGURES:
        value = results.get(key)
        if not isinstance(value, int | float):
            lines.append(f"{key:<22} {'—':>12}  {unit:<6} {'not measured'}")
            continue
        verdict = ""
        if target is not None:
            op, bound = target
            holds = value >= bound if op == "≥" else value <= bound
            verdict = f"{op} {bound}  {'ok' if holds else 'MISSED'}"
        lines.append(f"{key:<22} {value:>12.2f}  {unit:<6} {verdict}")
    return "\n".join(lines)


def format_split(split: dict) -> str:
    """CPU ms per request by process group: the check-in, the bare view, the scans again."""
    lines = ["", "CPU ms per request (median of the phases read whole)"]
    groups = ("gunicorn", "postgres", "redis", "client", "total")
    lines.append(f"{'':<14}" + "".join(f"{group:>10}" for group in groups))
    for kind in ("checkin", "bare", "checkin_again", "api_checkin"):
        row = split.get(kind)
        if not row:
            lines.append(f"{kind:<14} not measured")
            continue
        lines.append(f"{kind:<14}" + "".join(f"{row.get(group, 0):>10.2f}" for group in groups))
    return "\n".join(lines)


def machine() -> dict[str, str | int]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count() or 0,
        "cpu": cpu or platform.processor(),
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
