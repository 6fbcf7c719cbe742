"""Translations (Bản dịch): the catalog's texts in the other content languages, each
beside its original (the Vietnamese, and the catalog's own English), by language, theme and
status. A person writes or corrects a translation (`translations.set_text`: it becomes
theirs, a draft again even if it was reviewed) and marks one reviewed
(`translations.review`): only a person whose profile lists the language, never the last
person who wrote it; the page says why to anyone else. Only a reviewed translation is ever
posted (phuxanh/catalog/translations.py); each step is in the audit log.

Drawn one translation at a time, original above the translation on a phone and beside it
on a wider screen, ten to a page."""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlmodel import col, select

from dashboard import item_view
from dashboard.common import choice, counted, current_user, local, pager, reset_page_when, session
from dashboard.i18n import error, lang, t
from phuxanh.catalog import translations
from phuxanh.catalog.languages import CATALOG, supported
from phuxanh.core.errors import PhuxanhError
from phuxanh.crud import Page
from phuxanh.models import Theme, Translation, User

SIZE = 10


def _save(row_id: int, key: str) -> None:
    """The translator's words for translation `row_id` (a draft again, theirs)."""
    with session() as s:
        me = current_user(s)
        if me is None:
            return
        try:
            translations.set_text(
                s,
                translation_id=row_id,
                text=str(st.session_state.get(key) or ""),
                actor=me.username,
            )
            s.commit()
        except PhuxanhError as exc:
            s.rollback()
            st.session_state["tr-error"] = error(exc)
            return
    st.session_state["flash"] = t("tr.saved", id=row_id)


def _review(row_id: int) -> None:
    with session() as s:
        me = current_user(s)
        if me is None:
            return
        try:
            translations.review(s, translation_id=row_id, actor=me.username)
            s.commit()
        except PhuxanhError as exc:
            s.rollback()
            st.session_state["tr-error"] = error(exc)
            return
    st.session_state["flash"] = t("tr.reviewed_now", id=row_id)


st.title(t("tr.title"))
languages = {code: x for code, x in supported().items() if code != "vi"}
with session() as s:
    user = current_user(s)
    if user is None:  # the session ended during this run
        st.info(t("auth.needed"))
        st.stop()
    themes = list(s.exec(select(Theme).order_by(col(Theme.code))))
    having = set(s.exec(select(Translation.lang).distinct()))
assert user is not None
reads = [code for code in user.languages if code in languages]
item_view.flash()
refused = st.session_state.pop("tr-error", None)
if refused:
    st.error(refused)
st.caption(t("tr.intro"))

# the language first: the one the person reads (not the catalog's own), else one with texts
order = sorted(
    languages,
    key=lambda code: (code not in reads or code in CATALOG, code not in having),
)
chosen = str(
    choice(
        st,
        t("tr.lang"),
        order,
        name="tr_lang",
        format_func=lambda code: f"{languages[code].name(lang())} · {languages[code].native}",
    )
)
target = languages[chosen]
# the language's name inside a sentence ("bản dịch tiếng Hàn"; "the Korean translations")
named = target.name(lang())
inside = named[:1].lower() + named[1:] if lang() == "vi" else named
titles = {th.code: th.title_vi if lang() == "vi" else th.title_en for th in themes}
statuses = ["", *translations.STATUSES]
active = sum(bool(st.session_state.get(k)) for k in ("tr_theme", "tr_status"))
with st.expander(
    t("queue.filters_on", n=active) if active else t("queue.filters"),
    icon=":material/filter_list:",
):
    theme = str(
        choice(
            st,
            t("tr.theme"),
            ["", *titles],
            name="tr_theme",
            format_func=lambda code: titles.get(code, t("queue.all")),
        )
    )
    status = str(
        choice(
            st,
            t("tr.status"),
            statuses,
            name="tr_status",
            format_func=lambda code: t(f"tr.status.{code or 'all'}"),
            radio=True,
        )
    )

can_review = chosen in user.languages
if not can_review:
    known = supported()
    mine = ", ".join(known[c].name(lang()) if c in known else c for c in user.languages)
    st.info(
        t(
            "tr.cannot_review",
            language=inside,
            mine=mine or t("tr.no_languages"),
            user=user.username,
            codes=",".join([*user.languages, chosen]),
        )
    )

with session() as s:
    rows = translations.list_translations(
        s, lang=chosen, status=status or None, theme=theme or None
    )
    everything = translations.list_translations(s, lang=chosen)
    number = reset_page_when("tr_page", chosen, theme, status)
    pages = max(1, -(-len(rows) // SIZE))
    number = min(number, pages)
    shown = rows[(number - 1) * SIZE : number * SIZE]
    originals = {r.id: translations.original_of(s, r) for r in shown}
    reviewers = {
        u.id: u.username
        for u in s.exec(
            select(User).where(
                col(User.id).in_([r.reviewed_by_id for r in shown if r.reviewed_by_id])
            )
        )
    }
    theme_of_fact = {
        o.ref: o.theme for o in originals.values() if o is not None and o.kind == "fact"
    }

done = sum(r.status == "reviewed" for r in everything)
st.caption(
    t(
        "tr.summary",
        reviewed=done,
        total=len(everything),
        drafts=len(everything) - done,
        machine=sum(r.machine_drafted and r.status == "draft" for r in everything),
        language=named,
    )
)
if not everything:
    st.info(t("tr.none", code=chosen))
    st.stop()
st.caption(counted("tr.count", len(rows)))
if not rows:
    st.info(t("tr.no_match"))
    st.stop()


def _what(row: Translation) -> str:
    """What the text is, in the desk's language: its kind, its theme, its number or code."""
    kind = t(f"tr.kind.{row.kind}")
    if row.kind == "fact":
        theme_code = theme_of_fact.get(row.ref, "")
        return f"{kind} `{row.ref}` · {titles.get(theme_code, theme_code)}"
    code, _, index = row.ref.partition(":")
    number = f" {int(index) + 1}" if index.isdigit() else ""
    return f"{kind}{number} · {titles.get(code, code)}"


def _badges(row: Translation) -> str:
    out = [
        f":green-badge[{t('tr.status.reviewed')}]"
        if row.status == "reviewed"
        else f":orange-badge[{t('tr.status.draft')}]"
    ]
    if row.machine_drafted:
        out.append(f":violet-badge[{t('tr.machine')}]")
    return " ".join(out)


def _original(where: Any, row: Translation) -> None:
    original = originals.get(row.id)
    where.markdown(f"**{t('tr.original')}**")
    if original is None:
        where.warning(t("tr.gone"))
        return
    where.caption(supported()["vi"].name(lang()))
    where.markdown(original.vi or "—")
    if chosen != "en":
        where.caption(t("tr.catalog_en"))
        where.markdown(original.en or t("tr.no_en"))


for row in shown:
    assert row.id is not None
    box = st.container(border=True, key=f"tr-row-{row.id}")
    box.markdown(f"{_what(row)}  \n{_badges(row)}")
    left, right = box.columns(2)
    _original(left, row)
    right.markdown(f"**{t('tr.translation', language=target.native)}**")
    key = f"tr-text-{row.id}-{row.updated_at.timestamp():.0f}"  # a fresh box after a save
    right.text_area(
        t("tr.text"),
        value=row.text,
        key=key,
        height=120,
        label_visibility="collapsed",
        placeholder=t("tr.empty"),
    )
    if row.status == "reviewed":
        right.caption(
            t(
                "tr.reviewed_by",
                who=reviewers.get(row.reviewed_by_id or 0, "?"),
                at=local(row.reviewed_at),
            )
        )
    elif row.drafted_by:
        by = t("tr.machine") if row.drafted_by == translations.MACHINE else row.drafted_by
        right.caption(t("tr.written_by", who=by))
    buttons = right.container(horizontal=True)
    buttons.button(
        t("tr.save"),
        key=f"tr-save-{row.id}",
        icon=":material/save:",
        help=t("tr.save_help") if row.status == "reviewed" else None,
        on_click=_save,
        args=(row.id, key),
    )
    if not can_review or row.status == "reviewed":
        continue
    if not row.text.strip():
        right.caption(t("tr.write_first"))
    elif not row.machine_drafted and row.drafted_by == user.username:
        right.caption(t("tr.not_own", language=inside))
    else:
        buttons.button(
            t("tr.review"),
            key=f"tr-review-{row.id}",
            type="primary",
            icon=":material/verified:",
            on_click=_review,
            args=(row.id,),
        )

pager(
    Page(rows=tuple(shown), total=len(rows), offset=(number - 1) * SIZE, size=SIZE),
    key="tr_page",
    line="tr.page",
)
