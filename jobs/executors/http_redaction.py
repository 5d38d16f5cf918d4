"""Keeping an HTTP activity's secrets out of logs, stored summaries and error messages.

Two tools: redaction shows what was asked with secret-looking values replaced by `***`
(headers, URL credentials, query parameters); scrubbing replaces every secret the config
holds wherever it turns up in a text, such as an error quoting a response.
"""

from __future__ import annotations

import base64
from collections.abc import Collection, Mapping
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from app.domain.expressions import stringify
from app.domain.process import JsonValue

REDACTED = "***"

_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
_SECRET_WORDS = ("token", "secret", "key", "password", "auth")
_SECRET_QUERY_WORDS = (*_SECRET_WORDS, "signature", "credential")
_MIN_SECRET_CHARS = 4  # shorter values would scrub ordinary words out of messages


def is_secret_header(name: str) -> bool:
    """Whether a header of this name may carry a credential."""
    lowered = name.lower()
    return lowered in _SECRET_HEADERS or any(word in lowered for word in _SECRET_WORDS)


def _is_secret_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered == "sig" or any(word in lowered for word in _SECRET_QUERY_WORDS)


def redact_headers(headers: Mapping[str, JsonValue] | None) -> dict[str, str]:
    """`headers` fit for logs and events: secret-looking values replaced by `***`."""
    return {
        str(name): REDACTED if is_secret_header(str(name)) else stringify(value)
        for name, value in (headers or {}).items()
    }


def safe_url(url: str) -> str:
    """`url` fit for logs: no user or password, no fragment, secret-looking query values hidden."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(_is_secret_parameter(name) for name, _ in pairs):
        hidden = [(n, REDACTED if _is_secret_parameter(n) else v) for n, v in pairs]
        query = urlencode(hidden, safe="*")
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _url_secrets(url: str) -> set[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return set()
    found = {v for n, v in parse_qsl(parts.query) if _is_secret_parameter(n)}
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    if user or password:
        found |= {user, password, base64.b64encode(f"{user}:{password}".encode()).decode()}
    return found


def secrets_of(config: Mapping[str, JsonValue]) -> frozenset[str]:
    """Every value of `config` that must not show in an error: the scrubbing list."""
    poll = config.get("poll")
    parts = [config, poll] if isinstance(poll, Mapping) else [config]
    found: set[str] = set()
    for part in parts:
        url, headers = part.get("url"), part.get("headers")
        if isinstance(url, str):
            found |= _url_secrets(url)
        if isinstance(headers, Mapping):
            for name, value in headers.items():
                if isinstance(value, str) and is_secret_header(str(name)):
                    found |= {value, value.partition(" ")[2].strip()}
    return frozenset(secret for secret in found if len(secret) >= _MIN_SECRET_CHARS)


def scrub(text: str, secrets: Collection[str]) -> str:
    """`text` with every one of `secrets` replaced by `***`."""
    # Longest first, so a secret that contains a shorter one is hidden whole.
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text
