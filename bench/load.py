"""The load generator: many requests in flight through aiohttp, counted into a ``Phase``."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def forwarded_ip(n: int) -> str:
    """A distinct client address for the n-th phone, inside loopback (127.0.0.0/8)."""
    n += 1 << 16  # keep clear of 127.0.0.x
    return f"127.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


@dataclass
class Phase:
    kind: str
    ok: int = 0
    failed: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0


async def _drive(
    kind: str,
    request: Callable[[int], tuple[str, dict[str, str]] | tuple[str, dict[str, str], bytes]],
    accept: Callable[[int, dict, bytes], bool],
    *,
    seconds: float,
    concurrency: int,
    budget: int | None,
) -> Phase:
    # aiohttp comes with the bench extra only (pyproject): imported here, when a phase runs,
    # so bench's other modules (and tests/bench) import without it.
    import aiohttp

    phase = Phase(kind)
    numbers = itertools.count()
    # No cookie jar: every anonymous request is a new visitor; a check-in sends its own.
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar(), timeout=timeout
    ) as session:
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                number = next(numbers)
                if budget is not None and number >= budget:
                    return
                # (url, headers) is a GET; (url, headers, body) a POST of that body.
                url, headers, *payload = request(number)
                method, data = ("POST", payload[0]) if payload else ("GET", None)
                sent = time.perf_counter()
                try:
                    async with session.request(
                        method, url, headers=headers, data=data, allow_redirects=False
                    ) as response:
                        body = await response.read()
                        status, response_headers = response.status, dict(response.headers)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    phase.failed += 1
                    phase.failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                phase.latencies.append(time.perf_counter() - sent)
                if accept(status, response_headers, body):
                    phase.ok += 1
                else:
                    phase.failed += 1
                    phase.failures.append(f"{status} {body[:160]!r}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        phase.elapsed = time.perf_counter() - started
    return phase


def drive(kind, request, accept, *, seconds, concurrency, budget=None) -> Phase:
    return asyncio.run(
        _drive(kind, request, accept, seconds=seconds, concurrency=concurrency, budget=budget)
    )
