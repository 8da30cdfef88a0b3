"""Relations between claims: contradicts, corroborates, different scope and misattribution, found by
grouping."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from claims.quantities import Quantity, claim_interval, core_interval, format_quantity
from claims.scopes import describe_scope, parse_scope, scopes_differ

__all__ = [
    "ClaimFacts",
    "RelationFacts",
    "relation_id",
    "scopes_conflict",
    "together",
    "detect_relations",
    "MAX_LINKS_PER_CLAIM",
    "MIN_CONFIDENCE",
    "PASSAGE_GAP",
]

# A claim links to at most this many others of one kind, nearest values first, so a group of
# thousands of rival figures stays O(n log n) to compare and readable to show.
MAX_LINKS_PER_CLAIM = 25
_DISTINCTIVE_UNITS = ("USD", "GPU", "parameters", "USD/1M tokens")
# A claim takes part in relations only if one of its pieces of evidence typed its metric and subject at
# least this surely (a cue word and a name, not a default); the rest wait for review as unclassified.
MIN_CONFIDENCE = 0.6
# Two figures one source gives within this many characters of each other belong to one passage (a
# sentence, a list, a table, a worked sum): they are parts of one account, never rivals.
PASSAGE_GAP = 2000
Passage = tuple[str, int, int, str]  # (source id, start, end, who asserts it) of a piece of evidence


@dataclass(frozen=True)
class ClaimFacts:
    """What relation detection needs to know about one claim (plain data, no session)."""

    id: str
    subject: str
    metric: str
    quantity: Quantity
    scope: str = ""
    family: str = ""
    category: str | None = None
    hypothetical_only: bool = False  # not asserted as fact: only hypothetical, denied or doubted mentions
    subject_kind: str = "other"
    parent: str | None = None
    label: str = field(default="", compare=False)
    passages: frozenset[Passage] = field(default=frozenset(), compare=False)
    confident: bool = True
    speculative: bool = False  # every piece of evidence for it is weakly hedged ('likely', 'rumored')


@dataclass(frozen=True)
class RelationFacts:
    """A link between two claims with the reason a reader sees."""

    kind: str
    a: str
    b: str
    reason: str

    @property
    def id(self) -> str:
        return relation_id(self.kind, self.a, self.b)


def relation_id(kind: str, a: str, b: str) -> str:
    """A stable id for a link, the same whichever end is named first.

    >>> relation_id("contradicts", "c1", "c2") == relation_id("contradicts", "c2", "c1")
    True
    """
    low, high = sorted((a, b))
    return "r-" + hashlib.sha1(f"{kind}|{low}|{high}".encode()).hexdigest()[:14]


# Two scopes conflict when they name one facet with different values, or one names a part the other does not.
scopes_conflict = scopes_differ


def together(a: Iterable[Passage], b: Iterable[Passage], gap: int = PASSAGE_GAP) -> str | None:
    """The source in which one voice gives two claims together, as parts of one account, or None.

    Two voices in one passage ('DeepSeek says 2,048; Wang says 50,000') are still rivals.

    >>> together({("s1", 0, 50, "author")}, {("s1", 120, 160, "author")})
    's1'
    >>> together({("s1", 0, 50, "DeepSeek")}, {("s1", 60, 90, "Alexandr Wang")}) is None
    True
    >>> together({("s1", 0, 50, "author")}, {("s2", 10, 40, "author"), ("s1", 5000, 5050, "author")}) is None
    True
    """
    for sa, a0, a1, who_a in a:
        for sb, b0, b1, who_b in b:
            if sa == sb and who_a == who_b and b0 - a1 <= gap and a0 - b1 <= gap:
                return sa
    return None


def _label(c: ClaimFacts) -> str:
    return c.label or f"{c.subject} {c.metric.replace('_', ' ')}: {format_quantity(c.quantity)}"


# What ``_Context.apart`` answers for two figures one voice gives together: no relation at all.
UNRELATED = RelationFacts("unrelated", "", "", "")


@dataclass(frozen=True)
class _Context:
    """What every comparison needs beside the two claims: which scope values are parts, and their words."""

    parts: frozenset[str] = frozenset()
    scope_labels: Mapping[str, str] = field(default_factory=dict)
    metric_groups: Mapping[str, str] = field(default_factory=dict)

    def scope_reason(self, a: ClaimFacts, b: ClaimFacts) -> str:
        return (
            f"{_label(a)} is {describe_scope(a.scope, self.scope_labels)}; "
            f"{_label(b)} is {describe_scope(b.scope, self.scope_labels)}: they measure different things"
        )

    def apart(self, a: ClaimFacts, b: ClaimFacts) -> RelationFacts | None:
        """The relation two claims have whatever their values, if their scope or their passage decides it."""
        if a.speculative or b.speculative:
            hedged = a if a.speculative else b
            return RelationFacts(
                "different_scope",
                a.id,
                b.id,
                f"{_label(hedged)} is asserted only with a weak hedge (such as 'likely' or "
                f"'unsubstantiated'): it is set beside {_label(b if hedged is a else a)}, not against it",
            )
        if scopes_conflict(a.scope, b.scope, self.parts):
            return RelationFacts("different_scope", a.id, b.id, self.scope_reason(a, b))
        if together(a.passages, b.passages) is not None:
            return UNRELATED  # parts of one account (a table, a sum): drawn as nothing, never as rivals
        return None


@dataclass(frozen=True)
class _Ranged:
    """A claim with its intervals worked out once: what it states, and what it tolerates."""

    claim: ClaimFacts
    core: tuple[float, float]
    tolerant: tuple[float, float]

    @classmethod
    def of(cls, claim: ClaimFacts) -> _Ranged:
        return cls(claim, core_interval(claim.quantity), claim_interval(claim.quantity))

    def agrees(self, other: _Ranged) -> bool:
        """Same test as ``claims.quantities.compatible``, on the precomputed intervals."""
        return _overlap(self.tolerant, other.core) or _overlap(other.tolerant, self.core)


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _ranged_pairs(group: Sequence[ClaimFacts]) -> Iterable[tuple[_Ranged, _Ranged]]:
    """Pairs to compare in one group, sorted by value so each claim meets its nearest rivals first.

    Small groups are compared completely; in a large one each claim meets its MAX_LINKS_PER_CLAIM
    nearest neighbours, so the work is O(n log n) for the sort and O(n) after it.
    """
    ordered = sorted((_Ranged.of(c) for c in group), key=lambda r: (r.core[0], r.claim.id))
    if len(ordered) <= 2 * MAX_LINKS_PER_CLAIM:
        yield from combinations(ordered, 2)
        return
    for i, item in enumerate(ordered):
        for other in ordered[i + 1 : i + 1 + MAX_LINKS_PER_CLAIM]:
            yield item, other


def _compare_numeric(group: Sequence[ClaimFacts], context: _Context) -> list[RelationFacts]:
    out = []
    for ra, rb in _ranged_pairs(group):
        a, b = ra.claim, rb.claim
        if ra.agrees(rb):
            if not scopes_conflict(a.scope, b.scope, context.parts):
                out.append(
                    RelationFacts(
                        "corroborates", a.id, b.id, f"{_label(a)} agrees with {_label(b)} within rounding"
                    )
                )
            continue
        apart = context.apart(a, b)
        if apart is UNRELATED:
            continue
        out.append(
            apart
            or RelationFacts("contradicts", a.id, b.id, f"{_label(a)} cannot hold together with {_label(b)}")
        )
    return out


def _capped_pairs(group: Sequence[ClaimFacts]) -> Iterable[tuple[ClaimFacts, ClaimFacts]]:
    """All pairs of a small group; in a large one, each claim with its next MAX_LINKS_PER_CLAIM by id."""
    ordered = sorted(group, key=lambda c: c.id)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 : i + 1 + 2 * MAX_LINKS_PER_CLAIM]:
            yield a, b


def _compare_categories(group: Sequence[ClaimFacts], context: _Context) -> list[RelationFacts]:
    out = []
    for a, b in _capped_pairs(group):
        if not a.category or not b.category:
            continue
        if a.category == b.category:
            out.append(
                RelationFacts(
                    "corroborates",
                    a.id,
                    b.id,
                    f"{_label(a)} and {_label(b)} are the same class ({a.category})",
                )
            )
        elif (apart := context.apart(a, b)) is not UNRELATED:
            out.append(
                apart
                or RelationFacts(
                    "contradicts",
                    a.id,
                    b.id,
                    f"{_label(a)} ({a.category}) conflicts with {_label(b)} ({b.category})",
                )
            )
    return out


def _compare_bools(
    group: Sequence[ClaimFacts], is_ancestor: Callable[[str, str], bool], context: _Context
) -> list[RelationFacts]:
    out = []
    for a, b in _capped_pairs(group):
        if not (is_ancestor(a.subject, b.subject) or is_ancestor(b.subject, a.subject)):
            continue
        if a.quantity.value is None or b.quantity.value is None:
            continue
        if a.quantity.value == b.quantity.value:
            out.append(RelationFacts("corroborates", a.id, b.id, f"{_label(a)} agrees with {_label(b)}"))
        elif (apart := context.apart(a, b)) is not UNRELATED:
            denied = RelationFacts("contradicts", a.id, b.id, f"{_label(a)} is denied by {_label(b)}")
            out.append(apart or denied)
    return out


def _misattributions(claims: Sequence[ClaimFacts], context: _Context) -> list[RelationFacts]:
    """The same figure credited to two sibling models (V3's cost reported as R1's)."""
    groups: dict[tuple[str, str, str], list[ClaimFacts]] = defaultdict(list)
    for c in claims:
        if (
            c.subject_kind == "model"
            and c.parent
            and c.quantity.unit in _DISTINCTIVE_UNITS
            and c.quantity.value
        ):
            groups[(c.parent, c.metric, c.quantity.unit)].append(c)
    out = []
    for group in groups.values():
        for ra, rb in _ranged_pairs(group):
            a, b = ra.claim, rb.claim
            if (
                a.subject != b.subject
                and not scopes_conflict(a.scope, b.scope, context.parts)
                and ra.agrees(rb)
            ):
                out.append(
                    RelationFacts(
                        "misattribution",
                        a.id,
                        b.id,
                        f"the same figure is credited to {a.subject} and to {b.subject}: "
                        f"{format_quantity(a.quantity)} vs {format_quantity(b.quantity)}",
                    )
                )
    return out


def detect_relations(
    claims: Sequence[ClaimFacts],
    *,
    is_ancestor: Callable[[str, str], bool] = lambda a, b: a == b,
    parts: Iterable[str] = (),
    scope_labels: Mapping[str, str] | None = None,
    metric_groups: Mapping[str, str] | None = None,
) -> list[RelationFacts]:
    """Every relation among the claims, found group by group (never all pairs of the corpus).

    Only claims that measure something surely take part: not hypothetical-only ones (a scenario neither
    supports nor contradicts), not those whose subject is unspecified ("(unspecified)"), and not those
    whose metric is ``other`` or was typed without confidence (they wait for review). Two figures that
    disagree contradict only when nothing else explains it: a scope that differs (``parts`` lists the
    'facet=value' pairs that name a part of a whole: a ``different_scope`` link), or one voice giving both
    in one passage of one source (parts of one account: no link at all).

    >>> from claims.quantities import parse_quantity as q
    >>> cs = [ClaimFacts("a", "DeepSeek", "gpu_count", q("2,048 GPUs")),
    ...       ClaimFacts("b", "DeepSeek", "gpu_count", q("about 50,000 GPUs")),
    ...       ClaimFacts("c", "DeepSeek", "gpu_count", q("50,000 GPUs"))]
    >>> sorted((r.kind, r.a, r.b) for r in detect_relations(cs))
    [('contradicts', 'a', 'b'), ('contradicts', 'a', 'c'), ('corroborates', 'b', 'c')]
    >>> part, whole = frozenset({("s", 0, 40, "author")}), frozenset({("s", 50, 90, "author")})
    >>> table = [ClaimFacts("p", "V3", "gpu_hours", q("2,664K GPU hours"), passages=part),
    ...          ClaimFacts("t", "V3", "gpu_hours", q("2.788M GPU hours"), passages=whole)]
    >>> [r.kind for r in detect_relations(table)]
    []
    """
    context = _Context(frozenset(parts), scope_labels or {}, metric_groups or {})
    live = [
        c
        for c in claims
        if not c.hypothetical_only and not c.subject.startswith("(") and c.confident and c.metric != "other"
    ]
    numeric: dict[tuple[str, str, str], list[ClaimFacts]] = defaultdict(list)
    categorical: dict[tuple[str, str], list[ClaimFacts]] = defaultdict(list)
    boolean: dict[tuple[str, str], list[ClaimFacts]] = defaultdict(list)
    for c in live:
        if c.quantity.unit == "bool":  # a date or count under a yes/no metric ("banned in 2022") is numeric
            boolean[(c.family or c.subject, c.metric)].append(c)
        elif c.quantity.value is None:
            categorical[(c.subject, c.metric)].append(c)
        else:
            numeric[(c.subject, c.metric, c.quantity.unit)].append(c)
    found: list[RelationFacts] = []
    for group in numeric.values():
        found.extend(_compare_numeric(group, context))
    for group in categorical.values():
        found.extend(_compare_categories(group, context))
    for group in boolean.values():
        found.extend(_compare_bools(group, is_ancestor, context))
    found.extend(_misattributions(live, context))
    found.extend(_scope_contexts(live, context))
    return found


def _scope_contexts(claims: Sequence[ClaimFacts], context: _Context) -> list[RelationFacts]:
    """Figures of one subject family under different metrics of one metric group (``metric_groups``: the
    metrics a scope facet links) whose stated scopes differ on a shared facet ('$5.6M for the final
    training run', 'more than $1B of total spend') are set side by side as a different scope, so a reader
    sees why they do not dispute each other.

    >>> from claims.quantities import parse_quantity as q
    >>> run = ClaimFacts("a", "DeepSeek-V3", "training_cost", q("$5.6M"), scope="basis=final_run",
    ...                  family="DeepSeek")
    >>> spend = ClaimFacts("b", "DeepSeek", "capex", q("more than $1B"), scope="basis=total",
    ...                    family="DeepSeek")
    >>> linked = {"training_cost": "capex+training_cost", "capex": "capex+training_cost"}
    >>> [(r.kind, r.a, r.b) for r in detect_relations([run, spend], metric_groups=linked)]
    [('different_scope', 'a', 'b')]
    """
    groups: dict[tuple[str, str, str], list[ClaimFacts]] = defaultdict(list)
    for c in claims:
        key = context.metric_groups.get(c.metric)
        if key and c.scope and c.quantity.value is not None:
            groups[(c.family or c.subject, key, c.quantity.unit)].append(c)
    out = []
    for group in groups.values():
        for a, b in _capped_pairs(group):
            shared = parse_scope(a.scope).keys() & parse_scope(b.scope).keys()
            if a.metric != b.metric and shared and scopes_conflict(a.scope, b.scope, context.parts):
                out.append(RelationFacts("different_scope", a.id, b.id, context.scope_reason(a, b)))
    return out
