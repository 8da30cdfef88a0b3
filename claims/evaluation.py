"""Score extracted mentions against a gold set: the same figures as ../shared/eval/score_extraction.py."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["load_jsonl", "score", "format_score", "GoldVocabulary"]

Row = Mapping[str, Any]

_UNIT_ALIASES = {
    "usd": "USD", "$": "USD", "dollar": "USD", "dollars": "USD", "usd/1m tokens": "USD/1M tokens",
    "usd per 1m tokens": "USD/1M tokens", "usd/mtok": "USD/1M tokens", "gpu": "GPU", "gpus": "GPU",
    "percent": "percent", "%": "percent", "pct": "percent", "x": "x", "times": "x", "multiplier": "x",
}


def _unit(u: Any) -> str | None:
    return None if u is None else _UNIT_ALIASES.get(str(u).strip().lower(), str(u).strip())


def _name(s: Any) -> str | None:
    return None if s is None else "".join(ch for ch in str(s).lower() if ch.isalnum())


class GoldVocabulary:
    """Entity and party aliases and the metric list of a gold set's vocabulary.json."""

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        data = data or {}
        self.entities: dict[str | None, str] = {}
        self.parties: dict[str | None, str] = {}
        for name, aliases in data.get("entities", {}).items():
            for alias in [name, *aliases]:
                self.entities.setdefault(_name(alias), name)
        for name in data.get("parties", []):
            self.parties[_name(name)] = name
        for name, aliases in data.get("party_aliases", {}).items():
            for alias in [name, *aliases]:
                self.parties.setdefault(_name(alias), name)
        self.metrics = {_name(m) for m in data.get("metrics", [])}

    def subject(self, s: Any) -> str | None:
        key = _name(s)
        return self.entities.get(key, key)

    def is_core(self, g: Row) -> bool:
        return _name(g.get("subject")) in self.entities and _name(g.get("metric")) in self.metrics

    def parties_of(self, s: Any) -> set[str] | None:
        if s is None:
            return None
        parts = str(s).replace(";", ",").replace(" and ", ",").split(",")
        named = {self.parties.get(_name(p)) for p in parts}
        named.discard(None)
        return {n for n in named if n is not None} or None


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file; blank lines skipped."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not JSON: {exc}") from exc
    return rows


def _close(a: Any, b: Any, rel: float = 0.01) -> bool:
    if a is None or b is None:
        return a is None and b is None
    fa, fb = float(a), float(b)
    return fa == fb or abs(fa - fb) <= rel * max(abs(fa), abs(fb))


def _span(row: Row, texts: Mapping[str, str]) -> tuple[int, int] | None:
    text = texts.get(row["source"])
    if text is None:
        return None
    if isinstance(row.get("start"), int) and isinstance(row.get("end"), int):
        return row["start"], row["end"]
    quote = row.get("quote")
    if quote:
        i = text.find(quote)
        if i >= 0:
            return i, i + len(quote)
    return None


def _value_match(g: Row, p: Row) -> bool:
    if _unit(g.get("unit")) != _unit(p.get("unit")):
        return False
    if g.get("value") is None:
        return p.get("value") is None and _name(g.get("metric")) == _name(p.get("metric"))
    if not _close(g.get("value"), p.get("value")):
        return False
    if g.get("value_max") is not None and p.get("value_max") is not None:
        return _close(g["value_max"], p["value_max"])
    return True


def _match(gold: Sequence[Row], pred: Sequence[Row], texts: Mapping[str, str]) -> list[tuple[int, int]]:
    by_source: dict[Any, list[int]] = defaultdict(list)
    for i, p in enumerate(pred):
        by_source[p.get("source")].append(i)
    candidates = []
    for gi, g in enumerate(gold):
        gspan = _span(g, texts)
        if gspan is None:
            continue
        for pi in by_source.get(g["source"], []):
            pspan = _span(pred[pi], texts)
            if pspan is None:
                continue
            overlap = max(0, min(gspan[1], pspan[1]) - max(gspan[0], pspan[0]))
            if overlap and _value_match(g, pred[pi]):
                candidates.append((overlap, gi, pi))
    candidates.sort(reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, gi, pi in candidates:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            pairs.append((gi, pi))
    return pairs


def _f1(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def score(
    gold: Sequence[Row],
    pred: Sequence[Row],
    texts: Mapping[str, str],
    *,
    disputes: Sequence[Row] | None = None,
    vocabulary: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Quantity precision/recall/F1, claim recall, subject/metric/asserter accuracy, and dispute figures."""
    vocab = GoldVocabulary(vocabulary)
    pairs = _match(gold, pred, texts)
    tp = len(pairs)
    precision = tp / len(pred) if pred else 0.0
    recall = tp / len(gold) if gold else 0.0
    out: dict[str, Any] = {
        "gold": len(gold), "pred": len(pred), "matched": tp, "quantity_precision": round(precision, 3),
        "quantity_recall": round(recall, 3), "quantity_f1": round(_f1(precision, recall), 3),
    }
    core = {gi for gi in range(len(gold)) if vocab.is_core(gold[gi])}
    core_pairs = [(gi, pi) for gi, pi in pairs if gi in core]
    subj = [
        vocab.subject(gold[gi]["subject"]) == vocab.subject(pred[pi].get("subject")) for gi, pi in core_pairs
    ]
    metr = [_name(gold[gi]["metric"]) == _name(pred[pi].get("metric")) for gi, pi in core_pairs]
    out["core_gold"] = len(core)
    out["subject_accuracy"] = round(sum(subj) / len(core_pairs), 3) if core_pairs else 0.0
    out["metric_accuracy"] = round(sum(metr) / len(core_pairs), 3) if core_pairs else 0.0
    out["claim_recall"] = (
        round(sum(a and b for a, b in zip(subj, metr, strict=True)) / len(core), 3) if core else 0.0
    )
    scored = [(gi, pi) for gi, pi in pairs if vocab.parties_of(gold[gi].get("asserted_by"))]
    ok = sum(
        bool(
            (vocab.parties_of(pred[pi].get("asserted_by")) or set())
            & (vocab.parties_of(gold[gi]["asserted_by"]) or set())
        )
        for gi, pi in scored
    )
    out["asserted_by_scored"] = len(scored)
    out["asserted_by_accuracy"] = round(ok / len(scored), 3) if scored else 0.0
    matched_g, matched_p = {g for g, _ in pairs}, {p for _, p in pairs}
    out["missed"] = [
        f"{g['id']} {g.get('value_text')!s} | {g['quote'][:80]}"
        for i, g in enumerate(gold)
        if i not in matched_g
    ]
    out["spurious"] = [
        f"{p.get('source')} {p.get('value_text', p.get('value'))!s} | {str(p.get('quote', ''))[:80]}"
        for i, p in enumerate(pred)
        if i not in matched_p
    ]
    if disputes is not None:
        out.update(_score_disputes(gold, pred, pairs, disputes))
    return out


def _score_disputes(
    gold: Sequence[Row], pred: Sequence[Row], pairs: Sequence[tuple[int, int]], disputes: Sequence[Row]
) -> dict[str, Any]:
    to_pred = {gold[gi]["id"]: pred[pi] for gi, pi in pairs}

    def claim_ids(ids: set[str]) -> set[Any]:
        return {to_pred[i].get("claim_id") for i in ids if i in to_pred} - {None}

    def linked(a_ids: set[str], b_ids: set[str]) -> bool:
        members = [to_pred[i] for i in a_ids | b_ids if i in to_pred]
        a, b = claim_ids(a_ids), claim_ids(b_ids)
        return any(
            (m.get("claim_id") in a and set(m.get("contradicts") or []) & (b - {m.get("claim_id")}))
            or (m.get("claim_id") in b and set(m.get("contradicts") or []) & (a - {m.get("claim_id")}))
            for m in members
        )

    found = total = false_alarms = 0
    details = []
    for d in disputes:
        if d["kind"] == "contradiction":
            total += 1
            sides = [set(side) for side in d.get("sides") or [[c] for c in d["claims"]]]
            hit = any(linked(sides[i], sides[j]) for i in range(len(sides)) for j in range(i + 1, len(sides)))
            found += hit
            details.append(f"{d['id']} {'found' if hit else 'MISSED'}: {d.get('explanation', '')[:90]}")
            groups = [side for side in sides if len(side) > 1]
        elif d["kind"] == "consistent":
            groups = [set(d["claims"])]
        else:
            continue
        for group in groups:
            ids = sorted(group)
            for i, a in enumerate(ids):
                for b in ids[i + 1 :]:
                    ca, cb = claim_ids({a}), claim_ids({b})
                    if ca and cb and ca != cb and linked({a}, {b}):
                        false_alarms += 1
                        details.append(f"{d['id']} FALSE CONTRADICTION: {a} vs {b}")
    links, true_links = _link_precision(gold, pred, pairs, disputes)
    return {
        "disputes_found": found,
        "disputes_total": total,
        "dispute_recall": round(found / total, 3) if total else 0.0,
        "false_contradictions": false_alarms,
        "contradiction_links": links,
        "link_precision": round(true_links / links, 3) if links else 1.0,
        "dispute_details": details,
    }


def _opposite_sides(disputes: Sequence[Row]) -> set[tuple[str, str]]:
    """Pairs of gold ids that sit on different sides of one gold contradiction, both ways round."""
    opposite: set[tuple[str, str]] = set()
    for d in disputes:
        if d["kind"] != "contradiction":
            continue
        sides = d.get("sides") or [[c] for c in d["claims"]]
        for i, side in enumerate(sides):
            for other in sides[i + 1 :]:
                opposite.update((x, y) for x in side for y in other)
                opposite.update((y, x) for x in side for y in other)
    return opposite


def _link_precision(
    gold: Sequence[Row], pred: Sequence[Row], pairs: Sequence[tuple[int, int]], disputes: Sequence[Row]
) -> tuple[int, int]:
    """Every exported `contradicts` link, and how many of them the gold confirms: a link is true when
    gold mentions matched to its two claims sit on different sides of one gold contradiction. A link
    between consistent, different-scope or unrelated claims, or touching a claim no gold mention
    supports, is not. This is what a reader of the disputed list sees."""
    gold_ids: dict[str, set[str]] = defaultdict(set)
    for gi, pi in pairs:
        if pred[pi].get("claim_id"):
            gold_ids[pred[pi]["claim_id"]].add(gold[gi]["id"])
    opposite = _opposite_sides(disputes)
    links = {
        tuple(sorted((p["claim_id"], c)))
        for p in pred
        if p.get("claim_id")
        for c in p.get("contradicts") or []
        if c != p["claim_id"]
    }
    true = sum(any((x, y) in opposite for x in gold_ids[a] for y in gold_ids[b]) for a, b in links)
    return len(links), true


def format_score(result: Mapping[str, Any]) -> str:
    """The result as 'key: value' lines, lists indented, like the shared scorer prints it."""
    lines = []
    for key, value in result.items():
        if isinstance(value, list):
            lines.append(f"{key} ({len(value)}):")
            lines.extend(f"  {item}" for item in value)
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines)
