"""Every time the publisher hands a publication to a person in needs_check, the audit log
says so (`publication.needs_check`, with the reason), as it does for failed and missed:
when a send's outcome is in doubt and the platform cannot be asked, when a send was left
unfinished by a worker that stopped, when the platform is still processing after the
limit. A publication already in needs_check that the publisher checks again, and that
stays in doubt, is no new event."""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests
from sqlmodel import Session, col, select

from phuxanh import jobs, review
from phuxanh.models import AuditEvent, ItemStatus, Publication, PubState
from phuxanh.publish.publisher import PROCESSING_LIMIT
from tests.helpers import at, items, user


def _approve_all(db_url: str) -> None:
    with Session(jobs.engine(db_url)) as s:
        editor, minh, hoa = (user(s, n) for n in ("lan.nguyen", "minh.tran", "hoa.pham"))
        for item in items(s):
            review.submit(s, item=item, actor=editor)
            review.approve(s, item=item, actor=minh)
            if item.status == ItemStatus.in_review:  # sensitive theme: a second approver
                review.approve(s, item=item, actor=hoa)
        s.commit()


def _faults(sandbox: Any, **plan: list[str]) -> None:
    requests.post(f"{sandbox.public_url}/_sandbox/faults", json=plan, timeout=5).raise_for_status()


def _events(db_url: str) -> list[tuple[str, str, str]]:
    """(publication id, action, reason) of the publisher's audit rows, oldest first."""
    with Session(jobs.engine(db_url)) as s:
        return [
            (e.entity_id, e.action, str(e.detail.get("reason", "")))
            for e in s.exec(
                select(AuditEvent)
                .where(AuditEvent.actor == "publisher", AuditEvent.entity == "publication")
                .order_by(col(AuditEvent.id))
            )
        ]


def _states(db_url: str) -> dict[str, PubState]:
    with Session(jobs.engine(db_url)) as s:
        return {str(p.id): p.state for p in s.exec(select(Publication))}


def test_a_send_in_doubt_that_cannot_be_checked_is_audited_once(
    db_url: str, sandbox: Any, given_campaign: Any
) -> None:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    # the first post reaches the platform but its answer is lost, and the check fails
    _faults(sandbox, next=["lose_response"], next_read=["http_500"])
    out = jobs.publish_due(now=at(0, 8, 1), database_url=db_url)
    assert out["needs_check"] == 1, out
    (doubt,) = [pid for pid, state in _states(db_url).items() if state == PubState.needs_check]
    said = [e for e in _events(db_url) if e[1] == "publication.needs_check"]
    assert [(pid, action) for pid, action, _ in said] == [(doubt, "publication.needs_check")]
    assert "while checking" in said[0][2]
    # checked again and still in doubt: the same state, no second event
    _faults(sandbox, next_read=["http_500"])
    jobs.publish_due(now=at(0, 8, 2), database_url=db_url)
    assert _states(db_url)[doubt] == PubState.needs_check
    assert [e for e in _events(db_url) if e[1] == "publication.needs_check"] == said
    # the platform answers at last: the post is found, not sent again
    jobs.publish_due(now=at(0, 8, 3), database_url=db_url)
    assert _states(db_url)[doubt] == PubState.published
    assert [a for pid, a, _ in _events(db_url) if pid == doubt][-1] == "publication.reconciled"


def test_a_send_left_unfinished_is_audited(db_url: str, sandbox: Any, given_campaign: Any) -> None:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    with Session(jobs.engine(db_url)) as s:
        first = s.exec(select(Publication).order_by(col(Publication.id))).first()
        assert first is not None
        first.state, first.updated_at = PubState.sending, at(0, 7, 0)  # its worker stopped
        s.add(first)
        s.commit()
        stuck = str(first.id)
    _faults(sandbox, next_read=["http_500"])  # and the platform cannot be asked now
    jobs.publish_due(now=at(0, 8, 1), database_url=db_url)
    assert _states(db_url)[stuck] == PubState.needs_check
    said = [(pid, a, why) for pid, a, why in _events(db_url) if a == "publication.needs_check"]
    assert [(pid, a) for pid, a, _ in said] == [(stuck, "publication.needs_check")]
    assert "no outcome of the send" in said[0][2]


def test_a_post_processing_past_the_limit_is_audited(
    db_url: str, sandbox: Any, given_campaign: Any
) -> None:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    now = at(0, 8, 1)
    with Session(jobs.engine(db_url)) as s:
        first = s.exec(select(Publication).order_by(col(Publication.id))).first()
        assert first is not None
        first.state, first.remote_id = PubState.processing, "video-1"
        first.updated_at = now - PROCESSING_LIMIT - dt.timedelta(minutes=1)
        s.add(first)
        s.commit()
        slow = str(first.id)
    out = jobs.publish_due(now=now, database_url=db_url)
    assert out["needs_check"] == 1, out
    said = [(pid, a, why) for pid, a, why in _events(db_url) if a == "publication.needs_check"]
    assert [(pid, a) for pid, a, _ in said] == [(slow, "publication.needs_check")]
    assert said[0][2].startswith("still processing on ")
