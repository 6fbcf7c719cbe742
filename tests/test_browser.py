"""The approval desk in a real browser: Debian's chromium, headless, driven by Playwright
against `streamlit run` on 127.0.0.1. An editor signs in and submits a draft; an approver
signs in, approves it, and sees it scheduled. Screenshots of every page in Vietnamese and
English are written to var/test-output/screenshots (or $PHUXANH_SCREENSHOTS_DIR);
`docs/screenshots/` holds a committed set."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.core.settings import get_settings
from phuxanh.models import ContentItem, Publication
from tests.desk import serve_desk
from tests.helpers import desk_week

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = (
    os.environ.get("PHUXANH_CHROMIUM")
    or shutil.which("chromium")
    or shutil.which("chromium-browser")
)
PAGES = {
    "vi": [
        "Việc của tôi",
        "Hàng chờ duyệt",
        "Xử lý thông tin",
        "Lịch nội dung",
        "Độ phủ chủ đề",
        "Hiệu quả",
        "Tình trạng kênh",
        "Báo cáo định kỳ",
        "Mạng lưới đơn vị",
        "Nhật ký",
    ],
    "en": [
        "My work",
        "Review queue",
        "Information response",
        "Content calendar",
        "Theme coverage",
        "Results",
        "Channel health",
        "Periodic reports",
        "Unit network",
        "Audit log",
    ],
}
FILES = [
    "my_work",
    "queue",
    "incidents",
    "calendar",
    "coverage",
    "metrics",
    "health",
    "reports",
    "network",
    "audit",
]


def _need_browser() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "the playwright package"
    else:
        missing = "" if CHROMIUM else "chromium (apt-get install chromium)"
    if missing:
        if os.environ.get("PHUXANH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"the browser test is required but {missing} is not installed")
        pytest.skip(f"{missing} not installed")


@pytest.fixture
def dashboard(tmp_path: Path, sandbox) -> Iterator[tuple[str, str]]:
    _need_browser()
    from playwright.sync_api import expect

    # as long as any other wait here (page.set_default_timeout): a page drawn after a
    # sign-in takes over expect's 5 s when the machine is busy (CI with 4 workers)
    expect.set_options(timeout=30_000)
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    jobs.init_db(url)
    today = dt.datetime.now(get_settings().tz).date()
    desk_week(url, sandbox.public_url, today - dt.timedelta(days=today.weekday()))
    log = tmp_path / "streamlit.log"
    server, base = serve_desk(url, log)
    yield base, url
    server.terminate()
    server.wait(timeout=20)
    assert "Traceback" not in log.read_text(), log.read_text()


def sign_in(page, username: str, password: str = "phuxanh-demo", *, check: bool = True) -> None:
    """Type and submit the sign-in form with the keyboard. The form is filled only after the
    script run that drew it has finished (a run still going redraws the form and drops what
    was typed: the CI flake of 2026-11-30), and each field is read back before Enter."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    signed_in = page.get_by_text(f"Đang dùng: {username}")
    for attempt in range(3):
        idle(page)
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        expect(page.get_by_label("Tên đăng nhập")).to_have_value(username)
        expect(page.get_by_label("Mật khẩu")).to_have_value(password)
        page.get_by_label("Mật khẩu").press("Enter")  # the keyboard submits the form
        if not check:  # refused: the answer clears the password field (it is never kept)
            expect(page.get_by_label("Mật khẩu")).to_have_value("", timeout=30_000)
            idle(page)
            return
        try:
            signed_in.wait_for(timeout=20_000)
            return
        except PlaywrightTimeout:
            refused = page.get_by_role("alert")
            if refused.count():  # a real refusal is an answer, not a lost keystroke
                raise AssertionError(f"sign-in refused: {refused.first.inner_text()}") from None
            if attempt == 2:
                raise


def pick(page, key: str, option: str) -> None:
    """Choose in a selectbox; a rerun that lands meanwhile closes the list, so try again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(5):
        idle(page)
        page.locator(f".st-key-{key} [role=combobox]").click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=3_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option!r} in {key}")


def idle(page) -> None:
    """Wait for Streamlit to finish the rerun an action started: no status widget, and no
    element of the previous run left standing (`data-stale`)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "!document.querySelector('[data-testid=stStatusWidget], [data-stale=true]')",
        timeout=30_000,
    )


def press(page, key: str) -> None:
    """Click the button of widget `key` once the page holds exactly one: while a rerun that
    started late (a busy machine) redraws the page, the old one may still stand beside it."""
    from playwright.sync_api import expect

    button = page.locator(f".st-key-{key} button")
    idle(page)
    expect(button).to_have_count(1)
    button.click()


def test_editor_submits_and_approver_approves_in_chromium(dashboard: tuple[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, url = dashboard
    shots = Path(
        os.environ.get("PHUXANH_SCREENSHOTS_DIR", ROOT / "var" / "test-output" / "screenshots")
    )
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport={"width": 1440, "height": 1024}, locale="vi-VN")
        page.set_default_timeout(30_000)
        page.goto(base)
        expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
        sign_in(page, "lan.nguyen")
        expect(page.get_by_role("heading", name="Hàng chờ duyệt")).to_be_visible()
        pick(page, "f_status-vi", "Bản nháp")
        expect(page.get_by_text("12 mục", exact=True)).to_be_visible()
        first = page.locator("[class*='st-key-submit-']").first
        item_id = int(
            next(
                c for c in first.get_attribute("class").split() if c.startswith("st-key-submit-")
            ).rsplit("-", 1)[1]
        )
        first.get_by_role("button").click()
        expect(page.get_by_text(f"Đã cập nhật mục #{item_id}.").first).to_be_visible()
        with Session(jobs.engine(url)) as s:
            assert s.get(ContentItem, item_id).status == "in_review"

        page.get_by_role("button", name="Đăng xuất").click()
        # signing out reloads the page (the cookie is cleared by the desk's route): fill the
        # form only once the new one is there, or the reload wipes what was typed
        expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
        idle(page)
        sign_in(page, "minh.tran")
        pick(page, "f_status-vi", "Chờ duyệt")
        expect(page.get_by_text("5 mục", exact=True)).to_be_visible()
        press(page, f"approve-{item_id}")
        expect(page.get_by_text(f"Đã cập nhật mục #{item_id}.").first).to_be_visible()
        pick(page, "f_status-vi", "Chờ đăng")
        expect(page.get_by_text(f"#{item_id} · phiên bản 1", exact=False)).to_be_visible()
        with Session(jobs.engine(url)) as s:
            assert s.get(ContentItem, item_id).status == "scheduled"
            pubs = s.exec(select(Publication).where(Publication.content_item_id == item_id)).all()
            assert pubs and all(p.state == "scheduled" for p in pubs)

        pick(page, "f_status-vi", "Chờ duyệt")
        idle(page)
        for lang in ("vi", "en"):
            if lang == "en":
                page.get_by_text("English", exact=True).click()
                expect(page.get_by_role("link", name="Review queue")).to_be_visible()
            for title, name in zip(PAGES[lang], FILES, strict=True):
                page.get_by_role("link", name=title).click()
                expect(page.get_by_role("heading", name=title)).to_be_visible()
                idle(page)
                page.wait_for_timeout(700)  # charts and images settle
                page.screenshot(path=str(shots / f"{name}-{lang}.png"))
            # "Việc của tôi" on a phone: what an approver opens first (a reload keeps the
            # person and the language)
            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(base + "/my_work")
            expect(page.get_by_role("heading", name=PAGES[lang][0])).to_be_visible()
            idle(page)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.screenshot(path=str(shots / f"my_work-390-{lang}.png"))
            page.set_viewport_size({"width": 1440, "height": 1024})
            page.goto(base)
            expect(page.get_by_role("heading", name=PAGES[lang][1])).to_be_visible()
            idle(page)
        browser.close()
    made = sorted(f.name for f in shots.glob("*.png"))
    assert {f"{n}-{lang}.png" for n in FILES for lang in ("vi", "en")} <= set(made)
    assert {"my_work-390-vi.png", "my_work-390-en.png"} <= set(made)


# every address of the desk (st.navigation's url paths: the page files; the queue is "/")
ADDRESSES = ["/", *(f"/{name}" for name in FILES if name != "queue")]
SIGN_IN_TEXT = {
    "phuxanh · Thông tin đối ngoại",
    "Ngôn ngữ",
    "Tiếng Việt",
    "English",
    "Đăng nhập",
    "Tên đăng nhập",
    "Mật khẩu",
    "visibility",  # the eye icon's name
    "Bàn phím: Tab để chuyển ô, Enter để gửi biểu mẫu đang chọn.",
}


def only_the_sign_in_form(page) -> None:
    """The page shows the sign-in form and nothing of the office: no menu, data, image,
    table or download."""
    page.get_by_label("Tên đăng nhập").wait_for()
    idle(page)
    page.wait_for_timeout(500)
    shown = {
        line.strip()
        for line in page.locator("[data-testid=stMain]").inner_text().splitlines()
        if line.strip()
    }
    assert shown <= SIGN_IN_TEXT, shown - SIGN_IN_TEXT
    for part in (
        "stSidebar",
        "stSidebarNav",
        "stDataFrame",
        "stDownloadButton",
        "stImage",
        "stTabs",
    ):
        assert page.locator(f"[data-testid={part}]").count() == 0, part


def test_the_desk_is_locked_to_outsiders_in_chromium(dashboard: tuple[str, str]) -> None:
    """Signed out, every address shows only the sign-in form and the browser receives
    nothing of the office; six wrong passwords lock the username (the right one is then
    refused too); a sign-in survives a reload and a new tab (HttpOnly, SameSite=Strict
    cookie) until sign-out or expiry; downloads and cards are served only to a browser
    with a live session."""
    from playwright.sync_api import expect, sync_playwright

    from phuxanh.models import Channel, UserSession

    base, url = dashboard
    shots = Path(
        os.environ.get("PHUXANH_SCREENSHOTS_DIR", ROOT / "var" / "test-output" / "screenshots")
    )
    shots.mkdir(parents=True, exist_ok=True)
    with Session(jobs.engine(url)) as s:
        office = [c.display_name for c in s.exec(select(Channel))]
        office += [i.caption[:60] for i in s.exec(select(ContentItem))]
    assert len(office) > 20
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        context = browser.new_context(
            viewport={"width": 1440, "height": 1024}, locale="vi-VN", accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(30_000)
        received: list[bytes] = []
        page.on(
            "websocket",
            lambda ws: ws.on(
                "framereceived",
                lambda frame: received.append(
                    frame if isinstance(frame, bytes) else frame.encode()
                ),
            ),
        )
        for address in ADDRESSES:
            page.goto(base + address)
            only_the_sign_in_form(page)
        sent = b"".join(received)
        assert sent and [t for t in office if t.encode() in sent] == []
        page.mouse.move(0, 0)
        page.screenshot(path=str(shots / "signin-vi.png"))
        page.get_by_text("English", exact=True).click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        idle(page)
        page.mouse.move(0, 0)
        page.screenshot(path=str(shots / "signin-en.png"))
        page.get_by_text("Tiếng Việt", exact=True).click()
        expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()

        for n in range(6):  # the fifth failure locks minh.tran for 30 s
            sign_in(page, "minh.tran", f"sai-{n}", check=False)
            expect(
                page.get_by_text(
                    "Sai tên đăng nhập hoặc mật khẩu." if n < 5 else "Đăng nhập sai quá nhiều lần"
                )
            ).to_be_visible()
        sign_in(page, "minh.tran", check=False)
        expect(page.get_by_text("Đăng nhập sai quá nhiều lần: hãy thử lại sau")).to_be_visible()
        assert page.get_by_text("Đang dùng:").count() == 0

        page.goto(base + "/calendar")
        sign_in(page, "lan.nguyen")
        expect(page.get_by_role("heading", name="Lịch nội dung")).to_be_visible()
        idle(page)
        page.get_by_test_id("stSidebar").get_by_text("English", exact=True).click()
        expect(page.get_by_role("heading", name="Content calendar")).to_be_visible()
        idle(page)
        page.wait_for_timeout(1_000)  # the page has posted its hand-off code
        cookie = next(c for c in context.cookies() if c["name"] == "phuxanh_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert "phuxanh_session" not in page.evaluate("document.cookie")  # no script sees it
        assert cookie["value"] not in page.url
        page.reload()  # a new page load: same page, same person, same language
        expect(page.get_by_role("heading", name="Content calendar")).to_be_visible()
        page.get_by_text("Signed in: lan.nguyen").wait_for()
        second = context.new_page()  # a new tab of the same browser
        second.goto(base + "/audit")
        second.get_by_text("Signed in: lan.nguyen").wait_for()
        with second.expect_download() as download:
            second.get_by_role("button", name="Download CSV").click()
        csv = download.value.url
        assert context.request.get(csv).status == 200
        second.close()
        stranger = browser.new_context()  # another browser: nothing, not even by the link
        assert stranger.request.get(csv).status == 403
        stranger_page = stranger.new_page()
        stranger_page.goto(base + "/audit")
        only_the_sign_in_form(stranger_page)
        stranger.close()

        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("Username").wait_for()
        assert context.request.get(csv).status == 403  # the download went with the session
        page.reload()  # signed out, the language is the default again
        only_the_sign_in_form(page)

        page.goto(base)
        sign_in(page, "hoa.pham")
        cards = page.get_by_test_id("stImage").locator("img")
        cards.first.wait_for()
        idle(page)  # the cookie came before the page: every card is served at once
        # wait for the browser to finish loading them (slow under load), then each must have
        # arrived: a card refused by the session gate would end complete with no pixels
        page.wait_for_function("[...document.images].every(i => i.complete)", timeout=30_000)
        assert cards.count() > 0 and page.evaluate(
            "[...document.images].every(i => i.complete && i.naturalWidth > 0)"
        )
        with Session(jobs.engine(url)) as s:  # the session runs out (PHUXANH_SESSION_HOURS)
            live = s.exec(
                select(UserSession).where(UserSession.revoked_at == None)  # noqa: E711
            ).all()
            assert len(live) == 1
            live[0].expires_at = live[0].created_at
            s.add(live[0])
            s.commit()
        page.reload()
        only_the_sign_in_form(page)

        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="vi-VN")
        phone.goto(base + "/calendar")
        only_the_sign_in_form(phone)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(shots / "signin-390-vi.png"))
        browser.close()
