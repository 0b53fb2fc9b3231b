"""Build Acorn's X12 grammar files (pyx12 map format) from the plain-text sources in this directory.

Run: .venv/bin/python maps/x12/source/build.py    (writes maps/x12/*.xml; the output is checked in)

Sources: elements.txt (data element dictionary), segments.txt (segment and composite dictionary), sets.txt
(transaction set structures). The envelope (ISA/GS/ST ... SE/GE/IEA) is added around every set the way pyx12's
walker expects it: ISA_LOOP > GS_LOOP > ST_LOOP > table wrappers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
OUT = HERE.parent
VERSIONS = {"004010": ("00401", "4"), "005010": ("00501", "5")}
# GS08 values that select the plain standard maps (industry suffixes are conventions on top of the standard).
VRIIC_ALIASES = {"004010": ["004010", "004010VICS", "004010UCS"], "005010": ["005010", "005010VICS", "005010UCS"]}
ICVNS = {"004010": ["00400", "00401"], "005010": ["00501"]}
VRIIC_999 = ["005010X231A1", "005010X231"]


@dataclass
class Element:
    ref: str  # data element number or composite id (C...)
    req: str  # M / O / X
    only: str | None  # "4" / "5" or None


@dataclass
class Node:
    kind: str  # "segment" | "loop" | "table"
    xid: str
    pos: str
    usage: str
    repeat: str
    name: str = ""
    codes: dict[str, list[str]] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)


@dataclass
class SetDef:
    code: str
    fic: str
    versions: list[str]
    name: str
    tables: list[Node] = field(default_factory=list)
    se_pos: str = ""


def _lines(name: str) -> list[str]:
    return [ln.rstrip() for ln in (HERE / name).read_text().splitlines() if ln.strip() and not ln.startswith("#")]


def read_elements() -> dict[str, tuple[str, str, str, str]]:
    out: dict[str, tuple[str, str, str, str]] = {}
    for ln in _lines("elements.txt"):
        num, typ, lo, hi, name = ln.split(" ", 4)
        if num in out:
            raise SystemExit(f"elements.txt: {num} defined twice")
        out[num] = (typ, lo, hi, name)
    return out


def read_segments() -> dict[str, tuple[str, list[Element]]]:
    out: dict[str, tuple[str, list[Element]]] = {}
    for ln in _lines("segments.txt"):
        sid, name, spec = ln.split("|")
        elements = []
        for item in spec.split(","):
            ref, req = item.split(" ")
            only = None
            if "@" in req:
                req, only = req.split("@")
            elements.append(Element(ref, req, only))
        out[sid] = (name, elements)
    return out


def _indent(ln: str) -> int:
    return len(ln) - len(ln.lstrip(" "))


def read_sets() -> list[SetDef]:
    raw = _lines("sets.txt")
    defines: dict[str, list[str]] = {}
    body: list[str] = []
    i = 0
    while i < len(raw):
        if raw[i].startswith("define "):
            name = raw[i].split()[1]
            j = raw.index("end", i)
            defines[name] = raw[i + 1 : j]
            i = j + 1
            continue
        body.append(raw[i])
        i += 1
    expanded: list[str] = []
    for ln in body:
        expanded.extend(_expand(ln, defines))
    sets: list[SetDef] = []
    stack: list[tuple[int, Node]] = []
    for ln in expanded:
        words = ln.split()
        if words[0] == "set":
            sets.append(SetDef(words[1], words[2], words[3].split(","), " ".join(words[4:])))
            stack = []
            continue
        cur = sets[-1]
        if words[0] == "table":
            table = Node("table", words[1], f"{len(cur.tables) + 6:03d}", "R", "1", " ".join(words[2:]))
            cur.tables.append(table)
            stack = [(-1, table)]
            continue
        if words[0] == "SE" and _indent(ln) == 0:
            cur.se_pos = words[1]
            continue
        depth = _indent(ln)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1]
        if words[0] == "loop":
            node = Node("loop", words[1], words[2], words[3], words[4], " ".join(words[5:]))
            parent.children.append(node)
            stack.append((depth, node))
        else:
            sid, pos, usage, max_use = words[:4]
            codes = {}
            for extra in words[4:]:
                ref, values = extra.split("=")
                codes[ref] = values.split("/")
            parent.children.append(Node("segment", sid, pos, usage, max_use, codes=codes))
    return sets


def _expand(ln: str, defines: dict[str, list[str]]) -> list[str]:
    words = ln.split()
    if words[0] != "use":
        return [ln]
    block = defines[words[1]]
    base = int(words[2]) if len(words) > 2 else 0
    pad = " " * _indent(ln)
    out: list[str] = []
    n = 0
    for item in block:
        if " pos " in f" {item} ":
            item = item.replace(" pos ", f" {base + 10 * n:03d} ", 1)
            n += 1
        out.extend(_expand(pad + item, defines))
    return out


class Writer:
    def __init__(self, elements: dict[str, tuple[str, str, str, str]],
                 segments: dict[str, tuple[str, list[Element]]], digit: str) -> None:
        self.elements, self.segments, self.digit = elements, segments, digit
        self.out: list[str] = []

    def line(self, depth: int, text: str) -> None:
        self.out.append("  " * depth + text)

    def _ele_name(self, ref: str) -> str:
        if ref.startswith("C"):
            return self.segments[ref][0]
        return self.elements[ref][3]

    def segment(self, depth: int, sid: str, pos: str, usage: str, max_use: str,
                codes: dict[str, list[str]] | None = None) -> None:
        if sid not in self.segments:
            raise SystemExit(f"segment {sid} is not in segments.txt")
        name, elements = self.segments[sid]
        self.line(depth, f'<segment xid="{sid}">')
        self.line(depth + 1, f"<name>{escape(name)}</name>")
        self.line(depth + 1, f"<usage>{'R' if usage in ('M', 'R') else 'S'}</usage>")
        self.line(depth + 1, f"<pos>{pos}</pos>")
        self.line(depth + 1, f"<max_use>{escape(max_use)}</max_use>")
        seq = 0
        for el in elements:
            if el.only is not None and el.only != self.digit:
                continue
            seq += 1
            xid = f"{sid}{seq:02d}"
            usage_code = "R" if el.req == "M" else "S"
            if el.ref.startswith("C"):
                self.line(depth + 1, f'<composite xid="{xid}">')
                self.line(depth + 2, f"<data_ele>{el.ref}</data_ele>")
                self.line(depth + 2, f"<name>{escape(self._ele_name(el.ref))}</name>")
                self.line(depth + 2, f"<usage>{usage_code}</usage>")
                self.line(depth + 2, f"<seq>{seq:02d}</seq>")
                sub = 0
                for comp in self.segments[el.ref][1]:
                    if comp.only is not None and comp.only != self.digit:
                        continue
                    sub += 1
                    self._element(depth + 2, f"{xid}-{sub:02d}", comp.ref, "R" if comp.req == "M" else "S", sub,
                                  None)
                self.line(depth + 1, "</composite>")
            else:
                self._element(depth + 1, xid, el.ref, usage_code, seq, (codes or {}).get(xid))
        self.line(depth, "</segment>")

    def _element(self, depth: int, xid: str, ref: str, usage: str, seq: int, codes: list[str] | None) -> None:
        if ref not in self.elements:
            raise SystemExit(f"data element {ref} ({xid}) is not in elements.txt")
        self.line(depth, f'<element xid="{xid}">')
        self.line(depth + 1, f"<data_ele>{ref}</data_ele>")
        self.line(depth + 1, f"<name>{escape(self.elements[ref][3])}</name>")
        self.line(depth + 1, f"<usage>{usage}</usage>")
        self.line(depth + 1, f"<seq>{seq:02d}</seq>")
        if codes:
            self.line(depth + 1, "<valid_codes>")
            for code in codes:
                self.line(depth + 2, f"<code>{escape(code)}</code>")
            self.line(depth + 1, "</valid_codes>")
        self.line(depth, "</element>")

    def loop_open(self, depth: int, xid: str, name: str, usage: str, pos: str, repeat: str,
                  kind: str | None = None) -> None:
        attr = f' type="{kind}"' if kind else ""
        self.line(depth, f'<loop xid="{xid}"{attr}>')
        self.line(depth + 1, f"<name>{escape(name)}</name>")
        self.line(depth + 1, f"<usage>{'R' if usage in ('M', 'R') else 'S'}</usage>")
        self.line(depth + 1, f"<pos>{pos}</pos>")
        self.line(depth + 1, f"<repeat>{escape(repeat)}</repeat>")

    def node(self, depth: int, node: Node) -> None:
        if node.kind == "segment":
            self.segment(depth, node.xid, node.pos, node.usage, node.repeat, node.codes)
            return
        name = node.name or f"{node.xid} Loop"
        self.loop_open(depth, node.xid, name, node.usage, node.pos, node.repeat,
                       "wrapper" if node.kind == "table" else None)
        for child in node.children:
            self.node(depth + 1, child)
        self.line(depth, "</loop>")

    def document(self, xid: str, name: str, body: SetDef | None) -> str:
        self.out = ['<?xml version="1.0" encoding="utf-8"?>',
                    "<!-- Generated by maps/x12/source/build.py from sets.txt, segments.txt, elements.txt. -->",
                    f'<transaction xid="{xid}">', f"  <name>{escape(name)}</name>"]
        self.loop_open(1, "ISA_LOOP", "Interchange Control Header", "R", "001", ">1", "explicit")
        self.segment(2, "ISA", "010", "R", "1")
        self.loop_open(2, "GS_LOOP", "Functional Group Header", "R", "020", ">1", "explicit")
        self.segment(3, "GS", "010", "R", "1")
        if body is not None:
            self.loop_open(3, "ST_LOOP", "Transaction Set Header", "R", "020", ">1", "explicit")
            self.segment(4, "ST", "005", "R", "1", {"ST01": [body.code]})
            for table in body.tables:
                self.node(4, table)
            self.segment(4, "SE", body.se_pos, "R", "1")
            self.line(3, "</loop>")
        self.segment(3, "GE", "030", "R", "1")
        self.line(2, "</loop>")
        self.segment(2, "TA1", "020", "S", ">1")
        self.segment(2, "IEA", "030", "R", "1")
        self.line(1, "</loop>")
        self.line(0, "</transaction>")
        return "\n".join(self.out) + "\n"


def map_file(code: str, version: str) -> str:
    return f"{code}.{version}.xml"


def main() -> None:
    elements, segments, sets = read_elements(), read_segments(), read_sets()
    written: list[str] = []
    index: dict[str, list[str]] = {}
    all_codes: dict[str, list[str]] = {}
    for s in sets:
        for version in s.versions:
            icvn_digit = VERSIONS[version][1]
            text = Writer(elements, segments, icvn_digit).document(s.code, f"{s.code} {s.name} ({version})", s)
            name = map_file(s.code, version)
            (OUT / name).write_text(text)
            written.append(name)
            vriics = VRIIC_999 if s.code == "999" else VRIIC_ALIASES[version]
            for icvn in ICVNS[version]:
                for vriic in vriics:
                    index.setdefault(icvn, []).append(
                        f'    <map vriic="{vriic}" fic="{s.fic}" abbr="{s.code}">{name}</map>')
        for table in s.tables:
            _collect_codes(s.code, table, all_codes)
    for version, (icvn, digit) in VERSIONS.items():
        text = Writer(elements, segments, digit).document("X12", f"X12 envelope ({version})", None)
        (OUT / f"x12.control.{icvn}.xml").write_text(text)
    maps = ['<?xml version="1.0" encoding="utf-8"?>', "<!-- Generated by maps/x12/source/build.py. -->", "<maps>"]
    for icvn in sorted(index):
        maps.append(f'  <version icvn="{icvn}">')
        maps.extend(index[icvn])
        control = "x12.control.00501.xml" if icvn >= "00501" else "x12.control.00401.xml"
        maps.append(f'    <map vriic="" fic="" abbr="X12">{control}</map>')
        maps.append("  </version>")
    maps.append("</maps>")
    (OUT / "maps.xml").write_text("\n".join(maps) + "\n")
    used = sorted({ref for _, els in segments.values() for e in els for ref in [e.ref] if not ref.startswith("C")},
                  key=lambda r: (not r[0].isdigit(), r.zfill(6)))
    missing = [r for r in used if r not in elements]
    if missing:
        raise SystemExit(f"segments.txt uses data elements missing from elements.txt: {missing}")
    de = ['<?xml version="1.0" encoding="utf-8"?>', "<!-- Generated by maps/x12/source/build.py. -->",
          "<data_elements>"]
    for ref in sorted(elements, key=lambda r: (not r[0].isdigit(), r.zfill(6))):
        typ, lo, hi, name = elements[ref]
        de.append(f'  <data_ele ele_num="{ref}" data_type="{typ}" min_len="{lo}" max_len="{hi}" '
                  f'name="{escape(name, {chr(34): "&quot;"})}"/>')
    de.append("</data_elements>")
    (OUT / "dataele.xml").write_text("\n".join(de) + "\n")
    codes = ['<?xml version="1.0" encoding="utf-8"?>', "<!-- Generated by maps/x12/source/build.py: the code lists "
             "the grammars carry inline, by transaction set and element. -->", "<codesets>"]
    for key, values in sorted(all_codes.items()):
        set_code, ref = key.split(":")
        codes += ["  <codeset>", f"    <id>{set_code}-{ref}</id>", f"    <name>{set_code} {ref}</name>",
                  "    <version>"]
        codes += [f"      <code>{escape(v)}</code>" for v in values]
        codes += ["    </version>", "  </codeset>"]
    codes.append("</codesets>")
    (OUT / "codes.xml").write_text("\n".join(codes) + "\n")
    print(f"wrote {len(written)} transaction set grammars, 2 control maps, maps.xml, dataele.xml, codes.xml")


def _collect_codes(code: str, node: Node, out: dict[str, list[str]]) -> None:
    for ref, values in node.codes.items():
        key = f"{code}:{ref}"
        merged = out.setdefault(key, [])
        merged.extend(v for v in values if v not in merged)
    for child in node.children:
        _collect_codes(code, child, out)


if __name__ == "__main__":
    main()
