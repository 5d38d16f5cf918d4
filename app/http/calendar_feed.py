"""`GET /calendar.ics`: the release calendar as a feed that calendar programs subscribe to.

Calendar programs cannot send headers, so the token comes as the `token` query parameter
(an `Authorization: Bearer` header works too). The CalendarInput fields are query
parameters, lists comma-separated: `?token=…&view=MONTH&environments=PROD,QA`. Without
a window the feed covers 30 days back and 180 days ahead. The token never reaches a log:
`redact_tokens` masks it in the access log too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from app.domain.cadence import parse_zone
from app.domain.calendar import CalendarCriteria, CalendarView
from app.domain.errors import CadenzaError, FieldProblem, InvalidInput
from app.domain.release import ReleaseStatus
from app.http.ics import render_ics
from app.services import Services
from app.usecases.accounts import authenticate
from app.usecases.calendar import CalendarRequest, build_calendar, releases_of

FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=180)
_TOKEN_IN_URL = re.compile(r"(?i)(token=)[^&\s\"]*")


def _listed(params: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in params.get(name, "").split(",") if part.strip())


def _moment(
    params: Mapping[str, str], name: str, zone_name: str, problems: list[FieldProblem]
) -> datetime | None:
    text = params.get(name)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        problems.append(FieldProblem(name, "must be an ISO-8601 date or date-time"))
        return None
    zone = parse_zone(zone_name)
    if moment.utcoffset() is None and zone is not None:
        moment = moment.replace(tzinfo=zone)  # a bare date or time is in the feed's zone
    return moment


def _enum_list(
    params: Mapping[str, str], name: str, kind: type[Any], problems: list[FieldProblem]
) -> tuple[Any, ...]:
    values = []
    for text in _listed(params, name):
        try:
            values.append(kind(text.upper()))
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            problems.append(FieldProblem(name, f"{text!r} is not one of {allowed}"))
    return tuple(values)


def feed_request(params: Mapping[str, str], now: datetime) -> CalendarRequest:
    """The calendar request a feed URL's query parameters describe; every problem at once."""
    problems: list[FieldProblem] = []
    zone_name = params.get("timezone", "UTC").strip() or "UTC"
    start = _moment(params, "from", zone_name, problems)
    end = _moment(params, "to", zone_name, problems)
    day = _moment(params, "date", zone_name, problems)
    views = _enum_list(params, "view", CalendarView, problems)
    statuses = _enum_list(params, "statuses", ReleaseStatus, problems)
    completed = params.get("includeCompleted", "true").strip().lower()
    if completed not in ("true", "false"):
        problems.append(FieldProblem("includeCompleted", "must be true or false"))
    if problems:
        raise InvalidInput(problems)
    view = views[0] if views else None
    if view is None and start is None and end is None and day is None:
        start, end = now - FEED_PAST, now + FEED_AHEAD
    return CalendarRequest(
        start=start,
        end=end,
        view=view,
        date=day,
        timezone=zone_name,
        criteria=CalendarCriteria(
            services=_listed(params, "services"),
            environments=_listed(params, "environments"),
            teams=_listed(params, "teams"),
            tags=_listed(params, "tags"),
            group_ids=_listed(params, "groupIds"),
            statuses=statuses,
            search=params.get("search") or None,
            include_completed=completed == "true",
        ),
    )


async def calendar_feed(request: Request) -> Response:
    """The iCalendar feed of the calendar the query parameters ask for."""
    services: Services = request.app.state.services
    token = request.query_params.get("token")
    authorization = f"Bearer {token}" if token else request.headers.get("authorization")
    try:
        await authenticate(services, authorization)
    except CadenzaError as error:
        message = "give your token as ?token=… (calendar programs cannot send headers)"
        return PlainTextResponse(
            f"{error.message}; {message}", status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    now = services.clock()
    try:
        result = await build_calendar(services, request=feed_request(request.query_params, now))
    except InvalidInput as error:
        lines = [f"{problem.path}: {problem.message}" for problem in error.problems]
        return PlainTextResponse("\n".join(lines), status_code=400)
    releases = await releases_of(services, result, (item.id for item in result.entries))
    api_url = f"{request.base_url}graphql"
    return Response(
        render_ics(result, releases, api_url=api_url, now=now),
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": 'inline; filename="cadenza.ics"',
            "Cache-Control": "private, max-age=60",
        },
    )


class RedactTokens(logging.Filter):
    """Masks `token=…` in log lines (uvicorn's access log prints whole URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_IN_URL.sub(r"\1***", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        if isinstance(record.msg, str) and "token=" in record.msg.lower():
            record.msg = _TOKEN_IN_URL.sub(r"\1***", record.msg)
        return True


def redact_tokens() -> None:
    """Install the token mask on the access log (once, however many apps are made)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in access.filters):
        access.addFilter(RedactTokens())
