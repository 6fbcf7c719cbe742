"""`phuxanh` command line. Errors are one clear line on stderr and a non-zero exit."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from phuxanh import jobs
from phuxanh.cli_items import add_commands, add_pause_commands
from phuxanh.cli_media import media_app, render_app, template_app
from phuxanh.cli_ops import add_item_ops, channel_app, publication_app
from phuxanh.errors import PhuxanhError, ValidationFailed
from phuxanh.settings import ROOT, get_settings

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


def _when(value: str | None) -> dt.datetime | None:
    """ISO time; a time without a zone is read in the planning time zone."""
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed([f"--now: {value!r} is not an ISO date-time"]) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=get_settings().tz)


def _day(value: str, flag: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValidationFailed([f"{flag}: {value!r} is not a date (dd/mm/yyyy or yyyy-mm-dd)"])


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@app.command()
def init(database: Database = None) -> None:
    """Create or upgrade the database to the newest schema."""
    url = jobs.init_db(database)
    typer.echo(f"database ready: {url}")


@catalog_app.command("check")
def catalog_check(
    path: Annotated[Path, typer.Argument(help="catalog folder")] = ROOT / "content",
) -> None:
    """Validate every catalog file; problems print as file:line: field: problem."""
    from phuxanh.catalog import check_catalog

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
    """Plan the content calendar for a campaign between two dates (inclusive)."""
    start, end = _day(from_, "--from"), _day(to, "--to")
    if end < start:
        raise ValidationFailed(["--to: before --from"])
    url = sandbox_url or f"http://127.0.0.1:{get_settings().sandbox_port}"
    code = jobs.setup_campaign(campaign, sandbox_url=url, database_url=database)
    days = (end - start).days + 1
    _print(jobs.plan_days(code, start=start, days=days, replan=replan, database_url=database))


@publish_app.command("due")
def publish_due(
    now: Annotated[str | None, typer.Option(help="ISO time to act as now")] = None,
    database: Database = None,
) -> None:
    """Publish every approved item whose time has come."""
    _print(jobs.publish_due(now=_when(now), database_url=database))


@metrics_app.command("collect")
def metrics_collect(
    now: Annotated[str | None, typer.Option(help="ISO time to act as now")] = None,
    database: Database = None,
) -> None:
    """Read reach metrics of published posts back from the platforms."""
    _print(jobs.collect_metrics(now=_when(now), database_url=database))


@item_app.command("list")
def item_list(
    state: Annotated[str | None, typer.Option(help="publication state or item status")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    database: Database = None,
) -> None:
    """List content items with their publication state."""
    from phuxanh import crud
    from phuxanh.db import session_scope

    with session_scope(jobs.engine(database)) as session:
        rows = crud.list_items(session, state=state)
    if as_json:
        _print(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['id']:>5}  {r['state']:<12} {r['scheduled_at'] or '-':<26} "
            f"{r['channel']:<22} {r['text'].splitlines()[0][:60]}"
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
    import secrets
    import sys

    from phuxanh.db import session_scope
    from phuxanh.users import add_user

    password: str | None = None
    generated = False
    if sso_only:
        if not email:
            raise ValidationFailed(["--sso-only: needs --email (the address sign-in vouches for)"])
    elif password_env:
        password = os.environ.get(password_env)
        if not password:
            raise ValidationFailed([f"--password-env: {password_env} is not set"])
    elif sys.stdin.isatty():
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        password, generated = secrets.token_urlsafe(12), True
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


@audit_app.command("verify")
def audit_verify(database: Database = None) -> None:
    """Check the hash chain of the audit log; name the first bad row."""
    from phuxanh import audit
    from phuxanh.db import session_scope

    with session_scope(jobs.engine(database)) as session:
        bad = audit.verify(session)
    if bad is not None:
        raise PhuxanhError(f"audit log broken at row {bad}: its hash does not chain")
    typer.echo("audit log intact")


@directive_app.command("import")
def directive_import(
    file: Annotated[Path, typer.Argument(help="the directive as plain text (UTF-8)")],
    as_json: Annotated[bool, typer.Option("--json", help="print the parsed directive")] = False,
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="write a YAML catalog draft")
    ] = None,
) -> None:
    """Read a directive: print it as JSON, or write a catalog draft for staff to complete."""
    import yaml

    from phuxanh.directives import catalog_draft, parse

    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise PhuxanhError(f"{file}: cannot read: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", errors="replace")
        typer.echo(f"warning: {file}: not valid UTF-8; unreadable bytes were replaced", err=True)
    parsed = parse(text)
    if as_json or out is None:
        typer.echo(json.dumps(parsed, ensure_ascii=False, indent=2))
    if out is not None:
        draft = catalog_draft(parsed, source_file=file.name)
        tmp = out.with_name(out.name + ".part")
        tmp.write_text(
            yaml.safe_dump(draft, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
        )
        tmp.replace(out)
        typer.echo(
            f"draft written: {out} ({len(draft['themes'])} themes); "
            f"next: phuxanh catalog check {out}",
            err=True,
        )


@feeds_app.command("poll")
def feeds_poll(
    file: Annotated[Path | None, typer.Option("--file", help="feeds YAML")] = None,
    timeout: Annotated[float, typer.Option(help="seconds per request")] = 15.0,
    database: Database = None,
) -> None:
    """Poll the official feeds; matching entries become link-post drafts for review."""
    _print(jobs.poll_feeds(feeds_file=file, timeout_s=timeout, database_url=database))


@audit_app.command("export")
def audit_export(
    out: Annotated[Path, typer.Option("-o", "--out", help="CSV file to write")],
    database: Database = None,
) -> None:
    """Export the whole audit log as CSV (UTF-8 with BOM, so spreadsheets read Vietnamese)."""
    from phuxanh import audit
    from phuxanh.db import session_scope

    tmp = out.with_name(out.name + ".part")
    with (
        session_scope(jobs.engine(database)) as session,
        tmp.open("w", encoding="utf-8-sig", newline="") as fh,
    ):
        n = audit.export_csv(session, fh)
    tmp.replace(out)
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
    port = port or get_settings().dashboard_port
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


@app.command()
def serve() -> None:
    """Serve the Prefect flows on their schedules (daily 06:00, publishing every 5 min)."""
    raise typer.Exit(subprocess.call([sys.executable, "-m", "flows.serve"], cwd=ROOT))


add_commands(app, item_app, metrics_app)  # compose, report, … (phuxanh/cli_items.py)
add_pause_commands(app)
add_item_ops(item_app)
app.add_typer(channel_app, name="channel")
app.add_typer(publication_app, name="publication")


def main() -> None:
    try:
        app()
    except ValidationFailed as exc:
        for problem in exc.problems:
            typer.echo(problem, err=True)
        sys.exit(exc.exit_code)
    except PhuxanhError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
