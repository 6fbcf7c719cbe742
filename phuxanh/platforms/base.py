"""The contract every platform adapter implements, and the typed errors it raises.

Adapters take credentials, a `requests.Session` and a base URL; they never touch the
database. They classify each platform's error shapes; the publishing service decides
what to retry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests


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


@dataclass(frozen=True)
class Post:
    """What to publish. `marker` is our idempotency key, carried so we can reconcile."""

    text: str
    marker: str
    media_path: Path | None = None
    media_kind: str | None = None  # "image" | "video"
    link: str | None = None
    alt_text: str | None = None


@dataclass(frozen=True)
class PublishResult:
    remote_id: str
    remote_url: str | None
    state: str = "published"  # or "processing" when the platform finishes asynchronously
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Metrics:
    """Normalised reach metrics; None means the platform did not report it (never 0)."""

    views: int | None = None
    reach: int | None = None
    reactions: int | None = None
    comments: int | None = None
    shares: int | None = None
    clicks: int | None = None
    video_views: int | None = None
    watch_time_s: float | None = None
    followers: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)


class Adapter(ABC):
    platform: str

    def __init__(
        self,
        *,
        base_url: str,
        account_id: str,
        token: str,
        session: requests.Session,
        timeout_s: float = 20.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.account_id = account_id
        self.token = token
        self.http = session
        self.timeout_s = timeout_s

    @abstractmethod
    def validate(self, post: Post) -> list[str]:
        """Problems with this post against the platform's limits; empty when it can go."""

    @abstractmethod
    def publish(self, post: Post) -> PublishResult: ...

    @abstractmethod
    def find_existing(self, marker: str) -> PublishResult | None:
        """Reconcile: the post carrying `marker`, if the platform has it."""

    @abstractmethod
    def check_status(self, remote_id: str) -> PublishResult: ...

    @abstractmethod
    def fetch_metrics(self, remote_id: str) -> Metrics: ...

    @abstractmethod
    def check_token(self) -> dict[str, Any]:
        """Token validity and, where known, expiry; raises AuthExpired when dead."""
