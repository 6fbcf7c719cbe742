"""Written Vietnamese made speakable: numbers, dates, times, percentages and units spelled
out as a announcer reads them, abbreviations expanded, links, hashtags and emoji dropped.

Numbers follow the northern reading (Hải Phòng's): "mốt" for a final 1 after a tens
digit of 2 or more (hai mươi mốt, but mười một), "tư" for a final 4 after it (hai mươi
tư, but mười bốn), "lăm" for a final 5 after any tens digit (mười lăm, hai mươi lăm, but
một trăm linh năm), "mười" for ten and "mươi" for the tens from twenty, "linh" for a zero
tens digit inside a number (một trăm linh một), "không trăm" for a zero hundreds digit
after a higher group (hai nghìn không trăm hai mươi sáu), and the groups "nghìn",
"triệu", "tỷ" (a group of three zeros is not read: 1.000.500 is "một triệu năm trăm").
Thousands are grouped with "." and decimals with "," (1.500.000; 12,5%).

What is not spelled out, on purpose: a document's symbol ("05-HD/ĐU", "30/2020/NĐ-CP"),
read as written, and a word of the text that merely looks like an abbreviation but is
not in the table (the table is data: content/radio/abbreviations.yaml).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
MONTHS = {1: "một", 4: "tư"}  # tháng tư; the rest read as numbers (tháng mười hai)


def _hundreds(n: int, inner: bool) -> str:
    """0 < n < 1000; `inner`: a group after a higher one, read in full ("không trăm linh")."""
    h, t, u = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if h or inner:
        words += [DIGITS[h], "trăm"]
    if t == 0:
        if u and words:
            words.append("linh")
        if u:
            words.append(DIGITS[u])
    elif t == 1:
        words.append("mười")
        if u:
            words.append("lăm" if u == 5 else DIGITS[u])
    else:
        words += [DIGITS[t], "mươi"]
        if u:
            words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(u, DIGITS[u]))
    return " ".join(words)


def _below_billion(n: int, inner: bool) -> str:
    words: list[str] = []
    for size, name in ((10**6, "triệu"), (10**3, "nghìn"), (1, "")):
        group = n // size % 1000
        if not group:
            continue  # a group of zeros is not read
        words.append(_hundreds(group, inner))
        if name:
            words.append(name)
        inner = True
    return " ".join(words)


def number_words(n: int) -> str:
    """An integer in words: 2026 → "hai nghìn không trăm hai mươi sáu"."""
    if n < 0:
        return "âm " + number_words(-n)
    if n == 0:
        return "không"
    if n >= 10**9:
        high, low = divmod(n, 10**9)
        head = number_words(high) + " tỷ"
        return f"{head} {_below_billion(low, True)}" if low else head
    return _below_billion(n, False)


def digits_words(text: str) -> str:
    """Digit by digit: a telephone number, a code ("0225" → "không hai hai năm")."""
    return " ".join(DIGITS[int(c)] for c in text if c.isdigit())


def decimal_words(text: str) -> str:
    """A number as written in Vietnamese: "1.500.000", "12,5", "0,05", "2026", "05" (and
    "12.5", a decimal point as English writes it)."""
    if "," not in text and not re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        text = text.replace(".", ",")  # 12.5: a decimal point, as English writes it
    whole, _, frac = text.partition(",")
    whole = whole.replace(".", "")
    if len(whole) > 1 and whole.startswith("0"):
        out = digits_words(whole)  # "05": a code, not five
    else:
        out = number_words(int(whole))
    if frac:
        zeros = len(frac) - len(frac.lstrip("0"))
        rest = frac[zeros:]
        tail = ["không"] * zeros
        if rest:
            tail.append(number_words(int(rest)) if len(rest) <= 3 else digits_words(rest))
        out += " phẩy " + " ".join(tail)
    return out


def month_words(month: int) -> str:
    return MONTHS.get(month, number_words(month))


def date_words(day: int | None, month: int | None, year: int | None) -> str:
    """ "ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi sáu" (any part may be
    missing: "tháng ba năm …", "ngày mười ba tháng năm")."""
    words = []
    if day is not None:
        words.append(f"ngày {number_words(day)}")
    if month is not None:
        words.append(f"tháng {month_words(month)}")
    if year is not None:
        words.append(f"năm {number_words(year)}")
    return " ".join(words)


def time_words(hour: int, minute: int) -> str:
    """8:00 → "tám giờ"; 8:30 → "tám giờ ba mươi phút"."""
    out = f"{number_words(hour)} giờ"
    return f"{out} {number_words(minute)} phút" if minute else out


# --- the text ---------------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\"“”]*[^\s<>()\"“”.,;:!?]", re.IGNORECASE)
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
# a document's symbol: a number joined by "/" to capitals (05-HD/ĐU, 85/2015/QH13)
_SYMBOL = re.compile(r"(?<![\w/])\d[\w.-]*/[\w./-]*[A-ZĐ][\w./-]*(?<![./-])")
_PHONE = re.compile(
    r"(?<![\d.,])0\d{2,3}(?:[ .-]\d{2,4}){1,3}(?!\d|[.,]\d)|(?<![\d.,])0\d{8,10}(?!\d)"
)
_DATE = re.compile(r"(?<![\d/.])(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?![\d/])")
_DAY_MONTH = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])")
_MONTH_YEAR = re.compile(r"(?<![\d/])(\d{1,2})/(\d{4})(?![\d/])")
_TIME = re.compile(r"(?<![\d:,.])([01]?\d|2[0-3])(?::([0-5]\d)|[hH]([0-5]\d)?)(?![\w:])")
_RANGE = re.compile(r"(?<=\d)\s*[-–—]\s*(?=\d)")
_WORD_DASH_NUMBER = re.compile(r"(?<=[^\W\d_])-(?=\d)")  # COVID-19
_ORDINAL = re.compile(r"(?<!\w)([Tt]hứ) (\d+)(?!\d|[.,]\d)")
_NUMBER = re.compile(
    r"(?<![\w,.])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?!\d|\.\d)|(?<![\w,.])\d+(?:[.,]\d+)?"
)
_ROMAN = re.compile(r"(?<!\w)(?=[XVI]{2})X{0,3}(?:IX|IV|V?I{0,3})(?!\w)")
_CONTEXT_ROMAN = re.compile(r"(?<!\w)([Qq]uý|[Kk]hóa|[Pp]hần|[Cc]hương|[Mm]ục) ([IVX])(?!\w)")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
_BULLET = re.compile(r"^[\s•▪◦●○■□►▶–—*+-]+(?=\S)", re.MULTILINE)
_SENTENCE_END = ".!?…:;"
_PH = "\ue000"  # a protected span's mark: PH + one private-use character for its index


def roman_value(text: str) -> int:
    total = 0
    for i, c in enumerate(text):
        v = _ROMAN_VALUES[c]
        nxt = _ROMAN_VALUES[text[i + 1]] if i + 1 < len(text) else 0
        total += -v if v < nxt else v
    return total


def _is_emoji(c: str) -> bool:
    cat = unicodedata.category(c)
    return (
        (cat == "So" and c not in "°©®№")
        or c in "\u200d\ufe0f\ufe0e\u20e3"
        or 0x1F3FB <= ord(c) <= 0x1F3FF  # skin tones
        or 0x1F1E6 <= ord(c) <= 0x1F1FF  # flags
        or 0xE0020 <= ord(c) <= 0xE007F  # tag sequences
    )


def _sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip(" \t")
    return not before or before[-1] in ".!?…\n"


def _capital(word: str) -> str:
    return word[:1].upper() + word[1:]


def _abbreviations(text: str, table: Mapping[str, str]) -> str:
    if not table:
        return text
    keys = sorted(table, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in keys) + r")(?![\w])")

    def expand(m: re.Match[str]) -> str:
        words = table[m.group(0)]
        return _capital(words) if _sentence_start(m.string, m.start()) else words

    return pattern.sub(expand, text)


def _units(text: str, units: Mapping[str, str]) -> str:
    """A unit written after a number: "25%" → "25 phần trăm", "5km" → "5 ki-lô-mét"."""
    if not units:
        return text
    keys = sorted(units, key=len, reverse=True)
    pattern = re.compile(r"(?<=\d)\s?(" + "|".join(re.escape(k) for k in keys) + r")(?![^\W\d_])")
    return pattern.sub(lambda m: " " + units[m.group(1)], text)


def speakable(
    text: str,
    *,
    abbreviations: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
) -> str:
    """`text` as it is read aloud (see the module's docstring): every paragraph on its
    own line, ending with a stop so the reader pauses."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _URL.sub("", text)
    text = _HASHTAG.sub("", text)
    text = "".join(c for c in text if not _is_emoji(c))
    text = _EMPTY_BRACKETS.sub("", text)
    text = _BULLET.sub("", text)
    kept: list[str] = []

    def protect(m: re.Match[str]) -> str:
        kept.append(m.group(0))
        return _PH + chr(0xE100 + len(kept) - 1)

    text = _SYMBOL.sub(protect, text)
    text = _PHONE.sub(lambda m: protect_words(m, kept), text)
    text = _abbreviations(text, abbreviations or {})

    def full_date(m: re.Match[str]) -> str:
        day, month, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return m.group(0)
        return _after_word(m, "ngày", date_words(day, month, year))

    def day_month(m: re.Match[str]) -> str:
        day, month = int(m.group(1)), int(m.group(2))
        if not (1 <= day <= 31 and 1 <= month <= 12):
            return m.group(0)
        return _after_word(m, "ngày", date_words(day, month, None))

    def month_year(m: re.Match[str]) -> str:
        month, year = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            return m.group(0)
        return _after_word(m, "tháng", date_words(None, month, year))

    def clock(m: re.Match[str]) -> str:
        minute = m.group(2) or m.group(3) or "0"
        return time_words(int(m.group(1)), int(minute))

    text = _DATE.sub(full_date, text)
    text = _MONTH_YEAR.sub(month_year, text)
    text = _DAY_MONTH.sub(day_month, text)
    text = _TIME.sub(clock, text)
    text = _RANGE.sub(" đến ", text)
    text = _WORD_DASH_NUMBER.sub(" ", text)
    text = _units(text, units or {})
    text = _ORDINAL.sub(
        lambda m: (
            f"{m.group(1)} " + {"1": "nhất", "4": "tư"}.get(m.group(2), decimal_words(m.group(2)))
        ),
        text,
    )
    text = _NUMBER.sub(lambda m: decimal_words(m.group(0)), text)
    text = _CONTEXT_ROMAN.sub(
        lambda m: f"{m.group(1)} {number_words(roman_value(m.group(2)))}", text
    )
    text = _ROMAN.sub(lambda m: number_words(roman_value(m.group(0))), text)
    text = re.sub(_PH + "(.)", lambda m: kept[ord(m.group(1)) - 0xE100], text)
    lines = []
    for raw in text.split("\n"):
        line = re.sub(r"\s+([,.;:!?…])", r"\1", re.sub(r"[ \t]+", " ", raw).strip())
        if not re.search(r"\w", line):
            continue
        stop = line[-1] in _SENTENCE_END or line[-1] in '”")»'
        lines.append(line if stop else line + ".")
    return "\n".join(lines)


def protect_words(m: re.Match[str], kept: list[str]) -> str:
    """A telephone number read digit by digit, its groups apart, kept from the number
    rules that follow."""
    groups = re.split(r"[ .-]", m.group(0))
    kept.append(", ".join(digits_words(g) for g in groups))
    return _PH + chr(0xE100 + len(kept) - 1)


def _after_word(m: re.Match[str], word: str, words: str) -> str:
    """`words` begins with `word` ("ngày …"); drop it when the text says it just before."""
    before = m.string[: m.start()].rstrip()
    if before.lower().endswith(word):
        return words[len(word) + 1 :]
    return words


def word_count(text: str) -> int:
    """Words as read: Vietnamese syllables ("tiếng"), each written apart."""
    return sum(1 for token in text.split() if re.search(r"\w", token))
