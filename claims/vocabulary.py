"""The controlled vocabulary: metrics, units, unit nouns, entities with aliases, parties, hardware tiers."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

from claims.scopes import ScopeFacet, scope_facets

__all__ = [
    "CURRENCY_PREFIXES",
    "EXTRA_METRICS",
    "BOOL_METRICS",
    "UNSPECIFIED",
    "EntitySpec",
    "PartySpec",
    "Vocabulary",
    "norm_name",
    "unit_for_noun",
    "noun_unit",
    "resources_dir",
    "load_vocabulary",
    "default_vocabulary",
]

# Metrics the seeds need beyond ../shared/gold/vocabulary.json (the schema allows new snake_case names).
EXTRA_METRICS = (
    "scaling_laws_count", "token_consumption_growth", "compute_demand_growth", "cloud_share_of_it",
    "investment_at_stake", "compute_gain_attribution", "datacenter_footprint_reduction", "agi_timeline",
    "market_share", "users", "downloads", "other",
)
# The subject of a figure whose text never says what it is about; such claims take part in no relation.
UNSPECIFIED = "(unspecified)"
# Yes/no claims the debate turns on: compared across a company and its own models.
BOOL_METRICS = (
    "uses_moe", "distilled_from_openai", "export_control_evasion", "export_restricted",
    "training_cost_excludes_prior_research", "open_weights",
)

# Dollar signs of other currencies, written before a number ("NT$196 million"): not US dollars, so the
# figure is kept with unit 'other' and the currency's code as its note (as yuan amounts are).
CURRENCY_PREFIXES = {
    "NT$": "TWD", "HK$": "HKD", "S$": "SGD", "A$": "AUD", "C$": "CAD", "NZ$": "NZD", "R$": "BRL",
}

_GPU_NOUNS = (
    r"(?:gpus?|chips?|accelerators?|graphics cards?|cards|processors|hoppers|"
    r"h100s?|h800s?|a100s?|h20s?|a800s?|h200s?|b200s?)"
)
_GPU_MODIFIERS = (
    r"(?:(?:nvidia|nvidia's|amd|a100|h100|h800|h20|h200|a800|b200|hopper|blackwell|advanced|ai|newer|older|"
    r"high-end|higher-end|lower-end|low-end|top-end|data-?center|datacenter|of|the|its|their|nvidia's|more|"
    r"export-compliant|restricted|powerful|cutting-edge|latest|used|additional|new|generation|gen|class|series|"
    r"hopper-class|hopper-generation|h100-class|grade|ai-grade)\s+){0,4}"
)
_NOUN_UNITS: tuple[tuple[re.Pattern[str], str, str | None], ...] = (
    (re.compile(rf"{_GPU_MODIFIERS}(?:gpu|h800|h100|a100)[- ]hours?\b"), "other", "GPU hours"),
    (re.compile(rf"{_GPU_MODIFIERS}{_GPU_NOUNS}(?![\w-])"), "GPU", None),
    # Any three describing words before a chip noun: "2,000 second-tier Nvidia chips".
    (
        re.compile(
            rf"(?:(?!(?:of|to|in|on|at|by|from|with|into|across|via|versus|vs|against|for|than|and|or|more|less|"
            rf"per|times|each|were|was|are)\b)[\w'’-]+\s+){{1,3}}"
            rf"{_GPU_NOUNS}(?![\w-])"
        ),
        "GPU",
        None,
    ),
    (re.compile(r"(?:active\s+|total\s+)?(?:parameters?|params)\b"), "parameters", None),
    (re.compile(r"-?(?:parameter|param)\b"), "parameters", None),
    (re.compile(r"(?:-\s?)?months?\b"), "months", None),
    (re.compile(r"(?:-\s?)?years?\b"), "years", None),
    (re.compile(r"(?:-\s?)?weeks?\b"), "other", "weeks"),
    (re.compile(r"(?:-\s?)?days?\b"), "other", "days"),
    (re.compile(r"(?:-\s?)?hours?\b"), "other", "hours"),
    (re.compile(r"-?bits?\b"), "other", "bits"),
    (re.compile(r"(?:t|p|e|tera|peta|exa)?flops?\b", re.I), "other", "FLOPs"),
    (re.compile(r"(?:times|fold)\b"), "x", None),
    (re.compile(r"(?:gb|tb)\s?/\s?s\b|(?:gigabytes?|terabytes?) per second"), "other", "GB/s"),
    (re.compile(r"(?:gb|tb|gigabytes?|terabytes?)\b"), "other", "GB"),
    (re.compile(r"(?:mw|gw|megawatts?|gigawatts?)\b"), "other", "power"),
    (re.compile(r"(?:yuan|renminbi|rmb)\b"), "other", "CNY"),
    (re.compile(r"(?:racks?|servers?|nodes?|clusters?|datacenters?|data centers?)\b"), "count", None),
    (
        re.compile(r"(?:employees|staff|people|researchers|engineers|workers|scientists|hires)\b"),
        "count",
        None,
    ),
    (re.compile(r"(?:users|downloads|customers|subscribers|developers|installs)\b"), "count", None),
    (re.compile(r"-?(?:input |output |training |more |new )?(?:tokens?)\b"), "count", None),
    (re.compile(r"(?:(?:routed|shared|active) )?experts\b"), "count", None),
    (re.compile(r"(?:scaling laws?|layers|attention heads|heads)\b"), "count", None),
    (re.compile(r"(?:[a-z-]+ ){0,2}models\b"), "count", "models"),
)


# The unit patterns as one alternation, tried in the same order: the first that matches names the unit
# (each in a named group; none has groups of its own, a case-insensitive one keeps its flag).
_ANY_NOUN_UNIT = re.compile(
    "|".join(
        f"(?P<u{i}>" + (f"(?i:{p.pattern})" if p.flags & re.IGNORECASE else p.pattern) + ")"
        for i, (p, _unit, _note) in enumerate(_NOUN_UNITS)
    )
)


@lru_cache(maxsize=16384)  # (pure: the words after figures repeat across a corpus)
def noun_unit(words: str) -> tuple[str, str | None, int] | None:
    """The unit named by the words that start ``words``, its note, and how many characters name it.

    >>> noun_unit("A100 GPUs, while"), noun_unit(" TFLOPs of compute"), noun_unit("and more")
    (('GPU', None, 9), ('other', 'FLOPs', 7), None)
    """
    lowered = words.lower()
    stripped = len(lowered) - len(lowered.lstrip())
    match = _ANY_NOUN_UNIT.match(lowered, stripped)
    if match is None:
        return None
    _pattern, unit, note = _NOUN_UNITS[int(match.lastgroup[1:])]  # type: ignore[index]
    return unit, note, match.end()


def unit_for_noun(words: str) -> tuple[str | None, str | None]:
    """The unit that the words after a number name, with a note for 'other' units.

    >>> unit_for_noun("nvidia h800 gpus for training")
    ('GPU', None)
    >>> unit_for_noun("h800 gpu hours")
    ('other', 'GPU hours')
    >>> unit_for_noun("months later")
    ('months', None)
    >>> unit_for_noun("charts below")
    (None, None)
    """
    found = noun_unit(words)
    return (found[0], found[1]) if found else (None, None)


def norm_name(name: str | None) -> str:
    """Fold a name for alias lookup: lower case, letters and digits only.

    >>> norm_name("Alexander Wang") == norm_name("alexander-wang")
    True
    """
    return "".join(ch for ch in (name or "").lower() if ch.isalnum())


@dataclass(frozen=True)
class EntitySpec:
    """An entity of the vocabulary: canonical name, kind, parent entity and aliases."""

    name: str
    kind: str = "other"
    parent: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PartySpec:
    """A party that asserts claims: a person, company or publication."""

    name: str
    kind: str = "org"
    affiliation: str | None = None
    aliases: tuple[str, ...] = ()


@cache
def _tier_term_pattern(term: str) -> re.Pattern[str]:
    """A hardware term as a whole word, optionally plural or with a suffix ('H800s', 'A100-class').

    >>> bool(_tier_term_pattern("h800").search("2,048 h800s")), bool(_tier_term_pattern("h80").search("h800"))
    (True, False)
    """
    return re.compile(rf"(?<![\w-]){re.escape(term)}s?(?:-(?:class|generation|series|based|grade))?(?![\w-])")


@dataclass
class Vocabulary:
    """Metrics, entities and parties with their alias indexes."""

    metrics: tuple[str, ...]
    entities: dict[str, EntitySpec]
    parties: dict[str, PartySpec]
    hardware_tiers: dict[str, str] = field(default_factory=dict)
    scopes: tuple[ScopeFacet, ...] = ()
    weak_hedges: frozenset[str] = frozenset()
    _entity_index: dict[str, str] = field(default_factory=dict, repr=False)
    _party_index: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for spec in self.entities.values():
            for alias in (spec.name, *spec.aliases):
                self._entity_index.setdefault(norm_name(alias), spec.name)
        for party in self.parties.values():
            for alias in (party.name, *party.aliases):
                self._party_index.setdefault(norm_name(alias), party.name)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Vocabulary:
        """Build from the JSON layout of ``seeds/resources/vocabulary.json``."""
        metrics = tuple(dict.fromkeys([*data.get("metrics", []), *EXTRA_METRICS]))
        entities = {
            e["name"]: EntitySpec(
                e["name"], e.get("kind", "other"), e.get("parent"), tuple(e.get("aliases", []))
            )
            for e in data.get("entities", [])
        }
        parties = {
            p["name"]: PartySpec(
                p["name"], p.get("kind", "org"), p.get("affiliation"), tuple(p.get("aliases", []))
            )
            for p in data.get("parties", [])
        }
        tiers = dict(data.get("hardware", {}).get("terms", {}))
        return cls(
            metrics=metrics,
            entities=entities,
            parties=parties,
            hardware_tiers=tiers,
            scopes=scope_facets(data.get("scopes", ())),
            weak_hedges=frozenset(data.get("weak_hedges", {}).get("hedges", ())),
        )

    def maker(self, subject: str) -> str | None:
        """The party whose own figure a claim about ``subject`` is: the organisation at the root of its
        family, when that organisation also asserts claims ('DeepSeek' for DeepSeek-V3)."""
        root = self.family(subject)
        spec = self.entities.get(root)
        return root if spec is not None and spec.kind == "org" and root in self.parties else None

    @cached_property
    def part_scopes(self) -> frozenset[str]:
        """Every 'facet=value' that names a part of a whole (a stage, one side of a price, a rate)."""
        return frozenset(f"{f.facet}={v.key}" for f in self.scopes for v in f.values if v.part)

    @cached_property
    def metric_groups(self) -> dict[str, str]:
        """Metrics compared as one group (a scope facet that links them), each to the group's key
        ('capex+spending+training_cost'); a metric in no such facet is its own group."""
        out: dict[str, str] = {}
        for facet in self.scopes:
            if facet.across_metrics and facet.metrics:
                key = "+".join(sorted(facet.metrics))
                out.update({metric: key for metric in facet.metrics})
        return out

    @cached_property
    def scope_labels(self) -> dict[str, str]:
        """Readers' words for every 'facet=value'."""
        return {f"{f.facet}={v.value}": v.label for f in self.scopes for v in f.values}

    def entity(self, name: str | None) -> str | None:
        """The canonical entity an alias names, or None."""
        return self._entity_index.get(norm_name(name)) if name else None

    def party(self, name: str | None) -> str | None:
        """The canonical party an alias names, or None."""
        return self._party_index.get(norm_name(name)) if name else None

    def family(self, name: str) -> str:
        """The root of an entity's parent chain: DeepSeek-R1 -> DeepSeek."""
        seen = {name}
        spec = self.entities.get(name)
        while spec is not None and spec.parent and spec.parent not in seen:
            seen.add(spec.parent)
            name = spec.parent
            spec = self.entities.get(name)
        return name

    def is_ancestor_or_self(self, ancestor: str, name: str) -> bool:
        """True when ``ancestor`` is ``name`` or one of its parents."""
        while True:
            if name == ancestor:
                return True
            spec = self.entities.get(name)
            if spec is None or not spec.parent:
                return False
            name = spec.parent

    def hardware_tier(self, text: str | None) -> str | None:
        """The export-control tier a hardware description falls in ('advanced', 'restricted-older')."""
        lowered = (text or "").lower()
        found = {
            tier
            for term, tier in self.hardware_tiers.items()
            if _tier_term_pattern(term).search(lowered)
        }
        return found.pop() if len(found) == 1 else None

    def aliases(self) -> Iterable[tuple[str, str]]:
        """Every (alias, canonical entity) pair, canonical names included."""
        for spec in self.entities.values():
            yield spec.name, spec.name
            for alias in spec.aliases:
                yield alias, spec.name


def resources_dir() -> Path:
    """Where the data resources live: $CLAIMS_RESOURCES, else the repository's seeds/resources."""
    configured = os.environ.get("CLAIMS_RESOURCES")
    return Path(configured) if configured else Path(__file__).resolve().parent.parent / "seeds" / "resources"


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """Read a vocabulary JSON file (default: ``resources_dir() / 'vocabulary.json'``)."""
    source = path or resources_dir() / "vocabulary.json"
    return Vocabulary.from_dict(json.loads(source.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The vocabulary of the repository's resources, read once on first use."""
    return load_vocabulary()
