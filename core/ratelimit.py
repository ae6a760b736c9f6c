"""A fixed-window rate limit in the shared cache (Redis in production)."""

import time
from collections.abc import Iterable, Sequence

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# (the real key, the limit, the window in seconds)
_Window = tuple[str, int, int]


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit; False once ``key`` has had more than ``limit`` in this window."""
    return hit_all([(key, limit, window_seconds)])


def hit_all(limits: Iterable[tuple[str, int, int]]) -> bool:
    """Count one hit on each ``(key, limit, window_seconds)``; False if any is over.

    Every key is counted, even when an earlier one is already over its limit. On Redis
    all the counters move in one round trip (a scan counts the person and the address).
    """
    now = time.time()
    windows = [(f"rl:{key}:{int(now // window)}", limit, window) for key, limit, window in limits]
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        counts = _count_in_redis_or_here(cache, windows)
    else:
        counts = _count(cache, windows)
    return all(
        count <= limit for count, (_key, limit, _window) in zip(counts, windows, strict=True)
    )


def count(key: str, *, window_seconds: int) -> int:
    """How many hits ``key`` has had in this window, without counting one.

    For limits on failures: look before the attempt, ``hit()`` only when it fails.
    """
    # The counter hit_all() keeps for this window (Redis integers read back as ints).
    value = caches["default"].get(f"rl:{key}:{int(time.time() // window_seconds)}")
    return int(value or 0)


def _count_in_redis_or_here(cache: RedisCache, windows: Sequence[_Window]) -> list[int]:
    # Redis away: the cache (config.cache) counts rl: keys in this process meanwhile, so
    # each web process allows the limit on its own. Refusing would lock everyone out of
    # check-in; not counting would let a flood of scans or guesses through.
    if getattr(cache, "answering", True):
        try:
            return _count_in_redis(cache, windows)
        except (RedisConnectionError, RedisTimeoutError) as error:
            if not hasattr(cache, "report_unanswered"):
                raise
            cache.report_unanswered(error)
    return _count(cache, windows)


def _count_in_redis(cache: RedisCache, windows: Sequence[_Window]) -> list[int]:
    # INCR creates a missing counter at 1; EXPIRE NX starts its clock only then. Django
    # stores integers as plain Redis integers, so cache.get() reads these counters too.
    pipe = cache._cache.get_client(write=True).pipeline(transaction=False)
    for key, _limit, window in windows:
        real_key = cache.make_and_validate_key(key)
        pipe.incr(real_key)
        pipe.expire(real_key, window + 1, nx=True)
    return pipe.execute()[::2]


def _count(cache: BaseCache, windows: Sequence[_Window]) -> list[int]:
    counts = []
    for key, _limit, window in windows:
        # add() is atomic in locmem too: the first hit of a window creates the counter.
        if cache.add(key, 1, timeout=window + 1):
            counts.append(1)
            continue
        try:
            counts.append(cache.incr(key))
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=window + 1)
            counts.append(1)
    return counts
