"""``acorn tokens ...`` (API bearer tokens) and ``acorn users ...`` (monitor logins), over gateway.store."""

from __future__ import annotations

import os
from enum import StrEnum

import typer

from gateway.errors import AcornError
from gateway.settings import Settings
from gateway.store import Store, auth, prepare_database
from gateway.store.enums import Role


class UserRole(StrEnum):
    """Roles a monitor login can have."""

    ANALYST = "analyst"
    ADMIN = "admin"


def _store(settings: Settings) -> Store:
    """The configured database (gateway.store's schema policy: development upgrades, production refuses)."""
    return prepare_database(settings)


def _known_partner(settings: Settings, partner: str) -> bool:
    """A partner exists when its profile directory does (profiles are validated by `acorn partners check`)."""
    return (settings.partners_dir / partner).is_dir()


def _fail(exc: AcornError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add the ``tokens`` and ``users`` groups to the root app."""
    tokens = typer.Typer(help="API bearer tokens for the JSON bridge.", no_args_is_help=True)
    users = typer.Typer(help="Monitor UI logins.", no_args_is_help=True)
    app.add_typer(tokens, name="tokens")
    app.add_typer(users, name="users")

    @tokens.command("create")
    def create_token(
        role: Role = typer.Option(..., "--role", help="integration, analyst or admin."),
        partner: str | None = typer.Option(None, "--partner", help="Limit an integration token to one partner."),
        name: str = typer.Option("", "--name", help="A label shown by `acorn tokens list`."),
    ) -> None:
        """Create a token and print its secret (shown this once; only a hash is stored)."""
        if partner is not None and role is not Role.INTEGRATION:
            typer.echo("error: --partner applies only to --role integration", err=True)
            raise typer.Exit(code=2)
        settings = Settings()
        if partner is not None and not _known_partner(settings, partner):
            typer.echo(f"error: no partner profile {partner!r} in {settings.partners_dir}", err=True)
            raise typer.Exit(code=1)
        try:
            store = _store(settings)
            try:
                with store.transaction() as session:
                    _, secret = auth.create_token(session, name=name, role=role, partner_id=partner)
            finally:
                store.dispose()
        except AcornError as exc:
            raise _fail(exc) from exc
        typer.echo(secret)

    @tokens.command("list")
    def list_tokens() -> None:
        """List tokens: id, role, partner, name, created, revoked (never the secret)."""
        try:
            store = _store(Settings())
            try:
                with store.transaction() as session:
                    rows = auth.list_tokens(session)
            finally:
                store.dispose()
        except AcornError as exc:
            raise _fail(exc) from exc
        typer.echo("id\trole\tpartner\tname\tcreated_at\trevoked_at")
        for row in rows:
            typer.echo(
                f"{row.id}\t{row.role}\t{row.partner_id or '*'}\t{row.name}\t"
                f"{row.created_at.isoformat()}\t{row.revoked_at.isoformat() if row.revoked_at else ''}"
            )

    @tokens.command("revoke")
    def revoke_token(token_id: str = typer.Argument(..., help="Token id from `acorn tokens list`.")) -> None:
        """Revoke a token at once."""
        try:
            store = _store(Settings())
            try:
                with store.transaction() as session:
                    auth.revoke_token(session, token_id)
            finally:
                store.dispose()
        except AcornError as exc:
            raise _fail(exc) from exc
        typer.echo(f"{token_id} revoked")

    @users.command("create")
    def create_user(
        username: str = typer.Argument(..., help="Login name."),
        role: UserRole = typer.Option(..., "--role", help="analyst or admin."),
        password_env: str | None = typer.Option(
            None, "--password-env", help="Read the password from this environment variable instead of a prompt."
        ),
    ) -> None:
        """Create a monitor login; the password is prompted for (or read from --password-env), never echoed."""
        if password_env is not None:
            password = os.environ.get(password_env, "")
            if not password:
                typer.echo(f"error: environment variable {password_env} is empty or unset", err=True)
                raise typer.Exit(code=2)
        else:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        if len(password) < 8:
            typer.echo("error: the password must have at least 8 characters", err=True)
            raise typer.Exit(code=2)
        try:
            store = _store(Settings())
            try:
                with store.transaction() as session:
                    user = auth.create_user(session, username, password, Role(role.value))
                    user_id = user.id
            finally:
                store.dispose()
        except AcornError as exc:
            raise _fail(exc) from exc
        typer.echo(f"created user {username} ({role.value}) id={user_id}")
