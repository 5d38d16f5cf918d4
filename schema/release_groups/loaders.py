"""Per-request DataLoader of release groups by id (`Release.group`, calendar entries)."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from app.domain.release_group import ReleaseGroup
from app.services import Services
from schema.context import Info


def _groups(services: Services) -> DataLoader[str, ReleaseGroup | None]:
    async def load(ids: list[str]) -> list[ReleaseGroup | None]:
        found = await services.release_groups.get_many(ids)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def group_by_id(info: Info) -> DataLoader[str, ReleaseGroup | None]:
    return info.context.loader("group_by_id", _groups)
