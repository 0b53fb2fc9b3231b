"""``acorn tokens`` and ``acorn users`` in-process on SQLite: argument handling, secret printed once, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.api.store_queries import StoreQueries
from gateway.cli import app as cli
from gateway.store import Store


@pytest.fixture
def queries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StoreQueries:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ACORN_DATABASE_URL", url)
    monkeypatch.setenv("ACORN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ACORN_ENVIRONMENT", "development")
    runner = CliRunner()
    assert runner.invoke(cli, ["tokens", "list"]).exit_code == 0  # creates the schema (development policy)
    return StoreQueries(Store.from_url(url))


def test_create_prints_only_the_secret(queries: StoreQueries) -> None:
    argv = ["tokens", "create", "--role", "integration", "--partner", "amazon", "--name", "erp"]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    principal = queries.verify_token(secret)
    assert principal is not None and principal.partner == "amazon" and principal.name == "erp"


def test_list_never_shows_secrets_and_revoke_ends_a_token(queries: StoreQueries) -> None:
    runner = CliRunner()
    secret = runner.invoke(cli, ["tokens", "create", "--role", "analyst"]).output.strip()
    listed = runner.invoke(cli, ["tokens", "list"])
    assert listed.exit_code == 0 and secret not in listed.output
    token_id = listed.output.splitlines()[1].split("\t")[0]
    assert listed.output.splitlines()[1].split("\t")[1:3] == ["analyst", "*"]
    revoked = runner.invoke(cli, ["tokens", "revoke", token_id])
    assert revoked.exit_code == 0 and revoked.output.strip() == f"{token_id} revoked"
    assert queries.verify_token(secret) is None
    assert runner.invoke(cli, ["tokens", "list"]).output.splitlines()[1].split("\t")[5] != ""


def test_bad_arguments_are_refused(queries: StoreQueries) -> None:
    runner = CliRunner()
    wrong_role = runner.invoke(cli, ["tokens", "create", "--role", "root"])
    assert wrong_role.exit_code == 2
    partner_on_admin = runner.invoke(cli, ["tokens", "create", "--role", "admin", "--partner", "amazon"])
    assert partner_on_admin.exit_code == 2 and "--partner applies only to --role integration" in partner_on_admin.output
    unknown = runner.invoke(cli, ["tokens", "create", "--role", "integration", "--partner", "nobody"])
    assert unknown.exit_code == 1 and "no partner profile 'nobody'" in unknown.output
    missing = runner.invoke(cli, ["tokens", "revoke", "tok_404"])
    assert missing.exit_code == 1 and "no API token 'tok_404'" in missing.output
    assert queries.list_tokens() == []


def test_users_create_reads_the_password_from_env_or_prompt(
    queries: StoreQueries, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("ACORN_TEST_PASSWORD", "correct horse battery")
    from_env = ["--password-env", "ACORN_TEST_PASSWORD"]
    made = runner.invoke(cli, ["users", "create", "alice", "--role", "analyst", *from_env])
    assert made.exit_code == 0 and made.output.startswith("created user alice (analyst)")
    assert "correct horse" not in made.output
    prompted = runner.invoke(cli, ["users", "create", "bob", "--role", "admin"], input="s3cret-pass\ns3cret-pass\n")
    assert prompted.exit_code == 0, prompted.output
    assert "s3cret-pass" not in prompted.output.replace("Password", "")
    short = runner.invoke(cli, ["users", "create", "eve", "--role", "admin"], input="short\nshort\n")
    assert short.exit_code == 2 and "at least 8 characters" in short.output
    monkeypatch.setenv("ACORN_EMPTY", "")
    empty = runner.invoke(cli, ["users", "create", "eve", "--role", "admin", "--password-env", "ACORN_EMPTY"])
    assert empty.exit_code == 2
    wrong_role = runner.invoke(cli, ["users", "create", "eve", "--role", "integration", *from_env])
    assert wrong_role.exit_code == 2
