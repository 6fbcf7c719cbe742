"""Crisis pause: stop publishing at once, everywhere or on one channel, with a reason;
resume later. Both are audited. `publishing` asks `paused()` right before every send (a
fresh query, so a pause set by another process stops a run in progress before its next
post); paused publications stay scheduled and go out after `resume` (or become `missed`
if they are by then later than the lateness limit, for a person to decide).

Who pauses or resumes is a person phuxanh knows (an active approver, manager or admin), and
only over channels they oversee, by the unit rule of approval: one channel of their unit or
a unit below it; everywhere only if that holds for every channel (an admin, or the lead
unit). Both are audited under that person's name.

A pause for an incident (`incident_id`, set by `incidents.core.pause_for_incident`) holds
the channel's other posts while the incident is open, never an incident's clarification,
and ends when the incident closes (`end_incident_pauses`). A crisis pause holds
everything, clarifications too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from phuxanh.core import audit
from phuxanh.core.errors import NotFound, PermissionDenied, ValidationFailed
from phuxanh.core.users import oversees
from phuxanh.models import Channel, Pause, Role, User, utcnow

PAUSERS = {Role.approver, Role.manager, Role.admin}


def _channel(session: Session, code: str | None) -> Channel | None:
    if code is None:
        return None
    channel = session.exec(select(Channel).where(Channel.code == code)).first()
    if channel is None:
        raise NotFound(f"--channel: no channel {code!r}")
    return channel


def _check_actor(session: Session, actor: str, channel: Channel | None, doing: str) -> User:
    """The person behind `--as`: active, with a role that answers for what goes out, and
    overseeing every channel the pause covers."""
    user = session.exec(select(User).where(User.username == actor)).first()
    if user is None or not user.active:
        raise NotFound(f"--as: {actor!r} is not an active phuxanh user")
    if user.role not in PAUSERS:
        raise PermissionDenied(
            f"--as: {actor} is an {user.role}; {doing} publishing needs an "
            "approver, a manager or an admin"
        )
    scope = [channel] if channel is not None else list(session.exec(select(Channel)))
    outside = [c.code for c in scope if not oversees(session, actor=user, unit_id=c.unit_id)]
    if outside:
        raise PermissionDenied(
            f"--as: {actor} is not in the unit of channel {outside[0]}"
            + ("" if channel is not None else "; only the lead unit or an admin acts everywhere")
        )
    return user


def pause(
    session: Session,
    *,
    channel_code: str | None,
    reason: str,
    actor: str,
    incident_id: int | None = None,
) -> Pause:
    if not reason.strip():
        raise ValidationFailed(["--reason: a pause needs a reason people will read"])
    if len(reason) > 500 or not reason.isprintable():
        raise ValidationFailed(["--reason: one line of at most 500 printable characters"])
    channel = _channel(session, channel_code)
    _check_actor(session, actor, channel, "pausing")
    row = Pause(
        channel_id=channel.id if channel else None,
        reason=reason.strip(),
        started_by=actor,
        incident_id=incident_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="publishing.pause",
        entity="channel",
        entity_id=channel_code or "*",
        detail={"reason": row.reason}
        | ({"incident": incident_id} if incident_id is not None else {}),
    )
    return row


def resume(session: Session, *, channel_code: str | None, actor: str) -> int:
    """End the active pauses of that scope; returns how many ended."""
    channel = _channel(session, channel_code)
    _check_actor(session, actor, channel, "resuming")
    query = select(Pause).where(col(Pause.ended_at).is_(None))
    query = (
        query.where(Pause.channel_id == channel.id)
        if channel
        else query.where(col(Pause.channel_id).is_(None))
    )
    ended = 0
    for row in session.exec(query):
        row.ended_at, row.ended_by = utcnow(), actor
        session.add(row)
        ended += 1
    audit.record(
        session,
        actor=actor,
        action="publishing.resume",
        entity="channel",
        entity_id=channel_code or "*",
        detail={"ended": ended},
    )
    return ended


def end_incident_pauses(session: Session, *, incident_id: int, actor: str) -> list[str]:
    """End the pauses of an incident (it closed); the codes of the channels that resume.
    Each is audited as a resume of that channel. Not committed."""
    channels = {c.id: c.code for c in session.exec(select(Channel))}
    ended: list[str] = []
    for row in session.exec(
        select(Pause)
        .where(Pause.incident_id == incident_id, col(Pause.ended_at).is_(None))
        .order_by(col(Pause.id))
    ):
        row.ended_at, row.ended_by = utcnow(), actor
        session.add(row)
        code = channels.get(row.channel_id) if row.channel_id is not None else None
        ended.append(code or "*")
        audit.record(
            session,
            actor=actor,
            action="publishing.resume",
            entity="channel",
            entity_id=code or "*",
            detail={"ended": 1, "incident": incident_id},
        )
    return ended


def paused(session: Session, channel_id: int, *, clarification: bool = False) -> str | None:
    """Why this channel must not post now (a fresh query), or None. `clarification`: the
    post is an incident's clarification, which no incident's pause holds."""
    held = [
        col(Pause.ended_at).is_(None),
        (col(Pause.channel_id).is_(None)) | (col(Pause.channel_id) == channel_id),
    ]
    if clarification:
        held.append(col(Pause.incident_id).is_(None))
    rows = session.execute(select(Pause.reason, Pause.channel_id).where(*held)).all()
    if rows:
        reason, scope = rows[0]
        return f"paused {'everywhere' if scope is None else 'on this channel'}: {reason}"
    flag = session.execute(
        select(Channel.paused, Channel.pause_reason).where(Channel.id == channel_id)
    ).first()
    if flag is not None and flag[0]:
        return f"channel paused: {flag[1] or 'no reason given'}"
    return None


@dataclass(frozen=True, slots=True)
class ActivePause:
    """A pause in force: on one channel (its code), or on every channel (None)."""

    channel: str | None
    reason: str
    by: str
    since: dt.datetime


def active(session: Session) -> list[ActivePause]:
    channels = {c.id: c.code for c in session.exec(select(Channel))}
    return [
        ActivePause(
            channel=channels.get(p.channel_id) if p.channel_id else None,
            reason=p.reason,
            by=p.started_by,
            since=p.started_at,
        )
        for p in session.exec(
            select(Pause).where(col(Pause.ended_at).is_(None)).order_by(col(Pause.started_at))
        )
    ]
