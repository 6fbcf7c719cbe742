"""Facebook Page adapter (Graph API): feed posts with link, photo posts, insights.

Facts from `../shared/reference/platform-apis.md` §1. Where that reference says
"unverified", the adapter is conservative and says so below.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from phuxanh.platforms.base import (
    Adapter,
    Ambiguous,
    AuthExpired,
    Duplicate,
    InvalidMedia,
    Metrics,
    Permanent,
    PlatformError,
    Post,
    PublishResult,
    RateLimited,
    Transient,
)

PHOTO_MAX_BYTES = 4 * 1024 * 1024  # "Photos should be smaller than 4MB and saved as JPG or PNG"
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}
# The post text limit is unverified in our reference; 63,206 is the figure every
# third-party source repeats. We refuse above it rather than let Graph cut the text.
TEXT_MAX_CHARS = 63_206
AUTH_CODES = {102, 190, 200, 463, 460, 467}
THROTTLE_CODES = {4, 17, 32, 613, 80001}
TRANSIENT_CODES = {1, 2}
INSIGHT_METRICS = (
    "post_media_view",
    "post_total_media_view_unique",
    "post_clicks",
    "post_reactions_by_type_total",
)
# Graph retires insight metrics on announced dates (platform-apis.md, [F9]/[F10]); a name
# Graph calls invalid is replaced by its successor, or dropped (its value stays null).
REPLACED_BY = {
    "post_impressions": "post_media_view",
    "post_impressions_unique": "post_total_media_view_unique",
    "page_impressions_unique": "page_total_media_view_unique",
    "page_fans": "page_follows",
}
INVALID_METRIC = re.compile(r"valid insights metric: (\w+)")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _never_sent(exc: requests.ConnectionError) -> bool:
    """True when the connection was never made, so the request cannot have arrived."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def classify(response: requests.Response) -> PlatformError:
    """Turn a Graph error response into a typed error."""
    try:
        err = response.json().get("error", {})
    except ValueError:
        err = {}
    code = int(err.get("code", 0) or 0)
    sub = int(err.get("error_subcode", 0) or 0)
    text = err.get("message", response.text[:200])
    msg = f"Facebook {response.status_code} code {code}/{sub}: {text}"
    kw: dict[str, Any] = {"code": f"{code}/{sub}", "raw": err}
    retry_after = response.headers.get("Retry-After")
    if code in AUTH_CODES or (err.get("type") == "OAuthException" and code == 190):
        return AuthExpired(msg, **kw)
    if code in THROTTLE_CODES or sub == 1390008:
        return RateLimited(msg, retry_after_s=float(retry_after or 300), **kw)
    if code == 368:  # temporarily blocked for policy reasons: wait an hour, do not hammer
        return RateLimited(msg, retry_after_s=float(retry_after or 3600), **kw)
    if code == 506:
        return Duplicate(msg, **kw)
    if sub == 1366046 or code == 324:
        return InvalidMedia(msg, **kw)
    if code in TRANSIENT_CODES or response.status_code >= 500 or err.get("is_transient"):
        return Transient(msg, **kw)
    return Permanent(msg, **kw)


class FacebookPage(Adapter):
    platform = "facebook"

    def __init__(self, *, api_version: str = "v25.0", **kw: Any) -> None:
        super().__init__(**kw)
        self.api_version = api_version

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{self.api_version}/{path.lstrip('/')}"

    def _call(self, method: str, path: str, *, sends: bool = False, **kw: Any) -> dict[str, Any]:
        params = kw.pop("params", {}) | {"access_token": self.token}
        try:
            response = self.http.request(
                method, self._url(path), params=params, timeout=self.timeout_s, **kw
            )
        except requests.ConnectionError as exc:
            if _never_sent(exc) or not sends:
                raise Transient(f"Facebook unreachable: {exc.__class__.__name__}") from exc
            # The request may have reached Graph: the post may exist. Reconcile first.
            raise Ambiguous(f"Facebook connection lost during {method}: {exc}") from exc
        except requests.Timeout as exc:
            if sends:
                raise Ambiguous(f"Facebook did not answer {method} in {self.timeout_s}s") from exc
            raise Transient(f"Facebook timed out on {method}") from exc
        if response.status_code >= 400:
            raise classify(response)
        try:
            data: dict[str, Any] = response.json()
        except ValueError as exc:
            if sends:
                raise Ambiguous("Facebook answered with a body that is not JSON") from exc
            raise Transient("Facebook answered with a body that is not JSON") from exc
        return data

    def validate(self, post: Post) -> list[str]:
        problems = []
        if len(_nfc(post.text)) > TEXT_MAX_CHARS:
            problems.append(f"text: {len(post.text)} characters, Facebook takes {TEXT_MAX_CHARS}")
        if post.media_path is not None:
            if post.media_kind != "image":
                problems.append("media: this adapter publishes photos; Reels come with video")
            elif post.media_path.suffix.lower() not in PHOTO_SUFFIXES:
                problems.append(
                    f"media: {post.media_path.name}: Facebook photos must be JPG or PNG"
                )
            elif not post.media_path.is_file():
                problems.append(f"media: {post.media_path} does not exist")
            elif post.media_path.stat().st_size >= PHOTO_MAX_BYTES:
                problems.append(f"media: {post.media_path.name} is 4 MB or more")
        return problems

    def publish(self, post: Post) -> PublishResult:
        problems = self.validate(post)
        if problems:
            raise InvalidMedia("; ".join(problems))
        text = _nfc(post.text)
        if post.media_path is not None:
            with post.media_path.open("rb") as fh:
                data = self._call(
                    "POST",
                    f"{self.account_id}/photos",
                    sends=True,
                    data={"caption": text, "published": "true"},
                    files={"source": (post.media_path.name, fh, "image/png")},
                )
            remote_id = str(data.get("post_id") or data["id"])
        else:
            form = {"message": text} | ({"link": post.link} if post.link else {})
            data = self._call("POST", f"{self.account_id}/feed", sends=True, data=form)
            remote_id = str(data["id"])
        return PublishResult(remote_id=remote_id, remote_url=self._permalink(remote_id), raw=data)

    def _permalink(self, remote_id: str) -> str | None:
        try:
            data = self._call("GET", remote_id, params={"fields": "permalink_url"})
        except (Transient, Permanent):
            return None  # the post exists; the link can be read later
        url = data.get("permalink_url")
        return str(url) if url else None

    def find_existing(self, marker: str) -> PublishResult | None:
        """Recent posts of the page whose text is exactly `marker` (the caption we sent)."""
        data = self._call(
            "GET",
            f"{self.account_id}/feed",
            params={"fields": "id,message,created_time,permalink_url", "limit": "50"},
        )
        wanted = _nfc(marker)
        for row in data.get("data", []):
            if _nfc(str(row.get("message", ""))) == wanted:
                return PublishResult(
                    remote_id=str(row["id"]), remote_url=row.get("permalink_url"), raw=row
                )
        return None

    def check_status(self, remote_id: str) -> PublishResult:
        data = self._call("GET", remote_id, params={"fields": "id,permalink_url,is_published"})
        state = "published" if data.get("is_published", True) else "processing"
        return PublishResult(
            remote_id=str(data["id"]), remote_url=data.get("permalink_url"), state=state, raw=data
        )

    def _insights(self, remote_id: str, metrics: list[str]) -> dict[str, Any]:
        """Insights for the metrics Graph still knows; retired ones fall back or drop."""
        for _ in range(len(metrics) + 1):
            try:
                return self._call("GET", f"{remote_id}/insights",
                                  params={"metric": ",".join(metrics)})
            except Permanent as exc:
                found = INVALID_METRIC.search(str(exc))
                if not found or found.group(1) not in metrics:
                    raise
                bad = found.group(1)
                metrics = [m for m in metrics if m != bad]
                new = REPLACED_BY.get(bad)
                if new and new not in metrics:
                    metrics.append(new)
                if not metrics:
                    return {"data": []}
        return {"data": []}

    def fetch_metrics(self, remote_id: str, metrics: list[str] | None = None) -> Metrics:
        insights = self._insights(remote_id, list(metrics or INSIGHT_METRICS))
        values: dict[str, Any] = {}
        for row in insights.get("data", []):
            points = row.get("values") or []
            if points:
                values[row["name"]] = points[-1].get("value")
        counts = self._call(
            "GET",
            remote_id,
            params={"fields": "shares,comments.summary(true),reactions.summary(true)"},
        )
        reactions = values.get("post_reactions_by_type_total")
        reaction_total = (
            sum(int(v) for v in reactions.values())
            if isinstance(reactions, dict)
            else counts.get("reactions", {}).get("summary", {}).get("total_count")
        )
        return Metrics(
            views=values.get("post_media_view"),
            reach=values.get("post_total_media_view_unique"),
            clicks=values.get("post_clicks"),
            reactions=reaction_total,
            comments=counts.get("comments", {}).get("summary", {}).get("total_count"),
            # Graph leaves `shares` out when nobody shared: we asked for it, so absent is 0.
            shares=int(counts.get("shares", {}).get("count", 0)),
            raw={"insights": values, "counts": counts},
        )

    def check_token(self) -> dict[str, Any]:
        data = self._call("GET", "me", params={"fields": "id,name"})
        return {"ok": True, "id": data.get("id"), "name": data.get("name")}
