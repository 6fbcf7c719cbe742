"""Information response (Xử lý thông tin): false claims circulating in public and the
office's official answer to each, from `phuxanh.incidents.core`. Open incidents come first,
each with its timer (time from opening to the first clarification live, against its
severity's target; a breach in red), re-read every 30 seconds. One incident in detail: the
claim, the public posts given as evidence (plain links, never embedded), its timeline, the
clarification drafted from the catalog's sourced facts on the channels of one's units (it
goes to the front of the approvers' lists and needs two of them), its items opened in the
review queue, other posts paused on chosen channels, and closing with a note. Official
channels and public links only: no field about a private person."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlmodel import Session, col, select

from dashboard import item_view
from dashboard.common import choice, counted, current_user, hold_for_queue, local, session
from dashboard.i18n import FIELDS, lang, t
from phuxanh import review
from phuxanh.core.errors import PhuxanhError
from phuxanh.core.settings import get_settings
from phuxanh.crud import visible_units
from phuxanh.incidents.core import (
    CLOSERS,
    FACTS_MAX,
    TARGET_MINUTES,
    IncidentRow,
    close_incident,
    draft_clarification,
    incident_rows,
    open_incident,
    pause_for_incident,
    timeline,
)
from phuxanh.models import Channel, ContentItem, Fact, Incident, Unit, User
from phuxanh.publish.pauses import PAUSERS

REFRESH_S = 30  # the timers are re-read this often
SEVERITIES = list(TARGET_MINUTES)  # critical, high, low
BADGE = {"critical": "red", "high": "orange", "low": "blue"}
URL = re.compile(r"https?://[^\s<>]+")
MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>:~$])")
FACT_SHOWN = 90  # characters of a fact's text in the list (its source follows)


def plain(text: str) -> str:
    """`text` for st.markdown, never read as markup (a title is typed by a person)."""
    return MARKUP.sub(r"\\\1", " ".join(text.split()))


def duration(minutes: int) -> str:
    """42 phút · 1 giờ · 1 giờ 05 phút · 2 ngày 3 giờ."""
    minutes = max(0, int(minutes))
    if minutes < 60:
        return t("inc.dur.m", m=minutes)
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return t("inc.dur.h", h=hours) if rest == 0 else t("inc.dur.hm", h=hours, m=f"{rest:02d}")
    days, hours = divmod(hours, 24)
    return t("inc.dur.d", d=days) if hours == 0 else t("inc.dur.dh", d=days, h=hours)


def badge(severity: str) -> str:
    return f":{BADGE.get(severity, 'gray')}-badge[{t(f'inc.sev.{severity}')}]"


st.title(t("inc.title"))
with session() as s:
    user = current_user(s)
    if user is None:  # the session ended during this run
        st.info(t("auth.needed"))
        st.stop()
    seen = visible_units(s, user)
    channels = [
        c
        for c in s.exec(select(Channel).order_by(col(Channel.display_name)))
        if seen is None or c.unit_id in seen
    ]
    today = dt.datetime.now(get_settings().tz).date()
    facts = [  # the facts a clarification may cite: sourced, still valid, fit on the card
        f
        for f in s.exec(select(Fact).order_by(col(Fact.code)))
        if f.is_sourced
        and (f.valid_until is None or f.valid_until >= today)
        and len(f.text_vi) <= 200
    ]
assert user is not None
role, my_id = user.role, user.id
st.caption(t("inc.intro"))
item_view.flash()
# long evidence links wrap instead of widening a phone's page
st.html("<style>.st-key-inc-evidence a{word-break:break-all}</style>")


def _rows(include_closed: bool) -> list[IncidentRow]:
    """The incidents the signed-in person sees, open ones first (then by severity, age)."""
    with session() as s:
        me = current_user(s)
        if me is None:
            return []
        return incident_rows(s, viewer=me, include_closed=include_closed)


def _timer(row: IncidentRow) -> None:
    """One incident's timer: the time since opening against its target (a breach in red);
    once a clarification is live, the time that took."""
    target = duration(row.target_minutes)
    if row.first_live_at is not None:
        took = t("inc.live_after", took=duration(row.elapsed_minutes), target=target)
        if row.breached:
            st.markdown(f":red-badge[{t('inc.breached')}] :red[{took}]")
        else:
            st.markdown(f":green[{took}]")
        return
    if row.status != "open":
        st.caption(t("inc.closed_unanswered", took=duration(row.elapsed_minutes)))
        return
    line = t("inc.elapsed", took=duration(row.elapsed_minutes), target=target)
    if row.breached:
        late = t("inc.late", late=duration(row.elapsed_minutes - row.target_minutes))
        st.markdown(f":red-badge[{t('inc.breached')}] :red[**{line}**] · :red[{late}]")
    elif row.elapsed_minutes * 2 >= row.target_minutes:  # half the time gone
        st.markdown(f":orange[**{line}**]")
    else:
        st.markdown(f"**{line}**")
    if not row.breached:  # the time used of the target; a breach is said in red instead
        st.progress(row.elapsed_minutes / max(1, row.target_minutes))


def _head(row: IncidentRow) -> None:
    state = t("inc.state.open") if row.status == "open" else t("inc.state.closed")
    st.markdown(f"{badge(row.severity)} **#{row.id} · {plain(row.title)}**")
    st.caption(t("inc.meta", state=state, unit=row.unit, owner=row.owner, at=local(row.opened_at)))


@st.fragment(run_every=REFRESH_S)
def board(include_closed: bool) -> None:
    """Every incident one sees (one's unit and the units below it), open ones first, each
    with its timer; this part of the page is read again every REFRESH_S seconds."""
    rows = _rows(include_closed)
    st.subheader(t("inc.open_n", n=sum(r.status == "open" for r in rows)), anchor=False)
    if not rows:
        st.success(t("inc.none"))
        return
    for row in rows:
        with st.container(border=True, key=f"inc-card-{row.id}"):
            _head(row)
            _timer(row)
            if row.items:
                st.caption(t("inc.counts", items=row.items, live=row.live))
    st.caption(t("inc.refresh", s=REFRESH_S))


def _fields() -> dict[str, str]:
    """The inputs a refusal names (the CLI's flags) as this page's forms call them."""
    return {
        **FIELDS[lang()],
        "ID": t("inc.pick"),
        "--as": t("inc.col.who"),
        "--title": t("inc.f.title"),
        "--claim": t("inc.f.claim"),
        "--evidence": t("inc.evidence"),
        "--severity": t("inc.f.severity"),
        "--channel": t("inc.f.channels"),
        "--fact": t("inc.f.facts", n=FACTS_MAX),
        "--text": t("inc.f.text"),
        "--note": t("inc.f.note"),
    }


def _form_n(name: str) -> int:
    """The number of a form: a new, empty form after each success."""
    return int(st.session_state.get(f"inc-n-{name}", 0))


def _act(name: str, do: Callable[[Session, User], Any], said: Callable[[Any], str]) -> Any:
    """`do(session, me)` in one transaction: a refusal is shown in words and nothing is
    kept; a success empties the form and is confirmed after the page is drawn again."""
    with session() as s:
        me = current_user(s)
        if me is None:
            return None
        try:
            done = do(s, me)
            s.commit()
        except PhuxanhError as exc:
            s.rollback()
            st.error(exc.text(lang(), fields=_fields()))
            return None
    st.session_state[f"inc-n-{name}"] = _form_n(name) + 1
    st.session_state["flash"] = said(done)
    return done


def _open_form() -> None:
    """Open an incident: its title, the claim as it circulates, links to public posts as
    evidence, and its severity (which sets the target). The unit is one's own, the owner
    oneself."""
    n = _form_n("open")
    labels = {
        sev: t("inc.sev_target", sev=t(f"inc.sev.{sev}"), target=duration(TARGET_MINUTES[sev]))
        for sev in SEVERITIES
    }
    with st.form(f"inc-open-{n}"):
        title = st.text_input(t("inc.f.title"), max_chars=200, key=f"inc-title-{n}")
        claim = st.text_area(
            t("inc.f.claim"), help=t("inc.f.claim_help"), max_chars=500, key=f"inc-claim-{n}"
        )
        evidence = st.text_area(
            t("inc.f.evidence"), help=t("inc.f.evidence_help"), key=f"inc-evidence-{n}"
        )
        severity = st.selectbox(
            t("inc.f.severity"),
            SEVERITIES,
            format_func=labels.__getitem__,
            key=f"inc-severity-{n}.{lang()}",
        )
        sent = st.form_submit_button(t("inc.f.open"), type="primary")
    if not sent:
        return
    links = [line.strip() for line in evidence.splitlines() if line.strip()]
    wrong = [line for line in links if not URL.fullmatch(line)]
    if not title.strip():
        st.error(t("inc.need_title"))
    elif not claim.strip():
        st.error(t("inc.need_claim"))
    elif wrong:
        st.error(t("inc.not_links", lines="\n".join(wrong)))
    else:
        made = _act(
            "open",
            lambda s, me: open_incident(
                s,
                title=title,
                claim=claim,
                evidence=links,
                severity=str(severity),
                actor=me.username,
            ),
            lambda made: t("inc.opened", id=made.id),
        )
        if made is not None:
            st.session_state["inc-pick"] = made.id  # the new incident, in detail below
            for code in ("vi", "en"):
                st.session_state.pop(f"inc-pick.{code}", None)
            st.rerun()


with st.expander(t("inc.new"), icon=":material/add_alert:"):
    _open_form()

show_closed = st.toggle(t("inc.show_closed"), key="inc-closed")
board(show_closed)

rows = _rows(show_closed)
if not rows:
    st.stop()
by_id = {r.id: r for r in rows}
st.subheader(t("inc.detail"), anchor=False)
picked = choice(
    st,
    t("inc.pick"),
    list(by_id),
    name="inc-pick",
    format_func=lambda i: f"#{i} · {by_id[i].title}",
)
row = by_id[picked]
with session() as s:
    incident = s.get(Incident, row.id)
    assert incident is not None
    unit = s.get(Unit, incident.unit_id)
    item_ids = [
        i or 0
        for i in s.exec(
            select(ContentItem.id)
            .where(ContentItem.incident_id == row.id)
            .order_by(col(ContentItem.id))
        )
    ]
    steps = timeline(s, incident_id=row.id)
by_code = {c.code: c for c in channels}
channel_labels = {code: f"{c.display_name} · {c.platform}" for code, c in by_code.items()}


def _fact_label(fact: Fact) -> str:
    text = " ".join((fact.text_vi if lang() == "vi" else fact.text_en).split())
    text = text if len(text) <= FACT_SHOWN else text[: FACT_SHOWN - 1].rstrip() + "…"
    source = ", ".join(part for part in (fact.source_title, fact.source_number) if part)
    return t("inc.fact", text=text, source=source)


fact_labels = {f.code: _fact_label(f) for f in facts}


def _evidence(urls: list[str]) -> None:
    """The public posts given as evidence: plain links, never embedded or fetched."""
    st.markdown(f"**{t('inc.evidence')}**")
    if not urls:
        st.caption(t("inc.no_evidence"))
        return
    box = st.container(key="inc-evidence")
    for url in urls:
        if URL.fullmatch(url):
            box.markdown(f"- <{url}>")
        else:
            box.text(url)


def _timeline() -> None:
    st.markdown(f"**{t('inc.timeline')}**")
    st.dataframe(
        [
            {
                t("inc.col.at"): local(step.at),
                t("inc.col.step"): t(f"inc.step.{step.what}"),
                t("inc.col.who"): step.who or "—",
                t("inc.col.ref"): step.ref or "",
            }
            for step in steps
        ],
        hide_index=True,
        width="stretch",
    )


def _draft_form(incident_id: int) -> None:
    """The clarification: on chosen channels of one's units, citing chosen facts of the
    catalog (each with its source), with an optional paragraph of one's own; it goes to
    the front of the approvers' lists and needs two of them."""
    if role not in review.SUBMITTERS:
        st.info(t("inc.draft_who"))
        return
    if not by_code:
        st.info(t("inc.no_channels"))
        return
    if unit is not None and not (unit.spokesperson and unit.spokesperson_title and unit.hotline):
        st.warning(t("inc.no_spokesperson", unit=unit.name, code=unit.code))
    name = f"draft-{incident_id}"
    n = _form_n(name)
    with st.form(f"inc-draft-{incident_id}-{n}"):
        chosen = st.multiselect(
            t("inc.f.channels"),
            list(by_code),
            format_func=channel_labels.__getitem__,
            placeholder=t("inc.choose"),
            key=f"inc-channels-{incident_id}-{n}",
        )
        cited = st.multiselect(
            t("inc.f.facts", n=FACTS_MAX),
            list(fact_labels),
            format_func=fact_labels.__getitem__,
            placeholder=t("inc.choose"),
            max_selections=FACTS_MAX,
            help=t("inc.f.facts_help"),
            key=f"inc-facts-{incident_id}-{n}.{lang()}",
        )
        text = st.text_area(
            t("inc.f.text"),
            help=t("inc.f.text_help"),
            max_chars=1000,
            key=f"inc-text-{incident_id}-{n}",
        )
        sent = st.form_submit_button(t("inc.f.draft"), type="primary")
    if not sent:
        return
    if not chosen:
        st.error(t("inc.need_channel"))
    elif not cited:
        st.error(t("inc.need_fact"))
    elif _act(
        name,
        lambda s, me: draft_clarification(
            s,
            incident_id=incident_id,
            actor=me.username,
            channel_codes=list(chosen),
            fact_codes=list(cited),
            text=text.strip() or None,
        ),
        lambda made: t("inc.drafted", ids=", ".join(f"#{i.id}" for i in made)),
    ):
        st.rerun()


def _pause_form(incident_id: int) -> None:
    """Hold the other posts of chosen channels while the incident is open (the
    clarification still goes out); they go out again when it is closed."""
    if role not in PAUSERS:
        st.info(t("inc.pause_who"))
        return
    name = f"pause-{incident_id}"
    n = _form_n(name)
    with st.form(f"inc-pause-{incident_id}-{n}"):
        chosen = st.multiselect(
            t("inc.f.pause_channels"),
            list(by_code),
            format_func=channel_labels.__getitem__,
            placeholder=t("inc.choose"),
            help=t("inc.f.pause_help"),
            key=f"inc-pause-channels-{incident_id}-{n}",
        )
        sent = st.form_submit_button(t("inc.f.pause"))
    if not sent:
        return
    if not chosen:
        st.error(t("inc.need_channel"))
    elif _act(
        name,
        lambda s, me: pause_for_incident(
            s, incident_id=incident_id, channel_codes=list(chosen), actor=me.username
        ),
        lambda _: counted("inc.paused", len(chosen)),
    ):
        st.rerun()


def _close_form(incident_id: int, owner_id: int) -> None:
    """Close with a note on how it ended: its owner, or an approver, manager or admin."""
    if my_id != owner_id and role not in CLOSERS:
        st.info(t("inc.close_who"))
        return
    name = f"close-{incident_id}"
    n = _form_n(name)
    with st.form(f"inc-close-{incident_id}-{n}"):
        note = st.text_area(
            t("inc.f.note"),
            help=t("inc.f.note_help"),
            max_chars=2000,
            key=f"inc-note-{incident_id}-{n}",
        )
        sent = st.form_submit_button(t("inc.f.close"))
    if not sent:
        return
    if not note.strip():
        st.error(t("inc.need_note"))
    elif _act(
        name,
        lambda s, me: close_incident(s, incident_id=incident_id, actor=me.username, note=note),
        lambda _: t("inc.closed", id=incident_id),
    ):
        st.rerun()


with st.container(border=True, key="inc-detail"):
    _head(row)
    st.markdown(f"**{t('inc.claim')}**")
    st.text(row.claim)  # as circulated: never read as markup
    _evidence(list(incident.evidence))
    st.markdown(f"**{t('inc.items')}**")
    if not item_ids:
        st.caption(t("inc.no_items"))
    else:
        st.caption(t("inc.counts", items=row.items, live=row.live))
        bar = st.container(horizontal=True, key="inc-items")
        for item_id in item_ids:
            if bar.button(
                t("inc.open_item", id=item_id),
                key=f"inc-item-{item_id}",
                icon=":material/open_in_new:",
                on_click=hold_for_queue,
                args=(item_id,),
            ):
                st.switch_page("app_pages/queue.py")
    _timeline()
    if incident.close_note:
        st.markdown(f"**{t('inc.note')}**")
        st.text(incident.close_note)
if row.status == "open":
    draft, pause, close = st.tabs([t("inc.tab.draft"), t("inc.tab.pause"), t("inc.tab.close")])
    with draft:
        _draft_form(row.id)
    with pause:
        _pause_form(row.id)
    with close:
        _close_form(row.id, incident.owner_id)
