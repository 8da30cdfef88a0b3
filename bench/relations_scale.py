"""Benchmark: relation detection and status computation as evidence grows (1k, 10k, 100k, 1M rows).

Usage: .venv/bin/python bench/relations_scale.py [--sizes 1000 10000 100000 1000000] [--json]
Each size runs in a fresh process, so the peak resident memory it reports is that size's alone.
Claims come in groups of one subject and metric (about 20 rival figures per group, ten pieces of
evidence per claim on average, values drawn around a few centres so that groups hold both agreement
and contradiction), which is what grouping makes O(n log n): no claim is compared outside its group.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from claims.quantities import Quantity  # noqa: E402
from claims.relations import ClaimFacts, detect_relations  # noqa: E402
from claims.status import EvidenceFacts, compute_status  # noqa: E402

EVIDENCE_PER_CLAIM = 10
CLAIMS_PER_GROUP = 20
PARTIES = [f"party-{i}" for i in range(400)]


def build(evidence_rows: int, seed: int = 11) -> tuple[list[ClaimFacts], dict[str, list[EvidenceFacts]]]:
    """Synthetic claims and evidence with ``evidence_rows`` pieces of evidence in all."""
    rng = random.Random(seed)
    claims: list[ClaimFacts] = []
    evidence: dict[str, list[EvidenceFacts]] = defaultdict(list)
    n_claims = max(1, evidence_rows // EVIDENCE_PER_CLAIM)
    for i in range(n_claims):
        group = i // CLAIMS_PER_GROUP
        centre = [1000.0, 2048.0, 50000.0][rng.randrange(3)] * (1 + group % 7)
        value = round(centre * rng.uniform(0.97, 1.03), -1)
        cid = f"c{i:07d}"
        claims.append(
            ClaimFacts(
                cid,
                f"subject-{group}",
                "gpu_count",
                Quantity(value, unit="GPU", precision=10.0),
                hypothetical_only=rng.random() < 0.02,
            )
        )
    for j in range(evidence_rows):
        cid = f"c{j % n_claims:07d}"
        evidence[cid].append(EvidenceFacts(f"e{j}", cid, (rng.choice(PARTIES),)))
    return claims, evidence


def measure(evidence_rows: int) -> dict[str, float]:
    """Time detection and statuses for one size, in this process."""
    claims, evidence = build(evidence_rows)
    t0 = time.perf_counter()
    relations = detect_relations(claims)
    t1 = time.perf_counter()
    by_claim: dict[str, list] = defaultdict(list)
    for rel in relations:
        by_claim[rel.a].append(rel)
        by_claim[rel.b].append(rel)
    labels = {c.id: c.id for c in claims}
    cache: dict = {}
    statuses = [
        compute_status(
            c.id,
            evidence=evidence[c.id],
            relations=by_claim[c.id],
            evidence_by_claim=evidence,
            labels=labels,
            cache=cache,
        ).status
        for c in claims
    ]
    t2 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "evidence": evidence_rows,
        "claims": len(claims),
        "relations": len(relations),
        "disputed": statuses.count("disputed"),
        "detect_s": round(t1 - t0, 3),
        "status_s": round(t2 - t1, 3),
        "total_s": round(t2 - t0, 3),
        "peak_mb": round(peak_mb, 1),
    }


def growth_exponent(points: list[tuple[float, float]]) -> float | None:
    """The slope of log(time) against log(size), least squares: 1.0 is linear, 2.0 quadratic.

    >>> round(growth_exponent([(1e3, 0.01), (1e4, 0.1), (1e5, 1.0)]), 3)
    1.0
    """
    pts = [(math.log(n), math.log(t)) for n, t in points if n > 0 and t > 0]
    if len(pts) < 2:
        return None
    mx, my = sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return
    results = []
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size)], capture_output=True, text=True, check=True
        )
        results.append(json.loads(out.stdout))
        if not args.json:
            r = results[-1]
            print(
                f"{r['evidence']:>9,} evidence  {r['claims']:>8,} claims  {r['relations']:>9,} relations  "
                f"detect {r['detect_s']:>7.2f}s  status {r['status_s']:>7.2f}s  peak {r['peak_mb']:>7.1f} MB"
            )
    big = [r for r in results if r["evidence"] >= 10_000] or results
    summary = {
        "sizes": results,
        "exponent_total": growth_exponent([(r["evidence"], r["total_s"]) for r in big]),
        "exponent_detect": growth_exponent([(r["evidence"], r["detect_s"]) for r in big]),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"growth exponent (10k rows and up): total {summary['exponent_total']:.2f}, "
            f"detection {summary['exponent_detect']:.2f}  (1 = linear, 2 = quadratic)"
        )


if __name__ == "__main__":
    main()
