"""The planner: windows, spacing, daily maximum, determinism, waves, re-planning."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.models import Slot, Theme
from phuxanh.planning.campaign import ChannelSpec, load_campaign
from phuxanh.planning.planner import slot_times
from phuxanh.sandbox import demo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@settings(max_examples=200, deadline=None)
@given(
    start=st.integers(0, 22 * 60),
    length=st.integers(0, 6 * 60),
    spacing=st.integers(0, 600),
    max_per_day=st.integers(1, 6),
)
def test_slot_times_respect_windows_spacing_and_max(start, length, spacing, max_per_day) -> None:
    end = min(start + length, 23 * 60 + 59)
    window = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
    if end <= start:
        return
    spec = ChannelSpec(
        code="c",
        platform="facebook",
        name="n",
        account_id="1",
        api_base="sandbox",
        credential_env="X",
        windows=[window],
        max_per_day=max_per_day,
        min_spacing_minutes=spacing,
    )
    times = slot_times(spec, dt.date(2026, 3, 15), TZ)
    assert 1 <= len(times) <= max_per_day
    for t in times:
        assert start <= t.hour * 60 + t.minute <= end
    for a, b in itertools.pairwise(times):
        assert b - a >= dt.timedelta(minutes=max(spacing, 30))


def _plan(db_url: str, start: dt.date, days: int) -> list[tuple]:
    jobs.plan_days("demo-2026", start=start, days=days, database_url=db_url)
    with Session(jobs.engine(db_url)) as s:
        return [
            (x.channel_id, x.scheduled_at, x.theme_id, x.why)
            for x in s.exec(select(Slot).order_by(Slot.scheduled_at, Slot.channel_id))
        ]


def _setup(db_url: str, sandbox) -> None:
    jobs.load_catalog(db_url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url=sandbox.public_url, database_url=db_url)


def test_plan_is_deterministic_and_replan_keeps_slots(db_url: str, sandbox, tmp_path) -> None:
    _setup(db_url, sandbox)
    first = _plan(db_url, dt.date(2026, 3, 2), 14)
    assert len(first) == 14 * 4  # 2 + 1 + 1 per day on the demo channels
    assert _plan(db_url, dt.date(2026, 3, 2), 14) == first  # nothing added, nothing moved
    spec = load_campaign(demo.DEMO_CAMPAIGN)
    assert spec.code == "demo-2026"


def test_election_wave_raises_its_theme(db_url: str, sandbox) -> None:
    _setup(db_url, sandbox)
    slots = _plan(db_url, dt.date(2026, 3, 9), 7)  # 15/3/2026 inside the week
    with Session(jobs.engine(db_url)) as s:
        election = s.exec(select(Theme).where(Theme.code == "bau-cu-2026")).one()
    in_wave = [w for _, when, theme, w in slots if theme == election.id]
    assert len(in_wave) >= 3  # quota is 1 a week; the wave weighs it up
    assert all("wave" in w for w in in_wave)
    peak = [
        when
        for _, when, theme, _ in slots
        if theme == election.id and when.astimezone(TZ).date() == dt.date(2026, 3, 15)
    ]
    assert peak  # the election day itself is covered


def test_same_week_number_of_another_year_is_planned_afresh(db_url: str, sandbox, tmp_path) -> None:
    _setup(db_url, sandbox)
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    from phuxanh.core.db import migrate

    migrate(fresh)
    _setup(fresh, sandbox)
    _plan(db_url, dt.date(2026, 1, 5), 3)  # ISO week 2 of 2026
    with_history = _plan(db_url, dt.date(2027, 1, 11), 3)[-12:]  # ISO week 2 of 2027
    alone = _plan(fresh, dt.date(2027, 1, 11), 3)
    assert [(t, w) for _, _, t, w in with_history] == [(t, w) for _, _, t, w in alone]


def test_channels_belong_to_their_units(db_url: str, sandbox, tmp_path) -> None:
    from phuxanh.core.errors import ValidationFailed
    from phuxanh.models import Channel, Unit

    _setup(db_url, sandbox)
    with Session(jobs.engine(db_url)) as s:
        owner = {c.code: s.get(Unit, c.unit_id).code for c in s.exec(select(Channel))}
        lead = s.exec(select(Unit).where(Unit.code == "ttdn-haiphong")).one()
        uni = s.exec(select(Unit).where(Unit.code == "dh-y-duoc-haiphong")).one()
    assert owner == {
        "fb-ttdn-haiphong": "ttdn-haiphong",
        "fb-vhttdl-haiphong": "so-vhttdl-haiphong",
        "fb-dh-y-duoc-hp": "dh-y-duoc-haiphong",
    }
    assert uni.parent_id == lead.id and uni.level == "university"
    bad = tmp_path / "bad.yaml"
    text = demo.DEMO_CAMPAIGN.read_text(encoding="utf-8")
    bad.write_text(text.replace("unit: dh-y-duoc-haiphong", "unit: phuong-le-chan"), "utf-8")
    with pytest.raises(ValidationFailed, match="unit 'phuong-le-chan' is not the campaign's unit"):
        load_campaign(bad)
