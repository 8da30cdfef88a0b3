"""W3C Web Annotations: each piece of evidence as an annotation on its source's text, from plain rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "ANNO_CONTEXT",
    "AFFIX_CHARS",
    "text_quote_selector",
    "text_position_selector",
    "evidence_annotation",
    "annotation_collection",
]

Row = Mapping[str, Any]
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
AFFIX_CHARS = 32
_EXTRACTOR = "DeepSeek claims tracker (rule-based extractor)"


def text_quote_selector(text: str, start: int, end: int, *, affix: int = AFFIX_CHARS) -> dict[str, str]:
    """The quote ``text[start:end]`` with up to ``affix`` characters either side to find it again.

    >>> text_quote_selector("It cost $5.6M to train.", 8, 13, affix=4)
    {'type': 'TextQuoteSelector', 'exact': '$5.6M', 'prefix': 'ost ', 'suffix': ' to '}
    """
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"offsets {start}:{end} fall outside a text of {len(text)} characters")
    return {
        "type": "TextQuoteSelector",
        "exact": text[start:end],
        "prefix": text[max(0, start - affix) : start],
        "suffix": text[end : end + affix],
    }


def text_position_selector(start: int, end: int) -> dict[str, Any]:
    """Character offsets (Unicode code points, as Python counts them) into the source text.

    >>> text_position_selector(8, 13)
    {'type': 'TextPositionSelector', 'start': 8, 'end': 13}
    """
    return {"type": "TextPositionSelector", "start": start, "end": end}


def _creator(evidence: Row, base_url: str) -> dict[str, str]:
    if evidence.get("origin", "extracted") == "extracted":
        return {"id": f"{base_url}/", "type": "Software", "name": _EXTRACTOR}
    return {"type": "Person", "name": str(evidence.get("added_by") or "anonymous")}


def _bodies(evidence: Row, claim: Row, claim_url: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = [
        {"type": "TextualBody", "value": claim["statement"], "format": "text/plain", "language": "en",
         "purpose": "describing"},
        {"type": "TextualBody", "value": evidence["stance"], "purpose": "classifying"},
        {"type": "SpecificResource", "source": claim_url, "purpose": "linking"},
    ]
    tags = [evidence.get("hedge"), "hypothetical" if evidence.get("hypothetical") else None]
    bodies += [{"type": "TextualBody", "value": tag, "purpose": "tagging"} for tag in tags if tag]
    return bodies


def evidence_annotation(
    evidence: Row, *, claim: Row, source: Row, text: str, base_url: str
) -> dict[str, Any]:
    """One piece of evidence as an Annotation (without ``@context``).

    The target is the exact text the offsets count into, named by its sha256 (``urn:sha256:...``), seen on
    our page for the source; both selectors point at the quote. The bodies say which claim the passage
    makes (statement and link), whether it supports or disputes it, and its hedges.

    >>> text = "Training DeepSeek-V3 cost $5.6M, the paper says."
    >>> a = evidence_annotation(
    ...     {"id": "e-1", "start": 26, "end": 31, "stance": "supports", "origin": "extracted",
    ...      "added_at": "2025-02-01T10:00:00Z"},
    ...     claim={"id": "c-1", "statement": "DeepSeek-V3 training cost: $5.6M"},
    ...     source={"id": "s-1", "sha256": "ab12", "url": None}, text=text, base_url="http://127.0.0.1:8000")
    >>> a["id"], a["motivation"], a["target"]["source"]["id"]
    ('http://127.0.0.1:8000/api/sources/s-1/annotations#e-1', 'assessing', 'urn:sha256:ab12')
    >>> [s["type"] for s in a["target"]["selector"]], a["target"]["selector"][0]["exact"]
    (['TextQuoteSelector', 'TextPositionSelector'], '$5.6M')
    """
    start, end = int(evidence["start"]), int(evidence["end"])
    claim_url = f"{base_url}/claims/{claim['id']}"
    target_source: dict[str, Any] = {
        "id": f"urn:sha256:{source['sha256']}", "type": "Text", "format": "text/plain"
    }
    if source.get("url"):
        target_source["via"] = source["url"]
    return {
        "id": f"{base_url}/api/sources/{source['id']}/annotations#{evidence['id']}",
        "type": "Annotation",
        "motivation": "assessing",
        "created": str(evidence["added_at"]),
        "creator": _creator(evidence, base_url),
        "body": _bodies(evidence, claim, claim_url),
        "target": {
            "type": "SpecificResource",
            "source": target_source,
            "scope": f"{base_url}/sources/{source['id']}",
            "selector": [text_quote_selector(text, start, end), text_position_selector(start, end)],
        },
    }


def annotation_collection(
    annotations: Sequence[dict[str, Any]], *, collection_id: str, label: str
) -> dict[str, Any]:
    """Annotations as one AnnotationCollection whose single, embedded first page holds them all.

    >>> c = annotation_collection([{"type": "Annotation"}], collection_id="http://x/a", label="Evidence")
    >>> c["@context"], c["type"], c["total"], c["first"]["items"]
    ('http://www.w3.org/ns/anno.jsonld', 'AnnotationCollection', 1, [{'type': 'Annotation'}])
    """
    return {
        "@context": ANNO_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": label,
        "total": len(annotations),
        "first": {
            "id": f"{collection_id}#page-1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": list(annotations),
        },
    }
