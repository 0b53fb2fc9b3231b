"""Mounting the monitor in the gateway application, with its session secret from the settings."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from fastapi import FastAPI

from gateway.errors import ConfigError
from gateway.settings import Settings
from gateway.ui import mount_monitor
from gateway.ui.store_monitor import monitor_for

SECRET_FILE = "session-secret"
MIN_SECRET_CHARS = 32
# Values copied from examples or left as placeholders sign sessions anyone can forge.
KNOWN_DEFAULTS = frozenset({"", "change-me", "changeme", "secret", "session-secret", "development", "acorn"})


def session_secret(settings: Settings) -> bytes:
    """ACORN_SESSION_SECRET; production refuses a missing or default one, development generates and keeps one."""
    value = settings.session_secret.get_secret_value().strip()
    if value.lower() in KNOWN_DEFAULTS:
        if settings.is_production:
            raise ConfigError("ACORN_SESSION_SECRET is missing or a placeholder; production needs a random value "
                              f"of at least {MIN_SECRET_CHARS} characters (e.g. `openssl rand -base64 48`)")
        return _development_secret(settings.data_dir / SECRET_FILE)
    if len(value) < MIN_SECRET_CHARS:
        raise ConfigError(f"ACORN_SESSION_SECRET has {len(value)} characters; it needs at least {MIN_SECRET_CHARS}")
    return value.encode()


def _development_secret(path: Path) -> bytes:
    """A random secret kept under data_dir (mode 0600) so sessions survive a restart; the first writer wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(draft, path)  # atomic: a second worker starting at the same time links nothing and reads ours
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    stored = path.read_text(encoding="ascii").strip()
    if len(stored) < MIN_SECRET_CHARS:
        raise ConfigError(f"{path} holds a session secret shorter than {MIN_SECRET_CHARS} characters; delete it to "
                          "have a new one generated")
    return stored.encode()


def install_monitor(app: FastAPI, settings: Settings) -> None:
    """The monitor at ``/`` over ``app.state.runtime`` (built by the application's lifespan)."""
    mount_monitor(app, monitor_for, session_secret(settings))
