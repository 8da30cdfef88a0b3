"""Accounts: users with roles, argon2 password hashes, API tokens and login sessions (stored as hashes)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlmodel import Session, col, select

from claims.audit import record
from claims.errors import Conflict, InvalidInput
from claims.models import ROLES, TOKEN_KINDS, ApiToken, User, utcnow

__all__ = [
    "MIN_PASSWORD",
    "SESSION_DAYS",
    "can_moderate",
    "validate_name",
    "generate_password",
    "hash_password",
    "verify_password",
    "token_digest",
    "create_user",
    "get_user",
    "list_users",
    "authenticate",
    "issue_token",
    "user_for_token",
    "revoke_token",
    "ensure_admin",
]

MIN_PASSWORD = 10
SESSION_DAYS = 14
TOKEN_PREFIX = {"api": "clm_", "session": "sess_"}
# last_used_at is a hint for people reviewing tokens, not a log: writing it on every request would
# turn each read into a write, so it is refreshed at most this often.
LAST_USED_EVERY = timedelta(minutes=5)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,79}")
_hasher = PasswordHash((Argon2Hasher(),))
# verified against when the name is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash("not a password of anyone")


def can_moderate(role: str | None) -> bool:
    """Editors and admins accept, reject and retract evidence; their own evidence counts at once.

    >>> can_moderate("editor"), can_moderate("admin"), can_moderate("reader"), can_moderate(None)
    (True, True, False, False)
    """
    return role in ("editor", "admin")


def validate_name(name: str) -> str:
    """The name, or InvalidInput saying what is wrong with it.

    >>> validate_name("ann.lee")
    'ann.lee'
    >>> validate_name("ann lee")
    Traceback (most recent call last):
    ...
    claims.errors.InvalidInput: user name 'ann lee' may hold letters, digits and . _ @ - only (at most 80)
    """
    if not _NAME.fullmatch(name or ""):
        raise InvalidInput(
            f"user name {name!r} may hold letters, digits and . _ @ - only (at most 80)", field="name"
        )
    return name


def generate_password() -> str:
    """A random password of about 120 bits, easy to copy."""
    return secrets.token_urlsafe(15)


def hash_password(password: str) -> str:
    """The argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """True when the password matches the hash."""
    try:
        return bool(_hasher.verify(password, password_hash))
    except Exception:  # noqa: BLE001 - a malformed stored hash matches nothing
        return False


def token_digest(raw: str) -> str:
    """What is stored for a token: its sha256 (tokens are random, so a fast hash is enough).

    >>> token_digest("clm_x") == hashlib.sha256(b"clm_x").hexdigest()
    True
    """
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def get_user(session: Session, *, name: str) -> User | None:
    """The user with this name, or None."""
    return session.exec(select(User).where(User.name == name)).first()


def list_users(session: Session) -> list[User]:
    """Every account, by name."""
    return list(session.exec(select(User).order_by(col(User.name))).all())


def create_user(session: Session, *, name: str, role: str, password: str, actor: str) -> User:
    """A new account; Conflict when the name is taken, InvalidInput for a bad name, role or password."""
    validate_name(name)
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {role!r}", field="role")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"the password has {len(password)} characters; at least {MIN_PASSWORD} are needed",
            field="password",
        )
    if get_user(session, name=name) is not None:
        raise Conflict(f"a user named {name!r} exists already")
    user = User(name=name, role=role, password_hash=hash_password(password), created_at=utcnow())
    session.add(user)
    session.flush()
    record(session, actor=actor, action="user.add", target_kind="user", target_id=name, detail={"role": role})
    return user


def authenticate(session: Session, *, name: str, password: str) -> User | None:
    """The enabled user with this name and password, or None."""
    user = get_user(session, name=name)
    if user is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not verify_password(password, user.password_hash) or user.disabled:
        return None
    return user


def issue_token(session: Session, *, user: User, kind: str = "api", label: str = "") -> tuple[ApiToken, str]:
    """A new token for the user and its raw value, which is shown once and never stored."""
    if kind not in TOKEN_KINDS:
        raise InvalidInput(f"token kind must be one of {', '.join(TOKEN_KINDS)}, not {kind!r}", field="kind")
    assert user.id is not None
    raw = TOKEN_PREFIX[kind] + secrets.token_urlsafe(32)
    token = ApiToken(
        token_hash=token_digest(raw), kind=kind, label=label[:100], user_id=user.id, created_at=utcnow()
    )
    session.add(token)
    session.flush()
    if kind == "api":
        record(
            session,
            actor=user.name,
            action="token.add",
            target_kind="user",
            target_id=user.name,
            detail={"token_id": token.id, "label": token.label},
        )
    return token, raw


def _expired(token: ApiToken, now: datetime) -> bool:
    if token.kind != "session":
        return False
    created = (
        token.created_at.replace(tzinfo=now.tzinfo) if token.created_at.tzinfo is None else token.created_at
    )
    return now - created > timedelta(days=SESSION_DAYS)


def user_for_token(session: Session, *, raw: str, kind: str) -> User | None:
    """The enabled user a live (not revoked, not expired) token of this kind belongs to, or None."""
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == token_digest(raw))).first()
    now = utcnow()
    if token is None or token.kind != kind or token.revoked_at is not None or _expired(token, now):
        return None
    user = session.get(User, token.user_id)
    if user is None or user.disabled:
        return None
    last = token.last_used_at
    if (
        last is None
        or now - (last.replace(tzinfo=now.tzinfo) if last.tzinfo is None else last) > LAST_USED_EVERY
    ):
        token.last_used_at = now
        session.add(token)
        session.flush()
    return user


def revoke_token(session: Session, *, raw: str) -> bool:
    """Revoke a token (it stays on record, marked revoked); False when it was unknown or revoked already."""
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == token_digest(raw))).first()
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    session.add(token)
    session.flush()
    return True


def ensure_admin(session: Session, *, name: str = "admin") -> str | None:
    """On a database without any admin, create one with a random password and return that password once.

    Later calls find the admin and return None: the password is never shown again.
    """
    if session.exec(select(User).where(User.role == "admin")).first() is not None:
        return None
    if get_user(session, name=name) is not None:
        raise Conflict(
            f"no admin account, and the name {name!r} is taken by a non-admin: use `claims user add`"
        )
    password = generate_password()
    create_user(session, name=name, role="admin", password=password, actor="claims user ensure-admin")
    return password
