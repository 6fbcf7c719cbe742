"""Per-channel concurrency and pacing for the publisher's claim.

A publication is claimed by one conditional UPDATE that also asks, in its WHERE clause,
that no other publication of the same channel is being sent (`claimed` or `sending`: one
send per channel at a time, whichever worker holds it) and that none was claimed within
the platform's minimum gap (Telegram: 20 messages a minute per group; TikTok: 6 `init`
calls a minute per token). A post in needs_check is claimed by every run that tries to
reconcile it; those claims are checks, not sends, and do not count towards the gap.
On PostgreSQL the channel row is locked first (`FOR UPDATE`), so two workers cannot both
pass the check for the same channel under READ COMMITTED; on SQLite the single UPDATE is
atomic already. A publication that cannot go now stays `scheduled` for a later run.

Gaps run on the run's clock (`publish due --now`), like everything else a run stamps.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from phuxanh.core.settings import get_settings
from phuxanh.models import Channel, Publication, PubState

BUSY = (PubState.claimed, PubState.sending)


def claim(
    session: Session, *, pub_id: int, channel_id: int, platform: str, now: dt.datetime, worker: str
) -> str:
    """ "claimed", "channel_busy" (another send on this channel, or too soon after the last
    one) or "taken_by_other" (another worker claimed this very publication)."""
    gap = dt.timedelta(seconds=get_settings().send_gap_s.get(platform, 0.0))
    session.execute(select(col(Channel.id)).where(col(Channel.id) == channel_id).with_for_update())
    other = aliased(Publication)
    busy = exists().where(
        col(other.channel_id) == channel_id,
        col(other.id) != pub_id,
        col(other.state).in_(BUSY)
        | and_(
            col(other.claimed_at) > now - gap,
            col(other.claimed_at) <= now,
            col(other.state) != PubState.needs_check,
        ),
    )
    result = session.execute(
        update(Publication)
        .where(col(Publication.id) == pub_id, col(Publication.state) == PubState.scheduled, ~busy)
        .values(
            state=PubState.claimed,
            claimed_by=worker,
            claimed_at=now,
            updated_at=now,
            attempts=Publication.attempts + 1,
        )
    )
    session.commit()
    if getattr(result, "rowcount", 0) == 1:
        return "claimed"
    state = session.execute(
        select(col(Publication.state)).where(col(Publication.id) == pub_id)
    ).scalar_one_or_none()
    return "channel_busy" if state == PubState.scheduled else "taken_by_other"
