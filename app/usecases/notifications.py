"""Telling people: Slack-compatible webhooks per team, recorded on the release's trail.

Webhook URLs are secrets (they carry their own credentials): they are never logged,
returned by the API or stored in events; only the team names are.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

import httpx

from app.domain.accounts import Role, User, require_role
from app.domain.errors import InvalidInput
from app.domain.events import EventDraft, ReleaseEventType
from app.services import Services
from app.usecases.execution import apply_change

log = logging.getLogger("cadenza.notify")

WEBHOOKS = "team_webhooks"
TIMEOUT_S = 10.0


async def webhook_for(services: Services, team: str) -> str | None:
    configured = services.settings.team_webhooks.get(team)
    if configured is not None:
        return configured.get_secret_value()
    doc = await services.db.collection(WEBHOOKS).find_one({"_id": team})
    return None if doc is None else str(doc["url"])


async def set_team_webhook(services: Services, *, actor: User, team: str, url: str | None) -> bool:
    """ADMIN: set (or, with None, remove) a team's webhook; True when one is set."""
    require_role(actor, (Role.ADMIN,), "setTeamWebhook")
    if not team.strip():
        raise InvalidInput.single("team", "must not be empty")
    webhooks = services.db.collection(WEBHOOKS)
    if url is None:
        await webhooks.delete_one({"_id": team})
        return False
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput.single("url", "must be an http(s) URL")
    await webhooks.replace_one({"_id": team}, {"_id": team, "url": url}, upsert=True)
    return True


async def send_notification(
    services: Services,
    client: httpx.AsyncClient,
    *,
    release_id: str,
    kind: str,
    recipients: Sequence[str],
    text: str,
    phase_key: str | None,
    activity_key: str | None,
) -> None:
    """Post `text` to each recipient team's webhook and note it on the release."""
    delivered: list[str] = []
    failed: list[str] = []
    unconfigured: list[str] = []
    for team in recipients:
        url = await webhook_for(services, team)
        if url is None:
            unconfigured.append(team)
            continue
        try:
            response = await client.post(url, json={"text": text}, timeout=TIMEOUT_S)
            (delivered if response.is_success else failed).append(team)
        except httpx.HTTPError as error:
            log.warning("webhook of team %s failed: %s", team, type(error).__name__)
            failed.append(team)
    event = EventDraft(
        type=ReleaseEventType.NOTIFICATION_SENT,
        actor="notifier",
        phase_key=phase_key,
        activity_key=activity_key,
        message=text,
        data={"kind": kind, "delivered": delivered, "failed": failed, "noWebhook": unconfigured},
    )
    now = services.clock()
    await apply_change(services, release_id, lambda r: r.recorded({}, [event], now))
