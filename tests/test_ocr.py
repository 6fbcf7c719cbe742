"""Vietnamese text on cards reads back with tesseract's `vie` model.

A card that keeps every tone mark and ă â đ ê ô ơ ư reads back at >= 90% character
accuracy; the same card with its diacritics lost falls below 85%, so the check can fail.
CI installs Debian's tesseract-ocr-vie; elsewhere the test is skipped unless
PHUXANH_REQUIRE_MEDIA_TOOLS=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from phuxanh.media.cards import load_brand
from phuxanh.media.inputs import CardValues
from phuxanh.media.render import render_card
from phuxanh.media.templates import load_template

ROOT = Path(__file__).resolve().parent.parent
TEXT = (
    "Người dân Hải Phòng hăng hái đi bầu cử, ủng hộ những ứng cử viên đủ đức, đủ tài; "
    "phố cảng xanh, sạch, đẹp; cờ hoa rực rỡ khắp nẻo đường; ông bà, cha mẹ, "
    "các cháu đều vui mừng đón ngày hội lớn."
)
TEXT_BOX = (84, 460, 84 + 912, 460 + 600)  # the fact-text template's text box


def tesseract() -> str:
    found = shutil.which("tesseract")
    langs = (
        subprocess.run([found, "--list-langs"], capture_output=True, text=True, check=False).stdout
        if found
        else ""
    )
    if not found or "vie" not in langs.split():
        if os.environ.get("PHUXANH_REQUIRE_MEDIA_TOOLS") == "1":
            pytest.fail(
                "tesseract with the vie model is required (apt-get install tesseract-ocr-vie)"
            )
        pytest.skip("tesseract-ocr-vie not installed (CI installs it)")
    assert found is not None
    return found


def distance(a: str, b: str) -> int:
    """Levenshtein distance over characters."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def accuracy(read: str, want: str) -> float:
    read = " ".join(unicodedata.normalize("NFC", read).split())
    return 1 - distance(read, want) / len(want)


def strip_marks(text: str) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return bare.replace("đ", "d").replace("Đ", "D")


def ocr_card(text: str, tmp_path: Path) -> str:
    exe = tesseract()
    spec = load_template(ROOT / "assets", "fact-text")
    values = CardValues({"title": "Bầu cử 2026", "text": text, "source": "Nguồn: thử nghiệm"})
    png = render_card(spec, values, load_brand(ROOT / "assets", "ttdn-haiphong"), lang="vi")
    crop = Image.open(BytesIO(png)).convert("L").crop(TEXT_BOX)
    path = tmp_path / "text.png"
    ImageOps.invert(crop).save(path)  # dark text on light, as tesseract prefers
    done = subprocess.run(
        [exe, str(path), "stdout", "-l", "vie", "--psm", "6"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout


def test_vietnamese_card_reads_back(tmp_path: Path) -> None:
    score = accuracy(ocr_card(TEXT, tmp_path), TEXT)
    assert score >= 0.90, f"character accuracy {score:.3f}"


def test_a_card_that_lost_its_diacritics_fails_the_same_check(tmp_path: Path) -> None:
    score = accuracy(ocr_card(strip_marks(TEXT), tmp_path), TEXT)
    assert score < 0.85, f"character accuracy {score:.3f}"
