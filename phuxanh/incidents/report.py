"""`incident report ID`: the incident reported upward, in the unit's administrative header
(the periodic report's: issuer, number, place and date, recipients, signer), as DOCX or
PDF: the claim and its evidence, the response time against the severity's target, the
timeline (detected, drafted, each approval, each post with its link, closed) and the
clarification's posts with their reach."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from phuxanh.core.files import write_whole
from phuxanh.core.settings import get_settings
from phuxanh.incidents.core import SEVERITY_VI, Step, get_incident, posts, timeline
from phuxanh.models import Incident, Unit
from phuxanh.network.units import unit_spec
from phuxanh.planning.campaign import ReportSpec
from phuxanh.reports.layout import clean_text, heading
from phuxanh.reports.model import Period, Report, Row
from phuxanh.reports.wording import n

STEP_VI = {
    "opened": "Ghi nhận vụ việc",
    "drafted": "Soạn thông tin chính thức",
    "submitted": "Gửi duyệt lại",
    "edited": "Chỉnh sửa",
    "changes_requested": "Yêu cầu sửa",
    "rejected": "Từ chối",
    "approved": "Duyệt",
    "paused": "Tạm dừng bài khác trên kênh",
    "published": "Đăng",
    "failed": "Đăng không thành công",
    "resumed": "Đăng lại bài khác trên kênh",
    "closed": "Kết thúc vụ việc",
}
STEP_COLUMNS = ["Thời điểm", "Bước", "Người, kênh", "Tham chiếu"]
POST_COLUMNS = ["Kênh", "Nền tảng", "Đăng lúc", "Liên kết", "Lượt tiếp cận"]


@dataclass
class IncidentReport:
    incident: Incident
    unit: str
    spec: ReportSpec
    steps: list[Step]
    posts: list[dict[str, str]]  # channel, platform, at, link, reach
    reach: int | None
    minutes: int | None  # opening → first clarification live
    generated_on: dt.date
    evidence: list[str] = field(default_factory=list)


def _when(at: dt.datetime | None, *, seconds: bool = False) -> str:
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return at.astimezone(get_settings().tz).strftime(f"{clock} %d/%m/%Y") if at else "—"


def build(session: Session, *, incident_id: int, today: dt.date | None = None) -> IncidentReport:
    incident = get_incident(session, incident_id)
    unit = session.get(Unit, incident.unit_id)
    assert unit is not None
    rows = []
    reach: int | None = None
    first: dt.datetime | None = incident.first_live_at
    for pub, channel in posts(session, incident_id=incident_id):
        if pub.published_at is not None and (first is None or pub.published_at < first):
            first = pub.published_at
        if pub.latest_reach is not None:
            reach = (reach or 0) + pub.latest_reach
        rows.append(
            {
                "channel": channel.display_name,
                "platform": channel.platform,
                "at": _when(pub.published_at) if pub.state == "published" else str(pub.state),
                "link": pub.remote_url or "—",
                "reach": n(pub.latest_reach),
            }
        )
    minutes = None
    if first is not None:
        minutes = max(0, int((first - incident.opened_at).total_seconds() // 60))
    return IncidentReport(
        incident=incident,
        unit=unit.name,
        spec=unit_spec(session, unit),
        steps=timeline(session, incident_id=incident_id),
        posts=rows,
        reach=reach,
        minutes=minutes,
        generated_on=today or dt.datetime.now(get_settings().tz).date(),
        evidence=list(incident.evidence),
    )


def _heading(r: IncidentReport) -> tuple[list[str], list[str], str]:
    day = r.generated_on
    period = Period(f"{day}", "incident", day, day, "", "")
    shell = Report(
        period=period,
        unit=r.unit,
        spec=r.spec,
        themes=[],
        channels=[],
        totals=Row("", ""),
        waves=[],
        six=[],
        gaps=[],
        strengths=[],
        next_steps=[],
        top_posts=[],
        generated_on=day,
    )
    return heading(shell)


def paragraphs(r: IncidentReport) -> list[tuple[str, list[str]]]:
    """The report's body as (section title, paragraphs); the tables follow sections II
    and III."""
    i = r.incident
    target = i.target_minutes
    if r.minutes is None:
        response = "Chưa có thông tin chính thức nào được đăng" + (
            f" (vượt mục tiêu {target} phút)." if i.status == "closed" else "."
        )
    else:
        verdict = (
            "đạt mục tiêu"
            if r.minutes <= target
            else f"chậm {r.minutes - target} phút so với mục tiêu"
        )
        response = (
            f"Từ khi ghi nhận ({_when(i.opened_at)}) đến khi thông tin chính thức đầu tiên "
            f"được đăng: {r.minutes} phút; mục tiêu {target} phút ({verdict})."
        )
    live = sum(1 for p in r.posts if p["link"] != "—")
    return [
        (
            "I. VỤ VIỆC",
            [
                f"Thông tin sai sự thật lan truyền: “{i.claim}”.",
                f"Mức độ: {SEVERITY_VI.get(i.severity, i.severity)}; trạng thái: "
                f"{'đang xử lý' if i.status == 'open' else 'đã kết thúc'}.",
                *(
                    [f"Nguồn ghi nhận (bài đăng công khai): {', '.join(r.evidence)}."]
                    if r.evidence
                    else []
                ),
                response,
            ],
        ),
        ("II. DIỄN BIẾN XỬ LÝ", []),
        (
            "III. THÔNG TIN CHÍNH THỨC ĐÃ ĐĂNG",
            [
                f"Đã đăng trên {live} kênh chính thức; tổng lượt tiếp cận {n(r.reach)}.",
            ],
        ),
        (
            "IV. KẾT THÚC",
            [
                f"Kết thúc lúc {_when(i.closed_at)}: {i.close_note}"
                if i.closed_at
                else "Vụ việc đang tiếp tục được theo dõi, xử lý."
            ],
        ),
    ]


def step_rows(r: IncidentReport) -> list[list[str]]:
    return [
        [_when(s.at, seconds=True), STEP_VI.get(s.what, s.what), s.who or "—", s.ref or "—"]
        for s in r.steps
    ]


def post_rows(r: IncidentReport) -> list[list[str]]:
    return [[p["channel"], p["platform"], p["at"], p["link"], p["reach"]] for p in r.posts]


def _subject(r: IncidentReport) -> str:
    return f"Kết quả xử lý thông tin sai sự thật: {r.incident.title}"


def _intro(r: IncidentReport) -> str:
    return (
        f"{r.unit} báo cáo việc xử lý thông tin sai sự thật và đăng thông tin chính thức "
        "trên các kênh của đơn vị như sau:"
    )


def write(session: Session, *, incident_id: int, out: Path, fmt: str) -> IncidentReport:
    """Write the report (docx or pdf): `out` appears complete or not at all."""
    report = build(session, incident_id=incident_id)
    writer = _write_docx if fmt == "docx" else _write_pdf
    write_whole(out, lambda tmp: writer(report, tmp), what="the report")
    return report


def _c(text: str) -> str:
    return clean_text(text)


def _write_pdf(r: IncidentReport, out: Path) -> None:
    from phuxanh.reports.pdf import _fit, _pdf

    pdf = _pdf()
    left, right, place = _heading(r)
    top = pdf.get_y()
    for k, line in enumerate(left):
        pdf.set_font("Tinos", "B" if k < len(left) - 2 else "", 12 if k < len(left) - 1 else 13)
        pdf.set_xy(15, pdf.get_y() if k else top)
        pdf.cell(80, 6, _c(line), align="C", new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.get_y()
    pdf.set_xy(95, top)
    for line in right:
        pdf.set_font("Tinos", "B", 14 if r.spec.party else 12)
        pdf.set_x(95)
        pdf.cell(100, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(95)
    pdf.set_font("Tinos", "I", 13)
    pdf.cell(100, 10, _c(place), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(bottom, pdf.get_y()) + 6)
    pdf.set_font("Tinos", "B", 15)
    pdf.cell(0, 8, "BÁO CÁO", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Tinos", "B", 13)
    pdf.multi_cell(0, 7, _c(_subject(r)), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, "-----", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Tinos", "", 13)
    pdf.multi_cell(0, 7, "      " + _c(_intro(r)), align="J", new_x="LMARGIN", new_y="NEXT")
    for title, texts in paragraphs(r):
        pdf.ln(2)
        pdf.set_font("Tinos", "B", 13)
        pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Tinos", "", 13)
        for text in texts:
            align = "L" if "://" in text else "J"  # a long link is not stretched
            pdf.multi_cell(0, 7, "      " + _c(text), align=align, new_x="LMARGIN", new_y="NEXT")
        table = (
            (STEP_COLUMNS, step_rows(r), (32, 44, 40, 49))
            if title.startswith("II.")
            else (POST_COLUMNS, post_rows(r), (45, 22, 32, 50, 16))
            if title.startswith("III.")
            else None
        )
        if table is not None and table[1]:
            columns, rows, widths = table
            pdf.set_font("Tinos", "", 10)
            with pdf.table(col_widths=widths, text_align="LEFT", line_height=5) as grid:
                head = grid.row()
                for name in columns:
                    head.cell(name)
                for row in rows:
                    cells = grid.row()
                    for text in row:
                        cells.cell(_fit(_c(text)))
            pdf.set_font("Tinos", "", 13)
    _pdf_end(pdf, r)
    pdf.output(str(out))


def _pdf_end(pdf: object, r: IncidentReport) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    pdf.ln(6)
    y = pdf.get_y()
    pdf.set_font("Tinos", "BI", 12)
    pdf.cell(80, 6, "Nơi nhận:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Tinos", "", 11)
    for name in r.spec.recipients:
        pdf.multi_cell(80, 5, _c(f"- {name}"), new_x="LMARGIN", new_y="NEXT")
    end = pdf.get_y()
    pdf.set_xy(105, y)
    pdf.set_font("Tinos", "B", 13)
    for line in r.spec.signer_title.split("\n"):
        pdf.set_x(105)
        pdf.cell(90, 6, _c(line), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(105)
    pdf.set_font("Tinos", "I", 12)
    pdf.cell(90, 6, "(Ký, ghi rõ họ tên)", align="C", new_x="LMARGIN", new_y="NEXT")
    if r.spec.signer_name:
        pdf.set_xy(105, pdf.get_y() + 20)
        pdf.set_font("Tinos", "B", 13)
        pdf.cell(90, 6, _c(r.spec.signer_name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(end, pdf.get_y()) + 8)


def _write_docx(r: IncidentReport, out: Path) -> None:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    from phuxanh.reports.docx import FONT, _para

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    left, right, place = _heading(r)
    head = doc.add_table(rows=1, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    cells = head.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER
    for k, line in enumerate(left):
        size = 13 if k < len(left) - 1 else 14
        _para(cells[0], _c(line), bold=k < len(left) - 2, size=size, align=center, space_after=0)
    for line in right:
        size = 15 if r.spec.party else 13
        _para(cells[1], line, bold=True, size=size, align=center, space_after=0)
    _para(cells[1], _c(place), italic=True, size=13, align=center)
    for cell in cells:
        first = cell.paragraphs[0]
        first._element.getparent().remove(first._element)
    _para(doc, "BÁO CÁO", bold=True, size=15, align=center, space_after=0)
    _para(doc, _c(_subject(r)), bold=True, align=center, space_after=0)
    _para(doc, "-----", align=center)
    _para(doc, _c(_intro(r)), indent=True)
    for title, texts in paragraphs(r):
        _para(doc, title, bold=True)
        for text in texts:
            _para(doc, _c(text), indent=True)
        table = (
            (STEP_COLUMNS, step_rows(r))
            if title.startswith("II.")
            else (POST_COLUMNS, post_rows(r))
            if title.startswith("III.")
            else None
        )
        if table is not None and table[1]:
            columns, rows = table
            grid = doc.add_table(rows=1, cols=len(columns))
            grid.style = "Table Grid"
            for cell, name in zip(grid.rows[0].cells, columns, strict=True):
                cell.text = ""
                _para(cell, name, bold=True, size=11, align=center, space_after=0)
            for row in rows:
                for cell, text in zip(grid.add_row().cells, row, strict=True):
                    cell.text = ""
                    _para(cell, _c(text), size=11, align=WD_ALIGN_PARAGRAPH.LEFT, space_after=0)
    end = doc.add_table(rows=1, cols=2)
    lcell, rcell = end.rows[0].cells
    _para(lcell, "Nơi nhận:", bold=True, italic=True, size=12, align=WD_ALIGN_PARAGRAPH.LEFT)
    for name in r.spec.recipients:
        _para(lcell, _c(f"- {name}"), size=11, align=WD_ALIGN_PARAGRAPH.LEFT, space_after=0)
    for line in r.spec.signer_title.split("\n"):
        _para(rcell, _c(line), bold=True, align=center, space_after=0)
    _para(rcell, "(Ký, ghi rõ họ tên)", italic=True, size=12, align=center)
    _para(rcell, "\n\n" + _c(r.spec.signer_name or ""), bold=True, align=center)
    doc.save(str(out))
