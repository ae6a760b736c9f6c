"""The benchmark's switch and its pure helpers; no timing is asserted here."""

import importlib
import json

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches

from bench import load, meters, report, services, stats, town


def _reload_urls():
    import config.urls

    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def bench_on(settings):
    settings.BENCH_ENABLED = True
    _reload_urls()
    yield
    settings.BENCH_ENABLED = False
    _reload_urls()


@pytest.mark.django_db
def test_bare_view_is_not_routed_by_default(client, settings):
    assert settings.BENCH_ENABLED is False
    # CommonMiddleware first tries the URL with a slash (Wagtail's catch-all); nothing there.
    response = client.get("/bench/bare", follow=True)
    assert response.status_code == 404
    assert response.get("Content-Type", "").startswith("text/html")


@pytest.mark.django_db
def test_bare_view_answers_json_when_the_bench_turns_it_on(client, bench_on):
    response = client.get("/bench/bare")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert client.post("/bench/bare").status_code == 405


def test_bench_setting_comes_from_the_environment(monkeypatch):
    from config.settings import env_bool

    monkeypatch.delenv("BENCH", raising=False)
    assert env_bool("BENCH", default=False) is False
    monkeypatch.setenv("BENCH", "1")
    assert env_bool("BENCH", default=False) is True


def test_median_and_percentile():
    assert stats.median([3, 1, 2]) == 2
    assert stats.median([4, 1, 3, 2]) == 2.5
    assert stats.percentile(range(1, 101), 50) == 50
    assert stats.percentile(range(1, 101), 99) == 99
    assert stats.percentile([7], 99) == 7
    with pytest.raises(ValueError):
        stats.median([])
    with pytest.raises(ValueError):
        stats.percentile([], 50)


def test_interleave_runs_every_kind_each_round_and_rotates_the_order():
    schedule = stats.interleave(["a", "b", "c"], 4)
    assert len(schedule) == 12
    rounds = [[kind for number, kind in schedule if number == n] for n in range(4)]
    assert rounds == [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]]
    assert {r[0] for r in rounds[:3]} == {"a", "b", "c"}  # nobody always goes first


def test_paired_ratios_divide_round_by_round():
    assert stats.paired_ratios([50, 60], [100, 200]) == [0.5, 0.3]
    with pytest.raises(ValueError):
        stats.paired_ratios([1], [1, 2])


def test_merge_results_keeps_the_keys_of_others(tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"ranking_ms_1k": 4.2, "checkin_rps": 1.0}))
    merged = report.merge_results(path, {"checkin_rps": 250.5, "bare_rps": 900.0})
    on_disk = json.loads(path.read_text())
    assert on_disk == merged == {"bare_rps": 900.0, "checkin_rps": 250.5, "ranking_ms_1k": 4.2}
    assert not (tmp_path / "results.json.tmp").exists()


def test_merge_results_starts_over_from_a_broken_file(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("{half a file")
    assert report.merge_results(path, {"qr_svg_ms": 3.0}) == {"qr_svg_ms": 3.0}


def test_table_flags_a_missed_target_and_a_missing_figure():
    table = report.format_table({"checkin_ratio": 0.2, "home_cached_ratio": 0.9})
    lines = {line.split()[0]: line for line in table.splitlines()[2:]}
    assert "MISSED" in lines["checkin_ratio"]
    assert lines["home_cached_ratio"].rstrip().endswith("ok")
    assert "not measured" in lines["ranking_ms_100k"]


def test_forwarded_addresses_are_distinct_and_stay_on_loopback():
    addresses = [load.forwarded_ip(n) for n in range(70_000)]
    assert len(set(addresses)) == len(addresses)
    assert all(address.startswith("127.") for address in addresses)


def test_production_environment_for_loopback_keeps_the_safeguards():
    env = services.bench_environment(
        database_url="postgres://x@127.0.0.1/b",
        redis_url="redis://127.0.0.1:6379/1",
        secret_key="k",
    )
    assert env["DJANGO_ENV"] == "production"
    assert env["BENCH"] == "1"
    assert env["SECURE_SSL_REDIRECT"] == "0"
    assert "DEBUG" not in env


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # never connected: clients are built lazily
        }
    }
)
def test_redis_cache_reuses_one_client_per_pool():
    cache = caches.create_connection("default")
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client


def test_prepared_phones_are_signed_in_as_after_a_login(make_person, client):
    person = make_person(with_user=False, real_name="李明")
    (session_key,) = town.prepare_phones(1)
    client.cookies["sessionid"] = session_key
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/me/code/")
    assert response.status_code == 200
    person.refresh_from_db()
    assert response.wsgi_request.user == person.user
    # Like a real login under cached_db: the session comes from the cache, not the table.
    assert not [query for query in queries if "django_session" in query["sql"]]


def test_cpu_split_is_the_median_of_the_whole_phases_and_skips_broken_ones():
    phases = [
        {"gunicorn": 8.0, "postgres": 1.0, "redis": 0.2, "client": 0.5},
        None,  # a worker was recycled mid-phase
        {"gunicorn": 6.0, "postgres": 3.0, "redis": 0.2, "client": 0.5},
        {"gunicorn": 7.0, "postgres": 2.0, "redis": 0.2, "client": 0.5},
    ]
    split = meters.median_split(phases)
    assert split == {
        "gunicorn": 7.0,
        "postgres": 2.0,
        "redis": 0.2,
        "client": 0.5,
        "total": 9.7,
        "phases": 3,
    }
    assert meters.median_split([None, None]) is None
    table = report.format_split({"checkin": split, "bare": None})
    assert "9.70" in table and "bare           not measured" in table


def test_cpu_ticks_reads_live_processes_and_ignores_gone_ones():
    import os

    ticks = meters.cpu_ticks([os.getpid(), 999_999_999])
    assert list(ticks) == [os.getpid()]
    assert ticks[os.getpid()] > 0  # this test run has used some CPU


@pytest.mark.django_db
def test_dashboard_bench_times_every_chart_of_the_town_and_a_community(town):
    from bench import dashboard

    medians = dashboard.time_charts("default", runs=1)
    assert len(medians) == 2 * 3 * len(dashboard.charts())  # 2 places × 3 windows × charts
    assert all(value >= 0 for value in medians.values())
    assert dashboard.report(medians, 1) == max(medians.values())
