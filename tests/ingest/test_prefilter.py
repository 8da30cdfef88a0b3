"""The literal pre-test never hides a match: wherever a rule pattern matches, ``possible`` says it may."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from ingest.extract import Extractor
from ingest.prefilter import LiteralIndex, Prefiltered, fold, required_literals
from ingest.segment import split_sentences

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))] + [
    p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "data" / "unseen").glob("*.txt"))
]


def _rule_patterns(extractor: Extractor) -> list[Prefiltered]:
    found = [cue for entry in extractor.metrics for cue, _ in entry[4] if cue is not None]
    found += [q[2] for q in extractor.qualitative] + extractor.negations + extractor.conditionals
    found += [p for p, _ in extractor.rules.hedges]
    return found


@pytest.fixture(scope="module")
def patterns() -> list[Prefiltered]:
    return _rule_patterns(Extractor())


def test_most_rule_patterns_have_a_pre_test(patterns: list[Prefiltered]) -> None:
    assert len(patterns) > 80
    assert sum(p.literals is not None for p in patterns) >= 0.8 * len(patterns)


def test_no_match_is_ever_ruled_out(patterns: list[Prefiltered]) -> None:
    rng = random.Random(5)
    checked = matched = 0
    for text in TEXTS:
        index = LiteralIndex(text)
        windows = [(s.start, s.end) for s in split_sentences(text)]
        windows += [tuple(sorted(rng.sample(range(len(text) + 1), 2))) for _ in range(60)]
        for pattern in patterns:
            for lo, hi in windows:
                checked += 1
                if pattern.pattern.search(text, lo, hi):
                    matched += 1
                    assert pattern.possible(index, lo, hi), (pattern.pattern.pattern, text[lo:hi])
                if pattern.pattern.search(text[lo:hi]):
                    assert pattern.possible(index, lo, hi), (pattern.pattern.pattern, text[lo:hi])
    assert matched > 100 and checked > matched * 10  # the test saw both matches and misses


def test_pre_test_rules_out_windows_without_the_words() -> None:
    pattern = Prefiltered(re.compile(r"\b(?:mixture[- ]of[- ]experts|MoE)\b", re.I))
    text = "V3 is a Mixture-of-Experts model. It has 671B parameters."
    index = LiteralIndex(text)
    assert pattern.possible(index, 0, 33)
    assert not pattern.possible(index, 34, len(text))


def test_letters_that_fold_across_scripts_turn_the_pre_test_off() -> None:
    # Case-insensitive matching equates the long s with "s": lower-casing does not, so no pre-test.
    pattern = Prefiltered(re.compile(r"\bestimated\b", re.I))
    text = "Analysts eſtimated 50,000 GPUs."
    assert pattern.pattern.search(text)
    assert fold(text) is None
    assert pattern.possible(LiteralIndex(text), 0, len(text))


def test_patterns_it_cannot_read_get_no_pre_test() -> None:
    assert required_literals(re.compile(r"\d+(?:\.\d+)?[BM]")) is None
    assert required_literals(re.compile(r"(?i:gpu)s")) is None  # scoped flags: not guessed
    assert required_literals(re.compile(r"a?b")) is None  # too short to help
    assert required_literals(re.compile(r"(?:foo)+bar|bazz")) in ({"bar", "bazz"}, {"foo", "bazz"})


def test_literals_found_in_one_pass_equal_a_search_for_each(patterns: list[Prefiltered]) -> None:
    """The Aho-Corasick pass finds exactly the literals a substring search of each one finds, overlapping
    ones included ("reported" inside "reportedly"), in the searched regions only."""
    compared = 0
    for text in TEXTS:
        sentences = split_sentences(text)
        regions = [(s.start, s.end) for s in sentences[::2]]  # every other sentence: gaps between regions
        index = LiteralIndex(text, regions=regions)
        folded = fold(text)
        assert folded is not None
        joined = "\x00".join(folded[lo:hi] for lo, hi in regions)
        for pattern in patterns:
            if pattern.literals is None or not pattern.ignore_case:
                continue
            entry = index.present(pattern)
            assert entry is not None
            assert sorted(entry[1]) == sorted(lit for lit in pattern.literals if lit in joined)
            compared += 1
    assert compared > 500


def test_a_pattern_made_after_a_document_was_indexed_is_still_pre_tested_right() -> None:
    early = Prefiltered(re.compile(r"\breportedly\b", re.I))
    index = LiteralIndex("It reportedly ran on a zyzzogeton cluster of 2,048 GPUs.")
    assert early.possible(index, 0, 60)  # the index has looked for every literal known so far
    late = Prefiltered(re.compile(r"\bzyzzogeton\b", re.I))  # a literal no pattern had before
    assert late.literals == frozenset({"zyzzogeton"})
    assert late.possible(index, 0, 60)
    assert not late.possible(index, 0, 12)
