"""The contract every platform adapter implements, and the typed errors it raises.

Adapters take credentials, a `requests.Session` and a base URL; they never touch the
database. They classify each platform's error shapes; the publishing service decides
what to retry.
"""

from __future__ import annotations

import html
import json
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from phuxanh.core.errors import ConfigError
from phuxanh.platforms.errors import (
    Ambiguous,
    AuthExpired,
    InvalidMedia,
    PlatformError,
    Transient,
    never_sent,
)
from phuxanh.platforms.oauth import TokenSet

SaveHandle = Callable[[dict[str, Any]], None]


def _no_save(handle: dict[str, Any]) -> None:
    return None


def append_link(text: str, link: str | None) -> str:
    """`text` with `link` on a line of its own, unless the text already carries it."""
    return f"{text}\n{link}" if link and link not in text else text


@dataclass(frozen=True)
class Post:
    """What to publish. `marker` is our idempotency key, carried so we can reconcile."""

    text: str
    marker: str
    media_path: Path | None = None
    media_kind: str | None = None  # "image" | "video"
    link: str | None = None
    alt_text: str | None = None
    title: str | None = None  # YouTube, TikTok, Zalo, WordPress: derived from text if absent

    def with_link(self) -> str:
        """NFC text with the link appended where the platform has no separate link field."""
        return append_link(unicodedata.normalize("NFC", self.text).strip(), self.link)

    def html_paragraphs(self) -> list[str]:
        """The text as escaped HTML paragraphs, the link last as an anchor (WordPress, Zalo)."""
        out = [
            f"<p>{html.escape(line.strip())}</p>" for line in self.text.split("\n") if line.strip()
        ]
        if self.link:
            url = html.escape(self.link, quote=True)
            out.append(f'<p><a href="{url}">{url}</a></p>')
        return out

    def headline(self, limit: int) -> str:
        """A title within `limit` characters: the given title, else the first line, cut at a
        word boundary with an ellipsis (never mid-word)."""
        raw = (self.title or self.text.strip().split("\n", 1)[0]).strip()
        if len(raw) <= limit:
            return raw
        cut = raw[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.;:-–")
        return cut + "…"


@dataclass(frozen=True)
class PublishResult:
    remote_id: str
    remote_url: str | None
    state: str = "published"  # "processing" while the platform finishes; "failed"
    raw: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None  # why processing failed, in the platform's words


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
    # the audience's make-up where the platform's API gives it, as shares of views or
    # reach: {"country": {"VN": 0.81, "KR": 0.07}, "language": {...}}; {} where it gives
    # none (docs/platforms.md, "Audience breakdowns")
    breakdown: dict[str, Any] = field(default_factory=dict)


class Adapter(ABC):
    """One platform. `publish` creates the post (calling `save` with each handle the moment
    the platform returns one: upload session, publish_id, video id); `resume` carries on
    from a saved handle after a crash or a lost answer; `find_existing` asks the platform
    whether a post with this text or marker exists when no handle was saved."""

    platform: str
    name = "platform"  # for messages: "Facebook", "X", ...
    # OAuth refresh (YouTube, TikTok, X, Zalo): the official API base and token endpoint,
    # and the token path used under any other base (a sandbox, a proxy)
    official_base: str | None = None
    official_refresh_url: str | None = None
    refresh_path: str | None = None

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
    def classify(self, response: requests.Response) -> PlatformError:
        """The typed error for a failed response in this platform's own shape."""

    def failed(self, response: requests.Response) -> bool:
        """Whether a response is a failure (Zalo and Telegram fail with HTTP 200)."""
        return response.status_code >= 400

    def request(
        self, method: str, url: str, *, sends: bool = False, **kw: Any
    ) -> requests.Response:
        """One HTTP call, its failures typed. `sends=True` marks a call that creates the
        post: losing its answer is Ambiguous (reconcile), never a plain retry."""
        kw.setdefault("timeout", self.timeout_s)
        try:
            response = self.http.request(method, url, **kw)
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
        ) as exc:
            # refused before a byte was sent: the channel's API address is broken, which is
            # a setting to fix (the channel stops and keeps its queue), not a failed post
            raise ConfigError(
                f"{self.name}: the channel's API address is not a usable URL "
                f"({exc.__class__.__name__}); fix it with the campaign file "
                "or channel add"
            ) from exc
        except requests.ConnectionError as exc:
            if never_sent(exc) or not sends:
                raise Transient(f"{self.name} unreachable: {exc.__class__.__name__}") from exc
            raise Ambiguous(f"{self.name}: connection lost during {method}: {exc}") from exc
        except requests.Timeout as exc:
            if sends:
                raise Ambiguous(
                    f"{self.name} did not answer {method} in {self.timeout_s}s"
                ) from exc
            raise Transient(f"{self.name} timed out on {method}") from exc
        if self.failed(response):
            raise self.classify(response)
        return response

    def json(self, method: str, url: str, *, sends: bool = False, **kw: Any) -> dict[str, Any]:
        response = self.request(method, url, sends=sends, **kw)
        try:
            data = response.json()
        except ValueError as exc:
            kind = Ambiguous if sends else Transient
            raise kind(f"{self.name} answered with a body that is not JSON") from exc
        return data if isinstance(data, dict) else {"data": data}

    @abstractmethod
    def validate(self, post: Post) -> list[str]:
        """Problems with this post against the platform's limits; empty when it can go."""

    def publish(self, post: Post, save: SaveHandle = _no_save) -> PublishResult:
        """Check the post against the platform's limits, then send it. Nothing is sent when
        a limit is broken: InvalidMedia names every problem."""
        problems = self.validate(post)
        if problems:
            raise InvalidMedia("; ".join(problems))
        return self.send(post, save)

    @abstractmethod
    def send(self, post: Post, save: SaveHandle) -> PublishResult:
        """Create the post (already validated), calling `save` with each handle."""

    def resume(self, post: Post, handle: dict[str, Any]) -> PublishResult | None:
        """Carry on from a saved handle. None means nothing was created: send afresh.
        A handle that does not identify the post itself (e.g. an uploaded image) says
        nothing about the post: ask the platform."""
        remote_id = handle.get("remote_id")
        return self.check_status(str(remote_id)) if remote_id else self.find_existing(post)

    @abstractmethod
    def find_existing(self, post: Post) -> PublishResult | None:
        """Reconcile: the post carrying this text or marker, if the platform has it."""

    @abstractmethod
    def check_status(self, remote_id: str) -> PublishResult: ...

    @abstractmethod
    def fetch_metrics(self, remote_id: str) -> Metrics: ...

    @abstractmethod
    def check_token(self) -> dict[str, Any]:
        """Token validity and, where known, expiry; raises AuthExpired when dead."""

    @property
    def refreshable(self) -> bool:
        return self.refresh_path is not None

    def refresh_url(self, tokens: TokenSet) -> str:
        """The set's own `token_url`, else the official endpoint when the channel talks to
        the official API, else the token path under the channel's base."""
        if tokens.token_url:
            return tokens.token_url
        if self.official_refresh_url and self.base_url == self.official_base:
            return self.official_refresh_url
        return f"{self.base_url}{self.refresh_path or ''}"

    def refresh(self, tokens: TokenSet) -> TokenSet:
        """Trade the refresh token for a new set (see `platforms.oauth.refresh_grant`)."""
        raise AuthExpired(
            f"{self.name} tokens are not refreshed by phuxanh: give the token "
            "itself as the credential"
        )


def dumps(handle: dict[str, Any]) -> str:
    return json.dumps(handle, ensure_ascii=False, sort_keys=True)


def video_problems(path: Path, platform: str) -> list[str]:
    """Why `platform` would refuse this video file (ffprobe), as `media:` problems."""
    from phuxanh.core.errors import ConfigError
    from phuxanh.media import probe
    from phuxanh.platforms import video

    try:
        info = probe.probe(path)
    except ConfigError as exc:
        return [f"media: {exc}"]
    return [f"media: {path.name}: {p}" for p in video.problems(info, platform)]


def media_problems(
    post: Post, platform: str, *, label: str, suffixes: set[str] | dict[str, str], max_bytes: int
) -> list[str]:
    """The attached file against a platform's limits: present, video per `probe`, image
    format and size (`max_bytes` is the largest size accepted)."""
    path = post.media_path
    if path is None:
        return []
    if not path.is_file():
        return [f"media: {path} does not exist"]
    if post.media_kind == "video":
        return video_problems(path, platform)
    if path.suffix.lower() not in suffixes:
        kinds = "/".join(sorted({s.lstrip(".").upper().replace("JPEG", "JPG") for s in suffixes}))
        return [f"media: {path.name}: {label} images must be {kinds}"]
    if path.stat().st_size > max_bytes:
        return [f"media: {path.name} is over {max_bytes / 1024 / 1024:.0f} MB, {label}'s limit"]
    return []
