"""Benchmark: extraction of the five seed articles after start-up (issue 3 target: under 1 second).

Usage: .venv/bin/python bench/extract_seeds.py [--repeat 7]
Prints start-up time (building the spaCy pipeline and rules), then the median, best and worst
time of one pass over the seeds (read + extract, no database), and words per second.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    from ingest.documents import read_document
    from ingest.extract import Extractor

    extractor = Extractor()
    startup = time.perf_counter() - started
    paths = sorted((ROOT / "seeds").glob("*.txt"))
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in paths)
    timings, mentions = [], 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        docs = [read_document(p) for p in paths]
        mentions = sum(len(m) for m in extractor.extract_many(docs))
        timings.append(time.perf_counter() - t0)
    result = {
        "documents": len(paths), "words": words, "mentions": mentions, "startup_s": round(startup, 3),
        "median_s": round(statistics.median(timings), 4), "best_s": round(min(timings), 4),
        "worst_s": round(max(timings), 4), "words_per_s": round(words / statistics.median(timings)),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>12}: {value}")


if __name__ == "__main__":
    main()
