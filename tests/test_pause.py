"""Crisis pause: everywhere or one channel, audited, and a run in progress stops before
its next send."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.errors import NotFound, ValidationFailed
from phuxanh.models import AuditEvent, Channel, Publication, PubState
from phuxanh.pauses import active, pause, resume
from tests.helpers import at, planned_and_rendered
from tests.test_publishing import _approve_all


def _posts(sandbox) -> int:
    return requests.get(f"{sandbox.public_url}/_sandbox/posts", timeout=5).json()["count"]


@pytest.fixture
def due(db_url: str, sandbox) -> str:
    planned_and_rendered(db_url, sandbox.public_url)
    _approve_all(db_url)
    return db_url


def test_global_pause_then_resume(due: str, sandbox) -> None:
    with Session(jobs.engine(due)) as s:
        pause(s, channel_code=None, reason="Bão số 3 đổ bộ", actor="minh.tran")
        s.commit()
        assert active(s)[0]["reason"] == "Bão số 3 đổ bộ"
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
        waiting = s.exec(select(Publication).where(Publication.channel_id == paused_id,
                                                   Publication.state == PubState.scheduled))
        assert len(waiting.all()) >= 1
    with pytest.raises(ValidationFailed, match="needs a reason"), Session(jobs.engine(due)) as s:
        pause(s, channel_code=None, reason="  ", actor="x")
    with pytest.raises(NotFound, match="no channel 'nope'"), Session(jobs.engine(due)) as s:
        pause(s, channel_code="nope", reason="x", actor="x")


def test_pause_stops_a_run_in_progress_before_its_next_send(due: str, sandbox) -> None:
    requests.post(f"{sandbox.public_url}/_sandbox/faults", json={"next": ["slow_response"]},
                  timeout=5)
    outcome: dict = {}
    run = threading.Thread(target=lambda: outcome.update(
        jobs.publish_due(now=at(0, 8, 1), database_url=due)))
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

    done = phuxanh("pause", "--reason", "Quốc tang", "--channel", "fb-ttdn-haiphong",
                   "--as", "minh.tran", "--database", due)
    assert done.stdout.strip() == "publishing paused on fb-ttdn-haiphong: Quốc tang"
    again = phuxanh("resume", "--channel", "fb-ttdn-haiphong", "--database", due)
    assert again.stdout.strip() == "publishing resumed on fb-ttdn-haiphong (1 pause ended)"
    missing = phuxanh("pause", "--database", due)
    assert missing.returncode != 0 and "--reason" in missing.stderr
