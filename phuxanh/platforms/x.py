"""X adapter (API v2): posts with a link, a photo or a video (chunked media upload v2).

Facts from `docs/platforms.md` §5 (X). Media is uploaded first (initialize →
append segments → finalize → poll STATUS until `succeeded`); nothing is public until
`POST /2/tweets`, so a lost media answer is safe to redo and only the tweet itself is an
ambiguous send. X has no idempotency key: reconciliation reads the account's recent posts
and compares their text with ours (URLs aside: X shows them as t.co links).
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import replace
from typing import Any

import requests
from twitter_text import parse_tweet  # type: ignore[import-untyped]

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
from phuxanh.platforms.oauth import TokenSet, refresh_grant

WEIGHTED_MAX = 280
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_SUFFIXES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}
SEGMENT_BYTES = 4 * 1024 * 1024
PROCESSING_WAIT_S = 120.0  # how long publish() waits for X to process a video
URL = re.compile(r"https?://\S+")


def _plain(text: str) -> str:
    """Text without URLs and extra spaces, for comparing ours with what X shows."""
    return " ".join(URL.sub("", unicodedata.normalize("NFC", text)).split())


class XAccount(Adapter):
    platform = "x"
    name = "X"
    official_base = "https://api.x.com"
    official_refresh_url = "https://api.x.com/2/oauth2/token"
    refresh_path = "/2/oauth2/token"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def refresh(self, tokens: TokenSet) -> TokenSet:
        """OAuth 2.0 with PKCE: access tokens last 2 h, refresh tokens (with
        `offline.access`) are single-use and rotate [X4]. A confidential client
        authenticates with HTTP Basic; a public one sends its client_id only."""
        auth = (tokens.client_id or "", tokens.client_secret) if tokens.client_secret else None
        return refresh_grant(
            self,
            self.refresh_url(tokens),
            tokens,
            auth=auth,
            client={"client_id": tokens.client_id or ""},
        )

    def classify(self, response: requests.Response) -> PlatformError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        errors = body.get("errors") or [{}]
        detail = body.get("detail") or errors[0].get("message") or response.text[:200]
        status = response.status_code
        msg = f"X {status}: {detail}"
        kw: dict[str, Any] = {"code": str(status), "raw": body}
        if status == 429:
            reset = response.headers.get("x-rate-limit-reset")
            wait = max(1.0, float(reset) - time.time()) if reset else 900.0
            return RateLimited(msg, retry_after_s=wait, **kw)
        if status == 401:
            return AuthExpired(msg, **kw)
        if status == 403 and "duplicate" in str(detail).lower():
            return Duplicate(msg, **kw)
        if status == 403 and "video longer" in str(detail).lower():
            return InvalidMedia(msg, **kw)
        if status >= 500:
            return Transient(msg, **kw)
        return Permanent(msg, **kw)

    @staticmethod
    def rendition(post: Post) -> Post:
        """X caps video at 1280x1024: use the clip's `.x.mp4` rendition where it exists."""
        path = post.media_path
        if post.media_kind != "video" or path is None:
            return post
        smaller = path.with_name(f"{path.stem}.x.mp4")
        return replace(post, media_path=smaller) if smaller.is_file() else post

    def validate(self, post: Post) -> list[str]:
        post = self.rendition(post)
        problems = []
        weighted = int(parse_tweet(post.with_link()).weightedLength)
        if weighted > WEIGHTED_MAX:
            problems.append(
                f"text: {weighted} weighted characters, X takes {WEIGHTED_MAX} "
                "(URLs count 23, Vietnamese toned letters 2)"
            )
        return problems + media_problems(
            post, "x", label="X", suffixes=IMAGE_SUFFIXES, max_bytes=IMAGE_MAX_BYTES
        )

    def send(self, post: Post, save: SaveHandle) -> PublishResult:
        body: dict[str, Any] = {"text": post.with_link()}
        if post.media_path is not None:
            body["media"] = {"media_ids": [self._upload(self.rendition(post))]}
        data = (
            self.json(
                "POST", f"{self.base_url}/2/tweets", sends=True, headers=self._headers(), json=body
            ).get("data")
            or {}
        )
        return self._result(data)

    def _result(self, data: dict[str, Any]) -> PublishResult:
        post_id = str(data["id"])
        return PublishResult(
            remote_id=post_id, remote_url=f"https://x.com/i/status/{post_id}", raw=data
        )

    def _upload(self, post: Post) -> str:
        assert post.media_path is not None
        path = post.media_path
        size = path.stat().st_size
        video = post.media_kind == "video"
        mime = "video/mp4" if video else IMAGE_SUFFIXES[path.suffix.lower()]
        init = self.json(
            "POST",
            f"{self.base_url}/2/media/upload/initialize",
            headers=self._headers(),
            json={
                "media_type": mime,
                "total_bytes": size,
                "media_category": "tweet_video" if video else "tweet_image",
            },
        )
        media_id = str(init["data"]["id"])
        with path.open("rb") as fh:
            for index, chunk in enumerate(iter(lambda: fh.read(SEGMENT_BYTES), b"")):
                self.request(
                    "POST",
                    f"{self.base_url}/2/media/upload/{media_id}/append",
                    headers=self._headers(),
                    data={"segment_index": str(index)},
                    files={"media": (path.name, chunk, mime)},
                )
        final = (
            self.json(
                "POST",
                f"{self.base_url}/2/media/upload/{media_id}/finalize",
                headers=self._headers(),
            ).get("data")
            or {}
        )
        self._wait_processed(media_id, final.get("processing_info"))
        if post.alt_text and not video:
            self.request(
                "POST",
                f"{self.base_url}/2/media/metadata",
                headers=self._headers(),
                json={"id": media_id, "metadata": {"alt_text": {"text": post.alt_text[:1000]}}},
            )
        return media_id

    def _wait_processed(self, media_id: str, info: dict[str, Any] | None) -> None:
        deadline = time.monotonic() + PROCESSING_WAIT_S
        while info and info.get("state") in ("pending", "in_progress"):
            if time.monotonic() > deadline:
                raise Transient(f"X is still processing media {media_id}; will try again")
            time.sleep(min(float(info.get("check_after_secs") or 1), 10.0))
            info = (
                self.json(
                    "GET",
                    f"{self.base_url}/2/media/upload",
                    headers=self._headers(),
                    params={"command": "STATUS", "media_id": media_id},
                ).get("data")
                or {}
            ).get("processing_info")
        if info and info.get("state") == "failed":
            error = info.get("error") or {}
            raise InvalidMedia(f"X could not process the media: {error.get('message', error)}")

    def find_existing(self, post: Post) -> PublishResult | None:
        data = self.json(
            "GET",
            f"{self.base_url}/2/users/{self.account_id}/tweets",
            headers=self._headers(),
            params={"max_results": "50"},
        )
        wanted = _plain(post.with_link())
        for row in data.get("data") or []:
            if _plain(str(row.get("text", ""))) == wanted:
                return self._result(row)
        return None

    def check_status(self, remote_id: str) -> PublishResult:
        data = (
            self.json("GET", f"{self.base_url}/2/tweets/{remote_id}", headers=self._headers()).get(
                "data"
            )
            or {}
        )
        return self._result(data)

    def fetch_metrics(self, remote_id: str) -> Metrics:
        data = self.json(
            "GET",
            f"{self.base_url}/2/tweets/{remote_id}",
            headers=self._headers(),
            params={"tweet.fields": "public_metrics,non_public_metrics"},
        )
        row = data.get("data") or {}
        public = row.get("public_metrics") or {}
        private = row.get("non_public_metrics") or {}
        return Metrics(
            views=public.get("impression_count", private.get("impression_count")),
            reactions=public.get("like_count"),
            comments=public.get("reply_count"),
            shares=(public["retweet_count"] + public.get("quote_count", 0))
            if "retweet_count" in public
            else None,
            clicks=private.get("url_link_clicks"),
            raw=row,
        )

    def check_token(self) -> dict[str, Any]:
        me = self.json("GET", f"{self.base_url}/2/users/me", headers=self._headers())
        data = me.get("data") or {}
        return {"ok": True, "id": data.get("id"), "name": data.get("username")}
