"""`phuxanh catalog translate` and `phuxanh translation list|set|review`: the catalog's
texts in other languages, drafted (by the writing assistant when it is configured, labelled
machine-drafted; else empty, for a person), edited, and reviewed by a person who reads the
language (see phuxanh/catalog/translations.py). `phuxanh user languages` gives someone a
language (phuxanh/cli/users.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from phuxanh import jobs
from phuxanh.cli.common import ROW_ID_MAX
from phuxanh.cli.common import print_json as _print

if TYPE_CHECKING:
    from phuxanh.catalog.translations import Translate

Database = Annotated[
    str | None, typer.Option("--database", help="database URL (default: DATABASE_URL)")
]
Lang = Annotated[str, typer.Option("--lang", help="a content language (content/languages.yaml)")]
Actor = Annotated[str, typer.Option("--as", help="who does it (kept in the audit log)")]
TranslationId = Annotated[int, typer.Argument(metavar="ID", min=1, max=ROW_ID_MAX)]

translation_app = typer.Typer(
    help="Translations of the catalog: list, write, review.", no_args_is_help=True
)


def _assistant_translate(notes: list[str]) -> Translate | None:
    """The writing assistant as a translator (None when it is not configured); a failure
    leaves that text's draft empty for a person and is noted."""
    from phuxanh.catalog.languages import supported
    from phuxanh.compose.assistant import Assistant, AssistantUnavailable
    from phuxanh.core.settings import get_settings

    assistant = Assistant.from_settings(get_settings())
    if assistant is None:
        return None

    def translate(text: str, lang: str) -> str | None:
        known = supported().get(lang)
        try:
            return assistant.translate(text, target=known.name_vi if known else lang)
        except AssistantUnavailable as exc:
            notes.append(str(exc))
            return None

    return translate


def add_translate_command(catalog_app: typer.Typer) -> None:
    """Register `catalog translate`."""

    @catalog_app.command("translate")
    def catalog_translate(
        lang: Lang,
        theme: Annotated[str | None, typer.Option(help="one theme's texts only")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
        database: Database = None,
    ) -> None:
        """Write a draft for every catalog text LANG lacks (titles, key messages, slogans,
        facts): the writing assistant's when it is configured (labelled machine-drafted),
        else an empty one for a person. None is used until someone who reads LANG reviews
        it (`phuxanh translation review`)."""
        from phuxanh.catalog.translations import draft_missing, original_of
        from phuxanh.core.db import session_scope

        notes: list[str] = []
        with session_scope(jobs.engine(database)) as session:
            done = draft_missing(
                session, lang=lang, theme=theme, translate=_assistant_translate(notes)
            )
            rows = [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "ref": r.ref,
                    "machine_drafted": r.machine_drafted,
                    "original": (o.vi if (o := original_of(session, r)) else ""),
                    "text": r.text,
                }
                for r in done.made
            ]
        notes = list(dict.fromkeys(notes))
        if as_json:
            _print(
                {
                    "lang": lang,
                    "drafted": len(rows),
                    "machine_drafted": done.machine,
                    "already": done.already,
                    "drafts": rows,
                    "notes": notes,
                }
            )
            return
        typer.echo(
            f"{lang}: {len(rows)} draft{'s' if len(rows) != 1 else ''} written "
            f"({done.machine} by the writing assistant, {len(rows) - done.machine} empty for "
            f"a person); {done.already} had one already"
        )
        for note in notes:
            typer.echo(f"note: {note}")
        if rows:
            typer.echo(
                f"next: phuxanh translation list --lang {lang} --status draft, then "
                "translation set / translation review"
            )


@translation_app.command("list")
def translation_list(
    lang: Lang,
    status: Annotated[str | None, typer.Option(help="draft|reviewed")] = None,
    theme: Annotated[str | None, typer.Option(help="one theme's texts only")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    database: Database = None,
) -> None:
    """The translations into LANG, each beside its original."""
    from phuxanh.catalog.translations import describe, list_translations, original_of
    from phuxanh.core.db import session_scope

    with session_scope(jobs.engine(database)) as session:
        rows = []
        for row in list_translations(session, lang=lang, status=status, theme=theme):
            original = original_of(session, row)
            rows.append(describe(row) | {"original": original.vi if original else None})
    if as_json:
        _print(rows)
        return
    if not rows:
        typer.echo(f"no {status + ' ' if status else ''}translations into {lang}")
    for r in rows:
        machine = ", machine-drafted" if r["machine_drafted"] else ""
        typer.echo(f"{r['id']}  {r['kind']} {r['ref']}  [{r['status']}{machine}]")
        typer.echo(f"    vi: {r['original'] or '(no longer in the catalog)'}")
        typer.echo(f"    {lang}: {r['text'] or '(empty: to write)'}")


@translation_app.command("set")
def translation_set(
    translation_id: TranslationId,
    text: Annotated[str, typer.Option("--text", help="the translation")],
    actor: Actor,
    database: Database = None,
) -> None:
    """Write or correct a translation; a reviewed one goes back to draft."""
    from phuxanh.catalog.translations import set_text
    from phuxanh.core.db import session_scope

    with session_scope(jobs.engine(database)) as session:
        row = set_text(session, translation_id=translation_id, text=text, actor=actor)
        typer.echo(
            f"translation {row.id} ({row.kind} {row.ref}, {row.lang}) saved as a draft: "
            f"someone else who reads {row.lang} reviews it"
        )


@translation_app.command("review")
def translation_review(
    translation_id: TranslationId,
    actor: Actor,
    database: Database = None,
) -> None:
    """Mark a translation reviewed (usable in public content): only by a user who reads
    its language, never by the person who wrote it last."""
    from phuxanh.catalog.translations import review
    from phuxanh.core.db import session_scope

    with session_scope(jobs.engine(database)) as session:
        row = review(session, translation_id=translation_id, actor=actor)
        typer.echo(f"translation {row.id} ({row.kind} {row.ref}, {row.lang}) reviewed")
