"""The network at a glance: for a parent unit and a span of local days, one row per unit
at and below it, side by side: its channels, what its plan asks for (slots planned on its
channels, and the posts its own campaign's weekly quotas ask for), what it approved and
published (products and publications, reach), its shortfall, the content packages sent
to it and how each stands, and the reports it owes that are overdue.

The figures are those of `report --unit U --rollup` (`figures.build`): planned, approved,
published, products and the shortfall per (theme, channel) are counted the same way, so
the desk and the paper agree. Every figure is an SQL aggregate grouped by channel, theme
or unit: the number of queries does not grow with the number of units.

Laggards first (`LAGGARDS`): by how far behind a unit is (`UnitGlance.behind`, the larger
of the share of its planned posts not published and the share of its quota not
published), then by its overdue reports, its declined packages, its shortfall and its
code.

`seen_from` gives the desk's Metrics and Coverage pages a viewer who sees one unit and the
units below it (their filters scope the charts the same way the viewer rule does).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, tuple_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from phuxanh.core.errors import PermissionDenied
from phuxanh.crud import visible_units
from phuxanh.models import (
    Campaign,
    Channel,
    ContentItem,
    ItemStatus,
    Package,
    PackageDelivery,
    Publication,
    PubState,
    Role,
    Slot,
    Theme,
    Unit,
    User,
)
from phuxanh.network.units import below
from phuxanh.network.units import get as get_unit
from phuxanh.reports import status as filings
from phuxanh.reports.figures import DONE

LAGGARDS = "behind, overdue reports, declined packages, shortfall (each most first), code"
# a delivery's state as `network.packages.delivery_state` reads it from its draft's status
_STATE_OF_ITEM = {
    ItemStatus.published: "published",
    ItemStatus.approved: "approved",
    ItemStatus.scheduled: "approved",
    ItemStatus.rejected: "rejected",
}
STATES = ("received", "approved", "published", "declined", "rejected")


@dataclass(frozen=True, slots=True)
class Delivery:
    """One package sent to a unit, as it stands."""

    package: int
    title: str
    sender: str  # the sending unit's code
    state: str  # one of STATES
    item_id: int | None
    reason: str | None  # why it was declined
    sent_at: dt.datetime


@dataclass(frozen=True, slots=True)
class UnitGlance:
    code: str
    name: str
    level: str
    parent: str | None  # the parent unit's code
    depth: int  # 0: the unit the glance is for, 1: a unit right below it, …
    channels: int
    quota: int | None  # posts its own campaigns' weekly quotas ask for (None: no campaign)
    planned: int  # slots planned on its channels
    approved: int  # of those, items approved, scheduled or published
    products: int  # items with at least one publication in the span ("tin, bài")
    published: int  # publications (one item on three channels: three)
    reach: int | None
    shortfall: int  # planned posts not published, summed per theme and channel
    packages: dict[str, int] = field(default_factory=dict)  # state -> packages
    declined: tuple[Delivery, ...] = ()  # the packages it declined, with the reason
    overdue: int = 0  # reports it owes past their due day and not sent

    @property
    def sent(self) -> int:
        """Packages sent to it (in the span)."""
        return sum(self.packages.values())

    @property
    def behind(self) -> float:
        """How far behind, 0 to 1: the larger of the share of its planned posts not
        published and the share of its quota not published."""
        plan = self.shortfall / self.planned if self.planned else 0.0
        quota = max(0, self.quota - self.published) / self.quota if self.quota else 0.0
        return max(plan, quota)


def _bounds(start: dt.date, end: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(start, dt.time(), tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz),
    )


def scope(session: Session, *, unit_code: str, viewer: User | None) -> list[Unit]:
    """`unit_code` and every unit below it, the unit first; refused when `viewer` does not
    see that unit (their unit and the units below it; an admin or None: every unit)."""
    unit = get_unit(session, unit_code, "--unit")
    seen = visible_units(session, viewer)
    if seen is not None and unit.id not in seen:
        who = viewer.username if viewer is not None else "?"
        raise PermissionDenied(f"--unit: {who} does not see {unit_code} or the units below it")
    return below(session, unit)


def seen_from(session: Session, *, viewer: User | None, unit_code: str | None) -> User | None:
    """The viewer a page's figures are drawn for: `viewer`, or with a unit chosen, a viewer
    (not stored) who sees that unit and the units below it, as its own members do. Refused
    when `viewer` does not see the unit."""
    if not unit_code:
        return viewer
    unit = scope(session, unit_code=unit_code, viewer=viewer)[0]
    return User(
        username=viewer.username if viewer is not None else "cli",
        unit_id=unit.id or 0,
        role=Role.editor,
    )


def _quotas(session: Session, unit_ids: set[int], start: dt.date, end: dt.date) -> dict[int, int]:
    """Per unit with a campaign of its own: the posts its weekly quotas ask for over the
    days of the span its campaigns run and each theme is valid (a theme past its validity
    owes nothing, as in the report's judgement)."""
    themes = {
        th.code: (th.valid_from, th.valid_until)
        for th in session.exec(select(Theme))  # a catalog: tens of rows
    }
    out: dict[int, int] = {}
    campaigns = session.exec(
        select(Campaign).where(
            col(Campaign.unit_id).in_(unit_ids),
            col(Campaign.starts_on) <= end,
            col(Campaign.ends_on) >= start,
        )
    )
    for c in campaigns:
        want = 0.0
        for quota in c.config.get("themes") or []:
            valid_from, valid_until = themes.get(str(quota.get("code")), (None, None))
            lo = max(start, c.starts_on, valid_from or start)
            hi = min(end, c.ends_on, valid_until or end)
            if hi >= lo:
                want += int(quota.get("per_week") or 0) * ((hi - lo).days + 1) / 7
        out[c.unit_id] = out.get(c.unit_id, 0) + round(want)
    return out


def deliveries(
    session: Session, *, unit_ids: list[int], start: dt.date, end: dt.date, tz: ZoneInfo
) -> dict[int, list[Delivery]]:
    """The packages made in the span and sent to these units, per unit (newest first)."""
    lo, hi = _bounds(start, end, tz)
    sender = aliased(Unit, name="sender")
    rows = session.exec(
        select(  # type: ignore[call-overload]
            PackageDelivery.unit_id,
            PackageDelivery.package_id,
            Package.title,
            sender.code,
            PackageDelivery.state,
            PackageDelivery.item_id,
            PackageDelivery.reason,
            ContentItem.status,
            Package.created_at,
        )
        .join(Package, col(Package.id) == col(PackageDelivery.package_id))
        .join(sender, col(sender.id) == col(Package.unit_id))
        .outerjoin(ContentItem, col(ContentItem.id) == col(PackageDelivery.item_id))
        .where(
            col(PackageDelivery.unit_id).in_(unit_ids),
            col(Package.created_at) >= lo,
            col(Package.created_at) < hi,
        )
        .order_by(col(Package.created_at).desc(), col(PackageDelivery.id))
    ).all()
    out: dict[int, list[Delivery]] = {}
    for unit_id, package, title, code, state, item_id, reason, item_status, at in rows:
        if state == "declined":
            shown = "declined"
        elif item_status is None:
            shown = "received"
        else:
            shown = _STATE_OF_ITEM.get(ItemStatus(item_status), "received")
        out.setdefault(unit_id, []).append(
            Delivery(
                package, title, code, shown, item_id, reason if shown == "declined" else None, at
            )
        )
    return out


def glance(
    session: Session,
    *,
    unit_code: str,
    start: dt.date,
    end: dt.date,
    tz: ZoneInfo,
    viewer: User | None = None,
    today: dt.date | None = None,
) -> list[UnitGlance]:
    """One row per unit at and below `unit_code`, laggards first (`LAGGARDS`), for the
    local days `start` to `end` (both included). Overdue reports are counted as of
    `today` (default: today in `tz`). Refused when `viewer` does not see the unit."""
    units = scope(session, unit_code=unit_code, viewer=viewer)
    by_id = {u.id or 0: u for u in units}
    ids = list(by_id)
    lo, hi = _bounds(start, end, tz)
    depth: dict[int, int] = {}
    for u in units:  # `below` lists parents before children
        depth[u.id or 0] = 0 if u is units[0] else depth.get(u.parent_id or 0, 0) + 1
    # the channels of these units, read once: the big tables are filtered by channel id
    # (their indexes lead with it) and each channel's unit is looked up here
    unit_of = {
        channel_id or 0: unit_id
        for channel_id, unit_id in session.exec(
            select(Channel.id, Channel.unit_id).where(col(Channel.unit_id).in_(ids))
        )
    }
    channels = Counter(unit_of.values())
    # the whole network (the city's glance): no filter to apply, the big tables are read
    # by their time indexes alone
    whole = len(ids) == session.exec(select(func.count(col(Unit.id)))).one()
    on_slot: tuple[Any, ...] = () if whole else (col(Slot.channel_id).in_(list(unit_of)),)
    on_pub: tuple[Any, ...] = () if whole else (col(Publication.channel_id).in_(list(unit_of)),)

    # planned per (theme, channel) and approved per channel, as figures.figures counts them:
    # one pass over the span's slots, each with its item (if any)
    planned: dict[tuple[int, int], int] = {}
    planned_by = Counter[int]()
    approved = Counter[int]()
    done = col(ContentItem.status).in_(DONE)
    for channel_id, theme_id, n, n_done in session.exec(
        select(
            Slot.channel_id,
            Slot.theme_id,
            func.count(col(Slot.id)),
            func.count(col(ContentItem.id)).filter(done),
        )
        .outerjoin(ContentItem, col(ContentItem.slot_id) == col(Slot.id))
        .where(*on_slot, col(Slot.scheduled_at) >= lo, col(Slot.scheduled_at) < hi)
        .group_by(col(Slot.channel_id), col(Slot.theme_id))
    ):
        planned[(channel_id, theme_id)] = int(n)
        planned_by[unit_of[channel_id]] += int(n)
        approved[unit_of[channel_id]] += int(n_done)

    # publications per (theme, channel) and their reach; products (items) per unit. Only
    # items of a theme count, as in the report
    went_out = (
        Publication.state == PubState.published,
        col(Publication.published_at) >= lo,
        col(Publication.published_at) < hi,
        col(ContentItem.theme_id).is_not(None),
    )
    published: dict[tuple[int, int], int] = {}
    published_by = Counter[int]()
    reach: dict[int, int] = {}
    for channel_id, theme, n, seen in session.exec(
        select(
            Publication.channel_id,
            ContentItem.theme_id,
            func.count(col(Publication.id)),
            func.sum(Publication.latest_reach),
        )
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .where(*went_out, *on_pub)
        .group_by(col(Publication.channel_id), col(ContentItem.theme_id))
    ):
        unit_id = unit_of[channel_id]
        published[(channel_id, theme or 0)] = int(n)
        published_by[unit_id] += int(n)
        if seen is not None:
            reach[unit_id] = reach.get(unit_id, 0) + int(seen)
    # products: the items of each unit with a publication on one of that unit's channels
    # in the span (an item on three channels is one product). Asked of the items, each at
    # most once (a semi-join on the pair item, unit), rather than as a distinct count over
    # the publications; the same figure (`figures.products` by unit), since an item is its
    # channels' unit's. The pair list is read once (SQLite would otherwise scan the span's
    # publications again for every item)
    live = (
        select(Publication.content_item_id, Channel.unit_id)
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .where(
            Publication.state == PubState.published,
            col(Publication.published_at) >= lo,
            col(Publication.published_at) < hi,
            *on_pub,
        )
    )
    products = Counter[int]()
    for unit_id, n in session.exec(
        select(ContentItem.unit_id, func.count(col(ContentItem.id)))
        .where(
            col(ContentItem.theme_id).is_not(None),
            tuple_(col(ContentItem.id), col(ContentItem.unit_id)).in_(live),
        )
        .group_by(col(ContentItem.unit_id))
    ):
        if unit_id in by_id:
            products[unit_id] = int(n)

    shortfall = Counter[int]()
    for pair, n in planned.items():
        shortfall[unit_of[pair[0]]] += max(0, n - published.get(pair, 0))

    quotas = _quotas(session, set(ids), start, end)
    sent = deliveries(session, unit_ids=ids, start=start, end=end, tz=tz)
    on = today or dt.datetime.now(tz).date()
    overdue = Counter[str](
        row["unit"]
        for row in filings.status(session, unit=unit_code, on=on, scope=units)
        if row["state"] == "overdue"
    )
    code_of = {u.id: u.code for u in units}
    top = units[0]
    if top.parent_id is not None and (parent := session.get(Unit, top.parent_id)):
        code_of[parent.id] = parent.code
    rows = []
    for unit_id, u in by_id.items():
        mine_sent = sent.get(unit_id, [])
        counts = Counter(d.state for d in mine_sent)
        rows.append(
            UnitGlance(
                code=u.code,
                name=u.name,
                level=u.level,
                parent=code_of.get(u.parent_id) if u.parent_id else None,
                depth=depth[unit_id],
                channels=channels[unit_id],
                quota=quotas.get(unit_id),
                planned=planned_by[unit_id],
                approved=approved[unit_id],
                products=products[unit_id],
                published=published_by[unit_id],
                reach=reach.get(unit_id),
                shortfall=shortfall[unit_id],
                packages={state: counts[state] for state in STATES},
                declined=tuple(d for d in mine_sent if d.state == "declined"),
                overdue=overdue[u.code],
            )
        )
    return sorted(rows, key=laggard_key)


def laggard_key(row: UnitGlance) -> tuple[Any, ...]:
    """The order of `LAGGARDS`."""
    declined = row.packages.get("declined", 0) + row.packages.get("rejected", 0)
    return (-row.behind, -row.overdue, -declined, -row.shortfall, row.code)


def latest_day(
    session: Session, *, viewer: User | None, before: dt.datetime, tz: ZoneInfo
) -> dt.date | None:
    """The local day of the latest slot or publication before `before` on the channels of
    the units `viewer` sees: the page opens on the quarter that has posts."""
    seen = visible_units(session, viewer)
    at = func.coalesce(col(Publication.published_at), col(Publication.scheduled_at))
    slots = (
        select(func.max(col(Slot.scheduled_at)))
        .join(Channel, col(Channel.id) == col(Slot.channel_id))
        .where(col(Slot.scheduled_at) < before)
    )
    posts = (
        select(func.max(at))
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .where(at < before)
    )
    if seen is not None:
        slots = slots.where(col(Channel.unit_id).in_(seen))
        posts = posts.where(col(Channel.unit_id).in_(seen))
    found: list[dt.datetime] = [
        w for w in (session.exec(slots).one(), session.exec(posts).one()) if w
    ]
    if not found:
        return None
    last = max(w if w.tzinfo else w.replace(tzinfo=dt.UTC) for w in found)
    return last.astimezone(tz).date()
