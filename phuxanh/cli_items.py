"""`phuxanh compose` and `phuxanh item sample`: the composer's commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from phuxanh import jobs
from phuxanh.errors import ValidationFailed

Database = Annotated[
    str | None, typer.Option("--database", help="database URL (default: DATABASE_URL)")
]


def add_commands(app: typer.Typer, item_app: typer.Typer) -> None:
    """Register the composer's commands on the main app and the `item` group."""
    from phuxanh.cli import _day, _print

    @app.command()
    def compose(
        from_: Annotated[str | None, typer.Option("--from", help="first day (default: all)")]
        = None,
        to: Annotated[str | None, typer.Option(help="last day")] = None,
        campaign: Annotated[str | None, typer.Option(help="campaign code (default: all)")]
        = None,
        database: Database = None,
    ) -> None:
        """Write a draft for every planned slot without one: the fact or message it
        features, the card, the caption for its platform, alt text and a UTM link; a draft
        failing a quality check is held with the reason."""
        start = _day(from_, "--from") if from_ else None
        end = _day(to, "--to") if to else None
        if start and end and end < start:
            raise ValidationFailed(["--to: before --from"])
        _print(jobs.compose_range(start=start, end=end, campaign_code=campaign,
                                  database_url=database))

    @item_app.command("sample")
    def item_sample(
        output: Annotated[Path, typer.Option("-o", "--output", help="Markdown file")],
        n: Annotated[int, typer.Option("-n", help="how many drafts")] = 10,
        seed: Annotated[int, typer.Option(help="random seed (same seed, same drafts)")] = 7,
        database: Database = None,
    ) -> None:
        """A random sample of drafts with their cards, as Markdown, for a reader to judge."""
        from phuxanh.db import session_scope
        from phuxanh.samples import drafts_sample
        from phuxanh.settings import get_settings

        if n < 1:
            raise ValidationFailed(["-n: at least 1"])
        with session_scope(jobs.engine(database)) as session:
            shown = drafts_sample(session, n=n, seed=seed, out=output,
                                  tz_name=get_settings().timezone)
        typer.echo(f"{shown} drafts written to {output}")
