"""Write a report to a file in one of the three formats, all or nothing."""

from __future__ import annotations

import os
from pathlib import Path

from phuxanh.core.errors import PhuxanhError
from phuxanh.core.settings import private_dir
from phuxanh.reports.docx import write_docx
from phuxanh.reports.layout import clean
from phuxanh.reports.model import Report
from phuxanh.reports.pdf import write_pdf
from phuxanh.reports.xlsx import write_xlsx


def write(report: Report, out: Path, fmt: str) -> None:
    """Write the report as docx, xlsx or pdf: whatever text the database holds renders
    (see `clean`), and `out` appears complete or not at all (no `.part` left behind)."""
    writer = {"docx": write_docx, "xlsx": write_xlsx, "pdf": write_pdf}[fmt]
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        private_dir(out.parent)
        writer(clean(report), tmp)
        tmp.replace(out)
    except OSError as exc:
        raise PhuxanhError(f"{out}: cannot write the report: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
