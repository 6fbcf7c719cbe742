"""The outbox: each hand-off in the audit log becomes e-mail to the people it hands work to,
exactly once.

`fill_outbox` reads the audit events after the notifier's cursor
(`notify_cursor.last_event_id`), oldest first, writes one `MailOut` row per person each
hand-off concerns (only people with an e-mail address, active, and never the person who
acted), and moves the cursor past them, all in the caller's transaction. The cursor row is
locked first (`UPDATE notify_cursor … RETURNING`: a row lock on PostgreSQL, the write lock
on SQLite, taken before the cursor is read, as `core/audit.py` locks `audithead`), so two
runs at once take turns and the second starts where the first ended: an event becomes mail
once. Following ids is safe because audit rows are inserted at commit under the audit head
lock: a lower id is never committed after a higher one is visible.

The hand-offs:

- an item is sent for approval (`item.submit`), arrives from an official feed
  (`item.from_feed`) or is sent back to review because its channel changed
  (`item.reopen`): the approvers of its unit, i.e. approvers and admins who belong to the
  item's unit or a unit above it (an admin of another branch is not mailed, although the
  desk lets them act everywhere);
- an approver asks for changes (`item.request_changes`), rejects (`item.reject`) or
  approves (`item.approve`): the item's author;
- the publisher gives up on a post that is too late (`publication.missed`), or a post on a
  manual channel (a portal without an API, a notice board, a partner's page) is due and
  waits for a person to post it by hand (`publication.manual_due`): the approvers and
  managers (and admins) of the channel's unit and the units above it.

A post that goes to `needs_check` because the platform left it in doubt is not in the
audit log (the publisher does not record that transition), so it is not mailed; the desk's
"Việc của tôi" page lists it. A manual channel's post that falls due is recorded, and mailed.

With e-mail off (PHUXANH_SMTP_HOST empty) the cursor moves over the events and no mail is
written, so turning e-mail on later does not send a flood about old work. Events older than
`STALE` are passed over the same way (mail a day late is news nobody needs: the desk lists
what is still waiting).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from phuxanh.core.settings import get_settings
from phuxanh.models import (
    AuditEvent,
    Channel,
    ContentItem,
    ItemStatus,
    MailOut,
    NotifyCursor,
    Publication,
    Role,
    Unit,
    User,
    utcnow,
)
from phuxanh.notify.config import MailConfig, item_link, mail_config
from phuxanh.publish.resolve import RESOLVERS
from phuxanh.review import APPROVERS

STALE = dt.timedelta(hours=24)
BATCH = 500  # events read per call; `notify.deliver` calls again until the log is read
_CURSOR = NotifyCursor.__table__  # type: ignore[attr-defined]

TO_APPROVERS = {
    "item.submit": "submitted",
    "item.from_feed": "from_feed",
    "item.reopen": "reopened",
}
TO_AUTHOR = {
    "item.request_changes": "changes",
    "item.reject": "rejected",
    "item.approve": "approved",
}
TO_UNIT = {"publication.missed": "missed", "publication.manual_due": "manual"}
# who acted, when it was not a person
MACHINES = {"publisher": "Hệ thống đăng bài", "feeds": "Nguồn tin chính thức", "system": "Hệ thống"}
SUBJECT_MAX = 255
FIRST_LINE_MAX = 120


@dataclass(frozen=True)
class Letter:
    """One e-mail to write into the outbox."""

    user_id: int
    to_address: str
    subject: str
    body: str
    content_item_id: int | None
    audit_event_id: int


def _lock_cursor(session: Session) -> int:
    """Lock the cursor row (making it at 0 the first time) and read it after the lock."""
    statement = (
        update(_CURSOR)
        .where(_CURSOR.c.id == 1)
        .values(last_event_id=_CURSOR.c.last_event_id)
        .returning(_CURSOR.c.last_event_id)
    )
    row = session.execute(statement).first()
    if row is None:
        insert: Any
        if session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        session.execute(insert(_CURSOR).values(id=1, last_event_id=0).on_conflict_do_nothing())
        row = session.execute(statement).first()
        assert row is not None
    return int(row[0])


def _move_cursor(session: Session, to: int) -> None:
    session.execute(update(_CURSOR).where(_CURSOR.c.id == 1).values(last_event_id=to))


@dataclass(frozen=True)
class Filled:
    read: int  # audit events the cursor moved over
    queued: int  # mails written


def fill_outbox(session: Session, *, now: dt.datetime | None = None, limit: int = BATCH) -> Filled:
    """Turn the next `limit` audit events into mail (see the module's docstring). Not
    committed: the caller's transaction holds the mail and the cursor together. With e-mail
    off, moves the cursor to the newest event and writes nothing. A setting that is wrong
    raises ConfigError before anything changes."""
    config = mail_config()
    after = _lock_cursor(session)
    if config is None:
        newest = session.exec(select(func.max(AuditEvent.id))).one()
        if newest is not None and newest > after:
            _move_cursor(session, newest)
        return Filled(0, 0)
    events = session.exec(
        select(AuditEvent)
        .where(col(AuditEvent.id) > after)
        .order_by(col(AuditEvent.id))
        .limit(limit)
    ).all()
    if not events:
        return Filled(0, 0)
    oldest_worth_mail = (now or utcnow()) - STALE
    letters: list[Letter] = []
    for event in events:
        if event.at >= oldest_worth_mail:
            letters += letters_for(session, event, config)
    for letter in letters:
        session.add(
            MailOut(
                user_id=letter.user_id,
                to_address=letter.to_address,
                subject=letter.subject,
                body=letter.body,
                content_item_id=letter.content_item_id,
                audit_event_id=letter.audit_event_id,
            )
        )
    _move_cursor(session, events[-1].id or after)
    session.flush()
    return Filled(len(events), len(letters))


# --- who ---------------------------------------------------------------------------------


def _unit_and_above(session: Session, unit_id: int) -> set[int]:
    """The unit and every unit above it: their members oversee its items."""
    parents = dict(session.exec(select(Unit.id, Unit.parent_id)).all())
    out: set[int] = set()
    current: int | None = unit_id
    while current is not None and current not in out:
        out.add(current)
        current = parents.get(current)
    return out


def _people(
    session: Session, *, roles: set[Role], unit_id: int, skip: set[int], actor: str
) -> list[User]:
    """Active users with an e-mail address, in one of `roles`, who belong to the unit or a
    unit above it; never the actor nor those in `skip`."""
    units = _unit_and_above(session, unit_id)
    found = session.exec(
        select(User)
        .where(
            col(User.role).in_(roles),
            col(User.unit_id).in_(units),
            col(User.active).is_(True),
            col(User.email).is_not(None),
        )
        .order_by(col(User.id))
    ).all()
    return [u for u in found if u.id not in skip and u.username != actor]


def _author(session: Session, item: ContentItem, actor: str) -> list[User]:
    author = session.get(User, item.author_id)
    if author is None or not author.active or not author.email or author.username == actor:
        return []
    return [author]


# --- what --------------------------------------------------------------------------------


def first_line(text: str, most: int = FIRST_LINE_MAX) -> str:
    """The first line of a caption with text in it, without control characters, cut
    ("" for a caption without text)."""
    for line in text.splitlines():
        clean = "".join(
            " " if unicodedata.category(c).startswith("C") else c
            for c in unicodedata.normalize("NFC", line)
        )
        clean = " ".join(clean.split())
        if clean:
            return clean if len(clean) <= most else clean[: most - 1] + "…"
    return ""


def _who(session: Session, actor: str) -> str:
    if actor in MACHINES:
        return MACHINES[actor]
    person = session.exec(select(User).where(User.username == actor)).first()
    if person is None or not person.display_name or person.display_name == actor:
        return actor
    return f"{person.display_name} ({actor})"


def _local(when: dt.datetime | None) -> str:
    if when is None:
        return "chưa đặt giờ"
    return when.astimezone(get_settings().tz).strftime("%H:%M ngày %d/%m/%Y")


def _subject(text: str) -> str:
    return text if len(text) <= SUBJECT_MAX else text[: SUBJECT_MAX - 1] + "…"


def _channels(session: Session, item: ContentItem) -> str:
    names = session.exec(
        select(Channel.display_name).where(col(Channel.id).in_(item.channel_ids))
    ).all()
    return ", ".join(sorted(names)) or "chưa chọn kênh"


def letters_for(session: Session, event: AuditEvent, config: MailConfig) -> list[Letter]:
    """The mail one audit event hands out (none for an event that is no hand-off)."""
    action = event.action
    if action in TO_APPROVERS or action in TO_AUTHOR:
        item = session.get(ContentItem, _int(event.entity_id))
        if item is None or item.id is None:
            return []
        if action in TO_APPROVERS:
            people = _people(
                session,
                roles=set(APPROVERS),
                unit_id=item.unit_id,
                skip={item.author_id},
                actor=event.actor,
            )
            kind = TO_APPROVERS[action]
        else:
            people = _author(session, item, event.actor)
            kind = TO_AUTHOR[action]
        return [_letter(session, event, config, kind, person, item) for person in people]
    if action in TO_UNIT:
        pub = session.get(Publication, _int(event.entity_id))
        if pub is None:  # withdrawn since
            return []
        item = session.get(ContentItem, pub.content_item_id)
        channel = session.get(Channel, pub.channel_id)
        if item is None or channel is None:
            return []
        people = _people(
            session, roles=set(RESOLVERS), unit_id=channel.unit_id, skip=set(), actor=event.actor
        )
        return [
            _letter(session, event, config, TO_UNIT[action], p, item, pub=pub, channel=channel)
            for p in people
        ]
    return []


def _manual(
    pub: Publication | None, channel: Channel | None, ref: str, first: str
) -> tuple[str, list[str], str]:
    """A manual channel's post is due: (subject, lines, what to do)."""
    assert pub is not None and channel is not None
    place = f" ({channel.api_base_url})" if channel.api_base_url else ""
    subject = f"[phuxanh] Bài đăng #{pub.id} chờ đăng thủ công lên {channel.display_name}: "
    lines = [
        f"Bài đăng #{pub.id} ({ref}) đã đến giờ đăng ({_local(pub.scheduled_at)}) trên "
        f"kênh {channel.display_name}{place}. Đây là kênh đăng thủ công: phuxanh không "
        "tự đăng lên kênh này.",
        "Xuất bài (chú thích, tệp ảnh hoặc video, văn bản thay thế): "
        f"phuxanh publication export {pub.id}",
        f"Sau khi đăng, ghi đường dẫn: phuxanh publication resolve {pub.id} --live URL",
    ]
    todo = "đăng bài bằng tay rồi ghi đường dẫn; bài chỉ được tính vào báo cáo khi đã ghi."
    return subject + first, lines, todo


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return -1


def _letter(
    session: Session,
    event: AuditEvent,
    config: MailConfig,
    kind: str,
    person: User,
    item: ContentItem,
    *,
    pub: Publication | None = None,
    channel: Channel | None = None,
) -> Letter:
    assert item.id is not None and person.id is not None and person.email is not None
    who, when = _who(session, event.actor), _local(event.at)
    first = first_line(item.caption) or "(không có chú thích)"
    said = str(event.detail.get("comment") or event.detail.get("reason") or "").strip()
    ref = f"mục #{item.id}"
    lines: list[str]
    if kind == "submitted":
        subject = f"[phuxanh] Mục #{item.id} chờ bạn duyệt: {first}"
        lines = [f"{who} đã gửi {ref} để duyệt lúc {when}."]
        todo = "xem rồi duyệt, yêu cầu sửa hoặc từ chối."
    elif kind == "from_feed":
        feed = str(event.detail.get("feed") or "")
        subject = f"[phuxanh] Mục #{item.id} (tin chính thức) chờ bạn duyệt: {first}"
        lines = [f"Mục #{item.id} được tạo từ nguồn tin chính thức {feed} lúc {when}."]
        todo = "xem rồi duyệt, yêu cầu sửa hoặc từ chối."
    elif kind == "reopened":
        subject = f"[phuxanh] Mục #{item.id} cần duyệt lại: {first}"
        lines = [f"{ref.capitalize()} được đưa lại hàng chờ duyệt lúc {when}.", f"Lý do: {said}"]
        todo = "xem rồi duyệt lại, yêu cầu sửa hoặc từ chối."
    elif kind == "changes":
        subject = f"[phuxanh] Mục #{item.id} cần sửa: {first}"
        lines = [f"{who} đã yêu cầu sửa {ref} lúc {when}.", f"Góp ý: {said}"]
        todo = "sửa theo góp ý rồi gửi duyệt lại."
    elif kind == "rejected":
        subject = f"[phuxanh] Mục #{item.id} bị từ chối: {first}"
        lines = [f"{who} đã từ chối {ref} lúc {when}.", f"Lý do: {said}"]
        todo = "không còn gì phải làm với mục này; hãy xem lý do trước khi soạn bài mới."
    elif kind == "approved":
        subject = f"[phuxanh] Mục #{item.id} đã được duyệt: {first}"
        lines = [f"{who} đã duyệt {ref} lúc {when}."]
        if item.status in (ItemStatus.approved, ItemStatus.scheduled, ItemStatus.published):
            lines.append(
                f"Bài được lên lịch đăng lúc {_local(item.scheduled_at)} trên: "
                f"{_channels(session, item)}."
            )
            todo = "không cần làm gì thêm; bài sẽ tự đăng theo lịch."
        elif item.status == ItemStatus.in_review:
            lines.append("Chủ đề nhạy cảm: mục còn chờ thêm một người duyệt nữa.")
            todo = "không cần làm gì thêm lúc này."
        else:
            todo = "xem trạng thái hiện tại của mục trong bàn biên tập."
    elif kind == "manual":
        subject, lines, todo = _manual(pub, channel, ref, first)
    else:  # missed
        assert pub is not None and channel is not None
        subject = f"[phuxanh] Bài đăng #{pub.id} lỡ giờ, cần người xử lý: {first}"
        lines = [
            f"Bài đăng #{pub.id} ({ref}) trên kênh {channel.display_name} đã không được "
            f"đăng đúng giờ ({_local(pub.scheduled_at)}); hệ thống không tự đăng lại.",
            f"Lý do: {said or pub.last_error or 'không rõ'}",
        ]
        todo = "xem lại trên trang “Tình trạng kênh”: đăng lại, xác nhận đã lên trang hoặc hủy."
    if item.urgent and kind in ("submitted", "from_feed", "reopened"):
        # news that cannot wait: the word a mail client shows first, and said in the body
        subject = subject.replace("[phuxanh] ", "[phuxanh] KHẨN: ", 1)
        lines.append("Mục được đánh dấu khẩn: xin duyệt sớm nhất có thể.")
    name = person.display_name or person.username
    body = "\n".join(
        [
            f"Kính gửi {name},",
            "",
            *lines,
            "",
            f"Nội dung: {first}",
            f"Việc cần làm: {todo}",
            f"Mở {ref} trong bàn biên tập: {item_link(config.desk_url, item.id)}",
            "",
            "-- ",
            "Đây là thư tự động của phuxanh, xin đừng trả lời thư này. Mọi việc đang chờ "
            "bạn có ở trang “Việc của tôi” trong bàn biên tập.",
        ]
    )
    return Letter(
        user_id=person.id,
        to_address=person.email,
        subject=_subject(subject),
        body=body,
        content_item_id=item.id,
        audit_event_id=event.id or 0,
    )
