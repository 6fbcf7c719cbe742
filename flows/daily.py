"""The daily run: plan → compose → publish due → collect metrics, for every active campaign."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import State, flow, get_run_logger, task
from prefect.states import Failed
from sqlalchemy.exc import OperationalError

from phuxanh import jobs


@task(retries=2, retry_delay_seconds=[5, 30])
def active_campaigns(on: dt.date, database_url: str | None = None) -> list[str]:
    return jobs.active_campaigns(on=on, database_url=database_url)


@task(retries=2, retry_delay_seconds=[5, 30])
def plan(
    campaign: str, start: dt.date, days: int, database_url: str | None = None
) -> dict[str, Any]:
    return jobs.plan_days(campaign, start=start, days=days, database_url=database_url)


@task(retries=1, retry_delay_seconds=[30])
def compose(campaign: str, until: dt.datetime, database_url: str | None = None) -> dict[str, Any]:
    """Drafts (card, caption, alt text, checks) for the planned slots up to `until`."""
    return jobs.render_pending(campaign, until=until, database_url=database_url)


def transient_only(task: object, task_run: object, state: State) -> bool:
    """Retry a task only for a transient cause (the database or network briefly away).
    Platform errors never reach here: `phuxanh.publish.publisher` types them and decides itself;
    anything else (a bug, bad configuration) would fail the same way again."""
    try:
        state.result()
    except (OperationalError, ConnectionError, TimeoutError):
        return True
    except Exception:
        return False
    return False


EARLY_START = dt.timedelta(seconds=30)


def run_time(now: dt.datetime, scheduled: dt.datetime | None) -> dt.datetime:
    """The time a scheduled run acts at: the wall clock, or the run's scheduled start when
    Prefect started it a moment before (it does, by a fraction of a second), so a post due
    at 08:00 goes out in the 08:00 run instead of waiting for 08:01. Always a plain
    datetime: Prefect's is pendulum's, whose arithmetic drops a stdlib time zone."""
    if scheduled is not None:
        scheduled = dt.datetime.fromtimestamp(scheduled.timestamp(), dt.UTC)
        if now < scheduled <= now + EARLY_START:
            return scheduled
    return now


def now_for_this_run() -> dt.datetime:
    from prefect.runtime import flow_run

    return run_time(dt.datetime.now(dt.UTC), flow_run.get_scheduled_start_time())


# outcomes of `phuxanh.publish.publisher.publish_due` that need a person; the others (published,
# retry, rate_limited, paused, processing, lost_claim …) are the system working as meant
NEEDS_A_PERSON = {
    "failed": "failed",
    "missed": "missed",
    "config_error": "channel stopped (credential or setting)",
    "auth_expired": "channel stopped (token expired)",
}


def verdict(counts: dict[str, int], run: str) -> Any:
    """Log the counts; a Failed state naming what needs a person, or the counts."""
    shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing due"
    get_run_logger().info("%s: %s", run, shown)
    bad = [f"{NEEDS_A_PERSON[k]}: {counts[k]}" for k in NEEDS_A_PERSON if counts.get(k)]
    if not bad:
        return counts
    message = (
        f"{run}: {'; '.join(bad)} (all counts: {shown}). Settle posts with "
        "`phuxanh publication resolve`, check channels with `phuxanh channel check`."
    )
    get_run_logger().error(message)
    return Failed(message=message, data=counts)


@task(retries=2, retry_delay_seconds=[10, 60], retry_condition_fn=transient_only)
def publish_due(now: dt.datetime, database_url: str | None = None) -> dict[str, int]:
    return jobs.publish_due(now=now, database_url=database_url)


@task(retries=2, retry_delay_seconds=[10, 60])
def collect_metrics(now: dt.datetime, database_url: str | None = None) -> dict[str, int]:
    return jobs.collect_metrics(now=now, database_url=database_url)


@flow(name="daily-run", log_prints=True)
def daily_run(
    now: dt.datetime | None = None, plan_days: int = 14, database_url: str | None = None
) -> Any:
    """One day's work. `now` defaults to the real time (a simulation passes its own).
    Failed (the counts in its message) when publishing left something for a person."""
    now = now or now_for_this_run()
    today = jobs.local_date(now)
    out: dict[str, Any] = {"campaigns": {}}
    for code in active_campaigns(today, database_url):
        planned = plan(code, today, plan_days, database_url) if plan_days > 0 else {"planned": 0}
        horizon = jobs.end_of_local_day(now, days=max(plan_days, 1))
        out["campaigns"][code] = {"plan": planned, "render": compose(code, horizon, database_url)}
    out["publish"] = publish_due(now, database_url)
    out["metrics"] = collect_metrics(now, database_url)
    published = verdict(out["publish"], "daily-run: publish")
    return out if published is out["publish"] else Failed(message=published.message, data=out)
