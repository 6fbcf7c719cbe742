"""Signing in (phuxanh/core/auth.py): lockout per username and per client, a growing delay, one
argon2 verification for every wrong pair, sessions that hand off once and end on expiry,
sign-out and `user disable`, an audit row for each; `user disable` / `reset-password`."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from phuxanh.cli.main import app as cli
from phuxanh.core import auth
from phuxanh.core.errors import NotFound, PermissionDenied
from phuxanh.core.settings import get_settings
from phuxanh.core.users import add_user, ensure_unit, hash_password
from phuxanh.models import AuditEvent, SignInThrottle, User, UserSession

PASSWORD = "dung-mat-khau-1"
T0 = dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def team(engine: Engine) -> Engine:
    with Session(engine) as s:
        ensure_unit(s, code="ttdn-haiphong", name="TTĐN Hải Phòng")
        add_user(
            s, username="minh.tran", unit_code="ttdn-haiphong", role="approver", password=PASSWORD
        )
        add_user(
            s, username="lan.nguyen", unit_code="ttdn-haiphong", role="editor", password=PASSWORD
        )
        add_user(s, username="quan.tri", unit_code="ttdn-haiphong", role="admin", password=PASSWORD)
        add_user(
            s,
            username="sso.only",
            unit_code="ttdn-haiphong",
            role="editor",
            email="sso.only@haiphong.gov.vn",
        )
        s.commit()
    return engine


def attempt(
    engine: Engine, username: str, password: str, *, client: str = "10.0.0.1", now: dt.datetime = T0
) -> str:
    """'ok', 'wrong' or 'locked N' (seconds left)."""
    with Session(engine) as s:
        try:
            auth.authenticate(s, username=username, password=password, client=client, now=now)
        except auth.SignInRefused as exc:
            return f"locked {exc.locked_s}" if exc.locked_s else "wrong"
        s.commit()
        return "ok"


def actions(engine: Engine) -> list[tuple[str, str, str]]:
    with Session(engine) as s:
        rows = s.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action).startswith("user."))
            .order_by(col(AuditEvent.id))
        ).all()
        return [
            (r.action, r.actor, str(r.detail.get("reason", "")))
            for r in rows
            if r.action != "user.add"
        ]


def test_five_failures_lock_the_username_even_for_the_right_password(team: Engine) -> None:
    assert [attempt(team, "minh.tran", f"sai-{i}") for i in range(5)] == ["wrong"] * 5
    assert attempt(team, "minh.tran", "sai-6") == "locked 30"
    assert attempt(team, "minh.tran", PASSWORD, now=T0 + dt.timedelta(seconds=10)) == "locked 20"
    assert attempt(team, "lan.nguyen", PASSWORD) == "ok"  # others are not locked out
    assert attempt(team, "minh.tran", PASSWORD, now=T0 + dt.timedelta(seconds=30)) == "ok"
    got = actions(team)
    assert got[:5] == [("user.sign_in_failed", "minh.tran", "wrong_password")] * 5
    assert got[5] == ("user.locked", "minh.tran", "")
    assert got[6:8] == [("user.sign_in_failed", "minh.tran", "locked")] * 2
    assert got[8:] == [("user.sign_in", "lan.nguyen", ""), ("user.sign_in", "minh.tran", "")]
    with Session(team) as s:
        dump = json.dumps([r.model_dump(mode="json") for r in s.exec(select(AuditEvent))])
    assert "sai-" not in dump and PASSWORD not in dump  # no password is ever recorded


def test_each_further_failure_doubles_the_lock_up_to_the_cap(team: Engine) -> None:
    now = T0
    for _ in range(4):
        assert attempt(team, "minh.tran", "sai", now=now) == "wrong"
    locks = []
    for _ in range(7):
        assert attempt(team, "minh.tran", "sai", now=now) == "wrong"
        locks.append(int(attempt(team, "minh.tran", PASSWORD, now=now).split()[1]))
        now += dt.timedelta(seconds=locks[-1])  # wait the lock out, then fail again
    assert locks == [30, 60, 120, 240, 480, 900, 900]
    assert attempt(team, "minh.tran", PASSWORD, now=now) == "ok"
    assert attempt(team, "minh.tran", "sai", now=now) == "wrong"  # forgotten on success


def test_an_hour_without_failures_forgets_them(team: Engine) -> None:
    for _ in range(4):
        assert attempt(team, "minh.tran", "sai") == "wrong"
    later = T0 + dt.timedelta(hours=1, seconds=1)
    for _ in range(4):
        assert attempt(team, "minh.tran", "sai", now=later) == "wrong"
    assert attempt(team, "minh.tran", PASSWORD, now=later) == "ok"


def test_unknown_usernames_lock_the_same_way_and_are_not_recorded(team: Engine) -> None:
    """A lockout tells nothing about who has an account, and what someone typed as a
    username (perhaps their password) is stored nowhere readable."""
    for _ in range(5):
        assert attempt(team, "Mat-Khau-Go-Nham", "sai") == "wrong"
    assert attempt(team, "Mat-Khau-Go-Nham", "sai") == "locked 30"
    assert attempt(team, "mat-khau-go-nham", "sai") == "locked 30"  # case does not matter
    assert {a for a in actions(team)} == {
        ("user.sign_in_failed", "unknown", "unknown_user"),
        ("user.locked", "unknown", ""),
        ("user.sign_in_failed", "unknown", "locked"),
    }
    with Session(team) as s:
        audit_dump = json.dumps([r.model_dump(mode="json") for r in s.exec(select(AuditEvent))])
        throttles = json.dumps([r.model_dump(mode="json") for r in s.exec(select(SignInThrottle))])
    assert "go-nham" not in (audit_dump + throttles).lower()


def test_one_client_is_throttled_across_usernames(
    team: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PHUXANH_SIGNIN_CLIENT_FAILURES", "6")
    get_settings.cache_clear()
    for name in ("a1", "a2", "a3", "minh.tran", "lan.nguyen", "a4"):  # < 5 per username
        assert attempt(team, name, "sai", client="203.0.113.7") == "wrong"
    assert attempt(team, "quan.tri", PASSWORD, client="203.0.113.7") == "locked 30"
    assert attempt(team, "quan.tri", PASSWORD, client="198.51.100.2") == "ok"
    assert ("user.locked", "system", "") in actions(team)


def test_a_success_forgets_the_usernames_failures_not_the_clients(
    team: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PHUXANH_SIGNIN_CLIENT_FAILURES", "6")
    get_settings.cache_clear()
    for _ in range(4):
        assert attempt(team, "minh.tran", "sai") == "wrong"
    assert attempt(team, "minh.tran", PASSWORD) == "ok"
    for _ in range(2):  # one good account buys the address no more guesses at others
        assert attempt(team, "lan.nguyen", "sai") == "wrong"
    assert attempt(team, "lan.nguyen", PASSWORD).startswith("locked")


def test_failures_from_many_processes_at_once_all_count(team: Engine, db_url: str) -> None:
    """The counts live in the database: concurrent sign-ins (separate engines, as separate
    dashboard processes have) lose no failure."""
    from phuxanh.core.db import make_engine

    engines = [make_engine(db_url) for _ in range(6)]
    barrier = threading.Barrier(6)

    def fail(engine: Engine) -> None:
        barrier.wait()
        attempt(engine, "minh.tran", "sai", client="local")

    threads = [threading.Thread(target=fail, args=(e,)) for e in engines]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    with Session(team) as s:
        row = s.exec(select(SignInThrottle).where(SignInThrottle.kind == "user")).one()
    assert row.failures == 6 and row.locked_until is not None
    for e in engines:
        e.dispose()


def test_every_wrong_pair_costs_one_argon2_verification(
    team: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong password for a real user, an unknown user, a disabled user and a user
    without a password each run argon2 once: the answer takes the same time for all."""
    with Session(team) as s:
        auth.disable_user(s, username="lan.nguyen", actor="quan.tri")
        s.commit()
    calls: list[str] = []
    real = PasswordHasher.verify

    def counting(self: PasswordHasher, hash: str, password: str | bytes) -> bool:
        calls.append(hash)
        return real(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    for name in ("minh.tran", "nobody", "lan.nguyen", "sso.only"):
        calls.clear()
        assert attempt(team, name, "sai", client=name) == "wrong"
        assert len(calls) == 1 and calls[0].startswith("$argon2id$"), name

    # timed at the production cost (the suite runs argon2 at its lowest: tests/conftest.py),
    # so that argon2, not the database, is what the answer's time is made of
    monkeypatch.setenv("PHUXANH_ARGON2_TIME_COST", "3")
    monkeypatch.setenv("PHUXANH_ARGON2_MEMORY_KIB", "65536")
    get_settings.cache_clear()
    with Session(team) as s:
        admin = s.exec(select(User).where(User.username == "quan.tri")).one()
        admin.password_hash = hash_password("mat-khau-dung")
        s.add(admin)
        s.commit()

    def took(name: str) -> float:
        best = float("inf")
        for i in range(3):
            start = time.perf_counter()
            attempt(team, name, f"sai-{i}", client=f"t-{name}-{i}")
            best = min(best, time.perf_counter() - start)
        return best

    known, unknown = took("quan.tri"), took("nobody-at-all")
    assert 0.1 < unknown / known < 10, (known, unknown)  # was ~600x before the fix


def test_sessions_hand_off_once_and_end_on_expiry_and_sign_out(team: Engine) -> None:
    with Session(team) as s:
        user = auth.authenticate(s, username="minh.tran", password=PASSWORD, client="local", now=T0)
        started = auth.start_session(s, user=user, client="local", lang="en", now=T0)
        s.commit()
    assert started.expires_at == T0 + dt.timedelta(hours=8)
    with Session(team) as s:
        assert auth.session_user(s, session_id=started.session_id, now=T0) is not None
        assert auth.handoff_pending(s, started.session_id, now=T0)
        claimed = auth.claim_handoff(s, started.handoff, now=T0 + dt.timedelta(seconds=5))
        assert claimed is not None
        token, expires = claimed
        assert expires == started.expires_at and len(token) >= 43  # 256 bits, url-safe
        assert auth.claim_handoff(s, started.handoff, now=T0) is None  # once only
        s.commit()
        row = s.get(UserSession, started.session_id)
        assert row is not None and row.token_sha256 == auth.sha256(token)
        assert token not in json.dumps(row.model_dump(mode="json"))  # only its hash is kept
        found = auth.session_user(s, token=token, now=T0 + dt.timedelta(hours=7, minutes=59))
        assert found is not None and found[1].username == "minh.tran" and found[0].lang == "en"
        assert auth.session_user(s, token=token, now=T0 + dt.timedelta(hours=8)) is None
        assert auth.session_user(s, token="not-a-token", now=T0) is None
        assert auth.end_session(s, token=token, now=T0 + dt.timedelta(hours=1))
        assert not auth.end_session(s, token=token, now=T0 + dt.timedelta(hours=1))
        s.commit()
        assert auth.session_user(s, token=token, now=T0 + dt.timedelta(hours=1)) is None
    assert actions(team)[-1] == ("user.sign_out", "minh.tran", "")


def test_a_handoff_code_lapses_after_a_minute(team: Engine) -> None:
    with Session(team) as s:
        user = auth.authenticate(s, username="minh.tran", password=PASSWORD, client="local", now=T0)
        started = auth.start_session(s, user=user, client="local", now=T0)
        s.commit()
        late = T0 + dt.timedelta(seconds=61)
        assert not auth.handoff_pending(s, started.session_id, now=late)
        assert auth.claim_handoff(s, started.handoff, now=late) is None


def test_old_sessions_and_stale_failure_counts_are_dropped(team: Engine) -> None:
    old = T0 - dt.timedelta(days=40)
    attempt(team, "minh.tran", "sai", now=old)
    with Session(team) as s:
        user = auth.authenticate(
            s, username="lan.nguyen", password=PASSWORD, client="local", now=old
        )
        first = auth.start_session(s, user=user, client="local", now=old)
        s.commit()
        second = auth.start_session(s, user=user, client="local", now=T0)
        s.commit()
        assert second.session_id != first.session_id  # ids are never reused
        ids = [r.id for r in s.exec(select(UserSession).execution_options(populate_existing=True))]
        assert ids == [second.session_id]
        assert s.exec(select(SignInThrottle)).all() == []


def test_the_session_length_is_a_setting(team: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHUXANH_SESSION_HOURS", "0.5")
    get_settings.cache_clear()
    with Session(team) as s:
        user = auth.authenticate(s, username="minh.tran", password=PASSWORD, client="local")
        started = auth.start_session(s, user=user, client="local", now=T0)
        s.commit()
    assert started.expires_at == T0 + dt.timedelta(minutes=30)


def _signed_in(engine: Engine, name: str) -> str:
    with Session(engine) as s:
        user = auth.authenticate(s, username=name, password=PASSWORD, client="local")
        started = auth.start_session(s, user=user, client="local")
        claimed = auth.claim_handoff(s, started.handoff)
        s.commit()
    assert claimed is not None
    return claimed[0]


def _live(engine: Engine, token: str) -> bool:
    with Session(engine) as s:
        return auth.session_user(s, token=token) is not None


def test_user_disable_ends_sessions_and_refuses_sign_in(team: Engine, db_url: str) -> None:
    token = _signed_in(team, "lan.nguyen")
    runner = CliRunner()
    done = runner.invoke(
        cli, ["user", "disable", "lan.nguyen", "--as", "quan.tri", "--database", db_url]
    )
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "user lan.nguyen disabled (1 session ended)"
    assert not _live(team, token)
    assert attempt(team, "lan.nguyen", PASSWORD) == "wrong"  # the same answer as any other
    refused = runner.invoke(
        cli, ["user", "disable", "minh.tran", "--as", "lan.nguyen", "--database", db_url]
    )
    assert isinstance(refused.exception, NotFound)  # disabled: no longer anyone
    refused = runner.invoke(
        cli, ["user", "disable", "quan.tri", "--as", "minh.tran", "--database", db_url]
    )
    assert isinstance(refused.exception, PermissionDenied)
    assert str(refused.exception) == "minh.tran (approver) may not manage users"
    refused = runner.invoke(
        cli, ["user", "disable", "quan.tri", "--as", "quan.tri", "--database", db_url]
    )
    assert str(refused.exception) == "quan.tri may not disable themselves"
    done = runner.invoke(
        cli, ["user", "enable", "lan.nguyen", "--as", "quan.tri", "--database", db_url]
    )
    assert done.exit_code == 0, done.output
    assert attempt(team, "lan.nguyen", PASSWORD) == "ok"
    assert [a for a in actions(team) if a[0] in ("user.disable", "user.enable")] == [
        ("user.disable", "quan.tri", ""),
        ("user.enable", "quan.tri", ""),
    ]


def test_user_reset_password_prints_a_new_one_once(
    team: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        attempt(team, "minh.tran", "sai")
    assert attempt(team, "minh.tran", PASSWORD).startswith("locked")
    token = _signed_in(team, "lan.nguyen")
    runner = CliRunner()
    done = runner.invoke(
        cli, ["user", "reset-password", "minh.tran", "--as", "quan.tri", "--database", db_url]
    )
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0] == "password of minh.tran reset (0 sessions ended)"
    new = lines[1].removeprefix("password (shown once, not stored): ")
    assert len(new) >= 16 and new != lines[1]
    assert attempt(team, "minh.tran", PASSWORD) == "wrong"  # the old one is gone
    assert attempt(team, "minh.tran", new) == "ok"  # and the lockout with it
    monkeypatch.setenv("NEW_PASSWORD", "mat-khau-moi-2026")
    done = runner.invoke(
        cli,
        [
            "user",
            "reset-password",
            "lan.nguyen",
            "--password-env",
            "NEW_PASSWORD",
            "--as",
            "quan.tri",
            "--database",
            db_url,
        ],
    )
    assert done.output.strip() == "password of lan.nguyen reset (1 session ended)"
    assert not _live(team, token)
    assert attempt(team, "lan.nguyen", "mat-khau-moi-2026") == "ok"
    monkeypatch.setenv("SHORT", "ngan")
    short = runner.invoke(
        cli,
        [
            "user",
            "reset-password",
            "lan.nguyen",
            "--password-env",
            "SHORT",
            "--as",
            "quan.tri",
            "--database",
            db_url,
        ],
    )
    assert str(short.exception).startswith("password: at least 10 characters")
    monkeypatch.setenv("SPACES", " " * 12)
    spaces = runner.invoke(
        cli,
        [
            "user",
            "reset-password",
            "lan.nguyen",
            "--password-env",
            "SPACES",
            "--as",
            "quan.tri",
            "--database",
            db_url,
        ],
    )
    assert str(spaces.exception).startswith("password: at least 10 characters")
    sso = runner.invoke(
        cli,
        [
            "user",
            "reset-password",
            "sso.only",
            "--password-env",
            "NEW_PASSWORD",
            "--as",
            "quan.tri",
            "--database",
            db_url,
        ],
    )
    assert "single sign-on" in str(sso.exception)  # a password would go around the provider
    with Session(team) as s:
        dump = json.dumps([r.model_dump(mode="json") for r in s.exec(select(AuditEvent))])
    assert new not in dump and "mat-khau-moi-2026" not in dump
    assert [a for a in actions(team) if a[0] == "user.reset_password"] == [
        ("user.reset_password", "quan.tri", "")
    ] * 2


def test_single_sign_on_is_audited_like_a_password(team: Engine) -> None:
    with Session(team) as s:
        user = auth.sso_sign_in(
            s, email="SSO.Only@haiphong.gov.vn", verified=True, client="10.0.0.5"
        )
        s.commit()
        assert user.username == "sso.only"
        with pytest.raises(PermissionDenied):
            auth.sso_sign_in(s, email="ai.do@example.com", verified=True, client="10.0.0.5")
    assert actions(team) == [
        ("user.sign_in", "sso.only", ""),
        ("user.sign_in_failed", "unknown", "sso_unknown"),
    ]
    assert attempt(team, "sso.only", "anything") == "wrong"  # no password: OIDC only


def test_passwords_are_argon2id_at_the_recommended_cost(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unless configured otherwise (only the test suite lowers it), a password is hashed with
    argon2id at the library's recommended cost, and a hash made at another cost still
    verifies (a stored hash carries its own)."""
    from phuxanh.core.users import check_password

    fast = hash_password("mat-khau")  # the suite's cost (tests/conftest.py)
    assert fast.startswith("$argon2id$v=19$m=1024,t=1,")
    monkeypatch.delenv("PHUXANH_ARGON2_TIME_COST")
    monkeypatch.delenv("PHUXANH_ARGON2_MEMORY_KIB")
    get_settings.cache_clear()
    strong = hash_password("mat-khau")
    recommended = PasswordHasher()
    assert strong.startswith(
        f"$argon2id$v=19$m={recommended.memory_cost},t={recommended.time_cost},"
        f"p={recommended.parallelism}$"
    )
    assert (recommended.memory_cost, recommended.time_cost) == (65536, 3)
    assert check_password("mat-khau", strong) and check_password("mat-khau", fast)
    assert not check_password("mat-khau!", strong)
