"""Cards: same inputs give the same bytes; NFC; no tofu; overflow is an error, never a cut."""

from __future__ import annotations

import unicodedata
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from phuxanh.media.cards import CardInput, load_brand, render_fact_card
from phuxanh.media.text import TextFitError, fit_text

ROOT = Path(__file__).resolve().parent.parent
BRAND = load_brand(ROOT / "assets", "ttdn-haiphong")
FONT = ROOT / "assets" / "fonts" / "BeVietnamPro-Medium.ttf"
CARD = CardInput(
    theme_title="Bầu cử đại biểu Quốc hội khóa XVI",
    figure="15/3/2026",
    unit="Ngày bầu cử",
    text="Ngày hội của toàn dân: mỗi cử tri đi bầu cử.",
    source="Nguồn: Luật Bầu cử (85/2015/QH13)",
)


def test_same_inputs_same_bytes_and_right_size() -> None:
    first, second = render_fact_card(CARD, BRAND), render_fact_card(CARD, BRAND)
    assert first == second
    assert Image.open(BytesIO(first)).size == (1080, 1350)


def test_decomposed_text_renders_as_composed() -> None:
    nfd = CardInput(**{**CARD.__dict__, "text": unicodedata.normalize("NFD", CARD.text)})
    assert render_fact_card(nfd, BRAND) == render_fact_card(CARD, BRAND)


def test_a_different_fact_gives_a_different_card() -> None:
    other = CardInput(**{**CARD.__dict__, "figure": "16/3/2026"})
    assert render_fact_card(other, BRAND) != render_fact_card(CARD, BRAND)


def test_missing_glyph_is_refused_by_name() -> None:
    with pytest.raises(
        TextFitError, match=r"text: font BeVietnamPro-Medium.ttf has no glyph .*U\+4E2D"
    ):
        fit_text(
            "Hải Phòng 中",
            FONT,
            field="text",
            width=900,
            height=400,
            max_size=40,
            min_size=20,
            max_lines=4,
        )


def test_overflow_names_field_and_size() -> None:
    with pytest.raises(TextFitError, match=r"^text: text too long for its box even at 30 px"):
        render_fact_card(
            CardInput(**{**CARD.__dict__, "text": "Hải Phòng năng động " * 120}), BRAND
        )


def test_wrapping_keeps_every_word() -> None:
    text = "Thành phố cảng xanh, văn minh, hiện đại - Năng động, Nghĩa tình"
    fitted = fit_text(
        text, FONT, field="t", width=400, height=600, max_size=40, min_size=20, max_lines=6
    )
    assert len(fitted.lines) > 1
    assert " ".join(fitted.lines) == text
