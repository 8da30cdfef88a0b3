"""JSON-LD expansion with pyld over the vendored contexts in tests/data/contexts: nothing is fetched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pyld import jsonld

CONTEXTS = Path(__file__).resolve().parent / "data" / "contexts"
ANNO = CONTEXTS / "anno.jsonld"
SCHEMA = CONTEXTS / "schema.org.jsonld"
KNOWN = {
    "http://www.w3.org/ns/anno.jsonld": ANNO,
    "https://www.w3.org/ns/anno.jsonld": ANNO,
    "https://schema.org": SCHEMA,
    "http://schema.org": SCHEMA,
}
OA = "http://www.w3.org/ns/oa#"
AS = "http://www.w3.org/ns/activitystreams#"
SDO = "http://schema.org/"


def load_vendored(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader that knows the two contexts and refuses every other URL."""
    path = KNOWN.get(url.rstrip("/"))
    if path is None:
        raise LookupError(f"the tests fetch nothing; no vendored copy of {url}")
    document = json.loads(path.read_text(encoding="utf-8"))
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
            "document": document}


def expand(document: Any) -> list[dict[str, Any]]:
    """The expanded form (full IRIs, every value a list) of a JSON-LD document."""
    return jsonld.expand(document, {"documentLoader": load_vendored})


def values(node: dict[str, Any], iri: str) -> list[Any]:
    """The plain values (``@value`` or ``@id``) of one property of an expanded node."""
    return [v.get("@value", v.get("@id")) if isinstance(v, dict) else v for v in node.get(iri, [])]


def one(node: dict[str, Any], iri: str) -> Any:
    """The single value of a property that must be there exactly once."""
    found = node.get(iri, [])
    assert len(found) == 1, (iri, found)
    return found[0]
