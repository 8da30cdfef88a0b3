"""The extraction fast paths give what the plain paths give, on the seed and dev texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.documents import document_from_text
from ingest.extract import Extractor, _unmasked
from ingest.figures import find_figures
from ingest.prefilter import LiteralIndex
from ingest.segment import find_masks, split_sentences

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))] + [
    p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "data" / "unseen").glob("*.txt"))
]


def test_matcher_names_equal_the_spans_the_pipeline_sets(extractor: Extractor) -> None:
    matcher = extractor._matcher
    assert matcher is not None
    compared = named = 0
    for text in TEXTS:
        masks = find_masks(text)
        for s in split_sentences(text):
            sentence = _unmasked(text, masks, s.start, s.end)
            doc = extractor.nlp(sentence)
            expected = tuple(
                [(span.start_char, span.end_char, span.label_) for span in doc.spans[group]]
                for group in ("entities", "parties")
            )
            assert matcher.name_spans(extractor.nlp.make_doc(sentence)) == expected
            compared += 1
            named += bool(expected[0] or expected[1])
    assert compared > 500 and named > 200


def test_names_of_a_documents_sentences_tokenized_together_equal_each_alone(extractor: Extractor) -> None:
    matcher = extractor._matcher
    assert matcher is not None
    odd = ["  DeepSeek V3 ", "o1.", " ", "R1's NVIDIA-H800s", "Liang Wenfeng\tsaid", "Sam Altman (OpenAI)"]
    named = 0
    for text in [*TEXTS, "\n".join(odd)]:
        masks = find_masks(text)
        sentences = [_unmasked(text, masks, s.start, s.end) for s in split_sentences(text)]
        for extra in ([], odd):
            together = matcher.names_of_texts(extractor.nlp.make_doc, sentences + extra)
            alone = [matcher.name_spans(extractor.nlp.make_doc(x)) for x in sentences + extra]
            assert together == alone
            named += sum(bool(e or p) for e, p in alone)
    assert named > 400


def test_figures_are_the_same_with_and_without_the_literal_pre_test() -> None:
    found = 0
    for text in TEXTS:
        masks, literals = find_masks(text), LiteralIndex(text)
        for s in split_sentences(text):
            for published in (None, "2025-01-28"):
                plain = find_figures(text, s.start, s.end, masks=masks, published=published)
                fast = find_figures(text, s.start, s.end, masks=masks, published=published, literals=literals)
                assert fast == plain
                found += len(plain)
    assert found > 300


def test_a_pipeline_with_other_components_is_run_whole() -> None:
    from ingest.pipeline import build_nlp

    nlp = build_nlp()
    nlp.add_pipe("sentencizer")
    assert Extractor(nlp=nlp)._matcher is None


def test_first_character_look_ahead_changes_no_match(extractor: Extractor) -> None:
    import re

    from ingest import attribution, extract, figures

    wrapped = [extractor.rules.self_report] + [
        value
        for module in (attribution, extract, figures)
        for value in vars(module).values()
        if isinstance(value, re.Pattern) and value.pattern.startswith("(?=[")
    ]
    assert len(wrapped) >= 10
    found = 0
    for fast in wrapped:
        plain = re.compile(fast.pattern[fast.pattern.index("])(?:") + 5 : -1], fast.flags)
        for text in TEXTS:
            for s in split_sentences(text):
                for lo in (s.start, (s.start + s.end) // 2):
                    spans = [m.span() for m in fast.finditer(text, lo, s.end)]
                    assert spans == [m.span() for m in plain.finditer(text, lo, s.end)], fast.pattern[:40]
                    found += len(spans)
    assert found > 1000


def test_grouped_reporting_verbs_match_as_the_plain_alternation(extractor: Extractor) -> None:
    import re

    verbs = sorted(extractor.patterns["reporting_verbs"], key=len, reverse=True)
    plain = re.compile(r"\b(?:" + "|".join(verbs) + r")\b", re.I)
    assert extractor.rules.verbs.pattern != plain.pattern
    found = 0
    extra = "He has pointed out, made one such claim; it MADE (big) claims and Pegged it, saying"
    for text in [*TEXTS, extra]:
        for s in split_sentences(text):
            spans = [(m.span(), m.group(0)) for m in extractor.rules.verbs.finditer(text, s.start, s.end)]
            assert spans == [(m.span(), m.group(0)) for m in plain.finditer(text, s.start, s.end)]
            found += len(spans)
    assert found > 100


def test_sentences_without_a_digit_hold_no_figure_that_needs_one() -> None:
    import re

    from ingest import figures

    texts = TEXTS + ["In May 2023 it doubled; by twenty twenty-five, FP eight and two-thirds of one."]
    checked = 0
    for text in texts:
        masks = find_masks(text)
        for s in split_sentences(text):
            if re.search(r"\d", text[s.start : s.end]):
                continue
            checked += 1
            assert figures._number_figures(text, s.start, s.end, masks, []) == []
            for published in (None, "2025-01-28"):
                assert figures._date_figures(text, s.start, s.end, masks, published) == figures._date_figures(
                    text, s.start, s.end, masks, published, digits=False
                )
            assert figures._simple_figures(text, s.start, s.end, masks, []) == figures._simple_figures(
                text, s.start, s.end, masks, [], digits=False
            )
    assert checked > 200


def test_rule_cues_with_a_look_ahead_match_and_pre_test_as_the_plain_patterns(extractor: Extractor) -> None:
    import re

    from ingest.prefilter import required_literals

    cues = [cue for entry in extractor.metrics for cue, _ in entry[4] if cue is not None]
    cues += [q[2] for q in extractor.qualitative] + extractor.negations
    cues += [p for p, _ in extractor.rules.hedges]
    wrapped = [cue for cue in cues if cue.pattern.pattern.startswith("(?=[")]
    assert len(wrapped) > 0.8 * len(cues)
    found = 0
    for cue in wrapped:
        source = cue.pattern.pattern
        plain = re.compile(source[source.index("])(?:") + 5 : -1], cue.pattern.flags)
        assert cue.literals == required_literals(plain)
        for text in TEXTS:
            for s in split_sentences(text):
                spans = [m.span() for m in cue.pattern.finditer(text, s.start, s.end)]
                assert spans == [m.span() for m in plain.finditer(text, s.start, s.end)]
                window = text[s.start : s.end]
                assert bool(cue.pattern.match(window)) == bool(plain.match(window))
                found += len(spans)
    assert found > 300


def test_noun_units_read_in_one_pass_as_in_turn() -> None:
    import re

    from claims.vocabulary import _NOUN_UNITS, noun_unit

    def in_turn(words: str) -> tuple[str, str | None, int] | None:
        lowered = words.lower()
        stripped = len(lowered) - len(lowered.lstrip())
        for pattern, unit, note in _NOUN_UNITS:
            match = pattern.match(lowered, stripped)
            if match:
                return unit, note, match.end()
        return None

    found = 0
    for text in TEXTS:
        for m in re.finditer(r"\d+|\s", text):  # the words after every number and every space
            rest = text[m.end() : m.end() + 80]
            assert noun_unit(rest) == in_turn(rest)
            found += noun_unit(rest) is not None
    assert found > 300


def test_the_collector_threshold_is_raised_during_an_ingest_and_restored_after_a_failure(
    tmp_path: Path,
) -> None:
    import gc

    from claims.db import init_db, make_engine
    from claims.vocabulary import default_vocabulary
    from ingest.run import GC_THRESHOLD, fewer_collections, ingest_documents

    class Failing:
        seen: list[int] = []

        def extract_many(self, batch: object) -> list[object]:
            self.seen.append(gc.get_threshold()[0])
            raise RuntimeError("extractor broke")

        def extract(self, doc: object) -> list[object]:
            raise RuntimeError("extractor broke")

    before = gc.get_threshold()
    engine = make_engine(f"sqlite:///{tmp_path / 'gc.db'}")
    init_db(engine)
    failing = Failing()
    doc = document_from_text("A lab said it used 2,048 GPUs.", name="a.txt", origin="a.txt")
    report = ingest_documents(engine, [doc], extractor=failing, vocabulary=default_vocabulary())  # type: ignore[arg-type]
    assert failing.seen and failing.seen[0] >= GC_THRESHOLD  # raised while extracting
    assert report.skipped and "extractor broke" in report.skipped[0][1]  # reported, not raised
    assert gc.get_threshold() == before
    with pytest.raises(ZeroDivisionError), fewer_collections(), fewer_collections():
        1 / 0  # noqa: B018
    assert gc.get_threshold() == before
    engine.dispose()
