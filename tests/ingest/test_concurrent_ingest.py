"""Several ingests into one database at once (processes on one machine, or machines sharing a PostgreSQL
server): each write transaction holds the database's write lock, so nothing is lost, doubled or refused."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import func, select, text

from bench.corpus import generate
from claims.db import make_engine, session_scope, write_scope
from claims.models import Claim, Evidence, Relation, Source
from claims.ops import check
from tests.conftest import ingest_into
from tests.databases import cli_env, url_for


def _folders(tmp_path: Path, count: int, overlap: int) -> tuple[Path, Path]:
    """Two folders of synthetic articles sharing ``overlap`` of them (and many claims: same subjects)."""
    docs = list(generate(2 * count - overlap, seed=11))
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, part in ((first, docs[:count]), (second, docs[count - overlap:])):
        folder.mkdir()
        for name, body in part:
            (folder / name).write_text(body, encoding="utf-8")
    return first, second


def _state(engine) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What an ingest leaves: every source, claim with its status, evidence row and relation."""
    with session_scope(engine) as session:
        return {
            "sources": sorted(session.execute(select(Source.id)).scalars()),
            "claims": sorted(session.execute(select(Claim.id, Claim.status)).all()),
            "evidence": sorted(session.execute(
                select(Evidence.source_id, Evidence.start, Evidence.end, Evidence.claim_id)).all()),
            "relations": sorted(session.execute(
                select(Relation.claim_a, Relation.claim_b, Relation.kind)).all()),
        }


def test_two_ingests_at_once_store_what_one_after_the_other_stores(tmp_path, extractor, vocabulary):
    first, second = _folders(tmp_path, count=90, overlap=45)
    together = tmp_path / "together.db"
    runs = [
        subprocess.Popen([sys.executable, "-m", "claims.cli", "--db", str(together), "ingest", "--quiet",
                          str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=cli_env(together))
        for folder in (first, second)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err[-2000:]
        assert "Skipped" not in out and "skipped" not in out, out

    engine, _ = ingest_into(tmp_path / "in_turn.db", [first], extractor, vocabulary)
    engine.dispose()
    engine, _ = ingest_into(tmp_path / "in_turn.db", [second], extractor, vocabulary)
    in_turn = _state(engine)
    engine.dispose()

    engine = make_engine(url_for(together))
    try:
        assert _state(engine) == in_turn
        assert len(in_turn["sources"]) == 135  # type: ignore[arg-type]
        report = check(engine, vocabulary=vocabulary)
        assert not report.problems, report.problems
    finally:
        engine.dispose()


def test_an_ingest_waits_while_another_writer_holds_the_lock(tmp_path, extractor, vocabulary, seeded_engine):
    """A writer holding the lock (here: this test, as a web post or another ingest would) makes an ingest
    wait, not fail or interleave; when the writer commits, the ingest goes in whole."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, body in generate(3, seed=5):
        (folder / name).write_text(body, encoding="utf-8")
    from ingest.run import ingest_paths

    def count_sources() -> int:
        with session_scope(seeded_engine) as session:
            return int(session.execute(select(func.count()).select_from(Source)).scalar_one())

    before = count_sources()
    outcome: list[object] = []
    with write_scope(seeded_engine) as holder:
        holder.execute(text("SELECT 1"))  # the transaction has begun: the lock is held
        worker = threading.Thread(target=lambda: outcome.append(
            ingest_paths(seeded_engine, [folder], extractor=extractor, vocabulary=vocabulary)))
        worker.start()
        time.sleep(1.5)
        assert worker.is_alive() and not outcome  # waiting for the lock
        assert count_sources() == before  # and nothing of it is in yet (reads are not blocked)
    worker.join(timeout=60)
    assert not worker.is_alive()
    [report] = outcome
    assert report.documents_added == 3 and not report.skipped  # type: ignore[attr-defined]
    assert count_sources() == before + 3
