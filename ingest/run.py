"""Ingest paths into the store: read, extract, record documents a batch per transaction, then refresh."""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from claims.analysis import refresh
from claims.audit import StatusCause, record_ingested
from claims.canonical import source_id
from claims.db import session_scope, write_scope
from claims.errors import DocumentError
from claims.records import Document, Mention
from claims.store import (
    DocumentResult,
    clear_pending,
    corpus_counts,
    ensure_vocabulary,
    known_sources,
    mark_pending,
    pending_claims,
    record_documents,
    reindex_search,
)
from claims.vocabulary import Vocabulary
from ingest.documents import PathProblem, iter_paths, read_document
from ingest.extract import Extractor
from ingest.pipeline import MAX_DOCUMENT_CHARS

__all__ = ["IngestReport", "ingest_paths", "ingest_documents"]

BATCH = 64

# Extraction makes millions of short-lived objects, which reference counting frees; with the default
# threshold (700 allocations) the cyclic collector still runs some 600 times over 1,000 documents, about
# 5 % of ingest time, to find a few thousand cyclic objects. While an ingest runs, it waits for this many
# instead (as mypy does for its builds): 20 collections, memory unchanged.
GC_THRESHOLD = 10_000
_gc_lock = threading.Lock()
_gc_depth = 0
_gc_saved: tuple[int, int, int] | None = None


def _raise_gc_threshold() -> tuple[int, int, int]:
    """Set the collector's first threshold to at least GC_THRESHOLD; return the thresholds before."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_THRESHOLD), *before[1:])
    return before


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the cyclic collector's first threshold to GC_THRESHOLD (never lower it) for the duration;
    nested and concurrent uses restore the process's own setting when the last one ends.

    >>> before = gc.get_threshold()
    >>> with fewer_collections():
    ...     gc.get_threshold()[0] >= GC_THRESHOLD
    True
    >>> gc.get_threshold() == before
    True
    """
    global _gc_depth, _gc_saved  # noqa: PLW0603 - the collector's thresholds are process-wide
    with _gc_lock:
        if _gc_depth == 0:
            _gc_saved = _raise_gc_threshold()
        _gc_depth += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0 and _gc_saved is not None:
                gc.set_threshold(*_gc_saved)


@dataclass
class IngestReport:
    """What an ingest run did, for the summary line and the exit status."""

    documents_seen: int = 0
    documents_added: int = 0
    documents_unchanged: int = 0
    documents_superseded: int = 0
    evidence_added: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    relations_added: int = 0
    statuses_changed: int = 0
    seconds: float = 0.0
    words: int = 0

    def summary(self) -> str:
        c = self.counts
        lines = [
            f"Ingested {self.documents_seen} document(s): {self.documents_added} new, "
            f"{self.documents_unchanged} unchanged"
            + (
                f", {self.documents_superseded} replaced an earlier version"
                if self.documents_superseded
                else ""
            )
            + (f", {len(self.skipped)} skipped" if self.skipped else "")
            + f" in {self.seconds:.2f}s.",
            f"Evidence added: {self.evidence_added}. Relations added: {self.relations_added}. "
            f"Statuses changed: {self.statuses_changed}.",
            f"Database: {c.get('sources', 0)} sources, {c.get('claims', 0)} claims, "
            f"{c.get('evidence', 0)} evidence, "
            f"{c.get('disputed', 0)} disputed claims, {c.get('contradictions', 0)} contradiction links.",
        ]
        lines.extend(f"Skipped {path}: {reason}" for path, reason in self.skipped)
        return "\n".join(lines)


def _found(paths: Iterable[str | Path], recursive: bool) -> Iterator[tuple[Path | None, Path | PathProblem]]:
    """Each file (or problem) with the folder it was found under (None for a file named directly)."""
    for raw in paths:
        root = Path(raw) if Path(raw).is_dir() else None
        for item in iter_paths([raw], recursive=recursive):
            yield root, item


def _read_all(paths: Iterable[str | Path], recursive: bool, report: IngestReport) -> list[Document]:
    documents = []
    for root, item in _found(paths, recursive):
        if isinstance(item, PathProblem):
            report.skipped.append((item.path, item.reason))
            continue
        try:  # named by its path under the folder it was found in: a/x.txt and b/x.txt are two sources
            document = read_document(item, name=item.relative_to(root).as_posix() if root else item.name)
        except DocumentError as exc:
            report.skipped.append((str(item), str(exc).split(": ", 1)[-1]))
            continue
        if len(document.text) > MAX_DOCUMENT_CHARS:
            report.skipped.append(
                (str(item), f"{len(document.text):,} characters; the limit is {MAX_DOCUMENT_CHARS:,}")
            )
            continue
        documents.append(document)
    return documents


Extracted = tuple[Document, list[Mention] | str]  # mentions, or why extraction failed


def _extract_mentions(extractor: Extractor, batch: Sequence[Document]) -> list[list[Mention] | str]:
    """Each document's mentions, or why its extraction failed."""
    try:
        return list(extractor.extract_many(batch))
    except Exception:  # one bad document must not sink the batch: retry one by one
        out: list[list[Mention] | str] = []
        for doc in batch:
            try:
                out.append(extractor.extract(doc))
            except Exception as exc:  # noqa: BLE001 - reported and skipped, the rest go in
                out.append(f"extraction failed: {type(exc).__name__}: {exc}")
        return out


def _extract_batch(extractor: Extractor, batch: Sequence[Document]) -> list[Extracted]:
    return list(zip(batch, _extract_mentions(extractor, batch), strict=True))


_WORKER_EXTRACTOR: Extractor | None = None


def _worker_start() -> None:
    global _WORKER_EXTRACTOR  # noqa: PLW0603 - one pipeline per worker process, built once
    _WORKER_EXTRACTOR = Extractor()
    _raise_gc_threshold()  # (a forked worker inherits the raised threshold)


def _worker_init(parent: int, build: bool) -> None:
    """A worker's start: it dies with the process that started it (a SIGKILLed `claims ingest` leaves no
    worker behind, blocked on a pipe and holding the database's files), and builds its pipeline if it was
    spawned rather than forked."""
    _follow_parent(parent)
    if build:
        _worker_start()


def _follow_parent(parent: int, every: float = 0.2) -> None:
    """Exit this process once ``parent`` is no longer its parent (it died, so the worker was re-parented)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


def _worker_extract(batch: Sequence[Document]) -> list[list[Mention] | str]:
    """Mentions only: the parent has the documents, their texts need not travel back."""
    assert _WORKER_EXTRACTOR is not None
    return _extract_mentions(_WORKER_EXTRACTOR, batch)


def worker_start_method() -> str:
    """How extraction worker processes start: "fork" on POSIX, where they start at once and share this
    process's pipeline; but a fork copies only the calling thread, so a process running other threads (a
    server, a test harness) uses "spawn", whose workers import us and build their own (about a second)."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _extracted_batches(
    documents: Sequence[Document], extractor: Extractor, workers: int
) -> Iterator[list[Extracted]]:
    """Batches of extracted documents, in order; with workers > 1 extraction runs in other processes
    while this one writes to the database."""
    batches = [documents[i : i + BATCH] for i in range(0, len(documents), BATCH)]
    if workers <= 1 or len(batches) <= 1:
        for batch in batches:
            yield _extract_batch(extractor, batch)
        return
    global _WORKER_EXTRACTOR  # noqa: PLW0603 - forked workers inherit this process's pipeline
    method = worker_start_method()
    context = multiprocessing.get_context(method)
    if method == "fork":
        _WORKER_EXTRACTOR = extractor
    init = functools.partial(_worker_init, os.getpid(), method == "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=init) as pool:
        for batch, mentions in zip(batches, pool.map(_worker_extract, batches), strict=True):
            yield list(zip(batch, mentions, strict=True))


Stored = tuple[Document, DocumentResult | str]  # what storing did, or why the document could not be stored


def _record(session: Session, items: Sequence[tuple[Document, list[Mention]]],
            vocabulary: Vocabulary) -> list[DocumentResult]:
    """Store documents with their pending marks and audit entries (in the caller's transaction)."""
    results = record_documents(session, documents=items, vocabulary=vocabulary)
    mark_pending(session, claim_ids={cid for r in results for cid in r.claims_touched})
    record_ingested(  # each audit entry commits with its document, or not at all
        session,
        sources=[(r.source_id, doc.name, r.evidence_added) for (doc, _), r in zip(items, results, strict=True)
                 if r.created],
    )
    return results


def _store_batch(engine: Engine, batch: Sequence[Extracted], vocabulary: Vocabulary) -> list[Stored]:
    """Store an extracted batch in one transaction; if that fails, each document in a transaction of its own,
    so a document that cannot be stored is reported and skipped while the rest go in."""
    items = [(doc, mentions) for doc, mentions in batch if not isinstance(mentions, str)]
    try:
        with write_scope(engine) as session:
            results = iter(_record(session, items, vocabulary))
        return [(doc, mentions if isinstance(mentions, str) else next(results)) for doc, mentions in batch]
    except Exception:  # noqa: BLE001 - retried one by one below, where the culprit is named
        pass
    out: list[Stored] = []
    for doc, mentions in batch:
        if isinstance(mentions, str):
            out.append((doc, mentions))
            continue
        try:
            with write_scope(engine) as session:
                [result] = _record(session, [(doc, mentions)], vocabulary)
            out.append((doc, result))
        except Exception as exc:  # noqa: BLE001 - reported and skipped, the rest go in
            out.append((doc, f"could not be stored: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}"))
    return out


def ingest_documents(
    engine: Engine,
    documents: Sequence[Document],
    *,
    extractor: Extractor,
    vocabulary: Vocabulary,
    report: IngestReport | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    workers: int = 1,
) -> IngestReport:
    """Extract and record documents, a batch per transaction, then recompute relations and statuses.

    Each batch's transaction also marks its claims as pending; the last transaction recomputes them
    and clears the marks. A batch that cannot be stored whole is stored one document per transaction,
    so a bad document is reported and skipped and the others go in. A run killed at any point therefore
    leaves whole documents and a to-do list, and the next run (which skips stored documents) converges to
    the rows of an uninterrupted one. Every writing transaction holds the database's write lock
    (``write_scope``), so ingests running at once, in processes on one machine or several sharing a
    PostgreSQL server, store the rows of running them one after the other.
    """
    with fewer_collections():
        return _ingest_documents(engine, documents, extractor, vocabulary, report, progress, workers)


def _ingest_documents(
    engine: Engine,
    documents: Sequence[Document],
    extractor: Extractor,
    vocabulary: Vocabulary,
    report: IngestReport | None,
    progress: Callable[[int, int, str], None] | None,
    workers: int,
) -> IngestReport:
    report = report or IngestReport()
    started = time.perf_counter()
    with write_scope(engine) as session:
        ensure_vocabulary(session, vocabulary=vocabulary)
        # Claims a killed run stored evidence for but never refreshed: finished by this run.
        touched: set[str] = pending_claims(session)
    with session_scope(engine) as session:
        known = known_sources(session, [source_id(d.sha256) for d in documents])
    fresh = [d for d in documents if source_id(d.sha256) not in known]
    report.documents_seen += len(documents) - len(fresh)
    report.documents_unchanged += len(documents) - len(fresh)
    documents = fresh  # an unchanged text is not read again: ingest is idempotent and cheap to repeat
    done = 0
    for batch in _extracted_batches(documents, extractor, workers):
        for doc, stored in _store_batch(engine, batch, vocabulary):
            done += 1
            if isinstance(stored, str):  # (a document that failed is skipped, not counted as ingested)
                report.skipped.append((doc.origin, stored))
                continue
            report.documents_seen += 1
            report.words += len(doc.text.split())
            report.documents_added += stored.created
            report.documents_unchanged += not stored.created
            report.documents_superseded += stored.superseded is not None
            report.evidence_added += stored.evidence_added
            touched |= stored.claims_touched
            if progress:
                progress(done, len(documents), doc.name)
    with write_scope(engine) as session:
        outcome = refresh(session, vocabulary=vocabulary, claim_ids=touched, cause=StatusCause())
        report.relations_added = outcome.relations_added
        report.statuses_changed = outcome.statuses_changed
        reindex_search(session, claim_ids=touched | {cid for cid, _, _ in outcome.changed_claims})
        clear_pending(session, claim_ids=touched)
        report.counts = corpus_counts(session)
    report.seconds = time.perf_counter() - started
    return report


def ingest_paths(
    engine: Engine,
    paths: Iterable[str | Path],
    *,
    extractor: Extractor,
    vocabulary: Vocabulary,
    recursive: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    workers: int = 1,
) -> IngestReport:
    """Ingest files and folders; unreadable files are reported and skipped, the rest go in."""
    report = IngestReport()
    started = time.perf_counter()
    documents = _read_all(paths, recursive, report)
    ingest_documents(
        engine,
        documents,
        extractor=extractor,
        vocabulary=vocabulary,
        report=report,
        progress=progress,
        workers=workers,
    )
    report.seconds = time.perf_counter() - started
    return report


def print_progress(done: int, total: int, name: str) -> None:
    """A progress line on stderr for long runs (every 25 documents, and the last)."""
    if total >= 20 and (done % 25 == 0 or done == total):
        print(f"  [{done}/{total}] {name}", file=sys.stderr, flush=True)
