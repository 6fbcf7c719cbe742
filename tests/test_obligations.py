"""Reporting obligations (`phuxanh obligation …`) and where each unit stands with them
(`phuxanh report status`, `report mark-sent`): due dates by rule, the period being
reported, drafted / sent with its number / overdue, import from a directive."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from phuxanh import jobs
from phuxanh.core.settings import ROOT
from phuxanh.models import AuditEvent, Obligation, ReportFiling
from phuxanh.reports.model import parse_period
from phuxanh.reports.status import due_on
from tests.helpers import refused, run_cli

DIRECTIVE = ROOT / "content/directives/text/05-HD-DU_2026_TTDN-nam-2026_DH-Y-Duoc-HP.txt"


def ok(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> str:
    code, out, err = run_cli(capsys, *argv, "--database", db_url)
    assert code == 0, (argv, err)
    return out


@pytest.fixture
def office(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    """A city, a ward under it and one under nobody; a person in the city and one in the
    other ward; the ward owes a monthly report by the 10th of the month after."""
    monkeypatch.setenv("PW", "mot-mat-khau-dai")
    ok(
        capsys,
        db_url,
        "unit",
        "add",
        "hai-phong",
        "--name",
        "Thành phố Hải Phòng",
        "--level",
        "city",
    )
    ok(
        capsys,
        db_url,
        "unit",
        "add",
        "p-1",
        "--name",
        "Phường 1",
        "--level",
        "ward",
        "--parent",
        "hai-phong",
    )
    ok(capsys, db_url, "unit", "add", "p-9", "--name", "Phường 9", "--level", "ward")
    for name, unit in (("minh", "hai-phong"), ("khac", "p-9")):
        ok(
            capsys,
            db_url,
            "user",
            "add",
            name,
            "--unit",
            unit,
            "--role",
            "approver",
            "--password-env",
            "PW",
        )
    out = ok(
        capsys,
        db_url,
        "obligation",
        "add",
        "--unit",
        "p-1",
        "--what",
        "Báo cáo kết quả công tác TTĐN",
        "--to",
        "Ban Tuyên giáo và Dân vận Thành ủy",
        "--to-unit",
        "hai-phong",
        "--period",
        "month",
        "--due",
        "10 after",
        "--source",
        "KH-BTGDVTU 2026",
    )
    assert out.startswith("obligation 1 added: p-1 → Ban Tuyên giáo và Dân vận Thành ủy (month)")
    return db_url


def test_due_dates_by_rule() -> None:
    month = Obligation(unit_id=1, what="", to_name="", period="month", due="10 after")
    assert due_on(month, parse_period("2026-03")) == dt.date(2026, 4, 10)
    assert due_on(month, parse_period("2026-12")) == dt.date(2027, 1, 10)
    quarter = Obligation(unit_id=1, what="", to_name="", period="quarter", due="10/6")
    assert [due_on(quarter, parse_period(f"2026-Q{q}")) for q in (1, 2, 3, 4)] == [
        dt.date(2026, 3, 10),
        dt.date(2026, 6, 10),
        dt.date(2026, 9, 10),
        dt.date(2026, 12, 10),
    ]
    year = Obligation(unit_id=1, what="", to_name="", period="year", due="15/11")
    assert due_on(year, parse_period("2026")) == dt.date(2026, 11, 15)
    half = Obligation(unit_id=1, what="", to_name="", period="half", due="5 after")
    assert due_on(half, parse_period("2026-H2")) == dt.date(2027, 1, 5)
    assert (
        due_on(Obligation(unit_id=1, what="", to_name="", period="year"), parse_period("2026"))
        is None
    )


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--period", "week", "--due", "10 after"], "--period: 'week' is not one of month, "),
        (["--period", "month", "--due", "mười"], "--due: 'mười' is not a due date"),
        (["--period", "year", "--due", "31/4"], "--due: '31/4' is not a day of the year"),
        (["--period", "month", "--due", "31 after"], "--due: '31 after': the day is 1-28"),
        (["--period", "month", "--to-unit", "nope"], "--to-unit: no unit 'nope'"),
        (["--period", "month", "--due", "15/11"], "--due: '15/11' is a day of the year; a month"),
        (["--period", "year", "--due", "29/2"], "--due: '29/2' is not a day of the year"),
        (
            ["--period", "year", "--due", "15/11", "--source", "KH \x1b]0;x\x07"],
            "--source: holds a control character (U+001B)",
        ),
    ],
)
def test_add_refuses_with_the_flag(
    office: str, capsys: pytest.CaptureFixture[str], flags: list[str], said: str
) -> None:
    line = refused(
        capsys,
        "obligation",
        "add",
        "--unit",
        "p-1",
        "--what",
        "Báo cáo",
        "--to",
        "Ban",
        *flags,
        "--database",
        office,
    )
    assert line.startswith(said)
    assert len(json.loads(ok(capsys, office, "obligation", "list", "--json"))) == 1


def test_status_sent_with_number_and_overdue(
    office: str, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = json.loads(ok(capsys, office, "obligation", "list", "--unit", "p-1", "--json"))
    assert listed == [
        {
            "id": 1,
            "unit": "p-1",
            "what": "Báo cáo kết quả công tác TTĐN",
            "to": "Ban Tuyên giáo và Dân vận Thành ủy",
            "to_unit": "hai-phong",
            "period": "month",
            "due": "10 after",
            "source": "KH-BTGDVTU 2026",
            "active": True,
        }
    ]
    # 5/11: October's report is due on 10/11, November's on 10/12
    early = json.loads(ok(capsys, office, "report", "status", "--on", "05/11/2026", "--json"))
    assert [(r["period"], r["due"], r["state"]) for r in early["reports"]] == [
        ("2026-10", "2026-11-10", "open"),
        ("2026-11", "2026-12-10", "open"),
    ]
    late = json.loads(
        ok(
            capsys,
            office,
            "report",
            "status",
            "--unit",
            "hai-phong",
            "--on",
            "20/11/2026",
            "--json",
        )
    )
    assert [(r["unit"], r["period"], r["state"]) for r in late["reports"]] == [
        ("p-1", "2026-10", "overdue"),
        ("p-1", "2026-11", "open"),
    ]
    # someone of another ward may not say it went out; the period must be a month
    assert (
        refused(
            capsys,
            "report",
            "mark-sent",
            "--obligation",
            "1",
            "--period",
            "2026-10",
            "--number",
            "12-BC/ĐU",
            "--as",
            "khac",
            "--database",
            office,
        )
        == "error: --as: khac is not in the obligation's unit or a unit above it"
    )
    assert (
        refused(
            capsys,
            "report",
            "mark-sent",
            "--obligation",
            "1",
            "--period",
            "2026-Q4",
            "--number",
            "12-BC/ĐU",
            "--as",
            "minh",
            "--database",
            office,
        )
        == "--period: '2026-Q4' is a quarter; obligation 1 is reported by month (e.g. 2026-01)"
    )
    assert (
        refused(
            capsys,
            "report",
            "mark-sent",
            "--obligation",
            "7",
            "--period",
            "2026-10",
            "--number",
            "12-BC/ĐU",
            "--as",
            "minh",
            "--database",
            office,
        )
        == "--obligation: no obligation 7 (see phuxanh obligation list)"
    )
    out = ok(
        capsys,
        office,
        "report",
        "mark-sent",
        "--obligation",
        "1",
        "--period",
        "2026-10",
        "--number",
        "12-BC/ĐU",
        "--as",
        "minh",
    )
    assert out.strip() == "report 2026-10 of obligation 1 sent as 12-BC/ĐU"
    after = json.loads(ok(capsys, office, "report", "status", "--on", "20/11/2026", "--json"))
    october = after["reports"][0]
    assert (october["state"], october["number"], october["sent_by"]) == ("sent", "12-BC/ĐU", "minh")
    text = ok(capsys, office, "report", "status", "--on", "20/11/2026")
    assert "tháng 10 năm 2026" in text and "sent 12-BC/ĐU" in text and "hạn 10/12/2026" in text
    # another number for the same report is refused; the same one again is fine
    assert refused(
        capsys,
        "report",
        "mark-sent",
        "--obligation",
        "1",
        "--period",
        "2026-10",
        "--number",
        "13-BC/ĐU",
        "--as",
        "minh",
        "--database",
        office,
    ).startswith("--number: the report for 2026-10 was marked sent already as '12-BC/ĐU'")
    with Session(jobs.engine(office)) as s:
        sent = [e for e in s.exec(select(AuditEvent).where(AuditEvent.action == "report.sent"))]
        assert [e.detail["number"] for e in sent] == ["12-BC/ĐU"]
        assert [e.action for e in s.exec(select(AuditEvent).order_by(col(AuditEvent.id)))].count(
            "obligation.add"
        ) == 1


def test_import_from_the_directive(office: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        capsys,
        "obligation",
        "import",
        "--from-directive",
        str(DIRECTIVE),
        "--unit",
        "p-1",
        "--json",
        "--database",
        office,
    )
    assert code == 0, err
    done = json.loads(out)
    # 05-HD/ĐU: "báo cáo quý gửi trước 10/6 và báo cáo năm gửi trước ngày 15/11"
    assert done["source"] == "05-HD/ĐU"
    assert [(o["period"], o["due"], o["to"]) for o in done["added"]] == [
        ("quarter", "10/6", "Đảng uỷ Nhà trường (qua Văn phòng Đảng uỷ)"),
        ("year", "15/11", "Đảng uỷ Nhà trường (qua Văn phòng Đảng uỷ)"),
    ]
    assert all(o["line"] > 1 for o in done["added"])
    again = json.loads(
        ok(
            capsys,
            office,
            "obligation",
            "import",
            "--from-directive",
            str(DIRECTIVE),
            "--unit",
            "p-1",
            "--json",
        )
    )
    assert again["added"] == [] and len(again["skipped"]) == 2
    assert all("the unit has it already" in s for s in again["skipped"])
    status = json.loads(
        ok(capsys, office, "report", "status", "--unit", "p-1", "--on", "2026-11-20", "--json")
    )
    year = next(r for r in status["reports"] if r["kind"] == "year")
    assert (year["period"], year["due"], year["state"]) == ("2026", "2026-11-15", "overdue")
    missing = refused(
        capsys,
        "obligation",
        "import",
        "--from-directive",
        str(Path("/nonexistent.txt")),
        "--unit",
        "p-1",
        "--database",
        office,
    )
    assert missing.startswith("error: --from-directive: /nonexistent.txt: cannot read")


def test_an_incident_report_has_no_period(office: str, capsys: pytest.CaptureFixture[str]) -> None:
    ok(
        capsys,
        office,
        "obligation",
        "add",
        "--unit",
        "p-1",
        "--what",
        "Báo cáo vụ việc",
        "--to",
        "Ban Tuyên giáo",
        "--period",
        "incident",
    )
    ok(
        capsys,
        office,
        "report",
        "mark-sent",
        "--obligation",
        "2",
        "--period",
        "18/11/2026",
        "--number",
        "3-BC/P1",
        "--as",
        "minh",
    )
    rows = json.loads(
        ok(capsys, office, "report", "status", "--unit", "p-1", "--on", "2026-11-20", "--json")
    )
    incident = next(r for r in rows["reports"] if r["kind"] == "incident")
    assert (incident["state"], incident["sent"], incident["due"]) == ("on incident", 1, None)
    with Session(jobs.engine(office)) as s:
        filing = s.exec(select(ReportFiling).where(ReportFiling.obligation_id == 2)).one()
        assert (filing.period_code, filing.state) == ("2026-11-18", "sent")
