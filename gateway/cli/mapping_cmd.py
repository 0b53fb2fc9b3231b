"""``acorn translate`` (X12 <-> canonical JSON for one partner) and ``acorn maps check|schemas|goldens``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from gateway.canonical import MODELS, json_schema
from gateway.errors import AcornError, ConfigError, MappingError, X12Error
from gateway.mapping import canonical_to_body, envelope, load_map, load_partner_map, x12_to_dict
from gateway.mapping import goldens as golden_files
from gateway.partners import PartnerRegistry, load_partner, load_registry
from gateway.settings import Settings
from gateway.x12.reader import read

EXIT_OK, EXIT_PROBLEMS, EXIT_UNREADABLE = 0, 1, 2
SCHEMA_NAMES = {"850": "purchase-order", "855": "purchase-order-acknowledgement", "856": "ship-notice",
                "810": "invoice", "180": "return-authorization"}

maps_app = typer.Typer(name="maps", help="Check mapping files and partner profiles; JSON Schemas; goldens.",
                       no_args_is_help=True)


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _registry(settings: Settings) -> PartnerRegistry:
    return load_registry(settings.partners_dir)


def _detect(data: bytes) -> str:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:3]
    if head.startswith(b"ISA"):
        return "x12"
    if head[:1] in (b"{", b"["):
        return "json"
    raise _fail("input is neither X12 (ISA ...) nor JSON", EXIT_UNREADABLE)


def translate(
    file: Annotated[Path, typer.Argument(help="X12 or canonical JSON file", show_default=False)],
    partner: Annotated[str, typer.Option("--partner", help="Partner id (directory under partners/)")],
    to: Annotated[str | None, typer.Option("--to", help="json or x12; detected from the input when omitted")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout")] = None,
    isa13: Annotated[int, typer.Option(help="ISA13 for JSON -> X12")] = 1,
    gs06: Annotated[int, typer.Option(help="GS06 for JSON -> X12")] = 1,
    st02: Annotated[int, typer.Option(help="First ST02 for JSON -> X12")] = 1,
) -> None:
    """Translate FILE for PARTNER; exit 0 ok, 1 mapping problems, 2 unreadable input or configuration."""
    settings = Settings()
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise _fail(f"{file}: {exc.strerror}", EXIT_UNREADABLE) from None
    source = _detect(data)
    target = to or ("json" if source == "x12" else "x12")
    if target not in ("json", "x12") or target == source:
        raise _fail(f"cannot translate {source} to {target}", EXIT_UNREADABLE)
    try:
        profile = _registry(settings).get(partner)
        if source == "x12":
            text = _x12_to_json(profile, data, settings)
            result = text.encode("utf-8")
        else:
            result = _json_to_x12(profile, data, settings, isa13, gs06, st02)
    except (MappingError, X12Error) as exc:
        code = EXIT_UNREADABLE if isinstance(exc, X12Error) and "cannot" in str(exc).lower() else EXIT_PROBLEMS
        raise _fail(f"{file}: {exc}", code) from None
    except (ConfigError, AcornError) as exc:
        raise _fail(str(exc), EXIT_UNREADABLE) from None
    if out is not None:
        out.write_bytes(result)
    else:
        typer.echo(result.decode("utf-8", errors="replace"), nl=False)


def _x12_to_json(profile: Any, data: bytes, settings: Settings) -> str:
    documents: list[dict[str, Any]] = []
    maps: dict[str, Any] = {}
    for ic in read(data):
        for group in ic.groups:
            for tset in group.transaction_sets:
                if tset.code not in maps:
                    maps[tset.code] = load_partner_map(profile, tset.code, settings.maps_dir)
                doc, warnings = x12_to_dict(tset, ic.delimiters, profile, maps[tset.code], interchange=ic, group=group)
                for warning in warnings:
                    typer.echo(f"warning: partner {profile.id}, {tset.code} ST02 {tset.control_number}, {warning}",
                               err=True)
                documents.append(doc)
    return json.dumps(documents if len(documents) != 1 else documents[0], indent=2, ensure_ascii=False) + "\n"


def _json_to_x12(profile: Any, data: bytes, settings: Settings, isa13: int, gs06: int, st02: int) -> bytes:
    try:
        parsed = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"invalid JSON: {exc}") from None
    documents = parsed if isinstance(parsed, list) else [parsed]
    if not documents or not all(isinstance(d, dict) for d in documents):
        raise MappingError("expected a canonical document (JSON object) or a list of them")
    kinds = {str(d.get("documentType") or d.get("envelope", {}).get("documentType") or "") for d in documents}
    if len(kinds) != 1 or not kinds <= set(MODELS):
        raise MappingError(f"documentType must be one of {', '.join(MODELS)} and the same for every document; "
                           f"found {sorted(kinds)}")
    code = kinds.pop()
    mapping = load_partner_map(profile, code, settings.maps_dir)
    bodies = []
    for n, document in enumerate(documents):
        try:
            bodies.append(canonical_to_body(document, profile, mapping))
        except (MappingError, X12Error) as exc:
            if len(documents) == 1:
                raise
            # which of the file's documents, and the ST02 it was to get
            raise type(exc)(f"document {n + 1} of {len(documents)} (ST02 {st02 + n:04d}): {exc}") from None
    return envelope(profile, mapping, bodies, isa13=isa13, gs06=gs06, st02_start=st02, when=datetime.now(UTC))


@maps_app.command("check")
def check() -> None:
    """Load and validate every base mapping file and every partner profile with its maps."""
    settings = Settings()
    problems = 0
    for path in sorted((settings.maps_dir / "mappings").glob("*.yaml")):
        try:
            load_map(path, search=[settings.maps_dir / "mappings"])
            typer.echo(f"ok      {path}")
        except AcornError as exc:
            problems += 1
            typer.echo(f"error   {exc}", err=True)
    for path in sorted(settings.partners_dir.glob("*/partner.yaml")):
        try:
            profile = load_partner(path)
            for code in profile.x12.transaction_sets if profile.x12 else {}:
                load_partner_map(profile, code, settings.maps_dir)
            typer.echo(f"ok      {path}")
        except AcornError as exc:
            problems += 1
            typer.echo(f"error   {exc}", err=True)
    if problems:
        raise typer.Exit(EXIT_PROBLEMS)


def schema_files() -> dict[str, str]:
    """File name -> JSON text of every canonical document's JSON Schema."""
    return {f"{code}-{SCHEMA_NAMES[code]}.schema.json": json.dumps(json_schema(code), indent=2, sort_keys=True) + "\n"
            for code in MODELS}


@maps_app.command("schemas")
def schemas(
    directory: Annotated[Path, typer.Option("--dir", help="Where the schemas live")] = Path("docs/schemas"),
    check_only: Annotated[bool, typer.Option("--check", help="Exit 1 when a checked-in schema is stale")] = False,
) -> None:
    """Regenerate one JSON Schema per canonical document type (or check that they are current)."""
    stale = []
    for name, text in schema_files().items():
        path = directory / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not check_only:
            directory.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            typer.echo(f"wrote   {path}")
    if check_only and stale:
        raise _fail(f"stale JSON Schemas in {directory}: {', '.join(stale)} (run acorn maps schemas)", EXIT_PROBLEMS)


@maps_app.command("goldens")
def goldens(write: Annotated[bool, typer.Option("--write", help="Regenerate JSON from X12, then X12 from it")] = False
            ) -> None:
    """Check every golden pair both ways; --write regenerates them (review the diff before committing)."""
    settings = Settings()
    try:
        cases = golden_files.discover(_registry(settings), settings.maps_dir)
    except AcornError as exc:
        raise _fail(str(exc), EXIT_UNREADABLE) from None
    bad = 0
    for case in cases:
        try:
            if write:
                golden_files.regenerate(case)
            documents = golden_files.x12_to_json(case, case.x12_path.read_bytes())
            same_json = golden_files.dumps(documents) == case.json_path.read_text(encoding="utf-8")
            same_x12 = golden_files.json_to_x12(case, documents) == case.x12_path.read_bytes()
        except (AcornError, OSError) as exc:
            bad += 1
            typer.echo(f"error   {case.name}: {exc}", err=True)
            continue
        status = "ok" if same_json and same_x12 else "differs"
        bad += status != "ok"
        typer.echo(f"{status:<8}{case.name}")
    if bad:
        raise typer.Exit(EXIT_PROBLEMS)


def register(app: typer.Typer) -> None:
    """Add ``acorn translate`` and ``acorn maps ...`` to the root app."""
    app.command("translate")(translate)
    app.add_typer(maps_app, name="maps")
