"""Canonical claims: stable ids from what a claim says, and the words used to state it."""

from __future__ import annotations

import hashlib
import re

from claims.quantities import Quantity, bound_of, format_quantity
from claims.vocabulary import norm_name

__all__ = [
    "claim_id", "evidence_id", "source_id", "entity_id", "metric_label", "metric_question", "statement",
]

_LABELS = {
    "training_cost": "training cost",
    "gpu_count": "GPU count",
    "gpu_type": "GPU type",
    "api_price": "API price",
    "price_reduction": "price reduction",
    "uses_moe": "uses mixture of experts",
    "distilled_from_openai": "distilled from OpenAI models",
    "export_control_evasion": "evaded export controls",
    "market_cap_loss": "market value lost",
    "stock_change": "stock move",
    "kv_cache_reduction": "KV-cache reduction",
    "parameters_total": "total parameters",
    "parameters_active": "active parameters",
    "training_precision_bits": "training precision (bits)",
    "baseline_precision_bits": "baseline precision (bits)",
    "training_cost_excludes_prior_research": "training cost excludes prior research",
    "performance_equivalent_model_size": "matches models this many times larger",
    "capex": "capital spending",
    "gpu_hours": "GPU hours",
    "gpu_hour_price": "price per GPU hour",
}
_QUESTIONS = {
    "training_cost": "How much did it cost to train {s}?",
    "gpu_count": "How many GPUs does {s} have?",
    "gpu_type": "Which GPUs did {s} use?",
    "api_price": "What does {s} charge per million tokens?",
    "price_reduction": "How much cheaper is {s}?",
    "uses_moe": "Is {s} a mixture-of-experts model?",
    "distilled_from_openai": "Was {s} distilled from OpenAI's models?",
    "export_control_evasion": "Did {s} get chips around export controls?",
    "memory_reduction": "How much memory does {s}'s FP8 training save?",
    "market_cap_loss": "How much market value did {s} lose?",
    "release_date": "When was {s} released?",
    "spending": "How much does {s} spend?",
}


def _digest(*parts: object) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def _value_key(q: Quantity, value_text: str | None) -> str:
    if q.value is None:
        return "text:" + norm_name(value_text)
    key = f"{q.value:.6g}"
    if q.value_max is not None:
        key += f"-{q.value_max:.6g}"
    return key + (":order" if q.order else "")


def claim_id(
    *, subject: str, metric: str, scope: str, quantity: Quantity, value_text: str | None = None
) -> str:
    """A claim's id: the same subject, metric, scope, bound and value always give the same id.

    Approximations ("about", "closer to") do not change the proposition; bounds ("over") do.

    >>> from claims.quantities import parse_quantity as q
    >>> a = claim_id(subject="DeepSeek", metric="gpu_count", scope="", quantity=q("about 50,000 GPUs"))
    >>> a == claim_id(subject="DeepSeek", metric="gpu_count", scope="", quantity=q("closer to 50,000 GPUs"))
    True
    >>> a == claim_id(subject="DeepSeek", metric="gpu_count", scope="", quantity=q("over 50,000 GPUs"))
    False
    """
    bound = bound_of(quantity.qualifier)
    bound = bound if bound in ("lower", "upper") else ""
    return "c-" + _digest(subject, metric, scope, quantity.unit, bound, _value_key(quantity, value_text))[:12]


def evidence_id(*, source: str, start: int, end: int, claim: str) -> str:
    """Extracted evidence is identified by where it sits and what it supports."""
    return "e-" + _digest(source, start, end, claim)[:14]


def source_id(sha256: str) -> str:
    """Sources are content-addressed: the same text is the same source."""
    return "s-" + sha256[:14]


def entity_id(name: str) -> str:
    """A readable slug for an entity: 'DeepSeek-R1' -> 'deepseek-r1'.

    >>> entity_id("Llama 3 405B"), entity_id("Tülu 3")
    ('llama-3-405b', 'tülu-3')
    """
    slug = re.sub(r"[^\w]+", "-", name.lower()).strip("-")
    return slug or "e-" + _digest(name)[:8]


def metric_label(metric: str) -> str:
    """Words for a metric name."""
    return _LABELS.get(metric, metric.replace("_", " "))


def metric_question(metric: str, subject: str) -> str:
    """The question a group of rival claims answers: 'How many GPUs does DeepSeek have?'."""
    template = _QUESTIONS.get(metric)
    return template.format(s=subject) if template else f"What is {subject}'s {metric_label(metric)}?"


def statement(*, subject: str, metric: str, scope: str, quantity: Quantity, value_text: str | None) -> str:
    """A one-line statement of the claim for lists and titles.

    >>> from claims.quantities import parse_quantity as q
    >>> statement(subject="DeepSeek-V3", metric="training_cost", scope="", quantity=q("$5.6M"),
    ...           value_text="$5.6M")
    'DeepSeek-V3 training cost: $5.6M'
    """
    if quantity.unit == "bool":
        body = "yes" if quantity.value else "no" if quantity.value == 0 else "unknown"
    elif quantity.value is None:
        body = value_text or "?"
    else:
        body = format_quantity(quantity)
    suffix = f" ({scope.replace(';', ', ').replace('=', ': ')})" if scope else ""
    return f"{subject} {metric_label(metric)}: {body}{suffix}"
