"""A `lanekeeper` command run as its own process, as a host runs it, for the tests that need the
real thing (worker processes, signals, what it prints)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

# The test run's own settings never leak into the served process: it gets only what a test gives.
_OWN = ("SLACK_", "DATABASE_URL", "LANEKEEPER_", "WEB_CONCURRENCY", "PROMETHEUS_")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    proc: subprocess.Popen[str]
    base: str
    out: str = ""  # everything it printed, once it has stopped

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode


@contextmanager
def served(cwd: Path, settings: Mapping[str, str], *, startup: float = 30) -> Iterator[Served]:
    """`lanekeeper serve` in ``cwd`` with ``settings`` (``PORT`` is chosen here), once its
    ``/healthz`` answers 200; stopped with SIGTERM on the way out (killed if it does not stop
    within 40 s), its output and exit code on the yielded :class:`Served`."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN)}
    env.update(settings)
    env["PORT"] = str(port)
    proc = subprocess.Popen(
        [sys.executable, "-m", "lanekeeper", "serve", "--host", "127.0.0.1"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    app = Served(proc, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + startup
        while True:
            try:
                if httpx.get(f"{app.base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("lanekeeper serve did not start")
            time.sleep(0.2)
        yield app
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            app.out, _ = proc.communicate(timeout=40)
        finally:
            if proc.poll() is None:
                proc.kill()
