"""Extraction: a document's text becomes mentions (figure, subject, metric, speaker, hedges, scope)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from operator import itemgetter
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from claims.quantities import Quantity
from claims.records import Document, Mention
from claims.scopes import ScopeFacet, format_scope
from claims.vocabulary import BOOL_METRICS, UNSPECIFIED, Vocabulary, default_vocabulary
from ingest.attribution import (
    PAPER,
    PAPER_WORDS,
    REPORT,
    SELF,
    AttributionRules,
    Name,
    Report,
    find_reports,
    hedge_before,
    reporter_at,
)
from ingest.figures import Figure, find_figures
from ingest.pipeline import EntityMatcher, build_nlp, load_patterns
from ingest.prefilter import LiteralIndex, Prefiltered, with_first_character_test
from ingest.segment import Masks, Sentence, find_masks, split_sentences

__all__ = ["Extractor"]

_QUOTE_LIMIT = 360
# A figure with no subject of its own is about the document's topic only if the topic was named
# this close before it (about a long paragraph); further away, the passage has moved on.
TOPIC_WINDOW = 800
_CLAUSE_BREAK = re.compile(
    r";|:\s|\s[-–—]\s|—|,\s+(?:so|but|while|whereas|and then)\b|\bbut\s+(?=I\b|we\b)|,\s+and\s+(?=[A-Z])|"
    r",?\s+(?:compared (?:to|with)|versus|vs\.?)\s|\.\.\.\s*|…\s*"
)
_COMPARISON = with_first_character_test(
    r"\b(?:than|compared (?:to|with)|versus|vs\.?|over|against|relative to|trails?|trailing|beats?|"
    r"beating|outperforms?|outperforming|ties|tying|rivals?|rivaling|surpass(?:es|ed|ing)?|"
    r"exceeds?|overtak(?:es|ing)|behind|ahead of|like|match(?:es|ed|ing)?|equals?|equal(?:led|ing))\s+"
    r"(?:[\w'’,./-]+\s+){0,5}$",
    re.I,
)
# A clause whose subject is a pronoun or a definite description ("It trails o1", "The company said")
# is about whatever the text was about just before; a possessive ("their own moment") is weaker.
_ANAPHOR = re.compile(
    r"^\W*(?:(?:so|and|but|if|when|because|since|as|then|now)\s+)*(?:\w+ly,?\s+)?(?:the (?:model|company|lab|"
    r"startup|team|firm|paper|stock|shares)|this (?:model|company|figure)|its (?:stock|shares)|it|they|he|"
    r"she)\b(?!['’])",
    re.I,
)
_POSSESSIVE_ANAPHOR = re.compile(
    r"^\W*(?:(?:so|and|but|if|when|because|since|as)\s+)*(?:\w+ly,?\s+)?(?:its|their)\b", re.I
)
_PARENS = with_first_character_test(r"\([^()]*\)")
_PRONOUN_AGENT = re.compile(
    r"(?:^|[,;:(\-–—]|\b(?:that|because|and|but|since|if|when|while|so))\s*(?:they|it|the company|"
    r"the lab|the team|the startup|"
    r"the paper|the model)\s+(?P<gap>(?:[\w'’-]+\s+){0,4})$",
    re.I,
)
_MONEY_NOUN = re.compile(
    r"\s(?:chip\s+)?(?:ambitions?|plans?|investments?|raise|deal|valuation|budgets?|funding|bets?|programs?|projects?|initiatives?|buildouts?)\b",
    re.I,
)
_AFTER_SUBJECT = re.compile(
    r"[\s\]\)]*(?:(?:[\w-]+\s+){0,2}(?:for|of|in|at|from|by)\s+(?:the\s+)?|\(\s*|\s*)$", re.I
)
_HARDWARE_PHRASE = with_first_character_test(
    r"\b(?:on|using|used|use|with|to|of|from|bought|buy|buying|acquired|has|have|had|pool of|fleet of|"
    r"stuck with)\s+"
    r"(?:(?:massive|large|huge|vast|secret)\s+(?:quantities|numbers|amounts|stockpiles?)\s+of\s+|"
    r"a\s+(?:secret\s+)?(?:[\w-]+\s+)?supercluster\s+of\s+)?"
    r"(?P<desc>(?:[\w-]+\s+){0,3}?)(?P<noun>GPUs?|chips?|hardware|accelerators|[HAB]\d{2,3}s|Hoppers|Blackwells)\b",
    re.I,
)
# The nouns every hardware phrase ends in: words (pre-tested on the document) or a GPU model's plural.
_HARDWARE_NOUN_WORDS = Prefiltered(re.compile(r"GPU|chip|hardware|accelerators|Hoppers|Blackwells", re.I))
_HARDWARE_MODELS = re.compile(r"[HAB]\d{2,3}s", re.I)
# A byline or dateline ("Published January 28, 2025", "By Jane Doe | Jan. 28, 2025") is not a claim.
_DATELINE = re.compile(
    r"(?:(?:published|posted|updated|last updated|date|by [^|\n]{1,60})[\s:|,·-]*)*"
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?[A-Za-z]{3,9}\.? \d{1,2},? \d{4}(?:[\s,|"
    r"·-]+\d{1,2}:\d\d.*)?"
    r"|\d{4}-\d\d-\d\d"
    # a wire story's dateline: "HONG KONG, Jan 28, 2025 (Asia Business Wire) -"
    r"|(?-i:[A-Z][A-Z.'’ -]{1,40}),\s+[A-Za-z]{3,9}\.?\s+\d{1,2}(?:,?\s+\d{4})?"
    r"(?:\s*\([^)]{1,60}\))?\s*[-–—]*",
    re.I,
)
# Metrics that describe a chip: only for these can a GPU model be the subject.
_HARDWARE_METRICS = {
    "memory_bandwidth", "memory_capacity", "flops_per_chip", "interconnect_bandwidth", "gpu_price",
    "export_restricted",
}
_PRICE_LIST_TAIL = re.compile(
    r"(?:\s*(?:,|and|or|respectively|per (?:1M|one million|million|1 million) (?:input |output |"
    r"cached )?tokens?|"
    r"/\s?1M tokens|\$[\d.]+(?: / 1M tokens)?))*\s*,?\s*for\s+(?:access to\s+|the\s+)?",
    re.I,
)
_PER_MILLION = with_first_character_test(
    r"per (?:1M|one million|million|1 million) (?:\w+ )?tokens|/\s?1M tokens|per M tokens", re.I
)
_PRICE_CUE = re.compile(
    r"\bpric(?:e|ed|es|ing)\b|\bcharg(?:e|es|ed|ing)\b|\binput\b|\boutput\b|\bAPI\b|\bper token|"
    r"\bcosts?\b|\brespectively\b",  # (under $100, in an article pricing per token: "o1 costs $15 and $60")
    re.I,
)
_PROPER_SUBJECT = re.compile(
    r"\W*(?:The\s+)?((?:[A-Z][\w&.-]*\s+){0,3}[A-Z][\w&.-]*)\s+(?:(?:has|have|had|also|is|was)\s+)?"
    r"(?:\w+ed|fell|rose|lost|gained|sank|slid|jumped|dropped|surged|plunged|raised|spent|paid|won|grew|is|was|has)\b"
)
_NOT_NAMES = {
    "What", "Who", "Why", "How", "Where", "When", "Which", "Whose", "The", "This", "That", "These", "Those",
    "It", "Its", "They", "We", "I", "He", "She", "Our", "Their", "A", "An", "In", "On", "At", "By", "For",
    "If", "While", "But", "And", "So", "Some", "Most", "Many", "All", "Each", "Every", "Other", "Both",
    "Training", "Memory", "Performance", "Throughput", "Speed", "Cost", "Costs", "Inference", "Prices",
    "Shares", "Stocks", "Revenue", "Sales",
}
# Patterns of the per-figure tests, compiled once.
_POSSESSOR_BEFORE = re.compile(r"([\w.-]+(?: [\w.-]+)?)['’]s\s+[\"“]?$")
_CLAIMED_THING_AFTER = re.compile(
    r"[\"”]?\s*(?:[\w-]+\s+)?(?:model|figure|number|miracle|claim|cost|training|budget|price tag)\b", re.I
)
_OWNER_GAP = re.compile(
    r"(?:['’]s?\s+(?:\w+\s+)?|:\s*"
    # "GPT-4o at $2.50 and $10", "beating GPT-4o (9.3% and 74.6%)": figures set right after a name are its own
    r"|\s+at\s+(?:(?:about|roughly|around|just|only)\s+)?(?:[$\d][\d.,%]*[MBKmbk]?\s*(?:and|or|,)\s+)?"
    r"|\s*\(\s*(?:[$\d][\d.,%]*[MBKmbk]?\s*(?:and|or|,)\s+)?)"
)
_THAT = re.compile(r"\bthat\s+")
# A relative clause or an appositive with one, right after a name, is about that name.
_RELATIVE_GAP = re.compile(
    r",\s+(?:(?:a|an|the)\s+[^,;()]{1,50}?\s+)?(?:that|which|who)\s+[^,;()]{0,60}"
)
_PAIR_GAP = re.compile(r"\s*(?:to|versus|vs\.?|against)\s*", re.I)
_RIVAL_VERB = re.compile(
    r"\b(?:trails?|trailing|beats?|beating|ties|tying|outperforms?|outperforming|edges?(?: out)?|edging|"
    r"leads?|leading|matches|matching|versus|vs\.?|against|compared (?:to|with))\s+(?:the\s+)?",
    re.I,
)
_LEAD_GAP = re.compile(r"[\W_]*(?:the\s+)?")
_NEGATION_SCOPE = re.compile(r"\bthat\b|\bwhich\b|,|;|\(")
_COORDINATED = re.compile(r"\band\s+(?:a|an|the)?\s*$|,\s*$")
_IF_IDIOMS = re.compile(r"\bif anything\b|\bas if\b|\beven if\b", re.I)
_IF_IDIOMS_P = Prefiltered(_IF_IDIOMS)
_INSTANCE_GAP = re.compile(
    r"\s*,?\s*(?:including|such as|like|namely|notably|especially|e\.g\.,?)\s+(?:the\s+)?"
)
_CHIP_USE = re.compile(
    r"\b(?:used?|using|uses|trained on|train on|training on|acquired|bought|buy|buying|purchased|"
    r"obtain(?:ed)?|"
    r"relied on|runs? on|ran on|deployed)\b[^.;:]{0,50}$",
    re.I,
)
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-"})
_AMBIENT_CUES = ("turn", "block")
_CITED_IN = re.compile(
    r"\W*(?:as\s+)?(?:stated|reported|described|written|noted|quoted|explained|set out|given)\s+(?:in|by)\s+"
    r"((?:the\s+)?[^.!?]{2,60}?)\W*",
    re.I,
)
_OWN_FIGURES = re.compile(r"\b(?:reported|official|stated|published|claimed|disclosed)\b", re.I)
# what a line holds before its text: indentation, markup, a list marker
_LINE_OPENING = re.compile(r"[\s>*_#-]*(?:(?:[-*+•]|\d{1,2}[.)])[ \t]+)?")
_SECTION_NUMBER = re.compile(r"\d{1,2}\.\s+[A-Z][^.!?:]{0,70}")
_TURN_LABEL = re.compile(
    r"[\s>*_-]*([A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3})\s*:\s*\(?\[?\d{1,2}:\d\d(?::\d\d)?\]?\)?:?\s"
)
_TIMESTAMP = re.compile(r"\(?\[?\d{1,2}:\d\d(?::\d\d)?\]?\)?:?\s")
_RESTATED_GAP = re.compile(r"\s*\(\s*(?:or\s+|about\s+|approximately\s+|roughly\s+|~\s*)?")
_LABEL_MARKUP = re.compile(r"^[\W_]+|[\s:*_#]+$")
_ENDS_PROSE = re.compile(r"[.!?][\"”’')\]]*\s*$")
_HOURS_TAIL = re.compile(r"\s*(?:gpu)?[- ]?hours?\b.*$", re.I)


@dataclass
class _State:
    """What earlier sentences of a document tell later ones."""

    topic: str = "DeepSeek"
    topic_mentions: list[int] = field(default_factory=list)
    topic_names: list[str] = field(default_factory=list)
    last_unit: Quantity | None = None
    per_token_prices: bool = False
    last_unit_paragraph: int = -1
    last_person: str | None = None
    last_family: str | None = None
    lead_reporter: tuple[str, ...] | None = None
    lead_subject: str | None = None
    last_subject: str | None = None
    label_subject: str | None = None  # a name set alone on a line as a label ("Meta:"), until prose resumes
    turn_speaker: str | None = None  # the speaker of a transcript's turn ("Dylan Patel: 00:51:30: ...")
    block_voice: tuple[str, ...] | None = None  # a section introduced as someone's ("According to the paper")
    last_reporter: str | None = None  # the last party outside the topic's family the text quoted
    figures: dict[tuple[str, str, float | None], str] = field(default_factory=dict)


@dataclass
class _Sentence:
    """One sentence being read: its span, names, figures and attributions."""

    text: str
    span: Sentence
    names: list[Name]
    masks: Masks
    figures: list[Figure] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    literals: LiteralIndex | None = None  # where the rules' required words occur in the document
    metrics: dict[Figure, str] = field(default_factory=dict)  # each figure's metric, once worked out
    metric_cued: dict[Figure, bool] = field(default_factory=dict)  # whether a cue word (not the unit) set it
    # where each 'near' scope facet's cues match in it: (start, end, value)
    facet_hits: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    # where the clause around a position starts and ends, once worked out
    clause_starts: dict[int, int] = field(default_factory=dict)
    clause_ends: dict[int, int] = field(default_factory=dict)
    # per unit, the metrics and cues that can match in the document (shared by its sentences)
    live_metrics: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def start(self) -> int:
        return self.span.start

    @property
    def end(self) -> int:
        return self.span.end

    @property
    def question(self) -> bool:
        return self.text[self.start : self.end].rstrip(" *_\"”'’)").endswith("?")


def _unmasked(text: str, masks: Masks, start: int, end: int) -> str:
    """The sentence with markup, addresses and footnote marks blanked to spaces (offsets unchanged)."""
    if not masks.overlaps(start, end):
        return text[start:end]  # nothing to blank
    chars = list(text[start:end])
    for lo, hi in masks:
        if hi <= start or lo >= end:
            continue
        for i in range(max(lo, start), min(hi, end)):
            chars[i - start] = " "
    return "".join(chars)


def _incidental_time(mention: Mention) -> bool:
    """'two weeks ago', 'over the past ten days': spans of days or weeks are claims only about training
    time."""
    return mention.quantity.note in ("days", "weeks", "hours") and mention.metric == "other"


def _merge_hardware(mentions: list[Mention]) -> list[Mention]:
    """'10,000 H800s and 10,000 H100s': one sentence listing several GPU types describes one mixed fleet."""
    types = [m for m in mentions if m.metric == "gpu_type"]
    if len({m.value_text for m in types}) < 2 or len({(m.asserted_by, m.subject) for m in types}) > 1:
        return mentions
    first = types[0]
    names = " and ".join(dict.fromkeys(m.value_text or "" for m in types))
    merged = replace(
        first,
        value_text=names,
        quantity=replace(first.quantity, text=names),
        value_end=types[-1].value_end,
        note="several hardware types named together",
    )
    return [m for m in mentions if m.metric != "gpu_type"] + [merged]


class _Trigger:
    """A fast test for 'might this text hold a claim': a digit or sign, or one of a set of words."""

    _SIGNS = re.compile(r"[0-9#$%]")
    _WORDS = re.compile(r"[a-z]+")

    def __init__(self, words: set[str], *, digits: bool = True) -> None:
        self.words = frozenset(words)
        self.digits = digits

    def search(self, text: str, start: int, end: int) -> bool:
        if self.digits and self._SIGNS.search(text, start, end):
            return True
        return not self.words.isdisjoint(self._WORDS.findall(text[start:end].lower()))


def _facet_value(
    facet: ScopeFacet,
    sent: _Sentence,
    start: int,
    end: int,
    clause: tuple[int, int],
    hits: Sequence[tuple[int, int, str]] = (),
) -> str | None:
    """The value of one scope facet stated beside a figure written at [start, end): for cues on both
    sides, the nearest.

    A 'before' facet reads only the words ending at the figure ('an additional 119K'), an 'after'
    facet only those following its unit; a 'near' facet reads both, within its window, from ``hits``:
    every (start, end, value) its cues match in the sentence."""
    text = sent.text
    floor, ceiling = clause if facet.within == "clause" else (sent.start, sent.end)
    lo, hi = max(floor, start - facet.window), min(ceiling, end + facet.window)
    if facet.side == "before":
        window = text[lo:start]
        if not facet.any_cue.search(window):
            return None
        return next((v.of(m) for v in facet.values if (m := v.cue.search(window))), None)
    if facet.side == "after":
        at = end + len(text[end:hi]) - len(text[end:hi].lstrip())
        if facet.any_cue.match(text, at, hi):
            return next((v.of(m) for v in facet.values if (m := v.cue.match(text, at, hi))), None)
        label = text[lo:start]  # "Per trillion tokens: 180K GPU hours"
        return next(
            (v.value for v in facet.values if v.cue_before is not None and v.cue_before.search(label)), None
        )
    best: tuple[int, str] | None = None
    for s, e, value in hits:
        if s < lo or e > hi:
            continue
        gap = start - e if e <= start else max(0, s - end)
        if best is None or gap < best[0]:
            best = (gap, value)
    return best[1] if best else None


def _first_in_line(sent: _Sentence) -> bool:
    """Does the sentence open its line (after indentation, markup or a list marker)?"""
    gap = sent.start - sent.span.line_start
    opening = gap < 12 and _LINE_OPENING.fullmatch(sent.text, sent.span.line_start, sent.start) is not None
    return gap == 0 or opening


def _section_line(text: str, s: Sentence) -> bool:
    """A numbered section heading ('4. Cost Estimation')."""
    return s.list_item and _SECTION_NUMBER.fullmatch(text, s.line_start, s.end) is not None


class Extractor:
    """Reads documents into mentions with a spaCy pipeline and rules from ``seeds/resources``."""

    def __init__(
        self,
        *,
        nlp: Language | None = None,
        vocabulary: Vocabulary | None = None,
        patterns: dict[str, Any] | None = None,
    ) -> None:
        self.nlp = nlp or build_nlp()
        self.vocabulary = vocabulary or default_vocabulary()
        self.patterns = patterns or load_patterns()
        self.rules = AttributionRules(self.patterns)
        # With nothing but the entity matcher in the pipeline, its names are read straight from the matches
        # (what doc.spans would hold), without spaCy's pipe machinery or Span objects.
        matcher = self.nlp.get_pipe("claims_entities") if self.nlp.pipe_names == ["claims_entities"] else None
        self._matcher = matcher if isinstance(matcher, EntityMatcher) else None
        self._metric_facets: dict[str, tuple[ScopeFacet, ...]] = {}
        # each facet's cues as one pattern with its literal pre-test, for the once-a-sentence test
        self._facet_tests = {
            f.facet: Prefiltered.compiled(f.any_cue.pattern, re.I) for f in self.vocabulary.scopes
        }
        terms = sorted(self.vocabulary.hardware_tiers, key=len, reverse=True)
        self._hardware_terms = re.compile(r"(?<![\w-])(" + "|".join(re.escape(t) for t in terms) + ")")
        self._facet_scans = {
            f.facet: with_first_character_test(f.tagged.pattern, re.I)
            for f in self.vocabulary.scopes
            if f.tagged is not None
        }
        self._compile()

    def _compile(self) -> None:
        p = self.patterns
        self.candidate = _Trigger(set(p["candidate_words"]))
        self.conditionals = [Prefiltered(re.compile(c, re.I)) for c in p["conditionals"]]
        self.conditionals_after = Prefiltered.compiled(
            "|".join(f"(?:{c})" for c in p["conditionals_after"]), re.I
        )
        self.metrics = [
            (
                m["metric"],
                set(m["units"]),
                set(m.get("notes", [])),
                m.get("before_only") and "before" or m.get("after_only") and "after" or "",
                [(Prefiltered.compiled(cue, re.I) if cue else None, weight) for cue, weight in m["cues"]],
                m.get("max_gap", 80),
            )
            for m in p["metrics"]
        ]
        # A metric's plausible values (base units) and how sure its unit alone makes it.
        self.metric_range = {m["metric"]: tuple(m["range"]) for m in p["metrics"] if "range" in m}
        self.default_confidence = {m["metric"]: float(m.get("default_confidence", 0.9)) for m in p["metrics"]}
        self.metrics_by_unit: dict[str, list[Any]] = {}
        for entry in self.metrics:
            for unit in entry[1]:
                self.metrics_by_unit.setdefault(unit, []).append(entry)
        # Metrics about the industry at large ("costs fall 4x a year") never default to the document's topic.
        self.no_default_subject = {
            m["metric"]: m["default_subject"] or UNSPECIFIED for m in p["metrics"] if "default_subject" in m
        }
        self.qualitative = [
            (
                q["metric"],
                q["value"],
                Prefiltered.compiled("|".join(f"(?:{c})" for c in q["cues"]), re.I),
                [re.compile(n, re.I) for n in q.get("negations", [])],
                bool(q.get("topic_fallback")),
            )
            for q in p["qualitative"]
        ]
        self.negations = [Prefiltered.compiled(n, re.I) for n in p["negations"]]
        stance = p["stance"]
        self.denial = Prefiltered.compiled("|".join(f"(?:{d})" for d in stance["denials"]), re.I)
        self.doubt_before = Prefiltered.compiled("|".join(f"(?:{d})" for d in stance["doubts_before"]), re.I)
        self.doubt_after = [Prefiltered.compiled(d, re.I) for d in stance["doubts_after"]]
        family = [
            alias for alias, name in self.vocabulary.aliases() if self.vocabulary.family(name) == "DeepSeek"
        ]
        self.family_hint = with_first_character_test(
            r"\b(?:" + "|".join(re.escape(a) for a in sorted(family, key=len, reverse=True)) + r")\b"
        )

    # -- documents ---------------------------------------------------------------------------------

    def extract(self, document: Document) -> list[Mention]:
        """Every mention in one document, in text order."""
        return self.extract_many([document])[0]

    def extract_many(self, documents: Sequence[Document]) -> list[list[Mention]]:
        """Mentions for several documents. A document's candidate sentences are tokenized as one doc when the
        pipeline is the entity matcher alone (each gets the names it would get alone), else all documents'
        sentences go through ``nlp.pipe`` in one batch."""
        plans = [self._plan(doc) for doc in documents]
        texts = [  # (names are matched with Unicode hyphens read as '-': "DeepSeek‑V3" is DeepSeek-V3)
            [_unmasked(doc.text, masks, s.start, s.end).translate(_HYPHENS) for s in cands]
            for doc, (masks, cands, _) in zip(documents, plans, strict=True)
        ]
        parsed: Iterator[Doc | tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]]
        if self._matcher is not None:  # one doc per document's candidate sentences
            make_doc, names_of_texts = self.nlp.make_doc, self._matcher.names_of_texts
            parsed = (names for sentences in texts for names in names_of_texts(make_doc, sentences))
        else:
            parsed = iter(self.nlp.pipe([t for sentences in texts for t in sentences], batch_size=256))
        results = []
        for document, (masks, cands, topical) in zip(documents, plans, strict=True):
            state = _State(
                topic_mentions=[p for p, _ in topical],
                topic_names=[n for _, n in topical],
                per_token_prices=_PER_MILLION.search(document.text) is not None,
            )
            literals = LiteralIndex(document.text, regions=[(s.start, s.end) for s in cands])
            live_metrics: dict[str, list[Any]] = {}
            mentions: list[Mention] = []
            for sentence in cands:
                mentions.extend(
                    self._read_sentence(
                        document, masks, sentence, next(parsed), state, literals, live_metrics=live_metrics
                    )
                )
            results.append(mentions)
        return results

    def _plan(self, document: Document) -> tuple[Masks, list[Sentence], list[tuple[int, str]]]:
        text = document.text
        masks = find_masks(text)
        sentences = [
            s
            for s in split_sentences(text)
            if not masks.overlaps(s.start, s.start + 1) or not masks.overlaps(s.end - 1, s.end)
        ]
        topical = [
            (m.start(), self.vocabulary.entity(m.group(0)) or "DeepSeek")
            for m in self.family_hint.finditer(text)
        ]
        chosen = [
            s
            for s in sentences
            # (headings are read too: a section heading ends the voice a section was introduced in)
            if (
                s.lead_in
                or s.heading
                or self.candidate.search(text, s.start, s.end)
                or _section_line(text, s)
            )
            and not _DATELINE.fullmatch(text, s.start, s.end)
        ]
        return masks, chosen, topical

    # -- sentences ---------------------------------------------------------------------------------

    def _names(
        self, doc: Doc | tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]], base: int
    ) -> list[Name]:
        """The sentence's names from its parsed doc, or from the matcher's (entities, parties) spans."""
        if isinstance(doc, Doc):
            groups = tuple(
                [(span.start_char, span.end_char, span.label_) for span in doc.spans[group]]
                for group in ("entities", "parties")
            )
        else:
            groups = doc
        names = []
        for role, spans, specs in (
            ("entity", groups[0], self.vocabulary.entities),
            ("party", groups[1], self.vocabulary.parties),
        ):
            for start_char, end_char, label in spans:
                spec = specs.get(label)
                kind = spec.kind if spec else "other"
                names.append(Name(base + start_char, base + end_char, label, role, kind))
        return sorted(names, key=lambda n: (n.start, n.role))

    def _read_sentence(
        self,
        document: Document,
        masks: Masks,
        span: Sentence,
        doc: Doc | tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]],
        state: _State,
        literals: LiteralIndex | None = None,
        live_metrics: dict[str, list[Any]] | None = None,
    ) -> list[Mention]:
        text = document.text
        sent = _Sentence(text, span, self._names(doc, span.start), masks, literals=literals)
        if live_metrics is not None:
            sent.live_metrics = live_metrics
        blocked = [
            (n.start, n.end)
            for n in sent.names
            if n.role == "entity" and n.kind in ("model", "hardware", "product")
        ]
        sent.figures = [
            f
            for f in find_figures(
                text,
                span.start,
                span.end,
                masks=masks,
                blocked=blocked,
                published=document.published,
                previous_unit=state.last_unit if state.last_unit_paragraph == span.paragraph else None,
                literals=literals,
            )
            if not (span.heading and f.kind == "bits")
        ]  # "FP8 mixed-precision training": a heading
        nouned = [
            f.quantity
            for f in sent.figures
            if f.unit_end > f.end and f.quantity.unit in ("other", "parameters")
        ]
        if nouned:
            state.last_unit, state.last_unit_paragraph = nouned[-1], span.paragraph
        # Every statement is read for yes/no and hardware claims. (A word test used to stand here, but it was
        # always true, ``_Trigger.search`` returning a bool tested with ``is not None``; cues such as "open
        # weights" are not among its words, so making it bite would lose claims. It is no longer run.)
        claim_words = not sent.question
        if sent.figures or claim_words or span.lead_in:
            sent.reports = find_reports(
                text,
                span.start,
                span.end,
                names=sent.names,
                rules=self.rules,
                last_person=state.last_person,
                last_org=self.vocabulary.family(state.last_family) if state.last_family else None,
            )
        self._take_turn(sent, state)
        self._take_block(sent, state)
        if not span.list_item:
            state.lead_reporter = state.lead_subject = None
        mentions = _merge_hardware(
            [
                m
                for fig in sent.figures
                for m in self._figure_mentions(sent, fig, state)
                if not _incidental_time(m)
            ]
        )
        if claim_words:
            mentions.extend(self._qualitative(sent, state))
            mentions.extend(self._hardware_types(sent, state))
        self._remember(sent, state)
        return mentions

    @staticmethod
    def _take_turn(sent: _Sentence, state: _State) -> None:
        """A transcript's turn: a person labelling a line ('Dylan Patel: 00:51:30: ...') speaks the rest of
        that line and the lines after it that open with a time stamp ('00:51:45: ...'), until another
        label or a line of another kind."""
        first_in_line = _first_in_line(sent)
        labels = [r for r in sent.reports if r.cue == "label"]
        if first_in_line:
            if labels:
                state.turn_speaker = labels[0].parties[0]
                return
            named = (
                _TURN_LABEL.match(sent.text, sent.span.line_start, sent.end)
                if ":" in sent.text[sent.start : sent.start + 60]
                else None
            )
            if named:  # "Jane Roe: 00:10:05: ...": a speaker the vocabulary does not know, by the time stamp
                state.turn_speaker = named.group(1)
                sent.reports.insert(0, Report(named.end(), sent.end, (named.group(1),), "label"))
                return
            if not _TIMESTAMP.match(sent.text, sent.start):
                state.turn_speaker = None
        if state.turn_speaker and not labels:
            sent.reports.insert(0, Report(sent.start, sent.end, (state.turn_speaker,), "turn"))

    def _take_block(self, sent: _Sentence, state: _State) -> None:
        """A line that only introduces what follows as someone's ('According to the DeepSeek-V3 paper',
        'DeepSeek-V3 Reported Breakdown:') puts the lines under it in that voice, until the next section
        heading ('4. Cost Estimation', '# Summary') or the next such line."""
        text, span = sent.text, sent.span
        if not sent.figures and _first_in_line(sent):
            lead = not _ENDS_PROSE.search(text, sent.start, sent.end) and sent.end - sent.start <= 80
            covering = [r for r in sent.reports if r.cue != "turn" and r.until >= sent.end - 1]
            if lead and covering:
                state.block_voice = covering[-1].parties
                return
            cited = _CITED_IN.fullmatch(text, sent.start, sent.end) if lead else None
            if cited:  # "as stated in the DeepSeek paper"
                sources = [n for n in sent.names if n.start >= cited.start(1)]
                paper = not PAPER_WORDS.isdisjoint(cited.group(1).lower().split())
                state.block_voice = (PAPER,) if paper or not sources else (sources[0].name,)
                return
            entity = any(n.role == "entity" for n in sent.names)
            if lead and entity and _OWN_FIGURES.search(text, sent.start, sent.end):
                state.block_voice = (SELF,)  # "DeepSeek-V3 Reported Breakdown:", "Official figures:"
                return
            if span.heading or _SECTION_NUMBER.fullmatch(text, span.line_start, sent.end):
                state.block_voice = None
                return
        if state.block_voice and not any(r.start <= sent.start + 1 for r in sent.reports):
            sent.reports.insert(0, Report(sent.start, sent.end, state.block_voice, "block"))

    def _remember(self, sent: _Sentence, state: _State) -> None:
        self._remember_label(sent, state)
        for report in sent.reports:
            for party in report.parties:
                who = self.vocabulary.party(party) or party
                if party not in (SELF, PAPER, REPORT) and self.vocabulary.family(who) != state.topic:
                    state.last_reporter = who
        for name in sent.names:
            if name.role == "party" and name.kind == "person":
                state.last_person = name.name
            if name.role == "entity" and self.vocabulary.family(name.name) == "DeepSeek":
                state.last_family = name.name
        speakers = {p for r in sent.reports for p in r.parties}
        # (a speaker's own organisation named beside them, "Dylan Patel of SemiAnalysis said", is not the
        # subject either)
        firsts = [n for n in self._eligible(sent, speakers, None) if n.name not in speakers]
        if firsts:
            state.last_subject = self._prefer_model(firsts, firsts[0]).name
        own = [r for r in sent.reports if r.cue not in _AMBIENT_CUES]  # (a turn's or section's voice is not)
        if sent.span.lead_in and own:
            state.lead_reporter = own[-1].parties
            state.lead_subject = self._subject(sent, sent.end, sent.end, state, exclude=own[-1].parties)

    # -- one figure --------------------------------------------------------------------------------

    def _figure_mentions(self, sent: _Sentence, fig: Figure, state: _State) -> list[Mention]:
        report = reporter_at(sent.text, sent.reports, fig.start, sent.names)
        voice = report.parties if report else self._owner_voice(sent, fig)
        itself = report is not None and report.cue == "postposed self"  # "Nvidia rose 9%, the company said"
        # (a turn's or a section's voice says who speaks, not what the sentence is about)
        ambient = report is not None and report.cue in _AMBIENT_CUES
        fig = self._restated(sent, fig)
        fig = self._price_unit(sent, fig, state)
        metric = self._metric(sent, fig)
        subject = self._released_thing(sent, fig) if metric == "release_date" else None
        subject = subject or self._rival_of_pair(sent, fig)
        subject = subject or self._subject(
            sent,
            fig.start,
            fig.unit_end,
            state,
            exclude=() if itself or ambient else voice,
            figure=fig,
            hardware=metric in _HARDWARE_METRICS,
        )
        if subject is None:
            subject = self._named_subject(sent, fig)
        key = (metric, fig.quantity.unit, fig.quantity.value)
        # A repeated cost or model size is the same claim again; GPU counts repeat across different fleets.
        distinctive = fig.quantity.unit in ("USD", "parameters", "USD/1M tokens")
        if subject in voice and metric in self.no_default_subject and not itself and not ambient:
            subject = None  # "Epoch AI estimates costs fall 3x a year": the speaker is not the subject
        subject_confidence = 1.0
        if subject is None:
            remembered = state.figures.get(key) if distinctive else None
            subject = remembered or self._default_subject(sent, fig, state)
            subject_confidence = self._default_confidence(metric, subject, remembered)
        metric_confidence = self._metric_confidence(sent, fig, metric)
        if (
            metric == "other"
            and fig.quantity.unit == "USD"
            and (
                self.vocabulary.family(subject) == "DeepSeek"
                or (
                    self.vocabulary.entities.get(subject)
                    and self.vocabulary.entities[subject].kind == "model"
                )
            )
        ):
            metric = "training_cost"  # the money figure the debate is about, when nothing names another
            metric_confidence = 0.5  # a guess from the topic, not from the words
        elif key not in state.figures:
            state.figures[key] = subject
        parties = self._parties(voice, subject, state, sent.span.list_item)
        asserted = " and ".join(parties)
        hypothetical = self._hypothetical(sent, fig.start)
        hedge = hedge_before(
            sent.text, self._clause_start(sent, fig.start), fig.start, self.rules, literals=sent.literals
        )
        start, end = self._quote_span(sent, fig.start, fig.unit_end)
        quantity = fig.quantity
        if quantity.qualifier == "only":
            quantity = replace(quantity, qualifier=None)
        mention = Mention(
            start=start,
            end=end,
            quote=sent.text[start:end],
            quantity=quantity,
            subject=subject,
            metric=metric,
            value_start=fig.start,
            value_end=fig.end,
            value_text=fig.value_text,
            scope=self._scope(sent, fig, metric),
            asserted_by=asserted,
            parties=parties,
            hedge=hedge,
            hypothetical=hypothetical,
            note=fig.descriptor if fig.kind == "date" else quantity.note,
            confidence=round(min(subject_confidence, metric_confidence), 2),
        )
        out = self._stance(sent, fig, mention, state)
        if (
            fig.descriptor
            and not hypothetical
            and (metric == "gpu_count" or fig.quantity.note == "GPU hours")
        ):
            gpu_type = self._gpu_type_of_count(sent, fig, mention)
            if gpu_type:
                out.append(gpu_type)
        return out

    @staticmethod
    def _restated(sent: _Sentence, fig: Figure) -> Figure:
        """'over NT$32.8 billion (US$1 billion)': a figure in parentheses right after another restates it in
        other units, and keeps its bound."""
        earlier = [f for f in sent.figures if f.unit_end <= fig.start]
        if (
            not earlier
            or fig.quantity.qualifier
            or not _RESTATED_GAP.fullmatch(sent.text, earlier[-1].unit_end, fig.start)
        ):
            return fig
        qualifier = earlier[-1].quantity.qualifier
        return replace(fig, quantity=replace(fig.quantity, qualifier=qualifier)) if qualifier else fig

    def _stance(self, sent: _Sentence, fig: Figure, mention: Mention, state: _State) -> list[Mention]:
        """The mention as the text takes it: denied outright ('not two years behind') it disputes the
        figure; reported by one party and rejected by another ('X says DeepSeek is misrepresenting its
        claims about 2,048 GPUs', '$6M ... surely is the low end of estimates') it stays the claimant's
        record and gains a piece of evidence against it in the doubter's name, quoting the doubt."""
        text = sent.text
        clause_start = self._clause_start(sent, fig.start)
        lo = max(clause_start, fig.start - 60)
        denial = self.denial
        if denial.possible(sent.literals, lo, fig.start) and denial.pattern.search(text, lo, fig.start):
            return [replace(mention, stance="disputes")]
        before = self.doubt_before
        doubts = (
            list(before.pattern.finditer(text, clause_start, fig.start))
            if before.possible(sent.literals, clause_start, fig.start)
            else []
        )
        own = reporter_at(text, sent.reports, fig.start, sent.names) if doubts else None
        own_verb = own is not None and self.rules.verbs.fullmatch(own.cue) is not None
        if own is not None and own.start >= doubts[-1].end() and own_verb:
            doubts = []  # "X disputes these claims, saying that ... $1B": the figure is the doubter's own
        if doubts:
            report = reporter_at(text, sent.reports, doubts[-1].start(), sent.names)
            doubter = self._asserter(report.parties if report else (), mention.subject, state, False)
            if doubter != mention.asserted_by:
                return [mention, self._doubt(mention, doubter, text, doubts[-1].start(), fig.unit_end)]
        after = next(
            (
                m
                for d in self.doubt_after
                if d.possible(sent.literals, fig.unit_end, sent.end)
                and (m := d.pattern.match(text, fig.unit_end, sent.end))
            ),
            None,
        )
        if after is None:
            return [mention]
        if mention.asserted_by == "author":
            return [replace(mention, stance="disputes")]
        return [mention, self._doubt(mention, "author", text, fig.start, after.end())]

    @staticmethod
    def _doubt(mention: Mention, doubter: str, text: str, start: int, end: int) -> Mention:
        """Evidence against a mention's figure in the doubter's voice, quoting the words of the doubt."""
        return replace(
            mention, stance="disputes", asserted_by=doubter, parties=(doubter,), start=start, end=end,
            quote=text[start:end],
        )

    def _rival_of_pair(self, sent: _Sentence, fig: Figure) -> str | None:
        """'It trails o1 on GPQA, 71.5% to 75.7%', 'ties o1 at 49.2% versus 48.9%': the second figure of a
        pair set against a rival is the rival's."""
        earlier = [f for f in sent.figures if f.end <= fig.start]
        if not earlier or not _PAIR_GAP.fullmatch(sent.text, earlier[-1].unit_end, fig.start):
            return None
        for verb in reversed(list(_RIVAL_VERB.finditer(sent.text, sent.start, earlier[-1].start))):
            # (a verb with no rival of its own, "and roughly ties at 49.2% versus 48.9%", has the one before)
            rivals = [n for n in sent.names if n.role == "entity" and 0 <= n.start - verb.end() <= 4]
            if rivals:
                return rivals[0].name
        return None

    def _owner_voice(self, sent: _Sentence, fig: Figure) -> tuple[str, ...]:
        """'DeepSeek's $6M model': a company's own figure, written as its possession, is its claim."""
        before = sent.text[max(sent.start, fig.start - 40) : fig.start]
        if "'" not in before and "’" not in before:
            return ()
        match = _POSSESSOR_BEFORE.search(before)
        if not match:
            return ()
        # ("treating DeepSeek's": the possessor is the name, not the words before it)
        party = self.vocabulary.party(match.group(1)) or self.vocabulary.party(match.group(1).split()[-1])
        spec = self.vocabulary.entities.get(party or "")
        claimed = _CLAIMED_THING_AFTER.match(sent.text[fig.unit_end : fig.unit_end + 30])
        return (party,) if party and spec and spec.kind == "org" and claimed else ()

    def _price_unit(self, sent: _Sentence, fig: Figure, state: _State) -> Figure:
        """'R1 is priced at $0.55 and $2.19': in an article that prices models per million tokens, a small
        dollar price of a model is a per-million-token price too."""
        q = fig.quantity
        if q.unit != "USD" or q.value is None or q.value >= 100 or q.note or not state.per_token_prices:
            return fig
        if re.match(
            r"[\s-]*(?:per|/|an?)[\s-]*(?:gpu|h800|h100|a100|chip|hour|hr\b)",
            sent.text[fig.end : fig.end + 20],
            re.I,
        ):
            return fig  # "$2 per GPU hour", "$2-per-hour" are rental prices
        if not _PRICE_CUE.search(sent.text, max(sent.start, fig.start - 60), min(sent.end, fig.end + 40)):
            return fig
        return replace(fig, quantity=replace(q, unit="USD/1M tokens"))

    def _default_confidence(self, metric: str, subject: str, remembered: str | None) -> float:
        """How sure a subject the sentence does not name is: one the same figure had before (0.8), the
        industry for a field-wide metric (0.9), the passage's topic (0.7), or none at all (0)."""
        if subject == UNSPECIFIED:
            return 0.0
        if remembered:
            return 0.8
        return 0.9 if metric in self.no_default_subject else 0.7

    def _remember_label(self, sent: _Sentence, state: _State) -> None:
        """'Meta:' alone on a line labels the lines under it (a list or a spec sheet) until prose resumes."""
        if sent.span.lead_in:
            line = _LABEL_MARKUP.sub("", sent.text[sent.start : sent.end])
            entities = [n for n in sent.names if n.role == "entity"]
            if len(entities) == 1 and line.lower() == sent.text[entities[0].start : entities[0].end].lower():
                state.label_subject = self._passage_model(entities[0].name, state, sent.start)
                return
        if state.label_subject and _ENDS_PROSE.search(sent.text, sent.start, sent.end):
            state.label_subject = None

    def _passage_model(self, name: str, state: _State, before: int) -> str:
        """A company named as a label after the passage named one of its models ('DeepSeek V3 is
        astonishing: ... DeepSeek:') stands for that model."""
        spec = self.vocabulary.entities.get(name)
        if spec is None or spec.kind != "org":
            return name
        i = bisect_right(state.topic_mentions, before) - 1
        for earlier in reversed(state.topic_names[max(0, i - 5) : i + 1]):
            known = self.vocabulary.entities.get(earlier)
            if known is not None and known.kind == "model" and self.vocabulary.family(earlier) == name:
                return earlier
        return name

    def _default_subject(self, sent: _Sentence, fig: Figure, state: _State) -> str:
        """A figure whose sentence names no subject is about the document's topic, if the passage is.

        A figure that only modifies another noun ("the upcoming 100K H100 clusters") or sits in a passage
        that never names the topic gets no subject rather than a wrong one.
        """
        if sent.span.list_item and state.lead_subject:
            return state.lead_subject
        if state.label_subject:
            return state.label_subject
        metric = self._metric(sent, fig)
        if metric in self.no_default_subject:  # "costs fall 4x a year" is about the field, not the passage
            return self.no_default_subject[metric]
        i = bisect_right(state.topic_mentions, fig.start) - 1
        topical = i >= 0 and state.topic_mentions[i] >= fig.start - TOPIC_WINDOW
        if not topical:  # the topic may be named later in the same sentence
            j = bisect_right(state.topic_mentions, sent.end) - 1
            topical, i = j >= 0 and state.topic_mentions[j] >= sent.start, j
        modifier = fig.quantity.unit == "GPU" and re.match(
            r"\s+(?:[a-z-]+\s+){0,2}(?:models?|clusters?|systems?|"
            r"supercomputers?|data ?cent(?:er|re)s?|chips?)\b",
            sent.text[fig.unit_end : fig.unit_end + 40],
        )
        # The most recent DeepSeek name stands for the passage's subject:
        # "V3 ... The full run took 2.788M hours".
        return state.topic_names[i] if topical and not modifier else UNSPECIFIED

    def _released_thing(self, sent: _Sentence, fig: Figure) -> str | None:
        """'DeepSeek released R1 on January 20': what was released is the object, not the maker."""
        clause_start = self._clause_start(sent, fig.start)
        models = [
            n
            for n in sent.names
            if n.role == "entity" and n.kind in ("model", "product") and clause_start <= n.start < fig.start
        ]
        return models[-1].name if models else None

    def _named_subject(self, sent: _Sentence, fig: Figure) -> str | None:
        """A proper name outside the vocabulary that opens the figure's clause:
        'The Nasdaq Composite fell 3.1%'."""
        clause_start = self._clause_start(sent, fig.start)
        match = _PROPER_SUBJECT.match(sent.text, clause_start, fig.start)
        if not match or any(n.start < match.end(1) and match.start(1) < n.end for n in sent.names):
            return None
        name = match.group(1)
        return None if name.split()[0] in _NOT_NAMES else name

    def _clause_start(self, sent: _Sentence, position: int) -> int:
        known = sent.clause_starts.get(position)
        if known is not None:  # asked again for the same figure: the same answer
            return known
        start = sent.start
        for match in _CLAUSE_BREAK.finditer(sent.text, sent.start, position):
            start = match.end()
        sent.clause_starts[position] = start
        return start

    def _clause_end(self, sent: _Sentence, position: int) -> int:
        known = sent.clause_ends.get(position)
        if known is None:
            match = _CLAUSE_BREAK.search(sent.text, position, sent.end)
            known = sent.clause_ends[position] = match.start() if match else sent.end
        return known

    def _eligible(
        self, sent: _Sentence, exclude: Iterable[str], figure: Figure | None, hardware: bool = False
    ) -> list[Name]:
        excluded = set(exclude)
        persons = [n for n in sent.names if n.role == "party" and n.kind == "person"]
        speaking = [p for p in persons if p.name in excluded]
        affiliations = {self.vocabulary.parties[p.name].affiliation for p in speaking} - {None}
        inside = [(f.start, f.unit_end) for f in sent.figures]
        out = []
        for n in sent.names:
            if (
                n.role != "entity"
                or n.kind in ("person", "publication", "concept")
                or (n.kind == "hardware" and not hardware)
            ):
                continue
            if (any(s <= n.start < e for s, e in inside) and not hardware) or any(
                p.start <= n.start < p.end for p in persons
            ):
                continue
            if n.name in affiliations and any(
                abs(p.start - n.end) < 40 or abs(n.start - p.end) < 40 for p in speaking
            ):
                continue
            if n.name in excluded and not (figure and n.start > figure.end):
                continue
            out.append(n)
        return out

    def _prefer_model(self, names: list[Name], first: Name) -> Name:
        """'DeepSeek's R1' names R1: an organisation followed by its own model names the model."""
        for n in names:
            if (
                n.start >= first.end
                and n.start - first.end <= 3
                and self.vocabulary.is_ancestor_or_self(first.name, n.name)
            ):
                return n
        return first

    def _subject(
        self,
        sent: _Sentence,
        start: int,
        end: int,
        state: _State,
        *,
        exclude: Iterable[str],
        figure: Figure | None = None,
        hardware: bool = False,
    ) -> str | None:
        """The entity a figure (or claim) at [start, end) is about, or None when the sentence does not say."""
        exclude = tuple(exclude)
        names = self._eligible(sent, exclude, figure, hardware)
        text = sent.text
        after = [
            n
            for n in names
            if end <= n.start <= end + 40 and _AFTER_SUBJECT.fullmatch(self._visible(sent, end, n.start))
        ]
        if after:
            group = [
                n
                for n in names
                if after[0].start <= n.start <= after[0].start + 30
                and ")" not in text[after[0].start : n.start]
            ]
            specific = [n for n in group if n.kind == "model"]
            return (specific or after)[0].name
        beneficiary = self._priced_for(sent, names, end)
        if beneficiary:
            return beneficiary
        names = self._outside_asides(sent, names, start)
        owner = [
            n
            for n in names
            if n.end <= start and _OWNER_GAP.fullmatch(text[n.end : start])
        ]
        if owner:  # "the H100's 900GB/s", "NVIDIA's $593B loss", "o1: 96.4%"
            return owner[-1].name
        clause_start, clause_end = self._clause_start(sent, start), self._clause_end(sent, end)
        speaker = self._speaking_about_itself(sent, names, exclude, start)
        if speaker:
            return speaker
        clause = text[clause_start:start]
        complement = _THAT.split(clause)[-1]  # "X told Reuters that the company had ..."
        if ", " in complement and not _ANAPHOR.search(clause) and not _ANAPHOR.search(complement):
            complement = complement.rsplit(", ", 1)[-1]  # "in 2021, before the export rules, it bought ..."
        anaphor = _ANAPHOR.search(clause) or _ANAPHOR.search(complement)
        at = (
            start - len(complement)
            if _ANAPHOR.search(complement) and not _ANAPHOR.search(clause)
            else clause_start
        )
        named_between = [
            n for n in names if at <= n.start < start and not _COMPARISON.search(text, at, n.start)
        ]
        if (
            anaphor and not named_between
        ):  # "It trails o1 ... 71.5%": the pronoun, not the rival, is the subject
            found = self._antecedent(names, at, state, exclude, anaphor.group(0), sent)
            if found:
                return found
        before = [
            n
            for n in names
            if clause_start <= n.start < start and not _COMPARISON.search(text, clause_start, n.start)
        ]
        if before:
            nearest = before[-1]
            gap = text[nearest.end : start]
            if len(gap) <= 40 and "," not in gap and not re.search(r"\b(?:than|versus|vs)\b|^['’]s\b", gap):
                return self._prefer_model(names, nearest).name
            if _RELATIVE_GAP.fullmatch(gap):  # "Stargate, a joint venture that aims to invest $500B"
                return self._prefer_model(names, nearest).name
            return self._prefer_model(names, before[0]).name
        later = [
            n
            for n in names
            if end <= n.start < clause_end
            and not re.search(r",\s*(?:and|which|but)\b|\b(?:than|compared|versus|vs)\b", text[end : n.start])
        ]
        if later:
            return self._prefer_model(names, later[0]).name
        possessive = _POSSESSIVE_ANAPHOR.search(clause) or _POSSESSIVE_ANAPHOR.search(complement)
        if possessive:
            found = self._antecedent(names, clause_start, state, exclude, possessive.group(0), sent)
            if found:
                return found
        earlier = [n for n in names if n.end <= start and not _COMPARISON.search(text, sent.start, n.start)]
        if earlier:
            return self._prefer_model(names, earlier[-1]).name
        own = [
            p
            for p in exclude
            if self.vocabulary.entities.get(p) and self.vocabulary.entities[p].kind in ("org", "model")
        ]
        if own:
            return own[0]
        return None

    @staticmethod
    def _priced_for(sent: _Sentence, names: list[Name], end: int) -> str | None:
        """'charges $15 and $60, respectively, for o1': prices name what they are for after the list."""
        tail = _PRICE_LIST_TAIL.match(sent.text, end, sent.end)
        if not tail:
            return None
        found = [n for n in names if n.start == tail.end()]
        return found[0].name if found else None

    def _speaking_about_itself(
        self, sent: _Sentence, names: list[Name], voice: tuple[str, ...], start: int
    ) -> str | None:
        """'Meta said it would spend $60B': a company quoted about 'it' or 'its' own plans is the subject."""
        for party in voice:
            spec = self.vocabulary.entities.get(party)
            spans = [n for n in sent.names if n.name == party and n.end <= start]
            if not spec or spec.kind != "org" or not spans:
                continue
            between = sent.text[spans[-1].end : start]
            if re.search(r"\b(?:it|its|they|their|we|our)\b", between) and not any(
                spans[-1].end <= n.start < start for n in names
            ):
                return party
        return None

    def _antecedent(
        self,
        names: list[Name],
        start: int,
        state: _State,
        voice: tuple[str, ...],
        pronoun: str,
        sent: _Sentence,
    ) -> str | None:
        """What 'it', 'they' or 'the company' (written at ``start``) refers to: the speaker of the clause
        if it is a company ("Meta said it would spend"), else the last DeepSeek name before it in the
        sentence, else the last name before it, else the subject of the sentence before. A description
        ('the company') names the speaker only when the sentence names no other company before it
        ("SemiAnalysis estimates DeepSeek's capex is $1.3B, and that the company has 10,000 H800s")."""
        own = [
            p for p in voice if self.vocabulary.entities.get(p) and self.vocabulary.entities[p].kind == "org"
        ]
        described = re.search(r"company|firm|lab|startup|team|stock|shares", pronoun, re.I) is not None
        earlier = [n for n in names if n.end <= start]
        if own and not (described and earlier):
            return own[0]
        family = [n for n in earlier if self.vocabulary.family(n.name) == "DeepSeek"]
        # the sentence's own subject, named first, before a name met on the way ("High-Flyer was a buyer of
        # Nvidia hardware: ... it bought 10,000 A100s")
        lead = [n for n in earlier[:1] if _LEAD_GAP.fullmatch(sent.text, sent.start, n.start)]
        found = (
            family[-1].name if family else lead[0].name if lead else earlier[-1].name if earlier
            else state.last_subject
        )
        if found and described:
            found = self.vocabulary.family(found)  # "the company" is the maker, not its model
        return found

    @staticmethod
    def _outside_asides(sent: _Sentence, names: list[Name], position: int) -> list[Name]:
        """Names inside a parenthesis that does not hold the figure are asides ('(o1: 96.4%)')."""
        asides = [
            m.span()
            for m in _PARENS.finditer(sent.text, sent.start, sent.end)
            if not m.start() <= position < m.end()
        ]
        return [n for n in names if not any(a <= n.start < b for a, b in asides)]

    def _visible(self, sent: _Sentence, start: int, end: int) -> str:
        """Text between two offsets with markup and addresses removed."""
        return "".join(
            ch for i, ch in enumerate(sent.text[start:end], start) if not sent.masks.overlaps(i, i + 1)
        )

    def _asserter(self, voice: tuple[str, ...], subject: str, state: _State, list_item: bool) -> str:
        """Who asserts a figure, for people to read: the parties joined, or 'author'."""
        return " and ".join(self._parties(voice, subject, state, list_item)) or "author"

    def _parties(
        self, voice: tuple[str, ...], subject: str, state: _State, list_item: bool
    ) -> tuple[str, ...]:
        """Who asserts a figure, one name per party (never split from a joined string later)."""
        if not voice and list_item and state.lead_reporter:
            voice = state.lead_reporter
        resolved = []
        for party in voice:
            if party == REPORT and state.last_reporter:
                resolved.append(state.last_reporter)
            elif party in (SELF, PAPER, REPORT):
                family = self.vocabulary.family(subject)
                spec = self.vocabulary.entities.get(family)
                if spec and spec.kind == "org" and family in self.vocabulary.parties:
                    resolved.append(family)
                elif party != SELF:
                    resolved.append(state.topic)
            else:
                resolved.append(self.vocabulary.party(party) or party)
        return tuple(dict.fromkeys(resolved)) or ("author",)

    def _metric(self, sent: _Sentence, fig: Figure) -> str:
        """The vocabulary metric whose cue words sit closest to the figure, among those its unit allows."""
        known = sent.metrics.get(fig)
        if known is None:
            known = sent.metrics[fig] = self._work_out_metric(sent, fig)
        return known

    def _work_out_metric(self, sent: _Sentence, fig: Figure) -> str:
        q = fig.quantity
        if q.unit == "GPU" and q.value == 1 and fig.kind == "words":
            return "deployment_hardware"  # "fits on a single GPU" is about capacity, never a fleet size
        text = sent.text
        clause_start, clause_end = self._clause_start(sent, fig.start), self._clause_end(sent, fig.unit_end)
        best, best_score, cued = "other", 0.0, False
        ranges, value = self.metric_range, q.value
        for metric, notes, side, cues, max_gap in self._live_metrics(sent, q.unit):
            if notes and q.unit == "other" and q.note not in notes:
                continue
            bounds = ranges.get(metric)
            if bounds is not None and value is not None and not bounds[0] <= value <= bounds[1]:
                continue  # implausible for this metric ("196 million GPUs")
            score, by_cue = 0.0, False
            for cue, weight in cues:
                if cue is None:
                    score += weight
                    continue
                if side == "before":
                    lo = max(sent.start, fig.start - 30)
                    hit = 1.0 if cue.possible(sent.literals, lo, fig.start) and cue.pattern.search(
                        text[lo : fig.start]
                    ) else 0.0
                elif side == "after":
                    hi = min(sent.end, fig.end + 25)
                    hit = 1.0 if cue.possible(sent.literals, fig.end, hi) and cue.pattern.match(
                        text[fig.end : hi]
                    ) else 0.0
                else:
                    hit = self._closeness(cue, sent, fig, clause_start, clause_end, max_gap)
                if hit:
                    score += weight * hit
                    by_cue = True
            if score > best_score:
                best, best_score, cued = metric, score, by_cue
        sent.metric_cued[fig] = cued
        return best

    def _metric_confidence(self, sent: _Sentence, fig: Figure, metric: str) -> float:
        """1 for a metric named by a cue word, the metric's default for one its unit alone implies."""
        if metric == "other":
            return 0.0
        return 1.0 if sent.metric_cued.get(fig) else self.default_confidence.get(metric, 0.9)

    def _live_metrics(self, sent: _Sentence, unit: str) -> list[Any]:
        """The unit's metrics with only the cues that can match somewhere in the document (a cue that cannot
        adds 0.0 to a score, which changes nothing); metrics left with no cue at all can only score 0.0,
        never better than "other", and are left out. Worked out once per document and unit."""
        live = sent.live_metrics.get(unit)
        if live is None:
            live = sent.live_metrics[unit] = []
            for metric, _units, notes, side, cues, max_gap in self.metrics_by_unit.get(unit, ()):
                kept = [(cue, weight) for cue, weight in cues if cue is None or cue.anywhere(sent.literals)]
                if kept:
                    live.append((metric, notes, side, kept, max_gap))
        return live

    @staticmethod
    def _closeness(
        cue: Prefiltered, sent: _Sentence, fig: Figure, clause_start: int, clause_end: int, max_gap: int = 80
    ) -> float:
        """1.0 for a cue right by the figure, falling with distance; a little for one further off in the
        sentence."""
        best = 0.0
        lo, hi = max(sent.start, fig.start - 120), min(sent.end, fig.unit_end + 120)
        if not cue.possible(sent.literals, lo, hi):
            return best
        for match in cue.pattern.finditer(sent.text, lo, hi):
            # "of its 671 billion": a cue written around another figure of the same unit is that figure's
            unit = fig.quantity.unit
            if any(match.start() <= f.start < match.end() and f is not fig and f.quantity.unit == unit
                   for f in sent.figures):
                continue
            before = match.end() <= fig.start
            gap = fig.start - match.end() if before else max(0, match.start() - fig.unit_end)
            inside = clause_start <= match.start() < clause_end
            if gap > max_gap and max_gap < 80:
                continue  # a cue that must sit right by its figure ("37B active")
            value = (1.0 if gap <= 15 else max(0.3, 1.0 - (gap - 15) / 65)) if inside and gap <= 80 else 0.1
            if before and _COORDINATED.search(sent.text, match.end(), fig.start):
                value *= 0.5  # "a 42.5% cut in costs and a 5.76x boost": the cue belongs to the first phrase
            elif not before and any(fig.unit_end <= f.start < match.start() for f in sent.figures):
                value *= 0.5  # "671B total parameters and 37B active": the cue belongs to the nearer figure
            best = max(best, value)
        return best

    def _scope(self, sent: _Sentence, fig: Figure, metric: str) -> str:
        """The scope facets the words around a figure state, as 'facet=value;...' (see claims.scopes)."""
        if metric == "other":
            return ""  # an unclassified figure is compared with nothing: its scope would not be read
        facets = self._facets(sent, fig.start, fig.unit_end, metric)
        if metric == "gpu_count" and fig.descriptor:
            hardware = self._hardware_term(fig.descriptor)
            if hardware:
                facets["hardware"] = hardware
        return format_scope(facets)

    def _facets(self, sent: _Sentence, start: int, end: int, metric: str) -> dict[str, str]:
        # the 'near' facets' cues are found once a sentence; a facet none of whose cues occurs is skipped
        live = [(f, self._hits(sent, f)) for f in self._facets_of(metric)]
        live = [(f, hits) for f, hits in live if hits or f.side != "near"]
        if not live:
            return {}
        clause = (
            (self._clause_start(sent, start), self._clause_end(sent, end))
            if any(f.within == "clause" for f, _ in live)
            else (sent.start, sent.end)
        )
        return {
            f.facet: value for f, hits in live if (value := _facet_value(f, sent, start, end, clause, hits))
        }

    def _facets_of(self, metric: str) -> tuple[ScopeFacet, ...]:
        known = self._metric_facets.get(metric)
        if known is None:
            known = tuple(f for f in self.vocabulary.scopes if f.applies(metric))
            self._metric_facets[metric] = known
        return known

    def _hits(self, sent: _Sentence, facet: ScopeFacet) -> list[tuple[int, int, str]]:
        """Every (start, end, value) a 'near' facet's cues match in the sentence, found once a sentence."""
        if facet.side != "near":
            return []
        found = sent.facet_hits.get(facet.facet)
        if found is None:
            found = sent.facet_hits[facet.facet] = []
            test, text = self._facet_tests[facet.facet], sent.text
            if test.possible(sent.literals, sent.start, sent.end):
                scan = self._facet_scans.get(facet.facet)
                if scan is not None:
                    found.extend(
                        (m.start(), m.end(), facet.value_of(m))
                        for m in scan.finditer(text, sent.start, sent.end)
                    )
                else:
                    found.extend(
                        (m.start(), m.end(), v.of(m))
                        for v in facet.values
                        for m in v.cue.finditer(text, sent.start, sent.end)
                    )
        return found

    def _hardware_term(self, descriptor: str) -> str | None:
        """The chip model a count's descriptor names ('Nvidia H800 GPUs' -> 'h800'), if exactly one."""
        found = set(self._hardware_terms.findall(descriptor.lower()))
        models = {t for t in found if any(ch.isdigit() for ch in t)} or found
        return models.pop() if len(models) == 1 else None

    def _hypothetical(self, sent: _Sentence, position: int) -> bool:
        """A conditional or scenario before the figure in its sentence ('if', 'would'), or a modal of mere
        possibility after it in its clause ('... improvements are theoretically possible')."""
        clause_end = self._clause_end(sent, position)
        after = self.conditionals_after
        if after.possible(sent.literals, position, clause_end) and after.pattern.search(
            sent.text, position, clause_end
        ):
            return True
        if _IF_IDIOMS_P.possible(sent.literals, sent.start, position):
            before, idioms = _IF_IDIOMS.subn(" ", sent.text[sent.start : position])
        else:  # no idiom can be there: the text as it is
            before, idioms = sent.text[sent.start : position], 0
        clause_start = self._clause_start(sent, position)
        clause = sent.text[clause_start:position]
        conditionals = self.conditionals
        if sent.literals is not None and not idioms:  # every cue below is pre-tested: drop those that cannot
            conditionals = sent.literals.live(conditionals)
        for cue in conditionals:
            if cue.pattern.pattern == r"\bwould\b":
                target, lo = clause, clause_start
            else:  # the pre-test reads the document's text: only valid where no idiom was blanked
                target, lo = before, sent.start if not idioms else -1
            if lo >= 0 and not cue.possible(sent.literals, lo, position):
                continue
            if cue.pattern.search(target):
                return True
        return False

    def _quote_span(self, sent: _Sentence, start: int, end: int) -> tuple[int, int]:
        if sent.end - sent.start <= _QUOTE_LIMIT:
            return sent.start, sent.end
        text = sent.text
        lo = max(sent.start, start - _QUOTE_LIMIT // 2)
        hi = min(sent.end, end + _QUOTE_LIMIT // 2)
        while lo > sent.start and not text[lo - 1].isspace():
            lo -= 1
        while hi < sent.end and not text[hi].isspace():
            hi += 1
        return lo, hi

    # -- yes/no claims and hardware ------------------------------------------------------------

    def _family_subject(
        self, sent: _Sentence, state: _State, near: int, *, topic_fallback: bool = False
    ) -> str | None:
        """Whose yes/no claim: the one DeepSeek model named, else DeepSeek, else a pronoun agent just
        before."""
        family = [
            n for n in sent.names if n.role == "entity" and self.vocabulary.family(n.name) == "DeepSeek"
        ]
        clause_start = self._clause_start(sent, near)
        if not any(n.start >= clause_start for n in family):
            rivals = [
                n
                for n in sent.names
                if n.role == "entity"
                and n.kind == "model"
                and clause_start <= n.start < near
                and re.match(
                    r"\s+(?:is|was|has|had|also|reportedly|uses|used|\w+ed)\b", sent.text[n.end : n.end + 15]
                )
            ]
            if rivals:  # "GPT-4 was reportedly an MoE model as well"
                return rivals[-1].name
        models = list(dict.fromkeys(n.name for n in family if n.name != "DeepSeek"))
        if len(models) == 1:
            return models[0]
        if family:
            return "DeepSeek"
        if any(r.parties == (PAPER,) and r.start <= near for r in sent.reports):
            return self.vocabulary.family(state.last_family or state.topic)
        agent = _PRONOUN_AGENT.search(sent.text, max(sent.start, near - 60), near)
        if (
            state.last_family
            and agent
            and not self.rules.verbs.search(agent.group("gap"))
            and not re.search(r"\b(?:think|know|wonder|consider|feel|doubt)\w*", agent.group("gap"))
        ):
            return self.vocabulary.family(state.last_family)
        others = [n for n in sent.names if n.role == "entity" and n.kind in ("org", "model", "product")]
        people = re.search(
            r"\b(?:I|we|you|they|people|anyone|someone|companies|labs)\b", sent.text[sent.start : near]
        )
        if (
            topic_fallback and not others and not people
        ):  # "All of the weights are MIT-licensed", about DeepSeek
            i = bisect_right(state.topic_mentions, near) - 1
            if i >= 0 and state.topic_mentions[i] >= near - TOPIC_WINDOW // 2:
                return state.topic_names[i]
        return None

    def _negated(self, sent: _Sentence, position: int, extra: Sequence[re.Pattern[str]]) -> bool:
        text = sent.text
        window_start = max(sent.start, position - 80)
        if any(p.search(text, window_start, position) for p in extra):
            return True
        clause_start = max(
            [window_start, *(m.end() for m in _NEGATION_SCOPE.finditer(text, window_start, position))]
        )
        negations = self.negations if sent.literals is None else sent.literals.live(self.negations)
        return any(
            p.possible(sent.literals, clause_start, position)
            and p.pattern.search(text, clause_start, position)
            for p in negations
        )

    def _bool_mention(
        self, sent: _Sentence, metric: str, value: float, at: int, subject: str, state: _State
    ) -> Mention:
        report = reporter_at(sent.text, sent.reports, at, sent.names)
        parties = self._parties(report.parties if report else (), subject, state, sent.span.list_item)
        hedge = hedge_before(sent.text, sent.start, at, self.rules, literals=sent.literals)
        start, end = self._quote_span(sent, at, at)
        return Mention(
            start=start,
            end=end,
            quote=sent.text[start:end],
            quantity=Quantity(value, unit="bool", text=""),
            subject=subject,
            metric=metric,
            asserted_by=" and ".join(parties),
            parties=parties,
            hedge=hedge,
            hypothetical=self._hypothetical(sent, at),
            note="yes/no claim: value 1 = yes, 0 = no",
        )

    def _qualitative(self, sent: _Sentence, state: _State) -> list[Mention]:
        out = []
        rules = self.qualitative  # (metric, value, cue, negations, fallback)
        if sent.literals is not None:
            rules = sent.literals.live(rules, itemgetter(2))
        for metric, value, cue, negations, fallback in rules:
            if not cue.possible(sent.literals, sent.start, sent.end):
                continue
            match = cue.pattern.search(sent.text, sent.start, sent.end)
            if match is None:
                continue
            subject = self._family_subject(sent, state, match.start(), topic_fallback=fallback)
            if subject is None:
                continue
            negated = self._negated(sent, match.start(), negations)
            out.append(
                self._bool_mention(
                    sent, metric, 0.0 if negated else float(value), match.start(), subject, state
                )
            )
        return out

    def _gpu_type(self, sent: _Sentence, value_text: str, at: int, subject: str, state: _State) -> Mention:
        report = reporter_at(sent.text, sent.reports, at, sent.names)
        parties = self._parties(report.parties if report else (), subject, state, sent.span.list_item)
        start, end = self._quote_span(sent, at, at + len(value_text))
        return Mention(
            start=start,
            end=end,
            quote=sent.text[start:end],
            quantity=Quantity(None, unit="other", text=value_text),
            subject=subject,
            metric="gpu_type",
            value_start=at,
            value_end=at + len(value_text),
            value_text=value_text,
            asserted_by=" and ".join(parties),
            parties=parties,
            hedge=hedge_before(sent.text, sent.start, at, self.rules, literals=sent.literals),
            note="hardware class: " + (self.vocabulary.hardware_tier(value_text) or "unknown"),
            scope=format_scope(self._facets(sent, at, at + len(value_text), "gpu_type")),
        )

    def _gpu_type_of_count(self, sent: _Sentence, fig: Figure, count: Mention) -> Mention | None:
        if self.vocabulary.family(count.subject) != "DeepSeek" or not self.vocabulary.hardware_tier(
            fig.descriptor
        ):
            return None
        words = sent.text[fig.end : fig.unit_end].strip()
        # "2.788M H800 GPU hours": the chip is "H800"; the hours are the unit, not part of the type
        words = _HOURS_TAIL.sub("", words) or words
        at = sent.text.index(words, fig.end) if words else fig.end
        mention = self._gpu_type(sent, words, at, count.subject, _State())
        return replace(
            mention, asserted_by=count.asserted_by, parties=count.parties, hedge=count.hedge,
            confidence=count.confidence,
        )

    def _hardware_types(self, sent: _Sentence, state: _State) -> list[Mention]:
        out: list[Mention] = []
        taken = [(f.start, f.unit_end) for f in sent.figures]
        if not (
            _HARDWARE_NOUN_WORDS.possible(sent.literals, sent.start, sent.end)
            and _HARDWARE_NOUN_WORDS.pattern.search(sent.text, sent.start, sent.end)
            or _HARDWARE_MODELS.search(sent.text, sent.start, sent.end)
        ):
            return self._named_chips(sent, state, [])  # every hardware phrase ends in one of these nouns
        for match in _HARDWARE_PHRASE.finditer(sent.text, sent.start, sent.end):
            desc = match.group("desc") + match.group("noun")
            at = match.start("desc")
            if any(s <= at < e for s, e in taken) or not self.vocabulary.hardware_tier(desc):
                continue
            subject = self._family_subject(sent, state, at)
            if subject is None or self._hypothetical(sent, at):
                continue
            out.append(self._gpu_type(sent, desc.strip(), at, subject, state))
        named = self._named_chips(sent, state, [(m.value_start or 0, m.value_end or 0) for m in out])
        return self._specific_chips(out, named, sent.text)

    def _named_chips(self, sent: _Sentence, state: _State, taken: list[tuple[int, int]]) -> list[Mention]:
        """'DeepSeek used "lawfully acquired" H800 products, not H100': a chip named as what was used or
        acquired is a hardware claim; one set after 'not' is denied."""
        out = []
        for name in sent.names:
            if name.kind != "hardware" or any(s <= name.start < e for s, e in taken):
                continue
            if any(f.start <= name.start < f.unit_end for f in sent.figures):
                continue  # "2,048 H800 GPUs": the count's own descriptor
            if not _CHIP_USE.search(sent.text, max(sent.start, name.start - 60), name.start):
                continue
            subject = self._family_subject(sent, state, name.start)
            if subject is None or self._hypothetical(sent, name.start):
                continue
            mention = self._gpu_type(sent, sent.text[name.start : name.end], name.start, subject, state)
            denied = self.denial.pattern.search(sent.text, max(sent.start, name.start - 30), name.start)
            if denied:
                mention = self._doubt(mention, mention.asserted_by, sent.text, denied.start(), name.end)
            out.append(mention)
        return out

    @staticmethod
    def _specific_chips(phrases: list[Mention], named: list[Mention], text: str) -> list[Mention]:
        """'high-end Nvidia chips, including H100 chips': a chip named as an instance replaces the phrase."""
        kept = [
            p for p in phrases
            if not any(_INSTANCE_GAP.fullmatch(text, p.value_end or 0, n.value_start or 0) for n in named)
        ]
        return kept + named


BOOL = BOOL_METRICS  # re-exported for callers that filter yes/no claims
