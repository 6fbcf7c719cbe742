"""What the hostile pass of 2026-11-30 found in the unit, obligation, report and notify
commands, each a refusal of one line (no traceback, nothing written) or kept data."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.core.settings import get_settings
from phuxanh.models import AuditEvent, Obligation, Unit
from tests.helpers import items, refused, run_cli


@pytest.fixture
def units(tmp_path: Path, capsys) -> str:
    url = f"sqlite:///{tmp_path / 'n.db'}"
    jobs.init_db(url)
    for argv in (
        ["unit", "add", "thanh-pho", "--name", "Thành phố", "--level", "city"],
        [
            "unit",
            "add",
            "phuong-1",
            "--name",
            "Phường 1",
            "--level",
            "ward",
            "--parent",
            "thanh-pho",
            "--hotline",
            "0225 1",
        ],
    ):
        code, _out, err = run_cli(capsys, *argv, "--database", url)
        assert code == 0, err
    return url


def test_a_value_that_is_not_text_is_named_not_a_crash(units: str, tmp_path: Path, capsys):
    bad = tmp_path / "v.yaml"
    bad.write_text("- code: phuong-2\n  name: Phường 2\n  level: ward\n  address: 2026-01-01\n")
    line = refused(capsys, "unit", "import", str(bad), "--database", units)
    assert line.endswith("address: datetime.date(2026, 1, 1) is not text") and "v.yaml:" in line
    with Session(jobs.engine(units)) as s:
        assert s.exec(select(Unit).where(Unit.code == "phuong-2")).first() is None


def test_a_file_without_a_column_leaves_that_field_alone(units: str, tmp_path: Path, capsys):
    csv = tmp_path / "u.csv"
    csv.write_text("code,name,level\nphuong-1,Phường Một,ward\n", encoding="utf-8")
    code, _out, err = run_cli(capsys, "unit", "import", str(csv), "--database", units)
    assert code == 0, err
    with Session(jobs.engine(units)) as s:
        ward = s.exec(select(Unit).where(Unit.code == "phuong-1")).one()
        city = s.exec(select(Unit).where(Unit.code == "thanh-pho")).one()
        assert ward.name == "Phường Một"  # given: changed
        assert ward.parent_id == city.id and ward.hotline == "0225 1"  # not given: kept


def test_an_obligation_is_owed_once(units: str, capsys) -> None:
    argv = [
        "obligation",
        "add",
        "--unit",
        "phuong-1",
        "--what",
        "Báo cáo quý",
        "--to",
        "Thành ủy",
        "--period",
        "quarter",
        "--due",
        "10 after",
        "--database",
        units,
    ]
    code, _out, err = run_cli(capsys, *argv)
    assert code == 0, err
    assert "already owes this report" in refused(capsys, *argv)
    with Session(jobs.engine(units)) as s:
        assert len(s.exec(select(Obligation)).all()) == 1


def test_ids_beyond_the_database_and_unknown_people(units: str, capsys) -> None:
    line = refused(
        capsys,
        "report",
        "mark-sent",
        "--obligation",
        "9" * 20,
        "--period",
        "2026-Q3",
        "--number",
        "1",
        "--as",
        "x",
        "--database",
        units,
    )
    assert "--obligation" in line
    line = refused(
        capsys,
        "unit",
        "add",
        "phuong-3",
        "--name",
        "Phường 3",
        "--level",
        "ward",
        "--as",
        "ghost",
        "--database",
        units,
    )
    assert "ghost" in line and "does not exist" in line
    with Session(jobs.engine(units)) as s:
        assert s.exec(select(Unit).where(Unit.code == "phuong-3")).first() is None
        assert not [e for e in s.exec(select(AuditEvent)) if e.actor == "ghost"]


def test_a_setting_that_cannot_be_read_names_its_variable(units: str, capsys, monkeypatch):
    monkeypatch.setenv("PHUXANH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PHUXANH_SMTP_PORT", "abc")
    get_settings.cache_clear()
    line = refused(capsys, "notify", "send", "--database", units)
    assert line.startswith("error: PHUXANH_SMTP_PORT: 'abc'")


def test_a_brand_kit_is_checked_when_the_unit_is_added(units: str, capsys) -> None:
    line = refused(
        capsys,
        "unit",
        "add",
        "phuong-4",
        "--name",
        "Phường 4",
        "--level",
        "ward",
        "--brand",
        "../../etc/passwd",
        "--database",
        units,
    )
    assert line.startswith("--brand: no brand kit '../../etc/passwd' (known: ")
    code, _out, err = run_cli(
        capsys,
        "unit",
        "add",
        "phuong-4",
        "--name",
        "Phường 4",
        "--level",
        "ward",
        "--brand",
        "don-vi-mau",
        "--database",
        units,
    )
    assert code == 0, err


def test_no_report_is_sent_for_a_period_not_begun(units: str, capsys) -> None:
    code, _out, err = run_cli(
        capsys,
        "obligation",
        "add",
        "--unit",
        "phuong-1",
        "--what",
        "Báo cáo quý",
        "--to",
        "Thành ủy",
        "--period",
        "quarter",
        "--due",
        "10 after",
        "--database",
        units,
    )
    assert code == 0, err
    code, _out, err = run_cli(
        capsys,
        "user",
        "add",
        "duyet.p1",
        "--unit",
        "phuong-1",
        "--role",
        "approver",
        "--sso-only",
        "--email",
        "d@p1.vn",
        "--database",
        units,
    )
    assert code == 0, err
    line = refused(
        capsys,
        "report",
        "mark-sent",
        "--obligation",
        "1",
        "--period",
        "2099-Q1",
        "--number",
        "1-BC",
        "--as",
        "duyet.p1",
        "--database",
        units,
    )
    assert line == "--period: '2099-Q1' has not begun: no report can be sent for it"


def test_a_comment_with_an_escape_sequence_is_refused(db_url, sandbox, given_campaign, capsys):
    given_campaign(db_url, sandbox.public_url)
    with Session(jobs.engine(db_url)) as s:
        item_id = items(s)[0].id
    line = refused(
        capsys,
        "item",
        "comment",
        str(item_id),
        "--text",
        "xem\x1b[2Jlại",
        "--as",
        "minh.tran",
        "--database",
        db_url,
    )
    assert line.endswith("holds a control character (U+001B); write plain text")
    code, out, err = run_cli(
        capsys, "item", "history", str(item_id), "--json", "--database", db_url
    )
    assert code == 0 and "\x1b" not in out, err
