"""Django's Redis cache, keeping one client per connection pool, and carrying on without Redis.

One client per pool: Django's ``RedisCacheClient.get_client`` builds a new
``redis.Redis`` for every cache call, and redis-py fills a table of some 170 response
callbacks each time. On an anonymous request that is two calls (the page cache looks up
the content version, then the page), on a check-in three (two rate limits, the site
chrome); profiling the benchmark's bare view under gunicorn showed the constructor as the
largest single cost after the network itself. A client holds no connection of its own
(each command borrows one from the pool), so one per pool serves every thread, and the
pool already handles a fork.

Without Redis: when Redis does not answer (refused, reset, or silent past the short
socket timeouts below), a read is a miss and a write is dropped, so every user of the
cache falls back to what it does on a miss: the page cache renders the page, sessions
(``cached_db``) read the database, the unread badge counts. Failing instead would turn
a cache outage into a site outage. Two refinements:

- Counters that must keep counting (allauth's rate limits, ``allauth:rl:…``; the scan
  limits, ``rl:…``) go to a cache in this process meanwhile: each web process then
  allows the limit on its own, looser but still a limit. A miss there would unlock
  allauth's failed-login limit entirely; a refusal would lock everyone out.
- After a failure the process leaves Redis alone for ``RETRY_SECONDS`` and answers from
  the fallbacks at once, so a Redis that hangs costs one timeout per process and retry
  period, not one per cache call; the first call after that period tries again.

Keys written or deleted while Redis was away may hold stale values when it comes back
(a session ended meanwhile would be alive again from the cache): the process remembers
them (up to ``MAX_STALE_KEYS``) and deletes them as soon as Redis answers again. A
process restarted in between forgets them; those entries live at most their timeout.
The outage is logged once when it starts, then at most every ``LOG_EVERY_SECONDS``, and
once when it ends. ``add`` answers True meanwhile ("stored"): the project's callers then
go on with the value they made (a QR token, a short code), and allauth's cache lock
does not wait a second and refuse.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What "Redis does not answer" looks like to redis-py (BusyLoadingError, a Redis still
# loading its data after a restart, is a ConnectionError too).
UNANSWERED = (RedisConnectionError, RedisTimeoutError)
# Defaults for OPTIONS: a connect on the local network takes well under a millisecond
# and the largest value read (a cached page) about one; without them a Redis that hangs
# holds each request for as long as the kernel waits (minutes). OPTIONS may override.
SOCKET_CONNECT_TIMEOUT = 1.0
SOCKET_TIMEOUT = 1.0
RETRY_SECONDS = 5.0
LOG_EVERY_SECONDS = 60.0
MAX_STALE_KEYS = 10_000
# Keys counted in this process while Redis is away (see the module docstring).
COUNTED_HERE = ("rl:", "allauth:rl:")

_here = LocMemCache("shazhou-redis-away", {"MAX_ENTRIES": 10_000})
_outages: dict[tuple[str, ...], "_Outage"] = {}
_outages_lock = threading.Lock()


def forget_outages() -> None:
    """Forget every outage and the counters kept meanwhile (for tests)."""
    with _outages_lock:
        for outage in _outages.values():
            outage.reset()
    _here.clear()


def _where(servers) -> str:
    """host:port of each server, for the logs: never the password in the URL."""
    places = []
    for server in servers:
        url = urlsplit(server)
        places.append(f"{url.hostname}:{url.port or 6379}" if url.hostname else url.path)
    return ", ".join(places)


class _Outage:
    """What this process knows of one Redis being away; shared by all its threads."""

    def __init__(self, where: str):
        self.where = where
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.since: float | None = None  # monotonic time of the first failure, while away
        self.retry_at = 0.0
        self.logged_at = 0.0
        self.error: Exception | None = None
        self.stale: set[str] = set()
        self.dropped = 0
        self.untracked = 0

    def resting(self) -> bool:
        """True while Redis failed less than RETRY_SECONDS ago: do not try it now."""
        return self.retry_at > time.monotonic()

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            first = self.since is None
            if first:
                self.since = now
            self.retry_at = now + RETRY_SECONDS
            self.error = error
            due = first or now - self.logged_at >= LOG_EVERY_SECONDS
            if due:
                self.logged_at = now
            away = now - self.since
        if first:
            logger.error(
                "Redis at %s does not answer (%s: %s): pages are served uncached, sessions "
                "come from the database, rate limits are counted in each process; trying "
                "again every %.0f s",
                self.where,
                type(error).__name__,
                error,
                RETRY_SECONDS,
            )
        elif due:
            logger.error(
                "Redis at %s still does not answer after %.0f s (%s: %s)",
                self.where,
                away,
                type(error).__name__,
                error,
            )

    def lost(self, keys) -> None:
        """These keys were written while Redis was away: drop them when it is back."""
        with self.lock:
            for key in keys:
                if len(self.stale) < MAX_STALE_KEYS:
                    self.stale.add(key)
                else:
                    self.untracked += 1

    def drop_stale(self, client: RedisCacheClient) -> None:
        """Delete what went stale while Redis was away, before anything reads it again.

        Raises the error when Redis still does not answer.
        """
        with self.lock:
            stale = list(self.stale)
        for start in range(0, len(stale), 500):
            client.delete_many(stale[start : start + 500])
        with self.lock:
            self.stale.difference_update(stale)
            self.dropped += len(stale)

    def ended(self) -> None:
        """Redis answered again: say so once."""
        with self.lock:
            if self.since is None:
                return
            away = time.monotonic() - self.since
            dropped, untracked = self.dropped, self.untracked
            self.since, self.retry_at, self.dropped, self.untracked = None, 0.0, 0, 0
        logger.warning(
            "Redis at %s answers again after %.0f s; %d keys written meanwhile were dropped%s",
            self.where,
            away,
            dropped,
            f" ({untracked} more were not tracked and may be stale until they expire)"
            if untracked
            else "",
        )


def _outage_for(servers) -> _Outage:
    key = tuple(servers)
    with _outages_lock:
        outage = _outages.get(key)
        if outage is None:
            outage = _outages[key] = _Outage(_where(servers))
        return outage


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        options = {
            "socket_connect_timeout": SOCKET_CONNECT_TIMEOUT,
            "socket_timeout": SOCKET_TIMEOUT,
            **(params.get("OPTIONS") or {}),
        }
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        self._outage = _outage_for(self._servers)

    # --- Redis away --------------------------------------------------------------------

    @property
    def answering(self) -> bool:
        """False while Redis failed moments ago (callers going to Redis directly skip it)."""
        return not self._outage.resting()

    def report_unanswered(self, error: Exception) -> None:
        """A caller going to Redis directly (the rate limits' pipeline) found it away."""
        self._outage.failed(error)

    def probe(self) -> bool:
        """A round trip to Redis now, for /health/; raises the error when it does not answer."""
        outage = self._outage
        if outage.resting() and outage.error is not None:
            raise type(outage.error)(str(outage.error))
        token = str(time.time_ns())
        try:
            if outage.since is not None:
                outage.drop_stale(self._cache)
            super().set("health:probe", token, 30)
            ok = super().get("health:probe") == token
        except UNANSWERED as error:
            outage.failed(error)
            raise
        outage.ended()
        return ok

    def _guarded(self, name, key, *args, version=None, away, writes=False, **kwargs):
        """``name`` on Redis; when Redis does not answer, on this process or ``away()``."""
        outage = self._outage
        if not outage.resting():
            try:
                if outage.since is not None:  # perhaps back: first forget what went stale
                    outage.drop_stale(self._cache)
                result = getattr(super(), name)(key, *args, version=version, **kwargs)
            except UNANSWERED as error:
                outage.failed(error)
            else:
                if outage.since is not None:
                    outage.ended()
                return result
        if key.startswith(COUNTED_HERE):
            return getattr(_here, name)(key, *args, version=version, **kwargs)
        if writes:
            outage.lost([self.make_and_validate_key(key, version=version)])
        return away()

    def _guarded_many(self, name, keys, *args, version=None, away, writes=False, **kwargs):
        outage = self._outage
        if not outage.resting():
            try:
                if outage.since is not None:
                    outage.drop_stale(self._cache)
                result = getattr(super(), name)(keys, *args, version=version, **kwargs)
            except UNANSWERED as error:
                outage.failed(error)
            else:
                if outage.since is not None:
                    outage.ended()
                return result
        if writes:
            outage.lost([self.make_and_validate_key(key, version=version) for key in keys])
        return away()

    # --- Django's cache API ------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("add", key, value, timeout, version=version, away=lambda: True)

    def get(self, key, default=None, version=None):
        return self._guarded("get", key, default, version=version, away=lambda: default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(
            "set", key, value, timeout, version=version, writes=True, away=lambda: None
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("touch", key, timeout, version=version, away=lambda: False)

    def delete(self, key, version=None):
        return self._guarded("delete", key, version=version, writes=True, away=lambda: False)

    def has_key(self, key, version=None):
        return self._guarded("has_key", key, version=version, away=lambda: False)

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key '{key}' not found.")  # what a miss answers

        return self._guarded("incr", key, delta, version=version, writes=True, away=missing)

    def get_many(self, keys, version=None):
        keys = list(keys)
        return self._guarded_many("get_many", keys, version=version, away=dict)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded_many(
            "set_many", data, timeout, version=version, writes=True, away=lambda: list(data)
        )

    def delete_many(self, keys, version=None):
        keys = list(keys)
        return self._guarded_many(
            "delete_many", keys, version=version, writes=True, away=lambda: None
        )

    def clear(self):
        try:
            return super().clear()
        except UNANSWERED as error:
            self._outage.failed(error)
            return False
