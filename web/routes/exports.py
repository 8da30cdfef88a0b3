"""Exports over HTTP: every `claims export` format streamed as a download, a claim's ClaimReview and a
source's Web Annotations; the same documents the command line writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlmodel import Session

from claims.export import FILE_NAMES, MEDIA_TYPES, export_chunks
from claims.linked_data import annotations_document, claim_review_of
from web.deps import SessionDep, StateDep
from web.errors import found
from web.schemas import TextId

__all__ = ["router", "ExportFormat", "base_url_of", "JSONLDResponse", "AnnotationsResponse"]

router = APIRouter()
# claims.export.FORMATS, spelled out so OpenAPI lists them; a test keeps the two equal.
ExportFormat = Literal["mentions", "json", "graphml", "gexf", "csv", "claimreview", "annotations"]
FormatPath = Annotated[
    ExportFormat,
    Path(description="mentions (JSON lines), json (node-link graph), graphml or gexf (Gephi), csv (claims), "
                     "claimreview (schema.org JSON-LD), annotations (W3C Web Annotation JSON-LD)"),
]


class JSONLDResponse(JSONResponse):
    """JSON-LD, with its own media type."""

    media_type = "application/ld+json"


class AnnotationsResponse(JSONResponse):
    """Web Annotation JSON-LD, with the media type and profile the W3C protocol asks for."""

    media_type = MEDIA_TYPES["annotations"]


def base_url_of(request: Request) -> str:
    """Where this app is served, for the URLs inside JSON-LD documents (no trailing slash)."""
    return str(request.base_url).rstrip("/")


# Errors answer application/json whatever the route's own media type (one error shape everywhere).
JSON_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }
    for code, description in ((404, "Not Found"), (422, "Unprocessable Entity"))
}


def _ld_content(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    content = {media_type: {"schema": {"type": "object"}}}
    return {200: {"description": description, "content": content}, **JSON_ERRORS}


EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The export as a download, in the format's media type",
        # JSON documents are objects; line-delimited JSON, XML and CSV are text
        "content": {
            media: {"schema": {"type": "object" if "json" in media and "ndjson" not in media else "string"}}
            for media in sorted(set(MEDIA_TYPES.values()))
        },
    },
    **JSON_ERRORS,
}


@router.get(
    "/api/export/{fmt}", response_class=StreamingResponse, responses=EXPORT_RESPONSES, tags=["exports"]
)
def api_export(request: Request, state: StateDep, fmt: FormatPath) -> StreamingResponse:
    """The whole database in one export format, streamed: the same text as `claims export --format FMT
    --base-url <this server>`. Unknown formats answer 422."""
    base_url = base_url_of(request)

    def chunks() -> Iterator[str]:
        # A session of its own: the request's session is closed before the body is streamed.
        with Session(state.engine) as session:
            yield from export_chunks(session, fmt, base_url=base_url)

    return StreamingResponse(
        chunks(),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{FILE_NAMES[fmt]}"'},
    )


@router.get(
    "/api/claims/{claim_id}/claimreview",
    response_class=JSONLDResponse,
    responses=_ld_content("application/ld+json", "A schema.org ClaimReview (JSON-LD)"),
    tags=["exports"],
)
def api_claim_review(request: Request, session: SessionDep, claim_id: str) -> JSONLDResponse:
    """One claim as a schema.org ClaimReview: our status as its rating (1 refuted, 2 disputed, 3 unverified,
    4 corroborated), our reasons as its body, the sources it appears in."""
    document = claim_review_of(session, claim_id=claim_id, base_url=base_url_of(request))
    return JSONLDResponse(found(document, "claim", claim_id))


@router.get(
    "/api/sources/{source_id}/annotations",
    response_class=AnnotationsResponse,
    responses=_ld_content(MEDIA_TYPES["annotations"], "A W3C AnnotationCollection (JSON-LD)"),
    tags=["exports"],
)
def api_source_annotations(
    request: Request, session: SessionDep, source_id: TextId
) -> AnnotationsResponse:
    """Every accepted piece of evidence in one source as a W3C Web Annotation: a TextQuoteSelector and a
    TextPositionSelector on the source's text, the claim it makes as the body."""
    document = annotations_document(session, base_url=base_url_of(request), source_id=source_id)
    return AnnotationsResponse(found(document, "source", source_id))
