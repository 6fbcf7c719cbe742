"""Periodic reports: periods, figures cross-checked against plain SQL, the three formats,
unit scoping and bad input."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import Session

from phuxanh import jobs
from phuxanh.core.errors import ValidationFailed
from phuxanh.reports.figures import build
from phuxanh.reports.model import parse_period, period_of
from tests.helpers import at
from tests.test_publishing import _approve_all


def test_periods() -> None:
    q1 = parse_period("2026-Q1")
    assert (q1.start, q1.end, q1.label_vi) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 3, 31),
        "quý I năm 2026",
    )
    feb = parse_period("2026-02")
    assert feb.end == dt.date(2026, 2, 28) and feb.label_vi == "tháng 2 năm 2026"
    h2 = parse_period("2026-H2")
    assert (h2.start, h2.end, h2.label_vi) == (
        dt.date(2026, 7, 1),
        dt.date(2026, 12, 31),
        "6 tháng cuối năm 2026",
    )
    assert parse_period("2026").end == dt.date(2026, 12, 31)
    assert period_of("quarter", dt.date(2026, 6, 10)).code == "2026-Q2"
    for bad, said in (("2026-13", "month 13 does not exist"), ("Q1-2026", "is not YYYY-MM")):
        with pytest.raises(ValidationFailed, match=said):
            parse_period(bad)


@pytest.fixture
def measured(db_url: str, sandbox, given_campaign) -> str:
    given_campaign(db_url, sandbox.public_url, days=2)
    _approve_all(db_url)
    for day in (0, 1):
        for hour, minute in ((8, 1), (19, 31)):
            jobs.publish_due(now=at(day, hour, minute), database_url=db_url)
    jobs.collect_metrics(now=at(3, 6), database_url=db_url)
    return db_url


def test_figures_match_a_plain_sql_count(measured: str) -> None:
    with Session(jobs.engine(measured)) as s:
        report = build(
            s, period=parse_period("2026-03"), tz=jobs.get_settings().tz, today=dt.date(2026, 3, 20)
        )
        published, reach = s.execute(
            text(
                "SELECT count(*), sum(m.reach) FROM publication p JOIN metricsnapshot m ON m.id = "
                "(SELECT max(id) FROM metricsnapshot WHERE publication_id = p.id) "
                "WHERE p.state = 'published'"
            )
        ).one()
    assert report.totals.published == published > 0
    assert report.totals.reach == reach and report.totals.planned == 8
    assert sum(r.published for r in report.channels) == published
    assert len(report.six) == len(report.themes) and report.six[0]["hiệu quả"].endswith("tương tác")
    assert report.strengths and report.next_steps
    assert any("Bầu cử 15/3/2026" in w["name"] for w in report.waves)


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_three_formats_in_the_administrative_layout(measured: str, tmp_path: Path) -> None:
    outs = {}
    for fmt in ("docx", "xlsx", "pdf"):
        outs[fmt] = tmp_path / f"r.{fmt}"
        done = jobs.report(
            period="2026-Q1",
            unit_code=None,
            fmt=fmt,
            out=outs[fmt],
            database_url=measured,
            today=dt.date(2026, 4, 5),
        )
        assert done["published"] > 0 and outs[fmt].stat().st_size > 2000
    words = "\n".join(p.text for p in Document(str(outs["docx"])).paragraphs)
    for expected in (
        "BÁO CÁO",
        "Kết quả công tác thông tin đối ngoại quý I năm 2026",
        "I. KẾT QUẢ THỰC HIỆN",
        "II. ĐÁNH GIÁ CHUNG",
        "III. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI",
    ):
        assert expected in words
    cells = " ".join(
        c.text for t in Document(str(outs["docx"])).tables for row in t.rows for c in row.cells
    )
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in cells and "Hải Phòng, ngày 05 tháng 04 năm 2026" in cells
    assert "Nơi nhận:" in cells and "Rõ hiệu quả" in cells
    book = load_workbook(outs["xlsx"])
    assert book.sheetnames == [
        "Tổng hợp",
        "Theo chủ đề",
        "Theo kênh",
        "Theo đối tượng, ngôn ngữ",
        "Theo loại",
        "Đợt cao điểm",
        "6 rõ",
        "Bài nổi bật",
        "Xử lý thông tin",
        "Đánh giá",
    ]
    themes = list(book["Theo chủ đề"].iter_rows(min_row=2, values_only=True))
    assert sum(r[5] for r in themes) == done["published"]  # the "Lượt đăng" column
    pdf = _pdf_text(outs["pdf"])
    assert "BÁO CÁO" in pdf and "quý I năm 2026" in pdf and "Nơi nhận:" in pdf


def test_unit_scope_and_bad_input(measured: str, tmp_path: Path) -> None:
    from tests.test_cli import phuxanh

    whole = jobs.report(
        period="2026-03", unit_code=None, fmt="xlsx", out=tmp_path / "a.xlsx", database_url=measured
    )
    one = jobs.report(
        period="2026-03",
        unit_code="dh-y-duoc-haiphong",
        fmt="xlsx",
        out=tmp_path / "b.xlsx",
        database_url=measured,
    )
    assert 0 < one["published"] < whole["published"]
    assert one["unit"] == "Trường Đại học Y Dược Hải Phòng"
    bad = phuxanh(
        "report", "--period", "2026-03", "--format", "odt", "-o", "x.odt", "--database", measured
    )
    assert bad.returncode == 1 and bad.stderr.strip() == "--format: 'odt' is not docx, xlsx or pdf"
    suffix = phuxanh(
        "report", "--period", "2026-03", "--format", "pdf", "-o", "x.docx", "--database", measured
    )
    assert suffix.stderr.strip() == "-o: x.docx: a pdf report ends in .pdf"
    unit = phuxanh(
        "report", "--period", "2026-03", "--unit", "nope", "-o", "x.docx", "--database", measured
    )
    assert unit.stderr.strip() == "--unit: no unit 'nope'" and "Traceback" not in unit.stderr


def test_an_old_schema_is_refused_with_the_fix(tmp_path: Path) -> None:
    from tests.test_cli import phuxanh

    (tmp_path / "empty.db").touch()  # a SQLite file nobody ran `init` on
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    done = phuxanh("item", "list", "--database", empty)
    assert done.returncode == 1 and "has no phuxanh schema" in done.stderr
    assert "run `phuxanh init`" in done.stderr and "Traceback" not in done.stderr


def test_reports_render_whatever_text_is_stored(db_url: str, tmp_path: Path) -> None:
    """Names, theme titles and unit names written by older versions (no validation then):
    an ESC, a NUL-free C0 control, a 3,000-character name, a lone 1,500-character word.
    Each format is written, shows the text without the controls, and leaves no `.part`."""
    from sqlmodel import select

    from phuxanh.models import Approval, ContentItem, ItemStatus, Role, Slot, Theme, Unit, User
    from phuxanh.sandbox import demo

    jobs.load_catalog(db_url)
    code = jobs.setup_campaign(
        demo.DEMO_CAMPAIGN, sandbox_url="http://127.0.0.1:9", database_url=db_url
    )
    jobs.plan_days(code, start=dt.date(2026, 3, 9), days=2, database_url=db_url)
    with Session(jobs.engine(db_url)) as s:
        unit = s.exec(select(Unit).where(Unit.code == "ttdn-haiphong")).one()
        unit.name = "Ban \x07Tuyên giáo"
        s.add(unit)
        people = [
            User(username=name, display_name=shown, unit_id=unit.id or 0, role=role)
            for name, shown, role in (
                ("esc.user", "Lan \x1b[31mđỏ\x0b", Role.editor),
                ("long.user", "N" * 3000, Role.approver),
            )
        ]
        s.add_all(people)
        s.flush()
        # the "6 rõ" table names who did the work: an item on a slot of the period, written
        # by the first and approved by the second
        slot = s.exec(select(Slot).order_by(Slot.id)).first()
        assert slot is not None
        item = ContentItem(
            slot_id=slot.id,
            theme_id=slot.theme_id,
            unit_id=unit.id or 0,
            caption="Bài đã duyệt",
            author_id=people[0].id or 0,
            status=ItemStatus.approved,
        )
        s.add(item)
        s.flush()
        s.add(
            Approval(content_item_id=item.id or 0, user_id=people[1].id or 0, content_hash="0" * 64)
        )
        theme = s.exec(select(Theme)).first()
        assert theme is not None
        theme.title_vi = "\x1b" + "T" * 1500
        s.add(theme)
        s.commit()
    folder = tmp_path / "reports"
    folder.mkdir()
    outs = {fmt: folder / f"r.{fmt}" for fmt in ("docx", "xlsx", "pdf")}
    for fmt, out in outs.items():
        done = jobs.report(
            period="2026-03",
            unit_code=None,
            fmt=fmt,
            out=out,
            database_url=db_url,
            today=dt.date(2026, 4, 5),
        )
        assert done["planned"] > 0 and out.stat().st_size > 2000
    assert sorted(p.name for p in folder.iterdir()) == ["r.docx", "r.pdf", "r.xlsx"]
    docx = Document(str(outs["docx"]))
    cells = " ".join(c.text for t in docx.tables for row in t.rows for c in row.cells)
    assert "Lan [31mđỏ" in cells and "\x1b" not in cells
    assert "N" * 119 + "…" in cells and "N" * 121 not in cells  # the name, shortened
    assert "Ban Tuyên giáo" in "\n".join(p.text for p in docx.paragraphs)
    themes = list(load_workbook(outs["xlsx"])["Theo chủ đề"].iter_rows(values_only=True))
    assert any(r[1] == "T" * 1500 for r in themes)
    pdf = _pdf_text(outs["pdf"])
    assert "[31mđỏ" in pdf and "Tuyên giáo" in pdf
