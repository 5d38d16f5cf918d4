"""One typed, frozen settings object, read from the environment once."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything Cadenza can be told from outside. Tests build their own instance."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    mongodb_url: SecretStr | None = Field(
        default=None, description="Unset: embedded in-process store."
    )
    mongodb_db: str = "cadenza"
    redis_url: SecretStr | None = Field(
        default=None, description="Unset: in-process jobs and live events."
    )
    cadenza_admin_token: SecretStr | None = None
    redis_key_prefix: str = Field(
        default="cadenza", description="Namespaces queue and pub/sub keys; tests isolate by it."
    )

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"

    max_query_depth: int = 12
    max_aliases: int = 30
    max_query_tokens: int = 2000
    max_body_bytes: int = 1_000_000
    max_page_size: int = 100
    default_page_size: int = 20
    team_webhooks: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='JSON: {"team": "https://hooks.slack.com/..."}; setTeamWebhook adds more.',
    )
    live_queue_size: int = Field(
        default=1000, description="Events a subscriber may fall behind before it is dropped."
    )
    ws_per_message_deflate: bool = Field(
        default=False,
        description="Offer permessage-deflate on websockets. Off: event frames are small, and "
        "compressing each frame for each subscriber costs more CPU per fan-out (and memory "
        "per connection) than the bytes it saves.",
    )
    worker_poll_delay_s: float = Field(
        default=0.05, description="How often an idle worker asks Redis for due jobs."
    )
    allow_metadata_urls: bool = Field(
        default=False, description="Let HTTP activities call cloud metadata addresses."
    )
    retention_days: int = Field(
        default=365, description="Completed releases older than this are archived."
    )
    release_horizon_weeks: int = Field(
        default=8,
        ge=0,
        description="How far ahead release groups keep their releases generated "
        "(always at least the next occurrence).",
    )
    token_cache_ttl_s: float = Field(
        default=5.0, description="How long a verified token is trusted without a store read."
    )

    @property
    def is_embedded_store(self) -> bool:
        return self.mongodb_url is None

    @property
    def uses_redis(self) -> bool:
        return self.redis_url is not None
