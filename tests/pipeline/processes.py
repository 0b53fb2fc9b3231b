"""``acorn serve`` and ``acorn worker`` as subprocesses that a test can SIGKILL and start again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from gateway.settings import Settings

ACORN = str(Path(sys.executable).with_name("acorn"))


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The ACORN_* variables that make a subprocess use ``settings``."""
    env = dict(os.environ)
    env.update({
        "ACORN_DATA_DIR": str(settings.data_dir), "ACORN_DATABASE_URL": settings.database_url,
        "ACORN_PARTNERS_DIR": str(settings.partners_dir), "ACORN_MAPS_DIR": str(settings.maps_dir),
        "ACORN_ENVIRONMENT": settings.environment, "ACORN_LOG_LEVEL": "WARNING",
    })
    env.update(extra)
    return env


class Process:
    """One gateway process; ``kill()`` is SIGKILL (no cleanup at all), ``start()`` starts a fresh one."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0

    def start(self) -> None:
        assert not self.alive, f"{self.name} is already running"
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen([ACORN, *self.args], env=self.env, stdout=log, stderr=log)
        log.close()
        self.starts += 1

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.proc is not None and self.alive:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.kills += 1

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s."""
        if self.proc is None or not self.alive:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def server(env: dict[str, str], port: int, log_dir: Path) -> Process:
    return Process("serve", ["serve", "--host", "127.0.0.1", "--port", str(port)], env, log_dir)


def worker(env: dict[str, str], n: int, log_dir: Path, lease: float = 2.0, batch: int = 1) -> Process:
    """``acorn worker`` polling every 50 ms; a short lease brings a killed worker's jobs back fast."""
    args = ["worker", "--batch", str(batch), "--poll", "0.05", "--lease", str(lease), "--retry-base", "0.2"]
    return Process(f"worker{n}", args, env, log_dir)


def wait_ready(url: str, process: Process, timeout: float = 60) -> None:
    """Until GET {url}/health/ready answers 200 (the runtime was built and the schema is current)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive:
            raise AssertionError(f"{process.name} exited:\n{process.log_tail()}")
        try:
            if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{process.name} not ready after {timeout} s:\n{process.log_tail()}")
