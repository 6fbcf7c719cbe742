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


# the bidirectional embeddings, overrides and isolates: they reorder what a reader sees
# ("gnp.exe" shown as "exe.png"), and no official text needs them
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def control_char(text: str, *, allow: str = "\n\t") -> str | None:
    """The first control character in `text` that is not in `allow` (U+0000-U+001F,
    U+007F-U+009F: an escape sequence a terminal or a report would act on) or bidi control
    (U+202A-U+202E, U+2066-U+2069), else None."""
    return next(
        (
            c
            for c in text
            if (unicodedata.category(c) == "Cc" and c not in allow) or c in BIDI_CONTROLS
        ),
        None,
    )


def control_problem(text: str, field: str, *, allow: str = "\n\t") -> str | None:
    """`field: holds a control character (U+001B); write plain text`, or None."""
    bad = control_char(text, allow=allow)
    if bad is None:
        return None
    return f"{field}: holds a control character (U+{ord(bad):04X}); write plain text"
