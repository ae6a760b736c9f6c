"""The fixed-window rate limit, on whichever cache the run has (locmem or Redis)."""

import datetime

import pytest
import time_machine
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from core import ratelimit

from ..clock import next_noon

START = next_noon() + datetime.timedelta(seconds=5)  # five seconds into a minute


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def test_the_limit_allows_that_many_hits_in_a_window_and_refuses_the_next():
    with time_machine.travel(START, tick=False):
        answers = [ratelimit.hit("scan:person:7", limit=3, window_seconds=60) for _ in range(4)]
    assert answers == [True, True, True, False]


def test_a_new_window_starts_counting_again():
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            ratelimit.hit("scan:ip:10.0.0.1", limit=2, window_seconds=60)
        assert not ratelimit.hit("scan:ip:10.0.0.1", limit=2, window_seconds=60)
    with time_machine.travel(START + datetime.timedelta(seconds=60), tick=False):
        assert ratelimit.hit("scan:ip:10.0.0.1", limit=2, window_seconds=60)


def test_hit_all_counts_every_key_and_refuses_when_any_is_over():
    limits = [("scan:person:7", 5, 60), ("scan:ip:10.0.0.1", 2, 60)]
    with time_machine.travel(START, tick=False):
        answers = [ratelimit.hit_all(limits) for _ in range(3)]
        # The person's counter moved on all three calls (this is its fourth hit),
        # though the address was already over on the third.
        assert ratelimit.hit("scan:person:7", limit=3, window_seconds=60) is False
    assert answers == [True, True, False]


def test_a_counter_in_redis_lives_no_longer_than_its_window():
    real = caches["default"]
    if not isinstance(real, RedisCache):
        pytest.skip("only the Redis run has a time-to-live to read")
    ratelimit.hit("scan:person:9", limit=1, window_seconds=60)
    client = real._cache.get_client(write=False)
    (key,) = client.keys(real.make_and_validate_key("rl:scan:person:9:*"))
    assert 0 < client.ttl(key) <= 61


def test_count_reads_a_window_without_counting_a_hit():
    with time_machine.travel(START, tick=False):
        assert ratelimit.count("manual:miss:7", window_seconds=3600) == 0
        for _ in range(3):
            ratelimit.hit("manual:miss:7", limit=5, window_seconds=3600)
        assert ratelimit.count("manual:miss:7", window_seconds=3600) == 3
        assert ratelimit.count("manual:miss:7", window_seconds=3600) == 3  # looking is free
    with time_machine.travel(START + datetime.timedelta(hours=1), tick=False):
        assert ratelimit.count("manual:miss:7", window_seconds=3600) == 0
