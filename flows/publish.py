"""Publish due items (served every minute). Two copies at once never double-post:
each publication is claimed by a conditional UPDATE inside `phuxanh.publish.publisher`.

A run that stopped a channel (dead token, credential variable missing on this worker) or
left posts failed or missed ends Failed, its counts in the message and the log, so the
Prefect UI shows what needs a person instead of a green Completed.

When e-mail is on (PHUXANH_SMTP_HOST), the run then mails the hand-offs since the last run
(`phuxanh.notify.deliver`, the same step as `phuxanh notify send`). A mail problem never
fails the run: it is logged, and the mail waits for the next run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger, task

from flows.daily import now_for_this_run, verdict
from flows.daily import publish_due as publish_due_task
from phuxanh import jobs, notify


@task
def mail_hand_offs(database_url: str | None = None) -> dict[str, int] | None:
    """E-mail about hand-offs; the counts, or None when it could not run (logged, never
    raised: the publishing it follows is what the run is judged on)."""
    logger = get_run_logger()
    try:
        done = jobs.deliver_mail(database_url=database_url)
    except Exception as exc:  # a setting, the database: the next run tries again
        logger.warning("e-mail: %s (tried again next run)", exc)
        return None
    shown = ", ".join(f"{k} {v}" for k, v in done.counts().items())
    if done.error is not None:
        logger.warning("e-mail: %s (%s; the rest wait for the next run)", done.error, shown)
    else:
        logger.info("e-mail: %s", shown)
    return done.counts()


@flow(name="publish-due", log_prints=True)
def publish_due(now: dt.datetime | None = None, database_url: str | None = None) -> Any:
    counts = publish_due_task(now or now_for_this_run(), database_url)
    if notify.enabled():
        mail_hand_offs(database_url)
    return verdict(counts, "publish-due")
