"""The report as DOCX, in the administrative layout, Times New Roman."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from phuxanh.reports.layout import (
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

FONT = "Times New Roman"


def _para(
    cell_or_doc: Any,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float = 14,
    align: int = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = False,
    space_after: float = 6,
) -> Any:
    p = cell_or_doc.add_paragraph()
    run = p.add_run(text)
    run.bold, run.italic, run.font.size, run.font.name = bold, italic, Pt(size), FONT
    p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    if indent:
        p.paragraph_format.first_line_indent = Cm(1.27)
    return p


def _units(doc: Any, report: Report) -> None:
    """The rolled-up report's table: a row per unit, then the total."""
    _para(doc, "Kết quả theo từng đơn vị:", italic=True)
    table = doc.add_table(rows=1, cols=len(UNIT_COLUMNS))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, UNIT_COLUMNS, strict=True):
        cell.text = ""
        _para(cell, name, bold=True, size=11, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    rows = unit_table(report)
    for k, row in enumerate(rows):
        cells = table.add_row().cells
        for j, (cell, text) in enumerate(zip(cells, row, strict=True)):
            _para(
                cell,
                text,
                bold=k == len(rows) - 1,
                size=11,
                align=WD_ALIGN_PARAGRAPH.LEFT if j == 0 else WD_ALIGN_PARAGRAPH.RIGHT,
                space_after=0,
            )
    for row in table.rows:  # each cell's empty first paragraph
        for cell in row.cells:
            first = cell.paragraphs[0]
            first._element.getparent().remove(first._element)


def write_docx(report: Report, out: Path) -> None:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    left, right, place = heading(report)
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    cells = table.rows[0].cells
    for cell, width in zip(cells, (Cm(6.5), Cm(10)), strict=True):
        cell.width = width
    for column, width in zip(table.columns, (Cm(6.5), Cm(10)), strict=True):
        column.width = width
    for i, line in enumerate(left):
        _para(
            cells[0],
            line,
            bold=i < len(left) - 2,
            size=13 if i < len(left) - 1 else 14,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            space_after=0,
        )
    for line in right:
        _para(
            cells[1],
            line,
            bold=True,
            size=15 if report.spec.party else 13,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            space_after=0,
        )
    _para(
        cells[1],
        "_" * 20 if not report.spec.party else "",
        size=8,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=2,
    )
    _para(cells[1], place, italic=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    for cell in cells:
        first = cell.paragraphs[0]
        first._element.getparent().remove(first._element)
    _para(doc, "BÁO CÁO", bold=True, size=15, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(
        doc,
        f"{SUBJECT} {report.period.label_vi}",
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=0,
    )
    _para(doc, "-----", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(
        doc,
        f"Thực hiện chế độ báo cáo định kỳ, {report.unit} báo cáo kết quả công tác "
        f"thông tin đối ngoại {report.period.label_vi} (từ ngày "
        f"{report.period.start:%d/%m/%Y} đến ngày {report.period.end:%d/%m/%Y}) "
        "như sau:",
        indent=True,
    )
    for i, (title, paragraphs) in enumerate(sections(report)):
        _para(doc, title, bold=True)
        for text in paragraphs:
            _para(doc, text, indent=True)
        if i == 0 and report.units:
            _units(doc, report)
        if i == 0:
            doc.add_picture(io.BytesIO(chart_png(report)), width=Cm(16))
            _para(doc, "Bảng “6 rõ” theo từng nhiệm vụ:", italic=True)
            six = doc.add_table(rows=1, cols=len(SIX_COLUMNS))
            six.style = "Table Grid"
            for cell, name in zip(six.rows[0].cells, SIX_COLUMNS, strict=True):
                cell.text = ""
                _para(
                    cell,
                    f"Rõ {name}",
                    bold=True,
                    size=11,
                    align=WD_ALIGN_PARAGRAPH.CENTER,
                    space_after=0,
                )
            for row in report.six:
                cells = six.add_row().cells
                for cell, name in zip(cells, SIX_COLUMNS, strict=True):
                    _para(cell, row[name], size=11, align=WD_ALIGN_PARAGRAPH.LEFT, space_after=0)
    end = doc.add_table(rows=1, cols=2)
    lcell, rcell = end.rows[0].cells
    _para(
        lcell,
        "Nơi nhận:",
        bold=True,
        italic=True,
        size=12,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        space_after=0,
    )
    for r in report.spec.recipients:
        _para(lcell, f"- {r}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT, space_after=0)
    for line in report.spec.signer_title.split("\n"):
        _para(rcell, line, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=0)
    _para(rcell, "(Ký, ghi rõ họ tên)", italic=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(
        rcell, "\n\n" + (report.spec.signer_name or ""), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    _para(doc, audit_line(report), size=8, align=WD_ALIGN_PARAGRAPH.LEFT, space_after=0)
    doc.save(str(out))
