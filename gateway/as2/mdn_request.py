"""What receipt the sender asked for: Disposition-Notification-To/-Options and Receipt-Delivery-Option."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gateway.as2.cms_ops import digest_from_token
from gateway.as2.mime import header
from gateway.errors import UnsupportedMicAlgorithmError
from gateway.partners.as2_section import DigestAlgorithm, MdnMode


@dataclass(frozen=True)
class MdnRequest:
    mode: MdnMode
    url: str | None
    signed: bool
    mic_algorithms: tuple[str, ...]  # as requested, in order

    def choose_mic_algorithm(self, supported: Sequence[DigestAlgorithm]) -> DigestAlgorithm | None:
        """The FIRST requested algorithm we support (RFC 4130 7.3); unsupported -> failed/Failure."""
        if not self.mic_algorithms:
            return None
        for token in self.mic_algorithms:
            algorithm = digest_from_token(token)
            if algorithm is not None and algorithm in supported:
                return algorithm
        raise UnsupportedMicAlgorithmError(
            f"none of the requested MIC algorithms ({', '.join(self.mic_algorithms)}) is supported "
            f"(supported: {', '.join(a.value for a in supported)})"
        )


def parse_options(value: str) -> dict[str, tuple[str, list[str]]]:
    """``name=importance, v1, v2; ...`` -> {name: (importance, [v1, v2])}."""
    out: dict[str, tuple[str, list[str]]] = {}
    for item in value.split(";"):
        if "=" not in item:
            continue
        name, _, rest = item.partition("=")
        values = [v.strip() for v in rest.split(",") if v.strip()]
        if values:
            out[name.strip().lower()] = (values[0].lower(), values[1:])
    return out


def mdn_request(headers: Mapping[str, str]) -> MdnRequest:
    if header(headers, "Disposition-Notification-To") is None:
        return MdnRequest(MdnMode.NONE, None, False, ())
    url = (header(headers, "Receipt-Delivery-Option") or "").strip() or None
    options = parse_options(header(headers, "Disposition-Notification-Options") or "")
    protocol = options.get("signed-receipt-protocol")
    signed = bool(protocol and any(v.lower() == "pkcs7-signature" for v in protocol[1]))
    algorithms = tuple(options.get("signed-receipt-micalg", ("", []))[1])
    return MdnRequest(MdnMode.ASYNC if url else MdnMode.SYNC, url, signed, algorithms)
