"""The README's "Set up your office" runs as written: its files are saved under the names
it gives them, and each `./run …` line of its command block runs in this process (the
console entry point, `cli.main`) against a fresh database, in a fresh folder."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.core.settings import ROOT, get_settings
from phuxanh.models import Channel, Obligation, Slot, Unit, User
from tests.helpers import run_cli

FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```$", re.M | re.S)
NAMED = re.compile(r"`([\w.-]+)`(?: \([^)]*\))?:$", re.S)


def section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Set up your office\n")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


def files_and_commands(text: str) -> tuple[dict[str, str], list[list[str]]]:
    """The files the section names (`NAME`: before a block) and the ./run commands."""
    files: dict[str, str] = {}
    commands: list[list[str]] = []
    for m in FENCE.finditer(text):
        before = " ".join(text[: m.start()].rstrip().split("\n\n")[-1].split())
        named = NAMED.search(before)
        if m.group(1) == "sh":
            for line in m.group(2).splitlines():
                if line.strip():
                    argv = shlex.split(line)
                    assert argv[0] == "./run", line
                    commands.append(argv[1:])
        else:
            assert named, f"a {m.group(1)} block without a file name before it"
            files[named.group(1)] = m.group(2)
    return files, commands


def test_the_section_is_what_the_test_reads() -> None:
    files, commands = files_and_commands(section())
    assert sorted(files) == ["le-chan-report.yaml", "le-chan.yaml", "wards.csv"]
    verbs = [" ".join(c[:2]) for c in commands]
    for needed in ("unit add", "unit import", "user add", "channel add", "obligation add"):
        assert needed in verbs
    assert ["catalog", "load"] in commands and any(c[0] == "plan" for c in commands)


def test_set_up_an_office_as_the_readme_says(
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = db_url  # a fresh, migrated database (`init` leaves it as it is)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()  # the commands read DATABASE_URL, as on a fresh clone
    monkeypatch.delenv("FB_LE_CHAN_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    files, commands = files_and_commands(section())
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    outputs = []
    for argv in commands:
        code, out, err = run_cli(capsys, *argv)
        assert code == 0, (argv, err)
        outputs.append(out)
    with Session(jobs.engine(url)) as s:
        units = {u.code: u for u in s.exec(select(Unit))}
        assert set(units) == {"hai-phong", "phuong-le-chan", "phuong-ngo-quyen"}
        assert units["phuong-le-chan"].parent_id == units["hai-phong"].id
        assert units["phuong-le-chan"].report["issuer"] == ["ĐẢNG ỦY PHƯỜNG LÊ CHÂN"]
        assert units["phuong-le-chan"].report["signer_title"] == "T/M ĐẢNG ỦY\nBÍ THƯ"
        people = {u.username: u.unit_id for u in s.exec(select(User))}
        assert people == {
            "lan.nguyen": units["phuong-le-chan"].id,
            "minh.tran": units["hai-phong"].id,
        }
        page = s.exec(select(Channel)).one()
        assert (page.code, page.unit_id) == ("facebook-phuong-le-chan", units["phuong-le-chan"].id)
        assert s.exec(select(Obligation)).one().due == "10 after"
        slots = s.exec(select(Slot)).all()
        assert len(slots) == 28  # two windows a day for a fortnight
    status = outputs[-1]
    assert "tháng 12 năm 2026" in status and "hạn 10/01/2027" in status and "overdue" in status
    assert "tháng 1 năm 2027" in status and "hạn 10/02/2027" in status


def test_the_status_as_json_agrees(
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The last command of the block, as JSON, names the same two periods."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    monkeypatch.chdir(tmp_path)
    files, commands = files_and_commands(section())
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    for argv in commands:
        if argv[:2] in (["catalog", "load"], ["plan", "--campaign"]):
            continue  # not needed for the obligations
        assert run_cli(capsys, *argv)[0] == 0, argv
    code, out, _err = run_cli(capsys, *commands[-1], "--json")
    rows = json.loads(out)["reports"]
    assert code == 0
    assert [(r["period"], r["due"], r["state"]) for r in rows] == [
        ("2026-12", "2027-01-10", "overdue"),
        ("2027-01", "2027-02-10", "open"),
    ]
