"""What the servers spend under load: their workers' peak memory and where the CPU went."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from bench.servers import Server
from bench.stats import median


def status_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


class PeakRss:
    """Samples the peak RSS (VmHWM) of a server's workers while ``active`` is set.

    Workers are recycled after --max-requests, so they are looked up at every sample.
    """

    def __init__(self, server: Server, interval: float = 0.1):
        self.server = server
        self.interval = interval
        self.active = threading.Event()
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.active.is_set():
                for pid in self.server.workers():
                    self.peak_kb = max(self.peak_kb, status_kb(pid, "VmHWM"))
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def pids_named(name: str) -> list[int]:
    """Processes whose command name is ``name`` (PostgreSQL's backends, the Redis server)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{entry}/comm").read_text().strip() == name:
                    found.append(int(entry))
    return found


def cpu_ticks(pids: Iterable[int]) -> dict[int, int]:
    """User + system CPU clock ticks of each process still alive."""
    ticks = {}
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
            ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


class CpuSplit:
    """Where a phase's CPU went, in milliseconds per request: our gunicorn (master and
    workers), PostgreSQL, Redis and the load generator itself.

    Read from /proc before and after the phase. A worker recycled by --max-requests
    during the phase takes its ticks with it, so such a phase is left out (``None``).
    """

    def __init__(self, server: Server):
        self.server = server
        self.tick_ms = 1000 / os.sysconf("SC_CLK_TCK")

    def groups(self) -> dict[str, list[int]]:
        return {
            "gunicorn": [self.server.process.pid, *self.server.workers()],
            "postgres": pids_named("postgres"),
            "redis": pids_named("redis-server"),
            "client": [os.getpid()],
        }

    def start(self) -> dict[str, dict[int, int]]:
        return {group: cpu_ticks(pids) for group, pids in self.groups().items()}

    def per_request(self, before: dict[str, dict[int, int]], requests: int):
        if not requests:
            return None
        split = {}
        for group, ticks in before.items():
            after = cpu_ticks(ticks)
            if len(after) < len(ticks) and group == "gunicorn":
                return None  # a worker was recycled mid-phase
            spent = sum(after[pid] - ticks[pid] for pid in after)
            split[group] = spent * self.tick_ms / requests
        return split


def median_split(splits: list) -> dict[str, float] | None:
    """Group by group, the median over the phases that could be read whole."""
    whole = [split for split in splits if split]
    if not whole:
        return None
    split = {group: round(median(s[group] for s in whole), 2) for group in whole[0]}
    split["total"] = round(sum(split.values()), 2)
    split["phases"] = len(whole)
    return split
