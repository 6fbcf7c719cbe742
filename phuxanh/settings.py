"""Settings from the environment (and an optional `.env`), read once by `get_settings()`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every variable is documented in `.env.example`."""

    model_config = SettingsConfigDict(
        env_prefix="PHUXANH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'var' / 'phuxanh.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "PHUXANH_DATABASE_URL"),
    )
    media_dir: Path = ROOT / "var" / "media"
    content_dir: Path = ROOT / "content"
    assets_dir: Path = ROOT / "assets"
    timezone: str = "Asia/Ho_Chi_Minh"
    graph_api_version: str = "v25.0"
    http_timeout_s: float = 20.0
    lateness_limit_minutes: int = 120
    # where the office serves its media publicly (TikTok photos and Zalo covers are pulled
    # from a URL, not uploaded); None: those posts are refused with this setting named
    public_media_url: str | None = None
    retry_backoff_s: list[int] = [60, 300, 900, 3600]
    stale_claim_s: int = 600  # a claim or send older than this belongs to a dead worker
    # least seconds between two sends on one channel, by platform (Telegram: 20 messages a
    # minute per group; TikTok: 6 init calls a minute per token); one send at a time always
    send_gap_s: dict[str, float] = {"telegram": 3.0, "tiktok": 10.0}
    # OAuth token sets (YouTube, TikTok, X, Zalo) are stored sealed with this Fernet key;
    # a channel whose credential carries a refresh_token needs it
    secret_key: SecretStr | None = None
    token_refresh_margin_s: int = 300  # refresh this long before the access token expires
    token_lock_s: float = 30.0  # one refresh per channel at a time; a lease lapses after this
    dashboard_port: int = 8501
    sandbox_port: int = 8765
    brand: str = "ttdn-haiphong"
    clip_preset: str = "medium"
    render_workers: int = 2
    # optional writing assistant: an OpenAI-compatible chat endpoint, off unless a URL is set
    assistant_url: str | None = None
    assistant_model: str = "gpt-4o-mini"
    assistant_key_env: str = "PHUXANH_ASSISTANT_KEY"
    assistant_timeout_s: float = 30.0

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception as exc:  # ZoneInfoNotFoundError or a malformed key
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; `get_settings.cache_clear()` re-reads the environment."""
    return Settings()
