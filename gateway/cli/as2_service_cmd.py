"""``acorn as2 send`` through the stored outbound flow, and ``acorn as2 outbox`` (AS2 messages and their states)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gateway.cli import as2_cmd
from gateway.errors import AcornError
from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.pipeline.as2_context import As2Service


def send_stored(file: Path, partner: str, content_type: str | None, *, wait: bool = True) -> int:
    """Store FILE as an outbound AS2 message (outbox) and, with ``wait``, send it now; returns the exit code.

    The queued ``as2.send`` job stays the safety net: if this command is interrupted, ``acorn worker`` finishes
    the send (it finds the message's state in the database and never sends a finished message again).
    """
    from gateway.pipeline.as2_context import build_service
    from gateway.pipeline.as2_outbound import queue_message

    service = build_service(Settings())
    try:
        ref = queue_message(service, partner, file.read_bytes(), filename=file.name, content_type=content_type)
        typer.echo(f"stored as AS2 message {ref}")
        return _send_now(service, ref, {"message": ref, "filename": file.name, "content_type": content_type}, wait)
    finally:
        service.store.dispose()


def resend(ref: str, *, wait: bool = True) -> int:
    """Send an mdn_failed or dead outbound message again (same Message-ID unless the profile says otherwise)."""
    from gateway.pipeline.as2_context import build_service
    from gateway.pipeline.as2_outbound import queued_facts, request_resend

    service = build_service(Settings())
    try:
        request_resend(service, ref, actor="acorn as2 resend")
        with service.store.transaction() as session:
            facts = queued_facts(session, ref)
        job = {"message": ref, "filename": facts.get("filename"), "content_type": facts.get("content_type")}
        return _send_now(service, ref, job, wait)
    finally:
        service.store.dispose()


def _send_now(service: As2Service, ref: str, job: dict[str, Any], wait: bool) -> int:
    from gateway.pipeline.as2_outbound import SendOutcome
    from gateway.store.as2 import get_as2_message
    from gateway.store.enums import AS2Status
    from gateway.store.events import list_events
    from gateway.worker.as2_jobs import run_send_job

    if not wait:
        typer.echo("queued: `acorn worker` sends it")
        return 0
    report = run_send_job(service, job)
    while report.outcome is SendOutcome.RETRY and report.delay is not None:
        typer.echo(f"  {report.error}; retry in {report.delay.total_seconds():.1f} s")
        time.sleep(report.delay.total_seconds())
        report = run_send_job(service, job)
    with service.store.transaction() as session:
        row = get_as2_message(session, ref)
        events = list_events(session, as2_message_id=ref)
    for event in events:
        typer.echo(f"  {event.occurred_at:%H:%M:%S} {event.stage:<18} {event.outcome:<7} {event.message}")
    typer.echo(f"Message-ID: {row.message_id}  MIC: {row.mic}, {row.mic_algorithm}")
    typer.echo(f"status: {row.status}" + (f"  disposition: {row.disposition}" if row.disposition else ""))
    ok = row.status in (AS2Status.SENT, AS2Status.AWAITING_MDN, AS2Status.MDN_RECEIVED)
    if not ok:
        typer.echo(f"failed: {row.error}", err=True)
    return 0 if ok else 1


def outbox(status: str | None, partner: str | None, limit: int) -> None:
    """Print outbound AS2 messages, newest first."""
    from gateway.store import prepare_database
    from gateway.store.as2 import search_as2_messages
    from gateway.store.enums import AS2Status, Direction

    store = prepare_database(Settings())
    try:
        with store.transaction() as session:
            page = search_as2_messages(session, direction=Direction.OUTBOUND, partner_id=partner,
                                       status=AS2Status(status) if status else None, limit=limit)
            rows = list(page.items)
        for row in rows:
            typer.echo(f"{row.created_at:%Y-%m-%d %H:%M:%S}  {row.partner_id or '-':<12} {row.status:<13} "
                       f"attempts={row.attempts}  ref={row.id}  {row.message_id}  {row.error or row.disposition or ''}")
        if not rows:
            typer.echo("no outbound AS2 messages")
    finally:
        store.dispose()


def register(app: typer.Typer) -> None:
    """Add ``acorn as2 outbox`` to the AS2 group (``acorn as2 send`` calls ``send_stored``)."""

    @as2_cmd.as2_app.command("resend")
    def resend_cmd(
        ref: Annotated[str, typer.Argument(help="The AS2 message ref (ref=... in `acorn as2 outbox`).")],
        wait: Annotated[bool, typer.Option("--wait/--queue", help="Send now, or queue for `acorn worker`.")] = True,
    ) -> None:
        """Send an outbound AS2 message in mdn_failed or dead again; print the attempts and the MDN."""
        try:
            code = resend(ref, wait=wait)
        except AcornError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        if code:
            raise typer.Exit(code)

    @as2_cmd.as2_app.command("outbox")
    def outbox_cmd(
        status: Annotated[str | None, typer.Option(help="queued, sending, awaiting_mdn, mdn_failed, dead, ...")] = None,
        partner: Annotated[str | None, typer.Option(help="Partner id.")] = None,
        limit: int = 50,
    ) -> None:
        """List outbound AS2 messages with their state, attempts and last error."""
        try:
            outbox(status, partner, limit)
        except (AcornError, ValueError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
