"""Shared fixtures: real databases built by the production ingest code, never a mocked session.

SQLite files by default; with CLAIMS_TEST_DATABASE_URL=postgresql://... (make test-postgres) every test
gets a PostgreSQL database of its own instead (see tests/databases.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from claims.db import init_db, make_engine
from claims.vocabulary import default_vocabulary
from tests.databases import ON_POSTGRES, SERVER_URL, copy_database, drop_created, drop_database, url_for

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"


def pytest_report_header(config):
    return f"database: {'PostgreSQL at ' + SERVER_URL.rsplit('@', 1)[-1] if ON_POSTGRES else 'SQLite files'}"


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases():
    """PostgreSQL: drop every database the run created, whatever happened."""
    yield
    drop_created()


@pytest.fixture(scope="session")
def extractor():
    """One extractor (spaCy pipeline + rules) for the whole run: building it is the slow part."""
    from ingest.extract import Extractor

    return Extractor()


@pytest.fixture(scope="session")
def vocabulary():
    return default_vocabulary()


def ingest_into(path: Path, sources: list[Path], extractor, vocabulary):
    from ingest.run import ingest_paths

    engine = make_engine(url_for(path))
    init_db(engine)
    report = ingest_paths(engine, sources, extractor=extractor, vocabulary=vocabulary)
    return engine, report


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory, extractor, vocabulary) -> Path:
    """A database file holding the five seed articles, built once per run by `ingest_paths`."""
    path = tmp_path_factory.mktemp("seeded") / "seeds.db"
    engine, report = ingest_into(path, [SEEDS], extractor, vocabulary)
    assert not report.skipped, report.skipped
    engine.dispose()
    return path


@pytest.fixture()
def seeded_db(seeded_template, tmp_path):
    """A fresh copy of the seeded database for one test (tests may write to it)."""
    target = tmp_path / "claims.db"
    copy_database(seeded_template, target)
    yield target
    drop_database(target)


@pytest.fixture()
def seeded_engine(seeded_db):
    engine = make_engine(url_for(seeded_db))
    yield engine
    engine.dispose()


@pytest.fixture()
def empty_engine(tmp_path):
    engine = make_engine(url_for(tmp_path / "empty.db"))
    init_db(engine)
    yield engine
    engine.dispose()


@pytest.fixture()
def sqlite_only():
    """For tests about SQLite itself (its files, its pragmas): skipped in the PostgreSQL run."""
    if ON_POSTGRES:
        pytest.skip("about SQLite files; this run uses PostgreSQL")
