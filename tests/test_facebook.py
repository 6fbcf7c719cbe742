"""The Facebook adapter against real HTTP servers on 127.0.0.1: the sandbox and tiny fakes."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from phuxanh.platforms.base import Post
from phuxanh.platforms.errors import (
    Ambiguous,
    AuthExpired,
    Duplicate,
    InvalidMedia,
    Permanent,
    RateLimited,
    Transient,
)
from phuxanh.platforms.facebook import FacebookPage
from phuxanh.sandbox.server import serve_in_thread

PNG = Path(__file__).parent / "data" / "tiny.png"


def adapter(base: str, token: str = "sandbox-page-token", timeout: float = 5) -> FacebookPage:
    return FacebookPage(
        base_url=base, account_id="123", token=token, session=requests.Session(), timeout_s=timeout
    )


def test_photo_and_link_posts_then_metrics(sandbox) -> None:
    fb = adapter(sandbox.public_url)
    photo = fb.publish(
        Post(
            text="Hải Phòng - thành phố cảng xanh", marker="k1", media_path=PNG, media_kind="image"
        )
    )
    link = fb.publish(Post(text="Tin chính thống", marker="k2", link="https://haiphong.gov.vn/"))
    assert photo.remote_id.startswith("123_") and link.remote_id.startswith("123_")
    assert photo.remote_url == f"{sandbox.public_url}/posts/{photo.remote_id}"
    found = fb.find_existing(Post(text="Hải Phòng - thành phố cảng xanh", marker="k1"))
    assert found is not None and found.remote_id == photo.remote_id
    assert fb.find_existing(Post(text="never posted", marker="k9")) is None
    m = fb.fetch_metrics(photo.remote_id)
    assert m.views and m.reach and m.reach <= m.views
    assert m.video_views is None  # not reported for a photo: NULL, never 0
    posts = requests.get(f"{sandbox.public_url}/_sandbox/posts", timeout=5).json()
    assert posts["count"] == 2 and posts["posts"][0]["kind"] == "photo"


def test_expired_token_is_auth_expired(sandbox) -> None:
    with pytest.raises(AuthExpired):
        adapter(sandbox.public_url, token="stale").check_token()


def test_validate_refuses_what_graph_would_refuse(tmp_path: Path) -> None:
    fb = adapter("http://127.0.0.1:9")
    gif = tmp_path / "a.gif"
    gif.write_bytes(b"GIF89a")
    assert fb.validate(Post(text="x", marker="m", media_path=gif, media_kind="image"))
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + b"0" * (4 * 1024 * 1024))
    assert any(
        "4 MB" in p
        for p in fb.validate(Post(text="x", marker="m", media_path=big, media_kind="image"))
    )
    assert fb.validate(Post(text="x", marker="m")) == []


class _Fake(BaseHTTPRequestHandler):
    reply: tuple[int, dict, dict] = (200, {}, {})
    delay = 0.0

    def log_message(self, *a: object) -> None:
        return

    def _answer(self) -> None:
        time.sleep(self.delay)
        status, body, headers = self.reply
        raw = json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _answer


@pytest.fixture
def fake():
    handler = type("H", (_Fake,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.handle_error = lambda *_: None  # a client that gave up (timeout tests) is expected
    serve_in_thread(server)
    yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (400, {"code": 190, "error_subcode": 463, "type": "OAuthException"}, AuthExpired),
        (400, {"code": 32}, RateLimited),
        (400, {"code": 4}, RateLimited),
        (400, {"code": 506}, Duplicate),
        (400, {"code": 324, "error_subcode": 1366046}, InvalidMedia),
        (500, {"code": 2}, Transient),
        (400, {"code": 100, "message": "Invalid parameter"}, Permanent),
    ],
)
def test_graph_error_shapes_are_classified(fake, status, error, expected) -> None:
    handler, base = fake
    handler.reply = (status, {"error": {"message": "m", **error}}, {"Retry-After": "42"})
    with pytest.raises(expected) as err:
        adapter(base).publish(Post(text="x", marker="m"))
    if expected is RateLimited:
        assert err.value.retry_after_s == 42


def test_timeout_while_sending_is_ambiguous_but_reading_is_transient(fake) -> None:
    handler, base = fake
    handler.delay = 1.0
    handler.reply = (200, {"id": "123_1"}, {})
    with pytest.raises(Ambiguous):
        adapter(base, timeout=0.3).publish(Post(text="x", marker="m"))
    with pytest.raises(Transient):
        adapter(base, timeout=0.3).check_token()


def test_unreachable_server_is_transient() -> None:
    with pytest.raises(Transient):
        adapter("http://127.0.0.1:9").publish(Post(text="x", marker="m"))


def test_retired_insight_metrics_fall_back_to_their_successors(sandbox) -> None:
    fb = adapter(sandbox.public_url)
    post = fb.publish(Post(text="Số liệu", marker="k3", link="https://haiphong.gov.vn/"))
    m = fb.fetch_metrics(
        post.remote_id, ["post_impressions_unique", "post_clicks", "post_no_such_metric"]
    )
    assert m.reach is not None and m.clicks is not None  # via post_total_media_view_unique
    assert m.views is None  # not asked for: null, never 0
    assert set(m.raw["insights"]) == {"post_total_media_view_unique", "post_clicks"}


def test_reel_goes_through_upload_phases_and_reads_insights(sandbox, tmp_path: Path) -> None:
    from phuxanh.sandbox.samples import tiny_clip

    requests.post(f"{sandbox.public_url}/_sandbox/config", json={"processing_s": 0.2}, timeout=5)
    fb = adapter(sandbox.public_url)
    clip = tiny_clip(tmp_path / "reel.mp4")
    saved: list[dict] = []
    reel = Post(text="Hải Phòng – cảng xanh", marker="r1", media_path=clip, media_kind="video")
    assert fb.validate(reel) == []
    result = fb.publish(reel, saved.append)
    assert saved and saved[0]["video_id"] == result.remote_id  # handle saved before upload
    deadline = time.monotonic() + 5
    while result.state == "processing" and time.monotonic() < deadline:
        time.sleep(0.1)
        result = fb.check_status(result.remote_id)
    assert result.state == "published"
    again = fb.resume(reel, saved[0])  # resuming a finished Reel never publishes it twice
    assert again is not None and again.remote_id == result.remote_id
    reels = [
        p
        for p in requests.get(f"{sandbox.public_url}/_sandbox/posts", timeout=5).json()["posts"]
        if p["kind"] == "reel"
    ]
    assert len(reels) == 1
    assert fb.fetch_metrics(result.remote_id).views


def test_the_token_travels_in_the_authorization_header_never_in_a_url(tmp_path: Path) -> None:
    """Every Graph call of the adapter (publish text, photo and Reel, status, insights,
    counts, token check) carries the token as `Authorization: Bearer`: a URL, which proxies
    and server logs keep, never holds it."""
    from phuxanh.sandbox.samples import tiny_clip
    from tests.graph_contract import PAGE, TOKEN, GraphContract

    graph = GraphContract().start()
    try:
        fb = FacebookPage(
            base_url=graph.url,
            account_id=PAGE,
            token=TOKEN,
            session=requests.Session(),
            timeout_s=5,
        )
        assert fb.check_token()["id"] == PAGE
        link = fb.publish(
            Post(text="Tin chính thống", marker="t1", link="https://haiphong.gov.vn/")
        )
        photo = fb.publish(Post(text="Ảnh", marker="t2", media_path=PNG, media_kind="image"))
        reel = fb.publish(
            Post(
                text="Reel",
                marker="t3",
                media_path=tiny_clip(tmp_path / "r.mp4"),
                media_kind="video",
            )
        )
        assert fb.check_status(reel.remote_id).state == "published"
        for remote_id in (link.remote_id, photo.remote_id, reel.remote_id):
            assert fb.fetch_metrics(remote_id).views == 40
        assert len(graph.calls) >= 12
        assert graph.tokens_in_url == 0
        wrong = FacebookPage(
            base_url=graph.url,
            account_id=PAGE,
            token="not-the-token",
            session=requests.Session(),
            timeout_s=5,
        )
        with pytest.raises(AuthExpired):  # the header is read, not merely tolerated
            wrong.check_token()
    finally:
        graph.shutdown()
        graph.server_close()


def test_the_sandbox_takes_the_token_from_the_header_or_the_query(sandbox) -> None:
    me = f"{sandbox.public_url}/v25.0/me"
    assert (
        requests.get(
            me, headers={"Authorization": "Bearer sandbox-page-token"}, timeout=5
        ).status_code
        == 200
    )
    assert (
        requests.get(me, params={"access_token": "sandbox-page-token"}, timeout=5).status_code
        == 200
    )
    assert (
        requests.get(me, headers={"Authorization": "Bearer stale"}, timeout=5).json()["error"][
            "code"
        ]
        == 190
    )
