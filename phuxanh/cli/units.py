"""`phuxanh unit …` (the unit registry) and `phuxanh obligation …` (the reports a unit
owes). Each change is audited; see phuxanh/network/."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from phuxanh import jobs
from phuxanh.cli.common import print_json as _print
from phuxanh.core.errors import PhuxanhError, ValidationFailed

Database = Annotated[
    str | None, typer.Option("--database", help="database URL (default: DATABASE_URL)")
]
Actor = Annotated[str, typer.Option("--as", help="who does it (kept in the audit log)")]

unit_app = typer.Typer(
    help="Units: the city, its departments, wards, communes, schools, universities.",
    no_args_is_help=True,
)
obligation_app = typer.Typer(help="Reports a unit owes: what, to whom, when.", no_args_is_help=True)


@unit_app.command("add")
def unit_add(
    code: Annotated[str, typer.Argument(help="a short code, e.g. phuong-le-chan")],
    name: Annotated[str, typer.Option(help="the unit's full name")],
    level: Annotated[str, typer.Option(help="city|department|ward|commune|school|university")],
    parent: Annotated[str | None, typer.Option(help="the unit above it")] = None,
    brand: Annotated[str | None, typer.Option(help="its brand kit (assets/brands)")] = None,
    hotline: Annotated[str | None, typer.Option(help="its hotline")] = None,
    address: Annotated[str | None, typer.Option(help="its address")] = None,
    actor: Annotated[str, typer.Option("--as", help="who adds it (audit)")] = "cli",
    database: Database = None,
) -> None:
    """Add a unit (no campaign file needed): users, channels and obligations attach to it."""
    from phuxanh.core.db import session_scope
    from phuxanh.network.units import add_unit

    with session_scope(jobs.engine(database)) as session:
        _known(session, actor)
        unit = add_unit(
            session,
            code=code,
            name=name,
            level=level,
            parent=parent,
            brand=brand,
            hotline=hotline,
            address=address,
            actor=actor,
        )
        typer.echo(f"unit {unit.code} ({unit.level}) added: {unit.name}")


@unit_app.command("list")
def unit_list(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    database: Database = None,
) -> None:
    """Every unit, each under its parent."""
    from phuxanh.core.db import session_scope
    from phuxanh.network.units import list_units

    with session_scope(jobs.engine(database)) as session:
        rows = list_units(session)
    if as_json:
        _print(rows)
        return
    for r in rows:
        typer.echo(f"{'  ' * r['depth']}{r['code']:<28} {r['level']:<11} {r['name']}")


@unit_app.command("show")
def unit_show(
    code: Annotated[str, typer.Argument()],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = True,
    database: Database = None,
) -> None:
    """One unit: its place in the tree, people, channels, obligations, report settings."""
    from phuxanh.core.db import session_scope
    from phuxanh.network.units import describe, get

    with session_scope(jobs.engine(database)) as session:
        _print(describe(session, get(session, code)))


@unit_app.command("move")
def unit_move(
    code: Annotated[str, typer.Argument()],
    parent: Annotated[str, typer.Option(help="the new unit above it")],
    actor: Annotated[str, typer.Option("--as", help="who moves it (audit)")] = "cli",
    database: Database = None,
) -> None:
    """Put a unit under another one (refused if that would make a cycle)."""
    from phuxanh.core.db import session_scope
    from phuxanh.network.units import move_unit

    with session_scope(jobs.engine(database)) as session:
        _known(session, actor)
        move_unit(session, code=code, parent=parent, actor=actor)
    typer.echo(f"unit {code} is now under {parent}")


@unit_app.command("import")
def unit_import(
    file: Annotated[Path, typer.Argument(help="CSV (code,name,level,parent,…) or YAML")],
    actor: Annotated[str, typer.Option("--as", help="who imports (audit)")] = "cli",
    database: Database = None,
) -> None:
    """Add or update many units at once (a hundred wards): all or nothing; each problem
    names file:line: field."""
    from phuxanh.core.db import session_scope
    from phuxanh.network.units import import_units

    with session_scope(jobs.engine(database)) as session:
        _known(session, actor)
        done = import_units(session, file, actor=actor)
    typer.echo(
        f"{file}: {done['added']} units added, {done['updated']} updated, "
        f"{done['unchanged']} unchanged"
    )


@unit_app.command("set-report")
def unit_set_report(
    code: Annotated[str, typer.Argument()],
    file: Annotated[Path, typer.Option("--file", help="YAML with the report settings")],
    actor: Annotated[str, typer.Option("--as", help="who sets it (audit)")] = "cli",
    database: Database = None,
) -> None:
    """The unit's own report header (issuer, party, number, place, signer_title,
    signer_name, recipients); what the file leaves out comes from the campaign file."""
    from phuxanh.core.db import session_scope
    from phuxanh.network.units import set_report

    with session_scope(jobs.engine(database)) as session:
        _known(session, actor)
        settings = set_report(session, code=code, path=file, actor=actor)
    typer.echo(f"unit {code}: report settings {', '.join(sorted(settings)) or '(none)'} set")


@unit_app.command("set-spokesperson")
def unit_set_spokesperson(
    code: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="the official who speaks for the unit")],
    title: Annotated[str, typer.Option(help="their title, e.g. 'Chánh Văn phòng'")],
    actor: Annotated[str, typer.Option("--as", help="a manager or admin (audit)")],
    hotline: Annotated[str | None, typer.Option(help="the unit's hotline")] = None,
    database: Database = None,
) -> None:
    """The unit's spokesperson (a public office holder) and title, and optionally its
    hotline: what an incident's clarification names (phuxanh incident clarify)."""
    from phuxanh.core.db import session_scope
    from phuxanh.incidents.core import set_spokesperson

    with session_scope(jobs.engine(database)) as session:
        unit = set_spokesperson(
            session, unit_code=code, name=name, title=title, hotline=hotline, actor=actor
        )
        typer.echo(f"unit {unit.code}: spokesperson {unit.spokesperson}, {unit.spokesperson_title}")


@obligation_app.command("add")
def obligation_add(
    unit: Annotated[str, typer.Option(help="the unit that owes the report")],
    what: Annotated[str, typer.Option(help="the report, e.g. 'Báo cáo kết quả TTĐN'")],
    to: Annotated[str, typer.Option(help="the body it goes to, as the directive names it")],
    period: Annotated[str, typer.Option(help="month | quarter | half | year | incident")],
    due: Annotated[
        str, typer.Option(help='"10 after" (10th of the month after) or "15/11" (dd/mm)')
    ] = "",
    source: Annotated[str, typer.Option(help="the directive that sets it, e.g. 05-HD/ĐU")] = "",
    to_unit: Annotated[
        str | None, typer.Option("--to-unit", help="the receiving unit, if registered")
    ] = None,
    actor: Annotated[str, typer.Option("--as", help="who adds it (audit)")] = "cli",
    database: Database = None,
) -> None:
    """Add a report a unit owes."""
    from phuxanh.core.db import session_scope
    from phuxanh.network.obligations import add_obligation

    with session_scope(jobs.engine(database)) as session:
        _known(session, actor)
        row = add_obligation(
            session,
            unit=unit,
            what=what,
            to=to,
            period=period,
            due=due,
            source=source,
            to_unit=to_unit,
            actor=actor,
        )
        typer.echo(f"obligation {row.id} added: {unit} → {row.to_name} ({row.period})")


@obligation_app.command("list")
def obligation_list(
    unit: Annotated[str | None, typer.Option(help="one unit (default: all)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    database: Database = None,
) -> None:
    """Every obligation, with its unit, recipient, period and due date."""
    from phuxanh.core.db import session_scope
    from phuxanh.network.obligations import list_obligations

    with session_scope(jobs.engine(database)) as session:
        rows = list_obligations(session, unit=unit)
    if as_json:
        _print(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['id']:>4}  {r['unit']:<24} {r['period']:<9} {r['due'] or '—':<9} "
            f"{r['what']} → {r['to']}"
        )


@obligation_app.command("import")
def obligation_import(
    from_directive: Annotated[
        Path, typer.Option("--from-directive", help="the directive as plain text (UTF-8)")
    ],
    unit: Annotated[str, typer.Option(help="the unit that owes the reports")],
    actor: Annotated[str, typer.Option("--as", help="who imports (audit)")] = "cli",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    database: Database = None,
) -> None:
    """The reporting duties the directive importer finds, as the unit's obligations (those
    with no period, and those the unit has already, are listed as skipped)."""
    from phuxanh.catalog.directives import MAX_BYTES, decode, parse
    from phuxanh.core.db import session_scope
    from phuxanh.network.obligations import import_from_directive

    if from_directive.is_dir():
        raise ValidationFailed([f"{from_directive}:1: (file): a folder, not a directive"])
    try:
        with from_directive.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise PhuxanhError(
            f"--from-directive: {from_directive}: cannot read: {exc.strerror}"
        ) from exc
    parsed = parse(decode(raw, str(from_directive)))
    with session_scope(jobs.engine(database)) as session:
        _known(session, actor)
        done = import_from_directive(
            session, path=from_directive, parsed=parsed, unit=unit, actor=actor
        )
    if as_json:
        _print(done)
        return
    for row in done["added"]:
        typer.echo(f"obligation {row['id']} added: {row['what']} → {row['to']} ({row['period']})")
    for line in done["skipped"]:
        typer.echo(f"skipped: {line}", err=True)
    typer.echo(f"{len(done['added'])} obligations added from {done['source']}")


def _known(session: Any, actor: str) -> None:
    """`--as` names a real user (the audit log keeps it); `cli`, the default, is the
    command line itself."""
    if actor != "cli":
        from phuxanh.core.users import get_user

        get_user(session, username=actor)
