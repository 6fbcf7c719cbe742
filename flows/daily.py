"""The daily run: plan → compose → publish due → collect metrics, for every active campaign."""

from __future__ import annotations

import datetime as dt

from prefect import flow, task
from prefect.states import State
from sqlalchemy.exc import OperationalError

from phuxanh import jobs


@task(retries=2, retry_delay_seconds=[5, 30])
def active_campaigns(on: dt.date, database_url: str | None = None) -> list[str]:
    return jobs.active_campaigns(on=on, database_url=database_url)


@task(retries=2, retry_delay_seconds=[5, 30])
def plan(campaign: str, start: dt.date, days: int, database_url: str | None = None) -> dict:
    return jobs.plan_days(campaign, start=start, days=days, database_url=database_url)


@task(retries=1, retry_delay_seconds=[30])
def compose(campaign: str, until: dt.datetime, database_url: str | None = None) -> dict:
    """Drafts (card, caption, alt text, checks) for the planned slots up to `until`."""
    return jobs.render_pending(campaign, until=until, database_url=database_url)


def transient_only(task: object, task_run: object, state: State) -> bool:
    """Retry a task only for a transient cause (the database or network briefly away).
    Platform errors never reach here: `phuxanh.publishing` types them and decides itself;
    anything else (a bug, bad configuration) would fail the same way again."""
    try:
        state.result()
    except (OperationalError, ConnectionError, TimeoutError):
        return True
    except Exception:
        return False
    return False


@task(retries=2, retry_delay_seconds=[10, 60], retry_condition_fn=transient_only)
def publish_due(now: dt.datetime, database_url: str | None = None) -> dict:
    return jobs.publish_due(now=now, database_url=database_url)


@task(retries=2, retry_delay_seconds=[10, 60])
def collect_metrics(now: dt.datetime, database_url: str | None = None) -> dict:
    return jobs.collect_metrics(now=now, database_url=database_url)


@flow(name="daily-run", log_prints=True)
def daily_run(
    now: dt.datetime | None = None, plan_days: int = 14, database_url: str | None = None
) -> dict:
    """One day's work. `now` defaults to the real time (a simulation passes its own)."""
    now = now or dt.datetime.now(dt.UTC)
    today = jobs.local_date(now)
    out: dict = {"campaigns": {}}
    for code in active_campaigns(today, database_url):
        planned = plan(code, today, plan_days, database_url) if plan_days > 0 else {"planned": 0}
        horizon = jobs.end_of_local_day(now, days=max(plan_days, 1))
        out["campaigns"][code] = {"plan": planned, "render": compose(code, horizon, database_url)}
    out["publish"] = publish_due(now, database_url)
    out["metrics"] = collect_metrics(now, database_url)
    return out
