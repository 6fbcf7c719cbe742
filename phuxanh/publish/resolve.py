"""A person settles a publication the publisher could not: `needs_check` (the platform could
not tell whether our post exists, e.g. a Telegram send whose answer was lost), `missed`
(too late to send without asking) or `failed`.

After looking at the account, they say one of:
- live: the post is there (its URL, and the platform's id if known) → `published`;
- not sent: it is not there → `scheduled` again, at a new time if given (the approved
  version is unchanged, so no new approval is needed);
- cancel: it will not go out → `failed`, with their reason.

Each is one conditional UPDATE from the states above (`publishing.transition`), so a
person and a publisher that reconciles the same post at the same moment cannot both win;
each is audited.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from phuxanh.core import audit
from phuxanh.core.errors import NotFound, PermissionDenied, ValidationFailed
from phuxanh.core.users import get_user, oversees
from phuxanh.models import (
    WAITING_FOR_A_PERSON,
    ContentItem,
    Publication,
    PubState,
    Role,
    User,
)
from phuxanh.publish.publisher import mark_item_if_all_published, transition
from phuxanh.review import check_unit

RESOLVERS = {Role.approver, Role.manager, Role.admin}
# never part of a post's address; they would let a stored "URL" carry markup or script
_NOT_IN_A_URL = set("<>\"'`{}|\\^")


def live_url_problem(url: str) -> str | None:
    """Why `url` is not a post's address (only http(s) with a host): the message code
    (`phuxanh/core/messages.py`, parameters `field` and `url`), or None."""
    if len(url) > 2048 or any(
        c.isspace() or not c.isprintable() or c in _NOT_IN_A_URL for c in url
    ):
        return "publication.url_unsafe"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return "publication.url_invalid"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "publication.url_no_host"
    if parts.username is not None or parts.password is not None:
        return "publication.url_credentials"
    return None


def may_settle(session: Session, user: User, pub_ids: list[int]) -> list[int]:
    """Of these publications, those `user` may settle: the role and the unit rules of
    approval (a unit's people, or those of a unit above it; an admin everywhere)."""
    if user.role not in RESOLVERS or not pub_ids:
        return []
    rows = session.exec(
        select(Publication.id, ContentItem.unit_id)
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .where(col(Publication.id).in_(pub_ids))
    ).all()
    allowed = {pid for pid, unit_id in rows if oversees(session, actor=user, unit_id=unit_id)}
    return [pid for pid in pub_ids if pid in allowed]


def resolve(
    session: Session,
    *,
    pub_id: int,
    actor: str,
    live_url: str | None = None,
    remote_id: str | None = None,
    not_sent: bool = False,
    at: dt.datetime | None = None,
    cancel: str | None = None,
) -> Publication:
    chosen = [
        name
        for name, given in (
            ("--live", live_url is not None),
            ("--not-sent", not_sent),
            ("--cancel", cancel is not None),
        )
        if given
    ]
    if len(chosen) != 1:
        raise ValidationFailed(
            [
                "say exactly one of --live URL, --not-sent or --cancel REASON"
                + (f" (got {', '.join(chosen)})" if chosen else "")
            ]
        )
    problem = live_url_problem(live_url) if live_url is not None else None
    if live_url is not None and problem:  # bad input is refused before anything is read
        shown = live_url if len(live_url) <= 80 else live_url[:79] + "…"
        raise ValidationFailed(code=problem, field="--live", url=shown)
    if (
        cancel is not None
        and cancel.strip()
        and (len(cancel) > 500 or not cancel.strip().isprintable())
    ):
        raise ValidationFailed(code="publication.reason_too_long", field="--cancel", most=500)
    user = get_user(session, username=actor)
    if user.role not in RESOLVERS:
        raise PermissionDenied(code="publication.resolver_role", user=actor, role=user.role)
    pub = session.get(Publication, pub_id)
    if pub is None:
        raise NotFound(f"publication {pub_id} does not exist")
    item = session.get(ContentItem, pub.content_item_id)
    assert item is not None
    check_unit(session, user, item)  # the same unit rule as approving it
    before = PubState(pub.state)
    if pub.state not in WAITING_FOR_A_PERSON:
        raise ValidationFailed(
            code="publication.not_waiting",
            pub=pub_id,
            status=pub.state,
            states=WAITING_FOR_A_PERSON,
        )
    now = dt.datetime.now(dt.UTC)
    values: dict[str, object]
    if live_url is not None:
        values = {
            "state": PubState.published,
            "remote_url": live_url,
            "remote_id": remote_id or pub.remote_id or live_url,
            # when it went out: the send that left it in doubt
            "published_at": pub.published_at or pub.claimed_at or pub.scheduled_at,
            "last_error": f"confirmed live by {actor}",
        }
        action = "publication.confirmed_live"
    elif not_sent:
        if at is not None and at.tzinfo is None:
            raise ValidationFailed(["--at: give the time with its zone, e.g. +07:00"])
        values = {
            "state": PubState.scheduled,
            "handle": None,
            "not_before": None,
            "attempts": 0,
            "scheduled_at": at or now,
            "last_error": f"confirmed not sent by {actor}; sending again",
        }
        action = "publication.confirmed_not_sent"
    else:
        reason = (cancel or "").strip()
        if not reason:
            raise ValidationFailed(code="publication.reason_needed", field="--cancel")
        values = {"state": PubState.failed, "last_error": f"cancelled by {actor}: {reason}"}
        action = "publication.cancelled"
    if not transition(session, pub_id, expect=before, updated_at=now, **values):
        raise ValidationFailed(code="publication.changed", pub=pub_id)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="publication",
        entity_id=pub_id,
        detail={
            "from": str(before),
            "to": str(values["state"]),
            "remote_url": live_url,
            "reason": cancel,
            "at": at.isoformat() if at else None,
        },
    )
    if live_url is not None:
        mark_item_if_all_published(session, pub.content_item_id)
    session.commit()
    session.refresh(pub)
    return pub
