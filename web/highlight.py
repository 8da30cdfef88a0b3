"""A source's text cut into segments, each knowing which quotes and which extracted figure cover it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

__all__ = ["segments"]


def _clip(start: int | None, end: int | None, length: int) -> tuple[int, int] | None:
    if start is None or end is None:
        return None
    start, end = max(0, start), min(length, end)
    return (start, end) if start < end else None


def segments(
    text: str, evidence: Sequence[Mapping[str, Any]], *, current: str | None = None
) -> list[dict[str, Any]]:
    """Cut ``text`` where any quote or figure starts or ends; overlapping quotes are fine.

    Each segment has its ``text``, the evidence ``anchors`` that start there, the ids of the
    ``quotes`` covering it, the ``figure`` (evidence) covering it if any, and ``current`` when the
    evidence named by ``current`` covers it.

    >>> ev = [{"id": "e1", "start": 4, "end": 14, "value_start": 9, "value_end": 11}]
    >>> for s in segments("The GPUs 50 of them", ev):
    ...     print(repr(s["text"]), s["quotes"], bool(s["figure"]))
    'The ' [] False
    'GPUs ' ['e1'] False
    '50' ['e1'] True
    ' of' ['e1'] False
    ' them' [] False
    """
    opens: dict[int, list[tuple[str, Mapping[str, Any]]]] = defaultdict(list)
    closes: dict[int, list[tuple[str, Mapping[str, Any]]]] = defaultdict(list)
    cuts = {0, len(text)}
    for ev in evidence:
        for kind, span in (
            ("quote", _clip(ev["start"], ev["end"], len(text))),
            ("figure", _clip(ev.get("value_start"), ev.get("value_end"), len(text))),
        ):
            if span:
                opens[span[0]].append((kind, ev))
                closes[span[1]].append((kind, ev))
                cuts.update(span)
    active: dict[str, dict[str, Mapping[str, Any]]] = {"quote": {}, "figure": {}}
    out = []
    for a, b in pairwise(sorted(cuts)):
        for kind, ev in closes.get(a, ()):
            active[kind].pop(ev["id"], None)
        for kind, ev in opens.get(a, ()):
            active[kind][ev["id"]] = ev
        quotes = sorted(active["quote"])
        out.append(
            {
                "text": text[a:b],
                "start": a,
                "anchors": [ev["id"] for kind, ev in opens.get(a, ()) if kind == "quote"],
                "quotes": quotes,
                "figure": next(iter(active["figure"].values()), None),
                "current": current is not None and current in quotes,
            }
        )
    return out
