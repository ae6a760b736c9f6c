"""PostgreSQL and Redis for the benchmark, and the production settings it runs under."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import psycopg

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shazhou_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"


def port_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def wait_for(predicate: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise SystemExit(f"bench: {what} did not come up within {seconds:.0f} s")


def ensure_postgres(url: str) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    if port_open(host, port):
        return
    print(f"bench: starting PostgreSQL on {host}:{port}")
    for version in sorted(os.listdir("/etc/postgresql")):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False
        )
    wait_for(lambda: port_open(host, port), seconds=30, what="PostgreSQL")


def ensure_redis(url: str) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    if port_open(host, port):
        return
    print(f"bench: starting Redis on {host}:{port}")
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=True,
    )
    wait_for(lambda: port_open(host, port), seconds=15, what="Redis")


def recreate_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"bench: refusing an odd database name {name!r}")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def bench_environment(*, database_url: str, redis_url: str, secret_key: str) -> dict[str, str]:
    """Production settings, for loopback: the same safeguards, only SSL redirect off.

    ``TRUSTED_PROXY_COUNT=1`` is what production runs behind nginx; the load generator
    plays nginx's part and names each phone's address in X-Forwarded-For, so the per-IP
    scan limit counts phones, not the one loopback address.
    """
    return {
        "DJANGO_ENV": "production",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_PREFIX": "shazhou-bench",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "TRUSTED_PROXY_COUNT": "1",
        "BENCH": "1",
        "LOG_LEVEL": "WARNING",
    }
