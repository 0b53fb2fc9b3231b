"""The grammar library: every transaction set grammar of a maps directory, compiled once, and element names.

Grammar files live in ``<maps_dir>/x12/`` in pyx12's map format (see docs/grammars.md); ``maps.xml`` there says
which file serves which transaction set and version.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from gateway.errors import GrammarError
from gateway.x12.grammar_load import DataElement, MapEntry, load_data_elements, load_grammar, load_index
from gateway.x12.grammar_model import ElementDef, Grammar

DEFAULT_MAPS_DIR = Path(__file__).resolve().parent.parent.parent / "maps"


def normalize_version(gs08: str) -> str:
    """The standard release of a GS08: '004010VICS' -> '004010', '005010X231A1' -> '005010'."""
    return gs08[:6]


class GrammarLibrary:
    """The grammars of one directory (``maps/x12``), each compiled on first use and then shared (immutable)."""

    def __init__(self, grammar_dir: Path) -> None:
        self.directory = grammar_dir
        self.index: list[MapEntry] = load_index(grammar_dir / "maps.xml")
        self.data_elements: dict[str, DataElement] = load_data_elements(grammar_dir / "dataele.xml")
        self._files: dict[tuple[str, str], str] = {}
        for entry in self.index:
            if entry.abbr and entry.abbr != "X12":
                self._files.setdefault((entry.abbr, normalize_version(entry.vriic)), entry.file)
        self._grammars: dict[tuple[str, str], Grammar] = {}
        self._lock = threading.Lock()

    def available(self) -> list[tuple[str, str]]:
        """(ST01, version) pairs this library has a grammar for."""
        return sorted(self._files)

    def get(self, code: str, version: str) -> Grammar | None:
        """The grammar for ST01 ``code`` in ``version`` (a GS08 is accepted), or None when there is none."""
        key = (code, normalize_version(version))
        grammar = self._grammars.get(key)
        if grammar is None:
            file = self._files.get(key)
            if file is None:
                return None
            with self._lock:
                grammar = self._grammars.get(key)
                if grammar is None:
                    grammar = load_grammar(self.directory / file, key[1], self.data_elements)
                    self._grammars[key] = grammar
        return grammar

    def load_all(self) -> list[Grammar]:
        """Compile every grammar now (raises the first GrammarError)."""
        return [g for key in self.available() if (g := self.get(*key)) is not None]

    def element(self, code: str, version: str, segment_id: str, position: int,
                component: int | None = None) -> ElementDef | None:
        """The definition of an element (or component) of a segment in a transaction set, or None."""
        grammar = self.get(code, version)
        if grammar is None:
            return None
        for seg in grammar.segments():
            if seg.segment_id == segment_id and 0 < position <= len(seg.elements):
                el = seg.elements[position - 1]
                if component is None:
                    return el
                if el.is_composite and 0 < component <= len(el.components):
                    return el.components[component - 1]
                return None
        return None


@lru_cache(maxsize=8)
def library(maps_dir: Path | None = None) -> GrammarLibrary:
    """The cached library of ``<maps_dir>/x12`` (default: the repository's ``maps``)."""
    directory = (maps_dir or DEFAULT_MAPS_DIR) / "x12"
    if not (directory / "maps.xml").is_file():
        raise GrammarError(f"{directory}: no maps.xml: not a grammar directory")
    return GrammarLibrary(directory)


def element_name(transaction_set: str, version: str, segment_id: str, position: int,
                 component: int | None = None, maps_dir: Path | None = None) -> str | None:
    """Name of element ``position`` (1-based, e.g. 3 for BEG03) of ``segment_id`` in a set, e.g. for UI hovers.

    ``element_name("850", "004010", "BEG", 3)`` -> "Purchase Order Number"; None when unknown.
    """
    el = library(maps_dir).element(transaction_set, version, segment_id, position, component)
    return el.name if el is not None and el.data_element else None
