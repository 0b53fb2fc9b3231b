"""Instructions per document for one translation direction: a count that load on a shared machine does not move.

Run under callgrind, which then collects only inside the measured call (wrapped in ``functools.reduce``):

    valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \\
        --toggle-collect=functools_reduce .venv/bin/python -m bench.instructions --set 850 --direction x12-json

and divide callgrind's "Collected" figure by ``--docs`` (printed). Documents come from ``bench.translate``'s
generator (amazon profile, one interchange); one warm-up call first builds the generated code and the checker's
layouts. Compare two trees by running it from each (``cd`` into the tree: ``-m`` puts the current directory first).
"""

from __future__ import annotations

import argparse
import functools
import tempfile
from pathlib import Path

from bench.translate import REPO, _documents, json_to_x12, x12_to_json
from gateway.mapping import load_partner_map
from gateway.partners import load_registry
from gateway.x12.validate import validate_transaction_set


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", choices=("850", "856"), default="850")
    parser.add_argument("--direction", choices=("x12-json", "json-x12"), default="x12-json")
    parser.add_argument("--grammar", action="store_true", help="X12 -> JSON with grammar validation")
    parser.add_argument("--docs", type=int, default=1000, help="documents in the measured call (one interchange)")
    args = parser.parse_args()
    amazon = load_registry(REPO / "partners").get("amazon")
    mapping = load_partner_map(amazon, args.set, REPO / "maps")
    texts = _documents(args.set, args.docs)
    if args.direction == "json-x12":
        json_to_x12(amazon, mapping, texts[:5])
        functools.reduce(lambda acc, _: json_to_x12(amazon, mapping, texts), [0], None)
    else:
        validate = validate_transaction_set if args.grammar else None
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{args.set}.x12"
            path.write_bytes(json_to_x12(amazon, mapping, texts))
            x12_to_json(amazon, mapping, path, validate)
            functools.reduce(lambda acc, _: x12_to_json(amazon, mapping, path, validate), [0], None)
    print(f"{args.docs} documents: divide callgrind's Collected figure by {args.docs}")


if __name__ == "__main__":
    main()
