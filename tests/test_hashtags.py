"""Hashtags per language (issue 18): a channel gets the hashtags of the languages it reads,
in its order, and the theme's shared ones that suit it: an English channel never a
Vietnamese tag (written with marks or without: #BauCu2026), a Korean channel Korean tags
only where the theme has some, and a bilingual channel both, within the platform's number."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.catalog import translations
from phuxanh.catalog.languages import vietnamese
from phuxanh.compose.captions import HASHTAGS, for_channel
from phuxanh.models import ContentItem, Theme
from tests.test_languages import ELECTION_WEEK, _campaign_file, _channel, _prepare, _setup

TAG = re.compile(r"(?<!\w)#\w+")
KOREAN = {
    ("title", "hai-phong-cang-xanh"): "하이퐁 - 친환경적이고 문명화된 현대적인 항구 도시",
    ("fact", "hp-nq-45"): "정치국 결의 45-NQ/TW는 2030년까지 하이퐁을 친환경적이고 문명화된 "
    "현대적인 항구 도시로 건설하는 목표를 정하고 2045년까지의 비전을 제시한다.",
}


def korean_reviewed(db_url: str) -> None:
    """The green-port theme's title and its 45-NQ/TW fact in Korean, written by one person
    and reviewed by another who reads Korean (the domain's own steps, audited)."""
    with Session(jobs.engine(db_url)) as s:
        drafted = translations.draft_missing(s, lang="ko", theme="hai-phong-cang-xanh")
        for person in ("lan.nguyen", "kim.park"):
            translations.set_languages(s, username=person, langs=["ko", "en"], actor="an.admin")
        for row in drafted.made:
            text = KOREAN.get((row.kind, row.ref))
            if text is None:
                continue
            translations.set_text(s, translation_id=row.id or 0, text=text, actor="lan.nguyen")
            translations.review(s, translation_id=row.id or 0, actor="kim.park")
        s.commit()


def _tags(caption: str) -> list[str]:
    return TAG.findall(caption)


def _themes(db_url: str) -> dict[int, Theme]:
    with Session(jobs.engine(db_url)) as s:
        return {t.id or 0: t for t in s.exec(select(Theme))}


# --- the choice itself ------------------------------------------------------------------

SHARED = ["#HaiPhong", "#APEC2027"]
OWN = {
    "vi": ["#BauCu2026", "#NgayHoiToanDan", "#QuocHoiKhoaXVI"],
    "en": ["#VietnamElection2026", "#NationalAssembly"],
    "ko": ["#베트남총선"],
}


def test_each_language_its_own_then_the_shared_in_the_channels_order() -> None:
    assert for_channel(SHARED, OWN, ["en"], "facebook") == [
        "#VietnamElection2026",
        "#NationalAssembly",
        "#HaiPhong",
        "#APEC2027",
    ]
    # both languages, the channel's first first, whatever the file's order
    assert for_channel(SHARED, OWN, ["en", "vi"], "instagram") == [
        "#VietnamElection2026",
        "#NationalAssembly",
        "#BauCu2026",
        "#NgayHoiToanDan",
        "#HaiPhong",
    ]
    assert for_channel(SHARED, OWN, ["vi", "en"], "facebook") == [
        "#BauCu2026",
        "#NgayHoiToanDan",
        "#VietnamElection2026",
        "#HaiPhong",
    ]
    # where two fit, one of each language: never the first language's alone
    assert for_channel(SHARED, OWN, ["vi", "en"], "x") == ["#BauCu2026", "#VietnamElection2026"]
    assert len(for_channel(SHARED, OWN, ["vi", "en", "ko"], "x")) == HASHTAGS["x"]
    assert for_channel(SHARED, OWN, ["vi", "en"], "zalo") == []
    # Korean tags where the theme has some, else only the shared names
    assert for_channel(SHARED, OWN, ["ko"], "facebook") == ["#베트남총선", "#HaiPhong", "#APEC2027"]
    assert for_channel(SHARED, {"vi": OWN["vi"]}, ["ko"], "facebook") == SHARED


def test_a_tag_a_channel_cannot_read_stays_out() -> None:
    # a shared tag written with Vietnamese marks goes only where Vietnamese is read
    shared = ["#HảiPhòng", "#HaiPhong"]
    assert for_channel(shared, {}, ["en"], "facebook") == ["#HaiPhong"]
    assert for_channel(shared, {}, ["en", "vi"], "facebook") == shared
    # a tag listed under another language but written in Vietnamese never passes for it
    assert for_channel([], {"en": ["#BầuCử", "#Vote"]}, ["en"], "facebook") == ["#Vote"]
    # the same tag twice (in any case) once, where it comes first
    twice = for_channel(["#haiphong", "#VietNam"], {"en": ["#HaiPhong"]}, ["en"], "facebook")
    assert twice == ["#HaiPhong", "#VietNam"]


def test_the_shipped_themes_keep_vietnamese_tags_to_vietnamese() -> None:
    from phuxanh.catalog.themes import check_catalog
    from phuxanh.core.settings import ROOT

    themes = check_catalog(ROOT / "content").themes
    assert len(themes) >= 5
    for theme in themes:
        vi = theme.hashtags_by_language.get("vi", [])
        assert vi and theme.hashtags, theme.code
        # what every channel gets is no Vietnamese word, with marks or without
        assert not set(vi) & set(theme.hashtags), theme.code
        for code, tags in theme.hashtags_by_language.items():
            if code != "vi":
                assert not any(vietnamese(t) or t in vi for t in tags), (theme.code, code)
    bau_cu = next(t for t in themes if t.code == "bau-cu-2026")
    assert "#BauCu2026" in bau_cu.hashtags_by_language["vi"]
    assert "#BauCu2026" not in bau_cu.hashtags


# --- composed for real ------------------------------------------------------------------


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_english_vietnamese_and_korean_channels_get_their_own(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PHUXANH_ASSISTANT_URL", raising=False)
    channels = [
        _channel("fb-en", "facebook", "en", '"08:00-09:00"'),
        _channel("fb-vi-en", "facebook", "vi, en", '"10:00-11:00"'),
    ]
    quotas = {"bau-cu-2026": 3, "dai-hoi-xiv": 2, "hai-phong-cang-xanh": 2}
    _setup(db_url, _campaign_file(tmp_path, channels, quotas), ELECTION_WEEK, 4)
    themes = _themes(db_url)
    vi_tags = {t for theme in themes.values() for t in theme.lang_hashtags.get("vi", [])}
    assert "#BauCu2026" in vi_tags

    english = [i for i in _prepare(db_url, "fb-en") if isinstance(i, ContentItem)]
    assert len(english) >= 3, english
    for item in english:
        theme = themes[item.theme_id or 0]
        tags = _tags(item.caption)
        assert tags and not set(tags) & vi_tags, item.caption
        assert tags[0] in theme.lang_hashtags["en"], item.caption  # its own language's first
        assert set(tags) <= {*theme.lang_hashtags["en"], *theme.hashtags}, item.caption
    assert {themes[i.theme_id or 0].code for i in english} >= {"bau-cu-2026"}

    both = [i for i in _prepare(db_url, "fb-vi-en") if isinstance(i, ContentItem)]
    assert both, both
    for item in both:
        theme = themes[item.theme_id or 0]
        tags = _tags(item.caption)
        vi = [i for i, t in enumerate(tags) if t in theme.lang_hashtags["vi"]]
        en = [i for i, t in enumerate(tags) if t in theme.lang_hashtags["en"]]
        assert vi and en and max(vi) < min(en), item.caption  # both, Vietnamese first
        assert len(tags) <= HASHTAGS["facebook"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_korean_channel_gets_korean_tags_only_where_the_theme_has_some(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PHUXANH_ASSISTANT_URL", raising=False)
    channels = [_channel("fb-ko", "facebook", "ko", '"12:00-13:00"')]
    _setup(db_url, _campaign_file(tmp_path, channels, {"hai-phong-cang-xanh": 3}), ELECTION_WEEK, 3)
    themes = _themes(db_url)
    # Korean content only from reviewed translations; Korean tags only where the theme has
    korean_reviewed(db_url)
    korean = [i for i in _prepare(db_url, "fb-ko") if isinstance(i, ContentItem)]
    assert korean, _prepare(db_url, "fb-ko")
    for item in korean:
        theme = themes[item.theme_id or 0]
        assert theme.code == "hai-phong-cang-xanh" and item.language == "ko"
        assert _tags(item.caption) == ["#하이퐁", *theme.hashtags], item.caption
        assert not vietnamese(item.caption)
    with Session(jobs.engine(db_url)) as s:  # the theme without its Korean tags
        row = s.exec(select(Theme).where(Theme.code == "hai-phong-cang-xanh")).one()
        row.lang_hashtags = {k: v for k, v in row.lang_hashtags.items() if k != "ko"}
        s.add(row)
        s.commit()
        shared = list(row.hashtags)
    for item in [i for i in _prepare(db_url, "fb-ko") if isinstance(i, ContentItem)]:
        assert _tags(item.caption) == shared, item.caption  # no English or Vietnamese instead


def test_a_week_composed_for_vietnamese_still_carries_the_campaigns_tags(
    db_url: str, tmp_path: Path
) -> None:
    """The shipped demo is Vietnamese-only: its posts keep their Vietnamese tags."""
    channels = [_channel("fb-vi", "facebook", "vi", '"08:00-09:00"')]
    _setup(db_url, _campaign_file(tmp_path, channels, {"bau-cu-2026": 2}), dt.date(2026, 3, 9), 2)
    made = [i for i in _prepare(db_url, "fb-vi") if isinstance(i, ContentItem)]
    assert made
    for item in made:
        assert _tags(item.caption) == [
            "#BauCu2026",
            "#NgayHoiToanDan",
            "#QuocHoiKhoaXVI",
            "#HaiPhong",
        ], item.caption
