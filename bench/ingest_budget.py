"""Benchmark: where one process's ingest time goes, against the budget of a quarter of the tokenizer's rate.

Usage: .venv/bin/python bench/ingest_budget.py [--docs 1000] [--repeat 3] [--json]

Issue 6 asks one process to ingest at a quarter of spaCy's blank tokenizer's rate. This script measures,
on the synthetic corpus of ingest_throughput.py (bench/corpus.py, seed 7) and in one run, every part of an
ingest in CPU seconds of this process (best of --repeat), beside that budget:

  tokenizer   spaCy's blank tokenizer over every article (the ceiling); the budget is 4x its time
  plan        reading each article's sentences and masks (segmentation: which sentences hold a figure)
  tokenize    the tokenizer over the candidate sentences only, as extraction joins them (one doc per article)
  extract     our whole extraction (plan + tokenize + every rule)
  ingest      `ingest_paths` into a fresh SQLite file (what `claims ingest` does)
  derive      relations and statuses of every claim, computed from the stored rows, nothing written
  insert      the floor of storing: every row the ingest stored, inserted again into a fresh database of
              the same schema (indexes, full-text table, triggers) with the sqlite3 module's executemany in
              one transaction, no ORM, no Python per row
Then: rules = extract - plan - tokenize; and what would be left for the rules if storing cost only its
floor (budget - plan - tokenize - derive - insert).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ingest_throughput import _write_corpus, cold_caches  # noqa: E402

# Tables an ingest fills, parents before children (foreign keys are on); the FTS5 table is filled through
# its virtual table, so its shadow tables (claim_fts_data, _idx, _content, _docsize) are left to it.
TABLES = ("entity", "source", "claim", "evidence", "relation", "auditentry", "statuschange", "claim_fts",
          "claim_fts_keys")


def _cpu(fn: Callable[[], object], repeat: int) -> float:
    """The best CPU time of this process over ``repeat`` calls, memo caches emptied before each."""
    best = float("inf")
    for _ in range(repeat):
        cold_caches()
        c0 = time.process_time()
        fn()
        best = min(best, time.process_time() - c0)
    return best


def _quoted(names: list[str]) -> str:
    return ",".join(f'"{n}"' for n in names)


def stored_rows(db: Path) -> dict[str, tuple[list[str], list[tuple[object, ...]]]]:
    """Every row of TABLES in an ingested SQLite file, with its column names (the FTS table's rowid too)."""
    con = sqlite3.connect(db)
    try:
        out = {}
        for table in TABLES:
            rowid = "rowid, " if table == "claim_fts" else ""
            cursor = con.execute(f'SELECT {rowid}* FROM "{table}"')  # noqa: S608 - our own table names
            out[table] = ([c[0] for c in cursor.description], cursor.fetchall())
        return out
    finally:
        con.close()


def insert_floor(rows: dict[str, tuple[list[str], list[tuple[object, ...]]]], db: Path) -> float:
    """CPU seconds to insert ``rows`` into ``db`` (a fresh database at the newest schema) with executemany,
    in one transaction, with the pragmas of claims.db (WAL, synchronous NORMAL, foreign keys on)."""
    con = sqlite3.connect(db, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            con.execute(f"PRAGMA {pragma}")
        c0 = time.process_time()
        con.execute("BEGIN")
        for table in TABLES:
            names, values = rows[table]
            marks = ",".join("?" * len(names))
            con.executemany(f'INSERT INTO "{table}" ({_quoted(names)}) VALUES ({marks})', values)  # noqa: S608
        con.execute("COMMIT")
        return time.process_time() - c0
    finally:
        con.close()


def run(docs: int, repeat: int) -> dict[str, object]:
    import spacy

    from claims.analysis import derive
    from claims.db import init_db, make_engine, session_scope
    from claims.vocabulary import default_vocabulary
    from ingest.documents import read_document
    from ingest.extract import Extractor, _unmasked
    from ingest.pipeline import _JOIN
    from ingest.run import ingest_paths

    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        paths = _write_corpus(scratch / "corpus", docs)
        documents = [read_document(p) for p in paths]
        words = sum(len(d.text.split()) for d in documents)
        texts = [d.text for d in documents]
        blank = spacy.blank("en")
        extractor = Extractor()
        cpu: dict[str, float] = {"tokenizer": _cpu(lambda: [blank.make_doc(t) for t in texts], repeat)}
        cpu["plan"] = _cpu(lambda: [extractor._plan(d) for d in documents], repeat)
        plans = [extractor._plan(d) for d in documents]
        candidates = [
            _JOIN.join(_unmasked(d.text, masks, s.start, s.end) for s in cands)
            for d, (masks, cands, _) in zip(documents, plans, strict=True)
        ]
        candidate_words = sum(len(t.split()) for t in candidates)
        cpu["tokenize"] = _cpu(lambda: [blank.make_doc(t) for t in candidates], repeat)
        cpu["extract"] = _cpu(lambda: extractor.extract_many(documents), repeat)
        vocabulary = default_vocabulary()
        best = float("inf")
        for attempt in range(repeat):
            engine = make_engine(f"sqlite:///{scratch}/ingest{attempt}.db")
            init_db(engine)
            cold_caches()
            c0 = time.process_time()
            ingest_paths(engine, [scratch / "corpus"], extractor=extractor, vocabulary=vocabulary, workers=1)
            best = min(best, time.process_time() - c0)
            engine.dispose()
        cpu["ingest"] = best
        engine = make_engine(f"sqlite:///{scratch}/ingest0.db")

        def derive_all() -> None:
            with session_scope(engine) as session:
                derive(session, vocabulary=vocabulary)

        cpu["derive"] = _cpu(derive_all, repeat)
        engine.dispose()
        rows = stored_rows(scratch / "ingest0.db")
        floors = []
        for attempt in range(repeat):
            fresh = make_engine(f"sqlite:///{scratch}/floor{attempt}.db")
            init_db(fresh)
            fresh.dispose()
            floors.append(insert_floor(rows, scratch / f"floor{attempt}.db"))
        cpu["insert"] = min(floors)
    budget = cpu["tokenizer"] * 4
    rules = cpu["extract"] - cpu["plan"] - cpu["tokenize"]
    left = budget - cpu["plan"] - cpu["tokenize"] - cpu["derive"] - cpu["insert"]
    return {
        "documents": docs,
        "words": words,
        "candidate_words": candidate_words,
        "rows_stored": sum(len(values) for _, values in rows.values()),
        "repeat": repeat,
        "cpu_s": {k: round(v, 3) for k, v in cpu.items()},
        "budget_s": round(budget, 3),
        "rules_s": round(rules, 3),
        "left_for_rules_s": round(left, 3),
        "rules_vs_left": round(rules / left, 1) if left > 0 else None,
        "ingest_vs_budget": round(cpu["ingest"] / budget, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.docs, args.repeat)
    if args.json:
        print(json.dumps(result))
        return
    cpu = result["cpu_s"]
    assert isinstance(cpu, dict)
    print(f"corpus: {result['documents']} documents, {result['words']:,} words "
          f"({result['candidate_words']:,} in candidate sentences); {result['rows_stored']:,} rows stored")
    print(f"budget (a quarter of the tokenizer's rate): {result['budget_s']:.3f} CPU-s")
    for key in ("tokenizer", "plan", "tokenize", "extract", "ingest", "derive", "insert"):
        print(f"  {key:10s} {cpu[key]:7.3f} CPU-s")
    print(f"rules (extract - plan - tokenize): {result['rules_s']:.3f} CPU-s; left for them if storing cost "
          f"only its floor: {result['left_for_rules_s']:.3f} CPU-s (rules would need to be "
          f"{result['rules_vs_left']}x faster); ingest is {result['ingest_vs_budget']}x the budget")


if __name__ == "__main__":
    main()
