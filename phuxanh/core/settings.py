"""Settings from the environment (and an optional `.env`), read once by `get_settings()`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from phuxanh.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Every variable is documented in `.env.example`."""

    model_config = SettingsConfigDict(
        env_prefix="PHUXANH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'var' / 'phuxanh.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "PHUXANH_DATABASE_URL"),
    )
    # a work pool's runs set this (phuxanh/runs/schedules.py): no DATABASE_URL is then an error,
    # not the local SQLite default, which no other worker would see
    require_database_url: bool = False
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
    # the audit chain is keyed (HMAC-SHA256) with this secret, kept outside the database,
    # the same on every worker; unset: plain SHA-256, which shows an edited row but not a
    # rewrite that recomputes every later hash (`phuxanh audit new-key` makes one)
    audit_key: SecretStr | None = None
    # earlier audit keys, space- or comma-separated, so rows sealed before a rotation verify
    audit_old_keys: SecretStr | None = None
    dashboard_port: int = 8501
    # the desk: a sign-in lasts this long, reloads included (then sign in again)
    session_hours: float = 8.0
    # failed sign-ins allowed before a lockout, per username and per client (one address
    # may be an office behind one router), then locked 30 s, doubling each further
    # failure up to the cap; a quiet hour forgets them
    signin_failures: int = 5
    signin_client_failures: int = 20
    signin_lockout_max_s: int = 900
    sandbox_port: int = 8765
    brand: str = "ttdn-haiphong"
    clip_preset: str = "medium"
    render_workers: int = 2
    # optional writing assistant: an OpenAI-compatible chat endpoint, off unless a URL is set
    assistant_url: str | None = None
    assistant_model: str = "gpt-4o-mini"
    assistant_key_env: str = "PHUXANH_ASSISTANT_KEY"
    assistant_timeout_s: float = 30.0
    # e-mail about hand-offs (phuxanh/notify/): off while the host is empty. TLS is
    # starttls, ssl (SMTPS) or none; with a user set, phuxanh logs in with the password
    # read from the variable named here (never stored), which must then be set
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_tls: str = "starttls"
    smtp_user: str = ""
    smtp_password_env: str = "PHUXANH_SMTP_PASSWORD"  # noqa: S105  (a variable's name)
    smtp_timeout_s: float = 20.0
    mail_from: str = ""
    # the desk's address as people open it (the links in e-mail: DESK_URL/queue?item=ID)
    desk_url: str = ""
    # grassroots radio (phuxanh/outlets/radio.py): the reading pace of a script, in words
    # (Vietnamese syllables, "tiếng") a minute. 200 is a measured pace for loudspeakers
    # outdoors, slower than a studio presenter (4-5 syllables a second)
    radio_words_per_minute: int = Field(default=200, ge=60, le=400)
    # argon2id password hashes (phuxanh/core/users.py): the library's recommended cost by
    # default (3 passes over 64 MiB, about 0.1 s a sign-in here). The test suite lowers it
    # (tests/conftest.py) as it signs in thousands of times; never lower it in production.
    # A stored hash keeps the cost it was made with, so raising it later is safe.
    argon2_time_cost: int = Field(default=3, ge=1, le=20)
    argon2_memory_kib: int = Field(default=65536, ge=1024, le=4_194_304)

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


def private_dir(path: Path) -> Path:
    """Create `path` and its missing parents readable by the owner alone (0700): the
    database, media and reports of an office are nobody else's on a shared machine.
    Folders that already exist keep their mode (`/tmp`, a home folder)."""
    missing: list[Path] = []
    current = path
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        folder.chmod(0o700)  # mkdir's mode passes through the umask, which may take more
    return path


class SettingsError(ConfigError, ValueError):
    """A setting from the environment or `.env` that cannot be read, named by its variable
    (a ValueError too, for callers that guard against a broken setting that way)."""


def _variable(field: str) -> str:
    alias = (
        Settings.model_fields[field].validation_alias if field in Settings.model_fields else None
    )
    if isinstance(alias, AliasChoices) and alias.choices:
        return str(alias.choices[0])
    return f"PHUXANH_{field.upper()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; `get_settings.cache_clear()` re-reads the environment. A
    value that cannot be read is one line naming its variable (never pydantic's report)."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"{_variable(str(e['loc'][0])) if e['loc'] else '(settings)'}: "
            f"{str(e.get('input'))[:80]!r}: {e['msg']}"
            for e in exc.errors()
        ]
        raise SettingsError("; ".join(lines)) from None


def env_value(name: str) -> str | None:
    """A variable from the environment, else from `.env` in the working directory (the file
    the settings read): a channel's credential variable may sit in either, like every
    other setting. Read afresh each time, so a fixed `.env` counts on the next send."""
    value = os.environ.get(name)
    if value:
        return value
    env_file = Path(".env")
    if not env_file.is_file():
        return None
    from dotenv import dotenv_values

    return dotenv_values(env_file, encoding="utf-8").get(name) or None
