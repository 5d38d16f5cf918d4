"""GraphQL types of the release calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.dataloader import DataLoader

from app.domain.calendar import CalendarItem, CalendarView, ConflictPair, DayCount
from app.domain.release import Release
from app.services import Services
from app.usecases.calendar import CalendarResult
from schema.context import Info
from schema.releases.enums import ReleaseOutcome, ReleaseStatus

if TYPE_CHECKING:
    from schema.release_groups.types import ReleaseGroupType
    from schema.releases.types import ReleaseType

strawberry.enum(CalendarView, description="The calendar period containing `date`.")


class ReleaseSource:
    """The whole releases behind a calendar, fetched only for the entries asked about.

    Stored releases come in batches through the request's DataLoader (one read for every
    entry and conflict that asks); a projected one is made once, when first asked for.
    """

    def __init__(self, projections: dict[str, Callable[[], Release]]) -> None:
        self._projections = projections
        self._made: dict[str, Release] = {}

    async def get(self, info: Info, release_id: str) -> ReleaseType:
        from schema.releases.types import ReleaseType

        if release_id in self._projections:
            if release_id not in self._made:
                self._made[release_id] = self._projections[release_id]()
            return ReleaseType.from_domain(self._made[release_id])
        found = await release_by_id(info).load(release_id)
        if found is None:  # deleted between the two reads
            raise LookupError(f"release {release_id} is gone")
        return ReleaseType.from_domain(found)


def _releases(services: Services) -> DataLoader[str, Release | None]:
    async def load(ids: list[str]) -> list[Release | None]:
        found = await services.releases.get_many(ids)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def release_by_id(info: Info) -> DataLoader[str, Release | None]:
    return info.context.loader("calendar_release_by_id", _releases)


@strawberry.type
class CalendarEntry:
    release_id: strawberry.ID = strawberry.field(
        description="The release's id (a projected entry's is not stored: release(id) is null)."
    )
    name: str
    start: datetime
    end: datetime
    status: ReleaseStatus
    outcome: ReleaseOutcome | None
    color: str = strawberry.field(description="By status/outcome; palette in the README.")
    conflicting: bool = strawberry.field(description="It is part of at least one conflict.")
    projected: bool = strawberry.field(
        description="An occurrence of a release group beyond its generated horizon."
    )
    occurrence: datetime | None = strawberry.field(
        description="The group occurrence it belongs to."
    )
    _item: strawberry.Private[CalendarItem]
    _source: strawberry.Private[ReleaseSource]

    @strawberry.field(description="The release (for a projected entry: what it would be).")
    async def release(
        self, info: Info
    ) -> Annotated[ReleaseType, strawberry.lazy("schema.releases.types")]:
        return await self._source.get(info, self._item.id)

    @strawberry.field(description="The release group it belongs to, if any.")
    async def group(
        self, info: Info
    ) -> Annotated[ReleaseGroupType, strawberry.lazy("schema.release_groups.types")] | None:
        from schema.release_groups.types import release_group_of

        return await release_group_of(info, self._item.group_id)

    @classmethod
    def build(cls, item: CalendarItem, source: ReleaseSource, conflicting: bool) -> CalendarEntry:
        return cls(
            release_id=strawberry.ID(item.id),
            name=item.name,
            start=item.start,
            end=item.end,
            status=item.status,
            outcome=item.outcome,
            color=item.color,
            conflicting=conflicting,
            projected=item.projected,
            occurrence=item.occurrence,
            _item=item,
            _source=source,
        )


@strawberry.type(
    description="Releases whose windows overlap while they share a service or environment."
)
class Conflict:
    start: datetime = strawberry.field(description="When the overlap begins.")
    end: datetime = strawberry.field(description="When the overlap ends.")
    reasons: list[str] = strawberry.field(description="e.g. 'shared environment PROD'.")
    release_ids: list[strawberry.ID]
    _pair: strawberry.Private[ConflictPair]
    _source: strawberry.Private[ReleaseSource]

    @strawberry.field(description="The two releases, the earlier first.")
    async def releases(
        self, info: Info
    ) -> list[Annotated[ReleaseType, strawberry.lazy("schema.releases.types")]]:
        return [
            await self._source.get(info, item.id) for item in (self._pair.first, self._pair.second)
        ]

    @classmethod
    def build(cls, pair: ConflictPair, source: ReleaseSource) -> Conflict:
        return cls(
            start=pair.start,
            end=pair.end,
            reasons=list(pair.reasons),
            release_ids=[strawberry.ID(pair.first.id), strawberry.ID(pair.second.id)],
            _pair=pair,
            _source=source,
        )


@strawberry.type(description="How busy one local day of the window is.")
class CalendarDay:
    date: date
    releases: int = strawberry.field(description="Releases whose window touches the day.")
    conflicts: int = strawberry.field(description="Conflicts whose overlap touches the day.")

    @classmethod
    def from_domain(cls, day: DayCount) -> CalendarDay:
        return cls(date=day.day, releases=day.releases, conflicts=day.conflicts)


@strawberry.type(description="Releases in a window, with conflicts and per-day counts.")
class Calendar:
    from_: datetime = strawberry.field(name="from", description="The window's start (UTC).")
    to: datetime = strawberry.field(description="The window's end, exclusive (UTC).")
    timezone: str = strawberry.field(description="The zone of views and days.")
    overlaps: int = strawberry.field(
        description="Pairs of releases that overlap in time but share no service or "
        "environment: no conflict, but they compete for people's attention."
    )
    truncated: bool = strawberry.field(
        description="More releases matched than one calendar holds: narrow the window."
    )
    _result: strawberry.Private[CalendarResult]
    _source: strawberry.Private[ReleaseSource]

    @strawberry.field(description="Releases and projected occurrences, by start.")
    def entries(self) -> list[CalendarEntry]:
        conflicting = self._result.conflicting_ids
        return [
            CalendarEntry.build(item, self._source, item.id in conflicting)
            for item in self._result.entries
        ]

    @strawberry.field(description="Every conflicting pair, by when the overlap begins.")
    def conflicts(self) -> list[Conflict]:
        return [Conflict.build(pair, self._source) for pair in self._result.conflicts]

    @strawberry.field(description="Releases and conflicts per local day, for capacity planning.")
    def days(self) -> list[CalendarDay]:
        return [CalendarDay.from_domain(day) for day in self._result.days]

    @classmethod
    def from_result(cls, result: CalendarResult) -> Calendar:
        return cls(
            from_=result.start,
            to=result.end,
            timezone=result.timezone,
            overlaps=result.overlaps,
            truncated=result.truncated,
            _result=result,
            _source=ReleaseSource(result.projections),
        )
