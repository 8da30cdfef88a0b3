"""`claims eval` reports the same figures as the shared scorer."""

import json
import subprocess
import sys

import pytest

from tests.conftest import DATA, ROOT, SEEDS

SHARED_SCORER = ROOT.parent / "shared" / "eval" / "score_extraction.py"


def test_claims_eval_prints_quantity_and_dispute_figures(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "claims.cli",
            "eval",
            "--gold",
            str(DATA / "seed_claims.jsonl"),
            "--docs",
            str(SEEDS),
            "--disputes",
            str(DATA / "seed_disputes.jsonl"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    ours = json.loads(result.stdout)
    assert ours["gold"] == 159 and ours["quantity_f1"] > 0.9 and ours["disputes_total"] == 11
    if not SHARED_SCORER.exists():
        pytest.skip("the shared scorer is not beside this checkout")
    export = tmp_path / "m.jsonl"
    db = tmp_path / "c.db"
    subprocess.run(
        [sys.executable, "-m", "claims.cli", "--db", str(db), "ingest", str(SEEDS), "--quiet"],
        check=True,
        capture_output=True,
        timeout=180,
    )
    with export.open("w") as out:
        subprocess.run(
            [sys.executable, "-m", "claims.cli", "--db", str(db), "export", "--format", "mentions"],
            stdout=out,
            check=True,
            timeout=180,
        )
    theirs = json.loads(
        subprocess.run(
            [
                sys.executable,
                str(SHARED_SCORER),
                "--gold",
                str(DATA / "seed_claims.jsonl"),
                "--disputes",
                str(DATA / "seed_disputes.jsonl"),
                "--pred",
                str(export),
                "--docs",
                str(SEEDS),
                "--json",
                "--vocab",
                str(DATA / "vocabulary.json"),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
    )
    # The shared scorer lists missed and spurious mentions in set order; compare those as sets.
    for key in ("missed", "spurious"):
        assert sorted(ours.pop(key)) == sorted(theirs.pop(key))
    assert ours == theirs
