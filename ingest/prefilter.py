"""A cheap, exact pre-test for regular expressions: the literal words every match must contain.

Most rule patterns are alternations of cue phrases ('reportedly', 'mixture of experts', 'trained on ...
outputs') tried on every candidate sentence, and most sentences hold none of them. Python's ``re`` tries
every alternative at every position; ``str.find`` of a few literal words is an order of magnitude cheaper.
``required_literals`` reads a compiled pattern and returns strings one of which every match contains (or
None when it cannot tell), so a pattern is only run where one of them occurs: the results are unchanged.

Which literals occur in a document is found in one pass over its text by an Aho-Corasick automaton of every
pattern's literals (``pyahocorasick``), instead of one substring search per literal and pattern.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, TypeVar, cast

import ahocorasick  # type: ignore[import-not-found]

__all__ = [
    "LiteralIndex",
    "Prefiltered",
    "first_characters",
    "fold",
    "grouped_alternation",
    "required_literals",
    "with_first_character_test",
]

T = TypeVar("T")

MIN_LENGTH = 3  # shorter literals ("n" of "n't", "if") occur everywhere: looking for them saves nothing

# Characters outside ASCII that case-insensitive matching equates with an ASCII letter (or whose lower
# case has another length): a text holding one is never pre-filtered.
_CROSS_FOLD = re.compile("[\u0130\u0131\u017f\u212a]")


def fold(text: str) -> str | None:
    """The text in lower case with offsets unchanged, or None when lower-casing could move offsets or a
    case-insensitive pattern could match letters ``str.lower`` does not map to ASCII.

    >>> fold("DeepSeek’s V3"), fold("\u0130stanbul")
    ('deepseek’s v3', None)
    """
    lowered = text.lower()
    if len(lowered) != len(text) or (not text.isascii() and _CROSS_FOLD.search(text)):
        return None
    return lowered


_REPEATS = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT,
            getattr(sre_constants, "POSSESSIVE_REPEAT", None))


def _best(options: list[set[str]]) -> set[str] | None:
    """Of several requirements that all hold, the most selective: longest shortest string, then fewest."""
    if not options:
        return None
    return max(options, key=lambda s: (min(map(len, s)), -len(s)))


def _sequence(items: Any) -> set[str] | None:
    """A set of strings one of which any match of this sequence contains, or None."""
    options: list[set[str]] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            options.append({"".join(run)})
            run.clear()

    for op, arg in items:
        if op is sre_constants.LITERAL:
            run.append(chr(arg))
            continue
        close_run()  # a substring of a required string is required too: breaking a run is always safe
        found: set[str] | None = None
        if op is sre_constants.SUBPATTERN:
            _group, add_flags, del_flags, inner = arg
            if add_flags or del_flags:
                raise ValueError("scoped flags")  # case rules change inside: do not guess
            found = _sequence(inner)
        elif op is sre_constants.BRANCH:
            branches = [_sequence(b) for b in arg[1]]
            if all(b is not None for b in branches):
                found = set().union(*branches)  # type: ignore[arg-type]
        elif op in _REPEATS:
            low, _high, inner = arg
            if low >= 1:
                found = _sequence(inner)
        elif op is sre_constants.ATOMIC_GROUP:
            found = _sequence(arg)
        if found:
            options.append(found)
    close_run()
    return _best(options)


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` contains (lower case if it ignores case), or None.

    >>> sorted(required_literals(re.compile(r"\\bdistill(?:ed|ing)?\\b[^;]{0,20}\\bfrom\\b", re.I)))
    ['distill']
    >>> sorted(required_literals(re.compile(r"\\bMoE\\b|\\bsparse (?:expert|moe)", re.I)))
    ['moe', 'sparse ']
    >>> required_literals(re.compile(r"\\d+|GPU")) is None
    True
    """
    if not isinstance(pattern.pattern, str) or pattern.flags & re.VERBOSE and "#" in pattern.pattern:
        return None
    try:
        found = _sequence(sre_parse.parse(pattern.pattern, pattern.flags))
    except (ValueError, TypeError, re.error, RecursionError):
        return None
    if not found or any(not s.isascii() for s in found) or min(map(len, found)) < MIN_LENGTH:
        return None
    ignore_case = bool(pattern.flags & re.IGNORECASE)
    return frozenset(s.lower() if ignore_case else s for s in found)


def _first_of_sequence(items: Any) -> tuple[set[str], bool] | None:
    """(characters a match of this sequence can start with, whether it can match the empty string), or
    None when that cannot be told."""
    chars: set[str] = set()
    for op, arg in items:
        if op is sre_constants.AT:
            continue  # \b, ^: zero width
        if op is sre_constants.ASSERT and arg[0] == 1:  # a look-ahead: the match starts as its body does
            ahead = _first_of_sequence(arg[1])
            if ahead is not None and not ahead[1]:
                return chars | ahead[0], False
            continue
        if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue  # other look-arounds: zero width, and they only rule matches out
        if op is sre_constants.LITERAL:
            chars.add(chr(arg))
            return chars, False
        if op is sre_constants.IN and all(item_op is sre_constants.LITERAL for item_op, _ in arg):
            chars.update(chr(code) for _, code in arg)  # a class of single characters: "[#/]"
            return chars, False
        if op is sre_constants.SUBPATTERN:
            if arg[1] or arg[2]:
                return None  # scoped flags
            inner = _first_of_sequence(arg[3])
        elif op is sre_constants.BRANCH:
            branches = [_first_of_sequence(b) for b in arg[1]]
            if any(b is None for b in branches):
                return None
            inner = (set().union(*(b[0] for b in branches)), any(b[1] for b in branches))  # type: ignore[index]
        elif op in _REPEATS:
            low, _high, body = arg
            found = _first_of_sequence(body)
            inner = None if found is None else (found[0], found[1] or low == 0)
        else:
            return None
        if inner is None:
            return None
        chars |= inner[0]
        if not inner[1]:
            return chars, False
    return chars, True


def first_characters(source: str, flags: int = 0) -> frozenset[str] | None:
    """The characters every match of the pattern ``source`` starts with one of (as written: with
    IGNORECASE their other cases match too), or None when it can match the empty string or it cannot be
    told.

    >>> sorted(first_characters(r"\\b(?:says|(?:has |have )?pointed out|made)\\b"))
    ['h', 'm', 'p', 's']
    >>> sorted(first_characters(r"[#/]|[Dd]oubl|FP"))
    ['#', '/', 'D', 'F', 'd']
    >>> first_characters(r"\\d+|x"), first_characters(r"(?:ab)?"), first_characters(r"[^a]")
    (None, None, None)
    >>> sorted(first_characters(r"\\b(?:(?=[m])(?:made|maintains)|(?=[p])posted)"))
    ['m', 'p']
    >>> first_characters(r"(?<!x)ab")
    frozenset({'a'})
    """
    try:
        found = _first_of_sequence(sre_parse.parse(source, flags))
    except (ValueError, TypeError, re.error, RecursionError):
        return None
    if found is None or found[1] or not found[0]:
        return None
    return frozenset(found[0])


def with_first_character_test(source: str, flags: int = 0) -> re.Pattern[str]:
    """The pattern compiled with a look-ahead for its possible first characters in front (when they can be
    told): it matches exactly where the pattern does, and fails fast elsewhere.

    >>> with_first_character_test(r"\\b(?:said|says)\\b", re.I).pattern
    '(?=[s])(?:\\\\b(?:said|says)\\\\b)'
    """
    chars = first_characters(source, flags)
    if chars is None or source.startswith("(?") and source[2:3].isalpha():
        return re.compile(source, flags)
    return re.compile("(?=[" + "".join(re.escape(c) for c in sorted(chars)) + "])(?:" + source + ")", flags)


def grouped_alternation(alternatives: Sequence[str], flags: int = 0) -> str:
    """``(?:A1|A2|...)`` with the alternatives grouped by their first letter behind a look-ahead for it, so
    that at each position only the alternatives that can start there are tried, in their original order:
    it matches exactly what the plain alternation matches. The plain alternation when some alternative's
    first characters cannot be told or are not ASCII letters.

    >>> grouped_alternation(["says", "said", "(?:has )?pointed out", "stated"], re.I)
    '(?:(?=[s])(?:says|said|stated)|(?=[h])(?:(?:has )?pointed out)|(?=[p])(?:(?:has )?pointed out))'
    >>> grouped_alternation(["says", r"\\d+"])
    '(?:says|\\\\d+)'
    """
    plain = "(?:" + "|".join(alternatives) + ")"
    groups: dict[str, list[str]] = {}
    for alternative in alternatives:
        chars = first_characters(alternative, flags)
        if chars is None or not all(c.isascii() and c.isalpha() for c in chars):
            return plain
        keys = {c.lower() for c in chars} if flags & re.IGNORECASE else set(chars)
        for key in sorted(keys):
            groups.setdefault(key, []).append(alternative)
    return "(?:" + "|".join(f"(?=[{key}])(?:" + "|".join(alts) + ")" for key, alts in groups.items()) + ")"


class Prefiltered:
    """A compiled pattern with its literal pre-test: ``possible`` says whether it can match in a window.

    >>> p = Prefiltered(re.compile(r"\\breportedly\\b", re.I))
    >>> index = LiteralIndex("It REPORTEDLY used 2,048 GPUs.")
    >>> p.possible(index, 0, 30), p.possible(index, 14, 30), p.possible(index, 3, 12)
    (True, False, False)
    """

    __slots__ = ("pattern", "literals", "ignore_case")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.literals = required_literals(pattern)
        self.ignore_case = bool(pattern.flags & re.IGNORECASE)
        if self.literals:
            _LITERALS.add(self.literals)

    @classmethod
    def compiled(cls, source: str, flags: int = 0) -> Prefiltered:
        """The pattern with its pre-test, searching with a look-ahead for its first characters (the same
        matches; see ``with_first_character_test``).

        >>> p = Prefiltered.compiled(r"\\breported(?:ly)?\\b", re.I)
        >>> p.pattern.pattern, sorted(p.literals)
        ('(?=[r])(?:\\\\breported(?:ly)?\\\\b)', ['reported'])
        """
        made = cls(re.compile(source, flags))
        made.pattern = with_first_character_test(source, flags)
        return made

    def possible(self, index: LiteralIndex | None, start: int, end: int) -> bool:
        """False only when no match can lie within text[start:end] (``index`` is the text's LiteralIndex)."""
        if index is None:
            return True
        entry = index.entry(self)
        if entry is None:
            return True
        text, literals = entry  # no literal in the text: nothing to look for, no match possible
        find = text.find
        for literal in literals:
            if find(literal, start, end) >= 0:
                return True
        return False

    def anywhere(self, index: LiteralIndex | None) -> bool:
        """False only when no match can lie anywhere in the index's text (so in no window of it either).

        >>> p = Prefiltered(re.compile(r"\\breportedly\\b", re.I))
        >>> p.anywhere(LiteralIndex("It used 2,048 GPUs.")), p.anywhere(None)
        (False, True)
        """
        if index is None:
            return True
        entry = index.entry(self)
        return entry is None or bool(entry[1])


class LiteralIndex:
    """Which of each pattern's required literals occur in one text (looked up once per pattern and text).

    With ``regions`` (sorted (start, end) spans), only windows inside one of them will be asked about,
    so only the regions are searched for literals: a literal outside them could not change an answer.

    >>> p = Prefiltered(re.compile(r"\\breportedly\\b", re.I))
    >>> index = LiteralIndex("It reportedly used 2,048 GPUs. Reportedly.", regions=[(0, 30)])
    >>> p.possible(index, 0, 30), p.possible(index, 14, 30)
    (True, False)
    >>> LiteralIndex("Reportedly so.", regions=[(11, 14)]).present(p)
    ('reportedly so.', ())
    """

    __slots__ = ("text", "folded", "found", "_searched", "_searched_folded", "_occurring", "_live")

    def __init__(self, text: str, *, regions: Sequence[tuple[int, int]] | None = None) -> None:
        self.text = text
        self.folded = fold(text)
        self.found: dict[int, tuple[str, tuple[str, ...]] | None] = {}
        nothing: tuple[int, frozenset[str]] = (-1, frozenset())  # generation -1: not looked for yet
        self._occurring = {False: nothing, True: nothing}
        self._live: dict[int, tuple[Sequence[Any], list[Any]]] = {}
        if regions is None:
            self._searched, self._searched_folded = text, self.folded
        else:  # (a literal found across two joined regions only costs a search of the window)
            self._searched = "\x00".join(text[start:end] for start, end in regions)
            folded = self.folded
            self._searched_folded = (
                None if folded is None else "\x00".join(folded[start:end] for start, end in regions)
            )

    def entry(self, pattern: Prefiltered) -> tuple[str, tuple[str, ...]] | None:
        """``present``'s answer for the pattern, worked out on its first asking."""
        try:
            return self.found[id(pattern)]
        except KeyError:
            return self.present(pattern)

    def present(self, pattern: Prefiltered) -> tuple[str, tuple[str, ...]] | None:
        """(the text to search, the pattern's literals that occur in it), or None: no pre-test here."""
        ignore_case = pattern.ignore_case
        if ignore_case:
            text, searched = self.folded, self._searched_folded
        else:
            text, searched = self.text, self._searched
        found = None
        if text is not None and searched is not None and pattern.literals is not None:
            generation, occurring = self._occurring[ignore_case]
            if generation != _LITERALS.generation:  # not looked for yet, or patterns made since
                generation, occurring = self._occurring[ignore_case] = _LITERALS.occurring_in(searched)
            found = (text, tuple(pattern.literals & occurring))
        self.found[id(pattern)] = found
        return found

    def live(self, rules: Sequence[T], pattern_of: Callable[[T], Prefiltered] | None = None) -> list[T]:
        """The rules (in their order) whose pattern (``pattern_of`` a rule, else the rule itself) can match
        somewhere in the index's regions: the others can match in no window of them. Worked out once per
        index and sequence of rules.

        >>> rules = [(Prefiltered(re.compile(r"\\breportedly\\b", re.I)), "reportedly"),
        ...          (Prefiltered(re.compile(r"\\bestimated\\b", re.I)), "estimated")]
        >>> [hedge for _, hedge in LiteralIndex("Reportedly 2,048 GPUs.").live(rules, lambda r: r[0])]
        ['reportedly']
        """
        try:
            return self._live[id(rules)][1]
        except KeyError:
            get = pattern_of or cast("Callable[[T], Prefiltered]", lambda rule: rule)
            kept = [rule for rule in rules if get(rule).anywhere(self)]
            self._live[id(rules)] = (rules, kept)  # holding the rules keeps their id from being reused
            return kept


class _LiteralSet:
    """Every required literal of every ``Prefiltered`` pattern made, and an Aho-Corasick automaton of them
    (rebuilt when patterns made since add literals) that finds all that occur in a text in one pass."""

    def __init__(self) -> None:
        self._words: set[str] = set()
        self._automaton: tuple[int, Any] | None = None
        self._lock = threading.Lock()
        self.generation = 0  # moves on whenever a literal is added

    def add(self, literals: frozenset[str]) -> None:
        with self._lock:
            if not literals <= self._words:
                self._words |= literals
                self.generation += 1

    def occurring_in(self, text: str) -> tuple[int, frozenset[str]]:
        """(the generation of the literals looked for, those that occur in ``text``, overlapping
        occurrences included).

        >>> _LITERALS.add(frozenset({"reported", "reportedly", "portend"}))
        >>> sorted({"reported", "reportedly", "portend"} & _LITERALS.occurring_in("it reportedly grew")[1])
        ['reported', 'reportedly']
        """
        built = self._automaton
        if built is None or built[0] != self.generation:
            with self._lock:
                automaton = ahocorasick.Automaton()
                for word in self._words:
                    automaton.add_word(word, word)
                automaton.make_automaton()
                built = self._automaton = (self.generation, automaton)
        generation, automaton = built
        return generation, frozenset(word for _end, word in automaton.iter(text))


_LITERALS = _LiteralSet()
