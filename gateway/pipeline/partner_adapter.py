"""The ``Partners`` port over gateway.partners: one PartnerView per profile (ISA ids, acknowledgements, deliveries)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gateway.errors import ConfigError
from gateway.partners.loader import PartnerRegistry, load_registry
from gateway.partners.profile import AckKind, PartnerProfile
from gateway.partners.profile import DeliveryTarget as ProfileTarget
from gateway.pipeline.ports import DeliveryTarget, PartnerView
from gateway.pipeline.statuses import Channel

log = logging.getLogger("acorn.partners")


@dataclass(frozen=True, slots=True)
class ProfileView(PartnerView):
    """A PartnerView with what the bridge's partner summary shows: name, AS2 ID and certificates (PEM)."""

    name: str = ""
    as2_id: str | None = None
    certificates: tuple[tuple[str, bytes], ...] = ()


def _target(profile: PartnerProfile, target: ProfileTarget, *, production: bool) -> DeliveryTarget:
    types = tuple(target.document_types)
    if target.webhook_url is not None:
        secret = os.environ.get(target.secret_env or "")
        if secret is None:
            text = (f"partner {profile.id}: delivery {target.name}: environment variable {target.secret_env} "
                    "(the webhook secret) is not set")
            if production:
                raise ConfigError(text, path=str(profile.path) if profile.path else None)
            # Development: the gateway starts; each push to this target fails with this message until it is set.
            log.warning(text, extra={"partner": profile.id, "channel": "webhook"})
        return DeliveryTarget(target.name, Channel.WEBHOOK, url=target.webhook_url, secret=secret,
                              document_types=types)
    if target.directory is not None:
        return DeliveryTarget(target.name, Channel.DIRECTORY, directory=str(target.directory), document_types=types)
    return DeliveryTarget(target.name, Channel.PULL, document_types=types)


def _certificates(profile: PartnerProfile) -> tuple[tuple[str, bytes], ...]:
    if profile.as2 is None:
        return ()
    out = []
    for cert in profile.as2.their_certificates:
        try:
            out.append((cert.label or "partner", Path(cert.path).read_bytes()))
        except OSError as exc:
            raise ConfigError(f"partner {profile.id}: cannot read certificate: {exc}", path=str(cert.path)) from exc
    return tuple(out)


def view_of(profile: PartnerProfile, *, production: bool = False) -> ProfileView:
    """The parts of a profile the flows read; a profile without an ``x12`` section cannot exchange documents."""
    x12 = profile.x12
    if x12 is None:
        raise ConfigError(f"partner {profile.id} has no x12 section", path=str(profile.path) if profile.path else None)
    return ProfileView(
        id=profile.id,
        isa_qualifier=x12.their_qualifier,
        isa_id=x12.their_id,
        our_isa_qualifier=x12.our_qualifier,
        our_isa_id=x12.our_id,
        ack_kind=None if x12.ack_inbound is AckKind.NONE else x12.ack_inbound.value,
        ack_deadline=None if x12.ack_outbound is AckKind.NONE else profile.deadlines.functional_ack,
        deliveries=tuple(_target(profile, t, production=production) for t in profile.deliveries),
        name=profile.name,
        as2_id=profile.as2.their_as2_id if profile.as2 else None,
        certificates=_certificates(profile),
    )


class PartnerDirectory:
    """Implements ``Partners`` over the loaded profiles; ``profile(id)`` gives the full profile to the adapters."""

    def __init__(self, registry: PartnerRegistry, *, production: bool = False) -> None:
        self.registry = registry
        self._views = {p.id: view_of(p, production=production) for p in registry if p.x12 is not None}

    @classmethod
    def load(cls, partners_dir: Path, *, production: bool = False) -> PartnerDirectory:
        if not Path(partners_dir).is_dir():
            raise ConfigError(f"partner profiles directory {partners_dir} does not exist (ACORN_PARTNERS_DIR)")
        return cls(load_registry(partners_dir), production=production)

    def get(self, partner_id: str) -> PartnerView:
        view = self._views.get(partner_id)
        if view is None:
            self.registry.get(partner_id)  # NotFoundError naming the known partners
            raise ConfigError(f"partner {partner_id} has no x12 section: it cannot exchange documents")
        return view

    def profile(self, partner_id: str) -> PartnerProfile:
        return self.registry.get(partner_id)

    def by_isa(self, qualifier: str, isa_id: str) -> PartnerView | None:
        isa_id = isa_id.strip()
        return next((v for v in self._views.values() if (v.isa_qualifier, v.isa_id) == (qualifier, isa_id)), None)

    def __iter__(self) -> Iterator[PartnerView]:
        return iter(self._views.values())
