"""Crisis pause: everywhere or one channel, audited, and a run in progress stops before
its next send."""

from __future__ import annotations

import sys
import threading
import time

import pytest
import requests
from sqlmodel import Session, col, select

from phuxanh import jobs
from phuxanh.core.errors import NotFound, PermissionDenied, ValidationFailed
from phuxanh.core.users import add_user
from phuxanh.models import AuditEvent, Channel, Pause, Publication, PubState
from phuxanh.publish.pauses import active, pause, resume
from tests.helpers import at, user
from tests.test_publishing import _approve_all


def _posts(sandbox) -> int:
    return requests.get(f"{sandbox.public_url}/_sandbox/posts", timeout=5).json()["count"]


@pytest.fixture
def due(db_url: str, sandbox, given_campaign) -> str:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    return db_url


def test_global_pause_then_resume(due: str, sandbox) -> None:
    with Session(jobs.engine(due)) as s:
        pause(s, channel_code=None, reason="Bão số 3 đổ bộ", actor="minh.tran")
        s.commit()
        assert active(s)[0].reason == "Bão số 3 đổ bộ"
    assert jobs.publish_due(now=at(0, 8, 1), database_url=due) == {}
    assert _posts(sandbox) == 0
    with Session(jobs.engine(due)) as s:
        assert resume(s, channel_code=None, actor="minh.tran") == 1
        s.commit()
        actions = [e.action for e in s.exec(select(AuditEvent))]
        assert "publishing.pause" in actions and "publishing.resume" in actions
    assert jobs.publish_due(now=at(0, 8, 5), database_url=due) == {"published": 2}


def test_one_channel_paused_the_others_post(due: str, sandbox) -> None:
    with Session(jobs.engine(due)) as s:
        pause(s, channel_code="fb-ttdn-haiphong", reason="Quốc tang", actor="minh.tran")
        s.commit()
        paused_id = s.exec(select(Channel).where(Channel.code == "fb-ttdn-haiphong")).one().id
    assert jobs.publish_due(now=at(0, 8, 1), database_url=due) == {"published": 1}
    with Session(jobs.engine(due)) as s:
        waiting = s.exec(
            select(Publication).where(
                Publication.channel_id == paused_id, Publication.state == PubState.scheduled
            )
        )
        assert len(waiting.all()) >= 1
    with pytest.raises(ValidationFailed, match="needs a reason"), Session(jobs.engine(due)) as s:
        pause(s, channel_code=None, reason="  ", actor="x")
    with pytest.raises(NotFound, match="no channel 'nope'"), Session(jobs.engine(due)) as s:
        pause(s, channel_code="nope", reason="x", actor="x")


def test_pause_stops_a_run_in_progress_before_its_next_send(due: str, sandbox) -> None:
    requests.post(
        f"{sandbox.public_url}/_sandbox/faults", json={"next": ["slow_response"]}, timeout=5
    )
    outcome: dict = {}
    run = threading.Thread(
        target=lambda: outcome.update(jobs.publish_due(now=at(0, 8, 1), database_url=due))
    )
    run.start()
    deadline = time.monotonic() + 20
    while _posts(sandbox) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)  # the first post exists; its answer is still 1.5 s away
    with Session(jobs.engine(due)) as s:
        pause(s, channel_code=None, reason="Bão số 3", actor="minh.tran")
        s.commit()
    run.join(30)
    assert outcome == {"published": 1, "paused": 1}
    assert _posts(sandbox) == 1


def test_pause_command(due: str) -> None:
    from tests.test_cli import phuxanh

    done = phuxanh(
        "pause",
        "--reason",
        "Quốc tang",
        "--channel",
        "fb-ttdn-haiphong",
        "--as",
        "minh.tran",
        "--database",
        due,
    )
    assert done.stdout.strip() == "publishing paused on fb-ttdn-haiphong: Quốc tang"
    again = phuxanh(
        "resume", "--channel", "fb-ttdn-haiphong", "--as", "minh.tran", "--database", due
    )
    assert again.stdout.strip() == "publishing resumed on fb-ttdn-haiphong (1 pause ended)"
    missing = phuxanh("pause", "--database", due)
    assert missing.returncode != 0 and "--reason" in missing.stderr


def test_pause_and_resume_need_a_person_who_answers_for_the_channels(
    due: str, monkeypatch, capsys
) -> None:
    """Issue 13 (Low): `pause --as nobody` was accepted and audited under a name that is no
    user. Now: an active approver, manager or admin, over channels of their unit or below."""
    with Session(jobs.engine(due)) as s:
        add_user(s, username="an.le", unit_code="dh-y-duoc-haiphong", role="approver")
        gone = user(s, "hoa.pham")
        gone.active = False
        s.add(gone)
        s.commit()
        for who, scope, problem in (
            ("nobody", None, r"^--as: 'nobody' is not an active phuxanh user$"),
            ("hoa.pham", None, r"^--as: 'hoa.pham' is not an active phuxanh user$"),
            (
                "lan.nguyen",
                None,
                r"^--as: lan\.nguyen is an editor; pausing publishing needs an "
                r"approver, a manager or an admin$",
            ),
            (
                "an.le",
                "fb-ttdn-haiphong",
                r"^--as: an\.le is not in the unit of channel "
                r"fb-ttdn-haiphong$",
            ),
            ("an.le", None, r"only the lead unit or an admin acts everywhere$"),
        ):
            with pytest.raises((NotFound, PermissionDenied), match=problem):
                pause(s, channel_code=scope, reason="Bão số 3", actor=who)
            s.rollback()
        pause(s, channel_code="fb-dh-y-duoc-hp", reason="Bão số 3", actor="an.le")  # its own
        s.commit()
        with pytest.raises(NotFound, match="'nobody' is not an active"):
            resume(s, channel_code="fb-dh-y-duoc-hp", actor="nobody")
        with pytest.raises(PermissionDenied, match=r"lan\.nguyen is an editor; resuming"):
            resume(s, channel_code="fb-dh-y-duoc-hp", actor="lan.nguyen")
        s.rollback()
        assert resume(s, channel_code="fb-dh-y-duoc-hp", actor="minh.tran") == 1  # the lead
        s.commit()
    from phuxanh.cli import main as cli

    monkeypatch.setattr(
        sys, "argv", ["phuxanh", "pause", "--reason", "x", "--as", "nobody", "--database", due]
    )
    with pytest.raises(SystemExit) as done:
        cli.main()
    err = capsys.readouterr().err
    assert done.value.code == 1
    assert err == "error: --as: 'nobody' is not an active phuxanh user\n"
    with Session(jobs.engine(due)) as s:
        assert len(s.exec(select(Pause)).all()) == 1  # only an.le's, now ended
        assert [
            (e.action, e.actor)
            for e in s.exec(
                select(AuditEvent)
                .where(col(AuditEvent.action).startswith("publishing."))
                .order_by(col(AuditEvent.id))
            )
        ] == [("publishing.pause", "an.le"), ("publishing.resume", "minh.tran")]
