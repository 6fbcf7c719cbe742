"""Where a line of card text may break, per language.

Vietnamese, English and Korean break at spaces only: Korean puts spaces between words
(띄어쓰기), and a Korean word is never split (the `word-break: keep-all` convention of
Korean typesetting). Chinese and Japanese have no spaces: a line may break between any two
ideographs or kana, but never inside a run of Latin letters or digits ("APEC", "2027"), and
never against the kinsoku rules (禁則処理 / 避头尾):

- no line starts with a closing bracket, a comma or full stop, ! ? : ; a middle dot, an
  iteration mark, the prolonged sound mark ー or a small kana;
- no line ends with an opening bracket.

The tables below are the classes of W3C "Requirements for Japanese Text Layout" (JLREQ,
Appendix A: cl-01 opening brackets, cl-02 closing brackets, cl-03 hyphens, cl-04 dividing
punctuation, cl-05 middle dots, cl-06 full stops, cl-07 commas, cl-09 iteration marks,
cl-10 prolonged sound mark, cl-11 small kana; JIS X 4051 §6.1), which W3C "Requirements for
Chinese Text Layout" (CLREQ §3.1.7, 避头尾) applies to Chinese with the same punctuation.
"""

from __future__ import annotations

from dataclasses import dataclass

# JLREQ cl-01 (opening brackets): never at the end of a line.
NO_END = frozenset("（〔［｛〈《「『【〘〖〝｟«‘“([{")

# JLREQ cl-02 closing brackets, cl-03 hyphens, cl-04 dividing punctuation, cl-05 middle
# dots, cl-06 full stops, cl-07 commas, cl-09 iteration marks, cl-10 prolonged sound mark,
# cl-11 small kana; plus the ellipsis, two-dot leader and unit signs CLREQ keeps off a
# line start: never at the start of a line.
NO_START = frozenset(
    "）〕］｝〉》」』】〙〗〟｠»’”)]}"  # cl-02
    "‐゠–〜～"  # cl-03
    "！？‼⁇⁈⁉!?"  # cl-04
    "・：；:;·"  # cl-05
    "。．."  # cl-06
    "、，,"  # cl-07
    "ヽヾゝゞ々〻"  # cl-09
    "ー"  # cl-10
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"  # cl-11
    "…‥%‰℃°％"
)

# Languages written without spaces between words, broken between characters.
CHARACTER_BREAKING = frozenset({"zh", "ja"})


def is_cjk_char(ch: str) -> bool:
    """An ideograph, kana or full-width sign: a line may break before and after it (other
    characters, Latin letters, digits and their punctuation, make unbreakable runs)."""
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x2FDF  # CJK radicals
        or 0x3000 <= cp <= 0x30FF  # CJK punctuation, hiragana, katakana
        or 0x3100 <= cp <= 0x312F  # bopomofo
        or 0x31C0 <= cp <= 0x31FF  # strokes, katakana phonetic extensions
        or 0x3200 <= cp <= 0x9FFF  # enclosed, compatibility, ext. A, unified ideographs
        or 0xF900 <= cp <= 0xFAFF  # compatibility ideographs
        or 0xFE30 <= cp <= 0xFE4F  # compatibility forms
        or 0xFF00 <= cp <= 0xFF60  # full-width forms
        or 0xFFE0 <= cp <= 0xFFE6
        or 0x20000 <= cp <= 0x3FFFF  # ideographs, supplementary planes
    )


@dataclass(frozen=True)
class Piece:
    """A run of text no line breaks inside; `space` when a space separates it from the
    piece before (kept within a line, dropped at a line break)."""

    text: str
    space: bool


def pieces(paragraph: str, lang: str) -> list[Piece]:
    """The paragraph cut where a line may break, in order; joining them (a space where
    `space`) gives the paragraph back with its spaces collapsed."""
    if lang not in CHARACTER_BREAKING:
        return [Piece(w, n > 0) for n, w in enumerate(paragraph.split())]
    out: list[Piece] = []
    space = False
    word = ""
    for ch in paragraph:
        if ch.isspace():
            if word:
                out.append(Piece(word, space and bool(out)))
                word = ""
            space = True
            continue
        if is_cjk_char(ch):
            if word:
                out.append(Piece(word, space and bool(out)))
                space, word = False, ""
            out.append(Piece(ch, space and bool(out)))
            space = False
        else:
            word += ch
    if word:
        out.append(Piece(word, space and bool(out)))
    return _kinsoku(out)


def _kinsoku(parts: list[Piece]) -> list[Piece]:
    """Glue what may not start a line to the piece before, and what may not end a line to
    the piece after."""
    glued: list[Piece] = []
    for p in parts:
        if glued and p.text[0] in NO_START:
            last = glued.pop()
            glued.append(Piece(last.text + (" " if p.space else "") + p.text, last.space))
        else:
            glued.append(p)
    out: list[Piece] = []
    carry: Piece | None = None
    for g in glued:
        p = (
            g
            if carry is None
            else Piece(carry.text + (" " if g.space else "") + g.text, carry.space)
        )
        carry = None
        if p.text[-1] in NO_END:
            carry = p
        else:
            out.append(p)
    if carry is not None:
        out.append(carry)
    return out


def join(parts: list[Piece]) -> str:
    """One line made of `parts` (the first piece's space is dropped: it starts the line)."""
    return "".join((" " if p.space and n else "") + p.text for n, p in enumerate(parts))
