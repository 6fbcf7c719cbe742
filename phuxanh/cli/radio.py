"""`phuxanh radio …`: scripts for grassroots radio, an item read aloud or the week's
bulletin for the loudspeaker operators (phuxanh/outlets/radio.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from phuxanh import jobs
from phuxanh.cli.common import ROW_ID_MAX
from phuxanh.cli.common import print_json as _print
from phuxanh.core.errors import ValidationFailed

Database = Annotated[
    str | None, typer.Option("--database", help="database URL (default: DATABASE_URL)")
]

radio_app = typer.Typer(
    help="Grassroots radio: items as scripts to read aloud, and the week's bulletin.",
    no_args_is_help=True,
)


@radio_app.command("script")
def radio_script(
    item_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ROW_ID_MAX)],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    database: Database = None,
) -> None:
    """The item as read aloud (numbers, dates and abbreviations spelled out; links,
    hashtags and emoji dropped) and its reading time at the configured pace."""
    from phuxanh.core.db import session_scope
    from phuxanh.outlets.radio import duration_vi, item_script, words_per_minute

    with session_scope(jobs.engine(database)) as session:
        s = item_script(session, item_id)
    pace = words_per_minute()
    if as_json:
        _print(
            {
                "item": s.item_id,
                "script": s.text,
                "words": s.words,
                "seconds": s.seconds,
                "words_per_minute": pace,
            }
        )
        return
    typer.echo(s.text)
    typer.echo(
        f"\n— Thời lượng đọc: khoảng {duration_vi(s.seconds)} ({s.words} tiếng, {pace} tiếng/phút)"
    )


@radio_app.command("bulletin")
def radio_bulletin(
    unit: Annotated[str, typer.Option(help="the unit whose items are read")],
    week: Annotated[str, typer.Option(help="the ISO week: 2026-W12")],
    fmt: Annotated[str, typer.Option("--format", help="docx | pdf")],
    actor: Annotated[str, typer.Option("--as", help="who makes it")],
    out: Annotated[
        Path | None, typer.Option("--out", help="the folder to write into (default: var/radio)")
    ] = None,
    database: Database = None,
) -> None:
    """The week's bulletin for the loudspeaker operators: the unit's approved items
    scheduled that week, each script with its reading time, and the total."""
    from phuxanh.core.db import session_scope
    from phuxanh.outlets.radio import duration_vi, write_bulletin

    if fmt not in ("docx", "pdf"):
        raise ValidationFailed([f"--format: {fmt!r} is not docx or pdf"])
    with session_scope(jobs.engine(database)) as session:
        b, path = write_bulletin(
            session, unit_code=unit, week=week, fmt=fmt, actor=actor, out_dir=out
        )
    typer.echo(
        f"{len(b.scripts)} item(s), {b.seconds} s to read ({duration_vi(b.seconds)}): {path}"
    )
