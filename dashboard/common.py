"""Shared by the dashboard pages: the engine (cached), time zone and formatting."""

from __future__ import annotations

import datetime as dt

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from phuxanh.db import make_engine, normalise_url
from phuxanh.settings import get_settings


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


STATUS_VI = {
    "planned": "Đã lên lịch",
    "draft": "Bản nháp",
    "in_review": "Chờ duyệt",
    "changes_requested": "Cần sửa",
    "approved": "Đã duyệt",
    "scheduled": "Chờ đăng",
    "published": "Đã đăng",
    "rejected": "Từ chối",
    "failed": "Lỗi",
}
