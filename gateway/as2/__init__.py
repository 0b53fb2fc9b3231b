"""The AS2 codec (RFC 4130) over pyas2lib: inbound receive, outbound build, MDN parse, client and certificates.

The only package that imports pyas2lib/oscrypto; the oscrypto correction is applied before either is imported.
"""

from gateway.as2 import oscrypto_fix as _oscrypto_fix

# Must run before anything imports pyas2lib/oscrypto (see oscrypto_fix for why).
_oscrypto_fix.apply()

from gateway.as2.client import (  # noqa: E402
    AS2Client,
    AttemptOutcome,
    AttemptRecord,
    HttpxTransport,
    SendResult,
    Transport,
    TransportResponse,
    backoff_delay,
)
from gateway.as2.inbound import InboundResult, PartnerLookup, SecurityFacts, receive  # noqa: E402
from gateway.as2.keys import As2Partner, WindowedCertificate, load_partner  # noqa: E402
from gateway.as2.mdn_build import OutboundMdn  # noqa: E402
from gateway.as2.mdn_parse import MdnResult, MdnStatus, MicCheck, parse_mdn  # noqa: E402
from gateway.as2.outbound import OutboundMessage, build_message  # noqa: E402

__all__ = [
    "AS2Client",
    "As2Partner",
    "AttemptOutcome",
    "AttemptRecord",
    "HttpxTransport",
    "InboundResult",
    "MdnResult",
    "MdnStatus",
    "MicCheck",
    "OutboundMdn",
    "OutboundMessage",
    "PartnerLookup",
    "SecurityFacts",
    "SendResult",
    "Transport",
    "TransportResponse",
    "WindowedCertificate",
    "backoff_delay",
    "build_message",
    "load_partner",
    "parse_mdn",
    "receive",
]
