"""A release as one request sees it, its variables resolved once and only if asked."""

from __future__ import annotations

from app.domain import release as domain
from app.domain.variables import Resolution, resolve


class ReleaseView:
    """One release as a request sees it; its variables are resolved once, and only if asked."""

    def __init__(self, release: domain.Release, resolution: Resolution | None = None) -> None:
        self.release = release
        self._resolution = resolution

    @property
    def resolution(self) -> Resolution:
        if self._resolution is None:
            self._resolution = resolution_of(self.release)
        return self._resolution


def resolution_of(release: domain.Release) -> Resolution:
    outputs = {
        (phase.key, activity.key): state.output
        for phase, activity in release.activities()
        if (state := release.activity_state(activity.key)).output is not None
    }
    return resolve(release.plan, release.inputs, outputs, plan_key=release.plan_key)
