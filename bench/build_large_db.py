"""Build a large claims database for the read-path benchmarks: 100,000 claims, 1,000,000 pieces of evidence.

Usage: .venv/bin/python bench/build_large_db.py [--claims 100000] [--evidence 1000000] [--out FILE]
(default FILE: bench/out/large.db)

Documents are written from sentence templates (a speaker, a subject, a metric phrase, a figure) so that every
piece of evidence quotes a real sentence of its source: quote == text[start:end], and the figure's offsets
point at the figure. Everything goes in through our store (``record_document``: the same Core bulk inserts
ingest uses), then relations, statuses and the search index are computed by our own code (``refresh``,
``reindex_search``), exactly as after an ingest. Claims come in groups of one subject and metric (25 rival
figures per group, values a few per cent apart, so groups hold corroboration and contradiction).

The file is cached: a second run with the same parameters reuses it (``--force`` rebuilds).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from claims.analysis import refresh  # noqa: E402
from claims.db import init_db, make_engine, session_scope  # noqa: E402
from claims.quantities import Quantity  # noqa: E402
from claims.records import Document, Mention  # noqa: E402
from claims.store import corpus_counts, ensure_vocabulary, record_document, reindex_search  # noqa: E402
from claims.vocabulary import default_vocabulary  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
VERSION = 3  # bump when the generated data changes, so cached databases are rebuilt
CLAIMS_PER_GROUP = 25
SENTENCES_PER_DOC = 100
# metric, unit, phrase before the figure, how the figure is written, centre values
METRICS = [
    ("gpu_count", "GPU", "has", "{v:,.0f} GPUs", (2048, 10_000, 50_000)),
    ("training_cost", "USD", "spent", "${m:.1f} million", (5.6e6, 100e6, 500e6)),
    ("api_price", "USD/1M tokens", "charges", "${v:.2f} per million tokens", (0.55, 2.19, 15.0)),
    (
        "parameters_total",
        "parameters",
        "built a model with",
        "{b:.0f} billion parameters",
        (67e9, 236e9, 671e9),
    ),
    ("capex", "USD", "plans capital spending of", "${g:.1f} billion", (10e9, 60e9, 80e9)),
    ("market_cap_loss", "USD", "lost", "${g:.1f} billion in market value", (100e9, 300e9, 590e9)),
    ("gpu_hours", "GPU hours", "used", "{v:,.0f} GPU hours", (2.788e6, 5e6, 30e6)),
    ("stock_change", "%", "saw its shares move", "{v:.1f}%", (-17.0, -8.0, 3.0)),
]
FIRST = [
    "Mara",
    "Tomas",
    "Priya",
    "Chen",
    "Ada",
    "Jonas",
    "Lena",
    "Dylan",
    "Nathan",
    "Ben",
    "Sofia",
    "Kenji",
    "Amara",
    "Lucas",
    "Ines",
    "Omar",
    "Hana",
    "Pavel",
    "Noor",
    "Rafael",
]
LAST = [
    "Okafor",
    "Lindqvist",
    "Raman",
    "Yu",
    "Moreau",
    "Weber",
    "Ortiz",
    "Patel",
    "Lambert",
    "Thompson",
    "Rossi",
    "Tanaka",
    "Mensah",
    "Silva",
    "Haddad",
    "Novak",
    "Kim",
    "Ferreira",
    "Aziz",
    "Dubois",
]
VERBS = ["said", "estimated", "wrote", "told reporters", "argued"]
QUALIFIERS = ["", "", "", "about ", "roughly "]


def _figure(template: str, value: float) -> str:
    return template.format(v=value, m=value / 1e6, b=value / 1e9, g=value / 1e9)


def claim_specs(n_claims: int, rng: random.Random) -> list[tuple[str, int, float]]:
    """(subject, metric index, value) of each claim: groups of 25 rival figures on one subject and metric."""
    n_groups = max(1, n_claims // CLAIMS_PER_GROUP)
    specs = []
    centres: dict[int, list[float]] = {}
    for i in range(n_claims):
        group = i // CLAIMS_PER_GROUP % n_groups
        subject, metric = f"Lab {group // len(METRICS):04d}", group % len(METRICS)
        if group not in centres:  # most questions have one accepted figure, a third have a rival one
            options = METRICS[metric][4]
            centres[group] = rng.sample(options, 2 if rng.random() < 0.3 else 1)
        centre = rng.choice(centres[group])
        value = centre * (1 + 0.001 * (i % CLAIMS_PER_GROUP))
        specs.append((subject, metric, round(value) if METRICS[metric][1] in ("GPU", "GPU hours") else value))
    return specs


def documents(n_claims: int, n_evidence: int, seed: int = 13):  # type: ignore[no-untyped-def]
    """(document, mentions) pairs holding ``n_evidence`` mentions of ``n_claims`` claims in all."""
    rng = random.Random(seed)
    specs = claim_specs(n_claims, rng)
    people = [f"{f} {last}" for f in FIRST for last in LAST]
    order = list(range(n_evidence))
    rng.shuffle(order)
    for d in range(0, n_evidence, SENTENCES_PER_DOC):
        parts: list[str] = [f"Large corpus article {d // SENTENCES_PER_DOC}\n\n"]
        offset = len(parts[0])
        mentions = []
        for j in order[d : d + SENTENCES_PER_DOC]:
            subject, m, value = specs[j % n_claims]
            metric, unit, phrase, template, _ = METRICS[m]
            qualifier = rng.choice(QUALIFIERS)
            speaker = rng.choice(people) if rng.random() < 0.5 else "author"
            figure = qualifier + _figure(template, value)
            lead = f"{speaker} {rng.choice(VERBS)} that " if speaker != "author" else ""
            sentence = f"{lead}{subject} {phrase} {figure}."
            sentence = sentence[0].upper() + sentence[1:]
            vstart = offset + sentence.index(figure)
            hedge = "reportedly" if rng.random() < 0.05 else None
            q = Quantity(value, None, unit, qualifier.strip() or None, figure, None)
            mentions.append(
                Mention(
                    start=offset,
                    end=offset + len(sentence),
                    quote=sentence,
                    quantity=q,
                    subject=subject,
                    metric=metric,
                    value_start=vstart,
                    value_end=vstart + len(figure),
                    value_text=figure,
                    asserted_by=speaker,
                    hedge=hedge,
                    stance="disputes" if rng.random() < 0.03 else "supports",
                )
            )
            parts.append(sentence + " ")
            offset += len(sentence) + 1
        text = "".join(parts)
        name = f"large_{d // SENTENCES_PER_DOC:06d}.txt"
        author = rng.choice(people)
        doc = Document(
            name=name,
            text=text,
            origin=f"bench/{name}",
            title=f"Large corpus article {d // 100}",
            author=author,
            published=f"2025-{1 + d % 12:02d}-{1 + d % 28:02d}",
        )
        yield doc, mentions


def build(path: Path, n_claims: int, n_evidence: int, *, log=print) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Write the database at ``path`` and return how long each step took."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    vocabulary = default_vocabulary()
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    timings: dict[str, object] = {
        "claims_wanted": n_claims,
        "evidence_wanted": n_evidence,
        "version": VERSION,
    }
    t0 = time.perf_counter()
    with session_scope(engine) as session:
        ensure_vocabulary(session, vocabulary=vocabulary)
    touched: set[str] = set()
    batch: list[tuple[Document, list[Mention]]] = []

    def flush() -> None:
        with session_scope(engine) as session:
            for doc, mentions in batch:
                result = record_document(session, document=doc, mentions=mentions, vocabulary=vocabulary)
                touched.update(result.claims_touched)
        batch.clear()

    for k, pair in enumerate(documents(n_claims, n_evidence), 1):
        batch.append(pair)
        if len(batch) == 200:
            flush()
            if k % 2000 == 0:
                log(f"  {k * SENTENCES_PER_DOC:,} evidence rows stored ({time.perf_counter() - t0:.0f}s)")
    flush()
    t1 = time.perf_counter()
    with session_scope(engine) as session:
        outcome = refresh(session, vocabulary=vocabulary)
    t2 = time.perf_counter()
    with session_scope(engine) as session:
        reindex_search(session, claim_ids=touched)
    t3 = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    with session_scope(engine) as session:
        counts = corpus_counts(session)
    engine.dispose()
    timings.update(
        {
            "store_s": round(t1 - t0, 1),
            "refresh_s": round(t2 - t1, 1),
            "reindex_s": round(t3 - t2, 1),
            "relations": outcome.relations_added,
            "counts": counts,
            "size_mb": round(path.stat().st_size / 2**20, 1),
        }
    )
    return timings


def _ensure_indexes(path: Path) -> None:
    """Indexes added to the models since the database was built (create_all leaves existing tables alone)."""
    from sqlmodel import SQLModel  # noqa: PLC0415

    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        existing = {
            row[0] for row in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        missing = [
            ix for table in SQLModel.metadata.sorted_tables for ix in table.indexes if ix.name not in existing
        ]
        for index in missing:
            index.create(conn)
        if missing:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def ensure(
    path: Path, n_claims: int, n_evidence: int, *, force: bool = False, log=print
) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The cached database at ``path`` (built when missing, stale or ``force``), with its build record."""
    meta_path = Path(f"{path}.json")
    if not force and path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if (meta.get("claims_wanted"), meta.get("evidence_wanted"), meta.get("version")) == (
            n_claims,
            n_evidence,
            VERSION,
        ):
            _ensure_indexes(path)
            return meta | {"cached": True}
    log(f"building {path} ({n_claims:,} claims, {n_evidence:,} evidence)")
    meta = build(path, n_claims, n_evidence, log=log)
    meta_path.write_text(json.dumps(meta, indent=1))
    return meta | {"cached": False}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--evidence", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=OUT / "large.db")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    print(json.dumps(ensure(args.out, args.claims, args.evidence, force=args.force), indent=1))


if __name__ == "__main__":
    main()
