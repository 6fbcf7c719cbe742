"""The editorial desk in a real browser (chromium, Playwright, `streamlit run`): an editor
composes an urgent post with a photo and its description; an approver asks for changes
with a reason and a comment; the editor reads them where they edit, saves a new version
and sends it again; a second approver approves it on a 390 px wide phone, where the
history shows both versions and the comments; the publishing run posts it once. Each
hand-off reaches a real SMTP server on 127.0.0.1 (aiosmtpd) as e-mail. Screenshots of
Compose, the edit form and the history in Vietnamese and English at 1440 and 390 px go
to var/test-output/screenshots (or $PHUXANH_SCREENSHOTS_DIR)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, select

from phuxanh import jobs, notify
from phuxanh.core.users import add_user
from phuxanh.models import Channel, ContentItem, ItemStatus, Publication, Theme
from tests.helpers import user
from tests.test_browser import CHROMIUM, ROOT, dashboard, idle, pick, press, sign_in
from tests.test_notify import Inbox, address, inbox, mail_settings, smtp_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["dashboard", "inbox", "smtp_port"]  # fixtures from test_browser, test_notify

CAPTION = "Hải Phòng mở cửa miễn phí Bảo tàng Thành phố dịp Quốc khánh."
ADDED = "Mở cửa từ 8:00 đến 17:00, thứ Hai nghỉ."
ALT = "Mặt tiền Bảo tàng Hải Phòng màu vàng, trời xanh."
CHANNEL = "Thông tin đối ngoại Hải Phòng (demo) · facebook"
WIDTHS = (1440, 390)


def _photo(folder: Path) -> Path:
    """A small photo of the museum's front: a yellow wall under a blue sky."""
    path = folder / "bao-tang.png"
    img = Image.new("RGB", (1200, 800), (70, 140, 220))
    img.paste((235, 200, 90), (150, 300, 1050, 800))
    img.save(path)
    return path


def _typed(page, key: str, text: str, *, commit: bool = True) -> None:
    """Fill a text area or input and commit it (Streamlit reads it on Ctrl+Enter); a
    field of a form is only filled (Enter there submits the form)."""
    box = page.locator(f"[class*='st-key-{key}'] textarea, [class*='st-key-{key}'] input").first
    idle(page)
    box.fill(text)
    if commit:
        box.press("Control+Enter")
        idle(page)


def _compose(page, photo: Path, *, n: int, theme: str, lang: str) -> None:
    """The Compose form (the `n`th this session) filled: a channel, a theme, the caption,
    the photo, its description."""
    from playwright.sync_api import expect

    idle(page)
    page.locator(f".st-key-compose-channels-{n} [role=combobox]").click()
    page.get_by_role("option", name=CHANNEL, exact=True).click()
    page.keyboard.press("Escape")
    pick(page, f"compose-theme-{n}-{lang}", theme)
    _typed(page, f"compose-caption-{n}", CAPTION)
    page.locator(f".st-key-compose-media-{n} input[type=file]").set_input_files(str(photo))
    idle(page)
    _typed(page, f"compose-alt-{n}", ALT)
    page.locator(f".st-key-compose-urgent-{n} label").click()
    idle(page)
    expect(page.get_by_text("Thông tin đối ngoại Hải Phòng (demo) (Facebook Page)")).to_be_visible()


def _open_item(page, item_id: int, queue: str = "Hàng chờ duyệt") -> None:
    """The review queue showing this item (searched by its number)."""
    from playwright.sync_api import expect

    idle(page)
    page.get_by_role("link", name=queue).click()
    expect(page.get_by_role("heading", name=queue)).to_be_visible()
    _typed(page, "q_text", f"#{item_id}")


def _expand(page, key: str, *, open: bool = True) -> None:
    """Open (or close) the expander with this key, whatever state it is in."""
    idle(page)
    details = page.locator(f".st-key-{key} details").first
    if (details.get_attribute("open") is not None) != open:
        details.locator("summary").click()
        idle(page)


def _sign_out(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    idle(page)


def _shots(page, shots: Path, name: str, lang: str) -> None:
    page.locator("[data-testid=stToast]").first.wait_for(state="detached")  # the last word
    for width in WIDTHS:  # tall: Streamlit scrolls inside the page, a shot shows the window
        page.set_viewport_size({"width": width, "height": 2200 if width > 400 else 3200})
        idle(page)
        page.wait_for_timeout(700)  # images settle
        size = "" if width == WIDTHS[0] else f"-{width}"  # as docs/screenshots names them
        page.screenshot(path=str(shots / f"{name}{size}-{lang}.png"))
    page.set_viewport_size({"width": 1440, "height": 1024})
    idle(page)


def _mailed(url: str, inbox: Inbox) -> list[tuple[str, str]]:
    """Run the notifier once (what the scheduled flow does each minute): the mail it sent
    now, as (to, subject), sorted."""
    done = notify.deliver(jobs.engine(url))
    assert done.error is None, done.error
    sent = sorted((str(m["To"]), str(m["Subject"])) for m in inbox.messages)
    inbox.messages.clear()
    return sent


def test_compose_review_edit_and_approve_in_chromium(
    dashboard: tuple[str, str],
    tmp_path: Path,
    sandbox,
    inbox: Inbox,
    smtp_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, url = dashboard
    mail_settings(monkeypatch, smtp_port)  # e-mail on for the notifier run by this test
    assert _mailed(url, inbox) == []  # the week's old hand-offs: nobody had an address yet
    shots = Path(
        os.environ.get("PHUXANH_SCREENSHOTS_DIR", ROOT / "var" / "test-output" / "screenshots")
    )
    shots.mkdir(parents=True, exist_ok=True)
    with Session(jobs.engine(url)) as s:
        add_user(
            s,
            username="ngoc.do",
            unit_code="ttdn-haiphong",
            role="approver",
            password="phuxanh-demo",
            email=address("ngoc.do"),
        )
        for name in ("lan.nguyen", "minh.tran"):
            user(s, name).email = address(name)
        s.commit()
        # the queue lists items with a theme only (crud._queue_select joins Theme)
        theme = s.exec(select(Theme).where(Theme.code == "hai-phong-cang-xanh")).one()
        titles = {"vi": theme.title_vi, "en": theme.title_en}
    photo = _photo(tmp_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport={"width": 1440, "height": 1024}, locale="vi-VN")
        page.set_default_timeout(30_000)
        page.goto(base)
        sign_in(page, "lan.nguyen")
        page.get_by_role("link", name="Soạn bài").click()
        expect(page.get_by_role("heading", name="Soạn bài")).to_be_visible()
        _compose(page, photo, n=0, theme=titles["vi"], lang="vi")
        _shots(page, shots, "compose", "vi")
        page.locator(".st-key-compose-create-0 button").click()
        expect(page.get_by_text("Đã tạo và gửi duyệt: #").first).to_be_visible()
        with Session(jobs.engine(url)) as s:
            item = s.exec(select(ContentItem).where(ContentItem.caption == CAPTION)).one()
            item_id = item.id
            assert item.status == ItemStatus.in_review and item.alt_text == ALT
            assert item.urgent and item.version == 1  # the description is in version 1
            assert item.media_path and item.media_path.startswith("uploads/")
            assert item.media_path.endswith("-bao-tang.png")
        wait = f"[phuxanh] KHẨN: Mục #{item_id} chờ bạn duyệt: {CAPTION}"
        assert _mailed(url, inbox) == [(address("minh.tran"), wait), (address("ngoc.do"), wait)]

        # the first approver asks for changes, with a reason and a comment
        _sign_out(page)
        sign_in(page, "minh.tran")
        _open_item(page, item_id)
        _typed(page, f"comment-{item_id}", "Thêm giờ mở cửa vào bài.", commit=False)
        page.locator(f".st-key-changes-{item_id} button").click()
        expect(page.get_by_text(f"Đã cập nhật mục #{item_id}.").first).to_be_visible()
        _expand(page, f"thread-open-{item_id}")
        _typed(page, f"thread-text-{item_id}", "Nhớ ghi ngày nghỉ trong tuần.", commit=False)
        page.locator(f".st-key-thread-send-{item_id} button").click()
        expect(page.get_by_text(f"Đã gửi góp ý về mục #{item_id}.").first).to_be_visible()
        assert _mailed(url, inbox) == [
            (address("lan.nguyen"), f"[phuxanh] Mục #{item_id} cần sửa: {CAPTION}")
        ]

        # the editor reads both where they edit, adds the hours, saves and sends it again
        _sign_out(page)
        sign_in(page, "lan.nguyen")
        _open_item(page, item_id)
        _expand(page, f"edit-open-{item_id}")
        edit = page.locator(f".st-key-edit-open-{item_id}")
        expect(edit.get_by_text("Thêm giờ mở cửa vào bài.")).to_be_visible()
        expect(edit.get_by_text("Nhớ ghi ngày nghỉ trong tuần.")).to_be_visible()
        _typed(page, f"edit-cap-{item_id}-0", f"{CAPTION}\n{ADDED}")
        _typed(page, f"edit-note-{item_id}-0", "thêm giờ mở cửa")
        page.locator(f".st-key-edit-save-{item_id} button").click()
        expect(page.get_by_text(f"Đã lưu phiên bản 2 của mục #{item_id}.").first).to_be_visible()
        expect(edit.get_by_text("Phiên bản 2", exact=True)).to_be_visible()  # still open
        _shots(page, shots, "item-edit", "vi")
        _expand(page, f"edit-open-{item_id}", open=False)
        _expand(page, f"history-open-{item_id}")
        expect(page.get_by_text(f"+{ADDED}").first).to_be_visible()
        _shots(page, shots, "history", "vi")
        press(page, f"submit-{item_id}")
        expect(page.get_by_text(f"Đã cập nhật mục #{item_id}.").first).to_be_visible()
        assert _mailed(url, inbox) == [(address("minh.tran"), wait), (address("ngoc.do"), wait)]

        page.get_by_text("English", exact=True).click()
        expect(page.get_by_role("link", name="Compose")).to_be_visible()
        _expand(page, f"history-open-{item_id}", open=False)
        _expand(page, f"edit-open-{item_id}")
        expect(page.get_by_text("Version 2", exact=True)).to_be_visible()
        _shots(page, shots, "item-edit", "en")
        _expand(page, f"edit-open-{item_id}", open=False)
        _expand(page, f"history-open-{item_id}")
        expect(page.get_by_text(f"+{ADDED}").first).to_be_visible()
        _shots(page, shots, "history", "en")
        page.get_by_role("link", name="Compose").click()
        expect(page.get_by_role("heading", name="Compose")).to_be_visible()
        _compose(page, photo, n=0, theme=titles["en"], lang="en")  # signed in again: a new form
        _shots(page, shots, "compose", "en")
        page.get_by_text("Tiếng Việt", exact=True).click()
        idle(page)
        _sign_out(page)

        # a second approver approves on a phone
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(base)  # the queue's address: the menu is folded away on a phone
        expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
        sign_in(page, "ngoc.do")
        expect(page.get_by_role("heading", name="Hàng chờ duyệt")).to_be_visible()
        _typed(page, "q_text", f"#{item_id}")
        expect(page.get_by_text("Khẩn", exact=True).first).to_be_visible()  # the urgent mark
        page.screenshot(path=str(shots / "approve-390-vi.png"))
        press(page, f"approve-{item_id}")
        expect(page.get_by_text(f"Đã cập nhật mục #{item_id}.").first).to_be_visible()
        # on the phone too, the history shows both versions and every comment
        _expand(page, f"history-open-{item_id}")
        history = page.locator(f".st-key-history-open-{item_id}")
        for said in ("Phiên bản 1", "Phiên bản 2", f"+{ADDED}", "Thêm giờ mở cửa vào bài."):
            expect(history.get_by_text(said).first).to_be_visible()
        expect(history.get_by_text("Nhớ ghi ngày nghỉ trong tuần.").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        browser.close()
    assert _mailed(url, inbox) == [
        (address("lan.nguyen"), f"[phuxanh] Mục #{item_id} đã được duyệt: {CAPTION}")
    ]
    with Session(jobs.engine(url)) as s:
        item = s.get(ContentItem, item_id)
        assert item.status == ItemStatus.scheduled and item.version == 2
        assert "\n" + ADDED in item.caption
        pubs = s.exec(select(Publication).where(Publication.content_item_id == item_id)).all()
        assert [p.state for p in pubs] == ["scheduled"]
        channel = s.get(Channel, pubs[0].channel_id)
        due = pubs[0].scheduled_at
    # the publishing run, at the post's time and again a minute later: posted once
    for minutes in (1, 2):
        jobs.publish_due(now=due + dt.timedelta(minutes=minutes), database_url=url)
    posts = [
        p for p in sandbox.state.recent("facebook", channel.account_id) if ADDED in p["message"]
    ]
    assert len(posts) == 1 and posts[0]["message"].startswith(CAPTION)
    with Session(jobs.engine(url)) as s:
        (pub,) = s.exec(select(Publication).where(Publication.content_item_id == item_id)).all()
        assert pub.state == "published" and pub.remote_id == posts[0]["id"]
    made = {f.name for f in shots.glob("*.png")}
    for name in ("compose", "item-edit", "history"):
        for lang in ("vi", "en"):
            assert {f"{name}-{lang}.png", f"{name}-390-{lang}.png"} <= made
