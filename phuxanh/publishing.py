"""Publish due items exactly once, or fail them with a reason a person can act on.

Each publication moves by conditional UPDATEs (`WHERE state = <expected>`), so two workers
never both own one. The state is committed as `sending` before the platform is called; a
send whose outcome is unknown becomes `needs_check` and is reconciled with the platform
(is our post there?) before anything is sent again.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections import Counter
from pathlib import Path

from sqlalchemy import exists, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from phuxanh import audit
from phuxanh.db import session_scope
from phuxanh.errors import ConfigError
from phuxanh.models import Channel, ContentItem, ItemStatus, Pause, Publication, PubState
from phuxanh.pauses import paused
from phuxanh.platforms.base import (
    Ambiguous,
    AuthExpired,
    Duplicate,
    PlatformError,
    Post,
    PublishResult,
    RateLimited,
)
from phuxanh.platforms.registry import adapter_for
from phuxanh.review import caption_for, content_hash
from phuxanh.settings import get_settings

MAX_ATTEMPTS = 5
BACKOFF_S = (60, 300, 900, 3600)
STALE_CLAIM = dt.timedelta(minutes=10)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def transition(
    session: Session, pub_id: int, *, expect: PubState | tuple[PubState, ...], **values: object
) -> bool:
    """One conditional UPDATE; True if this caller made the transition."""
    states = (expect,) if isinstance(expect, PubState) else expect
    values.setdefault("updated_at", dt.datetime.now(dt.UTC))
    result = session.execute(
        update(Publication)
        .where(col(Publication.id) == pub_id, col(Publication.state).in_(states))
        .values(**values)
    )
    session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _post_for(session: Session, pub: Publication) -> tuple[Channel, ContentItem, Post]:
    channel = session.get(Channel, pub.channel_id)
    item = session.get(ContentItem, pub.content_item_id)
    assert channel is not None and item is not None
    media = Path(item.media_path) if item.media_path else None
    post = Post(
        text=caption_for(item, channel),
        marker=pub.idempotency_key,
        media_path=media,
        media_kind="image" if media else None,
        link=item.link,
        alt_text=item.alt_text,
    )
    return channel, item, post


def _mark_published(
    session: Session,
    pub: Publication,
    result: PublishResult,
    now: dt.datetime,
    *,
    expect: PubState | tuple[PubState, ...],
    via: str,
) -> None:
    if not transition(
        session,
        pub.id or 0,
        expect=expect,
        state=PubState.published,
        remote_id=result.remote_id,
        remote_url=result.remote_url,
        published_at=now,
        last_error=None,
    ):
        return
    item = session.get(ContentItem, pub.content_item_id)
    assert item is not None
    states = {
        p.state
        for p in session.exec(select(Publication).where(Publication.content_item_id == item.id))
    }
    if states == {PubState.published}:
        item.status = ItemStatus.published
        session.add(item)
    audit.record(
        session,
        actor="publisher",
        action=f"publication.{via}",
        entity="publication",
        entity_id=pub.id,
        detail={"remote_id": result.remote_id},
    )
    session.commit()


def _fail(session: Session, pub: Publication, state: PubState, reason: str) -> None:
    transition(
        session,
        pub.id or 0,
        expect=(PubState.sending, PubState.claimed, PubState.needs_check),
        state=state,
        last_error=reason,
    )
    audit.record(
        session,
        actor="publisher",
        action=f"publication.{state}",
        entity="publication",
        entity_id=pub.id,
        detail={"reason": reason},
    )
    session.commit()


def reconcile(session: Session, pub: Publication, now: dt.datetime) -> str:
    """Ask the platform whether an ambiguous send created the post; never re-send blindly."""
    channel, _item, post = _post_for(session, pub)
    try:
        found = adapter_for(channel).find_existing(post.text)
    except (PlatformError, ConfigError) as exc:
        transition(
            session, pub.id or 0, expect=PubState.needs_check, last_error=f"reconcile: {exc}"
        )
        return "needs_check"
    if found is not None:
        _mark_published(session, pub, found, now, expect=PubState.needs_check, via="reconciled")
        return "reconciled"
    transition(
        session,
        pub.id or 0,
        expect=PubState.needs_check,
        state=PubState.scheduled,
        last_error="previous send did not reach the platform (checked); will send again",
    )
    return "requeued"


def _send_one(session: Session, pub: Publication, now: dt.datetime) -> str:
    channel, item, post = _post_for(session, pub)
    if paused(session, channel.id or 0):  # asked afresh before every send
        transition(session, pub.id or 0, expect=PubState.claimed, state=PubState.scheduled)
        return "paused"
    if now - pub.scheduled_at > dt.timedelta(minutes=get_settings().lateness_limit_minutes):
        _fail(
            session,
            pub,
            PubState.missed,
            f"not sent: {int((now - pub.scheduled_at).total_seconds() // 60)} min late; "
            "a person must reschedule or cancel it",
        )
        return "missed"
    if content_hash(session, item) != pub.approved_hash:
        _fail(
            session,
            pub,
            PubState.failed,
            "content changed after approval (hash mismatch); it must be approved again",
        )
        return "failed"
    try:
        adapter = adapter_for(channel)
    except ConfigError as exc:
        _fail(session, pub, PubState.failed, str(exc))
        return "failed"
    if not transition(session, pub.id or 0, expect=PubState.claimed, state=PubState.sending):
        return "lost_claim"
    try:
        result = adapter.publish(post)
    except Ambiguous as exc:
        transition(
            session,
            pub.id or 0,
            expect=PubState.sending,
            state=PubState.needs_check,
            last_error=str(exc),
        )
        return reconcile(session, pub, now)
    except Duplicate as exc:
        transition(
            session,
            pub.id or 0,
            expect=PubState.sending,
            state=PubState.needs_check,
            last_error=str(exc),
        )
        outcome = reconcile(session, pub, now)
        if outcome == "requeued":
            _fail(session, pub, PubState.failed, f"platform calls it a duplicate: {exc}")
            return "failed"
        return outcome
    except AuthExpired as exc:
        channel.paused, channel.pause_reason, channel.last_error = True, "token expired", str(exc)
        session.add(channel)
        audit.record(
            session,
            actor="publisher",
            action="channel.auth_expired",
            entity="channel",
            entity_id=channel.id,
            detail={"error": str(exc)},
        )
        session.commit()
        transition(
            session,
            pub.id or 0,
            expect=PubState.sending,
            state=PubState.scheduled,
            last_error=f"channel stopped: {exc}",
        )
        return "auth_expired"
    except PlatformError as exc:
        if exc.retryable and pub.attempts < MAX_ATTEMPTS:
            delay = (
                exc.retry_after_s
                if isinstance(exc, RateLimited) and exc.retry_after_s
                else BACKOFF_S[min(pub.attempts, len(BACKOFF_S)) - 1]
            )
            transition(
                session,
                pub.id or 0,
                expect=PubState.sending,
                state=PubState.scheduled,
                not_before=now + dt.timedelta(seconds=delay),
                last_error=str(exc),
            )
            return "retry"
        _fail(session, pub, PubState.failed, f"{exc.__class__.__name__}: {exc}")
        return "failed"
    _mark_published(session, pub, result, now, expect=PubState.sending, via="published")
    return "published"


def publish_due(engine: Engine, *, now: dt.datetime | None = None) -> Counter[str]:
    """Send every due publication once. Returns counts by outcome."""
    now = now or dt.datetime.now(dt.UTC)
    worker = worker_name()
    outcomes: Counter[str] = Counter()
    with session_scope(engine) as session:
        # A worker that died after claiming (before sending) leaves a stale claim: release
        # it. One that died while sending leaves an unknown outcome: reconcile it.
        for stuck, since, then in (
            (PubState.claimed, Publication.claimed_at, PubState.scheduled),
            (PubState.sending, Publication.updated_at, PubState.needs_check),
        ):
            session.execute(
                update(Publication)
                .where(col(Publication.state) == stuck, col(since) < now - STALE_CLAIM)
                .values(state=then)
            )
    with session_scope(engine) as session:
        for pub in session.exec(
            select(Publication).where(Publication.state == PubState.needs_check)
        ).all():
            outcomes[reconcile(session, pub, now)] += 1
        due = session.exec(
            select(Publication.id)
            .join(Channel, col(Channel.id) == col(Publication.channel_id))
            .where(
                col(Publication.state) == PubState.scheduled,
                col(Publication.scheduled_at) <= now,
                (col(Publication.not_before).is_(None)) | (col(Publication.not_before) <= now),
                col(Channel.paused).is_(False),
                ~exists().where(col(Pause.ended_at).is_(None),
                                col(Pause.channel_id).is_(None)
                                | (col(Pause.channel_id) == col(Publication.channel_id))),
            )
            .order_by(col(Publication.scheduled_at), col(Publication.id))
        ).all()
        for pub_id in due:
            if pub_id is None or not transition(
                session,
                pub_id,
                expect=PubState.scheduled,
                state=PubState.claimed,
                claimed_by=worker,
                claimed_at=now,
                attempts=Publication.attempts + 1,
            ):
                outcomes["taken_by_other"] += 1
                continue
            claimed = session.get(Publication, pub_id, populate_existing=True)
            assert claimed is not None
            outcomes[_send_one(session, claimed, now)] += 1
    return outcomes
