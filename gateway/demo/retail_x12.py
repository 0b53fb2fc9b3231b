"""The simulated retailer's X12: 850s the way Amazon sends them, and a 997 for each set it receives."""

from __future__ import annotations

from datetime import datetime, timedelta

from gateway.x12.ack import ack_interchange
from gateway.x12.model import Delimiters, Interchange
from gateway.x12.reader import read
from gateway.x12.writer import GroupSpec, build_interchange, serialize, transaction_set

RETAILER = ("ZZ", "AMAZON")
VENDOR = ("ZZ", "ACORNVENDOR")
DELIMITERS = Delimiters(element="*", component=">", repetition=None, segment="~", suffix="\n")
FULFILMENT_CENTRES = ("ABE2", "PHX6", "ONT8", "BFI4")
# (qualifier, id, secondary qualifier, id, cost): the catalogue the simulated buyer orders from.
CATALOGUE = (
    ("BP", "B00EXAMPL1", "VN", "ACN-1001", "12.50"),
    ("EN", "4006381333931", None, None, "39.99"),
    ("UP", "036000291452", "VP", "VP-33", "7.25"),
    ("BP", "B07ACORN42", "VN", "ACN-2042", "24.00"),
)


def purchase_order(po_number: int, control: int, when: datetime) -> bytes:
    """An 004010 850 from ZZ*AMAZON: BEG*00*NE, REF*CR, delivery window DTMs, N1*ST**92, PO1 lines, CTT."""
    lines = [CATALOGUE[(po_number + i) % len(CATALOGUE)] for i in range(1 + po_number % 3)]
    body: list[list[str]] = [
        ["BEG", "00", "NE", str(po_number), "", when.strftime("%Y%m%d")],
        ["REF", "CR", f"AMZ-CUST-{po_number % 1000:03d}"],
        ["DTM", "064", (when + timedelta(days=7)).strftime("%Y%m%d")],
        ["DTM", "063", (when + timedelta(days=14)).strftime("%Y%m%d")],
        ["N1", "ST", "", "92", FULFILMENT_CENTRES[po_number % len(FULFILMENT_CENTRES)]],
    ]
    total = 0
    for n, (qualifier, product, qualifier2, product2, cost) in enumerate(lines, start=1):
        quantity = 6 * (1 + (po_number + n) % 4)
        total += quantity
        po1 = ["PO1", str(n), str(quantity), "EA", cost, "PE", qualifier, product]
        if qualifier2 and product2:
            po1 += [qualifier2, product2]
        body.append(po1)
    body.append(["CTT", str(len(lines)), str(total)])
    tset = transaction_set("850", f"{control:04d}", body)
    group = GroupSpec("PO", RETAILER[1], VENDOR[1], control, "004010", [tset])
    return serialize(build_interchange(RETAILER, VENDOR, "00401", [group], control, DELIMITERS, when))


def functional_acks(payload: bytes, control: int, when: datetime) -> tuple[bytes | None, list[str]]:
    """A 997 interchange for every non-FA group received, and the transaction sets it acknowledges."""
    interchanges: list[Interchange] = read(payload)
    acks: list[Interchange] = []
    covered: list[str] = []
    for ic in interchanges:
        groups = [g for g in ic.groups if g.functional_id != "FA"]
        if not groups:
            continue  # an acknowledgement is never acknowledged
        covered += [t.header[1] for g in groups for t in g.transaction_sets]
        acks.append(ack_interchange(ic, [], isa13=control + len(acks), first_gs06=control + len(acks), when=when))
    if not acks:
        return None, []
    return b"".join(serialize(ic) for ic in acks), covered


def set_codes(payload: bytes) -> list[str]:
    """ST01 of every transaction set in ``payload`` (what the retailer received)."""
    return [t.header[1] for ic in read(payload) for g in ic.groups for t in g.transaction_sets]
