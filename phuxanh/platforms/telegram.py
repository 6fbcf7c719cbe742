"""Telegram channel adapter (Bot API): sendMessage, sendPhoto, sendVideo.

Facts from `docs/platforms.md` §7 (Telegram). The token is part of the URL
(`/bot<token>/<method>`), so URLs are never logged or put in error messages. Responses are
synchronous; failures come as `{"ok": false, "error_code", "description", "parameters"}`,
sometimes with HTTP 200. The Bot API cannot list a channel's messages, so a lost answer
cannot be reconciled by the program: the post waits for a person (CannotReconcile).
"""

from __future__ import annotations

from typing import Any

import requests

from phuxanh.platforms.base import Adapter, Metrics, Post, PublishResult, SaveHandle, media_problems
from phuxanh.platforms.errors import (
    AuthExpired,
    CannotReconcile,
    InvalidMedia,
    Permanent,
    PlatformError,
    RateLimited,
    Transient,
)

TEXT_MAX = 4096
CAPTION_MAX = 1024
PHOTO_MAX_BYTES = 10 * 1024 * 1024  # uploaded; 5 MB by URL [G1]
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


class TelegramChannel(Adapter):
    platform = "telegram"
    name = "Telegram"

    def _url(self, method: str) -> str:
        return f"{self.base_url}/bot{self.token}/{method}"

    def failed(self, response: requests.Response) -> bool:
        if response.status_code >= 400:
            return True
        try:
            return response.json().get("ok") is not True
        except ValueError:
            return False  # the caller reports a body that is not JSON

    def classify(self, response: requests.Response) -> PlatformError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = int(body.get("error_code") or response.status_code)
        text = str(body.get("description") or response.text[:200]).replace(self.token, "***")
        msg = f"Telegram {code}: {text}"
        params = body.get("parameters") or {}
        if code == 429:
            return RateLimited(
                msg, retry_after_s=float(params.get("retry_after") or 30), code="429", raw=body
            )
        if code in (401, 403):
            # 401: the token was revoked; 403: the bot was removed from the channel. Either
            # way nothing can be posted until a person fixes it: stop the channel.
            return AuthExpired(msg, code=str(code), raw=body)
        if "migrate_to_chat_id" in params:
            return Permanent(
                f"{msg} (the chat moved to {params['migrate_to_chat_id']}: "
                "update the channel's account id)",
                code=str(code),
                raw=body,
            )
        if code >= 500:
            return Transient(msg, code=str(code), raw=body)
        if code == 400 and any(w in text.lower() for w in ("photo", "video", "file", "image")):
            return InvalidMedia(msg, code=str(code), raw=body)
        return Permanent(msg, code=str(code), raw=body)

    def validate(self, post: Post) -> list[str]:
        text = post.with_link()
        problems = []
        limit = CAPTION_MAX if post.media_path else TEXT_MAX
        if len(text) > limit:
            kind = "caption" if post.media_path else "text"
            problems.append(f"{kind}: {len(text)} characters, Telegram takes {limit}")
        return problems + media_problems(
            post, "telegram", label="Telegram", suffixes=PHOTO_SUFFIXES, max_bytes=PHOTO_MAX_BYTES
        )

    def send(self, post: Post, save: SaveHandle) -> PublishResult:
        text = post.with_link()
        chat = {"chat_id": self.account_id}
        if post.media_path is None:
            data = self.json(
                "POST", self._url("sendMessage"), sends=True, data=chat | {"text": text}
            )
        else:
            method, field = (
                ("sendVideo", "video") if post.media_kind == "video" else ("sendPhoto", "photo")
            )
            extra = {"supports_streaming": "true"} if field == "video" else {}
            with post.media_path.open("rb") as fh:
                data = self.json(
                    "POST",
                    self._url(method),
                    sends=True,
                    data=chat | {"caption": text} | extra,
                    files={field: (post.media_path.name, fh)},
                )
        message = data.get("result") or {}
        return self._result(message)

    def _result(self, message: dict[str, Any]) -> PublishResult:
        message_id = str(message.get("message_id"))
        chat = message.get("chat") or {}
        username = chat.get("username")
        url = f"https://t.me/{username}/{message_id}" if username else None
        return PublishResult(remote_id=message_id, remote_url=url, raw=message)

    def find_existing(self, post: Post) -> PublishResult | None:
        raise CannotReconcile(
            "Telegram's Bot API cannot list a channel's messages: open the channel and look "
            "for this post, then mark it published or send it again"
        )

    def check_status(self, remote_id: str) -> PublishResult:
        return PublishResult(remote_id=remote_id, remote_url=None)  # synchronous platform

    def fetch_metrics(self, remote_id: str) -> Metrics:
        """No per-post counter in the Bot API: only the subscriber count is known."""
        data = self.json(
            "GET", self._url("getChatMemberCount"), params={"chat_id": self.account_id}
        )
        count = data.get("result")
        return Metrics(followers=int(count) if isinstance(count, int) else None, raw=data)

    def check_token(self) -> dict[str, Any]:
        me = self.json("GET", self._url("getMe")).get("result") or {}
        return {"ok": True, "id": me.get("id"), "name": me.get("username")}
