""" "Việc của tôi": what one person must do now, read straight from the items and posts.

- **To approve**: items in review that this person may approve: they approve (approver or
  admin), the item is in their unit or a unit below it (`users.oversees`: an admin
  everywhere), they did not write it, and they have not already approved this version of it
  (an approval binds the content hash, so an edit after their approval asks them again).
- **Returned**: items this person wrote that an approver sent back, with the newest reason:
  changes requested (until they submit again), or rejected in the last `RECENT_REJECTION`
  (a rejected item is final: it is shown so the author reads why, then leaves the list).
- **Posts that need a person**: publications in `needs_check` or `missed` on channels of
  the units this person oversees, for those who may settle them (approvers, managers,
  admins: `publish.resolve.RESOLVERS`).

The rows are plain frozen dataclasses: the desk draws them, tests compare them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from phuxanh.models import (
    Approval,
    Channel,
    ContentItem,
    ItemComment,
    ItemStatus,
    Publication,
    PubState,
    Role,
    Theme,
    Unit,
    User,
    utcnow,
)
from phuxanh.notify.handoffs import first_line
from phuxanh.publish.resolve import RESOLVERS
from phuxanh.review import APPROVERS, content_hash

RECENT_REJECTION = dt.timedelta(days=7)
NEED_A_PERSON = (PubState.needs_check, PubState.missed)
_RETURNED = {
    ItemStatus.changes_requested: ("request_changes", "changes"),
    ItemStatus.rejected: ("reject", "reject"),
}


@dataclass(frozen=True)
class ToApprove:
    item_id: int
    caption: str  # the caption's first line
    unit: str  # the unit's name
    author: str  # username
    scheduled_at: dt.datetime | None
    sensitive: bool  # needs two approvers
    approvals: int  # approvals of this version so far, by others
    urgent: bool = False  # listed first, marked "Khẩn"


@dataclass(frozen=True)
class Returned:
    item_id: int
    caption: str
    status: str  # changes_requested | rejected
    by: str  # the approver's username ("" when unknown)
    reason: str
    at: dt.datetime | None


@dataclass(frozen=True)
class PostToSettle:
    publication_id: int
    item_id: int
    caption: str
    channel: str  # the channel's display name
    platform: str
    state: str  # needs_check | missed
    reason: str  # the publication's last error
    scheduled_at: dt.datetime


@dataclass(frozen=True)
class MyWork:
    to_approve: tuple[ToApprove, ...] = ()
    returned: tuple[Returned, ...] = ()
    posts: tuple[PostToSettle, ...] = ()

    @property
    def total(self) -> int:
        return len(self.to_approve) + len(self.returned) + len(self.posts)


def overseen_units(session: Session, user: User) -> set[int] | None:
    """The ids of the units whose items `user` may act on: their own and every unit below
    it (the same rule as `users.oversees`, for all units at once); None: every unit (an
    admin)."""
    if user.role == Role.admin:
        return None
    children: dict[int, list[int]] = {}
    for unit_id, parent_id in session.exec(select(Unit.id, Unit.parent_id)).all():
        if unit_id is not None and parent_id is not None:
            children.setdefault(parent_id, []).append(unit_id)
    out: set[int] = set()
    todo = [user.unit_id]
    while todo:
        current = todo.pop()
        if current not in out:
            out.add(current)
            todo += children.get(current, [])
    return out


def my_work(session: Session, *, user: User, now: dt.datetime | None = None) -> MyWork:
    """What `user` must do now (see the module's docstring); an inactive user has none."""
    if not user.active or user.id is None:
        return MyWork()
    units = overseen_units(session, user)
    return MyWork(
        to_approve=tuple(_to_approve(session, user, units)) if user.role in APPROVERS else (),
        returned=tuple(_returned(session, user, now or utcnow())),
        posts=tuple(_posts(session, units)) if user.role in RESOLVERS else (),
    )


def _to_approve(session: Session, user: User, units: set[int] | None) -> list[ToApprove]:
    query = select(ContentItem).where(
        col(ContentItem.status) == ItemStatus.in_review, col(ContentItem.author_id) != user.id
    )
    if units is not None:
        query = query.where(col(ContentItem.unit_id).in_(units))
    items = session.exec(query.order_by(col(ContentItem.id))).all()
    if not items:
        return []
    ids = [i.id for i in items]
    approvals: dict[int, list[Approval]] = {}
    for a in session.exec(
        select(Approval).where(
            col(Approval.content_item_id).in_(ids), col(Approval.decision) == "approved"
        )
    ):
        approvals.setdefault(a.content_item_id, []).append(a)
    unit_names = dict(session.exec(select(Unit.id, Unit.name)).all())
    authors = dict(
        session.exec(
            select(User.id, User.username).where(col(User.id).in_({i.author_id for i in items}))
        ).all()
    )
    sensitive = {
        t.id
        for t in session.exec(
            select(Theme).where(
                col(Theme.id).in_({i.theme_id for i in items if i.theme_id}),
                col(Theme.sensitive).is_(True),
            )
        )
    }
    out = []
    for item in items:
        assert item.id is not None
        mine = approvals.get(item.id, [])
        current: set[int] = set()
        if mine:  # the hash reads the media file: only for items someone approved
            digest = content_hash(session, item)
            current = {a.user_id for a in mine if a.content_hash == digest}
        if user.id in current:
            continue
        out.append(
            ToApprove(
                item_id=item.id,
                caption=first_line(item.caption),
                unit=str(unit_names.get(item.unit_id, "")),
                author=str(authors.get(item.author_id, "")),
                scheduled_at=item.scheduled_at,
                sensitive=item.theme_id in sensitive or item.incident_id is not None,
                approvals=len(current),
                urgent=item.urgent,
            )
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(out, key=lambda r: (not r.urgent, r.scheduled_at or far, r.item_id))


def _returned(session: Session, user: User, now: dt.datetime) -> list[Returned]:
    items = session.exec(
        select(ContentItem)
        .where(
            col(ContentItem.author_id) == user.id,
            col(ContentItem.status).in_(list(_RETURNED)),
        )
        .order_by(col(ContentItem.id))
    ).all()
    if not items:
        return []
    ids = [i.id for i in items]
    # the newest reason: an approver's decision (review records it with the approval) or
    # the desk's review conversation, whichever is newer
    said: dict[tuple[int, str], tuple[dt.datetime, int, str]] = {}
    for a in session.exec(
        select(Approval).where(
            col(Approval.content_item_id).in_(ids),
            col(Approval.decision).in_([d for d, _ in _RETURNED.values()]),
        )
    ):
        _newer(said, (a.content_item_id, a.decision), (a.at, a.user_id, a.comment or ""))
    for c in session.exec(
        select(ItemComment).where(
            col(ItemComment.content_item_id).in_(ids),
            col(ItemComment.kind).in_([k for _, k in _RETURNED.values()]),
        )
    ):
        decision = next(d for d, k in _RETURNED.values() if k == c.kind)
        _newer(said, (c.content_item_id, decision), (c.at, c.user_id, c.text))
    names = dict(session.exec(select(User.id, User.username)).all())
    out = []
    for item in items:
        assert item.id is not None
        decision, _kind = _RETURNED[ItemStatus(item.status)]
        at, by, reason = said.get((item.id, decision), (None, None, ""))
        when = at or item.updated_at
        if item.status == ItemStatus.rejected and when < now - RECENT_REJECTION:
            continue
        out.append(
            Returned(
                item_id=item.id,
                caption=first_line(item.caption),
                status=str(item.status),
                by=str(names.get(by, "")) if by is not None else "",
                reason=reason,
                at=at,
            )
        )
    old = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(out, key=lambda r: (r.at or old, r.item_id), reverse=True)


def _newer(
    said: dict[tuple[int, str], tuple[dt.datetime, int, str]],
    key: tuple[int, str],
    value: tuple[dt.datetime, int, str],
) -> None:
    if key not in said or said[key][0] <= value[0]:
        said[key] = value


def _posts(session: Session, units: set[int] | None) -> list[PostToSettle]:
    query = (
        select(Publication, Channel, ContentItem)
        .join(Channel, col(Channel.id) == col(Publication.channel_id))
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .where(col(Publication.state).in_(NEED_A_PERSON))
    )
    if units is not None:
        query = query.where(col(Channel.unit_id).in_(units))
    rows = session.exec(query.order_by(col(Publication.scheduled_at), col(Publication.id)))
    return [
        PostToSettle(
            publication_id=pub.id or 0,
            item_id=item.id or 0,
            caption=first_line(item.caption),
            channel=channel.display_name,
            platform=channel.platform,
            state=str(pub.state),
            reason=pub.last_error or "",
            scheduled_at=pub.scheduled_at,
        )
        for pub, channel, item in rows
    ]
