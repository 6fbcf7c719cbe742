"""Reports per body and rolled up: a unit's report has its own header, signer and
recipients and is judged against its own plan; `--rollup` adds up the units below with a
row each; products (items) are told apart from publications (an item on two channels is
one product, two publications); a unit's report is the draft of its obligations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.models import Campaign, Channel, ReportFiling
from phuxanh.planning.campaign import CampaignSpec
from phuxanh.reports.figures import build
from phuxanh.reports.model import parse_period
from phuxanh.reports.wording import assess
from tests.helpers import at, items, refused, run_cli
from tests.test_publishing import _approve_all

TODAY = dt.date(2026, 4, 5)


@pytest.fixture
def measured(db_url: str, sandbox, given_campaign) -> str:
    """The demo fortnight's first two days, approved, published and measured; the first
    item of the city's Page also goes out on the department's Page."""
    given_campaign(db_url, sandbox.public_url, days=2)
    with Session(jobs.engine(db_url)) as s:
        pages = {c.code: c.id for c in s.exec(select(Channel))}
        first = next(i for i in items(s) if i.channel_ids == [pages["fb-ttdn-haiphong"]])
        first.channel_ids = [pages["fb-ttdn-haiphong"], pages["fb-vhttdl-haiphong"]]
        s.add(first)
        s.commit()
    _approve_all(db_url)
    for day in (0, 1):
        for hour, minute in ((8, 1), (19, 31)):
            jobs.publish_due(now=at(day, hour, minute), database_url=db_url)
    jobs.collect_metrics(now=at(3, 6), database_url=db_url)
    return db_url


def _words(path: Path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_products_are_not_publications(measured: str) -> None:
    with Session(jobs.engine(measured)) as s:
        report = build(s, period=parse_period("2026-03"), tz=jobs.get_settings().tz, today=TODAY)
        published, products = s.execute(
            text(
                "SELECT count(*), count(DISTINCT content_item_id) FROM publication "
                "WHERE state = 'published'"
            )
        ).one()
    assert report.totals.published == published
    assert report.totals.products == products == published - 1  # one item, two Pages
    assert sum(r.products for r in report.themes) == products
    results = "\n".join(report.strengths)
    assert f"{published}/{report.totals.planned} lượt đăng" in results
    assert f"{products} tin, bài, sản phẩm" in results


def test_a_unit_report_has_its_own_header_and_plan(
    measured: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "report.yaml"
    settings.write_text(
        "issuer: [ĐẢNG ỦY TRƯỜNG ĐẠI HỌC Y DƯỢC HẢI PHÒNG]\nnumber: 'Số:   -BC/ĐU'\n"
        "signer_title: T/M ĐẢNG ỦY\nsigner_name: Nguyễn Văn Bình\n"
        "recipients: [Đảng ủy Khối các trường, Lưu VPĐU.]\n",
        encoding="utf-8",
    )
    code, _out, err = run_cli(
        capsys,
        "unit",
        "set-report",
        "dh-y-duoc-haiphong",
        "--file",
        str(settings),
        "--database",
        measured,
    )
    assert code == 0, err
    code, _out, err = run_cli(
        capsys,
        "obligation",
        "add",
        "--unit",
        "dh-y-duoc-haiphong",
        "--what",
        "Báo cáo quý",
        "--to",
        "Đảng ủy Khối",
        "--period",
        "quarter",
        "--due",
        "10 after",
        "--database",
        measured,
    )
    assert code == 0, err
    out = tmp_path / "dh.docx"
    done = jobs.report(
        period="2026-Q1",
        unit_code="dh-y-duoc-haiphong",
        fmt="docx",
        out=out,
        database_url=measured,
        today=TODAY,
        actor="minh.tran",
    )
    words = _words(out)
    for own in (
        "ĐẢNG ỦY TRƯỜNG ĐẠI HỌC Y DƯỢC HẢI PHÒNG",
        "Số:   -BC/ĐU",
        "T/M ĐẢNG ỦY",
        "Nguyễn Văn Bình",
        "- Đảng ủy Khối các trường",
    ):
        assert own in words
    assert "THÀNH ỦY HẢI PHÒNG" not in words and "Thường trực Thành ủy" not in words
    assert "Hải Phòng, ngày 05 tháng 04 năm 2026" in words  # the place: the campaign file's
    with Session(jobs.engine(measured)) as s:
        tz = jobs.get_settings().tz
        q1 = parse_period("2026-Q1")
        unit = build(s, period=q1, tz=tz, unit_code="dh-y-duoc-haiphong", today=TODAY)
        spec = CampaignSpec.model_validate(s.exec(select(Campaign)).one().config)
        filing = s.exec(select(ReportFiling)).one()
    # the campaign's weekly quotas are for all its Pages together: judged against this one
    # Page they would be shortfalls, so a unit's report leaves them out
    assert not any("định mức" in g for g in unit.gaps)
    judged = dataclasses.replace(unit, gaps=[], six=[], strengths=[], next_steps=[], waves=[])
    assess(judged, spec=spec, people=[], key_dates=[], themes={}, quotas=True)
    assert any("định mức" in g for g in judged.gaps)
    assert unit.plan_days == 2 and unit.totals.planned == 2  # one slot a day on its Page
    assert (filing.period_code, filing.state, filing.by, filing.path) == (
        "2026-Q1",
        "drafted",
        "minh.tran",
        str(out),
    )
    assert done["drafted_for"] == [filing.obligation_id]
    code, status, _err = run_cli(
        capsys,
        "report",
        "status",
        "--unit",
        "dh-y-duoc-haiphong",
        "--on",
        "2026-04-05",
        "--json",
        "--database",
        measured,
    )
    assert '"state": "drafted"' in status and '"period": "2026-Q1"' in status


def _pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_rollup_adds_up_the_units_below(
    measured: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tz = jobs.get_settings().tz
    with Session(jobs.engine(measured)) as s:
        march = parse_period("2026-03")
        rolled = build(s, period=march, tz=tz, unit_code="ttdn-haiphong", rollup=True, today=TODAY)
        alone = build(s, period=march, tz=tz, unit_code="ttdn-haiphong", today=TODAY)
        whole = build(s, period=march, tz=tz, today=TODAY)
    assert [r.code for r in rolled.units] == [
        "ttdn-haiphong",
        "dh-y-duoc-haiphong",
        "so-vhttdl-haiphong",
    ]
    for attr in ("planned", "approved", "published", "reach", "shortfall"):
        assert sum(getattr(r, attr) or 0 for r in rolled.units) == (
            getattr(rolled.totals, attr) or 0
        ), attr
    assert rolled.totals.published == whole.totals.published > alone.totals.published > 0
    # the item on two Pages is a product of both units, once in the total
    assert sum(r.products for r in rolled.units) == rolled.totals.products + 1
    paths = {}
    for fmt in ("docx", "xlsx", "pdf"):
        paths[fmt] = tmp_path / f"r.{fmt}"
        code, _out, err = run_cli(
            capsys,
            "report",
            "--period",
            "2026-03",
            "--unit",
            "ttdn-haiphong",
            "--rollup",
            "--format",
            fmt,
            "-o",
            str(paths[fmt]),
            "--database",
            measured,
        )
        assert code == 0, err
    doc = Document(str(paths["docx"]))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Đơn vị")
    body = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [r[0] for r in body] == [u.name for u in rolled.units] + ["Tổng cộng"]
    assert body[-1][3:5] == [str(rolled.totals.products), str(rolled.totals.published)]
    assert "và 2 đơn vị trực thuộc" in _words(paths["docx"])
    sheet = load_workbook(paths["xlsx"])["Theo đơn vị"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [u.code for u in rolled.units]
    assert sum(r[5] for r in rows) == rolled.totals.published
    summary = {
        r[0]: r[1] for r in load_workbook(paths["xlsx"])["Tổng hợp"].iter_rows(values_only=True)
    }
    assert (summary["Tin, bài, sản phẩm đã đăng"], summary["Lượt đăng"]) == (
        rolled.totals.products,
        rolled.totals.published,
    )
    pdf = _pdf_text(paths["pdf"])
    assert "Kết quả theo từng đơn vị" in pdf and "Tin, bài, sản" in pdf
    assert (
        refused(
            capsys,
            "report",
            "--period",
            "2026-03",
            "--rollup",
            "-o",
            str(tmp_path / "x.docx"),
            "--database",
            measured,
        )
        == "--rollup: needs --unit (the unit whose units it adds up)"
    )
