"""Claim status from evidence and relations, with the reasons a reader sees; never typed in by hand."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from claims.relations import RelationFacts

__all__ = [
    "EvidenceFacts", "Verdict", "origins_of", "compute_status", "claim_digest", "REFUTE_MIN_ORIGINS",
    "REFUTE_RATIO",
]

# "Refuted" means the evidence against clearly wins: at least this many independent origins
# against, and at least REFUTE_RATIO times as many as for. Or the claim's own asserter retracts it.
REFUTE_MIN_ORIGINS = 3
REFUTE_RATIO = 3
_WEAK_HEDGES = {"rumored", "unsubstantiated", "allegedly", "unproven", "speculated"}
_PARTY_SEPARATOR = re.compile(r";|,| and | & ")


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
def origins_of(asserted_by: str | None, *, source_label: str) -> tuple[str, ...]:
    """The independent origins behind one piece of evidence.

    The author of a document is one origin per document; a named party is one origin
    wherever it is quoted, so three essays repeating Alexandr Wang count once.

    >>> origins_of("Elon Musk and Alexandr Wang", source_label="002")
    ('Elon Musk', 'Alexandr Wang')
    >>> origins_of("author", source_label="the author of «DeepSeek and the end of an era»")
    ('the author of «DeepSeek and the end of an era»',)
    """
    if not asserted_by or asserted_by == "author":
        return (source_label,)
    parts = [p.strip() for p in _PARTY_SEPARATOR.split(asserted_by) if p.strip()]
    return tuple(dict.fromkeys(parts)) or (source_label,)


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


def _strong_origins(evidence: Sequence[EvidenceFacts]) -> set[str]:
    return {origin for e in evidence if (e.hedge or "") not in _WEAK_HEDGES for origin in e.origins}


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
) -> Verdict:
    """The status of one claim: unverified, corroborated, disputed or refuted, with reasons.

    >>> ev = [EvidenceFacts("e1", "c1", ("Alexandr Wang",)), EvidenceFacts("e2", "c1", ("Elon Musk",))]
    >>> compute_status("c1", evidence=ev, relations=[], evidence_by_claim={}, labels={}).status
    'corroborated'
    """
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
    for_origins = _origins(support)
    reasons: list[str] = [f"Asserted by {len(for_origins)} independent origin(s): {_names(for_origins)}."]
    against_origins = _origins(direct_against)
    if direct_against:
        reasons.append(f"Disputed directly by {_names(_origins(direct_against))}.")
    strong_against = _strong_origins(direct_against)
    rival_strength = [set(strong_against)]
    cache = {} if cache is None else cache
    for rel in relations:
        other = rel.b if rel.a == claim_id else rel.a
        if other not in cache:
            other_support = _counted(evidence_by_claim.get(other, ()), "supports")
            cache[other] = (frozenset(_origins(other_support)), frozenset(_strong_origins(other_support)))
        rivals, strong = cache[other]
        if rel.kind == "corroborates":
            added = rivals - for_origins
            if added:
                for_origins |= added
                reasons.append(f"Agrees with «{labels.get(other, other)}» ({_names(set(added))}).")
        elif rel.kind == "contradicts" and rivals:
            against_origins |= rivals
            strong_against |= strong
            rival_strength.append(set(strong))
            reasons.append(
                f"Contradicted by «{labels.get(other, other)}», asserted by {_names(set(rivals))}."
            )
        elif rel.kind == "misattribution":
            reasons.append(
                f"The same figure is also credited to another model: «{labels.get(other, other)}»."
            )
        elif rel.kind == "different_scope":
            reasons.append(f"Differs from «{labels.get(other, other)}», which measures something else.")
    return _decide(for_origins, against_origins, rival_strength, direct_against, support, reasons)


def _decide(
    for_origins: set[str],
    against_origins: set[str],
    rival_strength: Sequence[set[str]],
    direct_against: Sequence[EvidenceFacts],
    support: Sequence[EvidenceFacts],
    reasons: list[str],
) -> Verdict:
    """Weigh origins for and against. Rivals that disagree with each other do not add up: the claim is
    refuted only when one alternative (or the direct disputes) clearly outweighs it."""
    own_retraction = _origins(direct_against) & _origins(support)
    against_only = against_origins - for_origins
    strong_only = max((rival - for_origins for rival in rival_strength), key=len, default=set())
    if own_retraction:
        reasons.append(f"Refuted: {_names(own_retraction)} asserted it and now disputes it.")
        return Verdict("refuted", tuple(reasons))
    if not against_only:
        if len(for_origins) >= 2:
            reasons.append(
                "Corroborated: two or more independent origins agree and nothing credible disagrees."
            )
            return Verdict("corroborated", tuple(reasons))
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
