"""schema.org ClaimReview: one JSON-LD review per claim, built from plain rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "SCHEMA_CONTEXT",
    "TRACKER",
    "RATINGS",
    "RATING_EXPLANATION",
    "rating",
    "agent",
    "creative_work",
    "first_appearance",
    "claim_review",
    "review_document",
]

Row = Mapping[str, Any]
SCHEMA_CONTEXT = "https://schema.org"
TRACKER = "DeepSeek claims tracker"
# Our computed status on schema.org's numeric scale: 1 is the worst (false), 4 the best (holds up).
RATINGS = {"refuted": 1, "disputed": 2, "unverified": 3, "corroborated": 4}
RATING_EXPLANATION = (
    "Status computed by the claims tracker from evidence and relations, on a 1-4 scale: "
    "1 refuted, 2 disputed, 3 unverified (one origin only), 4 corroborated (independent origins agree)."
)
_PERSON_KINDS = {"person"}


def rating(status: str) -> dict[str, Any]:
    """A schema.org Rating for one of our statuses; ``alternateName`` keeps the status word.

    >>> r = rating("disputed")
    >>> r["ratingValue"], r["bestRating"], r["worstRating"], r["alternateName"]
    (2, 4, 1, 'disputed')
    """
    if status not in RATINGS:
        raise ValueError(f"unknown status {status!r}; expected one of {', '.join(RATINGS)}")
    return {
        "@type": "Rating",
        "ratingValue": RATINGS[status],
        "bestRating": max(RATINGS.values()),
        "worstRating": min(RATINGS.values()),
        "alternateName": status,
        "ratingExplanation": RATING_EXPLANATION,
    }


def agent(name: str, kind: str | None = None) -> dict[str, str]:
    """A Person or an Organization (by entity kind: only people are persons).

    >>> agent("Alexandr Wang", "person"), agent("Epoch AI", "org")
    ({'@type': 'Person', 'name': 'Alexandr Wang'}, {'@type': 'Organization', 'name': 'Epoch AI'})
    """
    return {"@type": "Person" if kind in _PERSON_KINDS else "Organization", "name": name}


def creative_work(source: Row, *, base_url: str) -> dict[str, Any]:
    """A source as a CreativeWork: our page for it as ``@id``, its own URL when it has one.

    >>> row = {"source_id": "s-1", "title": "T", "url": None, "author": "Ann", "published": "2025-01-31"}
    >>> creative_work(row, base_url="http://127.0.0.1:8000")  # doctest: +NORMALIZE_WHITESPACE
    {'@type': 'CreativeWork', '@id': 'http://127.0.0.1:8000/sources/s-1', 'url': 'http://127.0.0.1:8000/sources/s-1',
     'name': 'T', 'author': {'@type': 'Person', 'name': 'Ann'}, 'datePublished': '2025-01-31'}
    """
    page = f"{base_url}/sources/{source['source_id']}"
    work: dict[str, Any] = {"@type": "CreativeWork", "@id": page, "url": source.get("url") or page,
                            "name": source["title"]}
    if source.get("author"):
        work["author"] = agent(source["author"], "person")
    if source.get("published"):
        work["datePublished"] = source["published"]
    return work


def first_appearance(appearances: Iterable[Row]) -> Row | None:
    """The earliest supporting appearance: dated ones by date, then undated ones, each by title.

    >>> first_appearance([{"title": "b", "published": None, "stance": "supports"},
    ...                   {"title": "a", "published": "2025-02-01", "stance": "supports"},
    ...                   {"title": "c", "published": "2025-01-01", "stance": "disputes"}])["title"]
    'a'
    """
    supporting = [a for a in appearances if a.get("stance", "supports") == "supports"]
    return min(supporting, key=lambda a: (a.get("published") is None, a.get("published") or "", a["title"]),
               default=None)


def _claim_author(first: Row, kinds: Mapping[str, str]) -> list[dict[str, str]]:
    # "author" means the writer of the source; a named party is whoever the source quotes.
    parties = [str(p).strip() for p in first.get("parties") or [first.get("asserted_by") or "author"]]
    out = []
    for party in parties:
        if party == "author":
            if first.get("author"):
                out.append(agent(first["author"], "person"))
        else:
            out.append(agent(party, kinds.get(party)))
    return out


def _item_reviewed(claim: Row, subject: Row, appearances: Sequence[Row], *, base_url: str,
                   kinds: Mapping[str, str]) -> dict[str, Any]:
    works: dict[str, dict[str, Any]] = {}
    for a in sorted(appearances, key=lambda a: (a.get("published") or "9999", a["title"], a["source_id"])):
        if a.get("stance", "supports") == "supports":
            works.setdefault(a["source_id"], creative_work(a, base_url=base_url))
    item: dict[str, Any] = {
        "@type": "Claim",
        "name": claim["statement"],
        "about": {"@type": "Thing", "@id": f"{base_url}/entities/{subject['id']}", "name": subject["name"]},
        "appearance": list(works.values()),
    }
    first = first_appearance(appearances)
    if first is not None:
        item["firstAppearance"] = creative_work(first, base_url=base_url)
        authors = _claim_author(first, kinds)
        if authors:
            item["author"] = authors[0] if len(authors) == 1 else authors
    return item


def claim_review(
    claim: Row,
    *,
    subject: Row,
    appearances: Sequence[Row],
    base_url: str,
    kinds: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One ClaimReview (without ``@context``): our claim page as its URL, the status as its rating, the
    sources where the claim appears, and our reasons as its body.

    ``appearances`` are rows of evidence with their source: source_id, title, url, author, published,
    stance and asserted_by. ``kinds`` maps party names to entity kinds (people become Persons).

    >>> review = claim_review(
    ...     {"id": "c-1", "statement": "DeepSeek-V3 training cost: $5.6M", "status": "disputed",
    ...      "reasons": ["Contradicted by c-2."], "updated_at": "2025-02-01T10:00:00Z"},
    ...     subject={"id": "deepseek-v3", "name": "DeepSeek-V3"},
    ...     appearances=[{"source_id": "s-1", "title": "An essay", "url": None, "author": None,
    ...                   "published": None, "stance": "supports", "asserted_by": "Alexandr Wang"}],
    ...     base_url="http://127.0.0.1:8000", kinds={"Alexandr Wang": "person"})
    >>> review["url"], review["reviewRating"]["ratingValue"], review["datePublished"]
    ('http://127.0.0.1:8000/claims/c-1', 2, '2025-02-01')
    >>> review["itemReviewed"]["author"], review["itemReviewed"]["firstAppearance"]["name"]
    ({'@type': 'Person', 'name': 'Alexandr Wang'}, 'An essay')
    """
    url = f"{base_url}/claims/{claim['id']}"
    return {
        "@type": "ClaimReview",
        "@id": f"{url}#claimreview",
        "url": url,
        "identifier": claim["id"],
        "claimReviewed": claim["statement"],
        "datePublished": str(claim["updated_at"])[:10],
        "author": {"@type": "Organization", "name": TRACKER, "url": f"{base_url}/"},
        "reviewRating": rating(claim["status"]),
        "reviewBody": " ".join(claim.get("reasons") or []) or f"Status: {claim['status']}.",
        "itemReviewed": _item_reviewed(claim, subject, appearances, base_url=base_url, kinds=kinds or {}),
    }


def review_document(reviews: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Several reviews as one JSON-LD document: a schema.org ``@context`` over an ``@graph``.

    >>> review_document([{"@type": "ClaimReview"}])
    {'@context': 'https://schema.org', '@graph': [{'@type': 'ClaimReview'}]}
    """
    return {"@context": SCHEMA_CONTEXT, "@graph": list(reviews)}
