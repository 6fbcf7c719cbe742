"""`phuxanh notify send`: e-mail about hand-offs (phuxanh/notify/)."""

from __future__ import annotations

from typing import Annotated

import typer

from phuxanh import jobs
from phuxanh.cli.common import print_json
from phuxanh.core.errors import PhuxanhError

notify_app = typer.Typer(help="E-mail about hand-offs (PHUXANH_SMTP_*).", no_args_is_help=True)

Database = Annotated[
    str | None, typer.Option("--database", help="database URL (default: DATABASE_URL)")
]


@notify_app.command("send")
def send(database: Database = None) -> None:
    """Queue e-mail for every hand-off in the audit log since the last run (sent for
    approval, changes asked, rejected, approved, a post missed), then send what waits.
    Prints the counts as JSON. With e-mail off (PHUXANH_SMTP_HOST empty) nothing is queued
    and the hand-offs so far are passed over. The publish-due run does the same every
    minute when e-mail is on."""
    from phuxanh import notify

    done = jobs.deliver_mail(database_url=database)
    if done.error is not None:
        raise PhuxanhError(
            f"{done.error} (queued {done.queued}, sent {done.sent}; the e-mails not sent "
            "wait for the next run)"
        )
    if not notify.enabled():
        typer.echo("e-mail is off (PHUXANH_SMTP_HOST is empty): nothing was queued", err=True)
    print_json(done.counts())
