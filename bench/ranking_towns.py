"""The ranking benchmark's two towns: where their databases live and whether they are built.

Nothing here needs Django; ``bench.ranking`` asks before ``setup_django()``.
"""

import contextvars
import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bench import ROOT

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shazhou_bench"
SIZES = {"1k": 1_000, "100k": 100_000}
if os.environ.get("BENCH_RANKING_PEOPLE"):  # e.g. "300,3000": a quick check of the script itself
    SIZES = dict(zip(SIZES, map(int, os.environ["BENCH_RANKING_PEOPLE"].split(",")), strict=True))
BUILD_VERSION = "ranking-1"


def database_url(base: str, size: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"{parts.path}_{size}"))


def manage(args: list[str], url: str) -> None:
    """``manage.py <args>`` against the database at ``url``, in a process of its own."""
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def recreate_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def version() -> str:
    return f"{BUILD_VERSION}:{SIZES}"


def built_version(url: str) -> str | None:
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute("SELECT version FROM bench_ranking_meta").fetchone()
            return row[0] if row else None
    except psycopg.Error:
        return None


timed_town = contextvars.ContextVar("bench_alias", default="default")


class BenchRouter:
    """Sends every query to the town being timed (``timed_town``, set by ``bench.ranking``)."""

    def db_for_read(self, model, **hints):
        return timed_town.get()

    def db_for_write(self, model, **hints):
        return timed_town.get()

    def allow_relation(self, obj1, obj2, **hints):
        return True
