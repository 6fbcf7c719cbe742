"""phuxanh dashboard: `phuxanh dashboard` (Streamlit). Reads through `phuxanh.crud`;
actions call the same domain functions as the CLI, which check roles themselves."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only this folder on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.i18n import t  # noqa: E402
from dashboard.web import middleware, routes  # noqa: E402

PAGES = Path(__file__).resolve().parent / "app_pages"
# each page of the desk: its file in app_pages/ (also its address: /calendar …), title, icon
DESK = [
    ("my_work", "work.title", ":material/checklist:"),  # first for everyone; queue opens at /
    ("queue", "nav.queue", ":material/fact_check:"),
    ("incidents", "inc.title", ":material/campaign:"),  # false claims and official answers
    ("calendar", "nav.calendar", ":material/calendar_month:"),
    ("coverage", "nav.coverage", ":material/donut_large:"),
    ("translations", "nav.translations", ":material/translate:"),  # the original beside it
    ("metrics", "nav.metrics", ":material/monitoring:"),
    ("health", "nav.health", ":material/monitor_heart:"),
    ("reports", "nav.reports", ":material/description:"),
    ("network", "nav.network", ":material/account_tree:"),  # units side by side
    ("audit", "nav.audit", ":material/verified_user:"),
]
# pages only some roles see (signed in): file, title, icon, roles
WRITERS = {"editor", "approver", "manager", "admin"}
BY_ROLE = [("compose", "nav.compose", ":material/edit_square:", WRITERS)]


def main() -> None:
    """Decide who is signed in before anything is drawn. Signed out, every address of the
    desk is the sign-in form and nothing else: no page of the office runs, so none of its
    data, menus or downloads reach the browser; after signing in, the same address opens
    the page that was asked for."""
    from dashboard.common import hand_off, language_switch, sidebar_account, sign_in_page, signed_in

    user = signed_in()
    st.set_page_config(
        page_title="phuxanh · TTĐN",
        page_icon=":material/sailing:",
        layout="wide" if user is not None else "centered",
    )
    if user is None:
        st.title(t("auth.heading"), anchor=False)
        language_switch(st)
        st.navigation(
            [
                st.Page(sign_in_page, title=t("auth.title"), url_path=name, default=name == "queue")
                for name in [name for name, _, _ in DESK] + [page[0] for page in BY_ROLE]
            ],
            position="hidden",
        ).run()
        return
    hand_off()
    language_switch(st.sidebar)
    sidebar_account(user)
    pages = [
        st.Page(PAGES / f"{name}.py", title=t(title), icon=icon, default=name == "queue")
        for name, title, icon in DESK
    ]
    pages[1:1] = [
        st.Page(PAGES / f"{name}.py", title=t(title), icon=icon)
        for name, title, icon, roles in BY_ROLE
        if str(user.role) in roles
    ]
    st.navigation(pages).run()


if __name__ == "__main__":  # each browser session runs this file as __main__
    main()
else:
    # `streamlit run` finds this app, serves it with uvicorn and imports this file as a
    # module: Streamlit's routes plus the desk's own, which set and clear the HttpOnly
    # session cookie, and a gate that keeps /media/ to live sessions (dashboard/web.py)
    app = st.App(__file__, routes=routes(), middleware=middleware())
