"""AS2 crypto ceiling: one core, back to back, 10 KB payload signed+encrypted with a signed MDN.

Per message: build (sign + encrypt) on the partner side, receive (decrypt + verify + MIC + signed MDN) on ours,
parse_mdn (verify) on the partner side. Prints messages/second for the inbound half and the full cycle.
Run: .venv/bin/python bench/as2_crypto.py [seconds]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from gateway.as2 import build_message, load_partner, parse_mdn, receive
from gateway.as2.certs import generate
from gateway.partners.as2_section import AS2Section


def main(seconds: float) -> None:
    root = Path(tempfile.mkdtemp())
    ours, theirs = generate("OURS", root), generate("THEIRS", root)

    def section(me, other, me_id, other_id):  # type: ignore[no-untyped-def]
        return AS2Section.model_validate(
            {
                "our_as2_id": me_id,
                "their_as2_id": other_id,
                "our_signing_key": {"path": str(me.key_pem)},
                "our_decryption_key": {"path": str(me.key_pem)},
                "their_certificates": [{"path": str(other.cert_pem)}],
            }
        )

    partner_side = load_partner("p", section(theirs, ours, "THEIRS", "OURS"))
    our_side = load_partner("o", section(ours, theirs, "OURS", "THEIRS"))
    payload = (b"ISA*00*0123456789~" * 600)[:10_240]
    now = datetime.now(UTC)
    n, inbound_time, start = 0, 0.0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        msg = build_message(partner_side, payload, "po.edi")
        t0 = time.perf_counter()
        result = receive(msg.headers, msg.body, lambda f, t: our_side, now, max_decompressed_bytes=10**7)
        inbound_time += time.perf_counter() - t0
        assert result.ok and result.mdn is not None and result.mdn.signed
        parse_mdn(result.mdn.headers, result.mdn.body, partner_side, msg.message_id, msg.mic, now)
        n += 1
    total = time.perf_counter() - start
    print(f"messages: {n} in {total:.1f} s")
    print(f"inbound receive (decrypt+verify+MIC+signed MDN): {n / inbound_time:.0f} msg/s per core")
    print(f"full cycle (build+receive+parse_mdn): {n / total:.0f} msg/s per core")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0)
