"""Publish due items (served every minute). Two copies at once never double-post:
each publication is claimed by a conditional UPDATE inside `phuxanh.publishing`."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.daily import publish_due as publish_due_task


@flow(name="publish-due", log_prints=True)
def publish_due(now: dt.datetime | None = None, database_url: str | None = None) -> dict:
    return publish_due_task(now or dt.datetime.now(dt.UTC), database_url)
