"""The optional writing assistant: an OpenAI-compatible `/chat/completions` endpoint.

Off unless `PHUXANH_ASSISTANT_URL` is set. It may propose a caption variant within a
platform's limit and draft a missing translation. Whatever it returns is labelled
machine-drafted on the item, goes through the same quality checks as any draft and still
needs a person's approval; when it is off, unreachable or answers nonsense, the composer
carries on without it (and says so), never blocks.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from typing import Any

import requests

from phuxanh.core.settings import Settings

SYSTEM = (
    "Bạn là biên tập viên thông tin đối ngoại của một cơ quan nhà nước ở Hải Phòng. "
    "Viết ngắn gọn, chính xác, trang trọng; giữ nguyên mọi số liệu, tên riêng, khẩu hiệu và "
    "nguồn trích dẫn; không thêm thông tin mới. Chỉ trả lời bằng văn bản cần viết."
)


class AssistantUnavailable(Exception):
    """The endpoint could not give a usable answer; the reason is in the message."""


@dataclass(frozen=True)
class Assistant:
    url: str
    model: str
    key: str | None
    timeout_s: float
    session: requests.Session

    @classmethod
    def from_settings(
        cls, settings: Settings, session: requests.Session | None = None
    ) -> Assistant | None:
        if not settings.assistant_url:
            return None
        return cls(
            url=settings.assistant_url.rstrip("/"),
            model=settings.assistant_model,
            key=os.environ.get(settings.assistant_key_env) or None,
            timeout_s=settings.assistant_timeout_s,
            session=session or requests.Session(),
        )

    def _ask(self, prompt: str) -> str:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": prompt},
            ],
            "temperature": 0.3,
        }
        try:
            r = self.session.post(
                f"{self.url}/chat/completions", json=body, headers=headers, timeout=self.timeout_s
            )
        except requests.RequestException as exc:
            raise AssistantUnavailable(f"assistant: {type(exc).__name__}") from exc
        if r.status_code != 200:
            raise AssistantUnavailable(f"assistant: HTTP {r.status_code}")
        try:
            text = str(r.json()["choices"][0]["message"]["content"])
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise AssistantUnavailable("assistant: the answer is not a chat completion") from exc
        text = unicodedata.normalize("NFC", text).strip()
        if not text:
            raise AssistantUnavailable("assistant: empty answer")
        return text

    def caption_variant(self, caption: str, *, platform: str, limit: int | None) -> str:
        room = f" trong tối đa {limit} ký tự" if limit else ""
        return self._ask(
            f"Viết lại chú thích sau cho {platform}{room}, giữ nguyên dòng "
            f"'Nguồn:', hashtag và đường link:\n\n{caption}"
        )

    def translate(self, text: str, *, target: str) -> str:
        language = {"en": "tiếng Anh"}.get(target, target)
        return self._ask(f"Dịch sang {language}, giữ nguyên số liệu và tên riêng:\n\n{text}")
