"""Per-request DataLoaders: one store query per batch of ids, never one per parent."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

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
