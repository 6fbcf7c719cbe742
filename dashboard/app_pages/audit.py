"""Audit: every action, hash-chained; the chain's state, the rows the signed-in person may
see (their unit and the units below it; an admin every row) searched and a page at a
time, and those rows as CSV. Each action is named in the interface language
(`audit.action.<code>` in dashboard/strings.py; an unknown code as it is), its code beside
it (what the search matches and the CSV keeps)."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import streamlit as st

from dashboard.common import counted, current_user, local, pager, reset_page_when, session
from dashboard.i18n import STRINGS, lang, t
from phuxanh import crud
from phuxanh.core import audit
from phuxanh.models import Unit

SIZE = 20


def action_label(code: str) -> str:
    """The action in the interface language; a code without a label as it is."""
    return STRINGS[lang()].get(f"audit.action.{code}", code)


st.title(t("audit.title"))
with session() as s:
    user = current_user(s)
    if user is None:  # the session ended during this run
        st.info(t("auth.needed"))
        st.stop()
    scope = None if crud.visible_units(s, user) is None else s.get(Unit, user.unit_id)
    verdict = audit.check(s)
if verdict.intact:
    st.success(t("audit.intact", rows=verdict.rows))
    st.caption(t("audit.head", head=verdict.head))
    if not verdict.key_set:
        st.warning(t("audit.unkeyed"))
elif verdict.bad_row is not None:
    st.error(t("audit.broken", row=verdict.bad_row))
else:
    st.error(t("audit.broken_end", row=verdict.last_id or 0))
if scope is not None:
    st.caption(t("audit.scope", unit=scope.name))
text = st.text_input(t("audit.search"), key="a_text", max_chars=200)
# who and which record: folded away, so that on a phone the log starts on the first screen
active = sum(bool(str(st.session_state.get(k) or "").strip()) for k in ("a_actor", "a_entity"))
with st.expander(
    t("queue.filters_on", n=active) if active else t("queue.filters"),
    key="a_more",
    on_change="rerun",
    icon=":material/filter_list:",
):
    left, right = st.columns(2)
    actor = left.text_input(t("audit.actor"), key="a_actor", max_chars=64)
    entity_id = right.text_input(t("audit.entity_id"), key="a_entity", max_chars=64)
page = reset_page_when("a_page", text, actor, entity_id)
with session() as s:
    found = crud.audit_page(
        s, viewer=user, text=text, actor=actor, entity_id=entity_id, page=page, size=SIZE
    )
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(audit.COLUMNS)
    for row in crud.audit_rows(s, viewer=user, text=text, actor=actor, entity_id=entity_id):
        values = {
            **{name: getattr(row, name) for name in audit.COLUMNS if name not in ("at", "detail")},
            "at": row.at.isoformat(),
            "detail": json.dumps(row.detail, ensure_ascii=False, sort_keys=True),
        }
        writer.writerow([values[name] for name in audit.COLUMNS])
st.caption(counted("audit.count", found.total))
if not found.rows:
    st.info(t("audit.no_match") if text or actor or entity_id else t("audit.empty"))
else:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "#": e.id,
                    t("audit.col.at"): local(e.at),
                    t("audit.col.actor"): e.actor,
                    t("audit.col.action"): action_label(e.action),
                    t("audit.action.code_column"): e.action,
                    t("audit.col.entity"): f"{e.entity} {e.entity_id}",
                    t("audit.col.hash"): (e.after_hash or e.before_hash or "")[:12],
                }
                for e in found.rows
            ]
        ),
        hide_index=True,
        width="stretch",
    )
pager(found, key="a_page", line="audit.page")
st.download_button(
    t("audit.download"),
    buf.getvalue().encode("utf-8-sig"),
    file_name="phuxanh-audit.csv",
    mime="text/csv",
)
