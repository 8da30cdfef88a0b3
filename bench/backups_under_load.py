"""Backups under load: `claims backup` while many clients post evidence; each copy whole and consistent.

Usage: .venv/bin/python bench/backups_under_load.py [--clients 50] [--total 4000] [--backups 8]
                                                    [--db SEEDED.db] [--write-readme] [--json]

It runs bench/load_evidence.py's load (a seeded copy, `claims serve` on 127.0.0.1, --clients asyncio
clients posting --total pieces of evidence with unique markers, and all of that script's checks: 0 lost,
0 duplicated, counts, recomputation) and, beside it, runs `claims --db LIVE backup COPY` --backups times,
each when another 1/(backups + 1) of the posts are stored. For each copy it records the live database's
evidence count just before and just after the command, then checks that the copy opens, is one
self-contained file (rollback journal, no -wal beside it), passes `claims --db COPY check` (exit 0),
holds an evidence count between those two counts, and that every evidence row in it is in the live
database at the end, unchanged (a consistent prefix of the writes, nothing the live file never had).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.faults import write_readme  # noqa: E402
from bench.load_evidence import CLAIMS, load_arguments, run_load, seeded_copy, total_evidence  # noqa: E402
from bench.server_kills import run_check  # noqa: E402

README_HEADING = "## Faults: backups under load"
READING = """\
How to read it: *live before → after* are the live database's evidence counts read just before
`claims backup` started and just after it returned (the posts stored meanwhile are *during*); *copy*
is the evidence count in the backup, which must lie between the two (the copy is one snapshot taken
somewhere inside that window). *rows in live* says every evidence row of the copy was found, identical,
in the live database at the end. *check* is `claims --db COPY check` (integrity, foreign keys,
provenance, orphans, search index, stored statuses and relations equal to a recomputation). *journal*
is the copy's journal mode (`delete`: a self-contained file, no -wal). *took* is the command's wall
time including its Python start-up."""


def _evidence(db: Path) -> dict[str, tuple[object, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {row[0]: row for row in conn.execute(
            'SELECT id, claim_id, source_id, quote, start, "end", note FROM evidence')}


@dataclass
class Backup:
    """One `claims backup` during the load and what its copy holds."""

    number: int
    before: int
    after: int
    seconds: float
    exit_status: int
    copy: int = -1  # evidence rows in the copy (-1: it did not open)
    journal: str = ""
    wal_beside: bool = False
    check_ok: bool = False
    rows_in_live: bool = False
    megabytes: float = 0.0

    @property
    def consistent(self) -> bool:
        return self.before <= self.copy <= self.after

    @property
    def ok(self) -> bool:
        return (self.exit_status == 0 and self.consistent and self.check_ok and self.rows_in_live
                and self.journal == "delete" and not self.wal_beside)


def take_backups(live: Path, folder: Path, thresholds: list[int], done: threading.Event,
                 taken: list[tuple[int, int, int, float, int]]) -> None:
    """Back up ``live`` each time its evidence count reaches the next threshold (a thread beside the load)."""
    for number, threshold in enumerate(thresholds, 1):
        while not done.is_set() and total_evidence(live) < threshold:
            time.sleep(0.05)
        if done.is_set():
            return
        before = total_evidence(live)
        started = time.perf_counter()
        status = subprocess.run([str(CLAIMS), "--db", str(live), "backup", str(folder / f"copy_{number}.db")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        seconds = time.perf_counter() - started
        taken.append((number, before, total_evidence(live), seconds, status))


def inspect(backup: Backup, copy: Path, live_rows: dict[str, tuple[object, ...]]) -> None:
    """Open the copy and check it (after the load: the checks do not compete with it)."""
    if backup.exit_status != 0 or not copy.exists():
        return
    backup.megabytes = copy.stat().st_size / 1e6
    backup.wal_beside = Path(f"{copy}-wal").exists()
    rows = _evidence(copy)
    with sqlite3.connect(f"file:{copy}?mode=ro", uri=True) as conn:
        backup.journal = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    backup.copy = len(rows)
    backup.rows_in_live = all(live_rows.get(eid) == row for eid, row in rows.items())
    backup.check_ok = run_check(copy)


def run_backups(db: Path, folder: Path, *, clients: int, total: int, backups: int, write_rate: float,
                write_burst: int) -> dict[str, object]:
    start = total_evidence(db)
    thresholds = [start + total * k // (backups + 1) for k in range(1, backups + 1)]
    done = threading.Event()
    taken: list[tuple[int, int, int, float, int]] = []
    thread = threading.Thread(target=take_backups, name="backups", args=(db, folder, thresholds, done, taken))
    thread.start()
    try:
        load = run_load(db, clients=clients, total=total, token=None, write_rate=write_rate,
                        write_burst=write_burst)
    finally:
        done.set()
        thread.join()
    live_rows = _evidence(db)
    results = [Backup(*row) for row in taken]
    for backup in results:
        inspect(backup, folder / f"copy_{backup.number}.db", live_rows)
    problems = list(load["problems"])  # type: ignore[call-overload]
    if len(results) != backups:
        problems.append(f"only {len(results)} of {backups} backups were taken")
    problems += [f"backup {b.number}: {asdict(b)}" for b in results if not b.ok]
    return {"load": load, "backups": [asdict(b) | {"consistent": b.consistent, "ok": b.ok} for b in results],
            "problems": problems}


def table(result: dict[str, object]) -> str:
    lines = ["| backup | live before → after | during | copy | rows in live | check | journal | took (s) "
             "| size (MB) |", "|---:|---|---:|---:|---|---|---|---:|---:|"]
    for b in result["backups"]:  # type: ignore[attr-defined]
        within = "" if b["consistent"] else " (OUTSIDE)"
        lines.append(f"| {b['number']} | {b['before']:,} → {b['after']:,} | {b['after'] - b['before']} "
                     f"| {b['copy']:,}{within} | {'yes' if b['rows_in_live'] else 'NO'} "
                     f"| {'pass' if b['check_ok'] else 'FAIL'} | {b['journal'] or '–'}"
                     f"{', -wal beside' if b['wal_beside'] else ''} | {b['seconds']:.2f} "
                     f"| {b['megabytes']:.1f} |")
    return "\n".join(lines)


def summary(result: dict[str, object]) -> str:
    load, backups = result["load"], result["backups"]
    assert isinstance(load, dict) and isinstance(backups, list)
    lost_or_doubled = "0 lost, 0 duplicated" if not load["problems"] else "load checks FAILED"
    n = len(backups)
    return (f"{n} backups while {load['clients']} clients posted {load['posts']:,} pieces of evidence "
            f"({lost_or_doubled}): {sum(b['exit_status'] == 0 for b in backups)}/{n} succeeded, "
            f"{sum(b['check_ok'] for b in backups)}/{n} passed `claims check`, "
            f"{sum(b['consistent'] and b['rows_in_live'] for b in backups)}/{n} held a consistent prefix, "
            f"{sum(b['after'] - b['before'] for b in backups):,} posts stored while they ran")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    load_arguments(parser, total=4000)
    parser.add_argument("--backups", type=int, default=8)
    parser.add_argument("--write-readme", action="store_true", help="record the results in bench/README.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="claims-backups-") as scratch:
        folder = Path(scratch)
        db = seeded_copy(args.db, folder)
        result = run_backups(db, folder, clients=args.clients, total=args.total, backups=args.backups,
                             write_rate=args.write_rate, write_burst=args.write_burst)
    load = result["load"]
    assert isinstance(load, dict)
    head = (f"The load: {load['clients']} clients, {load['posts']:,} posts to {load['claims']} claims in "
            f"{load['seconds']} s ({load['posts_per_second']} posts/s), answers {load['answers']}, "
            f"{load['stored']:,} rows stored.")
    text = f"{head}\n\n{table(result)}\n\n**{summary(result)}.**"
    problems = result["problems"]
    assert isinstance(problems, list)
    if problems:
        text += "\n\nProblems:\n" + "\n".join(f"- {p}" for p in problems)
    print(json.dumps(result, indent=2) if args.json else text)
    if args.write_readme:
        command = (f"`.venv/bin/python bench/backups_under_load.py --clients {args.clients} "
                   f"--total {args.total} --backups {args.backups} --write-readme`")
        what = (__doc__ or "").split("\n\n")[2].strip()
        write_readme(f"{command}. {what}\n\n{text}\n\n{READING}", heading=README_HEADING)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
