"""Raw bytes kept with their SHA-256 and size, so a purged blob still proves what was exchanged."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import insert
from sqlmodel import Session

from gateway.errors import NotFoundError, StoreError
from gateway.store.columns import new_id, utc_now
from gateway.store.enums import BlobKind
from gateway.store.models import Blob

BLOB_TABLE: Any = Blob.__table__  # type: ignore[attr-defined]
# Hot-path statements are built once: SQLAlchemy then keeps their cache keys instead of recomputing them per call.
_INSERT_BLOBS = insert(BLOB_TABLE)


class NewBlob(NamedTuple):
    """Bytes to store; ``sha256`` (hex) when the caller already hashed them, so they are not hashed twice."""

    kind: BlobKind
    content: bytes
    sha256: str | None = None


def put_blob(session: Session, kind: BlobKind, content: bytes) -> Blob:
    blob = Blob(kind=kind, sha256=hashlib.sha256(content).hexdigest(), size=len(content), content=content)
    session.add(blob)
    session.flush()
    return blob


def insert_blobs(session: Session, blobs: Sequence[NewBlob]) -> list[str]:
    """Store several blobs with one INSERT (no ORM objects, nothing read back); returns their ids in order."""
    now = utc_now()
    rows: list[dict[str, Any]] = [
        {"id": new_id(), "kind": blob.kind, "sha256": blob.sha256 or hashlib.sha256(blob.content).hexdigest(),
         "size": len(blob.content), "content": blob.content, "created_at": now, "purged_at": None}
        for blob in blobs
    ]
    if rows:
        session.connection().execute(_INSERT_BLOBS, rows)
    return [row["id"] for row in rows]


def get_blob(session: Session, blob_id: str) -> Blob:
    blob = session.get(Blob, blob_id)
    if blob is None:
        raise NotFoundError(f"no blob {blob_id!r}")
    return blob


def blob_content(session: Session, blob_id: str) -> bytes:
    """The bytes of a blob; StoreError when retention purged them (hash and size remain)."""
    blob = get_blob(session, blob_id)
    if blob.content is None:
        raise StoreError(f"blob {blob_id} ({blob.kind}, sha256 {blob.sha256}) was purged at {blob.purged_at}")
    return blob.content
