"""Collect reach metrics from every channel (served hourly)."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.daily import collect_metrics


@flow(name="metrics-collect", log_prints=True)
def collect(now: dt.datetime | None = None, database_url: str | None = None) -> dict[str, int]:
    return collect_metrics(now or dt.datetime.now(dt.UTC), database_url)
