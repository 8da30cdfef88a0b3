"""Ingest is idempotent: a second run changes no row and no id; ids are stable across databases."""

import pytest
from sqlalchemy import MetaData, select

from claims.db import init_db, make_engine, session_scope
from claims.evidence import EvidenceSubmission, add_evidence
from claims.models import Claim, Evidence
from ingest.run import ingest_paths, worker_start_method
from tests.conftest import SEEDS, ingest_into
from tests.databases import url_for

UNSEEN = SEEDS.parent / "tests" / "data" / "unseen"


def dump(path):
    """Every row of every table (the full-text index too), in a stable order, on SQLite or PostgreSQL."""
    engine = make_engine(url_for(path))
    tables = MetaData()
    # every table but FTS5's own shadow tables
    tables.reflect(engine, only=lambda name, _: not name.startswith("claim_fts_"))
    try:
        with engine.connect() as conn:
            return {name: sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
                    for name, table in sorted(tables.tables.items())}
    finally:
        engine.dispose()


def test_second_ingest_changes_nothing(seeded_db, extractor, vocabulary):
    before = dump(seeded_db)
    engine, report = ingest_into(seeded_db, [SEEDS], extractor, vocabulary)
    engine.dispose()
    assert report.documents_unchanged == 5 and report.evidence_added == 0 and report.statuses_changed == 0
    assert dump(seeded_db) == before


def test_claim_and_evidence_ids_are_the_same_in_a_fresh_database(
    seeded_engine, tmp_path, extractor, vocabulary
):
    engine, _ = ingest_into(tmp_path / "again.db", [SEEDS], extractor, vocabulary)
    from sqlmodel import select

    def ids(e):
        with session_scope(e) as s:
            return set(s.exec(select(Claim.id)).all()), set(s.exec(select(Evidence.id)).all())

    assert ids(engine) == ids(seeded_engine)


def test_evidence_added_by_people_survives_a_reingest(seeded_db, extractor, vocabulary):
    from sqlmodel import select

    engine = make_engine(url_for(seeded_db))
    with session_scope(engine) as s:
        claim = s.exec(select(Claim).where(Claim.metric == "gpu_count")).first()
        added, _ = add_evidence(
            s,
            claim_id=claim.id,
            added_by="tester",
            vocabulary=vocabulary,
            submission=EvidenceSubmission(
                stance="supports", quote="They have 2,048 GPUs.", source_title="Notes", source_url=None
            ),
        )
        added_id = added.id
    engine.dispose()
    engine, _ = ingest_into(seeded_db, [SEEDS], extractor, vocabulary)
    with session_scope(engine) as s:
        kept = s.get(Evidence, added_id)
        assert kept is not None and kept.origin == "person" and kept.review == "accepted"


def test_a_changed_file_supersedes_its_old_version_and_keeps_it(tmp_path, extractor, vocabulary):
    from sqlmodel import select

    from claims.models import Source

    folder = tmp_path / "docs"
    folder.mkdir()
    doc = folder / "a.txt"
    doc.write_text("DeepSeek says it used 2,048 H800 GPUs.\n")
    engine, _ = ingest_into(tmp_path / "c.db", [folder], extractor, vocabulary)
    doc.write_text("DeepSeek says it used 2,048 H800 GPUs. Wang says 50,000 Hoppers.\n")
    engine, report = ingest_into(tmp_path / "c.db", [folder], extractor, vocabulary)
    assert report.documents_superseded == 1
    with session_scope(engine) as s:
        sources = s.exec(select(Source)).all()
        assert len(sources) == 2 and sum(x.superseded_by is None for x in sources) == 1
        old = [x for x in sources if x.superseded_by][0]
        assert {e.review for e in s.exec(select(Evidence).where(Evidence.source_id == old.id))} == {
            "superseded"
        }


def _rows(engine) -> dict[str, list[str]]:
    """Every row of the graph's tables, without wall-clock columns, sorted (SQLite or PostgreSQL)."""
    from sqlalchemy import select as sa_select

    from claims.models import Claim, Relation, Source

    clock = {"created_at", "updated_at", "added_at"}
    out = {}
    with engine.connect() as conn:
        for model in (Source, Claim, Evidence, Relation):
            table = model.__table__
            columns = [c for c in table.columns if c.name not in clock]
            out[table.name] = sorted(repr(tuple(r)) for r in conn.execute(sa_select(*columns)))
    return out


def test_two_versions_in_one_run_store_as_two_runs_would(tmp_path, extractor, vocabulary):
    """Documents go in a batch at a time; a batch holding two files of the same name still supersedes."""
    first, second = tmp_path / "v1", tmp_path / "v2"
    for folder, text in ((first, "DeepSeek says it used 2,048 H800 GPUs.\n"),
                         (second, "DeepSeek says it used 2,048 H800 GPUs. Wang says 50,000 Hoppers.\n")):
        folder.mkdir()
        (folder / "a.txt").write_text(text)
        other = folder / f"{folder.name}-other.txt"  # a name of its own: new, whatever batch it is in
        other.write_text(f"Meta spent $60 billion on {folder.name} data centres.\n")
    engine, report = ingest_into(tmp_path / "one.db", [first, second], extractor, vocabulary)
    assert report.documents_added == 4 and report.documents_superseded == 1
    one = _rows(engine)
    engine.dispose()
    engine, _ = ingest_into(tmp_path / "two.db", [first], extractor, vocabulary)
    engine.dispose()
    engine, _ = ingest_into(tmp_path / "two.db", [second], extractor, vocabulary)
    two = _rows(engine)
    engine.dispose()
    assert len(one["source"]) == 4 and one["relation"] and one == two


@pytest.mark.parametrize("other_thread", [False, True], ids=["fork-or-spawn", "spawn-beside-a-thread"])
def test_extraction_in_worker_processes_stores_the_same_rows(tmp_path, extractor, vocabulary, other_thread):
    """--workers: forked workers share this process's pipeline; with another thread running, workers are
    spawned and build their own. Either way the rows equal a one-process ingest's."""
    import threading

    engine, _ = ingest_into(tmp_path / "one.db", [SEEDS, UNSEEN], extractor, vocabulary)
    expected = _rows(engine)
    engine.dispose()
    stop = threading.Event()
    waiting = threading.Thread(target=stop.wait, daemon=True)
    if other_thread:
        waiting.start()
    assert worker_start_method() == ("fork" if threading.active_count() == 1 else "spawn")
    try:
        engine = make_engine(url_for(tmp_path / "many.db"))
        init_db(engine)
        report = ingest_paths(engine, [SEEDS, UNSEEN], extractor=extractor, vocabulary=vocabulary, workers=2)
    finally:
        stop.set()
    assert report.documents_added == 11 and not report.skipped
    assert _rows(engine) == expected and expected["evidence"]
    engine.dispose()
