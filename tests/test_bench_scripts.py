"""The benchmark scripts' own logic, not their timings: deterministic corpora, real quotes, report parsing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run_all  # noqa: E402
from bench.api_latency import parse_wrk  # noqa: E402
from bench.build_large_db import claim_specs, documents  # noqa: E402
from bench.corpus import generate  # noqa: E402
from bench.relations_scale import growth_exponent  # noqa: E402


def test_corpus_is_deterministic_per_seed_and_varies_between_seeds() -> None:
    first = list(generate(4, seed=3))
    assert first == list(generate(4, seed=3))
    assert first != list(generate(4, seed=4))
    assert len({text for _, text in first}) == 4


def test_large_db_quotes_are_slices_of_their_source() -> None:
    pairs = list(documents(200, 1000))
    assert sum(len(m) for _, m in pairs) == 1000
    for doc, mentions in pairs:
        for m in mentions:
            assert doc.text[m.start:m.end] == m.quote
            assert doc.text[m.value_start:m.value_end] == m.value_text


def test_large_db_claims_are_distinct_rival_figures() -> None:
    import random

    specs = claim_specs(500, random.Random(1))
    assert len(set(specs)) == 500
    assert len({(s, m) for s, m, _ in specs}) == 500 // 25


def test_wrk_output_is_read_in_milliseconds_with_errors() -> None:
    out = ("  Latency Distribution\n     50%  812.00us\n     75%    1.00ms\n     99%    1.20s \n"
           "  2000 requests in 2.00s, 1.00MB read\n  Socket errors: connect 0, read 2, write 0, timeout 1\n"
           "  Non-2xx or 3xx responses: 4\nRequests/sec:   1000.00\n")
    assert parse_wrk(out) == {"p50_ms": 0.812, "p99_ms": 1200.0, "rps": 1000.0, "errors": 7, "requests": 2000}


def test_growth_exponent_tells_linear_from_quadratic() -> None:
    linear = growth_exponent([(n, n * 1e-5) for n in (1e3, 1e4, 1e5, 1e6)])
    quadratic = growth_exponent([(n, n * n * 1e-9) for n in (1e3, 1e4, 1e5)])
    assert linear is not None and abs(linear - 1) < 1e-9
    assert quadratic is not None and abs(quadratic - 2) < 1e-9


def test_readme_table_is_rewritten_between_markers_only(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    readme = tmp_path / "README.md"
    readme.write_text(f"# Bench\n\n{run_all.START}\nold table\n{run_all.END}\n\n## Faults: kept\n")
    monkeypatch.setattr(run_all, "README", readme)
    results = {
        "machine": {"date": "d", "nproc": 2, "cpu": "cpu", "python": "3.11", "load_at_start": 1.0},
        "ingest": {"words": 1000, "tokenizer_wps": 400_000, "small_wps": None, "small_pipeline": None,
                   "extract_wps": 150_000, "extract_vs_tokenizer": 0.375, "ingest_wps": 120_000,
                   "ingest_vs_tokenizer": 0.3, "parallel_wps": None, "workers": 2},
        "relations": {"sizes": [{"evidence": 1_000_000, "claims": 100_000, "relations": 5, "detect_s": 20.0,
                                 "total_s": 50.0, "peak_mb": 1500.0}],
                      "exponent_total": 1.1, "exponent_detect": 1.0},
    }
    run_all.write_readme(results)
    text = readme.read_text()
    assert "old table" not in text and "## Faults: kept" in text
    assert "not installed" in text
    # ingest (both of its rows), relations at 1M rows and their growth exponent
    assert "120,000 words/s" in text and text.count("**pass**") == 4 and "**FAIL**" not in text
    share = next(line for line in text.splitlines() if "share of the tokenizer" in line)
    assert "| 0.300 |" in share and "**pass**" in share
    # the two one-process targets are judged apart: 100,000 words/s met, a quarter of the tokenizer missed
    results["ingest"] |= {"tokenizer_wps": 1_600_000, "ingest_vs_tokenizer": 0.075}  # type: ignore[operator]
    run_all.write_readme(results)
    lines = [line for line in readme.read_text().splitlines() if "ingest, 1 process" in line]
    assert ["**pass**" in line for line in lines] == [True, False]
    assert "share of the tokenizer" in lines[1] and "| 0.075 |" in lines[1] and "**FAIL**" in lines[1]


def test_timed_ingest_runs_start_with_the_memo_caches_empty() -> None:
    from bench.ingest_throughput import cold_caches
    from claims.quantities import parse_quantity, qualifier_of
    from claims.status import origins_of
    from claims.vocabulary import noun_unit

    parse_quantity("$5.6M"), qualifier_of("about"), noun_unit("GPUs"), origins_of("Ben", source_label="s")
    memos = (parse_quantity, qualifier_of, noun_unit, origins_of)
    assert all(memo.cache_info().currsize > 0 for memo in memos)
    cold_caches()
    assert all(memo.cache_info().currsize == 0 for memo in memos)


def test_storage_floor_inserts_every_row_an_ingest_stores(  # type: ignore[no-untyped-def]
    seeded_template: Path, sqlite_only, tmp_path: Path
) -> None:
    """bench/ingest_budget.py's floor of storing re-inserts exactly the rows of a real ingest (every table an
    ingest fills, nothing left out) into a fresh database of the same schema."""
    import sqlite3

    from bench.ingest_budget import TABLES, insert_floor, stored_rows
    from claims.db import init_db, make_engine

    con = sqlite3.connect(seeded_template)
    tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    filled = {t for t in tables if con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]}  # noqa: S608
    con.close()
    shadow = {f"claim_fts_{part}" for part in ("data", "idx", "content", "docsize", "config")}
    assert filled - shadow - {"alembic_version"} == set(TABLES)
    rows = stored_rows(seeded_template)
    assert sum(len(values) for _, values in rows.values()) > 500
    engine = make_engine(f"sqlite:///{tmp_path / 'floor.db'}")
    init_db(engine)
    engine.dispose()
    assert insert_floor(rows, tmp_path / "floor.db") > 0
    assert stored_rows(tmp_path / "floor.db") == rows
    con = sqlite3.connect(tmp_path / "floor.db")  # its full-text index answers as the source's does
    hits = con.execute("SELECT count(*) FROM claim_fts WHERE claim_fts MATCH 'GPUs'").fetchone()[0]
    con.close()
    assert hits > 0


def test_concurrent_ingest_deals_every_document_to_exactly_one_part(tmp_path: Path) -> None:
    from bench.concurrent_ingest import _parts

    parts, words = _parts(tmp_path, docs=7, count=3)
    names = [p.name for part in parts for p in part.iterdir()]
    assert sorted(names) == sorted(name for name, _ in generate(7, seed=7))
    assert [len(list(part.iterdir())) for part in parts] == [3, 2, 2]
    assert words == sum(len(text.split()) for _, text in generate(7, seed=7))


def test_kill_tree_counts_a_child_that_outlives_its_killed_parent() -> None:
    """bench/faults.py's orphan count: a child that does not follow its parent is found alive after the
    kill (and is then ended here by its pid); a parent without children leaves nothing."""
    import os
    import signal
    import subprocess

    from bench.faults import descendants, kill_tree, survivors

    code = ("import subprocess, time; subprocess.Popen(['sleep', '30']); print('ready', flush=True); "
            "time.sleep(30)")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert parent.stdout is not None and parent.stdout.readline().strip() == b"ready"
    tree = descendants(parent.pid)
    assert len(tree) == 1
    children, orphans, _ = kill_tree(parent, wait=0.3)
    try:
        assert (children, orphans) == (1, 1)
    finally:
        for pid in tree:
            os.kill(pid, signal.SIGKILL)
    assert survivors(tree, wait=5) == []
    lone = subprocess.Popen(["sleep", "30"])
    assert kill_tree(lone, wait=0.3)[:2] == (0, 0)
    parent.stdout.close()


def test_readme_sections_are_replaced_by_their_whole_heading_only(tmp_path: Path) -> None:
    """Two headings sharing a prefix are two sections: rewriting one leaves the other as it was."""
    from bench.faults import README_HEADING, WORKERS_HEADING, write_readme

    readme = tmp_path / "README.md"
    readme.write_text(f"# Bench\n\n{README_HEADING}\n\nold one\n\n{WORKERS_HEADING}\n\nold two\n\n"
                      "## Load\n\nkept\n")
    write_readme("new two", readme, heading=WORKERS_HEADING)
    write_readme("new one", readme)
    write_readme("new three", readme, heading="## Faults: server kills during evidence posts")
    text = readme.read_text()
    assert "old" not in text and text.count(README_HEADING) == 2 and "## Load\n\nkept\n" in text
    assert text.index("new one") < text.index("new two") < text.index("## Load") < text.index("new three")


@pytest.mark.slow
def test_server_kills_lose_and_double_nothing_and_leave_no_process(sqlite_only, seeded_db: Path) -> None:
    """A small bench/server_kills.py run: one SIGKILL of `claims serve` among 150 posts from 10 clients."""
    from bench.server_kills import run_kills

    result = run_kills(seeded_db, clients=10, total=150, kills=1, seed=1, write_rate=1000, write_burst=100)
    assert result["problems"] == []
    assert result["lost"] == result["duplicated"] == 0 and result["distinct_markers_stored"] == 150
    [kill] = result["kills"]  # type: ignore[misc]
    assert kill["port_refused"] and kill["check_ok"] and kill["left_alive"] == 0
    assert result["unanswered_landed"] + result["resent"] == result["unanswered"]


@pytest.mark.slow
def test_backups_under_load_are_whole_consistent_copies(sqlite_only, seeded_db: Path, tmp_path: Path) -> None:
    """A small bench/backups_under_load.py run: two backups while 10 clients post 200 pieces of evidence."""
    from bench.backups_under_load import run_backups

    result = run_backups(seeded_db, tmp_path, clients=10, total=200, backups=2, write_rate=1000,
                         write_burst=100)
    assert result["problems"] == []
    backups = result["backups"]
    assert isinstance(backups, list) and len(backups) == 2
    assert all(b["ok"] and b["before"] <= b["copy"] <= b["after"] for b in backups)


def test_export_scale_measures_each_command_beside_its_ceilings(sqlite_only, seeded_db: Path) -> None:
    """A bench/export_scale.py run on the seeded database: every export and the check run as processes
    of their own, with a wall time and a peak of their own, and the report judges them by the ceilings."""
    from bench.export_scale import report, run

    results = run(seeded_db, formats=("mentions", "claimreview"), log=lambda _: None)
    exports = results["exports"]
    assert set(exports) == {"mentions", "claimreview"} and results["check"]["exit"] == 0
    for figure in [results["plain_read"], results["check"], *exports.values()]:
        assert figure["wall_s"] > 0 and 0 < figure["peak_mb"] < 500
    assert any("Wrote" in line for line in exports["mentions"]["stderr"])
    text = report(results, before=results)
    row = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| `")}
    assert "**pass**" in row["| `claims check`"] and "**pass**" in row["| `export --format claimreview`"]
    assert "2 × plain read" in row["| `export --format mentions`"]  # judged by time too (a tiny database:
    # start-up alone outlasts the plain read, so its verdict is not asserted here)
    too_slow = exports["mentions"] | {"wall_s": 3 * results["plain_read"]["wall_s"]}
    slow = results | {"exports": {"mentions": too_slow}}
    assert "**FAIL**" in report(slow)


@pytest.mark.slow
def test_paths_scale_times_every_user_path_beside_a_bare_endpoint(sqlite_only, seeded_db: Path) -> None:
    """A bench/paths_scale.py run on (a copy of) the seeded database with tiny counts: every path answers
    as it should, each one with cold and timed figures, memory and one ingest; the report judges them."""
    from bench.paths_scale import report, run

    results = run({"seeded": (0, 0, seeded_db)}, requests=3, warmup=1, budget=5, cold=2, articles=1,
                  log=lambda _: None)
    size = results["sizes"][0]
    paths = {p["path"]: p for p in size["paths"]}
    assert {"/", "/api/overview", "/claims/{id}", "/api/graph?focus=claim:{id}&radius=2",
            "POST /api/claims/{id}/evidence"} <= set(paths)
    assert not [p for p in paths.values() if p.get("error")]
    assert all(p["requests"] == 3 and len(p["cold_ms"]) == 2 and p["p50_ms"] > 0 for p in paths.values())
    assert paths["POST /api/claims/{id}/evidence"]["statuses"] == {"201": 6}
    assert size["bare"]["p50_ms"] > 0 and 0 < size["peak_rss_mb"] < 1024
    assert size["ingest"][0]["new"] == 1 and size["ingest"][0]["reported_s"] > 0
    text = report(results)
    assert text.count("| `") == len(paths) and "server peak memory" in text
    slow = dict(paths["/api/overview"], p50_ms=1000.0)
    size["paths"] = [slow if p["path"] == "/api/overview" else p for p in size["paths"]]
    assert "| `/api/overview` |" in report(results) and "**FAIL**" in report(results)
