"""What a periodic report says: the period, results by theme and channel against the plan,
gaps, the "6 rõ" table, an assessment and next steps; computed with SQL aggregates so a
year over a large office stays fast. The writers (`layout`, `files`) only lay it out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, case, cast, func, or_, union
from sqlmodel import Session, col, select

from phuxanh.catalog import audiences as audience_list
from phuxanh.catalog.languages import supported as supported_languages
from phuxanh.core import audit
from phuxanh.core.errors import ValidationFailed
from phuxanh.media import stored
from phuxanh.models import (
    Approval,
    Campaign,
    Channel,
    ContentItem,
    Incident,
    ItemStatus,
    ItemVersion,
    KeyDate,
    Publication,
    PubState,
    Slot,
    Theme,
    Unit,
    User,
    utcnow,
)
from phuxanh.network.units import below, report_spec
from phuxanh.planning.campaign import CampaignSpec, ReportSpec
from phuxanh.platforms.manual import MANUAL
from phuxanh.reports.model import IncidentLine, Period, Report, Row, period_of
from phuxanh.reports.wording import assess  # the wording lives apart from the numbers

DONE = (ItemStatus.approved, ItemStatus.scheduled, ItemStatus.published)
# the kinds of channel a report counts publications by (any other platform is social)
WEBSITES = ("wordpress", "website")
VIDEO = (".mp4", ".mov", ".webm")  # as the publisher tells a clip from a card


def product_kind() -> Any:
    """An item's product kind in SQL: the kind a person gave it (article, press, radio,
    event), else told by its media: a video is a clip, an image a card, none an article."""
    media = func.lower(func.coalesce(col(ContentItem.media_path), ""))
    return case(
        (col(ContentItem.kind).is_not(None), col(ContentItem.kind)),
        (or_(*(media.like(f"%{suffix}") for suffix in VIDEO)), "clip"),
        (media != "", "card"),
        else_="article",
    )


def channel_kind() -> Any:
    """A channel's kind in SQL: website, manual (posted by a person), else social."""
    return case(
        (col(Channel.platform).in_(WEBSITES), "website"),
        (col(Channel.platform) == MANUAL, "manual"),
        else_="social",
    )


def _bounds(period: Period, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(period.start, dt.time(), tz),
        dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tz),
    )


def _local(when: dt.datetime, tz: ZoneInfo) -> dt.date:
    if when.tzinfo is None:  # SQLite aggregates come back naive (UTC)
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(tz).date()


def _utc(when: dt.datetime) -> dt.datetime:
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


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


def products(
    session: Session, *, period: Period, tz: ZoneInfo, channel_ids: list[int] | None
) -> dict[str, dict[Any, int]]:
    """Products (items with at least one publication published in the period; one item on
    three channels is one product and three publications): by theme code, by channel code,
    by the unit owning the channel, by product kind (`product_kind`), and in all ("total":
    {None: n}); and publications (not products) by the kind of channel
    ("channel_kind_publications", `channel_kind`)."""
    lo, hi = _bounds(period, tz)
    base = (
        select(func.count(func.distinct(Publication.content_item_id)))
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .join(Theme, col(Theme.id) == col(ContentItem.theme_id))
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .where(
            Publication.state == PubState.published,
            col(Publication.published_at) >= lo,
            col(Publication.published_at) < hi,
        )
    )
    if channel_ids is not None:
        base = base.where(col(Publication.channel_id).in_(channel_ids))
    out: dict[str, dict[Any, int]] = {}
    columns: tuple[tuple[str, Any], ...] = (
        ("theme", col(Theme.code)),
        ("channel", col(Channel.code)),
        ("unit", col(Channel.unit_id)),
        ("kind", product_kind()),
    )
    for name, column in columns:
        query = base.add_columns(column).group_by(column)
        out[name] = {key: int(n) for n, key in session.execute(query)}
    out["total"] = {None: int(session.exec(base).one() or 0)}
    kind = channel_kind()
    posts = base.with_only_columns(func.count(col(Publication.id)), kind).group_by(kind)
    out["channel_kind_publications"] = {key: int(n) for n, key in session.execute(posts)}
    return out


# the row of publications that count for no audience (none named by the item, its channel
# or its theme)
NO_AUDIENCE = ""
NO_AUDIENCE_VI = "Chưa xác định đối tượng"


def channel_language(channel: Channel) -> str:
    """The language a channel is read in, as a report counts it: its first language."""
    return (channel.languages or ["vi"])[0]


def audiences_and_languages(
    session: Session, *, period: Period, tz: ZoneInfo, channel_ids: list[int] | None
) -> tuple[list[Row], list[Row], Row]:
    """Publications, products (distinct items) and reach, views and engagement (sums of
    the latest readings; None when none has a reading) of the period, by audience and by
    language; the same publications as `figures` and `products` count.

    A publication counts for the audiences `catalog.audiences.of_item` gives it: its item's
    own, else its channel's, else its theme's (one publication may count for several
    audiences, so the audience rows do not add up to the total); publications that count
    for none make a row of their own (code ""). Its language is its channel's first
    (`channel_language`), so the language rows add up to the total. The third: the
    publications that count for at least one foreign audience (`Audience.foreign`).

    One SQL aggregate: the channels' and themes' audiences (few rows) are expanded here
    into its conditions; an item's own audiences are matched in its JSON text (codes are
    plain lowercase words and hyphens, so `"code"` matches that code only)."""
    lo, hi = _bounds(period, tz)
    channels = list(session.exec(select(Channel)))
    themes = list(session.exec(select(Theme)))
    own = func.coalesce(cast(col(ContentItem.audiences), String), "[]")
    untagged = or_(own == "[]", own == "null")
    channel, theme = col(Publication.channel_id), col(ContentItem.theme_id)
    quiet = [c.id for c in channels if not c.audiences]  # channels that name no audience

    def counts_for(code: str) -> Any:
        on_channel = [c.id for c in channels if code in c.audiences]
        of_theme = [t.id for t in themes if code in t.audiences]
        return or_(
            own.like(f'%"{code}"%'),
            and_(
                untagged,
                or_(channel.in_(on_channel), and_(channel.in_(quiet), theme.in_(of_theme))),
            ),
        )

    known = audience_list.known()
    tagged_themes = [t.id for t in themes if t.audiences]
    groups: list[tuple[str, str, Any]] = [("audience", code, counts_for(code)) for code in known]
    groups.append(
        (
            "audience",
            NO_AUDIENCE,
            and_(untagged, channel.in_(quiet), or_(theme.is_(None), theme.not_in(tagged_themes))),
        )
    )
    foreign = [counts_for(code) for code, a in known.items() if a.foreign]
    groups.append(("foreign", "foreign", or_(*foreign) if foreign else channel.in_([])))
    by_language: dict[str, list[int]] = {}
    for c in channels:
        by_language.setdefault(channel_language(c), []).append(c.id or 0)
    groups += [("language", code, channel.in_(ids)) for code, ids in by_language.items()]
    columns: list[Any] = []
    for _, _, cond in groups:
        columns += [
            func.count(case((cond, col(Publication.id)))),
            func.count(func.distinct(case((cond, col(Publication.content_item_id))))),
            func.sum(case((cond, col(Publication.latest_reach)))),
            func.sum(case((cond, col(Publication.latest_views)))),
            func.sum(case((cond, col(Publication.latest_engagement)))),
        ]
    query = (
        select(*columns)
        .select_from(Publication)
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .where(
            Publication.state == PubState.published,
            col(Publication.published_at) >= lo,
            col(Publication.published_at) < hi,
            theme.is_not(None),  # as the theme rows and the totals count
        )
    )
    if channel_ids is not None:
        query = query.where(channel.in_(channel_ids))
    values = list(session.execute(query).one())
    languages = supported_languages()
    out: dict[str, list[Row]] = {"audience": [], "language": [], "foreign": []}
    for i, (kind, code, _) in enumerate(groups):
        published, made, reach, views, engaged = values[5 * i : 5 * i + 5]
        if not published and kind != "foreign":
            continue
        if kind == "foreign":
            name = "Đối tượng nước ngoài"
        elif kind == "audience":
            name = known[code].name_vi if code in known else NO_AUDIENCE_VI
        else:
            name = languages[code].name_vi if code in languages else code
        out[kind].append(
            Row(
                code,
                name,
                published=int(published),
                products=int(made),
                reach=_sum(reach),
                views=_sum(views),
                engagement=_sum(engaged),
                extra={"foreign": known[code].foreign} if code in known else {},
            )
        )
    out["language"].sort(key=lambda r: (-r.published, r.code))
    return out["audience"], out["language"], out["foreign"][0]


def incident_lines(
    session: Session,
    *,
    period: Period,
    tz: ZoneInfo,
    unit_ids: set[int] | None,
    now: dt.datetime,
) -> list[IncidentLine]:
    """The incidents opened in the period by the units `unit_ids` (None: every unit), oldest
    first, each with its response time: minutes from opening to the first clarification
    live (as the publisher recorded it, else the earliest published post of its
    clarification items, as `incidents.core` reads it), and whether its target was missed,
    as the desk's timers judge it: live after the target, or none live by its closing or,
    while it is open, by `now` (the report tells the state when it is made)."""
    lo, hi = _bounds(period, tz)
    first_post = (
        select(
            col(ContentItem.incident_id).label("incident"),
            func.min(Publication.published_at).label("at"),
        )
        .join(Publication, col(Publication.content_item_id) == col(ContentItem.id))
        .where(col(ContentItem.incident_id).is_not(None), Publication.state == PubState.published)
        .group_by(col(ContentItem.incident_id))
        .subquery()
    )
    query = (
        select(Incident, first_post.c.at)
        .outerjoin(first_post, first_post.c.incident == col(Incident.id))
        .where(col(Incident.opened_at) >= lo, col(Incident.opened_at) < hi)
        .order_by(col(Incident.opened_at), col(Incident.id))
    )
    if unit_ids is not None:
        query = query.where(col(Incident.unit_id).in_(unit_ids))
    out = []
    for incident, posted in session.exec(query):
        opened = _utc(incident.opened_at)
        first = incident.first_live_at if incident.first_live_at is not None else posted
        first = _utc(first) if first is not None else None
        until = first or (_utc(incident.closed_at) if incident.closed_at else None) or now
        elapsed = max(0, int((until - opened).total_seconds() // 60))
        out.append(
            IncidentLine(
                id=incident.id or 0,
                title=incident.title,
                severity=incident.severity,
                status=incident.status,
                opened_at=opened.astimezone(tz),
                target_minutes=incident.target_minutes,
                first_live_at=first.astimezone(tz) if first is not None else None,
                minutes=elapsed if first is not None else None,
                breached=elapsed > incident.target_minutes,
            )
        )
    return out


Workers = dict[str, tuple[list[User], list[User]]]


def workers(
    session: Session, *, period: Period, tz: ZoneInfo, channel_ids: list[int] | None
) -> Workers:
    """Per theme code, who did the work its row counts (the "rõ người" of the 6 rõ table):
    (the authors, and everyone who saved a version, of the items counted; those who approved
    them). The items counted are those of the row's figures: approved items on a slot of the
    period (by the slot's theme and channel) and items published in the period (by the item's
    theme and the publication's channel). People who have since left are named all the same:
    the work was theirs."""
    lo, hi = _bounds(period, tz)
    approved: Any = (
        select(col(ContentItem.id).label("item"), col(Theme.code).label("theme"))
        .join(Slot, col(Slot.id) == col(ContentItem.slot_id))
        .join(Theme, col(Theme.id) == col(Slot.theme_id))
        .where(
            col(Slot.scheduled_at) >= lo,
            col(Slot.scheduled_at) < hi,
            col(ContentItem.status).in_(DONE),
        )
    )
    published: Any = (
        select(col(ContentItem.id).label("item"), col(Theme.code).label("theme"))
        .join(Publication, col(Publication.content_item_id) == col(ContentItem.id))
        .join(Theme, col(Theme.id) == col(ContentItem.theme_id))
        .where(
            Publication.state == PubState.published,
            col(Publication.published_at) >= lo,
            col(Publication.published_at) < hi,
        )
    )
    if channel_ids is not None:
        approved = approved.where(col(Slot.channel_id).in_(channel_ids))
        published = published.where(col(Publication.channel_id).in_(channel_ids))
    counted = union(approved, published).subquery()
    item, theme = counted.c.item, counted.c.theme
    wrote = union(
        select(theme, col(ContentItem.author_id).label("user")).join(
            ContentItem, col(ContentItem.id) == item
        ),
        select(theme, col(ItemVersion.editor_id).label("user")).join(
            ItemVersion, col(ItemVersion.content_item_id) == item
        ),
    )
    passed = (
        select(theme, col(Approval.user_id))
        .join(Approval, col(Approval.content_item_id) == item)
        .where(Approval.decision == "approved")
        .distinct()
    )
    pairs = {
        kind: [(str(code), int(uid)) for code, uid in session.execute(query)]
        for kind, query in (("wrote", wrote), ("passed", passed))
    }
    ids = {uid for found in pairs.values() for _, uid in found}
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids)))}

    def named(found: list[tuple[str, int]], code: str) -> list[User]:
        people = [users[uid] for c, uid in found if c == code and uid in users]
        return sorted(people, key=lambda u: ((u.display_name or u.username).casefold(), u.id))

    codes = {code for found in pairs.values() for code, _ in found}
    return {code: (named(pairs["wrote"], code), named(pairs["passed"], code)) for code in codes}


def _add(row: Row, kind: str, value: Any) -> None:
    if kind in ("planned", "approved"):
        setattr(row, kind, getattr(row, kind) + value)
        return
    n, reach, views, engaged = value
    row.published += n
    for attr, figure in (("reach", reach), ("views", views), ("engagement", engaged)):
        if figure is not None:
            setattr(row, attr, (getattr(row, attr) or 0) + figure)


def _rows(
    fig: dict[str, dict[tuple[str, str], Any]],
    names: dict[str, str],
    key: Any,
    made: dict[Any, int],
) -> list[Row]:
    """Rows grouped by `key((theme, channel))`; `made`: products per group."""
    rows: dict[str, Row] = {}
    for kind in ("planned", "approved", "published"):
        for pair, value in fig[kind].items():
            code = key(pair)
            if code is None:
                continue
            _add(rows.setdefault(code, Row(code, names.get(code, code))), kind, value)
    for pair, planned in fig["planned"].items():  # shortfall per theme and channel
        code = key(pair)
        if code is not None:
            done = fig["published"].get(pair, (0,))[0]
            rows[code].shortfall += max(0, planned - done)
    for code, row in rows.items():
        row.products = made.get(code, 0)
    return sorted(rows.values(), key=lambda r: (-(r.reach or 0), r.code))


def _total(rows: list[Row], products_total: int) -> Row:
    total = Row("total", "Tổng cộng", products=products_total)
    for r in rows:
        total.planned += r.planned
        total.approved += r.approved
        total.published += r.published
        total.shortfall += r.shortfall
        for attr in ("reach", "views", "engagement"):
            if getattr(r, attr) is not None:
                setattr(total, attr, (getattr(total, attr) or 0) + getattr(r, attr))
    return total


def _campaign_for(
    campaigns: list[Campaign], unit: Unit | None, channels: list[Channel]
) -> Campaign | None:
    """The campaign whose file a unit's report starts from: the unit's own, else the one
    that plans its channels, else the first."""
    if unit is not None:
        own = [c for c in campaigns if c.unit_id == unit.id]
        if own:
            return own[0]
        codes = {ch.code for ch in channels}
        for c in campaigns:
            if codes & {str(x.get("code")) for x in c.config.get("channels", [])}:
                return c
    return campaigns[0] if campaigns else None


def build(
    session: Session,
    *,
    period: Period,
    tz: ZoneInfo,
    unit_code: str | None = None,
    today: dt.date | None = None,
    rollup: bool = False,
    now: dt.datetime | None = None,
) -> Report:
    """The period's report: of every channel, of one unit's own channels (`unit_code`), or
    of a unit and every unit below it (`rollup`, with a row per unit). A unit's report has
    its own header, signer and recipients (`Unit.report` over the campaign file's), and is
    judged against its own plan: the campaign's weekly quotas count only when the report
    covers every channel of the campaign. The incidents counted are those the same units
    opened in the period (`incident_lines`; `now`: when an open one's timer stops)."""
    unit = session.exec(select(Unit).where(Unit.code == unit_code)).first() if unit_code else None
    if unit_code and unit is None:
        raise ValidationFailed(code="report.no_unit", field="--unit", unit=unit_code)
    if rollup and unit is None:
        raise ValidationFailed(["--rollup: needs --unit (the unit whose units it adds up)"])
    scope = below(session, unit) if unit is not None and rollup else [unit] if unit else []
    scope_ids = {u.id for u in scope}
    channels = list(session.exec(select(Channel).order_by(col(Channel.code))))
    if unit is not None:
        channels = [c for c in channels if c.unit_id in scope_ids]
    channel_ids = [c.id or 0 for c in channels] if unit is not None else None
    campaigns = list(session.exec(select(Campaign).order_by(col(Campaign.id))))
    campaign = _campaign_for(campaigns, unit, channels)
    spec = CampaignSpec.model_validate(campaign.config) if campaign else None
    covered = {c.code for c in channels}
    whole_plan = spec is not None and (unit is None or {c.code for c in spec.channels} <= covered)
    fig = figures(session, period=period, tz=tz, channel_ids=channel_ids)
    made = products(session, period=period, tz=tz, channel_ids=channel_ids)
    themes = {t.code: t.title_vi for t in session.exec(select(Theme))}
    names = {c.code: f"{c.display_name} ({c.platform})" for c in channels}
    theme_rows = _rows(fig, themes, lambda k: k[0], made["theme"])
    channel_rows = _rows(fig, names, lambda k: k[1], made["channel"])
    lead = session.get(Unit, campaign.unit_id) if campaign else None
    owner = unit or lead
    base = spec.report if spec else ReportSpec()
    report = Report(
        period=period,
        unit=owner.name if owner is not None else "",
        spec=report_spec(unit, base) if unit is not None else base,
        themes=theme_rows,
        channels=channel_rows,
        totals=_total(theme_rows, made["total"][None]),
        kinds=made["kind"],
        channel_kinds=made["channel_kind_publications"],
        waves=[],
        six=[],
        gaps=[],
        strengths=[],
        next_steps=[],
        top_posts=top_posts(
            session,
            period=period,
            tz=tz,
            channel_ids=[c.id or 0 for c in channels],
        ),
        generated_on=today or dt.datetime.now(tz).date(),
    )
    if rollup:
        code_of = {u.id: u.code for u in scope}
        unit_of = {c.code: code_of[c.unit_id] for c in channels}
        rows = {
            r.code: r
            for r in _rows(
                fig,
                {u.code: u.name for u in scope},
                lambda k: unit_of.get(k[1]),
                {code_of[k]: v for k, v in made["unit"].items() if k in code_of},
            )
        }
        report.units = [rows.get(u.code) or Row(u.code, u.name) for u in scope]
    lo, hi = _bounds(period, tz)
    span = select(func.min(Slot.scheduled_at), func.max(Slot.scheduled_at)).where(
        col(Slot.scheduled_at) >= lo, col(Slot.scheduled_at) < hi
    )
    if channel_ids is not None:
        span = span.where(col(Slot.channel_id).in_(channel_ids))
    first, last = session.exec(span).one()
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
    assess(
        report,
        spec=spec,
        people=workers(session, period=period, tz=tz, channel_ids=channel_ids),
        key_dates=key_dates,
        themes=themes,
        closed=closed,
        quotas=whole_plan,
    )
    report.incidents = incident_lines(
        session,
        period=period,
        tz=tz,
        unit_ids={u.id or 0 for u in scope} if unit is not None else None,
        now=now or utcnow(),
    )
    report.audiences, report.languages, report.foreign = audiences_and_languages(
        session, period=period, tz=tz, channel_ids=channel_ids
    )
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
