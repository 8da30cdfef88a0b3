"""The value-spread chart of a claim page, laid out in Python and drawn as inline SVG (no JavaScript)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from claims.quantities import bound_of
from web.render import compact, short_origin

__all__ = ["WIDTH", "nice_ticks", "log_ticks", "spread_chart"]

WIDTH = 480
MARGIN = 18
ROW = 42
AXIS = 34
MAX_LABEL = 58
CHARTED_UNITS_EXCLUDED = {"bool", "date"}


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Evenly spaced round numbers covering [lo, hi].

    >>> nice_ticks(0, 75)
    [0.0, 20.0, 40.0, 60.0, 80.0]
    >>> nice_ticks(8, 32)
    [0.0, 10.0, 20.0, 30.0, 40.0]
    """
    lo = min(lo, 0.0) if lo >= 0 else lo
    span = hi - lo or abs(hi) or 1.0
    raw = span / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(lo / step) * step
    ticks = [start]
    while ticks[-1] < hi - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return [float(t) for t in ticks]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten covering [lo, hi] (both positive).

    >>> log_ticks(1, 100_000)
    [1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0]
    >>> log_ticks(2048, 50_000)
    [1000.0, 10000.0, 100000.0]
    """
    return [10.0**e for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)]


def _charted(spread: Sequence[Mapping[str, Any]], unit: str) -> list[Mapping[str, Any]]:
    return [p for p in spread if p["value"] is not None and p["unit"] == unit]


def _label(point: Mapping[str, Any]) -> tuple[str, str]:
    names = [short_origin(n, 22) for n in point.get("origins") or point["asserted_by"]] or ["no one, as fact"]
    names = ["the author" if n == "author" else n for n in names]
    value = str(point.get("value_label") or point["value_text"] or compact(point["value"], point["unit"]))
    full = f"{value} — {', '.join(names)}"
    if len(full) > MAX_LABEL:
        shown = f"{value} — {names[0]}"
        full = f"{shown} +{len(names) - 1} more" if len(names) > 1 else shown[: MAX_LABEL - 1] + "…"
    return full, f"{value} ({point['status']}) — asserted by {', '.join(names)}"


def spread_chart(spread: Sequence[Mapping[str, Any]], *, unit: str) -> dict[str, Any] | None:
    """Rows and axis of the chart: every reported value in ``unit`` as a point or an interval.

    A lower bound ("over 50,000") runs to the right edge, an upper bound ("up to 10x") from the left.
    Values spanning more than a factor of 20 go on a log axis. None when fewer than two values can be drawn.

    >>> chart = spread_chart([
    ...     {"id": "a", "value": 2048, "value_max": None, "unit": "GPU", "qualifier": None,
    ...      "value_text": "2,048",
    ...      "status": "refuted", "asserted_by": ["DeepSeek"], "current": False},
    ...     {"id": "b", "value": 50000, "value_max": None, "unit": "GPU", "qualifier": "about",
    ...      "value_text": "50,000",
    ...      "status": "disputed", "asserted_by": ["Alexandr Wang"], "current": True}], unit="GPU")
    >>> chart["log"], [t["label"] for t in chart["ticks"]], [r["label"] for r in chart["rows"]]
    (True, ['1K', '10K', '100K'], ['2,048 — DeepSeek', '50,000 — Alexandr Wang'])
    """
    points = _charted(spread, unit)
    if unit in CHARTED_UNITS_EXCLUDED or len(points) < 2:
        return None
    values = [v for p in points for v in (p["value"], p["value_max"]) if v is not None]
    lo, hi = min(values), max(values)
    use_log = lo > 0 and hi / lo > 20
    ticks = log_ticks(lo, hi) if use_log else nice_ticks(lo, hi)
    scale = _scale(ticks[0], ticks[-1], use_log)
    rows = [_row(i, p, scale) for i, p in enumerate(points)]
    height = ROW * len(rows) + AXIS
    return {
        "width": WIDTH,
        "height": height,
        "log": use_log,
        "rows": rows,
        "axis_y": ROW * len(rows) + 6,
        "left": MARGIN,
        "right": WIDTH - MARGIN,
        "ticks": [{"x": round(scale(t), 1), "label": compact(t, unit)} for t in ticks],
    }


def _scale(lo: float, hi: float, use_log: bool):  # type: ignore[no-untyped-def]
    span_lo, span_hi = (math.log10(lo), math.log10(hi)) if use_log else (lo, hi)
    width = WIDTH - 2 * MARGIN

    def scale(v: float) -> float:
        x = math.log10(v) if use_log else v
        return MARGIN + width * (x - span_lo) / ((span_hi - span_lo) or 1.0)

    return scale


def _row(index: int, point: Mapping[str, Any], scale) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    bound = bound_of(point["qualifier"])
    x1 = scale(point["value"])
    x2 = scale(point["value_max"]) if point["value_max"] is not None else x1
    if bound == "lower":
        x2 = WIDTH - MARGIN
    elif bound == "upper":
        x1, x2 = MARGIN, x1
    label, title = _label(point)
    y = index * ROW
    return {
        "id": point["id"],
        "label": label,
        "title": title,
        "status": point["status"],
        "current": point["current"],
        "x1": round(x1, 1),
        "x2": round(x2, 1),
        "interval": x2 - x1 > 1,
        "bound": bound,
        "label_y": y + 15,
        "bar_y": y + 22,
        "mid_y": y + 26,
    }
