"""Cards from templates: every template in vi and en against golden images, same bytes for
same inputs, NFC, no tofu, and overflow as an error naming the field, never a cut."""

from __future__ import annotations

import datetime as dt
import os
import time
import unicodedata
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from phuxanh.compose import studio
from phuxanh.core.errors import ValidationFailed
from phuxanh.media import inputs
from phuxanh.media.cards import load_brand
from phuxanh.media.inputs import CardValues, load_values
from phuxanh.media.render import render_card
from phuxanh.media.templates import list_templates, load_template
from phuxanh.media.text import TextFitError, fit_text

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
SAMPLES = ROOT / "content" / "samples"
GOLDEN = Path(__file__).parent / "golden"
BRAND = load_brand(ASSETS, "ttdn-haiphong")
FONT = ASSETS / "fonts" / "BeVietnamPro-Medium.ttf"
TODAY = dt.date(2026, 2, 13)
CARDS = [s.id for s in list_templates(ASSETS) if s.kind == "card"]
GOLDEN_WIDTH = 360  # goldens are kept at a third of full size: small in git, still telling


def sample(template: str, lang: str, **changes: object) -> tuple[bytes, CardValues]:
    spec = load_template(ASSETS, template)
    values = load_values(spec, SAMPLES / f"{template}.yaml", langs=studio.needed_langs(spec, lang))
    values.values.update(changes)
    extra = inputs.computed(spec, values, TODAY)
    return render_card(spec, values, BRAND, lang=lang, extra=extra), values


def small(png: bytes) -> np.ndarray:
    img = Image.open(BytesIO(png)).convert("RGB")
    h = round(img.height * GOLDEN_WIDTH / img.width)
    return np.asarray(img.resize((GOLDEN_WIDTH, h), Image.Resampling.BOX), dtype=np.int16)


def test_there_are_at_least_six_card_templates_in_every_size() -> None:
    sizes = {load_template(ASSETS, t).wh for t in CARDS}
    assert len(CARDS) >= 6
    assert {(1080, 1350), (1080, 1080), (1200, 630), (1080, 1920)} <= sizes


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("template", CARDS)
def test_card_matches_its_golden_image(template: str, lang: str) -> None:
    png, _ = sample(template, lang)
    assert Image.open(BytesIO(png)).size == load_template(ASSETS, template).wh
    golden = GOLDEN / f"{template}.{lang}.png"
    if os.environ.get("PHUXANH_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        Image.fromarray(small(png).astype(np.uint8)).save(golden, optimize=True)
    want = np.asarray(Image.open(golden).convert("RGB"), dtype=np.int16)
    diff = np.abs(small(png) - want)
    # Tolerance for font rasteriser and zlib differences across machines: the mean error
    # stays tiny and no more than 0.5% of pixels may differ visibly.
    assert diff.mean() < 1.0, f"{template}.{lang}: mean difference {diff.mean():.2f}"
    assert (diff.max(axis=2) > 40).mean() < 0.005


def test_golden_comparison_notices_a_changed_card() -> None:
    png, _ = sample("fact-number", "vi", figure="16/3/2026")
    want = np.asarray(Image.open(GOLDEN / "fact-number.vi.png").convert("RGB"), dtype=np.int16)
    diff = np.abs(small(png) - want)
    assert (diff.max(axis=2) > 40).mean() >= 0.005


def test_same_inputs_same_bytes_and_nfd_renders_as_nfc() -> None:
    first, values = sample("fact-number", "vi")
    assert sample("fact-number", "vi")[0] == first
    nfd = {k: unicodedata.normalize("NFD", v) for k, v in values.values["text"].items()}
    assert sample("fact-number", "vi", text=nfd)[0] == first


def test_countdown_counts_days_and_refuses_a_past_date() -> None:
    spec = load_template(ASSETS, "countdown")
    values = load_values(spec, SAMPLES / "countdown.yaml", langs={"vi"})
    assert inputs.computed(spec, values, TODAY) == {"days_left": 30}  # 13/2 -> 15/3/2026
    values.values.pop("as_of")
    assert inputs.computed(spec, values, dt.date(2026, 3, 8)) == {"days_left": 7}
    with pytest.raises(ValidationFailed, match="date: 15/03/2026 has already passed"):
        inputs.computed(spec, values, dt.date(2026, 3, 16))


def test_jpeg_output() -> None:
    spec = load_template(ASSETS, "quote")
    values = load_values(spec, SAMPLES / "quote.yaml", langs={"vi"})
    jpg = render_card(spec, values, BRAND, lang="vi", fmt="jpg")
    assert Image.open(BytesIO(jpg)).format == "JPEG"
    assert len(jpg) < 1024 * 1024  # Zalo's image cap


def test_missing_glyph_is_refused_by_name() -> None:
    refused = r"text: font BeVietnamPro-Medium.ttf has no glyph .*U\+4E2D"
    with pytest.raises(TextFitError, match=refused):
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
    text = {"vi": "Hải Phòng năng động " * 40, "en": "x"}
    with pytest.raises(TextFitError, match=r"^text: text too long for its box even at 30 px"):
        sample("fact-number", "vi", text=text)


def test_a_list_that_does_not_fit_is_an_error() -> None:
    long_point = "Một ý rất dài để kiểm tra việc xuống dòng của danh sách " * 4
    with pytest.raises(TextFitError, match=r"^points: "):
        sample("three-points", "vi", points=[long_point] * 4)


def test_wrapping_keeps_every_word() -> None:
    text = "Thành phố cảng xanh, văn minh, hiện đại - Năng động, Nghĩa tình"
    fitted = fit_text(
        text, FONT, field="t", width=400, height=600, max_size=40, min_size=20, max_lines=6
    )
    assert len(fitted.lines) > 1
    assert " ".join(fitted.lines) == text


# --- hostile inputs: images over the pixel limit, dates as text, brand codes -------------


def png_bomb(path: Path, width: int, height: int) -> Path:
    """A PNG whose header declares width × height with almost no body (a few hundred
    bytes): what a decompression bomb looks like before anything is decoded."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
    return path


def big_png(path: Path) -> Path:
    """A real, complete 9000 × 7000 PNG (63 Mpx, 1-bit: a few KB): Pillow alone opens and
    decodes it without a word, but it is over phuxanh's limit."""
    Image.new("1", (9000, 7000)).save(path)
    return path


@pytest.mark.parametrize(
    ("template", "field"), [("event", "photo"), ("short-points", "background")]
)
def test_a_photo_over_the_pixel_limit_is_refused_by_field_and_file(
    tmp_path: Path, template: str, field: str
) -> None:
    from phuxanh.media.images import MAX_PIXELS

    assert MAX_PIXELS == 60_000_000
    spec = load_template(ASSETS, template)
    base = {
        "event": "title: Hội nghị\ndate: 2026-04-18\ntime: '08:00'\nplace: Hải Phòng\n",
        "short-points": "title: Bầu cử\npoints: [Một ý.]\nsource: 'Nguồn: Luật'\n",
    }
    for image, said in (
        (png_bomb(tmp_path / "bomb.png", 20_000, 20_000), "more than 60 Mpx"),
        (big_png(tmp_path / "big.png"), "9000×7000 pixels (63 Mpx) is more than the 60 Mpx"),
    ):
        data = tmp_path / "data.yaml"
        data.write_text(base[template] + f"{field}: {image.name}\n", encoding="utf-8")
        started = time.monotonic()
        with pytest.raises(ValidationFailed) as err:
            load_values(spec, data, langs={"vi"})
        assert time.monotonic() - started < 1.0  # refused from the header, never decoded
        line = len(base[template].splitlines()) + 1
        (problem,) = err.value.problems
        assert problem.startswith(f"{data}:{line}: {field}: {image}: {said}"), problem
        assert problem.endswith("scale it down"), problem


def test_drawing_a_photo_goes_through_the_same_limit(tmp_path: Path) -> None:
    """A file swapped after its check is still refused when the card is drawn."""
    spec = load_template(ASSETS, "event")
    values = load_values(spec, SAMPLES / "event.yaml", langs={"vi"})
    values.values["photo"] = str(png_bomb(tmp_path / "swapped.png", 20_000, 20_000))
    with pytest.raises(ValidationFailed, match=r"^photo: .*swapped\.png: more than 60 Mpx"):
        render_card(spec, values, BRAND, lang="vi", extra={})


def _brand_kit(tmp_path: Path, **changes: str) -> Path:
    """A copy of assets/ (fonts linked) with brand kit `test` changed as given."""
    assets = tmp_path / "assets"
    (assets / "brands").mkdir(parents=True)
    (assets / "fonts").symlink_to(ASSETS / "fonts")
    text = (ASSETS / "brands" / "ttdn-haiphong.yaml").read_text(encoding="utf-8")
    text = text.replace("code: ttdn-haiphong", "code: test")
    for key, value in changes.items():
        text = "\n".join(
            f"{key}: {value}" if line.startswith(f"{key}:") else line for line in text.splitlines()
        )
    (assets / "brands" / "test.yaml").write_text(text, encoding="utf-8")
    return assets


def test_a_brand_logo_over_the_pixel_limit_is_refused(tmp_path: Path) -> None:
    assets = _brand_kit(tmp_path, logo="bomb.png")
    png_bomb(assets / "brands" / "bomb.png", 20_000, 20_000)
    kit = assets / "brands" / "test.yaml"
    with pytest.raises(ValidationFailed) as err:
        load_brand(assets, "test")
    assert err.value.problems == [
        f"{kit}:7: logo: {assets / 'brands' / 'bomb.png'}: more than 60 Mpx; scale it down"
    ]


def test_a_brand_is_a_plain_code_and_stays_inside_assets(tmp_path: Path) -> None:
    from phuxanh.core.errors import ConfigError

    for code in ("../../content/campaigns/demo", "/etc/passwd", "TTDN", ""):
        with pytest.raises(ConfigError, match=r"^brand kit .* is not a brand code"):
            load_brand(ASSETS, code)
    (tmp_path / "outside.png").write_bytes(
        (ASSETS / "brands" / "ttdn-haiphong-logo.png").read_bytes()
    )
    assets = _brand_kit(tmp_path, logo="../../outside.png")
    kit = assets / "brands" / "test.yaml"
    with pytest.raises(ValidationFailed) as err:
        load_brand(assets, "test")
    assert err.value.problems == [
        f"{kit}:7: logo: ../../outside.png is outside {assets / 'brands'}"
    ]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (dt.date(2026, 3, 15), "2026-03-15"),
        ("2026-03-15", "2026-03-15"),  # quoted in YAML, or any date in a JSON data file
        (" 2026-03-15 ", "2026-03-15"),
    ],
)
def test_a_date_field_takes_iso_dates_as_dates_or_text(given: object, expected: str) -> None:
    spec = load_template(ASSETS, "countdown")
    raw = {"event": "Bầu cử", "date": given, "source": "Nguồn: Luật"}
    values = inputs.check_values(
        spec, raw, langs={"vi"}, base_dir=SAMPLES, where=lambda name: "d.json:1"
    )
    assert values.values["date"] == expected


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("2026-02-30", "date: '2026-02-30' is not a date (day is out of range for month)"),
        ("15/03/2026", "date: expected a date (YYYY-MM-DD), got '15/03/2026'"),
        (20260315, "date: expected a date (YYYY-MM-DD), got int"),
        (dt.datetime(2026, 3, 15, 8), "date: expected a date (YYYY-MM-DD), got datetime"),
    ],
)
def test_a_date_field_says_what_is_wrong(given: object, said: str) -> None:
    spec = load_template(ASSETS, "countdown")
    raw = {"event": "Bầu cử", "date": given, "source": "Nguồn: Luật"}
    with pytest.raises(ValidationFailed) as err:
        inputs.check_values(
            spec, raw, langs={"vi"}, base_dir=SAMPLES, where=lambda name: "d.json:1"
        )
    assert err.value.problems == [f"d.json:1: {said}"]
