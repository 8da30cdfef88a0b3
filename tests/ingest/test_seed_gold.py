"""Regression bars on the seed gold set (tests/data holds a copy of the hand-made gold)."""

import json

import pytest

from claims.db import session_scope
from claims.evaluation import load_jsonl, score
from claims.export import mention_rows
from tests.conftest import DATA, SEEDS
from tests.databases import url_for

# Bars from the extraction issue; the test fails when a change makes extraction worse than these.
BARS = {"quantity_f1": 0.92, "claim_recall": 0.80, "asserted_by_accuracy": 0.85}


@pytest.fixture(scope="module")
def seed_score(seeded_template):
    from claims.db import make_engine

    engine = make_engine(url_for(seeded_template))
    with session_scope(engine) as session:
        pred = list(mention_rows(session))
    engine.dispose()
    texts = {p.name: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    vocabulary = json.loads((DATA / "vocabulary.json").read_text(encoding="utf-8"))
    return score(load_jsonl(DATA / "seed_claims.jsonl"), pred, texts,
                 disputes=load_jsonl(DATA / "seed_disputes.jsonl"), vocabulary=vocabulary)


@pytest.mark.parametrize("metric", sorted(BARS))
def test_seed_scores_stay_above_the_bar(seed_score, metric):
    assert seed_score[metric] >= BARS[metric], seed_score


def test_at_least_nine_of_eleven_contradictions_found(seed_score):
    assert seed_score["disputes_total"] == 11
    assert seed_score["disputes_found"] >= 9, seed_score["dispute_details"]


def test_no_false_contradictions(seed_score):
    assert seed_score["false_contradictions"] == 0, seed_score["dispute_details"]


# The dev set: six articles in other authors' styles, annotated independently of the extractor.
UNSEEN_BARS = {
    "quantity_f1": 0.87, "claim_recall": 0.70, "subject_accuracy": 0.80, "asserted_by_accuracy": 0.93,
}


@pytest.fixture(scope="module")
def unseen_score(tmp_path_factory, extractor, vocabulary):
    from tests.conftest import ingest_into

    engine, report = ingest_into(
        tmp_path_factory.mktemp("unseen") / "u.db", [DATA / "unseen"], extractor, vocabulary
    )
    assert not report.skipped
    with session_scope(engine) as session:
        pred = list(mention_rows(session))
    engine.dispose()
    texts = {p.name: p.read_text(encoding="utf-8") for p in (DATA / "unseen").glob("*.txt")}
    vocab = json.loads((DATA / "vocabulary.json").read_text(encoding="utf-8"))
    return score(
        load_jsonl(DATA / "unseen_gold.jsonl"),
        pred,
        texts,
        disputes=load_jsonl(DATA / "unseen_disputes.jsonl"),
        vocabulary=vocab,
    )


@pytest.mark.parametrize("metric", sorted(UNSEEN_BARS))
def test_unseen_articles_stay_above_the_generalization_bar(unseen_score, metric):
    assert unseen_score[metric] >= UNSEEN_BARS[metric], {
        k: v for k, v in unseen_score.items() if k not in ("missed", "spurious")
    }


def test_unseen_articles_have_at_most_two_false_contradictions(unseen_score):
    assert unseen_score["false_contradictions"] <= 2, unseen_score["dispute_details"]
