"""The demo speaks to the world (phuxanh/sandbox/demo.py, content/demo/): an English Page
and a Korean Page, each a campaign of the city office; the Korean texts written and reviewed
through the translation workflow by people whose profiles list Korean (audited), and the
cards of those Pages drawn in their own language. The demo's first two days only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from phuxanh import jobs
from phuxanh.core.errors import ValidationFailed
from phuxanh.models import AuditEvent, Channel, ContentItem, Translation
from phuxanh.sandbox import demo
from phuxanh.sandbox.server import SandboxServer
from tests.helpers import START

HANGUL = re.compile("[\uac00-\ud7a3]")


def test_the_english_and_korean_pages_post_in_their_own_language(
    db_url: str, sandbox: SandboxServer
) -> None:
    jobs.load_catalog(db_url)
    done = demo.setup_international(sandbox_url=sandbox.public_url, database_url=db_url)
    assert done["campaigns"] == ["demo-en-2026", "demo-ko-2026"]
    (korean,) = done["translations"]
    assert (korean["lang"], korean["reviewed"]) == ("ko", korean["texts"])
    for code in done["campaigns"]:
        jobs.plan_days(code, start=START, days=2, database_url=db_url)
        jobs.render_pending(code, database_url=db_url)

    with Session(jobs.engine(db_url)) as s:
        pages = {c.code: c for c in s.exec(select(Channel))}
        assert pages["fb-hp-international"].languages == ["en"]
        assert pages["fb-hp-korea"].languages == ["ko"]
        assert set(pages["fb-hp-korea"].audiences) == {"nha-dau-tu", "du-khach"}
        by_page: dict[str, list[ContentItem]] = {}
        for item in s.exec(select(ContentItem).order_by(col(ContentItem.id))):
            by_page.setdefault(
                next(c for c in pages.values() if c.id == item.channel_ids[0]).code, []
            ).append(item)
        assert {code: len(rows) for code, rows in by_page.items()} == {
            "fb-hp-international": 2,
            "fb-hp-korea": 2,
        }
        for item in by_page["fb-hp-korea"]:
            lead = item.caption.splitlines()[0]
            assert item.language == "ko" and HANGUL.search(lead), item.caption
            assert not item.hold_reasons, item.hold_reasons
        for item in by_page["fb-hp-international"]:
            assert item.language == "en" and not HANGUL.search(item.caption), item.caption
        for item in [*by_page["fb-hp-korea"], *by_page["fb-hp-international"]]:
            assert item.media_path and _media(item.media_path).is_file()

        # each Korean text written by the translator, reviewed by another who reads Korean
        reviews = s.exec(select(AuditEvent).where(AuditEvent.action == "translation.review"))
        assert {e.actor for e in reviews} == {"hoa.pham"}
        edits = list(s.exec(select(AuditEvent).where(AuditEvent.action == "translation.edit")))
        assert len(edits) == korean["texts"] and {e.actor for e in edits} == {"trang.dinh"}
        langs = list(s.exec(select(AuditEvent).where(AuditEvent.action == "user.languages")))
        assert {e.actor for e in langs} == {"quan.tri"}
        reviewed = s.exec(
            select(Translation).where(Translation.lang == "ko", Translation.status == "reviewed")
        ).all()
        assert len(reviewed) == korean["texts"]

    cards = {c["lang"]: c for c in demo.cards_by_language(database_url=db_url)}
    assert {lang: c["cards"] for lang, c in cards.items()} == {"en": 2, "ko": 2}
    lines = demo.language_lines(done, list(cards.values()))
    assert any("ko: " in line and "reviewed by hoa.pham" in line for line in lines)

    # the demo run again on its database: nothing written twice
    again = demo.load_translations(demo.TRANSLATIONS[0], database_url=db_url)
    assert again["reviewed"] == 0


def _media(stored: str) -> Path:
    from phuxanh.media import stored as media

    found = media.resolve(stored)
    assert found is not None
    return found


def test_a_translation_file_naming_no_catalog_text_is_refused(
    db_url: str, sandbox: SandboxServer, tmp_path: Path
) -> None:
    jobs.load_catalog(db_url)
    demo.setup_international(
        sandbox_url=sandbox.public_url, database_url=db_url, translation_files=[]
    )
    bad = tmp_path / "translations-ko.yaml"
    text = demo.TRANSLATIONS[0].read_text(encoding="utf-8")
    bad.write_text(text.replace("ref: hp-nq-45,", "ref: hp-nq-46,"), encoding="utf-8")
    with pytest.raises(ValidationFailed) as refused:
        demo.load_translations(bad, database_url=db_url)
    (problem,) = refused.value.problems
    line = next(i for i, ln in enumerate(bad.read_text().splitlines(), 1) if "hp-nq-46" in ln)
    assert problem.startswith(f"{bad}:{line}: texts[")
    assert "no fact 'hp-nq-46' in the themes hai-phong-cang-xanh, doi-ngoai-apec-2027" in problem
