"""The Prefect flows, run for real on a temporary Prefect API (`prefect_api`, conftest)."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from flows import daily, demo
from phuxanh import jobs
from phuxanh.sandbox import demo as demo_steps


def test_tasks_call_the_domain(db_url: str, sandbox) -> None:
    jobs.load_catalog(db_url)
    code = jobs.setup_campaign(
        demo_steps.DEMO_CAMPAIGN, sandbox_url=sandbox.public_url, database_url=db_url
    )
    out = daily.plan.fn(code, dt.date(2026, 3, 9), 1, db_url)
    assert out == {"planned": 4, "unfit": []}


@pytest.mark.slow
def test_demo_flow_end_to_end(prefect_api, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    try:
        # two days of posts, then three mornings of metrics (`./run demo`: 14, then 28)
        result = demo.demo_campaign(
            url,
            str(demo_steps.DEMO_CAMPAIGN),
            dt.date(2026, 3, 9),
            2,
            after_days=3,
            international=True,
        )
        posted = [
            requests.get(f"{s.public_url}/_sandbox/posts", timeout=5).json()["count"]
            for s in demo_steps._servers
        ]
    finally:
        demo_steps.stop_sandboxes()
    summary = result["summary"]
    # four posts a day on the demo's Vietnamese Pages, one each on the English and Korean
    assert summary.planned == summary.rendered == summary.approved == 12
    assert summary.published == 12 == sum(posted)
    assert {c["lang"]: c["cards"] for c in result["cards"]} == {"vi": 8, "en": 2, "ko": 2}
    assert summary.metrics > 0
    assert result["review"]["refused"]  # the author tried and was refused


def test_served_schedules() -> None:
    from flows.serve import deployments

    by_name = {d.name: d for d in deployments()}
    # served under their own names, so a work pool's deployments are never overwritten
    assert set(by_name) == {
        "serve-daily",
        "serve-publish-due",
        "serve-metrics-hourly",
        "serve-feeds-hourly",
    }
    daily = by_name["serve-daily"].schedules[0].schedule
    assert (daily.cron, daily.timezone) == ("0 6 * * *", "Asia/Ho_Chi_Minh")
    every = by_name["serve-publish-due"].schedules[0].schedule
    assert every.interval.total_seconds() == 60
    assert (every.anchor_date.second, every.anchor_date.microsecond) == (0, 0)  # on the minute
    assert by_name["serve-publish-due"].entrypoint == "flows/publish.py:publish_due"


def test_publish_task_retries_only_transient_causes() -> None:
    from prefect.states import Failed
    from sqlalchemy.exc import OperationalError

    from flows.daily import publish_due, transient_only

    assert publish_due.retry_condition_fn is transient_only
    locked = OperationalError("UPDATE publication", {}, Exception("database is locked"))
    assert transient_only(None, None, Failed(data=locked)) is True
    assert transient_only(None, None, Failed(data=ValueError("a bug"))) is False


@pytest.mark.slow
def test_publish_run_fails_loudly_when_posts_need_a_person(
    prefect_api, db_url: str, sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """A run that stopped a channel (here: the credential variable is missing on this
    worker) ends Failed with its counts, not a green Completed; a clean run completes."""
    from sqlmodel import Session

    from flows import publish
    from phuxanh import review
    from tests.helpers import at, items, planned_and_rendered, user

    planned_and_rendered(db_url, sandbox.public_url, days=1)
    with Session(jobs.engine(db_url)) as s:
        editor, approver = user(s, "lan.nguyen"), user(s, "minh.tran")
        for item in items(s):
            review.submit(s, item=item, actor=editor)
            review.approve(s, item=item, actor=approver)
        s.commit()
    quiet = publish.publish_due(now=at(0, 7), database_url=db_url, return_state=True)
    assert quiet.is_completed() and quiet.result() == {}
    monkeypatch.delenv("PHUXANH_SANDBOX_TOKEN")
    monkeypatch.chdir(tmp_path)  # no .env with it either
    state = publish.publish_due(now=at(0, 8, 1), database_url=db_url, return_state=True)
    assert state.is_failed()
    assert state.message.startswith(
        "publish-due: channel stopped (credential or setting): 2 (all counts: config_error 2)"
    )


def test_a_run_started_a_moment_early_acts_at_its_scheduled_time() -> None:
    """Prefect starts a scheduled run up to a second before its time; the 08:00 run must
    still send the posts due at 08:00 (the scale-out drill saw them wait for 08:01)."""
    import pendulum

    from flows.daily import run_time

    eight = dt.datetime(2026, 4, 30, 1, 0, tzinfo=dt.UTC)  # 08:00 in Hải Phòng
    early = eight - dt.timedelta(milliseconds=400)
    assert run_time(early, eight) == eight
    # Prefect hands over pendulum's DateTime; ours must stay aware under arithmetic
    acted = run_time(early, pendulum.instance(eight))
    assert type(acted) is dt.datetime and acted == eight
    assert (acted - dt.timedelta(seconds=300)).tzinfo is not None
    assert run_time(eight + dt.timedelta(seconds=2), eight) == eight + dt.timedelta(seconds=2)
    # a run made by hand, or one that waited in a queue, acts at the wall clock
    assert run_time(early, None) == early
    assert run_time(early, eight + dt.timedelta(minutes=5)) == early
