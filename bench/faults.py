"""Fault injection: SIGKILL `claims ingest` at random moments, then check the database and re-ingest.

Usage: .venv/bin/python bench/faults.py [--trials 12] [--docs 150] [--seed 11] [--workers N] [--write-readme]

The corpus is the five seed articles plus --docs synthetic ones (bench/corpus.py), enough for a few
seconds of ingest. One uninterrupted run gives the reference rows. Each trial then starts
`claims ingest` into an empty database, SIGKILLs it at a random point of its run (a random number of
documents stored, then a random fraction of a second more; or during start-up), runs `claims check`
(must exit 0), runs the ingest again to completion, and
compares a canonical dump of the rows with the reference: sources, entities, claims, evidence,
relations, search rows and the pending-refresh list, ids and content, without the wall-clock columns.
Tables other streams add for history and audit record the path taken, so they are not compared.
With --workers N the ingests run `claims ingest --workers N`; the process tree of each killed ingest is
read from /proc just before the kill, and every descendant still alive ~5 s after it is an orphan.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import generate  # noqa: E402

# table -> columns left out of the comparison (set from the clock when the row is written)
COMPARED = {
    "source": {"created_at"},
    "entity": set(),
    "claim": {"updated_at"},
    "evidence": {"added_at"},
    "relation": {"created_at"},
    "claim_fts": set(),
    "pending_refresh": set(),
}
README_HEADING = "## Faults: SIGKILL during ingest"
WORKERS_HEADING = "## Faults: SIGKILL during ingest with extraction workers"
READING = """\
How to read it: *kill when stored* is the drawn kill point (documents stored before the kill, plus up to
0.3 s; 0 is a kill during start-up); *documents stored* and *claims pending* are what the killed run
left (each extraction batch of 64 documents is stored in one transaction, so a killed run leaves a
multiple of 64 documents, or all of them, and more may be stored than drawn). All documents stored with
claims pending means the kill landed in the last transaction, which recomputes relations, statuses and
search rows; it rolled back, and the next run redid it from the pending list. Times are wall clock on a
shared, busy 2-core machine (the reference ingest takes about 5 s when the machine is idle). *orphans* is
"survivors of descendants": how many processes the killed ingest had just before the kill (read from
/proc), and how many of them were still alive 5 s after it (with the time until the last one was gone)."""
READING_WORKERS = """\
With workers, the parent `claims ingest` is killed alone (SIGKILL to its pid, not to its process group),
as the kernel's OOM killer or a `kill -9` would: its extraction workers must notice and exit by
themselves (each watches its parent pid, `ingest/run.py` `_follow_parent`). An orphan would be a worker
left running, holding the database's files open."""


def build_corpus(folder: Path, synthetic: int, *, seed: int = 7) -> int:
    """The seed articles plus ``synthetic`` generated ones in ``folder``; return the document count."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        shutil.copy(path, folder / path.name)
    for name, text in generate(synthetic, seed=seed):
        (folder / name).write_text(text, encoding="utf-8")
    return len(list(folder.glob("*.txt")))


def canonical_dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every compared table's rows, sorted, without the wall-clock columns (FTS rows with their rowid)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        dump: dict[str, list[tuple[object, ...]]] = {}
        for table, skip in COMPARED.items():
            if table not in present:
                dump[table] = []
                continue
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")') if r[1] not in skip]
            if table == "claim_fts":
                columns = ["rowid", *columns]
            listed = ", ".join(f'"{c}"' for c in columns)
            dump[table] = sorted(conn.execute(f'SELECT {listed} FROM "{table}"'), key=repr)
        return dump
    finally:
        conn.close()


def differences(a: dict[str, list[tuple[object, ...]]], b: dict[str, list[tuple[object, ...]]]) -> list[str]:
    """Per table, how the two dumps differ (empty when they are equal)."""
    out = []
    for table in COMPARED:
        rows_a, rows_b = set(a.get(table, [])), set(b.get(table, []))
        if rows_a != rows_b:
            out.append(f"{table}: {len(rows_a - rows_b)} row(s) only in the first, "
                       f"{len(rows_b - rows_a)} only in the second")
    return out


def _start_time(pid: int) -> str | None:
    """The kernel's start time of a live (not zombie) process, None when it is gone: with the pid it names
    one process, so a pid reused by a newcomer is not mistaken for a survivor."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


def descendants(pid: int) -> dict[int, str]:
    """Every live descendant of ``pid`` (children, theirs, ...), read from /proc: pid -> start time."""
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                pids = [int(p) for p in children.read_text().split()]
            except OSError:
                continue
            for child in pids:
                start = _start_time(child)
                if start is not None and child not in found:
                    found[child] = start
                    todo.append(child)
    return found


def survivors(processes: dict[int, str], *, wait: float = 5.0) -> list[int]:
    """Those of ``processes`` (pid -> start time) still alive after up to ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        alive = [pid for pid, start in processes.items() if _start_time(pid) == start]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.05)


def kill_tree(process: subprocess.Popen[bytes], *, wait: float = 5.0) -> tuple[int, int, float]:
    """SIGKILL ``process`` alone (not its group: its children must go by themselves) and reap it; return
    (descendants it had, descendants still alive ``wait`` s later, seconds until the last one was gone)."""
    tree = descendants(process.pid)
    os.kill(process.pid, signal.SIGKILL)
    killed = time.monotonic()
    process.wait()
    left = survivors(tree, wait=wait)
    return len(tree), len(left), time.monotonic() - killed


def _claims(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "claims.cli", "--db", str(db), *args]


def _ingest_args(corpus: Path, workers: int | None) -> list[str]:
    return ["ingest", str(corpus), "--quiet", *(["--workers", str(workers)] if workers else [])]


def _ingest(db: Path, corpus: Path, workers: int | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(_claims(db, *_ingest_args(corpus, workers)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True, cwd=ROOT)


def _counts(db: Path) -> tuple[int, int]:
    """(documents stored, claims awaiting refresh) of a database a killed run left."""
    if not db.exists():
        return 0, 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        sources = conn.execute("SELECT count(*) FROM source").fetchone()[0] if "source" in tables else 0
        pending = (conn.execute("SELECT count(*) FROM pending_refresh").fetchone()[0]
                   if "pending_refresh" in tables else 0)
        return int(sources), int(pending)
    finally:
        conn.close()


@dataclass
class Reference:
    """The uninterrupted run: its rows, how long it took, and when it started writing documents."""

    dump: dict[str, list[tuple[object, ...]]]
    documents: int
    seconds: float
    first_write: float


def reference_run(corpus: Path, db: Path, workers: int | None = None) -> Reference:
    """Ingest uninterrupted, watching when the first document lands (the start of the write window)."""
    started = time.perf_counter()
    process = _ingest(db, corpus, workers)
    first_write = None
    while process.poll() is None:
        if first_write is None and _counts(db)[0] > 0:
            first_write = time.perf_counter() - started
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"the reference ingest failed with exit status {process.returncode}")
    return Reference(canonical_dump(db), _counts(db)[0], seconds, first_write or seconds / 2)


@dataclass
class Trial:
    """One SIGKILL trial and what it found."""

    number: int
    kill_at: float
    after_documents: int
    landed: str  # before any document, mid-ingest (documents stored), or after the run had finished
    documents_at_kill: int
    pending_at_kill: int
    check_ok: bool
    check_problems: int
    converged: bool
    differences: list[str]
    reingest_seconds: float
    children: int = 0  # descendants of the ingest just before the kill (extraction workers)
    orphans: int = 0  # of those, still alive ~5 s after the kill
    gone_after: float = 0.0  # seconds from the kill until the last of them had exited

    @property
    def mid_ingest(self) -> bool:
        return self.landed == "mid-ingest"


def _landed(exited: bool, documents: int, pending: int, total: int) -> str:
    if exited:
        return "after it finished"
    if documents == 0:
        return "before any document"
    return "mid-ingest" if documents < total or pending else "during the last steps"


def _wait_for_documents(process: subprocess.Popen[bytes], db: Path, documents: int) -> None:
    while process.poll() is None and _counts(db)[0] < documents:
        time.sleep(0.005)


def run_trial(number: int, delay: float, corpus: Path, workdir: Path, reference: Reference, *,
              after_documents: int = 0, workers: int | None = None) -> Trial:
    """Kill an ingest ``delay`` seconds after ``after_documents`` are stored (0: after it starts), check,
    re-ingest, compare with the reference."""
    db = workdir / f"trial_{number:02d}.db"
    started = time.perf_counter()
    process = _ingest(db, corpus, workers)
    _wait_for_documents(process, db, after_documents)
    time.sleep(delay)
    kill_at = time.perf_counter() - started
    exited = process.poll() is not None
    children, orphans, gone = (0, 0, 0.0) if exited else kill_tree(process)
    process.wait()
    documents, pending = _counts(db)
    landed = _landed(exited, documents, pending, reference.documents)
    checked = subprocess.run(_claims(db, "check", "--json"), capture_output=True, text=True, cwd=ROOT)
    problems = len(json.loads(checked.stdout)["problems"]) if checked.stdout.strip().startswith("{") else -1
    t0 = time.perf_counter()
    again = subprocess.run(_claims(db, *_ingest_args(corpus, workers)), capture_output=True, text=True,
                           cwd=ROOT)
    reingest = time.perf_counter() - t0
    diff = differences(reference.dump, canonical_dump(db)) if again.returncode == 0 else [
        f"re-ingest failed ({again.returncode}): {again.stderr[-300:]}"]
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return Trial(number, kill_at, after_documents, landed, documents, pending, checked.returncode == 0,
                 problems, not diff, diff, reingest, children, orphans,
                 gone if children else 0.0)


def kill_points(rng: random.Random, trials: int, documents: int, *,
                startup: float) -> list[tuple[int, float]]:
    """Random kill points as (documents stored, then seconds more): placed by progress rather than by
    the clock, so they land inside the run however loaded the machine is. One in six falls in the
    start-up, before any document is stored; the rest after a random number of documents, up to all of
    them (then the kill lands in the last transaction, which recomputes relations and statuses)."""
    points = []
    for _ in range(trials):
        if rng.random() < 1 / 6:
            points.append((0, rng.uniform(0, startup)))
        else:
            points.append((rng.randint(1, documents), rng.uniform(0, 0.3)))
    return points


def run_trials(corpus: Path, workdir: Path, *, trials: int, seed: int,
               workers: int | None = None) -> tuple[Reference, list[Trial]]:
    """The reference run, then ``trials`` kills at random points of the run."""
    reference = reference_run(corpus, workdir / "reference.db", workers)
    points = kill_points(random.Random(seed), trials, reference.documents, startup=reference.first_write)
    return reference, [run_trial(i + 1, delay, corpus, workdir, reference, after_documents=n, workers=workers)
                       for i, (n, delay) in enumerate(points)]


def table(reference: Reference, trials: list[Trial]) -> str:
    """The trials as a Markdown table and a summary line."""
    lines = ["| trial | kill when stored | kill at (s) | landed | documents stored | claims pending | check "
             "| re-ingest (s) | converged | orphans |", "|---:|---:|---:|---|---:|---:|---|---:|---|---:|"]
    for t in trials:
        check = "pass" if t.check_ok else f"FAIL ({t.check_problems} problems)"
        converged = "yes" if t.converged else "NO: " + "; ".join(t.differences)
        stored = f"{t.documents_at_kill}/{reference.documents}"
        lines.append(f"| {t.number} | {t.after_documents} | {t.kill_at:.2f} | {t.landed} | {stored} "
                     f"| {t.pending_at_kill} | {check} | {t.reingest_seconds:.2f} | {converged} "
                     f"| {t.orphans} of {t.children}"
                     + (f", gone in {t.gone_after:.2f} s" if t.children and not t.orphans else "") + " |")
    return "\n".join(lines)


def summary(trials: list[Trial]) -> str:
    return (f"{len(trials)} trials, {sum(t.mid_ingest for t in trials)} kills landed mid-ingest, "
            f"{sum(t.check_ok for t in trials)}/{len(trials)} checks passed, "
            f"{sum(t.converged for t in trials)}/{len(trials)} converged to the reference rows, "
            f"{sum(t.orphans for t in trials)} orphaned process(es) left of "
            f"{sum(t.children for t in trials)} child process(es) running at the kills")


def write_readme(text: str, readme: Path = ROOT / "bench" / "README.md", *,
                 heading: str = README_HEADING) -> None:
    """Replace (or append) the section under ``heading`` (a whole line) of bench/README.md, from that line
    to the next ``## `` heading, leaving every other section alone."""
    current = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    section = f"{heading}\n\n{text.strip()}\n"
    if f"\n{heading}\n" in current:
        before, rest = current.split(f"\n{heading}\n", 1)
        before += "\n"
        after = rest[rest.index("\n## "):] if "\n## " in rest else ""
        current = before + section + after
    else:
        current = current.rstrip("\n") + "\n\n" + section
    readme.write_text(current, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--docs", type=int, default=150, help="synthetic documents added to the five seeds")
    parser.add_argument("--seed", type=int, default=11, help="seed of the kill times")
    parser.add_argument("--workers", type=int, default=None,
                        help="run `claims ingest --workers N` (default: the command's own default, 1)")
    parser.add_argument("--write-readme", action="store_true", help="record the results in bench/README.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        documents = build_corpus(workdir / "corpus", args.docs)
        reference, trials = run_trials(workdir / "corpus", workdir, trials=args.trials, seed=args.seed,
                                       workers=args.workers)
    words = sum(len(text.split()) for _, text in generate(args.docs))
    rows = sum(len(table_rows) for table_rows in reference.dump.values())
    how = f"`claims ingest --workers {args.workers}`" if args.workers else "`claims ingest`"
    head = (f"Corpus: {documents} documents (5 seeds + {args.docs} synthetic, about {words:,} words), "
            f"ingested by {how}. "
            f"Reference ingest: {reference.seconds:.2f}s wall clock including start-up, first document "
            f"stored at {reference.first_write:.2f}s; {rows:,} rows compared.")
    result = f"{head}\n\n{table(reference, trials)}\n\n**{summary(trials)}.**"
    print(result)
    if args.write_readme:
        workers = f" --workers {args.workers}" if args.workers else ""
        what = (__doc__ or "").split("\n\n")[2].strip().replace("\n", " ")
        write_readme(
            f"`.venv/bin/python bench/faults.py --trials {args.trials} --docs {args.docs} --seed {args.seed}"
            f"{workers} --write-readme`. " + what + "\n\n" + result + "\n\n" + READING
            + (f"\n\n{READING_WORKERS}" if args.workers else ""),
            heading=WORKERS_HEADING if args.workers else README_HEADING)
    sys.exit(0 if all(t.check_ok and t.converged and not t.orphans for t in trials) else 1)


if __name__ == "__main__":
    main()
