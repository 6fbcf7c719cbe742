"""`phuxanh` command line. Errors are one clear line on stderr and a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from phuxanh import jobs
from phuxanh.cli.common import atomic_output, day, password_from, when
from phuxanh.cli.common import port as valid_port
from phuxanh.cli.common import print_json as _print
from phuxanh.cli.deploy import add_deploy_commands
from phuxanh.cli.export import export_app
from phuxanh.cli.incidents import incident_app
from phuxanh.cli.items import add_commands, add_pause_commands
from phuxanh.cli.media import media_app, render_app, template_app
from phuxanh.cli.notify import notify_app
from phuxanh.cli.ops import add_item_ops, channel_app, publication_app
from phuxanh.cli.packages import package_app
from phuxanh.cli.press import press_app
from phuxanh.cli.radio import radio_app
from phuxanh.cli.translate import add_translate_command, translation_app
from phuxanh.cli.units import obligation_app, unit_app
from phuxanh.cli.users import add_user_commands
from phuxanh.core.errors import PhuxanhError, ValidationFailed
from phuxanh.core.settings import ROOT, get_settings

app = typer.Typer(
    help="phuxanh: content campaigns for TTĐN offices.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
catalog_app = typer.Typer(help="The theme catalog in content/.", no_args_is_help=True)
sandbox_app = typer.Typer(help="The local platform sandbox.", no_args_is_help=True)
publish_app = typer.Typer(help="Publishing.", no_args_is_help=True)
metrics_app = typer.Typer(help="Reach metrics.", no_args_is_help=True)
item_app = typer.Typer(help="Content items.", no_args_is_help=True)
user_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
feeds_app = typer.Typer(help="Official news feeds.", no_args_is_help=True)
directive_app = typer.Typer(help="Directives (hướng dẫn, kế hoạch …).", no_args_is_help=True)
for sub, name in (
    (catalog_app, "catalog"),
    (sandbox_app, "sandbox"),
    (publish_app, "publish"),
    (metrics_app, "metrics"),
    (item_app, "item"),
    (user_app, "user"),
    (audit_app, "audit"),
    (directive_app, "directive"),
    (feeds_app, "feeds"),
):
    app.add_typer(sub, name=name)
app.add_typer(render_app, name="render")
app.add_typer(template_app, name="template")
app.add_typer(media_app, name="media")

Database = Annotated[
    str | None, typer.Option("--database", help="database URL (default: DATABASE_URL)")
]


@app.command()
def init(database: Database = None) -> None:
    """Create or upgrade the database to the newest schema."""
    from phuxanh.core.db import masked

    url = jobs.init_db(database)
    typer.echo(f"database ready: {masked(url)}")


@catalog_app.command("check")
def catalog_check(
    path: Annotated[Path, typer.Argument(help="catalog folder")] = ROOT / "content",
) -> None:
    """Validate every catalog file; problems print as file:line: field: problem."""
    from phuxanh.catalog.themes import check_catalog

    result = check_catalog(path)
    facts = sum(len(t.facts) for t in result.themes)
    typer.echo(
        f"catalog ok: {len(result.directives)} directives, {len(result.themes)} themes, "
        f"{facts} facts, every fact sourced"
    )


@catalog_app.command("load")
def catalog_load(
    path: Annotated[Path, typer.Argument(help="catalog folder")] = ROOT / "content",
    database: Database = None,
) -> None:
    """Check the catalog, then load it into the database (upsert by code)."""
    _print(jobs.load_catalog(database, path))


@app.command()
def plan(
    campaign: Annotated[Path, typer.Option(help="campaign YAML file")],
    from_: Annotated[str, typer.Option("--from", help="first day")],
    to: Annotated[str, typer.Option(help="last day")],
    sandbox_url: Annotated[
        str | None, typer.Option(help="URL for channels on api_base: sandbox")
    ] = None,
    replan: Annotated[
        bool, typer.Option(help="re-plan the range: empty slots go, slots with content stay")
    ] = False,
    database: Database = None,
) -> None:
    """Plan the content calendar for a campaign between two dates (inclusive). The campaign
    file and the plan are one transaction: on any problem nothing is written."""
    start, end = day(from_, "--from"), day(to, "--to")
    if end < start:
        raise ValidationFailed(["--to: before --from"])
    url = sandbox_url or f"http://127.0.0.1:{get_settings().sandbox_port}"
    days = (end - start).days + 1
    _print(
        jobs.plan_campaign(
            campaign, start=start, days=days, replan=replan, sandbox_url=url, database_url=database
        )
    )


@publish_app.command("due")
def publish_due(
    now: Annotated[str | None, typer.Option(help="ISO time to act as now")] = None,
    database: Database = None,
) -> None:
    """Publish every approved item whose time has come."""
    _print(jobs.publish_due(now=when(now, "--now"), database_url=database))


@metrics_app.command("collect")
def metrics_collect(
    now: Annotated[str | None, typer.Option(help="ISO time to act as now")] = None,
    database: Database = None,
) -> None:
    """Read reach metrics of published posts back from the platforms."""
    _print(jobs.collect_metrics(now=when(now, "--now"), database_url=database))


@item_app.command("list")
def item_list(
    state: Annotated[str | None, typer.Option(help="publication state or item status")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    database: Database = None,
) -> None:
    """List content items with their publication state."""
    from phuxanh import crud
    from phuxanh.core.db import session_scope

    with session_scope(jobs.engine(database)) as session:
        rows = crud.list_items(session, state=state)
    if as_json:
        _print([r.as_json() for r in rows])
        return
    for r in rows:
        when = r.scheduled_at.isoformat() if r.scheduled_at else "-"
        typer.echo(
            f"{r.id:>5}  {r.state:<12} {when:<26} {r.channel:<22} {r.text.splitlines()[0][:60]}"
        )


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument()],
    unit: Annotated[str, typer.Option(help="unit code")],
    role: Annotated[str, typer.Option(help="editor | approver | manager | admin")],
    name: Annotated[str, typer.Option(help="display name")] = "",
    password_env: Annotated[str | None, typer.Option(help="variable holding the password")] = None,
    email: Annotated[
        str | None, typer.Option(help="e-mail the office's OIDC sign-in vouches for")
    ] = None,
    sso_only: Annotated[
        bool, typer.Option("--sso-only", help="no password: OIDC sign-in only (needs --email)")
    ] = False,
    database: Database = None,
) -> None:
    """Add a user to a unit with a role.

    The password comes from --password-env, else a hidden prompt on a terminal, else one is
    generated and printed once (it is stored only as an argon2 hash).
    """

    from phuxanh.core.db import session_scope
    from phuxanh.core.users import add_user

    password: str | None = None
    generated = False
    if sso_only:
        if not email:
            raise ValidationFailed(["--sso-only: needs --email (the address sign-in vouches for)"])
    else:
        password, generated = password_from(password_env, prompt="password")
    if password is not None and len(password) < 10:
        raise ValidationFailed(["password: at least 10 characters"])
    with session_scope(jobs.engine(database)) as session:
        user = add_user(
            session,
            username=username,
            unit_code=unit,
            role=role,
            display_name=name,
            password=password,
            email=email,
            actor="cli",
        )
        typer.echo(f"user {user.username} ({user.role}) added")
    if generated:
        typer.echo(f"password (shown once, not stored): {password}")


HeadFile = Annotated[
    Path | None,
    typer.Option(
        "--head-file", help="a head file (`audit head --append`): check against every head in it"
    ),
]


@audit_app.command("verify")
def audit_verify(
    head: Annotated[
        list[str] | None,
        typer.Option("--head", help="ROWS:HASH as `audit head` or a report printed it; repeatable"),
    ] = None,
    head_file: HeadFile = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the verdict as JSON")] = False,
    database: Database = None,
) -> None:
    """Check the audit log's chain, and against heads kept outside the database (--head,
    --head-file: they catch deleted newest rows and a recomputed chain); name the first bad
    row. See docs/audit.md for what is and is not detectable."""
    from phuxanh.core import audit
    from phuxanh.core.db import session_scope

    anchors = audit.parse_anchors(head or [])
    anchors += audit.read_anchors(head_file) if head_file is not None else []
    with session_scope(jobs.engine(database)) as session:
        verdict = audit.check(session, anchors)
    if as_json:
        _print(verdict.as_json())
        if not verdict.intact:
            raise typer.Exit(1)
        return
    if not verdict.intact:
        raise PhuxanhError(verdict.line())
    typer.echo(verdict.line())


@audit_app.command("head")
def audit_head(
    append: Annotated[
        Path | None,
        typer.Option(
            "--append",
            help="verify the log against every head already in FILE, then add this "
            "one (the file is only ever appended to, created 0600)",
        ),
    ] = None,
    database: Database = None,
) -> None:
    """Print the audit log's head, ROWS:HASH: keep it outside the database (a head file, the
    periodic report) and check later with `audit verify --head`."""
    from phuxanh.core import audit
    from phuxanh.core.db import session_scope

    with session_scope(jobs.engine(database)) as session:
        if append is None:
            found = audit.head(session)
            typer.echo(f"audit head {found.anchor}")
            return
        anchors = audit.read_anchors(append) if append.exists() else []
        verdict = audit.check(session, anchors)
        if not verdict.intact:
            raise PhuxanhError(verdict.line() + f" (nothing added to {append})")
        audit.append_head(append, verdict.head)
    earlier = f"{len(anchors)} earlier head{'s' if len(anchors) != 1 else ''}"
    typer.echo(f"audit head {verdict.head} added to {append}; the log matches the {earlier} in it")


@audit_app.command("new-key")
def audit_new_key() -> None:
    """Print a new PHUXANH_AUDIT_KEY, the secret that keys the audit chain. Give every
    worker the same one and keep it away from the database; to rotate, move the old key
    to PHUXANH_AUDIT_OLD_KEYS."""
    from phuxanh.core import audit

    typer.echo(audit.new_key())


@directive_app.command("import")
def directive_import(
    file: Annotated[Path, typer.Argument(help="the directive as plain text (UTF-8)")],
    as_json: Annotated[bool, typer.Option("--json", help="print the parsed directive")] = False,
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="write a YAML catalog draft")
    ] = None,
    catalog: Annotated[
        Path, typer.Option(help="the catalog the draft's themes are matched against first")
    ] = ROOT / "content",
) -> None:
    """Read a directive: print it as JSON, or write a catalog draft for staff to complete:
    imported themes the catalog already has are proposed under `matches`, the rest are new."""
    import yaml

    from phuxanh.catalog.directives import MAX_BYTES, catalog_draft, decode, parse
    from phuxanh.catalog.themes import catalog_directives, catalog_for_matching
    from phuxanh.cli.common import output_file

    if out is not None:
        output_file(out, "-o")
    if file.is_dir():
        raise ValidationFailed([f"{file}:1: (file): a folder, not a directive's text file"])
    try:
        with file.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)  # enough to tell an oversized file, never all of it
    except OSError as exc:
        raise PhuxanhError(f"{file}: cannot read: {exc.strerror}") from exc
    parsed = parse(decode(raw, str(file)))
    if as_json or out is None:
        typer.echo(json.dumps(parsed, ensure_ascii=False, indent=2))
    if out is not None:
        themes, unread = catalog_for_matching(catalog)
        for problem in unread:
            typer.echo(f"not matched against (cannot be read): {problem}", err=True)
        draft = catalog_draft(
            parsed,
            source_file=file.name,
            catalog=themes,
            known=[d.model_dump(mode="json") for d in catalog_directives(catalog)],
        )
        with atomic_output(out, "-o") as tmp:
            tmp.write_text(
                yaml.safe_dump(draft, allow_unicode=True, sort_keys=False, width=100),
                encoding="utf-8",
            )
        typer.echo(
            f"draft written: {out} ({len(draft['matches'])} themes the catalog has, under "
            f"matches; {len(draft['themes'])} new); next: phuxanh catalog check {out}",
            err=True,
        )


@feeds_app.command("poll")
def feeds_poll(
    file: Annotated[Path | None, typer.Option("--file", help="feeds YAML")] = None,
    timeout: Annotated[
        float, typer.Option(help="seconds each feed gets in all (connect, redirects, download)")
    ] = 15.0,
    database: Database = None,
) -> None:
    """Poll the official feeds; matching entries become link-post drafts for review. Each
    failed feed is one line on stderr (its code, outlet and why); exit 1 when any failed."""
    if not 0 < timeout <= 3600:  # NaN fails this too
        raise ValidationFailed([f"--timeout: {timeout} is not a number of seconds in (0, 3600]"])
    results = jobs.poll_feeds(feeds_file=file, timeout_s=timeout, database_url=database)
    _print(results)
    failed = {code: r for code, r in results.items() if r["status"] == "failed"}
    for code, r in failed.items():
        typer.echo(f"feed {code} ({r['outlet']}): {r['reason']}", err=True)
    for code, r in results.items():
        if r.get("skipped_entries"):
            why = "; ".join(sorted({s["reason"] for s in r["skipped"]}))
            typer.echo(f"feed {code}: {r['skipped_entries']} entries skipped ({why})", err=True)
    polled = sum(r["status"] != "disabled" for r in results.values())
    new = sum(r["new"] for r in results.values())
    typer.echo(f"feeds: {polled} polled, {len(failed)} failed, {new} new drafts", err=True)
    if failed:
        raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    out: Annotated[Path, typer.Option("-o", "--out", help="CSV file to write")],
    database: Database = None,
) -> None:
    """Export the whole audit log as CSV (UTF-8 with BOM, so spreadsheets read Vietnamese)."""
    from phuxanh.core import audit
    from phuxanh.core.db import session_scope

    with (
        atomic_output(out, "-o") as tmp,  # the CSV replaces `out` only when complete
        session_scope(jobs.engine(database)) as session,
        tmp.open("w", encoding="utf-8-sig", newline="") as fh,
    ):
        n = audit.export_csv(session, fh)
    typer.echo(f"{n} audit events written to {out}")


@sandbox_app.command("serve")
def sandbox_serve(
    port: Annotated[int | None, typer.Option(help="port on 127.0.0.1")] = None,
    token_env: Annotated[
        str, typer.Option(help="variable holding the accepted token")
    ] = "PHUXANH_SANDBOX_TOKEN",  # noqa: S107  (a variable's name, not a secret)
) -> None:
    """Run the local platform sandbox (seven platforms, one prefix each) on 127.0.0.1."""
    from phuxanh.sandbox.server import SandboxServer

    port = valid_port(port)
    token = os.environ.get(token_env, "sandbox-page-token")
    server = SandboxServer(port if port is not None else get_settings().sandbox_port, {token})
    typer.echo(f"sandbox on {server.public_url} (posts: {server.public_url}/_sandbox/posts)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.shutdown()


@app.command()
def dashboard(
    port: Annotated[int | None, typer.Option(help="port on 127.0.0.1")] = None,
    database: Database = None,
) -> None:
    """Start the Streamlit dashboard."""
    env = dict(os.environ)
    if database:
        env["DATABASE_URL"] = database
    port = valid_port(port) or get_settings().dashboard_port
    typer.echo(f"dashboard on http://127.0.0.1:{port}")
    raise typer.Exit(
        subprocess.call(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "dashboard" / "streamlit_app.py"),
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--client.toolbarMode",
                "minimal",
            ],
            env=env,
        )
    )


add_deploy_commands(app)  # serve, deploy: the scheduled runs (phuxanh/cli/deploy.py)
add_commands(app, item_app, metrics_app)  # compose, report, … (phuxanh/cli/items.py)
add_pause_commands(app)
add_item_ops(item_app)
add_user_commands(user_app)  # disable, enable, reset-password (phuxanh/cli/users.py)
add_translate_command(catalog_app)  # catalog translate (phuxanh/cli/translate.py)
app.add_typer(translation_app, name="translation")  # list, set, review
app.add_typer(channel_app, name="channel")
app.add_typer(publication_app, name="publication")
app.add_typer(notify_app, name="notify")  # e-mail about hand-offs (phuxanh/cli/notify.py)
app.add_typer(unit_app, name="unit")  # the unit registry (phuxanh/cli/units.py)
app.add_typer(obligation_app, name="obligation")  # reports a unit owes
app.add_typer(package_app, name="package")  # content packages (phuxanh/cli/packages.py)
app.add_typer(press_app, name="press")  # press releases (phuxanh/cli/press.py)
app.add_typer(radio_app, name="radio")  # grassroots radio scripts (phuxanh/cli/radio.py)
app.add_typer(incident_app, name="incident")  # false claims answered (phuxanh/cli/incidents.py)
app.add_typer(export_app, name="export")  # the press-and-missions kit (phuxanh/cli/export.py)


def _line(text: object, *, whole: bool = False) -> str:
    """A message as one line, credentials of any URL in it masked: phuxanh's own messages
    `whole` (their lines joined), anything else its first line, cut at 300 characters."""
    from phuxanh.core.db import scrub

    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()] or [""]
    if whole:
        return scrub(" / ".join(lines))
    return scrub(lines[0] if len(lines[0]) <= 300 else lines[0][:299] + "…")


def main() -> None:
    """Run the command line: every error is one line on stderr and a non-zero exit, never
    a traceback. Errors phuxanh foresaw print as they are; a database that fails or a file
    the system refuses print as one line too; anything else prints its type and message
    (PHUXANH_DEBUG=1 shows the traceback instead). A mistyped command or option is one
    line too, pointing at the command's --help."""
    from sqlalchemy.exc import DBAPIError

    # typer carries its own click (typer._click); its usage errors are these classes
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

    debug = os.environ.get("PHUXANH_DEBUG", "") not in ("", "0")
    try:
        try:
            code = app(standalone_mode=False)
        except NoArgsIsHelpError as exc:  # the help is printed already
            sys.exit(exc.exit_code)
        except UsageError as exc:  # no such command or option, a value of a wrong type
            hint = f" (see {exc.ctx.command_path} --help)" if exc.ctx is not None else ""
            typer.echo(f"error: {_line(exc.format_message())}{hint}", err=True)
            sys.exit(exc.exit_code)
        except ClickException as exc:
            typer.echo(f"error: {_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:  # end of input at a prompt
            typer.echo("aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)
    except ValidationFailed as exc:
        for problem in exc.problems:
            typer.echo(_line(problem, whole=True), err=True)
        sys.exit(exc.exit_code)
    except PhuxanhError as exc:
        typer.echo(f"error: {_line(exc, whole=True)}", err=True)
        sys.exit(exc.exit_code)
    except DBAPIError as exc:
        if debug:
            raise
        typer.echo(
            f"error: database: {_line(exc.orig or exc)} (check DATABASE_URL or "
            "--database and that the database is running; PHUXANH_DEBUG=1 for the "
            "traceback)",
            err=True,
        )
        sys.exit(1)
    except OSError as exc:
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(f"error: {where}{_line(exc.strerror or exc)}", err=True)
        sys.exit(1)
    except Exception as exc:
        if debug:
            raise
        typer.echo(
            f"error: unexpected {type(exc).__name__}: {_line(exc)} (run with "
            "PHUXANH_DEBUG=1 for the traceback)",
            err=True,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
