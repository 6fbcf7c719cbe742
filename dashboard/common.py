"""Shared by the dashboard pages: the engine (cached), the signed-in user, formatting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.i18n import error, lang, t, word
from phuxanh.db import make_engine, normalise_url
from phuxanh.errors import PermissionDenied
from phuxanh.models import User
from phuxanh.settings import get_settings
from phuxanh.users import authenticate, sso_user


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


def current_user(s: Session) -> User | None:
    """The signed-in user, re-read each run (a deactivated user loses access at once)."""
    username = st.session_state.get("username")
    if not username:
        return None
    user = s.exec(select(User).where(User.username == username)).first()
    return user if user is not None and user.active else None


def sso_configured() -> bool:
    """True when `.streamlit/secrets.toml` has an `[auth]` section (OIDC via `st.login`)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _sso_sign_in() -> None:
    """After the provider's redirect: map its verified e-mail to a phuxanh user, or refuse."""
    info = st.user
    if not info.get("is_logged_in"):
        return
    with session() as s:
        try:
            user = sso_user(s, email=str(info.get("email") or ""),
                            verified=bool(info.get("email_verified", True)))
        except PermissionDenied as exc:
            st.sidebar.error(error(exc))
            return
    st.session_state["username"] = user.username


def sidebar_sign_in() -> None:
    if not st.session_state.get("username") and sso_configured():
        _sso_sign_in()
    with st.sidebar:
        if st.session_state.get("username"):
            with session() as s:
                user = current_user(s)
            if user is None:
                st.session_state.pop("username")
                st.rerun()
            st.caption(t("auth.as", who=user.username, role=word(str(user.role))))
            if st.button(t("auth.sign_out"), key="sign_out"):
                st.session_state.pop("username")
                if sso_configured() and st.user.get("is_logged_in"):
                    st.logout()
                st.rerun()
            return
        with st.form("sign_in"):
            st.subheader(t("auth.title"))
            username = st.text_input(t("auth.user"), key="auth_user")
            password = st.text_input(t("auth.password"), type="password", key="auth_password")
            if st.form_submit_button(t("auth.sign_in")):
                with session() as s:
                    try:
                        user = authenticate(s, username=username, password=password)
                    except PermissionDenied as exc:
                        st.error(error(exc))
                        return
                st.session_state["username"] = user.username
                st.rerun()
        if sso_configured() and st.button(t("auth.sso"), key="sso"):
            st.login()


def choice(where: Any, label: str, options: list[Any], *, name: str,
           format_func: Callable[[Any], str], radio: bool = False) -> Any:
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
        value = where.radio(label, options, index=index, key=key, format_func=labels.__getitem__,
                            horizontal=True)
    else:
        value = where.selectbox(label, options, index=index, key=key,
                                format_func=labels.__getitem__)
    st.session_state[name] = value
    return value
