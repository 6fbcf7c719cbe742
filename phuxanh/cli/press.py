"""`phuxanh press …`: press releases ("Thông cáo báo chí") made from approved items, and
where they were sent (phuxanh/outlets/press.py). Every change is audited."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from phuxanh import jobs
from phuxanh.cli.common import ROW_ID_MAX, when
from phuxanh.cli.common import print_json as _print
from phuxanh.core.errors import ValidationFailed

Database = Annotated[
    str | None, typer.Option("--database", help="database URL (default: DATABASE_URL)")
]

press_app = typer.Typer(
    help="Press releases made from approved items, and where they went.",
    no_args_is_help=True,
)


def item_ids(text: str, flag: str = "--items") -> list[int]:
    """ "12,13" (or "12 13") → [12, 13]."""
    ids = []
    for part in text.replace(" ", ",").split(","):
        if not part:
            continue
        if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= ROW_ID_MAX:
            raise ValidationFailed([f"{flag}: {part!r} is not an item id (e.g. {flag} 12,13)"])
        ids.append(int(part))
    if not ids:
        raise ValidationFailed([f"{flag}: no item id (e.g. {flag} 12,13)"])
    return ids


@press_app.command("release")
def press_release(
    items: Annotated[str, typer.Option(help="the approved items, by id: 12,13")],
    fmt: Annotated[str, typer.Option("--format", help="docx | pdf")],
    actor: Annotated[str, typer.Option("--as", help="who makes it")],
    number: Annotated[
        str | None,
        typer.Option(help="its number: 12 (the unit's pattern, 12-TC/…) or as written"),
    ] = None,
    title: Annotated[
        str | None, typer.Option(help="its subject (default: the items' theme or incident)")
    ] = None,
    contact: Annotated[
        str | None,
        typer.Option(help="the public contact line (default: the unit's office and hotline)"),
    ] = None,
    unit: Annotated[
        str | None, typer.Option(help="the issuing unit (default: the items' own)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="the folder to write into (default: var/press)")
    ] = None,
    database: Database = None,
) -> None:
    """A "Thông cáo báo chí" from approved items, in the administrative layout: issuing
    body and number, place and date, subject, the items' text, each fact with its source,
    the contact line. Prints the file, then the release's id last."""
    from phuxanh.core.db import session_scope
    from phuxanh.outlets.press import make_release

    ids = item_ids(items)
    if fmt not in ("docx", "pdf"):
        raise ValidationFailed([f"--format: {fmt!r} is not docx or pdf"])
    with session_scope(jobs.engine(database)) as session:
        release, path = make_release(
            session,
            item_ids=ids,
            fmt=fmt,
            actor=actor,
            out_dir=out,
            number=number,
            title=title,
            contact=contact,
            unit_code=unit,
        )
        session.flush()
        typer.echo(f"press release Số {release.number}: {path}\n{release.id}")


@press_app.command("distribute")
def press_distribute(
    release_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ROW_ID_MAX)],
    outlet: Annotated[
        list[str], typer.Option(help='an outlet it went to: "Báo Hải Phòng" (repeatable)')
    ],
    at: Annotated[str, typer.Option(help="when it was sent (ISO: 2026-03-16T09:00+07:00)")],
    actor: Annotated[str, typer.Option("--as", help="who records it")],
    database: Database = None,
) -> None:
    """Record where the release went and when (each outlet once)."""
    from phuxanh.core.db import session_scope
    from phuxanh.outlets.press import distribute

    sent = when(at, "--at")
    with session_scope(jobs.engine(database)) as session:
        release = distribute(session, release_id=release_id, outlets=outlet, at=sent, actor=actor)
        total = len(release.distribution)
    typer.echo(f"press release {release_id}: sent to {len(outlet)} outlet(s), {total} in all")


@press_app.command("list")
def press_list(
    unit: Annotated[str | None, typer.Option(help="one unit's releases")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    database: Database = None,
) -> None:
    """The press releases, newest first, with their items and where they went."""
    from phuxanh.core.db import session_scope
    from phuxanh.outlets.press import release_rows

    with session_scope(jobs.engine(database)) as session:
        rows = release_rows(session, unit_code=unit)
    if as_json:
        _print(rows)
        return
    if not rows:
        typer.echo("no press releases")
    for r in rows:
        outlets = ", ".join(d["outlet"] for d in r["distribution"]) or "chưa gửi"
        items = ",".join(str(i) for i in r["items"])
        typer.echo(
            f"#{r['id']:<4} {r['number']:<20} {r['at'][:16]}  {r['unit']}  "
            f"bài {items}  {r['title']}  → {outlets}"
        )
