"""AS2 inbound flow in one process, no HTTP: CPU per message outside the codec (store + flow), statements per message.

Run: .venv/bin/python -m bench.as2_store [--backend sqlite|postgresql] [--messages 300]
Each message is ``receive_message`` (raw commit, codec ``receive``, stored outcome and signed MDN), as the ``/as2``
route runs it; the codec's own CPU is timed around it and subtracted, which leaves the store and the flow. With
``--precomputed`` the codec runs before the clock and the loop runs inside ``functools.reduce``, for callgrind:
``valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no --toggle-collect=functools_reduce
.venv/bin/python -m bench.as2_store --precomputed --messages 40`` (Collected / messages = instructions per message).
"""

from __future__ import annotations

import argparse
import functools
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.as2_inbound import PAYLOAD, build_message, database, drop, our_view, partner_view
from gateway.as2.certs import generate
from gateway.pipeline import as2_inbound
from gateway.pipeline.as2_context import As2Directory, As2Service
from gateway.settings import Settings
from gateway.store import Store
from gateway.store.schema import upgrade


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--warm-up", type=int, default=20)
    parser.add_argument("--precomputed", action="store_true", help="codec before the clock (for callgrind)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="acorn-store-bench-"))
    keys = work / "keys"
    generate("ACORN", keys)
    generate("RETAILER", keys)
    sender = partner_view(keys)
    messages = [(m.headers, m.body) for m in
                (build_message(sender, PAYLOAD, "po.edi") for _ in range(args.messages + args.warm_up))]
    url, pg_name = database(args.backend, work)
    upgrade(url)
    store = Store.from_url(url)
    statements = [0]
    event.listen(store.engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))
    settings = Settings(data_dir=work, database_url=url, partners_dir=work / "none")
    service = As2Service(settings=settings, store=store, directory=As2Directory({"retailer": our_view(keys)}))
    real = as2_inbound.receive
    codec = [0.0]
    if args.precomputed:
        results = {id(body): real(headers, body, service.directory.lookup, service.now(),
                                  max_decompressed_bytes=10**7) for headers, body in messages}
        as2_inbound.receive = lambda headers, body, *_, **__: results[id(body)]  # type: ignore[assignment]
    else:
        def timed(*a: Any, **k: Any) -> Any:
            start = time.thread_time()
            try:
                return real(*a, **k)
            finally:
                codec[0] += time.thread_time() - start
        as2_inbound.receive = timed  # type: ignore[assignment]
    try:
        for headers, body in messages[:args.warm_up]:
            as2_inbound.receive_message(service, headers, body)
        codec[0], statements[0] = 0.0, 0

        def run(_acc: Any, _item: Any) -> None:
            for headers, body in messages[args.warm_up:]:
                reply = as2_inbound.receive_message(service, headers, body)
                assert reply.status_code == 200 and b"processed/error" not in reply.body, reply

        cpu, wall = time.thread_time(), time.perf_counter()
        functools.reduce(run, [0], None)
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    finally:
        as2_inbound.receive = real  # type: ignore[assignment]
        store.dispose()
        if pg_name:
            drop(pg_name)
    n = args.messages
    print(f"{args.backend}: {n} messages; CPU per message {1000 * cpu / n:.2f} ms, of which codec "
          f"{1000 * codec[0] / n:.2f} ms, store + flow {1000 * (cpu - codec[0]) / n:.2f} ms; wall per message "
          f"{1000 * wall / n:.2f} ms; statements per message {statements[0] / n:.1f}")


if __name__ == "__main__":
    main()
