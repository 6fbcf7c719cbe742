"""Four-eyes review bound to the exact version.

An approval records the SHA-256 of what was approved: the caption for each target channel
(NFC), the bytes of the media, the scheduled time and the set of channels. Publishing
recomputes it at send time and refuses a mismatch. Authors never approve their own items;
sensitive themes need two different approvers; an unsourced fact blocks approval.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from pathlib import Path

from sqlmodel import Session, col, select

from phuxanh import audit, quality
from phuxanh.errors import InvalidTransition, PermissionDenied, ValidationFailed
from phuxanh.models import (
    Approval,
    Channel,
    ContentItem,
    Fact,
    ItemStatus,
    Publication,
    PubState,
    Role,
    Theme,
    User,
    utcnow,
)
from phuxanh.platforms.preview import preview
from phuxanh.users import oversees

SUBMITTERS = {Role.editor, Role.manager, Role.admin}
APPROVERS = {Role.approver, Role.admin}


def caption_for(item: ContentItem, channel: Channel) -> str:
    return unicodedata.normalize("NFC", item.captions.get(channel.code, item.caption))


def content_hash(session: Session, item: ContentItem) -> str:
    """The hash an approval binds (design.md, 'The hash an approval binds')."""
    channels = session.exec(select(Channel).where(col(Channel.id).in_(item.channel_ids))).all()
    media = b""
    if item.media_path:
        path = Path(item.media_path)
        media = path.read_bytes() if path.is_file() else b"<missing:" + path.name.encode() + b">"
    body = {
        "captions": {c.code: caption_for(item, c) for c in sorted(channels, key=lambda c: c.code)},
        "channels": sorted(c.code for c in channels),
        "link": item.link,
        "media_sha256": hashlib.sha256(media).hexdigest(),
        "scheduled_at": item.scheduled_at.isoformat() if item.scheduled_at else None,
    }
    blob = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _check_unit(session: Session, actor: User, item: ContentItem) -> None:
    if not oversees(session, actor=actor, unit_id=item.unit_id):
        raise PermissionDenied(f"{actor.username} is not in the unit of item {item.id}")


def submit(session: Session, *, item: ContentItem, actor: User) -> ContentItem:
    _check_unit(session, actor, item)
    if actor.role not in SUBMITTERS:
        raise PermissionDenied(f"{actor.username} ({actor.role}) may not submit items for review")
    if item.status not in (ItemStatus.draft, ItemStatus.changes_requested):
        raise InvalidTransition(f"item {item.id} is {item.status}, not a draft")
    if item.hold_reasons:
        raise ValidationFailed([f"item {item.id}: held: {r}" for r in item.hold_reasons])
    item.status = ItemStatus.in_review
    item.updated_at = utcnow()
    session.add(item)
    audit.record(
        session,
        actor=actor.username,
        action="item.submit",
        entity="item",
        entity_id=item.id,
        after_hash=content_hash(session, item),
    )
    return item


def unsourced_facts(session: Session, item: ContentItem) -> list[str]:
    facts = session.exec(select(Fact).where(col(Fact.id).in_(item.fact_ids))).all()
    missing = [f.code for f in facts if not f.is_sourced]
    found = {f.id for f in facts}
    missing += [f"#{fid} (deleted)" for fid in item.fact_ids if fid not in found]
    return missing


def caption_problems(session: Session, item: ContentItem) -> list[str]:
    """Hard platform limits the caption breaks on any target channel (never cut silently)."""
    channels = session.exec(select(Channel).where(col(Channel.id).in_(item.channel_ids))).all()
    return [
        problem
        for c in sorted(channels, key=lambda c: c.code)
        for problem in preview(c.platform, caption_for(item, c), link=item.link,
                               has_media=bool(item.media_path)).problems
    ]


def approve(session: Session, *, item: ContentItem, actor: User) -> ContentItem:
    """Record an approval of the current version; schedule the item once enough approve."""
    if actor.role not in APPROVERS:
        raise PermissionDenied(f"{actor.username} ({actor.role}) may not approve")
    _check_unit(session, actor, item)
    if actor.id == item.author_id:
        raise PermissionDenied(f"{actor.username} wrote item {item.id} and may not approve it")
    if item.status != ItemStatus.in_review:
        raise InvalidTransition(f"item {item.id} is {item.status}, not in review")
    missing = unsourced_facts(session, item)
    if missing:
        raise ValidationFailed(
            [f"item {item.id}: fact without a source: {code}" for code in missing]
        )
    if not item.channel_ids or item.scheduled_at is None:
        raise ValidationFailed([f"item {item.id}: needs at least one channel and a time"])
    too_long = caption_problems(session, item)
    if too_long:
        raise ValidationFailed([f"item {item.id}: {p}" for p in too_long])
    digest = content_hash(session, item)
    session.add(Approval(content_item_id=item.id or 0, user_id=actor.id or 0, content_hash=digest))
    session.flush()
    audit.record(
        session,
        actor=actor.username,
        action="item.approve",
        entity="item",
        entity_id=item.id,
        after_hash=digest,
    )
    approvers = {
        a.user_id
        for a in session.exec(
            select(Approval).where(
                Approval.content_item_id == item.id,
                Approval.content_hash == digest,
                Approval.decision == "approved",
            )
        )
    }
    theme = session.get(Theme, item.theme_id) if item.theme_id else None
    needed = 2 if theme is not None and theme.sensitive else 1
    if len(approvers) >= needed:
        item.status = ItemStatus.approved
        schedule(session, item=item, approved_hash=digest)
    session.add(item)
    return item


def schedule(session: Session, *, item: ContentItem, approved_hash: str) -> list[Publication]:
    """One publication per target channel, carrying the approved hash and a stable key.

    Every way back into review (`edit`, `reject`, `request_changes`) withdraws the unsent
    publications first, so there are none to update here: only new ones to create.
    """
    assert item.id is not None and item.scheduled_at is not None
    pubs = []
    for channel_id in item.channel_ids:
        key = hashlib.sha256(f"{item.id}:{channel_id}:{approved_hash}".encode()).hexdigest()[:40]
        pub = Publication(
            content_item_id=item.id,
            channel_id=channel_id,
            scheduled_at=item.scheduled_at,
            idempotency_key=key,
            approved_hash=approved_hash,
        )
        session.add(pub)
        pubs.append(pub)
    item.status = ItemStatus.scheduled
    session.add(item)
    session.flush()
    return pubs


def _decide(
    session: Session,
    *,
    item: ContentItem,
    actor: User,
    decision: str,
    text: str,
    status: ItemStatus,
    field: str,
) -> ContentItem:
    if actor.role not in APPROVERS:
        raise PermissionDenied(f"{actor.username} ({actor.role}) may not {decision} items")
    _check_unit(session, actor, item)
    if item.status not in (ItemStatus.in_review, ItemStatus.approved, ItemStatus.scheduled):
        raise InvalidTransition(f"item {item.id} is {item.status}; there is nothing to {decision}")
    if not text.strip():
        raise ValidationFailed([f"{field}: a {decision} needs a reason the author can act on"])
    _unschedule(session, item)
    digest = content_hash(session, item)
    session.add(
        Approval(
            content_item_id=item.id or 0,
            user_id=actor.id or 0,
            decision=decision,
            content_hash=digest,
            comment=text.strip(),
        )
    )
    item.status = status
    item.updated_at = utcnow()
    session.add(item)
    audit.record(
        session,
        actor=actor.username,
        action=f"item.{decision}",
        entity="item",
        entity_id=item.id,
        before_hash=digest,
        detail={field: text.strip()},
    )
    return item


def reject(session: Session, *, item: ContentItem, actor: User, reason: str) -> ContentItem:
    return _decide(
        session,
        item=item,
        actor=actor,
        decision="reject",
        text=reason,
        status=ItemStatus.rejected,
        field="reason",
    )


def request_changes(
    session: Session, *, item: ContentItem, actor: User, comment: str
) -> ContentItem:
    return _decide(
        session,
        item=item,
        actor=actor,
        decision="request_changes",
        text=comment,
        status=ItemStatus.changes_requested,
        field="comment",
    )


def _unschedule(session: Session, item: ContentItem) -> None:
    """Withdraw publications that have not started; refuse if one is out or on its way."""
    pubs = session.exec(select(Publication).where(Publication.content_item_id == item.id)).all()
    busy = [
        p
        for p in pubs
        if p.state in (PubState.claimed, PubState.sending, PubState.processing, PubState.published)
    ]
    if busy:
        raise InvalidTransition(
            f"item {item.id} is already {busy[0].state} on a channel; "
            "publish a correction instead of editing it"
        )
    for pub in pubs:
        session.delete(pub)
    session.flush()


def edit(
    session: Session,
    *,
    item: ContentItem,
    actor: User,
    caption: str | None = None,
    captions: dict[str, str] | None = None,
    media_path: str | None = None,
    scheduled_at: dt.datetime | None = None,
) -> ContentItem:
    """Change what an item says, shows or when; any change after approval re-opens review."""
    if actor.role not in SUBMITTERS | APPROVERS:
        raise PermissionDenied(f"{actor.username} ({actor.role}) may not edit items")
    _check_unit(session, actor, item)
    if item.status in (ItemStatus.published, ItemStatus.rejected):
        raise InvalidTransition(f"item {item.id} is {item.status} and can no longer change")
    before = content_hash(session, item)
    changes = {
        "caption": caption,
        "captions": captions,
        "media_path": media_path,
        "scheduled_at": scheduled_at,
    }
    for name, value in changes.items():
        if value is not None:
            setattr(item, name, value)
    after = content_hash(session, item)
    if after == before:
        return item
    if item.status in (ItemStatus.approved, ItemStatus.scheduled):
        _unschedule(session, item)
        item.status = ItemStatus.in_review
    if caption is not None or captions is not None:
        item.hold_reasons = quality.recheck(session, item)
    item.version += 1
    item.updated_at = utcnow()
    session.add(item)
    audit.record(
        session,
        actor=actor.username,
        action="item.edit",
        entity="item",
        entity_id=item.id,
        before_hash=before,
        after_hash=after,
        detail={"changed": sorted(k for k, v in changes.items() if v is not None)},
    )
    return item
