"""Directive text → structured data (pure: no files, no database).

Built for the genre (Vietnamese Party/State administrative documents: hướng dẫn, kế hoạch,
công văn …), not for particular files: a header with the issuing body, number, place and
date; a title; numbered sections (I., A., 1., 1.2.) whose Markdown headings and bold may or
may not be there; "Nơi nhận" recipients; a signature block; sometimes a second, attached
document, read as a document of its own. The text is cleaned first (scanning debris, page
breaks, page numbers, footnotes, the closing boilerplate), each change a warning. Themes are
the headings under NỘI DUNG that hold content, or the topics inside a congress's phases;
the duties (`duties`) and events are read from the body. Every item carries its line.
Never raises: what cannot be read becomes null with a warning. docs/directives.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from phuxanh.catalog import duties
from phuxanh.catalog.genre import (
    DATE_NUM,
    DATE_WORDS,
    Node,
    parse_date,
    upper_folded,
)
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
QUOTE = re.compile(r"[“\"]([^”\"\n]{2,150})[”\"]")


def clean_line(line: str) -> str:
    """Strip Markdown headings, bold/italic marks and hard-break spaces; NFC."""
    line = unicodedata.normalize("NFC", line).replace("\ufffd", "").replace("\u00a0", " ")
    line = re.sub(r"^\s*#{1,6}\s*", "", line)
    line = line.replace("**", "").replace("__", "")
    line = re.sub(r"(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)", "", line)
    return re.sub(r"\s+", " ", line).strip()


_fold = upper_folded
__all__ = ["MAX_BYTES", "catalog_draft", "decode", "parse", "parse_date"]


@dataclass
class Parsed:
    lines: list[str]
    warnings: list[str] = field(default_factory=list)
    out: dict[str, Any] = field(default_factory=dict)
    first: int = 1  # the file line of lines[0] (an attachment starts further down)

    def line_no(self, index: int) -> int:
        return self.first + index


DEBRIS = re.compile(r"\^\{[^{}\n]{0,120}\}|\^\[[^\[\]\n]{0,120}\]")
FOOTNOTE = re.compile(r"^([¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s*(\S.*)$")
PAGE_NUMBER = re.compile(r"^[-–—\s]*(?:Trang\s+)?\d{1,3}(?:\s*/\s*\d{1,3})?[-–—\s]*$", re.I)
CLOSING = re.compile(r"^(?:[-–•*]\s*)?Trên đây là\b", re.I)
TERMINAL = tuple('.;:!?”")…')
MAX_DEPTH = 3  # attachments inside attachments


def _scrub(p: Parsed) -> None:
    """Drop scanning debris such as '^{NHÂN VIỆT NAM}' (a stamp or a header read as a
    superscript), each with a warning naming its line."""
    for i, line in enumerate(p.lines):
        debris = DEBRIS.findall(line)
        if debris:
            p.lines[i] = re.sub(r"\s+", " ", DEBRIS.sub(" ", line)).strip()
            shown = ", ".join(repr(d) for d in debris)
            p.warnings.append(f"text: line {p.line_no(i)}: scanning debris {shown} dropped")


def _mend_body(p: Parsed, start: int, end: int) -> None:
    """In the body: a paragraph cut by a page break ("… giới thiệu Ban Chấp" / "hành Trung
    ương …") is joined to its first line; a page number alone on its line is dropped; the
    closing boilerplate ("Trên đây là Kế hoạch …") is left out. Each join and drop is a
    warning naming its lines."""
    for i in range(start, end):
        line = p.lines[i]
        if PAGE_NUMBER.match(line) and line.strip():
            p.warnings.append(f"text: line {p.line_no(i)}: page number {line!r} dropped")
            p.lines[i] = ""
        elif CLOSING.match(line):
            p.lines[i] = ""
    i = start
    while i < end:
        line = p.lines[i]
        if not line or line.endswith(TERMINAL) or _is_heading(line) or NUMBERED.match(line):
            i += 1
            continue
        j = next((k for k in range(i + 1, end) if p.lines[k]), None)
        if j is None:
            break
        nxt = p.lines[j]
        joins = nxt[:1].islower() or (line.endswith(",") and not nxt[:1].isdigit())
        if (
            not joins
            or BULLET.match(nxt)
            or _is_heading(nxt)
            or NUMBERED.match(nxt)
            or FOOTNOTE.match(nxt)
            or FOOTNOTE.match(line)
        ):
            i += 1
            continue
        p.lines[i] = f"{line} {nxt}"
        p.lines[j] = ""
        if j > i + 1:  # a blank line between: a page break, said; a plain wrap is not
            p.warnings.append(
                f"text: line {p.line_no(i)} continues on line {p.line_no(j)} after a page "
                "break: joined"
            )


def _embedded(p: Parsed, start: int, end: int) -> int | None:
    """The first line of a second document pasted inside the body (its own header: the
    document type alone on a line, with its national motto, issuer and number above)."""
    at = next(
        (
            i
            for i in range(start + 1, end)
            if p.lines[i] in DOC_TYPES and p.lines[i] == p.lines[i].upper()
        ),
        None,
    )
    if at is None:
        return None
    k = at
    while k - 1 > start and (
        not p.lines[k - 1]
        or p.lines[k - 1] == p.lines[k - 1].upper()
        or NUMBER.search(p.lines[k - 1])
        or PLACE_DATE.search(p.lines[k - 1])
    ):
        k -= 1
    while k < at and not p.lines[k]:
        k += 1
    return k


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
        and re.search(r"[^\W\d_]{3}", line)  # three letters (Vietnamese capitals too)
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
    notes: list[tuple[str, str, int]] = []  # footnotes: (mark, text, line)
    for i in range(start, end):
        line = p.lines[i]
        if not line:
            continue
        roman, letter, numbered = ROMAN.match(line), LETTER.match(line), NUMBERED.match(line)
        note = FOOTNOTE.match(line)
        if note and stack:
            notes.append((note.group(1), note.group(2), p.line_no(i)))
        elif (roman and roman.group(1)) or (letter and _is_heading(line)):
            m = roman if roman and roman.group(1) else letter
            assert m is not None
            node = Node(code=m.group(1), title=m.group(2).rstrip(" :."), level=0)
            node.line = p.line_no(i)
            top.append(node)
            stack = [node]
        elif numbered and len(line) < 400:
            level = numbered.group(1).count(".") + 1
            node = Node(code=numbered.group(1), title=numbered.group(2).rstrip(" :"), level=level)
            node.line = p.line_no(i)
            while stack and stack[-1].level >= level:
                stack.pop()
            (stack[-1].children if stack else top).append(node)
            stack.append(node)
        else:
            bullet = BULLET.match(line)
            text = (bullet.group(1) if bullet else line).strip()
            if text and stack:
                stack[-1].add(text, p.line_no(i))
    for mark, text, line_no in notes:  # a footnote goes with the paragraph that cites it
        citing = next(
            (
                n
                for s in top
                for n in s.walk()
                if any(mark in b for b in n.bullets) or mark in n.title
            ),
            None,
        )
        if citing is None:
            p.warnings.append(f"text: line {line_no}: footnote {mark} is cited nowhere: dropped")
        else:
            citing.add(text, line_no)
    return top


METHOD = ("PHUONG HUONG", "PHUONG THUC", "HINH THUC", "GIAI PHAP", "TO CHUC THUC HIEN")
PHASE = re.compile(r"^(TRUOC|TRONG|SAU)\b")
PHASE_OF = {"TRUOC": "before", "TRONG": "during", "SAU": "after"}
EVENT_WORD = re.compile(r"DAI HOI|BAU CU|SU KIEN|HOI NGHI|NGAY|DIEN RA|LE |KY NIEM|[A-Z]{4}")


def _phase(title: str) -> str | None:
    """'Trước Đại hội' → before, 'Trong thời gian diễn ra Đại hội' → during, 'Sau Đại
    hội' → after (also for elections, conferences, anniversaries)."""
    folded = _fold(title)
    m = PHASE.match(folded)
    if m is None or len(title.split()) > 14 or not EVENT_WORD.search(folded[m.end() :]):
        return None
    return PHASE_OF[m.group(1)]


def _topic_title(text: str) -> str:
    """A topic paragraph's first clause, at most about 100 characters, cut at a comma."""
    first = re.split(r"[;:]\s|\.\s", text, maxsplit=1)[0].strip(" .;:")
    if len(first) > 100:
        cut = first.rfind(", ", 0, 100)
        first = first[:cut] if cut > 30 else first[: max(first.rfind(" ", 0, 100), 30)]
    return first.strip(" ,.;:")


def _themes(
    p: Parsed, sections: list[Node], year: int | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Themes: every titled heading under NỘI DUNG that holds content of its own (its
    paragraphs), and every leaf heading; in a phase (Trước / Trong / Sau Đại hội) the
    topics inside it. Headings of method (Phương hướng, Hình thức …) are not themes."""
    content = next((s for s in sections if _fold(s.title).startswith("NOI DUNG")), None)
    if content is None:
        p.warnings.append("themes: no section titled 'NỘI DUNG …'")
        return [], []
    themes: list[dict[str, Any]] = []
    phases: list[dict[str, Any]] = []

    def theme(code: str, title: str, text: str, line: int, phase: str | None) -> None:
        themes.append(
            {
                "code": code,
                "title": title.rstrip(" ."),
                "key_dates": sorted({d["date"] for d in _dates(text, year)}),
                "slogans": _slogans(text),
                "line": line,
                "phase": phase,
                "ref": f"{content.code}.{code}",
                "text": text,
            }
        )

    def visit(node: Node, phase: str | None) -> None:
        for child in node.children:
            if _fold(child.title).startswith(METHOD):
                continue
            here = _phase(child.title)
            if here is not None:
                phases.append(
                    {"code": child.code, "title": child.title, "phase": here, "line": child.line}
                )
                if child.children:
                    visit(child, here)
                    continue
                for k, (text, line) in enumerate(
                    zip(child.bullets, child.bullet_lines, strict=False), 1
                ):
                    theme(
                        f"{child.code}.{k}",
                        _topic_title(text),
                        f"{child.title}\n{text}",
                        line,
                        here,
                    )
                continue
            if child.bullets or not child.children:
                theme(child.code, child.title, child.own_text(), child.line, phase)
            visit(child, phase)

    visit(content, None)
    if not themes:
        p.warnings.append(f"themes: section {content.code} has no numbered items")
    return themes, phases


def _dates(
    text: str,
    year: int | None,
    skip: list[tuple[int, int]] | None = None,
    *,
    base: int | None = None,
) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
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
            item: dict[str, Any] = {
                "date": day.isoformat(),
                "text": m.group(0).strip(),
                "context": near,
            }
            if base is not None:
                item["line"] = base + text.count("\n", 0, m.start())
            found.setdefault(day.isoformat(), item)
    return sorted(found.values(), key=lambda d: d["date"])


# A quoted phrase right after one of these names a document or a programme, not a slogan.
NAMED_BEFORE = re.compile(
    r"(?:Đề án|Nghị quyết|Chương trình|Kế hoạch|Cuộc vận động|Dự án|Chỉ thị|Kết luận|"
    r"Hướng dẫn|chuyên đề|phong trào|Quy chế|Luật|cuộc thi|Giải|Chiến dịch|Tuần lễ)\s*$",
    re.I,
)


def slogan_shaped(phrase: str, before: str = "") -> bool:
    """The genre's slogan shapes: a dash series ("Năng động - Nghĩa tình"), a list of three
    or more short items ("chủ động, đồng bộ, kịp thời, sáng tạo, hiệu quả"), or a motto of
    5 to 12 syllables ("Kỷ nguyên vươn mình của dân tộc"). Not a quoted word or two
    ("cầu nối", "điểm nóng", "phủ xanh") nor a document's name ("Đề án “…”")."""
    words = phrase.split()
    if NAMED_BEFORE.search(before) or not 2 <= len(words) <= 20:
        return False
    parts = [x for x in re.split(r"\s[-–]\s", phrase)]
    if len(parts) >= 2 and all(1 <= len(x.split()) <= 5 for x in parts):
        return True
    items = [x for x in re.split(r",\s*|\s+và\s+", phrase)]
    if len(items) >= 3 and all(1 <= len(x.split()) <= 4 for x in items):
        return True
    return 5 <= len(words) <= 12


def _slogans(text: str) -> list[str]:
    found: dict[str, str] = {}
    for m in QUOTE.finditer(text):
        phrase = m.group(1).strip()
        if slogan_shaped(phrase, text[max(0, m.start() - 24) : m.start()]):
            found.setdefault(fold(phrase).casefold(), phrase)
    return list(found.values())


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
    """Parse one directive. Always returns the full shape; problems go into `warnings`.
    Every item that comes from a place in the text carries its `line` (1-based)."""
    return _parse(text.replace("\r\n", "\n").split("\n"), first=1, depth=0)


def _parse(raw: list[str], *, first: int, depth: int) -> dict[str, Any]:
    p = Parsed(lines=[clean_line(line) for line in raw], first=first)
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
        "phases": [],
        "obligations": [],
        "deliverables": [],
        "channels": [],
        "audiences": [],
        "languages": [],
        "tasks": [],
        "warnings": p.warnings,
    }
    _scrub(p)
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
    embedded = _embedded(p, body, tail_at)
    end = embedded if embedded is not None else tail_at
    _mend_body(p, body, end)
    year = int(out["date"][:4]) if out["date"] else None
    if year is None:
        years = re.findall(r"năm (20\d{2})", out["title"] + " " + " ".join(p.lines[:body]))
        year = int(years[0]) if years else None
    sections: list[Node] = []
    try:
        sections = _sections(p, body, end)
        out["sections"] = [s.as_dict() for s in sections]
        out["themes"], out["phases"] = _themes(p, sections, year)
    except Exception as exc:
        p.warnings.append(f"sections: could not be read ({exc.__class__.__name__})")
    main_text = "\n".join(p.lines[body:end])
    preamble = "\n".join(p.lines[:end])
    out["references"], spans = _references(preamble)
    head_len = len("\n".join(p.lines[:body]))
    out["key_dates"] = _dates(
        main_text,
        year,
        [(a - head_len - 1, b - head_len - 1) for a, b in spans],
        base=p.line_no(body),
    )
    body_lines = [(p.line_no(i), p.lines[i]) for i in range(body, end) if p.lines[i]]
    try:
        out["tasks"] = duties.tasks(sections)
        out["obligations"] = duties.obligations(
            body_lines, year=year, units=duties.units_by_line(out["tasks"])
        )
        out["deliverables"] = duties.deliverables(body_lines)
        out["channels"] = duties.channels(body_lines)
        out["audiences"] = duties.audiences(body_lines)
        out["languages"] = duties.languages(body_lines)
        out["events"] = duties.events(
            [(p.line_no(i), p.lines[i]) for i in range(end) if p.lines[i]]
        )
    except Exception as exc:
        p.warnings.append(f"duties: could not be read ({exc.__class__.__name__})")
    out["slogans"] = _slogans(main_text)
    attached_at: int | None = embedded
    if tail_at < len(p.lines) and embedded is None:
        out["recipients"], out["signer"], after = _tail(p, tail_at)
        attached_at = next((k for k in range(after, len(p.lines)) if p.lines[k]), None)
    elif embedded is None:
        p.warnings.append("recipients: no 'Nơi nhận' block")
    if attached_at is not None:
        _attach(p, raw, attached_at, depth)
    return out


def _attach(p: Parsed, raw: list[str], at: int, depth: int) -> None:
    """Read what follows the document (or is pasted inside it) as a document of its own:
    a guidance that wraps another body's guidance keeps that one's themes, duties and
    dates apart from its own. Its `lines` are the file lines it spans."""
    last = max((k for k in range(at, len(p.lines)) if p.lines[k]), default=at)
    span = [p.line_no(at), p.line_no(last)]
    if depth >= MAX_DEPTH:
        p.warnings.append(
            f"attachments: lines {span[0]}–{span[1]}: attached more than {MAX_DEPTH} deep: not read"
        )
        return
    sub = _parse(raw[at:], first=p.line_no(at), depth=depth + 1)
    if not sub["doc_type"]:
        p.warnings.append(
            f"attachments: lines {span[0]}–{span[1]} follow the signature but are no "
            "document of their own (no HƯỚNG DẪN, KẾ HOẠCH … heading): not read"
        )
        return
    head = {k: sub.pop(k) for k in ("number", "date", "title", "doc_type")}
    p.out["attachments"].append({**head, "lines": span, **sub})


def slug(text: str, limit: int = 48) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", _fold(text).lower()).split()
    out = ""
    for word in words:
        if len(out) + len(word) + 1 > limit:
            break
        out = f"{out}-{word}" if out else word
    return out or "chu-de"


def catalog_draft(
    parsed: dict[str, Any],
    *,
    source_file: str | None = None,
    catalog: list[dict[str, Any]] | None = None,
    known: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A catalog draft for staff to complete. Map before adding: each imported theme that
    an existing catalog theme (`catalog`, as `themes.catalog_for_matching` gives it)
    already covers is proposed under `matches` (which theme, how sure, why, the reference
    to add); only the rest become new themes, coded with the issuing unit
    (`du-dh-y-duoc-hai-phong-…`) so two units' drafts never collide. The directive keeps
    its catalog code when `known` (the catalog's directives) has its number or file. Key
    messages, hashtags, English and facts are left empty on purpose, so `phuxanh catalog
    check` lists exactly what is missing."""
    from phuxanh.catalog import matching

    same = next(
        (
            d
            for d in known or []
            if (parsed["number"] and d.get("number") == parsed["number"])
            or (source_file and d.get("source_file") == source_file)
        ),
        None,
    )
    code = (
        str(same["code"])
        if same
        else parsed["number"] or slug(f"{parsed['doc_type'] or 'van-ban'} {parsed['title']}", 40)
    )
    unit = matching.unit_slug(parsed["issuer"])
    key_dates = {d["date"]: d for d in parsed["key_dates"]}
    found = matching.match(parsed["themes"], catalog or [], directive=code)
    matches: list[dict[str, Any]] = []
    themes: list[dict[str, Any]] = []
    taken: set[str] = set()
    for theme, match in zip(parsed["themes"], found, strict=True):
        ref = f"{code}:{theme['ref']}"
        if match is not None:
            cited = match["why"].startswith("already cites")
            matches.append(
                {
                    "theme": theme["code"],
                    "title": theme["title"],
                    "line": theme["line"],
                    "catalog": match["catalog"],
                    "score": match["score"],
                    "why": match["why"],
                    "add_ref": None if cited else ref,
                }
            )
            continue
        new = f"{unit}-{slug(theme['title'], 62 - len(unit))}"
        k = 2
        while new in taken:
            new = f"{unit}-{slug(theme['title'], 58 - len(unit))}-{k}"
            k += 1
        taken.add(new)
        themes.append(
            {
                "code": new,
                "title": {"vi": theme["title"], "en": ""},
                "directives": [ref],
                "key_messages": [],
                "hashtags": [],
                "slogans": [{"text": s, "source": code} for s in theme["slogans"]],
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
        "matches": matches,
        "themes": themes,
    }
