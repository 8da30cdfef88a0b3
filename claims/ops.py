"""Operations on a live database: an online backup, and a read-only check of its invariants."""

from __future__ import annotations

import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from claims.analysis import Derived, derive, group_of
from claims.db import is_sqlite
from claims.errors import ClaimsError, Conflict
from claims.migrate import STATUS_RANK_SQL
from claims.models import PendingRefresh
from claims.store import fts_rowid
from claims.vocabulary import Vocabulary

__all__ = ["BackupResult", "Problem", "CheckReport", "backup", "check", "quote_problem", "sqlite_path"]

TABLES = SQLModel.metadata.tables
C, E, R, S = (TABLES[name].c for name in ("claim", "evidence", "relation", "source"))


@dataclass
class BackupResult:
    """Where a backup went and what it holds."""

    target: str
    bytes: int
    pages: int
    seconds: float
    counts: dict[str, int]


def sqlite_path(engine: Engine) -> Path | None:
    """The file behind a SQLite engine, or None for an in-memory database or another dialect."""
    if not is_sqlite(engine):
        return None
    database = engine.url.database
    return Path(database) if database and database != ":memory:" else None


def _refuse_target(source: Path | None, target: Path, force: bool) -> None:
    if source is not None and source.exists() and target.exists() and source.samefile(target):
        raise Conflict(f"{target} is the database itself; back it up to another file")
    if target.is_dir():
        raise Conflict(f"{target} is a folder; give a file name for the backup")
    if target.exists() and not force:
        raise Conflict(f"{target} already exists; pass --force to overwrite it")
    if not target.parent.is_dir():
        raise ClaimsError(f"folder {target.parent} does not exist; create it first")


def _verify_copy(copy: sqlite3.Connection, target: Path) -> dict[str, int]:
    verdict = [row[0] for row in copy.execute("PRAGMA integrity_check")]
    if verdict != ["ok"]:
        raise ClaimsError(f"the copy at {target} fails integrity_check: {'; '.join(verdict[:5])}")
    tables = ("source", "entity", "claim", "evidence", "relation")
    return {t: int(copy.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}


def backup(engine: Engine, target: str | Path, *, force: bool = False) -> BackupResult:
    """Copy a SQLite database with the online backup API while others read and write it.

    The copy is one consistent snapshot (a single backup step under a read transaction: WAL lets writers
    go on), written to a temporary file in the target's folder, checked with integrity_check, switched to
    a rollback journal so it is one self-contained file, then renamed over ``target`` atomically.
    """
    if not is_sqlite(engine):
        raise ClaimsError(f"backup copies SQLite files; {engine.dialect.name} databases are backed up with "
                          "their own tools (for PostgreSQL: pg_dump --format=custom)")
    target = Path(target)
    _refuse_target(sqlite_path(engine), target, force)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    started = time.perf_counter()
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # pages=-1: every page in one step, so one snapshot
            copy.execute("PRAGMA journal_mode=DELETE")
            counts = _verify_copy(copy, target)
            pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
        finally:
            copy.close()
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        raw.close()
    return BackupResult(str(target), target.stat().st_size, pages, time.perf_counter() - started, counts)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Problem:
    """One row that breaks an invariant: which check, which table and row, and what is wrong."""

    check: str
    table: str
    row: str
    detail: str


@dataclass
class CheckReport:
    """What ``check`` looked at, what it skipped and why, and every problem found."""

    database: str
    dialect: str
    checks: dict[str, str] = field(default_factory=dict)  # name -> what was verified
    skipped: dict[str, str] = field(default_factory=dict)  # name -> why
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_by_check(self) -> dict[str, list[Problem]]:
        grouped: dict[str, list[Problem]] = defaultdict(list)
        for problem in self.problems:
            grouped[problem.check].append(problem)
        return grouped

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data


def quote_problem(text_: str, *, start: int, end: int, quote: str, value_start: int | None = None,
                  value_end: int | None = None) -> str | None:
    """Why a quote breaks provenance against its source text, or None when it holds.

    >>> quote_problem("It cost $6M to train.", start=3, end=11, quote="cost $6M", value_start=8, value_end=11)
    >>> quote_problem("It cost $6M to train.", start=3, end=11, quote="cost $5M")
    "quote differs from text[3:11] at character 6: 'cost $5M' where the text has 'cost $6M'"
    >>> quote_problem("It cost $6M.", start=3, end=11, quote="cost $6M", value_start=8, value_end=14)
    'value offsets [8:14] fall outside the quote [3:11]'
    """
    if not 0 <= start <= end <= len(text_):
        return f"offsets [{start}:{end}] fall outside the source text (length {len(text_)})"
    if text_[start:end] != quote:
        return _first_difference(quote, text_[start:end], f"text[{start}:{end}]")
    if (value_start is None) != (value_end is None):
        return f"only one value offset is set ([{value_start}:{value_end}])"
    if value_start is not None and value_end is not None and not start <= value_start <= value_end <= end:
        return f"value offsets [{value_start}:{value_end}] fall outside the quote [{start}:{end}]"
    return None


def _first_difference(quote: str, stored: str, where: str) -> str:
    """Where a quote first departs from the stored text, with a little context on both sides.

    >>> _first_difference("about 2,000 GPUs", "about 2,048 GPUs", "text[5:21]")
    "quote differs from text[5:21] at character 9: '…ut 2,000 GPUs' where the text has '…ut 2,048 GPUs'"
    """
    at = next((i for i, (a, b) in enumerate(zip(quote, stored, strict=False)) if a != b),
              min(len(quote), len(stored)))
    lo = max(0, at - 6)

    def clip(value: str) -> str:
        return ("…" if lo else "") + value[lo:at + 14] + ("…" if len(value) > at + 14 else "")

    return (f"quote differs from {where} at character {at}: {clip(quote)!r} "
            f"where the text has {clip(stored)!r}")


@contextmanager
def _read_snapshot(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction, so every query sees the same snapshot while a server keeps writing."""
    with engine.connect() as conn:
        mapped = 0
        if is_sqlite(engine):
            # pysqlite opens transactions only before writes; BEGIN makes the reads one WAL snapshot,
            # and query_only turns any accidental write into an error. No memory map while checking:
            # reading every page through it would keep the whole file resident in this process.
            mapped = int(conn.exec_driver_sql("PRAGMA mmap_size").scalar() or 0)
            conn.exec_driver_sql("PRAGMA mmap_size=0")
            conn.exec_driver_sql("PRAGMA query_only=ON")
            conn.exec_driver_sql("BEGIN")
        elif engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield conn
        finally:
            conn.rollback()
            if is_sqlite(engine):
                conn.exec_driver_sql("PRAGMA query_only=OFF")
                conn.exec_driver_sql(f"PRAGMA mmap_size={mapped}")


def check(engine: Engine, *, vocabulary: Vocabulary | None = None) -> CheckReport:
    """Check the database's invariants in one read-only snapshot; safe while a server writes.

    SQLite: integrity_check and foreign_key_check. Every dialect: provenance (each quote is
    text[start:end] of its source, value offsets inside the quote), orphan rows, the search index
    (SQLite FTS5), and, given a vocabulary, that stored statuses and relations equal recomputed ones.
    """
    database = engine.url.render_as_string(hide_password=True)
    report = CheckReport(database=database, dialect=engine.dialect.name)
    with _read_snapshot(engine) as conn:
        tables = set(inspect(conn).get_table_names())
        missing = {"source", "entity", "claim", "evidence", "relation"} - tables
        if missing:
            raise ClaimsError(f"{database} is not a claims database: tables {sorted(missing)} are missing")
        if is_sqlite(engine):
            _sqlite_integrity(conn, report)
        else:
            report.skipped["integrity"] = (f"SQLite PRAGMAs only; {engine.dialect.name} enforces its own "
                                           "constraints")
        with Session(bind=conn) as session:
            pending = _pending(session, tables, report)
            _provenance(session, report)
            _orphans(session, report)
            if "claim_fts" in tables:
                _search_index(session, report, pending)
                if "claim_fts_keys" in tables:
                    _search_keys(session, report)
            else:
                report.skipped["search_index"] = "no SQLite FTS5 table claim_fts in this database"
            if vocabulary is not None:
                _derived(session, report, vocabulary, pending)
            else:
                report.skipped["derived"] = "no vocabulary given"
    return report


def _sqlite_integrity(conn: Connection, report: CheckReport) -> None:
    verdict = [str(row[0]) for row in conn.exec_driver_sql("PRAGMA integrity_check")]
    report.checks["integrity_check"] = "SQLite PRAGMA integrity_check"
    if verdict != ["ok"]:
        report.problems += [Problem("integrity_check", "", "", line) for line in verdict]
    report.checks["foreign_key_check"] = "SQLite PRAGMA foreign_key_check"
    dangling: list[Any] = list(conn.exec_driver_sql("PRAGMA foreign_key_check"))
    for table, rowid, parent, _ in dangling:
        key = conn.exec_driver_sql(f'SELECT * FROM "{table}" WHERE rowid = ?', (rowid,)).first()
        report.problems.append(Problem("foreign_key_check", table, str(key[0] if key else rowid),
                                       f"refers to a missing {parent} row"))


def _pending(session: Session, tables: set[str], report: CheckReport) -> set[str]:
    if PendingRefresh.__tablename__ not in tables:
        return set()
    column = TABLES[PendingRefresh.__tablename__].c.claim_id
    pending: set[str] = set(session.execute(select(column)).scalars())
    if pending:
        report.notes.append(f"{len(pending)} claim(s) await a refresh of relations, status and search row "
                            "(an ingest was interrupted); the next `claims ingest` finishes them")
    return pending


def _provenance(session: Session, report: CheckReport) -> None:
    """Evidence in source order, one source text in memory at a time."""
    query = (select(E.id, E.source_id, E.start, E.end, E.quote, E.value_start, E.value_end)
             .order_by(E.source_id, E.id))
    current, text_, count = None, None, 0
    for eid, sid, start, end, quote, value_start, value_end in _rows(session, query):
        count += 1
        if sid != current:
            current, text_ = sid, session.execute(select(S.text).where(S.id == sid)).scalar()
        if text_ is None:
            continue  # an orphan: reported by _orphans
        why = quote_problem(text_, start=start, end=end, quote=quote, value_start=value_start,
                            value_end=value_end)
        if why:
            report.problems.append(Problem("provenance", "evidence", eid, f"{why} (source {sid})"))
    report.checks["provenance"] = f"{count} evidence quote(s) equal text[start:end] of their source"


def _rows(session: Session, query: Any) -> Iterator[Any]:
    """Result rows, untyped: the columns come from table metadata, so their types are not known statically."""
    yield from session.execute(query)


def _rows_with(session: Session, query: Any, **params: Any) -> Iterator[Any]:
    yield from session.execute(query, params)


def _missing(session: Session, table: Any, id_column: Any, ref_column: Any,
             target: Any) -> list[tuple[str, str]]:
    """(row id, dangling value) for rows whose ``ref_column`` names no ``target`` row."""
    query = select(id_column, ref_column).select_from(table.outerjoin(target.table, ref_column == target))
    dangling = query.where(ref_column.is_not(None), target.is_(None))
    return [(str(i), str(v)) for i, v in session.execute(dangling)]


def _orphans(session: Session, report: CheckReport) -> None:
    ent, ev, cl, rel, src = (TABLES[name] for name in ("entity", "evidence", "claim", "relation", "source"))
    refs = [
        ("evidence", ev, ev.c.id, ev.c.claim_id, cl.c.id, "claim"),
        ("evidence", ev, ev.c.id, ev.c.source_id, src.c.id, "source"),
        ("relation", rel, rel.c.id, rel.c.claim_a, cl.c.id, "claim"),
        ("relation", rel, rel.c.id, rel.c.claim_b, cl.c.id, "claim"),
        ("claim", cl, cl.c.id, cl.c.subject_id, ent.c.id, "subject entity"),
        ("entity", ent, ent.c.id, ent.c.parent_id, ent.alias("parent").c.id, "parent entity"),
        ("source", src, src.c.id, src.c.superseded_by, src.alias("newer").c.id, "superseding source"),
    ]
    for name, table, id_column, ref_column, target, what in refs:
        for row, value in _missing(session, table, id_column, ref_column, target):
            detail = f"{ref_column.name} {value!r}: no such {what}"
            report.problems.append(Problem("orphans", name, row, detail))
    bare = select(cl.c.id).where(~select(ev.c.id).where(ev.c.claim_id == cl.c.id).exists())
    for cid in _rows(session, bare):
        report.problems.append(Problem("orphans", "claim", cid[0], "has no evidence at all"))
    report.checks["orphans"] = ("evidence, relations, claims, entities and sources refer to rows that exist; "
                                "every claim has evidence")


def _search_index(session: Session, report: CheckReport, pending: set[str]) -> None:
    """A search row for every claim (SQLite: one, at the rowid its id gives), none for a missing claim.

    Streamed: the claims are read in id order a batch at a time and their rows looked up by rowid (SQLite)
    or claim id; the rows for missing claims and the out-of-place rows are found by scans that keep only
    what they find wrong."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    # SQLite keeps one FTS5 row per claim at a rowid derived from its id; PostgreSQL a plain table row
    claims_n = int(session.execute(select(func.count()).select_from(TABLES["claim"])).scalar_one())
    rows_n = int(session.execute(text("SELECT count(*) FROM claim_fts")).scalar_one())
    orphaned = sorted({str(cid) for (cid,) in _rows(session, text(
        "SELECT f.claim_id FROM claim_fts f LEFT JOIN claim c ON c.id = f.claim_id WHERE c.id IS NULL"))})
    # rows of existing claims that are not where the claim's id puts them (on PostgreSQL: beyond the first)
    extra: dict[str, list[int]] = defaultdict(list)
    if sqlite:
        for rowid, cid in _rows(session, text("SELECT rowid, claim_id FROM claim_fts")):
            if int(rowid) != fts_rowid(str(cid)):
                extra[str(cid)].append(int(rowid))
    else:
        duplicated = text("SELECT claim_id, count(*) FROM claim_fts GROUP BY claim_id HAVING count(*) > 1")
        for cid, n in _rows(session, duplicated):
            extra[str(cid)] = [0] * (int(n) - 1)
    for cid in orphaned:
        extra.pop(cid, None)
    missing: list[str] = []
    misplaced: list[tuple[str, list[int]]] = []
    for chunk in _id_batches(session):
        if sqlite:  # the row where each claim's id puts it, found by rowid
            wanted = {fts_rowid(cid): cid for cid in chunk}
            found = text("SELECT rowid, claim_id FROM claim_fts WHERE rowid IN :keys").bindparams(
                bindparam("keys", expanding=True))
            placed = {str(cid) for rowid, cid in _rows_with(session, found, keys=list(wanted))
                      if wanted.get(int(rowid)) == cid}
        else:
            found = text("SELECT 0, claim_id FROM claim_fts WHERE claim_id IN :keys").bindparams(
                bindparam("keys", expanding=True))
            placed = {str(cid) for _, cid in _rows_with(session, found, keys=chunk)}
        for cid in chunk:
            rowids = sorted(([fts_rowid(cid) if sqlite else 0] if cid in placed else []) + extra.get(cid, []))
            if not rowids:
                if cid not in pending:
                    missing.append(cid)
            elif rowids != ([fts_rowid(cid)] if sqlite else [0]):
                misplaced.append((cid, rowids))
    for cid in orphaned:
        report.problems.append(Problem("search_index", "claim_fts", cid,
                                       "search row for a claim that does not exist"))
    for cid in sorted(missing):
        report.problems.append(Problem("search_index", "claim", cid,
                                       "claim is missing from the search index"))
    for cid, rowids in sorted(misplaced):
        report.problems.append(Problem("search_index", "claim_fts", cid,
                                       f"search rows {rowids}, expected one at rowid {fts_rowid(cid)}"))
    report.checks["search_index"] = f"{claims_n} claim(s) and {rows_n} search row(s) match"


def _id_batches(session: Session, size: int = 1000) -> Iterator[list[str]]:
    """Every claim id in id order, ``size`` at a time (keyset pagination: one short query per batch)."""
    last: str | None = None
    while True:
        query = select(C.id).order_by(C.id).limit(size)
        ids = [str(row[0]) for row in _rows(session, query if last is None else query.where(C.id > last))]
        if not ids:
            return
        yield ids
        last = ids[-1]


def _search_keys(session: Session, report: CheckReport) -> None:
    """Each full-text row's list keys (claim_fts_keys, revision 0005) name its claim with the claim's
    status, subject and metric: searches sort and filter on them."""
    problems = 0
    keyless = text("SELECT f.claim_id FROM claim_fts f LEFT JOIN claim_fts_keys k ON k.fts_rowid = f.rowid "
                   "WHERE k.fts_rowid IS NULL")
    for (cid,) in _rows(session, keyless):
        problems += 1
        report.problems.append(Problem("search_keys", "claim_fts_keys", str(cid),
                                       "search row without its keys"))
    stale = text("SELECT k.claim_id FROM claim_fts_keys k LEFT JOIN claim_fts f ON f.rowid = k.fts_rowid "
                 "LEFT JOIN claim c ON c.id = k.claim_id WHERE f.rowid IS NULL OR f.claim_id != k.claim_id "
                 "OR c.id IS NULL OR c.status != k.status OR c.subject_id != k.subject_id "
                 "OR c.metric != k.metric "
                 f"OR k.status_rank != {STATUS_RANK_SQL.format('c.')}")
    for (cid,) in _rows(session, stale):
        problems += 1
        report.problems.append(Problem("search_keys", "claim_fts_keys", str(cid),
                                       "search keys differ from the claim or its search row"))
    if not problems:
        report.checks["search_index"] += "; every search row's list keys match its claim"


_DERIVE_BATCH = 2000  # claims recomputed at a time, whole groups (relations never cross groups)


def _group_batches(session: Session, vocabulary: Vocabulary,
                   families: dict[str, str]) -> Iterator[tuple[set[tuple[str, str]], list[str]]]:
    """The claims' groups in batches of about ``_DERIVE_BATCH`` claims: (groups, one claim id of each).

    Read from the (subject, metric) pairs with a claim of each and their counts, grouped in the database."""
    groups: dict[tuple[str, str], tuple[str, int]] = {}
    pairs = select(C.subject_id, C.metric, func.min(C.id), func.count()).group_by(C.subject_id, C.metric)
    for subject_id, metric, some_id, n in _rows(session, pairs):
        key = group_of(subject_id, metric, families, vocabulary.metric_groups)
        known = groups.get(key)
        groups[key] = (some_id, n) if known is None else (min(known[0], some_id), known[1] + n)
    batch: set[tuple[str, str]] = set()
    ids: list[str] = []
    size = 0
    for key in sorted(groups):
        some_id, n = groups[key]
        batch.add(key)
        ids.append(some_id)
        size += n
        if size >= _DERIVE_BATCH:
            yield batch, ids
            batch, ids, size = set(), [], 0
    if batch:
        yield batch, ids


def _derived(session: Session, report: CheckReport, vocabulary: Vocabulary, pending: set[str]) -> None:
    """Stored statuses and relations equal what refresh would compute now.

    Groups holding a claim that awaits a refresh (an interrupted ingest) are left out: the next ingest
    recomputes them, and until then their stored state is the last one a finished run wrote. Recomputed a
    batch of whole groups at a time (relations never cross groups), so memory does not grow with the
    database.
    """
    entity = TABLES["entity"].c
    families = {eid: vocabulary.family(name) for eid, name in _rows(session, select(entity.id, entity.name))}
    waiting: set[tuple[str, str]] = set()
    ordered_pending = sorted(pending)
    for i in range(0, len(ordered_pending), 500):
        chunk = ordered_pending[i:i + 500]
        waiting.update(group_of(sid, metric, families, vocabulary.metric_groups) for sid, metric in
                       _rows(session, select(C.subject_id, C.metric).where(C.id.in_(chunk))))
    settled_n = stored_n = 0
    for groups, some_ids in _group_batches(session, vocabulary, families):
        if groups <= waiting:
            continue
        derived = derive(session, vocabulary=vocabulary, claim_ids=some_ids)
        settled = {r.id for r in derived.rows
                   if group_of(r.subject_id, r.metric, families, vocabulary.metric_groups) not in waiting}
        settled_n += len(settled)
        stored_n += _compare_derived(session, report, derived, settled)
    report.checks["derived"] = (f"{settled_n} claim status(es) and {stored_n} relation(s) equal a "
                                "fresh recomputation")


def _compare_derived(session: Session, report: CheckReport, derived: Derived, settled: set[str]) -> int:
    """Report where the stored claims and relations of ``settled`` differ from ``derived``; how many stored
    relations were compared."""
    for row in derived.rows:
        verdict = derived.verdicts[row.id]
        if row.id not in settled:
            continue
        if row.status != verdict.status:
            detail = f"stored status {row.status!r} differs from recomputed {verdict.status!r}"
            report.problems.append(Problem("derived", "claim", row.id, detail))
        elif list(row.reasons or []) != list(verdict.reasons):
            detail = "stored reasons differ from recomputed"
            report.problems.append(Problem("derived", "claim", row.id, detail))
        if row.origins is not None and (row.origins, row.asserters) != derived.digests[row.id]:
            detail = "stored origins or asserters differ from recomputed"
            report.problems.append(Problem("derived", "claim", row.id, detail))
    wanted = {r.id: r for r in derived.relations if r.a in settled}
    stored: dict[str, tuple[Any, Any, Any, Any]] = {}
    ordered = sorted(settled)
    for i in range(0, len(ordered), 500):
        query = select(R.id, R.kind, R.claim_a, R.claim_b, R.reason).where(R.claim_a.in_(ordered[i:i + 500]))
        stored.update({rid: (kind, a, b, reason) for rid, kind, a, b, reason in _rows(session, query)})
    for rid in sorted(set(stored) - set(wanted)):
        report.problems.append(Problem("derived", "relation", rid, f"stored {stored[rid][0]} relation "
                                       f"{stored[rid][1]} -> {stored[rid][2]} is no longer drawn"))
    for rid in sorted(set(wanted) - set(stored)):
        r = wanted[rid]
        report.problems.append(Problem("derived", "relation", rid,
                                       f"missing {r.kind} relation {r.a} -> {r.b}"))
    for rid in sorted(set(wanted) & set(stored)):
        if stored[rid][3] != wanted[rid].reason:
            report.problems.append(Problem("derived", "relation", rid,
                                           "stored reason differs from recomputed"))
    return len(stored)
