"""The store: the only package that talks to the database (SQLModel tables, repository functions, migrations).

Repository functions live in one module per subject (as2, x12, documents, deliveries, acks, events, control,
jobs, auth, retention, lineage) and take a Session; the caller owns the transaction. See docs/store.md.
"""

from sqlmodel import Session  # re-exported: other packages annotate with gateway.store.Session, never sqlmodel

from gateway.store.engine import Store, make_engine, make_session_factory, session_scope
from gateway.store.schema import check_schema, prepare_database, upgrade

__all__ = [
    "Session",
    "Store",
    "check_schema",
    "make_engine",
    "make_session_factory",
    "prepare_database",
    "session_scope",
    "upgrade",
]
