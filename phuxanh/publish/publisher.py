"""Publish due items exactly once, or fail them with a reason a person can act on.

Each publication moves by conditional UPDATEs (`WHERE state = <expected>`), so two workers
never both own one. The state is committed as `sending` before the platform is called; a
send whose outcome is unknown becomes `needs_check` and is reconciled with the platform
(is our post there?) before anything is sent again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from collections import Counter
from contextvars import ContextVar

from sqlalchemy import case, exists, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from phuxanh.core import audit
from phuxanh.core.db import session_scope
from phuxanh.core.errors import ConfigError
from phuxanh.core.settings import get_settings
from phuxanh.media import stored
from phuxanh.models import (
    Channel,
    ContentItem,
    Incident,
    ItemStatus,
    Pause,
    Publication,
    PubState,
)
from phuxanh.platforms.base import Adapter, Post, PublishResult, dumps
from phuxanh.platforms.errors import Ambiguous, AuthExpired, Duplicate, PlatformError, RateLimited
from phuxanh.platforms.manual import MANUAL, due_reason
from phuxanh.publish import pacing, tokens
from phuxanh.publish.adapters import adapter_for
from phuxanh.publish.channels import BROKEN_SETTING, TOKEN_EXPIRED
from phuxanh.publish.pauses import paused
from phuxanh.review import caption_for, content_hash

# Transient failures are retried with backoff (60 s, 5 min, 15 min, then hourly); with the
# default 2 h lateness limit a post becomes `missed` (naming its last error) well before
# this cap, which only bounds a very long limit
MAX_ATTEMPTS = 8
PROCESSING_LIMIT = dt.timedelta(hours=24)  # then a person looks (needs_check)
STALE_SEND = "no outcome of the send for over {s} s (its worker stopped); the platform is asked"


# The run's clock: `publish due --now` (tests, drills, catch-up runs) stamps rows with the
# time it acts at, so stale-claim and processing limits compare like with like.
_CLOCK: ContextVar[dt.datetime | None] = ContextVar("phuxanh_publish_clock", default=None)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def transition(
    session: Session, pub_id: int, *, expect: PubState | tuple[PubState, ...], **values: object
) -> bool:
    """One conditional UPDATE; True if this caller made the transition."""
    states = (expect,) if isinstance(expect, PubState) else expect
    values.setdefault("updated_at", _CLOCK.get() or dt.datetime.now(dt.UTC))
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
    media = stored.resolve(item.media_path)  # relative to this host's media root
    video = media is not None and media.suffix.lower() in (".mp4", ".mov", ".webm")
    post = Post(
        text=caption_for(item, channel),
        marker=pub.idempotency_key,
        media_path=media,
        media_kind=("video" if video else "image") if media else None,
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
    mark_item_if_all_published(session, pub.content_item_id)
    _first_live(session, pub.content_item_id, now)
    audit.record(
        session,
        actor="publisher",
        action=f"publication.{via}",
        entity="publication",
        entity_id=pub.id,
        detail={"remote_id": result.remote_id},
    )
    session.commit()


def mark_item_if_all_published(session: Session, item_id: int) -> None:
    """The item is published once every one of its publications is (not committed)."""
    states = set(
        session.exec(select(Publication.state).where(col(Publication.content_item_id) == item_id))
    )
    if states == {PubState.published}:
        item = session.get(ContentItem, item_id)
        assert item is not None
        item.status = ItemStatus.published
        session.add(item)


def _first_live(session: Session, item_id: int, now: dt.datetime) -> None:
    """An incident's clarification is live: the incident's response time ends at the first
    one (one conditional UPDATE, so the earliest post wins; not committed)."""
    incident_id = session.execute(
        select(ContentItem.incident_id).where(col(ContentItem.id) == item_id)
    ).scalar_one_or_none()
    if incident_id is not None:
        session.execute(
            update(Incident)
            .where(col(Incident.id) == incident_id, col(Incident.first_live_at).is_(None))
            .values(first_live_at=now)
        )


def _fail(session: Session, pub: Publication, state: PubState, reason: str) -> None:
    transition(
        session,
        pub.id or 0,
        expect=(PubState.sending, PubState.claimed, PubState.needs_check, PubState.processing),
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


def _audit_needs_check(session: Session, pub_id: int, reason: str) -> None:
    """A publication handed to a person in needs_check, audited as `_fail` audits failed
    and missed (`publication.needs_check`, with the reason); committed."""
    audit.record(
        session,
        actor="publisher",
        action="publication.needs_check",
        entity="publication",
        entity_id=pub_id,
        detail={"reason": reason},
    )
    session.commit()


def _hand_over(session: Session, pub: Publication, channel: Channel) -> str:
    """A manual channel's post is due: no API is called; it waits for a person in
    needs_check with the reason (Việc của tôi, Channel health), never becomes `missed`, and
    its audit event mails the channel's unit (`notify.handoffs`). The person exports it
    (`publication export`), posts it and says where (`publication resolve --live URL`)."""
    reason = due_reason(pub.id or 0, channel.display_name)
    if not transition(
        session, pub.id or 0, expect=PubState.claimed, state=PubState.needs_check, last_error=reason
    ):
        return "lost_claim"
    audit.record(
        session,
        actor="publisher",
        action="publication.manual_due",
        entity="publication",
        entity_id=pub.id,
        detail={"reason": reason, "channel": channel.code},
    )
    session.commit()
    return "manual"


def _settle(
    session: Session,
    pub: Publication,
    result: PublishResult | None,
    now: dt.datetime,
    *,
    expect: PubState,
    via: str,
) -> str:
    """Record what the platform said: live, still processing, failed, or nothing there."""
    if result is None:
        transition(
            session,
            pub.id or 0,
            expect=expect,
            state=PubState.scheduled,
            handle=None,
            last_error="previous send did not reach the platform (checked); will send again",
        )
        return "requeued"
    if result.state == "processing":
        transition(
            session,
            pub.id or 0,
            expect=expect,
            state=PubState.processing,
            remote_id=result.remote_id,
            remote_url=result.remote_url,
            last_error=None,
        )
        return "processing"
    if result.state == "failed":
        _fail(session, pub, PubState.failed, result.reason or "the platform rejected the post")
        return "failed"
    _mark_published(session, pub, result, now, expect=expect, via=via)
    return via


def _resolve(
    session: Session,
    pub: Publication,
    channel: Channel,
    adapter: Adapter,
    post: Post,
    now: dt.datetime,
    *,
    again: bool = False,
) -> str:
    """For a publication we hold in `sending` whose last send is in doubt: resume from the
    saved handle, or ask the platform whether our post exists. Never re-send blindly.
    `again`: it came from needs_check (`reconcile`), so going back there is no new event
    for the audit log (a platform that cannot be asked for hours would fill it)."""
    session.refresh(pub)  # the handle may have been saved during the send

    def check() -> PublishResult | None:
        if pub.handle:
            return adapter.resume(post, json.loads(pub.handle))
        return adapter.find_existing(post)

    try:
        result = tokens.call(session.get_bind(), channel, adapter, check)
    except (PlatformError, ConfigError) as exc:
        reason = f"{exc.__class__.__name__} while checking: {exc}"
        if (
            transition(
                session,
                pub.id or 0,
                expect=PubState.sending,
                state=PubState.needs_check,
                last_error=reason,
            )
            and not again
        ):
            _audit_needs_check(session, pub.id or 0, reason)
        return "needs_check"
    return _settle(session, pub, result, now, expect=PubState.sending, via="reconciled")


def reconcile(session: Session, pub: Publication, now: dt.datetime) -> str:
    """A publication in needs_check: take it (so no other worker checks it at once), then
    resume or reconcile it with the platform."""
    channel, _item, post = _post_for(session, pub)
    if channel.platform == MANUAL:  # a person posts it and settles it; nothing to ask
        return "manual_waiting"
    try:
        adapter = adapter_for(channel, engine=session.get_bind())
    except (ConfigError, PlatformError) as exc:
        transition(session, pub.id or 0, expect=PubState.needs_check, last_error=str(exc))
        return "needs_check"
    if not transition(
        session,
        pub.id or 0,
        expect=PubState.needs_check,
        state=PubState.sending,
        claimed_by=worker_name(),
        claimed_at=now,
    ):
        return "taken_by_other"
    return _resolve(session, pub, channel, adapter, post, now, again=True)


def poll_processing(session: Session, pub: Publication, now: dt.datetime) -> str:
    """The platform is still processing (video, moderation): ask once how it is going."""
    channel, _item, _post = _post_for(session, pub)
    if now - pub.updated_at > PROCESSING_LIMIT:
        reason = (
            f"still processing on {channel.platform} after {PROCESSING_LIMIT}; look at the account"
        )
        if transition(
            session,
            pub.id or 0,
            expect=PubState.processing,
            state=PubState.needs_check,
            last_error=reason,
        ):
            _audit_needs_check(session, pub.id or 0, reason)
        return "needs_check"
    try:
        engine = session.get_bind()
        adapter = adapter_for(channel, engine=engine)
        result = tokens.call(
            engine, channel, adapter, lambda: adapter.check_status(pub.remote_id or "")
        )
    except (PlatformError, ConfigError) as exc:
        values = {"last_error": f"status check: {exc}", "updated_at": pub.updated_at}
        transition(session, pub.id or 0, expect=PubState.processing, **values)
        return "processing"
    if result.state == "processing":
        return "processing"
    return _settle(session, pub, result, now, expect=PubState.processing, via="published")


def _stop_channel(
    session: Session, channel: Channel, pub: Publication, exc: AuthExpired | ConfigError
) -> str:
    """A dead token or a broken channel setting (credential variable unset, token set
    unreadable): stop the channel, alert, keep its queue for when a person has fixed it."""
    expired = isinstance(exc, AuthExpired)
    channel.paused, channel.last_error = True, str(exc)
    channel.pause_reason = TOKEN_EXPIRED if expired else BROKEN_SETTING
    session.add(channel)
    audit.record(
        session,
        actor="publisher",
        action="channel.auth_expired" if expired else "channel.config_error",
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
    return "auth_expired" if expired else "config_error"


def _retry_later(session: Session, pub: Publication, exc: PlatformError, now: dt.datetime) -> str:
    backoff = get_settings().retry_backoff_s
    delay = (
        exc.retry_after_s
        if isinstance(exc, RateLimited) and exc.retry_after_s
        else backoff[min(max(pub.attempts, 1), len(backoff)) - 1]
    )
    until = now + dt.timedelta(seconds=delay)
    transition(
        session,
        pub.id or 0,
        expect=PubState.sending,
        state=PubState.scheduled,
        not_before=until,
        last_error=str(exc),
    )
    if isinstance(exc, RateLimited):  # the whole channel waits, not only this post
        session.execute(
            update(Publication)
            .where(
                col(Publication.channel_id) == pub.channel_id,
                col(Publication.state) == PubState.scheduled,
                (col(Publication.not_before).is_(None)) | (col(Publication.not_before) < until),
            )
            .values(not_before=until)
        )
        session.commit()
    return "rate_limited" if isinstance(exc, RateLimited) else "retry"


def _send_one(session: Session, pub: Publication, now: dt.datetime) -> str:
    channel, item, post = _post_for(session, pub)
    clarification = item.incident_id is not None  # no incident's pause holds it
    if paused(session, channel.id or 0, clarification=clarification):  # asked afresh
        transition(session, pub.id or 0, expect=PubState.claimed, state=PubState.scheduled)
        return "paused"
    if channel.platform == MANUAL:  # never sent, never missed: a person posts it
        return _hand_over(session, pub, channel)
    if now - pub.scheduled_at > dt.timedelta(minutes=get_settings().lateness_limit_minutes):
        _fail(
            session,
            pub,
            PubState.missed,
            f"not sent: {int((now - pub.scheduled_at).total_seconds() // 60)} min late; "
            "a person must reschedule or cancel it"
            + (f" (last error: {pub.last_error})" if pub.last_error else ""),
        )
        return "missed"
    if content_hash(session, item) != pub.approved_hash:
        legacy = content_hash(session, item, bind_alt_text=False) == pub.approved_hash
        _fail(
            session,
            pub,
            PubState.failed,
            "alt text added after approval, or approved before alt text was part of the "
            "approval; it must be approved again"
            if legacy
            else "content changed after approval (hash mismatch); it must be approved again",
        )
        return "failed"
    if not transition(session, pub.id or 0, expect=PubState.claimed, state=PubState.sending):
        return "lost_claim"
    engine = session.get_bind()

    def save(handle: dict[str, object]) -> None:  # the handle is durable before we go on
        transition(session, pub.id or 0, expect=PubState.sending, handle=dumps(handle))

    def attempt() -> PublishResult:  # resume from the newest saved handle, else publish
        session.refresh(pub)
        resumed = adapter.resume(post, json.loads(pub.handle)) if pub.handle else None
        return resumed if resumed is not None else adapter.publish(post, save)

    try:
        adapter = adapter_for(channel, engine=engine)
        result = tokens.call(engine, channel, adapter, attempt)
    except ConfigError as exc:
        return _stop_channel(session, channel, pub, exc)
    except Ambiguous as exc:
        transition(session, pub.id or 0, expect=PubState.sending, last_error=str(exc))
        return _resolve(session, pub, channel, adapter, post, now)
    except Duplicate as exc:
        outcome = _resolve(session, pub, channel, adapter, post, now)
        if outcome == "requeued":  # the platform says duplicate but we cannot find ours
            transition(
                session,
                pub.id or 0,
                expect=PubState.scheduled,
                state=PubState.failed,
                last_error=f"platform calls it a duplicate: {exc}",
            )
            return "failed"
        return outcome
    except AuthExpired as exc:
        return _stop_channel(session, channel, pub, exc)
    except PlatformError as exc:
        # a rate limit is the platform asking us to wait, not a failed attempt: it waits
        # (the lateness limit still turns a post waiting too long into `missed`)
        if exc.retryable and (isinstance(exc, RateLimited) or pub.attempts < MAX_ATTEMPTS):
            return _retry_later(session, pub, exc, now)
        _fail(session, pub, PubState.failed, f"{exc.__class__.__name__}: {exc}")
        return "failed"
    return _settle(session, pub, result, now, expect=PubState.sending, via="published")


def publish_due(engine: Engine, *, now: dt.datetime | None = None) -> Counter[str]:
    """Send every due publication once. Returns counts by outcome."""
    now = now or dt.datetime.now(dt.UTC)
    token = _CLOCK.set(now)
    try:
        return _publish_due(engine, now)
    finally:
        _CLOCK.reset(token)


def _publish_due(engine: Engine, now: dt.datetime) -> Counter[str]:
    worker = worker_name()
    outcomes: Counter[str] = Counter()
    stale = dt.timedelta(seconds=get_settings().stale_claim_s)
    with session_scope(engine) as session:
        # A worker that died after claiming (before sending) leaves a stale claim: release
        # it. One that died while sending leaves an unknown outcome: reconcile it.
        for stuck, since, then in (
            (PubState.claimed, Publication.claimed_at, PubState.scheduled),
            (PubState.sending, Publication.updated_at, PubState.needs_check),
        ):
            moved = (
                session.execute(
                    update(Publication)
                    .where(col(Publication.state) == stuck, col(since) < now - stale)
                    .values(state=then)
                    .returning(col(Publication.id))
                )
                .scalars()
                .all()
            )
            if then == PubState.needs_check:
                for pub_id in moved:
                    _audit_needs_check(
                        session, pub_id, STALE_SEND.format(s=int(stale.total_seconds()))
                    )
    with session_scope(engine) as session:
        for pub in session.exec(
            select(Publication).where(Publication.state == PubState.needs_check)
        ).all():
            outcomes[reconcile(session, pub, now)] += 1
        for pub in session.exec(
            select(Publication).where(Publication.state == PubState.processing)
        ).all():
            outcomes[poll_processing(session, pub, now)] += 1
        # An incident's clarification goes first, and no incident's pause holds it (a
        # crisis pause does); then the oldest due post first.
        clarification = col(ContentItem.incident_id).is_not(None)
        due = session.exec(
            select(Publication.id, Publication.channel_id, Channel.platform)
            .join(Channel, col(Channel.id) == col(Publication.channel_id))
            .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
            .where(
                col(Publication.state) == PubState.scheduled,
                col(Publication.scheduled_at) <= now,
                (col(Publication.not_before).is_(None)) | (col(Publication.not_before) <= now),
                col(Channel.paused).is_(False),
                ~exists().where(
                    col(Pause.ended_at).is_(None),
                    col(Pause.channel_id).is_(None)
                    | (col(Pause.channel_id) == col(Publication.channel_id)),
                    ~(clarification & col(Pause.incident_id).is_not(None)),
                ),
            )
            .order_by(
                case((clarification, 0), else_=1),
                col(Publication.scheduled_at),
                col(Publication.id),
            )
        ).all()
        for pub_id, channel_id, platform in due:
            assert pub_id is not None
            got = pacing.claim(
                session,
                pub_id=pub_id,
                channel_id=channel_id,
                platform=platform,
                now=now,
                worker=worker,
            )
            if got != "claimed":
                outcomes[got] += 1
                continue
            claimed = session.get(Publication, pub_id, populate_existing=True)
            assert claimed is not None
            outcomes[_send_one(session, claimed, now)] += 1
    return outcomes
