"""Claim status from evidence and relations, with the reasons a reader sees; never typed in by hand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from claims.relations import RelationFacts

__all__ = [
    "EvidenceFacts", "Verdict", "Weighing", "origins_of", "relayed_origins", "compute_status", "claim_digest",
    "REFUTE_MIN_ORIGINS", "REFUTE_RATIO", "DEFAULT_WEAK_HEDGES", "UNCLASSIFIED_REASON",
]

# "Refuted" means the evidence against clearly wins: at least this many independent origins
# against, and at least REFUTE_RATIO times as many as for. Or the claim's own asserter retracts it.
REFUTE_MIN_ORIGINS = 3
REFUTE_RATIO = 3
# The hedges that weigh less when none is given (the vocabulary's 'weak_hedges' list is what runs).
DEFAULT_WEAK_HEDGES = frozenset({"rumored", "unsubstantiated", "allegedly", "unproven", "speculated"})
UNCLASSIFIED_REASON = (
    "Unclassified figure: its metric or subject was not read with confidence, so it takes part in no "
    "relation and no status until an editor reviews it."
)


@dataclass(frozen=True)
class EvidenceFacts:
    """What the status rules need to know about one piece of evidence."""

    id: str
    claim_id: str
    origins: tuple[str, ...]
    stance: str = "supports"
    hypothetical: bool = False
    hedge: str | None = None
    review: str = "accepted"
    asserted_by: str | None = None
    source_id: str = ""
    start: int = 0
    end: int = 0
    confidence: float | None = None  # None: added by a person (or stored before it was measured)


@dataclass(frozen=True)
class Verdict:
    """A computed status with its human-readable reasons."""

    status: str
    reasons: tuple[str, ...]


@lru_cache(maxsize=65536)  # a corpus repeats a few thousand (asserter, source) pairs many times
def origins_of(parties: tuple[str, ...] | str | None, *, source_label: str) -> tuple[str, ...]:
    """The independent origins behind one piece of evidence, from its list of asserting parties.

    The author of a document is one origin per document; a named party is one origin wherever it is
    quoted, so three essays repeating Alexandr Wang count once. A name is never split on its commas or
    'and' ("Meta Platforms, Inc." is one party); a bare string is one party.

    >>> origins_of(("Elon Musk", "Alexandr Wang"), source_label="002")
    ('Elon Musk', 'Alexandr Wang')
    >>> origins_of(("Meta Platforms, Inc.",), source_label="002")
    ('Meta Platforms, Inc.',)
    >>> origins_of("author", source_label="the author of «DeepSeek and the end of an era»")
    ('the author of «DeepSeek and the end of an era»',)
    """
    names = (parties,) if isinstance(parties, str) else tuple(parties or ())
    named = tuple(dict.fromkeys(p.strip() for p in names if p and p.strip() and p.strip() != "author"))
    return named or (source_label,)


def claim_digest(evidence: Sequence[EvidenceFacts]) -> tuple[dict[str, list[str]], list[str]]:
    """What lists and charts show of a claim's evidence: its independent origins for and against (accepted,
    not hypothetical evidence, counted as the status rules count them) and who asserts it (accepted).

    >>> facts = [EvidenceFacts("e1", "c", ("Ben",), asserted_by="Ben"),
    ...          EvidenceFacts("e2", "c", ("Ada",), stance="contradicts", asserted_by="Ada"),
    ...          EvidenceFacts("e3", "c", ("Lee",), hypothetical=True, asserted_by="Lee"),
    ...          EvidenceFacts("e4", "c", ("Kim",), review="pending", asserted_by="Kim")]
    >>> claim_digest(facts)
    ({'for': ['Ben'], 'against': ['Ada']}, ['Ada', 'Ben', 'Lee'])
    """
    sides: dict[str, set[str]] = {"for": set(), "against": set()}
    asserters: set[str] = set()
    for fact in evidence:
        if fact.review != "accepted":
            continue
        if fact.asserted_by is not None:
            asserters.add(fact.asserted_by)
        if not fact.hypothetical:
            sides["for" if fact.stance == "supports" else "against"].update(fact.origins)
    return {side: sorted(names) for side, names in sides.items()}, sorted(asserters)


def _counted(evidence: Sequence[EvidenceFacts], stance: str) -> list[EvidenceFacts]:
    return [e for e in evidence if e.review == "accepted" and e.stance == stance and not e.hypothetical]


def _origins(evidence: Sequence[EvidenceFacts]) -> set[str]:
    return {origin for e in evidence for origin in e.origins}


def _named(e: EvidenceFacts) -> bool:
    """Evidence in a named party's voice, not the writer's own."""
    return bool(e.asserted_by) and e.asserted_by != "author"


@dataclass(frozen=True)
class Weighing:
    """What a status weighs beside the evidence: the claim's maker (the party whose own figure it is, if
    any), the hedges that weigh less, and whether the claim was classified surely enough to count."""

    maker: str | None = None
    weak_hedges: frozenset[str] = DEFAULT_WEAK_HEDGES
    classified: bool = True


def relayed_origins(evidence: Sequence[EvidenceFacts], maker: str | None = None) -> tuple[set[str], int]:
    """The independent origins behind supporting evidence, and how many writers only relay a party.

    A writer relaying a party's figure is that party's origin: in a source that names who asserts the
    figure, the writer's own repetition counts as that party; and once the claim's maker asserts it, a
    writer repeating it anywhere relays the maker (reach, not a new origin).

    >>> e = [EvidenceFacts("e1", "c", ("DeepSeek",), asserted_by="DeepSeek", source_id="s1"),
    ...      EvidenceFacts("e2", "c", ("the author of «A»",), asserted_by="author", source_id="s1"),
    ...      EvidenceFacts("e3", "c", ("the author of «B»",), asserted_by="author", source_id="s2")]
    >>> relayed_origins(e, maker="DeepSeek")
    ({'DeepSeek'}, 2)
    >>> sorted(relayed_origins(e)[0])
    ['DeepSeek', 'the author of «B»']
    """
    named_by_source: dict[str, set[str]] = {}
    for e in evidence:
        if _named(e):
            named_by_source.setdefault(e.source_id, set()).update(e.origins)
    maker_asserts = maker is not None and any(maker in e.origins for e in evidence if _named(e))
    origins: set[str] = set()
    relays = 0
    for e in evidence:
        if _named(e):
            origins.update(e.origins)
        elif maker_asserts and maker is not None:
            origins.add(maker)
            relays += 1
        elif named_by_source.get(e.source_id):
            origins.update(named_by_source[e.source_id])
            relays += 1
        else:
            origins.update(e.origins)
    return origins, relays


def _strong_origins(
    evidence: Sequence[EvidenceFacts], weak: frozenset[str] = DEFAULT_WEAK_HEDGES
) -> set[str]:
    return {origin for e in evidence if (e.hedge or "") not in weak for origin in e.origins}


def _names(origins: set[str]) -> str:
    return ", ".join(sorted(origins))


def compute_status(
    claim_id: str,
    *,
    evidence: Sequence[EvidenceFacts],
    relations: Sequence[RelationFacts],
    evidence_by_claim: Mapping[str, Sequence[EvidenceFacts]],
    labels: Mapping[str, str],
    cache: dict[str, tuple[frozenset[str], frozenset[str]]] | None = None,
    weighing: Weighing | None = None,
) -> Verdict:
    """The status of one claim: unverified, corroborated, disputed or refuted, with reasons.

    >>> ev = [EvidenceFacts("e1", "c1", ("Alexandr Wang",)), EvidenceFacts("e2", "c1", ("Elon Musk",))]
    >>> compute_status("c1", evidence=ev, relations=[], evidence_by_claim={}, labels={}).status
    'corroborated'
    """
    weighing = weighing or Weighing()
    if not weighing.classified:
        return Verdict("unverified", (UNCLASSIFIED_REASON,))
    support = _counted(evidence, "supports")
    direct_against = _counted(evidence, "disputes")
    if not support and not direct_against:
        pending = [e for e in evidence if e.review == "pending"]
        why = (
            "only hypothetical or conditional mentions"
            if any(e.hypothetical for e in evidence)
            else "no accepted evidence yet"
        )
        if pending and not any(e.review == "accepted" for e in evidence):
            why = "its only evidence is awaiting moderation"
        return Verdict("unverified", (f"Not asserted as fact: {why}.",))
    for_origins, relays = relayed_origins(support, weighing.maker)
    reasons: list[str] = [f"Asserted by {len(for_origins)} independent origin(s): {_names(for_origins)}."]
    if relays:
        relayed = "its maker, " + weighing.maker if weighing.maker in for_origins else "the party they quote"
        reasons.append(
            f"Repeated by {relays} writer(s) relaying {relayed}: reach, not independent confirmation."
        )
    weak = weighing.weak_hedges
    strong_support = [e for e in support if (e.hedge or "") not in weak]
    weak_for = (  # (worked out again only when some evidence is weakly hedged)
        for_origins - relayed_origins(strong_support, weighing.maker)[0]
        if len(strong_support) < len(support)
        else set()
    )
    for e in support:
        if e.hedge in weak:
            reasons.append(f"Weighs less: {_names(set(e.origins))} hedge it ({e.hedge}).")
            break
    against_origins = _origins(direct_against)
    if direct_against:
        reasons.append(f"Disputed directly by {_names(_origins(direct_against))}.")
    strong_against = _strong_origins(direct_against, weak)
    rival_strength = [set(strong_against)]
    cache = {} if cache is None else cache
    for rel in relations:
        other = rel.b if rel.a == claim_id else rel.a
        if other not in cache:
            other_support = _counted(evidence_by_claim.get(other, ()), "supports")
            cache[other] = (
                frozenset(_origins(other_support)), frozenset(_strong_origins(other_support, weak))
            )
        rivals, strong = cache[other]
        reason = _relation_reason(rel, labels.get(other, other), rivals, for_origins)
        if rel.kind == "corroborates":
            for_origins |= rivals - for_origins
        elif rel.kind == "contradicts" and rivals:
            against_origins |= rivals
            strong_against |= strong
            rival_strength.append(set(strong))
        if reason:
            reasons.append(reason)
    return _decide(
        for_origins, against_origins, rival_strength, direct_against, support, reasons,
        strong_against=strong_against, weak_for=weak_for, maker=weighing.maker,
    )


def _relation_reason(
    rel: RelationFacts, other_label: str, rivals: frozenset[str], for_origins: set[str]
) -> str:
    """Why a related claim bears on this one, in words."""
    if rel.kind == "corroborates":
        added = rivals - for_origins
        return f"Agrees with «{other_label}» ({_names(set(added))})." if added else ""
    if rel.kind == "contradicts" and rivals:
        return f"Contradicted by «{other_label}», asserted by {_names(set(rivals))}."
    if rel.kind == "misattribution":
        return f"The same figure is also credited to another model: «{other_label}»."
    if rel.kind == "different_scope":
        return f"Not in conflict with «{other_label}»: {rel.reason}." if rel.reason else (
            f"Differs from «{other_label}», which measures something else."
        )
    return ""


def _decide(
    for_origins: set[str],
    against_origins: set[str],
    rival_strength: Sequence[set[str]],
    direct_against: Sequence[EvidenceFacts],
    support: Sequence[EvidenceFacts],
    reasons: list[str],
    *,
    strong_against: set[str] | None = None,
    weak_for: set[str] | None = None,
    maker: str | None = None,
) -> Verdict:
    """Weigh origins for and against. Rivals that disagree with each other do not add up: the claim is
    refuted only when one alternative (or the direct disputes) clearly outweighs it. Hedged origins
    ('likely', 'unsubstantiated') neither corroborate nor dispute on their own."""
    own_retraction = _origins(direct_against) & _origins(support)
    against_only = against_origins - for_origins
    strong_only = max((rival - for_origins for rival in rival_strength), key=len, default=set())
    credible_against = (strong_against if strong_against is not None else against_origins) - for_origins
    strong_for = for_origins - (weak_for or set())
    if own_retraction:
        reasons.append(f"Refuted: {_names(own_retraction)} asserted it and now disputes it.")
        return Verdict("refuted", tuple(reasons))
    if against_only and not credible_against:
        reasons.append(
            f"Contested only by hedged claims ({_names(against_only)}): they can dispute it, never refute it."
        )
    if not against_only:
        if len(strong_for) >= 2:
            reasons.append(
                "Corroborated: two or more independent origins agree and nothing credible disagrees."
            )
            return Verdict("corroborated", tuple(reasons))
        if maker and for_origins == {maker}:
            reasons.append(
                f"Unverified: claimed by its maker, {maker}, alone; no independent origin confirms it."
            )
        else:
            reasons.append("Unverified: a single origin, nothing independent agrees or disagrees yet.")
        return Verdict("unverified", tuple(reasons))
    if len(strong_only) >= REFUTE_MIN_ORIGINS and len(strong_only) >= REFUTE_RATIO * max(1, len(for_origins)):
        reasons.append(
            f"Refuted: {len(strong_only)} independent origins back one alternative ({_names(strong_only)}); "
            f"{len(for_origins)} back this claim."
        )
        return Verdict("refuted", tuple(reasons))
    reasons.append(f"Disputed: {len(against_only)} independent origin(s) disagree, {len(for_origins)} agree.")
    return Verdict("disputed", tuple(reasons))
