"""The unit registry (`phuxanh unit …`): add, list, show, move (never into a cycle), import
a hundred wards at once (all or nothing, each problem at file:line: field), a unit's own
report settings, every change audited, and `user add` for a unit no campaign file made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from phuxanh import jobs
from phuxanh.models import AuditEvent, Campaign, Unit, User
from tests.helpers import refused, run_cli


def ok(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> str:
    code, out, err = run_cli(capsys, *argv, "--database", db_url)
    assert code == 0, (argv, err)
    return out


def actions(db_url: str) -> list[str]:
    with Session(jobs.engine(db_url)) as s:
        return [e.action for e in s.exec(select(AuditEvent).order_by(col(AuditEvent.id)))]


def units(db_url: str) -> dict[str, Unit]:
    with Session(jobs.engine(db_url)) as s:
        return {u.code: u for u in s.exec(select(Unit))}


def test_add_list_show_and_move_audited(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
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
        "so-vhttdl",
        "--name",
        "Sở Văn hóa, Thể thao và Du lịch",
        "--level",
        "department",
        "--parent",
        "hai-phong",
    )
    ok(
        capsys,
        db_url,
        "unit",
        "add",
        "phuong-le-chan",
        "--name",
        "Phường Lê Chân",
        "--level",
        "ward",
        "--parent",
        "so-vhttdl",
        "--hotline",
        "0225 3842 000",
        "--address",
        "Số 1 Lê Chân",
        "--brand",
        "ttdn-haiphong",
    )
    listed = json.loads(ok(capsys, db_url, "unit", "list", "--json"))
    assert [(u["code"], u["depth"], u["parent"]) for u in listed] == [
        ("hai-phong", 0, None),
        ("so-vhttdl", 1, "hai-phong"),
        ("phuong-le-chan", 2, "so-vhttdl"),
    ]
    shown = json.loads(ok(capsys, db_url, "unit", "show", "phuong-le-chan", "--json"))
    assert shown["path"] == ["hai-phong", "so-vhttdl", "phuong-le-chan"]
    assert (shown["hotline"], shown["address"], shown["brand"]) == (
        "0225 3842 000",
        "Số 1 Lê Chân",
        "ttdn-haiphong",
    )
    # a cycle: the city under its own ward
    line = refused(
        capsys, "unit", "move", "hai-phong", "--parent", "phuong-le-chan", "--database", db_url
    )
    assert (
        line
        == "--parent: 'phuong-le-chan' is below 'hai-phong'; moving it there would make a cycle"
    )
    assert refused(
        capsys, "unit", "move", "so-vhttdl", "--parent", "so-vhttdl", "--database", db_url
    ) == ("--parent: 'so-vhttdl' is the unit itself; moving it there would make a cycle")
    ok(capsys, db_url, "unit", "move", "phuong-le-chan", "--parent", "hai-phong")
    stored = units(db_url)
    assert stored["phuong-le-chan"].parent_id == stored["hai-phong"].id
    assert actions(db_url) == ["unit.add", "unit.add", "unit.add", "unit.move"]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["x y", "--name", "A", "--level", "ward"], "CODE: 'x y' is not a unit code"),
        (["p1", "--name", "A", "--level", "village"], "--level: 'village' is not one of city, "),
        (
            ["p1", "--name", "A", "--level", "ward", "--parent", "nope"],
            "--parent: no unit 'nope' (see",
        ),
        (["p1", "--name", "  ", "--level", "ward"], "--name: missing"),
        (["p1", "--name", "A\x1bB", "--level", "ward"], "--name: 'A\\x1bB' holds control"),
    ],
)
def test_add_refuses_with_the_flag(
    db_url: str, capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    assert refused(capsys, "unit", "add", *argv, "--database", db_url).startswith(said)
    assert units(db_url) == {}


def test_a_code_is_added_once(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    ok(capsys, db_url, "unit", "add", "p1", "--name", "Phường 1", "--level", "ward")
    line = refused(
        capsys, "unit", "add", "p1", "--name", "Khác", "--level", "ward", "--database", db_url
    )
    assert line == "CODE: unit 'p1' already exists"
    assert units(db_url)["p1"].name == "Phường 1"


def test_a_hundred_wards_from_csv_then_again(
    db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = ["code,name,level,parent,hotline"]
    rows += [f"phuong-{i:03d},Phường {i},ward,hai-phong,0225 {i:04d}" for i in range(1, 101)]
    rows.append("hai-phong,Thành phố Hải Phòng,city,,")  # the parent last: order is free
    path = tmp_path / "wards.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert "101 units added, 0 updated, 0 unchanged" in ok(
        capsys, db_url, "unit", "import", str(path)
    )
    stored = units(db_url)
    assert len(stored) == 101
    assert {u.parent_id for c, u in stored.items() if c != "hai-phong"} == {stored["hai-phong"].id}
    assert stored["phuong-042"].hotline == "0225 0042"
    path.write_text(path.read_text(encoding="utf-8").replace("Phường 7,", "Phường Bảy,"))
    # only the ward whose name changed is written and audited; the rest are as they were
    assert "0 units added, 1 updated, 100 unchanged" in ok(
        capsys, db_url, "unit", "import", str(path)
    )
    assert units(db_url)["phuong-007"].name == "Phường Bảy"
    assert actions(db_url).count("unit.add") == 101
    assert actions(db_url).count("unit.update") == 1
    assert "0 units added, 0 updated, 101 unchanged" in ok(
        capsys, db_url, "unit", "import", str(path)
    )
    assert actions(db_url).count("unit.update") == 1


def test_control_characters_and_repeated_moves(
    db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A unit's text is printed by `unit list` and the reports: an escape sequence is
    refused, naming the field; moving a unit where it already is writes nothing."""
    ok(capsys, db_url, "unit", "add", "hp", "--name", "Hải Phòng", "--level", "city")
    ok(capsys, db_url, "unit", "add", "p1", "--name", "Phường 1", "--level", "ward")
    line = refused(
        capsys,
        "unit",
        "add",
        "p2",
        "--name",
        "Phường 2",
        "--level",
        "ward",
        "--address",
        "Số 1 \x1b[31mLê Lợi",
        "--database",
        db_url,
    )
    assert line == "--address: holds a control character (U+001B); write plain text"
    path = tmp_path / "units.csv"
    path.write_text("code,name,level,hotline\np3,Phường 3,ward,0225\x07 123\n", encoding="utf-8")
    line = refused(capsys, "unit", "import", str(path), "--database", db_url)
    assert "hotline: holds a control character (U+0007)" in line and ":2:" in line
    assert set(units(db_url)) == {"hp", "p1"}
    ok(capsys, db_url, "unit", "move", "p1", "--parent", "hp")
    ok(capsys, db_url, "unit", "move", "p1", "--parent", "hp")
    assert actions(db_url).count("unit.move") == 1


def test_import_is_all_or_nothing_and_names_each_line(
    db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "units.csv"
    path.write_text(
        "code,name,level,parent\n"
        "hai-phong,Thành phố Hải Phòng,city,\n"
        "phuong-1,Phường 1,village,hai-phong\n"
        "phuong-2,Phường 2,ward,khong-co\n"
        "phuong-1,Phường 1 lần nữa,ward,hai-phong\n"
        ",Không mã,ward,\n",
        encoding="utf-8",
    )
    code, _out, err = run_cli(capsys, "unit", "import", str(path), "--database", db_url)
    assert code != 0 and "Traceback" not in err
    assert err.splitlines() == [
        f"{path}:3: level: 'village' is not one of city, department, ward, commune, "
        "school, university",
        f"{path}:5: code: 'phuong-1' is given twice (first at line 3)",
        f"{path}:6: code: missing",
        f"{path}:4: parent: no unit 'khong-co' (neither in the file nor in the database)",
    ]
    assert units(db_url) == {}  # nothing of the good rows either
    assert actions(db_url) == []


def test_import_yaml_refuses_a_cycle_and_an_unknown_field(
    db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "units.yaml"
    path.write_text(
        "units:\n"
        "  - {code: a-1, name: A, level: ward, parent: b-1}\n"
        "  - {code: b-1, name: B, level: ward, parent: a-1}\n",
        encoding="utf-8",
    )
    code, _out, err = run_cli(capsys, "unit", "import", str(path), "--database", db_url)
    assert code != 0
    assert err.splitlines() == [
        f"{path}:2: parent: a cycle (a-1 → b-1 → a-1)",
        f"{path}:3: parent: a cycle (b-1 → a-1 → b-1)",
    ]
    path.write_text("- code: a-1\n  name: A\n  level: ward\n  phone: '1'\n", encoding="utf-8")
    assert refused(capsys, "unit", "import", str(path), "--database", db_url) == (
        f"{path}:4: [0].phone: not a field (fields: code, name, level, parent, brand, "
        "hotline, address)"
    )
    path.write_text("- {code: a-1, name: A, level: ward}\n", encoding="utf-8")
    assert "1 units added" in ok(capsys, db_url, "unit", "import", str(path))
    assert list(units(db_url)) == ["a-1"]


def test_report_settings_per_unit(
    db_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ok(capsys, db_url, "unit", "add", "phuong-1", "--name", "Phường 1", "--level", "ward")
    spec = tmp_path / "report.yaml"
    spec.write_text(
        "issuer: [ĐẢNG ỦY PHƯỜNG 1]\nsigner_title: BÍ THƯ\nsigner_name: Nguyễn Văn A\n"
        "recipients: [Ban Tuyên giáo và Dân vận Thành ủy, Lưu VP.]\n",
        encoding="utf-8",
    )
    ok(capsys, db_url, "unit", "set-report", "phuong-1", "--file", str(spec))
    shown = json.loads(ok(capsys, db_url, "unit", "show", "phuong-1", "--json"))
    assert shown["report"] == {
        "issuer": ["ĐẢNG ỦY PHƯỜNG 1"],
        "signer_title": "BÍ THƯ",
        "signer_name": "Nguyễn Văn A",
        "recipients": ["Ban Tuyên giáo và Dân vận Thành ủy", "Lưu VP."],
    }
    spec.write_text("signer_title: BÍ THƯ\nsigner: A\nparty: maybe\n", encoding="utf-8")
    code, _out, err = run_cli(
        capsys, "unit", "set-report", "phuong-1", "--file", str(spec), "--database", db_url
    )
    assert code != 0 and err.splitlines()[0].startswith(f"{spec}:2: signer: not a report setting")
    spec.write_text("party: maybe\n", encoding="utf-8")
    line = refused(
        capsys, "unit", "set-report", "phuong-1", "--file", str(spec), "--database", db_url
    )
    assert line.startswith(f"{spec}:1: party: ")
    spec.write_text("due:\n  - period: year\n    due: 31/2\n", encoding="utf-8")
    line = refused(
        capsys, "unit", "set-report", "phuong-1", "--file", str(spec), "--database", db_url
    )
    assert line == f"{spec}:3: due[0].due: 31/2 is not a day of every year"
    assert (
        json.loads(ok(capsys, db_url, "unit", "show", "phuong-1"))["report"]["signer_title"]
        == "BÍ THƯ"
    )
    assert actions(db_url) == ["unit.add", "unit.report_set"]


def test_user_add_needs_no_campaign_file(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(capsys, db_url, "unit", "add", "xa-an-lao", "--name", "Xã An Lão", "--level", "commune")
    monkeypatch.setenv("NEW_PASSWORD", "mot-mat-khau-dai")
    out = ok(
        capsys,
        db_url,
        "user",
        "add",
        "thu.le",
        "--unit",
        "xa-an-lao",
        "--role",
        "editor",
        "--password-env",
        "NEW_PASSWORD",
    )
    assert out.strip() == "user thu.le (editor) added"
    with Session(jobs.engine(db_url)) as s:
        assert s.exec(select(Campaign)).first() is None
        user = s.exec(select(User).where(User.username == "thu.le")).one()
        assert s.get(Unit, user.unit_id).code == "xa-an-lao"  # type: ignore[union-attr]
