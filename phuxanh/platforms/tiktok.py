"""TikTok adapter (Content Posting API): direct video posts with chunked upload and status
polling; photo posts pulled from the office's public media URL.

Facts from `docs/platforms.md` §4 (TikTok). `init` returns a publish_id, saved
at once; nothing is public until the bytes are uploaded, so a lost `init` answer is safe to
redo and everything after it resumes from the publish_id (`status/fetch`). The post id only
appears after moderation (`PUBLISH_COMPLETE`). Unverified in our reference, so kept
conservative: the media specs (we apply the strictest figures) and the privacy level (we
take PUBLIC_TO_EVERYONE only when creator_info offers it, else the first option offered,
which for an unaudited client is SELF_ONLY).
"""

from __future__ import annotations

from typing import Any

import requests

from phuxanh.core.settings import get_settings
from phuxanh.platforms.base import Adapter, Metrics, Post, PublishResult, SaveHandle, video_problems
from phuxanh.platforms.errors import (
    AuthExpired,
    CannotReconcile,
    InvalidMedia,
    Permanent,
    PlatformError,
    RateLimited,
    Transient,
)
from phuxanh.platforms.oauth import TokenSet, refresh_grant

TITLE_MAX = 2200
CHUNK_MAX = 64 * 1024 * 1024  # whole files up to this; chunks are 5-64 MB [T2]
CHUNK = 10 * 1024 * 1024
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".webp"}  # no PNG [3rd-party]
RATE_LIMITED = {"rate_limit_exceeded", "spam_risk_too_many_posts", "reached_active_user_cap"}
AUTH = {"access_token_invalid", "scope_not_authorized", "scope_permission_missed"}
MEDIA = {
    "invalid_file_upload",
    "file_format_check_failed",
    "duration_check_failed",
    "frame_rate_check_failed",
    "picture_size_check_failed",
}


def chunking(size: int) -> tuple[int, int]:
    """(chunk_size, count): whole when ≤ 64 MB, else 10 MB chunks, the last taking the rest."""
    if size <= CHUNK_MAX:
        return size, 1
    count = size // CHUNK
    return CHUNK, count


class TikTokAccount(Adapter):
    platform = "tiktok"
    official_base = "https://open.tiktokapis.com"
    official_refresh_url = "https://open.tiktokapis.com/v2/oauth/token/"
    refresh_path = "/v2/oauth/token/"
    name = "TikTok"

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json; charset=UTF-8",
        }

    def failed(self, response: requests.Response) -> bool:
        if response.status_code >= 400:
            return True
        try:
            body = response.json()
        except ValueError:
            return False
        err = body.get("error") if isinstance(body, dict) else None
        return isinstance(err, dict) and err.get("code") not in (None, "ok")

    def refresh(self, tokens: TokenSet) -> TokenSet:
        """TikTok's docs disagree on lifetimes (24 h / 365 d or 2 h / 180 d) and the newer
        say refresh tokens rotate [T6]: expiry is taken from `expires_in`, and whatever
        refresh token comes back is kept as the newest."""
        return refresh_grant(
            self,
            self.refresh_url(tokens),
            tokens,
            client={
                "client_key": tokens.client_id or "",
                "client_secret": tokens.client_secret or "",
            },
        )

    def classify(self, response: requests.Response) -> PlatformError:
        try:
            err = response.json().get("error") or {}
        except (ValueError, AttributeError):
            err = {}
        code = str(err.get("code") or response.status_code)
        msg = f"TikTok {response.status_code} {code}: {err.get('message', '')}"
        kw: dict[str, Any] = {"code": code, "raw": err}
        if code in AUTH or response.status_code == 401:
            return AuthExpired(msg, **kw)
        if code in RATE_LIMITED or response.status_code == 429:
            wait = 24 * 3600.0 if code.startswith(("spam_risk", "reached")) else 60.0
            return RateLimited(msg, retry_after_s=wait, **kw)
        if code in MEDIA:
            return InvalidMedia(msg, **kw)
        if code == "internal_error" or response.status_code >= 500:
            return Transient(msg, **kw)
        return Permanent(msg, **kw)

    def validate(self, post: Post) -> list[str]:
        problems = []
        if len(post.text) > TITLE_MAX:
            problems.append(f"text: {len(post.text)} characters, TikTok takes {TITLE_MAX}")
        if post.media_path is None:
            return [*problems, "media: TikTok has no text-only posts; attach a clip or photo"]
        if not post.media_path.is_file():
            return [*problems, f"media: {post.media_path} does not exist"]
        if post.media_kind == "video":
            return problems + video_problems(post.media_path, "tiktok")
        if post.media_path.suffix.lower() not in PHOTO_SUFFIXES:
            problems.append(f"media: {post.media_path.name}: TikTok photos are JPG or WEBP")
        if not get_settings().public_media_url:
            problems.append(
                "media: TikTok pulls photos from a public URL on a verified "
                "domain; set PHUXANH_PUBLIC_MEDIA_URL"
            )
        return problems

    def _privacy(self) -> str:
        info = (
            self.json(
                "POST",
                f"{self.base_url}/v2/post/publish/creator_info/query/",
                headers=self._headers(),
            ).get("data")
            or {}
        )
        options = list(info.get("privacy_level_options") or ["SELF_ONLY"])
        return "PUBLIC_TO_EVERYONE" if "PUBLIC_TO_EVERYONE" in options else str(options[0])

    def send(self, post: Post, save: SaveHandle) -> PublishResult:
        assert post.media_path is not None
        info = {
            "title": post.with_link(),
            "privacy_level": self._privacy(),
            "disable_duet": False,
            "disable_comment": False,
            "disable_stitch": False,
        }
        if post.media_kind != "video":
            url = f"{get_settings().public_media_url}/{post.media_path.name}"
            data = self.json(
                "POST",
                f"{self.base_url}/v2/post/publish/content/init/",
                sends=True,
                headers=self._headers(),
                json={
                    "post_info": info | {"description": post.with_link()},
                    "source_info": {
                        "source": "PULL_FROM_URL",
                        "photo_images": [url],
                        "photo_cover_index": 0,
                    },
                    "post_mode": "DIRECT_POST",
                    "media_type": "PHOTO",
                },
            )
            publish_id = str((data.get("data") or {})["publish_id"])
            save({"publish_id": publish_id})
            return PublishResult(remote_id=publish_id, remote_url=None, state="processing")
        size = post.media_path.stat().st_size
        chunk, count = chunking(size)
        data = self.json(
            "POST",
            f"{self.base_url}/v2/post/publish/video/init/",
            headers=self._headers(),
            json={
                "post_info": info,
                "source_info": {
                    "source": "FILE_UPLOAD",
                    "video_size": size,
                    "chunk_size": chunk,
                    "total_chunk_count": count,
                },
            },
        )
        body = data.get("data") or {}
        handle = {
            "publish_id": str(body["publish_id"]),
            "upload_url": body["upload_url"],
            "size": size,
        }
        save(handle)
        self._upload(post, handle)
        return PublishResult(remote_id=handle["publish_id"], remote_url=None, state="processing")

    def _upload(self, post: Post, handle: dict[str, Any]) -> None:
        assert post.media_path is not None
        size = int(handle["size"])
        chunk, count = chunking(size)
        with post.media_path.open("rb") as fh:
            for index in range(count):
                first = index * chunk
                last = size - 1 if index == count - 1 else first + chunk - 1
                fh.seek(first)
                data = fh.read(last - first + 1)
                self.request(
                    "PUT",
                    str(handle["upload_url"]),
                    sends=True,
                    data=data,
                    headers={
                        "Content-Type": "video/mp4",
                        "Content-Range": f"bytes {first}-{last}/{size}",
                    },
                )

    def resume(self, post: Post, handle: dict[str, Any]) -> PublishResult | None:
        if "publish_id" not in handle:
            return super().resume(post, handle)
        result = self.check_status(str(handle["publish_id"]))
        if result.raw.get("status") == "PROCESSING_UPLOAD" and "upload_url" in handle:
            if int(result.raw.get("uploaded_bytes") or 0) < int(handle["size"]):
                self._upload(post, handle)  # chunks are sequential: send them again
            return PublishResult(
                remote_id=str(handle["publish_id"]), remote_url=None, state="processing"
            )
        return result

    def find_existing(self, post: Post) -> PublishResult | None:
        if post.media_kind == "video":
            # No publish_id was saved, so `init` never answered us: without its upload URL
            # no bytes were sent and nothing can be public. Safe to send again.
            return None
        raise CannotReconcile(
            "TikTok lists a post only after moderation and has no idempotency key: check the "
            "account for this post, then mark it published or send it again"
        )

    def check_status(self, remote_id: str) -> PublishResult:
        data = self.json(
            "POST",
            f"{self.base_url}/v2/post/publish/status/fetch/",
            headers=self._headers(),
            json={"publish_id": remote_id},
        )
        body = data.get("data") or {}
        status = str(body.get("status"))
        if status == "PUBLISH_COMPLETE":
            ids = body.get("publicaly_available_post_id") or []  # TikTok's own spelling
            post_id = str(ids[0]) if ids else remote_id
            url = f"https://www.tiktok.com/@{self.account_id}/video/{post_id}" if ids else None
            return PublishResult(remote_id=post_id, remote_url=url, raw=body)
        if status == "FAILED":
            return PublishResult(
                remote_id=remote_id,
                remote_url=None,
                state="failed",
                raw=body,
                reason=f"TikTok: {body.get('fail_reason') or 'failed'}",
            )
        return PublishResult(remote_id=remote_id, remote_url=None, state="processing", raw=body)

    def fetch_metrics(self, remote_id: str) -> Metrics:
        data = self.json(
            "POST",
            f"{self.base_url}/v2/video/query/",
            headers=self._headers(),
            params={"fields": "id,view_count,like_count,comment_count,share_count"},
            json={"filters": {"video_ids": [remote_id]}},
        )
        videos = (data.get("data") or {}).get("videos") or [{}]
        v = videos[0]
        return Metrics(
            views=v.get("view_count"),
            video_views=v.get("view_count"),
            reactions=v.get("like_count"),
            comments=v.get("comment_count"),
            shares=v.get("share_count"),
            raw=v,
        )

    def check_token(self) -> dict[str, Any]:
        data = self.json(
            "GET",
            f"{self.base_url}/v2/user/info/",
            headers=self._headers(),
            params={"fields": "open_id,display_name"},
        )
        user = (data.get("data") or {}).get("user") or {}
        return {"ok": True, "id": user.get("open_id"), "name": user.get("display_name")}
