"""A manual channel: a place without an API (a portal on another platform, a notice board,
a partner's page). phuxanh never posts there: when a post is due the publisher hands it to
a person (`publish.manual`), who exports it (`publication export`), posts it by hand and
says where it went (`publication resolve --live URL`).

The adapter exists so a manual channel is a channel like any other (`channel check` says it
needs no token); it refuses to send, should anything ever ask it to."""

from __future__ import annotations

from typing import Any

import requests

from phuxanh.platforms.base import Adapter, Metrics, Post, PublishResult, SaveHandle
from phuxanh.platforms.errors import PlatformError

MANUAL = "manual"


def due_reason(pub_id: int, place: str) -> str:
    """What a person reads on a manual post that is due (Việc của tôi, Channel health)."""
    return (
        f"đăng thủ công: đến giờ đăng lên “{place}”; phuxanh không đăng tự động lên kênh này. "
        f"Xuất bài bằng `phuxanh publication export {pub_id}`, đăng tay, rồi ghi đường dẫn "
        f"bằng `phuxanh publication resolve {pub_id} --live URL`"
    )


class ManualPlace(Adapter):
    platform = MANUAL
    name = "Manual channel"

    def classify(self, response: requests.Response) -> PlatformError:
        return PlatformError(f"{self.name}: no API is called (HTTP {response.status_code})")

    def validate(self, post: Post) -> list[str]:
        return []

    def send(self, post: Post, save: SaveHandle) -> PublishResult:
        raise PlatformError(f"{self.name}: a person posts it by hand; phuxanh never sends")

    def resume(self, post: Post, handle: dict[str, Any]) -> PublishResult | None:
        return None

    def find_existing(self, post: Post) -> PublishResult | None:
        return None

    def check_status(self, remote_id: str) -> PublishResult:
        raise PlatformError(f"{self.name}: a person says where the post is")

    def fetch_metrics(self, remote_id: str) -> Metrics:
        return Metrics()  # nothing known: every figure None, never 0

    def check_token(self) -> dict[str, Any]:
        return {"manual": True, "detail": "posted by hand: no token to check"}
