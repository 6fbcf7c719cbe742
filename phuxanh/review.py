"""Four-eyes review bound to the exact version.

An approval records the SHA-256 of what was approved: the caption for each target channel
(NFC), the bytes of the media and their alt text, the scheduled time and the set of
channels. Publishing recomputes it at send time and refuses a mismatch. Authors never
approve their own items; sensitive themes and an incident's clarification need two
different approvers; an unsourced fact blocks approval. A clarification is scheduled for the
moment the second approves (it goes out at once, not at its planned time): its
publications' time is that moment, while the approval still binds the item's own time.

While a send of the item may have reached a platform without phuxanh knowing the outcome
(`unsettled`), the item is locked: it cannot be edited, rescheduled, rejected, sent back
for changes or withdrawn until a person settles that publication (`phuxanh publication
resolve ID`, or the Channel health page), because withdrawing it and approving again would
post it a second time.

Every change saves a version of the item (`ItemVersion`: `record_version`, called by
`edit` and by whatever makes an item); comments and the reasons given with "reject" and
"request changes" are the item's review conversation (`ItemComment`, `comment`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from phuxanh import quality
from phuxanh.core import audit
from phuxanh.core.errors import InvalidTransition, Message, PermissionDenied, ValidationFailed
from phuxanh.core.users import oversees
from phuxanh.media import stored
from phuxanh.models import (
    Approval,
    Channel,
    ContentItem,
    Fact,
    Incident,
    ItemComment,
    ItemStatus,
    ItemVersion,
    PackageDelivery,
    Publication,
    PubState,
    Role,
    Theme,
    User,
    utcnow,
)
from phuxanh.platforms.preview import preview

SUBMITTERS = {Role.editor, Role.manager, Role.admin}
APPROVERS = {Role.approver, Role.admin}
COMMENT_MAX = 4000  # characters of one comment or reason, after NFC

# A publication in one of these states may have reached its platform while phuxanh does
# not know the outcome (it is being sent, the platform is processing it, or the answer was
# lost): its post may already be live. So may one that is `scheduled` again with a saved
# handle (an upload session, a publish id: a send that started at the platform, which the
# publisher resumes and never restarts).
IN_DOUBT = (PubState.claimed, PubState.sending, PubState.processing, PubState.needs_check)


class SendInDoubt(InvalidTransition):
    """The item has a publication whose outcome at the platform is unknown or still being
    decided: withdrawing or changing the item now, then approving it again, would post it
    a second time. A person settles that publication first."""


def unsettled(
    session: Session, item_ids: list[int]
) -> dict[int, list[tuple[Publication, Channel]]]:
    """Per item (only those that have any), its publications that may be live without
    phuxanh knowing (`IN_DOUBT`, or scheduled again with a saved handle), oldest first."""
    if not item_ids:
        return {}
    rows = session.exec(
        select(Publication, Channel)
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .where(
            col(Publication.content_item_id).in_(item_ids),
            col(Publication.state).in_(IN_DOUBT)
            | (
                (col(Publication.state) == PubState.scheduled)
                & col(Publication.handle).is_not(None)
            ),
        )
        .order_by(col(Publication.id))
    ).all()
    out: dict[int, list[tuple[Publication, Channel]]] = {}
    for pub, channel in rows:
        out.setdefault(pub.content_item_id, []).append((pub, channel))
    return out


def locked_reason(item_id: int, pub: Publication, channel: Channel) -> Message:
    """Why the item cannot change, naming the publication and what settles it."""
    if pub.state == PubState.needs_check:
        return Message(
            "item.locked_needs_check", {"id": item_id, "pub": pub.id, "channel": channel.code}
        )
    doing = "processing" if pub.state == PubState.processing else "being sent"
    return Message(
        "item.locked_sending",
        {"id": item_id, "pub": pub.id, "channel": channel.code, "doing": doing},
    )


def _refuse_if_unsettled(session: Session, item: ContentItem) -> None:
    doubt = unsettled(session, [item.id or 0]).get(item.id or 0)
    if doubt:
        raise SendInDoubt(locked_reason(item.id or 0, *doubt[0]))


def caption_for(item: ContentItem, channel: Channel) -> str:
    return unicodedata.normalize("NFC", item.captions.get(channel.code, item.caption))


def content_hash(session: Session, item: ContentItem, *, bind_alt_text: bool = True) -> str:
    """The hash an approval binds (docs/architecture.md, "The approved hash").

    Alt text is bound when the item has some (it is what a blind reader is told the image
    says, so a change after approval re-opens review). It is left out of the hash when
    empty, on purpose: approvals recorded before alt text was bound then stay valid for
    every item without alt text, as nothing they bound has changed. An item with alt text
    approved before then no longer matches, so the publisher refuses to send it with alt
    text nobody approved and says why (`bind_alt_text=False` computes that older hash to
    tell the case apart). A version field in the hash would instead have invalidated every
    earlier approval, with or without alt text."""
    channels = session.exec(select(Channel).where(col(Channel.id).in_(item.channel_ids))).all()
    media = b""
    path = stored.resolve(item.media_path)
    if path is not None:
        media = path.read_bytes() if path.is_file() else b"<missing:" + path.name.encode() + b">"
    body = {
        "captions": {c.code: caption_for(item, c) for c in sorted(channels, key=lambda c: c.code)},
        "channels": sorted(c.code for c in channels),
        "link": item.link,
        "media_sha256": hashlib.sha256(media).hexdigest(),
        # In UTC, as the database gives it back: an item scheduled with a +07:00 time and
        # approved in the same session hashes as it will after a reload (hashes already
        # stored were made from reloaded, UTC values, so they stay valid).
        "scheduled_at": item.scheduled_at.astimezone(dt.UTC).isoformat()
        if item.scheduled_at
        else None,
    }
    if bind_alt_text and item.alt_text:
        body["alt_text"] = unicodedata.normalize("NFC", item.alt_text)
    blob = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def check_unit(session: Session, actor: User, item: ContentItem) -> None:
    """The actor's unit is the item's or one above it (an admin acts everywhere)."""
    if not oversees(session, actor=actor, unit_id=item.unit_id):
        raise PermissionDenied(code="item.outside_unit", user=actor.username, id=item.id)


def _refuse_sender_approval(session: Session, actor: User, item: ContentItem) -> None:
    """A draft that came in a content package is approved by the receiving unit's own
    approvers: a unit above it (the sender) does not approve for it (an admin still may)."""
    if actor.role == Role.admin or actor.unit_id == item.unit_id:
        return
    received = session.exec(
        select(PackageDelivery.id).where(PackageDelivery.item_id == item.id)
    ).first()
    if received is not None:
        raise PermissionDenied(code="item.package_own_unit", user=actor.username, id=item.id)


def submit(session: Session, *, item: ContentItem, actor: User) -> ContentItem:
    check_unit(session, actor, item)
    if actor.role not in SUBMITTERS:
        raise PermissionDenied(code="item.may_not_submit", user=actor.username, role=actor.role)
    if item.status not in (ItemStatus.draft, ItemStatus.changes_requested):
        raise InvalidTransition(code="item.not_a_draft", id=item.id, status=item.status)
    if item.hold_reasons:
        raise ValidationFailed(
            [Message("item.held", {"id": item.id, "reason": r}) for r in item.hold_reasons]
        )
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


def caption_problems(session: Session, item: ContentItem) -> list[Message]:
    """Hard platform limits the caption breaks on any target channel (never cut silently)."""
    channels = session.exec(select(Channel).where(col(Channel.id).in_(item.channel_ids))).all()
    return [
        problem
        for c in sorted(channels, key=lambda c: c.code)
        for problem in preview(
            c.platform, caption_for(item, c), link=item.link, has_media=bool(item.media_path)
        ).messages
    ]


def approvals_needed(session: Session, item: ContentItem) -> int:
    """Two different approvers for a sensitive theme or an incident's clarification, else
    one."""
    if item.incident_id is not None:
        return 2
    theme = session.get(Theme, item.theme_id) if item.theme_id else None
    return 2 if theme is not None and theme.sensitive else 1


def approve(
    session: Session, *, item: ContentItem, actor: User, now: dt.datetime | None = None
) -> ContentItem:
    """Record an approval of the current version; schedule the item once enough approve
    (an incident's clarification for `now`, default the present moment)."""
    if actor.role not in APPROVERS:
        raise PermissionDenied(code="item.may_not_approve", user=actor.username, role=actor.role)
    check_unit(session, actor, item)
    _refuse_sender_approval(session, actor, item)
    if actor.id == item.author_id:
        raise PermissionDenied(code="item.own", user=actor.username, id=item.id)
    co_wrote = session.exec(
        select(ItemVersion.version).where(
            ItemVersion.content_item_id == item.id, ItemVersion.editor_id == actor.id
        )
    ).first()
    if co_wrote is not None:  # four eyes: who edited the text is one of its authors
        raise PermissionDenied(
            code="item.own_edit", user=actor.username, id=item.id, version=co_wrote
        )
    if item.status != ItemStatus.in_review:
        raise InvalidTransition(code="item.not_in_review", id=item.id, status=item.status)
    if item.incident_id is not None:  # a correction of a closed incident goes out unowned
        incident = session.get(Incident, item.incident_id)
        if incident is not None and incident.status == "closed":
            raise InvalidTransition(
                code="item.incident_closed", id=item.id, incident=item.incident_id
            )
    missing = unsourced_facts(session, item)
    if missing:
        raise ValidationFailed(
            [Message("item.fact_unsourced", {"id": item.id, "fact": code}) for code in missing]
        )
    if not item.channel_ids or item.scheduled_at is None:
        raise ValidationFailed(code="item.needs_channel_and_time", id=item.id)
    too_long = caption_problems(session, item)
    if too_long:
        raise ValidationFailed(
            [Message("item.caption", {"id": item.id, "problem": p}) for p in too_long]
        )
    digest = content_hash(session, item)
    needed = approvals_needed(session, item)
    earlier = _approvers(session, item, digest)
    if actor.id in earlier and len(earlier) < needed:
        # their approval of exactly this content already counts and the item waits for
        # another approver: a second one from them would change nothing. (Content sent
        # back unchanged, by a request for changes or a re-pointed channel, after enough
        # approvals is approved anew by any of them.)
        raise InvalidTransition(
            code="item.approved_already", user=actor.username, id=item.id, version=item.version
        )
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
    if len(_approvers(session, item, digest)) >= needed:
        item.status = ItemStatus.approved
        at_once = (now or utcnow()) if item.incident_id is not None else None
        schedule(session, item=item, approved_hash=digest, at=at_once)
    session.add(item)
    return item


def _approvers(session: Session, item: ContentItem, digest: str) -> set[int]:
    """Who has approved exactly this content of the item (its hash)."""
    return {
        a.user_id
        for a in session.exec(
            select(Approval).where(
                Approval.content_item_id == item.id,
                Approval.content_hash == digest,
                Approval.decision == "approved",
            )
        )
    }


def schedule(
    session: Session, *, item: ContentItem, approved_hash: str, at: dt.datetime | None = None
) -> list[Publication]:
    """One publication per target channel, carrying the approved hash and a stable key,
    due at the item's time (or `at`: an incident's clarification goes out at once).

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
            scheduled_at=at or item.scheduled_at,
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
    kind: str,
) -> ContentItem:
    if actor.role not in APPROVERS:
        raise PermissionDenied(
            code="item.may_not_decide", user=actor.username, role=actor.role, decision=decision
        )
    check_unit(session, actor, item)
    if item.status not in (ItemStatus.in_review, ItemStatus.approved, ItemStatus.scheduled):
        raise InvalidTransition(
            code="item.nothing_to_decide", id=item.id, status=item.status, decision=decision
        )
    _refuse_if_unsettled(session, item)
    if not text.strip():
        raise ValidationFailed(code="item.reason_needed", field=field, decision=decision)
    text = _comment_text(text, field=field)
    _unschedule(session, item, actor=actor.username)
    digest = content_hash(session, item)
    session.add(
        Approval(
            content_item_id=item.id or 0,
            user_id=actor.id or 0,
            decision=decision,
            content_hash=digest,
            comment=text,
        )
    )
    session.add(
        ItemComment(
            content_item_id=item.id or 0,
            version=item.version,
            user_id=actor.id or 0,
            kind=kind,
            text=text,
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
        detail={field: text, "version": item.version},
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
        kind="reject",
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
        kind="changes",
    )


def _comment_text(text: str, *, field: str) -> str:
    """A comment or reason as it is kept: NFC, trimmed, not blank, at most COMMENT_MAX."""
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise ValidationFailed(code="item.text_empty", field=field)
    bad = next((c for c in text if unicodedata.category(c) == "Cc" and c not in "\n\t"), None)
    if bad is not None:  # an escape sequence would be printed raw by `item history`
        raise ValidationFailed(code="item.control_char", field=field, char=f"U+{ord(bad):04X}")
    if len(text) > COMMENT_MAX:
        raise ValidationFailed(code="item.too_long", field=field, n=len(text), most=COMMENT_MAX)
    return text


def comment(
    session: Session, *, item: ContentItem, actor: User, text: str, field: str = "--text"
) -> ItemComment:
    """Add a comment to the item's review conversation, on its current version. Anyone
    whose unit the item is in (or under) may comment, in any status: a published item's
    thread goes on. `field` names the input in an error (the CLI's flag by default).
    Audited; not committed."""
    check_unit(session, actor, item)
    said = ItemComment(
        content_item_id=item.id or 0,
        version=item.version,
        user_id=actor.id or 0,
        kind="comment",
        text=_comment_text(text, field=field),
    )
    session.add(said)
    session.flush()
    audit.record(
        session,
        actor=actor.username,
        action="item.comment",
        entity="item",
        entity_id=item.id,
        detail={"comment": said.id, "version": item.version, "text": said.text},
    )
    return said


def _unschedule(session: Session, item: ContentItem, *, actor: str) -> None:
    """Withdraw the item's publications that cannot be live: scheduled ones with no send
    under way, and failed, missed or paused ones. Refuse (changing nothing) when one may be
    live (`unsettled`: a person must settle it) or is published (publish a correction).

    Withdrawn rows are deleted: the one-publication-per-item-and-channel rule keeps a new
    approval's publication from living beside them, and their story stays in the audit log
    (each withdrawal is recorded with the state and last error it had). Publication ids are
    never reused (AUTOINCREMENT on SQLite, a sequence on PostgreSQL), so an audit row never
    comes to name another post. Each delete is conditional on the state read here, so a
    publisher that claims the publication at the same moment either wins (and this refuses)
    or finds it gone."""
    _refuse_if_unsettled(session, item)
    pubs = session.exec(
        select(Publication)
        .where(Publication.content_item_id == item.id)
        .order_by(col(Publication.id))
    ).all()
    out = [p for p in pubs if p.state == PubState.published]
    if out:
        raise InvalidTransition(code="item.already_out", id=item.id, status=out[0].state)
    for pub in pubs:
        state, pub_id, last_error = PubState(pub.state), pub.id, pub.last_error
        where = [col(Publication.id) == pub_id, col(Publication.state) == state]
        if state == PubState.scheduled:
            where.append(col(Publication.handle).is_(None))
        gone = session.execute(delete(Publication).where(*where))
        if gone.rowcount != 1:  # type: ignore[attr-defined]
            raise SendInDoubt(code="item.publication_changed", id=item.id, pub=pub_id)
        audit.record(
            session,
            actor=actor,
            action="publication.withdrawn",
            entity="publication",
            entity_id=pub_id,
            detail={"item": item.id, "from": str(state), "last_error": last_error},
        )
    session.flush()


def check_may_edit(session: Session, *, item: ContentItem, actor: User) -> None:
    """Refuse, before any work is done, an edit this actor may not make to this item: the
    role, the unit, a final status, or a send in doubt (`SendInDoubt`)."""
    if actor.role not in SUBMITTERS | APPROVERS:
        raise PermissionDenied(code="item.may_not_edit", user=actor.username, role=actor.role)
    check_unit(session, actor, item)
    if item.status in (ItemStatus.published, ItemStatus.rejected):
        raise InvalidTransition(code="item.final", id=item.id, status=item.status)
    _refuse_if_unsettled(session, item)


# what a version keeps of the item (ItemVersion's own columns of the same names)
VERSIONED = ("caption", "captions", "media_path", "alt_text", "scheduled_at", "channel_ids")


def latest_version(session: Session, item: ContentItem) -> ItemVersion | None:
    """The newest saved version of the item (None for an item saved before versions were
    kept, or made where none is recorded, until its first edit)."""
    return session.exec(
        select(ItemVersion)
        .where(ItemVersion.content_item_id == item.id)
        .order_by(col(ItemVersion.version).desc(), col(ItemVersion.id).desc())
    ).first()


def record_version(
    session: Session,
    item: ContentItem,
    *,
    editor_id: int,
    note: str | None = None,
    card_values: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> ItemVersion:
    """Save the item as it is now as `ItemVersion` number `item.version`, by `editor_id`.
    `card_values`: the template's fields of its card (None: those of the version before,
    as the card did not change; {}: it has no template card). Not committed."""
    if card_values is None:
        before = latest_version(session, item)
        card_values = dict(before.card_values) if before is not None else {}
    note = unicodedata.normalize("NFC", note).strip() if note else None
    row = ItemVersion(
        content_item_id=item.id or 0,
        version=item.version,
        caption=item.caption,
        captions=dict(item.captions),
        media_path=item.media_path,
        alt_text=item.alt_text,
        card_values=dict(card_values),
        scheduled_at=item.scheduled_at,
        channel_ids=list(item.channel_ids),
        editor_id=editor_id,
        note=note or None,
        at=at or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def edit(
    session: Session,
    *,
    item: ContentItem,
    actor: User,
    caption: str | None = None,
    captions: dict[str, str] | None = None,
    media_path: str | None = None,
    scheduled_at: dt.datetime | None = None,
    alt_text: str | None = None,
    note: str | None = None,
    card_values: dict[str, Any] | None = None,
) -> ContentItem:
    """Change what an item says, shows or when; any change after approval re-opens review.

    A change saves a new version (`ItemVersion`, `version` + 1) by `actor` with the
    optional `note`; an edit that changes nothing saves none. `card_values`: see
    `record_version`. No rule about the time itself is checked here (the editorial desk's
    `compose.items.edit_item` checks them and re-draws a countdown card)."""
    check_may_edit(session, item=item, actor=actor)
    before = content_hash(session, item)
    kept = {name: getattr(item, name) for name in VERSIONED}
    was = (item.version, item.updated_at, item.author_id)
    changes = {
        "caption": caption,
        "captions": captions,
        "media_path": media_path,
        "scheduled_at": scheduled_at,
        "alt_text": alt_text,
    }
    for name, value in changes.items():
        if value is not None:
            setattr(item, name, value)
    after = content_hash(session, item)
    if after == before:
        return item
    if latest_version(session, item) is None:  # saved before versions were kept: keep it
        now = {name: getattr(item, name) for name in VERSIONED}
        item.sqlmodel_update(kept)
        record_version(session, item, editor_id=was[2], at=was[1])
        item.sqlmodel_update(now)
    if item.status in (ItemStatus.approved, ItemStatus.scheduled):
        _unschedule(session, item, actor=actor.username)
        item.status = ItemStatus.in_review
    if caption is not None or captions is not None:
        item.hold_reasons = quality.recheck(session, item)
    item.version = was[0] + 1
    item.updated_at = utcnow()
    session.add(item)
    record_version(session, item, editor_id=actor.id or 0, note=note, card_values=card_values)
    audit.record(
        session,
        actor=actor.username,
        action="item.edit",
        entity="item",
        entity_id=item.id,
        before_hash=before,
        after_hash=after,
        detail={
            "changed": sorted(k for k, v in changes.items() if v is not None),
            "version": item.version,
        },
    )
    return item


def reopen(session: Session, *, item: ContentItem, actor: str, reason: str) -> ContentItem:
    """Send an approved item back to review although its content did not change, because
    where it would go did (its channel was re-pointed: another account, server or
    credential). Its unsent publications are withdrawn the way every other way back into
    review withdraws them (`_unschedule` refuses one that is out or on its way) and it
    waits for a person to approve it again. Not committed."""
    digest = content_hash(session, item)
    _unschedule(session, item, actor=actor)
    item.status = ItemStatus.in_review
    item.updated_at = utcnow()
    session.add(item)
    audit.record(
        session,
        actor=actor,
        action="item.reopen",
        entity="item",
        entity_id=item.id,
        before_hash=digest,
        detail={"reason": reason},
    )
    return item
