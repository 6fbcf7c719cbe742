"""`phuxanh user disable`, `user enable`, `user reset-password` and `user languages` (an
admin's acts, each audited; see phuxanh/core/auth.py, phuxanh/catalog/translations.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from phuxanh import jobs
from phuxanh.cli.common import password_from

Database = Annotated[
    str | None, typer.Option("--database", help="database URL (default: DATABASE_URL)")
]
Admin = Annotated[str, typer.Option("--as", help="the admin who does it")]


def add_user_commands(user_app: typer.Typer) -> None:
    """Register disable, enable and reset-password under `phuxanh user`."""

    @user_app.command("disable")
    def user_disable(
        username: Annotated[str, typer.Argument()],
        actor: Admin,
        database: Database = None,
    ) -> None:
        """Disable a user: no more sign-in, and every session of theirs ends at once."""
        from phuxanh.core.auth import disable_user
        from phuxanh.core.db import session_scope

        with session_scope(jobs.engine(database)) as session:
            ended = disable_user(session, username=username, actor=actor)
        typer.echo(f"user {username} disabled ({ended} session{'s' if ended != 1 else ''} ended)")

    @user_app.command("enable")
    def user_enable(
        username: Annotated[str, typer.Argument()],
        actor: Admin,
        database: Database = None,
    ) -> None:
        """Let a disabled user sign in again."""
        from phuxanh.core.auth import enable_user
        from phuxanh.core.db import session_scope

        with session_scope(jobs.engine(database)) as session:
            enable_user(session, username=username, actor=actor)
        typer.echo(f"user {username} enabled")

    @user_app.command("reset-password")
    def user_reset_password(
        username: Annotated[str, typer.Argument()],
        actor: Admin,
        password_env: Annotated[
            str | None, typer.Option(help="variable holding the new password")
        ] = None,
        database: Database = None,
    ) -> None:
        """Give a user a new password; their sessions end, their failed sign-ins go.

        The password comes from --password-env, else a hidden prompt on a terminal, else
        one is generated and printed once (it is stored only as an argon2 hash).
        """
        from phuxanh.core.auth import reset_password
        from phuxanh.core.db import session_scope

        password, generated = password_from(password_env, prompt="new password")
        with session_scope(jobs.engine(database)) as session:
            ended = reset_password(session, username=username, password=password, actor=actor)
        typer.echo(
            f"password of {username} reset ({ended} session{'s' if ended != 1 else ''} ended)"
        )
        if generated:
            typer.echo(f"password (shown once, not stored): {password}")

    @user_app.command("languages")
    def user_languages(
        username: Annotated[str, typer.Argument()],
        langs: Annotated[
            str,
            typer.Option("--set", help="the languages they review, comma-separated: ko,en"),
        ],
        actor: Admin,
        database: Database = None,
    ) -> None:
        """Set the content languages a person reads well enough to review translations
        into (an empty --set "" takes them all away)."""
        from phuxanh.catalog.translations import set_languages
        from phuxanh.core.db import session_scope

        chosen = [code.strip() for code in langs.split(",") if code.strip()]
        with session_scope(jobs.engine(database)) as session:
            person = set_languages(session, username=username, langs=chosen, actor=actor)
            shown = ", ".join(person.languages) or "none"
        typer.echo(f"user {username} reviews translations into: {shown}")
