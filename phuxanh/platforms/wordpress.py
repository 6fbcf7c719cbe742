"""WordPress adapter (REST API, application passwords): the office's own website.

Facts from `docs/platforms.md` §8 (WordPress). The channel's account id is the
WordPress user name and its credential the application password (or `user:password`).
The post's slug is our idempotency key, so reconciliation is exact: `GET posts?slug=`.
Media is uploaded first (an orphan upload is harmless); only the post is an ambiguous send.
"""

from __future__ import annotations

from typing import Any

import requests

from phuxanh.platforms.base import Adapter, Metrics, Post, PublishResult, SaveHandle
from phuxanh.platforms.errors import (
    AuthExpired,
    InvalidMedia,
    Permanent,
    PlatformError,
    RateLimited,
    Transient,
    retry_after,
)

MIME = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
}
TITLE_MAX = 120  # our own choice: WordPress has no title limit, themes wrap long ones badly


def slug_for(marker: str) -> str:
    return f"phuxanh-{marker}".lower()[:190]


class WordPressSite(Adapter):
    platform = "wordpress"
    name = "WordPress"

    def _auth(self) -> tuple[str, str]:
        user, sep, password = self.token.partition(":")
        return (user, password) if sep else (self.account_id, self.token)

    def _api(self, path: str) -> str:
        return f"{self.base_url}/wp-json/wp/v2/{path.lstrip('/')}"

    def classify(self, response: requests.Response) -> PlatformError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = str(body.get("code") or response.status_code)
        msg = f"WordPress {response.status_code} {code}: {body.get('message') or response.reason}"
        kw: dict[str, Any] = {"code": code, "raw": body}
        if response.status_code == 401 or code in (
            "invalid_username",
            "incorrect_password",
            "rest_not_logged_in",
        ):
            return AuthExpired(msg, **kw)
        if response.status_code == 429:  # a proxy or security plugin; core has no limits
            return RateLimited(msg, retry_after_s=retry_after(response, 300), **kw)
        if response.status_code == 413 or code.startswith("rest_upload"):
            return InvalidMedia(msg, **kw)
        if response.status_code >= 500:
            return Transient(msg, **kw)
        return Permanent(msg, **kw)

    def validate(self, post: Post) -> list[str]:
        problems = []
        if not post.text.strip():
            problems.append("text: empty")
        if post.media_path is not None:
            if not post.media_path.is_file():
                problems.append(f"media: {post.media_path} does not exist")
            elif post.media_path.suffix.lower() not in MIME:
                problems.append(f"media: {post.media_path.name}: not an image or MP4 video")
        return problems

    def send(self, post: Post, save: SaveHandle) -> PublishResult:
        paragraphs = post.html_paragraphs()
        body: dict[str, Any] = {
            "title": post.headline(TITLE_MAX),
            "status": "publish",
            "slug": slug_for(post.marker),
        }
        if post.media_path is not None:
            media = self._upload(post)
            save({"media_id": media["id"]})
            if post.media_kind == "video":
                paragraphs.insert(0, f'[video src="{media["source_url"]}"]')
            else:
                body["featured_media"] = media["id"]
        body["content"] = "\n".join(paragraphs)
        data = self.json("POST", self._api("posts"), sends=True, auth=self._auth(), json=body)
        return self._result(data)

    def _upload(self, post: Post) -> dict[str, Any]:
        assert post.media_path is not None
        mime = MIME[post.media_path.suffix.lower()]
        data = self.json(
            "POST",
            self._api("media"),
            auth=self._auth(),
            data=post.media_path.read_bytes(),
            headers={
                "Content-Type": mime,
                "Content-Disposition": f'attachment; filename="{post.media_path.name}"',
            },
        )
        if post.alt_text and mime.startswith("image/"):
            self.request(
                "POST",
                self._api(f"media/{data['id']}"),
                auth=self._auth(),
                json={"alt_text": post.alt_text},
            )
        return data

    def _result(self, data: dict[str, Any]) -> PublishResult:
        state = {"publish": "published", "future": "processing"}.get(
            str(data.get("status")), "failed"
        )
        return PublishResult(
            remote_id=str(data["id"]),
            remote_url=data.get("link"),
            state=state,
            raw={k: data.get(k) for k in ("id", "link", "status", "slug")},
            reason=None if state != "failed" else f"status {data.get('status')}",
        )

    def find_existing(self, post: Post) -> PublishResult | None:
        response = self.request(
            "GET",
            self._api("posts"),
            auth=self._auth(),
            params={
                "slug": slug_for(post.marker),
                "status": "publish,future,draft,pending,private",
            },
        )
        rows = response.json()
        return self._result(rows[0]) if isinstance(rows, list) and rows else None

    def check_status(self, remote_id: str) -> PublishResult:
        return self._result(
            self.json(
                "GET",
                self._api(f"posts/{remote_id}"),
                auth=self._auth(),
                params={"context": "edit"},
            )
        )

    def fetch_metrics(self, remote_id: str) -> Metrics:
        """WordPress core keeps no statistics: every figure stays unknown (null)."""
        return Metrics()

    def check_token(self) -> dict[str, Any]:
        me = self.json("GET", self._api("users/me"), auth=self._auth())
        return {"ok": True, "id": me.get("id"), "name": me.get("name")}
