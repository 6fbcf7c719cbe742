"""`phuxanh user add`: the password from a variable, a generated one shown once, or none
for OIDC-only users; e-mail mapping for sign-in through the office's provider."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.core.errors import PermissionDenied
from phuxanh.core.users import check_password, ensure_unit, sso_user
from phuxanh.models import User
from tests.test_cli import phuxanh


def _db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'u.db'}"
    jobs.init_db(url)
    with Session(jobs.engine(url)) as s:
        ensure_unit(s, code="ttdn-haiphong", name="TTĐN Hải Phòng")
        s.commit()
    return url


def add(url: str, *args: str, env: dict | None = None):
    return phuxanh("user", "add", *args, "--unit", "ttdn-haiphong", "--database", url, env=env)


def stored(url: str, name: str) -> User:
    with Session(jobs.engine(url)) as s:
        return s.exec(select(User).where(User.username == name)).one()


def test_generated_password_is_printed_once_and_stored_hashed(tmp_path: Path) -> None:
    url = _db(tmp_path)
    done = add(url, "lan.nguyen", "--role", "editor")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "user lan.nguyen (editor) added"
    password = lines[1].removeprefix("password (shown once, not stored): ")
    assert len(password) >= 16
    user = stored(url, "lan.nguyen")
    assert user.password_hash.startswith("$argon2") and password not in user.password_hash
    assert check_password(password, user.password_hash)


def test_password_from_a_variable_and_a_short_one_refused(tmp_path: Path) -> None:
    url = _db(tmp_path)
    ok = add(
        url,
        "minh.tran",
        "--role",
        "approver",
        "--password-env",
        "PW",
        env={"PW": "mot-mat-khau-dai"},
    )
    assert ok.returncode == 0 and "password" not in ok.stdout.splitlines()[-1]
    assert check_password("mot-mat-khau-dai", stored(url, "minh.tran").password_hash)
    short = add(url, "hoa.pham", "--role", "approver", "--password-env", "PW", env={"PW": "ngan"})
    assert short.returncode == 1 and short.stderr.strip() == "password: at least 10 characters"
    unset = add(url, "hoa.pham", "--role", "approver", "--password-env", "NOT_SET_ANYWHERE")
    assert unset.stderr.strip() == "--password-env: NOT_SET_ANYWHERE is not set"


def test_sso_only_users_have_an_email_and_no_password(tmp_path: Path) -> None:
    url = _db(tmp_path)
    assert add(url, "thu.le", "--role", "manager", "--sso-only").stderr.strip() == (
        "--sso-only: needs --email (the address sign-in vouches for)"
    )
    done = add(url, "thu.le", "--role", "manager", "--sso-only", "--email", "Thu.Le@HP.gov.vn")
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 1
    user = stored(url, "thu.le")
    assert user.password_hash is None and user.email == "thu.le@hp.gov.vn"
    again = add(url, "le.thu", "--role", "editor", "--sso-only", "--email", "thu.le@hp.gov.vn")
    assert again.stderr.strip() == "--email: 'thu.le@hp.gov.vn' already belongs to another user"
    with Session(jobs.engine(url)) as s:
        assert sso_user(s, email=" THU.LE@hp.gov.vn").username == "thu.le"
        with pytest.raises(PermissionDenied, match="no verified e-mail"):
            sso_user(s, email="thu.le@hp.gov.vn", verified=False)
        with pytest.raises(PermissionDenied, match="has no phuxanh account"):
            sso_user(s, email="someone@else.vn")
        user = s.exec(select(User).where(User.username == "thu.le")).one()
        user.active = False
        s.add(user)
        s.commit()
        with pytest.raises(PermissionDenied, match="has no phuxanh account"):
            sso_user(s, email="thu.le@hp.gov.vn")


def test_login_and_display_names_are_validated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Empty, 5,000-character and control-character names are refused in one line naming
    the field, and nothing is written."""
    from tests.test_cli_inputs import refused, run_cli

    url = _db(tmp_path)
    base = ("--unit", "ttdn-haiphong", "--role", "editor", "--database", url)
    for username in (
        "",
        "x" * 5000,
        "lan\x1bnguyen",
        "Lan.Nguyen",
        "lan nguyen",
        ".lan",
        "l",
        "lan\n",
    ):
        line = refused(capsys, "user", "add", username, *base)
        assert line.startswith("USERNAME: ") and "is not a login name" in line, line
        assert len(line) < 300  # a 5,000-character name is not echoed whole
    for name, said in (
        ("Lan \x1b[31mđỏ", "control or invisible characters (U+001B)"),
        ("N" * 3000, "3000 characters, at most 120"),
        ("Lan\u202egnáN", "U+202E"),
        ("Lan\x00", "U+0000"),
    ):
        line = refused(capsys, "user", "add", "lan.nguyen", "--name", name, *base)
        assert line.startswith("--name: ") and said in line, line
    with Session(jobs.engine(url)) as s:
        assert s.exec(select(User)).all() == []
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Lan"  # NFD, as some keyboards type it
    code, out, err = run_cli(
        capsys, "user", "add", "lan.nguyen", "--name", f"  {decomposed} ", *base
    )
    assert code == 0 and out.startswith("user lan.nguyen (editor) added"), err
    assert stored(url, "lan.nguyen").display_name == "Nguyễn Thị Lan"  # NFC, trimmed
