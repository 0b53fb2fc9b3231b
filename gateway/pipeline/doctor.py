"""`acorn doctor`: settings, database and schema, partner profiles and maps, keys and certificates, endpoints."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from pydantic import SecretStr

from gateway.as2.keys import DEV_MARKER_OU, load_certificate, load_key_pair
from gateway.errors import AcornError, SchemaOutOfDateError
from gateway.mapping import load_map, load_partner_map
from gateway.partners import load_partner
from gateway.partners.profile import PartnerProfile
from gateway.settings import Settings
from gateway.store import Store
from gateway.store.schema import check_schema, current_revisions, head_revisions
from gateway.x12.grammar import GrammarLibrary

EXPIRY_WARNING_DAYS = 30  # a certificate this close to its end is a warning: switch-overs take partners weeks


class Verdict(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the doctor's report: what was checked, the verdict, why, and facts for --json."""

    name: str
    verdict: Verdict
    detail: str
    facts: dict[str, Any] = field(default_factory=dict)


Probe = Callable[[str, float], str]  # url, timeout -> short description of the answer; raises httpx.HTTPError


def http_probe(url: str, timeout: float) -> str:
    """An OPTIONS request (HEAD when OPTIONS is refused): any HTTP answer means the endpoint is reachable."""
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        response = client.options(url)
        if response.status_code in (404, 405, 501):
            response = client.head(url)
    return f"HTTP {response.status_code}"


def mask_url(url: str) -> str:
    """A URL with its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def settings_check(settings: Settings) -> Check:
    """The effective settings (secrets masked), with warnings for what production should not run with."""
    facts: dict[str, Any] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            facts[name] = "***" if value.get_secret_value() else ""
        elif name == "database_url":
            facts[name] = mask_url(str(value))
        else:
            facts[name] = str(value) if isinstance(value, Path) else value
    problems = []
    if settings.is_production:
        if not settings.session_secret.get_secret_value():
            problems.append("ACORN_SESSION_SECRET is empty: each process makes its own, logins break across nodes")
        if settings.database_url.startswith("sqlite"):
            problems.append("SQLite serves one process: use PostgreSQL to run several gateways")
        if not settings.public_url.startswith("https://"):
            problems.append(f"ACORN_PUBLIC_URL {settings.public_url} is not https")
    if problems:
        return Check("settings", Verdict.WARN, "; ".join(problems), facts)
    return Check("settings", Verdict.OK, f"environment {settings.environment}", facts)


def database_check(settings: Settings) -> Check:
    """The database answers and its schema is at the revision this code expects."""
    facts: dict[str, Any] = {"url": mask_url(settings.database_url), "expected": sorted(head_revisions())}
    sqlite_file = settings.database_url.removeprefix("sqlite:///")
    if sqlite_file != settings.database_url and not Path(sqlite_file).exists():
        # Connecting would create an empty file; say what will happen instead.
        verdict = Verdict.FAIL if settings.is_production else Verdict.WARN
        return Check("database", verdict, f"no database yet at {sqlite_file} (`acorn db upgrade` creates it)", facts)
    try:
        store = Store.from_url(settings.database_url)
    except AcornError as exc:
        return Check("database", Verdict.FAIL, str(exc), facts)
    try:
        facts["found"] = sorted(current_revisions(store.engine))
        check_schema(store.engine)
    except SchemaOutOfDateError as exc:
        # Development upgrades the schema itself at start; production refuses to start until `acorn db upgrade`.
        verdict = Verdict.FAIL if settings.is_production else Verdict.WARN
        return Check("database", verdict, str(exc), facts)
    except AcornError as exc:
        return Check("database", Verdict.FAIL, str(exc), facts)
    except Exception as exc:  # the driver's own errors: unreachable host, refused login, missing database
        return Check("database", Verdict.FAIL, f"cannot reach the database: {type(exc).__name__}: {exc}", facts)
    finally:
        store.dispose()
    return Check("database", Verdict.OK, f"reachable, schema at {', '.join(facts['found'])}", facts)


def maps_checks(settings: Settings) -> list[Check]:
    """Every base mapping file under ``maps_dir/mappings`` loads and compiles."""
    folder = settings.maps_dir / "mappings"
    checks = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            load_map(path, search=[folder])
        except AcornError as exc:
            checks.append(Check(f"map {path.name}", Verdict.FAIL, str(exc)))
        else:
            checks.append(Check(f"map {path.name}", Verdict.OK, "loads and compiles"))
    return checks


def grammar_check(settings: Settings) -> Check:
    """Every X12 grammar under ``maps_dir/x12`` parses and compiles (the validator needs all of them)."""
    directory = settings.maps_dir / "x12"
    try:
        grammars = GrammarLibrary(directory).load_all()
    except (AcornError, OSError) as exc:
        return Check("grammars", Verdict.FAIL, f"{directory}: {exc}")
    names = sorted(f"{g.code}/{g.version}" for g in grammars)
    return Check("grammars", Verdict.OK, f"{len(names)} transaction set grammars compile", {"grammars": names})


def partner_checks(settings: Settings) -> tuple[list[Check], list[PartnerProfile]]:
    """Every partner profile loads with the maps it names; returns the loaded profiles for the next checks."""
    files = sorted(settings.partners_dir.glob("*/partner.yaml"))
    if not files:
        return [Check("partners", Verdict.FAIL, f"no partner profiles under {settings.partners_dir}")], []
    checks, profiles = [], []
    for path in files:
        name = f"partner {path.parent.name}"
        try:
            profile = load_partner(path)
            codes = list(profile.x12.transaction_sets) if profile.x12 else []
            for code in codes:
                load_partner_map(profile, code, settings.maps_dir)
        except AcornError as exc:
            checks.append(Check(name, Verdict.FAIL, str(exc)))
            continue
        profiles.append(profile)
        detail = f"profile and maps load ({', '.join(codes) or 'no transaction sets'})"
        checks.append(Check(name, Verdict.OK, detail, {"transaction_sets": codes}))
    return checks, profiles


def _is_dev(cert: Any) -> bool:
    subject = cert.asn1["tbs_certificate"]["subject"].native
    return DEV_MARKER_OU in str(subject.get("organizational_unit_name", ""))


def _expiry(name: str, not_before: datetime, not_after: datetime, now: datetime, facts: dict[str, Any]) -> Check:
    days = (not_after - now).total_seconds() / 86400
    facts.update(not_before=not_before.isoformat(), not_after=not_after.isoformat(), days_to_expiry=round(days, 1))
    if now < not_before:
        return Check(name, Verdict.OK, f"not valid before {not_before:%Y-%m-%d} (scheduled switch-over)", facts)
    if days < 0:
        return Check(name, Verdict.FAIL, f"expired {not_after:%Y-%m-%d} ({-days:.0f} days ago)", facts)
    if days < EXPIRY_WARNING_DAYS:
        return Check(name, Verdict.WARN, f"expires {not_after:%Y-%m-%d}, in {days:.0f} days", facts)
    return Check(name, Verdict.OK, f"valid until {not_after:%Y-%m-%d} ({days:.0f} days)", facts)


def certificate_checks(profile: PartnerProfile, *, production: bool, now: datetime) -> list[Check]:
    """Our keys and the partner's certificates: loadable, in their window, no development keys in production."""
    if profile.as2 is None:
        return []
    checks = []
    keys = {"signing key": profile.as2.our_signing_key, "decryption key": profile.as2.our_decryption_key}
    for usage, source in keys.items():
        if source is None:
            continue
        name = f"{profile.id} {usage}"
        facts: dict[str, Any] = {"path": str(source.path)}
        try:
            pair = load_key_pair(source, profile.id, production=production)
        except AcornError as exc:
            checks.append(Check(name, Verdict.FAIL, str(exc), facts))
            continue
        validity = pair.certificate.asn1["tbs_certificate"]["validity"]
        facts["development"] = _is_dev(pair.certificate)
        checks.append(_expiry(name, validity["not_before"].native, validity["not_after"].native, now, facts))
    valid_now = 0
    for entry in profile.as2.their_certificates:
        name = f"{profile.id} partner certificate {entry.label or entry.path.name}"
        facts = {"path": str(entry.path)}
        try:
            cert = load_certificate(entry, profile.id)
        except AcornError as exc:
            checks.append(Check(name, Verdict.FAIL, str(exc), facts))
            continue
        facts.update(sha256=cert.sha256, development=_is_dev(cert.certificate))
        if production and facts["development"]:
            checks.append(Check(name, Verdict.FAIL, f"development certificate refused in production ({DEV_MARKER_OU})",
                                facts))
            continue
        check = _expiry(name, cert.not_before, cert.not_after, now, facts)
        valid_now += cert.valid_at(now)
        checks.append(check)
    if profile.as2.their_certificates and not valid_now:
        checks.append(Check(f"{profile.id} partner certificates", Verdict.FAIL,
                            "no partner certificate is valid now: messages from this partner cannot be verified"))
    return checks


def endpoint_check(profile: PartnerProfile, probe: Probe, timeout: float, *, production: bool) -> Check | None:
    """The partner's AS2 URL answers HTTP (any status) within ``timeout`` seconds."""
    if profile.as2 is None or not profile.as2.url:
        return None
    name, url = f"{profile.id} endpoint", profile.as2.url
    try:
        answer = probe(url, timeout)
    except httpx.HTTPError as exc:
        # Development profiles point at simulators that run only under `acorn demo`: a warning there.
        verdict = Verdict.FAIL if production else Verdict.WARN
        return Check(name, verdict, f"{url} unreachable: {type(exc).__name__}: {exc}", {"url": url})
    return Check(name, Verdict.OK, f"{url} answers ({answer})", {"url": url})


def run(
    settings: Settings,
    *,
    offline: bool = False,
    timeout: float = 5.0,
    probe: Probe = http_probe,
    now: datetime | None = None,
) -> list[Check]:
    """Every check, in report order."""
    now = now or datetime.now(UTC)
    checks = [settings_check(settings), database_check(settings), grammar_check(settings), *maps_checks(settings)]
    partner_results, profiles = partner_checks(settings)
    checks.extend(partner_results)
    for profile in profiles:
        checks.extend(certificate_checks(profile, production=settings.is_production, now=now))
    for profile in profiles:
        if offline:
            if profile.as2 is not None and profile.as2.url:
                checks.append(Check(f"{profile.id} endpoint", Verdict.SKIP, "--offline", {"url": profile.as2.url}))
            continue
        check = endpoint_check(profile, probe, timeout, production=settings.is_production)
        if check is not None:
            checks.append(check)
    return checks


def failed(checks: list[Check]) -> bool:
    return any(c.verdict is Verdict.FAIL for c in checks)
