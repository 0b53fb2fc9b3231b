"""Shared AS2 test fixtures: two generated identities (ours and a simulated partner) and profile builders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.as2 import As2Partner, load_partner
from gateway.as2.certs import GeneratedKey, generate
from gateway.partners.as2_section import AS2Section

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "as2"


@dataclass(frozen=True)
class Identities:
    ours: GeneratedKey
    theirs: GeneratedKey
    stranger: GeneratedKey


@pytest.fixture(scope="session")
def identities(tmp_path_factory: pytest.TempPathFactory) -> Identities:
    root = tmp_path_factory.mktemp("as2keys")
    # Valid from a day back: test modules fix their clock (NOW) at import, which may be long before this runs.
    since = datetime.now(UTC) - timedelta(days=1)
    return Identities(*(generate(name, root, valid_from=since) for name in ("ACORNTEST", "PARTNERTEST", "STRANGER")))


PairFactory = Callable[..., tuple[As2Partner, As2Partner]]


@pytest.fixture
def pair(identities: Identities) -> PairFactory:
    """(sender view, receiver view) of one relationship, with the same overrides applied to both profiles."""

    def make(**overrides: Any) -> tuple[As2Partner, As2Partner]:
        def section(me: GeneratedKey, other: GeneratedKey, me_id: str, other_id: str) -> AS2Section:
            data: dict[str, Any] = {
                "our_as2_id": me_id,
                "their_as2_id": other_id,
                "url": "http://127.0.0.1:1/as2",
                "our_signing_key": {"path": str(me.key_pem)},
                "our_decryption_key": {"path": str(me.key_pem)},
                "their_certificates": [{"path": str(other.cert_pem)}],
            }
            data.update(overrides)
            return AS2Section.model_validate(data)

        sender = load_partner("partner", section(identities.ours, identities.theirs, "ACORNTEST", "PARTNER TEST"))
        receiver = load_partner("acorn", section(identities.theirs, identities.ours, "PARTNER TEST", "ACORNTEST"))
        return sender, receiver

    return make
