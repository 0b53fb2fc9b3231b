"""``acorn db upgrade | current | purge``: database schema and retention."""

from __future__ import annotations

import typer

from gateway.errors import AcornError
from gateway.settings import Settings


def register(app: typer.Typer) -> None:
    """Add the ``db`` group to the root app."""
    db = typer.Typer(help="Database schema and retention.", no_args_is_help=True)
    app.add_typer(db, name="db")

    @db.command("upgrade")
    def upgrade_cmd(revision: str = typer.Argument("head", help="Target Alembic revision.")) -> None:
        """Migrate the database to the latest schema (or to REVISION)."""
        from gateway.store.engine import make_engine
        from gateway.store.schema import current_revisions, upgrade

        settings = Settings()
        try:
            engine = make_engine(settings.database_url)
            try:
                before = current_revisions(engine)
                upgrade(engine, revision)
                after = current_revisions(engine)
            finally:
                engine.dispose()
        except AcornError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=1) from exc
        typer.echo(f"schema {', '.join(sorted(before)) or '(empty)'} -> {', '.join(sorted(after))}")

    @db.command("current")
    def current_cmd() -> None:
        """Show the schema revision of the database and whether it is up to date."""
        from gateway.store.engine import make_engine
        from gateway.store.schema import current_revisions, head_revisions

        settings = Settings()
        try:
            engine = make_engine(settings.database_url)
            try:
                current = current_revisions(engine)
            finally:
                engine.dispose()
        except AcornError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=1) from exc
        heads = head_revisions()
        state = "up to date" if current == heads else f"out of date (head {', '.join(sorted(heads))})"
        typer.echo(f"{', '.join(sorted(current)) or '(empty)'} {state}")
        if current != heads:
            raise typer.Exit(code=1)

    @db.command("purge")
    def purge_cmd(
        days: int = typer.Option(0, "--days", help="Purge raw bytes older than this; default ACORN_RETENTION_DAYS."),
    ) -> None:
        """Drop the raw bytes of old messages, keeping their SHA-256, size and metadata."""
        from gateway.store.engine import Store
        from gateway.store.retention import purge_blobs
        from gateway.store.schema import check_schema

        settings = Settings()
        days = days or settings.retention_days
        if days < 1:
            typer.echo("error: give --days N (N >= 1) or set ACORN_RETENTION_DAYS", err=True)
            raise typer.Exit(code=2)
        try:
            store = Store.from_url(settings.database_url)
            try:
                check_schema(store.engine)
                with store.transaction() as session:
                    purged = purge_blobs(session, days)
            finally:
                store.dispose()
        except AcornError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=1) from exc
        typer.echo(f"purged the content of {purged} blob(s) older than {days} day(s)")
