"""`phuxanh item log` (a product made outside phuxanh enters the record with its link) and
`phuxanh publication export` (a manual channel's post, ready to paste or upload)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from phuxanh import jobs
from phuxanh.cli.common import ROW_ID_MAX, print_json, when

Database = Annotated[
    str | None, typer.Option("--database", help="database URL (default: DATABASE_URL)")
]


def add_log_commands(item_app: typer.Typer, publication_app: typer.Typer) -> None:
    @item_app.command("log")
    def item_log(
        channel: Annotated[str, typer.Option(help="the channel it went out on (its code)")],
        url: Annotated[str, typer.Option(help="where it is: its http(s) address")],
        at: Annotated[str, typer.Option(help="when it went out, ISO 8601 (default zone: local)")],
        kind: Annotated[str, typer.Option(help="article|press|radio|event")],
        theme: Annotated[str, typer.Option(help="theme code")],
        actor: Annotated[str, typer.Option("--as", help="who records it")],
        title: Annotated[str | None, typer.Option(help="its title")] = None,
        database: Database = None,
    ) -> None:
        """Record a product made outside phuxanh (an article, a press release, a radio
        bulletin, an event) with its link: it counts in the reports. Audited; prints the
        item's and the publication's ids."""
        from phuxanh.core.db import session_scope
        from phuxanh.publish.logged import log_product

        when_at = when(at, "--at")
        with session_scope(jobs.engine(database)) as session:
            item, pub = log_product(
                session,
                channel_code=channel,
                url=url,
                at=when_at,
                kind=kind,
                theme_code=theme,
                actor=actor,
                title=title,
            )
            print_json({"item": item.id, "publication": pub.id, "kind": item.kind, "url": url})

    @publication_app.command("export")
    def publication_export(
        pub_id: Annotated[
            int, typer.Argument(metavar="ID", min=1, max=ROW_ID_MAX, help="publication id")
        ],
        out: Annotated[Path, typer.Option(help="the folder to write phuxanh-ID/ into")] = Path("."),
        database: Database = None,
    ) -> None:
        """A manual channel's post, ready to paste or upload: caption.txt, the media file,
        alt.txt and huong-dan.txt in OUT/phuxanh-ID/. Then post it and say where with
        `publication resolve ID --live URL`."""
        from phuxanh.core.db import session_scope
        from phuxanh.publish.manual import export

        with session_scope(jobs.engine(database)) as session:
            print_json(export(session, pub_id=pub_id, out=out))
