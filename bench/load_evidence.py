"""Load: many concurrent clients post evidence to one running `claims serve`; nothing may be lost or doubled.

Usage: .venv/bin/python bench/load_evidence.py [--clients 50] [--total 10000] [--db SEEDED.db] [--token T]
                                               [--write-rate 2000] [--write-burst 200] [--json]

It copies a seeded database (--db, else it ingests seeds/ into a scratch file with `claims ingest`),
starts `claims serve` on 127.0.0.1 as a subprocess with the write limit raised by flag, and runs
--clients asyncio clients (httpx) that together post --total pieces of evidence through
POST /api/claims/{id}/evidence, spread round-robin over every claim, each with a unique marker in its
quote and note. A 429 is retried after its Retry-After; anything else is final. Then it checks:
  - no 500 (nor any answer but 201 and 429), no request failed in transit;
  - every 201 is exactly one row in the database, with its marker, claim and quote == text[start:end];
  - no marker is stored twice, none is missing, no row carries a marker that was not answered 201;
  - the counts per claim (API) and in total (API and database) are the old ones plus what was posted;
  - recomputing every status and relation from scratch changes nothing (no lost update in refresh).
It prints throughput and p50/p99 latency of the accepted posts, and exits 1 when any check fails.

API writes may need a token: --token or $CLAIMS_API_TOKEN is sent as `Authorization: Bearer ...`
(see ``api_headers``, the one place requests get their headers).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN_ENV = "CLAIMS_API_TOKEN"
CLAIMS = Path(sys.executable).parent / "claims"


def api_headers(token: str | None) -> dict[str, str]:
    """Headers of every request the load sends: JSON, and the bearer token when there is one."""
    headers = {"accept": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return headers


@dataclass
class Outcome:
    """What the clients saw."""

    accepted: dict[int, str] = field(default_factory=dict)  # post number -> evidence id
    claim_of: dict[int, str] = field(default_factory=dict)  # post number -> claim id
    latencies: list[float] = field(default_factory=list)  # seconds, accepted posts only
    statuses: Counter[int] = field(default_factory=Counter)  # every answer, retries included
    failures: list[str] = field(default_factory=list)  # final non-201 answers and transport errors
    seconds: float = 0.0


def marker(run: str, number: int) -> str:
    """The unique text one post carries in its quote and its note."""
    return f"load-{run}-{number:06d}"


def body_for(run: str, number: int, client: int) -> dict[str, str]:
    mark = marker(run, number)
    return {
        "stance": "supports" if number % 3 else "disputes",
        "quote": f"Under load, post {mark} repeats the figure as stated.",
        "source_title": f"Load test {run}, client {client}",
        "source_url": f"https://example.org/load/{run}/{number}",
        "asserted_by": f"Load client {client}",
        "note": mark,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seeded_copy(source: Path | None, folder: Path) -> Path:
    """A database to load: a copy of ``source``, or the seeds ingested by the real command."""
    target = folder / "load.db"
    if source is not None:
        shutil.copy(source, target)
        return target
    subprocess.run([str(CLAIMS), "--db", str(target), "ingest", "--quiet", str(ROOT / "seeds")], check=True,
                   stdout=subprocess.DEVNULL)
    return target


def start_server(db: Path, *, write_rate: float, write_burst: int,
                 port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """`claims serve` over ``db`` on ``port`` of 127.0.0.1 (default: a free one), once it answers."""
    port = port or free_port()
    command = [str(CLAIMS), "--db", str(db), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning", "--write-rate", str(write_rate), "--write-burst", str(write_burst)]
    env = {k: v for k, v in os.environ.items() if k != "CLAIMS_DATABASE_URL"}
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"claims serve exited with {server.returncode}")
        try:
            if httpx.get(f"{url}/api/overview", timeout=1).status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("claims serve did not answer within 30 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def claim_ids(client: httpx.Client) -> list[str]:
    ids: list[str] = []
    page = 1
    while True:
        body = client.get("/api/claims", params={"per_page": 100, "page": page}).json()
        ids += [item["id"] for item in body["items"]]
        if len(ids) >= body["total"] or not body["items"]:
            return ids
        page += 1


def evidence_counts(client: httpx.Client, ids: list[str]) -> dict[str, int]:
    return {cid: len(client.get(f"/api/claims/{cid}").json()["evidence"]) for cid in ids}


async def post_all(url: str, ids: list[str], *, total: int, clients: int, headers: dict[str, str],
                   run: str) -> Outcome:
    """``clients`` workers post ``total`` pieces of evidence between them; 429s wait and go again."""
    outcome = Outcome()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(total):
        queue.put_nowait(number)
    # idle connections are dropped well before the server closes them (uvicorn: after 5 s), so a post
    # is never sent on a connection the server is closing at that instant
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=1.0)

    async def worker(client_no: int, http: httpx.AsyncClient) -> None:
        while True:
            try:
                number = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            claim = ids[number % len(ids)]
            outcome.claim_of[number] = claim
            while True:
                started = time.perf_counter()
                try:
                    body = body_for(run, number, client_no)
                    response = await http.post(f"/api/claims/{claim}/evidence", json=body)
                except httpx.HTTPError as exc:  # not retried: it may be stored, and a retry could double it
                    outcome.failures.append(f"post {number}: {type(exc).__name__}: {exc}")
                    break
                outcome.statuses[response.status_code] += 1
                if response.status_code == 429:
                    await asyncio.sleep(float(response.headers.get("retry-after", "1")))
                    continue
                if response.status_code == 201:
                    outcome.accepted[number] = response.json()["id"]
                    outcome.latencies.append(time.perf_counter() - started)
                else:
                    outcome.failures.append(f"post {number}: {response.status_code} {response.text[:200]}")
                break

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=120) as http:
        await asyncio.gather(*(worker(n, http) for n in range(clients)))
    outcome.seconds = time.perf_counter() - started
    return outcome


def stored_rows(db: Path, run: str) -> list[tuple[str, str, str, str, int, int, str]]:
    """(evidence id, claim, note, quote, start, end, source text) of every row this run added."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return list(conn.execute(
            "SELECT e.id, e.claim_id, e.note, e.quote, e.start, e.\"end\", s.text FROM evidence e "
            "JOIN source s ON s.id = e.source_id WHERE e.note LIKE ?", (f"load-{run}-%",)))


def total_evidence(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT count(*) FROM evidence").fetchone()[0])


def stale_after_recompute(db: Path) -> tuple[int, int, int]:
    """Statuses changed, relations added and removed when everything is recomputed (rolled back after)."""
    from sqlmodel import Session

    from claims.analysis import refresh
    from claims.db import make_engine
    from claims.vocabulary import default_vocabulary

    engine = make_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as session:
            result = refresh(session, vocabulary=default_vocabulary())
            session.rollback()
        return result.statuses_changed, result.relations_added, result.relations_removed
    finally:
        engine.dispose()


def check(outcome: Outcome, rows: list[tuple[str, str, str, str, int, int, str]], *, run: str, total: int,
          before: dict[str, int], after: dict[str, int], db_before: int, db_after: int,
          api_before: int, api_after: int, stale: tuple[int, int, int]) -> list[str]:
    """Every way the run could have lost, doubled or corrupted data, as messages (empty: all good)."""
    problems = list(outcome.failures[:20])
    unexpected = {code: n for code, n in outcome.statuses.items() if code not in (201, 429)}
    if unexpected:
        problems.append(f"answers other than 201/429: {unexpected}")
    by_mark = Counter(note for _, _, note, *_ in rows)
    doubled = [mark for mark, n in by_mark.items() if n > 1]
    if doubled:
        problems.append(f"{len(doubled)} marker(s) stored more than once, e.g. {doubled[:3]}")
    ids = {row[0]: row for row in rows}
    lost = [n for n, eid in outcome.accepted.items() if eid not in ids]
    if lost:
        problems.append(f"{len(lost)} accepted post(s) have no row, e.g. {lost[:3]}")
    unanswered = set(by_mark) - {marker(run, n) for n in outcome.accepted}
    if unanswered:
        problems.append(f"{len(unanswered)} row(s) for posts that were not answered 201")
    for number, eid in outcome.accepted.items():
        row = ids.get(eid)
        if row and (row[1] != outcome.claim_of[number] or row[2] != marker(run, number)):
            problems.append(f"post {number} stored as {row[:3]}")
            break
    bad_slices = [row[0] for row in rows if row[6][row[4]:row[5]] != row[3]]
    if bad_slices:
        problems.append(f"{len(bad_slices)} quote(s) differ from text[start:end], e.g. {bad_slices[:3]}")
    if len(outcome.accepted) != total:
        problems.append(f"{len(outcome.accepted)} of {total} posts were accepted")
    posted = Counter(outcome.claim_of[n] for n in outcome.accepted)
    wrong = {
        cid: (before[cid], posted[cid], after[cid])
        for cid in before
        if after[cid] != before[cid] + posted[cid]
    }
    if wrong:
        problems.append(f"{len(wrong)} claim(s) whose evidence count is off (before, posted, after): "
                        f"{dict(list(wrong.items())[:3])}")
    accepted = len(outcome.accepted)
    if db_after != db_before + accepted:
        problems.append(f"database holds {db_after} evidence rows, not {db_before} + {accepted}")
    if api_after != api_before + accepted:
        problems.append(f"/api/overview counts {api_after} evidence, not {api_before} + {accepted}")
    if any(stale):
        problems.append("recomputing from scratch changed {} status(es), added {} and removed {} relation(s)"
                        .format(*stale))
    return problems


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([1.0, 2.0, 3.0, 4.0], 99)
    (2.0, 4.0)
    """
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def editor_token(db: Path) -> str:
    """A fresh API token of a load-test editor in ``db`` (created if missing): API writes need one."""
    from claims.accounts import create_user, generate_password, get_user, issue_token  # noqa: PLC0415
    from claims.db import init_db, make_engine, session_scope  # noqa: PLC0415

    engine = make_engine(f"sqlite:///{db}")
    init_db(engine)
    try:
        with session_scope(engine) as session:
            user = get_user(session, name="load-test-editor") or create_user(
                session, name="load-test-editor", role="editor", password=generate_password(), actor="bench")
            return issue_token(session, user=user, label="load test")[1]
    finally:
        engine.dispose()


def run_load(db: Path, *, clients: int, total: int, token: str | None, write_rate: float,
             write_burst: int) -> dict[str, object]:
    """Serve ``db``, post the load, verify it; the figures and the problems found (empty when none).

    Without ``token``, a load-test editor is made in ``db`` and its token used.
    """
    run = uuid.uuid4().hex[:8]
    headers = api_headers(token or editor_token(db))
    server, url = start_server(db, write_rate=write_rate, write_burst=write_burst)
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            ids = claim_ids(client)
            before = evidence_counts(client, ids)
            api_before = client.get("/api/overview").json()["counts"]["evidence"]
            db_before = total_evidence(db)
            load = post_all(url, ids, total=total, clients=clients, headers=headers, run=run)
            # a thread of its own: the caller may already run an event loop (pytest with Playwright does)
            with ThreadPoolExecutor(max_workers=1) as pool:
                outcome = pool.submit(asyncio.run, load).result()
            after = evidence_counts(client, ids)
            api_after = client.get("/api/overview").json()["counts"]["evidence"]
    finally:
        stop_server(server)
    rows = stored_rows(db, run)
    problems = check(outcome, rows, run=run, total=total, before=before, after=after, db_before=db_before,
                     db_after=total_evidence(db), api_before=api_before, api_after=api_after,
                     stale=stale_after_recompute(db))
    lat = outcome.latencies or [0.0]
    return {
        "clients": clients,
        "posts": total,
        "claims": len(ids),
        "accepted": len(outcome.accepted),
        "stored": len(rows),
        "answers": dict(sorted(outcome.statuses.items())),
        "seconds": round(outcome.seconds, 2),
        "posts_per_second": round(len(outcome.accepted) / outcome.seconds, 1) if outcome.seconds else 0.0,
        "latency_ms": {
            "p50": round(percentile(lat, 50) * 1000, 1),
            "p99": round(percentile(lat, 99) * 1000, 1),
            "mean": round(statistics.fmean(lat) * 1000, 1),
            "max": round(max(lat) * 1000, 1),
        },
        "problems": problems,
    }


def load_arguments(parser: argparse.ArgumentParser, *, total: int) -> None:
    """The options of a load (shared with the scripts that run one: server_kills, backups_under_load)."""
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--total", type=int, default=total, help="pieces of evidence posted in all")
    parser.add_argument("--db", type=Path, help="seeded database to copy (default: ingest seeds/)")
    parser.add_argument("--write-rate", type=float, default=2000.0, help="server's writes/s per client")
    parser.add_argument("--write-burst", type=int, default=200, help="server's write burst per client")
    parser.add_argument("--json", action="store_true")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    load_arguments(parser, total=10_000)
    parser.add_argument("--token", default=os.environ.get(TOKEN_ENV), help=f"API token (else ${TOKEN_ENV})")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="claims-load-") as folder:
        db = seeded_copy(args.db, Path(folder))
        result = run_load(db, clients=args.clients, total=args.total, token=args.token,
                          write_rate=args.write_rate, write_burst=args.write_burst)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        lat = result["latency_ms"]
        who = f"{result['clients']} clients posted {result['posts']} pieces of evidence"
        who += f" to {result['claims']} claims"
        print(f"{who} in {result['seconds']} s: {result['posts_per_second']} posts/s, "
              f"p50 {lat['p50']} ms, p99 {lat['p99']} ms (max {lat['max']} ms)")  # type: ignore[index]
        print(f"answers: {result['answers']}; accepted {result['accepted']}, rows stored {result['stored']}")
        for problem in result["problems"]:  # type: ignore[attr-defined]
            print(f"PROBLEM: {problem}")
        ok = "OK: 0 lost, 0 duplicated, 0 server errors, counts match"
        print(ok if not result["problems"] else "FAILED")
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
