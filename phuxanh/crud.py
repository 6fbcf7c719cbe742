"""Read queries, keyword-only, returning plain rows. The dashboard and the CLI read here."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from phuxanh.errors import ValidationFailed
from phuxanh.models import (
    Approval,
    Campaign,
    Channel,
    ContentItem,
    Fact,
    ItemStatus,
    MetricSnapshot,
    Publication,
    PubState,
    Slot,
    Theme,
    Unit,
    User,
)

DONE = (ItemStatus.approved, ItemStatus.scheduled, ItemStatus.published)


def summary(session: Session) -> dict[str, int]:
    """The demo's headline figures."""

    def count(query: Any) -> int:
        return int(session.exec(query).one())

    return {
        "planned": count(select(func.count()).select_from(Slot)),
        "rendered": count(
            select(func.count())
            .select_from(ContentItem)
            .where(col(ContentItem.media_path).is_not(None))
        ),
        "approved": count(
            select(func.count()).select_from(ContentItem).where(col(ContentItem.status).in_(DONE))
        ),
        "published": count(
            select(func.count())
            .select_from(Publication)
            .where(Publication.state == PubState.published)
        ),
        "metrics": count(select(func.count()).select_from(MetricSnapshot)),
    }


def list_items(
    session: Session, *, state: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """Items with their publication (one row per item × channel; items not yet scheduled too).

    `state` matches the publication state, or the item status for unscheduled items.
    """
    query = (
        select(ContentItem, Publication, Channel, Theme)
        .outerjoin(Publication, col(Publication.content_item_id) == col(ContentItem.id))
        .outerjoin(Channel, col(Channel.id) == col(Publication.channel_id))
        .outerjoin(Theme, col(Theme.id) == col(ContentItem.theme_id))
    )
    if state:
        known = {*PubState, *ItemStatus}
        if state not in known:
            raise ValidationFailed([f"--state: {state!r} is not one of {', '.join(sorted(known))}"])
        query = query.where(
            (col(Publication.state) == state)
            | (col(Publication.id).is_(None) & (col(ContentItem.status) == state))
        )
    query = query.order_by(col(ContentItem.scheduled_at), col(ContentItem.id)).limit(limit)
    rows = []
    channel_codes = {c.id: c.code for c in session.exec(select(Channel))}
    for item, pub, channel, theme in session.exec(query):
        row_state = str(pub.state) if pub is not None else str(item.status)
        when = pub.scheduled_at if pub is not None else item.scheduled_at
        rows.append(
            {
                "id": item.id,
                "state": row_state,
                "item_status": str(item.status),
                "channel": channel.code
                if channel
                else ",".join(channel_codes.get(i, "?") for i in item.channel_ids),
                "theme": theme.code if theme else None,
                "text": item.caption,
                "media": item.media_path,
                "scheduled_at": when.isoformat() if when else None,
                "remote_id": pub.remote_id if pub else None,
                "remote_url": pub.remote_url if pub else None,
                "last_error": pub.last_error if pub else None,
            }
        )
    return rows


def queue(
    session: Session,
    *,
    status: str | None = None,
    unit_code: str | None = None,
    theme_code: str | None = None,
    channel_code: str | None = None,
    language: str | None = None,
    day_from: dt.date | None = None,
    day_to: dt.date | None = None,
    item_id: int | None = None,
    tz: ZoneInfo | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Items for the review queue: each with its caption as every target platform shows it,
    the facts it cites and their sources, the plan slot it fills and its approvals so far."""
    query = (
        select(ContentItem, Theme, Unit, Slot)
        .join(Theme, col(Theme.id) == col(ContentItem.theme_id))
        .join(Unit, col(Unit.id) == col(ContentItem.unit_id))
        .outerjoin(Slot, col(Slot.id) == col(ContentItem.slot_id))
    )
    if item_id is not None:
        query = query.where(ContentItem.id == item_id)
    if status:
        query = query.where(ContentItem.status == status)
    if unit_code:
        query = query.where(Unit.code == unit_code)
    if theme_code:
        query = query.where(Theme.code == theme_code)
    if language:
        query = query.where(ContentItem.language == language)
    zone = tz or ZoneInfo("Asia/Ho_Chi_Minh")
    if day_from:
        lo = dt.datetime.combine(day_from, dt.time(), zone)
        query = query.where(col(ContentItem.scheduled_at) >= lo)
    if day_to:
        hi = dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time(), zone)
        query = query.where(col(ContentItem.scheduled_at) < hi)
    channels = {c.id: c for c in session.exec(select(Channel))}
    users = {u.id: u.username for u in session.exec(select(User))}
    out = []
    rows = session.exec(query.order_by(col(ContentItem.scheduled_at), col(ContentItem.id)))
    for item, theme, unit, slot in rows:
        targets = [channels[i] for i in item.channel_ids if i in channels]
        if channel_code and channel_code not in {c.code for c in targets}:
            continue
        facts = session.exec(select(Fact).where(col(Fact.id).in_(item.fact_ids))).all()
        approvals = session.exec(
            select(Approval).where(Approval.content_item_id == item.id)
        ).all()
        out.append(
            {
                "id": item.id,
                "status": str(item.status),
                "theme": theme.code,
                "theme_vi": theme.title_vi,
                "theme_en": theme.title_en,
                "sensitive": theme.sensitive,
                "unit": unit.name,
                "language": item.language,
                "caption": item.caption,
                "link": item.link,
                "media": item.media_path,
                "alt_text": item.alt_text,
                "content_ref": item.content_ref,
                "hold_reasons": item.hold_reasons,
                "machine_drafted": item.machine_drafted,
                "scheduled_at": item.scheduled_at,
                "version": item.version,
                "author": users.get(item.author_id),
                "channels": [
                    {
                        "code": c.code,
                        "platform": c.platform,
                        "name": c.display_name,
                        "caption": item.captions.get(c.code, item.caption),
                    }
                    for c in targets
                ],
                "slot": {"when": slot.scheduled_at, "why": slot.why} if slot else None,
                "approvals": [
                    {"by": users.get(a.user_id), "decision": a.decision, "at": a.at,
                     "comment": a.comment}
                    for a in approvals
                ],
                "facts": [
                    {
                        "code": f.code,
                        "text": f.text_vi,
                        "source": f.source_title,
                        "ref": f.source_number or f.source_url,
                    }
                    for f in facts
                ],
            }
        )
        if len(out) >= limit:
            break
    return out


def calendar(
    session: Session, *, start: dt.date, end: dt.date, tz: ZoneInfo
) -> list[dict[str, Any]]:
    lo = dt.datetime.combine(start, dt.time(), tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz)
    query = (
        select(Slot, Channel, Theme, ContentItem)
        .join(Channel, col(Channel.id) == col(Slot.channel_id))
        .join(Theme, col(Theme.id) == col(Slot.theme_id))
        .outerjoin(ContentItem, col(ContentItem.slot_id) == col(Slot.id))
        .where(col(Slot.scheduled_at) >= lo, col(Slot.scheduled_at) < hi)
        .order_by(col(Slot.scheduled_at), col(Channel.code))
    )
    return [
        {
            "when": slot.scheduled_at.astimezone(tz),
            "channel": channel.display_name,
            "channel_code": channel.code,
            "platform": channel.platform,
            "theme": theme.code,
            "theme_vi": theme.title_vi,
            "theme_en": theme.title_en,
            "status": str(item.status) if item else "planned",
            "why": slot.why,
            "item_id": item.id if item else None,
        }
        for slot, channel, theme, item in session.exec(query)
    ]


def coverage(session: Session, *, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Per theme × ISO week: planned slots, approved items, published posts."""
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    query = (
        select(Slot, Theme, ContentItem)
        .join(Theme, col(Theme.id) == col(Slot.theme_id))
        .outerjoin(ContentItem, col(ContentItem.slot_id) == col(Slot.id))
    )
    for slot, theme, item in session.exec(query):
        iso = slot.scheduled_at.astimezone(tz).isocalendar()
        key = (theme.code, f"{iso.year}-W{iso.week:02d}")
        cell = cells.setdefault(
            key, {"theme": key[0], "week": key[1], "planned": 0, "approved": 0, "published": 0}
        )
        cell["planned"] += 1
        if item is not None and item.status in DONE:
            cell["approved"] += 1
        if item is not None and item.status == ItemStatus.published:
            cell["published"] += 1
    return sorted(cells.values(), key=lambda c: (c["week"], c["theme"]))


def latest_metrics(session: Session) -> list[dict[str, Any]]:
    """The newest snapshot of each published post, with its channel and theme."""
    newest = (
        select(MetricSnapshot.publication_id, func.max(MetricSnapshot.id).label("sid"))
        .group_by(col(MetricSnapshot.publication_id))
        .subquery()
    )
    query = (
        select(MetricSnapshot, Publication, Channel, Theme)
        .join(newest, newest.c.sid == col(MetricSnapshot.id))
        .join(Publication, col(Publication.id) == col(MetricSnapshot.publication_id))
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .outerjoin(Theme, col(Theme.id) == col(ContentItem.theme_id))
    )
    return [
        {
            "publication_id": pub.id,
            "channel": channel.display_name,
            "platform": channel.platform,
            "theme": theme.code if theme else None,
            "remote_url": pub.remote_url,
            "collected_at": snap.collected_at,
            "views": snap.views,
            "reach": snap.reach,
            "reactions": snap.reactions,
            "comments": snap.comments,
            "shares": snap.shares,
            "clicks": snap.clicks,
        }
        for snap, pub, channel, theme in session.exec(query)
    ]


def waves_between(session: Session, *, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """Campaign waves (build-up to after) that overlap the range, earliest first."""
    out = []
    for campaign in session.exec(select(Campaign)):
        for w in campaign.config.get("waves", []):
            peak = dt.date.fromisoformat(str(w["date"]))
            lo = peak - dt.timedelta(days=int(w.get("build_up_days", 0)))
            hi = peak + dt.timedelta(days=int(w.get("after_days", 0)))
            if lo <= end and hi >= start:
                out.append(
                    {
                        "campaign": campaign.code,
                        "name": w["name"],
                        "theme": w["theme"],
                        "date": peak,
                        "from": lo,
                        "to": hi,
                        "peak_days": int(w.get("peak_days", 0)),
                    }
                )
    return sorted(out, key=lambda w: (w["date"], w["name"]))
