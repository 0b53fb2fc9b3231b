"""Who may do what on the JSON bridge: roles, permissions and the principal a bearer token resolves to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gateway.store.enums import Role

__all__ = ["ROLE_PERMISSIONS", "Permission", "Principal", "Role", "allows"]


class Permission(StrEnum):
    """One capability a route needs; each route declares exactly one."""

    READ = "read"
    SUBMIT = "submit"
    PULL = "pull"
    TRANSLATE = "translate"
    RETRY = "retry"
    REPROCESS = "reprocess"
    METRICS = "metrics"
    ADMIN = "admin"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Internal systems: submit and pull documents, read (only their partner when the token names one).
    Role.INTEGRATION: frozenset({Permission.READ, Permission.SUBMIT, Permission.PULL, Permission.TRANSLATE}),
    # EDI analysts: read everything, retry and reprocess, scrape metrics.
    Role.ANALYST: frozenset(
        {Permission.READ, Permission.TRANSLATE, Permission.RETRY, Permission.REPROCESS, Permission.METRICS}
    ),
    Role.ADMIN: frozenset(Permission),
}


def allows(role: Role, permission: Permission) -> bool:
    """Whether a role carries a permission."""
    return permission in ROLE_PERMISSIONS[role]


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller behind a verified bearer token."""

    token_id: str
    name: str
    role: Role
    partner: str | None = None

    @property
    def partner_scope(self) -> str | None:
        """The only partner this caller may see, or None for every partner."""
        return self.partner if self.role is Role.INTEGRATION else None

    def may_see(self, partner: str | None) -> bool:
        """Whether a document or message of ``partner`` is inside this caller's scope."""
        scope = self.partner_scope
        return scope is None or scope == partner
