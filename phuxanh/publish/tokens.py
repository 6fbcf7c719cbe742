"""Live access tokens for channels: the plain credential, or an OAuth token set kept sealed
in `channel_token` and refreshed under a per-channel lease.

The lease is a conditional UPDATE (`lock_until` empty or past), so it works the same on
SQLite and PostgreSQL and lapses by itself if its holder dies. A worker that finds the
lease taken waits for it and then uses the set its holder stored: two workers never spend
the same (single-use) refresh token. Expiry and leases run on the wall clock, whatever
simulated time a publishing run is given: they are facts about the platform.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from phuxanh.core.errors import ConfigError
from phuxanh.core.settings import get_settings
from phuxanh.models import Channel, ChannelToken
from phuxanh.platforms.base import Adapter
from phuxanh.platforms.credentials import resolve_credential
from phuxanh.platforms.errors import AuthExpired, Transient
from phuxanh.platforms.oauth import TokenSet, from_stored, parse_credential

T = TypeVar("T")
Bind = Engine | Connection  # what Session.get_bind() gives
NEW_KEY_HINT = "create one with `phuxanh channel new-key` and keep it with the other secrets"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _fernet() -> Fernet:
    key = get_settings().secret_key
    if key is None:
        raise ConfigError(
            "PHUXANH_SECRET_KEY is not set: channels with a refresh token keep "
            f"their rotating tokens sealed with it; {NEW_KEY_HINT}"
        )
    try:
        return Fernet(key.get_secret_value().encode())
    except ValueError:
        raise ConfigError(
            f"PHUXANH_SECRET_KEY is not a Fernet key (32 url-safe base64 bytes); {NEW_KEY_HINT}"
        ) from None


def new_key() -> str:
    return Fernet.generate_key().decode()


def _seed(channel: Channel) -> tuple[TokenSet, str]:
    raw = resolve_credential(channel)
    where = f"channel {channel.code}: credential {channel.credential_ref}"
    return parse_credential(raw, where), hashlib.sha256(raw.encode()).hexdigest()


def _open(row: ChannelToken, channel: Channel) -> TokenSet:
    try:
        return from_stored(_fernet().decrypt(row.sealed.encode()).decode())
    except InvalidToken:
        raise ConfigError(
            f"channel {channel.code}: its stored tokens cannot be opened with "
            "this PHUXANH_SECRET_KEY (was the key changed?); re-authorise the "
            "channel and put the new credential in its environment"
        ) from None


def _stored(engine: Bind, channel: Channel, seed: TokenSet, fingerprint: str) -> TokenSet:
    """The newest stored set; the credential's own set when it is new or was replaced."""
    with Session(engine) as session:
        row = session.get(ChannelToken, channel.id)
        if row is not None and row.seed_sha256 == fingerprint:
            return _open(row, channel)
        sealed = _fernet().encrypt(seed.to_json().encode()).decode()
        if row is None:
            row = ChannelToken(
                channel_id=channel.id or 0,
                sealed=sealed,
                seed_sha256=fingerprint,
                expires_at=seed.expires_at,
            )
        else:  # a person re-authorised: the new credential replaces what was stored
            row.sealed, row.seed_sha256, row.expires_at = sealed, fingerprint, seed.expires_at
            row.last_error = None
        session.add(row)
        try:
            session.commit()
        except IntegrityError:  # another worker stored it first: use theirs
            session.rollback()
            stored = session.get(ChannelToken, channel.id, populate_existing=True)
            if stored is None:
                raise
            return _open(stored, channel)
        return seed


def _lease(engine: Bind, channel_id: int, owner: str, seconds: float) -> bool:
    now = _now()
    with Session(engine) as session:
        taken = session.execute(
            update(ChannelToken)
            .where(
                col(ChannelToken.channel_id) == channel_id,
                col(ChannelToken.lock_until).is_(None) | (col(ChannelToken.lock_until) < now),
            )
            .values(lock_owner=owner, lock_until=now + dt.timedelta(seconds=seconds))
        )
        session.commit()
        return bool(getattr(taken, "rowcount", 0) == 1)


def _store(engine: Bind, channel: Channel, owner: str, values: dict[str, Any]) -> None:
    with Session(engine) as session:
        session.execute(
            update(ChannelToken)
            .where(
                col(ChannelToken.channel_id) == channel.id, col(ChannelToken.lock_owner) == owner
            )
            .values(lock_owner=None, lock_until=None, **values)
        )
        session.commit()


def _load(engine: Bind, channel: Channel) -> TokenSet:
    with Session(engine) as session:
        row = session.get(ChannelToken, channel.id)
        if row is None:
            raise ConfigError(f"channel {channel.code}: its stored tokens disappeared")
        return _open(row, channel)


def _refresh(engine: Bind, channel: Channel, adapter: Adapter, stale: str) -> TokenSet:
    """Refresh under the channel's lease; a set stored meanwhile by another worker (a
    different access token, not expiring) is used instead of refreshing again."""
    settings = get_settings()
    owner = f"{uuid.uuid4().hex[:12]}"
    deadline = time.monotonic() + settings.token_lock_s
    margin = settings.token_refresh_margin_s
    while not _lease(engine, channel.id or 0, owner, settings.token_lock_s):
        if time.monotonic() > deadline:
            raise Transient(
                f"channel {channel.code}: another worker has held its token "
                f"refresh for over {settings.token_lock_s:.0f}s"
            )
        time.sleep(0.1)
    try:
        current = _load(engine, channel)
        if current.access_token != stale and not current.expiring(_now(), margin):
            _store(engine, channel, owner, {})
            return current
        fresh = adapter.refresh(current)
    except AuthExpired as exc:
        _store(engine, channel, owner, {"last_error": str(exc)})
        raise
    except BaseException:
        _store(engine, channel, owner, {})
        raise
    now = _now()
    _store(
        engine,
        channel,
        owner,
        {
            "sealed": _fernet().encrypt(fresh.to_json().encode()).decode(),
            "expires_at": fresh.expires_at,
            "refreshed_at": now,
            "last_error": None,
            "refresh_count": col(ChannelToken.refresh_count) + 1,
        },
    )
    return fresh


def prepare(engine: Bind | None, channel: Channel, adapter: Adapter) -> None:
    """Give `adapter` a live access token: the credential itself, or for a token set the
    newest stored one, refreshed first when it expires within the margin."""
    seed, fingerprint = _seed(channel)
    adapter.token = seed.access_token
    if not seed.refreshable:
        return
    if not adapter.refreshable:
        raise ConfigError(
            f"channel {channel.code}: {adapter.name} tokens are not refreshed; "
            "give the token itself as the credential"
        )
    if engine is None:
        raise ConfigError(f"channel {channel.code}: a refreshable credential needs a database")
    current = _stored(engine, channel, seed, fingerprint)
    if current.expiring(_now(), get_settings().token_refresh_margin_s):
        current = _refresh(engine, channel, adapter, stale=current.access_token)
    adapter.token = current.access_token


def after_rejection(engine: Bind | None, channel: Channel, adapter: Adapter) -> bool:
    """The platform refused `adapter.token`: refresh it. False when the channel cannot be
    refreshed (a plain token), so the caller stops the channel. Raises AuthExpired when the
    platform refuses the refresh token too."""
    seed, fingerprint = _seed(channel)
    if engine is None or not seed.refreshable or not adapter.refreshable:
        return False
    _stored(engine, channel, seed, fingerprint)
    adapter.token = _refresh(engine, channel, adapter, stale=adapter.token).access_token
    return True


def call(engine: Bind | None, channel: Channel, adapter: Adapter, fn: Callable[[], T]) -> T:
    """`fn()`; if the platform says the token is dead and it can be refreshed, refresh once
    and call again (a refused call created nothing, so calling again is safe)."""
    try:
        return fn()
    except AuthExpired:
        if not after_rejection(engine, channel, adapter):
            raise
    return fn()


def status(engine: Bind, channel: Channel) -> dict[str, Any]:
    """For `channel check`: expiry and refresh history of a stored set (no secrets)."""
    with Session(engine) as session:
        row = session.get(ChannelToken, channel.id)
    if row is None:
        return {}
    return {
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "refreshed_at": row.refreshed_at.isoformat() if row.refreshed_at else None,
        "refresh_count": row.refresh_count,
        "refresh_error": row.last_error,
    }
