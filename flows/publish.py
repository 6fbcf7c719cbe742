"""Publish due items (served every minute). Two copies at once never double-post:
each publication is claimed by a conditional UPDATE inside `phuxanh.publish.publisher`.

A run that stopped a channel (dead token, credential variable missing on this worker) or
left posts failed or missed ends Failed, its counts in the message and the log, so the
Prefect UI shows what needs a person instead of a green Completed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow

from flows.daily import now_for_this_run, verdict
from flows.daily import publish_due as publish_due_task


@flow(name="publish-due", log_prints=True)
def publish_due(now: dt.datetime | None = None, database_url: str | None = None) -> Any:
    return verdict(publish_due_task(now or now_for_this_run(), database_url), "publish-due")
