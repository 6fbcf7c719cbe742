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

from sqlmodel import Session

from phuxanh import audit
from phuxanh.errors import NotFound, PermissionDenied, ValidationFailed
from phuxanh.models import WAITING_FOR_A_PERSON, Publication, PubState, Role
from phuxanh.publishing import mark_item_if_all_published, transition
from phuxanh.users import get_user

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
    if pub.state not in WAITING_FOR_A_PERSON:
        raise ValidationFailed([f"publication {pub_id} is {pub.state}; only "
                                f"{', '.join(WAITING_FOR_A_PERSON)} wait for a person"])
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
    if not transition(session, pub_id, expect=PubState(pub.state), updated_at=now, **values):
        raise ValidationFailed([f"publication {pub_id} changed while you looked (the "
                                "publisher may be checking it); look again"])
    audit.record(session, actor=actor, action=action, entity="publication", entity_id=pub_id,
                 detail={"from": str(pub.state), "remote_url": live_url, "reason": cancel,
                         "at": at.isoformat() if at else None})
    if live_url is not None:
        mark_item_if_all_published(session, pub.content_item_id)
    session.commit()
    session.refresh(pub)
    return pub
