"""YouTube adapter (Data API v3): resumable upload of vertical clips (Shorts).

Facts from `docs/platforms.md` §3 (YouTube). A video ≤ 3 min in a square or
vertical frame becomes a Short by itself (there is no API flag). The upload session URI is
saved the moment YouTube returns it; after a crash or a lost answer the upload is resumed
from it (`Content-Range: bytes */total` tells how much arrived), so a clip is never
uploaded twice. YouTube takes videos only (no community posts through the API).
Unverified in our reference, kept conservative: the status enum values and the quota
error shape (`quotaExceeded` is treated as a wait until the daily reset).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import requests

from phuxanh.platforms.base import Adapter, Metrics, Post, PublishResult, SaveHandle, video_problems
from phuxanh.platforms.errors import (
    AuthExpired,
    InvalidMedia,
    Permanent,
    PlatformError,
    RateLimited,
    Transient,
)
from phuxanh.platforms.oauth import TokenSet, refresh_grant

TITLE_MAX = 100
ANALYTICS_URL = "https://youtubeanalytics.googleapis.com/v2/reports"
FIRST_DAY = "2005-04-23"  # YouTube's first video: a report's earliest possible start
TOP_COUNTRIES = 20  # countries kept per reading, the largest shares first
DESCRIPTION_MAX = 5000
CHUNK = 8 * 256 * 1024 * 4  # 8 MiB, a multiple of 256 KiB as the protocol asks


def _seconds_to_quota_reset(now: dt.datetime | None = None) -> float:
    """Quotas reset at midnight Pacific time [Y3]."""
    pt = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo("America/Los_Angeles"))
    midnight = (pt + dt.timedelta(days=1)).replace(hour=0, minute=5, second=0, microsecond=0)
    return (midnight - pt).total_seconds()


def marker_tag(marker: str) -> str:
    return f"phuxanh-{marker}"[:60]


class YouTubeChannel(Adapter):
    platform = "youtube"
    name = "YouTube"
    official_base = "https://www.googleapis.com"
    official_refresh_url = "https://oauth2.googleapis.com/token"
    refresh_path = "/oauth2/v4/token"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def refresh(self, tokens: TokenSet) -> TokenSet:
        """Google keeps the refresh token (it is not rotated); `invalid_grant` means it
        was revoked, unused for six months, or from an app still in Testing (7 days)."""
        return refresh_grant(
            self,
            self.refresh_url(tokens),
            tokens,
            client={
                "client_id": tokens.client_id or "",
                "client_secret": tokens.client_secret or "",
            },
        )

    def classify(self, response: requests.Response) -> PlatformError:
        try:
            err = response.json().get("error", {})
        except (ValueError, AttributeError):
            err = {}
        reasons = {str(e.get("reason")) for e in err.get("errors") or [] if isinstance(e, dict)}
        status = response.status_code
        msg = f"YouTube {status} {','.join(sorted(reasons)) or ''}: {err.get('message', '')}"
        kw: dict[str, Any] = {"code": ",".join(sorted(reasons)) or str(status), "raw": err}
        if status == 401 or "invalid_grant" in response.text:
            return AuthExpired(msg, **kw)
        if reasons & {"quotaExceeded", "dailyLimitExceeded"}:
            return RateLimited(msg, retry_after_s=_seconds_to_quota_reset(), **kw)
        if "uploadLimitExceeded" in reasons:
            return RateLimited(msg, retry_after_s=24 * 3600.0, **kw)
        if status == 429 or reasons & {"rateLimitExceeded", "userRateLimitExceeded"}:
            return RateLimited(
                msg, retry_after_s=float(response.headers.get("Retry-After") or 60), **kw
            )
        if status >= 500:
            return Transient(msg, **kw)
        if reasons & {"invalidVideoMetadata", "mediaBodyRequired", "invalidFilename"}:
            return InvalidMedia(msg, **kw)
        return Permanent(msg, **kw)

    def validate(self, post: Post) -> list[str]:
        if post.media_path is None or post.media_kind != "video":
            return ["media: YouTube takes videos only; attach a clip or drop this channel"]
        if not post.media_path.is_file():
            return [f"media: {post.media_path} does not exist"]
        problems = video_problems(post.media_path, "youtube")
        if len(post.text) > DESCRIPTION_MAX:
            problems.append(
                f"text: {len(post.text)} characters, descriptions take {DESCRIPTION_MAX}"
            )
        if "<" in post.text or ">" in post.text:
            problems.append("text: YouTube refuses < and > in descriptions")
        return problems

    def send(self, post: Post, save: SaveHandle) -> PublishResult:
        assert post.media_path is not None
        size = post.media_path.stat().st_size
        resource = {
            "snippet": {
                "title": post.headline(TITLE_MAX),
                "description": post.with_link(),
                "tags": [marker_tag(post.marker)],
                "categoryId": "25",
            },
            "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": False},
        }
        response = self.request(
            "POST",
            f"{self.base_url}/upload/youtube/v3/videos",
            json=resource,
            params={"uploadType": "resumable", "part": "snippet,status"},
            headers=self._headers()
            | {"X-Upload-Content-Length": str(size), "X-Upload-Content-Type": "video/mp4"},
        )
        session = response.headers.get("Location")
        if not session:
            raise Transient("YouTube gave no upload session (no Location header)")
        handle = {"session": session, "size": size}
        save(handle)
        return self._upload_from(post, handle, 0)

    def _upload_from(self, post: Post, handle: dict[str, Any], offset: int) -> PublishResult:
        assert post.media_path is not None
        size = int(handle["size"])
        with post.media_path.open("rb") as fh:
            fh.seek(offset)
            while True:
                chunk = fh.read(CHUNK)
                end = offset + len(chunk) - 1
                response = self.request(
                    "PUT",
                    str(handle["session"]),
                    sends=True,
                    data=chunk,
                    allow_redirects=False,
                    headers=self._headers() | {"Content-Range": f"bytes {offset}-{end}/{size}"},
                )
                if response.status_code in (200, 201):
                    return self._result(response.json())
                offset = self._received(response)
                fh.seek(offset)

    @staticmethod
    def _received(response: requests.Response) -> int:
        """The next byte YouTube wants, from a 308's `Range: bytes=0-N` (none: 0)."""
        if response.status_code != 308:
            raise Transient(f"YouTube answered the upload with {response.status_code}")
        rng = response.headers.get("Range", "")
        return int(rng.rsplit("-", 1)[1]) + 1 if "-" in rng else 0

    def resume(self, post: Post, handle: dict[str, Any]) -> PublishResult | None:
        if "session" not in handle:
            return super().resume(post, handle)
        response = self.request(
            "PUT",
            str(handle["session"]),
            allow_redirects=False,
            data=b"",
            headers=self._headers() | {"Content-Range": f"bytes */{handle['size']}"},
        )
        if response.status_code in (200, 201):
            return self._result(response.json())
        return self._upload_from(post, handle, self._received(response))

    def _result(self, video: dict[str, Any]) -> PublishResult:
        video_id = str(video["id"])
        status = video.get("status") or {}
        upload = status.get("uploadStatus", "uploaded")
        state = {"processed": "published", "uploaded": "processing"}.get(upload, "failed")
        reason = None
        if state == "failed":
            reason = (
                f"YouTube says {upload}: "
                f"{status.get('failureReason') or status.get('rejectionReason') or '?'}"
            )
        return PublishResult(
            remote_id=video_id,
            remote_url=f"https://youtube.com/shorts/{video_id}",
            state=state,
            raw={"id": video_id, "status": status},
            reason=reason,
        )

    def _videos(self, ids: list[str], part: str) -> list[dict[str, Any]]:
        data = self.json(
            "GET",
            f"{self.base_url}/youtube/v3/videos",
            headers=self._headers(),
            params={"part": part, "id": ",".join(ids)},
        )
        return list(data.get("items") or [])

    def find_existing(self, post: Post) -> PublishResult | None:
        found = self.json(
            "GET",
            f"{self.base_url}/youtube/v3/search",
            headers=self._headers(),
            params={
                "part": "id",
                "forMine": "true",
                "type": "video",
                "order": "date",
                "maxResults": "25",
            },
        )
        ids = [str(i["id"]["videoId"]) for i in found.get("items") or []]
        tag = marker_tag(post.marker)
        for video in self._videos(ids, "snippet,status") if ids else []:
            if tag in (video.get("snippet") or {}).get("tags", []):
                return self._result(video)
        return None

    def check_status(self, remote_id: str) -> PublishResult:
        items = self._videos([remote_id], "status,processingDetails")
        if not items:
            return PublishResult(
                remote_id=remote_id,
                remote_url=None,
                state="failed",
                reason=f"YouTube has no video {remote_id} (deleted?)",
            )
        return self._result(items[0])

    def fetch_metrics(self, remote_id: str) -> Metrics:
        items = self._videos([remote_id], "statistics,snippet")
        stats = items[0].get("statistics", {}) if items else {}

        def num(key: str) -> int | None:
            return int(stats[key]) if key in stats else None

        views = num("viewCount")
        raw: dict[str, Any] = dict(stats)
        breakdown: dict[str, Any] = {}
        if items:
            published = str((items[0].get("snippet") or {}).get("publishedAt") or "")[:10]
            try:
                countries = self.countries(remote_id, since=published or FIRST_DAY)
            except (Permanent, Transient, RateLimited) as exc:  # the counts stand alone
                raw["analytics_error"] = str(exc)
            else:
                breakdown = {"country": countries} if countries else {}
        return Metrics(
            views=views,
            video_views=views,
            reactions=num("likeCount"),
            comments=num("commentCount"),
            raw=raw,
            breakdown=breakdown,
        )

    def analytics_url(self) -> str:
        """YouTube Analytics' reports endpoint: its own host in production; under any other
        base (the sandbox, a proxy) the same path below the base."""
        if self.base_url == self.official_base:
            return ANALYTICS_URL
        return f"{self.base_url}/youtubeanalytics/v2/reports"

    def countries(self, video_id: str, *, since: str) -> dict[str, float]:
        """The video's views by viewer country, as shares of its views (the largest
        `TOP_COUNTRIES`, ISO 3166-1 alpha-2 codes), from YouTube Analytics'
        `dimensions=country` report filtered to the video (scope yt-analytics.readonly).
        Empty while YouTube has no rows yet (its data lags two to three days)."""
        data = self.json(
            "GET",
            self.analytics_url(),
            headers=self._headers(),
            params={
                "ids": "channel==MINE",
                "startDate": since,
                "endDate": dt.datetime.now(dt.UTC).date().isoformat(),
                "metrics": "views",
                "dimensions": "country",
                "filters": f"video=={video_id}",
                "sort": "-views",
            },
        )
        names = [str(h.get("name")) for h in data.get("columnHeaders") or []]
        if "country" not in names or "views" not in names:
            return {}
        at_country, at_views = names.index("country"), names.index("views")
        counts: dict[str, int] = {}
        for row in data.get("rows") or []:
            code, views = str(row[at_country]).upper(), int(row[at_views] or 0)
            counts[code] = counts.get(code, 0) + views
        total = sum(counts.values())
        if not total:
            return {}
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_COUNTRIES]
        return {code: round(views / total, 4) for code, views in top}

    def check_token(self) -> dict[str, Any]:
        data = self.json(
            "GET",
            f"{self.base_url}/youtube/v3/channels",
            headers=self._headers(),
            params={"part": "id,snippet", "mine": "true"},
        )
        items = data.get("items") or [{}]
        return {
            "ok": True,
            "id": items[0].get("id"),
            "name": (items[0].get("snippet") or {}).get("title"),
        }
