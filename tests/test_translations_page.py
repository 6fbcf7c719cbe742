"""The desk's Translations page (Streamlit AppTest), in Vietnamese and English: each
translation beside its original (the catalog's Vietnamese and English); a person edits it
and one who reads the language marks it reviewed (audited); anyone else sees why they
cannot; an edit after review makes it a draft again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from phuxanh import jobs
from phuxanh.catalog import translations
from phuxanh.core.users import add_user
from phuxanh.models import AuditEvent, Fact, Translation
from phuxanh.sandbox import demo
from tests.helpers import user
from tests.test_browser import dashboard
from tests.test_dashboard import _signed_in
from tests.test_dashboard_pages import _labels, vietnamese

__all__ = ["dashboard"]  # the fixture, from tests/test_browser.py
KOREAN = "베트남 공산당 정치국 결의 제45-NQ/TW호는 2030년까지의 목표를 제시합니다."


def _korean_draft(db_url: str) -> int:
    """The Korean drafts of one theme, the fact hp-nq-45 written by trang.dinh (who reads
    Korean, as does hoa.pham; minh.tran reads none)."""
    with Session(jobs.engine(db_url)) as s:
        for name, role in (("trang.dinh", "editor"), ("quan.tri", "admin")):
            add_user(
                s, username=name, unit_code="ttdn-haiphong", role=role, password="phuxanh-demo"
            )
        translations.set_languages(s, username="trang.dinh", langs=["vi", "ko"], actor="quan.tri")
        translations.set_languages(s, username="hoa.pham", langs=["vi", "ko"], actor="quan.tri")
        translations.draft_missing(s, lang="ko", theme="hai-phong-cang-xanh", actor="trang.dinh")
        row = s.exec(
            select(Translation).where(Translation.ref == "hp-nq-45", Translation.lang == "ko")
        ).one()
        assert row.id is not None
        translations.set_text(s, translation_id=row.id, text=KOREAN, actor="trang.dinh")
        s.commit()
        return row.id


def _open(who: str, lang: str) -> AppTest:
    app = _signed_in(who, lang)
    app.switch_page("app_pages/translations.py").run()
    assert not app.exception, [e.value for e in app.exception]
    app.selectbox(key=f"tr_lang.{lang}").set_value("ko").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _shown(app: AppTest) -> str:
    """The text the page draws (markdown and captions)."""
    return "\n".join([m.value for m in app.markdown] + [c.value for c in app.caption])


def _text_key(app: AppTest, row_id: int) -> str:
    return next(k for k in _keys(app) if k.startswith(f"tr-text-{row_id}-"))


def test_the_original_beside_the_translation_and_who_may_review(app_db: str) -> None:
    row_id = _korean_draft(app_db)
    with Session(jobs.engine(app_db)) as s:
        fact = s.exec(select(Fact).where(Fact.code == "hp-nq-45")).one()
        vi_text, en_text = fact.text_vi, fact.text_en

    # minh.tran reads no Korean: sees the original and the translation, cannot review
    app = _open("minh.tran", "vi")
    shown = _shown(app)
    assert vi_text in shown and en_text in shown  # the original, in both catalog languages
    assert app.text_area(key=_text_key(app, row_id)).value == KOREAN  # the translation
    assert any("không duyệt được" in i.value and "tiếng Hàn" in i.value for i in app.info)
    assert any("phuxanh user languages minh.tran --set ko" in i.value for i in app.info)
    assert f"tr-review-{row_id}" not in _keys(app)
    assert "Bản nháp" in shown
    assert any(c.value == "14 bản dịch" for c in app.caption)  # the theme's texts
    app.selectbox(key="tr_theme.vi").set_value("doi-ngoai-apec-2027").run()  # none drafted
    assert [i.value for i in app.info][-1] == "Không có bản dịch nào khớp bộ lọc."

    # trang.dinh reads Korean but wrote it: another person reviews
    app = _open("trang.dinh", "vi")
    assert f"tr-review-{row_id}" not in _keys(app)
    assert any("Bạn viết bản này" in c.value for c in app.caption)

    # hoa.pham reads Korean: reviews it, and the audit log says so
    app = _open("hoa.pham", "vi")
    assert not app.info or not any("không duyệt được" in i.value for i in app.info)
    app.button(key=f"tr-review-{row_id}").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert [s.value for s in app.success] == [f"Đã duyệt bản dịch #{row_id}."]
    with Session(jobs.engine(app_db)) as s:
        row = s.get(Translation, row_id)
        assert row is not None and row.status == "reviewed"
        assert row.reviewed_by_id == user(s, "hoa.pham").id
        logged = s.exec(
            select(AuditEvent).where(
                AuditEvent.action == "translation.review", AuditEvent.entity_id == str(row_id)
            )
        ).one()
        assert logged.actor == "hoa.pham"
    assert any(c.value.startswith("Đã duyệt: hoa.pham, ") for c in app.caption)


def test_in_english_an_edit_after_review_is_a_draft_again(app_db: str) -> None:
    row_id = _korean_draft(app_db)
    with Session(jobs.engine(app_db)) as s:
        translations.review(s, translation_id=row_id, actor="hoa.pham")
        s.commit()
    app = _open("minh.tran", "en")
    labels = _labels(app)
    assert "Translations" in labels and not [x for x in labels if vietnamese(x)], labels
    assert any("Korean translations but not review them" in i.value for i in app.info)
    shown = _shown(app)
    assert "Original" in shown and "Translation · 한국어" in shown
    assert any(c.value.startswith("Reviewed: hoa.pham, ") for c in app.caption)
    # the status filter: reviewed only, then drafts only (the other 13 texts of the theme)
    app.radio(key="tr_status.en").set_value("reviewed").run()
    assert any(c.value == "1 translation" for c in app.caption)
    key = _text_key(app, row_id)
    app.text_area(key=key).input(KOREAN.replace("제시합니다", "제시했습니다")).run()
    app.button(key=f"tr-save-{row_id}").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert [s.value for s in app.success] == [
        f"Translation #{row_id} saved: a draft, waiting for review."
    ]
    with Session(jobs.engine(app_db)) as s:
        row = s.get(Translation, row_id)
        assert row is not None
        assert (row.status, row.drafted_by, row.reviewed_by_id) == ("draft", "minh.tran", None)
        assert row.text.endswith("제시했습니다.")
    # the list of reviewed ones is empty now: nothing matches
    assert any(i.value == "No translation matches these filters." for i in app.info)


def _keys(app: AppTest) -> list[str]:
    return [w.key for kind in ("button", "text_area") for w in getattr(app, kind) if w.key]


# --- in a real browser (Chromium, `streamlit run`): a phone and a desk, both languages ----


@pytest.mark.browser
@pytest.mark.slow
def test_the_translations_page_on_a_phone_and_a_desk_in_chromium(
    dashboard: tuple[str, str],
) -> None:
    """The demo's Korean translations as hoa.pham (who reads Korean) sees them: at 390 px
    nothing scrolls sideways and the original stands above its translation; screenshots
    in Vietnamese and English at 1440 and 390 px (as docs/screenshots names them)."""
    from playwright.sync_api import expect, sync_playwright

    from tests.test_browser import CHROMIUM, ROOT, idle, pick, sign_in

    base, url = dashboard
    shots = Path(
        os.environ.get("PHUXANH_SCREENSHOTS_DIR", ROOT / "var" / "test-output" / "screenshots")
    )
    shots.mkdir(parents=True, exist_ok=True)
    with Session(jobs.engine(url)) as s:
        for name, role in (("trang.dinh", "editor"), ("quan.tri", "admin")):
            add_user(
                s, username=name, unit_code="ttdn-haiphong", role=role, password="phuxanh-demo"
            )
        s.commit()
        fact = s.exec(select(Fact).where(Fact.code == "dn-apec-2027")).one()
    demo.load_translations(demo.TRANSLATIONS[0], database_url=url)
    heading = {"vi": "Bản dịch nội dung", "en": "Translations"}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport={"width": 1440, "height": 1024}, locale="vi-VN")
        page.set_default_timeout(30_000)
        page.goto(base)
        sign_in(page, "hoa.pham")
        for lang in ("vi", "en"):
            if lang == "en":
                page.get_by_text("English", exact=True).click()
                idle(page)
            page.goto(base + "/translations")
            expect(page.get_by_role("heading", name=heading[lang])).to_be_visible()
            pick(
                page, f"tr_lang-{lang}", {"vi": "Tiếng Hàn · 한국어", "en": "Korean · 한국어"}[lang]
            )
            idle(page)
            expect(page.get_by_text(fact.text_vi, exact=True).first).to_be_visible()
            for width, height in ((1440, 2200), (390, 3200)):
                page.set_viewport_size({"width": width, "height": height})
                idle(page)
                page.wait_for_timeout(700)
                if width == 390:
                    assert page.evaluate("document.documentElement.scrollWidth") <= 390
                    original = page.get_by_text(fact.text_vi, exact=True).first.bounding_box()
                    box = page.locator("textarea").first.bounding_box()
                    assert original is not None and box is not None
                    assert box["x"] + box["width"] <= 390
                size = "" if width == 1440 else f"-{width}"
                page.screenshot(path=str(shots / f"translations{size}-{lang}.png"))
            page.set_viewport_size({"width": 1440, "height": 1024})
            idle(page)
        browser.close()
    made = {f.name for f in shots.glob("translations*.png")}
    assert {f"translations{s}-{lang}.png" for s in ("", "-390") for lang in ("vi", "en")} <= made
