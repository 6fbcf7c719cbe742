"""Build a small, real campaign state through the same domain functions the flows call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.models import ContentItem, User
from phuxanh.sandbox import demo

START = dt.date(2026, 3, 9)  # the week before the 15/3/2026 election
CAMPAIGN = "demo-2026"


def planned_and_rendered(db_url: str, sandbox_url: str, *, days: int = 2) -> str:
    jobs.load_catalog(db_url)
    code = jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url=sandbox_url, database_url=db_url)
    demo.ensure_team(demo.DEMO_CAMPAIGN, database_url=db_url)
    jobs.plan_days(code, start=START, days=days, database_url=db_url)
    jobs.render_pending(code, database_url=db_url)
    return code


def user(session: Session, name: str) -> User:
    return session.exec(select(User).where(User.username == name)).one()


def items(session: Session) -> list[ContentItem]:
    return list(session.exec(select(ContentItem).order_by(ContentItem.id)))  # type: ignore[arg-type]


def at(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    from phuxanh.core.settings import get_settings

    return dt.datetime.combine(
        START + dt.timedelta(days=day_offset), dt.time(hour, minute), get_settings().tz
    )


def desk_week(db_url: str, sandbox_url: str, monday: dt.date) -> str:
    """A week as the approval desk sees it mid-campaign: the first days approved, published
    and measured; the next day in review; the rest drafts."""
    from phuxanh import review
    from phuxanh.core.settings import get_settings

    tz = get_settings().tz
    jobs.load_catalog(db_url)
    code = jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url=sandbox_url, database_url=db_url)
    demo.ensure_team(demo.DEMO_CAMPAIGN, database_url=db_url)
    jobs.plan_days(code, start=monday, days=7, database_url=db_url)
    jobs.render_pending(code, database_url=db_url)
    third = dt.datetime.combine(monday + dt.timedelta(days=3), dt.time(), tz)
    fourth = third + dt.timedelta(days=1)
    due = set()
    with Session(jobs.engine(db_url)) as s:
        editor, approver = user(s, "lan.nguyen"), user(s, "minh.tran")
        for item in items(s):
            assert item.scheduled_at is not None
            if item.scheduled_at < fourth:
                review.submit(s, item=item, actor=editor)
            if item.scheduled_at < third:
                review.approve(s, item=item, actor=approver)
                due.add(item.scheduled_at)
        s.commit()
    for when in sorted(due):  # what the publish-due deployment does every 5 minutes
        jobs.publish_due(now=when + dt.timedelta(minutes=1), database_url=db_url)
    jobs.collect_metrics(now=third, database_url=db_url)
    return code


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """`phuxanh ARGV` in this process through the console entry point (`cli.main`, with its
    error handling): (exit code, stdout, stderr)."""
    import sys

    from phuxanh.cli import main as cli

    capsys.readouterr()
    old, sys.argv = sys.argv, ["phuxanh", *argv]
    code: int | str | None = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = old
    out = capsys.readouterr()
    return (code if isinstance(code, int) else 1), out.out, out.err


def refused(capsys: Any, *argv: str) -> str:
    """A command that must fail: non-zero, one line on stderr, no traceback. The line."""
    code, _out, err = run_cli(capsys, *argv)
    lines = err.strip().splitlines()
    assert code != 0 and len(lines) == 1, (argv, code, err)
    assert "Traceback" not in err
    return lines[0]
