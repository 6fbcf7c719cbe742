"""`phuxanh compose`, `phuxanh item sample` and `phuxanh report`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from phuxanh import jobs
from phuxanh.cli.common import ROW_ID_MAX, day, output_file
from phuxanh.core.errors import ValidationFailed

Database = Annotated[
    str | None, typer.Option("--database", help="database URL (default: DATABASE_URL)")
]


def add_commands(app: typer.Typer, item_app: typer.Typer, metrics_app: typer.Typer) -> None:
    """Register compose, report, item sample and metrics best-time."""
    from phuxanh.cli.common import print_json as _print

    @app.command()
    def compose(
        from_: Annotated[
            str | None, typer.Option("--from", help="first day (default: all)")
        ] = None,
        to: Annotated[str | None, typer.Option(help="last day")] = None,
        campaign: Annotated[str | None, typer.Option(help="campaign code (default: all)")] = None,
        database: Database = None,
    ) -> None:
        """Write a draft for every planned slot without one: the fact or message it
        features, the card, the caption for its platform, alt text and a UTM link; a draft
        failing a quality check is held with the reason."""
        start = day(from_, "--from") if from_ else None
        end = day(to, "--to") if to else None
        if start and end and end < start:
            raise ValidationFailed(["--to: before --from"])
        _print(
            jobs.compose_range(start=start, end=end, campaign_code=campaign, database_url=database)
        )

    _add_report_commands(app)

    @metrics_app.command("best-time")
    def best_time(
        channel: Annotated[str, typer.Option(help="channel code")],
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
        database: Database = None,
    ) -> None:
        """Mean reach by weekday and hour from the channel's own posts, with sample sizes
        (the planner leans on it once the history is large enough)."""
        from sqlmodel import select

        from phuxanh.core.db import session_scope
        from phuxanh.core.errors import NotFound
        from phuxanh.core.settings import get_settings
        from phuxanh.models import Channel
        from phuxanh.planning import best_time as bt

        with session_scope(jobs.engine(database)) as session:
            row = session.exec(select(Channel).where(Channel.code == channel)).first()
            if row is None:
                raise NotFound(f"--channel: no channel {channel!r}")
            cells = bt.history(session, channel_id=row.id or 0, tz=get_settings().tz)
        used = bt.hint(cells) is not None
        if as_json:
            _print(
                {
                    "channel": channel,
                    "posts": sum(c.posts for c in cells),
                    "planner_uses_it": used,
                    "cells": [
                        {
                            "weekday": c.weekday,
                            "hour": c.hour,
                            "posts": c.posts,
                            "mean_reach": round(c.mean_reach, 1),
                        }
                        for c in cells
                    ],
                }
            )
            return
        days = ["T2", "T3", "T4", "T5", "T6", "T7", "CN"]
        for c in sorted(cells, key=lambda c: -c.mean_reach):
            typer.echo(
                f"{days[c.weekday]} {c.hour:02d}h  {c.mean_reach:8.0f} lượt tiếp cận "
                f"trung bình  ({c.posts} bài)"
            )
        typer.echo(
            f"{sum(c.posts for c in cells)} bài có số liệu; kế hoạch "
            f"{'có' if used else 'chưa'} dùng gợi ý này (cần ≥ {bt.MIN_POSTS} bài)."
        )

    @item_app.command("sample")
    def item_sample(
        output: Annotated[Path, typer.Option("-o", "--output", help="Markdown file")],
        n: Annotated[int, typer.Option("-n", help="how many drafts")] = 10,
        seed: Annotated[int, typer.Option(help="random seed (same seed, same drafts)")] = 7,
        database: Database = None,
    ) -> None:
        """A random sample of drafts with their cards, as Markdown, for a reader to judge."""
        from phuxanh.compose.sample import drafts_sample
        from phuxanh.core.db import session_scope
        from phuxanh.core.settings import get_settings

        if n < 1:
            raise ValidationFailed(["-n: at least 1"])
        output_file(output, "-o")
        with session_scope(jobs.engine(database)) as session:
            shown = drafts_sample(
                session, n=n, seed=seed, out=output, tz_name=get_settings().timezone
            )
        typer.echo(f"{shown} drafts written to {output}")


def _add_report_commands(app: typer.Typer) -> None:
    """Register `phuxanh report` (write one), `report status` and `report mark-sent`."""
    from phuxanh.cli.common import print_json as _print

    report_app = typer.Typer(invoke_without_command=True, no_args_is_help=False)
    app.add_typer(report_app, name="report")

    @report_app.callback()
    def report(
        ctx: typer.Context,
        period: Annotated[
            str | None, typer.Option(help="2026-03 | 2026-Q1 | 2026-H1 | 2026")
        ] = None,
        output: Annotated[
            Path | None, typer.Option("-o", "--output", help="the report file")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="docx | xlsx | pdf")] = "docx",
        unit: Annotated[str | None, typer.Option(help="unit code (default: all)")] = None,
        rollup: Annotated[
            bool, typer.Option("--rollup", help="the unit and every unit below it, a row each")
        ] = False,
        actor: Annotated[
            str | None, typer.Option("--as", help="who drafts it (recorded on the filing)")
        ] = None,
        database: Database = None,
    ) -> None:
        """The periodic report (results by theme and channel against the plan, "6 rõ",
        assessment, next steps) in the administrative layout, or its tables as XLSX. With
        --unit: that unit's own header, signer and recipients, judged against its own plan,
        and recorded as the draft of its obligations for the period; with --rollup, the
        units below it too. `report status` and `report mark-sent` follow the filings."""
        if ctx.invoked_subcommand is not None:
            return
        if period is None or output is None:
            missing = "--period" if period is None else "-o"
            raise ValidationFailed(
                [f"{missing}: missing (e.g. report --period 2026-Q1 -o bao-cao.docx)"]
            )
        if fmt not in ("docx", "xlsx", "pdf"):
            raise ValidationFailed([f"--format: {fmt!r} is not docx, xlsx or pdf"])
        if output.suffix.lower() != f".{fmt}":
            raise ValidationFailed([f"-o: {output.name}: a {fmt} report ends in .{fmt}"])
        if rollup and unit is None:
            raise ValidationFailed(["--rollup: needs --unit (the unit whose units it adds up)"])
        output_file(output, "-o")
        _print(
            jobs.report(
                period=period,
                unit_code=unit,
                fmt=fmt,
                out=output,
                database_url=database,
                rollup=rollup,
                actor=actor or "cli",
            )
        )

    @report_app.command("status")
    def report_status(
        unit: Annotated[
            str | None, typer.Option(help="a unit and the units below it (default: all)")
        ] = None,
        on: Annotated[str | None, typer.Option(help="the day to judge (default: today)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
        database: Database = None,
    ) -> None:
        """Each obligation's current period, its due date and its report: open, drafted,
        sent (with its number) or overdue."""
        import datetime as dt

        from phuxanh.core.db import session_scope
        from phuxanh.core.settings import get_settings
        from phuxanh.reports.status import status

        today = day(on, "--on") if on else dt.datetime.now(get_settings().tz).date()
        with session_scope(jobs.engine(database)) as session:
            rows = status(session, unit=unit, on=today)
        if as_json:
            _print({"on": today.isoformat(), "reports": rows})
            return
        if not rows:
            typer.echo("no obligations (add one: phuxanh obligation add --help)")
        for r in rows:
            due = dt.date.fromisoformat(r["due"]).strftime("%d/%m/%Y") if r["due"] else "—"
            state = r["state"] + (f" {r['number']}" if r["number"] else "")
            typer.echo(
                f"{r['unit']:<24} #{r['obligation']:<4} {r['label']:<24} hạn {due:<10} "
                f"{state:<16} {r['what']} → {r['to']}"
            )

    @report_app.command("mark-sent")
    def report_mark_sent(
        obligation: Annotated[
            int,
            typer.Option(help="the obligation's id (obligation list)", min=1, max=ROW_ID_MAX),
        ],
        period: Annotated[str, typer.Option(help="2026-03 | 2026-Q1 | 2026-H1 | 2026")],
        number: Annotated[str, typer.Option(help="the report's number, e.g. 45-BC/ĐU")],
        actor: Annotated[str, typer.Option("--as", help="who sent it")],
        database: Database = None,
    ) -> None:
        """Record that a report went out, with its number (audited)."""
        from phuxanh.core.db import session_scope
        from phuxanh.reports.status import mark_sent

        with session_scope(jobs.engine(database)) as session:
            filing = mark_sent(
                session, obligation_id=obligation, period=period, number=number, actor=actor
            )
            typer.echo(
                f"report {filing.period_code} of obligation {obligation} sent as {filing.number}"
            )


def add_pause_commands(app: typer.Typer) -> None:
    """Register the crisis pause: `phuxanh pause`, `phuxanh resume`."""

    @app.command()
    def pause(
        reason: Annotated[str, typer.Option(help="why (shown to everyone, kept in the audit)")],
        actor: Annotated[
            str,
            typer.Option(
                "--as", help="who pauses (an approver, manager or admin of the channel's unit)"
            ),
        ],
        channel: Annotated[str | None, typer.Option(help="one channel (default: all)")] = None,
        database: Database = None,
    ) -> None:
        """Stop publishing now, everywhere or on one channel (a typhoon, a day of national
        mourning); a run in progress stops before its next send."""
        from phuxanh.core.db import session_scope
        from phuxanh.publish.pauses import pause as do_pause

        with session_scope(jobs.engine(database)) as session:
            do_pause(session, channel_code=channel, reason=reason, actor=actor)
        typer.echo(
            f"publishing paused {'on ' + channel if channel else 'everywhere'}: {reason.strip()}"
        )

    @app.command()
    def resume(
        actor: Annotated[
            str,
            typer.Option(
                "--as", help="who resumes (an approver, manager or admin of the channel's unit)"
            ),
        ],
        channel: Annotated[str | None, typer.Option(help="one channel (default: all)")] = None,
        database: Database = None,
    ) -> None:
        """End a pause; paused posts go out on the next run (or are marked missed if they
        are later than the lateness limit by then, for a person to decide)."""
        from phuxanh.core.db import session_scope
        from phuxanh.publish.pauses import resume as do_resume

        with session_scope(jobs.engine(database)) as session:
            ended = do_resume(session, channel_code=channel, actor=actor)
        scope = "on " + channel if channel else "everywhere"
        typer.echo(f"publishing resumed {scope} ({ended} pause{'s' if ended != 1 else ''} ended)")
