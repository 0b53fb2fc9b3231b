"""``acorn x12 validate`` and ``acorn x12 ack``: read, validate and acknowledge an X12 file."""

from __future__ import annotations

import importlib
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from gateway.errors import AcornError, GrammarError
from gateway.settings import Settings
from gateway.x12.ack import ack_interchange
from gateway.x12.envelope import EnvelopeRules, check_interchange
from gateway.x12.issues import Issue, Level
from gateway.x12.model import Delimiters, TransactionSet
from gateway.x12.reader import read
from gateway.x12.validation import GrammarValidator, ValidationReport, validate_file, validate_interchanges
from gateway.x12.writer import serialize

x12_app = typer.Typer(name="x12", help="Read, validate and acknowledge X12 files.", no_args_is_help=True)

EXIT_VALID, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2

FileArg = Annotated[Path, typer.Argument(help="X12 file to read", show_default=False)]
GrammarOpt = Annotated[bool, typer.Option("--grammar/--no-grammar", help="Also run the grammar validator")]


def grammar_validator() -> GrammarValidator | None:
    """The grammar-driven validator (gateway.x12.validate) for Settings.maps_dir; a set without a grammar is a problem.

    A module that provides only ``validate_transaction_set`` (tests substitute one) is used as it is.
    """
    grammar_module = importlib.import_module("gateway.x12.validate")
    factory = getattr(grammar_module, "validator_for", None)
    if not callable(factory):
        direct = getattr(grammar_module, "validate_transaction_set", None)
        return direct if callable(direct) else None
    validate = factory(Settings().maps_dir).validate

    def run(tset: TransactionSet, delimiters: Delimiters, version: str | None) -> list[Issue]:
        try:
            issues: list[Issue] = validate(tset, delimiters, version)
        except GrammarError as exc:
            return [Issue(Level.TRANSACTION_SET, "1", str(exc), transaction_set=tset.control_number,
                          transaction_set_code=tset.code)]
        return issues

    return run


def _load_validator(wanted: bool) -> GrammarValidator | None:
    if not wanted:
        return None
    try:
        return grammar_validator()
    except GrammarError as exc:
        typer.echo(f"cannot load the X12 grammars: {exc}", err=True)
        raise typer.Exit(EXIT_UNREADABLE) from None


def _unreadable(path: Path, exc: Exception) -> typer.Exit:
    typer.echo(f"{path}: cannot read as X12: {exc}", err=True)
    return typer.Exit(EXIT_UNREADABLE)


@x12_app.command("validate")
def validate_cmd(
    file: FileArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    grammar: GrammarOpt = True,
    sets: Annotated[str | None, typer.Option(help="Supported ST01 codes, comma-separated (e.g. 850,856)")] = None,
) -> None:
    """Validate envelopes (and grammar where available); exit 0 valid, 1 problems found, 2 unreadable."""
    validator = _load_validator(grammar)
    rules = EnvelopeRules(transaction_sets={c.strip() for c in sets.split(",") if c.strip()} if sets else None)
    try:
        report = validate_file(file, validator, rules)
    except (AcornError, OSError) as exc:
        raise _unreadable(file, exc) from None
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print_report(file, report)
    raise typer.Exit(EXIT_VALID if report.valid else EXIT_INVALID)


def _print_report(file: Path, report: ValidationReport) -> None:
    sets = report.transaction_set_count
    checks = "envelope + grammar" if report.grammar_checked else "envelope only (no grammar validator installed)"
    typer.echo(f"{file}: {len(report.interchanges)} interchange(s), {sets} transaction set(s); checks: {checks}")
    for ic in report.interchanges:
        for g in ic.groups:
            codes = ", ".join(f"{s.code} ST02 {s.control_number}" for s in g.transaction_sets)
            typer.echo(f"  ISA13 {ic.control_number} GS06 {g.control_number} {g.functional_id} {g.version}: {codes}")
    for issue in report.issues:
        typer.echo(f"  {issue.severity}: [{issue.level} {issue.code}] {issue}")
    typer.echo("valid" if report.valid else f"invalid: {len(report.issues)} issue(s)")


@x12_app.command("ack")
def ack_cmd(
    file: FileArg,
    isa13: Annotated[int, typer.Option(help="ISA13 of the acknowledgement interchange")] = 1,
    gs06: Annotated[int, typer.Option(help="GS06 of the first acknowledgement group")] = 1,
    grammar: GrammarOpt = True,
) -> None:
    """Print the 997/999 (and TA1 where due) for every interchange of FILE."""
    validator = _load_validator(grammar)
    try:
        interchanges = read(file)
    except (AcornError, OSError) as exc:
        raise _unreadable(file, exc) from None
    rules = EnvelopeRules()
    when = datetime.now()
    out: list[bytes] = []
    next_gs06 = gs06
    for ic in interchanges:
        issues: list[Issue] = []
        if validator is not None:
            issues = validate_interchanges([ic], validator, rules).issues
        else:
            issues = check_interchange(ic, rules)
        reply = ack_interchange(ic, issues, isa13=isa13 + len(out), first_gs06=next_gs06, when=when)
        if not reply.groups and not reply.ta1:
            continue  # nothing to acknowledge (e.g. an interchange of 997s)
        next_gs06 += len(reply.groups)
        out.append(serialize(reply))
    typer.echo(b"".join(out).decode("latin-1"), nl=False)


def register(app: typer.Typer) -> None:
    """Add ``acorn x12`` to the root app."""
    app.add_typer(x12_app)
