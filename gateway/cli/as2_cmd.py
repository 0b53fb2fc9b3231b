"""``acorn certs new|show`` and ``acorn as2 send``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml

from gateway.errors import AcornError, ConfigError
from gateway.settings import Settings

certs_app = typer.Typer(help="AS2 keys and certificates.", no_args_is_help=True)
as2_app = typer.Typer(help="AS2 messaging.", no_args_is_help=True)


@certs_app.command("new")
def certs_new(
    as2_id: Annotated[str, typer.Option("--as2-id", help="AS2 ID the certificate is for.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for <id>.key.pem and <id>.cert.pem.")],
    days: int = 730,
    production: Annotated[bool, typer.Option("--production", help="Omit the development marker.")] = False,
) -> None:
    """Generate an RSA-2048 key and self-signed SHA-256 certificate."""
    from gateway.as2.certs import describe, generate

    made = generate(as2_id, out, days=days, development=not production)
    info = describe(made.cert_pem)
    typer.echo(f"key+cert: {made.key_pem}\ncert:     {made.cert_pem}\nsha256:   {info.sha256}")


@certs_app.command("show")
def certs_show(file: Path) -> None:
    """Print subject, issuer, serial, fingerprints and validity of a certificate."""
    from gateway.as2.certs import describe

    try:
        info = describe(file)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"subject:     {info.subject}\nissuer:      {info.issuer}\nserial:      {info.serial}")
    typer.echo(f"sha1:        {info.sha1}\nsha256:      {info.sha256}")
    typer.echo(f"not before:  {info.not_before.isoformat()}\nnot after:   {info.not_after.isoformat()}")
    typer.echo(f"key bits:    {info.key_bits}\ndevelopment: {'yes' if info.development else 'no'}")


def _load_section(partner: str, settings: Settings) -> tuple[object, Path]:
    """The partner's as2 block: through gateway.partners' loader when present, else read from partner.yaml."""
    from gateway.partners.as2_section import AS2Section

    path = settings.partners_dir / partner / "partner.yaml"
    try:
        from gateway.partners import loader  # type: ignore[attr-defined]

        profile = loader.load_partner(path)  # the mapping helper's loader, when it exists
        section = getattr(profile, "as2", None)
    except (ImportError, AttributeError, TypeError):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigError(f"cannot read partner profile: {exc.strerror}", path=str(path)) from exc
        section = AS2Section.model_validate(data["as2"]) if data.get("as2") else None
    if section is None:
        raise ConfigError(f"partner {partner} has no as2: block", path=str(path))
    return section, path.parent


@as2_app.command("send")
def as2_send(
    file: Path,
    partner: Annotated[str, typer.Option("--partner", help="Partner directory name under partners/.")],
    content_type: Annotated[str | None, typer.Option("--content-type")] = None,
    wait: Annotated[bool, typer.Option("--wait/--queue", help="Send now, or only queue for `acorn worker`.")] = True,
) -> None:
    """Store FILE for PARTNER in the outbox and send it over AS2 (profile's retries); print attempts and the MDN."""
    from gateway.cli.as2_service_cmd import send_stored  # the stored outbound flow (gateway.pipeline.as2_outbound)

    try:
        code = send_stored(file, partner, content_type, wait=wait)
    except (AcornError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(certs_app, name="certs")
    app.add_typer(as2_app, name="as2")
