"""Queue: what waits for the signed-in person, in their unit and the units below it (an
admin: every unit). Search the captions, or open an item by its number; filter by status,
unit, theme, channel, dates, language and author; a page at a time (counted and cut in
SQL). Submit, approve, reject (reason), request changes (comment), reschedule; approve the
items of the page at once, after a confirmation, with a count of what each became. Every
action goes through `phuxanh.review`, which checks role and unit itself. An item whose
send is in doubt offers none of them and points at Channel health."""

from __future__ import annotations

import datetime as dt
import re

import streamlit as st
from sqlmodel import col, select

from dashboard import item_view
from dashboard.common import choice, counted, current_user, pager, reset_page_when, session
from dashboard.i18n import error, lang, status, t
from phuxanh import crud, review
from phuxanh.core.errors import Message, PhuxanhError
from phuxanh.core.settings import get_settings
from phuxanh.models import Channel, ContentItem, ItemStatus, Theme, Unit

STATES = [
    "in_review",
    "draft",
    "changes_requested",
    "approved",
    "scheduled",
    "published",
    "rejected",
    "failed",
]
# the statuses each choice matches. "Approved" is every approved item, as on the Coverage
# page: an approval moves the item on to `scheduled` in the same step, so an item is
# never seen in the status `approved` alone
MATCHES: dict[str, tuple[str, ...]] = {"approved": tuple(str(s) for s in crud.DONE)}
SIZES = [10, 20, 50]
ITEM_NUMBER = re.compile(r"#\s*(\d{1,9})")  # "#12": that item (a bare 12 is searched too)
APPROVERS = {str(r) for r in review.APPROVERS}


def status_label(code: str) -> str:
    return t("queue.status.approved") if code == "approved" else status(code)


def _ids(ids: list[int]) -> str:
    return ", ".join(f"#{i}" for i in ids)


def _ask(ids: list[int]) -> None:
    st.session_state["bulk_ids"] = ids


def _cancel() -> None:
    st.session_state.pop("bulk_ids", None)


def _approve_all(ids: list[int]) -> None:
    """Approve each item, each in its own transaction, and keep what became of it:
    approved (scheduled), still waiting for a second approver (a sensitive theme), or
    refused with `phuxanh.review`'s reason."""
    st.session_state.pop("bulk_ids", None)
    approved: list[int] = []
    waiting: list[int] = []
    refused: list[tuple[int, str]] = []
    with session() as s:
        actor = current_user(s)
        if actor is None:
            return
        for item_id in ids:
            item = s.get(ContentItem, item_id)
            if item is None:
                refused.append((item_id, t("queue.gone", id=item_id)))
                continue
            try:
                review.approve(s, item=item, actor=actor)
                s.commit()
            except PhuxanhError as exc:
                s.rollback()
                codes = {line.code for line in exc.lines if isinstance(line, Message)}
                if "item.approved_already" in codes:  # theirs counts; a second one is needed
                    waiting.append(item_id)
                else:
                    refused.append((item_id, error(exc)))
                continue
            (waiting if item.status == ItemStatus.in_review else approved).append(item_id)
    st.session_state["bulk_result"] = (approved, waiting, refused)


def _bulk_result() -> None:
    """What the last "approve the page" did, once."""
    result = st.session_state.pop("bulk_result", None)
    if not result:
        return
    approved, waiting, refused = result
    if approved:
        st.success(counted("queue.bulk_ok", len(approved), ids=_ids(approved)))
    else:
        st.warning(t("queue.bulk_none"))
    if waiting:
        st.info(counted("queue.bulk_waiting", len(waiting), ids=_ids(waiting)))
    if refused:
        lines = "\n".join(f"- #{item_id}: {why}" for item_id, why in refused)
        st.error(counted("queue.bulk_refused", len(refused)) + "\n\n" + lines)


def _more_filters() -> int:
    """How many of the filters in "More filters" are set (read before they are drawn)."""
    n = sum(
        1
        for name in ("f_unit", "f_theme", "f_channel", "f_lang")
        if st.session_state.get(f"{name}.{lang()}", st.session_state.get(name))
    )
    n += bool(st.session_state.get("f_dates"))
    return n + bool(str(st.session_state.get("q_author") or "").strip())


st.title(t("nav.queue"))
item_view.flash()
with session() as s:
    user = current_user(s)
    if user is None:  # the session ended during this run
        st.info(t("auth.needed"))
        st.stop()
    seen = crud.visible_units(s, user)
    unit_query = select(Unit).order_by(col(Unit.id))
    channel_query = select(Channel).order_by(col(Channel.id))
    if seen is not None:
        unit_query = unit_query.where(col(Unit.id).in_(seen))
        channel_query = channel_query.where(col(Channel.unit_id).in_(seen))
    units = {u.code: u.name for u in s.exec(unit_query)}
    own_unit = s.get(Unit, user.unit_id)
    themes = {
        th.code: (th.title_vi if lang() == "vi" else th.title_en) for th in s.exec(select(Theme))
    }
    channels = {c.code: f"{c.platform} · {c.display_name}" for c in s.exec(channel_query)}
role = str(user.role)

linked = st.query_params.get("item")  # a link from an e-mail: ?item=ID (notify/mail.py)
if linked is not None:
    del st.query_params["item"]
    if linked.isdigit() and len(linked) <= 12:
        st.session_state["open_item"] = int(linked)
opened = st.session_state.get("open_item")
if opened is not None:
    st.info(t("queue.open", id=opened))
    if st.button(t("queue.close"), key="close-item"):
        st.session_state.pop("open_item")
        st.rerun()
top = st.columns([1, 2])
chosen_status = choice(top[0], t("queue.status"), STATES, name="f_status", format_func=status_label)
search = top[1].text_input(
    t("queue.search"), key="q_text", placeholder=t("queue.search_hint"), max_chars=200
)
active = _more_filters()
with st.expander(
    t("queue.filters_on", n=active) if active else t("queue.filters"),
    key="q_more",
    on_change="rerun",
    icon=":material/filter_list:",
):
    a, b = st.columns(2)
    chosen_unit = choice(
        a,
        t("queue.unit"),
        ["", *units],
        name="f_unit",
        format_func=lambda u: units.get(u, t("queue.all")),
    )
    chosen_theme = choice(
        b,
        t("queue.theme"),
        ["", *themes],
        name="f_theme",
        format_func=lambda x: themes.get(x, t("queue.all")),
    )
    c, d = st.columns(2)
    chosen_channel = choice(
        c,
        t("queue.channel"),
        ["", *channels],
        name="f_channel",
        format_func=lambda x: channels.get(x, t("queue.all")),
    )
    chosen_lang = choice(
        d,
        t("queue.language"),
        ["", "vi", "en"],
        name="f_lang",
        format_func=lambda x: {"": t("queue.all"), "vi": "Tiếng Việt", "en": "English"}[x],
    )
    e, f, g = st.columns([2, 2, 1])
    dates = e.date_input(t("queue.dates"), value=[], format="DD/MM/YYYY", key="f_dates")
    author = f.text_input(t("queue.author"), key="q_author")
    size = g.selectbox(t("queue.page_size"), SIZES, index=SIZES.index(20), key="q_size")
day_from: dt.date | None = None
day_to: dt.date | None = None
if dates:
    day_from = dates[0]
    day_to = dates[1] if len(dates) > 1 else dates[0]

number = ITEM_NUMBER.fullmatch(search.strip()) if search else None
if opened is not None:  # one item, whatever the other filters say
    where = crud.QueueFilter(item_id=int(opened))
elif number is not None:
    where = crud.QueueFilter(item_id=int(number.group(1)))
else:
    where = crud.QueueFilter(
        statuses=MATCHES.get(chosen_status, (chosen_status,)),
        unit_code=chosen_unit or None,
        theme_code=chosen_theme or None,
        channel_code=chosen_channel or None,
        language=chosen_lang or None,
        day_from=day_from,
        day_to=day_to,
        text=search or None,
        author=author or None,
    )
page = reset_page_when("q_page", where, size)
with session() as s:
    found = crud.queue_page(s, where, viewer=user, page=page, size=size, tz=get_settings().tz)
    # items with a send in doubt are locked: read for the whole page in one query
    doubt = item_view.in_doubt(s, [row.id for row in found.rows])
rows = list(found.rows)
_bulk_result()  # here, where the question was asked (the page keeps its scroll)
st.caption(counted("queue.count", found.total))

ids = [row.id for row in rows]
if (
    role in APPROVERS
    and ids
    and where.item_id is None
    and chosen_status == "in_review"
    and any(row.status == "in_review" for row in rows)
):
    pending = st.session_state.get("bulk_ids")
    if pending is not None and pending != ids:  # the page changed under the question
        _cancel()
        pending = None
    if pending is None:
        st.button(counted("queue.bulk", len(ids)), key="bulk", on_click=_ask, args=(ids,))
    else:
        with st.container(border=True):
            st.warning(counted("queue.bulk_confirm", len(ids), ids=_ids(ids)))
            buttons = st.container(horizontal=True)
            buttons.button(
                counted("queue.bulk_yes", len(ids)),
                key="bulk_yes",
                type="primary",
                on_click=_approve_all,
                args=(ids,),
            )
            buttons.button(t("queue.bulk_no"), key="bulk_no", on_click=_cancel)
if not rows:
    st.info(t("queue.empty"))
for row in rows:
    item_view.show(row, role=role, doubt=doubt.get(row.id, []))
pager(found, key="q_page", line="queue.page")
st.caption(t("auth.keys"))
