"""Shared fixtures: real SQLite files built by the production ingest code, never a mocked session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from claims.db import init_db, make_engine
from claims.vocabulary import default_vocabulary

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"


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

    engine = make_engine(f"sqlite:///{path}")
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
def seeded_db(seeded_template, tmp_path) -> Path:
    """A fresh copy of the seeded database for one test (tests may write to it)."""
    target = tmp_path / "claims.db"
    shutil.copy(seeded_template, target)
    return target


@pytest.fixture()
def seeded_engine(seeded_db):
    engine = make_engine(f"sqlite:///{seeded_db}")
    yield engine
    engine.dispose()


@pytest.fixture()
def empty_engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    init_db(engine)
    yield engine
    engine.dispose()
