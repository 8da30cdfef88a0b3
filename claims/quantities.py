"""Quantities: read written figures ("$5.6M", "about 50,000", "20 to 50 times") and compare them as
intervals."""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from claims.errors import QuantityError

__all__ = [
    "Quantity",
    "UNITS",
    "QUALIFIERS",
    "CORE_RE",
    "parse_number",
    "parse_quantity",
    "qualifier_of",
    "bound_of",
    "core_interval",
    "claim_interval",
    "compatible",
    "format_quantity",
    "date_value",
]

UNITS = (
    "USD", "USD/1M tokens", "GPU", "percent", "x", "count", "parameters", "tokens/s", "months", "years",
    "date", "bool", "other",
)

# Qualifier words as written -> canonical qualifier (gold/SCHEMA.md names).
QUALIFIERS: dict[str, str] = {
    "about": "about",
    "around": "about",
    "roughly": "about",
    "approximately": "about",
    "approx.": "about",
    "approx": "about",
    "some": "about",
    "circa": "about",
    "~": "about",
    "≈": "about",
    "an estimated": "estimated",
    "estimated": "estimated",
    "estimates": "estimated",
    "an estimate of": "estimated",
    "est.": "estimated",
    "close to": "close to",
    "closer to": "closer to",
    "nearly": "nearly",
    "almost": "nearly",
    "just under": "under",
    "just over": "over",
    "well over": "over",
    "well above": "over",
    "over": "over",
    "more than": "more than",
    "greater than": "more than",
    "above": "over",
    "in excess of": "more than",
    "upwards of": "more than",
    "north of": "more than",
    "at least": "at least",
    "no less than": "at least",
    "as many as": "up to",
    "as much as": "up to",
    "as high as": "up to",
    "up to": "up to",
    "at most": "up to",
    "no more than": "up to",
    "under": "under",
    "below": "under",
    "less than": "less than",
    "fewer than": "less than",
    "as low as": "as low as",
    "as little as": "as low as",
    "only": "only",
    "just": "only",
    ">": "more than",
    "<": "less than",
    "+": "more than",
}
_APPROX = {"about", "estimated", "close to", "closer to", "as low as"}
_LOWER = {"over", "more than", "at least"}
_UPPER = {"up to", "under", "less than"}

_WORD_NUMBERS: dict[str, float] = {
    "zero": 0,
    "one": 1,
    "a single": 1,
    "single": 1,
    "two": 2,
    "a pair of": 2,
    "a pair": 2,
    "a couple of": 2,
    "a couple": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a dozen": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "a hundred": 100,
    "one hundred": 100,
    "a thousand": 1000,
    "one thousand": 1000,
    "half a": 0.5,
    "half": 0.5,
}
_ORDINALS: dict[str, float] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_MAGNITUDES: dict[str, float] = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "mil": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "bil": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "tn": 1e12,
    "tr": 1e12,
    "trillion": 1e12,
}
# Multiplier words: "doubling", "tenfold", "an order of magnitude".
_MULTIPLIER_WORDS: dict[str, float] = {
    "double": 2,
    "doubled": 2,
    "doubles": 2,
    "doubling": 2,
    "twice": 2,
    "twofold": 2,
    "triple": 3,
    "tripled": 3,
    "triples": 3,
    "tripling": 3,
    "threefold": 3,
    "thrice": 3,
    "quadruple": 4,
    "quadrupled": 4,
    "quadrupling": 4,
    "fourfold": 4,
    "fivefold": 5,
    "tenfold": 10,
    "hundredfold": 100,
    "order of magnitude": 10,
    "order-of-magnitude": 10,
    "an order of magnitude": 10,
    "two orders of magnitude": 100,
    "three orders of magnitude": 1000,
    "orders of magnitude": 100,
    "a factor of two": 2,
    "a factor of three": 3,
    "a factor of four": 4,
    "a factor of five": 5,
    "a factor of ten": 10,
    "a factor of 2": 2,
    "a factor of 3": 3,
    "a factor of 10": 10,
    "a factor of 100": 100,
}
# Fractions written as words are shares: "a third of", "two-thirds".
_FRACTION_WORDS: dict[str, float] = {
    "a third": 33.33,
    "one third": 33.33,
    "one-third": 33.33,
    "two-thirds": 66.67,
    "two thirds": 66.67,
    "a quarter": 25.0,
    "one quarter": 25.0,
    "one-quarter": 25.0,
    "three-quarters": 75.0,
    "three quarters": 75.0,
    "a fifth": 20.0,
    "one-fifth": 20.0,
    "a tenth": 10.0,
    "one-tenth": 10.0,
}
# Written orders of magnitude: "hundreds of billions" covers [1e11, 1e12).
_ORDER_WORDS: dict[str, float] = {
    "tens of billions": 1e10,
    "hundreds of billions": 1e11,
    "billions": 1e9,
    "the billions": 1e9,
    "tens of millions": 1e7,
    "hundreds of millions": 1e8,
    "millions": 1e6,
    "the millions": 1e6,
    "trillions": 1e12,
    "the trillions": 1e12,
    "tens of thousands": 1e4,
    "hundreds of thousands": 1e5,
    "thousands": 1e3,
    "trillion-dollar": 1e12,
    "billion-dollar": 1e9,
    "multi-billion": 1e9,
    "multibillion": 1e9,
    "multi-billion-dollar": 1e9,
    "multi-trillion": 1e12,
    "million-dollar": 1e6,
    "double-digit": 10,
    "double digit": 10,
    "single-digit": 1,
    "triple-digit": 100,
}
# Longest first, so "closer to" wins over "to" and "two orders of magnitude" over "orders of magnitude".
_QUALIFIERS_LONGEST = sorted(QUALIFIERS, key=len, reverse=True)
_MULTIPLIERS_LONGEST = sorted(_MULTIPLIER_WORDS.items(), key=lambda kv: -len(kv[0]))
_ORDERS_LONGEST = sorted(_ORDER_WORDS.items(), key=lambda kv: -len(kv[0]))
_WORD_NUMBERS_LONGEST = sorted(_WORD_NUMBERS.items(), key=lambda kv: -len(kv[0]))
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_MAG = r"(?:[Tt]housand|[Mm]illion|[Bb]illion|[Tt]rillion|mln|mil|mn|bn|bil|tn|MM|[kKmMbBtT])(?![A-Za-z0-9])"
_CUR = r"(?:US\$|USD\s?|\$)"
_SUF = r"(?:%|[xX×](?![A-Za-z0-9]))"
# Patterns of the per-figure tests, compiled once.
_YEAR_PHRASE_RE = re.compile(r"(?:in |since |by )?(?:19|20)\d\d")
_PER_MONTH_AFTER_RE = re.compile(r"^\s*(?:/|per|a|an)\s*(?:month|mo)\b", re.I)
_PERCENT_WORD_RE = re.compile(r"^(?:percent|per cent|pct)\b")
_TIMES_WORD_RE = re.compile(r"^(?:times|fold|-fold|x)\b")
# "downloaded 16 million times": how often, not how many-fold (no comparison follows)
_OCCURRENCES_RE = re.compile(r"^times\b(?!\s+(?:more|less|fewer|as|the|over|\w+er)\b)")
_DOLLARS_WORD_RE = re.compile(r"^(?:dollars|usd|us dollars)\b")
_ONE_OR_TWO_DIGITS_RE = re.compile(r"\d{1,2}")
_LIST_MARK_REST_RE = re.compile(r"\s*[.)]\s*")


def _one(c: str, n: str, m: str, s: str) -> str:
    return rf"(?P<{c}>{_CUR})?(?P<{n}>{_NUM})(?:\s?(?P<{m}>{_MAG}))?(?:\s?(?P<{s}>{_SUF}))?"


# A written figure: optional currency, number, magnitude, suffix, and an optional range end.
CORE_RE = re.compile(
    r"(?<![\w.\-/])(?<![A-Za-z]-)"
    + _one("cur", "num", "mag", "suf")
    + r"(?:\s?(?P<conn>-|–|—|to)\s?"
    + _one("cur2", "num2", "mag2", "suf2")
    + r")?(?P<plus>\+(?!\d))?"
)
_DATE_RE = re.compile(
    r"(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+)?(?P<mon>[A-Za-z]{3,9})\.?\s+(?:(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+)?"
    r"(?P<year>(?:19|20)\d\d)\b"
)
_ISO_DATE_RE = re.compile(r"(?P<year>(?:19|20)\d\d)-(?P<mon>\d\d)-(?P<day>\d\d)\b")
_PER_MTOK_RE = re.compile(
    r"^\s*(?:/|per)\s*(?:(?P<n>\d+(?:\.\d+)?)\s?(?P<m>[kKmM]|thousand|million)|(?P<w>million|thousand|mil|M|K))"
    r"\s*(?:input |output |cached )?(?:tokens?|tok)\b",
    re.I,
)
_TOKENS_PER_SECOND_RE = re.compile(r"^\s*(?:tokens?|tok)\s*(?:/\s*s(?:ec)?\b|per\s+second)", re.I)


@dataclass(frozen=True)
class Quantity:
    """A figure as written: a point or an interval, a unit, and a qualifier.

    ``precision`` is the place value of the last written significant digit in base units
    (``$5.6M`` -> 100000), used for rounding tolerance. ``order`` marks written orders of
    magnitude ("hundreds of billions"), which cover ``[value, 10 * value)``.
    """

    value: float | None
    value_max: float | None = None
    unit: str = "count"
    qualifier: str | None = None
    text: str = ""
    precision: float | None = None
    note: str | None = None
    order: bool = False


def parse_number(text: str) -> tuple[float, float]:
    """Read a digit string; return (value, place value of its last significant digit).

    >>> parse_number("2,048")
    (2048.0, 1.0)
    >>> parse_number("5.576")
    (5.576, 0.001)
    >>> parse_number("50,000")
    (50000.0, 10000.0)
    >>> parse_number("600")
    (600.0, 100.0)
    """
    digits = text.replace(",", "")
    try:
        value = float(digits)
    except ValueError as exc:
        raise QuantityError(f"{text!r} is not a number") from exc
    if "." in digits:
        return value, 10.0 ** -len(digits.split(".", 1)[1])
    stripped = digits.lstrip("0") or "0"
    trailing = len(stripped) - len(stripped.rstrip("0")) if stripped != "0" else 0
    return value, 10.0**trailing


@lru_cache(maxsize=16384)  # (pure: the words just before figures repeat across a corpus)
def qualifier_of(words: str) -> str | None:
    """The canonical qualifier that ends a run of words, if any.

    >>> qualifier_of("trained on closer to")
    'closer to'
    >>> qualifier_of("cost only")
    'only'
    >>> qualifier_of("the") is None
    True
    """
    lowered = words.lower().rstrip()
    for written in _QUALIFIERS_LONGEST:
        if lowered.endswith(written):
            start = len(lowered) - len(written)
            if start == 0 or not lowered[start - 1].isalnum() or not written[0].isalnum():
                return QUALIFIERS[written]
    return None


def bound_of(qualifier: str | None) -> str:
    """Which way a qualifier bounds the value: 'lower', 'upper', 'approx' or 'exact'.

    >>> bound_of("more than"), bound_of("up to"), bound_of("closer to"), bound_of(None)
    ('lower', 'upper', 'approx', 'exact')
    """
    if qualifier in _LOWER:
        return "lower"
    if qualifier in _UPPER:
        return "upper"
    if qualifier in _APPROX or qualifier == "nearly":
        return "approx"
    return "exact"


def date_value(year: int, month: int = 0, day: int = 0) -> int:
    """A date as the gold's YYYYMMDD integer, 00 for an unknown month or day.

    >>> date_value(2023, 5)
    20230500
    """
    return year * 10000 + month * 100 + day


def _magnitude(word: str | None) -> float:
    if not word:
        return 1.0
    return _MAGNITUDES.get(word.lower(), _MAGNITUDES.get(word, 1.0))


def _unit_from_suffix(suffix: str | None) -> str | None:
    if not suffix:
        return None
    return "percent" if suffix == "%" else "x"


def _parse_core(match: re.Match[str]) -> Quantity:
    scale = _magnitude(match["mag"]) if match["mag"] else _magnitude(match["mag2"])
    value, place = parse_number(match["num"])
    unit = "USD" if (match["cur"] or match["cur2"]) else None
    unit = unit or _unit_from_suffix(match["suf"] or match["suf2"])
    value_max = None
    if match["num2"]:
        high, _ = parse_number(match["num2"])
        value_max = high * _magnitude(match["mag2"]) if match["mag2"] else high * scale
        if match["mag"] and not match["mag2"]:
            value_max = high * _magnitude(match["mag"])
    qualifier = "more than" if match["plus"] else None
    return Quantity(
        value=value * scale,
        value_max=value_max,
        unit=unit or "count",
        qualifier=qualifier,
        text=match.group(0),
        precision=place * scale,
    )


def _parse_date(phrase: str) -> Quantity | None:
    if phrase[:1] in "$#" or (
        phrase[:1].isdigit() and not _ISO_DATE_RE.fullmatch(phrase) and not phrase[:2].isdigit()
    ):
        return None
    iso = _ISO_DATE_RE.fullmatch(phrase)
    if iso:
        value = date_value(int(iso["year"]), int(iso["mon"]), int(iso["day"]))
        return Quantity(value=value, unit="date", text=phrase)
    match = _DATE_RE.fullmatch(phrase)
    if match and match["mon"].lower() in _MONTHS:
        day = int(match["d1"] or match["d2"] or 0)
        value = date_value(int(match["year"]), _MONTHS[match["mon"].lower()], day)
        return Quantity(value=value, unit="date", text=phrase)
    if _YEAR_PHRASE_RE.fullmatch(phrase):
        return Quantity(value=date_value(int(phrase[-4:])), unit="date", text=phrase)
    return None


def _parse_words(phrase: str) -> Quantity | None:
    if phrase[:1].isdigit() or phrase[:1] in "$#.":
        return None
    lowered = phrase.lower()
    for words, factor in _MULTIPLIERS_LONGEST:
        if lowered == words or lowered.startswith(words + " "):
            return Quantity(value=factor, unit="x", text=phrase, precision=1.0, order="order" in words)
    for words, share in _FRACTION_WORDS.items():
        if lowered == words or lowered.startswith(words + " "):
            return Quantity(value=share, unit="percent", text=phrase, precision=0.01)
    for words, base in _ORDERS_LONGEST:
        if lowered.startswith(words):
            unit = (
                "percent" if "digit" in words else "USD" if "dollar" in lowered or "$" in lowered else "count"
            )
            return Quantity(value=base, unit=unit, qualifier="at least", text=phrase, order=True)
    return None


def _leading_word_number(phrase: str) -> tuple[float, str] | None:
    lowered = phrase.lower()
    for words, value in _WORD_NUMBERS_LONGEST:
        if lowered.startswith(words) and (len(lowered) == len(words) or not lowered[len(words)].isalpha()):
            return value, phrase[len(words) :]
    for words, value in _ORDINALS.items():
        if lowered.startswith(words + " "):
            return value, phrase[len(words) :]
    return None


def _attached_unit(rest: str) -> bool:
    """A unit written onto the number ("400GB/s", "5GW") rather than a model or ordinal ("3nm", "2nd")."""
    from claims.vocabulary import noun_unit  # noqa: PLC0415

    found = noun_unit(rest)
    return found is not None and found[0] == "other" and found[1] in ("GB", "GB/s", "FLOPs", "power")


def _unit_of_rest(rest: str, quantity: Quantity) -> Quantity:
    """Read the unit words after a number: '% ', ' times', ' GPUs', ' / 1M tokens', ' months'."""
    from claims.vocabulary import unit_for_noun  # noqa: PLC0415 - avoids an import cycle at load

    per = _PER_MTOK_RE.match(rest)
    if per:
        scale = _magnitude(per["m"] or per["w"]) * float(per["n"] or 1)
        factor = 1e6 / scale
        value = None if quantity.value is None else quantity.value * factor
        high = None if quantity.value_max is None else quantity.value_max * factor
        return replace(quantity, value=value, value_max=high, unit="USD/1M tokens")
    if quantity.unit == "USD" and _PER_MONTH_AFTER_RE.match(rest):
        return replace(quantity, note="per month")
    if _TOKENS_PER_SECOND_RE.match(rest):
        return replace(quantity, unit="tokens/s")
    words = rest.strip().lower()
    if quantity.unit in ("count", "USD") and _PERCENT_WORD_RE.match(words):
        return replace(quantity, unit="percent")
    if quantity.unit == "count" and _TIMES_WORD_RE.match(words):
        if (quantity.value or 0) >= 1000 and _OCCURRENCES_RE.match(words):
            return replace(quantity, note="times")
        return replace(quantity, unit="x")
    if quantity.unit == "count" and _DOLLARS_WORD_RE.match(words):
        return replace(quantity, unit="USD")
    if quantity.unit in ("count", "x"):
        unit, note = unit_for_noun(words)
        if unit and not (quantity.unit == "x" and unit not in ("GPU",)):
            return replace(quantity, unit=unit, note=note or quantity.note)
    return quantity


@lru_cache(maxsize=16384)  # a corpus writes the same figures again and again; a Quantity is immutable
def parse_quantity(phrase: str) -> Quantity:
    """Read one written figure, with its leading qualifier and trailing unit words.

    >>> parse_quantity("$5.6M").value
    5600000.0
    >>> q = parse_quantity("$60-80B"); (q.value, q.value_max, q.unit)
    (60000000000.0, 80000000000.0, 'USD')
    >>> q = parse_quantity("about 50,000"); (q.value, q.unit, q.qualifier)
    (50000.0, 'count', 'about')
    >>> q = parse_quantity("10,000 A100 GPUs"); (q.value, q.unit)
    (10000.0, 'GPU')
    >>> q = parse_quantity(">95%"); (q.value, q.unit, q.qualifier)
    (95.0, 'percent', 'more than')
    >>> q = parse_quantity("20 to 50 times"); (q.value, q.value_max, q.unit)
    (20.0, 50.0, 'x')
    >>> q = parse_quantity("$0.55 / 1M tokens"); (q.value, q.unit)
    (0.55, 'USD/1M tokens')
    >>> parse_quantity("January 20, 2025").value
    20250120
    >>> parse_quantity("o1")
    Traceback (most recent call last):
    claims.errors.QuantityError: 'o1' holds no figure
    """
    text = " ".join(phrase.split())
    if not text:
        raise QuantityError("an empty phrase holds no figure")
    qualifier, body = _split_qualifier(text)
    found = _parse_date(body) or _parse_words(body)
    if found is None:
        found = _parse_figure(body, text)
    if qualifier and not found.qualifier:
        found = replace(found, qualifier=qualifier)
    elif qualifier and found.qualifier == "more than" and qualifier != "only":
        found = replace(found, qualifier=qualifier)
    return replace(found, text=text)


def _split_qualifier(text: str) -> tuple[str | None, str]:
    lowered = text.lower()
    for written in _QUALIFIERS_LONGEST:
        if written == "+":
            continue
        if lowered.startswith(written) and (
            not written[0].isalpha() or lowered[len(written) :][:1] in (" ", "")
        ):
            rest = text[len(written) :].strip()
            if rest:
                return QUALIFIERS[written], rest
    return None, text


def _parse_figure(body: str, original: str) -> Quantity:
    match = CORE_RE.match(body)
    if match and match.start() == 0:
        quantity = _parse_core(match)
        rest = body[match.end() :]
        if (
            quantity.unit == "count"
            and _ONE_OR_TWO_DIGITS_RE.fullmatch(match.group(0))
            and _LIST_MARK_REST_RE.fullmatch(rest)
        ):
            raise QuantityError(f"{original!r} is list numbering, not a figure")
        if rest[:1].isalnum() and quantity.unit == "count" and not match["mag"] and not _attached_unit(rest):
            raise QuantityError(f"{original!r} holds no figure")
        return _unit_of_rest(rest, quantity)
    if body.startswith("#") and body[1:].isdigit():
        return Quantity(value=float(body[1:]), unit="other", note="rank", precision=1.0)
    words = _leading_word_number(body)
    if words is not None and words[1].strip():
        value, rest = words
        ranged = re.match(r"^\s*(?:-|to|or)\s*(\w+)", rest)
        value_max = None
        if ranged and (ranged.group(1).lower() in _WORD_NUMBERS or ranged.group(1).isdigit()):
            high = ranged.group(1).lower()
            value_max = float(high) if high.isdigit() else _WORD_NUMBERS[high]
            rest = rest[ranged.end() :]
        quantity = Quantity(value=value, value_max=value_max, precision=1.0)
        quantity = _unit_of_rest(rest, quantity)
        if quantity.unit == "count" and not rest.strip():
            raise QuantityError(f"{original!r} holds no figure")
        return quantity
    raise QuantityError(f"{original!r} holds no figure")


# --- comparison -----------------------------------------------------------------------------------

_MIN_TOLERANCE = 0.03  # any two writings of one figure may differ by this share (5.576 vs 5.7)
_MAX_TOLERANCE = 0.08  # rounding never excuses more than this (2x vs 2.5x is a real difference)
_APPROX_TOLERANCE = 0.10  # "about" widens a figure by this share
# A figure written to four or more significant digits ("2.764 million", "2,788,000") claims that
# precision: it tolerates only this share (two such figures 1% apart cannot both hold).
_PRECISE_TOLERANCE = 0.0025
_PRECISE_DIGITS = 4


def _tolerance(value: float, precision: float | None) -> float:
    """How far a written figure may stand from the truth and still be right.

    >>> round(_tolerance(2_764_000, 1000)), round(_tolerance(2_790_000, 10_000))
    (6910, 83700)
    """
    half = (precision or 0.0) / 2
    magnitude = abs(value)
    if not magnitude:
        return half
    floor = _MIN_TOLERANCE
    if precision and magnitude / precision >= 10 ** (_PRECISE_DIGITS - 1):
        floor = _PRECISE_TOLERANCE
    return min(max(half, floor * magnitude), _MAX_TOLERANCE * magnitude)


def _date_bounds(value: float) -> tuple[float, float]:
    year, rest = divmod(int(value), 10000)
    month, day = divmod(rest, 100)
    if not month:
        return date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    if not day:
        last = calendar.monthrange(year, month)[1]
        return date(year, month, 1).toordinal(), date(year, month, last).toordinal()
    return date(year, month, day).toordinal(), date(year, month, day).toordinal()


def core_interval(q: Quantity) -> tuple[float, float]:
    """The values the text literally states, before tolerance: a point, a range or an order.

    >>> core_interval(parse_quantity("15-20%"))
    (15.0, 20.0)
    >>> core_interval(parse_quantity("hundreds of billions of dollars"))
    (100000000000.0, 1000000000000.0)
    """
    if q.value is None:
        return (-math.inf, math.inf)
    if q.unit == "date":
        lo, _ = _date_bounds(q.value)
        _, hi = _date_bounds(q.value_max if q.value_max is not None else q.value)
        return (lo, hi)
    if q.order:
        return (q.value, q.value * 10)
    return (q.value, q.value_max if q.value_max is not None else q.value)


def claim_interval(q: Quantity) -> tuple[float, float]:
    """Every value consistent with the figure: rounding tolerance plus what the qualifier allows.

    >>> claim_interval(parse_quantity("$6M"))
    (5520000.0, 6480000.0)
    >>> claim_interval(parse_quantity("up to $6B"))[1]
    6480000000.0
    >>> claim_interval(parse_quantity("over $100M"))
    (92000000.0, inf)
    """
    lo, hi = core_interval(q)
    if q.unit == "date" or q.value is None:
        return (lo, hi)
    if q.order:
        return (lo, hi)
    lo_tol = _tolerance(lo, q.precision)
    hi_tol = _tolerance(hi, q.precision if q.value_max is None else _place_of(hi))
    bound = bound_of(q.qualifier)
    if bound == "approx":
        lo_tol = max(lo_tol, _APPROX_TOLERANCE * abs(lo))
        hi_tol = max(hi_tol, _APPROX_TOLERANCE * abs(hi))
        if q.qualifier == "nearly":
            hi_tol = _tolerance(hi, q.precision)
    lo, hi = lo - lo_tol, hi + hi_tol
    if bound == "lower" or (q.qualifier == "more than" and q.value_max is not None):
        hi = math.inf
    elif bound == "upper":
        lo = -math.inf if q.value < 0 else 0.0
    return (lo, hi)


def _place_of(value: float) -> float:
    return parse_number(f"{value:g}")[1] if math.isfinite(value) and "e" not in f"{value:g}" else 0.0


def _overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def compatible(a: Quantity, b: Quantity) -> bool:
    """Can both figures hold at once, allowing for rounding and their qualifiers?

    Each figure's tolerant interval must reach the other's stated value(s).

    >>> compatible(parse_quantity("$6M"), parse_quantity("$5.6M"))
    True
    >>> compatible(parse_quantity("2x"), parse_quantity("2.5x"))
    False
    >>> compatible(parse_quantity("$7B"), parse_quantity("up to $6B"))
    False
    >>> compatible(parse_quantity("$600B"), parse_quantity("close to $593B"))
    True
    >>> compatible(parse_quantity("93%"), parse_quantity("93.3%"))
    True
    >>> compatible(parse_quantity("17%"), parse_quantity("15-20%"))
    True
    """
    if a.unit != b.unit:
        raise QuantityError(f"cannot compare {a.text!r} ({a.unit}) with {b.text!r} ({b.unit})")
    if a.value is None or b.value is None:
        return True
    if a.unit == "bool":
        return a.value == b.value
    return _overlaps(claim_interval(a), core_interval(b)) or _overlaps(claim_interval(b), core_interval(a))


def format_quantity(q: Quantity) -> str:
    """A short canonical rendering for statements and labels.

    >>> format_quantity(parse_quantity("$5.6M"))
    '$5.6M'
    >>> format_quantity(parse_quantity("about 50,000 GPUs"))
    'about 50,000 GPUs'
    >>> format_quantity(parse_quantity("20 to 50 times"))
    '20–50x'
    """
    if q.value is None:
        return q.text or "?"
    if q.unit == "bool":
        return "yes" if q.value else "no"
    if q.unit == "date":
        return _format_date(int(q.value))
    body = _format_number(q.value, q.unit)
    if q.value_max is not None:
        high = _format_number(q.value_max, q.unit).lstrip("$")
        if body[-1:].isalpha() and body[-1:] == high[-1:]:
            body = body[:-1]
        body += "–" + high
    suffix = _UNIT_SUFFIX.get(q.unit, "") if q.unit != "other" else (f" {q.note}" if q.note else "")
    if q.value == 1 and q.value_max is None and suffix.endswith("s") and q.unit in ("GPU", "months", "years"):
        suffix = suffix[:-1]
    body += suffix
    prefix = f"{q.qualifier} " if q.qualifier and q.qualifier not in ("only",) else ""
    return prefix + body


_UNIT_SUFFIX = {
    "percent": "%",
    "x": "x",
    "GPU": " GPUs",
    "USD/1M tokens": " / 1M tokens",
    "parameters": " parameters",
    "tokens/s": " tokens/s",
    "months": " months",
    "years": " years",
    "count": "",
}


def _format_number(value: float, unit: str) -> str:
    if unit in ("USD", "USD/1M tokens") or (unit == "parameters" and abs(value) >= 1e6):
        for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
            if abs(value) >= scale:
                text = f"{value / scale:.3f}".rstrip("0").rstrip(".") + suffix
                return ("$" + text) if unit != "parameters" else text
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
        return ("$" + text) if unit != "parameters" else text
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _format_date(value: int) -> str:
    year, rest = divmod(value, 10000)
    month, day = divmod(rest, 100)
    if not month:
        return str(year)
    if not day:
        return f"{calendar.month_name[month]} {year}"
    return f"{calendar.month_name[month]} {day}, {year}"
