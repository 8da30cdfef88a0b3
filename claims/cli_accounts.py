"""The ``claims user`` and ``claims token`` commands: make accounts and API tokens on the command line."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from claims.accounts import (
    create_user,
    ensure_admin,
    generate_password,
    get_user,
    is_locked,
    issue_token,
    list_users,
    unlock,
)
from claims.db import database_url, init_db, make_engine, session_scope
from claims.errors import NotFound
from claims.models import ROLES

__all__ = ["register"]


def _engine(args: argparse.Namespace) -> Any:
    engine = make_engine(database_url(args.db))
    init_db(engine)
    return engine


def cmd_user_add(args: argparse.Namespace) -> int:
    """Create an account; print the generated password once unless one came on stdin."""
    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else generate_password()
    with session_scope(_engine(args)) as session:
        create_user(session, name=args.name, role=args.role, password=password, actor="claims user add")
    print(f"Created {args.role} {args.name!r}.")
    if not args.password_stdin:
        print(f"Password (shown once, keep it safe): {password}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    """Print every account: name, role, created, disabled."""
    with session_scope(_engine(args)) as session:
        users = list_users(session)
    if not users:
        print("No accounts yet: `claims user add NAME --role editor`.")
    for user in users:
        flag = "  (disabled)" if user.disabled else ""
        if is_locked(user):
            flag += f"  (locked until {user.locked_until:%H:%M:%S} UTC: {user.failed_logins} failed sign-ins)"
        print(f"{user.name:<24} {user.role:<7} created {user.created_at:%Y-%m-%d %H:%M}{flag}")
    return 0


def cmd_user_ensure_admin(args: argparse.Namespace) -> int:
    """Make a local admin on a database without one, and print how to log in, once."""
    with session_scope(_engine(args)) as session:
        password = ensure_admin(session, name=args.name)
    if password is not None:
        print(f"Created the admin account {args.name!r}. Log in at {args.url}login with")
        print(f"  name:     {args.name}")
        print(f"  password: {password}")
        print(
            "The password is shown this once; make more accounts with `claims user add NAME --role editor`."
        )
    return 0


def cmd_user_unlock(args: argparse.Namespace) -> int:
    """Lift an account's sign-in lock (after too many failed sign-ins) at once."""
    with session_scope(_engine(args)) as session:
        unlock(session, name=args.name, actor="claims user unlock")
    print(f"{args.name} may sign in again; the failed sign-ins are forgotten.")
    return 0


def cmd_token_add(args: argparse.Namespace) -> int:
    """Print a new API token for an account, once."""
    with session_scope(_engine(args)) as session:
        user = get_user(session, name=args.name)
        if user is None:
            raise NotFound(
                f"no user named {args.name!r}: create it with `claims user add {args.name} --role ...`"
            )
        token, raw = issue_token(session, user=user, kind="api", label=args.label)
    print(f"API token {token.id} for {args.name} ({user.role}), shown once:")
    print(raw)
    print("Send it as the header 'Authorization: Bearer <token>'.")
    return 0


def register(sub: Any) -> None:
    """Add the ``user`` and ``token`` commands to the ``claims`` parser's sub-commands."""

    def add(parent: Any, name: str, func: Any, help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", default=argparse.SUPPRESS, help="SQLite file (default ./claims.db)")
        p.set_defaults(func=func)
        return p

    users = sub.add_parser("user", help="Manage accounts.", description="Manage accounts.")
    user_sub = users.add_subparsers(dest="user_command", required=True)
    p = add(user_sub, "add", cmd_user_add, "Create an account (a generated password is printed once).")
    p.add_argument("name")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    add(user_sub, "list", cmd_user_list, "List accounts.")
    p = add(user_sub, "unlock", cmd_user_unlock, "Lift the lock that failed sign-ins put on an account.")
    p.add_argument("name")
    p = add(
        user_sub,
        "ensure-admin",
        cmd_user_ensure_admin,
        "Create a local admin if the database has none, printing its password once.",
    )
    p.add_argument("--name", default="admin")
    p.add_argument("--url", default="http://127.0.0.1:8000/", help="where the app is served, for the message")
    tokens = sub.add_parser("token", help="Manage API tokens.", description="Manage API tokens.")
    token_sub = tokens.add_subparsers(dest="token_command", required=True)
    p = add(token_sub, "add", cmd_token_add, "Create an API token for an account and print it once.")
    p.add_argument("name")
    p.add_argument("--label", default="", help="what the token is for (e.g. the script's name)")
