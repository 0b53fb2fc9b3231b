"""Start `acorn serve` and `acorn worker` as child processes, wait for readiness, stop them in order."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from gateway.errors import AcornError

STOP_GRACE_SECONDS = 15.0


def acorn_command() -> list[str]:
    """The `acorn` console script next to this interpreter, or the same entry point through ``python -c``."""
    script = Path(sys.executable).with_name("acorn")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from gateway.cli import main; main()"]


@dataclass
class Child:
    """One child process and the log file its output goes to."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes] = field(repr=False)

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> int:
        """SIGTERM, then SIGKILL after ``grace`` seconds; returns the exit code."""
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=grace)
        self.log_file.close()
        return self.process.returncode

    def tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def start(name: str, args: list[str], env: dict[str, str], logs_dir: Path) -> Child:
    """Start ``acorn <args>`` in its own session (the terminal's Ctrl-C reaches only the demo, which stops it)."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    log_path = logs_dir / f"{name}.log"
    log_file = log_path.open("ab")
    process = subprocess.Popen(
        [*acorn_command(), *args], env={**os.environ, **env}, stdout=log_file, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )
    return Child(name, process, log_path, log_file)


def wait_ready(child: Child, url: str, timeout: float) -> None:
    """Poll ``url`` until it answers 200; AcornError with the child's last log lines if it exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.running():
            raise AcornError(f"{child.name} exited with code {child.process.returncode}:\n{child.tail()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AcornError(f"{child.name} not ready at {url} after {timeout:.0f} s:\n{child.tail()}")
