"""Raw bytes kept with their SHA-256 and size, so a purged blob still proves what was exchanged."""

from __future__ import annotations

import hashlib

from sqlmodel import Session

from gateway.errors import NotFoundError, StoreError
from gateway.store.enums import BlobKind
from gateway.store.models import Blob


def put_blob(session: Session, kind: BlobKind, content: bytes) -> Blob:
    blob = Blob(kind=kind, sha256=hashlib.sha256(content).hexdigest(), size=len(content), content=content)
    session.add(blob)
    session.flush()
    return blob


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
