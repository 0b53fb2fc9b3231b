"""Every public sample in ../shared/samples/x12 reads with the expected envelopes, counts and offsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.x12.envelope import check_all
from gateway.x12.reader import iter_segments, iter_transaction_sets, read
from gateway.x12.validation import validate_file
from gateway.x12.writer import serialize

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "x12"

# file -> (ISA13, GS06, [(ST01, ST02, SE01)], segment terminator, line break after it)
EXPECTED = {
    "Inteligenz__X12Parser__FromGregarican.txt": ("000000005", "5", [("856", "0001", 25)], "~", "\r\n"),
    "aaronhuggins__node-x12__850.edi": ("000003438", "1421", [("850", "000000010", 33)], "~", "\n"),
    "aaronhuggins__node-x12__855.edi": ("000000005", "5", [("855", "0005", 26)], "~", "\n"),
    "bots-edi__bots-plugins__810-004010VICS-01.x12": (
        "000000224", "224", [("810", "2240001", 29), ("810", "2240002", 17)], "~", "\r\n"),
    "bots-edi__bots-plugins__855-004010UCS-01.x12": (
        "000002953", "811",
        [("855", "0001", 36), ("855", "0002", 11), ("855", "0003", 11), ("855", "0004", 27),
         ("855", "0005", 32), ("855", "0006", 11)], "~", "\r\n"),
    "olmelabs__EdiEngine__856.Crossdock.OK.edi": ("000000091", "91", [("856", "0001", 57)], "\n", ""),
}

pytestmark = pytest.mark.samples


def test_samples_folder_is_present_and_complete() -> None:
    assert SAMPLES.is_dir(), f"samples folder missing: {SAMPLES}"
    assert sorted(p.name for p in SAMPLES.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_samples_read_with_expected_envelopes(name: str) -> None:
    isa13, gs06, sets, terminator, suffix = EXPECTED[name]
    (ic,) = read(SAMPLES / name)
    assert ic.control_number == isa13
    assert ic.delimiters.segment == terminator and ic.delimiters.suffix == suffix
    assert ic.trailer is not None and ic.trailer[2] == isa13
    (group,) = ic.groups
    assert group.control_number == gs06 and group.trailer is not None
    got = [(t.code, t.control_number, len(t.segments) + 2) for t in group.transaction_sets]
    assert got == sets
    for tset in group.transaction_sets:
        assert tset.trailer is not None and int(tset.trailer[1]) == len(tset.segments) + 2
        assert [s.position.set_position for s in tset.all_segments() if s.position] == list(
            range(1, len(tset.segments) + 3))
    assert check_all([ic]) == []
    assert validate_file(SAMPLES / name).valid


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_samples_offsets_point_at_segment_ids(name: str) -> None:
    data = (SAMPLES / name).read_bytes()
    segments = list(iter_segments(data, chunk_size=64))  # tiny chunks: every chunk boundary case is crossed
    assert segments == list(iter_segments(data))
    for number, seg in enumerate(segments, 1):
        assert seg.position is not None and seg.position.segment_number == number
        start = seg.position.offset
        assert data[start:start + len(seg.id)].decode() == seg.id


def test_samples_stream_transaction_sets_match_whole_file_read() -> None:
    for name, (_, _, sets, _, _) in EXPECTED.items():
        streamed = [(c.transaction_set.code, c.transaction_set.control_number,
                     len(c.transaction_set.segments) + 2) for c in iter_transaction_sets(SAMPLES / name)]
        assert streamed == sets, name


def test_samples_bom_and_indentation_are_noise() -> None:
    raw = (SAMPLES / "Inteligenz__X12Parser__FromGregarican.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n  GS" in raw
    (ic,) = read(raw)
    assert ic.groups[0].transaction_sets[0].segments[0].elements == [
        "BSN", "00", "521649209219", "20120515", "0851", "0001"]


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if "Gregarican" not in n))
def test_samples_write_back_byte_exact(name: str) -> None:
    raw = (SAMPLES / name).read_bytes()
    (ic,) = read(raw)
    assert serialize(ic, recompute=False).rstrip() == raw.rstrip()
    assert serialize(ic).rstrip() == raw.rstrip()  # trailers already right: recomputing changes nothing
