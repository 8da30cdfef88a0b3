"""`claims backup` and `claims check` on real SQLite files, beside a live server, after SIGKILLed ingests."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_mock_engine

from bench.faults import build_corpus, canonical_dump, reference_run, run_trial
from claims.cli import main
from claims.db import init_db, make_engine, session_scope
from claims.errors import ClaimsError, Conflict
from claims.ops import backup, check
from claims.store import fts_rowid, mark_pending, record_document
from tests.conftest import SEEDS, ingest_into
from tests.databases import ON_POSTGRES
from tests.web.conftest import running_server


def sql_dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection: foreign keys off, as a careless script would have them."""
    return sqlite3.connect(path, isolation_level=None)


def one_row(path: Path, query: str) -> tuple:
    conn = raw(path)
    try:
        return conn.execute(query).fetchone()
    finally:
        conn.close()


def problems(report, name: str) -> dict[str, str]:
    return {p.row: p.detail for p in report.problems if p.check == name}


@pytest.mark.usefixtures("sqlite_only")
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(seeded_engine):
    """What lets `claims check` and `claims backup` read while the server writes, and writers wait for
    each other instead of failing with 'database is locked'."""
    with seeded_engine.connect() as conn:
        pragmas = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("journal_mode", "busy_timeout", "foreign_keys")}
    assert pragmas == {"journal_mode": "wal", "busy_timeout": 30_000, "foreign_keys": 1}


@pytest.mark.usefixtures("sqlite_only")
def test_backup_of_seeded_db_is_identical_and_passes_check(seeded_engine, seeded_db, tmp_path, vocabulary):
    target = tmp_path / "copy.db"
    result = backup(seeded_engine, target)
    assert result.target == str(target) and result.counts["evidence"] > 100
    assert sql_dump(target) == sql_dump(seeded_db)
    # one self-contained file, and no partial copy left behind
    assert not Path(f"{target}-wal").exists() and not list(tmp_path.glob(".copy.db.*"))
    copy = make_engine(f"sqlite:///{target}")
    report = check(copy, vocabulary=vocabulary)
    copy.dispose()
    assert report.ok, report.problems
    assert set(report.checks) == {"integrity_check", "foreign_key_check", "provenance", "orphans",
                                  "search_index", "derived"}


@pytest.mark.usefixtures("sqlite_only")
def test_backup_refuses_to_overwrite_unless_forced(seeded_engine, seeded_db, tmp_path):
    target = tmp_path / "copy.db"
    target.write_text("precious")
    with pytest.raises(Conflict, match="--force"):
        backup(seeded_engine, target)
    assert target.read_text() == "precious"
    backup(seeded_engine, target, force=True)
    assert sql_dump(target) == sql_dump(seeded_db)
    with pytest.raises(Conflict, match="the database itself"):
        backup(seeded_engine, seeded_db, force=True)
    with pytest.raises(ClaimsError, match="does not exist"):
        backup(seeded_engine, tmp_path / "no" / "such" / "copy.db")


def test_backup_of_a_postgresql_database_says_to_use_pg_dump(tmp_path):
    engine = create_mock_engine("postgresql://claims@localhost/claims", executor=lambda *a, **k: None)
    with pytest.raises(ClaimsError, match="pg_dump"):
        backup(engine, tmp_path / "copy.db")  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())


@pytest.mark.usefixtures("sqlite_only")
def test_backup_and_check_while_a_server_accepts_writes(seeded_db, tmp_path, vocabulary):
    """Backups taken while evidence is being posted are each one consistent snapshot that passes check."""
    posted: list[int] = []
    failures: list[str] = []
    stop = threading.Event()
    with running_server(seeded_db) as server:
        listed = server.client.get("/api/claims", params={"per_page": 50}).json()["items"]
        claim_ids = [c["id"] for c in listed]

        def write() -> None:
            import httpx

            # an editor's token: evidence applies at once (a reader's would wait for moderation)
            with httpx.Client(base_url=server.url, timeout=30, headers=dict(server.editor.headers)) as client:
                i = 0
                while not stop.is_set():
                    body = {"stance": "disputes" if i % 3 else "supports", "source_url": None,
                            "quote": f"Load test quote number {i}.", "source_title": f"Writer source {i}"}
                    response = client.post(f"/api/claims/{claim_ids[i % len(claim_ids)]}/evidence", json=body)
                    if response.status_code == 201:
                        posted.append(i)
                    else:
                        failures.append(f"{response.status_code} {response.text[:200]}")
                    i += 1

        writer = threading.Thread(target=write)
        writer.start()
        engine = make_engine(f"sqlite:///{seeded_db}")
        try:
            while len(posted) < 3 and writer.is_alive() and not failures:
                threading.Event().wait(0.01)
            copies, seen = [], []
            for n in range(3):
                before = len(posted)
                target = tmp_path / f"copy{n}.db"
                backup(engine, target)
                copies.append(target)
                seen.append((before, len(posted)))
                live = check(engine, vocabulary=vocabulary)  # a read snapshot beside the writer
                assert live.ok, live.problems
        finally:
            stop.set()
            writer.join(timeout=60)
            engine.dispose()
        assert not failures, failures[:3]
        assert len(posted) > seen[0][0], "the server took no writes while the backups ran"
        for target, (before, after) in zip(copies, seen, strict=True):
            people = one_row(target, "SELECT count(*) FROM evidence WHERE origin = 'person'")[0]
            assert before <= people <= after + 1  # a snapshot taken between two writes
            copy = make_engine(f"sqlite:///{target}")
            report = check(copy, vocabulary=vocabulary)
            copy.dispose()
            assert report.ok, report.problems
    final = tmp_path / "final.db"
    engine = make_engine(f"sqlite:///{seeded_db}")
    backup(engine, final)
    engine.dispose()
    assert canonical_dump(final) == canonical_dump(seeded_db)


def test_check_passes_on_the_seeded_db(seeded_engine, vocabulary):
    report = check(seeded_engine, vocabulary=vocabulary)
    assert report.ok, report.problems
    with seeded_engine.connect() as conn:
        evidence, claims = conn.exec_driver_sql(
            "SELECT (SELECT count(*) FROM evidence), (SELECT count(*) FROM claim)").one()
    assert report.checks["provenance"].startswith(f"{evidence} evidence quote(s)")
    assert report.checks["search_index"].startswith(f"{claims} claim(s) and {claims} search row(s)")
    assert not report.notes
    # only SQLite's own PRAGMA checks are left out on PostgreSQL, and said to be
    assert set(report.skipped) == ({"integrity"} if ON_POSTGRES else set())


@pytest.mark.usefixtures("sqlite_only")
def test_check_reports_a_tampered_quote(seeded_engine, seeded_db, vocabulary):
    eid, start, end = one_row(seeded_db, "SELECT id, start, \"end\" FROM evidence ORDER BY id LIMIT 1")
    conn = raw(seeded_db)
    conn.execute("UPDATE evidence SET quote = quote || ' (edited)' WHERE id = ?", (eid,))
    conn.close()
    report = check(seeded_engine, vocabulary=vocabulary)
    assert list(problems(report, "provenance")) == [eid]
    assert f"text[{start}:{end}]" in problems(report, "provenance")[eid]


@pytest.mark.usefixtures("sqlite_only")
def test_check_reports_value_offsets_outside_the_quote(seeded_engine, seeded_db, vocabulary):
    eid, end = one_row(seeded_db,
                       'SELECT id, "end" FROM evidence WHERE value_start IS NOT NULL ORDER BY id LIMIT 1')
    conn = raw(seeded_db)
    conn.execute("UPDATE evidence SET value_end = ? WHERE id = ?", (end + 5, eid))
    conn.close()
    assert "outside the quote" in problems(check(seeded_engine, vocabulary=vocabulary), "provenance")[eid]


@pytest.mark.usefixtures("sqlite_only")
def test_check_reports_orphan_evidence_planted_with_foreign_keys_off(seeded_engine, seeded_db, vocabulary):
    conn = raw(seeded_db)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(evidence)")]
    first = conn.execute("SELECT * FROM evidence ORDER BY id LIMIT 1").fetchone()
    row = dict(zip(columns, first, strict=True))
    row.update(id="e-orphan", claim_id="c-nowhere")
    conn.execute(f"INSERT INTO evidence ({', '.join(map(repr, row))}) VALUES ({', '.join('?' * len(row))})",
                 list(row.values()))
    conn.execute("INSERT INTO relation (id, kind, claim_a, claim_b, reason, created_at) "
                 "VALUES ('r-orphan', 'contradicts', 'c-nowhere', 'c-gone', 'planted', '2025-01-01')")
    conn.close()
    report = check(seeded_engine, vocabulary=vocabulary)
    assert not report.ok
    assert {"e-orphan", "r-orphan"} <= set(problems(report, "foreign_key_check"))
    orphans = [(p.table, p.row, p.detail) for p in report.problems if p.check == "orphans"]
    assert ("evidence", "e-orphan", "claim_id 'c-nowhere': no such claim") in orphans
    assert ("relation", "r-orphan", "claim_b 'c-gone': no such claim") in orphans
    assert len(orphans) == 3


@pytest.mark.usefixtures("sqlite_only")
def test_check_reports_a_claim_missing_from_the_search_index(seeded_engine, seeded_db, vocabulary):
    cid = one_row(seeded_db, "SELECT id FROM claim ORDER BY id LIMIT 1")[0]
    conn = raw(seeded_db)
    conn.execute("DELETE FROM claim_fts WHERE rowid = ?", (fts_rowid(cid),))
    conn.execute("INSERT INTO claim_fts (rowid, claim_id, body) VALUES (?, 'c-ghost', 'ghost')",
                 (fts_rowid("c-ghost"),))
    conn.close()
    report = check(seeded_engine, vocabulary=vocabulary)
    assert problems(report, "search_index") == {cid: "claim is missing from the search index",
                                                "c-ghost": "search row for a claim that does not exist"}


@pytest.mark.usefixtures("sqlite_only")
def test_check_reports_a_status_typed_in_by_hand(seeded_engine, seeded_db, vocabulary):
    cid = one_row(seeded_db, "SELECT id FROM claim WHERE status = 'unverified' ORDER BY id LIMIT 1")[0]
    conn = raw(seeded_db)
    conn.execute("UPDATE claim SET status = 'refuted' WHERE id = ?", (cid,))
    conn.close()
    report = check(seeded_engine, vocabulary=vocabulary)
    expected = "stored status 'refuted' differs from recomputed 'unverified'"
    assert problems(report, "derived") == {cid: expected}


@pytest.mark.usefixtures("sqlite_only")
def test_cli_check_and_backup_exit_codes(seeded_db, tmp_path, capsys):
    assert main(["--db", str(seeded_db), "check"]) == 0
    out = capsys.readouterr().out
    assert "No problems found." in out and "ok   provenance" in out
    eid = one_row(seeded_db, "SELECT id FROM evidence ORDER BY id LIMIT 1")[0]
    conn = raw(seeded_db)
    conn.execute("UPDATE evidence SET start = start + 1 WHERE id = ?", (eid,))
    conn.close()
    assert main(["--db", str(seeded_db), "check"]) == 1
    out = capsys.readouterr().out
    assert f"evidence {eid}: quote" in out and "1 problem(s) found." in out
    assert main(["--db", str(seeded_db), "check", "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and [p["row"] for p in payload["problems"]] == [eid]

    target = tmp_path / "copy.db"
    assert main(["--db", str(seeded_db), "backup", str(target)]) == 0
    assert f"to {target}" in capsys.readouterr().out
    assert main(["--db", str(seeded_db), "backup", str(target)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["--db", str(seeded_db), "backup", str(target), "--force"]) == 0
    missing = tmp_path / "missing.db"
    assert main(["--db", str(missing), "check"]) == 2
    assert main(["--db", str(missing), "backup", str(tmp_path / "x.db")]) == 2
    assert "no database at" in capsys.readouterr().err and not missing.exists()


def test_claims_of_a_superseded_version_are_refreshed(tmp_path, extractor, vocabulary):
    """A changed file retires its old evidence: the claims that lost it get their status recomputed
    (before the fix `claims check` found their stored reasons stale)."""
    folder = tmp_path / "docs"
    shutil.copytree(SEEDS, folder, ignore=shutil.ignore_patterns("resources"))
    engine, _ = ingest_into(tmp_path / "claims.db", [folder], extractor, vocabulary)
    changed = sorted(folder.glob("*.txt"))[0]
    changed.write_text(changed.read_text(encoding="utf-8")[:4000], encoding="utf-8")
    engine, report = ingest_into(tmp_path / "claims.db", [folder], extractor, vocabulary)
    assert report.documents_superseded == 1
    result = check(engine, vocabulary=vocabulary)
    engine.dispose()
    assert result.ok, result.problems


@pytest.mark.usefixtures("sqlite_only")
def test_ingest_finishes_the_refresh_a_killed_run_left_pending(tmp_path, extractor, vocabulary):
    """What a run killed between its document transactions and its last one leaves: documents stored,
    their claims marked pending, no relations, statuses or search rows. Check passes (and says so);
    the next ingest converges to the rows of an uninterrupted run."""
    from ingest.documents import read_document

    reference, _ = ingest_into(tmp_path / "reference.db", [SEEDS], extractor, vocabulary)
    reference.dispose()
    engine = make_engine(f"sqlite:///{tmp_path / 'killed.db'}")
    init_db(engine)
    for path in sorted(SEEDS.glob("*.txt"))[:3]:
        document = read_document(path)
        with session_scope(engine) as session:
            stored = record_document(session, document=document, mentions=extractor.extract(document),
                                     vocabulary=vocabulary)
            mark_pending(session, claim_ids=stored.claims_touched)
    interrupted = check(engine, vocabulary=vocabulary)
    assert interrupted.ok, interrupted.problems
    assert interrupted.notes and "await a refresh" in interrupted.notes[0]
    engine.dispose()
    engine, report = ingest_into(tmp_path / "killed.db", [SEEDS], extractor, vocabulary)
    assert report.documents_unchanged == 3 and report.documents_added == 2
    finished = check(engine, vocabulary=vocabulary)
    engine.dispose()
    assert finished.ok and not finished.notes
    assert canonical_dump(tmp_path / "killed.db") == canonical_dump(tmp_path / "reference.db")


@pytest.mark.slow
@pytest.mark.usefixtures("sqlite_only")
def test_sigkilled_ingest_passes_check_and_converges(tmp_path):
    """Three kills: after the first document, half way, and once every document is stored (during the
    final refresh). Each leaves a database that passes check, and re-ingest gives the reference rows."""
    corpus = tmp_path / "corpus"
    total = build_corpus(corpus, 15)
    reference = reference_run(corpus, tmp_path / "reference.db")
    assert reference.documents == total
    trials = [run_trial(i + 1, 0.0, corpus, tmp_path, reference, after_documents=n)
              for i, n in enumerate((1, total // 2, total))]
    for trial in trials:
        assert trial.check_ok, trial
        assert trial.converged, trial.differences
    # stored documents or pending claims at the kill: an interrupted state (documents are written in bursts
    # after each extraction batch, so how many were stored varies from run to run)
    assert trials[0].mid_ingest and trials[1].mid_ingest
    assert all(t.documents_at_kill >= n for t, n in zip(trials, (1, total // 2, total), strict=True))


def test_check_reports_search_keys_out_of_step_with_their_claim(seeded_engine, seeded_db, vocabulary,
                                                                 sqlite_only):
    """Searches sort and filter on these keys: a status there that is not the claim's is a problem."""
    cid = one_row(seeded_db, "SELECT claim_id FROM claim_fts_keys WHERE status != 'refuted' LIMIT 1")[0]
    conn = raw(seeded_db)
    conn.execute("UPDATE claim_fts_keys SET status = 'refuted', status_rank = 1 WHERE claim_id = ?", (cid,))
    conn.commit()
    conn.close()
    report = check(seeded_engine, vocabulary=vocabulary)
    assert problems(report, "search_keys") == {cid: "search keys differ from the claim or its search row"}


@pytest.mark.usefixtures("sqlite_only")
def test_check_reports_stored_asserters_that_evidence_does_not_give(seeded_engine, seeded_db, vocabulary):
    cid = one_row(seeded_db, "SELECT id FROM claim ORDER BY id LIMIT 1")[0]
    conn = raw(seeded_db)
    conn.execute("UPDATE claim SET asserters = '[\"Nobody at all\"]' WHERE id = ?", (cid,))
    conn.close()
    report = check(seeded_engine, vocabulary=vocabulary)
    assert problems(report, "derived") == {cid: "stored origins or asserters differ from recomputed"}
