"""From a channel's platform and settings to an adapter of the right kind. Nothing here reads
the database: the caller passes what the channel row holds (`publish.adapters` does)."""

from __future__ import annotations

from typing import Protocol

import requests

from phuxanh.core.errors import ConfigError
from phuxanh.core.settings import get_settings
from phuxanh.platforms.base import Adapter
from phuxanh.platforms.facebook import FacebookPage
from phuxanh.platforms.manual import ManualPlace
from phuxanh.platforms.telegram import TelegramChannel
from phuxanh.platforms.tiktok import TikTokAccount
from phuxanh.platforms.wordpress import WordPressSite
from phuxanh.platforms.x import XAccount
from phuxanh.platforms.youtube import YouTubeChannel
from phuxanh.platforms.zalo import ZaloOA


class ChannelSettings(Protocol):
    """What an adapter is built from (a `models.Channel` has it)."""

    @property
    def code(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def api_base_url(self) -> str: ...
    @property
    def account_id(self) -> str: ...


def build(channel: ChannelSettings, http: requests.Session | None = None) -> Adapter:
    """The adapter for a channel's platform, without a token yet (the caller gives it one:
    `publish.adapters.adapter_for` from the channel's credential or stored token set)."""
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
        "telegram": TelegramChannel,
        "x": XAccount,
        "wordpress": WordPressSite,
        "youtube": YouTubeChannel,
        "tiktok": TikTokAccount,
        "zalo": ZaloOA,
        "manual": ManualPlace,  # posted by a person; never sends
    }
    if channel.platform in others:
        return others[channel.platform](**kw)  # type: ignore[arg-type]
    raise ConfigError(f"channel {channel.code}: platform {channel.platform!r} has no adapter yet")
