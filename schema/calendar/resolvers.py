"""The calendar query."""

from __future__ import annotations

import strawberry

from app.usecases.calendar import build_calendar
from schema.calendar.inputs import CalendarInput
from schema.calendar.types import Calendar
from schema.context import Info


@strawberry.type
class CalendarQueries:
    @strawberry.field(
        description="Releases in a window with conflicts, per-day counts and projections."
    )
    async def calendar(self, info: Info, input: CalendarInput) -> Calendar:
        result = await build_calendar(info.context.services, request=input.to_request())
        return Calendar.from_result(result)
