"""Find the figures of one sentence: numbers with units, written-out numbers, dates, ranks and multipliers."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from claims.errors import QuantityError
from claims.quantities import CORE_RE, Quantity, date_value, parse_quantity, qualifier_of
from claims.vocabulary import CURRENCY_PREFIXES, noun_unit
from ingest.prefilter import LiteralIndex, Prefiltered, with_first_character_test
from ingest.segment import Masks

__all__ = ["Figure", "find_figures"]

_WORD_NUMBER = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|a hundred|a thousand|a single|a pair of|a dozen|single|first|second|third|"
    r"fourth|fifth)"
)
_WORDS_RE = with_first_character_test(
    rf"\b(?P<w1>{_WORD_NUMBER})(?:\s*(?:-|to|or)\s*(?P<w2>{_WORD_NUMBER}|\d{{1,3}}))?\b(?=[\s-])", re.I
)
_MULTIPLIER_RE = re.compile(
    r"\b(?:doubling|doubled|doubles|tripled|tripling|triples|quadrupled|quadrupling|tenfold|twofold|threefold|"
    r"fourfold|fivefold|(?<!several )(?:an |one |two |three )?orders? of magnitude|order-of-magnitude|"
    r"twice as|"
    r"a factor of (?:two|three|four|five|ten|\d+))\b",
    re.I,
)
# "a third of the problems", "two-thirds": shares written as words (a bare "half" is too common to count).
_FRACTION_WORDS_RE = re.compile(
    r"\b(?:a|one|two|three)[- ](?:third|thirds|quarter|quarters|fifth|tenth)\b(?! of (?:the )?(?:time|"
    r"way)\b)",
    re.I,
)
_BITS_RE = re.compile(r"(?<!dense )(?<!sparse )\b(?:FP|BF|INT)(?P<bits>4|8|16|32)\b(?!-)")
_ORDER_RE = re.compile(
    r"\b(?:(?:tens|hundreds) of (?:billions|millions|thousands)|(?<=in the )(?:billions|millions|trillions)|"
    r"(?:(?<=spent )|(?<=spend )|(?<=spends )|(?<=cost )|(?<=costs )|(?<=raised )|(?<=lost )|(?<=invested ))"
    r"(?:billions|millions|trillions)|"
    r"double[- ]digit|triple[- ]digit|(?:multi-?)?(?:trillion|"
    r"billion)-dollar(?=\s(?:chip\s+)?(?:ambitions?|plans?|"
    r"investments?|raise|deal|valuation|budgets?|funding|bets?|programs?|projects?|initiatives?|buildouts?)\b))",
    re.I,
)
_A_DURATION_RE = re.compile(
    r"\b(?:about|around|roughly|nearly|almost|over|under|within|took|takes|take|in|for|than|only|just) "
    r"(?P<fig>(?:a|one) (?P<unit>year|month|decade))\b",
    re.I,
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE_RE = re.compile(
    rf"\b(?:{_MONTH}\.? \d{{1,2}}(?:st|nd|rd|th)?,? (?:19|20)\d\d|\d{{1,2}} {_MONTH} (?:19|20)\d\d|"
    rf"{_MONTH} (?:of )?(?:19|20)\d\d|(?:19|20)\d\d-\d\d-\d\d)\b"
)
_YEAR_RE = re.compile(r"(?<![\w$.,/-])(?:1[89]|20)\d\d(?![\w%-]|[.,]\d)")
# "released on January 20": a day without a year is a date only when an event cue says so; the year comes
# from the document's date.
_MONTH_DAY_RE = re.compile(rf"\b(?:{_MONTH})\.? \d{{1,2}}(?:st|nd|rd|th)?\b(?!,? (?:19|20)\d\d)(?!\d|[,.]\d)")
_EVENT_CUE = re.compile(
    r"\b(?:released|launched|unveiled|founded|announced|published|introduced|debuted|came out|"
    r"previewed|banned|barred|tightened)\b",
    re.I,
)
_YEAR_EVENT_BEFORE = with_first_character_test(
    r"(?:(?:founded|established|started|launched|released|introduced|created|formed|incorporated|born|"
    r"announced|published|unveiled|spun (?:out|off)|bought|purchased|acquired|banned|barred|restricted|"
    r"imposed|"
    r"tightened|previewed)\b[^.;]{0,25}\b(?:in|since)|\bback in|\brestricted since|\bbanned since)\s+$",
    re.I,
)
# "released in late December": a month without a year, placed by the document's date.
_MONTH_ALONE_RE = with_first_character_test(
    rf"\b(?:(?:early|mid|late)[- ])?(?P<mon>{_MONTH})\b(?!\.? \d)(?!,? (?:of )?(?:19|20)\d\d)"
)
_HOLIDAY_RE = re.compile(
    r"\b(?:over|during|on|around|at|before|after) the (?:Christmas|holiday)(?: holidays?| break| season)?\b|"
    r"\bon Christmas(?: Day| Eve)?\b",
    re.I,
)
_RANK_RE = with_first_character_test(
    r"#(?P<n>\d{1,3})\b|\b[Nn]o\. ?(?P<m>\d{1,3})\b|\bnumber one\b|"
    r"\b(?:the )?top(?:-rated|-ranked)?(?:-| )(?:(?:downloaded|free|ranked|grossing|rated)\s+){0,2}app\b|"
    r"\btop of (?:the |Apple['’]s |Google['’]s )?(?:U\.?S\.? |US )?(?:app store|charts|play store|"
    r"download charts)\b",
)
_FRACTION_RE = re.compile(r"(?<![\w/])(?P<a>\d)/(?P<b>\d{1,2})(?:rds?|ths?|nds?|s)\b")
_PER_MONTH_RE = re.compile(r"\s?/\s?(?:month|mo|year|yr)\b|\s(?:per|a) (?:month|year)\b", re.I)
_PER_TOKENS_RE = re.compile(
    r"\s*(?:/|per)\s*(?:\d+(?:\.\d+)?\s?)?(?:[kKmM]|thousand|million)?\s*(?:input |output |"
    r"cached )?tok(?:en)?s?\b",
    re.I,
)
_DIGIT = re.compile(r"\d")
_FIRST_PERSON = re.compile(r"\b(?:I|we|We|I've|we've|I'd)\b")
# Patterns of the per-figure tests, compiled once.
_LETTER = re.compile(r"[A-Za-z]")
_MAGNITUDE_LETTER = re.compile(r"(?:k|K|M|B|bn|T)\b")
_NOT_A_FIGURE_AFTER = re.compile(r"\s?(?:nm|st|nd|rd|th)\b|\.\d|:\d|/\d(?!\s?[MmKk]\b)")
_MAGNITUDE_CORE = re.compile(r"[\d,.]+\s?(?:k|K|M|B|bn|T|[Mm]illion|[Bb]illion|[Tt]rillion)\b")
_PARAMETERS_AFTER = re.compile(r"\s?-?(?:param|model)", re.I)
_BARE_YEAR = re.compile(r"(?:1[89]|20)\d\d")
_EVERY_BEFORE = re.compile(r"\bevery\s*$")
# "148 teraflops versus roughly 989": the figure a comparison sets against a named one is in its unit
_SET_AGAINST = re.compile(
    r"\b(?:versus|vs\.?|against|compared (?:to|with))\s+"
    r"(?:(?:roughly|about|around|only|just|nearly|some)\s+)?$",
    re.I,
)
_PUE = re.compile(r"\bPUE\b|power usage effectiveness")
# The same patterns with their literal pre-tests: a sentence lacking every word one needs is not searched.
_WORDS_P = Prefiltered(_WORDS_RE)
_MULTIPLIER_P = Prefiltered(_MULTIPLIER_RE)
_ORDER_P = Prefiltered(_ORDER_RE)
_A_DURATION_P = Prefiltered(_A_DURATION_RE)
_FRACTION_WORDS_P = Prefiltered(_FRACTION_WORDS_RE)
_MONTH_DAY_P = Prefiltered(_MONTH_DAY_RE)
_MONTH_ALONE_P = Prefiltered(_MONTH_ALONE_RE)
_HOLIDAY_P = Prefiltered(_HOLIDAY_RE)


@dataclass(frozen=True)
class Figure:
    """A figure found in the text: the written value's span, the quantity, and the words around it."""

    start: int
    end: int
    value_text: str
    quantity: Quantity
    unit_end: int
    descriptor: str | None = None
    kind: str = "number"


def _scan(
    pattern: Prefiltered, text: str, start: int, end: int, literals: LiteralIndex | None
) -> Iterator[re.Match[str]]:
    """The pattern's matches in text[start:end], none without searching when its pre-test rules them out."""
    return pattern.pattern.finditer(text, start, end) if pattern.possible(literals, start, end) else iter(())


def _overlaps_any(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _qualifier_before(text: str, start: int, floor: int) -> str | None:
    return qualifier_of(text[max(floor, start - 30) : start])


def _with_qualifier(q: Quantity, qualifier: str | None) -> Quantity:
    if qualifier and (
        q.qualifier is None or q.qualifier == "more than" and qualifier in ("over", "more than")
    ):
        return replace(q, qualifier=qualifier)
    return q


def _descriptor(rest: str, length: int) -> str | None:
    words = rest[:length].strip()
    words = re.sub(
        r"\b(?:gpus?|chips?|accelerators?|processors|cards?|of|the|its|their|hours?)\b|-hours?",
        " ",
        words,
        flags=re.I,
    )
    words = " ".join(words.split()).strip(" ,")
    return words or None


_OF_PHRASE = re.compile(
    r"\s+of\s+(?:the\s+|its\s+|their\s+|(?:[A-Z][\w.-]*|[\w-]+)['’]s\s+)?(?:\d[\d,.]*\s*[A-Za-z]*\s+)?"
)
_FROM_BEFORE = with_first_character_test(
    r"\bfrom\s*$|\b(?:trails?|ties|beats?|versus|vs\.?)\b(?:[^.;]|\.\d){0,100}$", re.I
)


def _split_range(text: str, m: re.Match[str], start: int) -> list[tuple[int, int]]:
    """'rose from 15.6% to 71.0%' and 'trails o1, 71.5% to 75.7%' are two figures, not a range."""
    if m["conn"] != "to" or not _FROM_BEFORE.search(text[max(start, m.start() - 110) : m.start()]):
        return [(m.start(), m.end())]
    second = m.start("cur2") if m["cur2"] else m.start("num2")
    first_end = m.start("conn")
    while text[first_end - 1].isspace():
        first_end -= 1
    return [(m.start(), first_end), (second, m.end())]


def _number_figures(
    text: str, start: int, end: int, masks: Masks, blocked: Sequence[tuple[int, int]]
) -> list[Figure]:
    out = []
    for m in CORE_RE.finditer(text, start, end):
        if masks.overlaps(m.start(), m.end()) or _overlaps_any(m.start(), m.end(), blocked):
            continue
        parts = _split_range(text, m, start)
        for a, b in parts:
            figure = _number_figure(text, start, end, a, b)
            if figure is not None and len(parts) > 1:  # one of a pair: its own value, not the pair's range
                figure = replace(figure, quantity=replace(figure.quantity, value_max=None))
            if figure is not None:
                out.append(figure)
    return out


_CURRENCY_PREFIX = re.compile(
    r"(?<![A-Za-z])(?:" + "|".join(re.escape(p) for p in CURRENCY_PREFIXES) + r")$", re.I
)
_HYPHENED_MAGNITUDE = re.compile(r"-(?:thousand|million|billion|trillion)\b", re.I)


def _number_figure(text: str, start: int, end: int, a: int, b: int) -> Figure | None:
    """The figure written at text[a:b] (one CORE_RE match or half of a split range), or None."""
    hyphened = _HYPHENED_MAGNITUDE.match(text, b, end) if text[b : b + 1] == "-" else None
    if hyphened and text[a:b][-1:].isdigit():  # "a 671-billion-parameter model"
        b = hyphened.end()
    rest = text[b : min(end, b + 80)]
    attached = noun_unit(rest) if _LETTER.match(rest) else None
    if (
        _LETTER.match(rest)
        and not _MAGNITUDE_LETTER.match(rest)
        and not (attached and attached[0] == "other" and attached[1] in ("GB", "GB/s", "FLOPs", "power"))
    ):
        return None
    if _NOT_A_FIGURE_AFTER.match(rest):
        return None
    core = text[a:b]
    try:
        q = parse_quantity((core.replace("-", " ") if hyphened else core) + rest[:60].split("\n")[0])
    except QuantityError:
        return None
    found = noun_unit(rest)
    of = _OF_PHRASE.match(rest) if q.unit == "count" and not found else None
    if of and noun_unit(rest[of.end() :]):  # "2,000 of Nvidia's H800 chips", "37B of 671B parameters"
        unit, note, length = noun_unit(rest[of.end() :])  # type: ignore[misc]
        # The unit is read; "of Nvidia's H800 chips" belongs to the figure, "of 671B parameters" is a
        # figure itself.
        found = (unit, note, 0 if re.search(r"(?<![A-Za-z])\d", of.group(0)) else of.end() + length)
        q = replace(q, unit=unit, note=note)
    magnitude = _MAGNITUDE_CORE.match(core)
    if q.unit == "count" and magnitude and _PARAMETERS_AFTER.match(rest):
        q, found = replace(q, unit="parameters"), None
    per = _PER_TOKENS_RE.match(rest) if q.unit == "USD/1M tokens" else None
    if per:
        found = ("USD/1M tokens", None, per.end())
    unit_end = b + (
        found[2]
        if found
        and q.unit in ("GPU", "parameters", "months", "years", "count", "other", "tokens/s", "USD/1M tokens")
        else 0
    )
    descriptor = (
        _descriptor(rest, found[2]) if found and (found[0] == "GPU" or found[1] == "GPU hours") else None
    )
    if q.unit == "USD" and _PER_MONTH_RE.match(rest):
        q = replace(q, note="per month")
    prefix = _CURRENCY_PREFIX.search(text, max(start, a - 4), a)
    if prefix:  # "over NT$32.8 billion": another currency's dollars, and the qualifier before its sign
        q = replace(q, unit="other", note=CURRENCY_PREFIXES[prefix.group(0).upper()])
        found = None
    q = _with_qualifier(q, _qualifier_before(text, prefix.start() if prefix else a, start))
    if q.unit == "count" and q.value_max is None and not found and _BARE_YEAR.fullmatch(core):
        return None  # a bare year is handled by the date rules
    begin = a - 1 if a > start and text[a - 1] in "~><≈" else a
    kind = "magnitude" if magnitude and q.unit == "count" and not found else "number"
    return Figure(begin, b, text[begin:b], q, unit_end, descriptor, kind=kind)


def _word_figures(
    text: str,
    start: int,
    end: int,
    masks: Masks,
    blocked: Sequence[tuple[int, int]],
    literals: LiteralIndex | None = None,
) -> list[Figure]:
    out: list[Figure] = []
    if not _WORDS_P.possible(literals, start, end):
        return out
    for m in _WORDS_RE.finditer(text, start, end):
        if masks.overlaps(m.start(), m.end()) or _overlaps_any(m.start(), m.end(), blocked):
            continue
        rest = text[m.end() : min(end, m.end() + 80)]
        if rest.startswith("-") or _EVERY_BEFORE.search(text[max(start, m.start() - 7) : m.start()]):
            continue  # "one-day loss", "every single parameter": adjectives, not figures
        found = noun_unit(rest)
        if found and found[0] == "count" and m["w1"].lower() in ("one", "single", "a single") and not m["w2"]:
            continue  # "one token at a time"
        ordinal = m["w1"].lower() in ("first", "second", "third", "fourth", "fifth")
        if not found or (ordinal and found[0] != "count") or (found[1] == "models" and ordinal):
            continue
        if ordinal and not re.match(r"\s*scaling law", rest, re.I):
            continue
        try:
            q = parse_quantity(m.group(0) + rest[: found[2]])
        except QuantityError:
            continue
        q = _with_qualifier(q, _qualifier_before(text, m.start(), start))
        descriptor = _descriptor(rest, found[2]) if found[0] == "GPU" else None
        out.append(Figure(m.start(), m.end(), m.group(0), q, m.end() + found[2], descriptor, kind="words"))
    return out


_SIMPLE_HINT = with_first_character_test(
    r"[#/]|[Dd]oubl|[Tt]ripl|[Qq]uadrupl|fold|magnitude|[Tt]wice|illions|thousands|digit|dollar|"
    r"No\.|[Nn]umber one|[Tt]op|year|month|decade|factor|third|quarter|fifth|tenth|FP|BF|INT"
)


def _simple_figures(
    text: str,
    start: int,
    end: int,
    masks: Masks,
    blocked: Sequence[tuple[int, int]],
    literals: LiteralIndex | None = None,
    digits: bool = True,
) -> list[Figure]:
    out: list[Figure] = []
    if not _SIMPLE_HINT.search(text, start, end):
        return out
    for pattern, kind in ((_MULTIPLIER_P, "multiplier"), (_ORDER_P, "order")):
        if not pattern.possible(literals, start, end):
            continue
        for m in pattern.pattern.finditer(text, start, end):
            if masks.overlaps(m.start(), m.end()) or _overlaps_any(m.start(), m.end(), blocked):
                continue
            try:
                q = parse_quantity(m.group(0))
            except QuantityError:
                continue
            if q.value is None:
                continue
            rest = text[m.end() : min(end, m.end() + 60)]
            found = noun_unit(re.sub(r"^\s*of\s+", " ", rest))
            if kind == "order" and q.unit == "count":
                q = replace(q, unit=found[0] if found and found[0] in ("parameters", "GPU") else "USD")
            q = _with_qualifier(q, _qualifier_before(text, m.start(), start))
            out.append(Figure(m.start(), m.end(), m.group(0), q, m.end(), kind=kind))
    for m in _scan(_A_DURATION_P, text, start, end, literals):
        if masks.overlaps(m.start(), m.end()):
            continue
        unit = {"year": "years", "month": "months", "decade": "years"}[m["unit"].lower()]
        value = 10.0 if m["unit"].lower() == "decade" else 1.0
        q = _with_qualifier(
            Quantity(value, unit=unit, precision=1.0), _qualifier_before(text, m.start("fig"), start)
        )
        out.append(Figure(m.start("fig"), m.end(), m["fig"], q, m.end(), kind="words"))
    for m in _scan(_FRACTION_WORDS_P, text, start, end, literals):
        if masks.overlaps(m.start(), m.end()):
            continue
        try:
            q = parse_quantity(m.group(0))
        except QuantityError:
            continue
        out.append(Figure(m.start(), m.end(), m.group(0), q, m.end(), kind="fraction"))
    for m in _BITS_RE.finditer(text, start, end) if digits else ():
        if not masks.overlaps(m.start(), m.end()):
            q = Quantity(float(m["bits"]), unit="other", note="bits", precision=1.0)
            out.append(Figure(m.start(), m.end(), m.group(0), q, m.end(), kind="bits"))
    for m in _RANK_RE.finditer(text, start, end):
        if masks.overlaps(m.start(), m.end()):
            continue
        value = float(m["n"] or m["m"] or 1)
        out.append(
            Figure(
                m.start(),
                m.end(),
                m.group(0),
                Quantity(value, unit="other", note="rank", precision=1.0),
                m.end(),
                kind="rank",
            )
        )
    for m in _FRACTION_RE.finditer(text, start, end) if digits else ():
        if masks.overlaps(m.start(), m.end()):
            continue
        value = round(100 * int(m["a"]) / int(m["b"]), 2)
        out.append(
            Figure(
                m.start(),
                m.end(),
                m.group(0),
                Quantity(value, unit="percent", precision=0.01),
                m.end(),
                kind="fraction",
            )
        )
    return out


def _resolve_holiday(published: str | None) -> int | None:
    if not published:
        return None
    year, month = int(published[:4]), int(published[5:7])
    return date_value(year if month == 12 else year - 1, 12, 25)


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_RELATIVE_RE = re.compile(
    r"\b(?:yesterday|last (?:week|month|year)|this (?:week|month|year)|earlier this (?:week|month|year)|"
    r"on (?P<day>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))\b",
    re.I,
)
_RELATIVE_P = Prefiltered(_RELATIVE_RE)
# (only releases: "Nvidia fell 17% on Monday" dates the fall, which is the claim; the day is not one)
_RELATIVE_EVENT = re.compile(
    r"\b(?:released|launched|unveiled|announced|debuted|came out|founded|introduced|shipped)\b",
    re.I,
)


def _relative_date(phrase: str, day_name: str | None, published: str) -> tuple[int, str] | None:
    """A relative date resolved against the document's date: (YYYYMMDD with 00 for unknown parts, note)."""
    today = date.fromisoformat(published)
    lowered = phrase.lower()
    if day_name:
        back = (today.weekday() - _WEEKDAYS.index(day_name.lower())) % 7
        resolved = today - timedelta(days=back)
        return date_value(resolved.year, resolved.month, resolved.day), f"{phrase} before {published}"
    if lowered == "yesterday":
        resolved = today - timedelta(days=1)
        return date_value(resolved.year, resolved.month, resolved.day), f"the day before {published}"
    if lowered.endswith("week"):
        resolved = today - timedelta(days=7 if lowered.startswith("last") else 0)
        return date_value(resolved.year, resolved.month, 0), f"{phrase}, the week of {resolved.isoformat()}"
    if lowered.endswith("month"):
        year, month = (
            (today.year, today.month - 1) if lowered.startswith("last") else (today.year, today.month)
        )
        if month == 0:
            year, month = year - 1, 12
        return date_value(year, month), f"{phrase} as of {published}"
    year = today.year - 1 if lowered.startswith("last") else today.year
    return date_value(year), f"{phrase} as of {published}"


def _relative_figures(
    text: str, start: int, end: int, masks: Masks, published: str, literals: LiteralIndex | None = None
) -> list[Figure]:
    """'DeepSeek released R1 last week': relative dates of events, when the document says when it was
    written."""
    out: list[Figure] = []
    if not _RELATIVE_P.possible(literals, start, end):
        return out
    for m in _RELATIVE_RE.finditer(text, start, end):
        near = text[max(start, m.start() - 60) : min(end, m.end() + 40)]
        if masks.overlaps(m.start(), m.end()) or not _RELATIVE_EVENT.search(near):
            continue
        resolved = _relative_date(m.group(0).removeprefix("on ").removeprefix("On "), m["day"], published)
        if resolved:
            value, note = resolved
            start_at = m.start("day") if m["day"] else m.start()
            out.append(
                Figure(
                    start_at,
                    m.end(),
                    text[start_at : m.end()],
                    Quantity(float(value), unit="date"),
                    m.end(),
                    descriptor=f"resolved: {note}",
                    kind="date",
                )
            )
    return out


def _dated_by_document(m: re.Match[str], q: Quantity, published: str) -> Figure:
    """A date figure whose year the text leaves out and the document's own date supplies."""
    return Figure(m.start(), m.end(), m.group(0), q, m.end(), kind="date",
                  descriptor=f"year taken from the document date {published}")


def _date_figures(
    text: str,
    start: int,
    end: int,
    masks: Masks,
    published: str | None,
    literals: LiteralIndex | None = None,
    digits: bool = True,
) -> list[Figure]:
    out = _relative_figures(text, start, end, masks, published, literals) if published else []
    for m in _DATE_RE.finditer(text, start, end) if digits else ():
        if masks.overlaps(m.start(), m.end()):
            continue
        try:
            q = parse_quantity(m.group(0).replace(" of ", " "))
        except QuantityError:
            continue
        out.append(Figure(m.start(), m.end(), m.group(0), q, m.end(), kind="date"))
    for m in _YEAR_RE.finditer(text, start, end) if digits else ():
        if masks.overlaps(m.start(), m.end()) or _overlaps_any(
            m.start(), m.end(), [(f.start, f.end) for f in out]
        ):
            continue
        before = text[max(start, m.start() - 60) : m.start()]
        sentence_initial = (
            re.fullmatch(r"\s*(?:In|in|By|Back in|Since)\s+", text[start : m.start()])
            and text[m.end() : m.end() + 1] == ","
        )
        if sentence_initial or _YEAR_EVENT_BEFORE.search(before):
            q = Quantity(float(date_value(int(m.group(0)))), unit="date", text=m.group(0))
            out.append(Figure(m.start(), m.end(), m.group(0), q, m.end(), kind="date"))
    if published:
        for m in _scan(_MONTH_DAY_P, text, start, end, literals) if digits else ():
            if masks.overlaps(m.start(), m.end()) or not _EVENT_CUE.search(
                text, max(start, m.start() - 60), m.start()
            ):
                continue
            try:
                q = parse_quantity(f"{m.group(0)}, {published[:4]}")
            except QuantityError:
                continue
            if q.value and int(q.value) // 100 % 100 > int(published[5:7]):  # "Dec. 26" written in February
                q = replace(q, value=q.value - 10000)
            out.append(_dated_by_document(m, q, published))
        for m in _scan(_MONTH_ALONE_P, text, start, end, literals):
            if m["mon"] == "May" and not re.match(r"\s+(?:of|in|\d)", text[m.end() : m.end() + 4]):
                continue  # "may" is mostly a verb
            if masks.overlaps(m.start(), m.end()) or not _EVENT_CUE.search(
                text, max(start, m.start() - 40), m.start()
            ):
                continue
            month = parse_quantity(f"{m['mon']} 2000").value or 0
            month = int(month) // 100 % 100
            year = int(published[:4]) - (1 if month > int(published[5:7]) else 0)
            q = Quantity(float(date_value(year, month)), unit="date", text=m.group(0))
            out.append(_dated_by_document(m, q, published))
    for m in _scan(_HOLIDAY_P, text, start, end, literals):
        value = _resolve_holiday(published)
        if value and not masks.overlaps(m.start(), m.end()):
            q = Quantity(float(value), unit="date", text=m.group(0))
            out.append(
                Figure(
                    m.start(),
                    m.end(),
                    m.group(0),
                    q,
                    m.end(),
                    kind="date",
                    descriptor=f"resolved against the document date {published}",
                )
            )
    return out


def _merge_bit_ranges(text: str, figures: list[Figure]) -> list[Figure]:
    """'16-bit or 32-bit' is one figure: either width."""
    out: list[Figure] = []
    for fig in figures:
        prev = out[-1] if out else None
        if (
            prev
            and prev.quantity.note == "bits"
            and fig.quantity.note == "bits"
            and re.fullmatch(r"-bits?\s+(?:or|to|and)\s+", text[prev.end : fig.start])
        ):
            merged = replace(prev.quantity, value_max=fig.quantity.value)
            out[-1] = Figure(prev.start, fig.unit_end, text[prev.start : fig.unit_end], merged, fig.unit_end)
            continue
        out.append(fig)
    return out


_BETWEEN = re.compile(r"\bbetween\s+(?:(?:about|roughly|around|some)\s+)?$", re.I)


def _merge_between_ranges(text: str, figures: list[Figure]) -> list[Figure]:
    """'between $500 million and $1 billion', 'between 20 and 30 percent': one figure, a range."""
    out: list[Figure] = []
    for fig in figures:
        prev = out[-1] if out else None
        if (
            prev
            and "date" not in (prev.kind, fig.kind)
            and prev.quantity.value_max is None
            and fig.quantity.value_max is None
            and prev.quantity.value is not None
            and fig.quantity.value is not None
            and (prev.quantity.unit == fig.quantity.unit or prev.unit_end == prev.end)
            and prev.quantity.value < fig.quantity.value
            and re.fullmatch(r"\s+and\s+", text[prev.unit_end : fig.start])
            and _BETWEEN.search(text, max(0, prev.start - 30), prev.start)
        ):
            merged = replace(
                fig.quantity,
                value=prev.quantity.value,
                value_max=fig.quantity.value,
                qualifier=prev.quantity.qualifier or fig.quantity.qualifier,
            )
            written = text[prev.start : fig.end]
            out[-1] = Figure(prev.start, fig.end, written, merged, fig.unit_end, fig.descriptor, fig.kind)
            continue
        out.append(fig)
    return out


def _shared_price_unit(figures: list[Figure]) -> list[Figure]:
    """'$0.55 per million input tokens ... compared with $15 and $60 for o1': the bare prices are per
    token too."""
    if not any(f.quantity.unit == "USD/1M tokens" for f in figures):
        return figures
    out = []
    for fig in figures:
        q = fig.quantity
        if (
            q.unit == "USD"
            and q.value is not None
            and q.value < 1000
            and fig.unit_end == fig.end
            and not q.note
        ):
            fig = replace(fig, quantity=replace(q, unit="USD/1M tokens"))
        out.append(fig)
    return out


def _bare_counts(
    text: str, start: int, end: int, figures: list[Figure], previous_unit: Quantity | None
) -> list[Figure]:
    """A bare number takes its unit from the sentence: 'said the number is about 50,000' after GPU counts,
    'another 119,000 went to ...' after '2.664 million GPU hours'; a large written number ('37 billion
    of them') may take it from the sentence before. Small bare numbers are dropped: they are rarely claims."""
    if not figures:
        return []
    has_gpu = any(f.quantity.unit == "GPU" for f in figures)
    pue = _PUE.search(text[start:end]) is not None
    nouned = [
        f.quantity
        for f in figures
        if f.unit_end > f.end and f.quantity.unit in ("other", "parameters", "GPU")
    ]
    # the sentence before lends its unit only to a sentence whose figures name none of their own ('a
    # 128K-token window, extended from 4K': 4K is tokens, whatever the sentence before counted)
    donor = nouned[0] if nouned else (None if any(f.unit_end > f.end for f in figures) else previous_unit)
    out = []
    for fig in figures:
        bare = (
            fig.quantity.unit == "count" and fig.unit_end == fig.end and fig.kind in ("number", "magnitude")
        )
        large = fig.kind == "magnitude" or ("," in fig.value_text and (fig.quantity.value or 0) >= 1000)
        if not bare:
            out.append(fig)
        elif has_gpu and fig.quantity.value and fig.quantity.value >= 100:
            out.append(replace(fig, quantity=replace(fig.quantity, unit="GPU")))
        elif pue and fig.quantity.value is not None and not float(fig.quantity.value).is_integer():
            out.append(replace(fig, quantity=replace(fig.quantity, unit="other", note="PUE")))
        elif donor is not None and (
            (large and (nouned or fig.kind == "magnitude"))
            or (nouned and _SET_AGAINST.search(text, max(start, fig.start - 30), fig.start))
        ):
            out.append(replace(fig, quantity=replace(fig.quantity, unit=donor.unit, note=donor.note)))
        elif large:
            out.append(fig)
    return out


def find_figures(
    text: str,
    start: int,
    end: int,
    *,
    masks: Masks,
    blocked: Sequence[tuple[int, int]] = (),
    published: str | None = None,
    previous_unit: Quantity | None = None,
    literals: LiteralIndex | None = None,
) -> list[Figure]:
    """Every figure in text[start:end], in order, longest first where two overlap.

    ``blocked`` spans (model names such as 'GPT-4' or 'Llama 3.1 405B') hold no figures. ``literals``
    indexes ``text`` when the caller has one: patterns whose required words are not in the sentence are
    not run (the figures found are the same).
    """
    # Written numbers, dates, years, bit widths and fractions all hold a digit: without one they are not
    # looked for.
    digits = _DIGIT.search(text, start, end) is not None
    found = [
        *_date_figures(text, start, end, masks, published, literals, digits),
        *(_number_figures(text, start, end, masks, blocked) if digits else ()),
        *_word_figures(text, start, end, masks, blocked, literals),
        *_simple_figures(text, start, end, masks, blocked, literals, digits),
    ]
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Figure] = []
    for fig in found:
        if kept and fig.start < max(kept[-1].end, kept[-1].unit_end):
            continue
        kept.append(fig)
    kept = _merge_between_ranges(text, _merge_bit_ranges(text, kept))
    # (only dates are dropped after a first person: without one, nothing to look for)
    if any(f.kind == "date" for f in kept) and _FIRST_PERSON.search(text[start:end]):
        kept = [f for f in kept if not (f.kind == "date" and _first_person_before(text, start, f.start))]
    return _shared_price_unit(_bare_counts(text, start, end, kept, previous_unit))


def _first_person_before(text: str, start: int, at: int) -> bool:
    clause = re.split(r"[;:,]", text[start:at])[-1]
    return _FIRST_PERSON.search(clause) is not None
