"""GraphQL-over-HTTP media types: which one a client accepts, and what a POST body holds."""

from __future__ import annotations

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.lower(), quality))
    return ranges


def response_media_type(accept: str | None) -> str | None:
    """The media type to answer with, or None when the client accepts neither (406).

    An absent Accept header means application/graphql-response+json (the spec's default
    after its 2025 watershed); a wildcard gets application/json, which every client reads.
    """
    if accept is None or not accept.strip():
        return GRAPHQL_RESPONSE
    best: tuple[float, int, str] | None = None
    for media, quality in _media_ranges(accept):
        if quality <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            candidate = (quality, 2, GRAPHQL_RESPONSE)
        elif media in (JSON, "application/*", "*/*"):
            candidate = (quality, 1, JSON)
        else:
            continue
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return None if best is None else best[2]


def is_json_body(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";")[0].strip().lower()
    return media == JSON
