"""Write a report to a file in one of the three formats, all or nothing."""

from __future__ import annotations

from pathlib import Path

from phuxanh.core.files import write_whole
from phuxanh.reports.docx import write_docx
from phuxanh.reports.layout import clean
from phuxanh.reports.model import Report
from phuxanh.reports.pdf import write_pdf
from phuxanh.reports.xlsx import write_xlsx


def write(report: Report, out: Path, fmt: str) -> None:
    """Write the report as docx, xlsx or pdf: whatever text the database holds renders
    (see `clean`), and `out` appears complete or not at all (no `.part` left behind)."""
    writer = {"docx": write_docx, "xlsx": write_xlsx, "pdf": write_pdf}[fmt]
    cleaned = clean(report)
    write_whole(out, lambda tmp: writer(cleaned, tmp), what="the report")
