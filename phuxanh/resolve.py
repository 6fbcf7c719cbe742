"""A person settles a publication the publisher could not: `needs_check` (the platform could
not tell whether our post exists, e.g. a Telegram send whose answer was lost), `missed`
(too late to send without asking) or `failed`.

After looking at the account, they say one of:
- live: the post is there (its URL, and the platform's id if known) → `published`;
- not sent: it is not there → `scheduled` again, at a new time if given (the approved
  version is unchanged, so no new approval is needed);
- cancel: it will not go out → `failed`, with their reason.

Each is one conditional UPDATE from the states above, so a person and a publisher that
reconciles the same post at the same moment cannot both win; each is audited.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlmodel import Session, col, select

from phuxanh import audit
from phuxanh.errors import NotFound, PermissionDenied, ValidationFailed
from phuxanh.models import ContentItem, ItemStatus, Publication, PubState, Role
from phuxanh.users import get_user

SETTLEABLE = (PubState.needs_check, PubState.missed, PubState.failed)
RESOLVERS = {Role.approver, Role.manager, Role.admin}


def resolve(session: Session, *, pub_id: int, actor: str, live_url: str | None = None,
            remote_id: str | None = None, not_sent: bool = False,
            at: dt.datetime | None = None, cancel: str | None = None) -> Publication:
    chosen = [name for name, given in (("--live", live_url is not None),
                                       ("--not-sent", not_sent),
                                       ("--cancel", cancel is not None)) if given]
    if len(chosen) != 1:
        raise ValidationFailed(["say exactly one of --live URL, --not-sent or --cancel REASON"
                                + (f" (got {', '.join(chosen)})" if chosen else "")])
    user = get_user(session, username=actor)
    if user.role not in RESOLVERS:
        raise PermissionDenied(f"{actor} is an {user.role}; settling a publication needs an "
                               f"approver, a manager or an admin")
    pub = session.get(Publication, pub_id)
    if pub is None:
        raise NotFound(f"publication {pub_id} does not exist")
    if pub.state not in SETTLEABLE:
        raise ValidationFailed([f"publication {pub_id} is {pub.state}; only "
                                f"{', '.join(SETTLEABLE)} wait for a person"])
    now = dt.datetime.now(dt.UTC)
    values: dict[str, object]
    if live_url is not None:
        if not live_url.startswith(("https://", "http://")):
            raise ValidationFailed([f"--live: {live_url!r} is not the post's http(s) URL"])
        values = {"state": PubState.published, "remote_url": live_url,
                  "remote_id": remote_id or pub.remote_id or live_url,
                  # when it went out: the send that left it in doubt
                  "published_at": pub.published_at or pub.claimed_at or pub.scheduled_at,
                  "last_error": f"confirmed live by {actor}"}
        action = "publication.confirmed_live"
    elif not_sent:
        if at is not None and at.tzinfo is None:
            raise ValidationFailed(["--at: give the time with its zone, e.g. +07:00"])
        values = {"state": PubState.scheduled, "handle": None, "not_before": None,
                  "attempts": 0, "scheduled_at": at or now,
                  "last_error": f"confirmed not sent by {actor}; sending again"}
        action = "publication.confirmed_not_sent"
    else:
        reason = (cancel or "").strip()
        if not reason:
            raise ValidationFailed(["--cancel: give the reason people will read"])
        values = {"state": PubState.failed, "last_error": f"cancelled by {actor}: {reason}"}
        action = "publication.cancelled"
    done = session.execute(
        update(Publication)
        .where(col(Publication.id) == pub_id, col(Publication.state) == pub.state)
        .values(updated_at=now, **values))
    if getattr(done, "rowcount", 0) != 1:
        raise ValidationFailed([f"publication {pub_id} changed while you looked (the "
                                "publisher may be checking it); look again"])
    audit.record(session, actor=actor, action=action, entity="publication", entity_id=pub_id,
                 detail={"from": str(pub.state), "remote_url": live_url, "reason": cancel,
                         "at": at.isoformat() if at else None})
    if live_url is not None:
        _mark_item(session, pub.content_item_id)
    session.commit()
    session.refresh(pub)
    return pub


def _mark_item(session: Session, item_id: int) -> None:
    """The item is published once every one of its publications is."""
    states = session.exec(select(Publication.state)
                          .where(col(Publication.content_item_id) == item_id)).all()
    if all(state == PubState.published for state in states):
        item = session.get(ContentItem, item_id)
        if item is not None:
            item.status = ItemStatus.published
            session.add(item)
