"""Reach metrics back from the platforms, kept as history (never overwritten).

Each published post is read on a decaying schedule after it went out: 1 h, 6 h, 24 h,
3 d, 7 d and 28 d (most reach comes early; a 28-day reading closes the post). A run reads
every post with a step due since its last reading (one reading covers steps missed while
the collector was down) and none more often. Missing numbers stay NULL, never 0.

Rate limits: a channel that answers RateLimited is left alone for the rest of the run
(its posts are read next run), and no channel gets more than `calls_per_channel`
readings a run, oldest-due first, so one busy Page cannot starve the others.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from functools import partial
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from phuxanh.core.db import session_scope
from phuxanh.core.errors import ConfigError
from phuxanh.models import Channel, MetricSnapshot, Publication, PubState
from phuxanh.platforms.errors import PlatformError, RateLimited
from phuxanh.publish import tokens
from phuxanh.publish.adapters import adapter_for

SCHEDULE = (
    dt.timedelta(hours=1),
    dt.timedelta(hours=6),
    dt.timedelta(hours=24),
    dt.timedelta(days=3),
    dt.timedelta(days=7),
    dt.timedelta(days=28),
)


def due_step(
    published_at: dt.datetime, last_at: dt.datetime | None, now: dt.datetime
) -> dt.datetime | None:
    """When the latest schedule step not yet read fell due (None: nothing due now)."""
    due = None
    for step in SCHEDULE:
        at = published_at + step
        if at > now:
            break
        if last_at is None or last_at < at:
            due = at
    return due


def collect(
    engine: Engine, *, now: dt.datetime | None = None, calls_per_channel: int = 200
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
            .where(
                Publication.state == PubState.published,
                col(Publication.remote_id).is_not(None),
                col(Publication.published_at) >= now - SCHEDULE[-1] - dt.timedelta(days=7),
            )
        ).all()
        queue: dict[int, list[tuple[dt.datetime, Publication]]] = defaultdict(list)
        channels: dict[int, Channel] = {}
        for pub, channel, last_at in rows:
            assert pub.published_at is not None and channel.id is not None
            step = due_step(pub.published_at, last_at, now)
            if step is None:
                outcomes["not_due"] += 1
                continue
            queue[channel.id].append((step, pub))
            channels[channel.id] = channel
        for channel_id, due in queue.items():
            channel = channels[channel_id]
            due.sort(key=lambda d: (d[0], d[1].id or 0))
            if len(due) > calls_per_channel:
                outcomes["deferred"] += len(due) - calls_per_channel
            session.commit()  # readings so far are kept; token refresh writes alongside
            try:
                adapter = adapter_for(channel, engine=engine)
            except (ConfigError, PlatformError) as exc:
                channel.last_error = f"metrics: {exc}"
                session.add(channel)
                outcomes["error"] += len(due)
                continue
            for i, (_, pub) in enumerate(due[:calls_per_channel]):
                try:
                    m = tokens.call(
                        engine,
                        channel,
                        adapter,
                        partial(adapter.fetch_metrics, pub.remote_id or ""),
                    )
                except RateLimited as exc:
                    channel.last_error = f"metrics: rate limited: {exc}"
                    session.add(channel)
                    outcomes["rate_limited"] += min(len(due), calls_per_channel) - i
                    break
                except PlatformError as exc:
                    channel.last_error = f"metrics: {exc}"
                    session.add(channel)
                    outcomes["error"] += 1
                    continue
                session.add(_snapshot(pub, now, m.__dict__))
                pub.latest_views, pub.latest_reach = m.views, m.reach
                pub.latest_engagement = sum(v or 0 for v in (m.reactions, m.comments, m.shares))
                pub.metrics_at = now
                session.add(pub)
                outcomes["collected"] += 1
    return outcomes


def _snapshot(pub: Publication, now: dt.datetime, m: dict[str, Any]) -> MetricSnapshot:
    return MetricSnapshot(
        publication_id=pub.id or 0,
        collected_at=now,
        views=m["views"],
        reach=m["reach"],
        reactions=m["reactions"],
        comments=m["comments"],
        shares=m["shares"],
        clicks=m["clicks"],
        video_views=m["video_views"],
        watch_time_s=m["watch_time_s"],
        followers=m["followers"],
        breakdown=m["breakdown"],
        raw=m["raw"],
    )
