"""Benchmark: several `claims ingest` processes at once into one database, the way several machines would
share one PostgreSQL server.

Usage: .venv/bin/python bench/concurrent_ingest.py [--docs 600] [--processes 1 2] [--pg URL | --no-pg]
                                                   [--json]

The synthetic corpus (bench/corpus.py, seed 7) is dealt round-robin into N parts; N `claims ingest --quiet`
processes start at once, each on its part, into one fresh database (SQLite file, and PostgreSQL when a
server is given or scripts/ensure-postgres.sh can start one). Wall time runs from the start of the first
process to the end of the last; each process pays its own start-up (imports, pipeline: about 1.5 s), as a
machine would. Every run is checked: all documents stored, nobody skipped, `claims check` finds nothing.
Extraction runs in parallel; writes take turns under the database's write lock (claims.db.write_scope).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import generate  # noqa: E402

CLAIMS = [sys.executable, "-m", "claims.cli"]


def _parts(folder: Path, docs: int, count: int) -> tuple[list[Path], int]:
    """The corpus dealt into ``count`` folders; also its number of words."""
    parts = [folder / f"part{i}" for i in range(count)]
    for part in parts:
        part.mkdir(parents=True)
    words = 0
    for index, (name, text) in enumerate(generate(docs, seed=7)):
        (parts[index % count] / name).write_text(text, encoding="utf-8")
        words += len(text.split())
    return parts, words


def _fresh_database(kind: str, scratch: Path, label: str, server: str | None) -> str:
    """The URL of a new, migrated, empty database."""
    from sqlalchemy import create_engine, make_url, text

    from claims.db import init_db, make_engine

    if kind == "sqlite":
        url = f"sqlite:///{scratch / label}.db"
    else:
        assert server
        driver = make_url(server).set(drivername="postgresql+psycopg")
        admin = create_engine(driver, isolation_level="AUTOCOMMIT")
        name = f"bench_concurrent_{label}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(server).set(drivername="postgresql+psycopg", database=name).render_as_string(False)
    engine = make_engine(url)
    init_db(engine)  # once, before the clock: the runs measure ingest, not who migrates
    engine.dispose()
    return url


def run_once(url: str, parts: list[Path], docs: int) -> float:
    """Seconds for len(parts) ingests at once into ``url``; raises if anything was lost or skipped."""
    env = dict(os.environ, CLAIMS_DATABASE_URL=url)
    started = time.perf_counter()
    procs = [subprocess.Popen([*CLAIMS, "ingest", "--quiet", str(part)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT) for part in parts]
    outs = [p.communicate() for p in procs]
    seconds = time.perf_counter() - started
    for proc, (out, err) in zip(procs, outs, strict=True):
        if proc.returncode != 0 or "Skipped" in out:
            raise RuntimeError(f"an ingest failed ({proc.returncode}): {out[-1000:]} {err[-2000:]}")
    checked = subprocess.run([*CLAIMS, "check", "--json"], capture_output=True, text=True, env=env, cwd=ROOT)
    report = json.loads(checked.stdout)
    if checked.returncode != 0 or report.get("problems"):
        raise RuntimeError(f"claims check found problems: {checked.stdout[-2000:]}")
    from claims.db import make_engine, session_scope
    from claims.store import corpus_counts

    engine = make_engine(url)
    with session_scope(engine) as session:
        sources = corpus_counts(session)["sources"]
    engine.dispose()
    if sources != docs:
        raise RuntimeError(f"{sources} sources stored, not {docs}")
    return seconds


def ensure_postgres() -> str | None:
    """A PostgreSQL server URL from scripts/ensure-postgres.sh, or None when it cannot start one."""
    done = subprocess.run([str(ROOT / "scripts" / "ensure-postgres.sh")], capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1] if done.returncode == 0 and done.stdout.strip() else None


def run(docs: int, counts: list[int], server: str | None) -> dict[str, object]:
    results: dict[str, object] = {"documents": docs, "nproc": os.cpu_count()}
    kinds = ["sqlite"] + (["postgresql"] if server else [])
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        for kind in kinds:
            rows = []
            for count in counts:
                parts, words = _parts(scratch / f"{kind}{count}", docs, count)
                url = _fresh_database(kind, scratch, f"{kind}{count}", server)
                seconds = run_once(url, parts, docs)
                rows.append({"processes": count, "seconds": round(seconds, 2), "words": words,
                             "words_per_s": round(words / seconds)})
            base = rows[0]["words_per_s"]
            for row in rows:
                row["speedup"] = round(row["words_per_s"] / base, 2)  # type: ignore[operator]
            results[kind] = rows
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=600)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--pg", help="a PostgreSQL server URL (default: scripts/ensure-postgres.sh's)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    server = None if args.no_pg else (args.pg or ensure_postgres())
    results = run(args.docs, sorted(set(args.processes)), server)
    if args.json:
        print(json.dumps(results))
        return
    print(f"{results['documents']} documents, nproc {results['nproc']}")
    for kind in ("sqlite", "postgresql"):
        for row in results.get(kind, []):  # type: ignore[attr-defined]
            print(f"  {kind:10s} {row['processes']} process(es): {row['seconds']:6.2f} s, "
                  f"{row['words_per_s']:,} words/s (x{row['speedup']})")


if __name__ == "__main__":
    main()
