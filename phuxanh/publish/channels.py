"""Official channels from the command line: add, list, check. A channel stores where to
reach the platform and *which* environment variable (or file) holds its credential, never
the credential itself."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlmodel import Session, col, select

from phuxanh.core import audit
from phuxanh.core.errors import ConfigError, NotFound, ValidationFailed
from phuxanh.core.text import fold
from phuxanh.models import Channel, Unit
from phuxanh.platforms.credentials import api_base_problem, protected_env_problem
from phuxanh.platforms.errors import AuthExpired, PlatformError
from phuxanh.platforms.manual import MANUAL
from phuxanh.publish import tokens
from phuxanh.publish.adapters import adapter_for

PLATFORMS = {  # the official API hosts; tests and sandboxes pass --api-base
    "facebook": "https://graph.facebook.com",
    "youtube": "https://www.googleapis.com",
    "tiktok": "https://open.tiktokapis.com",
    "x": "https://api.x.com",
    "zalo": "https://openapi.zalo.me",
    "telegram": "https://api.telegram.org",
    "wordpress": None,  # the office's own site: --api-base is required
    # a place without an API (a portal on another platform, a notice board, a partner's
    # page): a person posts there; --api-base is its public address, if it has one
    MANUAL: "",
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-")[:40]


def add_channel(
    session: Session,
    *,
    platform: str,
    name: str,
    account_id: str | None,
    credential_env: str | None,
    api_base: str | None,
    unit_code: str | None,
    code: str | None,
    actor: str,
) -> Channel:
    problems = []
    if platform not in PLATFORMS:
        problems.append(f"--platform: {platform!r} is not one of {', '.join(PLATFORMS)}")
    base = api_base or PLATFORMS.get(platform)
    manual = platform == MANUAL  # no token, no API: a person posts there
    if manual:
        credential_env = credential_env or ""
        account_id = account_id or "manual"
    if not base and platform in PLATFORMS and not manual:
        problems.append("--api-base: a WordPress channel needs its site's URL")
    elif base and (problem := api_base_problem(base)):
        problems.append(f"--api-base: {problem}")
    if credential_env is None:
        problems.append(
            f"--credential-env: a {platform} channel needs the variable that holds its token"
        )
    elif manual:
        if credential_env:
            problems.append("--credential-env: a manual channel has no token; leave it out")
    elif not re.fullmatch(r"[A-Z_][A-Z0-9_]*", credential_env):
        problems.append(
            f"--credential-env: {credential_env!r} is not an environment variable "
            "name (the secret itself is never given on the command line)"
        )
    elif problem := protected_env_problem(credential_env):
        problems.append(f"--credential-env: {problem}")
    name = unicodedata.normalize("NFC", name).strip()  # stored as people read it
    if not name or len(name) > 120 or any(unicodedata.category(ch)[0] == "C" for ch in name):
        problems.append("--name: the channel's public name must be 1-120 printable characters")
    if account_id is None:
        problems.append(f"--account-id: a {platform} channel needs its page/account id")
    elif not re.fullmatch(r"[A-Za-z0-9_.:@-]{1,128}", account_id):
        problems.append(
            f"--account-id: {account_id!r} is not a platform account id "
            "(letters, digits and _ . : @ -, at most 128)"
        )
    code = code or f"{platform}-{slug(name)}"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", code):
        problems.append(f"--code: {code!r} is not a channel code (a-z, 0-9 and -, at most 64)")
    elif session.exec(select(Channel).where(Channel.code == code)).first():
        problems.append(f"--code: a channel {code!r} already exists")
    unit = (
        session.exec(select(Unit).where(Unit.code == unit_code)).first()
        if unit_code
        else session.exec(select(Unit).order_by(col(Unit.id))).first()
    )
    if unit is None:
        problems.append(
            f"--unit: no unit {unit_code!r}"
            if unit_code
            else "--unit: no unit exists yet (load a campaign or add one)"
        )
    if problems:
        raise ValidationFailed(problems)
    assert unit is not None and base is not None
    assert account_id is not None and credential_env is not None
    channel = Channel(
        code=code,
        platform=platform,
        display_name=name,
        unit_id=unit.id or 0,
        account_id=account_id,
        api_base_url=base.rstrip("/"),
        credential_ref=f"env:{credential_env}",
    )
    session.add(channel)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="channel.add",
        entity="channel",
        entity_id=code,
        detail={"platform": platform, "account_id": account_id},
    )
    return channel


def list_channels(session: Session) -> list[dict[str, Any]]:
    units = {u.id: u.code for u in session.exec(select(Unit))}
    return [
        {
            "code": c.code,
            "platform": c.platform,
            "name": c.display_name,
            "unit": units.get(c.unit_id),
            "account_id": c.account_id,
            "api_base": c.api_base_url,
            "credential": c.credential_ref,
            "paused": c.paused,
            "pause_reason": c.pause_reason,
            "last_error": c.last_error,
        }
        for c in session.exec(select(Channel).order_by(col(Channel.code)))
    ]


# why the publisher stops a channel by itself; a check that passes again restarts it
TOKEN_EXPIRED, BROKEN_SETTING = "token expired", "channel configuration"
STOPPED = (TOKEN_EXPIRED, BROKEN_SETTING)


def check_channels(session: Session, *, code: str | None = None) -> list[dict[str, Any]]:
    """Is each channel's credential present and accepted? A dead token stops the channel;
    a channel the publisher stopped (dead token, broken setting) that passes again is
    restarted, and its kept queue goes out."""
    query = select(Channel).order_by(col(Channel.code))
    if code:
        query = query.where(Channel.code == code)
    channels = list(session.exec(query))
    if code and not channels:
        raise NotFound(f"--channel: no channel {code!r}")
    out = []
    engine = session.get_bind()
    for channel in channels:
        row: dict[str, Any] = {
            "channel": channel.code,
            "platform": channel.platform,
            "last_error": channel.last_error,
            "paused": channel.paused,
        }
        try:
            adapter = adapter_for(channel, engine=engine)
            row |= {"ok": True, **tokens.call(engine, channel, adapter, adapter.check_token)}
            if channel.paused and channel.pause_reason in STOPPED:  # fixed: it goes on
                channel.paused, channel.pause_reason, channel.last_error = False, None, None
                session.add(channel)
                audit.record(
                    session,
                    actor="channel check",
                    action="channel.restored",
                    entity="channel",
                    entity_id=channel.code,
                    detail={},
                )
                session.commit()
                row |= {"paused": False, "restored": True}
        except AuthExpired as exc:
            channel.paused, channel.pause_reason = True, TOKEN_EXPIRED
            channel.last_error = str(exc)
            session.add(channel)
            session.commit()
            row |= {"ok": False, "detail": f"token expired or revoked: {exc}", "paused": True}
        except (ConfigError, PlatformError) as exc:
            row |= {"ok": False, "detail": str(exc)}
        row |= {
            k: v
            for k, v in tokens.status(engine, channel).items()
            if k not in row or row[k] is None
        }
        out.append(row)
    return out
