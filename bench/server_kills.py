"""Server kills: SIGKILL `claims serve` while many clients post evidence; restart it on the same file.

Usage: .venv/bin/python bench/server_kills.py [--clients 50] [--total 6000] [--kills 4] [--seed 3]
                                              [--db SEEDED.db] [--write-readme] [--json]

It copies a seeded database (as bench/load_evidence.py does), starts `claims serve` on a free port of
127.0.0.1 and has --clients asyncio clients post --total pieces of evidence, each with a unique marker.
At --kills moments drawn at random (seeded, by the number of posts answered so far) the server process
is SIGKILLed; then no process of its tree may be left alive (its descendants read from /proc before the
kill, then waited for up to 5 s), its port must refuse connections, no other process may have the
database file on its command line, and `claims check` must pass on the file as the kill left it. The
server is then started again on the same file and port.

The API has no idempotency key, so a post sent again after an unanswered attempt could be stored twice.
Clients therefore tell two failures apart:
  - the connection was refused (no server listening): the post never reached a server; it is sent again
    0.1 s later, until a server takes it;
  - the post was sent (or may have been) and no answer came: *unanswered*. Its server was SIGKILLed, so
    what it committed is final: once the restarted server answers, the client looks for the post's
    marker in the claim's evidence (GET /api/claims/{id}); found, the post *landed* and is not sent
    again; not found, it is sent again (no server can still commit the first attempt).

Then, as in bench/load_evidence.py: every post answered 201 or found landed is exactly one row (its
marker, its claim, quote == text[start:end]), no marker is stored twice, no row exists for any other
post, the counts per claim and in total are the old ones plus the posts, recomputing every status and
relation changes nothing, and `claims check` passes on the final file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.faults import _start_time, kill_tree, write_readme  # noqa: E402
from bench.load_evidence import (  # noqa: E402
    CLAIMS,
    Outcome,
    api_headers,
    body_for,
    check,
    claim_ids,
    editor_token,
    evidence_counts,
    load_arguments,
    marker,
    percentile,
    seeded_copy,
    stale_after_recompute,
    start_server,
    stop_server,
    stored_rows,
    total_evidence,
)

README_HEADING = "## Faults: server kills during evidence posts"
READING = """\
How to read it: *at answered posts* is the drawn kill point (posts answered so far, then up to 0.5 s
more). *unanswered* are posts sent to the server that was killed, on which no answer came back (a
request in the server's hands, or one written to a connection the kill had just closed); *landed* is how
many of those the restarted server showed stored (their transaction had committed before the kill), so
they were not sent again; the others were sent again and stored once. *refused* counts attempts whose
connection was refused while no server listened (never received, sent again). *left alive* is the killed
server's descendants still alive 5 s after the kill (of how many it had) plus any other process with the
database on its command line; *port* is whether the port refused connections after the kill; *check* is
`claims check` on the file as the kill left it; *down* is from the kill until the restarted server
answered (the check included). Latencies are those of the attempts answered 201. The API has no
idempotency key: a client that re-sent every unanswered post blindly would have stored each *landed* one
twice. 0 duplicated holds because these clients look before they re-send; a client that cannot look
must not re-send an unanswered post."""


def port_refuses(port: int) -> bool:
    """True when nothing accepts connections on ``port`` of 127.0.0.1."""
    with socket.socket() as sock:
        sock.settimeout(1)
        try:
            sock.connect(("127.0.0.1", port))
        except OSError:
            return True
    return False


def processes_naming(path: Path) -> list[int]:
    """Live processes other than this one with ``path`` on their command line."""
    needle = str(path).encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if needle in cmdline and _start_time(int(proc.name)) is not None:
            found.append(int(proc.name))
    return found


def run_check(db: Path) -> bool:
    return subprocess.run([str(CLAIMS), "--db", str(db), "check"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


@dataclass
class Kill:
    """One SIGKILL of the server and what it left."""

    number: int
    after_posts: int
    at_seconds: float = 0.0
    answered_at_kill: int = 0
    descendants: int = 0
    left_alive: int = 0
    port_refused: bool = False
    check_ok: bool = False
    down_seconds: float = 0.0
    unanswered: int = 0
    landed: int = 0


@dataclass
class Retries:
    """What the clients did about failures."""

    refused: int = 0  # connection refused: never received, sent again
    unanswered: Counter[int] = field(default_factory=Counter)  # per server generation
    landed: Counter[int] = field(default_factory=Counter)
    resent: int = 0
    unresolved: int = 0  # unanswered and the server never came back: left as failures


class Server:
    """The running `claims serve`, its generation (bumped on every restart) and whether it is up."""

    def __init__(self, db: Path, *, write_rate: float, write_burst: int) -> None:
        self.db, self.write_rate, self.write_burst = db, write_rate, write_burst
        self.process, self.url = start_server(db, write_rate=write_rate, write_burst=write_burst)
        self.port = int(self.url.rsplit(":", 1)[1])
        self.generation = 0
        self.up = True

    def kill_and_restart(self, kill: Kill) -> None:
        self.up = False
        started = time.monotonic()
        kill.descendants, orphans, _ = kill_tree(self.process)
        kill.port_refused = port_refuses(self.port)
        kill.left_alive = orphans + len(processes_naming(self.db))
        kill.check_ok = run_check(self.db)
        self.process, _ = start_server(self.db, write_rate=self.write_rate, write_burst=self.write_burst,
                                       port=self.port)
        kill.down_seconds = time.monotonic() - started
        self.generation += 1
        self.up = True

    async def back_after(self, generation: int, *, timeout: float = 120.0) -> bool:
        """Wait until a server newer than ``generation`` answers; False if none does within ``timeout``."""
        deadline = time.monotonic() + timeout
        while not (self.up and self.generation > generation):
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True


async def landed_as(http: httpx.AsyncClient, claim: str, mark: str) -> str | None:
    """The id of the evidence carrying ``mark`` on ``claim``, None when it is not stored."""
    while True:
        try:
            response = await http.get(f"/api/claims/{claim}")
        except httpx.TransportError:
            await asyncio.sleep(0.2)
            continue
        if response.status_code == 200:
            break
        await asyncio.sleep(0.2)
    return next((e["id"] for e in response.json()["evidence"] if e.get("note") == mark), None)


async def post_through_kills(server: Server, ids: list[str], outcome: Outcome, retries: Retries, *,
                             total: int, clients: int, headers: dict[str, str], run: str) -> None:
    """``clients`` workers post ``total`` pieces of evidence while the server may be killed under them;
    what they see goes into ``outcome`` and ``retries``."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(total):
        queue.put_nowait(number)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=1.0)

    async def post_one(client_no: int, http: httpx.AsyncClient, number: int) -> None:
        claim = ids[number % len(ids)]
        outcome.claim_of[number] = claim
        body = body_for(run, number, client_no)
        while True:  # no waiting for the harness to say the server is back: clients find out by connecting
            generation = server.generation
            started = time.perf_counter()
            try:
                response = await http.post(f"/api/claims/{claim}/evidence", json=body)
            except (httpx.ConnectError, httpx.ConnectTimeout):  # no server listening: nothing was received
                retries.refused += 1
                await asyncio.sleep(0.1)
                continue
            except httpx.TransportError as exc:  # sent, or maybe sent, and no answer
                retries.unanswered[generation] += 1
                if not await server.back_after(generation):
                    retries.unresolved += 1
                    outcome.failures.append(f"post {number}: {type(exc).__name__}, no server came back")
                    return
                found = await landed_as(http, claim, marker(run, number))
                if found is not None:
                    retries.landed[generation] += 1
                    outcome.accepted[number] = found
                    return
                retries.resent += 1
                continue
            outcome.statuses[response.status_code] += 1
            if response.status_code == 429:
                await asyncio.sleep(float(response.headers.get("retry-after", "1")))
                continue
            if response.status_code == 201:
                outcome.accepted[number] = response.json()["id"]
                outcome.latencies.append(time.perf_counter() - started)
            else:
                outcome.failures.append(f"post {number}: {response.status_code} {response.text[:200]}")
            return

    async def worker(client_no: int, http: httpx.AsyncClient) -> None:
        while True:
            try:
                number = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await post_one(client_no, http, number)

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=server.url, headers=headers, limits=limits, timeout=120) as http:
        await asyncio.gather(*(worker(n, http) for n in range(clients)))
    outcome.seconds = time.perf_counter() - started


def kill_points(rng: random.Random, kills: int, total: int) -> list[tuple[int, float]]:
    """(posts answered, then seconds more) for each kill, spread over the middle 90 % of the run."""
    points = sorted(rng.sample(range(total // 20, total - total // 20), kills))
    return [(n, rng.uniform(0, 0.5)) for n in points]


def killer(server: Server, outcome: Outcome, points: list[tuple[int, float]], kills: list[Kill],
           done: threading.Event, started: float) -> None:
    """Kill and restart the server at each point (a thread beside the clients' event loop)."""
    for number, (after, delay) in enumerate(points, 1):
        while not done.is_set() and len(outcome.accepted) < after:
            time.sleep(0.005)
        if done.is_set():
            return
        time.sleep(delay)
        kill = Kill(number, after, at_seconds=time.perf_counter() - started,
                    answered_at_kill=len(outcome.accepted))
        server.kill_and_restart(kill)
        kills.append(kill)


def run_kills(db: Path, *, clients: int, total: int, kills: int, seed: int, write_rate: float,
              write_burst: int) -> dict[str, object]:
    """Serve ``db``, post the load through ``kills`` SIGKILLs of the server, verify; figures and problems."""
    run = uuid.uuid4().hex[:8]
    headers = api_headers(editor_token(db))
    server = Server(db, write_rate=write_rate, write_burst=write_burst)
    done_kills: list[Kill] = []
    try:
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            ids = claim_ids(client)
            before = evidence_counts(client, ids)
            api_before = client.get("/api/overview").json()["counts"]["evidence"]
        db_before = total_evidence(db)
        points = kill_points(random.Random(seed), kills, total)
        outcome, retries = Outcome(), Retries()
        done = threading.Event()
        thread = threading.Thread(target=killer, name="killer",
                                  args=(server, outcome, points, done_kills, done, time.perf_counter()))
        thread.start()
        try:
            load = post_through_kills(server, ids, outcome, retries, total=total, clients=clients,
                                      headers=headers, run=run)
            # a thread of its own: the caller may already run an event loop (pytest with Playwright does)
            with ThreadPoolExecutor(max_workers=1) as pool:
                pool.submit(asyncio.run, load).result()
        finally:
            done.set()
            thread.join()
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            after = evidence_counts(client, ids)
            api_after = client.get("/api/overview").json()["counts"]["evidence"]
    finally:
        stop_server(server.process)
    rows = stored_rows(db, run)
    problems = check(outcome, rows, run=run, total=total, before=before, after=after, db_before=db_before,
                     db_after=total_evidence(db), api_before=api_before, api_after=api_after,
                     stale=stale_after_recompute(db))
    for kill in done_kills:
        kill.unanswered, kill.landed = retries.unanswered[kill.number - 1], retries.landed[kill.number - 1]
    final_check = run_check(db)
    leftover = processes_naming(db)
    if not final_check:
        problems.append("claims check failed on the final database")
    for k in done_kills:
        if not k.check_ok:
            problems.append(f"kill {k.number}: claims check failed on the killed file")
        if k.left_alive:
            problems.append(f"kill {k.number}: {k.left_alive} process(es) left alive")
        if not k.port_refused:
            problems.append(f"kill {k.number}: the port still accepted connections")
    if len(done_kills) != kills:
        problems.append(f"only {len(done_kills)} of {kills} kills happened")
    if leftover:
        problems.append(f"{len(leftover)} process(es) still name the database after the run: {leftover}")
    by_mark = Counter(row[2] for row in rows)
    lat = outcome.latencies or [0.0]
    return {
        "clients": clients,
        "posts": total,
        "claims": len(ids),
        "kills": [asdict(k) for k in done_kills],
        "answered_201": sum(1 for _ in outcome.latencies),
        "stored": len(rows),
        "distinct_markers_stored": len(by_mark),
        "duplicated": sum(1 for n in by_mark.values() if n > 1),
        "lost": len([n for n, eid in outcome.accepted.items() if eid not in {r[0] for r in rows}]),
        "unanswered": sum(retries.unanswered.values()),
        "unanswered_landed": sum(retries.landed.values()),
        "resent": retries.resent,
        "refused": retries.refused,
        "unresolved": retries.unresolved,
        "answers": dict(sorted(outcome.statuses.items())),
        "seconds": round(outcome.seconds, 2),
        "posts_per_second": round(len(outcome.accepted) / outcome.seconds, 1) if outcome.seconds else 0.0,
        "latency_ms": {q: round(v * 1000, 1) for q, v in
                       (("p50", percentile(lat, 50)), ("p99", percentile(lat, 99)), ("max", max(lat)))},
        "final_check": final_check,
        "problems": problems,
    }


def table(result: dict[str, object]) -> str:
    """The kills as a Markdown table."""
    lines = ["| kill | at answered posts | at (s) | unanswered | landed | re-sent | left alive | port "
             "| check | down (s) |", "|---:|---:|---:|---:|---:|---:|---|---|---|---:|"]
    for k in result["kills"]:  # type: ignore[attr-defined]
        port = "refused" if k["port_refused"] else "OPEN"
        lines.append(f"| {k['number']} | {k['answered_at_kill']:,} | {k['at_seconds']:.1f} "
                     f"| {k['unanswered']} | {k['landed']} | {k['unanswered'] - k['landed']} "
                     f"| {k['left_alive']} of {k['descendants']} | {port} "
                     f"| {'pass' if k['check_ok'] else 'FAIL'} | {k['down_seconds']:.1f} |")
    return "\n".join(lines)


def summary(result: dict[str, object]) -> str:
    kills = result["kills"]
    assert isinstance(kills, list)
    return (f"{len(kills)} kills during {result['posts']:,} posts from {result['clients']} clients: "
            f"{result['lost']} lost and {result['duplicated']} duplicated "
            f"({result['distinct_markers_stored']:,} of {result['posts']:,} posts stored, each once); "
            f"{result['unanswered']} posts unanswered at a kill, {result['unanswered_landed']} of them had "
            f"landed and {result['resent']} were re-sent; {result['refused']} refused connections retried; "
            f"claims check passed after {sum(k['check_ok'] for k in kills)}/{len(kills)} kills and "
            f"{'at' if result['final_check'] else 'FAILED at'} the end; "
            f"{sum(k['left_alive'] for k in kills)} processes left alive after the kills")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    load_arguments(parser, total=6000)
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--seed", type=int, default=3, help="seed of the kill points")
    parser.add_argument("--write-readme", action="store_true", help="record the results in bench/README.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="claims-kills-") as folder:
        db = seeded_copy(args.db, Path(folder))
        result = run_kills(db, clients=args.clients, total=args.total, kills=args.kills, seed=args.seed,
                           write_rate=args.write_rate, write_burst=args.write_burst)
    lat = result["latency_ms"]
    assert isinstance(lat, dict)
    head = (f"{result['clients']} clients posted {result['posts']:,} pieces of evidence to "
            f"{result['claims']} claims in {result['seconds']} s ({result['posts_per_second']} posts/s, "
            f"kills included); posts answered 201: p50 {lat['p50']:.0f} ms, p99 {lat['p99']:.0f} ms, "
            f"max {lat['max']:.0f} ms. "
            f"Answers: {result['answers']}.")
    problems = result["problems"]
    assert isinstance(problems, list)
    text = f"{head}\n\n{table(result)}\n\n**{summary(result)}.**"
    if problems:
        text += "\n\nProblems:\n" + "\n".join(f"- {problem}" for problem in problems)
    print(json.dumps(result, indent=2) if args.json else text)
    if args.write_readme:
        command = (f"`.venv/bin/python bench/server_kills.py --clients {args.clients} --total {args.total} "
                   f"--kills {args.kills} --seed {args.seed} --write-readme`")
        what = "\n\n".join((__doc__ or "").split("\n\n")[2:5]).strip()
        write_readme(f"{command}. {what}\n\n{text}\n\n{READING}", heading=README_HEADING)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
