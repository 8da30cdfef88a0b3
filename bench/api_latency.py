"""Benchmark: API latency and throughput with wrk against `claims serve` on loopback, and its ceiling.

Usage: .venv/bin/python bench/api_latency.py [--db bench/out/large.db] [--seconds 10] [--json]

Starts `claims serve` on 127.0.0.1 over the large database (bench/build_large_db.py) and a bare FastAPI app
returning a constant JSON body (bench/bare_app.py) on the same server settings, then drives both with wrk
(installed with apt-get when missing and running as root):
  claim       GET /api/claims/{id}, a Lua script rotating over 2,000 random claim ids
  claim_cached  the same once each id has been requested (one timed pass): the server's view cache answers
  claim_nocache  the same rotation against a server started with --view-cache-bytes 0: every view built
  bare        GET /api/bare, the ceiling
  list, filter by status / metric / subject, search (q=...): GET /api/claims?...
Latency (p50, p99) is measured with one connection (each request's own time); throughput with
--connections connections (the server is one process, so more connections only queue).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def ensure_wrk() -> str | None:
    """The path of wrk, installing the Debian package when it is missing and we may (root, apt-get)."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], capture_output=True, check=False)
    return shutil.which("wrk")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout}s")


def parse_wrk(output: str) -> dict[str, float | int | None]:
    """p50 and p99 in milliseconds, requests per second and error count from wrk --latency output.

    >>> parse_wrk("  Latency Distribution\\n     50%  812.00us\\n     99%    2.10ms\\n"
    ...           "  1000 requests in 1.00s\\nRequests/sec:   1000.50\\n")
    {'p50_ms': 0.812, 'p99_ms': 2.1, 'rps': 1000.5, 'errors': 0, 'requests': 1000}
    """

    def latency(pct: str) -> float | None:
        m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        return round(float(m.group(1)) * UNITS[m.group(2)], 3) if m else None

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    requests = re.search(r"(\d+) requests in", output)
    socket_errors = re.search(r"Socket errors:(.*)$", output, re.M)
    errors = sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1))) if socket_errors else 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "rps": float(rps.group(1)) if rps else None,
        "errors": errors + (int(non2xx.group(1)) if non2xx else 0),
        "requests": int(requests.group(1)) if requests else 0,
    }


def run_wrk(
    wrk: str, url: str, *, seconds: int, connections: int, script: Path | None = None
) -> dict[str, object]:
    cmd = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(out) | {"connections": connections, "seconds": seconds}


def rotating_script(ids: list[str], folder: Path) -> Path:
    """A wrk Lua script requesting GET /api/claims/{id} for each id in turn."""
    path = folder / "claims.lua"
    quoted = ",".join(f'"{i}"' for i in ids)
    path.write_text(
        f"ids = {{{quoted}}}\ncounter = 0\n"
        "request = function()\n  counter = counter + 1\n"
        '  return wrk.format("GET", "/api/claims/" .. ids[(counter % #ids) + 1])\nend\n'
    )
    return path


def request_each(base: str, ids: list[str]) -> dict[str, object]:
    """GET /api/claims/{id} once for each id, one at a time: p50 and p99 in milliseconds."""
    times = []
    for claim_id in ids:
        start = time.perf_counter()
        with urllib.request.urlopen(f"{base}/api/claims/{claim_id}", timeout=30) as response:
            response.read()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "p50_ms": round(times[len(times) // 2], 3),
        "p99_ms": round(times[min(len(times) - 1, len(times) * 99 // 100)], 3),
        "requests": len(times),
    }


def sample(db: Path) -> dict[str, object]:
    """Random claim ids and filter values taken from the database itself."""
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM claim ORDER BY random() LIMIT 2300")]
        subject = conn.execute(
            "SELECT subject_id FROM claim GROUP BY subject_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
        name = conn.execute("SELECT name FROM entity WHERE id = ?", (subject,)).fetchone()[0]
    return {"ids": ids[:2000], "fresh_ids": ids[2000:], "subject": subject, "subject_name": name}


def start(cmd: list[str], port: int, probe: str) -> subprocess.Popen:  # type: ignore[type-arg]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        wait_ready(f"http://127.0.0.1:{port}{probe}", process)
    except Exception:
        process.kill()
        raise
    return process


def stop(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def serve_claims(db: Path, port: int, *flags: str) -> subprocess.Popen:  # type: ignore[type-arg]
    """`claims serve` over ``db`` on 127.0.0.1:``port`` with the given extra flags, once it answers."""
    command = [str(BIN / "claims"), "--db", str(db), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning", *flags]
    return start(command, port, "/api/claims?per_page=1")


def run(db: Path, seconds: int, connections: int) -> dict[str, object]:
    wrk = ensure_wrk()
    if wrk is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    picked = sample(db)
    results: dict[str, object] = {"db": str(db), "wrk": wrk, "subject": picked["subject"]}
    with tempfile.TemporaryDirectory() as scratch:
        script = rotating_script(picked["ids"], Path(scratch))  # type: ignore[arg-type]
        port = free_port()
        server = serve_claims(db, port)
        base = f"http://127.0.0.1:{port}"
        try:
            run_wrk(wrk, base, seconds=2, connections=connections, script=script)  # warm the page cache
            results["claim"] = run_wrk(wrk, base, seconds=seconds, connections=1, script=script)
            results["claim_load"] = run_wrk(
                wrk, base, seconds=seconds, connections=connections, script=script
            )
            # The runs above mix first requests of an id (built from the database) with repeats (from
            # the server's cache of claim views, kept until the next write). Apart: 300 other ids, each
            # requested once (every one built), then the 2,000 once every one has been requested.
            results["claim_first"] = request_each(base, picked["fresh_ids"])  # type: ignore[arg-type]
            request_each(base, picked["ids"])  # type: ignore[arg-type]
            results["claim_cached"] = run_wrk(wrk, base, seconds=seconds, connections=1, script=script)
            results["claim_cached_load"] = run_wrk(
                wrk, base, seconds=seconds, connections=connections, script=script
            )
            queries = {
                "list": "/api/claims",
                "filter_status": "/api/claims?status=disputed",
                "filter_metric": "/api/claims?metric=gpu_count",
                "filter_subject": f"/api/claims?subject={picked['subject']}",
                "search": "/api/claims?q=" + urllib.request.quote(str(picked["subject_name"])),
                "search_broad": "/api/claims?q=GPUs",
            }
            results["queries"] = {
                name: run_wrk(wrk, base + path, seconds=max(3, seconds // 2), connections=1) | {"path": path}
                for name, path in queries.items()
            }
        finally:
            stop(server)
        # The same rotation with the view cache off: every request builds the claim's view from the database.
        port = free_port()
        server = serve_claims(db, port, "--view-cache-bytes", "0")
        base = f"http://127.0.0.1:{port}"
        try:
            run_wrk(wrk, base, seconds=2, connections=connections, script=script)
            results["claim_nocache"] = run_wrk(wrk, base, seconds=seconds, connections=1, script=script)
            results["claim_nocache_load"] = run_wrk(
                wrk, base, seconds=seconds, connections=connections, script=script
            )
        finally:
            stop(server)
        port = free_port()
        bare = start(
            [sys.executable, str(ROOT / "bench" / "bare_app.py"), "--port", str(port)], port, "/api/bare"
        )
        try:
            url = f"http://127.0.0.1:{port}/api/bare"
            run_wrk(wrk, url, seconds=2, connections=connections)
            results["bare"] = run_wrk(wrk, url, seconds=seconds, connections=1)
            results["bare_load"] = run_wrk(wrk, url, seconds=seconds, connections=connections)
        finally:
            stop(bare)
    claim_rps, bare_rps = results["claim_load"]["rps"], results["bare_load"]["rps"]  # type: ignore[index]
    results["claim_vs_bare"] = round(claim_rps / bare_rps, 3) if claim_rps and bare_rps else None
    for key in ("claim_cached", "claim_nocache"):
        rps = results[f"{key}_load"]["rps"]  # type: ignore[index]
        results[f"{key}_vs_bare"] = round(rps / bare_rps, 3) if rps and bare_rps else None
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "large.db")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"{args.db} does not exist: run bench/build_large_db.py first")
    results = run(args.db, args.seconds, args.connections)
    print(json.dumps(results, indent=None if args.json else 1))


if __name__ == "__main__":
    main()
