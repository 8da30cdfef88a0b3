"""Benchmark: every path a user takes, on the large databases, beside a bare endpoint (issue 19).

Usage: .venv/bin/python bench/paths_scale.py [--sizes 10k 100k 1M] [--requests 60] [--cold 3] [--warmup 3]
                                             [--budget 20] [--articles 3] [--write-readme] [--json]
       .venv/bin/python bench/paths_scale.py --report-only [--write-readme]  (bench/out/paths_scale.json)

For each database (bench/build_large_db.py: 1,000 claims / 10,000 evidence and 10,000 / 100,000, built into
bench/out/ when missing; bench/out/large.db, 100,000 / 1,000,000, which is never built nor touched here),
on a scratch copy (the posts and the ingest write to it):
  1. a bare FastAPI endpoint (bench/bare_app.py), served like `claims serve`, timed by the same client:
     the ceiling of one request's time on this machine, this minute;
  2. `claims --db COPY serve` as a subprocess (write limit off: --write-rate 0), and one httpx client on
     one connection timing each path below: --cold requests each just after a commit to the copy by this
     process (many answers are kept while the database's data version is unchanged: a cold request is
     the first after any write), --warmup requests untimed, then --requests timed ones (or as many as
     --budget seconds allow, at least 5): p50 and p99. Paths with {id} take a new claim for every request
     (disjoint pools per path), so each answer is built, not read from the cache of a previous one;
     POST evidence (an editor's bearer token) comes last, as every post empties those caches; the RSS
     after each path is recorded (bench/out/paths_scale.json);
  3. the server's peak memory (VmHWM of its /proc status, read before it stops); a watchdog kills it
     when its RSS passes --rss-limit-mb and the path being timed is reported as killed;
  4. one article published by `claims ingest` (a seed article under a new name, --articles times: the
     first creates its claims, the next ones add evidence to them), its run time as the command reports
     it less the time of extracting the same text alone in a fresh process (median of 3): the time
     beyond extraction (storing, relations, statuses, search index).
Then the log-log slope of each path's p50 (and ingest's time beyond extraction) against evidence rows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.faults import write_readme  # noqa: E402
from bench.load_evidence import body_for, editor_token, free_port  # noqa: E402
from bench.relations_scale import growth_exponent  # noqa: E402

OUT = ROOT / "bench" / "out"
CLAIMS = Path(sys.executable).parent / "claims"
HEADING = "## Scale: every user path on the large databases"
START, END = "<!-- paths_scale:start -->", "<!-- paths_scale:end -->"
# label -> (evidence rows, claims, database file); the 1M one is bench/out/large.db, built by run_all
SIZES = {
    "10k": (10_000, 1_000, OUT / "large_10k.db"),
    "100k": (100_000, 10_000, OUT / "large_100k.db"),
    "1M": (1_000_000, 100_000, OUT / "large.db"),
}
GET_P50_MS, GET_P99_MS, POST_P50_MS, RSS_MB, INGEST_S, SLOPE = 100.0, 500.0, 50.0, 1024.0, 1.0, 0.2
ARTICLE = ROOT / "seeds" / "000_973edbb976fccc70.txt"
EXTRACT_ALONE = """
import sys, time
from ingest.documents import read_document
from ingest.extract import Extractor
from pathlib import Path
extractor = Extractor()
started = time.perf_counter()
document = read_document(Path(sys.argv[1]), name=Path(sys.argv[1]).name)
extractor.extract_many([document])
print(time.perf_counter() - started)
"""


@dataclass(frozen=True)
class Path_:
    """One user path: its row label, how it is asked, and the URL of its k-th request."""

    name: str
    method: str  # GET or POST
    html: bool
    url: Callable[[int], str]
    rotating: bool = False


def targets(db: Path, pool: int, seed: int = 19) -> dict[str, object]:
    """What the paths ask for, read from the database: claim ids (disjoint pools), the busiest asserter
    entity (whose name is the commonest evidence.asserted_by) and the busiest subject entity."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM claim ORDER BY id")]
        asserter = conn.execute(
            "SELECT e.id, e.name, n FROM (SELECT asserted_by AS a, count(*) AS n FROM evidence "
            "WHERE asserted_by != 'author' GROUP BY asserted_by) JOIN entity e ON e.name = a "
            "ORDER BY n DESC LIMIT 1"
        ).fetchone()
        subject = conn.execute(
            "SELECT c.subject_id, e.name, count(*) AS n FROM claim c JOIN entity e ON e.id = c.subject_id "
            "GROUP BY c.subject_id ORDER BY n DESC LIMIT 1"
        ).fetchone()
        evidence = conn.execute("SELECT count(*) FROM evidence").fetchone()[0]
    random.Random(seed).shuffle(ids)
    return {
        "ids": ids[: pool * 5],
        "pool": pool,
        "asserter": {"id": asserter[0], "name": asserter[1], "evidence": asserter[2]} if asserter else None,
        "subject": {"id": subject[0], "name": subject[1], "claims": subject[2]} if subject else None,
        "claims": len(ids),
        "evidence": evidence,
    }


def user_paths(picked: dict[str, object]) -> list[Path_]:
    """Every path of the issue, each HTML page beside its JSON twin; POST evidence last."""
    ids: list[str] = picked["ids"]  # type: ignore[assignment]
    pool: int = picked["pool"]  # type: ignore[assignment]

    def rotating(slot: int, template: str) -> Callable[[int], str]:
        chunk = ids[slot * pool: (slot + 1) * pool] or ids
        return lambda k: template.format(id=chunk[k % len(chunk)])

    def fixed(url: str) -> Callable[[int], str]:
        return lambda _k: url

    paths = [
        Path_("/", "GET", True, fixed("/")),
        Path_("/api/overview", "GET", False, fixed("/api/overview")),
        Path_("/claims", "GET", True, fixed("/claims")),
        Path_("/api/claims", "GET", False, fixed("/api/claims")),
        Path_("/claims?status=disputed", "GET", True, fixed("/claims?status=disputed")),
        Path_("/api/claims?status=disputed", "GET", False, fixed("/api/claims?status=disputed")),
        Path_("/api/claims/facets", "GET", False, fixed("/api/claims/facets")),
        Path_("/api/claims/facets?status=disputed", "GET", False,
              fixed("/api/claims/facets?status=disputed")),
        Path_("/claims/{id}", "GET", True, rotating(0, "/claims/{id}"), rotating=True),
        Path_("/api/claims/{id}", "GET", False, rotating(1, "/api/claims/{id}"), rotating=True),
    ]
    for role in ("asserter", "subject"):
        entity = picked.get(role)
        if isinstance(entity, dict):
            label = f"busiest {role}"  # (the same name at every size, for the growth table)
            paths += [
                Path_(f"/entities/{{id}} ({label})", "GET", True, fixed(f"/entities/{entity['id']}")),
                Path_(f"/api/entities/{{id}} ({label})", "GET", False,
                      fixed(f"/api/entities/{entity['id']}")),
            ]
    paths += [
        Path_("/graph", "GET", True, fixed("/graph")),
        Path_("/api/graph?view=disputes&max_claims=150&quotes=false", "GET", False,
              fixed("/api/graph?view=disputes&max_claims=150&quotes=false")),
        Path_("/api/graph?focus=claim:{id}&radius=2", "GET", False,
              rotating(2, "/api/graph?focus=claim:{id}&radius=2"), rotating=True),
        Path_("/sources", "GET", True, fixed("/sources")),
        Path_("/api/sources", "GET", False, fixed("/api/sources")),
        Path_("POST /api/claims/{id}/evidence", "POST", False, rotating(3, "/api/claims/{id}/evidence"),
              rotating=True),
    ]
    return paths


# -- the server --------------------------------------------------------------------------------------------


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM, RssAnon and RssFile of ``pid`` in kB (empty once it is gone): RssFile counts the pages
    of the database's memory map the process has touched, RssAnon its own heap."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    found = re.finditer(r"^(VmRSS|VmHWM|RssAnon|RssFile):\s+(\d+) kB", text, re.M)
    return {m.group(1): int(m.group(2)) for m in found}


class Server:
    """A server subprocess on 127.0.0.1, with a watchdog that kills it past an RSS limit."""

    def __init__(self, command: list[str], port: int, log: Path, *, rss_limit_mb: float) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.rss_limit_kb = rss_limit_mb * 1024
        self.killed_at_kb: int | None = None
        self.peak_kb = 0
        self.peak_anon_kb = 0
        started = time.perf_counter()
        with log.open("ab") as err:
            env = {k: v for k, v in os.environ.items() if k != "CLAIMS_DATABASE_URL"}
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=ROOT)
        self._stop = threading.Event()
        self._watch = threading.Thread(target=self._watchdog, daemon=True)
        self._watch.start()
        try:
            self._wait_ready(timeout=900)
        except Exception:
            self.stop()
            raise
        self.startup_s = time.perf_counter() - started

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{tail}")
            try:
                httpx.get(f"{self.url}/api/me", timeout=5)  # any answer: it serves
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.url} not answering after {timeout:.0f} s")

    def _watchdog(self) -> None:
        while not self._stop.wait(0.1):
            status = proc_status(self.process.pid)
            if not status:
                return
            self.peak_kb = max(self.peak_kb, status.get("VmHWM", 0))
            self.peak_anon_kb = max(self.peak_anon_kb, status.get("RssAnon", 0))
            if status.get("VmRSS", 0) > self.rss_limit_kb:
                self.killed_at_kb = status["VmRSS"]
                self.process.kill()
                return

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> int:
        """Stop it; its peak RSS in kB (VmHWM, read just before)."""
        self.peak_kb = max(self.peak_kb, proc_status(self.process.pid).get("VmHWM", 0))
        self._stop.set()
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.peak_kb


def serve_claims(db: Path, log: Path, rss_limit_mb: float) -> Server:
    port = free_port()
    command = [str(CLAIMS), "--db", str(db), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning", "--write-rate", "0"]
    return Server(command, port, log, rss_limit_mb=rss_limit_mb)


def serve_bare(log: Path) -> Server:
    port = free_port()
    command = [sys.executable, str(ROOT / "bench" / "bare_app.py"), "--port", str(port)]
    return Server(command, port, log, rss_limit_mb=4096)


# -- timing ------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile: the smallest value with at least q % of the values at or under it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(min(rank, len(ordered))) - 1]


def client_for(url: str, token: str | None = None) -> httpx.Client:
    """One connection, kept alive between requests, as a browser tab or a script would."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    return httpx.Client(base_url=url, headers=headers, limits=limits, timeout=600, follow_redirects=False)


def time_path(client: httpx.Client, path: Path_, *, requests: int, warmup: int, budget: float, cold: int = 1,
              touch: Callable[[], None] | None = None, server: Server | None = None,
              run: str = "") -> dict[str, object]:
    """Times in ms: ``cold`` requests each just after ``touch`` (another process's commit, which empties
    the server's caches of answers), then ``warmup`` untimed, then up to ``requests`` timed ones."""
    accept = "text/html" if path.html else "application/json"
    ok = 201 if path.method == "POST" else 200
    statuses: dict[str, int] = {}
    times: list[float] = []
    sizes: list[int] = []

    def one(k: int) -> float:
        url = path.url(k)
        started = time.perf_counter()
        if path.method == "POST":
            response = client.post(url, json=body_for(run, k, 0), headers={"accept": accept})
        else:
            response = client.get(url, headers={"accept": accept})
        elapsed = (time.perf_counter() - started) * 1000
        statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
        sizes.append(len(response.content))
        return elapsed

    result: dict[str, object] = {"path": path.name, "method": path.method, "html": path.html,
                                 "rotating": path.rotating}
    colds: list[float] = []
    try:
        deadline = time.perf_counter() + budget
        for k in range(max(1, cold)):
            if touch:
                touch()
            colds.append(one(k))
            if time.perf_counter() > deadline:
                break
        k0 = len(colds)
        for k in range(k0, k0 + warmup):
            one(k)
        deadline = time.perf_counter() + budget
        for k in range(k0 + warmup, k0 + warmup + requests):
            times.append(one(k))
            if time.perf_counter() > deadline and len(times) >= 5:
                break
    except httpx.HTTPError as exc:
        killed = server is not None and server.killed_at_kb is not None
        result["error"] = (f"server killed by the watchdog at {server.killed_at_kb / 1024:,.0f} MB RSS"
                           if killed and server else f"{type(exc).__name__}: {exc}")
        return result | {"statuses": statuses}
    result |= {
        "first_ms": round(colds[0], 2),
        "cold_ms": [round(c, 2) for c in colds],
        "cold_p50_ms": round(statistics.median(colds), 2),
        "cold_max_ms": round(max(colds), 2),
        "p50_ms": round(percentile(times, 50), 2),
        "p99_ms": round(percentile(times, 99), 2),
        "max_ms": round(max(times), 2),
        "requests": len(times),
        "statuses": statuses,
        "bytes": int(statistics.median(sizes)),
    }
    if set(statuses) != {str(ok)}:
        result["error"] = f"answers other than {ok}: {statuses}"
    return result


def time_bare(scratch: Path, *, requests: int, warmup: int) -> dict[str, object]:
    bare = serve_bare(scratch / "bare.log")
    try:
        with client_for(bare.url) as client:
            path = Path_("bare", "GET", False, lambda _k: "/api/bare")
            return time_path(client, path, requests=max(requests, 200), warmup=max(warmup, 20), budget=30)
    finally:
        bare.stop()


# -- ingest ------------------------------------------------------------------------------------------------


def article_copies(folder: Path, count: int, run: str) -> list[Path]:
    """``count`` copies of the seed article, each a new document (its own name and last line)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = ARTICLE.read_text(encoding="utf-8")
    paths = []
    for k in range(count):
        path = folder / f"paths-scale-{run}-{k}.txt"
        path.write_text(f"{text.rstrip()}\n\nRepublished as copy {k} of run {run}.\n", encoding="utf-8")
        paths.append(path)
    return paths


def extraction_alone(article: Path, repeat: int = 3) -> float:
    """Seconds to read and extract ``article`` in a fresh process (its first extraction, as in an ingest;
    the extractor built before the clock starts, as `claims ingest` builds it): median of ``repeat``."""
    times = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", EXTRACT_ALONE, str(article)], capture_output=True,
                             text=True, check=True, cwd=ROOT)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def ingest_one(db: Path, article: Path) -> dict[str, object]:
    """`claims --db DB ingest ARTICLE`: its own reported seconds and the process's wall time."""
    started = time.perf_counter()
    out = subprocess.run([str(CLAIMS), "--db", str(db), "ingest", "--quiet", str(article)],
                         capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    found = re.search(r"Ingested (\d+) document\(s\): (\d+) new.* in ([\d.]+)s", out.stdout)
    evidence = re.search(r"Evidence added: (\d+)", out.stdout)
    return {
        "exit": out.returncode,
        "reported_s": float(found.group(3)) if found else None,
        "new": int(found.group(2)) if found else 0,
        "evidence_added": int(evidence.group(1)) if evidence else None,
        "wall_s": round(wall, 3),
        "stderr": out.stderr[-500:],
    }


# -- a run -------------------------------------------------------------------------------------------------


def copy_database(source: Path, folder: Path) -> Path:
    """A copy of ``source`` (and its WAL when it holds anything) in ``folder``, after checking the disk."""
    size = source.stat().st_size
    free = shutil.disk_usage(folder).free
    if free < size * 1.5 + 2**30:
        raise RuntimeError(f"{free / 2**30:.1f} GB free: not enough to copy {source} ({size / 2**30:.1f} GB)")
    target = folder / "copy.db"
    shutil.copyfile(source, target)
    wal = Path(f"{source}-wal")
    if wal.exists() and wal.stat().st_size:
        shutil.copyfile(wal, f"{target}-wal")
    return target


def toucher(db: Path) -> Callable[[], None]:
    """A commit to ``db`` from this process (a row in a table of its own): the server sees a new data
    version, as after any write, and its caches of answers miss."""
    def touch() -> None:
        with sqlite3.connect(db, timeout=60) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS bench_paths_touch (at REAL)")
            conn.execute("INSERT INTO bench_paths_touch VALUES (?)", (time.time(),))
        conn.close()
    return touch


def measure_size(label: str, source: Path, scratch: Path, *, requests: int, warmup: int, budget: float,
                 cold: int, articles: list[Path], rss_limit_mb: float,
                 log: Callable[[str], None]) -> dict[str, object]:
    """Every path, peak memory and the ingest of ``articles`` on a copy of ``source``."""
    folder = scratch / label
    folder.mkdir()
    started = time.perf_counter()
    db = copy_database(source, folder)
    copied = time.perf_counter()
    token = editor_token(db)  # brings the copy's schema to the newest migration, as `claims serve` would
    prepared = time.perf_counter()
    picked = targets(db, pool=cold + warmup + requests)
    log(f"  {label}: copied in {copied - started:.0f} s, schema and token {prepared - copied:.1f} s; "
        f"{picked['claims']:,} claims, {picked['evidence']:,} evidence")
    result: dict[str, object] = {
        "label": label,
        "db": str(source),
        "evidence": picked["evidence"],
        "claims": picked["claims"],
        "asserter": picked["asserter"],
        "subject": picked["subject"],
        "copy_s": round(copied - started, 1),
        "prepare_s": round(prepared - copied, 2),
    }
    result["bare"] = time_bare(folder, requests=requests, warmup=warmup)
    run = uuid.uuid4().hex[:8]
    server_log = folder / "server.log"
    server = serve_claims(db, server_log, rss_limit_mb)
    result["startup_s"] = round(server.startup_s, 2)
    peaks: list[int] = []
    killed: list[str] = []
    anon_peaks: list[int] = [0]
    timed: list[dict[str, object]] = []
    try:
        for path in user_paths(picked):
            if not server.alive:
                peaks.append(server.stop())
                server = serve_claims(db, server_log, rss_limit_mb)
            with client_for(server.url, token) as client:
                figure = time_path(client, path, requests=requests, warmup=warmup, budget=budget, cold=cold,
                                   touch=toucher(db), server=server, run=run)
            memory = proc_status(server.process.pid)
            figure["rss_after_mb"] = round(memory.get("VmRSS", 0) / 1024, 1)
            figure["hwm_after_mb"] = round(max(server.peak_kb, memory.get("VmHWM", 0)) / 1024, 1)
            figure["anon_after_mb"] = round(memory.get("RssAnon", 0) / 1024, 1)
            figure["file_after_mb"] = round(memory.get("RssFile", 0) / 1024, 1)
            anon_peaks.append(server.peak_anon_kb)
            timed.append(figure)
            if server.killed_at_kb is not None:
                killed.append(path.name)
            log(f"    {path.name}: cold {figure.get('cold_ms', '–')} ms, p50 {figure.get('p50_ms', '–')}, "
                f"p99 {figure.get('p99_ms', '–')} ({figure.get('requests', 0)} requests); "
                f"RSS {figure['rss_after_mb']:,.0f} MB, peak {figure['hwm_after_mb']:,.0f} MB"
                + (f" {figure['error']}" if "error" in figure else ""))
    finally:
        peaks.append(server.stop())
    result["paths"] = timed
    result["peak_rss_mb"] = round(max(peaks) / 1024, 1)
    result["peak_anon_mb"] = round(max(anon_peaks) / 1024, 1)  # sampled every 0.1 s
    result["killed"] = killed
    result["server_log_tail"] = server_log.read_text(errors="replace")[-1500:]
    result["ingest"] = [ingest_one(db, article) for article in articles]
    log(f"    ingest: {[i['reported_s'] for i in result['ingest']]} s reported")
    return result


def run(sizes: dict[str, tuple[int, int, Path]], *, requests: int = 60, warmup: int = 3, budget: float = 20,
        cold: int = 3, articles: int = 3, rss_limit_mb: float = 6144,
        log: Callable[[str], None] = print) -> dict[str, object]:
    """Measure every size (smallest first) and the extraction alone of the article ingested."""
    from bench.build_large_db import ensure  # noqa: PLC0415

    began = time.perf_counter()
    load = os.getloadavg()[0]
    results: dict[str, object] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "load_at_start": round(load, 2),
        "requests": requests,
        "warmup": warmup,
        "budget_s": budget,
        "cold": cold,
    }
    OUT.mkdir(parents=True, exist_ok=True)  # a fresh clone has no bench/out yet
    with tempfile.TemporaryDirectory(dir=OUT, prefix="paths_scale_") as scratch_name:
        scratch = Path(scratch_name)
        copies = article_copies(scratch / "articles", articles, uuid.uuid4().hex[:6])
        results["extraction_alone_s"] = round(extraction_alone(copies[0]), 3) if copies else None
        measured: list[dict[str, object]] = []
        for label, (evidence, claims, path) in sizes.items():
            if path.parent == OUT and path.name != "large.db" and claims:
                ensure(path, claims, evidence, log=log)  # ours to build; large.db is never rebuilt here
            if not path.exists():
                raise SystemExit(f"{path} does not exist: run bench/build_large_db.py first")
            log(f"[{label}] {path}")
            measured.append(measure_size(label, path, scratch, requests=requests, warmup=warmup,
                                         budget=budget, cold=cold, articles=copies,
                                         rss_limit_mb=rss_limit_mb, log=log))
            shutil.rmtree(scratch / label, ignore_errors=True)
        results["sizes"] = measured
    results["seconds"] = round(time.perf_counter() - began, 1)
    results["growth"] = growth(results)
    return results


def beyond_extraction(size: dict[str, object], extraction: float | None) -> list[float]:
    """Each ingest's reported seconds less the extraction alone."""
    return [round(i["reported_s"] - (extraction or 0), 3) for i in size["ingest"]  # type: ignore[union-attr]
            if i.get("reported_s") is not None]


def growth(results: dict[str, object]) -> dict[str, dict[str, float | None]]:
    """Per path: the log-log slope of p50 and of the cold median against evidence rows; ingest too."""
    sizes: list[dict[str, object]] = results["sizes"]  # type: ignore[assignment]
    out: dict[str, dict[str, float | None]] = {}
    names = [p["path"] for p in sizes[-1]["paths"]] if sizes else []  # type: ignore[index]
    for name in names:
        def points(key: str, name: str = name) -> list[tuple[float, float]]:
            return [(float(s["evidence"]), float(p[key])) for s in sizes  # type: ignore[arg-type]
                    for p in s["paths"] if p["path"] == name and p.get(key)]  # type: ignore[attr-defined]
        p50, first = growth_exponent(points("p50_ms")), growth_exponent(points("cold_p50_ms"))
        out[name] = {"p50": round(p50, 3) if p50 is not None else None,
                     "first": round(first, 3) if first is not None else None}
    extraction = results.get("extraction_alone_s")
    ingest = [(float(s["evidence"]), statistics.median(b)) for s in sizes  # type: ignore[arg-type]
              if (b := beyond_extraction(s, extraction)) and statistics.median(b) > 0]  # type: ignore[arg-type]
    slope = growth_exponent(ingest)
    out["ingest beyond extraction"] = {"p50": round(slope, 3) if slope is not None else None, "first": None}
    return out


# -- the report --------------------------------------------------------------------------------------------


def _ms(value: object) -> str:
    if not isinstance(value, (int, float)):
        return "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def _cold(figure: dict[str, object]) -> str:
    colds = figure.get("cold_ms") or []
    if len(colds) < 2:  # type: ignore[arg-type]
        return _ms(figure.get("first_ms"))
    return f"{_ms(figure.get('cold_p50_ms'))} ({_ms(figure.get('cold_max_ms'))})"


def _ok(passed: bool | None) -> str:
    return "–" if passed is None else ("**pass**" if passed else "**FAIL**")


def verdict(figure: dict[str, object]) -> tuple[bool | None, str]:
    """Whether a path meets its target, and the target's wording."""
    if figure.get("error"):
        return False, ""
    p50, p99 = figure.get("p50_ms"), figure.get("p99_ms")
    if figure["method"] == "POST":
        return (p50 is not None and p50 < POST_P50_MS), f"p50 < {POST_P50_MS:.0f}"  # type: ignore[operator]
    passed = p50 is not None and p99 is not None and p50 < GET_P50_MS and p99 < GET_P99_MS  # type: ignore[operator]
    return passed, f"p50 < {GET_P50_MS:.0f}, p99 < {GET_P99_MS:.0f}"


def report(results: dict[str, object]) -> str:
    """The README section: the largest size beside its targets and bare ceiling, then growth."""
    sizes: list[dict[str, object]] = results["sizes"]  # type: ignore[assignment]
    big = sizes[-1]
    bare = big["bare"]
    bare_p50 = bare.get("p50_ms") or 0  # type: ignore[union-attr]
    slopes: dict[str, dict[str, float | None]] = results.get("growth") or {}  # type: ignore[assignment]
    asserter, subject = big.get("asserter") or {}, big.get("subject") or {}
    lines = [
        START,
        "<!-- generated by bench/paths_scale.py --write-readme: edit outside the markers -->",
        f"Measured {results['date']} on {results['nproc']} CPUs (shared; load average "
        f"{results['load_at_start']} at the start) in {results['seconds']:,.0f} s, against the working tree "
        f"of that time. Largest database: {big['claims']:,} claims, {big['evidence']:,} evidence. "
        f"{results.get('cold', 1)} cold requests a path, {results['warmup']} untimed, then up to "
        f"{results['requests']} timed ones (or {results['budget_s']:.0f} s of them, at least 5), one client "
        f"on one connection; times in ms. Busiest asserter: "
        f"{asserter.get('name', '–')} ({asserter.get('evidence', 0):,} evidence); busiest subject: "
        f"{subject.get('name', '–')} ({subject.get('claims', 0):,} claims)"
        + (" (at " + "; ".join(f"{s['label']}: {(s.get('asserter') or {}).get('name', '–')}, "  # type: ignore[union-attr]
                              f"{(s.get('subject') or {}).get('name', '–')}" for s in sizes[:-1]) + ")"
           if len(sizes) > 1 else "") + ".",
        "",
        f"| path ({big['label']} evidence) | cold: median (max) | p50 | p99 | timed | p50 ÷ bare p50 "
        "| target (ms) | pass | answer size |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| bare FastAPI endpoint, same client — ceiling | {_ms(bare.get('first_ms'))} | "  # type: ignore[union-attr]
        f"{_ms(bare_p50)} | {_ms(bare.get('p99_ms'))} | {bare.get('requests')} | 1 |  |  |  |",  # type: ignore[union-attr]
    ]
    passes = fails = 0
    for figure in big["paths"]:  # type: ignore[attr-defined]
        passed, target = verdict(figure)
        passes, fails = passes + bool(passed), fails + (passed is False)
        name = f"`{figure['path']}`" if figure["method"] == "GET" else f"`{figure['path']}` (editor's token)"
        if figure.get("error"):
            lines.append(f"| {name} | {figure['error']} |  |  |  |  | {target} | {_ok(False)} |  |")
            continue
        ratio = f"{figure['p50_ms'] / bare_p50:,.0f}" if bare_p50 else "–"
        lines.append(
            f"| {name} | {_cold(figure)} | {_ms(figure['p50_ms'])} | {_ms(figure['p99_ms'])} | "
            f"{figure['requests']} | {ratio} | {target} | {_ok(passed)} | {figure['bytes'] / 1024:,.0f} KB |"
        )
    peak = big["peak_rss_mb"]
    anon = big.get("peak_anon_mb")
    split = f" (its own heap, RssAnon sampled every 0.1 s, at most {anon:,.0f} MB)" if anon else ""
    lines.append(f"| **server peak memory** (VmHWM of `claims serve` over every path above{split}) | "
                 f"{peak:,.0f} MB |  |  |  |  | < {RSS_MB:,.0f} MB | {_ok(peak < RSS_MB)} |  |")  # type: ignore[operator]
    passes, fails = passes + (peak < RSS_MB), fails + (peak >= RSS_MB)  # type: ignore[operator]
    extraction = results.get("extraction_alone_s")
    beyond = beyond_extraction(big, extraction)
    if beyond:
        judged = statistics.median(beyond)
        reported = ", ".join(f"{i['reported_s']:.2f}" for i in big["ingest"])  # type: ignore[attr-defined]
        lines.append(
            f"| **one article published by `claims ingest`**: time beyond extraction (median of "
            f"{len(beyond)}: {', '.join(f'{b:.2f}' for b in beyond)} s) | {judged:.2f} s |  |  |  |  | < "
            f"{INGEST_S:.0f} s | {_ok(judged < INGEST_S)} | ingest reported {reported} s; extraction alone "
            f"{extraction:.2f} s |"
        )
        passes, fails = passes + (judged < INGEST_S), fails + (judged >= INGEST_S)
    slow = sorted((p for p in big["paths"] if (p.get("cold_p50_ms") or 0) > GET_P99_MS),  # type: ignore[attr-defined]
                  key=lambda p: -p["cold_p50_ms"])
    cold_note = (" Cold answers (median) over 500 ms: " + ", ".join(
        f"`{p['path']}` {p['cold_p50_ms'] / 1000:,.1f} s" for p in slow) + ".") if slow else ""
    lines += ["", f"{passes} pass, {fails} fail.{cold_note}", ""]
    labels = [s["label"] for s in sizes]
    if len(sizes) > 1:
        head = " | ".join(f"p50 {lbl}" for lbl in labels)
        cold = " | ".join(f"cold {lbl}" for lbl in labels)
        lines += [
            f"Growth: p50 (ms) at each size, its log-log slope against evidence rows (target < {SLOPE}), and "
            "the cold requests' median and its slope:",
            "",
            f"| path | {head} | slope of p50 | pass | {cold} | slope of cold |",
            "|---|" + "---|" * (2 * len(labels) + 3),
        ]
        bares = " | ".join(_ms(s["bare"].get("p50_ms")) for s in sizes)  # type: ignore[union-attr]
        lines.append(f"| bare endpoint — ceiling | {bares} |  |  | {' | '.join('' for _ in labels)} |  |")
        for figure in big["paths"]:  # type: ignore[attr-defined]
            name = figure["path"]
            by = [next((p for p in s["paths"] if p["path"] == name), {}) for s in sizes]  # type: ignore[attr-defined]
            slope = slopes.get(name, {})
            s50 = slope.get("p50")
            lines.append(
                f"| `{name}` | {' | '.join(_ms(p.get('p50_ms')) for p in by)} | "
                f"{'–' if s50 is None else f'{s50:.2f}'} | {_ok(None if s50 is None else s50 < SLOPE)} | "
                f"{' | '.join(_ms(p.get('cold_p50_ms')) for p in by)} | "
                f"{'–' if slope.get('first') is None else format(slope['first'], '.2f')} |"
            )
        ingest_slope = slopes.get("ingest beyond extraction", {}).get("p50")
        medians = [statistics.median(b) if (b := beyond_extraction(s, extraction)) else None for s in sizes]
        lines.append(
            "| one article's ingest beyond extraction (s) | "
            + " | ".join("–" if m is None else f"{m:.2f}" for m in medians)
            + f" | {'–' if ingest_slope is None else f'{ingest_slope:.2f}'} | "
            + f"{_ok(None if ingest_slope is None else ingest_slope < SLOPE)} | "
            + " | ".join("" for _ in labels) + " |  |"
        )
        peaks = ", ".join(f"{s['label']} {s['peak_rss_mb']:,.0f} MB"
                          + (f" (heap {s['peak_anon_mb']:,.0f} MB)" if s.get("peak_anon_mb") else "")
                          for s in sizes)
        lines += ["", f"Server peak memory at each size: {peaks}."]
    lines += ["", READING, END]
    return "\n".join(lines)


READING = """\
How to read it: every figure comes from `claims serve` run as users run it (one process, uvicorn, write
limit off) over a scratch copy of the database, timed by one httpx client on one kept-alive connection; the
bare endpoint (bench/bare_app.py, a constant JSON body on the same server settings) is timed by the same
client just before, so *p50 ÷ bare* is the cost of our code over the server's own. *Cold* requests each
come just after another process commits to the database (a row in a table of the bench's own): the server
keeps many answers (overview, facets, lists, claims) while the data version is unchanged, so a cold request
is what the first reader after any post, ingest or moderation meets; median and max of 3. The timed
requests that follow (p50, p99, pass) are what the next readers meet. Paths with `{id}` ask for a new
claim every request (cold or timed), so their p50/p99 are answers built from the database; POST evidence
runs last, as each post changes the data version. The ingest row is `claims ingest` of one seed article
under a new name (each copy after the first adds evidence to the claims the first created), its own
reported time less the extraction of the same text alone in a fresh process: storing, relations, statuses
and the search index. A slope is fitted over three points; for a path whose p50 sits near the bare
endpoint's it is mostly the machine's noise."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--db", type=Path, help="one database instead of --sizes (its evidence counted)")
    parser.add_argument("--requests", type=int, default=60, help="timed requests a path (default 60)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cold", type=int, default=3,
                        help="requests a path each just after another process's commit (default 3)")
    parser.add_argument("--budget", type=float, default=20, help="seconds of timed requests a path at most")
    parser.add_argument("--articles", type=int, default=3, help="articles ingested one by one at each size")
    parser.add_argument("--rss-limit-mb", type=float, default=6144,
                        help="kill the server past this RSS (the machine is shared)")
    parser.add_argument("--write-readme", action="store_true", help="record the results in bench/README.md")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--report-only", action="store_true",
                        help="no measuring: the report of bench/out/paths_scale.json (with --write-readme)")
    args = parser.parse_args()
    if args.report_only:
        text = report(json.loads((OUT / "paths_scale.json").read_text()))
        print(text)
        if args.write_readme:
            write_readme(text, heading=HEADING)
        return
    sizes = {args.db.stem: (0, 0, args.db)} if args.db else {k: SIZES[k] for k in args.sizes}
    log = (lambda line: print(line, file=sys.stderr, flush=True)) if args.json else print
    results = run(sizes, requests=args.requests, warmup=args.warmup, budget=args.budget, cold=args.cold,
                  articles=args.articles, rss_limit_mb=args.rss_limit_mb, log=log)
    OUT.mkdir(exist_ok=True)
    (OUT / "paths_scale.json").write_text(json.dumps(results, indent=1) + "\n")
    text = report(results)
    if args.json:
        print(json.dumps(results))
    else:
        print(text)
    if args.write_readme:
        write_readme(text, heading=HEADING)


if __name__ == "__main__":
    main()
