"""The same seeds give the same graph on SQLite and PostgreSQL: claims, statuses, reasons, evidence, search.

Runs in the PostgreSQL run (make test-postgres), where the seeded template is a PostgreSQL database,
against a SQLite file built by the same ingest.
"""

import pytest
from sqlmodel import select

from claims.db import init_db, make_engine, session_scope
from claims.export import mention_rows
from claims.models import Claim, Relation
from claims.store import list_claims
from tests.conftest import SEEDS
from tests.databases import ON_POSTGRES, url_for

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="compares with PostgreSQL: CLAIMS_TEST_DATABASE_URL")
QUERIES = ["Hopper", "export controls", "$5.6M", "2,048", "training cost", "Alexandr Wang", "distillation"]


def snapshot(engine):
    with session_scope(engine) as session:
        return {
            "mentions": list(mention_rows(session)),
            "claims": sorted((c.id, c.statement, c.status, tuple(c.reasons))
                             for c in session.exec(select(Claim))),
            "relations": sorted((r.id, r.kind, r.reason) for r in session.exec(select(Relation))),
            "pages": [[c.id for c in list_claims(session, page=p, per_page=25)[0]] for p in (1, 2, 3)],
            "search": {q: [c.id for c in list_claims(session, q=q, per_page=100)[0]] for q in QUERIES},
        }


def test_sqlite_and_postgresql_hold_the_same_graph(seeded_template, tmp_path, extractor, vocabulary):
    from ingest.run import ingest_paths

    lite = make_engine(f"sqlite:///{tmp_path / 'lite.db'}")  # a file, whatever the run's database
    init_db(lite)
    assert not ingest_paths(lite, [SEEDS], extractor=extractor, vocabulary=vocabulary).skipped
    postgres = make_engine(url_for(seeded_template))
    try:
        assert lite.dialect.name == "sqlite" and postgres.dialect.name == "postgresql"
        ours, theirs = snapshot(lite), snapshot(postgres)
        assert ours["mentions"] and all(ours["search"].values())
        for key in ours:
            assert ours[key] == theirs[key], key
    finally:
        lite.dispose()
        postgres.dispose()
