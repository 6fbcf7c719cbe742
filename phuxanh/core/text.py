"""Vietnamese text without its marks, for matching and for slugs: one rule everywhere.

`fold("Hải Phòng, ĐẢNG")` is `"Hai Phong, DANG"`: every combining mark (tones, the breve,
circumflex and horn) is dropped after NFD, and đ/Đ, which Unicode does not decompose,
become d/D. Case is the caller's choice (`.lower()`, `.upper()`, `.casefold()`)."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """`text` without diacritics, đ → d and Đ → D; case and everything else kept."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
