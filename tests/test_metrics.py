"""Metrics on the decaying schedule (1 h, 6 h, 24 h, 3 d, 7 d, 28 d after publishing),
kept as history, nulls kept null, rate limits respected per channel."""

from __future__ import annotations

import datetime as dt

import requests
from sqlmodel import Session, col, select

from phuxanh import jobs
from phuxanh.models import Channel, MetricSnapshot, Publication, PubState
from phuxanh.publish.metrics import SCHEDULE, due_step
from tests.helpers import at
from tests.test_publishing import _approve_all

T0 = dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)


def test_due_step_follows_the_schedule() -> None:
    assert due_step(T0, None, T0 + dt.timedelta(minutes=59)) is None
    assert due_step(T0, None, T0 + dt.timedelta(hours=1)) == T0 + SCHEDULE[0]
    # down for two days: one reading covers the missed 1 h, 6 h and 24 h steps
    assert due_step(T0, None, T0 + dt.timedelta(days=2)) == T0 + SCHEDULE[2]
    read = T0 + dt.timedelta(hours=6, minutes=3)
    assert due_step(T0, read, T0 + dt.timedelta(hours=7)) is None
    assert due_step(T0, read, T0 + dt.timedelta(hours=24)) == T0 + SCHEDULE[2]
    assert due_step(T0, T0 + dt.timedelta(days=28, minutes=1), T0 + dt.timedelta(days=90)) is None


def _published(db_url: str, sandbox, given_campaign) -> list[Publication]:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    jobs.publish_due(now=at(0, 8, 1), database_url=db_url)
    with Session(jobs.engine(db_url)) as s:
        return list(s.exec(select(Publication).where(Publication.state == PubState.published)))


def test_hourly_runs_for_a_month_read_each_post_six_times(
    db_url: str, sandbox, given_campaign
) -> None:
    pubs = _published(db_url, sandbox, given_campaign)
    assert len(pubs) == 2
    now, totals = at(0, 8, 1), {"collected": 0}
    while now < at(30, 8):
        now += dt.timedelta(hours=1)
        done = jobs.collect_metrics(now=now, database_url=db_url)
        totals["collected"] += done.get("collected", 0)
    assert totals["collected"] == 2 * len(SCHEDULE)
    with Session(jobs.engine(db_url)) as s:
        for pub in pubs:
            snaps = s.exec(
                select(MetricSnapshot)
                .where(MetricSnapshot.publication_id == pub.id)
                .order_by(col(MetricSnapshot.collected_at))
            ).all()
            ages = [s_.collected_at - pub.published_at for s_ in snaps]
            assert all(
                a - step < dt.timedelta(hours=1)  # read within the hour it fell due
                for a, step in zip(ages, SCHEDULE, strict=True)
            )
            assert all(a >= step for a, step in zip(ages, SCHEDULE, strict=True))
            assert snaps[-1].views >= snaps[0].views  # history, not overwritten
            assert all(x.video_views is None and x.watch_time_s is None for x in snaps)


def test_a_rate_limited_channel_waits_for_the_next_run(
    db_url: str, sandbox, given_campaign
) -> None:
    pubs = _published(db_url, sandbox, given_campaign)
    requests.post(
        f"{sandbox.public_url}/_sandbox/faults", json={"next_read": ["http_429"]}, timeout=5
    )
    first = jobs.collect_metrics(now=at(0, 9, 5), database_url=db_url)
    assert first.get("rate_limited", 0) >= 1 and first.get("collected", 0) <= 1
    with Session(jobs.engine(db_url)) as s:
        limited = [c for c in s.exec(select(Channel)) if c.last_error]
        assert limited and "rate limited" in limited[0].last_error
    second = jobs.collect_metrics(now=at(0, 9, 10), database_url=db_url)
    assert first.get("collected", 0) + second.get("collected", 0) == len(pubs)
    assert jobs.collect_metrics(now=at(0, 9, 15), database_url=db_url).get("collected") is None


def test_at_most_calls_per_channel_a_run(db_url: str, sandbox, given_campaign) -> None:
    from phuxanh.publish.metrics import collect

    _published(db_url, sandbox, given_campaign)
    jobs.publish_due(now=at(0, 19, 31), database_url=db_url)
    done = collect(jobs.engine(db_url), now=at(1, 9), calls_per_channel=1)
    assert done["collected"] == 3 and done["deferred"] == 1  # one Page had two due
