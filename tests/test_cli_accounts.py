"""`claims user` and `claims token` end to end on a real SQLite file."""

import re
import subprocess
import sys

import pytest

from claims.accounts import authenticate, user_for_token
from claims.db import make_engine, session_scope


def run(db, *args, stdin=None, check=True):
    result = subprocess.run(
        [sys.executable, "-m", "claims.cli", "--db", str(db), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def check_login(db, name, password):
    engine = make_engine(f"sqlite:///{db}")
    with session_scope(engine) as s:
        user = authenticate(s, name=name, password=password)
        role = user.role if user else None
    engine.dispose()
    return role


def test_user_add_prints_a_generated_password_once_that_logs_in(tmp_path):
    db = tmp_path / "c.db"
    out = run(db, "user", "add", "ann", "--role", "editor").stdout
    password = re.search(r"Password \(shown once, keep it safe\): (\S+)", out)[1]
    assert check_login(db, "ann", password) == "editor"
    listed = run(db, "user", "list").stdout
    assert re.search(r"^ann\s+editor\s+created \d{4}-\d\d-\d\d", listed, re.M) and password not in listed


def test_user_add_takes_the_password_on_stdin_and_refuses_a_taken_name(tmp_path):
    db = tmp_path / "c.db"
    out = run(
        db, "user", "add", "bob", "--role", "reader", "--password-stdin", stdin="a secret of mine\n"
    ).stdout
    assert "Password" not in out and check_login(db, "bob", "a secret of mine") == "reader"
    again = run(db, "user", "add", "bob", "--role", "editor", check=False)
    assert again.returncode == 2 and "a user named 'bob' exists already" in again.stderr
    short = run(db, "user", "add", "cy", "--role", "editor", "--password-stdin", stdin="short\n", check=False)
    assert short.returncode == 2 and "at least 10" in short.stderr


def test_token_add_prints_a_working_token_once(tmp_path):
    db = tmp_path / "c.db"
    run(db, "user", "add", "bot", "--role", "reader")
    out = run(db, "token", "add", "bot", "--label", "nightly").stdout
    token = re.search(r"^(clm_\S+)$", out, re.M)[1]
    engine = make_engine(f"sqlite:///{db}")
    with session_scope(engine) as s:
        assert user_for_token(s, raw=token, kind="api").name == "bot"
    engine.dispose()
    missing = run(db, "token", "add", "ghost", check=False)
    assert missing.returncode == 2 and "no user named 'ghost'" in missing.stderr


def test_ensure_admin_prints_the_login_once(tmp_path):
    db = tmp_path / "c.db"
    first = run(db, "user", "ensure-admin", "--url", "http://127.0.0.1:8000/").stdout
    assert "http://127.0.0.1:8000/login" in first
    password = re.search(r"password: (\S+)", first)[1]
    assert check_login(db, "admin", password) == "admin"
    assert run(db, "user", "ensure-admin").stdout == ""


def test_a_locked_account_is_listed_as_locked_and_unlock_lifts_it(tmp_path):
    from claims.accounts import LOCK_AFTER, AccountLocked

    db = tmp_path / "c.db"
    out = run(db, "user", "add", "ann", "--role", "editor").stdout
    password = re.search(r"Password \(shown once, keep it safe\): (\S+)", out)[1]
    for _ in range(LOCK_AFTER):
        assert check_login(db, "ann", "a wrong guess") is None
    with pytest.raises(AccountLocked):
        check_login(db, "ann", password)
    listed = run(db, "user", "list").stdout
    assert re.search(rf"^ann .*locked until .*{LOCK_AFTER} failed sign-ins", listed, re.M)
    assert "may sign in again" in run(db, "user", "unlock", "ann").stdout
    assert check_login(db, "ann", password) == "editor" and "locked" not in run(db, "user", "list").stdout
    assert run(db, "user", "unlock", "nobody", check=False).returncode != 0
