"""`phuxanh export …`: content handed out whole, for people outside phuxanh
(phuxanh/outlets/kit.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from phuxanh import jobs
from phuxanh.cli.common import print_json

Database = Annotated[
    str | None, typer.Option("--database", help="database URL (default: DATABASE_URL)")
]

export_app = typer.Typer(help="Content handed out whole (the press kit).", no_args_is_help=True)


@export_app.command("kit")
def export_kit(
    period: Annotated[str, typer.Option(help="2026-03, 2026-Q1, 2026-H1 or 2026")],
    lang: Annotated[str, typer.Option(help="the kit's language: vi, en, zh, ko, ja …")],
    audience: Annotated[
        str | None, typer.Option(help="only content for this audience (content/audiences.yaml)")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="the folder to write the ZIP into, made if missing (default: var/kits)"),
    ] = None,
    actor: Annotated[str, typer.Option("--as", help="who exports it (audited)")] = "cli",
    database: Database = None,
) -> None:
    """The press-and-missions kit: the period's approved content in one language as a
    ZIP, each card or clip with its caption, sources and alt text, and manifest.json,
    index.csv and README.txt listing them. Only approved, scheduled or published items
    drawn in the language; nothing in it is a refusal, never an empty ZIP. Prints a JSON
    summary; audited."""
    from phuxanh.catalog.audiences import checked
    from phuxanh.catalog.languages import language
    from phuxanh.core.db import session_scope
    from phuxanh.outlets.kit import write_kit
    from phuxanh.reports.model import parse_period

    chosen = parse_period(period)
    kit_lang = language(lang.strip(), "--lang")
    whom = checked([audience.strip()], "--audience")[0] if audience is not None else None
    with session_scope(jobs.engine(database)) as session:
        print_json(
            write_kit(
                session, period=chosen, lang=kit_lang, audience=whom, out_dir=out, actor=actor
            )
        )
