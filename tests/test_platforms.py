"""Every adapter against the sandbox's HTTP contract on 127.0.0.1: publish each kind of post
the platform takes, find it again, follow processing to the end, read metrics, and type
each injected fault in the platform's own shape."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from phuxanh.platforms.base import Adapter, Post, PublishResult
from phuxanh.platforms.errors import (
    Ambiguous,
    AuthExpired,
    CannotReconcile,
    Duplicate,
    InvalidMedia,
    RateLimited,
    Transient,
)
from phuxanh.platforms.telegram import TelegramChannel
from phuxanh.platforms.tiktok import TikTokAccount
from phuxanh.platforms.wordpress import WordPressSite
from phuxanh.platforms.x import XAccount
from phuxanh.platforms.youtube import YouTubeChannel
from phuxanh.platforms.zalo import ZaloOA
from phuxanh.sandbox.samples import tiny_card, tiny_clip

ADAPTERS: dict[str, type[Adapter]] = {
    "telegram": TelegramChannel,
    "x": XAccount,
    "wordpress": WordPressSite,
    "youtube": YouTubeChannel,
    "tiktok": TikTokAccount,
    "zalo": ZaloOA,
}
KINDS = {  # what each platform publishes
    "telegram": ["text", "image", "video"],
    "x": ["text", "image", "video"],
    "wordpress": ["text", "image", "video"],
    "youtube": ["video"],
    "tiktok": ["video", "jpeg"],
    "zalo": ["text", "jpeg", "video"],
}
ACCOUNT = {
    "telegram": "@ttdn_haiphong",
    "x": "1600000000000000001",
    "wordpress": "editor",
    "youtube": "UCsandbox",
    "tiktok": "ttdn.haiphong",
    "zalo": "2000000001",
}


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("media")
    return {
        "image": tiny_card(root / "card.png"),
        "jpeg": tiny_card(root / "card.jpg"),
        "video": tiny_clip(root / "clip.mp4"),
    }


@pytest.fixture
def box(sandbox, monkeypatch: pytest.MonkeyPatch):
    requests.post(f"{sandbox.public_url}/_sandbox/reset", timeout=5)
    requests.post(f"{sandbox.public_url}/_sandbox/config", json={"processing_s": 0.3}, timeout=5)
    monkeypatch.setenv("PHUXANH_PUBLIC_MEDIA_URL", f"{sandbox.public_url}/media")
    from phuxanh.core.settings import get_settings

    get_settings.cache_clear()
    return sandbox


def make(
    platform: str, base: str, token: str = "sandbox-page-token", timeout: float = 5
) -> Adapter:
    return ADAPTERS[platform](
        base_url=f"{base}/{platform}",
        account_id=ACCOUNT[platform],
        token=token,
        session=requests.Session(),
        timeout_s=timeout,
    )


def post_of(kind: str, media: dict[str, Path], n: int) -> Post:
    path = media.get(kind)
    return Post(
        text=f"Hải Phòng – thành phố cảng xanh, văn minh, hiện đại #{n}\n"
        "Bầu cử đại biểu Quốc hội khóa XVI ngày 15/3/2026.",
        marker=f"m{n}",
        media_path=path,
        media_kind=None if path is None else ("video" if kind == "video" else "image"),
        link="https://haiphong.gov.vn/",
        alt_text="Thẻ thông tin màu xanh",
    )


def settle(adapter: Adapter, result: PublishResult) -> PublishResult:
    deadline = time.monotonic() + 10
    while result.state == "processing" and time.monotonic() < deadline:
        time.sleep(0.2)
        result = adapter.check_status(result.remote_id)
    return result


@pytest.mark.parametrize("platform", sorted(ADAPTERS))
def test_publish_every_kind_then_find_and_measure(
    platform: str, box, media: dict[str, Path]
) -> None:
    adapter = make(platform, box.public_url)
    assert adapter.check_token()["ok"]
    handles: list[dict] = []
    for n, kind in enumerate(KINDS[platform]):
        post = post_of(kind, media, n)
        assert adapter.validate(post) == [], kind
        result = settle(adapter, adapter.publish(post, handles.append))
        assert result.state == "published" and result.remote_id, (kind, result)
        try:
            found = adapter.find_existing(post)
        except CannotReconcile:
            assert platform in ("telegram", "tiktok")  # these platforms cannot list posts
        else:
            if platform == "tiktok" and kind == "video":
                assert found is None  # no publish_id saved means no upload: safe to resend
            else:
                assert found is not None, kind
        adapter.fetch_metrics(result.remote_id)  # answers in the platform's shape
    posts = requests.get(f"{box.public_url}/_sandbox/posts", timeout=5).json()["posts"]
    mine = [p for p in posts if p["platform"] == platform]
    assert len(mine) == len(KINDS[platform])  # each published exactly once
    if platform in ("youtube", "tiktok", "zalo"):
        assert handles  # the upload session / publish id / article token was saved
    if platform == "wordpress":
        miss = adapter.find_existing(post_of("text", media, 99))
        assert miss is None


@pytest.mark.parametrize("platform", sorted(ADAPTERS))
@pytest.mark.parametrize(
    ("fault", "error"),
    [("http_500", Transient), ("http_429", RateLimited), ("expired_token", AuthExpired)],
)
def test_faults_are_typed(
    platform: str, fault: str, error: type, box, media: dict[str, Path]
) -> None:
    adapter = make(platform, box.public_url)
    requests.post(
        f"{box.public_url}/_sandbox/faults", json={"next": [fault], "platform": platform}, timeout=5
    ).raise_for_status()
    with pytest.raises(error) as info:
        adapter.publish(post_of(KINDS[platform][0], media, 1))
    if isinstance(info.value, RateLimited):
        assert info.value.retry_after_s and info.value.retry_after_s > 0


@pytest.mark.parametrize("platform", ["x", "wordpress", "zalo", "telegram"])
def test_lost_answer_is_ambiguous_and_reconciles(
    platform: str, box, media: dict[str, Path]
) -> None:
    adapter = make(platform, box.public_url, timeout=2)
    post = post_of("text", media, 7)
    requests.post(
        f"{box.public_url}/_sandbox/faults",
        json={"next": ["lose_response"], "platform": platform},
        timeout=5,
    )
    with pytest.raises(Ambiguous):
        adapter.publish(post)
    if platform == "telegram":
        with pytest.raises(CannotReconcile):
            adapter.find_existing(post)
        return
    found = adapter.find_existing(post)
    assert found is not None  # the post exists: reconciliation sees it, nothing is re-sent


def test_youtube_resumes_an_upload_from_its_session(box, media: dict[str, Path]) -> None:
    yt = make("youtube", box.public_url, timeout=2)
    post = post_of("video", media, 3)
    saved: list[dict] = []
    requests.post(
        f"{box.public_url}/_sandbox/faults",  # the init passes, the upload is lost
        json={"next": ["slow_response", "lose_response"], "platform": "youtube"},
        timeout=5,
    )
    with pytest.raises(Ambiguous):
        yt.publish(post, saved.append)
    assert saved and "session" in saved[0]
    result = settle(yt, yt.resume(post, saved[0]) or PublishResult("", None, "failed"))
    assert result.state == "published"
    posts = requests.get(f"{box.public_url}/_sandbox/posts", timeout=5).json()
    assert posts["count"] == 1  # resumed, not uploaded twice


def test_tiktok_upload_resumes_from_publish_id(box, media: dict[str, Path]) -> None:
    tt = make("tiktok", box.public_url, timeout=2)
    post = post_of("video", media, 4)
    saved: list[dict] = []
    requests.post(
        f"{box.public_url}/_sandbox/faults",  # creator_info, init pass; PUT fails
        json={"next": ["slow_response", "slow_response", "http_500"], "platform": "tiktok"},
        timeout=5,
    )
    with pytest.raises(Transient):
        tt.publish(post, saved.append)
    result = settle(tt, tt.resume(post, saved[0]) or PublishResult("", None, "failed"))
    assert result.state == "published" and not result.remote_id.startswith("v_pub")


def test_x_duplicate_and_weighted_limit(box, media: dict[str, Path]) -> None:
    x = make("x", box.public_url)
    post = post_of("text", media, 5)
    x.publish(post)
    with pytest.raises(Duplicate):
        x.publish(post)
    long = Post(text="Đổi mới " * 40, marker="long")  # 320 chars; toned letters weigh 2
    assert any("weighted" in p for p in x.validate(long))


def test_platform_limits_refuse_before_sending(media: dict[str, Path], tmp_path: Path) -> None:
    base = "http://127.0.0.1:9"
    assert make("youtube", base).validate(Post(text="x", marker="m"))  # videos only
    assert make("tiktok", base).validate(Post(text="x", marker="m"))  # no text-only posts
    assert make("telegram", base).validate(
        Post(text="a" * 1100, marker="m", media_path=media["image"], media_kind="image")
    )
    with pytest.raises(InvalidMedia):
        make("zalo", base).publish(Post(text="", marker="m"))


def test_x_takes_the_clips_x_rendition_when_there_is_one(
    tmp_path: Path, media: dict[str, Path]
) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(media["video"].read_bytes())
    post = Post(text="x", marker="m", media_path=clip, media_kind="video")
    assert XAccount.rendition(post).media_path == clip  # none yet: the clip itself
    smaller = tmp_path / "clip.x.mp4"
    smaller.write_bytes(media["video"].read_bytes())
    assert XAccount.rendition(post).media_path == smaller
    image = Post(text="x", marker="m", media_path=media["image"], media_kind="image")
    assert XAccount.rendition(image) is image
