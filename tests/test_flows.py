"""The Prefect flows, run for real on a temporary Prefect API (one per test session)."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from prefect.testing.utilities import prefect_test_harness

from flows import daily, demo
from phuxanh import demo as demo_steps
from phuxanh import jobs


@pytest.fixture(scope="session")
def prefect_api():
    with prefect_test_harness(server_startup_timeout=120):
        yield


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
        result = demo.demo_campaign(url, str(demo_steps.DEMO_CAMPAIGN), dt.date(2026, 3, 9), 2)
        posted = [
            requests.get(f"{s.public_url}/_sandbox/posts", timeout=5).json()["count"]
            for s in demo_steps._servers
        ]
    finally:
        demo_steps.stop_sandboxes()
    summary = result["summary"]
    assert summary["planned"] == summary["rendered"] == summary["approved"] == 8
    assert summary["published"] == 8 == sum(posted)
    assert summary["metrics"] > 0
    assert result["review"]["refused"]  # the author tried and was refused


def test_served_schedules() -> None:
    from flows.serve import deployments

    by_name = {d.name: d for d in deployments()}
    assert set(by_name) == {"daily", "publish-due", "metrics-hourly", "feeds-hourly"}
    daily = by_name["daily"].schedules[0].schedule
    assert (daily.cron, daily.timezone) == ("0 6 * * *", "Asia/Ho_Chi_Minh")
    every = by_name["publish-due"].schedules[0].schedule
    assert every.interval.total_seconds() == 60


def test_publish_task_retries_only_transient_causes() -> None:
    from prefect.states import Failed
    from sqlalchemy.exc import OperationalError

    from flows.daily import publish_due, transient_only

    assert publish_due.retry_condition_fn is transient_only
    locked = OperationalError("UPDATE publication", {}, Exception("database is locked"))
    assert transient_only(None, None, Failed(data=locked)) is True
    assert transient_only(None, None, Failed(data=ValueError("a bug"))) is False
