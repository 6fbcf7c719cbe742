"""Cards in Chinese, Korean and Japanese: fonts by language, line breaking, glyphs, OCR.

The fonts are Debian's fonts-noto-cjk (assets/fonts/languages.yaml; `./run` installs it),
the OCR models Debian's tesseract-ocr-chi-sim, -kor and -jpn. Without them the tests that
need them are skipped, unless PHUXANH_REQUIRE_MEDIA_TOOLS=1 (CI), where that is a failure.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import unicodedata
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageFont, ImageOps

from phuxanh.core.errors import ConfigError
from phuxanh.media.cards import Brand, load_brand, source_line
from phuxanh.media.inputs import CardValues, load_values
from phuxanh.media.linebreak import NO_END, NO_START, join, pieces
from phuxanh.media.render import compose, display, font_path, render_card
from phuxanh.media.templates import list_templates, load_template
from phuxanh.media.text import Face, TextFitError, fit_text, wrap
from tests.test_ocr import distance

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
SAMPLES = ROOT / "content" / "samples"
BRAND = load_brand(ASSETS, "ttdn-haiphong")
TEXT_BOX = (84, 460, 84 + 912, 460 + 600)  # the fact-text template's text box

TEXTS = {
    "zh": (
        "越南将于2027年主办亚太经合组织会议。作为越南北部重要的港口城市，"
        "海防市正在积极改善投资环境，欢迎各国企业前来合作发展。"
    ),
    "ko": (  # APEC spelt out: tesseract's kor model misreads Latin letters among Hangul
        "베트남은 2027년 아시아태평양경제협력체 정상회의를 개최합니다. 베트남 북부의 주요 "
        "항구 도시인 하이퐁시는 투자 환경을 적극적으로 개선하고 있으며 한국 기업과의 협력을 "
        "환영합니다."
    ),
    "ja": (
        "ベトナムは2027年にAPEC会議を主催します。ベトナム北部の主要な港湾都市である"
        "ハイフォン市は、投資環境の改善に積極的に取り組み、日本企業との協力を歓迎します。"
    ),
}
TITLES = {
    "zh": "海防：绿色港口城市",
    "ko": "하이퐁: 친환경 항구 도시",
    "ja": "ハイフォン：緑の港湾都市",
}
TESSERACT_MODEL = {"zh": "chi_sim", "ko": "kor", "ja": "jpn"}


def cjk_fonts() -> None:
    """Skip (or, when media tools are required, fail) without Debian's fonts-noto-cjk."""
    try:
        font_path(BRAND, "body", "zh")
    except ConfigError as exc:
        if os.environ.get("PHUXANH_REQUIRE_MEDIA_TOOLS") == "1":
            pytest.fail(f"CJK fonts are required: {exc}")
        pytest.skip(f"CJK fonts not installed: {exc}")


def face(lang: str, role: str = "body") -> Face:
    cjk_fonts()
    return font_path(BRAND, role, lang)


def card(lang: str, text: str | None = None) -> bytes:
    cjk_fonts()
    spec = load_template(ASSETS, "fact-text")
    values = CardValues(
        {
            "title": TITLES[lang],
            "text": text or TEXTS[lang],
            "source": source_line(title="Thử nghiệm", number=None, url=None, lang=lang),
        }
    )
    return render_card(spec, values, BRAND, lang=lang)


# --- line breaking -------------------------------------------------------------------------


def test_chinese_breaks_between_characters_but_keeps_latin_runs_whole() -> None:
    parts = [p.text for p in pieces("海防将承办APEC 2027会议。", "zh")]
    assert parts == ["海", "防", "将", "承", "办", "APEC", "2027", "会", "议。"]


def test_kinsoku_no_closing_mark_starts_a_line() -> None:
    font = ImageFont.truetype(str(face("zh").path), 40, index=face("zh").index)
    # Five 40-px characters fit a 200-px line; a plain break would start line 2 with 。
    assert wrap("一二三四五。六七", font, 200, "zh") == ["一二三四", "五。六七"]
    assert wrap("一二三四五，六七", font, 200, "zh") == ["一二三四", "五，六七"]
    assert wrap("一二三四五）六七", font, 200, "zh") == ["一二三四", "五）六七"]


def test_kinsoku_no_opening_bracket_ends_a_line() -> None:
    font = ImageFont.truetype(str(face("ja").path), 40, index=face("ja").index)
    assert wrap("一二三四「五六」七", font, 200, "ja") == ["一二三四", "「五六」七"]
    assert wrap("一二三四《五六》七", font, 200, "ja") == ["一二三四", "《五六》七"]


def test_kinsoku_prolonged_sound_mark_and_small_kana_stay_with_the_kana_before() -> None:
    font = ImageFont.truetype(str(face("ja").path), 40, index=face("ja").index)
    assert wrap("アイウエオーカ", font, 200, "ja") == ["アイウエ", "オーカ"]
    assert wrap("アイウエショカ", font, 200, "ja") == ["アイウエ", "ショカ"]


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_every_line_of_a_long_text_obeys_kinsoku_and_keeps_every_character(lang: str) -> None:
    font = ImageFont.truetype(str(face(lang).path), 36, index=face(lang).index)
    text = TEXTS[lang] * 2
    for width in range(180, 700, 37):
        lines = wrap(text, font, width, lang)
        assert lines is not None
        assert "".join(lines) == text  # nothing lost, nothing added
        assert all(font.getlength(line) <= width for line in lines)
        assert not any(line[0] in NO_START for line in lines[1:]), lines
        assert not any(line[-1] in NO_END for line in lines[:-1]), lines


def test_korean_breaks_only_between_words() -> None:
    font = ImageFont.truetype(str(face("ko").path), 36, index=face("ko").index)
    words = TEXTS["ko"].split()
    for width in range(420, 900, 53):  # 아시아태평양경제협력체 needs about 400 px
        lines = wrap(TEXTS["ko"], font, width, "ko")
        assert lines is not None
        assert " ".join(lines) == TEXTS["ko"]
        assert all(w in words for line in lines for w in line.split())
    # A word wider than the box is refused, never cut in two.
    assert wrap("대한민국 국제협력단파견사업", font, 200, "ko") is None


def test_vietnamese_and_english_lines_still_break_at_spaces() -> None:
    assert pieces("Hải Phòng  sẵn sàng", "vi") == pieces("Hải Phòng sẵn sàng", "en")
    assert join(pieces("Hải Phòng  sẵn sàng", "vi")) == "Hải Phòng sẵn sàng"


# --- fonts and glyphs ------------------------------------------------------------------------


def test_each_language_gets_its_own_font_from_the_data() -> None:
    families = {lang: face(lang, "heading").family for lang in ("zh", "ko", "ja")}
    assert families == {
        "zh": "Noto Sans CJK SC",
        "ko": "Noto Sans CJK KR",
        "ja": "Noto Sans CJK JP",
    }
    assert font_path(BRAND, "heading", "vi") == Face(BRAND.fonts["heading"])


@pytest.mark.parametrize("lang", ["zh", "ko", "ja"])
def test_a_card_in_each_language_passes_the_glyph_check(lang: str) -> None:
    img = Image.open(BytesIO(card(lang)))
    assert img.size == (1080, 1350)


def test_a_glyph_the_chosen_font_lacks_is_refused_naming_it_and_the_language() -> None:
    # U+30000 is a CJK ideograph (Extension G) that Noto Sans CJK does not draw.
    with pytest.raises(TextFitError) as refused:
        card("zh", "海防港\U00030000")
    assert str(refused.value) == (
        "text (zh): font NotoSansCJK-Bold.ttc (Noto Sans CJK SC) has no glyph for "
        "'\U00030000' U+30000"
    )
    with pytest.raises(TextFitError, match=r"^title \(ko\): .*U\+0E01"):
        fit_text(
            "하이퐁 ก", face("ko"), field="title", lang="ko",
            width=900, height=400, max_size=40, min_size=20, max_lines=3,
        )  # fmt: skip


def test_cjk_text_in_the_kits_latin_font_is_refused_not_drawn_in_another() -> None:
    latin: Brand = dataclasses.replace(BRAND, lang_fonts={}, sha256="latin fonts only")
    spec = load_template(ASSETS, "fact-text")
    values = CardValues({"title": "Hải Phòng", "text": TEXTS["zh"], "source": "Nguồn: x"})
    with pytest.raises(
        TextFitError, match=r"^text \(zh\): font BeVietnamPro-\w+\.ttf has no glyph"
    ):
        render_card(spec, values, latin, lang="zh")


def test_a_missing_font_file_names_the_language_and_the_package(tmp_path: Path) -> None:
    kit = dataclasses.replace(
        BRAND, lang_fonts={"ko": {"body": "NoSuchFont.ttc#Noto Sans CJK KR"}}, font_dirs=(tmp_path,)
    )
    with pytest.raises(ConfigError, match=r"fonts for ko \(body\): NoSuchFont.ttc is in none of"):
        font_path(kit, "body", "ko")


def test_a_brand_kit_without_a_footer_in_the_language_is_an_error() -> None:
    kit = dataclasses.replace(BRAND, footer={"vi": "x", "en": "y"}, sha256="no ja footer")
    spec = load_template(ASSETS, "quote")
    values = load_values(spec, SAMPLES / "quote.yaml", langs={"ja"})
    with pytest.raises(
        ConfigError, match=r"ttdn-haiphong.yaml: footer.ja: the brand kit has no ja"
    ):
        compose(spec, values, kit, lang="ja")


def test_dates_are_written_the_way_each_language_writes_them() -> None:
    assert display("2027-11-05", "zh") == "2027年11月5日"
    assert display("2027-11-05", "ja") == "2027年11月5日"
    assert display("2027-11-05", "ko") == "2027년 11월 5일"
    assert display("2027-11-05", "vi") == "05/11/2027"


@pytest.mark.parametrize("lang", ["zh", "ko", "ja"])
def test_every_template_sample_renders_in_the_language(lang: str) -> None:
    cjk_fonts()
    for spec in list_templates(ASSETS):
        if spec.kind != "card" or spec.id in ("bilingual", "clarification"):
            continue  # bilingual is vi+en by design; clarification has no CJK sample yet
        values = load_values(spec, SAMPLES / f"{spec.id}.yaml", langs={lang})
        extra = {"days_left": 30} if spec.countdown else None
        assert compose(spec, values, BRAND, lang=lang, extra=extra).size == spec.wh


# --- OCR -----------------------------------------------------------------------------------


def tesseract(model: str) -> str:
    found = shutil.which("tesseract")
    langs = (
        subprocess.run([found, "--list-langs"], capture_output=True, text=True, check=False).stdout
        if found
        else ""
    )
    if not found or model not in langs.split():
        package = "tesseract-ocr-" + model.replace("_", "-")
        if os.environ.get("PHUXANH_REQUIRE_MEDIA_TOOLS") == "1":
            pytest.fail(f"tesseract with the {model} model is required (apt-get install {package})")
        pytest.skip(f"{package} not installed (CI installs it)")
    assert found is not None
    return found


def ocr(png: bytes, lang: str, tmp_path: Path) -> str:
    exe = tesseract(TESSERACT_MODEL[lang])
    crop = Image.open(BytesIO(png)).convert("L").crop(TEXT_BOX)
    path = tmp_path / f"text-{lang}.png"
    ImageOps.invert(crop).save(path)  # dark text on light, as tesseract prefers
    done = subprocess.run(
        [exe, str(path), "stdout", "-l", TESSERACT_MODEL[lang], "--psm", "6"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout


def comparable(text: str, lang: str) -> str:
    """NFKC (tesseract reads full-width signs as ASCII ones), spaces collapsed; none at all in
    Chinese and Japanese, where tesseract puts spaces between characters that have none."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(text.split()) if lang in ("zh", "ja") else " ".join(text.split())


def accuracy(read: str, want: str, lang: str) -> float:
    read, want = comparable(read, lang), comparable(want, lang)
    return 1 - distance(read, want) / len(want)


@pytest.mark.parametrize("lang", ["zh", "ko", "ja"])
def test_cjk_card_reads_back(lang: str, tmp_path: Path) -> None:
    read = ocr(card(lang), lang, tmp_path)
    score = accuracy(read, TEXTS[lang], lang)
    assert score >= 0.90, f"{lang}: character accuracy {score:.3f}: {read!r}"
    other = "ko" if lang != "ko" else "zh"
    assert accuracy(read, TEXTS[other], lang) < 0.5  # the measure tells texts apart
