"""Directive text → structured data (pure: no files, no database).

Built for the genre (Vietnamese Party/State administrative documents: hướng dẫn, kế hoạch,
công văn …), not for particular files: a header with the issuing body, number, place and
date; a title; numbered sections (I., A., 1., 1.2.) whose Markdown headings and bold may or
may not be there; "Nơi nhận" recipients; a signature block; sometimes a second, attached
document. Never raises: what cannot be read becomes null with a warning.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from phuxanh.core.text import fold

DOC_TYPES = (
    "HƯỚNG DẪN",
    "KẾ HOẠCH",
    "CÔNG VĂN",
    "NGHỊ QUYẾT",
    "CHỈ THỊ",
    "KẾT LUẬN",
    "THÔNG BÁO",
    "QUYẾT ĐỊNH",
    "BÁO CÁO",
    "CHƯƠNG TRÌNH",
    "THÔNG TRI",
    "ĐỀ ÁN",
    "PHỤ LỤC",
)
REF_KINDS = (
    "Hướng dẫn",
    "Kế hoạch",
    "Nghị quyết",
    "Kết luận",
    "Chỉ thị",
    "Công văn",
    "Quyết định",
    "Thông báo",
    "Chương trình",
    "Thông tri",
    "Nghị định",
    "Luật",
)
NATIONAL = (
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "ĐỘC LẬP - TỰ DO - HẠNH PHÚC",
)
SIGN_TITLES = re.compile(
    r"^(T/M|K/T|TM\.|KT\.|Q\.|TL\.|TUQ\.)?\s*(BAN|BÍ THƯ|PHÓ|TRƯỞNG|CHỦ TỊCH|"
    r"GIÁM ĐỐC|HIỆU TRƯỞNG|THƯỜNG TRỰC|ĐẢNG ỦY|ĐẢNG UỶ|UBND|ỦY BAN)"
)
ROMAN = re.compile(r"^(X{0,3}(?:IX|IV|V?I{0,3}))[.)]\s+(\S.*)$")
LETTER = re.compile(r"^([A-ZĐ])[.)]\s+(\S.*)$")
NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})(?:[.)]\s*|\s+)(\D\S.*)$")
BULLET = re.compile(r"^[-+•*–]\s+(.*)$")
MAX_BYTES = 2 * 1024 * 1024  # real directives are 15-25 KB (content/directives/text/)
NUMBER = re.compile(
    r"Số\s*:?\s*(\d*)\s*[-–]?\s*([A-ZĐ]{1,6}(?:/[A-ZĐ0-9\-]+)+|[A-ZĐ]{1,6}-[A-ZĐ0-9]+)",
    re.IGNORECASE,
)
DATE_WORDS = re.compile(r"ngày\s*(\d{1,2})?\s*tháng\s*(\d{1,2})?\s*năm\s*(\d{4})", re.I)
DATE_NUM = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?![\d/])")
PLACE_DATE = re.compile(r"^([A-ZĐÀ-Ỹ][\wÀ-ỹ ]{1,40}?),\s*" + DATE_WORDS.pattern, re.I)
REF = re.compile(
    r"\b(" + "|".join(REF_KINDS) + r")\s+số\s*:?\s*(\d+[\w\-/.Đđ]*[\wĐđ])"
    r"(?:\s*,?\s*(?:ngày\s+)?(\d{1,2}/\d{1,2}/\d{4}|ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}))?",
    re.I,
)
PREAMBLE = re.compile(r"^(Căn cứ|Thực hiện|Nhằm|Để|Trong|Theo)\b")
ISSUER_CLAUSE = re.compile(
    r"(?:^|[,;.]\s*|\s)((?:Ban|Đảng [uủ][ỷy]|Ủy ban|Uỷ ban|UBND|Sở|Bộ|Thành [uủ][ỷy]|Tỉnh [uủ][ỷy])"
    r"(?:\s(?!đã\b|về\b|của\b)[\wÀ-ỹ]+){1,12}?)\s+(?:hướng dẫn|ban hành)\s+"
    r"(?:công tác|Kế hoạch|Hướng dẫn|Chỉ thị|Công văn|như sau|thực hiện)"
)
EVENT = re.compile(r"\b([A-Z]{3,}[A-Za-z\-]*)\s+((?:19|20)\d{2})\b")
QUOTE = re.compile(r"[“\"]([^”\"\n]{2,150})[”\"]")


@dataclass
class Node:
    code: str
    title: str
    level: int
    children: list[Node] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "children": [c.as_dict() for c in self.children],
            "bullets": self.bullets,
        }

    def text(self) -> str:
        return "\n".join([self.title, *self.bullets, *(c.text() for c in self.children)])

    def walk(self) -> list[Node]:
        return [self, *(n for c in self.children for n in c.walk())]


def clean_line(line: str) -> str:
    """Strip Markdown headings, bold/italic marks and hard-break spaces; NFC."""
    line = unicodedata.normalize("NFC", line).replace("\ufffd", "").replace("\u00a0", " ")
    line = re.sub(r"^\s*#{1,6}\s*", "", line)
    line = line.replace("**", "").replace("__", "")
    line = re.sub(r"(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)", "", line)
    return re.sub(r"\s+", " ", line).strip()


def _fold(text: str) -> str:
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


@dataclass
class Parsed:
    lines: list[str]
    warnings: list[str] = field(default_factory=list)
    out: dict[str, Any] = field(default_factory=dict)


def _header(p: Parsed) -> int:
    """Fill doc_type, number, issuer, place, date, title; return the first body line."""
    out, lines = p.out, p.lines
    type_at = next(
        (
            i
            for i, line in enumerate(lines[:40])
            if line.upper() in DOC_TYPES and line == line.upper()
        ),
        None,
    )
    out["doc_type"] = lines[type_at] if type_at is not None else None
    if type_at is None:
        p.warnings.append("doc_type: no document type heading (HƯỚNG DẪN, KẾ HOẠCH …) found")
    head = lines[: type_at if type_at is not None else 12]
    number = next((NUMBER.search(line) for line in head if NUMBER.search(line)), None)
    if number and number.group(1):
        out["number"] = (
            f"{number.group(1)}-{number.group(2)}"
            if "/" in number.group(2)
            else f"{number.group(1)}/{number.group(2)}"
        )
    else:
        out["number"] = None
        p.warnings.append(
            "number: the document number is blank or missing"
            if number
            else "number: no 'Số …' line in the header"
        )
    orgs = [
        line
        for line in head
        if line == line.upper()
        and len(line) > 5
        and not any(line.startswith(n) for n in NATIONAL)
        and not line.startswith("SỐ")
        and not NUMBER.search(line)
        and re.search(r"[A-ZĐ]{3}", line)
    ]
    out["issuer"] = orgs[-1] if orgs else None
    out["place"], out["date"] = None, None
    for line in lines[:40]:
        m = PLACE_DATE.search(line)
        if m:
            out["place"] = m.group(1).strip()
            day = parse_date(line)
            out["date"] = day.isoformat() if day else None
            if day is None:
                p.warnings.append(f"date: blank or invalid date in {line!r}")
            break
    else:
        p.warnings.append("date: no 'place, ngày … tháng … năm …' line in the header")
    title: list[str] = []
    i = (type_at + 1) if type_at is not None else 0
    while type_at is not None and i < len(lines) and i - type_at < 12:
        line = lines[i]
        if not line:
            i += 1
            continue
        if len(line) >= 160 or _is_heading(line) or PREAMBLE.match(line) or len(line) <= 3:
            break  # the body begins (or a stray mark such as "ĐP" ends the title block)
        title.append(line)
        i += 1
    out["title"] = " ".join(title)
    if not title:
        p.warnings.append("title: no title under the document type")
    body = next((k for k in range(i, len(lines)) if _is_heading(lines[k])), i)
    # The body's own clause names the issuer best ("Ban … Trung ương hướng dẫn như sau").
    clauses = [m.group(1) for m in ISSUER_CLAUSE.finditer(" ".join(lines[i : body + 3]))]
    if clauses:
        out["issuer"] = clauses[-1]
    if out["issuer"] is None:
        p.warnings.append("issuer: no issuing body found")
    return body


def _is_heading(line: str) -> bool:
    m = ROMAN.match(line)
    if m and m.group(1):
        return True
    return bool(LETTER.match(line) and line[3:4].isupper())


def _sections(p: Parsed, start: int, end: int) -> list[Node]:
    top: list[Node] = []
    stack: list[Node] = []
    for line in p.lines[start:end]:
        if not line:
            continue
        roman, letter, numbered = ROMAN.match(line), LETTER.match(line), NUMBERED.match(line)
        if (roman and roman.group(1)) or (letter and _is_heading(line)):
            m = roman if roman and roman.group(1) else letter
            assert m is not None
            node = Node(code=m.group(1), title=m.group(2).rstrip(" :."), level=0)
            top.append(node)
            stack = [node]
        elif numbered and len(line) < 400:
            level = numbered.group(1).count(".") + 1
            node = Node(code=numbered.group(1), title=numbered.group(2).rstrip(" :"), level=level)
            while stack and stack[-1].level >= level:
                stack.pop()
            (stack[-1].children if stack else top).append(node)
            stack.append(node)
        else:
            bullet = BULLET.match(line)
            text = (bullet.group(1) if bullet else line).strip()
            if text and stack:
                stack[-1].bullets.append(text)
    return top


def _themes(p: Parsed, sections: list[Node], year: int | None) -> list[dict[str, Any]]:
    content = next((s for s in sections if _fold(s.title).startswith("NOI DUNG")), None)
    if content is None:
        p.warnings.append("themes: no section titled 'NỘI DUNG …'")
        return []
    numbered = [n for n in content.walk()[1:] if n.title]
    if not numbered:
        p.warnings.append(f"themes: section {content.code} has no numbered items")
        return []
    depth = max(n.level for n in numbered)
    return [
        {
            "code": n.code,
            "title": n.title,
            "key_dates": sorted({d["date"] for d in _dates(n.text(), year)}),
            "slogans": _slogans(n.text()),
        }
        for n in numbered
        if n.level == depth
    ]


def _dates(
    text: str, year: int | None, skip: list[tuple[int, int]] | None = None
) -> list[dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for regex in (DATE_WORDS, DATE_NUM):
        for m in regex.finditer(text):
            if skip and any(a <= m.start() < b for a, b in skip):
                continue
            day = parse_date(m.group(0), default_year=year)
            if day is None:
                continue
            lo = text.rfind("\n", 0, m.start()) + 1
            hi = text.find("\n", m.end())
            context = text[lo : hi if hi >= 0 else len(text)].strip()
            sentence = re.split(r"(?<=[.;])\s", context)
            near = next((s for s in sentence if m.group(0) in s), context)
            found.setdefault(
                day.isoformat(),
                {"date": day.isoformat(), "text": m.group(0).strip(), "context": near},
            )
    return sorted(found.values(), key=lambda d: d["date"])


def _slogans(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(1).strip() for m in QUOTE.finditer(text)))


def _references(text: str) -> tuple[list[dict[str, Any]], list[tuple[int, int]]]:
    refs: dict[tuple[str, str], dict[str, Any]] = {}
    spans = []
    for m in REF.finditer(text):
        kind = m.group(1)[0].upper() + m.group(1)[1:].lower()
        day = parse_date(m.group(3)) if m.group(3) else None
        key = (kind, m.group(2))
        if key not in refs or (day and not refs[key]["date"]):
            refs[key] = {
                "kind": kind,
                "number": m.group(2),
                "date": day.isoformat() if day else None,
            }
        spans.append((m.start(), m.end()))
    return list(refs.values()), spans


def _tail(p: Parsed, start: int) -> tuple[list[str], dict[str, str] | None, int]:
    """Recipients after 'Nơi nhận', the signer, and where an attached document begins."""
    lines = p.lines
    recipients: list[str] = []
    i = start + 1
    while i < len(lines) and (not lines[i] or BULLET.match(lines[i]) or lines[i].startswith("+")):
        item = BULLET.match(lines[i])
        text = (item.group(1) if item else lines[i]).strip()
        recipients.extend(
            t.strip(" ,.;") for t in re.split(r"\s\+\s|^\+\s?", text) if t.strip(" ,.;+")
        )
        i += 1
    titles, name, j = [], None, i
    while j < len(lines) and j < i + 12:
        line = lines[j]
        if line and line == line.upper() and SIGN_TITLES.match(line) and line not in DOC_TYPES:
            titles.append(line)
        elif (
            line and titles and re.fullmatch(r"(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*\s){1,5}[A-ZĐÀ-Ỹ][\wÀ-ỹ]*", line)
        ):
            name = line
            j += 1
            break
        elif line.upper() in DOC_TYPES:
            break
        j += 1
    signer = {"name": name, "title": ", ".join(titles)} if name and titles else None
    if signer is None:
        p.warnings.append("signer: no signature block (title and name) after 'Nơi nhận'")
    return recipients, signer, j


def decode(raw: bytes, name: str) -> str:
    """The text of a directive file's bytes, or ValidationFailed naming `name` when they
    are not one: empty, more than MAX_BYTES (read at most MAX_BYTES + 1 to tell), binary
    (NUL bytes: a .docx or .pdf saved under .txt) or not UTF-8."""
    from phuxanh.core.errors import ValidationFailed

    def refuse(problem: str) -> ValidationFailed:
        return ValidationFailed([f"{name}:1: (file): {problem}"])

    if len(raw) > MAX_BYTES:
        raise refuse(
            f"larger than {MAX_BYTES // 1024 // 1024} MB; a directive is tens of KB of text"
        )
    if b"\x00" in raw:
        raise refuse("not a text file (it has NUL bytes: save the directive as plain text, UTF-8)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ValidationFailed(
            [
                f"{name}:{line}: (file): not UTF-8 text ({exc.reason} at "
                f"byte {exc.start}); save it as UTF-8"
            ]
        ) from exc
    if not text.strip():
        raise refuse("empty; a directive is its text (UTF-8)")
    return text


def parse(text: str) -> dict[str, Any]:
    """Parse one directive. Always returns the full shape; problems go into `warnings`."""
    p = Parsed(lines=[clean_line(line) for line in text.replace("\r\n", "\n").split("\n")])
    p.out = {
        "doc_type": None,
        "number": None,
        "issuer": None,
        "place": None,
        "date": None,
        "title": "",
        "references": [],
        "sections": [],
        "themes": [],
        "key_dates": [],
        "events": [],
        "slogans": [],
        "signer": None,
        "recipients": [],
        "attachments": [],
        "warnings": p.warnings,
    }
    try:
        body = _header(p)
    except Exception as exc:
        p.warnings.append(f"header: could not be read ({exc.__class__.__name__})")
        body = 0
    out = p.out
    tail_at = next(
        (i for i in range(body, len(p.lines)) if _fold(p.lines[i]).startswith("NOI NHAN")),
        len(p.lines),
    )
    year = int(out["date"][:4]) if out["date"] else None
    if year is None:
        years = re.findall(r"năm (20\d{2})", out["title"] + " " + " ".join(p.lines[:body]))
        year = int(years[0]) if years else None
    try:
        sections = _sections(p, body, tail_at)
        out["sections"] = [s.as_dict() for s in sections]
        out["themes"] = _themes(p, sections, year)
    except Exception as exc:
        p.warnings.append(f"sections: could not be read ({exc.__class__.__name__})")
    main_text = "\n".join(p.lines[body:tail_at])
    preamble = "\n".join(p.lines[:tail_at])
    out["references"], spans = _references(preamble)
    head_len = len("\n".join(p.lines[:body]))
    out["key_dates"] = _dates(
        main_text, year, [(a - head_len - 1, b - head_len - 1) for a, b in spans]
    )
    out["events"] = [
        {"name": f"{n} {y}", "year": int(y)} for n, y in dict.fromkeys(EVENT.findall(main_text))
    ]
    out["slogans"] = _slogans(main_text)
    if tail_at < len(p.lines):
        out["recipients"], out["signer"], after = _tail(p, tail_at)
        attached = "\n".join(p.lines[after:]).strip()
        if attached:
            sub = parse(attached) if len(attached) < len(text) else {}
            if sub.get("doc_type"):
                out["attachments"].append(
                    {
                        "number": sub["number"],
                        "date": sub["date"],
                        "title": sub["title"],
                        "doc_type": sub["doc_type"],
                    }
                )
    else:
        p.warnings.append("recipients: no 'Nơi nhận' block")
    return out


def slug(text: str, limit: int = 48) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", _fold(text).lower()).split()
    out = ""
    for word in words:
        if len(out) + len(word) + 1 > limit:
            break
        out = f"{out}-{word}" if out else word
    return out or "chu-de"


def catalog_draft(parsed: dict[str, Any], *, source_file: str | None = None) -> dict[str, Any]:
    """A catalog draft for staff to complete: key messages, hashtags, English and facts are
    left empty on purpose, so `phuxanh catalog check` lists exactly what is missing."""
    code = parsed["number"] or slug(f"{parsed['doc_type'] or 'van-ban'} {parsed['title']}", 40)
    key_dates = {d["date"]: d for d in parsed["key_dates"]}
    themes = []
    for theme in parsed["themes"]:
        themes.append(
            {
                "code": slug(theme["title"]),
                "title": {"vi": theme["title"], "en": ""},
                "directives": [f"{code}:{theme['code']}"],
                "key_messages": [],
                "hashtags": [],
                "slogans": theme["slogans"],
                "key_dates": [
                    {
                        "date": day,
                        "label": {"vi": key_dates.get(day, {}).get("context", day), "en": ""},
                        "kind": "event",
                    }
                    for day in theme["key_dates"]
                ],
                "facts": [],
            }
        )
    return {
        "directive": {
            "code": code,
            "doc_type": parsed["doc_type"] or "",
            "number": parsed["number"],
            "issuer": parsed["issuer"] or "",
            "place": parsed["place"],
            "date": parsed["date"],
            "title": parsed["title"],
            "source_file": source_file,
        },
        "themes": themes,
    }
