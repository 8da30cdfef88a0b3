"""Attribution: who asserts what in a sentence, from reporting verbs, 'according to', possessive claims
and hedges."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from ingest.prefilter import LiteralIndex, Prefiltered, grouped_alternation, with_first_character_test

__all__ = [
    "Name", "Report", "AttributionRules", "find_reports", "reporter_at", "hedge_before", "PAPER_WORDS",
]

SELF = "SELF"  # "reportedly", "the claims are": the subject's own organisation says so
PAPER = "PAPER"  # "the paper says": the publisher of the paper under discussion
REPORT = "REPORT"  # "the report said": the report last named, so the party the text last quoted


@dataclass(frozen=True)
class Name:
    """A named thing in the sentence: an entity or party span with its canonical name."""

    start: int
    end: int
    name: str
    role: str  # "entity" or "party"
    kind: str = "other"


@dataclass(frozen=True)
class Report:
    """An act of asserting: from ``start`` to ``until`` the text is in ``parties``' voice."""

    start: int
    until: int
    parties: tuple[str, ...]
    cue: str


_GAP_OK = re.compile(
    r"\s*(?:[,\[\]\"“(]\s*)*(?:(?:has|have|had|also|directly|publicly|recently|previously|reportedly|even|now|just|"
    r"then|all|both|who|which|already|repeatedly|further|separately|himself|herself|itself|themselves)\s+|[\[\]\"“]\s*)*$",
    re.I,
)
_APPOSITIVE = re.compile(
    r"\s*,[^,;]{1,80},\s*(?:[\[\"“]\s*)?(?:(?:has|have|had|also|directly|publicly)\s+)*$"
)
_OF_ORG = re.compile(r"\s+(?:of|at|from)\s+(?:the\s+)?[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*){0,3}\s*(?:,\s*)?$")
_AND_SUPPORTERS = re.compile(r"\s+and\s+(?:its|their|his|her)\s+\w+\s+$")
_POSSESSIVE_NOUN = re.compile(
    r"['’]s?\s+(?:own\s+)?(?:\w+\s+)?(?:{nouns})\s+(?:(?:also|has|have)\s+)?$", re.I
)
_PAPER_WHICH = re.compile(
    r"\b(?:the|its|their|this)\s+(?:[\w-]+\s+){0,2}(?:paper|technical report|report|model card)\s*,?\s*"
    r"(?:which|that)\s+(?:also\s+)?$",
    re.I,
)
_LABEL_BEFORE = re.compile(r"[\W_]*(?:[-*•]\s+)?")
_LABEL_AFTER = re.compile(r"\s*(?:\([^()]{1,40}\))?\s*:\s")
_PHRASE_BREAK = re.compile(r"[;:]|,(?!\d)")
_RELATIVE_AFTER = re.compile(r"\s+(?:it|they|he|she|we)\s+(?:had\s+|has\s+|have\s+)?[a-z]+", re.I)
_FIGURE_BEFORE = re.compile(r"\d[\w.,%$]*\s+(?:[\w-]+\s+){0,3}$")
_PRONOUN = re.compile(r"\b(He|She)\s+(?:also\s+)?$")
_IT_SPEAKER = re.compile(r"\W*It\s+(?:also\s+)?")  # a sentence opening "It said in a paper that": the company
# A person outside the vocabulary, named just before a reporting verb: "White House AI czar David Sacks said".
_UNKNOWN_NAME = re.compile(
    r"(?<![\w'’])((?:[A-Z][a-z'’-]+|[A-Z]\.)(?:\s+(?:[A-Z][a-z'’-]+|[A-Z]\.|de|van|von)){1,2})"
    r"(?:\s*,[^,;]{1,60},)?\s+(?:(?:also|has|have|had|previously|recently)\s+)*$"
)
# "An unnamed senior State Department official told Reuters", "a Microsoft spokesperson said": a person who
# speaks for an organisation, unnamed, gives that organisation's word.
_SPOKESPERSON = re.compile(
    r"\b(?:[Aa]n?|[Tt]he|[Oo]ne)\s+(?:(?:unnamed|senior|former|anonymous|top|chief|[\w-]+-level)\s+)*"
    r"(?P<org>(?:U\.?S\.?\s+)?(?:[A-Z][\w&.'’-]*\s+){1,3}?)"
    r"(?:officials?|spokes(?:man|woman|person|people)|executives?|representatives?|sources?)"
    r"(?:\s*,[^,;]{1,60},)?\s+(?:(?:also|has|have|had|previously|recently)\s+)*$"
)
_NOT_NAME_WORDS = {
    "The", "This", "That", "These", "In", "On", "At", "If", "When", "While", "But", "And", "Some", "Many",
    "Most", "Other", "Industry", "Analysts", "Experts", "Critics", "Reports", "Training", "Memory",
}
_COMPANY = re.compile(
    r"\b(?:the|The|a|A)\s+(?:company|firm|startup|lab|Chinese company|Chinese lab|Chinese startup|"
    r"Chinese AI (?:company|lab|startup)|Hangzhou-based \w+)\s+"
    r"(?:(?:also|has|have|had)\s+)*$"
)
# '"The $6M number is very misleading," said Dylan Patel' and '"...," Patel said': the speaker follows
# the quote.
_QUOTE_SAID = re.compile(
    r"(?P<close>[,.!?]?[\"”])\s*(?:(?:said|says|told \w+|wrote|added|"
    r"noted)\s+(?P<who>(?:[A-Z][\w.'’-]*\s?){1,4})"
    r"|(?P<who2>(?:[A-Z][\w.'’-]*\s?){1,4})(?:,[^,;\"“”]{1,60},)?\s+(?:said|says|told|wrote|added|noted)\b)"
)
# A speaker named after what they said, at the end of the sentence or before a comma: "DeepSeek has about
# 50,000 GPUs, Alexandr Wang said.", "..., said Dylan Patel, SemiAnalysis's chief analyst.", "..., the company
# said in a statement.", "..., according to SemiAnalysis." (with no quotation marks: _QUOTE_SAID has those).
_POSTPOSED_VERB = (
    r"(?:said|says|told|tells|wrote|writes|added|adds|noted|notes|estimated|estimates|reported|reports|"
    r"claimed|claims|argued|argues|stated|states|posted|tweeted|insisted|insists|warned|warns|"
    r"acknowledged|acknowledges|conceded|concedes|contended|contends|believes|believed|"
    r"say|write|note|estimate|claim|argue|believe|contend|insist|warn|report|add|state)"
)
_WHO = r"(?P<who>[^,;:\"“”()]{2,70}?)"
_TAIL = (
    r"(?:\s+(?:in|on|at|to|last|this|during|earlier|via|after|from|a|an|the|[A-Z][\w'’.-]*)\b"
    r"[^,;:\"“”]{0,70}?)?"
)
_POSTPOSED = re.compile(
    rf",\s+(?:(?:{_WHO}\s+{_POSTPOSED_VERB}|(?!told|tells){_POSTPOSED_VERB}\s+(?P<who2>[^,;:\"“”()]{{2,70}}?))"
    rf"{_TAIL}|"
    rf"according\s+to\s+(?P<who3>[^,;:\"“”()]{{2,70}}?))"
    rf"\s*(?:,\s*[^,;:\"“”]{{1,60}}?)?(?:[.!?]?[\"”'’)\]]*\s*$|,\s|;\s)"
)
# Background set off by commas inside what a postposed speaker covers is the writer's: "DeepSeek, founded in
# 2023 by Liang Wenfeng, has fewer than 200 employees, according to people familiar with the company."
_BACKGROUND = re.compile(
    r",\s+(?:founded|based|backed|headquartered|owned|known|created|started|spun out|valued|which|who)\b"
    r"[^,;]*,"
)
_POSTPOSED_WORDS = {
    w for w in re.findall(r"[a-z]+", _POSTPOSED_VERB) if len(w) > 2
} | {"according"}
# Words that open a clause, not a speaker: ", which analysts said", ", and Wang said", ", as Wang noted"
_NOT_A_SPEAKER = re.compile(
    r"(?:which|that|who|whom|whose|what|as|and|but|or|so|while|if|when|because|although|though|since|where|"
    r"how|then|yet|even|than|not|nor|this|these|those|there|we|i|you)\b",
    re.I,
)
_THE_PAPER = re.compile(
    r"(?:the|its|their|this|that)\s+(?:[\w-]+\s+){0,2}"
    r"(?:paper|technical report|report|model card|whitepaper)",
    re.I,
)
_PRONOUN_SPEAKER = re.compile(r"(?:he|she)$", re.I)
_ORG_SPEAKER = re.compile(r"(?:it|the (?:company|firm|startup|lab))$", re.I)
_WORD = re.compile(r"[a-z]+")
PAPER_WORDS = frozenset({"paper", "report", "whitepaper", "card", "preprint"})  # what a publisher issues
_ANALYST_WORK = re.compile(r"^(?:the|this)\s+report\b", re.I)
_SUBJECTLESS = re.compile(r"(?:^|[;,]|\band)\s*$")
_BREAKS = re.compile(
    r",\s+so\b|,\s+but\b|;\s+(?!said\b|says\b|adding\b)|\bHowever\b|,\s+while\b|\bbut\s+(?=I|we)|"
    r",?\s+(?:compared (?:to|with)|versus|vs\.?)\s",
    re.I,
)
_DASH = re.compile(r"\s[-–—]\s|—")
_ACCORDING = re.compile(r"\baccording to\s+", re.I)
_PER_SOURCE = re.compile(r"\W*Per\s+")  # "Per SemiAnalysis, DeepSeek has ...": a sentence's first word only
_REPORTED_BY = re.compile(r"\b(?:as\s+)?reported\s+by\s+([^,;.]{2,40})", re.I)
# "its own claims about", "Wang's estimate of 50,000 H100s": what a party claims or estimates is theirs
_CLAIM_NOUNS = (
    "claim", "estimate", "figure", "count", "tally", "calculation", "guess", "forecast", "projection",
)
_CLAIM_WORDS = {form for noun in _CLAIM_NOUNS for form in (noun, noun + "s")}
_CLAIMS_OF = re.compile(
    r"\b(its|their|his|her|[A-Z][\w.-]*['’]s?)\s+(?:[\w-]+\s+)?(" + "|".join(_CLAIM_NOUNS) + r")s?"
    r"\s+(?:about|of|that|on|at)\b"
)
_PAPER = re.compile(
    r"\b(?:the|its|their|this|[A-Z][\w-]*['’]s)\s+(?:[\w-]+\s+){0,2}(?:paper|technical report|"
    r"whitepaper|report|model card)"
    r"\s+(?:itself\s+)?"
    r"(?:says|said|states|stated|notes|noted|claims|claimed|shows|showed|reports|reported|describes|described|admits|"
    r"admitted|lists|listed|concedes|conceded|acknowledges|acknowledged|estimates|estimated|puts|put)\b",
    re.I,
)


class AttributionRules:
    """Compiled attribution rules from the patterns file."""

    def __init__(self, patterns: dict[str, Any]) -> None:
        verbs = sorted(patterns["reporting_verbs"], key=len, reverse=True)
        # (grouping the verbs by first letter only saves trying those that cannot start at a position, and
        # the look-ahead for all first letters in front skips most positions at once)
        self.verbs = with_first_character_test(r"\b" + grouped_alternation(verbs, re.I) + r"\b", re.I)
        # Words any of these patterns needs, to skip sentences that cannot match at a glance.
        self.verb_words = {w for v in verbs for w in _WORD.findall(v.lower()) if len(w) > 2} - {
            "the", "one", "such", "this", "that", "has", "have", "are",
        }
        nouns = "|".join(patterns["reporting_nouns"])
        self.possessive_noun = re.compile(_POSSESSIVE_NOUN.pattern.replace("{nouns}", nouns), re.I)
        self_hedges = sorted(patterns["self_report_hedges"], key=len, reverse=True)
        self.self_report = with_first_character_test(r"\b(?:" + "|".join(self_hedges) + r")\b", re.I)
        self.self_words = {w for h in self_hedges for w in _WORD.findall(h.lower()) if len(w) > 3} - {"their"}
        self.hedges = [(Prefiltered.compiled(rf"\b{k}\b", re.I), v) for k, v in patterns["hedges"].items()]


def _clause_end(text: str, start: int, end: int) -> int:
    match = _BREAKS.search(text, start, end)
    return match.start() if match else end


_PERSON_OF = re.compile(r"\s*,?\s*(?:(?:the\s+)?(?:[\w-]+\s+){0,3}?)?(?:of|at|from)\s+(?:the\s+)?")


def _person_of(text: str, names: Sequence[Name], name: Name) -> Name:
    """The person an organisation's name belongs to ("Alexandr Wang, CEO of Scale AI"), else the name."""
    people = [p for p in names
              if p.end <= name.start and p.kind == "person" and _PERSON_OF.fullmatch(text, p.end, name.start)]
    return people[-1] if people else name


def _parties_before(
    text: str, names: Sequence[Name], at: int, floor: int, rules: AttributionRules
) -> list[Name]:
    """The named reporter(s) that a reporting verb at ``at`` follows."""
    found: list[Name] = []
    for name in sorted((n for n in names if floor <= n.start and n.end <= at), key=lambda n: -n.end):
        gap = text[name.end : at] if not found else text[name.end : found[-1].start]
        if not found:
            if not (
                _GAP_OK.fullmatch(gap)
                or _APPOSITIVE.fullmatch(gap)
                or _OF_ORG.fullmatch(gap)
                or _AND_SUPPORTERS.fullmatch(gap)
                or rules.possessive_noun.fullmatch(gap)
            ):
                # "Scale AI CEO Alexandr Wang": a title before the name is part of the name
                continue
            found.append(name)
            found[-1] = _person_of(text, names, name)
        elif re.fullmatch(r"\s*(?:,|and|&|,\s*and)\s*", gap):
            found.append(name)
            found[-1] = _person_of(text, names, name)
        elif re.fullmatch(r"['’]s\s+|\s+", gap) or name.end > found[-1].start:
            continue
        else:
            break
    return list(reversed(found))


def find_reports(
    text: str,
    start: int,
    end: int,
    *,
    names: Sequence[Name],
    rules: AttributionRules,
    last_person: str | None,
    last_org: str | None = None,
) -> list[Report]:
    """Every attribution in text[start:end], in order of where its voice begins."""
    reports: list[Report] = []
    speakers = [n for n in names if n.role == "party" or n.kind in ("org", "person", "publication")]
    words = set(_WORD.findall(text[start:end].lower()))
    verbs = rules.verbs.finditer(text, start, end) if not words.isdisjoint(rules.verb_words) else ()
    for verb in verbs:
        until = _clause_end(text, verb.end(), end)
        parties = _parties_before(text, speakers, verb.start(), max(start, verb.start() - 120), rules)
        if parties:
            voices = tuple(dict.fromkeys(p.name for p in parties))
            reports.append(Report(verb.end(), until, voices, verb.group(0)))
            # "The 2,048 H800s DeepSeek says it used": the figure before the speaker is the speaker's too
            lead = parties[0].start
            if _RELATIVE_AFTER.match(text, verb.end(), end) and _FIGURE_BEFORE.search(text, start, lead):
                breaks = [m.end() for m in _PHRASE_BREAK.finditer(text, start, lead)]
                reports.append(Report(breaks[-1] if breaks else start, lead, voices, verb.group(0)))
            continue
        # Each test is only run when the ones before it did not decide (searches have no side effects).
        # "the technical report, which costs the run at": its publisher's word
        if _PAPER_WHICH.search(text, max(start, verb.start() - 70), verb.start()):
            reports.append(Report(verb.end(), until, (PAPER,), verb.group(0)))
            continue
        if last_person and _PRONOUN.search(text, max(start, verb.start() - 12), verb.start()):
            reports.append(Report(verb.end(), until, (last_person,), verb.group(0)))
            continue
        spokesperson = _SPOKESPERSON.search(text, max(start, verb.start() - 90), verb.start())
        unknown = _UNKNOWN_NAME.search(text, max(start, verb.start() - 80), verb.start())
        if spokesperson:
            org = spokesperson.group("org").strip()
            known = [n for n in speakers if spokesperson.start("org") <= n.start < spokesperson.end("org")]
            reports.append(Report(verb.end(), until, (known[0].name if known else org,), verb.group(0)))
        elif unknown and unknown.group(1).split()[0] not in _NOT_NAME_WORDS:
            reports.append(Report(verb.end(), until, (unknown.group(1),), verb.group(0)))
        elif last_org and (
            _COMPANY.search(text, max(start, verb.start() - 25), verb.start())
            or _IT_SPEAKER.fullmatch(text, start, verb.start())
        ):
            reports.append(Report(verb.end(), until, (last_org,), verb.group(0)))
        elif reports and _SUBJECTLESS.search(text[max(start, verb.start() - 8) : verb.start()]):
            reports.append(Report(verb.end(), until, reports[-1].parties, verb.group(0)))
    if "," in text[start:end] and not words.isdisjoint(_POSTPOSED_WORDS):
        reports.extend(_postposed(text, start, end, speakers, last_person, last_org))
    quoted = '"' in text[start:end] or "”" in text[start:end]
    for match in _QUOTE_SAID.finditer(text, start, end) if quoted else ():
        group = "who" if match.group("who") else "who2"
        quoted_names = [n for n in speakers if match.start(group) <= n.start < match.end(group)]
        name = quoted_names[0].name if quoted_names else match.group(group).strip()
        if name.split()[0] not in _NOT_NAME_WORDS:
            reports.append(Report(start, match.start("close"), (name,), "quoted"))
    for match in _ACCORDING.finditer(text, start, end) if "according" in words else ():
        after = [n for n in speakers if match.end() <= n.start <= match.end() + 4]
        if after:
            clause_start = (
                max(start, text.rfind(",", start, match.start()) + 1) if match.start() - start > 3 else start
            )
            reports.append(Report(clause_start, end, (after[0].name,), "according to"))
    label = _person_label(text, start, end, speakers) if ":" in text[start:end] else None
    if label:
        reports.append(label)
    per = _PER_SOURCE.match(text, start, end) if "per" in words else None
    if per:
        after = [n for n in speakers if per.end() <= n.start <= per.end() + 4]
        if after:
            reports.append(Report(start, end, (after[0].name,), "according to"))
    for match in _REPORTED_BY.finditer(text, start, end) if "reported" in words else ():
        named = [n for n in speakers if match.start(1) <= n.start < match.end(1)]
        who = named[0].name if named else match.group(1).strip()
        reports.append(Report(start, _clause_end(text, match.end(), end), (who,), "reported by"))
    for match in _CLAIMS_OF.finditer(text, start, end) if not words.isdisjoint(_CLAIM_WORDS) else ():
        owner = match.group(1)
        if owner.lower() in ("its", "their", "his", "her"):
            earlier = [n for n in speakers if n.end <= match.start() and n.kind in ("org", "model")]
            who = earlier[-1].name if earlier else SELF
        else:
            named = [n for n in speakers if n.start <= match.start(1) < n.end]
            if not named and match.group(2) != "claim":
                continue  # "the market's estimate of": nobody named estimates it
            who = named[0].name if named else SELF
        reports.append(Report(match.end(), _clause_end(text, match.end(), end), (who,), "claims of"))
    for match in _PAPER.finditer(text, start, end) if words & PAPER_WORDS else ():
        # "the report said" after a firm was quoted is that firm's report; "the paper" is the topic's own
        who = REPORT if _ANALYST_WORK.search(match.group(0)) else PAPER
        reports.append(Report(match.end(), _clause_end(text, match.end(), end), (who,), "paper"))
    for match in (
        rules.self_report.finditer(text, start, end) if not words.isdisjoint(rules.self_words) else ()
    ):
        if not any(r.start <= match.start() < r.until for r in reports if r.cue != "claims of"):
            reports.append(
                Report(match.start(), _clause_end(text, match.end(), end), (SELF,), match.group(0).lower())
            )
    return sorted(reports, key=lambda r: r.start)


def _postposed(
    text: str, start: int, end: int, speakers: Sequence[Name], last_person: str | None, last_org: str | None
) -> list[Report]:
    """Attributions whose speaker comes after the words attributed: they cover the sentence up to the comma
    before the speaker (from the end of an earlier such attribution, if any)."""
    out: list[Report] = []
    for match in _POSTPOSED.finditer(text, start, end):
        group = next(g for g in ("who", "who2", "who3") if match.group(g) is not None)
        cue = "postposed"  # "postposed self": "it" or "the company" named in the sentence speaks of itself
        who_start, who_end = match.start(group), match.end(group)
        phrase = match.group(group).strip()
        if _NOT_A_SPEAKER.match(phrase):
            continue
        named = [n for n in speakers if who_start <= n.start < who_end]
        if named:
            who = named[0].name
        elif _THE_PAPER.fullmatch(phrase):  # "..., according to the paper": its publisher's word
            who = PAPER
        elif _PRONOUN_SPEAKER.fullmatch(phrase):
            if not last_person:
                continue
            who = last_person
        elif _ORG_SPEAKER.fullmatch(phrase):  # the company this sentence names, else the one spoken of
            named_here = [n for n in speakers if start <= n.start < match.start() and n.kind == "org"]
            if not named_here and not last_org:
                continue
            who = named_here[-1].name if named_here else last_org  # type: ignore[assignment]
            cue = "postposed self" if named_here else cue
        elif phrase[:1].isupper() and phrase.split()[0] not in _NOT_NAME_WORDS:
            who = phrase
        elif group == "who3" or re.match(r"(?:a|an|one|two|three|several|some|many|people|analysts|"
                                         r"experts|researchers|officials|sources|critics|skeptics|"
                                         r"investors|observers|others)\b", phrase, re.I):
            who = phrase  # "people familiar with the company", "analysts at Bernstein"
        else:
            continue
        begin = out[-1].until if out else start
        for background in _BACKGROUND.finditer(text, begin, match.start()):
            if background.start() > begin:
                out.append(Report(begin, background.start(), (who,), cue))
            begin = background.end()
        out.append(Report(begin, match.start(), (who,), cue))
    return out


def _person_label(text: str, start: int, end: int, speakers: Sequence[Name]) -> Report | None:
    """'Patel: "DeepSeek has about 50,000 H100s."', '- Alexandr Wang (Scale AI): about 50,000 H100s': a person
    named as a line's label speaks the rest of it (an organisation so named may be the subject instead)."""
    first = min((n for n in speakers if n.start >= start), key=lambda n: n.start, default=None)
    if first is None or first.kind != "person" or not _LABEL_BEFORE.fullmatch(text, start, first.start):
        return None
    colon = _LABEL_AFTER.match(text, first.end, end)
    return Report(colon.end(), end, (first.name,), "label") if colon else None


def reporter_at(text: str, reports: Sequence[Report], position: int, names: Sequence[Name]) -> Report | None:
    """The voice a figure at ``position`` is in: the nearest attribution whose scope covers it.

    A dash ends an attribution when a new party or subject is named after it.
    """
    best = None
    for report in reports:
        if report.start <= position < report.until or (
            report.cue == "according to" and report.start <= position
        ):
            dash = _DASH.search(text, report.start, position)
            if dash and any(dash.end() <= n.start < position and n.name not in report.parties for n in names):
                continue
            if best is None or report.start >= best.start:
                best = report
    return best


def hedge_before(
    text: str, start: int, position: int, rules: AttributionRules, *, literals: LiteralIndex | None = None
) -> str | None:
    """The nearest hedge word ('reportedly', 'estimated', 'allegedly') before a figure in its sentence.

    ``literals`` indexes ``text`` when the caller has one: hedges whose words are not in the window are
    skipped.
    """
    best, best_at = None, -1
    window = text[start:position]
    for pattern, hedge in rules.hedges if literals is None else literals.live(rules.hedges, itemgetter(0)):
        if not pattern.possible(literals, start, position):
            continue
        for match in pattern.pattern.finditer(window):
            if match.start() > best_at:
                best, best_at = hedge, match.start()
    return best
