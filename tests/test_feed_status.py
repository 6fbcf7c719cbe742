"""When each official feed last answered, and what it said: kept by every poll (the feed's
state, its seen entries, and a `feed.failed` / `feed.recovered` audit row when a feed stops
or starts answering) and shown on the Channel health page, against fixture feeds served on
127.0.0.1 (see tests/test_feeds.py)."""

from __future__ import annotations

import datetime as dt
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from phuxanh import jobs
from phuxanh.compose import feeds
from phuxanh.core import audit
from phuxanh.core.settings import get_settings
from phuxanh.models import AuditEvent
from phuxanh.sandbox.server import serve_in_thread
from tests import test_feeds
from tests.test_feeds import Handler, url_of, write_feeds

template_db = test_feeds.template_db  # the catalog, demo campaign and team, copied per test


class Flaky(Handler):
    """The fixture feeds, and /rss.xml answering 503 while the server is `down`."""

    def do_GET(self) -> None:
        if self.path == "/rss.xml" and self.server.down:  # type: ignore[attr-defined]
            self.server.hits.append(self.path)  # type: ignore[attr-defined]
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture
def flaky() -> ThreadingHTTPServer:

    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    server.daemon_threads = True
    server.hits = []  # type: ignore[attr-defined]
    server.down = False  # type: ignore[attr-defined]
    serve_in_thread(server)
    yield server
    server.shutdown()
    server.server_close()


def _feeds_yaml(tmp_path: Path, base: str) -> Path:
    return write_feeds(
        tmp_path,
        [
            {"code": "rss", "outlet": "Báo rss", "url": f"{base}/rss.xml", "internal": True},
            {"code": "error", "outlet": "Báo lỗi", "url": f"{base}/error.xml", "internal": True},
            {
                "code": "off",
                "outlet": "Báo tắt",
                "url": f"{base}/atom.xml",
                "internal": True,
                "enabled": False,
            },
        ],
    )


def _status(db_url: str, path: Path) -> dict[str, feeds.FeedStatus]:
    with Session(jobs.engine(db_url)) as s:
        return {f.code: f for f in feeds.feed_status(s, feeds.load_feeds(path))}


def _events(db_url: str, code: str) -> list[AuditEvent]:
    with Session(jobs.engine(db_url)) as s:
        return list(
            s.exec(
                select(AuditEvent)
                .where(AuditEvent.entity == "feed", AuditEvent.entity_id == code)
                .order_by(col(AuditEvent.id))
            )
        )


def _poll(db_url: str, path: Path) -> dict[str, dict[str, object]]:
    return jobs.poll_feeds(feeds_file=path, timeout_s=2, database_url=db_url)


def test_the_last_answer_survives_a_failure_and_each_change_is_audited(
    tmp_path: Path, template_db: Path, flaky: ThreadingHTTPServer
) -> None:
    import shutil

    shutil.copyfile(template_db, tmp_path / "status.db")
    db_url = f"sqlite:///{tmp_path / 'status.db'}"
    path = _feeds_yaml(tmp_path, url_of(flaky))

    before = _status(db_url, path)
    assert {c: f.answer for c, f in before.items()} == {
        "rss": "never",
        "error": "never",
        "off": "never",
    }
    assert before["off"].enabled is False and before["rss"].polled_at is None

    first = _poll(db_url, path)
    assert first["rss"]["status"] == "ok" and first["error"]["status"] == "failed"
    one = _status(db_url, path)
    rss, error, off = one["rss"], one["error"], one["off"]
    # the RSS fixture: an election entry (a draft) and a football one (no theme); its copy
    # under another GUID is the same canonical link and is not stored
    assert (rss.answer, rss.last_entries, rss.last_drafts, rss.entries, rss.drafts) == (
        "ok",
        2,
        1,
        2,
        1,
    )
    assert rss.polled_at is not None and rss.answered_at == rss.polled_at
    assert rss.reason is None and rss.failing_since is None
    assert error.answer == "failed" and error.reason == "HTTP 500"
    assert feeds.failure_kind(error.reason) == "http"
    assert error.answered_at is None  # it never answered
    assert error.failing_since is not None and error.polled_at is not None
    assert (off.answer, off.polled_at, off.entries) == ("never", None, 0)
    assert [e.action for e in _events(db_url, "error")] == ["feed.failed"]
    assert _events(db_url, "error")[0].detail == {
        "feed": "error",
        "reason": "HTTP 500",
        "answered_at": None,
    }
    assert _events(db_url, "rss") == []  # answering, as before: nothing to audit

    _poll(db_url, path)  # rss: a 304; error: still failing
    two = _status(db_url, path)
    assert two["rss"].answer == "unchanged" and two["rss"].polled_at > rss.polled_at
    assert two["rss"].answered_at == two["rss"].polled_at
    assert (two["rss"].last_entries, two["rss"].entries, two["rss"].drafts) == (0, 2, 1)
    assert two["error"].failing_since == error.failing_since  # the same failure goes on
    assert len(_events(db_url, "error")) == 1  # a failure that goes on adds no row
    answered = two["rss"].answered_at

    flaky.down = True  # type: ignore[attr-defined]
    _poll(db_url, path)
    _poll(db_url, path)
    down = _status(db_url, path)["rss"]
    assert down.answer == "failed" and down.reason == "HTTP 503"
    assert down.answered_at == answered  # the last answer is still known
    assert down.failing_since is not None  # the audit row's time, to the second
    assert down.failing_since >= answered.replace(microsecond=0)
    assert down.polled_at > down.failing_since  # polled again since the failure began
    assert (down.last_entries, down.entries, down.drafts) == (0, 2, 1)
    (failed,) = _events(db_url, "rss")
    assert failed.action == "feed.failed" and failed.detail["reason"] == "HTTP 503"
    assert dt.datetime.fromisoformat(failed.detail["answered_at"]) == answered

    flaky.down = False  # type: ignore[attr-defined]
    _poll(db_url, path)
    back = _status(db_url, path)["rss"]
    assert back.answer == "unchanged"  # its ETag was kept through the failure: a 304
    assert back.answered_at == back.polled_at > down.polled_at
    assert back.failing_since is None and back.reason is None
    assert [e.action for e in _events(db_url, "rss")] == ["feed.failed", "feed.recovered"]
    assert _events(db_url, "rss")[1].detail == {"feed": "rss", "reason_before": "HTTP 503"}
    with Session(jobs.engine(db_url)) as s:
        assert audit.check(s).problem is None  # the rows are in the chain like any other


def test_every_kind_of_failure_is_told_apart(
    tmp_path: Path,
    template_db: Path,
    flaky: ThreadingHTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The kinds the desk words, from the reasons real polls give."""
    import shutil

    monkeypatch.setattr(feeds, "MAX_BYTES", 100_000)
    shutil.copyfile(template_db, tmp_path / "kinds.db")
    db_url = f"sqlite:///{tmp_path / 'kinds.db'}"
    base = url_of(flaky)
    cases = {
        "error": ("/error.xml", True, "http"),
        "broken": ("/broken.xml", True, "not_feed"),
        "huge": ("/huge.xml", True, "too_large"),
        "loop": ("/loop", True, "redirects"),
        "loopback": ("/rss.xml", False, "refused"),  # 127.0.0.1 without `internal`
        "slow": ("/slow.xml", True, "timeout"),  # 4 s, over the 2 s budget
    }
    path = write_feeds(
        tmp_path,
        [
            {"code": c, "outlet": c, "url": base + p, "internal": internal}
            for c, (p, internal, _) in cases.items()
        ],
    )
    result = _poll(db_url, path)
    kinds = {code: feeds.failure_kind(str(r["reason"])) for code, r in result.items()}
    assert kinds == {c: k for c, (_, _, k) in cases.items()}, result

    def no_such_host(host: str, port: int) -> list[str]:
        raise OSError(f"[Errno -2] Name or service not known: {host}")

    with pytest.raises(ValueError) as unresolved:
        feeds.check_hop(
            "https://tin.example/rss", internal=False, net=feeds.NetPolicy(no_such_host)
        )
    assert feeds.failure_kind(str(unresolved.value)) == "dns"

    # a feed that answers, in a feeds.yaml naming an author the database does not have
    other = tmp_path / "bad-author"
    other.mkdir()
    bad = write_feeds(
        other, [{"code": "atom", "outlet": "a", "url": f"{base}/atom.xml", "internal": True}]
    )
    text = bad.read_text("utf-8")
    assert "author: lan.nguyen" in text
    bad.write_text(text.replace("author: lan.nguyen", "author: no.one"), "utf-8")
    reason = str(_poll(db_url, bad)["atom"]["reason"])
    assert feeds.failure_kind(reason) == "config", reason
    assert feeds.failure_kind("something nobody foresaw") == "other"


def test_the_health_page_shows_each_feed(
    app_db: str,
    tmp_path: Path,
    flaky: ThreadingHTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.test_dashboard_pages import _page, vietnamese

    content = tmp_path / "content"
    content.mkdir()
    path = _feeds_yaml(content, url_of(flaky))
    _poll(app_db, path)
    _poll(app_db, path)  # rss: unchanged (304); error: still failing
    monkeypatch.setenv("PHUXANH_CONTENT_DIR", str(content))
    get_settings.cache_clear()

    page = _page("health", "vi", "minh.tran")
    assert "Nguồn tin (RSS)" in [h.value for h in page.subheader]
    assert "1/3 nguồn tin không lấy được tin ở lần hỏi gần nhất." in [w.value for w in page.warning]
    frame = next(f.value for f in page.dataframe if "Cơ quan" in f.value.columns)
    rows = {r["Mã nguồn"]: r for r in frame.to_dict("records")}
    assert list(rows) == ["rss", "error", "off"]  # the order of feeds.yaml
    status = _status(app_db, path)
    tz = get_settings().tz
    when = status["rss"].answered_at
    assert when is not None
    assert rows["rss"]["Trả lời gần nhất"] == when.astimezone(tz).strftime("%d/%m/%Y %H:%M")
    assert rows["rss"]["Kết quả lần hỏi gần nhất"] == "Có trả lời, không có tin mới"
    assert rows["rss"]["Đã mang về (mọi lần hỏi)"] == "Tin: 2; bản nháp: 1"
    assert rows["rss"]["Thu thập"] == "Đang bật" and rows["rss"]["Tình trạng"] == "✓"
    since = status["error"].failing_since
    assert since is not None
    assert rows["error"]["Kết quả lần hỏi gần nhất"] == (
        f"Không lấy được tin từ {since.astimezone(tz):%d/%m/%Y %H:%M}: máy chủ trả lời lỗi "
        "(HTTP 500)"
    )
    assert rows["error"]["Trả lời gần nhất"] == "—" and rows["error"]["Tình trạng"] == "!"
    assert rows["off"]["Kết quả lần hỏi gần nhất"] == "Đang tắt, chưa hỏi lần nào"
    assert rows["off"]["Thu thập"] == "Đang tắt"

    english = _page("health", "en", "minh.tran")
    assert "News feeds" in [h.value for h in english.subheader]
    frame = next(f.value for f in english.dataframe if "Outlet" in f.value.columns)
    rows = {r["Code"]: r for r in frame.to_dict("records")}
    assert rows["rss"]["Last answer"] == "Answered; nothing new"
    assert rows["error"]["Last answer"].endswith("the server answered with an error (HTTP 500)")
    assert rows["off"]["Last answer"] == "Off; never polled"
    labels = [str(c) for c in frame.columns] + [rows[c]["Last answer"] for c in rows]
    assert [x for x in labels if vietnamese(x)] == []

    path.write_text("feeds: [\n", "utf-8")  # a feed list that does not parse
    broken = _page("health", "vi", "minh.tran")
    said = [e.value for e in broken.error]
    assert any(e.startswith(f"Không đọc được danh sách nguồn tin {path}") for e in said), said
    assert not any("Traceback" in e for e in said)
