"""Web fixtures: a real uvicorn server on 127.0.0.1 over a copy of the seeded database; headless Chromium."""

from __future__ import annotations

import os
import shutil
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


@dataclass
class Server:
    """A running app: its base URL and the database file behind it."""

    url: str
    db_path: Path
    client: httpx.Client = field(repr=False)


@contextmanager
def running_server(db_path: Path, **settings: Any) -> Iterator[Server]:
    """Serve ``create_app`` over ``db_path`` with uvicorn in a thread, on a port the OS picked.

    ``settings`` override fields of ``Settings`` (limits, say); the rest are the app's defaults.
    """
    settings = {"secret_key": "test-secret", **settings}
    app = create_app(Settings(database_url=f"sqlite:///{db_path}", **settings))
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
        with httpx.Client(base_url=url, timeout=10) as client:
            yield Server(url=url, db_path=db_path, client=client)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def site(seeded_template, tmp_path_factory) -> Iterator[Server]:
    """One server for read-only tests, over its own copy of the seeded database."""
    path = tmp_path_factory.mktemp("site") / "claims.db"
    shutil.copy(seeded_template, path)
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
