"""``acorn tokens`` / ``acorn users`` as real processes against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gateway.api.store_queries import StoreQueries
from gateway.store import Store, auth

ACORN = str(Path(sys.executable).with_name("acorn"))


def _acorn(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ACORN, *argv], capture_output=True, text=True, env=env, timeout=60, check=False)


def test_tokens_and_users_round_trip(migrated_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "ACORN_DATABASE_URL": migrated_url, "ACORN_DATA_DIR": str(tmp_path)}
    created = _acorn(env, "tokens", "create", "--role", "integration", "--partner", "amazon", "--name", "erp")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("acorn_") and "\n" not in secret

    store = Store.from_url(migrated_url)
    try:
        queries = StoreQueries(store)
        principal = queries.verify_token(secret)
        assert principal is not None and principal.role == "integration" and principal.partner == "amazon"

        listed = _acorn(env, "tokens", "list")
        assert listed.returncode == 0 and secret not in listed.stdout
        row = listed.stdout.splitlines()[1].split("\t")
        assert row[1:4] == ["integration", "amazon", "erp"]

        revoked = _acorn(env, "tokens", "revoke", row[0])
        assert revoked.returncode == 0 and revoked.stdout.strip() == f"{row[0]} revoked"
        assert queries.verify_token(secret) is None
        missing = _acorn(env, "tokens", "revoke", "00000000-0000-0000-0000-000000000000")
        assert missing.returncode == 1 and "no API token" in missing.stderr

        made = _acorn(
            {**env, "ALICE_PW": "a long passphrase"},
            "users",
            "create",
            "alice",
            "--role",
            "analyst",
            "--password-env",
            "ALICE_PW",
        )
        assert made.returncode == 0, made.stderr
        again = _acorn(
            {**env, "ALICE_PW": "a long passphrase"},
            "users",
            "create",
            "alice",
            "--role",
            "analyst",
            "--password-env",
            "ALICE_PW",
        )
        assert again.returncode == 1 and "already exists" in again.stderr
        with store.transaction() as session:
            user = auth.verify_user(session, "alice", "a long passphrase")
            assert user is not None and user.role == "analyst"
            assert auth.verify_user(session, "alice", "wrong") is None
    finally:
        store.dispose()
