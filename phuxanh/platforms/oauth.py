"""OAuth 2.0 token sets and the refresh grant (RFC 6749 §6), as YouTube, TikTok, X and Zalo
OA use them. Facebook Page tokens, Telegram bot tokens and WordPress application passwords
are not refreshed: they are given as the plain secret.

A channel's credential (the environment variable or file named by `--credential-env`) is
either that plain secret or a JSON token set:

    {"access_token": "...", "refresh_token": "...", "expires_at": "2026-11-23T12:00:00Z",
     "client_id": "...", "client_secret": "...", "token_url": "(optional)"}

`access_token` may be left out (the first use refreshes); `client_secret` is optional for
X public clients. Platforms that rotate refresh tokens (TikTok, X, Zalo) return a new one
each time; the caller must store the newest (see `phuxanh.publish.tokens`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

import requests

from phuxanh.core.errors import ConfigError
from phuxanh.platforms.errors import AuthExpired, RateLimited, Transient, retry_after


class Adapter(Protocol):
    """What the refresh grant needs of an adapter (`base.Adapter` has it): its name for
    messages, its HTTP session and its timeout. A protocol, so this module does not import
    `base`, which imports TokenSet from here."""

    name: str
    http: requests.Session
    timeout_s: float


FIELDS = ("access_token", "refresh_token", "expires_at", "client_id", "client_secret", "token_url")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None = None
    expires_at: dt.datetime | None = None
    client_id: str | None = None
    client_secret: str | None = None
    token_url: str | None = None

    @property
    def refreshable(self) -> bool:
        return bool(self.refresh_token and self.client_id)

    def expiring(self, now: dt.datetime, margin_s: float) -> bool:
        return self.expires_at is not None and self.expires_at - now <= dt.timedelta(
            seconds=margin_s
        )

    def to_json(self) -> str:
        data = asdict(self)
        data["expires_at"] = self.expires_at.isoformat() if self.expires_at else None
        return json.dumps({k: v for k, v in data.items() if v is not None}, sort_keys=True)

    def scrub(self, text: str) -> str:
        """`text` with every secret of this set masked (for messages and logs)."""
        for secret in (self.access_token, self.refresh_token, self.client_secret):
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text


def parse_credential(raw: str, where: str) -> TokenSet:
    """A plain secret, or a JSON token set; errors name `where` and the field."""
    text = raw.strip()
    if not text.startswith("{"):
        return TokenSet(access_token=text)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{where}: the token set is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the token set must be a JSON object")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}"
        )
    for key in FIELDS:
        if key in data and not isinstance(data[key], str):
            raise ConfigError(f"{where}: field {key!r} must be a string")
    if not data.get("access_token") and not data.get("refresh_token"):
        raise ConfigError(f"{where}: needs an access_token, a refresh_token, or both")
    if data.get("refresh_token") and not data.get("client_id"):
        raise ConfigError(
            f"{where}: field 'client_id' is required with a refresh_token "
            "(the app's client id / client key / app id)"
        )
    expires_at = None
    if data.get("expires_at"):
        try:
            expires_at = dt.datetime.fromisoformat(data["expires_at"].replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(
                f"{where}: field 'expires_at' is not an ISO date-time: {data['expires_at']!r}"
            ) from None
        if expires_at.tzinfo is None:
            raise ConfigError(f"{where}: field 'expires_at' needs a time zone (e.g. Z)")
    if not data.get("access_token"):
        expires_at = EPOCH  # nothing to use yet: refresh on first use
    return TokenSet(
        access_token=data.get("access_token", ""),
        refresh_token=data.get("refresh_token"),
        expires_at=expires_at,
        client_id=data.get("client_id"),
        client_secret=data.get("client_secret"),
        token_url=data.get("token_url"),
    )


def from_stored(raw: str) -> TokenSet:
    data = json.loads(raw)
    if data.get("expires_at"):
        data["expires_at"] = dt.datetime.fromisoformat(data["expires_at"])
    return TokenSet(**data)


def refresh_grant(
    adapter: Adapter,
    url: str,
    tokens: TokenSet,
    *,
    client: dict[str, str],
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> TokenSet:
    """POST the refresh grant (`grant_type`, `refresh_token`, plus the platform's own
    `client` fields) and read the new set. A refused grant (expired, revoked or already
    used refresh token, wrong client) is AuthExpired: a person must re-authorise. The
    platform may rotate the refresh token; the old one is kept when it does not."""
    now = dt.datetime.now(dt.UTC)
    data = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token or ""}
    try:
        response = adapter.http.post(
            url, data=data | client, headers=headers or {}, auth=auth, timeout=adapter.timeout_s
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise Transient(
            f"{adapter.name} token endpoint unreachable: {exc.__class__.__name__}"
        ) from exc
    try:
        body: Any = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    if response.status_code == 429:
        raise RateLimited(
            f"{adapter.name} token endpoint: too many requests",
            retry_after_s=retry_after(response, 60.0),
        )
    if response.status_code >= 500:
        raise Transient(f"{adapter.name} token endpoint answered {response.status_code}")
    error = body.get("error")
    if (
        response.status_code >= 400
        or error not in (None, 0, "0", "")
        or not body.get("access_token")
    ):
        detail = (
            body.get("error_description")
            or body.get("error_reason")
            or body.get("message")
            or response.text[:200]
        )
        raise AuthExpired(
            tokens.scrub(
                f"{adapter.name} refused the refresh token ({error or response.status_code}: "
                f"{detail}); re-authorise the channel and put the new credential in its "
                "environment variable or file"
            ),
            code=str(error or response.status_code),
        )
    expires_at = None
    if body.get("expires_in") not in (None, ""):
        try:  # Zalo sends it as a string
            expires_at = now + dt.timedelta(seconds=float(str(body["expires_in"])))
        except ValueError:
            expires_at = None
    return replace(
        tokens,
        access_token=str(body["access_token"]),
        refresh_token=str(body.get("refresh_token") or tokens.refresh_token),
        expires_at=expires_at,
    )
