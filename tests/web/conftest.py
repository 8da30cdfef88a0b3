"""Web fixtures: a real uvicorn server on 127.0.0.1 over a copy of the seeded database (SQLite, or PostgreSQL
with CLAIMS_TEST_DATABASE_URL); headless Chromium."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from tests.databases import copy_database, url_for
from web.app import create_app
from web.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS = Path(__file__).resolve().parents[2] / "docs"
# Screenshots land in docs/ only when asked (make screenshots); otherwise in the test's temp folder.
SCREENSHOTS_ENV = "CLAIMS_SCREENSHOTS"


EDITOR, READER = "test-editor", "test-reader"
PASSWORD = "correct horse battery staple"


@dataclass
class Server:
    """A running app: its base URL, the database file behind it, an anonymous client, and clients
    holding the API tokens of an editor and of a reader (both log in with PASSWORD)."""

    url: str
    db_path: Path
    client: httpx.Client = field(repr=False)
    editor: httpx.Client = field(repr=False)
    reader: httpx.Client = field(repr=False)


def make_accounts(db_path: Path) -> dict[str, str]:
    """An editor and a reader in the database, each with an API token; their tokens by name."""
    from claims.accounts import create_user, get_user, issue_token
    from claims.db import init_db, make_engine, session_scope

    engine = make_engine(url_for(db_path))
    init_db(engine)
    tokens = {}
    with session_scope(engine) as session:
        for name, role in ((EDITOR, "editor"), (READER, "reader")):
            user = get_user(session, name=name) or create_user(
                session, name=name, role=role, password=PASSWORD, actor="tests"
            )
            tokens[name] = issue_token(session, user=user, label="tests")[1]
    engine.dispose()
    return tokens


@contextmanager
def running_server(db_path: Path, **settings: Any) -> Iterator[Server]:
    """Serve ``create_app`` over the database ``db_path`` stands for, with uvicorn in a thread, on a port
    the OS picked.

    ``settings`` override fields of ``Settings`` (limits, say); the rest are the app's defaults.
    """
    tokens = make_accounts(db_path)
    settings = {"secret_key": "test-secret", **settings}
    app = create_app(Settings(database_url=url_for(db_path), **settings))
    # IPPROTO_TCP explicitly: asyncio turns Nagle off only on sockets that say so, and with Nagle on
    # every request waits ~40 ms for a delayed ACK
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    try:
        def bearer(name: str) -> httpx.Client:
            return httpx.Client(base_url=url, timeout=10, headers={"authorization": f"Bearer {tokens[name]}"})

        with (
            httpx.Client(base_url=url, timeout=10) as client,
            bearer(EDITOR) as editor,
            bearer(READER) as reader,
        ):
            yield Server(url=url, db_path=db_path, client=client, editor=editor, reader=reader)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def site(seeded_template, tmp_path_factory) -> Iterator[Server]:
    """One server for read-only tests, over its own copy of the seeded database."""
    path = tmp_path_factory.mktemp("site") / "claims.db"
    copy_database(seeded_template, path)
    with running_server(path) as server:
        yield server


@pytest.fixture()
def live(seeded_db) -> Iterator[Server]:
    """A server of its own for a test that writes (a fresh copy of the seeded database)."""
    with running_server(seeded_db) as server:
        yield server


@pytest.fixture()
def api(site) -> httpx.Client:
    return site.client


@pytest.fixture()
def editor_api(site) -> httpx.Client:
    """The shared server, as an editor with an API token."""
    return site.editor


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (Playwright cannot download its own browser here)."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: run ./scripts/ensure-chromium.sh (make test does) to run browser tests"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    """A fresh browser context (its own cookies and storage) and a page in it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(5000)
    yield tab
    context.close()


@pytest.fixture()
def console_errors(page) -> list[str]:
    """Everything the page reports as an error: console errors and uncaught exceptions."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.fixture()
def screenshot_dir(tmp_path) -> Path:
    """docs/ when $CLAIMS_SCREENSHOTS is set (make screenshots), else a temporary folder."""
    return DOCS if os.environ.get(SCREENSHOTS_ENV) else tmp_path
