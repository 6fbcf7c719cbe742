"""From a Channel row to a ready adapter: the platform's adapter (`platforms.registry`) with
a live token, read from the channel's credential or its stored (and refreshed) token set."""

from __future__ import annotations

import requests
from sqlalchemy.engine import Connection, Engine

from phuxanh.models import Channel
from phuxanh.platforms import registry
from phuxanh.platforms.base import Adapter
from phuxanh.platforms.manual import MANUAL
from phuxanh.publish import tokens


def adapter_for(
    channel: Channel,
    http: requests.Session | None = None,
    *,
    engine: Engine | Connection | None = None,
) -> Adapter:
    """A ready adapter with a live token. `engine` lets an OAuth channel use (and refresh)
    its stored token set; without it only plain credentials work."""
    adapter = registry.build(channel, http)
    if channel.platform != MANUAL:  # a manual channel has no token: a person posts there
        tokens.prepare(engine, channel, adapter)
    return adapter
