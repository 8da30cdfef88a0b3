"""Exports and `claims check` on the large database: wall time and peak memory of each, as a subprocess,
beside its ceilings (issue 19: peak < 500 MB; `mentions` within 2x a plain sqlite3 read of its rows).

Usage: .venv/bin/python bench/export_scale.py [--db bench/out/large.db] [--formats mentions csv ...]
       [--no-check] [--code DIR] [--label after] [--json FILE] [--before FILE] [--write-readme]

Each command runs in a process of its own (`claims --db DB export --format F -o /dev/null`, `claims --db DB
check`), waited for with ``os.wait4``, whose resource usage is that one child's: its ``ru_maxrss`` is the
child's own peak resident memory (RUSAGE_CHILDREN would be the largest of every child so far). The ceiling is
a plain sqlite3 script that reads the columns the mentions export reads (evidence joined with its claim and
source, the same filter and order) and writes each row to /dev/null, measured the same way.

``--code DIR`` runs the `claims` package found in DIR (e.g. an export of an older commit, for "before"
figures) with this virtualenv's Python. Run one of these at a time: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.faults import write_readme  # noqa: E402

README_HEADING = "## Exports and `claims check` at scale"
FORMATS = ("mentions", "csv", "claimreview", "annotations")
PEAK_CEILING_MB = 500.0
MENTIONS_RATIO = 2.0
# The columns the mentions export reads, with its filter and its order (live sources, accepted extracted
# evidence; NULL value offsets first, as SQLite puts them).
PLAIN_READ = """
SELECT s.name, e.start, e."end", e.quote, e.value_text, e.value, e.value_max, e.qualifier, e.hedge,
       e.asserted_by, e.parties, e.stance, e.confidence, e.hypothetical, e.id, e.note,
       c.id, c.unit, c.subject_id, c.metric, c.scope, c.status
FROM evidence e JOIN source s ON s.id = e.source_id JOIN claim c ON c.id = e.claim_id
WHERE e.origin = 'extracted' AND e.review = 'accepted' AND s.superseded_by IS NULL
ORDER BY s.name, e.start, e.value_start, e.id
"""
PLAIN_SCRIPT = """
import sqlite3, sys
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
n = 0
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for row in conn.execute(sys.argv[3]):
        out.write("\\t".join(map(str, row)) + "\\n")
        n += 1
print(n)
"""


def measure(argv: list[str], *, stdout: Any = subprocess.DEVNULL) -> dict[str, Any]:
    """Run ``argv``; its wall time, its own peak resident memory (MB), exit status and stderr's tail."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=stdout, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-3:]
    # ru_maxrss is in kilobytes on Linux (bytes on macOS)
    peak = usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)
    return {"wall_s": round(wall, 2), "peak_mb": round(peak, 1), "exit": proc.returncode,
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "stderr": tail}


def claims_argv(code: Path | None) -> list[str]:
    """How to run the `claims` command line: this checkout's, or the package under ``code``."""
    if code is None:
        return [sys.executable, "-c", "import sys; from claims.cli import main; sys.exit(main())"]
    boot = (f"import sys; sys.path.insert(0, {str(code.resolve())!r}); "
            "from claims.cli import main; sys.exit(main())")
    return [sys.executable, "-c", boot]


def run(db: Path, *, formats: tuple[str, ...] = FORMATS, check: bool = True, code: Path | None = None,
        log: Any = print) -> dict[str, Any]:
    """Measure the plain read, each export and `claims check` on ``db``, one after the other."""
    results: dict[str, Any] = {
        "db": str(db),
        "db_mb": round(db.stat().st_size / 2**20),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "nproc": os.cpu_count(),
        "load_at_start": round(os.getloadavg()[0], 2),
        "code": str(code) if code else "this checkout",
    }
    plain = measure([sys.executable, "-c", PLAIN_SCRIPT, str(db), os.devnull, PLAIN_READ],
                    )
    log(f"plain sqlite3 read of the mentions rows: {plain['wall_s']} s, {plain['peak_mb']} MB")
    results["plain_read"] = plain
    claims = claims_argv(code) + ["--db", str(db)]
    results["exports"] = {}
    for fmt in formats:
        figure = measure(claims + ["export", "--format", fmt, "-o", os.devnull])
        log(f"export --format {fmt}: {figure['wall_s']} s, {figure['peak_mb']} MB, exit {figure['exit']} "
            f"{' / '.join(figure['stderr'])}")
        results["exports"][fmt] = figure
    if check:
        figure = measure(claims + ["check"])
        log(f"check: {figure['wall_s']} s, {figure['peak_mb']} MB, exit {figure['exit']}")
        results["check"] = figure
    return results


def _rows(results: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    rows = [(f"`export --format {fmt}`", fig) for fmt, fig in results.get("exports", {}).items()]
    if "check" in results:
        rows.append(("`claims check`", results["check"]))
    return rows


def report(after: dict[str, Any], before: dict[str, Any] | None = None) -> str:
    """The README section: each figure beside its ceiling, before and after when both are given."""
    plain = after["plain_read"]
    lines = [
        f"`.venv/bin/python bench/export_scale.py --write-readme` on `{after['db']}` ({after['db_mb']:,} MB: "
        "100,000 claims, 1,000,000 evidence, 10,000 sources). Each command is a process of its own, run one "
        "at a time; peak memory is that process's `ru_maxrss` (from `os.wait4`). The ceiling of `mentions` "
        "is a plain sqlite3 read of the same rows and columns (evidence joined with claim and source, same "
        "filter and order) written to /dev/null, measured in the same run.",
        "",
        f"After: measured {after['date']} ({after['code']}), load average {after['load_at_start']} at the "
        f"start, Python {after['python']}, `nproc` = {after['nproc']}.",
    ]
    if before:
        lines.append(f"Before: measured {before['date']} ({before['code']}), load average "
                     f"{before['load_at_start']} at the start.")
    lines += ["", "| command | before: wall / peak | after: wall / peak | ceiling | pass |",
              "|---|---|---|---|---|"]
    lines.append(f"| plain sqlite3 read of the mentions rows (ceiling) | "
                 f"{_fig(before['plain_read']) if before else '–'} | {_fig(plain)} | | |")
    old = dict(_rows(before)) if before else {}
    for name, fig in _rows(after):
        ceiling = f"peak < {PEAK_CEILING_MB:.0f} MB"
        ok = fig["peak_mb"] < PEAK_CEILING_MB and fig["exit"] == 0
        if "mentions" in name:
            limit = MENTIONS_RATIO * plain["wall_s"]
            ratio = fig["wall_s"] / plain["wall_s"]
            ceiling += f"; wall < {MENTIONS_RATIO:g} × plain read = {limit:.1f} s (ratio {ratio:.2f})"
            ok = ok and fig["wall_s"] < limit
        lines.append(f"| {name} | {_fig(old[name]) if name in old else '–'} | {_fig(fig)} | {ceiling} | "
                     f"{'**pass**' if ok else '**FAIL**'} |")
    return "\n".join(lines)


def _fig(fig: dict[str, Any]) -> str:
    return f"{fig['wall_s']:.1f} s / {fig['peak_mb']:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "large.db")
    parser.add_argument("--formats", nargs="*", default=list(FORMATS), choices=FORMATS)
    parser.add_argument("--no-check", action="store_true", help="skip `claims check`")
    parser.add_argument("--code", type=Path, help="a source tree whose `claims` package to run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--before", type=Path, help="figures (--json of an earlier run) to show beside these")
    parser.add_argument("--write-readme", action="store_true", help="record the figures in bench/README.md")
    args = parser.parse_args()
    if not args.db.exists():
        parser.error(f"{args.db} does not exist; build it with bench/build_large_db.py")
    results = run(args.db, formats=tuple(args.formats), check=not args.no_check, code=args.code)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    before = json.loads(args.before.read_text()) if args.before else None
    text = report(results, before)
    print(text)
    if args.write_readme:
        write_readme(text, heading=README_HEADING)


if __name__ == "__main__":
    main()
