"""Campaign files and the content calendar.

The walking-skeleton planner: per channel and day, slots at the starts of its posting
windows (respecting max per day and minimum spacing); per slot, the theme furthest behind
its weekly quota, with themes inside a key-date wave weighted up. Deterministic, and each
slot says why it is there. Re-planning keeps the slots that exist.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlmodel import Session, col, select

from phuxanh.errors import NotFound
from phuxanh.models import Campaign, Channel, KeyDate, Slot, Theme
from phuxanh.users import ensure_unit
from phuxanh.yamlio import load_located, validate_doc

Window = Annotated[
    str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
]
WAVE_WEIGHT = 3.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelSpec(_Strict):
    code: str
    platform: Literal["facebook", "youtube", "tiktok", "x", "zalo", "telegram", "wordpress"]
    name: str
    account_id: str
    api_base: str = Field(description='a URL, or "sandbox" for the local platform sandbox')
    credential_env: str
    windows: list[Window] = Field(min_length=1)
    max_per_day: int = Field(default=2, ge=1, le=24)
    min_spacing_minutes: int = Field(default=120, ge=0)
    formats: list[str] = ["card"]
    languages: list[str] = ["vi"]

    @model_validator(mode="after")
    def _windows_ordered(self) -> ChannelSpec:
        for w in self.windows:
            start, end = w.split("-")
            if start >= end:
                raise ValueError(f"window {w}: start must be before end")
        return self


class UnitSpec(_Strict):
    code: str
    name: str
    level: str = "city"


class Person(_Strict):
    username: str
    name: str
    role: Literal["editor", "approver", "manager", "admin"]


class ThemeQuota(_Strict):
    code: str
    per_week: int = Field(ge=0, le=50)


class CampaignSpec(_Strict):
    code: str
    name: str
    unit: UnitSpec
    brand: str
    period: dict[Literal["from", "to"], dt.date]
    languages: list[str] = ["vi"]
    channels: list[ChannelSpec] = Field(min_length=1)
    themes: list[ThemeQuota] = Field(min_length=1)
    team: list[Person] = []


def load_campaign(path: Path) -> CampaignSpec:
    return validate_doc(load_located(path), CampaignSpec)


def _hm(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def slot_times(spec: ChannelSpec, day: dt.date, tz: ZoneInfo) -> list[dt.datetime]:
    """Candidate times in a day: window starts, then every `min_spacing` inside windows."""
    spacing = dt.timedelta(minutes=max(spec.min_spacing_minutes, 30))
    chosen: list[dt.datetime] = []
    for window in sorted(spec.windows):
        start, end = (dt.datetime.combine(day, _hm(t), tz) for t in window.split("-"))
        t = start
        while t <= end and len(chosen) < spec.max_per_day:
            if not chosen or t - chosen[-1] >= spacing:
                chosen.append(t)
            t += spacing
    return chosen


def ensure_campaign(session: Session, spec: CampaignSpec, *, sandbox_url: str | None) -> Campaign:
    """Create or update the campaign, its unit and its channels from the campaign file."""
    unit = ensure_unit(session, code=spec.unit.code, name=spec.unit.name, level=spec.unit.level)
    assert unit.id is not None
    for c in spec.channels:
        if c.api_base == "sandbox" and not sandbox_url:
            raise NotFound(f"channel {c.code}: api_base is 'sandbox' but no sandbox is running")
        base = sandbox_url if c.api_base == "sandbox" else c.api_base
        channel = session.exec(select(Channel).where(Channel.code == c.code)).first() or Channel(
            code=c.code,
            platform=c.platform,
            display_name=c.name,
            unit_id=unit.id,
            account_id=c.account_id,
            api_base_url=str(base),
            credential_ref=f"env:{c.credential_env}",
        )
        channel.sqlmodel_update(
            {
                "platform": c.platform,
                "display_name": c.name,
                "account_id": c.account_id,
                "api_base_url": str(base),
                "credential_ref": f"env:{c.credential_env}",
                "posting_windows": list(c.windows),
                "max_per_day": c.max_per_day,
                "min_spacing_minutes": c.min_spacing_minutes,
                "formats": list(c.formats),
                "languages": list(c.languages),
            }
        )
        session.add(channel)
    campaign = session.exec(select(Campaign).where(Campaign.code == spec.code)).first()
    campaign = campaign or Campaign(
        code=spec.code,
        name=spec.name,
        unit_id=unit.id,
        starts_on=spec.period["from"],
        ends_on=spec.period["to"],
    )
    campaign.sqlmodel_update(
        {
            "name": spec.name,
            "starts_on": spec.period["from"],
            "ends_on": spec.period["to"],
            "config": spec.model_dump(mode="json"),
        }
    )
    session.add(campaign)
    session.flush()
    return campaign


def _waves(session: Session, theme_ids: list[int]) -> list[KeyDate]:
    return list(session.exec(select(KeyDate).where(col(KeyDate.theme_id).in_(theme_ids))))


def plan(
    session: Session, *, campaign: Campaign, start: dt.date, days: int, tz: ZoneInfo
) -> tuple[list[Slot], list[str]]:
    """Plan `days` days from `start`. Returns (new slots, what could not be planned)."""
    spec = CampaignSpec.model_validate(campaign.config)
    themes = {
        t.code: t
        for t in session.exec(
            select(Theme).where(col(Theme.code).in_([q.code for q in spec.themes]))
        )
    }
    unfit = [f"theme {q.code}: not in the catalog" for q in spec.themes if q.code not in themes]
    quotas = [q for q in spec.themes if q.code in themes and q.per_week > 0]
    if not quotas:
        return [], [*unfit, "no theme with a weekly quota"]
    waves = _waves(session, [t.id for t in themes.values() if t.id is not None])
    channels = {
        c.code: c
        for c in session.exec(
            select(Channel).where(col(Channel.code).in_([c.code for c in spec.channels]))
        )
    }
    existing = {
        (s.channel_id, s.scheduled_at)
        for s in session.exec(select(Slot).where(Slot.campaign_id == campaign.id))
    }
    counts: dict[tuple[str, tuple[int, int]], int] = {}  # (theme, (iso year, week)) → planned
    for s in session.exec(select(Slot).where(Slot.campaign_id == campaign.id)):
        theme_code = next((c for c, t in themes.items() if t.id == s.theme_id), None)
        if theme_code:
            iso = s.scheduled_at.astimezone(tz).isocalendar()
            wk = (iso.year, iso.week)
            counts[(theme_code, wk)] = counts.get((theme_code, wk), 0) + 1
    created: list[Slot] = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if not spec.period["from"] <= day <= spec.period["to"]:
            unfit.append(f"{day:%d/%m/%Y}: outside the campaign period")
            continue
        iso = day.isocalendar()
        week = (iso.year, iso.week)
        for cspec in spec.channels:
            channel = channels[cspec.code]
            for when in slot_times(cspec, day, tz):
                if (channel.id, when.astimezone(dt.UTC)) in existing:
                    continue
                theme_code, why = _choose_theme(quotas, counts, week, day, themes, waves)
                counts[(theme_code, week)] = counts.get((theme_code, week), 0) + 1
                slot = Slot(
                    campaign_id=campaign.id or 0,
                    channel_id=channel.id or 0,
                    theme_id=themes[theme_code].id or 0,
                    scheduled_at=when,
                    format=cspec.formats[0],
                    why=why,
                )
                session.add(slot)
                created.append(slot)
    session.flush()
    return created, unfit


def _choose_theme(
    quotas: list[ThemeQuota],
    counts: dict[tuple[str, tuple[int, int]], int],
    week: tuple[int, int],
    day: dt.date,
    themes: dict[str, Theme],
    waves: list[KeyDate],
) -> tuple[str, str]:
    best: tuple[float, str] | None = None
    reason = ""
    for q in sorted(quotas, key=lambda q: q.code):
        done = counts.get((q.code, week), 0)
        weight = 1.0
        wave_note = ""
        for kd in waves:
            if kd.theme_id != themes[q.code].id:
                continue
            delta = (day - kd.on_date).days
            if -kd.wave_before_days <= delta <= kd.wave_after_days:
                weight = WAVE_WEIGHT
                sign = "D" + (f"{delta:+d}" if delta else "")
                wave_note = f"; wave {kd.label_vi} ({sign})"
        score = weight * q.per_week / (done + 1)
        if best is None or score > best[0]:
            best = (score, q.code)
            reason = f"theme {q.code}: {done}/{q.per_week} this week{wave_note}"
    assert best is not None
    return best[1], reason
