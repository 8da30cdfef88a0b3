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
