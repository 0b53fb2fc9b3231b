"""AS2 inbound over HTTP: messages/s and p50/p99 latency, beside the crypto ceiling measured in the same run.

Each message: 10 KB payload, signed (SHA-256) and encrypted (AES-256-CBC, RSA-2048), sync signed MDN requested.
The server is the real gateway (`acorn serve --workers 2`); every message is committed to the store (raw body,
payload, MDN, events, pipeline job) before its MDN is returned. The ceiling is the codec alone (`receive`: RSA
decrypt of the content key, AES decrypt, signature verify, MIC, RSA-signed MDN), back to back, one process per core.

Run: .venv/bin/python bench/as2_inbound.py [--seconds 15] [--backends sqlite,postgresql] [--concurrency 16]
(backend ``sqlite-normal``: SQLite with synchronous=NORMAL instead of the default FULL, for comparison)
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from gateway.as2 import As2Partner, build_message, load_partner, receive
from gateway.as2.certs import generate
from gateway.partners.as2_section import AS2Section

ROOT = Path(__file__).resolve().parents[1]
PAYLOAD = (b"ISA*00*          *00*          *ZZ*RETAILER*ZZ*ACORN~PO1*1*10*EA*9.95**BP*B000TEST01~" * 200)[:10_240]
PG_ADMIN = os.environ.get("ACORN_BENCH_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")


def as2_block(me: Path, other_cert: Path, me_id: str, other_id: str, url: str) -> dict[str, Any]:
    return {"our_as2_id": me_id, "their_as2_id": other_id, "url": url,
            "our_signing_key": {"path": str(me)}, "our_decryption_key": {"path": str(me)},
            "their_certificates": [{"path": str(other_cert)}],
            "outbound": {"encryption": "aes256-cbc", "signature": "sha256"},
            "mdn": {"mode": "sync", "signed": True, "mic_algorithm": "sha256"}}


def partner_view(keys_dir: Path) -> As2Partner:
    """The sending partner's side (builds the messages)."""
    block = as2_block(keys_dir / "retailer.key.pem", keys_dir / "acorn.cert.pem", "RETAILER", "ACORN", "http://x/")
    return load_partner("acorn", AS2Section.model_validate(block))


def our_view(keys_dir: Path) -> As2Partner:
    block = as2_block(keys_dir / "acorn.key.pem", keys_dir / "retailer.cert.pem", "ACORN", "RETAILER", "http://x/")
    return load_partner("retailer", AS2Section.model_validate(block))


# --- crypto ceiling ------------------------------------------------------------------------------------------


def _ceiling_worker(args: tuple[str, float]) -> tuple[int, float]:
    keys_dir, seconds = Path(args[0]), args[1]
    sender, ours = partner_view(keys_dir), our_view(keys_dir)
    messages = [build_message(sender, PAYLOAD, "po.edi") for _ in range(50)]
    now = datetime.now(UTC)
    n, busy, start = 0, 0.0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        msg = messages[n % len(messages)]
        t0 = time.perf_counter()
        result = receive(msg.headers, msg.body, lambda _f, _t: ours, now, max_decompressed_bytes=10**7)
        busy += time.perf_counter() - t0
        if not result.ok or result.mdn is None or not result.mdn.signed:
            raise SystemExit(f"ceiling run failed: {result.error}")
        n += 1
    return n, busy


def crypto_ceiling(keys_dir: Path, seconds: float, cores: int) -> float:
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        results = pool.map(_ceiling_worker, [(str(keys_dir), seconds)] * cores)
    return sum(n / busy for n, busy in results)


# --- messages and server -------------------------------------------------------------------------------------


def _build_batch(args: tuple[str, int]) -> list[tuple[dict[str, str], bytes]]:
    sender = partner_view(Path(args[0]))
    return [(m.headers, m.body) for m in (build_message(sender, PAYLOAD, "po.edi") for _ in range(args[1]))]


def build_messages(keys_dir: Path, count: int, cores: int) -> list[tuple[dict[str, str], bytes]]:
    per = -(-count // cores)
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        batches = pool.map(_build_batch, [(str(keys_dir), per)] * cores)
    return [m for batch in batches for m in batch][:count]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database(backend: str, work: Path) -> tuple[str, str | None]:
    """(database URL, PostgreSQL database name to drop afterwards)."""
    if backend == "sqlite":
        return f"sqlite:///{work / 'bench.db'}", None  # synchronous=FULL, the store's default
    if backend == "sqlite-normal":
        return f"sqlite:///{work / 'bench.db'}?synchronous=NORMAL", None  # for comparison: see BENCHMARKS.md
    import psycopg

    name = f"acorn_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    info = psycopg.conninfo.conninfo_to_dict(PG_ADMIN)
    return f"postgresql+psycopg://{info.get('user', 'postgres')}@{info.get('host', '127.0.0.1')}:" \
           f"{info.get('port', '5432')}/{name}", name


def drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_server(work: Path, url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    from gateway.store.schema import upgrade

    upgrade(url)  # migrate once, before the server's worker processes start
    partners = work / "partners" / "retailer"
    partners.mkdir(parents=True, exist_ok=True)
    keys = work / "keys"
    block = as2_block(keys / "acorn.key.pem", keys / "retailer.cert.pem", "ACORN", "RETAILER", "http://x/")
    profile = {"id": "retailer", "name": "Retailer", "as2": block}
    (partners / "partner.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    env = {**os.environ, "ACORN_DATA_DIR": str(work), "ACORN_DATABASE_URL": url,
           "ACORN_PARTNERS_DIR": str(work / "partners"), "ACORN_LOG_LEVEL": "WARNING"}
    acorn = Path(sys.executable).parent / "acorn"
    log = (work / f"server-{port}.log").open("wb")
    server = subprocess.Popen([str(acorn), "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"server did not start; see {work / f'server-{port}.log'}")


async def load(url: str, messages: list[tuple[dict[str, str], bytes]], concurrency: int,
               seconds: float) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    queue = iter(messages)
    stop_at = time.perf_counter() + seconds

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for headers, body in queue:
            if time.perf_counter() > stop_at:
                return
            t0 = time.perf_counter()
            response = await client.post(url, content=body, headers=headers)
            latencies.append(time.perf_counter() - t0)
            if response.status_code != 200 or not response.headers.get("content-type", "").startswith(
                    "multipart/signed") or b"processed/error" in response.content:
                errors += 1

    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - start


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its descendants (Linux /proc), for the server's share of the work."""
    tick = os.sysconf("SC_CLK_TCK")
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total


def stored_count(url: str) -> tuple[int, int]:
    from gateway.store import Store
    from gateway.store.as2 import search_as2_messages
    from gateway.store.enums import AS2Status, Direction

    store = Store.from_url(url)
    try:
        processed = 0
        cursor = None
        with store.transaction() as session:
            while True:
                page = search_as2_messages(session, direction=Direction.INBOUND, status=AS2Status.PROCESSED,
                                           cursor=cursor, limit=500)
                processed += len(page.items)
                cursor = page.next_cursor
                if cursor is None:
                    break
        return processed, 0
    finally:
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    work_root = Path(tempfile.mkdtemp(prefix="acorn-bench-as2-"))
    keys = work_root / "keys"
    generate("ACORN", keys)
    generate("RETAILER", keys)
    print(f"cores: {cores}; payload {len(PAYLOAD)} bytes signed (SHA-256) + encrypted (AES-256-CBC, RSA-2048), "
          f"sync signed MDN; server: acorn serve --workers {args.workers}; client concurrency {args.concurrency}")
    ceiling = crypto_ceiling(keys, min(args.seconds, 8.0), cores)
    print(f"crypto ceiling (codec receive, {cores} processes back to back): {ceiling:.0f} msg/s")
    for backend in args.backends.split(","):
        work = work_root / backend
        work.mkdir()
        (work / "keys").symlink_to(keys)
        messages = build_messages(keys, int(max(ceiling, 50) * args.seconds), cores)
        url, pg_name = database(backend, work)
        port = free_port()
        warm = build_messages(keys, 2 * args.workers, 1)
        server = start_server(work, url, port, args.workers)
        try:
            # Warm-up: the first request in each server process loads the partner keys.
            asyncio.run(load(f"http://127.0.0.1:{port}/as2", warm, args.workers, 30))
            client_cpu, server_cpu = time.process_time(), tree_cpu_seconds(server.pid)
            latencies, errors, elapsed = asyncio.run(
                load(f"http://127.0.0.1:{port}/as2", messages, args.concurrency, args.seconds))
            client_cpu, server_cpu = time.process_time() - client_cpu, tree_cpu_seconds(server.pid) - server_cpu
        finally:
            server.terminate()
            server.wait(timeout=30)
        processed, _ = stored_count(url)
        if pg_name:
            drop(pg_name)
        n = len(latencies)
        cuts = statistics.quantiles(latencies, n=100) if n >= 2 else [0.0] * 99
        rate = n / elapsed
        print(f"{backend:<10} {n} messages in {elapsed:.1f} s: {rate:.1f} msg/s, p50 {cuts[49] * 1000:.0f} ms, "
              f"p99 {cuts[98] * 1000:.0f} ms, errors {errors}, stored processed {processed} "
              f"(incl. {2 * args.workers} warm-up); {100 * rate / ceiling:.0f}% of the crypto ceiling")
        per = 1000 / max(n, 1)
        print(f"{'':<10} CPU per message: server {per * server_cpu:.1f} ms, load generator {per * client_cpu:.1f} ms; "
              f"codec alone {1000 * cores / ceiling:.1f} ms")


if __name__ == "__main__":
    main()
