"""Shared by the dashboard pages: the engine (cached), signing in and the signed-in user,
formatting, counts in words and paging."""

from __future__ import annotations

import datetime as dt
import html
import json
import time
from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard import web
from dashboard.i18n import STRINGS, error, lang, t, word
from phuxanh.core import auth
from phuxanh.core.db import make_engine, normalise_url
from phuxanh.core.errors import PermissionDenied
from phuxanh.core.settings import get_settings
from phuxanh.crud import Page, visible_units
from phuxanh.models import Unit, User


@st.cache_resource
def _engine(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    """One engine per database URL for the whole server (cached across reruns)."""
    return _engine(normalise_url(get_settings().database_url))


def session() -> Session:
    return Session(engine(), expire_on_commit=False)


def local(when: dt.datetime | None) -> str:
    """dd/mm/yyyy HH:MM in the office's time zone."""
    return when.astimezone(get_settings().tz).strftime("%d/%m/%Y %H:%M") if when else "—"


# what a tab keeps across a change of person: the language only (filters reset per user)
KEEP = ("lang",)
HAND_OFF_WAIT_S = 5.0


def client() -> str:
    """Who is asking, for throttling: the browser's address ("local" on this machine, or
    behind a proxy on it that does not pass the address on)."""
    address = st.context.ip_address
    return address if isinstance(address, str) and address else "local"


def current_user(s: Session) -> User | None:
    """The signed-in user, re-read each run: a session that ended (signed out in another
    tab, expired, the user disabled) loses access at once."""
    session_id = st.session_state.get("px_session")
    if session_id is None:
        return None
    found = auth.session_user(s, session_id=int(session_id))
    return found[1] if found is not None else None


def sso_configured() -> bool:
    """True when `.streamlit/secrets.toml` has an `[auth]` section (OIDC via `st.login`)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _new_person(session_id: int | None = None, username: str | None = None) -> None:
    """Forget what the previous person left in this tab (filters, choices, forms), keep
    the language, and hold the new session (if any)."""
    for key in list(st.session_state.keys()):
        if key not in KEEP:
            del st.session_state[key]
    if session_id is not None and username is not None:
        st.session_state["px_session"] = session_id
        st.session_state["username"] = username


def _sso_sign_in(s: Session) -> User | None:
    """After the provider's redirect: map its verified e-mail to a phuxanh user, or refuse
    (once per address and tab, not on every rerun)."""
    info = st.user
    email = str(info.get("email") or "")
    if not info.get("is_logged_in") or st.session_state.get("px_sso_refused") == email:
        return None
    try:
        user = auth.sso_sign_in(
            s, email=email, verified=bool(info.get("email_verified", True)), client=client()
        )
    except PermissionDenied as exc:
        st.session_state["px_sso_refused"] = email
        st.session_state["auth_error"] = error(exc)
        return None
    started = auth.start_session(s, user=user, client=client(), method="sso", lang=lang())
    s.commit()
    _new_person(started.session_id, user.username)
    st.session_state["px_handoff"] = started.handoff
    return user


def signed_in() -> User | None:
    """Who is signed in on this tab, decided before anything is drawn: the session this
    tab holds, else the one the browser's cookie names (a reload), else the office's single
    sign-on. None: the tab shows the sign-in form and nothing else."""
    with session() as s:
        session_id = st.session_state.get("px_session")
        if session_id is not None:
            found = auth.session_user(s, session_id=int(session_id))
            if found is not None:
                return found[1]
            _new_person()  # ended elsewhere: signed out in another tab, expired, disabled
        token = web.cookie_token(st.context.cookies)
        if token and st.session_state.get("px_dead") != auth.sha256(token):
            found = auth.session_user(s, token=token)
            if found is not None:
                row, user = found
                assert row.id is not None
                _new_person(row.id, user.username)
                if row.lang in ("vi", "en"):
                    st.session_state["lang"] = row.lang
                return user
            st.session_state["px_dead"] = auth.sha256(token)  # ended: clear it, once
            st.session_state["px_clear_cookie"] = True
        if sso_configured():
            return _sso_sign_in(s)
    return None


def _attempt() -> None:
    """The sign-in form's submit (a callback, so it runs before the page is drawn again):
    sign in and start a session, or keep the refusal to show. The password is dropped
    from the tab's state either way."""
    username = str(st.session_state.get("auth_user") or "")
    password = str(st.session_state.get("auth_password") or "")
    st.session_state["auth_password"] = ""
    with session() as s:
        try:
            user = auth.authenticate(s, username=username, password=password, client=client())
        except PermissionDenied as exc:
            st.session_state["auth_error"] = error(exc)
            return
        started = auth.start_session(s, user=user, client=client(), lang=lang())
        s.commit()
    _new_person(started.session_id, user.username)
    st.session_state["px_handoff"] = started.handoff


def _post(path: str, body: str = "") -> None:
    """Have the page POST to one of the dashboard's own routes (dashboard/web.py); the
    answer sets or clears the HttpOnly cookie, which no script can touch."""
    url = json.dumps(web.base_path() + path)
    st.html(
        f"<script>fetch({url}, {{method: 'POST', body: {json.dumps(body)}, "
        "credentials: 'same-origin', headers: {'Content-Type': 'text/plain'}})</script>",
        unsafe_allow_javascript=True,
    )


def language_switch(where: Any) -> None:
    """Tiếng Việt / English; kept with the session, so a reload keeps it. Drawn by the main
    script (not a page): a widget belongs to the page that draws it, and this one must keep
    its value when the pages change at signing in and out."""
    where.radio(
        t("app.lang"),
        ["vi", "en"],
        key="lang",
        horizontal=True,
        format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code],
        on_change=_keep_lang,
    )


def _keep_lang() -> None:
    session_id = st.session_state.get("px_session")
    if session_id is not None:
        with session() as s:
            auth.set_lang(s, int(session_id), lang())
            s.commit()


def sign_in_page() -> None:
    """The sign-in form: with the title and the language switch (drawn by the main script,
    so the switch is the same widget signed in or out), the only thing a signed-out
    visitor sees, whatever address of the desk they open."""
    if st.session_state.pop("px_clear_cookie", False):
        _post(web.SIGN_OUT_PATH)
    with st.form("sign_in"):
        st.subheader(t("auth.title"), anchor=False)
        st.text_input(t("auth.user"), key="auth_user", autocomplete="username")
        st.text_input(
            t("auth.password"),
            type="password",
            key="auth_password",
            autocomplete="current-password",
        )
        st.form_submit_button(t("auth.sign_in"), on_click=_attempt, type="primary")
    refusal = st.session_state.pop("auth_error", None)
    if refusal:
        st.error(refusal)
    if sso_configured() and st.button(t("auth.sso"), key="sso"):
        st.login()
    st.caption(t("auth.keys"))


def hand_off() -> None:
    """Right after a sign-in, before any page of the office is drawn, the browser gets its
    cookie (the desk's cards and downloads are served only to a browser that has it): the
    page posts the session's hand-off code, and this run waits (a few seconds at most)
    until the dashboard's route has traded it, then draws the page. Without a browser
    (AppTest) there is no cookie to wait for."""
    handoff = st.session_state.pop("px_handoff", None)
    session_id = st.session_state.get("px_session")
    if not handoff or session_id is None or not isinstance(st.context.headers.get("host"), str):
        return
    _post(web.SESSION_PATH, str(handoff))
    deadline = time.monotonic() + HAND_OFF_WAIT_S
    while time.monotonic() < deadline:
        with session() as s:
            if not auth.handoff_pending(s, int(session_id)):
                break
        time.sleep(0.05)
    st.rerun()


# who is signed in, at the top of every page on a phone (where the sidebar is folded away);
# hidden on a wider screen, which shows the sidebar's line instead
WHO_STYLE = (
    "<style>.px-who{font-size:.85rem;color:#4b5563}"
    "@media (min-width:768px){[data-testid=stElementContainer]:has(.px-who){display:none}}"
    "</style>"
)


def sidebar_account(user: User) -> None:
    """Who is signed in, and signing out (this tab's session ends at once, and the page
    clears the cookie). On a phone the sidebar is folded away, so the user and their role
    are also shown at the top of the page (in other words than the sidebar's line)."""
    session_id = st.session_state.get("px_session")
    role = word(str(user.role))
    st.sidebar.caption(t("auth.as", who=user.username, role=role))
    st.html(
        f'<div class="px-who">{html.escape(user.username)} · {html.escape(role)}</div>' + WHO_STYLE
    )
    if st.sidebar.button(t("auth.sign_out"), key="sign_out"):
        if session_id is not None:
            with session() as s:
                auth.end_session(s, session_id=int(session_id))
                s.commit()
        _new_person()
        st.session_state["px_clear_cookie"] = True
        if sso_configured() and st.user.get("is_logged_in"):
            st.logout()
        st.rerun()


def choice(
    where: Any,
    label: str,
    options: list[Any],
    *,
    name: str,
    format_func: Callable[[Any], str],
    radio: bool = False,
) -> Any:
    """A selectbox (or radio) whose choice survives the language switch.

    Streamlit keeps a keyed widget's choice as its *formatted* label, so a label that
    changes language would no longer match any option; each language gets its own widget
    (`name.vi`, `name.en`) and the choice itself is kept under `name`.
    """
    previous = st.session_state.get(name)
    index = options.index(previous) if previous in options else 0
    key = f"{name}.{lang()}"
    labels = {option: format_func(option) for option in options}  # fixed for this language
    if radio:
        value = where.radio(
            label, options, index=index, key=key, format_func=labels.__getitem__, horizontal=True
        )
    else:
        value = where.selectbox(
            label, options, index=index, key=key, format_func=labels.__getitem__
        )
    st.session_state[name] = value
    return value


def counted(key: str, n: int, **values: Any) -> str:
    """The string `key` for `n` things: `key.one` when n is 1 and the language has that
    form ("1 item", not "1 items"), else `key`."""
    one = f"{key}.one"
    return t(one if n == 1 and one in STRINGS[lang()] else key, n=n, **values)


def _turn(key: str, to: int) -> None:
    st.session_state[key] = to


def pager(found: Page[Any], *, key: str, line: str) -> None:
    """Previous and next under a list that fills more than one page, and where it stands
    (`line`: a string with page, pages, first and last). The page number is kept in the
    tab's state under `key` (from 1); the query clamps it, so a list that shrank shows
    its last page."""
    if found.pages <= 1:
        return
    st.caption(
        t(
            line,
            page=found.number,
            pages=found.pages,
            first=found.offset + 1,
            last=found.offset + len(found.rows),
        )
    )
    row = st.container(horizontal=True, key=f"{key}-bar")
    row.button(
        t("queue.prev"),
        key=f"{key}-prev",
        icon=":material/chevron_left:",
        disabled=found.number <= 1,
        on_click=_turn,
        args=(key, found.number - 1),
    )
    row.button(
        t("queue.next"),
        key=f"{key}-next",
        icon=":material/chevron_right:",
        icon_position="right",
        disabled=found.number >= found.pages,
        on_click=_turn,
        args=(key, found.number + 1),
    )


def reset_page_when(key: str, *what: Any) -> int:
    """The page number kept under `key`, back to 1 when `what` (the filters) changed since
    the last run: a new search starts on its first page."""
    signature = repr(what)
    if st.session_state.get(f"{key}-filters") != signature:
        st.session_state[f"{key}-filters"] = signature
        st.session_state[key] = 1
    return int(st.session_state.get(key, 1))


def unit_options(s: Session, user: User | None) -> dict[str, str]:
    """The units `user` may choose on a page, code: name (their unit and the units below
    it; an admin every unit), led by "" (all of them) only when that is every unit."""
    if user is None:
        return {}
    everything = list(s.exec(select(Unit).order_by(col(Unit.name))))
    seen = visible_units(s, user)
    mine = {u.code: u.name for u in everything if seen is None or u.id in seen}
    return {"": t("queue.all"), **mine} if len(mine) == len(everything) else mine


def unit_filter(s: Session, user: User, *, name: str) -> str:
    """A page's unit filter: the units `user` may choose (`unit_options`), "all" first
    (everything one sees, as before a unit is chosen), then one's own unit, then the rest;
    the code chosen ("" for all)."""
    units = unit_options(s, user)
    own = s.get(Unit, user.unit_id)
    order = sorted(units, key=lambda code: (code != "", own is None or code != own.code))
    return str(choice(st, t("queue.unit"), order, name=name, format_func=units.__getitem__))


def hold_for_queue(item_id: int) -> None:
    """A button's callback before the review queue opens `item_id` (the queue shows the
    item held in `open_item`). A page switched to from a script starts without the widgets'
    states, so the language is held as a value of its own here, where the switch's widget
    is still set, or the queue would open in Vietnamese."""
    st.session_state["open_item"] = item_id
    st.session_state["lang"] = lang()
