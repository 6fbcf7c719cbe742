"""Facebook Page adapter (Graph API): feed posts with link, photo posts, insights.

Facts from `docs/platforms.md` §1 (Facebook Page). Where that page says
"unverified", the adapter is conservative and says so below. The Page token travels in the
`Authorization: Bearer` header of every Graph call (the rupload host takes `OAuth`), never
in a URL, so proxies, server logs and error messages never see it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import requests

from phuxanh.platforms.base import Adapter, Metrics, Post, PublishResult, SaveHandle, media_problems
from phuxanh.platforms.errors import (
    AuthExpired,
    Duplicate,
    InvalidMedia,
    Permanent,
    PlatformError,
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
# Graph retires insight metrics on announced dates (docs/platforms.md §1, [F9]/[F10]); a name
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

    def classify(self, response: requests.Response) -> PlatformError:
        return classify(response)

    def _call(self, method: str, path: str, *, sends: bool = False, **kw: Any) -> dict[str, Any]:
        headers = kw.pop("headers", {}) | {"Authorization": f"Bearer {self.token}"}
        return self.json(method, self._url(path), sends=sends, headers=headers, **kw)

    def validate(self, post: Post) -> list[str]:
        problems = []
        if len(_nfc(post.text)) > TEXT_MAX_CHARS:
            problems.append(f"text: {len(post.text)} characters, Facebook takes {TEXT_MAX_CHARS}")
        return problems + media_problems(
            post,
            "facebook",
            label="Facebook",
            suffixes=PHOTO_SUFFIXES,
            max_bytes=PHOTO_MAX_BYTES - 1,
        )

    def send(self, post: Post, save: SaveHandle) -> PublishResult:
        text = _nfc(post.text)
        if post.media_kind == "video" and post.media_path is not None:
            return self._reel(post, save)
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

    # Reels [F4/F5]: start -> upload the bytes -> finish; Graph then processes and publishes.
    # Nothing is public before `finish`, so a lost `start` or upload is safe to redo; from
    # the moment `start` answers, the video id is saved and everything resumes from it.
    def _reel(self, post: Post, save: SaveHandle) -> PublishResult:
        start = self._call(
            "POST", f"{self.account_id}/video_reels", params={"upload_phase": "start"}
        )
        video_id = str(start["video_id"])
        handle = {"video_id": video_id, "upload_url": start.get("upload_url")}
        save(handle)
        return self._reel_from(post, handle, uploaded=False)

    def _reel_from(self, post: Post, handle: dict[str, Any], *, uploaded: bool) -> PublishResult:
        assert post.media_path is not None
        video_id = str(handle["video_id"])
        if not uploaded:
            size = post.media_path.stat().st_size
            url = handle.get("upload_url") or (
                f"{self.base_url}/video-upload/{self.api_version}/{video_id}"
            )
            self.request(
                "POST",
                str(url),
                data=post.media_path.read_bytes(),
                headers={
                    "Authorization": f"OAuth {self.token}",
                    "offset": "0",
                    "file_size": str(size),
                },
            )
        self._call(
            "POST",
            f"{self.account_id}/video_reels",
            sends=True,
            params={
                "upload_phase": "finish",
                "video_id": video_id,
                "video_state": "PUBLISHED",
                "description": _nfc(post.text),
            },
        )
        return self.check_status(video_id)

    def resume(self, post: Post, handle: dict[str, Any]) -> PublishResult | None:
        if "video_id" not in handle:
            return super().resume(post, handle)
        status = self._call("GET", str(handle["video_id"]), params={"fields": "status"})
        phases = status.get("status", {})
        if phases.get("publishing_phase", {}).get("status") in (
            "complete",
            "in_progress",
        ) or phases.get("video_status") in ("ready", "processing"):
            return self.check_status(str(handle["video_id"]))  # finish went through
        uploaded = phases.get("uploading_phase", {}).get("status") == "complete"
        return self._reel_from(post, handle, uploaded=uploaded)

    def _permalink(self, remote_id: str) -> str | None:
        try:
            data = self._call("GET", remote_id, params={"fields": "permalink_url"})
        except (Transient, Permanent):
            return None  # the post exists; the link can be read later
        url = data.get("permalink_url")
        return str(url) if url else None

    def find_existing(self, post: Post) -> PublishResult | None:
        """Recent posts of the page whose text is exactly the caption we sent."""
        data = self._call(
            "GET",
            f"{self.account_id}/feed",
            params={"fields": "id,message,created_time,permalink_url", "limit": "50"},
        )
        wanted = _nfc(post.text)
        for row in data.get("data", []):
            if _nfc(str(row.get("message", ""))) == wanted:
                return PublishResult(
                    remote_id=str(row["id"]), remote_url=row.get("permalink_url"), raw=row
                )
        return None

    def check_status(self, remote_id: str) -> PublishResult:
        if "_" not in remote_id:  # a Reel's video id: its processing phases tell
            data = self._call("GET", remote_id, params={"fields": "status,permalink_url"})
            phases = data.get("status", {})
            for phase in ("uploading_phase", "processing_phase", "publishing_phase"):
                if phases.get(phase, {}).get("status") == "error":
                    err = phases[phase].get("errors") or [{}]
                    return PublishResult(
                        remote_id=remote_id,
                        remote_url=None,
                        state="failed",
                        reason=f"{phase}: {err[0].get('message', 'error')}",
                    )
            done = phases.get("publishing_phase", {}).get("status") == "complete"
            url = data.get("permalink_url")
            return PublishResult(
                remote_id=remote_id,
                remote_url=str(url) if url else None,
                state="published" if done else "processing",
                raw=data,
            )
        data = self._call("GET", remote_id, params={"fields": "id,permalink_url,is_published"})
        state = "published" if data.get("is_published", True) else "processing"
        return PublishResult(
            remote_id=str(data["id"]), remote_url=data.get("permalink_url"), state=state, raw=data
        )

    def _insights(self, remote_id: str, metrics: list[str]) -> dict[str, Any]:
        """Insights for the metrics Graph still knows; retired ones fall back or drop."""
        for _ in range(len(metrics) + 1):
            try:
                return self._call(
                    "GET", f"{remote_id}/insights", params={"metric": ",".join(metrics)}
                )
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
