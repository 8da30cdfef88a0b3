"""Scope facets: what a figure measures beyond subject and metric (stage, basis, period, side, ...).

The facets and their cue words are data (``seeds/resources/vocabulary.json``, key ``scopes``); this module
reads them and answers the two questions relations and extraction ask: which facet values a passage
states, and whether two scopes can describe the same quantity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

__all__ = ["ScopeValue", "ScopeFacet", "scope_facets", "parse_scope", "format_scope", "scopes_differ",
           "describe_scope"]


@dataclass(frozen=True)
class ScopeValue:
    """One value of a facet: its cue, its words for readers, and whether it names a part of a whole.

    A *part* (a training stage, one side of a price, an increment, a rate) never measures the same
    quantity as a figure that states no value for the facet, which is most often the whole. A value
    written '$1' is the text the cue's first group captures (a year, say).
    """

    value: str
    label: str
    cue: re.Pattern[str]
    part: bool = False
    cue_before: re.Pattern[str] | None = None  # an 'after' facet's value written as a label before

    def of(self, match: re.Match[str]) -> str:
        """The value a cue match states.

        >>> ScopeValue("$1", "year", re.compile(r"in (\\d{4})")).of(re.search(r"in (\\d{4})", "in 2021"))
        '2021'
        """
        return match.group(int(self.value[1:])) if self.value.startswith("$") else self.value

    @property
    def key(self) -> str:
        """How the value is listed among parts: a captured value stands for any text ('*')."""
        return "*" if self.value.startswith("$") else self.value


@dataclass(frozen=True)
class ScopeFacet:
    """A facet, the metrics it applies to (empty: all), and where its cues sit relative to a figure."""

    facet: str
    metrics: frozenset[str]
    values: tuple[ScopeValue, ...]
    side: str = "near"  # near (either side, nearest wins), before (ending at the figure), after
    window: int = 80
    within: str = "sentence"  # or "clause": cues past a clause break belong to another figure
    across_metrics: bool = False  # figures of its metrics are compared with each other, as one group

    def applies(self, metric: str) -> bool:
        return not self.metrics or metric in self.metrics

    @cached_property
    def any_cue(self) -> re.Pattern[str]:
        """Every value's cue in one pattern: one search tells whether a window can state the facet."""
        return re.compile("|".join(f"(?:{v.cue.pattern})" for v in self.values), re.I)

    @cached_property
    def tagged(self) -> re.Pattern[str] | None:
        """Every value's cue in one pattern with a named group per value (v0, v1, ...), so one scan finds
        all of them; None when a value captures text of its own ('$1')."""
        if any(v.value.startswith("$") for v in self.values):
            return None
        return re.compile("|".join(f"(?P<v{i}>{v.cue.pattern})" for i, v in enumerate(self.values)), re.I)

    def value_of(self, match: re.Match[str]) -> str:
        """The value whose cue a match of ``tagged`` is."""
        name = next(key for key, found in match.groupdict().items() if found is not None)
        return self.values[int(name[1:])].value


def scope_facets(data: Sequence[Mapping[str, Any]]) -> tuple[ScopeFacet, ...]:
    """Facets from their JSON records.

    >>> f = scope_facets([{"facet": "side", "metrics": ["api_price"], "values": [
    ...     {"value": "input", "label": "input tokens", "cue": "input", "part": True}]}])
    >>> f[0].facet, f[0].applies("api_price"), f[0].applies("gpu_count"), f[0].values[0].part
    ('side', True, False, True)
    """
    return tuple(
        ScopeFacet(
            facet=d["facet"],
            metrics=frozenset(d.get("metrics", ())),
            values=tuple(
                ScopeValue(
                    v["value"], v.get("label", v["value"]), re.compile(v["cue"], re.I), bool(v.get("part")),
                    re.compile(v["cue_before"], re.I) if v.get("cue_before") else None,
                )
                for v in d["values"]
            ),
            side=d.get("side", "near"),
            window=int(d.get("window", 80)),
            within=d.get("within", "sentence"),
            across_metrics=bool(d.get("across_metrics")),
        )
        for d in data
    )


def parse_scope(scope: str) -> dict[str, str]:
    """'basis=final_run;stage=pre_training' as a dict.

    >>> parse_scope("basis=final_run;stage=pre_training")
    {'basis': 'final_run', 'stage': 'pre_training'}
    >>> parse_scope("")
    {}
    """
    return dict(part.split("=", 1) for part in scope.split(";") if "=" in part)


def format_scope(facets: Mapping[str, str]) -> str:
    """The stored form of a scope: facets sorted by name.

    >>> format_scope({"stage": "post_training", "basis": "total"})
    'basis=total;stage=post_training'
    """
    return ";".join(f"{k}={v}" for k, v in sorted(facets.items()))


def scopes_differ(a: str, b: str, parts: Iterable[str] = ()) -> bool:
    """True when two scopes cannot describe one quantity: a facet stated on both sides with different
    values, or a *part* value (``facet=value`` in ``parts``) stated on one side only.

    >>> scopes_differ("basis=final_run", "basis=total")
    True
    >>> scopes_differ("basis=final_run", "")
    False
    >>> scopes_differ("stage=pre_training", "", parts={"stage=pre_training"})
    True
    """
    if a == b:
        return False
    return _differ(a, b, parts if isinstance(parts, frozenset) else frozenset(parts))


@lru_cache(maxsize=65536)  # a corpus compares a few hundred distinct scopes over and over
def _differ(a: str, b: str, part_set: frozenset[str]) -> bool:
    fa, fb = parse_scope(a), parse_scope(b)
    for key in fa.keys() | fb.keys():
        va, vb = fa.get(key), fb.get(key)
        if va and vb and va != vb:
            return True
        stated = va or vb
        if (va is None or vb is None) and ({f"{key}={stated}", f"{key}=*"} & part_set):
            return True
    return False


def describe_scope(scope: str, labels: Mapping[str, str]) -> str:
    """A scope in readers' words ('the final training run'), from the labels of its values.

    >>> describe_scope("basis=final_run", {"basis=final_run": "the final training run"})
    'the final training run'
    >>> describe_scope("", {})
    'no stated scope'
    """
    facets = parse_scope(scope)
    if not facets:
        return "no stated scope"
    return ", ".join(labels.get(f"{k}={v}", f"{k} {v}".replace("_", " ")) for k, v in sorted(facets.items()))
