"""The calendar's input, shared by the GraphQL query and the iCalendar feed."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.domain.calendar import CalendarCriteria, CalendarView
from app.usecases.calendar import CalendarRequest
from schema.releases.enums import ReleaseStatus


@strawberry.input(description="A window (from/to, or a view around a date) and filters.")
class CalendarInput:
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None
    view: CalendarView | None = strawberry.field(
        default=None, description="Instead of from/to; with neither, the month around today."
    )
    date: datetime | None = strawberry.field(
        default=None, description="A moment in the view's period; default now."
    )
    timezone: str | None = strawberry.field(
        default="UTC", description="IANA zone of the view's periods and of the days (null: UTC)."
    )
    services: list[str] | None = None
    environments: list[str] | None = None
    teams: list[str] | None = strawberry.field(default=None, description="Phase owners.")
    tags: list[str] | None = None
    group_ids: list[strawberry.ID] | None = None
    statuses: list[ReleaseStatus] | None = None
    search: str | None = strawberry.field(default=None, description="Part of a name or tag.")
    include_completed: bool | None = strawberry.field(
        default=True, description="Completed releases too (null: true)."
    )

    def to_request(self) -> CalendarRequest:
        return CalendarRequest(
            start=self.from_,
            end=self.to,
            view=self.view,
            date=self.date,
            timezone=(self.timezone or "UTC").strip(),
            criteria=CalendarCriteria(
                services=tuple(self.services or ()),
                environments=tuple(self.environments or ()),
                teams=tuple(self.teams or ()),
                tags=tuple(self.tags or ()),
                group_ids=tuple(self.group_ids or ()),
                statuses=tuple(self.statuses or ()),
                search=self.search or None,
                include_completed=self.include_completed is not False,
            ),
        )
