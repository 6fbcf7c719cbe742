"""Signing in to the desk: throttling and lockout, one answer in one time for every wrong
pair, sessions that survive a reload, and an audit row for each sign-in, failure, lockout
and sign-out (never a password).

Throttling. Each wrong pair counts against the username and against the client (its
address), in the database so every dashboard process sees the same counts. After
`signin_failures` for a username, or `signin_client_failures` from one client (an office
behind one router is one address), sign-in is locked for 30 s, doubling with each further
failure up to `signin_lockout_max_s`. A locked attempt is refused before any password is
checked and does not count again; an hour without failures forgets them; a success forgets
the username's failures, not the client's (one good account must not buy an address more
guesses at the others). Counts are keyed by username whether or not it exists, so a lockout
tells nothing about who has an account.

One answer in one time. An unknown username, a disabled user and a user without a password
(single sign-on only) are checked against a dummy argon2 hash: every wrong pair costs one
argon2 verification and gets the same "wrong username or password".

Sessions. `start_session` makes one for a signed-in user with a single-use hand-off code;
the dashboard's HTTP route (dashboard/web.py) trades the code for the cookie token with
`claim_handoff`, so the token itself is only ever in an HttpOnly cookie and, hashed, in
the database. `session_user` finds the session behind a cookie (or a session id the
dashboard keeps for its tab); `end_session` and `revoke_sessions` end them at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col, select

from phuxanh.core import audit
from phuxanh.core.errors import Line, NotFound, PermissionDenied, ValidationFailed
from phuxanh.core.settings import get_settings
from phuxanh.core.users import check_password, hash_password, sso_user
from phuxanh.models import Role, SignInThrottle, User, UserSession, utcnow

LOCK_BASE_S = 30  # the first lockout; each further failure doubles it up to the cap
FORGET = dt.timedelta(hours=1)  # failures older than this (and no lock running) are forgotten
HANDOFF = dt.timedelta(seconds=60)  # the page claims its cookie within this
MIN_PASSWORD = 10

_dummy: dict[tuple[int, int], str] = {}


def _dummy_hash() -> str:
    """An argon2 hash of a random password, made once with the same parameters as real
    ones (the configured cost): what an unknown username's password is checked against."""
    settings = get_settings()
    cost = (settings.argon2_time_cost, settings.argon2_memory_kib)
    if cost not in _dummy:
        _dummy[cost] = hash_password(secrets.token_urlsafe(24))
    return _dummy[cost]


class SignInRefused(PermissionDenied):
    """Sign-in refused: a wrong pair (`locked_s` 0) or a lockout (`locked_s` seconds left).
    The message is the same for every wrong pair, whichever half was wrong."""

    def __init__(
        self, message: Line = "", /, *, locked_s: int = 0, code: str | None = None, **params: Any
    ) -> None:
        super().__init__(message, code=code, **params)
        self.locked_s = locked_s


@dataclass(frozen=True)
class Started:
    """A new session and the single-use code the page trades for its cookie."""

    session_id: int
    handoff: str
    expires_at: dt.datetime


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _name_key(username: str) -> str:
    return unicodedata.normalize("NFC", username.strip()).casefold()


def _throttle_key(kind: str, value: str) -> str:
    return sha256(f"{kind}:{value}")


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or utcnow()).astimezone(dt.UTC).replace(microsecond=0)


def _rowcount(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


def locked_for(
    session: Session, *, username: str, client: str, now: dt.datetime | None = None
) -> int:
    """Seconds until this username may try again from this client (0: not locked)."""
    now = _now(now)
    keys = [_throttle_key("user", _name_key(username)), _throttle_key("client", client)]
    rows = session.exec(
        select(SignInThrottle)
        .where(col(SignInThrottle.key_sha256).in_(keys))
        .execution_options(populate_existing=True)
    ).all()
    until = max(
        (r.locked_until for r in rows if r.locked_until and r.locked_until > now), default=None
    )
    return 0 if until is None else max(1, int((until - now).total_seconds() + 0.999))


def _count_failure(
    session: Session, *, kind: str, value: str, free: int, now: dt.datetime
) -> tuple[int, int]:
    """Count one failure for the key (atomically, whatever other processes do at the same
    moment); lock it when the count reaches `free`. Returns (failures, seconds locked)."""
    key = _throttle_key(kind, value)
    first = {"key_sha256": key, "kind": kind, "failures": 0, "last_failure_at": now}
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        session.execute(
            postgresql.insert(SignInThrottle)
            .values(**first)
            .on_conflict_do_nothing(index_elements=["key_sha256"])
        )
    else:
        from sqlalchemy.dialects import sqlite

        session.execute(
            sqlite.insert(SignInThrottle)
            .values(**first)
            .on_conflict_do_nothing(index_elements=["key_sha256"])
        )
    quiet = (col(SignInThrottle.last_failure_at) < now - FORGET) & (
        col(SignInThrottle.locked_until).is_(None) | (col(SignInThrottle.locked_until) <= now)
    )
    session.execute(
        update(SignInThrottle)
        .where(col(SignInThrottle.key_sha256) == key)
        .values(
            failures=case((quiet, 1), else_=col(SignInThrottle.failures) + 1), last_failure_at=now
        )
    )
    row = session.exec(
        select(SignInThrottle)
        .where(col(SignInThrottle.key_sha256) == key)
        .execution_options(populate_existing=True)
    ).one()
    if row.failures < free:
        return row.failures, 0
    seconds = min(
        LOCK_BASE_S * 2 ** min(row.failures - free, 20), get_settings().signin_lockout_max_s
    )
    row.locked_until = now + dt.timedelta(seconds=seconds)
    session.add(row)
    session.flush()
    return row.failures, seconds


def _forget(session: Session, kind: str, value: str) -> None:
    session.execute(
        update(SignInThrottle)
        .where(col(SignInThrottle.key_sha256) == _throttle_key(kind, value))
        .values(failures=0, locked_until=None)
    )


def authenticate(
    session: Session, *, username: str, password: str, client: str, now: dt.datetime | None = None
) -> User:
    """The active user with this password, signing in from `client` (an address).

    Refusals raise `SignInRefused` after committing the failure count and its audit rows
    (a caller that rolls back cannot lose them). A success records `user.sign_in` in the
    caller's transaction and forgets the username's failures; the caller commits.
    """
    now = _now(now)
    settings = get_settings()
    client = (client or "local")[:64]
    name = username.strip()
    user = session.exec(select(User).where(User.username == name)).first()
    actor = user.username if user is not None else "unknown"  # never what an unknown typed
    entity_id = user.id if user is not None else ""
    wait = locked_for(session, username=name, client=client, now=now)
    if wait:
        audit.record(
            session,
            actor=actor,
            action="user.sign_in_failed",
            entity="user",
            entity_id=entity_id,
            detail={"client": client, "reason": "locked"},
        )
        session.commit()
        raise SignInRefused(code="auth.locked", seconds=wait, locked_s=wait)
    if user is None or not user.active or not user.password_hash:
        check_password(password, _dummy_hash())  # the same work as a real wrong password
        reason = (
            "unknown_user" if user is None else "disabled" if not user.active else "no_password"
        )
    elif check_password(password, user.password_hash):
        _forget(session, "user", _name_key(name))
        audit.record(
            session,
            actor=user.username,
            action="user.sign_in",
            entity="user",
            entity_id=user.id,
            detail={"client": client, "method": "password"},
        )
        return user
    else:
        reason = "wrong_password"
    audit.record(
        session,
        actor=actor,
        action="user.sign_in_failed",
        entity="user",
        entity_id=entity_id,
        detail={"client": client, "reason": reason},
    )
    for kind, value, free in (
        ("user", _name_key(name), settings.signin_failures),
        ("client", client, settings.signin_client_failures),
    ):
        failures, seconds = _count_failure(session, kind=kind, value=value, free=free, now=now)
        if seconds:
            audit.record(
                session,
                actor=actor if kind == "user" else "system",
                action="user.locked",
                entity="user" if kind == "user" else "client",
                entity_id=entity_id if kind == "user" else client,
                detail={"client": client, "failures": failures, "seconds": seconds},
            )
    session.commit()
    raise SignInRefused(code="auth.wrong_password")


def sso_sign_in(session: Session, *, email: str | None, verified: bool, client: str) -> User:
    """The user an OIDC provider's verified e-mail belongs to (`users.sso_user`), audited
    like a password sign-in; a refusal is audited and committed before it is raised."""
    client = (client or "local")[:64]
    try:
        user = sso_user(session, email=email, verified=verified)
    except PermissionDenied:
        audit.record(
            session,
            actor="unknown",
            action="user.sign_in_failed",
            entity="user",
            entity_id="",
            detail={"client": client, "reason": "sso_unknown"},
        )
        session.commit()
        raise
    audit.record(
        session,
        actor=user.username,
        action="user.sign_in",
        entity="user",
        entity_id=user.id,
        detail={"client": client, "method": "sso"},
    )
    return user


def _purge(session: Session, now: dt.datetime) -> None:
    """Drop what can no longer matter: sessions ended a month ago (the audit keeps who
    signed in and out), and failure counts a day old with no lock running."""
    month_ago, day_ago = now - dt.timedelta(days=30), now - dt.timedelta(days=1)
    session.execute(
        delete(UserSession).where(
            (col(UserSession.expires_at) < month_ago) | (col(UserSession.revoked_at) < month_ago)
        )
    )
    session.execute(
        delete(SignInThrottle).where(
            col(SignInThrottle.last_failure_at) < day_ago,
            col(SignInThrottle.locked_until).is_(None) | (col(SignInThrottle.locked_until) < now),
        )
    )


def start_session(
    session: Session,
    *,
    user: User,
    client: str,
    method: str = "password",
    lang: str | None = None,
    now: dt.datetime | None = None,
) -> Started:
    """A session for a user who just signed in, lasting `session_hours`; its hand-off
    code is good once, for a minute. The caller commits."""
    now = _now(now)
    assert user.id is not None
    _purge(session, now)
    code = secrets.token_urlsafe(32)  # 256 bits
    expires = now + dt.timedelta(hours=get_settings().session_hours)
    row = UserSession(
        user_id=user.id,
        handoff_sha256=sha256(code),
        handoff_until=now + HANDOFF,
        method=method,
        client=(client or "")[:64],
        lang=lang,
        created_at=now,
        expires_at=expires,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return Started(session_id=row.id, handoff=code, expires_at=expires)


def claim_handoff(
    session: Session, code: str, now: dt.datetime | None = None
) -> tuple[str, dt.datetime] | None:
    """Trade a hand-off code for the session's cookie token (and when it expires); None
    for a code that is unknown, used, older than a minute, or whose session ended. Once
    per code even when two requests race (one conditional UPDATE). The caller commits."""
    now = _now(now)
    token = secrets.token_urlsafe(32)  # 256 bits, the only copy goes to the cookie
    taken = session.execute(
        update(UserSession)
        .where(
            col(UserSession.handoff_sha256) == sha256(code),
            col(UserSession.handoff_until) > now,
            col(UserSession.revoked_at).is_(None),
            col(UserSession.expires_at) > now,
        )
        .values(handoff_sha256=None, handoff_until=None, token_sha256=sha256(token))
    )
    if _rowcount(taken) != 1:
        return None
    row = session.exec(
        select(UserSession)
        .where(UserSession.token_sha256 == sha256(token))
        .execution_options(populate_existing=True)
    ).one()
    return token, row.expires_at


def handoff_pending(session: Session, session_id: int, now: dt.datetime | None = None) -> bool:
    """True while the session's hand-off code is unclaimed and still good."""
    row = session.get(UserSession, session_id, populate_existing=True)
    return bool(
        row is not None
        and row.handoff_sha256
        and row.handoff_until
        and row.handoff_until > _now(now)
        and row.revoked_at is None
    )


def session_user(
    session: Session,
    *,
    token: str | None = None,
    session_id: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[UserSession, User] | None:
    """The live session named by a cookie token (or by its id) and its user: not revoked,
    not expired, the user still active. None otherwise."""
    now = _now(now)
    if token:
        row = session.exec(
            select(UserSession)
            .where(UserSession.token_sha256 == sha256(token))
            .execution_options(populate_existing=True)
        ).first()
    elif session_id is not None:
        row = session.get(UserSession, session_id, populate_existing=True)
    else:
        return None
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id, populate_existing=True)
    if user is None or not user.active:
        return None
    return row, user


def set_lang(session: Session, session_id: int, lang: str) -> None:
    """Keep the interface language with the session, so a reload keeps it too."""
    session.execute(
        update(UserSession).where(col(UserSession.id) == session_id).values(lang=lang[:8])
    )


def end_session(
    session: Session,
    *,
    session_id: int | None = None,
    token: str | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Sign out: revoke the session (by id or cookie token) and audit it. False when it
    had already ended. The caller commits."""
    now = _now(now)
    if token:
        row = session.exec(
            select(UserSession).where(UserSession.token_sha256 == sha256(token))
        ).first()
    else:
        row = session.get(UserSession, session_id) if session_id is not None else None
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    session.add(row)
    user = session.get(User, row.user_id)
    audit.record(
        session,
        actor=user.username if user else "unknown",
        action="user.sign_out",
        entity="user",
        entity_id=row.user_id,
        detail={"client": row.client, "session": row.id},
    )
    return True


def revoke_sessions(session: Session, user_id: int, now: dt.datetime | None = None) -> int:
    """End every live session of a user at once; returns how many."""
    now = _now(now)
    done = session.execute(
        update(UserSession)
        .where(
            col(UserSession.user_id) == user_id,
            col(UserSession.revoked_at).is_(None),
            col(UserSession.expires_at) > now,
        )
        .values(revoked_at=now)
    )
    return _rowcount(done)


def _admin(session: Session, actor: str) -> User:
    user = session.exec(select(User).where(User.username == actor)).first()
    if user is None or not user.active:
        raise NotFound(f"--as: {actor!r} is not an active phuxanh user")
    if user.role != Role.admin:
        raise PermissionDenied(code="users.may_not_manage", user=actor, role=user.role)
    return user


def _target(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"user {username!r} does not exist")
    return user


def disable_user(session: Session, *, username: str, actor: str) -> int:
    """Disable a user (an admin's act): no sign-in, and every session of theirs ends at
    once. Returns how many sessions ended. Disabling oneself is refused."""
    admin = _admin(session, actor)
    user = _target(session, username)
    if user.id == admin.id:
        raise PermissionDenied(f"{actor} may not disable themselves")
    assert user.id is not None
    user.active = False
    session.add(user)
    ended = revoke_sessions(session, user.id)
    audit.record(
        session,
        actor=admin.username,
        action="user.disable",
        entity="user",
        entity_id=user.id,
        detail={"username": user.username, "sessions_ended": ended},
    )
    return ended


def enable_user(session: Session, *, username: str, actor: str) -> None:
    """Let a disabled user sign in again (an admin's act)."""
    admin = _admin(session, actor)
    user = _target(session, username)
    user.active = True
    session.add(user)
    audit.record(
        session,
        actor=admin.username,
        action="user.enable",
        entity="user",
        entity_id=user.id,
        detail={"username": user.username},
    )


def reset_password(session: Session, *, username: str, password: str, actor: str) -> int:
    """Give a user a new password (an admin's act): stored as an argon2 hash, their
    sessions end, their failed sign-ins are forgotten. Returns how many sessions ended."""
    admin = _admin(session, actor)
    user = _target(session, username)
    if user.password_hash is None:  # added with --sso-only: the identity provider vouches
        raise ValidationFailed(
            [
                f"{username}: signs in through the office's single sign-on "
                "only; a password would go around it (add the person again "
                "without --sso-only if that is meant)"
            ]
        )
    if len(password.strip()) < MIN_PASSWORD or not password.isprintable():
        raise ValidationFailed(
            [f"password: at least {MIN_PASSWORD} characters, printable, not only spaces"]
        )
    assert user.id is not None
    user.password_hash = hash_password(password)
    session.add(user)
    ended = revoke_sessions(session, user.id)
    _forget(session, "user", _name_key(user.username))
    audit.record(
        session,
        actor=admin.username,
        action="user.reset_password",
        entity="user",
        entity_id=user.id,
        detail={"username": user.username, "sessions_ended": ended},
    )
    return ended
