"""Planner properties over random channels and waves, on a real (SQLite) database."""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, SQLModel, select

from phuxanh import jobs
from phuxanh.catalog import themes as catalog
from phuxanh.core.db import make_engine
from phuxanh.models import ContentItem, Slot, Theme
from phuxanh.planning.campaign import CampaignSpec, load_campaign
from phuxanh.planning.planner import ensure_campaign, plan
from phuxanh.sandbox import demo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ROOT = Path(__file__).resolve().parent.parent
CATALOG = catalog.check_catalog(ROOT / "content")
BASE = load_campaign(demo.DEMO_CAMPAIGN).model_dump(mode="json")
THEMES = [q["code"] for q in BASE["themes"]]

window = st.tuples(st.integers(6, 20), st.integers(0, 5)).map(
    lambda t: f"{t[0]:02d}:00-{t[0] + 1 + t[1] // 2:02d}:{(t[1] % 2) * 30:02d}"
)
channel = st.fixed_dictionaries(
    {
        "windows": st.lists(window, min_size=1, max_size=3, unique=True),
        "max_per_day": st.integers(1, 4),
        "min_spacing_minutes": st.sampled_from([0, 45, 90, 180]),
    }
)
wave = st.fixed_dictionaries(
    {
        "theme": st.sampled_from(THEMES),
        "offset": st.integers(0, 13),
        "peak_days": st.integers(0, 2),
        "build_up_days": st.integers(0, 20),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(channels=st.lists(channel, min_size=1, max_size=3), waves=st.lists(wave, max_size=2))
@example(  # found by hypothesis: two themes peak the same day on one slot a day
    channels=[{"windows": ["06:00-07:00"], "max_per_day": 1, "min_spacing_minutes": 0}],
    waves=[
        {"theme": "hai-phong-cang-xanh", "offset": 0, "peak_days": 0, "build_up_days": 0},
        {"theme": "doi-ngoai-apec-2027", "offset": 0, "peak_days": 0, "build_up_days": 0},
    ],
)
def test_plan_never_breaks_channel_rules_and_covers_peaks(channels, waves) -> None:
    start = dt.date(2026, 4, 6)
    config = dict(BASE)
    config["channels"] = [
        {**BASE["channels"][0], **c, "code": f"ch{i}", "account_id": str(i)}
        for i, c in enumerate(channels)
    ]
    config["waves"] = [
        {
            "name": f"w{i}",
            "theme": w["theme"],
            "date": str(start + dt.timedelta(days=w["offset"])),
            "peak_days": w["peak_days"],
            "build_up_days": w["build_up_days"],
            "after_days": 0,
        }
        for i, w in enumerate(waves)
    ]
    spec = CampaignSpec.model_validate(config)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/p.db")
        SQLModel.metadata.create_all(engine)
        with Session(engine) as s:
            catalog.load_catalog(s, CATALOG)
            campaign = ensure_campaign(s, spec, sandbox_url="http://127.0.0.1:9")
            slots, _unfit = plan(s, campaign=campaign, start=start, days=14, tz=TZ, windows={})
            theme_code = {t.id: t.code for t in s.exec(select(Theme))}
            by_channel = {c.code: c for c in spec.channels}
            code_of = {ch.id: ch.code for ch in campaign_channels(s, spec)}
        engine.dispose()
    assert_rules_hold(slots, by_channel, code_of, theme_code, config["waves"], start, 14)


def assert_rules_hold(slots, by_channel, code_of, theme_code, waves, start, days) -> None:
    """Daily maximum, windows and spacing per channel; every wave peak day covered."""
    per_day: dict[tuple[str, dt.date], list[dt.datetime]] = {}
    for slot in slots:
        local = slot.scheduled_at.astimezone(TZ)
        per_day.setdefault((code_of[slot.channel_id], local.date()), []).append(local)
    for (code, _day), times in per_day.items():
        rules = by_channel[code]
        assert len(times) <= rules.max_per_day
        for t in times:
            assert any(w[:5] <= t.strftime("%H:%M") <= w[6:] for w in rules.windows)
        for a, b in itertools.pairwise(sorted(times)):
            assert b - a >= dt.timedelta(minutes=max(rules.min_spacing_minutes, 30))
    peaking: dict[dt.date, set[str]] = {}  # the themes at a wave's peak, per day
    for w in waves:
        peak = dt.date.fromisoformat(str(w["date"]))
        for d in range(-w["peak_days"], w["peak_days"] + 1):
            peaking.setdefault(peak + dt.timedelta(days=d), set()).add(w["theme"])
    for day, themes in peaking.items():
        day_slots = [x for x in slots if x.scheduled_at.astimezone(TZ).date() == day]
        if not (start <= day < start + dt.timedelta(days=days) and day_slots):
            continue
        covered = {theme_code[x.theme_id] for x in day_slots}
        if len(day_slots) >= len(themes):  # room for every peaking theme: each gets a slot
            assert themes <= covered, (day, themes, covered)
        else:  # fewer slots than peaks the same day (hypothesis found one): all go to peaks
            assert covered <= themes, (day, themes, covered)


def campaign_channels(session: Session, spec: CampaignSpec):
    from phuxanh.models import Channel

    codes = [c.code for c in spec.channels]
    return [c for c in session.exec(select(Channel)) if c.code in codes]


def test_replan_keeps_slots_with_content(db_url: str, sandbox, given_campaign) -> None:
    given_campaign(db_url, sandbox.public_url, days=1)  # day 1 gets drafts
    jobs.plan_days("demo-2026", start=dt.date(2026, 3, 10), days=1, database_url=db_url)
    with Session(jobs.engine(db_url)) as s:
        before = {x.id for x in s.exec(select(Slot))}
        with_content = {i.slot_id for i in s.exec(select(ContentItem))}
    out = jobs.plan_days(
        "demo-2026", start=dt.date(2026, 3, 9), days=2, replan=True, database_url=db_url
    )
    assert out["removed"] == 4 and out["planned"] == 4  # day 2 re-planned, day 1 kept
    with Session(jobs.engine(db_url)) as s:
        after = {x.id for x in s.exec(select(Slot))}
    assert with_content <= after and len(with_content) == 4
    assert len(after) == len(before)


def test_commemoration_day_raises_its_theme(db_url: str, sandbox) -> None:
    jobs.load_catalog(db_url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url=sandbox.public_url, database_url=db_url)
    jobs.plan_days("demo-2026", start=dt.date(2026, 5, 13), days=1, database_url=db_url)
    with Session(jobs.engine(db_url)) as s:
        whys = [x.why for x in s.exec(select(Slot))]
    assert any("commemoration Ngày giải phóng Hải Phòng" in w for w in whys)


def test_demo_campaign_first_half_of_2026_plans_without_violations(db_url: str, sandbox) -> None:
    jobs.load_catalog(db_url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url=sandbox.public_url, database_url=db_url)
    out = jobs.plan_days("demo-2026", start=dt.date(2026, 1, 1), days=181, database_url=db_url)
    assert out["unfit"] == [] and out["planned"] == 181 * 4
    spec = load_campaign(demo.DEMO_CAMPAIGN)
    with Session(jobs.engine(db_url)) as s:
        slots = s.exec(select(Slot)).all()
        theme_code = {t.id: t.code for t in s.exec(select(Theme))}
        code_of = {ch.id: ch.code for ch in campaign_channels(s, spec)}
    waves = [w.model_dump(mode="json") for w in spec.waves]
    assert_rules_hold(
        slots,
        {c.code: c for c in spec.channels},
        code_of,
        theme_code,
        waves,
        dt.date(2026, 1, 1),
        181,
    )
    election = [
        x
        for x in slots
        if theme_code[x.theme_id] == "bau-cu-2026"
        and dt.date(2026, 2, 13) <= x.scheduled_at.astimezone(TZ).date() <= dt.date(2026, 3, 22)
    ]
    quiet = [
        x
        for x in slots
        if theme_code[x.theme_id] == "bau-cu-2026"
        and dt.date(2026, 4, 1) <= x.scheduled_at.astimezone(TZ).date() <= dt.date(2026, 5, 8)
    ]
    assert len(election) > 2 * len(quiet)  # the wave is visible in the plan itself
