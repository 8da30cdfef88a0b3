"""The `claims` command end to end on a real database: export formats and status."""

import csv
import io
import json
import subprocess
import sys

import networkx as nx
import pytest

from tests.databases import cli_env, url_for


def run(db, *args, check=True):
    result = subprocess.run([sys.executable, "-m", "claims.cli", "--db", str(db), *args],
                            capture_output=True, text=True, timeout=120, env=cli_env(db))
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_mentions_export_has_every_contract_field(seeded_db):
    rows = [json.loads(line) for line in run(seeded_db, "export", "--format", "mentions").stdout.splitlines()]
    fields = {
        "source", "start", "end", "quote", "value_text", "value", "value_max", "unit", "qualifier", "subject",
        "metric", "asserted_by", "hypothetical", "claim_id", "status", "contradicts",
    }
    assert len(rows) > 100
    assert all(fields <= row.keys() for row in rows)
    assert {r["status"] for r in rows} <= {"unverified", "corroborated", "disputed", "refuted"}
    by_claim = {r["claim_id"] for r in rows}
    assert all(set(r["contradicts"]) <= by_claim | set(r["contradicts"]) for r in rows)


def test_graphml_and_gexf_read_back_with_networkx(seeded_db, tmp_path):
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        out = tmp_path / f"g.{fmt}"
        run(seeded_db, "export", "--format", fmt, "--output", str(out))
        graph = reader(out)
        kinds = {data.get("type") for _, data in graph.nodes(data=True)}
        assert {"claim", "source", "entity"} <= kinds
        assert any(data.get("relation") == "contradicts" for *_, data in graph.edges(data=True))


def test_json_export_is_node_link_data(seeded_db):
    data = json.loads(run(seeded_db, "export", "--format", "json").stdout)
    graph = nx.node_link_graph(data, edges="links")
    assert graph.number_of_nodes() == len(data["nodes"]) > 100


def test_csv_export_lists_each_claim_once(seeded_db):
    rows = list(csv.DictReader(io.StringIO(run(seeded_db, "export", "--format", "csv").stdout)))
    assert len({r["claim_id"] for r in rows}) == len(rows) > 50
    assert any(r["status"] == "disputed" for r in rows)


def test_status_shows_reasons_and_evidence(seeded_db):
    rows = [json.loads(line) for line in run(seeded_db, "export", "--format", "mentions").stdout.splitlines()]
    disputed = next(r for r in rows if r["status"] == "disputed" and r["metric"] == "gpu_count")
    text = run(seeded_db, "status", disputed["claim_id"]).stdout
    assert "Status: DISPUTED" in text and "Contradicted by" in text and disputed["quote"][:40] in text
    view = json.loads(run(seeded_db, "status", disputed["claim_id"], "--json").stdout)
    assert view["status"] == "disputed" and view["reasons"] and view["evidence"]


def test_status_of_an_unknown_claim_is_a_clear_error(seeded_db):
    result = run(seeded_db, "status", "c-nope", check=False)
    assert result.returncode == 2 and "No claim with id 'c-nope'" in result.stderr


@pytest.mark.parametrize("fmt", ["mentions", "csv"])
def test_database_url_environment_variable_overrides_db(seeded_db, tmp_path, fmt):
    env_url = url_for(seeded_db)
    result = subprocess.run(
        [sys.executable, "-m", "claims.cli", "--db", str(tmp_path / "other.db"), "export", "--format", fmt],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "CLAIMS_DATABASE_URL": env_url},
    )
    assert result.returncode == 0 and len(result.stdout.splitlines()) > 50


@pytest.mark.parametrize(("args", "env", "message"), [
    (["--view-cache-bytes", "-1"], {}, "view-cache-bytes must not be negative, not -1"),
    ([], {"CLAIMS_VIEW_CACHE_BYTES": "lots"}, "CLAIMS_VIEW_CACHE_BYTES must be a whole number, not 'lots'"),
    (["--write-rate", "-2"], {}, "write-rate must not be negative, not -2.0"),
])
def test_serve_refuses_bad_limits_before_starting(tmp_path, args, env, message):
    db = tmp_path / "c.db"
    result = subprocess.run([sys.executable, "-m", "claims.cli", "--db", str(db), "serve", *args],
                            capture_output=True, text=True, timeout=60, env=cli_env(db) | env)
    assert result.returncode == 2 and f"error: {message}" in result.stderr
