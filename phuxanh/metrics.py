"""Reach metrics back from the platforms, kept as history (never overwritten).

Walking skeleton: every published post is read when its last reading is older than
`min_gap` (the decaying 1 h / 6 h / 24 h / 3 d / 7 d / 28 d schedule comes later).
Missing numbers stay NULL.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from phuxanh.db import session_scope
from phuxanh.errors import ConfigError
from phuxanh.models import Channel, MetricSnapshot, Publication, PubState
from phuxanh.platforms.base import PlatformError
from phuxanh.platforms.registry import adapter_for


def collect(
    engine: Engine, *, now: dt.datetime | None = None, min_gap: dt.timedelta = dt.timedelta(hours=1)
) -> Counter[str]:
    now = now or dt.datetime.now(dt.UTC)
    outcomes: Counter[str] = Counter()
    with session_scope(engine) as session:
        last = (
            select(MetricSnapshot.publication_id, func.max(MetricSnapshot.collected_at).label("at"))
            .group_by(col(MetricSnapshot.publication_id))
            .subquery()
        )
        rows = session.exec(
            select(Publication, Channel, last.c.at)
            .join(Channel, col(Channel.id) == col(Publication.channel_id))
            .outerjoin(last, last.c.publication_id == col(Publication.id))
            .where(Publication.state == PubState.published, col(Publication.remote_id).is_not(None))
        ).all()
        adapters = {}
        for pub, channel, last_at in rows:
            if last_at is not None and now - last_at < min_gap:
                outcomes["fresh"] += 1
                continue
            try:
                if channel.id not in adapters:
                    adapters[channel.id] = adapter_for(channel)
                m = adapters[channel.id].fetch_metrics(pub.remote_id or "")
            except (PlatformError, ConfigError) as exc:
                channel.last_error = f"metrics: {exc}"
                session.add(channel)
                outcomes["error"] += 1
                continue
            session.add(
                MetricSnapshot(
                    publication_id=pub.id or 0,
                    collected_at=now,
                    views=m.views,
                    reach=m.reach,
                    reactions=m.reactions,
                    comments=m.comments,
                    shares=m.shares,
                    clicks=m.clicks,
                    video_views=m.video_views,
                    watch_time_s=m.watch_time_s,
                    followers=m.followers,
                    raw=m.raw,
                )
            )
            outcomes["collected"] += 1
    return outcomes
