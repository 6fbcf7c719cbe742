"""The four scheduled deployments, defined once for `phuxanh serve` (flows/serve.py),
`phuxanh deploy` (phuxanh/cli/deploy.py) and `prefect.yaml` (tests/test_scheduling.py checks
that prefect.yaml says the same). Plain data: importing this does not import Prefect.

- daily: plan, compose, publish due, metrics, at 06:00 in the planning time zone
- publish-due: every minute (runs may overlap: each publication is claimed by one
  conditional UPDATE, so two runs never send one post twice)
- metrics-hourly, feeds-hourly: at :17 and :07, off the hour everyone else uses

`serve` registers them as `serve-<name>` (SERVE_PREFIX) so a served set and a work pool's
set (`<name>`) never overwrite each other on one Prefect server.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

SERVE_PREFIX = "serve-"
# Interval schedules count from a fixed whole minute, not from when they were registered:
# runs fall on the minute, stay put when serve restarts or a deployment is re-applied, and
# the first one comes within a minute (from "now" it would always be a full interval away)
INTERVAL_ANCHOR = "2026-01-01T00:00:00+07:00"
# Set on every pool deployment's runs: a worker without DATABASE_URL refuses instead of
# writing to a SQLite file of its own (phuxanh.jobs.engine).
WORKER_ENV = {"PHUXANH_REQUIRE_DATABASE_URL": "1"}


@dataclass(frozen=True)
class Scheduled:
    name: str  # the deployment's name
    entrypoint: str  # path/to/file.py:function, relative to the checkout
    flow_name: str  # the @flow's name (Prefect keys deployments by flow/name)
    cron: str | None = None
    interval_s: int | None = None
    description: str = ""

    def schedule(self, timezone: str) -> Any:
        """The Prefect schedule object (Cron or Interval) in `timezone`."""
        from prefect.schedules import Cron, Interval

        if self.cron is not None:
            return Cron(self.cron, timezone=timezone)
        assert self.interval_s is not None
        return Interval(
            self.interval_s,
            timezone=timezone,
            anchor_date=dt.datetime.fromisoformat(INTERVAL_ANCHOR),
        )

    def when(self) -> str:
        """The schedule for people: `cron 0 6 * * *` or `every 60 s`."""
        return f"cron {self.cron}" if self.cron is not None else f"every {self.interval_s} s"

    def load_flow(self) -> Any:
        """The @flow object, imported from this checkout (its root must be on sys.path)."""
        import importlib

        path, func = self.entrypoint.split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        return getattr(module, func)


SCHEDULES: tuple[Scheduled, ...] = (
    Scheduled(
        "daily",
        "flows/daily.py:daily_run",
        "daily-run",
        cron="0 6 * * *",
        description="Plan, compose drafts, publish due posts, collect metrics.",
    ),
    Scheduled(
        "publish-due",
        "flows/publish.py:publish_due",
        "publish-due",
        interval_s=60,
        description="Publish every approved post whose time has come, once.",
    ),
    Scheduled(
        "metrics-hourly",
        "flows/metrics.py:collect",
        "metrics-collect",
        cron="17 * * * *",
        description="Read reach metrics back from the platforms.",
    ),
    Scheduled(
        "feeds-hourly",
        "flows/feeds.py:poll_feeds",
        "feeds-poll",
        cron="7 * * * *",
        description="Poll the official news feeds into link-post drafts.",
    ),
)
