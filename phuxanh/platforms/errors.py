"""What a platform call can end in, typed: the publisher decides from the type alone whether
to retry, wait, ask a person or give up (docs/platforms.md lists each platform's
answers). Shared by the adapters (`base`) and the OAuth grant (`oauth`)."""

from __future__ import annotations

from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError


class PlatformError(Exception):
    """Base of the typed errors. `retryable` tells the orchestrator what it may do."""

    retryable = False

    def __init__(self, message: str, *, code: str | None = None, raw: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.raw = raw


class AuthExpired(PlatformError):
    """The token is expired, revoked or lacks a permission: stop the channel, alert."""


class RateLimited(PlatformError):
    retryable = True

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after_s = retry_after_s


class Duplicate(PlatformError):
    """The platform says this exact post already exists."""


class InvalidMedia(PlatformError):
    """The media does not satisfy the platform's limits: a person must change it."""


class Transient(PlatformError):
    """A 5xx or a temporary block: safe to retry after a pause."""

    retryable = True


class Ambiguous(PlatformError):
    """The request may or may not have created the post (timeout, lost response).

    Never re-send blindly: reconcile with the platform first.
    """


class Permanent(PlatformError):
    """Anything else the platform refused: it will refuse it again."""


class CannotReconcile(PlatformError):
    """The platform offers no way to ask whether the post exists (e.g. Telegram's Bot API
    cannot list a channel's messages): a person must look, the post waits in needs_check."""


def never_sent(exc: requests.ConnectionError) -> bool:
    """True when the connection was never made, so the request cannot have arrived."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def retry_after(response: requests.Response, default: float) -> float:
    """Seconds to wait from a Retry-After header (seconds form), else `default`."""
    raw = response.headers.get("Retry-After")
    try:
        return max(0.0, float(raw)) if raw else default
    except ValueError:
        return default
