"""A document in the administrative layout of the periodic report (phuxanh/reports/), for
what the office issues beyond its posts: a press release, a radio bulletin.

The head is the report's (`reports.layout.heading`: issuing body and number top left,
the national or Party heading with place and date top right), then the document's kind
("THÔNG CÁO BÁO CHÍ") and subject, its paragraphs, and at the end the recipients and the
signature block. The DOCX names Times New Roman like the report (`reports.docx`); the PDF
embeds Tinos from assets/fonts (`reports.pdf`), so every Vietnamese letter renders.
Every text passes `reports.layout.clean_text` (NFC, no control character); a file is
written whole or not at all."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fpdf import FPDF

from phuxanh.core.files import write_whole
from phuxanh.core.settings import get_settings
from phuxanh.planning.campaign import ReportSpec
from phuxanh.reports.layout import clean_text, heading
from phuxanh.reports.model import Period, Report, Row

FORMATS = ("docx", "pdf")
# styles of a block: a section title, a paragraph, a line of its own (an item's title),
# a list line, a small italic note (a reading time), a labelled line ("Liên hệ: …")
STYLES = ("section", "body", "lead", "bullet", "note", "label")


@dataclass
class Block:
    text: str
    style: str = "body"
    label: str = ""  # the bold words before `text` when style is "label"


@dataclass
class Document:
    left: list[str]  # issuing body lines, then "*" (Party) and the number line, if any
    right: list[str]  # the national or Party heading
    place: str  # "Hải Phòng, ngày 15 tháng 03 năm 2026"
    party: bool
    kind: str  # "THÔNG CÁO BÁO CHÍ"
    subject: list[str]
    blocks: list[Block] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    signer_title: str = ""
    signer_name: str = ""


def head(spec: ReportSpec, unit: str, day: dt.date) -> tuple[list[str], list[str], str]:
    """The report's head (`reports.layout.heading`) for `unit` on `day`."""
    shell = Report(
        period=Period(day.isoformat(), "day", day, day, "", ""),
        unit=unit,
        spec=spec,
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


def today() -> dt.date:
    return dt.datetime.now(get_settings().tz).date()


def data_dir() -> Path:
    """The data folder (the media folder's parent: var/ by default)."""
    return get_settings().media_dir.resolve().parent


def stored_path(path: Path) -> str:
    """`path` as a row keeps it: relative to the data folder when inside it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(data_dir()))
    except ValueError:
        return str(resolved)


def write(doc: Document, out: Path, fmt: str) -> None:
    """Write `doc` as docx or pdf: `out` appears complete or not at all."""
    writer: Callable[[Document, Path], None] = {"docx": _docx, "pdf": _pdf}[fmt]
    cleaned = _cleaned(doc)
    write_whole(out, lambda tmp: writer(cleaned, tmp), what="the file")


def _cleaned(doc: Document) -> Document:
    def c(lines: list[str]) -> list[str]:
        return [clean_text(x) for x in lines]

    return Document(
        left=c(doc.left),
        right=c(doc.right),
        place=clean_text(doc.place),
        party=doc.party,
        kind=clean_text(doc.kind),
        subject=c(doc.subject),
        blocks=[Block(clean_text(b.text), b.style, clean_text(b.label)) for b in doc.blocks],
        recipients=c(doc.recipients),
        signer_title=clean_text(doc.signer_title),
        signer_name=clean_text(doc.signer_name),
    )


def _left_style(doc: Document, i: int) -> tuple[bool, float]:
    """(bold, size) of the i-th line top left: the issuing body bold, then "*" and the
    number plain, as the report's head."""
    line = doc.left[i]
    plain = line == "*" or line.startswith("Số")
    return (not plain, 14 if line.startswith("Số") else 13)


# --- DOCX -------------------------------------------------------------------------------


def _docx(doc: Document, out: Path) -> None:
    from docx import Document as Docx
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    from phuxanh.reports.docx import FONT

    d = Docx()
    style = d.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    section = d.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    _docx_head(d, doc)
    _docx_body(d, doc)
    _docx_end(d, doc)
    d.save(str(out))


def _docx_head(d: Any, doc: Document) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    from phuxanh.reports.docx import _para

    center = WD_ALIGN_PARAGRAPH.CENTER
    table = d.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    cells = table.rows[0].cells
    for column, width in zip(table.columns, (Cm(6.5), Cm(10)), strict=True):
        column.width = width
    for cell, width in zip(cells, (Cm(6.5), Cm(10)), strict=True):
        cell.width = width
    for i, line in enumerate(doc.left):
        bold, size = _left_style(doc, i)
        _para(cells[0], line, bold=bold, size=size, align=center, space_after=0)
    for line in doc.right:
        _para(cells[1], line, bold=True, size=15 if doc.party else 13, align=center, space_after=0)
    _para(cells[1], "" if doc.party else "_" * 20, size=8, align=center, space_after=2)
    _para(cells[1], doc.place, italic=True, size=13, align=center)
    for cell in cells:
        first = cell.paragraphs[0]
        first._element.getparent().remove(first._element)
    _para(d, doc.kind, bold=True, size=15, align=center, space_after=0)
    for line in doc.subject:
        _para(d, line, bold=True, align=center, space_after=0)
    _para(d, "-----", align=center)


def _docx_body(d: Any, doc: Document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    from phuxanh.reports.docx import FONT, _para

    for b in doc.blocks:
        if b.style == "section":
            _para(d, b.text, bold=True)
        elif b.style == "lead":
            _para(d, b.text, bold=True, indent=True)
        elif b.style == "bullet":
            _para(d, b.text, indent=True, space_after=3)
        elif b.style == "note":
            _para(d, b.text, italic=True, size=12, align=WD_ALIGN_PARAGRAPH.LEFT, indent=True)
        elif b.style == "label":
            p = _para(d, "", indent=True)
            bold = p.add_run(b.label + " ")
            bold.bold, bold.font.size, bold.font.name = True, Pt(14), FONT
            run = p.add_run(b.text)
            run.font.size, run.font.name = Pt(14), FONT
        else:
            _para(d, b.text, indent=True)


def _docx_end(d: Any, doc: Document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from phuxanh.reports.docx import _para

    if not (doc.recipients or doc.signer_title):
        return
    center, left_align = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    end = d.add_table(rows=1, cols=2)
    lcell, rcell = end.rows[0].cells
    if doc.recipients:
        _para(lcell, "Nơi nhận:", bold=True, italic=True, size=12, align=left_align)
        for r in doc.recipients:
            _para(lcell, f"- {r}", size=11, align=left_align, space_after=0)
    for line in doc.signer_title.split("\n"):
        _para(rcell, line, bold=True, align=center, space_after=0)
    if doc.signer_title:
        _para(rcell, "(Ký, ghi rõ họ tên)", italic=True, size=12, align=center)
        _para(rcell, "\n\n" + doc.signer_name, bold=True, align=center)
    for cell in (lcell, rcell):
        first = cell.paragraphs[0]
        if not first.text:
            first._element.getparent().remove(first._element)


# --- PDF --------------------------------------------------------------------------------


def _pdf(doc: Document, out: Path) -> None:
    from phuxanh.reports.pdf import _pdf as new_pdf

    pdf = new_pdf()
    _pdf_head(pdf, doc)
    _pdf_body(pdf, doc)
    _pdf_end(pdf, doc)
    pdf.output(str(out))


def _pdf_head(pdf: FPDF, doc: Document) -> None:
    top = pdf.get_y()
    for i, line in enumerate(doc.left):
        bold, size = _left_style(doc, i)
        pdf.set_font("Tinos", "B" if bold else "", size - 1)
        pdf.set_xy(15, pdf.get_y() if i else top)
        pdf.multi_cell(80, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.get_y()
    pdf.set_xy(95, top)
    for line in doc.right:
        pdf.set_font("Tinos", "B", 14 if doc.party else 12)
        pdf.set_x(95)
        pdf.cell(100, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
    if not doc.party:  # the rule under "Độc lập - Tự do - Hạnh phúc"
        y = pdf.get_y() + 0.5
        pdf.line(122, y, 168, y)
        pdf.ln(1)
    pdf.set_x(95)
    pdf.set_font("Tinos", "I", 13)
    pdf.cell(100, 10, doc.place, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(bottom, pdf.get_y()) + 6)
    pdf.set_font("Tinos", "B", 15)
    pdf.cell(0, 8, doc.kind, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Tinos", "B", 13)
    for line in doc.subject:
        pdf.multi_cell(0, 7, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, "-----", align="C", new_x="LMARGIN", new_y="NEXT")


def _pdf_body(pdf: FPDF, doc: Document) -> None:
    indent = "      "
    for b in doc.blocks:
        if b.style in ("section", "lead") and pdf.get_y() > pdf.h - 20 - 30:
            pdf.add_page()  # a title is not left alone at the foot of a page
        if b.style == "section":
            pdf.ln(2)
            pdf.set_font("Tinos", "B", 13)
            pdf.multi_cell(0, 7, b.text, new_x="LMARGIN", new_y="NEXT")
        elif b.style == "lead":
            pdf.ln(1)
            pdf.set_font("Tinos", "B", 13)
            pdf.multi_cell(0, 7, indent + b.text, align="L", new_x="LMARGIN", new_y="NEXT")
        elif b.style == "note":
            pdf.set_font("Tinos", "I", 12)
            pdf.multi_cell(0, 6, indent + b.text, align="L", new_x="LMARGIN", new_y="NEXT")
        elif b.style == "label":
            pdf.set_x(pdf.l_margin)
            pdf.set_font("Tinos", "B", 13)
            pdf.write(7, f"{indent}{b.label} ")
            pdf.set_font("Tinos", "", 13)
            pdf.write(7, b.text)
            pdf.ln(7)
        else:
            pdf.set_font("Tinos", "", 13)
            pdf.multi_cell(0, 7, indent + b.text, align="J", new_x="LMARGIN", new_y="NEXT")


def _pdf_end(pdf: FPDF, doc: Document) -> None:
    if not (doc.recipients or doc.signer_title):
        return
    pdf.ln(6)
    if pdf.get_y() > pdf.h - 20 - 55:  # the signature block stays whole on its page
        pdf.add_page()
    y = end = pdf.get_y()
    if doc.recipients:
        pdf.set_font("Tinos", "BI", 12)
        pdf.cell(80, 6, "Nơi nhận:", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Tinos", "", 11)
        for r in doc.recipients:
            pdf.multi_cell(80, 5, f"- {r}", new_x="LMARGIN", new_y="NEXT")
        end = pdf.get_y()
    pdf.set_xy(105, y)
    if doc.signer_title:
        pdf.set_font("Tinos", "B", 13)
        for line in doc.signer_title.split("\n"):
            pdf.set_x(105)
            pdf.cell(90, 6, line, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(105)
        pdf.set_font("Tinos", "I", 12)
        pdf.cell(90, 6, "(Ký, ghi rõ họ tên)", align="C", new_x="LMARGIN", new_y="NEXT")
        if doc.signer_name:
            pdf.set_xy(105, pdf.get_y() + 20)
            pdf.set_font("Tinos", "B", 13)
            pdf.cell(90, 6, doc.signer_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(end, pdf.get_y()) + 4)
