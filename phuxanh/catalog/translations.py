"""Catalog texts in other languages: drafted, reviewed by a person who reads the language,
then usable in public content.

What can be translated (`originals`): each theme's title (`title`, ref THEME), key
messages (`message`, THEME:N), slogans (`slogan`, THEME:N) and facts (`fact`, the fact's
code). vi is the original; en is the catalog's own (its columns, treated as reviewed), a
translation filling an English column the catalog left empty; any other language
(content/languages.yaml) exists only as `Translation` rows.

The workflow: `draft_missing` writes a draft for each text a language lacks (the writing
assistant's, labelled machine-drafted, or an empty one for a person); `set_text` edits one
(a reviewed translation goes back to draft); `review` marks it reviewed, only by a user
whose `languages` include it and never by its last editor unless a machine drafted it. Each
step is audited. A translated fact keeps the original fact's source.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from phuxanh.catalog.languages import CATALOG, language
from phuxanh.core import audit
from phuxanh.core.errors import NotFound, PermissionDenied, ValidationFailed
from phuxanh.core.text import control_char
from phuxanh.models import Fact, Role, Theme, Translation, User, utcnow

KINDS = ("fact", "title", "message", "slogan")
STATUSES = ("draft", "reviewed")
MACHINE = "assistant"  # `drafted_by` of a machine draft


@dataclass(frozen=True)
class Original:
    """A catalog text that can be translated, in its own words (vi, and en when the
    catalog has it)."""

    kind: str
    ref: str
    theme: str
    vi: str
    en: str = ""


def _theme_originals(theme: Theme, facts: list[Fact]) -> list[Original]:
    out = [Original("title", theme.code, theme.code, theme.title_vi, theme.title_en)]
    out += [
        Original("message", f"{theme.code}:{i}", theme.code, m.get("vi", ""), m.get("en", ""))
        for i, m in enumerate(theme.key_messages)
    ]
    out += [
        Original("slogan", f"{theme.code}:{i}", theme.code, s) for i, s in enumerate(theme.slogans)
    ]
    out += [Original("fact", f.code, theme.code, f.text_vi, f.text_en) for f in facts]
    return out


def _theme(session: Session, code: str) -> Theme:
    found = session.exec(select(Theme).where(Theme.code == code)).first()
    if found is None:
        raise NotFound(f"--theme: no theme {code!r} in the catalog (phuxanh catalog load)")
    return found


def originals(session: Session, *, theme: str | None = None) -> list[Original]:
    """Every translatable text of the catalog (or of one theme), theme by theme."""
    themes = (
        [_theme(session, theme)]
        if theme is not None
        else list(session.exec(select(Theme).order_by(col(Theme.code))))
    )
    out: list[Original] = []
    for t in themes:
        facts = list(
            session.exec(select(Fact).where(Fact.theme_id == t.id).order_by(col(Fact.code)))
        )
        out += _theme_originals(t, facts)
    return out


def original_of(session: Session, row: Translation) -> Original | None:
    """The catalog text `row` translates (None when the catalog no longer has it)."""
    theme_code = row.ref.split(":", 1)[0]
    if row.kind == "fact":
        fact = session.exec(select(Fact).where(Fact.code == row.ref)).first()
        theme = session.get(Theme, fact.theme_id) if fact is not None else None
        return (
            Original("fact", fact.code, theme.code if theme else "", fact.text_vi, fact.text_en)
            if fact
            else None
        )
    theme = session.exec(select(Theme).where(Theme.code == theme_code)).first()
    if theme is None:
        return None
    return next(
        (o for o in _theme_originals(theme, []) if (o.kind, o.ref) == (row.kind, row.ref)), None
    )


class Texts:
    """The catalog's words in each language a channel needs, or None where there are none
    usable: vi from the catalog; en from the catalog's columns (or a reviewed translation
    where a column is empty); any other language only from a reviewed translation."""

    def __init__(self, session: Session, langs: list[str]) -> None:
        wanted = [lang for lang in langs if lang != "vi"]
        rows: Iterable[Translation] = (
            session.exec(
                select(Translation).where(
                    col(Translation.lang).in_(wanted), Translation.status == "reviewed"
                )
            )
            if wanted
            else []
        )
        self._reviewed = {(r.kind, r.ref, r.lang): r.text for r in rows if r.text.strip()}

    def get(self, kind: str, ref: str, lang: str, own: str | None = None) -> str | None:
        """`own`: the catalog's column in `lang` (vi, en), if any."""
        if lang in CATALOG and own is not None and own.strip():
            return own
        if lang == "vi":
            return None
        return self._reviewed.get((kind, ref, lang))

    def fact(self, fact: Fact, lang: str) -> str | None:
        return self.get("fact", fact.code, lang, {"vi": fact.text_vi, "en": fact.text_en}.get(lang))

    def title(self, theme: Theme, lang: str) -> str | None:
        own = {"vi": theme.title_vi, "en": theme.title_en}.get(lang)
        return self.get("title", theme.code, lang, own)

    def message(self, theme: Theme, index: int, lang: str) -> str | None:
        return self.get(
            "message", f"{theme.code}:{index}", lang, theme.key_messages[index].get(lang)
        )

    def slogan(self, theme: Theme, index: int, lang: str) -> str | None:
        own = theme.slogans[index] if lang == "vi" else None
        return self.get("slogan", f"{theme.code}:{index}", lang, own)


def describe(row: Translation) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "ref": row.ref,
        "lang": row.lang,
        "text": row.text,
        "status": row.status,
        "machine_drafted": row.machine_drafted,
        "drafted_by": row.drafted_by,
        "reviewed_by_id": row.reviewed_by_id,
        "reviewed_at": row.reviewed_at.isoformat() if row.reviewed_at else None,
    }


@dataclass
class Drafted:
    lang: str
    made: list[Translation] = field(default_factory=list)
    machine: int = 0
    already: int = 0  # texts that have a translation in `lang` already (any status)
    notes: list[str] = field(default_factory=list)


Translate = Callable[[str, str], str | None]  # (Vietnamese text, language) -> draft or None


def draft_missing(
    session: Session,
    *,
    lang: str,
    theme: str | None = None,
    translate: Translate | None = None,
    actor: str = "phuxanh",
) -> Drafted:
    """A draft for each catalog text `lang` lacks (of one theme, or all): the assistant's
    through `translate` (labelled machine-drafted), else an empty one for a person."""
    language(lang)
    if lang == "vi":
        raise ValidationFailed(["--lang: vi is the catalog's own language (nothing to translate)"])
    have = {
        (r.kind, r.ref) for r in session.exec(select(Translation).where(Translation.lang == lang))
    }
    done = Drafted(lang)
    for original in originals(session, theme=theme):
        if lang == "en" and original.en.strip():
            continue  # the catalog's own English
        if (original.kind, original.ref) in have:
            done.already += 1
            continue
        text = translate(original.vi, lang) if translate is not None and original.vi else None
        if text is not None and _text_problem(unicodedata.normalize("NFC", text).strip()):
            text = None  # a machine draft that is not plain text: an empty draft instead
        row = Translation(
            kind=original.kind,
            ref=original.ref,
            lang=lang,
            text=unicodedata.normalize("NFC", text or "").strip(),
            machine_drafted=bool(text),
            drafted_by=MACHINE if text else "",
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="translation.draft",
            entity="translation",
            entity_id=row.id,
            detail={"kind": row.kind, "ref": row.ref, "lang": lang, "machine": row.machine_drafted},
        )
        done.made.append(row)
        done.machine += int(row.machine_drafted)
    return done


def _user(session: Session, username: str) -> User:
    found = session.exec(select(User).where(User.username == username)).first()
    if found is None or not found.active:
        raise NotFound(f"--as: {username!r} is not an active phuxanh user")
    return found


def _row(session: Session, translation_id: int) -> Translation:
    row = session.get(Translation, translation_id)
    if row is None:
        raise NotFound(f"ID: no translation {translation_id}")
    return row


def list_translations(
    session: Session, *, lang: str, status: str | None = None, theme: str | None = None
) -> list[Translation]:
    language(lang)
    if status is not None and status not in STATUSES:
        raise ValidationFailed([f"--status: {status!r} (one of: {', '.join(STATUSES)})"])
    query = select(Translation).where(Translation.lang == lang)
    if status is not None:
        query = query.where(Translation.status == status)
    rows = list(session.exec(query.order_by(col(Translation.kind), col(Translation.ref))))
    if theme is not None:
        _theme(session, theme)
        facts = {
            f.code
            for f in session.exec(
                select(Fact)
                .join(Theme, col(Theme.id) == col(Fact.theme_id))
                .where(Theme.code == theme)
            )
        }
        rows = [
            r
            for r in rows
            if (r.ref in facts if r.kind == "fact" else r.ref.split(":", 1)[0] == theme)
        ]
    return rows


TEXT_MAX = 1_000  # a key message is a few sentences; a fact on a card holds 200


def _text_problem(text: str) -> str | None:
    """Why `text` cannot be a translation (it is printed by `translation list` and posted
    once reviewed): a control or bidi character, or more than TEXT_MAX characters."""
    if (bad := control_char(text)) is not None:
        return f"holds a control character (U+{ord(bad):04X}); write plain text"
    if len(text) > TEXT_MAX:
        return f"{len(text)} characters, at most {TEXT_MAX}"
    return None


def set_text(session: Session, *, translation_id: int, text: str, actor: str) -> Translation:
    """A person's words for the translation: it is theirs now, a draft until someone else
    who reads the language reviews it."""
    editor = _user(session, actor)
    row = _row(session, translation_id)
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise ValidationFailed(["--text: empty (write the translation)"])
    if problem := _text_problem(text):
        raise ValidationFailed([f"--text: {problem}"])
    before = {"text": row.text, "status": row.status}
    row.text = text
    row.status = "draft"
    row.machine_drafted = False
    row.drafted_by = editor.username
    row.reviewed_by_id = None
    row.reviewed_at = None
    row.updated_at = utcnow()
    session.add(row)
    audit.record(
        session,
        actor=editor.username,
        action="translation.edit",
        entity="translation",
        entity_id=row.id,
        detail={"kind": row.kind, "ref": row.ref, "lang": row.lang, "before": before},
    )
    return row


def review(
    session: Session, *, translation_id: int, actor: str, now: dt.datetime | None = None
) -> Translation:
    """Mark a translation reviewed: by a user who reads its language, not its last editor
    (a machine draft may be reviewed by anyone who reads it)."""
    reviewer = _user(session, actor)
    row = _row(session, translation_id)
    if row.lang not in reviewer.languages:
        reads = ", ".join(reviewer.languages) or "none on their profile"
        raise PermissionDenied(
            f"{reviewer.username} does not read {row.lang} (their languages: {reads}); "
            f"an admin adds it: phuxanh user languages {reviewer.username} --set "
            f"{','.join([*reviewer.languages, row.lang])} --as ADMIN"
        )
    if row.status == "reviewed":
        raise ValidationFailed([f"ID: translation {row.id} is reviewed already"])
    if not row.text.strip():
        raise ValidationFailed(
            [f"ID: translation {row.id} is empty (write it first: phuxanh translation set)"]
        )
    if not row.machine_drafted and row.drafted_by == reviewer.username:
        raise PermissionDenied(
            f"{reviewer.username} wrote translation {row.id} last: another person who reads "
            f"{row.lang} reviews it"
        )
    row.status = "reviewed"
    row.reviewed_by_id = reviewer.id
    row.reviewed_at = now or utcnow()
    session.add(row)
    audit.record(
        session,
        actor=reviewer.username,
        action="translation.review",
        entity="translation",
        entity_id=row.id,
        detail={
            "kind": row.kind,
            "ref": row.ref,
            "lang": row.lang,
            "machine_drafted": row.machine_drafted,
            "drafted_by": row.drafted_by,
        },
    )
    return row


def set_languages(session: Session, *, username: str, langs: list[str], actor: str) -> User:
    """The languages `username` may review translations into (an admin's act)."""
    admin = _user(session, actor)
    if admin.role != Role.admin:
        raise PermissionDenied(f"{actor} is {admin.role}; only an admin sets a user's languages")
    person = session.exec(select(User).where(User.username == username)).first()
    if person is None:
        raise NotFound(f"user {username!r} does not exist")
    for code in langs:
        language(code, "--set")
    chosen = list(dict.fromkeys(langs))
    before = list(person.languages)
    person.languages = chosen
    session.add(person)
    audit.record(
        session,
        actor=admin.username,
        action="user.languages",
        entity="user",
        entity_id=person.id,
        detail={"username": person.username, "before": before, "after": chosen},
    )
    return person
