"""AS2 inbound over HTTP: messages/s and p50/p99 latency, beside the crypto ceiling measured in the same run.

Each message: 10 KB payload, signed (SHA-256) and encrypted (AES-256-CBC, RSA-2048), sync signed MDN requested.
The server is the real gateway (`acorn serve --workers 2`); every message is committed to the store (raw body,
payload, MDN, events, pipeline job) before its MDN is returned. The ceiling is the codec alone (`receive`: RSA
decrypt of the content key, AES decrypt, signature verify, MIC, RSA-signed MDN), back to back, one process per core;
beside it, the issue's narrower ceiling: only the RSA private-key operations (content-key decrypt, MDN signature)
and the AES decrypt of one message, back to back. The load generator is plain asyncio over 16 keep-alive
connections (reopened when the server closes one), so it takes little of the cores it shares with the server.
Old code against this bench: PYTHONPATH=<export of the old tree> .venv/bin/python bench/as2_inbound.py (the server
subprocess inherits PYTHONPATH, so it runs that tree too).

Run: .venv/bin/python bench/as2_inbound.py [--seconds 15] [--backends sqlite,postgresql] [--concurrency 16]
[--reconnect-every N]
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


def _ceiling_worker(args: tuple[str, float]) -> tuple[int, float, float]:
    keys_dir, seconds = Path(args[0]), args[1]
    sender, ours = partner_view(keys_dir), our_view(keys_dir)
    messages = [build_message(sender, PAYLOAD, "po.edi") for _ in range(50)]
    now = datetime.now(UTC)
    n, busy, cpu, start = 0, 0.0, time.process_time(), time.perf_counter()
    while time.perf_counter() - start < seconds:
        msg = messages[n % len(messages)]
        t0 = time.perf_counter()
        result = receive(msg.headers, msg.body, lambda _f, _t: ours, now, max_decompressed_bytes=10**7)
        busy += time.perf_counter() - t0
        if not result.ok or result.mdn is None or not result.mdn.signed:
            raise SystemExit(f"ceiling run failed: {result.error}")
        n += 1
    return n, busy, time.process_time() - cpu


def _primitives_worker(args: tuple[str, float]) -> tuple[int, float]:
    """The issue's own ceiling: only the RSA private-key operations and the AES work of one message."""
    from oscrypto import asymmetric, symmetric

    keys_dir, seconds = Path(args[0]), args[1]
    ours = our_view(keys_dir)
    assert ours.decryption_key is not None and ours.signing_key is not None
    content_key = os.urandom(32)
    wrapped = asymmetric.rsa_pkcs1v15_encrypt(ours.decryption_key.certificate.public_key, content_key)
    signed_entity = PAYLOAD + os.urandom(2048)  # the payload with its MIME headers and detached signature
    iv, ciphertext = symmetric.aes_cbc_pkcs7_encrypt(content_key, signed_entity, None)
    mdn_attributes = os.urandom(300)  # the MDN's signed attributes (what the RSA signature covers)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        key = asymmetric.rsa_pkcs1v15_decrypt(ours.decryption_key.private_key, wrapped)
        symmetric.aes_cbc_pkcs7_decrypt(key, ciphertext, iv)
        asymmetric.rsa_pkcs1v15_sign(ours.signing_key.private_key, mdn_attributes, "sha256")
        n += 1
    return n, time.perf_counter() - start


def crypto_ceiling(keys_dir: Path, seconds: float, cores: int) -> tuple[float, float, float]:
    """(codec ceiling msg/s, codec CPU ms per message, RSA + AES primitives ceiling msg/s)."""
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        results = pool.map(_ceiling_worker, [(str(keys_dir), seconds)] * cores)
        primitives = pool.map(_primitives_worker, [(str(keys_dir), min(seconds, 3.0))] * cores)
    codec_cpu = 1000 * sum(r[2] for r in results) / sum(r[0] for r in results)
    return sum(n / busy for n, busy, _ in results), codec_cpu, sum(n / t for n, t in primitives)


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


def wire_request(port: int, headers: dict[str, str], body: bytes) -> bytes:
    """One HTTP/1.1 POST /as2, serialised once before the timed phase."""
    fields = [f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}"]
    fields += [f"{k}: {v}" for k, v in headers.items() if k.lower() not in ("host", "content-length")]
    return ("POST /as2 HTTP/1.1\r\n" + "\r\n".join(fields) + "\r\n\r\n").encode("latin-1") + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """Status, header fields (lower-case names) and body of one response (Content-Length framing)."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    fields = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        if name:
            fields[name.strip().lower()] = value.strip()
    if "content-length" not in fields:
        raise ValueError(f"response without Content-Length: {head[0]}")
    return int(head[0].split(" ", 2)[1]), fields, await reader.readexactly(int(fields["content-length"]))


def answered_ok(status: int, content_type: str, body: bytes) -> bool:
    """A signed ``processed`` MDN, as every message of this benchmark should get."""
    return status == 200 and content_type.startswith("multipart/signed") and b"processed/error" not in body


async def load(port: int, messages: list[tuple[dict[str, str], bytes]], concurrency: int,
               seconds: float, reconnect_every: int = 0) -> tuple[list[float], int, float]:
    """Closed loop over ``concurrency`` keep-alive connections; a connection the server closes is reopened, and
    with ``reconnect_every`` each connection is closed after that many requests and opened again, so the kernel
    spreads them over the server's worker processes again (a keep-alive connection stays where it was accepted).

    Plain asyncio streams rather than an HTTP client library: the load generator shares the server's cores,
    and httpx needed 3.6-4.8 ms of CPU per message here, a fifth of what the server needs.
    """
    latencies: list[float] = []
    errors = 0
    queue = iter([wire_request(port, h, b) for h, b in messages])
    stop_at = time.perf_counter() + seconds

    async def client_loop() -> None:
        nonlocal errors
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        sent = 0
        for request in queue:
            if time.perf_counter() > stop_at:
                break
            t0 = time.perf_counter()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                assert reader is not None
                writer.write(request)
                status, fields, body = await read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                if writer is not None:
                    writer.close()
                reader = writer = None
                continue
            latencies.append(time.perf_counter() - t0)
            if not answered_ok(status, fields.get("content-type", ""), body):
                errors += 1
            sent += 1
            if fields.get("connection", "").lower() == "close" or (reconnect_every and sent % reconnect_every == 0):
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - start


def tree_cpu_seconds(pid: int) -> dict[int, float]:
    """User + system CPU of a process and each of its descendants (Linux /proc), by pid: the server's share of
    the work, and whether both workers took part (a keep-alive connection stays with the process that accepted it)."""
    tick = os.sysconf("SC_CLK_TCK")
    cpu, stack = {}, [pid]
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            cpu[current] = (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return cpu


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
    parser.add_argument("--reconnect-every", type=int, default=0,
                        help="close and reopen each client connection after N requests (0: keep it)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    work_root = Path(tempfile.mkdtemp(prefix="acorn-bench-as2-"))
    keys = work_root / "keys"
    generate("ACORN", keys)
    generate("RETAILER", keys)
    print(f"cores: {cores}; payload {len(PAYLOAD)} bytes signed (SHA-256) + encrypted (AES-256-CBC, RSA-2048), "
          f"sync signed MDN; server: acorn serve --workers {args.workers}; client concurrency {args.concurrency}")
    ceiling, codec_cpu, primitives = crypto_ceiling(keys, min(args.seconds, 8.0), cores)
    print(f"crypto ceiling (codec receive, {cores} processes back to back): {ceiling:.0f} msg/s "
          f"({codec_cpu:.1f} ms CPU per message); RSA private-key operations + AES alone: {primitives:.0f} msg/s")
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
            asyncio.run(load(port, warm, args.workers, 30))
            client_cpu, before = time.process_time(), tree_cpu_seconds(server.pid)
            latencies, errors, elapsed = asyncio.run(
                load(port, messages, args.concurrency, args.seconds, args.reconnect_every))
            client_cpu, after = time.process_time() - client_cpu, tree_cpu_seconds(server.pid)
            by_process = sorted((after[p] - before.get(p, 0.0) for p in after), reverse=True)
            server_cpu = sum(by_process)
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
              f"codec alone {codec_cpu:.1f} ms ({100 * codec_cpu / (per * (server_cpu + client_cpu)):.0f}% of "
              f"server + load generator); {100 * rate / primitives:.1f}% of the RSA + AES ceiling")
        split = ", ".join(f"{100 * c / max(server_cpu, 1e-9):.0f}%" for c in by_process[:args.workers + 1])
        print(f"{'':<10} server CPU by process, busiest first: {split}")


if __name__ == "__main__":
    main()
