"""Load partners/<id>/partner.yaml into PartnerProfile (errors name file:line) and index them in a registry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gateway.errors import ConfigError, NotFoundError
from gateway.partners.profile import PartnerProfile
from gateway.partners.yamlsrc import LDict, LList, load_yaml


def _line_of(data: Any, loc: tuple[int | str, ...]) -> int | None:
    line = data.line if isinstance(data, LDict | LList) else None
    node = data
    for part in loc:
        if isinstance(node, LDict) and isinstance(part, str) and part in node:
            line = node.line_of(part)
            node = node[part]
        elif isinstance(node, LList) and isinstance(part, int) and part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def _resolve_paths(profile: PartnerProfile, base: Path) -> PartnerProfile:
    update: dict[str, Any] = {"path": base / "partner.yaml"}
    if profile.as2 is not None:
        update["as2"] = profile.as2.with_base_dir(base)
    if profile.x12 is not None:
        sets = {code: s.model_copy(update={"map": s.map if s.map.is_absolute() else (base / s.map).resolve()})
                for code, s in profile.x12.transaction_sets.items()}
        update["x12"] = profile.x12.model_copy(update={"transaction_sets": sets})
    deliveries = [d.model_copy(update={"directory": base / d.directory})
                  if d.directory is not None and not d.directory.is_absolute() else d for d in profile.deliveries]
    update["deliveries"] = deliveries
    return profile.model_copy(update=update)


def load_partner(path: Path) -> PartnerProfile:
    """One partner.yaml; relative paths (maps, keys, drop directories) resolved against its directory."""
    path = Path(path)
    data = load_yaml(path)
    if not isinstance(data, LDict):
        raise ConfigError("a partner profile must be a YAML mapping", path=str(path))
    try:
        profile = PartnerProfile.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        field = ".".join(str(p) for p in loc) or "profile"
        message = f"unknown key {field!r}" if first["type"] == "extra_forbidden" else f"{field}: {first['msg']}"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(message + more, path=str(path), line=_line_of(data, loc)) from None
    if profile.id != path.parent.name:
        raise ConfigError(f"id {profile.id!r} differs from its directory name {path.parent.name!r}", path=str(path),
                          line=data.line_of("id"))
    return _resolve_paths(profile, path.parent.resolve())


class PartnerRegistry:
    """Every loaded profile, found by id, by AS2 identifiers or by ISA sender."""

    def __init__(self, profiles: list[PartnerProfile]) -> None:
        self._by_id: dict[str, PartnerProfile] = {}
        for p in profiles:
            if p.id in self._by_id:
                raise ConfigError(f"partner id {p.id!r} is defined twice", path=str(p.path))
            self._by_id[p.id] = p

    def __iter__(self) -> Iterator[PartnerProfile]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, partner_id: str) -> PartnerProfile:
        try:
            return self._by_id[partner_id]
        except KeyError:
            raise NotFoundError(f"unknown partner {partner_id!r} (known: {', '.join(sorted(self._by_id))})") from None

    def by_as2_ids(self, as2_from: str, as2_to: str) -> PartnerProfile | None:
        """The partner whose AS2 ID sent to our AS2 ID (AS2-From / AS2-To, compared exactly as RFC 4130 asks)."""
        for p in self._by_id.values():
            if p.as2 is not None and p.as2.their_as2_id == as2_from and p.as2.our_as2_id == as2_to:
                return p
        return None

    def by_interchange(self, qualifier: str, sender_id: str) -> PartnerProfile | None:
        """The partner whose ISA05/ISA06 this is (ID compared without padding)."""
        sender_id = sender_id.strip()
        for p in self._by_id.values():
            if p.x12 is not None and p.x12.their_qualifier == qualifier and p.x12.their_id == sender_id:
                return p
        return None


def load_registry(partners_dir: Path) -> PartnerRegistry:
    """Every partners/<id>/partner.yaml under ``partners_dir``."""
    files = sorted(Path(partners_dir).glob("*/partner.yaml"))
    return PartnerRegistry([load_partner(f) for f in files])
