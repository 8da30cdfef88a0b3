"""The spaCy pipeline, built in one function on spacy.blank("en") with rule components fed by data files."""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from claims.vocabulary import Vocabulary, load_vocabulary, resources_dir

__all__ = ["build_nlp", "load_patterns", "EntityMatcher"]

# The longest document ingest reads (characters): spaCy's own default limit is 1,000,000.
MAX_DOCUMENT_CHARS = 50_000_000

# Aliases this short ("o1", "V3", "R1") only match with their exact case; longer ones ignore case.
_CASE_SENSITIVE_BELOW = 4


class EntityMatcher:
    """Marks entity and party names (canonical names and aliases) as ``doc.spans['entities'|'parties']``."""

    def __init__(self, nlp: Language, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.folded = PhraseMatcher(nlp.vocab, attr="LOWER")
        entity_names = {alias: name for alias, name in vocabulary.aliases()}
        party_names = {alias: p.name for p in vocabulary.parties.values() for alias in (p.name, *p.aliases)}
        self._add(nlp, "ENTITY", entity_names)
        self._add(nlp, "PARTY", party_names)

    def _add(self, nlp: Language, prefix: str, names: dict[str, str]) -> None:
        by_label: dict[tuple[str, bool], list[Doc]] = {}
        for alias, canonical in names.items():
            exact = len(alias) < _CASE_SENSITIVE_BELOW
            by_label.setdefault((f"{prefix}|{canonical}", exact), []).append(nlp.make_doc(alias))
        for (label, exact), docs in by_label.items():
            (self.exact if exact else self.folded).add(label, docs)

    def name_spans(self, doc: Doc) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
        """The entity and party names of a tokenized doc as (start_char, end_char, canonical name), in the
        order ``__call__`` stores them in ``doc.spans`` (overlaps resolved as ``filter_spans`` does), without
        building Span objects.

        >>> import spacy
        >>> from claims.vocabulary import default_vocabulary
        >>> nlp = spacy.blank("en")
        >>> matcher = EntityMatcher(nlp, default_vocabulary())
        >>> matcher.name_spans(nlp.make_doc("Nvidia says DeepSeek-V3 used 2,048 GPUs"))[0]
        [(0, 6, 'NVIDIA'), (12, 23, 'DeepSeek-V3')]
        """
        entities: list[tuple[int, int, str]] = []
        parties: list[tuple[int, int, str]] = []
        for is_entity, start, end, canonical in self._matches(doc):
            (entities if is_entity else parties).append((start, end, canonical))
        return _char_spans(doc, _filter_spans(entities)), _char_spans(doc, _filter_spans(parties))

    def _matches(self, doc: Doc) -> list[tuple[bool, int, int, str]]:
        """(is an entity rather than a party, start token, end token, canonical name) of every name match."""
        strings = doc.vocab.strings
        out = []
        for match_id, start, end in [*self.exact(doc), *self.folded(doc)]:
            prefix, canonical = strings[match_id].split("|", 1)
            out.append((prefix == "ENTITY", start, end, canonical))
        return out

    def names_of_texts(
        self, make_doc: Callable[[str], Doc], texts: Sequence[str]
    ) -> list[tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]]:
        """``name_spans`` of each text (offsets within it), from one doc of all of them joined by blank
        lines. The tokenizer reads each whitespace-delimited chunk on its own, the join adds a whitespace
        token between texts that no name holds, and overlaps are only resolved within one text: each text
        gets the names it gets alone.

        >>> import spacy
        >>> from claims.vocabulary import default_vocabulary
        >>> nlp = spacy.blank("en")
        >>> matcher = EntityMatcher(nlp, default_vocabulary())
        >>> texts = ["Nvidia says", "so DeepSeek-V3 did"]
        >>> matcher.names_of_texts(nlp.make_doc, texts)
        [([(0, 6, 'NVIDIA')], [(0, 6, 'NVIDIA')]), ([(3, 14, 'DeepSeek-V3')], [(3, 11, 'DeepSeek')])]
        >>> _ == [matcher.name_spans(nlp.make_doc(text)) for text in texts]
        True
        """
        starts, at = [], 0
        for text in texts:
            starts.append(at)
            at += len(text) + len(_JOIN)
        doc = make_doc(_JOIN.join(texts))
        found: list[tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]] = [([], []) for _ in texts]
        for is_entity, start, end, canonical in self._matches(doc):
            which = found[bisect_right(starts, doc[start].idx) - 1]
            (which[0] if is_entity else which[1]).append((start, end, canonical))
        return [
            (_char_spans(doc, _filter_spans(entities), base), _char_spans(doc, _filter_spans(parties), base))
            for base, (entities, parties) in zip(starts, found, strict=True)
        ]

    def __call__(self, doc: Doc) -> Doc:
        entities: list[Span] = []
        parties: list[Span] = []
        for is_entity, start, end, canonical in self._matches(doc):
            (entities if is_entity else parties).append(Span(doc, start, end, label=canonical))
        doc.spans["entities"] = filter_spans(entities)
        doc.spans["parties"] = filter_spans(parties)
        return doc


_JOIN = "\n\n"  # between texts tokenized together: a whitespace token no name holds


def _filter_spans(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """``spacy.util.filter_spans`` on (start, end, label) token spans: the (first) longest of overlapping
    spans wins; the result is in order of start.

    >>> _filter_spans([(0, 1, "a"), (0, 2, "b"), (1, 3, "c"), (3, 4, "d")])
    [(0, 2, 'b'), (3, 4, 'd')]
    """
    ordered = sorted(spans, key=lambda span: (span[1] - span[0], -span[0]), reverse=True)
    result = []
    seen: set[int] = set()
    for span in ordered:
        start, end, _label = span
        if start not in seen and end - 1 not in seen:
            result.append(span)
            seen.update(range(start, end))
    return sorted(result, key=lambda span: span[0])


def _char_spans(doc: Doc, spans: list[tuple[int, int, str]], base: int = 0) -> list[tuple[int, int, str]]:
    """Token spans as character spans (what ``Span.start_char`` and ``Span.end_char`` give), counted from
    ``base``."""
    out = []
    for start, end, label in spans:
        last = doc[end - 1]
        out.append((doc[start].idx - base, last.idx + len(last) - base, label))
    return out


@Language.factory("claims_entities", default_config={"vocabulary_path": ""})
def make_entity_matcher(nlp: Language, name: str, vocabulary_path: str) -> EntityMatcher:
    """spaCy factory: the entity and party matcher, from a vocabulary JSON file."""
    path = Path(vocabulary_path) if vocabulary_path else None
    return EntityMatcher(nlp, load_vocabulary(path))


def build_nlp(*, resources: Path | None = None) -> Language:
    """The extraction pipeline: a blank English tokenizer plus the entity matcher.

    Figures, attribution and claims are read by ``ingest.extract`` from the spans this sets.
    """
    folder = resources or resources_dir()
    nlp = spacy.blank("en")
    # spaCy refuses texts over 1,000,000 characters (E088) to protect its parser's memory; this pipeline only
    # tokenizes and matches names, so a long article (a book-length transcript) is read whole
    nlp.max_length = MAX_DOCUMENT_CHARS
    # "405B." and "H800s." end sentences: split the period off figures and model names that end in a capital.
    # English defaults always carry suffix rules, and blank("en") always has spaCy's own Tokenizer
    # (spacy.tokenizer is compiled and ships no type information, hence Any).
    default_suffixes = cast("Sequence[str]", nlp.Defaults.suffixes)
    suffixes = [*default_suffixes, r"(?<=[0-9][A-Za-z])\.", r"(?<=[0-9][A-Za-z]s)\."]
    tokenizer: Any = nlp.tokenizer
    tokenizer.suffix_search = spacy.util.compile_suffix_regex(suffixes).search
    nlp.add_pipe("claims_entities", config={"vocabulary_path": str(folder / "vocabulary.json")})
    return nlp


@lru_cache(maxsize=4)
def load_patterns(path: Path | None = None) -> dict[str, Any]:
    """The rule patterns (reporting verbs, hedges, metric cues, qualitative cues) from patterns.json."""
    source = path or resources_dir() / "patterns.json"
    data: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    return data
