"""Conventions of web/, checked: JSON twins for pages, small modules, vendored assets, no work at import."""

from __future__ import annotations

import doctest
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from tests.web.conftest import running_server
from web.app import create_app
from web.settings import SECRET_ENV, Settings

WEB = Path(__file__).resolve().parents[2] / "web"
DOCTESTED = ["web.charts", "web.render", "web.highlight", "web.csrf", "web.settings", "web.errors",
             "web.routes.accounts"]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('app') / 'empty.db'}"))


def test_every_page_has_a_json_twin_under_api():
    # the routers as written (FastAPI includes them lazily, so app.routes does not list them)
    routers = [
        importlib.import_module(f"web.routes.{p.stem}").router for p in (WEB / "routes").glob("[!_]*.py")
    ]
    routes = [
        r for router in routers for r in router.routes if isinstance(r, APIRoute) and "GET" in r.methods
    ]
    api = {r.path for r in routes if r.path.startswith("/api/")}
    # /docs and /login show no data of ours: the API docs themselves, and a form; /sources/options is a
    # fragment of the evidence form (its data is /api/sources?q=)
    fragments = ("/docs", "/login", "/sources/options")
    pages = {r.path for r in routes if not r.path.startswith("/api/") and r.path not in fragments}
    assert pages == {
        "/",
        "/claims",
        "/claims/{claim_id}",
        "/sources",
        "/sources/{source_id}",
        "/entities",
        "/entities/{entity_id}",
        "/graph",
        "/moderation",
    }
    for path in pages:
        assert ("/api/overview" if path == "/" else "/api" + path) in api, path


def test_only_the_api_is_in_the_openapi_schema(app):
    assert all(path.startswith("/api/") for path in app.openapi()["paths"])


@pytest.mark.parametrize("path", sorted(WEB.rglob("*.py")), ids=lambda p: str(p.relative_to(WEB.parent)))
def test_modules_stay_under_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) < 400


def test_every_vendored_file_is_recorded_with_its_version_and_license():
    vendor = WEB / "static" / "vendor"
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    for asset in vendor.glob("*.*"):
        if asset.name == "README.md":
            continue
        assert asset.name in readme, asset.name
        version = re.search(r"-(\d+\.\d+\.\d+)", asset.name)
        assert version and version.group(1) in readme, asset.name
    for name in ("htmx.org", "cytoscape", "swagger-ui-dist"):
        assert name in readme and (vendor / "licenses").glob(f"{name}*")


def test_templates_escape_what_they_show():
    env = create_app(Settings(database_url="sqlite://")).state.web.templates.env
    assert env.autoescape is True


@pytest.mark.parametrize("module", DOCTESTED)
def test_doctests(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted and not result.failed


def test_importing_the_web_package_connects_to_nothing_and_reads_no_settings(tmp_path):
    modules = [
        "web.app",
        "web.settings",
        "web.deps",
        *(f"web.routes.{p.stem}" for p in (WEB / "routes").glob("*.py")),
    ]
    code = "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)"
    env = {
        **os.environ,
        "CLAIMS_DATABASE_URL": f"sqlite:///{tmp_path / 'never.db'}",
        "PYTHONPATH": str(WEB.parent),
    }
    subprocess.run([sys.executable, "-c", code, *modules], cwd=tmp_path, env=env, check=True)
    assert list(tmp_path.iterdir()) == []


def test_the_secret_comes_from_settings_the_environment_the_database_or_chance(monkeypatch, tmp_path):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    assert Settings(database_url="x", secret_key="given").resolved_secret() == "given"
    other = "postgresql://host/db"
    assert Settings(database_url=other).resolved_secret() != Settings(database_url=other).resolved_secret()
    sqlite = f"sqlite:///{tmp_path / 'claims.db'}"
    stored = Settings(database_url=sqlite).resolved_secret()
    assert Settings(database_url=sqlite).resolved_secret() == stored  # survives a restart
    assert (tmp_path / "claims.db-secret").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv(SECRET_ENV, "from-env")
    assert Settings(database_url=sqlite).resolved_secret() == "from-env"


def test_an_empty_database_serves_an_empty_tracker(tmp_path):
    with running_server(tmp_path / "empty.db") as server:
        assert server.client.get("/api/claims").json() == {"items": [], "total": 0, "page": 1, "per_page": 25}
        home = server.client.get("/", headers={"accept": "text/html"})
        assert home.status_code == 200 and "No disputes yet" in home.text
        assert server.client.get("/graph", headers={"accept": "text/html"}).status_code == 200


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


TEXT_ON_BACKGROUND = [
    ("ink", "bg"),
    ("muted", "bg"),
    ("muted", "surface"),
    ("accent", "bg"),
    ("accent", "surface"),
    ("disputed", "disputed-bg"),
    ("refuted", "refuted-bg"),
    ("corroborated", "corroborated-bg"),
    ("unverified", "unverified-bg"),
    ("supports", "corroborated-bg"),
    ("disputes", "refuted-bg"),
    ("accent-ink", "accent"),
    ("ink", "mark"),
    ("ink", "mark-strong"),
    ("refuted", "surface"),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_colours_meet_wcag_aa_contrast(scheme):
    css = (WEB / "static" / "style.css").read_text(encoding="utf-8")
    block = re.findall(r":root \{(.*?)\}", css, re.S)[0 if scheme == "light" else 1]
    colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", block))
    for text, background in TEXT_ON_BACKGROUND:
        assert contrast(colours[text], colours[background]) >= 4.5, (scheme, text, background)
