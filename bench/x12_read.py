"""X12 read (+ validate) throughput beside pyx12's X12Reader and a plain bytes.split loop, and streaming peak RSS.

Run: .venv/bin/python -m bench.x12_read [--mb 20] [--rss-mb 200] [--pyx12-mb 1]
pyx12's validator (the reference, gateway.x12.reference) walks every segment through its map tree at well under
1 MB/s, so it runs on the leading interchanges (at least --pyx12-mb MB) of each file, beside ours on the same slice;
--pyx12-mb 0 runs it on the whole file.
Files are generated into bench/out/ (gitignored). All figures of one run come from the same machine state.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.x12_gen import OUT, generate, generate_single_interchange
from gateway.x12.reader import iter_segments, iter_transaction_sets, read
from gateway.x12.validation import validate_file


def _plain_split(path: Path) -> int:
    data = path.read_bytes()
    n = 0
    for seg in data.split(b"~"):
        n += len(seg.split(b"*")) > 0
    return n


def _ours_segments(path: Path) -> int:
    return sum(1 for _ in iter_segments(path))


def _ours_read(path: Path) -> int:
    return sum(t.segment_count + 2 for ic in read(path) for g in ic.groups for t in g.transaction_sets)


def _ours_read_all(path: Path) -> int:
    return sum(len(t.segments) + 2 for ic in read(path) for g in ic.groups for t in g.transaction_sets)


def _ours_read_split(path: Path) -> int:
    ics = read(path, split_bodies=True)
    return sum(len(t.segments) + 2 for ic in ics for g in ic.groups for t in g.transaction_sets)


def _ours_stream_sets(path: Path) -> int:
    return sum(len(c.transaction_set.segments) + 2 for c in iter_transaction_sets(path))


def _ours_validate(path: Path) -> int:
    report = validate_file(path)
    assert report.valid, report.issues[:3]
    return sum(s.segment_count for ic in report.interchanges for g in ic.groups for s in g.transaction_sets)


def _grammar_validate() -> Callable[[Path], int] | None:
    try:
        module = importlib.import_module("gateway.x12.validate")
    except ImportError:
        return None
    factory = getattr(module, "default_validator", None)
    if not callable(factory):
        return None
    validator = factory()

    def run(path: Path) -> int:
        report = validate_file(path, validator)
        return sum(s.segment_count for ic in report.interchanges for g in ic.groups for s in g.transaction_sets)

    return run


def _grammar_only(path: Path) -> int:
    from gateway.x12.validate import default_validator

    validator = default_validator()
    n = 0
    for ctx in iter_transaction_sets(path):
        assert not validator(ctx.transaction_set, ctx.interchange.delimiters)
        n += ctx.transaction_set.segment_count + 2
    return n


def _pyx12_validate(path: Path) -> int:
    from gateway.x12.reference import quiet, reference_issues

    quiet()
    issues = reference_issues(path)
    assert not issues, issues[:3]
    return sum(1 for _ in iter_segments(path))


def _slice(path: Path, mb: float) -> Path:
    """The leading complete interchanges of ``path`` adding up to at least ``mb`` MB."""
    if mb <= 0:
        return path
    out = path.with_name(f"{path.stem}_first{mb:g}mb.x12")
    if out.exists():
        return out
    data = path.read_bytes()
    end = 0
    while end < mb * 1_000_000:
        nxt = data.find(b"IEA*", end)
        if nxt < 0:
            break
        end = data.index(b"~", nxt) + 1
        while end < len(data) and data[end : end + 1] in (b"\n", b"\r"):
            end += 1
    out.write_bytes(data[:end])
    return out


def _pyx12(path: Path) -> int:
    from pyx12.x12file import X12Reader

    with open(path, encoding="latin-1") as fh:
        return sum(1 for _ in X12Reader(fh))


def _time(fn: Callable[[Path], int], path: Path) -> tuple[float, int]:
    gc.collect()
    start = time.perf_counter()
    n = fn(path)
    elapsed = time.perf_counter() - start
    gc.collect()
    return elapsed, n


def _peak_kib() -> int:
    """Peak RSS of this process image: VmHWM (reset by exec, unlike ru_maxrss, which a forked child inherits)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _rss_child(path: str) -> None:
    before = _peak_kib()
    sets = sum(1 for _ in iter_transaction_sets(path))
    after = _peak_kib()
    print(f"{sets} {before} {after}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--rss-mb", type=int, default=200)
    parser.add_argument("--rss-child")
    parser.add_argument("--pyx12-mb", type=float, default=1.0)
    args = parser.parse_args()
    if args.rss_child:
        _rss_child(args.rss_child)
        return
    runners: list[tuple[str, Callable[[Path], int]]] = [
        ("plain bytes.split loop", _plain_split),
        ("acorn iter_segments (streaming, every Segment built)", _ours_segments),
        ("acorn iter_transaction_sets (streaming, every Segment built)", _ours_stream_sets),
        ("acorn read() (bodies split on first access)", _ours_read),
        ("acorn read() then every Segment built (collector running)", _ours_read_all),
        ("acorn read(split_bodies=True) (every Segment built, collector paused)", _ours_read_split),
        ("acorn validate_file (streaming read + envelope validation)", _ours_validate),
    ]
    grammar = _grammar_validate()
    if grammar is not None:
        runners.append(("acorn read + envelope + grammar validation", grammar))
        runners.append(("acorn grammar validator only (validate_transaction_set per set)", _grammar_only))
    runners.append(("pyx12 X12Reader (read only)", _pyx12))
    many = OUT / f"850_{args.rss_mb}mb.x12"
    if not many.exists():
        generate("850", args.rss_mb * 1_000_000, many)
    single = OUT / f"850_single_{args.rss_mb}mb.x12"
    if not single.exists():
        generate_single_interchange(args.rss_mb * 1_000_000, single)
    for label, big in (("interchanges of 1000 sets", many), ("one interchange", single)):
        out = subprocess.run([sys.executable, "-m", "bench.x12_read", "--rss-child", str(big)], check=True,
                             capture_output=True, text=True).stdout.split()
        sets, before, after = (int(x) for x in out)
        print(f"streaming {big.stat().st_size / 1e6:.0f} MB ({label}, {sets} transaction sets) with "
              f"iter_transaction_sets: peak RSS {after / 1024:.0f} MB (before reading: {before / 1024:.0f} MB)")
    print(f"python {sys.version.split()[0]}")
    print("| file | reader | MB/s | segments/s | seconds |")
    print("|---|---|---:|---:|---:|")
    for kind in ("850", "856"):
        path = OUT / f"{kind}_{args.mb}mb.x12"
        if not path.exists():
            generate(kind, args.mb * 1_000_000, path)
        size = path.stat().st_size / 1e6
        for name, fn in runners:
            elapsed, n = _time(fn, path)
            print(f"| {kind} {size:.1f} MB | {name} | {size / elapsed:.1f} | {n / elapsed:,.0f} | {elapsed:.2f} |",
                  flush=True)
        part = _slice(path, args.pyx12_mb)
        part_size = part.stat().st_size / 1e6
        for name, fn in (("acorn grammar validator only (validate_transaction_set per set)", _grammar_only),
                         ("acorn read + envelope + grammar validation", _grammar_validate() or _ours_validate),
                         ("pyx12 x12n_document validation with maps/x12 (reference)", _pyx12_validate)):
            elapsed, n = _time(fn, part)
            print(f"| {kind} {part_size:.1f} MB slice | {name} | {part_size / elapsed:.2f} | {n / elapsed:,.0f} | "
                  f"{elapsed:.2f} |", flush=True)


if __name__ == "__main__":
    main()
