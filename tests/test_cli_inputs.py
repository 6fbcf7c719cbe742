"""The command line against bad input it must refuse in one line: times and periods out of
range, `-o` that cannot be a file, databases that cannot be opened (never echoing a
password), and the last-resort handler of `main()`. Everything runs in-process through
`phuxanh.cli.main`, the console entry point."""

from __future__ import annotations

import datetime as dt
import socket
import sqlite3
import stat
import sys
from pathlib import Path

import pytest
import typer

from phuxanh import jobs
from phuxanh.cli import main as cli
from phuxanh.cli.common import atomic_output, day, when
from phuxanh.core.db import masked, scrub
from phuxanh.core.errors import PhuxanhError, ValidationFailed
from phuxanh.reports.model import parse_period
from tests.helpers import refused, run_cli

SECRET = "S3cr3tPassw0rd"


def parts(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".part" in p.name]


@pytest.fixture
def ready(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'db' / 'x.db'}"
    jobs.init_db(url)
    return url


# --- times, days and periods: bounded years, and the flag the person typed --------------


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (("publish", "due", "--now", "9999-12-31T23:59-14:00"), "--now"),
        (("publish", "due", "--now", "0001-01-01T00:00+14:00"), "--now"),
        (("metrics", "collect", "--now", "tomorrow"), "--now"),
        (("render", "--campaign", "demo-2026", "--until", "notatime"), "--until"),
        (("render", "--campaign", "demo-2026", "--until", "0001-01-01T00:00+14:00"), "--until"),
        (
            (
                "item",
                "create",
                "--channel",
                "c",
                "--text",
                "t",
                "--as",
                "lan.nguyen",
                "--at",
                "0001-01-01T00:00+14:00",
            ),
            "--at",
        ),
        (
            (
                "publication",
                "resolve",
                "1",
                "--as",
                "minh.tran",
                "--not-sent",
                "--at",
                "9999-12-31T23:00+00:00",
            ),
            "--at",
        ),
        (("report", "--period", "0001-Q1", "-o", "r.docx"), "--period"),
        (("report", "--period", "0000", "-o", "r.docx"), "--period"),
        (("report", "--period", "9999-12", "-o", "r.docx"), "--period"),
        (
            (
                "plan",
                "--campaign",
                "content/campaigns/demo.yaml",
                "--from",
                "2026-13-45",
                "--to",
                "2026-12-31",
            ),
            "--from",
        ),
        (
            (
                "plan",
                "--campaign",
                "content/campaigns/demo.yaml",
                "--from",
                "01/01/2026",
                "--to",
                "31/12/9999",
            ),
            "--to",
        ),
        (("compose", "--from", "0001-01-01"), "--from"),
        (
            (
                "render",
                "card",
                "--template",
                "fact-number",
                "--data",
                "content/samples/fact-number.yaml",
                "-o",
                "c.png",
                "--today",
                "2026-13-45",
            ),
            "--today",
        ),
    ],
)
def test_times_and_periods_name_their_flag(
    capsys: pytest.CaptureFixture[str], ready: str, argv: tuple[str, ...], flag: str
) -> None:
    line = refused(capsys, *argv, "--database", ready)
    assert line.startswith(f"{flag}: "), line


def test_the_shared_parsers() -> None:
    assert when("2026-03-15T08:00+07:00", "--now") == dt.datetime(2026, 3, 15, 1, tzinfo=dt.UTC)
    naive = when("2026-03-15T08:00", "--at", local=False)
    assert naive is not None and naive.tzinfo is None  # the caller asks for the zone
    assert when(None, "--now") is None
    assert day("15/03/2026", "--from") == day("2026-03-15", "--from") == dt.date(2026, 3, 15)
    for bad in ("1999-12-31", "2101-01-01"):
        with pytest.raises(ValidationFailed, match=r"^--to: .*between 2000 and 2100"):
            day(bad, "--to")
    assert parse_period("2100-Q4").end == dt.date(2100, 12, 31)
    with pytest.raises(ValidationFailed, match=r"^--period: '1999'"):
        parse_period("1999")


# --- -o: a folder, a missing folder, never a .part left behind ----------------------------


def test_output_into_a_missing_folder_or_onto_a_folder(
    capsys: pytest.CaptureFixture[str], ready: str, tmp_path: Path
) -> None:
    missing = tmp_path / "nope"
    folder = tmp_path / "here.docx"
    folder.mkdir()
    cases = [
        (("report", "--period", "2026-03", "-o", str(missing / "r.docx")), "does not exist"),
        (("report", "--period", "2026-03", "-o", str(folder)), "is a folder"),
        (("audit", "export", "-o", str(missing / "a.csv")), "does not exist"),
        (("audit", "export", "-o", str(folder)), "is a folder"),
        (("item", "sample", "-o", str(missing / "s.md")), "does not exist"),
        (("item", "sample", "-o", str(folder)), "is a folder"),
        (
            (
                "directive",
                "import",
                "content/directives/text/05-HD-DU_2026_TTDN-nam-2026_DH-Y-Duoc-HP.txt",
                "-o",
                str(missing / "d.yaml"),
            ),
            "does not exist",
        ),
    ]
    for argv, said in cases:
        db = () if argv[0] == "directive" else ("--database", ready)
        line = refused(capsys, *argv, *db)
        assert line.startswith("-o: ") and said in line, line
    assert not missing.exists() and not parts(tmp_path) and not any(folder.iterdir())


def test_a_write_that_fails_leaves_no_part(tmp_path: Path) -> None:
    target = tmp_path / "r.xlsx"
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("the writer died")
    assert not target.exists() and not parts(tmp_path)
    folder = tmp_path / "taken.pdf"  # the domain writer (dashboard, demo) onto a folder
    folder.mkdir()
    url = f"sqlite:///{tmp_path / 'r.db'}"
    jobs.init_db(url)
    with pytest.raises(PhuxanhError, match="cannot write the report"):
        jobs.report(period="2026-03", unit_code=None, fmt="pdf", out=folder, database_url=url)
    assert folder.is_dir() and not any(folder.iterdir()) and not parts(tmp_path)


# --- databases that cannot be opened, and never a password -------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unopenable_databases_are_one_line_without_the_password(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    port = _closed_port()
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database\n")
    cases = [
        (
            ("item", "list", "--database", f"postgresql://u:{SECRET}@127.0.0.1:{port}/db"),
            "cannot be opened",
        ),
        (("init", "--database", f"postgresql+psycopg2://user:{SECRET}@127.0.0.1/db"), "cannot use"),
        (("init", "--database", f"foo://user:{SECRET}@host/db"), "cannot use"),
        (("init", "--database", f"postgresql://user:{SECRET}@host:notaport/db"), "cannot use"),
        (
            ("init", "--database", f"postgresql://host/db?password={SECRET}&port={port}"),
            "cannot be opened",
        ),
        (
            ("item", "list", "--database", f"sqlite:///{tmp_path / 'nope' / 'x.db'}"),
            "does not exist: run `phuxanh init`",
        ),
        (("item", "list", "--database", f"sqlite:///{text_file}"), "cannot be opened"),
        (("init", "--database", f"sqlite:///{text_file}/x.db"), "cannot create"),
    ]
    for argv, said in cases:
        line = refused(capsys, *argv)
        assert line.startswith("error: ") and said in line, line
        assert SECRET not in line
    assert not (tmp_path / "nope").exists()  # a typo'd path creates nothing


def test_masking() -> None:
    assert (
        masked(f"postgresql+psycopg://u:{SECRET}@h:5432/db")
        == "postgresql+psycopg://u:***@h:5432/db"
    )
    for unparsed in (
        f"postgresql://u:{SECRET}@h:port/db",
        f"pg://u:p@ss{SECRET}@h/db",
        f"postgresql://h/db?sslmode=require&password={SECRET}",
    ):
        assert SECRET not in masked(unparsed) and "***" in masked(unparsed)
    assert (
        scrub(f"could not use redis://:{SECRET}@cache:6379/0 today")
        == "could not use redis://:***@cache:6379/0 today"
    )
    assert scrub("see https://example.vn:8080/a@b") == "see https://example.vn:8080/a@b"


def test_init_prints_the_url_without_its_password(
    capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    from sqlalchemy.engine import make_url

    parsed = make_url(db_url)
    if parsed.drivername.startswith("postgresql"):  # the test cluster trusts any password
        url = parsed.set(password=SECRET).render_as_string(hide_password=False)
        assert SECRET in url
    else:
        url = db_url
    code, out, err = run_cli(capsys, "init", "--database", url)
    assert code == 0, err
    assert out.strip() == f"database ready: {masked(url)}" and SECRET not in out + err
    assert ":***@" in out or url.startswith("sqlite")


def test_a_new_database_and_its_folders_are_private(tmp_path: Path) -> None:
    db = tmp_path / "var" / "sub" / "x.db"
    jobs.init_db(f"sqlite:///{db}")
    before = stat.S_IMODE(tmp_path.stat().st_mode)
    for path, mode in ((tmp_path / "var", 0o700), (db.parent, 0o700), (db, 0o600)):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path
    assert stat.S_IMODE(tmp_path.stat().st_mode) == before  # a folder that existed keeps it


# --- main(): the last-resort handler -------------------------------------------------------


def test_a_database_that_fails_mid_command_is_one_line(
    capsys: pytest.CaptureFixture[str], ready: str
) -> None:
    path = ready.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:  # a table lost behind phuxanh's back
        conn.execute("DROP TABLE publication")
    line = refused(capsys, "item", "list", "--database", ready)
    assert line.startswith("error: database: ") and "no such table" in line, line


def test_a_file_the_system_refuses_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:  # a port another program listens on
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = refused(capsys, "sandbox", "serve", "--port", str(port))
    assert line.startswith("error: ") and "in use" in line, line


def test_unexpected_errors_are_one_line_unless_debugging(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = typer.Typer(pretty_exceptions_enable=False, add_completion=False)

    @broken.command()
    def boom() -> None:
        raise KeyError(f"lost postgresql://u:{SECRET}@db/x\nsecond line")

    monkeypatch.setattr(cli, "app", broken)
    monkeypatch.delenv("PHUXANH_DEBUG", raising=False)
    line = refused(capsys)
    assert line.startswith("error: unexpected KeyError: ") and SECRET not in line
    assert line.endswith("(run with PHUXANH_DEBUG=1 for the traceback)")
    monkeypatch.setenv("PHUXANH_DEBUG", "1")
    monkeypatch.setattr(sys, "argv", ["phuxanh"])
    with pytest.raises(KeyError):
        cli.main()


def test_usage_errors_are_one_line_and_help_still_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv, said in (
        (("item", "approve", "abc", "--as", "minh.tran"), "Invalid value for 'ID'"),
        (("nosuch",), "No such command 'nosuch'"),
        (("item", "list", "--nope"), "No such option: --nope"),
    ):
        line = refused(capsys, *argv)
        assert line.startswith("error: ") and said in line, line
    code, out, err = run_cli(capsys, "item", "--help")
    assert code == 0 and "approve" in out and err == ""
    code, out, _ = run_cli(capsys, "item")  # no subcommand: the help, as before
    assert code == 2 and "approve" in out


def test_ports_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ("sandbox", "serve", "--port", "70000"),
        ("sandbox", "serve", "--port", "-1"),
        ("dashboard", "--port", "0"),
    ):
        assert refused(capsys, *argv).startswith("--port: "), argv
