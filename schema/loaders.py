"""Per-request DataLoaders: one store query per batch of ids, never one per parent."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from app.domain.events import ReleaseEvent
from app.domain.input_set import InputSet
from app.domain.process import Process
from app.services import Services
from schema.context import Info


def _processes(services: Services) -> DataLoader[str, Process | None]:
    async def load(ids: list[str]) -> list[Process | None]:
        found = await services.processes.get_many(ids)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _input_sets_by_process(services: Services) -> DataLoader[str, list[InputSet]]:
    async def load(process_ids: list[str]) -> list[list[InputSet]]:
        grouped = await services.input_sets.for_processes(process_ids)
        return [grouped.get(pid, []) for pid in process_ids]

    return DataLoader(load_fn=load)


def process_by_id(info: Info) -> DataLoader[str, Process | None]:
    return info.context.loader("process_by_id", _processes)


def input_sets_by_process(info: Info) -> DataLoader[str, list[InputSet]]:
    return info.context.loader("input_sets_by_process", _input_sets_by_process)


def _input_sets(services: Services) -> DataLoader[str, InputSet | None]:
    async def load(ids: list[str]) -> list[InputSet | None]:
        found = await services.input_sets.get_many(ids)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def input_set_by_id(info: Info) -> DataLoader[str, InputSet | None]:
    return info.context.loader("input_set_by_id", _input_sets)


EventPageKey = tuple[str, int, int]  # release id, after seq, page size


def _event_pages(services: Services) -> DataLoader[EventPageKey, list[ReleaseEvent]]:
    async def load(keys: list[EventPageKey]) -> list[list[ReleaseEvent]]:
        by_window: dict[tuple[int, int], list[str]] = {}
        for release_id, after_seq, limit in keys:
            by_window.setdefault((after_seq, limit), []).append(release_id)
        pages: dict[EventPageKey, list[ReleaseEvent]] = {}
        for (after_seq, limit), ids in by_window.items():
            found = await services.events.after_many(ids, after_seq=after_seq, limit=limit)
            for release_id, events in found.items():
                pages[(release_id, after_seq, limit)] = events
        return [pages.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


def event_pages(info: Info) -> DataLoader[EventPageKey, list[ReleaseEvent]]:
    """Pages of release events, one store query per page window for a whole list."""
    return info.context.loader("event_pages", _event_pages)
