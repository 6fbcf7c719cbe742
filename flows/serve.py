"""Serve the flows on their schedules: `python -m flows.serve` (or `phuxanh serve`).

The daily run at 06:00 Asia/Ho_Chi_Minh; publishing of due items every minute
(runs may overlap: each publication is claimed by one conditional UPDATE);
metrics and official feeds hourly.
Scale-out: point PREFECT_API_URL at a Prefect server and run workers on a work pool.
"""

from __future__ import annotations

from typing import Any

from prefect import serve
from prefect.schedules import Cron, Interval

from flows.daily import daily_run
from flows.feeds import poll_feeds
from flows.metrics import collect
from flows.publish import publish_due
from phuxanh.settings import get_settings


def deployments() -> list[Any]:
    tz = get_settings().timezone
    return [
        daily_run.to_deployment(name="daily", schedule=Cron("0 6 * * *", timezone=tz)),
        publish_due.to_deployment(name="publish-due", schedule=Interval(60, timezone=tz)),
        collect.to_deployment(name="metrics-hourly", schedule=Cron("17 * * * *", timezone=tz)),
        poll_feeds.to_deployment(name="feeds-hourly", schedule=Cron("7 * * * *", timezone=tz)),
    ]


def main() -> None:
    serve(*deployments())


if __name__ == "__main__":
    main()
