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
    "AccountLocked",
    "LOCK_AFTER",
    "lock_delay",
    "is_locked",
    "unlock",
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
# Failed sign-ins in a row before an account is locked, the first lock, and the longest: each further
# failure (one attempt per lock, as none is checked while locked) doubles the delay.
LOCK_AFTER = 5
LOCK_FIRST = timedelta(seconds=30)
LOCK_MOST = timedelta(hours=1)
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


class AccountLocked(Exception):
    """Sign-in refused without checking the password: too many failed sign-ins in a row."""

    def __init__(self, until: datetime, now: datetime) -> None:
        self.until = until
        self.retry_after = max(1, int((until - now).total_seconds() + 0.999))
        super().__init__(f"too many failed sign-ins: try again in {self.retry_after} s")


def lock_delay(failures: int) -> timedelta | None:
    """How long an account refuses sign-in after this many failures in a row: none below ``LOCK_AFTER``,
    then doubling from ``LOCK_FIRST`` up to ``LOCK_MOST``.

    >>> [lock_delay(n) for n in (4, 5, 6, 7)] == [None, LOCK_FIRST, 2 * LOCK_FIRST, 4 * LOCK_FIRST]
    True
    >>> lock_delay(40) == LOCK_MOST
    True
    """
    if failures < LOCK_AFTER:
        return None
    return min(LOCK_FIRST * (1 << min(failures - LOCK_AFTER, 20)), LOCK_MOST)


def authenticate(session: Session, *, name: str, password: str, now: datetime | None = None) -> User | None:
    """The enabled user with this name and password, or None; AccountLocked while the account is locked.

    A wrong password counts a failure on the account; from ``LOCK_AFTER`` failures in a row the account is
    locked for a delay that doubles with each further failure (``lock_delay``), and each lock is written to
    the audit log. A right password resets the count. The caller commits (failures are kept too)."""
    now = now or utcnow()
    user = get_user(session, name=name)
    if user is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if is_locked(user, now):
        assert user.locked_until is not None
        raise AccountLocked(_naive(user.locked_until), _naive(now))
    if not verify_password(password, user.password_hash):
        _failed(session, user, now)
        return None
    if user.failed_logins or user.locked_until is not None:
        user.failed_logins, user.locked_until = 0, None
        session.add(user)
    return None if user.disabled else user


def is_locked(user: User, now: datetime | None = None) -> bool:
    """Whether the account refuses sign-in now, after too many failed sign-ins in a row."""
    return user.locked_until is not None and _naive(user.locked_until) > _naive(now or utcnow())


def _naive(moment: datetime) -> datetime:
    """Stored moments are naive UTC (SQLite gives naive ones back, PostgreSQL may not)."""
    return moment.replace(tzinfo=None)


def _failed(session: Session, user: User, now: datetime) -> None:
    user.failed_logins += 1
    delay = lock_delay(user.failed_logins)
    if delay is not None:
        user.locked_until = now + delay
        record(
            session,
            actor=user.name,
            action="user.lock",
            target_kind="user",
            target_id=user.name,
            detail={"failures": user.failed_logins, "seconds": int(delay.total_seconds()),
                    "until": user.locked_until.isoformat(timespec="seconds")},
            reason="too many failed sign-ins in a row",
        )
    session.add(user)


def unlock(session: Session, *, name: str, actor: str) -> User:
    """Lift a lock and forget the failures (``claims user unlock``); in the audit log."""
    user = get_user(session, name=name)
    if user is None:
        raise InvalidInput(f"no user named {name!r}", field="name")
    user.failed_logins, user.locked_until = 0, None
    session.add(user)
    record(session, actor=actor, action="user.unlock", target_kind="user", target_id=user.name)
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
