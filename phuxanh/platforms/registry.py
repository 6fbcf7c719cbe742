"""From a Channel row to a ready adapter, resolving the credential reference."""

from __future__ import annotations

import socket
from pathlib import Path

import requests
from sqlalchemy.engine import Connection, Engine

from phuxanh.core.errors import ConfigError
from phuxanh.core.settings import env_value, get_settings
from phuxanh.models import Channel
from phuxanh.platforms.base import Adapter
from phuxanh.platforms.credentials import protected_env_problem
from phuxanh.platforms.facebook import FacebookPage
from phuxanh.platforms.telegram import TelegramChannel
from phuxanh.platforms.tiktok import TikTokAccount
from phuxanh.platforms.wordpress import WordPressSite
from phuxanh.platforms.x import XAccount
from phuxanh.platforms.youtube import YouTubeChannel
from phuxanh.platforms.zalo import ZaloOA
from phuxanh.publish import tokens


def resolve_credential(channel: Channel) -> str:
    """`env:VAR` or `file:/path`; the secret itself is never stored or logged. A variable
    that is one of phuxanh's own secrets or settings is refused before it is read, so its
    value is never sent as a token (a channel stored before that rule was checked)."""
    kind, _, ref = channel.credential_ref.partition(":")
    if kind == "env":
        problem = protected_env_problem(ref)
        if problem:
            raise ConfigError(f"channel {channel.code}: credential: {problem}")
        value = env_value(ref)
        if not value:
            raise ConfigError(f"channel {channel.code}: environment variable {ref} is not set "
                              f"on this worker ({socket.gethostname()}), nor in its .env")
        return value
    if kind == "file":
        path = Path(ref)
        if not path.is_file():
            raise ConfigError(f"channel {channel.code}: credential file {ref} does not exist")
        return path.read_text(encoding="utf-8").strip()
    raise ConfigError(f"channel {channel.code}: credential reference must be env:VAR or file:PATH")


def adapter_for(channel: Channel, http: requests.Session | None = None, *,
                engine: Engine | Connection | None = None) -> Adapter:
    """A ready adapter with a live token. `engine` lets an OAuth channel use (and refresh)
    its stored token set; without it only plain credentials work."""
    adapter = _build(channel, http)
    tokens.prepare(engine, channel, adapter)
    return adapter


def _build(channel: Channel, http: requests.Session | None) -> Adapter:
    settings = get_settings()
    kw = {
        "base_url": channel.api_base_url,
        "account_id": channel.account_id,
        "token": "",
        "session": http or requests.Session(),
        "timeout_s": settings.http_timeout_s,
    }
    if channel.platform == "facebook":
        return FacebookPage(api_version=settings.graph_api_version, **kw)
    others: dict[str, type[Adapter]] = {
        "telegram": TelegramChannel, "x": XAccount, "wordpress": WordPressSite,
        "youtube": YouTubeChannel, "tiktok": TikTokAccount, "zalo": ZaloOA}
    if channel.platform in others:
        return others[channel.platform](**kw)  # type: ignore[arg-type]
    raise ConfigError(f"channel {channel.code}: platform {channel.platform!r} has no adapter yet")
