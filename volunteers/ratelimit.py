"""A fixed-window rate limit in the shared cache (Redis in production)."""

import time

from django.core.cache import cache


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit; False once ``key`` has had more than ``limit`` in this window."""
    bucket = int(time.time() // window_seconds)
    cache_key = f"rl:{key}:{bucket}"
    # add() is atomic in Redis and locmem: the first hit of a window creates the counter.
    if cache.add(cache_key, 1, timeout=window_seconds + 1):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, timeout=window_seconds + 1)
        return True
    return count <= limit
