"""The two gunicorns under test: started as production runs them, on loopback, and stopped."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import ROOT
from bench.services import port_open, wait_for

LOG_DIR = ROOT / "var" / "bench"

# shazhou-web.service in docs/deploy.md; only the address differs. Keep the two in step.
GUNICORN_ARGS = (
    "--workers",
    "4",
    "--threads",
    "2",
    "--timeout",
    "30",
    "--max-requests",
    "2000",
    "--max-requests-jitter",
    "200",
    "--access-logfile",
    "-",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: io.TextIOWrapper

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        return child_pids(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn's graceful shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start_server(name: str, env: dict[str, str]) -> Server:
    port = free_port()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = open(LOG_DIR / f"gunicorn-{name}.log", "w", encoding="utf-8")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            *GUNICORN_ARGS,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(name=name, port=port, process=process, log=log)

    def ready() -> bool:
        if process.poll() is not None:
            raise SystemExit(f"bench: gunicorn {name} exited; see {log.name}")
        return port_open("127.0.0.1", port) and len(server.workers()) >= 4

    try:
        wait_for(ready, seconds=60, what=f"gunicorn {name}")
    except BaseException:
        server.stop()
        raise
    return server


def child_pids(parent: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command may hold spaces and parentheses: the fields follow the last ")".
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and fields[1] == str(parent):
            children.append(int(entry))
    return children
