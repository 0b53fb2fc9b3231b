"""Reader: messy real-world layouts, several interchanges, TA1, bad input with clear errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gateway.errors import X12ReadError
from gateway.x12.envelope import TA1Note, check_interchange
from gateway.x12.issues import Level
from gateway.x12.model import Delimiters
from gateway.x12.reader import as_utf8, iter_segments, iter_transaction_sets, read

from .x12_docs import D4, document


def _ids(data: bytes) -> list[str]:
    return [s.id for s in iter_segments(data)]


def test_plain_850_reads_envelopes_and_body() -> None:
    (ic,) = read(document("850"))
    assert ic.delimiters == D4
    assert ic.sender == ("ZZ", "SENDER") and ic.receiver == ("ZZ", "RECEIVER") and ic.version == "00401"
    tset = ic.groups[0].transaction_sets[0]
    assert tset.code == "850" and tset.segments[0].elements == ["BEG", "00", "NE", "PO1001", "", "20260105"]


@pytest.mark.parametrize("terminator", ["\\", "\x85", "\x1c", "\n", "\r", "'", "!"])
def test_unusual_segment_terminators(terminator: str) -> None:
    d = Delimiters(element="*", component=">", segment=terminator)
    data = document("855", delimiters=d, sets=2)
    (ic,) = read(data)
    assert ic.delimiters.segment == terminator
    assert [t.control_number for t in ic.groups[0].transaction_sets] == ["0001", "0002"]
    assert check_interchange(ic) == []


def test_multi_byte_terminator_crlf_and_indentation_are_noise() -> None:
    data = document("850").replace(b"~\n", b"~\r\n    ")
    (ic,) = read(data)
    assert ic.delimiters.suffix == "\r\n"
    assert check_interchange(ic) == []
    assert ic.groups[0].transaction_sets[0].segments[0].id == "BEG"


def test_mixed_line_breaks_within_one_file() -> None:
    data = document("850").replace(b"~\n", b"~", 3).replace(b"REF*", b"\r\n\tREF*")
    (ic,) = read(data)
    assert check_interchange(ic) == []


def test_bom_before_isa() -> None:
    (ic,) = read(b"\xef\xbb\xbf" + document("810"))
    assert ic.groups[0].transaction_sets[0].code == "810"


def test_cr_terminator_with_lf_noise() -> None:
    data = document("180", delimiters=Delimiters(segment="\r", component=">")).replace(b"\r", b"\r\n")
    (ic,) = read(data)
    assert ic.delimiters.segment == "\r" and check_interchange(ic) == []


def test_several_interchanges_each_with_its_own_delimiters() -> None:
    a = document("850", isa13=1)
    b = document("856", version="005010", isa13=2,
                 delimiters=Delimiters(element="|", component="^", repetition="{", segment="\x85"))
    c = document("997", isa13=3, delimiters=Delimiters(element="+", component=":", segment="'", suffix="\r\n"))
    ics = read(a + b"\r\n" + b + c)
    assert [ic.control_number for ic in ics] == ["000000001", "000000002", "000000003"]
    assert [ic.delimiters.element for ic in ics] == ["*", "|", "+"]
    assert ics[1].delimiters.repetition == "{"
    assert ics[1].groups[0].transaction_sets[0].implementation_reference == "005010"
    assert all(check_interchange(ic) == [] for ic in ics)


def test_chunk_boundaries_do_not_change_the_result() -> None:
    data = document("850", sets=3) + document("855", isa13=2, delimiters=Delimiters(segment="\\"))
    expected = [(s.elements, s.position) for s in iter_segments(data)]
    for size in (1, 2, 3, 7, 50, 105, 106, 107, 4096):
        assert [(s.elements, s.position) for s in iter_segments(io.BytesIO(data), chunk_size=size)] == expected


def test_ta1_inside_an_interchange_is_kept() -> None:
    data = document("850").replace(b"GS*", b"TA1*000000077*260105*0930*R*022~\nGS*", 1)
    (ic,) = read(data)
    assert [s.elements for s in ic.ta1] == [["TA1", "000000077", "260105", "0930", "R", "022"]]
    assert len(ic.groups) == 1 and check_interchange(ic) == []


def test_ta1_only_interchange() -> None:
    data = document("850").split(b"GS*")[0] + b"TA1*000000077*260105*0930*A*000~\nIEA*0*000000001~\n"
    (ic,) = read(data)
    assert len(ic.ta1) == 1 and ic.groups == [] and check_interchange(ic) == []


def test_missing_iea_before_next_isa() -> None:
    first = document("850").replace(b"IEA*1*000000001~\n", b"")
    ics = read(first + document("855", isa13=2, delimiters=Delimiters(element="|", segment="\\")))
    assert [ic.trailer is None for ic in ics] == [True, False]
    codes = [i.code for i in check_interchange(ics[0])]
    assert codes == [TA1Note.PREMATURE_END]


def test_unterminated_last_segment_is_read() -> None:
    data = document("850").rstrip(b"\n").rstrip(b"~")
    (ic,) = read(data)
    assert ic.trailer is not None and ic.trailer[2] == "000000001"


def test_non_ascii_in_isa_is_an_issue_with_offset_not_a_crash() -> None:
    data = document("850").replace(b"*SENDER         *", "*SENDÉR        *".encode())  # É: 2 UTF-8 bytes
    (ic,) = read(data)
    issues = check_interchange(ic)
    sender = [i for i in issues if i.code == TA1Note.SENDER_ID]
    assert sender and sender[0].level is Level.INTERCHANGE
    assert sender[0].offset == data.index(b"\xc3")
    assert "0xC3" in sender[0].message
    assert as_utf8(ic.header[6]).startswith("SENDÉR")


def test_latin1_policy_keeps_every_byte() -> None:
    data = document("850").replace(b"PO1001", b"PO\xe9\xff01")
    (ic,) = read(data)
    beg = ic.groups[0].transaction_sets[0].segments[0]
    assert beg[3] == "PO\xe9\xff01" and beg[3].encode("latin-1") == b"PO\xe9\xff01"


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (b"  \r\n\t ", "empty"),
        (b"\x00\x01\x02garbage\xff\xfe", "expected an ISA"),
        (b"GS*PO*A*B~", "expected an ISA"),
        (b"ISA*00*   ", "truncated ISA"),
        (b"ISA", "truncated ISA"),
        (b"ISAX00", "not an element separator"),
    ],
)
def test_unreadable_input_raises_read_error(data: bytes, needle: str) -> None:
    with pytest.raises(X12ReadError) as info:
        read(data)
    assert needle in str(info.value)
    assert info.value.offset is not None


def test_truncated_isa_names_its_offset() -> None:
    good = document("850")
    with pytest.raises(X12ReadError) as info:
        read(good + b"ISA*00*          *00")
    assert info.value.offset == len(good)


def test_isa_with_wrong_width_is_refused_with_offset() -> None:
    data = document("850").replace(b"*U*00401*", b"*U*00401**", 1)
    with pytest.raises(X12ReadError) as info:
        read(data)
    assert "segment terminator" in str(info.value) and info.value.offset is not None


def test_garbage_after_last_iea() -> None:
    good = document("850")
    with pytest.raises(X12ReadError) as info:
        read(good + b"\x1a\x00\n" + b"this is not x12")
    assert info.value.offset == len(good) + 3


def test_streamed_sets_do_not_accumulate_in_their_group() -> None:
    contexts = list(iter_transaction_sets(document("850", sets=5)))
    assert [c.transaction_set.control_number for c in contexts] == [f"{i:04d}" for i in range(1, 6)]
    assert all(c.group is not None and c.group.transaction_sets == [] for c in contexts)
    assert contexts[0].interchange.control_number == "000000001"


def test_repetition_separator_only_from_00501() -> None:
    (ic4,) = read(document("850"))
    (ic5,) = read(document("856", version="005010"))
    assert ic4.delimiters.repetition is None and ic5.delimiters.repetition == "^"


def test_segment_positions_in_sets_and_file() -> None:
    data = document("850", sets=2)
    (ic,) = read(data)
    second = ic.groups[0].transaction_sets[1]
    assert second.header.position is not None and second.header.position.set_position == 1
    assert second.trailer is not None and second.trailer.position is not None
    assert second.trailer.position.set_position == len(second.segments) + 2
    assert ic.groups[0].header.position is not None and ic.groups[0].header.position.set_position is None
    assert _ids(data)[:3] == ["ISA", "GS", "ST"]


def _flatten(data: bytes) -> list[object]:
    out: list[object] = []
    for ic in read(data):
        out += [ic.header, *ic.ta1]
        for g in ic.groups:
            out.append(g.header)
            for t in g.transaction_sets:
                out += t.all_segments()
            out += [g.trailer] if g.trailer else []
        out += [ic.trailer] if ic.trailer else []
    return out


@pytest.mark.parametrize("delimiters", [D4, Delimiters(segment="~"), Delimiters(segment="~", suffix="\r\n"),
                                        Delimiters(element="|", component="^", segment="\\")])
def test_unsplit_bodies_match_segment_by_segment_reading(delimiters: Delimiters) -> None:
    data = document("850", sets=3, delimiters=delimiters) + document("810", isa13=2, delimiters=delimiters)
    assert _flatten(data) == [s for s in iter_segments(io.BytesIO(data), chunk_size=7)]
    noisy = data.replace(b"REF", b"  REF")
    assert _flatten(noisy) == list(iter_segments(noisy))


def test_envelope_counts_do_not_split_bodies() -> None:
    (ic,) = read(document("856", "005010", sets=2))
    tset = ic.groups[0].transaction_sets[0]
    assert check_interchange(ic) == []
    assert tset.segment_count == 11 and tset._pending  # still unsplit after envelope validation
    assert len(tset.segments) == 11 and not tset._pending
    assert tset.segments[0].position is not None and tset.segments[0].position.set_position == 2


def test_read_split_bodies_builds_every_segment_now() -> None:
    (ic,) = read(document("850", sets=2), split_bodies=True)
    assert all(not t._pending for t in ic.groups[0].transaction_sets)
    (lazy,) = read(document("850", sets=2))
    assert lazy == ic


def test_streaming_memory_stays_flat() -> None:
    import tracemalloc

    one = document("850", sets=50)
    head, block = one[: one.index(b"ST*")], one[one.index(b"ST*") : one.rindex(b"GE*")]
    data = head + block * 300 + b"GE*15000*1~\nIEA*1*000000001~\n"  # one interchange of about 2.3 MB
    assert len(data) > 2_000_000
    source = io.BytesIO(data)
    tracemalloc.start()
    try:
        sets = sum(1 for _ in iter_transaction_sets(source, chunk_size=1 << 16))
        _, streamed_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        whole = read(data, split_bodies=True)
        _, whole_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sets == 15_000 and len(whole[0].groups[0].transaction_sets) == 15_000
    # Streaming holds about one 64 KiB region's worth of objects; the whole document takes ~30x its size.
    assert streamed_peak < 2_000_000 < len(data) * 10 < whole_peak


def test_x12_text_passed_as_str_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="file path"):
        read(document("850").decode("latin-1"))
    path = tmp_path / "doc.x12"
    path.write_bytes(document("850"))
    assert read(str(path))[0].control_number == "000000001"
    with pytest.raises(TypeError, match="binary mode"):
        read(io.StringIO("ISA"))


def test_line_break_after_isa_is_found_across_chunk_boundaries() -> None:
    data = document("850", delimiters=Delimiters(segment="~", component=">", suffix="\r\n"))
    for size in range(100, 112):
        stream = iter_segments(io.BytesIO(data), chunk_size=size)
        next(iter(stream))
        assert stream.delimiters is not None and stream.delimiters.suffix == "\r\n", size


def test_lazily_read_sets_copy_and_pickle() -> None:
    import copy
    import pickle

    (ic,) = read(document("850", sets=2))
    assert ic.groups[0].transaction_sets[0]._pending
    assert copy.deepcopy(ic) == ic and pickle.loads(pickle.dumps(ic)) == ic
