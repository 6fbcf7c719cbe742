"""`phuxanh incident …`: a false claim circulating in public and the office's official,
sourced clarification on its own channels (phuxanh/incidents/). Every change is audited."""

from __future__ import annotations

import os
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
IncidentId = Annotated[int, typer.Argument(metavar="ID", min=1, max=ROW_ID_MAX)]

incident_app = typer.Typer(
    help="Incidents: a false claim circulating, answered with official, sourced information.",
    no_args_is_help=True,
)


@incident_app.command("open")
def incident_open(
    title: Annotated[str, typer.Option(help="a short title people will recognise")],
    claim: Annotated[str, typer.Option(help="the claim as circulated, briefly")],
    severity: Annotated[str, typer.Option(help="low | high | critical")],
    actor: Annotated[str, typer.Option("--as", help="who records it")],
    evidence: Annotated[
        list[str] | None,
        typer.Option(help="a link to a public post carrying the claim (repeatable)"),
    ] = None,
    unit: Annotated[str | None, typer.Option(help="the unit that answers (default: yours)")] = None,
    owner: Annotated[str | None, typer.Option(help="the person responsible (default: you)")] = None,
    database: Database = None,
) -> None:
    """Record a false claim circulating in public; its timer to a published clarification
    starts (critical: 60 minutes, high: 4 hours, low: a day). Prints its id last."""
    from phuxanh.core.db import session_scope
    from phuxanh.incidents.core import open_incident

    with session_scope(jobs.engine(database)) as session:
        incident = open_incident(
            session,
            title=title,
            claim=claim,
            evidence=evidence or [],
            severity=severity,
            actor=actor,
            unit_code=unit,
            owner=owner,
        )
        session.flush()
        typer.echo(
            f"incident opened ({incident.severity}: a clarification live within "
            f"{incident.target_minutes} minutes)\n{incident.id}"
        )


@incident_app.command("clarify")
def incident_clarify(
    incident_id: IncidentId,
    channel: Annotated[list[str], typer.Option(help="a channel to carry it (repeatable)")],
    fact: Annotated[list[str], typer.Option(help="an official fact's code (repeatable)")],
    actor: Annotated[str, typer.Option("--as", help="the author (an editor)")],
    text: Annotated[str | None, typer.Option(help="your own paragraph in it")] = None,
    database: Database = None,
) -> None:
    """Draft the clarification, one urgent item per channel, and submit it: two different
    approvers, then it goes out at once. Prints the item ids, one per line."""
    from phuxanh.core.db import session_scope
    from phuxanh.incidents.core import draft_clarification

    with session_scope(jobs.engine(database)) as session:
        items = draft_clarification(
            session,
            incident_id=incident_id,
            actor=actor,
            channel_codes=channel,
            fact_codes=fact,
            text=text,
        )
        session.flush()
        typer.echo("in review, waiting for two different approvers")
        for item in items:
            typer.echo(str(item.id))


@incident_app.command("pause")
def incident_pause(
    incident_id: IncidentId,
    channel: Annotated[list[str], typer.Option(help="a channel to hold (repeatable)")],
    actor: Annotated[str, typer.Option("--as", help="an approver, manager or admin")],
    database: Database = None,
) -> None:
    """Hold the other scheduled posts of these channels until the incident closes (its
    clarification still goes out)."""
    from phuxanh.core.db import session_scope
    from phuxanh.incidents.core import pause_for_incident

    with session_scope(jobs.engine(database)) as session:
        made = pause_for_incident(
            session, incident_id=incident_id, channel_codes=channel, actor=actor
        )
    typer.echo(f"incident {incident_id}: {len(made)} channel(s) paused until it closes")


@incident_app.command("close")
def incident_close(
    incident_id: IncidentId,
    note: Annotated[str, typer.Option(help="how it ended")],
    actor: Annotated[str, typer.Option("--as", help="its owner, or an approver or manager")],
    database: Database = None,
) -> None:
    """Close the incident; its paused channels resume."""
    from phuxanh.core.db import session_scope
    from phuxanh.incidents.core import close_incident

    with session_scope(jobs.engine(database)) as session:
        close_incident(session, incident_id=incident_id, actor=actor, note=note)
    typer.echo(f"incident {incident_id} closed")


@incident_app.command("list")
def incident_list(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    every: Annotated[bool, typer.Option("--all", help="closed ones too")] = False,
    database: Database = None,
) -> None:
    """Open incidents (--all: closed too), most severe first, with their timers."""
    from dataclasses import asdict

    from phuxanh.core.db import session_scope
    from phuxanh.core.settings import get_settings
    from phuxanh.incidents.core import incident_rows

    with session_scope(jobs.engine(database)) as session:
        rows = incident_rows(session, viewer=None, include_closed=every)
    if as_json:
        _print([asdict(r) for r in rows])
        return
    if not rows:
        typer.echo("no open incidents" if not every else "no incidents")
    tz = get_settings().tz
    for r in rows:
        flag = "QUÁ HẠN" if r.breached else "trong hạn"
        live = f"{r.live} bài đã đăng" if r.first_live_at else "chưa đăng"
        typer.echo(
            f"#{r.id:<4} {r.severity:<8} {r.status:<6} {r.elapsed_minutes}/{r.target_minutes} "
            f"phút ({flag}, {live})  {r.opened_at.astimezone(tz):%d/%m %H:%M}  {r.title}"
        )


@incident_app.command("timeline")
def incident_timeline(
    incident_id: IncidentId,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    database: Database = None,
) -> None:
    """Every step with its time: opened, drafted, each approval, each post live, closed."""
    from phuxanh.core.db import session_scope
    from phuxanh.core.settings import get_settings
    from phuxanh.incidents.core import timeline

    with session_scope(jobs.engine(database)) as session:
        steps = timeline(session, incident_id=incident_id)
    if as_json:
        _print(
            [{"at": s.at.isoformat(), "what": s.what, "who": s.who, "ref": s.ref} for s in steps]
        )
        return
    tz = get_settings().tz
    for s in steps:
        typer.echo(
            f"{s.at.astimezone(tz):%d/%m/%Y %H:%M:%S}  {s.what:<18} {s.who or '—':<20} "
            f"{s.ref or ''}".rstrip()
        )


def _writable_folder(path: Path) -> None:
    """Refuse, before any work, a report that cannot be written: one where a file stands
    in the way of its folder, or under a folder that is not writable. A folder that does
    not exist yet is made when the report is written (`core.files.write_whole`), as
    `press release`, `radio bulletin` and `publication export` make theirs."""
    there = path.parent
    while not there.exists() and there != there.parent:
        there = there.parent
    if not there.is_dir():
        raise ValidationFailed([f"--out: {path}: {there} is a file, not a folder"])
    if not os.access(there, os.W_OK | os.X_OK):
        raise ValidationFailed([f"--out: {path}: the folder {there} is not writable"])


@incident_app.command("report")
def incident_report(
    incident_id: IncidentId,
    fmt: Annotated[str, typer.Option("--format", help="docx | pdf")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="the file (…/NAME.FORMAT), or the folder to write su-co-ID.FORMAT into "
            "(default: su-co-ID.FORMAT here); a missing folder is created",
        ),
    ] = None,
    database: Database = None,
) -> None:
    """The incident reported upward in the unit's administrative header: the claim, the
    response time against its target, the timeline and the posts with links and reach."""
    from phuxanh.core.db import session_scope
    from phuxanh.incidents.report import write

    if fmt not in ("docx", "pdf"):
        raise ValidationFailed([f"--format: {fmt!r} is not docx or pdf"])
    name = f"su-co-{incident_id}.{fmt}"
    if out is None:
        path = Path(name)
    elif out.is_dir() or not out.suffix:  # a folder, there or to be made, as press and radio
        path = out / name
    else:
        path = out
    if path.suffix.lower() != f".{fmt}":
        raise ValidationFailed([f"--out: {path.name}: a {fmt} report ends in .{fmt}"])
    _writable_folder(path)
    with session_scope(jobs.engine(database)) as session:
        write(session, incident_id=incident_id, out=path, fmt=fmt)
    typer.echo(str(path))
