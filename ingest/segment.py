"""Segment a document into sentences with offsets, and mark the regions no figure can come from."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Sentence", "Masks", "find_masks", "split_sentences"]

_MASK_PATTERNS = [
    re.compile(r"\A---\n.*?\n---\n", re.S),  # YAML front matter
    re.compile(r"!\[[^\]]*\]\([^)]*\)"),  # markdown images
    re.compile(r"(?<=\])\((?:[^()\s]|\([^)\s]*\))*\)"),  # markdown link targets
    re.compile(r"\bhttps?://[^\s)\]>]+|\bwww\.[^\s)\]>]+"),  # bare URLs
    re.compile(r"\[\^\d+\]:?"),  # footnote markers
    re.compile(r"<[^>\n]{1,200}>"),  # HTML tags
    re.compile(r"(?m)^[ \t]*(?:[-*+•]|\d{1,2}[.)])(?=[ \t])"),  # list markers
    re.compile(r"(?m)^#{1,6}[ \t]*\d{1,2}\.(?=[ \t])"),  # numbered headings
    re.compile(r"(?:[:;,]|\band|\bor) ?(?P<mask>\(?\d{1,2}\))(?=\s)"),  # inline "1) pre-training; 2) ..."
    re.compile(
        r"(?<![\w-])[A-Z][A-Za-z]*(?:-[A-Za-z]+)*-?\d+(?:\.\d+)?[- ]\d+(?:\.\d+)?[BMbm]\b"
    ),  # "LLaMa-3 70B"
    re.compile(r"@\w+"),  # handles
]
_DIGIT_MAGNITUDE = re.compile(r"\d[- ]\d+(?:\.\d+)?[BMbm]")  # the tail of every "LLaMa-3 70B" match
_ABBREVIATIONS = {
    "u.s", "u.k", "e.g", "i.e", "vs", "mr", "mrs", "ms", "dr", "inc", "co", "corp", "ltd", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "approx", "est", "etc", "st",
    "fig", "al", "jr", "sr", "u.s.a", "p.m", "a.m",
}
# (the punctuation is consumed, not looked behind for: a match's sentence ends one past its start, and the
# scan only stops at punctuation instead of testing every position)
_BOUNDARY = re.compile(r"[.!?…](?:[\"'”’)\]»_*]|\[\^\d+\])*\s+(?=[\"“'‘(\[»*_]*[A-Z0-9$#>~])")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+•]|\d{1,2}[.)])[ \t]+")
_LAST_WORD = re.compile(r"[^\s(\[\"“]*$")
_DOTTED = re.compile(r"(?:[a-z]\.)+[a-z]")
_ENDS_SENTENCE = re.compile(r"[.!?]\W*$")


@dataclass(frozen=True)
class Sentence:
    """A sentence's span in the document, and where it sits in the layout."""

    start: int
    end: int
    line_start: int
    list_item: bool = False
    lead_in: bool = False
    heading: bool = False
    paragraph: int = 0


class Masks:
    """Sorted, merged character ranges where nothing counts as a figure."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        merged: list[tuple[int, int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        self._starts = [s for s, _ in merged]
        self._ranges = merged

    def overlaps(self, start: int, end: int) -> bool:
        """True when [start, end) touches a masked range."""
        i = bisect_right(self._starts, end - 1) - 1
        return i >= 0 and self._ranges[i][1] > start

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._ranges)


def _digit_paren(text: str) -> bool:
    """Does a digit stand right before a closing parenthesis (what ``\\d\\)`` finds)?

    >>> _digit_paren("(see below) 1) pre-training"), _digit_paren("(see below)"), _digit_paren(")")
    (True, False, False)
    """
    at = text.find(")", 1)
    while at > 0:
        if text[at - 1].isdecimal():  # what \d matches in a str pattern
            return True
        at = text.find(")", at + 1)
    return False


def _named_magnitude(text: str) -> bool:
    """Can "LLaMa-3 70B" (mask pattern 9) match? Each of its matches holds a tail "3 70B" whose first number
    follows an ASCII letter, maybe with a hyphen between (tails cannot overlap, so ``finditer`` sees them
    all).

    >>> _named_magnitude("LLaMa-3 70B"), _named_magnitude("from 3 70B"), _named_magnitude("x 1.5 2B")
    (True, False, False)
    """
    for tail in _DIGIT_MAGNITUDE.finditer(text):
        i = tail.start()  # the last digit of the first number
        while i > 0 and (text[i - 1].isdigit() or text[i - 1] == "."):
            i -= 1
        if i > 0 and text[i - 1] == "-":
            i -= 1
        if i > 0 and text[i - 1].isascii() and text[i - 1].isalpha():
            return True
    return False


# Cheap tests of what every match of a slow mask pattern contains (its scan is skipped without it).
_MASK_NEEDS: dict[re.Pattern[str], Callable[[str], bool]] = {
    _MASK_PATTERNS[2]: lambda text: "](" in text,  # a link target follows "]"
    _MASK_PATTERNS[3]: lambda text: "http" in text or "www." in text,
    _MASK_PATTERNS[8]: _digit_paren,  # "1)", "(2)"
    _MASK_PATTERNS[7]: lambda text: "#" in text,  # numbered headings
    _MASK_PATTERNS[9]: _named_magnitude,  # "LLaMa-3 70B"
}


def find_masks(text: str) -> Masks:
    """Every region of markup, addresses and numbering in the text.

    >>> m = find_masks("See [$15 / 1M tokens](https://openai.com/api/pricing/) today.")
    >>> m.overlaps(4, 20), m.overlaps(22, 30)
    (False, True)
    """
    spans: list[tuple[int, int]] = []
    for pattern in _MASK_PATTERNS:
        needs = _MASK_NEEDS.get(pattern)
        if needs is not None and not needs(text):
            continue  # the text lacks what every match of this pattern contains
        group = "mask" if "mask" in pattern.groupindex else 0
        spans.extend(m.span(group) for m in pattern.finditer(text))
    return Masks(spans)


def _is_abbreviation(text: str, dot: int) -> bool:
    """Is the word ending at this period an abbreviation ('U.S.', 'Jan.', 'e.g.') rather than a sentence
    end?"""
    token = _LAST_WORD.search(text[max(0, dot - 12) : dot])
    word = (token.group(0) if token else "").lower().strip(".")
    if not word or any(ch.isdigit() for ch in word):  # "A100s." ends a sentence
        return False
    return (
        word in _ABBREVIATIONS
        or (len(word) == 1 and word.isalpha())
        or _DOTTED.fullmatch(word) is not None
    )


def _line_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, cursor = [], start
    for match in _BOUNDARY.finditer(text, start, end):
        stop = match.start() + 1  # just past the sentence's punctuation
        punct = text.rfind(".", cursor, stop + 1)
        if _LIST_ITEM.fullmatch(text, cursor, match.end()):
            continue
        if text[stop - 1 : stop] == "." and _is_abbreviation(text, punct):
            continue
        spans.append((cursor, stop))
        cursor = match.end()
    spans.append((cursor, end))
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t>*_#":
        start += 1
    marker = _LIST_ITEM.match(text, start, end)
    if marker:
        start = marker.end()
    while end > start and text[end - 1] in " \t":
        end -= 1
    return start, end


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with offsets: lines first, then sentence punctuation (abbreviations respected).

    >>> t = "The U.S. lab said 2,048 GPUs. Wang said 50,000!\\n- 2.5x speedup"
    >>> [t[s.start:s.end] for s in split_sentences(t)]
    ['The U.S. lab said 2,048 GPUs.', 'Wang said 50,000!', '2.5x speedup']
    """
    out: list[Sentence] = []
    paragraph, pos = 0, 0
    for line in text.split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        if not line.strip():
            paragraph += 1
            continue
        stripped = line.strip()
        list_item = bool(_LIST_ITEM.match(line))
        heading = stripped.startswith("#") or (
            len(stripped) < 80
            and not _ENDS_SENTENCE.search(stripped)
            and not list_item
            and stripped[-1:] != ":"
        )
        for s, e in _line_sentences(text, line_start, line_end):
            s, e = _trim(text, s, e)
            if e > s:
                out.append(
                    Sentence(
                        s, e, line_start, list_item, text[s:e].rstrip().endswith(":"), heading, paragraph
                    )
                )
    return out
