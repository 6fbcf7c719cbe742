"""Best time to post, from the office's own history: mean reach of a channel's posts by
weekday and local hour, with the number of posts behind each figure.

The planner takes it as a hint only when the history is large enough (`MIN_POSTS` measured
posts on the channel and at least `MIN_PER_HOUR` in an hour for that hour to count): within
each posting window it starts at the half hour whose hour has reached most people on that
weekday. Windows, daily caps and spacing still rule; a small history changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from phuxanh.models import Publication, PubState

MIN_POSTS = 30
MIN_PER_HOUR = 3


@dataclass(frozen=True)
class Cell:
    weekday: int  # 0 = Monday
    hour: int
    posts: int
    mean_reach: float


def history(session: Session, *, channel_id: int, tz: ZoneInfo) -> list[Cell]:
    """Every (weekday, hour) the channel has posted in, with its mean reach and sample."""
    sums: dict[tuple[int, int], list[int]] = defaultdict(list)
    rows = session.exec(
        select(Publication.published_at, Publication.latest_reach).where(
            Publication.channel_id == channel_id,
            Publication.state == PubState.published,
            col(Publication.latest_reach).is_not(None),
        )
    )
    for when, reach in rows:
        if when is None or reach is None:
            continue
        local = when.astimezone(tz)
        sums[(local.weekday(), local.hour)].append(reach)
    return sorted(
        (Cell(w, h, len(v), sum(v) / len(v)) for (w, h), v in sums.items()),
        key=lambda c: (c.weekday, c.hour),
    )


def hint(cells: list[Cell]) -> dict[tuple[int, int], float] | None:
    """(weekday, hour) → mean reach, when the history is large enough to lean on."""
    if sum(c.posts for c in cells) < MIN_POSTS:
        return None
    return {(c.weekday, c.hour): c.mean_reach for c in cells if c.posts >= MIN_PER_HOUR}


def best_start(
    start: dt.datetime, end: dt.datetime, known: dict[tuple[int, int], float] | None
) -> dt.datetime:
    """The half hour in [start, end] whose hour reached most people (else `start`)."""
    if not known:
        return start
    options = []
    t = start
    while t <= end:
        score = known.get((t.weekday(), t.hour))
        if score is not None:
            options.append((-score, t))
        t += dt.timedelta(minutes=30)
    return min(options)[1] if options else start
