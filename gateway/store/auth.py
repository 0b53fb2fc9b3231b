"""API tokens (only a SHA-256 stored, plaintext returned once) and monitor users (salted scrypt passwords)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from gateway.errors import NotFoundError, StoreError
from gateway.store.columns import utc_now
from gateway.store.enums import Role
from gateway.store.models_ops import ApiToken, User

TOKEN_PREFIX = "acorn_"
# scrypt cost: 2^14 x 8 x 1 takes about 16 MiB and a few tens of milliseconds per check.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is refreshed at most this often (not a write per request)


def token_hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_token(session: Session, *, name: str, role: Role, partner_id: str | None = None) -> tuple[ApiToken, str]:
    """A new token and its plaintext; the plaintext is not stored and cannot be shown again."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name, role=role, partner_id=partner_id, token_hash=token_hash(plaintext))
    session.add(token)
    session.flush()
    return token, plaintext


def verify_token(session: Session, plaintext: str, now: datetime | None = None) -> ApiToken | None:
    """The live token for ``plaintext``, or None when unknown or revoked."""
    if not plaintext:
        return None
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == token_hash(plaintext))).first()
    if token is None or token.revoked_at is not None:
        return None
    now = now or utc_now()
    if token.last_used_at is None or now - token.last_used_at >= _TOUCH_EVERY:
        token.last_used_at = now
        session.add(token)
        session.flush()
    return token


def revoke_token(session: Session, token_id: str) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFoundError(f"no API token {token_id!r}")
    if token.revoked_at is None:
        token.revoked_at = utc_now()
        session.add(token)
        session.flush()
    return token


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.exec(select(ApiToken).order_by(col(ApiToken.created_at), col(ApiToken.id))))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` with a random 16-byte salt."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def create_user(session: Session, username: str, password: str, role: Role) -> User:
    if not username or not password:
        raise StoreError("a user needs a username and a password")
    user = User(username=username, password_hash=hash_password(password), role=role)
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        raise StoreError(f"user {username!r} already exists") from exc
    return user


def get_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def verify_user(session: Session, username: str, password: str) -> User | None:
    """The enabled user with this password, else None (the hash is computed either way: no timing hint)."""
    user = get_user(session, username)
    stored = user.password_hash if user is not None else _DUMMY_HASH
    ok = check_password(password, stored)
    if user is None or user.disabled or not ok:
        return None
    return user


def set_password(session: Session, username: str, password: str) -> User:
    user = get_user(session, username)
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    return user


def set_user_disabled(session: Session, username: str, disabled: bool) -> User:
    user = get_user(session, username)
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    user.disabled = disabled
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.username))))


_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
