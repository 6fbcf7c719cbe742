"""Who must do what, when, where and for whom, as a directive says it (pure text → data).

Read from the body's lines (`(line, text)`, 1-based file lines, page breaks already
joined): reporting obligations with their cadence, recipient and due date; the products
asked for (deliverables); the channels; the audiences; the languages; each unit's tasks
(from the TỔ CHỨC THỰC HIỆN / NHIỆM VỤ sections); the events named, with a date where the
same sentence gives one. Built for the genre's wording, not for particular files; what a
pattern does not know is left out rather than guessed. docs/directives.md lists the
patterns.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from phuxanh.catalog.genre import (
    DATE_NUM,
    DATE_WORDS,
    ORG,
    ORG_START,
    Node,
    parse_date,
    sentences,
    upper_folded,
)
from phuxanh.core.text import fold

Lines = list[tuple[int, str]]

# --- obligations -----------------------------------------------------------------------

REPORT = re.compile(r"\bbáo cáo\b(?!\s+viên)", re.I)
_PERIOD = r"(?:6 tháng|sáu tháng|tháng|quý|năm)(?!\s*\d)"
_SEP = r"(?:\s*,\s*|\s+và\s+|\s+hoặc\s+)"
PERIOD_LIST = re.compile(
    rf"(?:định kỳ\s+)?(?:hằng|hàng)\s+{_PERIOD}(?:{_SEP}(?:hằng\s+|hàng\s+)?{_PERIOD})*", re.I
)
PERIOD_WORD = re.compile(_PERIOD, re.I)
REPORT_PERIOD = re.compile(rf"\bbáo cáo\s+(?:định kỳ\s+)?({_PERIOD})", re.I)
PERIODIC = re.compile(r"\bđịnh kỳ\b", re.I)
INCIDENT = re.compile(
    r"đột xuất|khi có yêu cầu|kịp thời báo cáo|khi (?:có )?(?:vụ việc|sự việc|phát sinh)", re.I
)
CADENCE = {"tháng": "month", "quý": "quarter", "6 tháng": "half", "sáu tháng": "half"}
RECIPIENT = re.compile(
    rf"\b(?:về|gửi(?:\s+về)?|lên)\s+({ORG}.*?)"
    r"(?=\s+(?:để|hoặc|báo cáo|trước|chậm nhất|trong|theo|đồng thời)\b|[,;.]|\s*$)"
)
DUE = re.compile(
    r"\b(?:trước|chậm nhất|hạn)\s+(?:ngày\s+)?(\d{1,2}/\d{1,2}(?:/\d{4})?|"
    r"ngày\s*\d{1,2}\s*tháng\s*\d{1,2}(?:\s*năm\s*\d{4})?)",
    re.I,
)
_LEAD = re.compile(
    r"^(?:[Đđ]ồng thời|[Đđ]ề nghị|[Yy]êu cầu|[Cc]ăn cứ[^,]*,|[Tt]rong quá trình[^,]*,)\s*"
)
_VERBS = (
    r"\s+(?:chủ động|chủ trì|phối hợp|triển khai|thực hiện|lãnh đạo|xây dựng|tổ chức|"
    r"tăng cường|căn cứ|tiếp tục|báo cáo|theo dõi|kịp thời|đẩy mạnh|có trách nhiệm|"
    r"định kỳ|gửi|tổng hợp|tham mưu|hướng dẫn|chỉ đạo|nắm|đưa|quán triệt|bảo đảm)\b"
)
VERB = re.compile(_VERBS, re.I)
OPENER = re.compile(
    r"^(?:Căn cứ|Trong|Định kỳ|Sau khi|Khi|Trên cơ sở|Để|Nhằm|Thực hiện)\b.{0,160}?,\s*"
    rf"(?:đề nghị\s+|yêu cầu\s+)?(?={ORG})",
    re.I,
)


def subject(text: str) -> str | None:
    """The unit a sentence is addressed to, when it opens with one ("Các cơ quan, đơn vị,
    địa phương căn cứ …" → "Các cơ quan, đơn vị, địa phương"), also after an opening
    clause ("Căn cứ hướng dẫn, đề nghị các Chi bộ trực thuộc triển khai …")."""
    text = text.strip(" -+•*–")
    while (lead := _LEAD.match(text)) and lead.end():
        text = text[lead.end() :]
    opener = OPENER.match(text)
    if opener:
        text = text[opener.end() :]
    if not ORG_START.match(text):
        return None
    verb = VERB.search(text)
    who = (text[: verb.start()] if verb else "").strip(" ,:;.")
    if not who or len(who) > 160 or not ORG_START.match(who):
        return None
    return who


def _cadences(clause: str) -> list[tuple[str | None, int]]:
    """(cadence, where it is said) in the order written; None = 'định kỳ' with no period."""
    found: list[tuple[str | None, int]] = []
    covered: list[tuple[int, int]] = []
    for m in PERIOD_LIST.finditer(clause):
        covered.append(m.span())
        for w in PERIOD_WORD.finditer(m.group(0)):
            found.append((CADENCE.get(w.group(0).lower(), "year"), m.start() + w.start()))
    for m in REPORT_PERIOD.finditer(clause):
        if not any(a <= m.start(1) < b for a, b in covered):
            found.append((CADENCE.get(m.group(1).lower(), "year"), m.start(1)))
            covered.append(m.span())
    if not found:
        periodic = PERIODIC.search(clause)
        if periodic:
            found.append((None, periodic.start()))
    incident = INCIDENT.search(clause)
    if incident:
        found.append(("incident", incident.start()))
    seen: set[str | None] = set()
    out = []
    for cadence, at in sorted(found, key=lambda f: f[1]):
        if cadence not in seen:
            seen.add(cadence)
            out.append((cadence, at))
    return out


def _what(clause: str, at: int) -> str:
    rest = clause[at:]
    stop = re.search(
        r"\s+(?:về|gửi|trước|để|lên|cho|định kỳ hằng|hằng|hàng)\s|\s*\(|;|,\s*đồng thời|\.$",
        rest[len("báo cáo") :],
    )
    end = len("báo cáo") + stop.start() if stop else len(rest)
    return rest[:end].strip(" ,.;:")


def obligations(lines: Lines, *, year: int | None, units: dict[int, str]) -> list[dict[str, Any]]:
    """Reporting duties: one per cadence said ("Định kỳ hằng tháng, quý, 6 tháng và năm …
    báo cáo … về Ban Tuyên giáo …" gives month, quarter, half and year). `units` maps a
    line to the unit its section addresses, for a clause with no subject of its own."""
    out: list[dict[str, Any]] = []
    for line, text in lines:
        if not REPORT.search(text):
            continue
        for sentence in sentences(text):
            who_before: str | None = None
            to_before: str | None = None
            for clause in (c.strip() for c in sentence.split(";")):
                report = REPORT.search(clause)
                if report is None:
                    continue
                cadences = _cadences(clause)
                recipient = RECIPIENT.search(clause, report.start())
                to = recipient.group(1).strip(" ,") if recipient else to_before
                due_any = DUE.search(clause)
                if not cadences and due_any:
                    cadences = [("once", due_any.start())]
                if not cadences and not recipient:
                    continue
                head = PERIOD_LIST.sub("", clause[: report.start()]).strip(" ,")
                who = subject(head + " báo cáo") if head else None
                who = who or who_before or units.get(line)
                for k, (cadence, at) in enumerate(cadences):
                    until = cadences[k + 1][1] if k + 1 < len(cadences) else len(clause)
                    due = DUE.search(clause, at, until) or (
                        DUE.search(clause, 0, until) if len(cadences) == 1 else None
                    )
                    day = parse_date(due.group(1), default_year=year) if due else None
                    out.append(
                        {
                            "who": who,
                            "what": _what(clause, report.start()),
                            "to": to,
                            "cadence": cadence,
                            "due": day.isoformat() if day else None,
                            "text": clause.strip(" -+•*–.;/"),
                            "line": line,
                        }
                    )
                who_before, to_before = who, to
    return out


# --- deliverables, channels, audiences, languages ---------------------------------------

DELIVERABLES: list[tuple[str, str]] = [
    ("infographic", r"infographic"),
    ("clip", r"video clip(?: ngắn)?|video ngắn|clip(?: đa ngôn ngữ)?"),
    ("film", r"phim tài liệu|phim tư liệu"),
    ("reportage", r"phóng sự"),
    ("article", r"tin, bài|tin bài|bài viết"),
    ("newsletter", r"bản tin(?: số)?"),
    ("podcast", r"podcast"),
    ("page", r"chuyên trang(?:, chuyên mục)?|chuyên mục"),
    ("publication", r"ấn phẩm|tài liệu tuyên truyền"),
    ("identity", r"bộ nhận diện(?: truyền thông)?"),
    ("press-release", r"thông cáo báo chí"),
    ("press-conference", r"họp báo"),
    ("exhibition", r"triển lãm"),
    ("seminar", r"hội thảo|t(?:ọa|oạ) đàm"),
    ("contest", r"cuộc thi"),
    ("database", r"cơ sở dữ liệu"),
]
CHANNELS: list[tuple[str, str]] = [
    (  # not "báo chí nước ngoài", "hãng thông tấn" (an audience), "thông cáo báo chí" (a product)
        "press",
        r"cơ quan báo chí|(?<!cáo )báo chí(?! (?:nước ngoài|quốc tế))|(?<!hãng )thông tấn|"
        r"báo, đài",
    ),
    ("portal", r"trang thông tin điện tử|cổng thông tin(?: điện tử)?|website|trang web"),
    ("social", r"mạng xã hội|nền tảng số|truyền thông số|nền tảng truyền thông"),
    ("radio", r"phát thanh|Đài Tiếng nói Việt Nam|truyền thanh"),
    ("tv", r"truyền hình"),
    (
        "direct",
        r"tuyên truyền miệng|thông tin cơ sở|sinh hoạt chi bộ|sinh hoạt đoàn thể|"
        r"đối thoại|hỏi - đáp trực tiếp",
    ),
]
AUDIENCES: list[tuple[str, str]] = [
    ("overseas-vietnamese", r"người Việt Nam ở nước ngoài|kiều bào|cộng đồng người Việt"),
    (
        "international",
        r"bạn bè quốc tế|cộng đồng quốc tế|dư luận quốc tế|công chúng trong và ngoài nước",
    ),
    (
        "foreign-press",
        r"báo chí nước ngoài|báo chí quốc tế|phóng viên nước ngoài|truyền thông sở tại|"
        r"hãng thông tấn",
    ),
    ("diplomatic", r"chính đảng|tổ chức quốc tế|cơ quan đại diện ngoại giao|chính giới"),
    ("investors", r"nhà đầu tư|cộng đồng doanh nghiệp"),
    ("tourists", r"du khách|khách du lịch"),
    ("scholars", r"học giả|chuyên gia"),
    ("youth", r"thế hệ trẻ|thanh niên|sinh viên"),
    ("members", r"đảng viên|đoàn viên|hội viên"),
    ("officials", r"cán bộ, công chức, viên chức"),
    ("public", r"các tầng lớp [Nn]hân dân|quần chúng nhân dân|cử tri"),
    ("ethnic-minorities", r"đồng bào dân tộc thiểu số"),
]
LANGUAGES: list[tuple[str | None, str]] = [
    (None, r"đa ngữ|đa ngôn ngữ|nhiều ngôn ngữ|song ngữ"),
    ("en", r"tiếng Anh"),
    ("zh", r"tiếng Trung(?: Quốc)?|tiếng Hoa"),
    ("fr", r"tiếng Pháp"),
    ("ru", r"tiếng Nga"),
    ("ja", r"tiếng Nhật"),
    ("ko", r"tiếng Hàn"),
    ("lo", r"tiếng Lào"),
    ("km", r"tiếng Khmer"),
    ("de", r"tiếng Đức"),
    ("es", r"tiếng Tây Ban Nha"),
]


def _compile(table: list[tuple[Any, str]]) -> list[tuple[Any, re.Pattern[str]]]:
    return [(kind, re.compile(rf"(?<!\w)(?:{rx})(?!\w)", re.I)) for kind, rx in table]


_DELIVERABLES = _compile(DELIVERABLES)
_CHANNELS = _compile(CHANNELS)
_AUDIENCES = _compile(AUDIENCES)
_LANGUAGES = _compile(LANGUAGES)


def _mentions(lines: Lines, table: list[tuple[Any, re.Pattern[str]]]) -> list[dict[str, Any]]:
    """Each kind once per line, with the words as written (`text`)."""
    out: list[dict[str, Any]] = []
    for line, text in lines:
        for kind, regex in table:
            m = regex.search(text)
            if m:
                out.append({"kind": kind, "text": m.group(0), "line": line})
    return out


def deliverables(lines: Lines) -> list[dict[str, Any]]:
    return _mentions(lines, _DELIVERABLES)


def channels(lines: Lines) -> list[dict[str, Any]]:
    return _mentions(lines, _CHANNELS)


def audiences(lines: Lines) -> list[dict[str, Any]]:
    return _mentions(lines, _AUDIENCES)


def languages(lines: Lines) -> list[dict[str, Any]]:
    """`code` is the language named (ISO 639-1), or null with `multilingual` true for
    "đa ngữ", "nhiều ngôn ngữ" … (several languages, none named)."""
    return [
        {"code": m["kind"], "multilingual": m["kind"] is None, "text": m["text"], "line": m["line"]}
        for m in _mentions(lines, _LANGUAGES)
    ]


# --- tasks -------------------------------------------------------------------------------

TASK_SECTIONS = ("TO CHUC THUC HIEN", "NHIEM VU", "PHAN CONG", "TRACH NHIEM")


def _unit_heading(title: str) -> bool:
    """A heading that names units ("2. Bộ Ngoại giao"), not one that is a sentence."""
    return bool(ORG_START.match(title)) and not title.rstrip().endswith(".") and len(title) < 240


def tasks(sections: list[Node]) -> list[dict[str, Any]]:
    """Each paragraph of the organisation sections with the unit it is addressed to: the
    heading's unit ("1. Ban Tuyên giáo và Dân vận Trung ương"), or the paragraph's own
    subject ("Đảng ủy UBND thành phố lãnh đạo …"), or null."""
    out: list[dict[str, Any]] = []

    def add(text: str, line: int, unit: str | None, *, fixed: bool) -> None:
        """One task per clause that names its own unit (under a unit heading, the heading's
        unit stays: "Thường trực Ban Chỉ đạo …" there is what the unit does)."""
        current: dict[str, Any] | None = None
        for clause in (c.strip() for c in text.split(";")):
            if not clause:
                continue
            own = None if fixed else subject(clause)
            if current is None or own:
                current = {"unit": own or unit, "text": clause.strip(" .;/"), "line": line}
                out.append(current)
            else:
                current["text"] += "; " + clause.strip(" .;/")

    def visit(node: Node, unit: str | None, fixed: bool) -> None:
        if node.level and _unit_heading(node.title):
            here: str | None = node.title.rstrip(" :")
            fixed = True
        else:
            here = (None if fixed else subject(node.title)) or unit
            if node.level:  # a numbered sentence is itself a task
                add(node.title, node.line, here, fixed=fixed)
        for text, line in zip(node.bullets, node.bullet_lines, strict=False):
            add(text, line, here, fixed=fixed)
        for child in node.children:
            visit(child, here, fixed)

    for section in sections:
        if upper_folded(section.title).startswith(TASK_SECTIONS):
            visit(section, None, False)
    return out


def units_by_line(found: list[dict[str, Any]]) -> dict[int, str]:
    return {t["line"]: t["unit"] for t in found if t["unit"]}


# --- events ------------------------------------------------------------------------------

ROMAN = r"[IVXLC]{1,7}"
ORD = rf"(?:{ROMAN}|\d{{1,2}})(?![\w])"
EVENT_ACRONYM = re.compile(r"\b([A-Z]{3,}[A-Za-z\-]*)\s+((?:19|20)\d{2})\b")
CONGRESS_NATIONAL = re.compile(
    rf"Đại hội (?:đại biểu )?toàn quốc lần thứ ({ORD})(?: của Đảng)?|"
    rf"Đại hội ({ROMAN})(?![\w])(?: của Đảng)?"
)
CONGRESS_LOCAL = re.compile(
    rf"Đại hội (?:đại biểu )?(?:của )?(Đảng bộ (?:(?!lần thứ)[^,;.()\n]){{2,80}}?) "
    rf"lần thứ ({ORD})|"
    rf"Đại hội (?:đại biểu )?lần thứ ({ORD}) (Đảng bộ [^,;.()\n]{{2,60}}?)(?=[,;.()]| nhiệm kỳ|$)"
)
ELECTION = re.compile(
    rf"bầu cử đại biểu Quốc hội kho[áa] ({ROMAN})(?![\w])"
    r"(?: và (?:đại biểu )?Hội đồng nhân dân các cấp(?: nhiệm kỳ ((?:19|20)\d{2}) ?[-–] ?\d{4})?)?",
    re.I,
)


def _roman_ok(value: str) -> bool:
    return bool(re.fullmatch(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})", value))


def events(lines: Lines) -> list[dict[str, Any]]:
    """Events named in the text: "APEC 2027", "Đại hội đại biểu toàn quốc lần thứ XIV của
    Đảng" (also written "Đại hội XIV"), "Đại hội Đảng bộ thành phố lần thứ I", "bầu cử đại
    biểu Quốc hội khoá XVI …". One entry per event, named by its fullest mention, at its
    first line; `date` when a sentence naming it gives a full date (d/m/yyyy)."""
    found: dict[tuple[str, ...], dict[str, Any]] = {}

    def seen(key: tuple[str, ...], name: str, line: int, sentence: str, yr: int | None) -> None:
        day = _full_date(sentence)
        entry = found.get(key)
        if entry is None:
            entry = found[key] = {"name": name, "year": yr, "date": None, "line": line}
        elif len(name) > len(entry["name"]):
            entry["name"] = name
        if entry["date"] is None and day is not None:
            entry["date"] = day.isoformat()
            entry["year"] = entry["year"] or day.year
        entry["year"] = entry["year"] or yr

    for line, text in lines:
        for sentence in sentences(text):
            for m in EVENT_ACRONYM.finditer(sentence):
                name = f"{m.group(1)} {m.group(2)}"
                seen(("acronym", name), name, line, sentence, int(m.group(2)))
            for m in CONGRESS_NATIONAL.finditer(sentence):
                ordinal = m.group(1) or m.group(2)
                if _roman_ok(ordinal) or ordinal.isdigit():
                    seen(("congress", "", ordinal), m.group(0), line, sentence, None)
            for m in CONGRESS_LOCAL.finditer(sentence):
                body = m.group(1) or m.group(4)
                ordinal = m.group(2) or m.group(3)
                if _roman_ok(ordinal) or ordinal.isdigit():
                    scope = " ".join(fold(body).lower().split())
                    seen(("congress", scope, ordinal), m.group(0), line, sentence, None)
            for m in ELECTION.finditer(sentence):
                term = int(m.group(2)) if m.group(2) else None
                seen(("election", m.group(1).upper()), m.group(0), line, sentence, term)
    return sorted(found.values(), key=lambda e: e["line"])


# "Nghị quyết số 59-NQ/TW ngày 24/01/2025": the date of a document, not of an event
DOCUMENT_DATE = re.compile(
    r"\bsố\s*:?\s*[\w\-/.Đđ]+\s*,?\s*(?:ngày\s*)?(?:\d{1,2}/\d{1,2}/\d{4}|"
    r"\d{1,2}\s*tháng\s*\d{1,2}\s*năm\s*\d{4})",
    re.I,
)


def _full_date(sentence: str) -> dt.date | None:
    """A date written with its year in `sentence` (a date without one is not an event's,
    nor is a cited document's date)."""
    sentence = DOCUMENT_DATE.sub(" ", sentence)
    for m in DATE_WORDS.finditer(sentence):
        if m.group(1) and m.group(2):
            return parse_date(m.group(0))
    for m in DATE_NUM.finditer(sentence):
        if m.group(3):
            return parse_date(m.group(0))
    return None
