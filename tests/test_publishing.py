"""Plan → render → four-eyes review → publish once to the sandbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import requests
from sqlmodel import Session, select

from phuxanh import jobs, review
from phuxanh.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from phuxanh.media import stored
from phuxanh.models import (
    Approval,
    Channel,
    ContentItem,
    Fact,
    ItemStatus,
    Publication,
    PubState,
    Theme,
)
from phuxanh.platforms.base import Post
from tests.helpers import at, items, user


def _posts(sandbox) -> list[dict]:
    return requests.get(f"{sandbox.public_url}/_sandbox/posts", timeout=5).json()["posts"]


def _approve_all(db_url: str) -> None:
    with Session(jobs.engine(db_url)) as s:
        editor, minh, hoa = (user(s, n) for n in ("lan.nguyen", "minh.tran", "hoa.pham"))
        for item in items(s):
            review.submit(s, item=item, actor=editor)
            review.approve(s, item=item, actor=minh)
            if item.status == ItemStatus.in_review:  # sensitive theme: a second approver
                review.approve(s, item=item, actor=hoa)
        s.commit()


def test_publishes_each_approved_item_once(db_url: str, sandbox, given_campaign) -> None:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    first = jobs.publish_due(now=at(0, 8, 1), database_url=db_url)
    assert first == {"published": 2}  # 08:00 on two channels
    again = jobs.publish_due(now=at(0, 8, 2), database_url=db_url)
    assert again == {}
    evening = jobs.publish_due(now=at(0, 19, 31), database_url=db_url)
    assert evening == {"published": 2}
    posts = _posts(sandbox)
    assert len(posts) == 4
    with Session(jobs.engine(db_url)) as s:
        done = s.exec(select(Publication).where(Publication.state == PubState.published)).all()
        assert sorted(p.remote_id for p in done) == sorted(p["id"] for p in posts)
        assert all(p.remote_url and p.remote_url.startswith(sandbox.public_url) for p in done)
    metrics = jobs.collect_metrics(now=at(0, 21), database_url=db_url)
    assert metrics == {"collected": 4}


def test_author_never_approves_and_sensitive_needs_two(
    db_url: str, sandbox, given_campaign
) -> None:
    given_campaign(db_url, sandbox.public_url, days=7)
    with Session(jobs.engine(db_url)) as s:
        editor, minh, hoa = (user(s, n) for n in ("lan.nguyen", "minh.tran", "hoa.pham"))
        sensitive = s.exec(select(Theme).where(Theme.sensitive)).one()
        item = next(i for i in items(s) if i.theme_id == sensitive.id)
        review.submit(s, item=item, actor=editor)
        with pytest.raises(PermissionDenied, match="may not approve"):
            review.approve(s, item=item, actor=editor)
        review.approve(s, item=item, actor=minh)
        assert item.status == ItemStatus.in_review  # one approval is not enough here
        with pytest.raises(InvalidTransition, match="has already approved"):
            review.approve(s, item=item, actor=minh)  # nor the same person twice
        assert item.status == ItemStatus.in_review
        approvals = s.exec(select(Approval).where(Approval.content_item_id == item.id)).all()
        assert [a.user_id for a in approvals] == [minh.id]  # no duplicate is stored
        review.approve(s, item=item, actor=hoa)
        assert item.status == ItemStatus.scheduled


def test_unsourced_fact_blocks_approval(db_url: str, sandbox, given_campaign) -> None:
    given_campaign(db_url, sandbox.public_url)
    with Session(jobs.engine(db_url)) as s:
        item = items(s)[0]
        fact = s.get(Fact, item.fact_ids[0])
        fact.source_number, fact.source_url = None, None
        s.add(fact)
        review.submit(s, item=item, actor=user(s, "lan.nguyen"))
        with pytest.raises(ValidationFailed, match="fact without a source"):
            review.approve(s, item=item, actor=user(s, "minh.tran"))


def test_changed_after_approval_is_refused_at_send(db_url: str, sandbox, given_campaign) -> None:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    with Session(jobs.engine(db_url)) as s:  # a tampered row: caption edited behind review
        item = items(s)[0]
        item.caption += " (sửa)"
        s.add(item)
        s.commit()
    out = jobs.publish_due(now=at(0, 8, 1), database_url=db_url)
    assert out == {"failed": 1, "published": 1}
    with Session(jobs.engine(db_url)) as s:
        failed = s.exec(select(Publication).where(Publication.state == PubState.failed)).one()
        assert "hash mismatch" in (failed.last_error or "")
    assert len(_posts(sandbox)) == 1


def test_late_post_is_missed_not_sent(db_url: str, sandbox, given_campaign) -> None:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    out = jobs.publish_due(now=at(0, 11, 0), database_url=db_url)  # 3 h after 08:00
    assert out == {"missed": 2}
    assert _posts(sandbox) == []


def test_lost_response_is_reconciled_not_resent(db_url: str, sandbox, given_campaign) -> None:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    requests.post(
        f"{sandbox.public_url}/_sandbox/faults", json={"next": ["lose_response"]}, timeout=5
    ).raise_for_status()
    out = jobs.publish_due(now=at(0, 8, 1), database_url=db_url)
    assert out == {"reconciled": 1, "published": 1}
    assert len(_posts(sandbox)) == 2


def test_transient_error_retries_later(db_url: str, sandbox, given_campaign) -> None:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    requests.post(
        f"{sandbox.public_url}/_sandbox/faults", json={"next": ["http_500"]}, timeout=5
    ).raise_for_status()
    assert jobs.publish_due(now=at(0, 8, 1), database_url=db_url) == {"retry": 1, "published": 1}
    half_minute = at(0, 8, 1) + dt.timedelta(seconds=30)
    assert jobs.publish_due(now=half_minute, database_url=db_url) == {}  # backing off (60 s)
    assert jobs.publish_due(now=at(0, 8, 2), database_url=db_url) == {"published": 1}
    assert len(_posts(sandbox)) == 2


def test_expired_token_stops_channel_and_keeps_queue(db_url: str, sandbox, given_campaign) -> None:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    requests.post(
        f"{sandbox.public_url}/_sandbox/faults", json={"next": ["expired_token"]}, timeout=5
    ).raise_for_status()
    out = jobs.publish_due(now=at(0, 8, 1), database_url=db_url)
    assert out == {"auth_expired": 1, "published": 1}
    with Session(jobs.engine(db_url)) as s:
        stopped = s.exec(select(Channel).where(Channel.paused)).one()
        assert stopped.pause_reason == "token expired"
        kept = s.exec(
            select(Publication).where(
                Publication.channel_id == stopped.id, Publication.state == PubState.scheduled
            )
        ).all()
        # the queue is kept; the post that met the dead token says why it waits
        # (no ORDER BY here, so look for it rather than rely on row order)
        assert kept and any("channel stopped" in (p.last_error or "") for p in kept)
        evening = s.exec(select(Publication).where(Publication.state == PubState.scheduled)).all()
        others = [
            p for p in evening if p.channel_id != stopped.id and p.scheduled_at <= at(0, 19, 31)
        ]
    later = jobs.publish_due(now=at(0, 19, 31), database_url=db_url)
    assert others and later == {"published": len(others)}  # the rest go on; the stopped waits


def test_two_workers_at_once_never_double_post(db_url: str, sandbox, given_campaign) -> None:
    given_campaign(db_url, sandbox.public_url, days=3)
    _approve_all(db_url)
    results: list[dict] = []

    def run() -> None:
        results.append(jobs.publish_due(now=at(0, 8, 1), database_url=db_url))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.get("published", 0) for r in results) == 2
    assert len(_posts(sandbox)) == 2


def test_item_list_filters_by_state_before_limiting(db_url: str, sandbox, given_campaign) -> None:
    from phuxanh import crud

    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    jobs.publish_due(now=at(0, 19, 31), database_url=db_url)  # the morning ones are missed
    with Session(jobs.engine(db_url)) as s:
        published = crud.list_items(s, state="published", limit=2)
        assert [r.state for r in published] == ["published", "published"]
        assert {r.state for r in crud.list_items(s, state="missed")} == {"missed"}
        assert len(crud.list_items(s)) == 8


def test_item_list_refuses_an_unknown_state(db_url: str) -> None:
    from phuxanh import crud

    with (
        Session(jobs.engine(db_url)) as s,
        pytest.raises(ValidationFailed, match="--state: 'sent'"),
    ):
        crud.list_items(s, state="sent")


def test_crash_leftovers_are_reconciled_or_released(db_url: str, sandbox, given_campaign) -> None:
    from phuxanh.publish.adapters import adapter_for
    from phuxanh.review import caption_for

    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    long_ago = at(0, 7, 0)
    with Session(jobs.engine(db_url)) as s:
        first, second = s.exec(select(Publication).order_by(Publication.id)).all()[:2]
        # A worker died after the platform accepted the post, before recording it.
        channel, item = s.get(Channel, first.channel_id), s.get(ContentItem, first.content_item_id)
        adapter_for(channel).publish(
            Post(
                text=caption_for(item, channel),
                marker="x",
                media_path=stored.resolve(item.media_path),
                media_kind="image",
            )
        )
        first.state, first.updated_at = PubState.sending, long_ago
        # Another died right after claiming, before sending anything.
        second.state, second.claimed_at = PubState.claimed, long_ago
        s.add(first)
        s.add(second)
        s.commit()
    out = jobs.publish_due(now=at(0, 8, 1), database_url=db_url)
    assert out == {"reconciled": 1, "published": 1}
    assert len(_posts(sandbox)) == 2  # nothing sent twice


def test_a_post_retried_past_the_lateness_limit_is_missed_with_its_last_error(
    db_url: str, sandbox, given_campaign
) -> None:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    requests.post(
        f"{sandbox.public_url}/_sandbox/faults", json={"next": ["http_500"] * 2}, timeout=5
    ).raise_for_status()
    assert jobs.publish_due(now=at(0, 8, 1), database_url=db_url) == {"retry": 2}
    assert jobs.publish_due(now=at(0, 10, 5), database_url=db_url) == {"missed": 2}
    with Session(jobs.engine(db_url)) as s:
        missed = s.exec(select(Publication).where(Publication.state == PubState.missed)).all()
    assert len(missed) == 2 and all(
        "min late" in (p.last_error or "") and "(last error: Facebook" in (p.last_error or "")
        for p in missed
    ), [p.last_error for p in missed]
    assert _posts(sandbox) == []
