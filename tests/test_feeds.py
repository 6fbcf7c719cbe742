"""Feed polling against fixture feeds served from 127.0.0.1."""

from __future__ import annotations

import threading
import time
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session, select

from phuxanh import demo, feeds, jobs
from phuxanh.models import ContentItem, FeedEntry, ItemStatus, Theme

RSS = """<?xml version="1.0" encoding="{enc}"?>
<rss version="2.0"><channel><title>Tin chính thống</title><link>http://x/</link>
<description>d</description>
<item><guid>bc-1</guid><title>Cử tri Hải Phòng sẵn sàng cho ngày bầu cử</title>
<link>https://news.example.vn/bau-cu/1?utm_source=rss#top</link>
<description>&lt;p&gt;Hơn 3 triệu cử tri đi bầu đại biểu Quốc hội.&lt;/p&gt;</description></item>
<item><guid>bc-1-copy</guid><title>Cử tri Hải Phòng sẵn sàng (bản sao)</title>
<link>https://NEWS.example.vn/bau-cu/1/</link><description>cử tri</description></item>
<item><guid>sport-1</guid><title>Kết quả bóng đá</title><link>https://news.example.vn/bong-da</link>
<description>Tỉ số 2-1</description></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Doi ngoai</title><id>urn:f</id>
<updated>2026-03-01T00:00:00Z</updated>
<entry><id>urn:apec</id><title>Hai Phong don doan du lich quoc te truoc APEC 2027</title>
<link href="https://mofa.example.vn/apec"/><updated>2026-03-01T00:00:00Z</updated>
<summary>Chuan bi APEC</summary></entry></feed>"""


TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Vietnamese in windows-1258: precomposed where the code page has it, else base + mark."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:  # letter (with ^ ˘ ˛ or horn) precomposed, tone mark apart
            nfd = unicodedata.normalize("NFD", ch)
            tones = "".join(m for m in nfd[1:] if m in TONES)
            base = unicodedata.normalize(
                "NFC", nfd[0] + "".join(m for m in nfd[1:] if m not in TONES)
            )
            out += (base + tones).encode("cp1258")
    return out


ROUTES: dict[str, tuple[bytes, dict[str, str]]] = {
    "/rss.xml": (RSS.format(enc="utf-8").encode(), {"ETag": '"v1"'}),
    "/atom.xml": (ATOM.encode(), {"Last-Modified": "Sun, 01 Mar 2026 00:00:00 GMT"}),
    "/cp1258.xml": (
        cp1258(
            RSS.format(enc="windows-1258")
            .replace("bc-1", "w-1")
            .replace("/bau-cu/1", "/bau-cu/w1")
            .replace("sport-1", "w-s")
            .replace("/bong-da", "/bong-da-w")
        ),
        {},
    ),
    "/utf16.xml": (
        RSS.format(enc="utf-16")
        .replace("bc-1", "u-1")
        .replace("/bau-cu/1", "/bau-cu/u1")
        .replace("sport-1", "u-s")
        .replace("/bong-da", "/bong-da-u")
        .encode("utf-16"),
        {},
    ),
    "/mislabelled.xml": (cp1258(RSS.format(enc="utf-8").replace("bc-1", "m-1")), {}),
    "/broken.xml": (RSS.format(enc="utf-8").encode()[:700], {}),
    "/huge.xml": (b"<rss>" + b"x" * 200_000 + b"</rss>", {}),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a: object) -> None:
        return

    def do_GET(self) -> None:
        if self.path == "/slow.xml":
            time.sleep(1.5)
        if self.path == "/error.xml":
            self.send_response(500)
            self.end_headers()
            return
        body, headers = ROUTES.get(self.path, (RSS.format(enc="utf-8").encode(), {}))
        if (headers.get("ETag") and self.headers.get("If-None-Match") == headers["ETag"]) or (
            headers.get("Last-Modified")
            and self.headers.get("If-Modified-Since") == headers["Last-Modified"]
        ):
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def feed_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.handle_error = lambda *_: None  # a client that gave up (timeout tests) is expected
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def feeds_file(tmp_path: Path, feed_server: str) -> Path:
    base = yaml.safe_load((Path(demo.ROOT) / "content" / "feeds.yaml").read_text("utf-8"))
    names = ["rss", "atom", "cp1258", "utf16", "mislabelled", "broken", "huge", "slow", "error"]
    base["feeds"] = [
        {"code": n, "outlet": f"Báo {n}", "url": f"{feed_server}/{n}.xml"} for n in names
    ]
    path = tmp_path / "feeds.yaml"
    path.write_text(yaml.safe_dump(base, allow_unicode=True), "utf-8")
    return path


def _setup(db_url: str, sandbox) -> None:
    jobs.load_catalog(db_url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url=sandbox.public_url, database_url=db_url)
    demo.ensure_team(demo.DEMO_CAMPAIGN, database_url=db_url)


def test_poll_survives_every_broken_feed_and_is_idempotent(
    db_url: str, sandbox, feeds_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeds, "MAX_BYTES", 100_000)
    _setup(db_url, sandbox)
    first = jobs.poll_feeds(feeds_file=feeds_file, timeout_s=0.5, database_url=db_url)
    assert {k: v["new"] for k, v in first.items()} == {
        "rss": 1,
        "atom": 1,
        "cp1258": 1,
        "utf16": 1,
        "mislabelled": 0,
        "broken": 0,
        "huge": 0,
        "slow": 0,
        "error": 0,
    }
    for code in ("mislabelled", "broken", "huge", "slow", "error"):
        assert first[code]["status"] == "skipped", code
    assert "larger than" in first["huge"]["reason"] and "HTTP 500" in first["error"]["reason"]
    second = jobs.poll_feeds(feeds_file=feeds_file, timeout_s=0.5, database_url=db_url)
    assert sum(v["new"] for v in second.values()) == 0
    assert second["rss"]["status"] == second["atom"]["status"] == "unchanged"  # 304s
    with Session(jobs.engine(db_url)) as s:
        items = s.exec(select(ContentItem)).all()
        assert len(items) == 4
        # per RSS fixture: the relevant entry and the unmatched one; its copy (same canonical
        # link, other GUID) is never stored. 3 RSS fixtures x 2 + 1 Atom entry.
        assert len(s.exec(select(FeedEntry)).all()) == 7
        election = s.exec(select(Theme).where(Theme.code == "bau-cu-2026")).one()
        rss_item = next(i for i in items if i.link == "https://news.example.vn/bau-cu/1")
        assert rss_item.theme_id == election.id and rss_item.status == ItemStatus.in_review
        assert "Nguồn: Báo rss" in rss_item.caption and "<p>" not in rss_item.caption
        w = next(i for i in items if i.link.endswith("/bau-cu/w1"))
        assert "Cử tri Hải Phòng sẵn sàng cho ngày bầu cử" in w.caption  # cp1258 decoded, NFC


def test_accent_insensitive_matching_and_canonical_links() -> None:
    keywords = {"hai-phong-cang-xanh": ["Hải Phòng", "du lịch"], "doi-ngoai": ["APEC"]}
    assert feeds.match_theme("Hai Phong don khach du lich", keywords) == (
        "hai-phong-cang-xanh",
        ["Hải Phòng", "du lịch"],
    )
    assert feeds.match_theme("HẢI PHÒNG", keywords)[0] == "hai-phong-cang-xanh"
    assert feeds.match_theme("Phòng họp", keywords) is None  # whole words only
    assert feeds.canonical_link("HTTPS://A.vn/x/?utm_medium=rss&id=3#c") == "https://a.vn/x?id=3"
