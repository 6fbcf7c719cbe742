"""Telling people what waits for them: the desk's "Việc của tôi" list (`my_work`) and
e-mail about each hand-off (`handoffs` fills the outbox from the audit log, `mail` sends it
over SMTP). E-mail is off until PHUXANH_SMTP_HOST is set (`config`).

`deliver` is the whole step, as `phuxanh notify send` and the publish-due run call it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from phuxanh.core.db import session_scope
from phuxanh.notify.config import enabled, mail_config
from phuxanh.notify.handoffs import BATCH, Filled, fill_outbox
from phuxanh.notify.mail import send_pending

__all__ = ["Delivered", "Filled", "deliver", "enabled", "fill_outbox", "send_pending"]


@dataclass(frozen=True)
class Delivered:
    queued: int  # mails written into the outbox by this run
    sent: int
    failed: int
    error: str | None = None  # the server could not be reached (the mails wait)

    def counts(self) -> dict[str, int]:
        return {"queued": self.queued, "sent": self.sent, "failed": self.failed}


def deliver(engine: Engine, *, now: dt.datetime | None = None) -> Delivered:
    """Fill the outbox from the audit log (each batch of events in its own transaction,
    until the log is read), then send what waits in it. With e-mail off, only moves the
    notifier's cursor (see `handoffs`). A wrong setting raises ConfigError before anything
    is queued; a server that cannot be reached is `error`, the mails kept for the next run."""
    config = mail_config()
    queued = 0
    while True:
        with session_scope(engine) as session:
            filled = fill_outbox(session, now=now, limit=BATCH)
        queued += filled.queued
        if filled.read < BATCH:
            break
    if config is None:
        return Delivered(queued, 0, 0)
    result = send_pending(engine, config, now=now)
    return Delivered(queued, result.sent, result.failed, result.error)
