"""`phuxanh channel add|list|check|new-key`, `phuxanh item create|approve|edit|comment|
history` and `phuxanh publication resolve`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from phuxanh import jobs
from phuxanh.cli.common import ROW_ID_MAX, when

channel_app = typer.Typer(help="Official channels: add, list, check.", no_args_is_help=True)
publication_app = typer.Typer(help="Publications a person must settle.", no_args_is_help=True)
Database = Annotated[
    str | None, typer.Option("--database", help="database URL (default: DATABASE_URL)")
]


def _emit(data: object) -> None:
    from phuxanh.cli.common import print_json as _print

    _print(data)


@channel_app.command("add")
def channel_add(
    platform: Annotated[
        str, typer.Option(help="facebook|youtube|tiktok|x|zalo|telegram|wordpress|manual")
    ],
    name: Annotated[str, typer.Option(help="the channel's public name")],
    account_id: Annotated[
        str | None, typer.Option("--account-id", help="page/channel/account id")
    ] = None,
    credential_env: Annotated[
        str | None,
        typer.Option("--credential-env", help="the variable holding the token (not: manual)"),
    ] = None,
    api_base: Annotated[
        str | None, typer.Option("--api-base", help="API base URL (manual: the place's address)")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="owning unit code")] = None,
    code: Annotated[str | None, typer.Option(help="channel code (default from the name)")] = None,
    database: Database = None,
) -> None:
    """Add an official channel; the credential stays in the environment, never stored."""
    from phuxanh.core.db import session_scope
    from phuxanh.publish.channels import add_channel

    with session_scope(jobs.engine(database)) as session:
        channel = add_channel(
            session,
            platform=platform,
            name=name,
            account_id=account_id,
            credential_env=credential_env,
            api_base=api_base,
            unit_code=unit,
            code=code,
            actor="cli",
        )
        typer.echo(f"channel {channel.code} ({channel.platform}) added")
    from phuxanh.core.settings import env_value

    if credential_env and not env_value(credential_env):
        typer.echo(
            f"note: {credential_env} is not set here (environment or .env); set it "
            "on every host that publishes",
            err=True,
        )


@channel_app.command("list")
def channel_list(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    database: Database = None,
) -> None:
    """Every channel with its platform, unit, credential reference and state."""
    from phuxanh.core.db import session_scope
    from phuxanh.publish.channels import list_channels

    with session_scope(jobs.engine(database)) as session:
        rows = list_channels(session)
    if as_json:
        _emit(rows)
        return
    for r in rows:
        state = "paused" if r["paused"] else ("error" if r["last_error"] else "ok")
        typer.echo(f"{r['code']:<24} {r['platform']:<10} {state:<7} {r['name']}")


@channel_app.command("check")
def channel_check(
    channel: Annotated[str | None, typer.Option(help="one channel (default: all)")] = None,
    database: Database = None,
) -> None:
    """Ask each platform whether the channel's token is valid; a dead token pauses the
    channel (its queue is kept). Exit 1 when any channel is not ready."""
    from phuxanh.core.db import session_scope
    from phuxanh.publish.channels import check_channels

    with session_scope(jobs.engine(database)) as session:
        rows = check_channels(session, code=channel)
    _emit(rows)
    if not all(r["ok"] for r in rows):
        raise typer.Exit(1)


@channel_app.command("new-key")
def channel_new_key() -> None:
    """Print a new PHUXANH_SECRET_KEY, the key that seals stored OAuth token sets. Keep it
    with the other secrets; changing it makes stored sets unreadable (re-authorise)."""
    from phuxanh.publish.tokens import new_key

    typer.echo(new_key())


@publication_app.command("resolve")
def publication_resolve(
    pub_id: Annotated[
        int,
        typer.Argument(
            metavar="ID",
            min=1,
            max=ROW_ID_MAX,
            help="publication id (item list --json: publication_id)",
        ),
    ],
    actor: Annotated[str, typer.Option("--as", help="who looked (approver, manager, admin)")],
    live: Annotated[str | None, typer.Option(help="it is live: the post's URL")] = None,
    remote_id: Annotated[
        str | None, typer.Option("--remote-id", help="with --live: the platform's id")
    ] = None,
    not_sent: Annotated[
        bool, typer.Option("--not-sent", help="it is not there: send again")
    ] = False,
    at: Annotated[str | None, typer.Option(help="with --not-sent: send at this ISO time")] = None,
    cancel: Annotated[str | None, typer.Option(help="it will not go out: the reason")] = None,
    database: Database = None,
) -> None:
    """Settle a publication in needs_check, missed or failed after looking at the account:
    --live URL, --not-sent [--at ISO] or --cancel REASON. Audited."""
    from phuxanh.core.db import session_scope
    from phuxanh.publish.resolve import resolve

    when_at = when(at, "--at", local=False)
    with session_scope(jobs.engine(database)) as session:
        pub = resolve(
            session,
            pub_id=pub_id,
            actor=actor,
            live_url=live,
            remote_id=remote_id,
            not_sent=not_sent,
            at=when_at,
            cancel=cancel,
        )
        _emit(
            {
                "id": pub.id,
                "state": str(pub.state),
                "remote_url": pub.remote_url,
                "scheduled_at": pub.scheduled_at.isoformat(),
                "last_error": pub.last_error,
            }
        )


def add_item_ops(item_app: typer.Typer) -> None:
    @item_app.command("create")
    def item_create(
        channel: Annotated[str, typer.Option(help="channel code")],
        text: Annotated[str, typer.Option(help="the caption")],
        at: Annotated[str, typer.Option(help="when, ISO 8601 with zone")],
        actor: Annotated[str, typer.Option("--as", help="the author (an editor)")],
        media: Annotated[Path | None, typer.Option(help="an image or video")] = None,
        theme: Annotated[str | None, typer.Option(help="theme code")] = None,
        alt: Annotated[
            str | None, typer.Option(help="what the photo or video shows (alt text)")
        ] = None,
        urgent: Annotated[
            bool, typer.Option("--urgent", help="news that cannot wait: first for approvers")
        ] = False,
        audience: Annotated[
            list[str] | None,
            typer.Option(
                "--audience",
                help="who it is for, a content/audiences.yaml code (repeatable; "
                "default: the channel's audiences)",
            ),
        ] = None,
        database: Database = None,
    ) -> None:
        """Create an item for one channel and submit it for review; prints its id last."""
        from phuxanh.compose.items import create_item
        from phuxanh.core.db import session_scope

        when_at = when(at, "--at", local=False)
        with session_scope(jobs.engine(database)) as session:
            item = create_item(
                session,
                channel_code=channel,
                text=text,
                at=when_at,
                actor=actor,
                media=media,
                theme_code=theme,
                alt_text=alt,
                urgent=urgent,
                audiences=audience,
            )
            typer.echo(f"in review, waiting for a second person's approval\n{item.id}")

    @item_app.command("approve")
    def item_approve(
        item_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ROW_ID_MAX)],
        actor: Annotated[str, typer.Option("--as", help="the approver (not the author)")],
        database: Database = None,
    ) -> None:
        """Approve an item as a second person; it is scheduled on its channels."""
        from phuxanh.compose.items import approve_item
        from phuxanh.core.db import session_scope

        with session_scope(jobs.engine(database)) as session:
            item = approve_item(session, item_id=item_id, actor=actor)
            typer.echo(f"item {item.id}: {item.status}")

    _add_desk_commands(item_app)
    from phuxanh.cli.log import add_log_commands  # item log, publication export

    add_log_commands(item_app, publication_app)


def _add_desk_commands(item_app: typer.Typer) -> None:
    """`item edit`, `item comment`, `item history`: the editorial desk on the command line."""

    @item_app.command("edit")
    def item_edit(
        item_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ROW_ID_MAX)],
        actor: Annotated[str, typer.Option("--as", help="who edits (an editor or approver)")],
        text: Annotated[str | None, typer.Option(help="the new caption")] = None,
        media: Annotated[
            Path | None, typer.Option(help="an image or video instead of the card")
        ] = None,
        at: Annotated[
            str | None,
            typer.Option(help="the new time, ISO 8601 (without a zone: the planning zone)"),
        ] = None,
        alt: Annotated[str | None, typer.Option(help="the alt text: what the image shows")] = None,
        audience: Annotated[
            list[str] | None,
            typer.Option(
                "--audience",
                help="who it is for, a content/audiences.yaml code (repeatable; replaces "
                "the item's own; not a change to review)",
            ),
        ] = None,
        database: Database = None,
    ) -> None:
        """Edit an item: its caption, media, time or alt text. Each change saves a new
        version; an edit after approval sends the item back to review. Prints the item's
        version and status. --audience alone changes who the item is for (audited, no new
        version, no new review)."""
        from phuxanh.compose.items import edit_item, find_item, set_audiences
        from phuxanh.core.db import session_scope
        from phuxanh.core.errors import ValidationFailed
        from phuxanh.core.users import get_user

        content = not (text is None and media is None and at is None and alt is None)
        if not content and audience is None:
            raise ValidationFailed(
                ["nothing to change: give --text, --media, --at, --alt or --audience"]
            )
        when_at = when(at, "--at")
        with session_scope(jobs.engine(database)) as session:
            user = get_user(session, username=actor)
            item = find_item(session, item_id)
            if audience is not None:
                changed = set_audiences(session, item=item, actor=user, audiences=audience)
                if not content:
                    said = ", ".join(item.audiences)
                    typer.echo(
                        f"item {item.id}: audiences {said}"
                        if changed
                        else f"item {item.id}: audiences unchanged ({said})"
                    )
                    return
            version, status = item.version, item.status
            edit_item(
                session,
                item=item,
                actor=user,
                caption=text,
                media=media,
                scheduled_at=when_at,
                alt_text=alt,
            )
            if item.version == version:
                typer.echo(f"item {item.id}: nothing changed (version {item.version})")
            elif item.status != status and item.status == "in_review":
                typer.echo(
                    f"item {item.id}: version {item.version}, back in review "
                    "(it needs a new approval)"
                )
            else:
                typer.echo(f"item {item.id}: version {item.version}, {item.status}")

    @item_app.command("comment")
    def item_comment(
        item_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ROW_ID_MAX)],
        text: Annotated[str, typer.Option(help="the comment")],
        actor: Annotated[str, typer.Option("--as", help="who comments")],
        database: Database = None,
    ) -> None:
        """Add a comment to an item's review conversation (on its current version)."""
        from phuxanh.compose.items import comment_item
        from phuxanh.core.db import session_scope

        with session_scope(jobs.engine(database)) as session:
            item = comment_item(session, item_id=item_id, actor=actor, text=text)
            typer.echo(f"item {item.id}: comment added (version {item.version})")

    @item_app.command("history")
    def item_history(
        item_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ROW_ID_MAX)],
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
        database: Database = None,
    ) -> None:
        """An item's versions (with what changed), decisions and comments, oldest first."""
        from phuxanh import history
        from phuxanh.core.db import session_scope

        with session_scope(jobs.engine(database)) as session:
            rows = history.timeline(session, item_id)
        if as_json:
            _emit([history.as_json(r) for r in rows])
            return
        for line in _history_lines(rows):
            typer.echo(line)


def _history_lines(rows: list[Any]) -> list[str]:
    """The timeline as text: one line per row (local time, version, who, what), then the
    changes and the caption diff of a version, indented."""
    from phuxanh import history
    from phuxanh.core.settings import get_settings

    tz = get_settings().tz
    out = []
    for row in rows:
        head = f"{row.at.astimezone(tz):%d/%m/%Y %H:%M}  v{row.version}"
        if isinstance(row, history.VersionEntry):
            saved = "created" if not row.changes and not row.caption_diff else "edited"
            note = f": {row.note}" if row.note else ""
            out.append(f"{head}  {row.editor}  {saved}{note}")
            out += [f"    {c.field}: {c.before} -> {c.after}" for c in row.changes]
            out += [f"    {line}" for line in row.caption_diff.splitlines()]
        elif isinstance(row, history.DecisionEntry):
            said = f": {row.comment}" if row.comment else ""
            out.append(f"{head}  {row.user}  {row.decision}{said}")
        else:
            out.append(f"{head}  {row.user}  {row.kind}: {row.text}")
    return out
