"""`phuxanh package`: content packages a unit sends down to other units
(phuxanh/network/packages.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from phuxanh import jobs
from phuxanh.cli.common import ROW_ID_MAX, print_json, when
from phuxanh.core.errors import ValidationFailed

package_app = typer.Typer(
    help="Content packages sent down to other units (wards, departments).",
    no_args_is_help=True,
)

Database = Annotated[
    str | None, typer.Option("--database", help="database URL (default: DATABASE_URL)")
]
Actor = Annotated[str, typer.Option("--as", help="who acts (their username)")]
RowId = Annotated[int, typer.Argument(metavar="ID", min=1, max=ROW_ID_MAX)]


@package_app.command("make")
def make(
    item_id: Annotated[int, typer.Argument(metavar="ITEM", min=1, max=ROW_ID_MAX)],
    title: Annotated[str, typer.Option(help="what the package is called")],
    actor: Actor,
    lock: Annotated[
        list[str] | None,
        typer.Option(
            help="a card field the receivers may not change too (e.g. card.title); "
            "the fact and its source are always locked"
        ),
    ] = None,
    note: Annotated[str | None, typer.Option(help="a note to the receiving units")] = None,
    database: Database = None,
) -> None:
    """Make a package of an approved (scheduled or published) item of your unit: its card,
    captions, facts and sources. Prints the package's id."""
    from phuxanh.compose.items import find_item
    from phuxanh.core.db import session_scope
    from phuxanh.core.users import get_user
    from phuxanh.network import packages

    with session_scope(jobs.engine(database)) as session:
        package = packages.make_package(
            session,
            item=find_item(session, item_id, field="ITEM"),
            actor=get_user(session, username=actor),
            title=title,
            locked=[*packages.DEFAULT_LOCKED, *(lock or [])],
            note=note,
        )
        typer.echo(f"package {package.id}: {package.title} (locked: {', '.join(package.locked)})")


@package_app.command("send")
def send(
    package_id: RowId,
    actor: Actor,
    unit: Annotated[list[str] | None, typer.Option(help="a receiving unit's code")] = None,
    level: Annotated[
        str | None, typer.Option(help="every other unit of this level (e.g. ward)")
    ] = None,
    database: Database = None,
) -> None:
    """Send a package: each receiving unit gets a draft of its own on its channels, in
    their posting windows, with its brand kit, name and hotline; its approvers approve it."""
    from sqlmodel import col, select

    from phuxanh.core.db import session_scope
    from phuxanh.core.errors import NotFound
    from phuxanh.core.settings import get_settings
    from phuxanh.core.users import get_user
    from phuxanh.models import ContentItem, Unit
    from phuxanh.network import packages

    if bool(unit) == (level is not None):
        raise ValidationFailed(["--unit/--level: give the units (--unit) or one level (--level)"])
    tz = get_settings().tz
    with session_scope(jobs.engine(database)) as session:
        package = packages.find_package(session, package_id)
        units = None
        if unit:
            units = [u for u in session.exec(select(Unit).where(col(Unit.code).in_(unit)))]
            unknown = sorted(set(unit) - {u.code for u in units})
            if unknown:
                raise NotFound(f"--unit: no unit {unknown[0]!r}")
        sent = packages.send(
            session,
            package=package,
            actor=get_user(session, username=actor),
            units=units,
            level=level,
        )
        for delivery in sent.deliveries:
            got = session.get(Unit, delivery.unit_id)
            item = session.get(ContentItem, delivery.item_id)
            assert got is not None and item is not None and item.scheduled_at is not None
            held = f" (held: {item.hold_reasons[0]})" if item.hold_reasons else ""
            typer.echo(
                f"{got.code}: draft {item.id} at "
                f"{item.scheduled_at.astimezone(tz):%d/%m/%Y %H:%M}{held}"
            )
        for line in sent.skipped:
            typer.echo(f"passed over {line}", err=True)
        if not sent.deliveries:
            typer.echo("no unit received it", err=True)


@package_app.command("status")
def status(
    package_id: RowId,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    database: Database = None,
) -> None:
    """Where the package stands at each receiving unit: received, approved, published,
    declined (with the reason) or rejected."""
    from phuxanh.core.db import session_scope
    from phuxanh.core.settings import get_settings
    from phuxanh.network import packages

    tz = get_settings().tz
    with session_scope(jobs.engine(database)) as session:
        package = packages.find_package(session, package_id)
        rows = packages.deliveries(session, package=package)
        title = package.title
    if as_json:
        print_json(
            {
                "package": package_id,
                "title": title,
                "units": [dataclasses.asdict(r) for r in rows],
            }
        )
        return
    typer.echo(f"package {package_id}: {title}")
    for r in rows:
        at = f" {r.scheduled_at.astimezone(tz):%d/%m/%Y %H:%M}" if r.scheduled_at else ""
        why = f": {r.reason}" if r.reason else ""
        typer.echo(f"{r.unit}: {r.state}{why} (item {r.item_id}{at})")


@package_app.command("decline")
def decline(
    package_id: RowId,
    unit: Annotated[str, typer.Option(help="the receiving unit's code")],
    reason: Annotated[str, typer.Option(help="why the unit will not post it")],
    actor: Actor,
    database: Database = None,
) -> None:
    """Decline a package for your unit: its draft is withdrawn and the sender sees why."""
    from phuxanh.core.db import session_scope
    from phuxanh.core.users import get_user
    from phuxanh.network import packages

    with session_scope(jobs.engine(database)) as session:
        package = packages.find_package(session, package_id)
        delivery = packages.find_delivery(session, package, unit)
        packages.decline(
            session, delivery=delivery, actor=get_user(session, username=actor), reason=reason
        )
    typer.echo(f"{unit}: declined package {package_id}")


@package_app.command("edit")
def edit(
    item_id: Annotated[int, typer.Argument(metavar="ITEM", min=1, max=ROW_ID_MAX)],
    actor: Actor,
    text: Annotated[str | None, typer.Option(help="the new caption")] = None,
    media: Annotated[
        Path | None, typer.Option(help="an image or video instead of the card")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(help="the new time, ISO 8601 (without a zone: the planning zone)"),
    ] = None,
    alt: Annotated[str | None, typer.Option(help="the alt text: what the image shows")] = None,
    database: Database = None,
) -> None:
    """Edit a draft a package brought, as `item edit` does, keeping what the package locks
    (the fact and its source lines, the card's locked fields)."""
    from phuxanh.compose.items import find_item
    from phuxanh.core.db import session_scope
    from phuxanh.core.users import get_user
    from phuxanh.network import packages

    if text is None and media is None and at is None and alt is None:
        raise ValidationFailed(["nothing to change: give --text, --media, --at or --alt"])
    when_at = when(at, "--at")
    with session_scope(jobs.engine(database)) as session:
        item = find_item(session, item_id, field="ITEM")
        if packages.received_in(session, item) is None:  # `item edit` is for the others
            raise ValidationFailed(
                [f"ITEM: item {item.id} did not come in a package; use phuxanh item edit"]
            )
        packages.edit_received(
            session,
            item=item,
            actor=get_user(session, username=actor),
            caption=text,
            media=media,
            scheduled_at=when_at,
            alt_text=alt,
        )
        typer.echo(f"item {item.id}: version {item.version}, {item.status}")
