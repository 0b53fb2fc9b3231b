"""Tokens and users, blob retention, and the ``acorn db`` commands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from typer.testing import CliRunner

from gateway.errors import NotFoundError, StoreError
from gateway.store import as2, auth, blobs, retention
from gateway.store.columns import utc_now
from gateway.store.enums import AS2Status, BlobKind, Direction, Role


def test_token_is_returned_once_stored_hashed_and_revocable(store) -> None:
    with store.transaction() as session:
        token, plaintext = auth.create_token(session, name="erp", role=Role.INTEGRATION, partner_id="amazon")
        assert plaintext.startswith("acorn_") and plaintext not in token.token_hash
        assert token.token_hash == auth.token_hash(plaintext)
    with store.transaction() as session:
        found = auth.verify_token(session, plaintext)
        assert found is not None and found.id == token.id and found.partner_id == "amazon"
        assert found.last_used_at is not None
        assert auth.verify_token(session, plaintext + "x") is None
        assert auth.verify_token(session, "") is None
        auth.revoke_token(session, token.id)
    with store.transaction() as session:
        assert auth.verify_token(session, plaintext) is None
        assert [t.revoked_at is not None for t in auth.list_tokens(session)] == [True]
        with pytest.raises(NotFoundError):
            auth.revoke_token(session, "missing")


def test_users_verify_with_salted_scrypt(store) -> None:
    with store.transaction() as session:
        user = auth.create_user(session, "ana", "correct horse", Role.ANALYST)
        other = auth.create_user(session, "bob", "correct horse", Role.ADMIN)
        assert user.password_hash.startswith("scrypt$") and "correct horse" not in user.password_hash
        assert user.password_hash != other.password_hash  # salted
    with store.transaction() as session:
        assert auth.verify_user(session, "ana", "correct horse").id == user.id
        assert auth.verify_user(session, "ana", "wrong") is None
        assert auth.verify_user(session, "nobody", "correct horse") is None
        with pytest.raises(StoreError, match="already exists"):
            auth.create_user(session, "ana", "another one", Role.ADMIN)
        auth.set_user_disabled(session, "ana", True)
        assert auth.verify_user(session, "ana", "correct horse") is None
        auth.set_password(session, "bob", "new secret")
        assert auth.verify_user(session, "bob", "new secret") is not None
        assert auth.verify_user(session, "bob", "correct horse") is None
    assert not auth.check_password("x", "md5$garbage")


def test_purge_drops_old_bytes_and_keeps_hashes(store) -> None:
    now = utc_now()
    with store.transaction() as session:
        message, _ = as2.record_as2_message(
            session, direction=Direction.INBOUND, message_id="<old>", partner_id="amazon", as2_from="A", as2_to="B",
            status=AS2Status.PROCESSED, body=b"old body",
        )
        old = blobs.get_blob(session, message.body_blob_id)
        old.created_at = now - timedelta(days=40)
        session.add(old)
        fresh = blobs.put_blob(session, BlobKind.X12, b"new x12")
    with store.transaction() as session:
        with pytest.raises(StoreError, match="at least 1 day"):
            retention.purge_blobs(session, 0)
        assert retention.purge_blobs(session, 30, now=now) == 1
        assert retention.purge_blobs(session, 30, now=now) == 0  # already purged
    with store.transaction() as session:
        purged = blobs.get_blob(session, old.id)
        assert purged.content is None and purged.purged_at is not None
        assert purged.sha256 == old.sha256 and purged.size == 8
        assert as2.get_as2_message(session, message.id).body_blob_id == old.id
        with pytest.raises(StoreError, match=f"sha256 {old.sha256}.*purged"):
            blobs.blob_content(session, old.id)
        assert blobs.blob_content(session, fresh.id) == b"new x12"


def test_db_cli_upgrade_current_purge(database_url: str, monkeypatch, tmp_path) -> None:
    from gateway.cli import app

    monkeypatch.setenv("ACORN_DATABASE_URL", database_url)
    monkeypatch.setenv("ACORN_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 1 and "(empty) out of date" in result.output
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "(empty) -> 0001" in result.output
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 0 and "0001 up to date" in result.output
    result = runner.invoke(app, ["db", "purge"])
    assert result.exit_code == 2 and "--days" in result.output
    result = runner.invoke(app, ["db", "purge", "--days", "7"])
    assert result.exit_code == 0 and "purged the content of 0 blob(s)" in result.output
