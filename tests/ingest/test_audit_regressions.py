"""Regression tests for the ingest defects the adversarial audit found (issue 18), each named after it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import Session, select

from claims.db import init_db, make_engine
from claims.models import Evidence, Source
from ingest.run import ingest_paths

CLAIM = "DeepSeek said it trained V3 on 2,048 H800 GPUs for $5.6 million.\n"


def ingest(tmp_path, folder, extractor, vocabulary):
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    init_db(engine)
    return engine, ingest_paths(engine, [folder], extractor=extractor, vocabulary=vocabulary)


def test_the_summary_does_not_count_a_failed_document_as_ingested(
    tmp_path, extractor, vocabulary, monkeypatch
):
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text(name + ": " + CLAIM, encoding="utf-8")
    real = extractor.extract_many

    def extract_many(documents):  # one document's extraction breaks (the rest go in, counted right)
        if any(d.name == "b.txt" for d in documents):
            raise RuntimeError("boom")
        return real(documents)

    monkeypatch.setattr(extractor, "extract_many", extract_many)
    _, report = ingest(tmp_path, folder, extractor, vocabulary)
    assert report.documents_added == 2 and len(report.skipped) == 1
    assert report.summary().startswith("Ingested 2 document(s): 2 new, 0 unchanged, 1 skipped")


def test_a_document_over_a_million_characters_is_ingested_with_offsets_intact(
    tmp_path, extractor, vocabulary
):
    folder = tmp_path / "docs"
    folder.mkdir()
    filler = "This sentence says nothing in particular about anything at all. " * 17_000
    text = filler + CLAIM + filler
    assert len(text) > 2_000_000
    (folder / "long.txt").write_text(text, encoding="utf-8")
    engine, report = ingest(tmp_path, folder, extractor, vocabulary)
    assert not report.skipped, report.skipped
    with Session(engine) as session:
        source = session.exec(select(Source)).one()
        evidence = session.exec(select(Evidence)).all()
    assert evidence and all(source.text[e.start : e.end] == e.quote for e in evidence)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_symlink_loops_and_dangling_links_are_reported_with_their_reason(tmp_path, extractor, vocabulary):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text(CLAIM, encoding="utf-8")
    (folder / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    _, report = ingest(tmp_path, folder, extractor, vocabulary)
    reasons = {os.path.basename(path): why for path, why in report.skipped}
    assert "does not exist" in reasons["dangling.txt"]
    assert "loops" in reasons["loop.txt"]
    assert report.documents_added == 1


def _children(pid: int) -> set[int]:
    kids: set[int] = set()
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:
        return kids
    for task in tasks:
        try:  # (a thread may end between the listing and the read)
            kids.update(int(k) for k in (task / "children").read_text().split())
        except FileNotFoundError:
            continue
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's reaping is left


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_orphaned_ingest_workers_die_with_a_killed_parent(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from bench.corpus import generate

    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in generate(600):
        (folder / name).write_text(text, encoding="utf-8")
    ingest_run = subprocess.Popen(
        [sys.executable, "-m", "claims.cli", "--db", str(tmp_path / "c.db"), "ingest", str(folder),
         "--workers", "2", "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while len(workers) < 2 and time.monotonic() < deadline and ingest_run.poll() is None:
        workers = _children(ingest_run.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the workers never started"
    ingest_run.send_signal(signal.SIGKILL)
    ingest_run.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "workers outlived the killed ingest"


def test_source_identity_is_the_path_under_the_ingest_root_not_the_bare_file_name(
    tmp_path, extractor, vocabulary
):
    folder = tmp_path / "docs"
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    (folder / "a" / "x.txt").write_text("DeepSeek said V3 cost $5.6 million to train.\n", encoding="utf-8")
    other = "SemiAnalysis says DeepSeek spent $1.6 billion on servers.\n"
    (folder / "b" / "x.txt").write_text(other, encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    init_db(engine)
    report = ingest_paths(engine, [folder], extractor=extractor, vocabulary=vocabulary, recursive=True)
    assert report.documents_added == 2 and report.documents_superseded == 0
    with Session(engine) as session:
        live = session.exec(select(Source).where(Source.superseded_by == None)).all()  # noqa: E711
    assert sorted(s.name for s in live) == ["a/x.txt", "b/x.txt"]
