"""Response times in the periodic report: the incidents a unit opened in the period, how
many got an official clarification live, the median and longest minutes to it, the targets
missed and those still open with nothing live; a sentence in section I of the DOCX, and
the "Xử lý thông tin" sheet of the XLSX, one row per incident (the sheet is always there:
its header alone when the period had none, so every report has the same sheets)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.incidents.core import open_incident
from phuxanh.models import Incident, Unit, User, utcnow
from phuxanh.reports.figures import build
from phuxanh.reports.files import write
from phuxanh.reports.model import Period, Report, parse_period
from phuxanh.reports.xlsx import INCIDENT_COLUMNS
from tests.test_incidents import FB, _approve, _clarify, _open, office  # noqa: F401

SHEET = "Xử lý thông tin"


def _answered(s: Session, url: str, severity: str, minutes: int) -> Incident:
    """An incident whose clarification went live on the office's Page, opened `minutes`
    before it did (it was detected then: the timer counts from the opening)."""
    incident = _open(s, severity)
    _approve(s, _clarify(s, incident, [FB]), "minh.tran", "hoa.pham")
    assert jobs.publish_due(database_url=url).get("published") == 1
    s.refresh(incident)
    assert incident.first_live_at is not None
    incident.opened_at = incident.first_live_at - dt.timedelta(minutes=minutes)
    s.add(incident)
    s.commit()
    s.refresh(incident)
    return incident


def _around_now(tz: Any) -> Period:
    """A period holding the incidents just opened, whatever the day the test runs on."""
    today = dt.datetime.now(tz).date()
    return Period(
        "thử", "month", today - dt.timedelta(days=2), today + dt.timedelta(days=1), "kỳ thử", "test"
    )


@pytest.fixture
def answered(office: str) -> dict[str, Any]:  # noqa: F811
    """Three incidents of the office: a critical one answered in 42 minutes (within its 60),
    a critical one answered in 75 (its target missed) and a high one still open with
    nothing live (opened just now: within its 240 minutes so far)."""
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        quick = _answered(s, office, "critical", 42)
        late = _answered(s, office, "critical", 75)
        waiting = _open(s, "high")
    return {"url": office, "quick": quick, "late": late, "waiting": waiting}


def _build(url: str, period: Period, **kw: Any) -> Report:
    with Session(jobs.engine(url)) as s:
        return build(s, period=period, tz=jobs.get_settings().tz, today=dt.date(2026, 11, 30), **kw)


SENTENCE = (
    "Trong kỳ, tiếp nhận và xử lý 3 vụ việc thông tin sai sự thật (mức nghiêm trọng: 2, "
    "mức cao: 1); 2/3 vụ việc có thông tin chính thức được đăng, thời gian trung vị 58,5 phút "
    "từ khi phát hiện (chậm nhất 75 phút), 1 vụ việc quá thời hạn mục tiêu; 1 vụ việc đang "
    "xử lý, chưa có thông tin chính thức được đăng."
)


def test_the_figures_of_the_period(answered: dict[str, Any]) -> None:
    url, tz = answered["url"], jobs.get_settings().tz
    report = _build(url, _around_now(tz))
    by_id = {line.id: line for line in report.incidents}
    quick, late, waiting = (by_id[answered[k].id] for k in ("quick", "late", "waiting"))
    assert [line.id for line in report.incidents] == sorted(
        by_id, key=lambda i: (by_id[i].opened_at, i)
    )
    assert (quick.minutes, quick.breached, quick.target_minutes) == (42, False, 60)
    assert (late.minutes, late.breached) == (75, True)
    assert (waiting.minutes, waiting.first_live_at, waiting.breached) == (None, None, False)
    assert waiting.status == "open" and waiting.target_minutes == 240
    r = report.response
    assert (r.opened, r.by_severity, r.live) == (3, {"critical": 2, "high": 1}, 2)
    assert (r.median_minutes, r.longest_minutes) == (58.5, 75)
    assert (r.breached, r.open_without_live) == (1, 1)
    # an open incident's timer runs until the report is made: five hours on, the high
    # one has missed its 240 minutes too
    later = _build(url, _around_now(tz), now=utcnow() + dt.timedelta(hours=5))
    assert (later.response.breached, later.response.open_without_live) == (2, 1)
    # a post a person marked published (no time recorded on the incident) counts all the same
    with Session(jobs.engine(url)) as s:
        row = s.get(Incident, answered["quick"].id)
        assert row is not None and row.first_live_at is not None
        row.first_live_at = None
        s.add(row)
        s.commit()
    again = {line.id: line for line in _build(url, _around_now(tz)).incidents}
    assert again[answered["quick"].id].minutes == 42
    # another period has none
    assert _build(url, parse_period("2026-03")).incidents == []


def test_the_units_a_report_covers(answered: dict[str, Any]) -> None:
    url, tz = answered["url"], jobs.get_settings().tz
    with Session(jobs.engine(url), expire_on_commit=False) as s:
        city = s.exec(select(Unit).where(Unit.code == "ttdn-haiphong")).one()
        child = s.exec(select(Unit).where(Unit.parent_id == city.id)).first()
        assert child is not None
        theirs = open_incident(
            s,
            title="Tin đồn đóng cửa bảo tàng",
            claim="Bảo tàng thành phố đóng cửa vĩnh viễn",
            evidence=["https://www.facebook.com/another.page/posts/456"],
            severity="low",
            actor="lan.nguyen",
            unit_code=child.code,
        )
        s.commit()
    period = _around_now(tz)
    everyone = {line.id for line in _build(url, period).incidents}
    own = {line.id for line in _build(url, period, unit_code=city.code).incidents}
    rolled = {line.id for line in _build(url, period, unit_code=city.code, rollup=True).incidents}
    below = {line.id for line in _build(url, period, unit_code=child.code).incidents}
    mine = {answered[k].id for k in ("quick", "late", "waiting")}
    assert everyone == rolled == mine | {theirs.id}
    assert own == mine and below == {theirs.id}


def test_the_docx_sentence_and_the_xlsx_sheet(answered: dict[str, Any], tmp_path: Path) -> None:
    url, tz = answered["url"], jobs.get_settings().tz
    report = _build(url, _around_now(tz))
    write(report, tmp_path / "r.docx", "docx")
    write(report, tmp_path / "r.xlsx", "xlsx")
    paragraphs = [p.text for p in Document(str(tmp_path / "r.docx")).paragraphs]
    results = paragraphs.index("I. KẾT QUẢ THỰC HIỆN")
    assessment = paragraphs.index("II. ĐÁNH GIÁ CHUNG")
    assert SENTENCE in paragraphs[results:assessment]  # in section I
    sheet = load_workbook(tmp_path / "r.xlsx")[SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == INCIDENT_COLUMNS and len(rows) == 4
    cells = {row[0]: row for row in rows[1:]}
    with Session(jobs.engine(url)) as s:
        quick = s.get(Incident, answered["quick"].id)
        assert quick is not None and quick.first_live_at is not None
        owner = s.get(User, quick.owner_id)
        assert owner is not None
    local = quick.opened_at.astimezone(tz).replace(tzinfo=None, microsecond=0)
    live = quick.first_live_at.astimezone(tz).replace(tzinfo=None, microsecond=0)
    assert cells[quick.id] == (
        quick.id,
        "Tin đồn cấm xe máy",
        local,
        "nghiêm trọng",
        60,
        live,
        42,
        "không",
        "đang xử lý",
    )
    assert cells[answered["late"].id][6:8] == (75, "có")
    waiting = cells[answered["waiting"].id]
    assert waiting[3:] == ("cao", 240, None, None, "không", "đang xử lý")
    # nothing about a person: neither the owner nor the evidence's public post
    text = " ".join(str(v) for row in rows for v in row)
    for private in (owner.username, owner.display_name or owner.username, "facebook.com"):
        assert private not in text


def test_a_period_without_incidents_says_nothing(answered: dict[str, Any], tmp_path: Path) -> None:
    report = _build(answered["url"], parse_period("2026-03"))
    assert report.incidents == [] and report.response.opened == 0
    write(report, tmp_path / "r.docx", "docx")
    write(report, tmp_path / "r.xlsx", "xlsx")
    words = "\n".join(p.text for p in Document(str(tmp_path / "r.docx")).paragraphs)
    assert "I. KẾT QUẢ THỰC HIỆN" in words and "vụ việc" not in words
    rows = list(load_workbook(tmp_path / "r.xlsx")[SHEET].iter_rows(values_only=True))
    assert rows == [tuple(INCIDENT_COLUMNS)]  # the header, no row
