"""Sending an HTTP activity's requests: timeouts, checked addresses, redirects, capped bodies.

Redirects are followed by hand so each hop's host is checked again and credentials never
follow to another origin; plain-http requests connect to the very address checked. (https
needs no pinning: metadata endpoints speak no TLS, so such a connection fails its handshake.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass

import httpx

from app.domain.expressions import stringify
from jobs.executors.http_addresses import Resolve, checked_addresses
from jobs.executors.http_answers import Answer, excerpt, parse_json_body
from jobs.executors.http_failure import HttpFailure
from jobs.executors.http_redaction import is_secret_header, safe_url

MAX_REDIRECTS = 5
MAX_RESPONSE_BYTES = 10_000_000


def _same_origin(left: httpx.URL, right: httpx.URL) -> bool:
    return (left.scheme, left.raw_host, left.port) == (right.scheme, right.raw_host, right.port)


@dataclass(frozen=True)
class _Hop:
    """What one request of a chain of redirects sends, and where."""

    method: str
    url: httpx.URL
    headers: httpx.Headers
    content: bytes | None


def _redirected(hop: _Hop, status: int, target: httpx.URL) -> _Hop:
    """The request that a redirect answered with `status` asks for at `target`."""
    method, headers, content = hop.method, hop.headers, hop.content
    if not _same_origin(hop.url, target):
        # Credentials (and a Host the config set) belong to the origin asked.
        kept = [(k, v) for k, v in headers.multi_items() if k.lower() != "host"]
        headers = httpx.Headers([(k, v) for k, v in kept if not is_secret_header(k)])
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method, content = "GET", None
        headers = httpx.Headers(
            [(k, v) for k, v in headers.multi_items() if k.lower() != "content-type"]
        )
    return _Hop(method, target, headers, content)


class Wire:
    """Requests with timeouts, checked addresses, hand-followed redirects and capped bodies."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        allow_metadata: bool,
        resolve: Resolve,
        timeout_s: float,
        secrets: Collection[str],
    ) -> None:
        self.client = client
        self.allow_metadata = allow_metadata
        self.resolve = resolve
        self.timeout_s = timeout_s
        self.secrets = secrets

    async def fetch(
        self,
        method: str,
        url: httpx.URL,
        headers: httpx.Headers,
        content: bytes | None,
        success_codes: Collection[int],
    ) -> Answer:
        """The answer to one request, redirects followed; HttpFailure unless it succeeded."""
        label = f"{method} {safe_url(str(url))}"
        first = _Hop(method, url, headers, content)
        try:
            async with asyncio.timeout(self.timeout_s):
                answer = await self._follow(first, success_codes, label)
        except (TimeoutError, httpx.TimeoutException):
            raise HttpFailure(
                f"{label} did not answer within {stringify(self.timeout_s)} s"
            ) from None
        except httpx.LocalProtocolError:
            # Its message may quote a header value; say what happened without it.
            raise HttpFailure(f"{label} could not be sent: malformed headers or body") from None
        except httpx.HTTPError as error:
            raise HttpFailure(f"{label} failed: {type(error).__name__}: {error}") from None
        except httpx.InvalidURL:
            raise HttpFailure(f"{label} failed: an invalid URL on the way") from None
        if answer.status not in success_codes:
            detail = f": {answer.excerpt}" if answer.excerpt else ""
            raise HttpFailure(f"{label} answered {answer.status}{detail}", answer.status)
        return answer

    async def _follow(self, hop: _Hop, success_codes: Collection[int], label: str) -> Answer:
        where = label
        for redirects in range(MAX_REDIRECTS + 1):
            response, raw = await self._send(hop, where)
            status = response.status_code
            if status in success_codes or not response.has_redirect_location:
                shown = excerpt(raw, response.charset_encoding, self.secrets)
                return Answer(label, status, parse_json_body(raw), shown)
            if redirects == MAX_REDIRECTS:
                raise HttpFailure(f"{label} redirected more than {MAX_REDIRECTS} times", status)
            try:
                target = hop.url.join(response.headers["Location"])
            except httpx.InvalidURL:
                raise HttpFailure(f"{label} redirected to an invalid URL", status) from None
            where = f"{label} redirected to {safe_url(str(target))}"
            if target.scheme not in ("http", "https"):
                raise HttpFailure(f"{where}, which is not http(s)", status)
            hop = _redirected(hop, status, target)
        raise AssertionError("unreachable: the loop returns or raises")

    async def _send(self, hop: _Hop, where: str) -> tuple[httpx.Response, bytes]:
        url = hop.url
        addresses = await checked_addresses(
            url, where, resolve=self.resolve, allow_metadata=self.allow_metadata
        )
        if url.scheme == "http":
            # Connect to the very address checked; a scoped (link-local v6) one cannot be a URL.
            targets = [url.copy_with(host=a) for a in addresses if "%" not in a]
        else:
            targets = [url]
        sent = hop.headers.copy()
        sent.setdefault("Host", url.netloc.decode("ascii"))
        timeout = httpx.Timeout(self.timeout_s).as_dict()
        error: httpx.ConnectError | None = None
        for target in targets:
            request = httpx.Request(
                hop.method,
                target,
                headers=sent,
                content=hop.content,
                extensions={"timeout": timeout},
            )
            try:
                response = await self.client.send(request, stream=True, follow_redirects=False)
            except httpx.ConnectError as failure:
                error = failure  # nothing was sent: the next address may answer
                continue
            try:
                raw = await self._read(response, where)
            finally:
                await response.aclose()
            return response, raw
        raise HttpFailure(f"{where} failed: could not connect ({error or 'no usable address'})")

    async def _read(self, response: httpx.Response, where: str) -> bytes:
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                limit = MAX_RESPONSE_BYTES // 1_000_000
                raise HttpFailure(f"{where} answered more than {limit} MB", response.status_code)
            chunks.append(chunk)
        return b"".join(chunks)
