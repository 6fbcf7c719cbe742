"""What every reader of a directive shares: its section tree, its dates, its organisations.

Pure (no files, no database). `directives` reads the document's frame with these;
`duties` reads who must do what, when and where.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from phuxanh.core.text import fold

DATE_WORDS = re.compile(r"ngày\s*(\d{1,2})?\s*tháng\s*(\d{1,2})?\s*năm\s*(\d{4})", re.I)
DATE_NUM = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?![\d/])")
# The words an organisation's name begins with in these documents (a unit, a recipient).
ORG = (
    r"(?:[Cc]ác\s+|[Cc]ơ quan\s+)?(?:Ban|Bộ|Sở|Phòng|Văn phòng|Chi bộ|Chi ủy|Đảng [uủ][ỷy]|"
    r"Đảng bộ|Thành [uủ][ỷy]|Tỉnh [uủ][ỷy]|Huyện [uủ][ỷy]|Ủy ban|Uỷ ban|UBND|HĐND|Hội đồng|"
    r"Thường trực|Mặt trận|MTTQ|Công an|Bộ Chỉ huy|Cục|Vụ|Trung tâm|Trường|Khoa|Đoàn|Hội|"
    r"Cổng|Đài|Báo|Tạp chí|Thông tấn|Viện|Học viện|Liên đoàn|cơ quan|đơn vị|địa phương|"
    r"tổ chức|đảng ủy|đảng uỷ|chi bộ|[A-ZĐ]{3,}(?=[\s,;.)]|$))"
)
ORG_START = re.compile(rf"^{ORG}")


def upper_folded(text: str) -> str:
    """Accent-insensitive, upper case (for matching headings such as NỘI DUNG)."""
    return fold(text).upper()


def parse_date(text: str, *, default_year: int | None = None) -> dt.date | None:
    m = DATE_WORDS.search(text)
    if m and m.group(1) and m.group(2):
        parts = (int(m.group(3)), int(m.group(2)), int(m.group(1)))
    else:
        n = DATE_NUM.search(text)
        if not n or (n.group(3) is None and default_year is None):
            return None
        year = int(n.group(3)) if n.group(3) else default_year
        assert year is not None
        parts = (year, int(n.group(2)), int(n.group(1)))
    try:
        return dt.date(*parts)
    except ValueError:
        return None


def first_date(text: str, *, default_year: int | None = None) -> dt.date | None:
    """The earliest-written valid date in `text` (words or d/m[/yyyy])."""
    found: list[tuple[int, dt.date]] = []
    for regex in (DATE_WORDS, DATE_NUM):
        for m in regex.finditer(text):
            day = parse_date(m.group(0), default_year=default_year)
            if day is not None:
                found.append((m.start(), day))
                break
    return min(found)[1] if found else None


@dataclass
class Node:
    """A numbered heading (I., A., 1., 1.2.) with its paragraphs and sub-headings; `line`
    and `bullet_lines` are 1-based lines of the file."""

    code: str
    title: str
    level: int
    children: list[Node] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    line: int = 0
    bullet_lines: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "line": self.line,
            "children": [c.as_dict() for c in self.children],
            "bullets": self.bullets,
        }

    def text(self) -> str:
        return "\n".join([self.title, *self.bullets, *(c.text() for c in self.children)])

    def own_text(self) -> str:
        return "\n".join([self.title, *self.bullets])

    def walk(self) -> list[Node]:
        return [self, *(n for c in self.children for n in c.walk())]

    def add(self, text: str, line: int) -> None:
        self.bullets.append(text)
        self.bullet_lines.append(line)


def sentences(text: str) -> list[str]:
    """`text` cut after '.', '!' or '?' where the next piece begins a sentence (a capital,
    a dash, a bracket or a quote), so '15/3/2026. Ngày' cuts and 'v.v. và' does not."""
    out: list[str] = []
    for part in re.split(r"(?<=[.!?])\s+", text):
        if out and not (part[:1].isupper() or part[:1] in '-–("“'):
            out[-1] += " " + part
        elif part.strip():
            out.append(part)
    return [s.strip() for s in out if s.strip()]
