"""All tables in one place (SQLModel). Times are stored in UTC and come back timezone-aware.

State machines (each transition, and where it is made: `docs/architecture.md`):
- ContentItem: draft → in_review → approved → scheduled → published, or rejected,
  changes_requested, failed; back to in_review whenever the approved hash no longer matches.
- Publication: scheduled → claimed → sending → processing → published, or failed,
  needs_check, missed, paused. Every transition is one conditional UPDATE.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import AutoString, Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} (times must carry a zone)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _json() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


# States are stored as VARCHAR, not database ENUM types: the same on SQLite and PostgreSQL,
# and a new state needs no ALTER TYPE. Values are checked in code: every state a row takes
# is a member of the StrEnums below, and writes go through them.


class Role(StrEnum):
    editor = "editor"
    approver = "approver"
    manager = "manager"
    admin = "admin"


class ItemStatus(StrEnum):
    draft = "draft"
    in_review = "in_review"
    changes_requested = "changes_requested"
    approved = "approved"
    scheduled = "scheduled"
    published = "published"
    rejected = "rejected"
    failed = "failed"


class PubState(StrEnum):
    scheduled = "scheduled"
    claimed = "claimed"
    sending = "sending"
    processing = "processing"
    published = "published"
    failed = "failed"
    needs_check = "needs_check"
    missed = "missed"
    paused = "paused"


# the publisher leaves these for a person (phuxanh publication resolve, Channel health)
WAITING_FOR_A_PERSON = (PubState.needs_check, PubState.missed, PubState.failed)


class Unit(SQLModel, table=True):
    """An office: the city, a department, a ward, a university."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=64)
    name: str
    level: str = Field(default="city", max_length=32)
    parent_id: int | None = Field(default=None, foreign_key="unit.id")
    brand: str | None = Field(default=None, max_length=64)  # its brand kit (assets/brands)
    hotline: str | None = Field(default=None, max_length=64)
    address: str | None = None
    # the official who speaks for the unit in clarifications (a public office holder), and
    # their title, e.g. "Phó Chánh Văn phòng, Người phát ngôn"
    spokesperson: str | None = None
    spokesperson_title: str | None = None
    # its own report header: issuer lines, party, number pattern, place, signer, recipients
    # (the keys of planning.campaign.ReportSpec; empty: the campaign file's)
    report: dict[str, Any] = _json()


class Incident(SQLModel, table=True):
    """A false or harmful claim circulating in public, and the office's official answer to
    it: the claim (briefly, as circulated), links to public posts as evidence (URLs only:
    never an author, a profile or any field about a private person), severity and its
    target time from opening to a published clarification, the responsible official and the
    status. The timeline is the audit log of the incident and of its clarification items."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    title: str
    claim: str
    evidence: list[str] = _json_list()  # public URLs
    severity: str = Field(max_length=16)  # low | high | critical
    target_minutes: int  # opening → clarification live, set from the severity when opened
    status: str = Field(default="open", max_length=16, index=True)  # open | closed
    owner_id: int = Field(foreign_key="user.id")  # the office's person responsible
    opened_by_id: int = Field(foreign_key="user.id")
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    first_live_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by_id: int | None = Field(default=None, foreign_key="user.id")
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    close_note: str | None = None


class PressRelease(SQLModel, table=True):
    """A "Thông cáo báo chí" made from approved items: its number and title, the items it
    is made of, the files written, and where it was sent (`distribution`: one entry per
    outlet, {outlet, at, by}, recorded by a person)."""

    __tablename__ = "press_release"
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    number: str = Field(max_length=64)
    title: str
    item_ids: list[int] = _json_list()
    paths: list[str] = _json_list()  # the DOCX/PDF written, relative to the data folder
    contact: str | None = None  # the contact line: an office's role, phone or address
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    distribution: list[dict[str, Any]] = _json_list()


class Obligation(SQLModel, table=True):
    """A report a unit owes: what, to whom, for which kind of period, due when, and the
    document that says so. `due`: "10 after" (the 10th of the month after the period)
    or "15/11" (a fixed day of the year)."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    what: str
    to_name: str  # the body it goes to, as the directive names it
    to_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    period: str = Field(max_length=16)  # month | quarter | half | year | incident
    due: str = Field(default="", max_length=32)
    source: str = ""  # the directive (number) that sets it
    active: bool = True


class ReportFiling(SQLModel, table=True):
    """A report for one obligation and period: drafted, then sent (a person says so, with
    the document's number)."""

    __tablename__ = "report_filing"
    __table_args__ = (UniqueConstraint("obligation_id", "period_code"),)
    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", index=True)
    period_code: str = Field(max_length=16)
    state: str = Field(default="drafted", max_length=16)  # drafted | sent
    number: str | None = Field(default=None, max_length=64)
    path: str | None = None
    by: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Package(SQLModel, table=True):
    """Approved content a parent unit sends down: the source item (its card template and
    field values, captions per platform, facts and sources) and which fields the receiving
    units may not change."""

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    source_item_id: int = Field(foreign_key="contentitem.id")
    title: str
    locked: list[str] = _json_list()  # e.g. ["fact", "source", "card.figure"]
    note: str | None = None
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PackageDelivery(SQLModel, table=True):
    """One package at one receiving unit: received (a draft on its channels), approved,
    published or declined (with the reason)."""

    __tablename__ = "package_delivery"
    __table_args__ = (UniqueConstraint("package_id", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    package_id: int = Field(foreign_key="package.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    item_id: int | None = Field(default=None, foreign_key="contentitem.id")
    state: str = Field(default="received", max_length=16)
    reason: str | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=64)
    display_name: str = ""
    # the e-mail an OIDC provider vouches for (st.login); None: password sign-in only
    email: str | None = Field(default=None, max_length=254, unique=True, index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: Role = Field(max_length=16, sa_type=AutoString)
    password_hash: str | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # the content languages this person reads well enough to review a translation into
    languages: list[str] = _json_list()


class Directive(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=64)
    doc_type: str = Field(max_length=32)
    number: str | None = None
    issuer: str | None = None
    place: str | None = None
    issued_on: date | None = None
    title: str
    source_file: str | None = None


class Theme(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=64)
    title_vi: str
    title_en: str
    key_messages: list[dict[str, str]] = _json_list()
    hashtags: list[str] = _json_list()
    # hashtags of one language, by language code, for the channels that read it (the theme
    # file's `hashtags_by_language`); `hashtags` are every channel's
    lang_hashtags: dict[str, list[str]] = _json()
    # who the theme is for (content/audiences.yaml codes)
    audiences: list[str] = _json_list()
    slogans: list[str] = _json_list()
    directive_refs: list[str] = _json_list()
    sensitive: bool = False
    # the days the theme may be posted on (the catalog's valid_from / valid_until; None: open)
    valid_from: date | None = None
    valid_until: date | None = None


class Translation(SQLModel, table=True):
    """A catalog text in another language: a fact, a theme's title, key message or slogan
    (`kind`, `ref`: the fact's code, or THEME_CODE / THEME_CODE:N for the Nth message or
    slogan). Usable in public content only once `reviewed` by a person who reads `lang`
    (audited); a draft may come from the writing assistant (`machine_drafted`). The source
    of a translated fact is the original fact's source."""

    __table_args__ = (UniqueConstraint("kind", "ref", "lang"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # fact | title | message | slogan
    ref: str = Field(max_length=96, index=True)
    lang: str = Field(max_length=8)
    text: str = ""
    status: str = Field(default="draft", max_length=16)  # draft | reviewed
    machine_drafted: bool = False
    drafted_by: str = Field(default="", max_length=64)
    reviewed_by_id: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class KeyDate(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("theme_id", "on_date", "label_vi"),)
    id: int | None = Field(default=None, primary_key=True)
    theme_id: int | None = Field(default=None, foreign_key="theme.id", index=True)
    on_date: date
    label_vi: str
    label_en: str
    kind: str = Field(default="event", max_length=32)
    wave_before_days: int = 0
    wave_after_days: int = 0


class Fact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=64)
    theme_id: int = Field(foreign_key="theme.id", index=True)
    text_vi: str
    text_en: str
    figure: str | None = None
    unit_vi: str | None = None
    unit_en: str | None = None
    source_title: str
    source_number: str | None = None
    source_url: str | None = None
    issuer: str | None = None
    source_date: date | None = None
    valid_until: date | None = None

    @property
    def is_sourced(self) -> bool:
        return bool(self.source_title and (self.source_number or self.source_url))


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=64)
    name: str
    unit_id: int = Field(foreign_key="unit.id")
    starts_on: date
    ends_on: date
    config: dict[str, Any] = _json()


class Channel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=64)
    platform: str = Field(max_length=32)
    display_name: str
    unit_id: int = Field(foreign_key="unit.id", index=True)
    account_id: str
    api_base_url: str
    credential_ref: str = Field(description="env:VAR or file:/path; never the secret itself")
    posting_windows: list[str] = _json_list()
    max_per_day: int = 2
    min_spacing_minutes: int = 120
    formats: list[str] = _json_list()
    languages: list[str] = _json_list()
    # who the channel speaks to (content/audiences.yaml codes): an item on it counts for
    # them unless it names its own (`catalog.audiences.of_item`)
    audiences: list[str] = _json_list()
    paused: bool = False
    pause_reason: str | None = None
    last_error: str | None = None


class Template(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64)
    version: int = 1
    kind: str = Field(default="card", max_length=16)
    width: int
    height: int
    spec_sha256: str = Field(max_length=64)


class Slot(SQLModel, table=True):
    """One planned post: when, where, about what, and why the planner put it there."""

    __table_args__ = (
        UniqueConstraint("channel_id", "scheduled_at"),
        Index("ix_slot_time", "scheduled_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    theme_id: int = Field(foreign_key="theme.id", index=True)
    scheduled_at: datetime = Field(sa_type=UTCDateTime)
    format: str = Field(default="card", max_length=16)
    why: str = ""


class ContentItem(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slot_id: int | None = Field(default=None, foreign_key="slot.id", unique=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    theme_id: int | None = Field(default=None, foreign_key="theme.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    status: ItemStatus = Field(
        default=ItemStatus.draft, max_length=24, index=True, sa_type=AutoString
    )
    language: str = Field(default="vi", max_length=8)
    caption: str
    captions: dict[str, str] = _json()  # per channel code, where it differs from `caption`
    channel_ids: list[int] = _json_list()  # the channels this item is meant for
    link: str | None = None
    media_path: str | None = None
    alt_text: str | None = None
    template_id: int | None = Field(default=None, foreign_key="template.id")
    fact_ids: list[int] = _json_list()
    # what the post features, for freshness: fact:CODE, message:THEME:N, slogan:THEME:N,
    # countdown:YYYY-MM-DD:DAYS
    content_ref: str | None = Field(default=None, max_length=128, index=True)
    hold_reasons: list[str] = _json_list()  # quality checks a draft failed; submit refuses
    machine_drafted: bool = False  # the writing assistant proposed (part of) the text
    # news that cannot wait (an event today, a correction): first in every approver's list
    # and in "Việc của tôi", marked in its e-mail; the same four eyes as any other item
    urgent: bool = False
    # the incident this item clarifies (an official answer to a false claim): fast-tracked,
    # two approvers, published at once on approval. An incident's id, checked by the code
    # that sets it (no database foreign key: SQLite cannot add one to a table that exists)
    incident_id: int | None = Field(default=None, index=True)
    # the product's kind when a person says it (an item logged from elsewhere: article,
    # press, radio, event); None: told by its media (a card, a clip) or its text
    kind: str | None = Field(default=None, max_length=16)
    # who this item is for when its author says it (content/audiences.yaml codes); empty:
    # its channels' audiences
    audiences: list[str] = _json_list()
    scheduled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    author_id: int = Field(foreign_key="user.id")
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ItemVersion(SQLModel, table=True):
    """One saved version of an item: what it said and showed, kept for the history and its
    diff (every save of a draft or an edit after approval makes a new one; `version` matches
    `ContentItem.version` at the time). `card_values` are the template's fields when the
    card was drawn from a template."""

    __tablename__ = "item_version"
    id: int | None = Field(default=None, primary_key=True)
    content_item_id: int = Field(foreign_key="contentitem.id", index=True)
    version: int
    caption: str
    captions: dict[str, str] = _json()
    media_path: str | None = None
    alt_text: str | None = None
    card_values: dict[str, Any] = _json()
    scheduled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    channel_ids: list[int] = _json_list()
    editor_id: int = Field(foreign_key="user.id")
    note: str | None = None  # what the editor said the change is
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ItemComment(SQLModel, table=True):
    """The review conversation on an item: a comment, or the reason given with "request
    changes" or "reject" (`kind`), by whom and when, on which version."""

    __tablename__ = "item_comment"
    id: int | None = Field(default=None, primary_key=True)
    content_item_id: int = Field(foreign_key="contentitem.id", index=True)
    version: int
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(default="comment", max_length=16)  # comment | changes | reject
    text: str
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MailOut(SQLModel, table=True):
    """An e-mail to a person about a hand-off (the outbox): written in the transaction that
    reads the audit event it follows from, sent later by `notify.send_pending`; sent once
    (`sent_at`), or kept with its last error for the next try."""

    __tablename__ = "mail_out"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=255)
    body: str
    content_item_id: int | None = Field(default=None, foreign_key="contentitem.id")
    audit_event_id: int | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str | None = None


class NotifyCursor(SQLModel, table=True):
    """How far the notifier has read the audit log (one row): each event is turned into
    mail once."""

    __tablename__ = "notify_cursor"
    id: int = Field(default=1, primary_key=True)
    last_event_id: int = 0


class Asset(SQLModel, table=True):
    """Provenance of a rendered file: which template version, which inputs, which facts."""

    id: int | None = Field(default=None, primary_key=True)
    content_item_id: int | None = Field(default=None, foreign_key="contentitem.id", index=True)
    path: str
    sha256: str = Field(max_length=64)
    template_code: str = Field(max_length=64)
    template_version: int
    input_sha256: str = Field(max_length=64)
    fact_ids: list[int] = _json_list()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Approval(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    content_item_id: int = Field(foreign_key="contentitem.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    decision: str = Field(default="approved", max_length=24)
    content_hash: str = Field(max_length=64)
    comment: str | None = None
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Publication(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("content_item_id", "channel_id"),
        Index("ix_publication_due", "state", "scheduled_at"),
        Index("ix_publication_published", "state", "published_at"),
        Index("ix_publication_reach", "latest_reach"),
        # ids are never reused (SQLite would otherwise hand out a deleted highest id
        # again), so an audit row naming a publication never comes to name another one
        {"sqlite_autoincrement": True},
    )
    id: int | None = Field(default=None, primary_key=True)
    content_item_id: int = Field(foreign_key="contentitem.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    scheduled_at: datetime = Field(sa_type=UTCDateTime)
    state: PubState = Field(default=PubState.scheduled, max_length=16, sa_type=AutoString)
    idempotency_key: str = Field(unique=True, max_length=64)
    approved_hash: str = Field(max_length=64)
    remote_id: str | None = None
    remote_url: str | None = None
    # the platform's handle (upload session, publish_id, video id, article token) as JSON,
    # stored the moment the platform returns it so a crash resumes instead of re-sending
    handle: str | None = None
    attempts: int = 0
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None
    claimed_by: str | None = None
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # the newest metrics reading (history in MetricSnapshot); pages and reports sum these
    latest_views: int | None = None
    latest_reach: int | None = None
    latest_engagement: int | None = None
    metrics_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MetricSnapshot(SQLModel, table=True):
    """One reading of a publication's metrics. History is kept; missing data is NULL, not 0."""

    __table_args__ = (Index("ix_metric_pub_time", "publication_id", "collected_at"),)
    id: int | None = Field(default=None, primary_key=True)
    publication_id: int = Field(foreign_key="publication.id")
    collected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    views: int | None = None
    reach: int | None = None
    reactions: int | None = None
    comments: int | None = None
    shares: int | None = None
    clicks: int | None = None
    video_views: int | None = None
    watch_time_s: float | None = None
    followers: int | None = None
    # the audience's make-up where the platform's API gives it: {"country": {"VN": 0.81,
    # "KR": 0.07}, "language": {"vi": 0.8, "ko": 0.1}} (shares of views or reach; a platform
    # that gives none: {}). See docs/platforms.md, "Audience breakdowns".
    breakdown: dict[str, Any] = _json()
    raw: dict[str, Any] = _json()


class AuditEvent(SQLModel, table=True):
    """Append-only and hash-chained: row_hash = HMAC-SHA256 with the audit key (named by
    `key_id`) of prev_hash + canonical row, or plain SHA-256 when `key_id` is None (rows
    written without PHUXANH_AUDIT_KEY). See `phuxanh.core.audit`."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    before_hash: str | None = None
    after_hash: str | None = None
    detail: dict[str, Any] = _json()
    prev_hash: str = Field(max_length=64)
    row_hash: str = Field(max_length=64, unique=True)
    key_id: str | None = Field(default=None, max_length=32)


class AuditHead(SQLModel, table=True):
    """The audit chain's newest row, one row (id 1), changed in the transaction that
    appends. Its UPDATE is the lock that serialises appends (a row lock on PostgreSQL, the
    write lock on SQLite); its count and hash let `audit verify` notice missing newest rows."""

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    n_rows: int = 0
    last_id: int | None = None
    last_hash: str = Field(default="0" * 64, max_length=64)
    key_id: str | None = Field(default=None, max_length=32)


class FeedState(SQLModel, table=True):
    """Per feed: what the last conditional GET said, and the last problem."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=64)
    url: str
    etag: str | None = None
    last_modified: str | None = None
    polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None


class FeedEntry(SQLModel, table=True):
    """An entry already seen (by GUID and by canonical link), and the draft it became."""

    id: int | None = Field(default=None, primary_key=True)
    feed_code: str = Field(max_length=64, index=True)
    guid: str = Field(unique=True)
    link: str = Field(unique=True)
    title: str
    theme_id: int | None = Field(default=None, foreign_key="theme.id")
    content_item_id: int | None = Field(default=None, foreign_key="contentitem.id")
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Pause(SQLModel, table=True):
    """A crisis pause (a typhoon, a national mourning day): global when `channel_id` is
    None. Active until `ended_at` is set; publishing checks it before every send."""

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int | None = Field(default=None, foreign_key="channel.id", index=True)
    reason: str
    started_by: str = Field(max_length=64)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_by: str | None = Field(default=None, max_length=64)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # a pause for an incident: holds the channel's other posts while the incident is open
    # (its own clarification still goes out) and ends when the incident closes; an
    # incident's id (no database foreign key, as ContentItem.incident_id)
    incident_id: int | None = Field(default=None, index=True)


class ChannelToken(SQLModel, table=True):
    """A channel's OAuth token set, sealed with `PHUXANH_SECRET_KEY` (never stored clear).

    Platforms that rotate refresh tokens (TikTok, X, Zalo) hand out a new one on every
    refresh and kill the old one, so the newest must be kept where every worker sees it.
    `lock_owner`/`lock_until` is a lease taken by conditional UPDATE: one refresh per
    channel at a time, on SQLite and PostgreSQL alike, and a crashed holder's lease lapses.
    `seed_sha256` fingerprints the credential it came from: a person who re-authorises and
    puts a new credential in the environment replaces the stored set."""

    __tablename__ = "channel_token"
    channel_id: int = Field(foreign_key="channel.id", primary_key=True)
    sealed: str
    seed_sha256: str = Field(max_length=64)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    refreshed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    refresh_count: int = 0
    lock_owner: str | None = Field(default=None, max_length=128)
    lock_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = None


class UserSession(SQLModel, table=True):
    """A signed-in desk session (phuxanh/core/auth.py). The browser keeps a random 256-bit
    token in an HttpOnly, SameSite=Strict cookie; only its SHA-256 is stored. Until the
    browser claims it the session has a single-use hand-off code instead (hashed, valid for
    a minute): the sign-in form talks over Streamlit's websocket, which cannot set a cookie,
    so the page posts the code to the dashboard's session route and its answer sets the
    cookie (dashboard/web.py). Valid while not revoked, before `expires_at`, for an active
    user."""

    __tablename__ = "user_session"
    # ids are never reused (the audit names sessions by id), on SQLite too
    __table_args__ = {"sqlite_autoincrement": True}
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_sha256: str | None = Field(default=None, max_length=64, unique=True)
    handoff_sha256: str | None = Field(default=None, max_length=64, unique=True)
    handoff_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    method: str = Field(default="password", max_length=16)  # password | sso
    client: str = Field(default="", max_length=64)
    lang: str | None = Field(default=None, max_length=8)  # the interface language chosen
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins of one username or one client (phuxanh/core/auth.py), shared by every
    process. Keyed by the SHA-256 of `kind:key`, so a password typed into the username
    field is never stored readable."""

    __tablename__ = "sign_in_throttle"
    id: int | None = Field(default=None, primary_key=True)
    key_sha256: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=8)  # user | client
    failures: int = 0
    last_failure_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
