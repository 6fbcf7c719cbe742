"""Zalo Official Account adapter (OA API v2.0): articles (text, link, cover photo) and video
articles.

Facts from `docs/platforms.md` §6 (Zalo OA), which marks much of Zalo unverified;
this adapter is conservative where it is:
- failures come as HTTP 200 with `error != 0`; only -216 (token invalid/expired) is known,
  any other non-zero code is Permanent unless its message speaks of a limit (then we wait
  an hour) — we never guess that an unknown error is safe to repeat;
- an article is created, then `verify` turns its token into the article id: the token is
  saved at once and a lost `verify` answer resumes from it;
- reconciliation lists the OA's recent articles (`getslice`) and matches title and summary;
- photos are pulled from a public URL (PHUXANH_PUBLIC_MEDIA_URL), as the article API takes
  a `photo_url`; images must be ≤ 1 MB.
"""

from __future__ import annotations

import time
from typing import Any

import requests

from phuxanh.core.settings import get_settings
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

TITLE_MAX, DESCRIPTION_MAX = 150, 300
IMAGE_MAX_BYTES = 1024 * 1024
VIDEO_WAIT_S = 120.0


class ZaloOA(Adapter):
    platform = "zalo"
    name = "Zalo OA"
    official_base = "https://openapi.zalo.me"
    official_refresh_url = "https://oauth.zaloapp.com/v4/oa/access_token"
    refresh_path = "/v4/oa/access_token"

    def refresh(self, tokens: TokenSet) -> TokenSet:
        """OAuth v4 [Z1]: the app secret goes in a `secret_key` header, the app id in the
        form. Lifetimes (~25 h access, ~90 days refresh) and single use of the refresh token
        are community-reported, **unverified**: the newest refresh token is always kept, and
        any error from this endpoint (HTTP 200 with `error` ≠ 0) stops the channel for a
        person rather than being retried blindly."""
        return refresh_grant(
            self,
            self.refresh_url(tokens),
            tokens,
            headers={"secret_key": tokens.client_secret or ""},
            client={"app_id": tokens.client_id or ""},
        )

    def _headers(self) -> dict[str, str]:
        return {"access_token": self.token}

    def _api(self, path: str) -> str:
        return f"{self.base_url}/v2.0/{path.lstrip('/')}"

    def failed(self, response: requests.Response) -> bool:
        if response.status_code >= 400:
            return True
        try:
            body = response.json()
        except ValueError:
            return False
        return isinstance(body, dict) and int(body.get("error") or 0) != 0

    def classify(self, response: requests.Response) -> PlatformError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = int(body.get("error") or 0)
        text = str(body.get("message") or response.text[:200])
        msg = f"Zalo OA {response.status_code} error {code}: {text}"
        kw: dict[str, Any] = {"code": str(code), "raw": body}
        if code == -216 or "access token" in text.lower():
            return AuthExpired(msg, **kw)
        if response.status_code == 429 or "limit" in text.lower():
            return RateLimited(msg, retry_after_s=3600.0, **kw)
        if response.status_code >= 500:
            return Transient(msg, **kw)
        return Permanent(msg, **kw)

    def _parts(self, post: Post) -> tuple[str, str]:
        title = post.headline(TITLE_MAX)
        rest = post.text.strip().partition("\n")[2].strip() or post.text.strip()
        description = (
            rest
            if len(rest) <= DESCRIPTION_MAX
            else rest[: DESCRIPTION_MAX - 1].rsplit(" ", 1)[0] + "…"
        )
        return title, description

    def validate(self, post: Post) -> list[str]:
        problems = []
        if not post.text.strip():
            problems.append("text: an article needs a title")
        if post.media_path is None:
            return problems
        if not post.media_path.is_file():
            return [*problems, f"media: {post.media_path} does not exist"]
        if post.media_kind == "video":
            return problems + video_problems(post.media_path, "zalo")
        if post.media_path.stat().st_size > IMAGE_MAX_BYTES:
            problems.append(
                f"media: {post.media_path.name} is over 1 MB (Zalo's image limit); "
                "use the JPEG rendition"
            )
        if not get_settings().public_media_url:
            problems.append("media: Zalo articles take a photo URL; set PHUXANH_PUBLIC_MEDIA_URL")
        return problems

    def send(self, post: Post, save: SaveHandle) -> PublishResult:
        title, description = self._parts(post)
        article: dict[str, Any] = {
            "title": title,
            "description": description,
            "status": "show",
            "comment": "show",
        }
        if post.media_kind == "video" and post.media_path is not None:
            article |= {"type": "video", "video_id": self._upload_video(post)}
        else:
            article |= {
                "type": "normal",
                "body": [{"type": "text", "content": "\n".join(post.html_paragraphs())}],
            }
            if post.media_path is not None:
                photo = f"{get_settings().public_media_url}/{post.media_path.name}"
                article["cover"] = {"cover_type": "photo", "photo_url": photo, "status": "show"}
        data = self.json(
            "POST", self._api("article/create"), sends=True, headers=self._headers(), json=article
        )
        token = str((data.get("data") or {})["token"])
        save({"token": token})
        return self._verify(token)

    def _upload_video(self, post: Post) -> str:
        assert post.media_path is not None
        with post.media_path.open("rb") as fh:
            data = self.json(
                "POST",
                self._api("article/upload_video/preparevideo"),
                headers=self._headers(),
                files={"file": (post.media_path.name, fh, "video/mp4")},
            )
        token = str((data.get("data") or {})["token"])
        deadline = time.monotonic() + VIDEO_WAIT_S
        while True:
            status = (
                self.json(
                    "GET",
                    self._api("article/upload_video/verify"),
                    headers=self._headers(),
                    params={"token": token},
                ).get("data")
                or {}
            )
            if int(status.get("status") or 0) == 1:
                return str(status["video_id"])
            if int(status.get("status") or 0) == 4:
                raise InvalidMedia(f"Zalo could not process the video: {status}")
            if time.monotonic() > deadline:
                raise Transient("Zalo is still processing the video; will try again")
            time.sleep(1.0)

    def _verify(self, token: str) -> PublishResult:
        data = self.json(
            "POST", self._api("article/verify"), headers=self._headers(), json={"token": token}
        )
        article_id = str((data.get("data") or {})["id"])
        return PublishResult(remote_id=article_id, remote_url=None, raw=data.get("data") or {})

    def resume(self, post: Post, handle: dict[str, Any]) -> PublishResult | None:
        if "token" in handle:
            return self._verify(str(handle["token"]))
        return super().resume(post, handle)

    def _recent(self) -> list[dict[str, Any]]:
        data = self.json(
            "GET",
            self._api("article/getslice"),
            headers=self._headers(),
            params={"offset": "0", "limit": "50", "type": "normal"},
        )
        videos = self.json(
            "GET",
            self._api("article/getslice"),
            headers=self._headers(),
            params={"offset": "0", "limit": "50", "type": "video"},
        )
        return [
            *((data.get("data") or {}).get("medias") or []),
            *((videos.get("data") or {}).get("medias") or []),
        ]

    def find_existing(self, post: Post) -> PublishResult | None:
        title, description = self._parts(post)
        for row in self._recent():
            if row.get("title") == title and row.get("description", description) == description:
                return PublishResult(remote_id=str(row["id"]), remote_url=None, raw=row)
        return None

    def check_status(self, remote_id: str) -> PublishResult:
        return PublishResult(remote_id=remote_id, remote_url=None)

    def fetch_metrics(self, remote_id: str) -> Metrics:
        """Views and shares per article from `getslice`; reach is not offered (null)."""
        for row in self._recent():
            if str(row.get("id")) == remote_id:
                return Metrics(views=row.get("total_view"), shares=row.get("total_share"), raw=row)
        return Metrics()

    def check_token(self) -> dict[str, Any]:
        data = self.json("GET", self._api("oa/getoa"), headers=self._headers()).get("data") or {}
        return {"ok": True, "id": data.get("oa_id"), "name": data.get("name")}
