"""The report as PDF (A4), the same layout as the DOCX, with Tinos embedded."""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF

from phuxanh.reports.layout import (
    FONTS,
    SIX_COLUMNS,
    SUBJECT,
    UNIT_COLUMNS,
    audit_line,
    chart_png,
    heading,
    sections,
    unit_table,
)
from phuxanh.reports.model import Report

# A table row must fit on one page (fpdf refuses a taller one): a "6 rõ" cell, 26-30 mm
# wide at 10 pt, holds this many characters in about half a page
CELL_MAX = 400


def _fit(text: str, limit: int = CELL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_margins(30, 20, 15)
    pdf.set_auto_page_break(True, margin=20)
    for style, name in (("", "Regular"), ("B", "Bold"), ("I", "Italic"), ("BI", "BoldItalic")):
        pdf.add_font("Tinos", style, str(FONTS / f"Tinos-{name}.ttf"))
    pdf.set_font("Tinos", size=13)
    pdf.add_page()
    return pdf


def _header(pdf: FPDF, report: Report) -> None:
    left, right, place = heading(report)
    top = pdf.get_y()
    pdf.set_xy(20, top)
    for i, line in enumerate(left):
        pdf.set_font("Tinos", "B" if i < len(left) - 2 else "", 12 if i < len(left) - 1 else 13)
        pdf.set_x(15)
        pdf.cell(80, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.get_y()
    pdf.set_xy(95, top)
    for line in right:
        pdf.set_font("Tinos", "B", 14 if report.spec.party else 12)
        pdf.set_x(95)
        pdf.cell(100, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(95)
    pdf.set_font("Tinos", "I", 13)
    pdf.cell(100, 10, place, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(bottom, pdf.get_y()) + 6)


def _units(pdf: FPDF, report: Report) -> None:
    """The rolled-up report's table: a row per unit, then the total."""
    pdf.set_font("Tinos", "I", 12)
    pdf.cell(0, 7, "Kết quả theo từng đơn vị:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Tinos", "", 10)
    with pdf.table(
        col_widths=(50, 20, 18, 22, 18, 20, 17), text_align="LEFT", line_height=5
    ) as table:
        head = table.row()
        for name in UNIT_COLUMNS:
            head.cell(name)
        for row in unit_table(report):
            cells = table.row()
            for text in row:
                cells.cell(_fit(text))
    pdf.set_font("Tinos", "", 13)


def write_pdf(report: Report, out: Path) -> None:
    pdf = _pdf()
    _header(pdf, report)
    pdf.set_font("Tinos", "B", 15)
    pdf.cell(0, 8, "BÁO CÁO", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Tinos", "B", 13)
    pdf.multi_cell(
        0, 7, f"{SUBJECT} {report.period.label_vi}", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.cell(0, 6, "-----", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Tinos", "", 13)
    intro = (
        f"Thực hiện chế độ báo cáo định kỳ, {report.unit} báo cáo kết quả công tác thông "
        f"tin đối ngoại {report.period.label_vi} (từ ngày {report.period.start:%d/%m/%Y} "
        f"đến ngày {report.period.end:%d/%m/%Y}) như sau:"
    )
    pdf.multi_cell(0, 7, "      " + intro, align="J", new_x="LMARGIN", new_y="NEXT")
    for i, (title, paragraphs) in enumerate(sections(report)):
        pdf.ln(2)
        pdf.set_font("Tinos", "B", 13)
        pdf.multi_cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Tinos", "", 13)
        for text in paragraphs:
            pdf.multi_cell(0, 7, "      " + text, align="J", new_x="LMARGIN", new_y="NEXT")
        if i == 0 and report.units:
            _units(pdf, report)
        if i == 0:
            pdf.image(io.BytesIO(chart_png(report)), w=160)
            pdf.set_font("Tinos", "I", 12)
            pdf.cell(0, 7, "Bảng “6 rõ” theo từng nhiệm vụ:", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Tinos", "", 10)
            with pdf.table(
                col_widths=(30, 30, 26, 28, 25, 26), text_align="LEFT", line_height=5
            ) as table:
                head = table.row()
                for name in SIX_COLUMNS:
                    head.cell(f"Rõ {name}")
                for row in report.six:
                    cells = table.row()
                    for name in SIX_COLUMNS:
                        cells.cell(_fit(row[name]))
    pdf.ln(6)
    y = pdf.get_y()
    pdf.set_font("Tinos", "BI", 12)
    pdf.cell(80, 6, "Nơi nhận:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Tinos", "", 11)
    for r in report.spec.recipients:
        pdf.multi_cell(80, 5, f"- {r}", new_x="LMARGIN", new_y="NEXT")
    recipients_end = pdf.get_y()
    pdf.set_xy(105, y)
    pdf.set_font("Tinos", "B", 13)
    for line in report.spec.signer_title.split("\n"):
        pdf.set_x(105)
        pdf.cell(90, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(105)
    pdf.set_font("Tinos", "I", 12)
    pdf.cell(90, 6, "(Ký, ghi rõ họ tên)", align="C", new_x="LMARGIN", new_y="NEXT")
    if report.spec.signer_name:
        pdf.set_xy(105, pdf.get_y() + 20)
        pdf.set_font("Tinos", "B", 13)
        pdf.cell(90, 6, report.spec.signer_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(recipients_end, pdf.get_y()) + 8)
    pdf.set_font("Tinos", "", 8)
    pdf.multi_cell(0, 4, audit_line(report), new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(out))
