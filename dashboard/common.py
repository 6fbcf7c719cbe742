"""Shared by the dashboard pages: the engine (cached), the signed-in user, formatting."""

from __future__ import annotations

import datetime as dt

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.i18n import t
from phuxanh.db import make_engine, normalise_url
from phuxanh.errors import PermissionDenied
from phuxanh.models import User
from phuxanh.settings import get_settings
from phuxanh.users import authenticate


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


def sidebar_sign_in() -> None:
    with st.sidebar:
        if st.session_state.get("username"):
            st.caption(t("auth.as", who=st.session_state["username"]))
            if st.button(t("auth.sign_out"), key="sign_out"):
                st.session_state.pop("username")
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
                        st.error(str(exc))
                        return
                st.session_state["username"] = user.username
                st.rerun()
