"""Read queries, keyword-only, returning typed rows (frozen dataclasses). The dashboard and
the CLI read here."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import String, case, cast, exists, func, literal, or_
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session, col, select

from phuxanh.core.errors import ValidationFailed
from phuxanh.media import stored
from phuxanh.models import (
    WAITING_FOR_A_PERSON,
    Approval,
    AuditEvent,
    Campaign,
    Channel,
    ContentItem,
    Fact,
    ItemStatus,
    MetricSnapshot,
    Publication,
    PubState,
    Role,
    Slot,
    Theme,
    Unit,
    User,
)

T = TypeVar("T")
DONE = (ItemStatus.approved, ItemStatus.scheduled, ItemStatus.published)


def _id(value: int | None) -> int:
    """The id of a row read back from the database (always set there)."""
    if value is None:
        raise ValueError("a row read from the database has no id")
    return value


def _int(value: Any) -> int | None:
    """A SQL aggregate as an int (None stays None: nothing to add up)."""
    return None if value is None else int(value)


def _add(a: int | None, b: int | None) -> int | None:
    """A sum of figures that may be missing: None only when both are."""
    return a if b is None else (a or 0) + b


# Who sees what. Every query the desk runs takes `viewer`: the signed-in user sees the
# items, publications, channels and audit rows of their unit and of the units below it
# (the unit rule of approval, `phuxanh.core.users.oversees`); an admin sees everything.
# `viewer=None` is the whole database: the CLI, the jobs and the benchmarks, which run as
# the operator of the database, not as a person of one office.


def visible_units(session: Session, viewer: User | None) -> frozenset[int] | None:
    """The ids of the units `viewer` sees (theirs and every unit below it), or None for
    all of them (no viewer, or an admin). Read from the unit tree in one query."""
    if viewer is None or viewer.role == Role.admin:
        return None
    below: dict[int | None, list[int]] = {}
    for unit_id, parent_id in session.exec(select(Unit.id, Unit.parent_id)):
        if unit_id is not None:
            below.setdefault(parent_id, []).append(unit_id)
    seen: set[int] = set()
    todo = [viewer.unit_id]
    while todo:
        unit_id = todo.pop()
        if unit_id not in seen:  # a cycle in the tree ends here, as in `oversees`
            seen.add(unit_id)
            todo.extend(below.get(unit_id, []))
    return frozenset(seen)


def _visible_channels(session: Session, units: frozenset[int] | None) -> list[int] | None:
    """The ids of the channels owned by `units` (None: all)."""
    if units is None:
        return None
    return [_id(c) for c in session.exec(select(Channel.id).where(col(Channel.unit_id).in_(units)))]


# Search folds case (and, for a query typed without diacritics, the diacritics too) the
# same way on SQLite and PostgreSQL, whatever the database's locale: the query becomes a
# regular expression in which each letter is the class of the letters that fold to it
# ("đ" -> [đĐ], "a" typed bare -> [aàáạảã…ÂẦ…]), matched by PostgreSQL's `~` and by
# SQLite's REGEXP (Python's `re`, which SQLAlchemy gives every SQLite connection).
# "đại hội" finds "Đại hội"; "dai hoi" finds it too; "bàn" does not find "bán".
_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")


def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """(case fold, case and diacritics fold): character -> character."""
    fold = {chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)}
    plain = dict(fold)
    plain.update({"Đ": "d", "đ": "d"})
    fold["Đ"] = "đ"
    for vowel in _VOWELS:
        base = unicodedata.normalize("NFD", vowel)[0]
        for tone in _TONES:
            low = unicodedata.normalize("NFC", vowel + tone)
            up = unicodedata.normalize("NFC", vowel.upper() + tone)
            fold[up] = low
            for letter in (low, up):
                if letter != base:
                    plain[letter] = base
    return fold, plain


def _classes(table: dict[str, str]) -> dict[str, str]:
    """Per folded letter, every letter that folds to it (itself first)."""
    out: dict[str, str] = {}
    for letter, folded in sorted(table.items()):
        out[folded] = out.get(folded, folded) + letter
    return out


_FOLD, _PLAIN = _tables()
_FOLD_T, _PLAIN_T = str.maketrans(_FOLD), str.maketrans(_PLAIN)
_FOLD_CLASSES, _PLAIN_CLASSES = _classes(_FOLD), _classes(_PLAIN)


def fold(text: str) -> str:
    """Lower case (Vietnamese letters too), diacritics kept."""
    return unicodedata.normalize("NFC", text).translate(_FOLD_T)


def plain(text: str) -> str:
    """Lower case without Vietnamese diacritics ("Đại hội" -> "dai hoi")."""
    return unicodedata.normalize("NFC", text).translate(_PLAIN_T)


def search_pattern(query: str) -> str:
    """The regular expression a search for `query` matches (the same in PostgreSQL's and
    Python's syntax): case folded; diacritics ignored when the query has none. Every other
    character stands for itself."""
    query = unicodedata.normalize("NFC", query.strip())
    bare = plain(query) == fold(query)  # typed without diacritics
    classes = _PLAIN_CLASSES if bare else _FOLD_CLASSES
    parts = []
    for c in plain(query) if bare else fold(query):
        if c in classes:
            parts.append(f"[{classes[c]}]")
        elif c.isalnum():
            parts.append(c)
        else:
            parts.append("\\" + c)  # literal: `\` and a character that is not a letter or digit
    return "".join(parts)


def _matches(columns: Iterable[Any], query: str) -> Any:
    """SQL: one of `columns` holds `query` (see `search_pattern`)."""
    pattern = search_pattern(query)
    return or_(*(c.regexp_match(pattern) for c in columns))


def _has_channel(session: Session, channel_id: int) -> Any:
    """SQL: the item is meant for this channel (its JSON list of channel ids holds it)."""
    ids = col(ContentItem.channel_ids)
    if session.get_bind().dialect.name == "postgresql":
        return cast(ids, JSONB).contains([channel_id])
    each = func.json_each(ids).table_valued("value")
    return exists(select(literal(1)).select_from(each).where(each.c.value == channel_id))


@dataclass(frozen=True, slots=True)
class Summary:
    """The demo's headline figures."""

    planned: int
    rendered: int
    approved: int
    published: int
    metrics: int


@dataclass(frozen=True, slots=True)
class ListedItem:
    """`phuxanh item list`: an item on one of its channels, or not yet scheduled."""

    id: int
    publication_id: int | None
    state: str  # the publication state, or the item status when it has none
    item_status: str
    channel: str  # the channel code; the item's intended channels joined by "," if none
    theme: str | None
    text: str
    media: str | None
    scheduled_at: dt.datetime | None
    remote_id: str | None
    remote_url: str | None
    last_error: str | None

    def as_json(self) -> dict[str, Any]:
        """What `phuxanh item list --json` prints for the row (a contract: keys, order and
        values stay as they are; the time in ISO 8601)."""
        out = asdict(self)
        out["scheduled_at"] = self.scheduled_at.isoformat() if self.scheduled_at else None
        return out


@dataclass(frozen=True, slots=True)
class ChannelPreview:
    """A channel an item is meant for, with the caption that channel gets."""

    code: str
    platform: str
    name: str
    caption: str


@dataclass(frozen=True, slots=True)
class PlanSlot:
    """The plan slot an item fills: when, and why the planner put it there."""

    when: dt.datetime
    why: str


@dataclass(frozen=True, slots=True)
class ApprovalNote:
    """One decision on an item: who, what, when, and their comment."""

    by: str | None
    decision: str
    at: dt.datetime
    comment: str | None


@dataclass(frozen=True, slots=True)
class CitedFact:
    """A fact an item cites, with its source (`ref`: the document number or address)."""

    code: str
    text: str
    source: str
    ref: str | None


@dataclass(frozen=True, slots=True)
class QueueItem:
    """An item in the review queue, with everything a reviewer weighs."""

    id: int
    status: str
    theme: str
    theme_vi: str
    theme_en: str
    sensitive: bool
    unit: str
    language: str
    caption: str
    link: str | None
    media: str | None
    alt_text: str | None
    content_ref: str | None
    hold_reasons: tuple[str, ...]
    machine_drafted: bool
    scheduled_at: dt.datetime | None
    version: int
    author: str | None
    channels: tuple[ChannelPreview, ...]
    slot: PlanSlot | None
    approvals: tuple[ApprovalNote, ...]
    facts: tuple[CitedFact, ...]
    urgent: bool = False  # first in the queue, marked "Khẩn"


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the review queue is narrowed to; every field is optional and all apply.

    `statuses`: any of these item statuses. `text`: the caption holds it (case folded;
    a query without diacritics ignores them), or, a number, it is the item's number.
    `author`: the author's login or name holds it (folded the same way). `day_from`,
    `day_to`: local days, inclusive."""

    statuses: tuple[str, ...] = ()
    unit_code: str | None = None
    theme_code: str | None = None
    channel_code: str | None = None
    language: str | None = None
    day_from: dt.date | None = None
    day_to: dt.date | None = None
    item_id: int | None = None
    text: str | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a longer list: its rows, how many rows match in all, where it starts."""

    rows: tuple[T, ...]
    total: int
    offset: int
    size: int

    @property
    def number(self) -> int:
        """This page's number, from 1."""
        return self.offset // self.size + 1

    @property
    def pages(self) -> int:
        """How many pages the matching rows fill (at least 1)."""
        return max(1, -(-self.total // self.size))


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One row of the audit log, as `phuxanh audit export` writes it."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before_hash: str | None
    after_hash: str | None
    detail: dict[str, Any]
    prev_hash: str
    row_hash: str
    key_id: str | None


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """A post on the calendar, in the office's time zone, at its own time: a publication's
    (when it went out, or when it is due), else its item's, else the empty plan slot's."""

    when: dt.datetime
    channel: str  # display name ("" for an item with no channel yet)
    channel_code: str
    platform: str
    theme: str  # code; "" for a post outside the themes
    theme_vi: str
    theme_en: str
    status: str  # the publication's outcome, the item's status, or "planned" (an empty slot)
    why: str  # the planner's reason for the slot; "" for a post made outside the plan
    item_id: int | None
    slot_when: dt.datetime | None = None  # the plan slot's time, when the post fills one
    publication_id: int | None = None


@dataclass(frozen=True, slots=True)
class CoverageCell:
    """One theme in one ISO week (`2026-W11`): planned, approved, published, reach."""

    theme: str
    week: str
    planned: int = 0
    approved: int = 0
    published: int = 0
    reach: int | None = None


@dataclass(frozen=True, slots=True)
class MetricTotals:
    """Posts and the sum of their newest readings for one channel, platform, unit, language
    or theme (`key`). None where no post of the group has that figure."""

    key: str
    posts: int
    measured: int
    views: int | None
    reach: int | None
    engagement: int | None

    def plus(self, other: MetricTotals) -> MetricTotals:
        return replace(
            self,
            posts=self.posts + other.posts,
            measured=self.measured + other.measured,
            views=_add(self.views, other.views),
            reach=_add(self.reach, other.reach),
            engagement=_add(self.engagement, other.engagement),
        )


@dataclass(frozen=True, slots=True)
class TopPost:
    """A published post among those that reached the most people."""

    channel: str
    platform: str
    url: str | None
    media: str | None
    text: str  # the caption's first line
    views: int | None
    reach: int | None
    engagement: int | None
    published_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class MetricsOverview:
    """The Metrics page: totals per grouping and the top posts by reach."""

    by_channel: tuple[MetricTotals, ...]
    by_platform: tuple[MetricTotals, ...]
    by_unit: tuple[MetricTotals, ...]
    by_language: tuple[MetricTotals, ...]
    by_theme: tuple[MetricTotals, ...]
    top: tuple[TopPost, ...]


@dataclass(frozen=True, slots=True)
class CampaignWave:
    """A campaign wave: the build-up from `start`, the `peak` day (and `peak_days` after
    it), the follow-up until `end`."""

    campaign: str
    name: str
    theme: str
    peak: dt.date
    start: dt.date
    end: dt.date
    peak_days: int


@dataclass(frozen=True, slots=True)
class ChannelHealth:
    """One channel: paused or not, its last error, the last week's posts, what waits for a
    person, and when posts and metrics last came back."""

    code: str
    name: str
    platform: str
    unit: str
    paused: bool
    pause_reason: str | None
    last_error: str | None
    published_7d: int
    waiting: int
    last_published: dt.datetime | None
    last_metrics: dt.datetime | None
    ok: bool


@dataclass(frozen=True, slots=True)
class WaitingPublication:
    """A publication a person must settle (needs_check, missed or failed), and why."""

    id: int
    state: str
    channel: str  # display name
    platform: str
    scheduled_at: dt.datetime
    text: str
    reason: str


def summary(session: Session) -> Summary:
    """The demo's headline figures."""

    def count(query: Any) -> int:
        return int(session.exec(query).one())

    return Summary(
        planned=count(select(func.count()).select_from(Slot)),
        rendered=count(
            select(func.count())
            .select_from(ContentItem)
            .where(col(ContentItem.media_path).is_not(None))
        ),
        approved=count(
            select(func.count()).select_from(ContentItem).where(col(ContentItem.status).in_(DONE))
        ),
        published=count(
            select(func.count())
            .select_from(Publication)
            .where(Publication.state == PubState.published)
        ),
        metrics=count(select(func.count()).select_from(MetricSnapshot)),
    )


def list_items(
    session: Session, *, state: str | None = None, limit: int = 1000
) -> list[ListedItem]:
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
    rows: list[ListedItem] = []
    channel_codes = {c.id: c.code for c in session.exec(select(Channel))}
    for item, pub, channel, theme in session.exec(query):
        row_state = str(pub.state) if pub is not None else str(item.status)
        when = pub.scheduled_at if pub is not None else item.scheduled_at
        rows.append(
            ListedItem(
                id=_id(item.id),
                publication_id=pub.id if pub else None,
                state=row_state,
                item_status=str(item.status),
                channel=channel.code
                if channel
                else ",".join(channel_codes.get(i, "?") for i in item.channel_ids),
                theme=theme.code if theme else None,
                text=item.caption,
                media=stored.shown(item.media_path),
                scheduled_at=when,
                remote_id=pub.remote_id if pub else None,
                remote_url=pub.remote_url if pub else None,
                last_error=pub.last_error if pub else None,
            )
        )
    return rows


def _queue_select(
    session: Session, where: QueueFilter, *, viewer: User | None, tz: ZoneInfo | None
) -> Any:
    """The queue's rows as SQL (item, theme, unit, slot), filtered, unordered."""
    query = (
        select(ContentItem, Theme, Unit, Slot)
        .outerjoin(Theme, col(Theme.id) == col(ContentItem.theme_id))  # ad-hoc posts too
        .join(Unit, col(Unit.id) == col(ContentItem.unit_id))
        .outerjoin(Slot, col(Slot.id) == col(ContentItem.slot_id))
    )
    units = visible_units(session, viewer)
    if units is not None:
        query = query.where(col(ContentItem.unit_id).in_(units))
    if where.item_id is not None:
        query = query.where(ContentItem.id == where.item_id)
    if where.statuses:
        query = query.where(col(ContentItem.status).in_(where.statuses))
    if where.unit_code:
        query = query.where(Unit.code == where.unit_code)
    if where.theme_code:
        query = query.where(Theme.code == where.theme_code)
    if where.language:
        query = query.where(ContentItem.language == where.language)
    if where.channel_code:
        channel_id = session.exec(
            select(Channel.id).where(Channel.code == where.channel_code)
        ).first()
        query = query.where(_has_channel(session, channel_id) if channel_id else literal(False))
    if where.text and where.text.strip():
        found = _matches([col(ContentItem.caption)], where.text)
        if where.text.strip().isdigit() and len(where.text.strip()) <= 9:
            found = found | (col(ContentItem.id) == int(where.text.strip()))  # #12 typed bare
        query = query.where(found)
    if where.author and where.author.strip():
        authors = select(User.id).where(
            _matches([col(User.username), col(User.display_name)], where.author)
        )
        query = query.where(col(ContentItem.author_id).in_(authors))
    zone = tz or ZoneInfo("Asia/Ho_Chi_Minh")
    if where.day_from:
        lo = dt.datetime.combine(where.day_from, dt.time(), zone)
        query = query.where(col(ContentItem.scheduled_at) >= lo)
    if where.day_to:
        hi = dt.datetime.combine(where.day_to + dt.timedelta(days=1), dt.time(), zone)
        query = query.where(col(ContentItem.scheduled_at) < hi)
    return query


def _queue_items(session: Session, rows: list[Any]) -> list[QueueItem]:
    """The page's rows with what a reviewer weighs: facts and approvals read for the whole
    page in one query each, not per item."""
    item_ids = [_id(item.id) for item, *_ in rows]
    fact_ids = {f for item, *_ in rows for f in item.fact_ids}
    facts = (
        {f.id: f for f in session.exec(select(Fact).where(col(Fact.id).in_(fact_ids)))}
        if fact_ids
        else {}
    )
    approvals: dict[int, list[Approval]] = {}
    if item_ids:
        for a in session.exec(
            select(Approval)
            .where(col(Approval.content_item_id).in_(item_ids))
            .order_by(col(Approval.id))
        ):
            approvals.setdefault(a.content_item_id, []).append(a)
    channels = {c.id: c for c in session.exec(select(Channel))}
    users = {u.id: u.username for u in session.exec(select(User))}
    out: list[QueueItem] = []
    for item, theme, unit, slot in rows:
        targets = [channels[i] for i in item.channel_ids if i in channels]
        out.append(
            QueueItem(
                id=_id(item.id),
                status=str(item.status),
                theme=theme.code if theme else "",  # "": a post without a theme
                theme_vi=theme.title_vi if theme else "",
                theme_en=theme.title_en if theme else "",
                # two approvers: a sensitive theme or an incident's clarification
                # (review.approvals_needed)
                sensitive=(theme.sensitive if theme else False) or item.incident_id is not None,
                unit=unit.name,
                language=item.language,
                caption=item.caption,
                link=item.link,
                media=stored.shown(item.media_path),
                alt_text=item.alt_text,
                content_ref=item.content_ref,
                hold_reasons=tuple(item.hold_reasons),
                machine_drafted=item.machine_drafted,
                urgent=item.urgent,
                scheduled_at=item.scheduled_at,
                version=item.version,
                author=users.get(item.author_id),
                channels=tuple(
                    ChannelPreview(
                        code=c.code,
                        platform=c.platform,
                        name=c.display_name,
                        caption=item.captions.get(c.code, item.caption),
                    )
                    for c in targets
                ),
                slot=PlanSlot(when=slot.scheduled_at, why=slot.why) if slot else None,
                approvals=tuple(
                    ApprovalNote(
                        by=users.get(a.user_id), decision=a.decision, at=a.at, comment=a.comment
                    )
                    for a in approvals.get(_id(item.id), [])
                ),
                facts=tuple(
                    CitedFact(
                        code=f.code,
                        text=f.text_vi,
                        source=f.source_title,
                        ref=f.source_number or f.source_url,
                    )
                    for f in (facts[i] for i in item.fact_ids if i in facts)
                ),
            )
        )
    return out


def _queue_order(query: Any) -> Any:
    """Urgent items first; then the earliest post; unscheduled items last on both backends;
    then by id."""
    return query.order_by(
        col(ContentItem.urgent).desc(),
        col(ContentItem.scheduled_at).is_(None),
        col(ContentItem.scheduled_at),
        col(ContentItem.id),
    )


def _queue_slice(session: Session, query: Any, *, offset: int, limit: int) -> list[Any]:
    """Rows `offset` to `offset + limit` of the ordered queue. The ids are sorted and cut
    first, narrow (a deep page sorts ids and times, not every caption), then only those
    rows are read whole."""
    narrow = query.with_only_columns(col(ContentItem.id), maintain_column_froms=True)
    ids = [row[0] for row in session.exec(_queue_order(narrow).offset(offset).limit(limit))]
    if not ids:
        return []
    rows = {row[0].id: row for row in session.exec(query.where(col(ContentItem.id).in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def queue_page(
    session: Session,
    where: QueueFilter,
    *,
    viewer: User | None,
    page: int = 1,
    size: int = 20,
    tz: ZoneInfo | None = None,
) -> Page[QueueItem]:
    """One page of the review queue as `viewer` sees it (their unit and the units below;
    an admin, or None, everything), filtered by `where`, earliest post first. Counted and
    cut in SQL (LIMIT/OFFSET); a page past the end is the last one."""
    if size < 1:
        raise ValueError(f"page size {size}: at least 1")
    query = _queue_select(session, where, viewer=viewer, tz=tz)
    total = int(session.exec(select(func.count()).select_from(query.subquery())).one())
    last = max(1, -(-total // size))
    offset = (min(max(page, 1), last) - 1) * size
    rows = _queue_slice(session, query, offset=offset, limit=size)
    return Page(rows=tuple(_queue_items(session, rows)), total=total, offset=offset, size=size)


def queue(
    session: Session,
    *,
    viewer: User | None = None,
    status: str | None = None,
    statuses: Iterable[str] = (),
    unit_code: str | None = None,
    theme_code: str | None = None,
    channel_code: str | None = None,
    language: str | None = None,
    day_from: dt.date | None = None,
    day_to: dt.date | None = None,
    item_id: int | None = None,
    text: str | None = None,
    author: str | None = None,
    tz: ZoneInfo | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[QueueItem]:
    """Items for the review queue: each with its caption as every target platform shows it,
    the facts it cites and their sources, the plan slot it fills and its approvals so far.
    `viewer`: only what they see (see `visible_units`). The filters are `QueueFilter`'s;
    `status` is one status, `statuses` any of several."""
    where = QueueFilter(
        statuses=(*([status] if status else []), *statuses),
        unit_code=unit_code,
        theme_code=theme_code,
        channel_code=channel_code,
        language=language,
        day_from=day_from,
        day_to=day_to,
        item_id=item_id,
        text=text,
        author=author,
    )
    query = _queue_select(session, where, viewer=viewer, tz=tz)
    return _queue_items(session, _queue_slice(session, query, offset=offset, limit=limit))


def calendar(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    tz: ZoneInfo,
    viewer: User | None = None,
) -> list[CalendarEntry]:
    """The posts between two local days (inclusive), earliest first, on the channels of the
    units `viewer` sees (see `visible_units`), each at its own time: a publication when it
    went out (or is due); an item not yet scheduled, once per channel it is meant for, at
    its item's time (a post made outside the plan too); a plan slot no item fills, at the
    slot's time ("planned")."""
    lo = dt.datetime.combine(start, dt.time(), tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz)
    units = visible_units(session, viewer)
    themes = {th.id: th for th in session.exec(select(Theme))}
    slots: dict[int, Slot] = {}
    entries: list[CalendarEntry] = []

    def entry(
        when: dt.datetime,
        channel: Channel | None,
        theme_id: int | None,
        status: str,
        *,
        item: ContentItem | None = None,
        slot: Slot | None = None,
        publication_id: int | None = None,
    ) -> CalendarEntry:
        theme = themes.get(theme_id) if theme_id is not None else None
        return CalendarEntry(
            when=when.astimezone(tz),
            channel=channel.display_name if channel else "",
            channel_code=channel.code if channel else "",
            platform=channel.platform if channel else "",
            theme=theme.code if theme else "",
            theme_vi=theme.title_vi if theme else "",
            theme_en=theme.title_en if theme else "",
            status=status,
            why=slot.why if slot else "",
            item_id=item.id if item else None,
            slot_when=slot.scheduled_at.astimezone(tz) if slot else None,
            publication_id=publication_id,
        )

    def slot_of(item: ContentItem) -> Slot | None:
        return slots.get(item.slot_id) if item.slot_id is not None else None

    # publications: when each went out, or is due
    at = func.coalesce(col(Publication.published_at), col(Publication.scheduled_at))
    sent = (
        select(Publication, ContentItem, Channel)
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .where(at >= lo, at < hi)
    )
    if units is not None:
        sent = sent.where(col(Channel.unit_id).in_(units))
    out = list(session.exec(sent))
    # items with no publication (not approved yet, withdrawn, made outside the plan): at
    # the item's time, once per channel it is meant for
    waiting = select(ContentItem).where(
        col(ContentItem.scheduled_at) >= lo,
        col(ContentItem.scheduled_at) < hi,
        ~exists().where(col(Publication.content_item_id) == col(ContentItem.id)),
    )
    items = list(session.exec(waiting))
    filled = {i.slot_id for i in [*items, *(row[1] for row in out)] if i.slot_id is not None}
    if filled:
        slots.update(
            (slot.id or 0, slot)
            for slot in session.exec(select(Slot).where(col(Slot.id).in_(filled)))
        )
    for pub, item, channel in out:
        state = str(pub.state)
        shown = (
            "published"
            if state == "published"
            else "failed"
            if state in ("failed", "missed", "needs_check")
            else str(item.status)
        )
        entries.append(
            entry(
                pub.published_at or pub.scheduled_at,
                channel,
                item.theme_id,
                shown,
                item=item,
                slot=slot_of(item),
                publication_id=pub.id,
            )
        )
    wanted = {c for item in items for c in item.channel_ids}
    channels = (
        {c.id: c for c in session.exec(select(Channel).where(col(Channel.id).in_(wanted)))}
        if wanted
        else {}
    )
    for item in items:
        assert item.scheduled_at is not None  # the query asked for it
        meant: list[Channel | None] = [channels[c] for c in item.channel_ids if c in channels]
        if units is not None:
            meant = [c for c in meant if c is not None and c.unit_id in units]
            if not meant and (item.channel_ids or item.unit_id not in units):
                continue
        for target in meant or [None]:
            entries.append(
                entry(
                    item.scheduled_at,
                    target,
                    item.theme_id,
                    str(item.status),
                    item=item,
                    slot=slot_of(item),
                )
            )
    # plan slots that no item fills yet
    empty = (
        select(Slot, Channel)
        .join(Channel, col(Channel.id) == col(Slot.channel_id))
        .where(
            col(Slot.scheduled_at) >= lo,
            col(Slot.scheduled_at) < hi,
            ~exists().where(col(ContentItem.slot_id) == col(Slot.id)),
        )
    )
    if units is not None:
        empty = empty.where(col(Channel.unit_id).in_(units))
    for slot, channel in session.exec(empty):
        entries.append(entry(slot.scheduled_at, channel, slot.theme_id, "planned", slot=slot))
    entries.sort(key=lambda e: (e.when, e.channel_code, e.item_id or 0))
    return entries


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


def coverage(
    session: Session,
    *,
    tz: ZoneInfo,
    start: dt.date | None = None,
    end: dt.date | None = None,
    viewer: User | None = None,
) -> list[CoverageCell]:
    """Per theme × ISO week: planned slots, approved items, published posts and reach,
    between two local days (default: everything). Counted per day in SQL. `viewer`: the
    slots of the channels and the posts of the items of the units they see."""
    lo = dt.datetime.combine(start, dt.time(), tz) if start else None
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz) if end else None
    dialect = session.get_bind().dialect.name
    slot_day = local_day(Slot.scheduled_at, dialect=dialect, tz=tz)
    pub_day = local_day(Publication.published_at, dialect=dialect, tz=tz)
    approved = func.sum(case((col(ContentItem.status).in_(DONE), 1), else_=0))
    cells: dict[tuple[str, str], CoverageCell] = {}

    def count(
        theme: str,
        day: Any,
        *,
        planned: int = 0,
        approved: int = 0,
        published: int = 0,
        reach: int | None = None,
    ) -> None:
        key = (theme, _week(day))
        c = cells.get(key) or CoverageCell(theme=key[0], week=key[1])
        cells[key] = replace(
            c,
            planned=c.planned + planned,
            approved=c.approved + approved,
            published=c.published + published,
            reach=_add(c.reach, reach),
        )

    codes = {t.id: t.code for t in session.exec(select(Theme))}  # group by id: one join less
    slots = select(Slot.theme_id, slot_day, func.count(col(Slot.id)), approved).outerjoin(
        ContentItem, col(ContentItem.slot_id) == col(Slot.id)
    )
    pubs = (
        select(
            ContentItem.theme_id,
            pub_day,
            func.count(col(Publication.id)),
            func.sum(Publication.latest_reach),
        )
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .where(Publication.state == PubState.published)
    )
    units = visible_units(session, viewer)
    channel_ids = _visible_channels(session, units)
    if units is not None and channel_ids is not None:
        slots = slots.where(col(Slot.channel_id).in_(channel_ids))
        pubs = pubs.where(col(ContentItem.unit_id).in_(units))
    if lo is not None:
        slots = slots.where(col(Slot.scheduled_at) >= lo)
        pubs = pubs.where(col(Publication.published_at) >= lo)
    if hi is not None:
        slots = slots.where(col(Slot.scheduled_at) < hi)
        pubs = pubs.where(col(Publication.published_at) < hi)
    for theme_id, day, planned, done in session.exec(slots.group_by(col(Slot.theme_id), slot_day)):
        count(codes.get(theme_id, "?"), day, planned=int(planned), approved=int(done or 0))
    for tid, day, published, reach in session.exec(
        pubs.group_by(col(ContentItem.theme_id), pub_day)
    ):
        if tid is None:
            continue
        count(codes.get(int(tid), "?"), day, published=int(published), reach=_int(reach))
    return sorted(cells.values(), key=lambda c: (c.week, c.theme))


def metrics_overview(
    session: Session, *, top: int = 20, viewer: User | None = None
) -> MetricsOverview:
    """The Metrics page: totals by channel and by theme from each post's newest reading,
    and the top posts by reach (SQL aggregates; the page never loads every post).
    `viewer`: the posts of the items of the units they see."""
    seen = visible_units(session, viewer)
    item_join = (ContentItem, col(ContentItem.id) == col(Publication.content_item_id))

    def by(
        key: Any, name: Callable[[Any], str], *joins: tuple[Any, Any]
    ) -> list[tuple[Any, MetricTotals]]:
        """(the key as stored, its totals named by `name`) per value of `key`."""
        query = select(  # type: ignore[call-overload]
            key,
            func.count(col(Publication.id)),
            func.count(col(Publication.metrics_at)),
            func.sum(Publication.latest_views),
            func.sum(Publication.latest_reach),
            func.sum(Publication.latest_engagement),
        )
        if seen is not None and not any(j is item_join for j in joins):
            joins = (*joins, item_join)
        for table, on in joins:
            query = query.join(table, on)
        if seen is not None:
            query = query.where(col(ContentItem.unit_id).in_(seen))
        query = query.where(Publication.state == PubState.published).group_by(key)
        return [
            (
                k,
                MetricTotals(
                    key=name(k),
                    posts=int(n),
                    measured=int(m),
                    views=_int(v),
                    reach=_int(r),
                    engagement=_int(e),
                ),
            )
            for k, n, m, v, r, e in session.exec(query)
        ]

    best = (
        select(Publication, Channel, ContentItem)
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .where(Publication.state == PubState.published, col(Publication.latest_reach).is_not(None))
    )
    if seen is not None:
        best = best.where(col(ContentItem.unit_id).in_(seen))
    posts = session.exec(best.order_by(col(Publication.latest_reach).desc()).limit(top)).all()
    # names and platforms joined in Python: cheaper
    channels = {c.id: c for c in session.exec(select(Channel))}
    codes = {t.id: t.code for t in session.exec(select(Theme))}
    units = {u.id: u.name for u in session.exec(select(Unit))}
    platforms: dict[str, MetricTotals] = {}
    by_unit: dict[str, MetricTotals] = {}
    by_channel = by(Publication.channel_id, lambda k: channels[k].display_name)
    for channel_id, row in by_channel:
        channel = channels[channel_id]
        for groups, key in ((platforms, channel.platform), (by_unit, units[channel.unit_id])):
            empty = MetricTotals(
                key=key, posts=0, measured=0, views=None, reach=None, engagement=None
            )
            groups[key] = groups.get(key, empty).plus(row)
    return MetricsOverview(
        by_channel=tuple(row for _, row in by_channel),
        by_platform=tuple(platforms.values()),
        by_unit=tuple(by_unit.values()),
        by_language=tuple(row for _, row in by(ContentItem.language, str, item_join)),
        by_theme=tuple(
            row for _, row in by(ContentItem.theme_id, lambda k: codes.get(k, "?"), item_join)
        ),
        top=tuple(
            TopPost(
                channel=c.display_name,
                platform=c.platform,
                url=p.remote_url,
                media=stored.shown(i.media_path),
                text=i.caption.splitlines()[0] if i.caption else "",
                views=p.latest_views,
                reach=p.latest_reach,
                engagement=p.latest_engagement,
                published_at=p.published_at,
            )
            for p, c, i in posts
        ),
    )


def waves_between(session: Session, *, start: dt.date, end: dt.date) -> list[CampaignWave]:
    """Campaign waves (build-up to after) that overlap the range, earliest first."""
    out: list[CampaignWave] = []
    for campaign in session.exec(select(Campaign)):
        for w in campaign.config.get("waves", []):
            peak = dt.date.fromisoformat(str(w["date"]))
            lo = peak - dt.timedelta(days=int(w.get("build_up_days", 0)))
            hi = peak + dt.timedelta(days=int(w.get("after_days", 0)))
            if lo <= end and hi >= start:
                out.append(
                    CampaignWave(
                        campaign=campaign.code,
                        name=str(w["name"]),
                        theme=str(w["theme"]),
                        peak=peak,
                        start=lo,
                        end=hi,
                        peak_days=int(w.get("peak_days", 0)),
                    )
                )
    return sorted(out, key=lambda w: (w.peak, w.name))


def channel_health(
    session: Session, *, now: dt.datetime, viewer: User | None = None
) -> list[ChannelHealth]:
    """Per channel: paused or not, its last error, what went out in the last 7 days, what
    waits for a person (failed, needs_check, missed) and when metrics last came back.
    `viewer`: the channels of the units they see."""
    week = now - dt.timedelta(days=7)
    counts: dict[tuple[int, str], int] = {}
    for channel_id, state, n in session.exec(
        select(Publication.channel_id, Publication.state, func.count(col(Publication.id)))
        .where(
            (col(Publication.updated_at) >= week) | col(Publication.state).in_(WAITING_FOR_A_PERSON)
        )
        .group_by(col(Publication.channel_id), col(Publication.state))
    ):
        counts[(channel_id, str(state))] = int(n)
    last = {
        cid: (pub, met)
        for cid, pub, met in session.exec(
            select(
                Publication.channel_id,
                func.max(Publication.published_at),
                func.max(Publication.metrics_at),
            ).group_by(col(Publication.channel_id))
        )
    }
    units = {u.id: u.name for u in session.exec(select(Unit))}
    out: list[ChannelHealth] = []
    shown = select(Channel).order_by(col(Channel.code))
    seen = visible_units(session, viewer)
    if seen is not None:
        shown = shown.where(col(Channel.unit_id).in_(seen))
    for c in session.exec(shown):
        published_at, metrics_at = last.get(c.id or 0, (None, None))
        waiting = sum(counts.get((c.id or 0, str(s)), 0) for s in WAITING_FOR_A_PERSON)
        out.append(
            ChannelHealth(
                code=c.code,
                name=c.display_name,
                platform=c.platform,
                unit=units.get(c.unit_id, ""),
                paused=c.paused,
                pause_reason=c.pause_reason,
                last_error=c.last_error,
                published_7d=counts.get((c.id or 0, "published"), 0),
                waiting=waiting,
                last_published=published_at,
                last_metrics=metrics_at,
                ok=not c.paused and not c.last_error and waiting == 0,
            )
        )
    return out


def waiting_for_a_person(
    session: Session, *, limit: int = 200, viewer: User | None = None
) -> list[WaitingPublication]:
    """Publications in needs_check, missed or failed, oldest slot first, with their reason.
    `viewer`: those of the items of the units they see."""
    query = (
        select(Publication, Channel, ContentItem)
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .where(col(Publication.state).in_(WAITING_FOR_A_PERSON))
    )
    units = visible_units(session, viewer)
    if units is not None:
        query = query.where(col(ContentItem.unit_id).in_(units))
    rows = session.exec(
        query.order_by(col(Publication.scheduled_at), col(Publication.id)).limit(limit)
    )
    return [
        WaitingPublication(
            id=_id(pub.id),
            state=str(pub.state),
            channel=channel.display_name,
            platform=channel.platform,
            scheduled_at=pub.scheduled_at,
            text=item.caption,
            reason=pub.last_error or "",
        )
        for pub, channel, item in rows
    ]


def _audit_visible(units: frozenset[int]) -> Any:
    """SQL: an audit row done by a person of these units, or about one of their items,
    publications (through the item), channels or people; a pause of every channel too."""
    mine = col(ContentItem.unit_id).in_(units)
    entity, entity_id = col(AuditEvent.entity), col(AuditEvent.entity_id)
    return or_(
        col(AuditEvent.actor).in_(select(User.username).where(col(User.unit_id).in_(units))),
        (entity == "item") & entity_id.in_(select(cast(col(ContentItem.id), String)).where(mine)),
        (entity == "publication")
        & entity_id.in_(
            select(cast(col(Publication.id), String))
            .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
            .where(mine)
        ),
        (entity == "channel")
        & (
            (entity_id == "*")
            | entity_id.in_(select(Channel.code).where(col(Channel.unit_id).in_(units)))
            | entity_id.in_(
                select(cast(col(Channel.id), String)).where(col(Channel.unit_id).in_(units))
            )
        ),
        (entity == "user")
        & entity_id.in_(select(cast(col(User.id), String)).where(col(User.unit_id).in_(units))),
    )


def _audit_select(
    session: Session,
    *,
    viewer: User | None,
    text: str | None,
    actor: str | None,
    entity_id: str | None,
) -> Any:
    query = select(AuditEvent)
    units = visible_units(session, viewer)
    if units is not None:
        query = query.where(_audit_visible(units))
    if text and text.strip():
        query = query.where(_matches([col(AuditEvent.action), col(AuditEvent.entity)], text))
    if actor and actor.strip():
        query = query.where(_matches([col(AuditEvent.actor)], actor))
    if entity_id and entity_id.strip():
        query = query.where(AuditEvent.entity_id == entity_id.strip().lstrip("#"))
    return query


def _audit_row(e: AuditEvent) -> AuditRow:
    return AuditRow(
        id=_id(e.id),
        at=e.at,
        actor=e.actor,
        action=e.action,
        entity=e.entity,
        entity_id=e.entity_id,
        before_hash=e.before_hash,
        after_hash=e.after_hash,
        detail=dict(e.detail),
        prev_hash=e.prev_hash,
        row_hash=e.row_hash,
        key_id=e.key_id,
    )


def audit_page(
    session: Session,
    *,
    viewer: User | None,
    text: str | None = None,
    actor: str | None = None,
    entity_id: str | None = None,
    page: int = 1,
    size: int = 20,
) -> Page[AuditRow]:
    """One page of the audit log as `viewer` sees it (see `_audit_visible`; an admin, or
    None, every row), newest first. `text`: the action or the kind of record holds it
    (item.approve, publication); `actor`: who did it (their login holds it); `entity_id`:
    the record's id exactly (an item's number, a channel's code). Counted and cut in SQL;
    a page past the end is the last one."""
    if size < 1:
        raise ValueError(f"page size {size}: at least 1")
    query = _audit_select(session, viewer=viewer, text=text, actor=actor, entity_id=entity_id)
    total = int(session.exec(select(func.count()).select_from(query.subquery())).one())
    last = max(1, -(-total // size))
    offset = (min(max(page, 1), last) - 1) * size
    rows = session.exec(query.order_by(col(AuditEvent.id).desc()).offset(offset).limit(size))
    return Page(rows=tuple(_audit_row(e) for e in rows), total=total, offset=offset, size=size)


def audit_rows(
    session: Session,
    *,
    viewer: User | None,
    text: str | None = None,
    actor: str | None = None,
    entity_id: str | None = None,
) -> Iterator[AuditRow]:
    """Every row of the audit log `viewer` sees that matches, oldest first (the CSV)."""
    query = _audit_select(session, viewer=viewer, text=text, actor=actor, entity_id=entity_id)
    for e in session.exec(query.order_by(col(AuditEvent.id)).execution_options(yield_per=500)):
        yield _audit_row(e)
