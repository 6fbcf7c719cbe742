"""What a periodic report says: the period, results by theme and channel against the plan,
gaps, the "6 rõ" table, an assessment and next steps; computed with SQL aggregates so a
year over a large office stays fast. The writers (`layout`, `files`) only lay it out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from phuxanh.core import audit
from phuxanh.core.errors import ValidationFailed
from phuxanh.media import stored
from phuxanh.models import (
    Campaign,
    Channel,
    ContentItem,
    ItemStatus,
    KeyDate,
    Publication,
    PubState,
    Slot,
    Theme,
    Unit,
    User,
)
from phuxanh.planning.campaign import CampaignSpec, ReportSpec
from phuxanh.reports.model import Period, Report, Row, period_of
from phuxanh.reports.wording import assess  # the wording lives apart from the numbers

DONE = (ItemStatus.approved, ItemStatus.scheduled, ItemStatus.published)


def _bounds(period: Period, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(period.start, dt.time(), tz),
        dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tz),
    )


def _local(when: dt.datetime, tz: ZoneInfo) -> dt.date:
    if when.tzinfo is None:  # SQLite aggregates come back naive (UTC)
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(tz).date()


def _sum(value: Any) -> int | None:
    return None if value is None else int(value)


def figures(
    session: Session, *, period: Period, tz: ZoneInfo, channel_ids: list[int] | None
) -> dict[str, dict[tuple[str, str], Any]]:
    """Planned, approved, published and reach per (theme code, channel code)."""
    lo, hi = _bounds(period, tz)

    def scoped(query: Any, channel_col: Any) -> Any:
        return query if channel_ids is None else query.where(col(channel_col).in_(channel_ids))

    planned = scoped(
        select(Theme.code, Channel.code, func.count(col(Slot.id)))
        .join(Theme, col(Theme.id) == col(Slot.theme_id))
        .join(Channel, col(Channel.id) == col(Slot.channel_id))
        .where(col(Slot.scheduled_at) >= lo, col(Slot.scheduled_at) < hi)
        .group_by(col(Theme.code), col(Channel.code)),
        Slot.channel_id,
    )
    approved = scoped(
        select(Theme.code, Channel.code, func.count(col(ContentItem.id)))
        .join(Slot, col(Slot.id) == col(ContentItem.slot_id))
        .join(Theme, col(Theme.id) == col(Slot.theme_id))
        .join(Channel, col(Channel.id) == col(Slot.channel_id))
        .where(
            col(Slot.scheduled_at) >= lo,
            col(Slot.scheduled_at) < hi,
            col(ContentItem.status).in_(DONE),
        )
        .group_by(col(Theme.code), col(Channel.code)),
        Slot.channel_id,
    )
    published = scoped(
        select(  # type: ignore[call-overload]
            Theme.code,
            Channel.code,
            func.count(col(Publication.id)),
            func.sum(Publication.latest_reach),
            func.sum(Publication.latest_views),
            func.sum(Publication.latest_engagement),
        )
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .join(Theme, col(Theme.id) == col(ContentItem.theme_id))
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .where(
            Publication.state == PubState.published,
            col(Publication.published_at) >= lo,
            col(Publication.published_at) < hi,
        )
        .group_by(col(Theme.code), col(Channel.code)),
        Publication.channel_id,
    )
    out: dict[str, dict[tuple[str, str], Any]] = {"planned": {}, "approved": {}, "published": {}}
    for theme, channel, n in session.exec(planned):
        out["planned"][(theme, channel)] = int(n)
    for theme, channel, n in session.exec(approved):
        out["approved"][(theme, channel)] = int(n)
    for theme, channel, n, reach, views, engaged in session.exec(published):
        out["published"][(theme, channel)] = (int(n), _sum(reach), _sum(views), _sum(engaged))
    return out


def _rows(
    fig: dict[str, dict[tuple[str, str], Any]], names: dict[str, str], index: int
) -> list[Row]:
    rows: dict[str, Row] = {}
    for kind in ("planned", "approved"):
        for key, n in fig[kind].items():
            row = rows.setdefault(key[index], Row(key[index], names.get(key[index], key[index])))
            setattr(row, kind, getattr(row, kind) + n)
    for key, (n, reach, views, engaged) in fig["published"].items():
        row = rows.setdefault(key[index], Row(key[index], names.get(key[index], key[index])))
        row.published += n
        for attr, value in (("reach", reach), ("views", views), ("engagement", engaged)):
            if value is not None:
                setattr(row, attr, (getattr(row, attr) or 0) + value)
    return sorted(rows.values(), key=lambda r: (-(r.reach or 0), r.code))


def _total(rows: list[Row]) -> Row:
    total = Row("total", "Tổng cộng")
    for r in rows:
        total.planned += r.planned
        total.approved += r.approved
        total.published += r.published
        for attr in ("reach", "views", "engagement"):
            if getattr(r, attr) is not None:
                setattr(total, attr, (getattr(total, attr) or 0) + getattr(r, attr))
    return total


def build(
    session: Session,
    *,
    period: Period,
    tz: ZoneInfo,
    unit_code: str | None = None,
    today: dt.date | None = None,
) -> Report:
    unit = session.exec(select(Unit).where(Unit.code == unit_code)).first() if unit_code else None
    if unit_code and unit is None:
        raise ValidationFailed(code="report.no_unit", field="--unit", unit=unit_code)
    channels = list(session.exec(select(Channel)))
    if unit is not None:
        channels = [c for c in channels if c.unit_id == unit.id]
    campaigns = list(session.exec(select(Campaign).order_by(col(Campaign.id))))
    if unit is not None:
        campaigns = [c for c in campaigns if c.unit_id == unit.id] or campaigns
    spec = CampaignSpec.model_validate(campaigns[0].config) if campaigns else None
    fig = figures(
        session,
        period=period,
        tz=tz,
        channel_ids=[c.id or 0 for c in channels] if unit is not None else None,
    )
    themes = {t.code: t.title_vi for t in session.exec(select(Theme))}
    names = {c.code: f"{c.display_name} ({c.platform})" for c in channels}
    theme_rows, channel_rows = _rows(fig, themes, 0), _rows(fig, names, 1)
    lead = session.get(Unit, campaigns[0].unit_id) if campaigns else None
    people = [
        u
        for u in session.exec(select(User).where(User.active))
        if unit is None or u.unit_id == unit.id
    ]
    owner = unit or lead
    report = Report(
        period=period,
        unit=owner.name if owner is not None else "",
        spec=spec.report if spec else ReportSpec(),
        themes=theme_rows,
        channels=channel_rows,
        totals=_total(theme_rows),
        waves=[],
        six=[],
        gaps=[],
        strengths=[],
        next_steps=[],
        top_posts=top_posts(
            session, period=period, tz=tz, channel_ids=[c.id or 0 for c in channels]
        ),
        generated_on=today or dt.datetime.now(tz).date(),
    )
    lo, hi = _bounds(period, tz)
    first, last = session.exec(
        select(func.min(Slot.scheduled_at), func.max(Slot.scheduled_at)).where(
            col(Slot.scheduled_at) >= lo, col(Slot.scheduled_at) < hi
        )
    ).one()
    span_start, span_end = period.start, period.end
    if first is not None and last is not None:
        report.plan_days = (_local(last, tz) - _local(first, tz)).days + 1
        span_start, span_end = _local(first, tz), _local(last, tz)
    # a theme whose validity window misses every planned day owes no posts in the period
    # (the election theme after its wave): its quota is no shortfall
    closed = {
        t.code
        for t in session.exec(select(Theme))
        if (t.valid_until is not None and t.valid_until < span_start)
        or (t.valid_from is not None and t.valid_from > span_end)
    }
    key_dates = list(session.exec(select(KeyDate).order_by(col(KeyDate.on_date))))
    assess(report, spec=spec, people=people, key_dates=key_dates, themes=themes, closed=closed)
    report.audit_head = str(audit.head(session).anchor)
    return report


def top_posts(
    session: Session, *, period: Period, tz: ZoneInfo, channel_ids: list[int], limit: int = 5
) -> list[dict[str, Any]]:
    lo, hi = _bounds(period, tz)
    rows = session.exec(
        select(Publication, ContentItem, Channel)
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .where(
            Publication.state == PubState.published,
            col(Publication.published_at) >= lo,
            col(Publication.published_at) < hi,
            col(Publication.channel_id).in_(channel_ids),
            col(Publication.latest_reach).is_not(None),
        )
        .order_by(col(Publication.latest_reach).desc())
        .limit(limit)
    ).all()
    return [
        {
            "channel": c.display_name,
            "platform": c.platform,
            "url": p.remote_url,
            "reach": p.latest_reach,
            "views": p.latest_views,
            "media": stored.shown(i.media_path),
            "text": i.caption.splitlines()[0] if i.caption else "",
            "published": p.published_at.astimezone(tz) if p.published_at else None,
        }
        for p, i, c in rows
    ]


@dataclass(frozen=True, slots=True)
class DueReport:
    """The next due date of a report a campaign file asks for."""

    campaign: str
    kind: str
    due: dt.date
    days_left: int
    period: str  # its code, e.g. 2026-Q1
    label: str  # in Vietnamese, e.g. Quý I năm 2026
    source: str


def due_dates(session: Session, *, today: dt.date) -> list[DueReport]:
    """The next due date of each report the campaign files ask for, soonest first."""
    out = []
    for campaign in session.exec(select(Campaign).order_by(col(Campaign.code))):
        spec = CampaignSpec.model_validate(campaign.config)
        for due in spec.report.due:
            day, month = (int(x) for x in due.due.split("/"))
            when = dt.date(today.year, month, day)
            if when < today:
                when = dt.date(today.year + 1, month, day)
            period = period_of(due.period, when)
            out.append(
                DueReport(
                    campaign=campaign.code,
                    kind=due.period,
                    due=when,
                    days_left=(when - today).days,
                    period=period.code,
                    label=period.label_vi,
                    source=due.source,
                )
            )
    return sorted(out, key=lambda r: (r.due, r.campaign))
