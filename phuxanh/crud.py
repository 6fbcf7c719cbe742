"""Read queries, keyword-only, returning plain rows. The dashboard and the CLI read here."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from phuxanh.core.errors import ValidationFailed
from phuxanh.media import stored
from phuxanh.models import (
    WAITING_FOR_A_PERSON,
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
                "publication_id": pub.id if pub else None,
                "state": row_state,
                "item_status": str(item.status),
                "channel": channel.code
                if channel
                else ",".join(channel_codes.get(i, "?") for i in item.channel_ids),
                "theme": theme.code if theme else None,
                "text": item.caption,
                "media": stored.shown(item.media_path),
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
                "media": stored.shown(item.media_path),
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


def local_day(column: Any, *, dialect: str, tz: ZoneInfo) -> Any:
    """SQL for the local calendar day of a UTC timestamp column."""
    if dialect == "postgresql":
        return func.date(func.timezone(str(tz), column))
    offset = dt.datetime.now(tz).utcoffset() or dt.timedelta()  # fixed-offset zones (VN)
    return func.date(column, f"{int(offset.total_seconds() // 60):+d} minutes")


def _week(day: Any) -> str:
    d = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
    iso = d.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def coverage(session: Session, *, tz: ZoneInfo, start: dt.date | None = None,
             end: dt.date | None = None) -> list[dict[str, Any]]:
    """Per theme × ISO week: planned slots, approved items, published posts and reach,
    between two local days (default: everything). Counted per day in SQL."""
    lo = dt.datetime.combine(start, dt.time(), tz) if start else None
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz) if end else None
    dialect = session.get_bind().dialect.name
    slot_day = local_day(Slot.scheduled_at, dialect=dialect, tz=tz)
    pub_day = local_day(Publication.published_at, dialect=dialect, tz=tz)
    approved = func.sum(case((col(ContentItem.status).in_(DONE), 1), else_=0))
    cells: dict[tuple[str, str], dict[str, Any]] = {}

    def cell(theme: str, day: Any) -> dict[str, Any]:
        key = (theme, _week(day))
        return cells.setdefault(key, {"theme": key[0], "week": key[1], "planned": 0,
                                      "approved": 0, "published": 0, "reach": None})

    codes = {t.id: t.code for t in session.exec(select(Theme))}  # group by id: one join less
    slots = (select(Slot.theme_id, slot_day, func.count(col(Slot.id)), approved)
             .outerjoin(ContentItem, col(ContentItem.slot_id) == col(Slot.id)))
    pubs = (select(ContentItem.theme_id, pub_day, func.count(col(Publication.id)),
                   func.sum(Publication.latest_reach))
            .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
            .where(Publication.state == PubState.published))
    if lo is not None:
        slots = slots.where(col(Slot.scheduled_at) >= lo)
        pubs = pubs.where(col(Publication.published_at) >= lo)
    if hi is not None:
        slots = slots.where(col(Slot.scheduled_at) < hi)
        pubs = pubs.where(col(Publication.published_at) < hi)
    for theme_id, day, planned, done in session.exec(
        slots.group_by(col(Slot.theme_id), slot_day)
    ):
        c = cell(codes.get(theme_id, "?"), day)
        c["planned"] += int(planned)
        c["approved"] += int(done or 0)
    for tid, day, published, reach in session.exec(
        pubs.group_by(col(ContentItem.theme_id), pub_day)
    ):
        if tid is None:
            continue
        c = cell(codes.get(int(tid), "?"), day)
        c["published"] += int(published)
        if reach is not None:
            c["reach"] = (c["reach"] or 0) + int(reach)
    return sorted(cells.values(), key=lambda c: (c["week"], c["theme"]))


def metrics_overview(session: Session, *, top: int = 20) -> dict[str, Any]:
    """The Metrics page: totals by channel and by theme from each post's newest reading,
    and the top posts by reach (SQL aggregates; the page never loads every post)."""
    def by(key: Any, *joins: tuple[Any, Any]) -> list[dict[str, Any]]:
        query = select(  # type: ignore[call-overload]
            key, func.count(col(Publication.id)), func.count(col(Publication.metrics_at)),
            func.sum(Publication.latest_views), func.sum(Publication.latest_reach),
            func.sum(Publication.latest_engagement))
        for table, on in joins:
            query = query.join(table, on)
        query = query.where(Publication.state == PubState.published).group_by(key)
        return [{"key": k, "posts": int(n), "measured": int(m), "views": v, "reach": r,
                 "engagement": e} for k, n, m, v, r, e in session.exec(query)]

    item_join = (ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
    posts = session.exec(
        select(Publication, Channel, ContentItem)
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .where(Publication.state == PubState.published,
               col(Publication.latest_reach).is_not(None))
        .order_by(col(Publication.latest_reach).desc()).limit(top)
    ).all()
    by_channel = by(Publication.channel_id)  # names and platforms joined in Python: cheaper
    channels = {c.id: c for c in session.exec(select(Channel))}
    codes = {t.id: t.code for t in session.exec(select(Theme))}
    units = {u.id: u.name for u in session.exec(select(Unit))}
    platforms: dict[str, dict[str, Any]] = {}
    by_unit: dict[str, dict[str, Any]] = {}
    for row in by_channel:
        channel = channels[row["key"]]
        row["key"] = channel.display_name
        for groups, key in ((platforms, channel.platform), (by_unit, units[channel.unit_id])):
            total = groups.setdefault(key, {"key": key, "posts": 0, "measured": 0,
                                            "views": None, "reach": None, "engagement": None})
            for k in ("posts", "measured"):
                total[k] += row[k]
            for k in ("views", "reach", "engagement"):
                if row[k] is not None:
                    total[k] = (total[k] or 0) + row[k]
    return {
        "by_channel": by_channel,
        "by_platform": list(platforms.values()),
        "by_unit": list(by_unit.values()),
        "by_language": by(ContentItem.language, item_join),
        "by_theme": [row | {"key": codes.get(row["key"], "?")}
                     for row in by(ContentItem.theme_id, item_join)],
        "top": [{"channel": c.display_name, "platform": c.platform, "url": p.remote_url,
                 "media": stored.shown(i.media_path),
                 "text": i.caption.splitlines()[0] if i.caption else "",
                 "views": p.latest_views, "reach": p.latest_reach,
                 "engagement": p.latest_engagement, "published_at": p.published_at}
                for p, c, i in posts],
    }


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


def channel_health(session: Session, *, now: dt.datetime) -> list[dict[str, Any]]:
    """Per channel: paused or not, its last error, what went out in the last 7 days, what
    waits for a person (failed, needs_check, missed) and when metrics last came back."""
    week = now - dt.timedelta(days=7)
    counts: dict[tuple[int, str], int] = {}
    for channel_id, state, n in session.exec(
        select(Publication.channel_id, Publication.state, func.count(col(Publication.id)))
        .where((col(Publication.updated_at) >= week)
               | col(Publication.state).in_(WAITING_FOR_A_PERSON))
        .group_by(col(Publication.channel_id), col(Publication.state))
    ):
        counts[(channel_id, str(state))] = int(n)
    last = {cid: (pub, met) for cid, pub, met in session.exec(
        select(Publication.channel_id, func.max(Publication.published_at),
               func.max(Publication.metrics_at)).group_by(col(Publication.channel_id)))}
    units = {u.id: u.name for u in session.exec(select(Unit))}
    out = []
    for c in session.exec(select(Channel).order_by(col(Channel.code))):
        published_at, metrics_at = last.get(c.id or 0, (None, None))
        waiting = sum(counts.get((c.id or 0, str(s)), 0) for s in WAITING_FOR_A_PERSON)
        out.append({
            "code": c.code, "name": c.display_name, "platform": c.platform,
            "unit": units.get(c.unit_id, ""), "paused": c.paused, "pause_reason": c.pause_reason,
            "last_error": c.last_error, "published_7d": counts.get((c.id or 0, "published"), 0),
            "waiting": waiting, "last_published": published_at, "last_metrics": metrics_at,
            "ok": not c.paused and not c.last_error and waiting == 0,
        })
    return out


def waiting_for_a_person(session: Session, *, limit: int = 200) -> list[dict[str, Any]]:
    """Publications in needs_check, missed or failed, oldest slot first, with their reason."""
    rows = session.exec(
        select(Publication, Channel, ContentItem)
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .where(col(Publication.state).in_(WAITING_FOR_A_PERSON))
        .order_by(col(Publication.scheduled_at), col(Publication.id)).limit(limit))
    return [{"id": pub.id, "state": str(pub.state), "channel": channel.display_name,
             "platform": channel.platform, "scheduled_at": pub.scheduled_at,
             "text": item.caption, "reason": pub.last_error or ""}
            for pub, channel, item in rows]
