"""Finding a recorded transaction set by the AS2 message it came in and its ISA13 / GS06 / ST02."""

from __future__ import annotations

from gateway.store import as2, x12
from gateway.store.enums import AS2Status, Direction


def _message(session, message_id: str) -> str:
    message, _ = as2.record_as2_message(
        session, direction=Direction.INBOUND, message_id=message_id, partner_id="amazon", as2_from="AMAZON",
        as2_to="ACME", status=AS2Status.PROCESSED,
    )
    return str(message.id)


def _set(session, message_ref: str, isa13: str, gs06: str, st02: str) -> str:
    interchange = x12.record_interchange(
        session, direction=Direction.INBOUND, partner_id="amazon", isa13=isa13, sender_qualifier="ZZ",
        sender_id="AMAZON", receiver_qualifier="ZZ", receiver_id="ACME", version="00401", as2_message_id=message_ref,
    )
    group = x12.record_group(session, interchange.id, gs06=gs06, functional_id="PO", version="004010")
    return str(x12.record_transaction_set(session, group.id, st01="850", st02=st02).id)


def test_find_transaction_set_matches_message_and_all_three_control_numbers(store) -> None:
    with store.transaction() as session:
        first, second = _message(session, "<a@amazon>"), _message(session, "<b@amazon>")
        wanted = _set(session, first, "000000101", "101", "0001")
        _set(session, first, "000000102", "101", "0001")  # same GS06/ST02 in another interchange
        _set(session, second, "000000101", "101", "0001")  # same numbers in another message
        assert x12.find_transaction_set(session, first, isa13="000000101", gs06="101", st02="0001") == wanted
        assert x12.find_transaction_set(session, first, isa13="000000101", gs06="101", st02="0002") is None
        assert x12.find_transaction_set(session, first, isa13="000000101", gs06="102", st02="0001") is None
