"""Migrations: the schema they build is the models' schema, on SQLite and PostgreSQL; init_db is safe to
repeat, to run on a database older than migrations, and to run from several processes at once."""

import subprocess
import sys

from sqlalchemy import inspect, text
from sqlmodel import SQLModel, select

from claims.db import init_db, make_engine, session_scope
from claims.migrate import (
    BASELINE,
    BASELINE_SEARCH_DDL,
    current_revision,
    head_revision,
    schema_differences,
    upgrade,
)
from claims.models import Claim, Evidence
from claims.store import list_claims
from tests.databases import cli_env, url_for


def test_the_migrated_schema_is_exactly_the_models_schema(empty_engine):
    """A model change without a migration fails here: write one with `make migration MSG=...`."""
    assert schema_differences(empty_engine) == []


def test_init_db_twice_changes_nothing_and_stays_at_head(empty_engine):
    init_db(empty_engine)
    with empty_engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    assert schema_differences(empty_engine) == []


def test_the_search_table_exists_in_the_form_the_database_needs(empty_engine):
    tables = set(inspect(empty_engine).get_table_names())
    assert "claim_fts" in tables
    if empty_engine.dialect.name == "postgresql":
        indexes = {i["name"] for i in inspect(empty_engine).get_indexes("claim_fts")}
        assert "ix_claim_fts_body" in indexes


def test_a_database_made_before_migrations_is_stamped_upgraded_and_keeps_its_rows(empty_engine):
    """Tables as the old init_db left them: the baseline schema with rows, no alembic_version (and on
    PostgreSQL no search table). init_db stamps it, runs every later revision over the rows, and indexes
    them."""
    empty_engine.dispose()
    with empty_engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(text(f'DROP TABLE IF EXISTS "{table.name}"'))
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        conn.execute(text("DROP TABLE IF EXISTS claim_fts"))
    upgrade(empty_engine, to=BASELINE)
    with empty_engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP TABLE claim_fts"))
        conn.execute(text(
            "INSERT INTO entity (id, name, kind, aliases) VALUES ('nvidia', 'NVIDIA', 'company', '[]')"))
        conn.execute(text(
            "INSERT INTO claim (id, subject_id, metric, scope, unit, \"order\", value_text, statement, "
            "status, reasons, updated_at) VALUES ('c-old', 'nvidia', 'market_cap_loss', '', 'USD', false, "
            "'$593B', 'NVIDIA market value lost: $593 billion', 'unverified', '[]', "
            "'2025-01-27 00:00:00+00:00')"))
        conn.execute(text(
            "INSERT INTO source (id, name, title, origin, sha256, text, kind, created_at) VALUES "
            "('s-old', 'a.txt', 'A', 'a.txt', 'x', 'NVIDIA lost $593B.', 'document', "
            "'2025-01-27 00:00:00+00:00')"))
        conn.execute(text(
            "INSERT INTO evidence (id, claim_id, source_id, start, \"end\", quote, asserted_by, stance, "
            "hypothetical, origin, added_at, review) VALUES ('e-old', 'c-old', 's-old', 0, 18, "
            "'NVIDIA lost $593B.', 'author', 'supports', false, 'extracted', '2025-01-27 00:00:00+00:00', "
            "'accepted')"))
    init_db(empty_engine)
    with empty_engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    assert schema_differences(empty_engine) == []
    with session_scope(empty_engine) as session:
        assert session.exec(select(Claim.id)).all() == ["c-old"]
        assert session.exec(select(Evidence.id)).all() == ["e-old"]
        if empty_engine.dialect.name == "postgresql":  # its search table was made now: the rows were indexed
            assert list_claims(session, q="market value")[1] == 1


def test_the_baseline_creates_every_model_table():
    from claims.migrations.versions import r0001_baseline as baseline

    assert baseline.revision == BASELINE and baseline.down_revision is None
    source = open(baseline.__file__, encoding="utf-8").read()
    for table in SQLModel.metadata.tables:
        if table in ("entity", "source", "claim", "evidence", "relation"):
            assert f"op.create_table('{table}'" in source
    assert set(BASELINE_SEARCH_DDL) == {"sqlite", "postgresql"}


CONCURRENT = """
import sys
from claims.db import init_db, make_engine
engine = make_engine(sys.argv[1])
init_db(engine)
engine.dispose()
"""


def test_processes_starting_at_once_on_a_new_database_all_succeed(tmp_path):
    url = url_for(tmp_path / "fresh.db")
    starters = [subprocess.Popen([sys.executable, "-c", CONCURRENT, url], stderr=subprocess.PIPE, text=True,
                                 env=cli_env(tmp_path / "fresh.db")) for _ in range(4)]
    outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in starters]
    assert all(code == 0 for code, _ in outcomes), outcomes
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            assert versions == [head_revision()]
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_the_search_keys_and_their_triggers_exist_at_head_on_sqlite(empty_engine, sqlite_only):
    """Revision 0005's table, index and triggers: a later batch migration recreating `claim` would drop the
    triggers, and searches would then sort and filter on stale statuses."""
    with empty_engine.connect() as conn:
        names = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
    wanted = {"claim_fts_keys", "ix_claim_fts_keys_order", "claim_fts_keys_update", "claim_fts_keys_delete"}
    assert wanted <= names
