"""Poll the official news feeds (served hourly); matches become drafts in the review queue."""

from __future__ import annotations

from typing import Any

from prefect import flow, task

from phuxanh import jobs


@task(retries=1, retry_delay_seconds=[120])
def poll(database_url: str | None = None) -> dict[str, Any]:
    return jobs.poll_feeds(database_url=database_url)


@flow(name="feeds-poll", log_prints=True)
def poll_feeds(database_url: str | None = None) -> dict[str, Any]:
    return poll(database_url)
