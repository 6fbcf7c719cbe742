"""Campaign files and the content calendar.

Per channel and day: slots at the starts of its posting windows, then every minimum
spacing inside them, up to its daily maximum. Per slot: the theme furthest behind its
weekly quota, weighted up inside a wave (build-up ×2, peak ×4, after ×2; waves from the
campaign file, else the catalog's key dates) and on commemoration days
(`content/commemorations.yaml`). A wave's peak days always get a slot of its theme.
Deterministic; each slot says why it is there; what cannot be fitted is reported.
Re-planning removes only empty slots: slots with content stay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlmodel import Session, col, select

from phuxanh.best_time import best_start, hint, history
from phuxanh.errors import NotFound
from phuxanh.models import Campaign, Channel, ContentItem, KeyDate, Slot, Theme
from phuxanh.users import ensure_unit
from phuxanh.yamlio import load_located, validate_doc

Window = Annotated[
    str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
]
WAVE_WEIGHT = 2.0
PEAK_WEIGHT = 4.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelSpec(_Strict):
    code: str
    platform: Literal["facebook", "youtube", "tiktok", "x", "zalo", "telegram", "wordpress"]
    name: str
    account_id: str
    api_base: str = Field(description='a URL, or "sandbox" for the local platform sandbox')
    credential_env: str
    unit: str | None = Field(default=None, description="owning unit code (default: the lead)")
    windows: list[Window] = Field(min_length=1)
    max_per_day: int = Field(default=2, ge=1, le=24)
    min_spacing_minutes: int = Field(default=120, ge=0)
    formats: list[str] = ["card"]
    languages: list[str] = ["vi"]

    @model_validator(mode="after")
    def _formats_known(self) -> ChannelSpec:
        unknown = [f for f in self.formats if f not in ("card", "clip")]
        if unknown:
            raise ValueError(f"channel {self.code}: formats: {unknown} (known: card, clip)")
        if self.platform == "youtube" and self.formats[:1] != ["clip"]:
            raise ValueError(f"channel {self.code}: YouTube takes videos only: "
                             "formats: [clip]")
        return self

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


class WaveSpec(_Strict):
    """A burst around a key date: build-up before, a peak of ±`peak_days`, results after."""

    name: str
    theme: str
    date: dt.date
    build_up_days: int = Field(default=14, ge=0, le=120)
    peak_days: int = Field(default=1, ge=0, le=14)
    after_days: int = Field(default=3, ge=0, le=60)


class Commemoration(_Strict):
    """A day of the year (dd/mm) that raises the weight of its themes."""

    day: Annotated[str, StringConstraints(pattern=r"^\d{1,2}/\d{1,2}$")]
    name: str
    themes: list[str] = Field(min_length=1)
    weight: float = Field(default=2.0, gt=1, le=10)

    def matches(self, on: dt.date) -> bool:
        d, m = (int(x) for x in self.day.split("/"))
        return (on.day, on.month) == (d, m)


class CommemorationFile(_Strict):
    days: list[Commemoration]


class ComposeSpec(_Strict):
    """How the composer writes drafts for this campaign's slots."""

    freshness_days: int = Field(default=14, ge=0, le=365,
                                description="no fact or message twice on a channel within")
    countdown_days: list[int] = Field(default=[30, 14, 7, 3, 1],
                                      description="countdown posts this many days before")
    links: dict[str, str] = Field(
        default={}, description="theme code (or 'default') -> the official page to link")

    @model_validator(mode="after")
    def _links_are_urls(self) -> ComposeSpec:
        for key, url in self.links.items():
            if not url.startswith(("https://", "http://")):
                raise ValueError(f"links: {key}: {url!r} is not an http(s) URL")
        return self


class ReportDue(_Strict):
    period: Literal["month", "quarter", "half", "year"]
    due: str = Field(pattern=r"^\d{1,2}/\d{1,2}$", description="dd/mm each year")
    source: str = ""


class ReportSpec(_Strict):
    """The periodic report's header, recipients and due dates (administrative layout)."""

    issuer: list[str] = ["BAN TUYÊN GIÁO VÀ DÂN VẬN", "THÀNH ỦY HẢI PHÒNG"]
    party: bool = True  # Party bodies head with ĐẢNG CỘNG SẢN VIỆT NAM; others CỘNG HÒA…
    number: str = "Số:      -BC/BTGDVTU"
    place: str = "Hải Phòng"
    signer_title: str = "TRƯỞNG BAN"
    signer_name: str = ""
    recipients: list[str] = ["Thường trực Thành ủy (để báo cáo)", "Lưu VP."]
    due: list[ReportDue] = []


class CampaignSpec(_Strict):
    code: str
    name: str
    unit: UnitSpec
    units: list[UnitSpec] = Field(default=[], description="other units taking part")
    brand: str
    period: dict[Literal["from", "to"], dt.date]
    languages: list[str] = ["vi"]
    channels: list[ChannelSpec] = Field(min_length=1)
    themes: list[ThemeQuota] = Field(min_length=1)
    waves: list[WaveSpec] = []
    team: list[Person] = []
    compose: ComposeSpec = ComposeSpec()
    report: ReportSpec = ReportSpec()

    @model_validator(mode="after")
    def _channel_units_known(self) -> CampaignSpec:
        known = {self.unit.code, *(u.code for u in self.units)}
        for c in self.channels:
            if c.unit is not None and c.unit not in known:
                raise ValueError(
                    f"channel {c.code}: unit {c.unit!r} is not the campaign's unit "
                    f"or listed under units"
                )
        return self


def load_campaign(path: Path) -> CampaignSpec:
    return validate_doc(load_located(path), CampaignSpec)


def _hm(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def slot_times(spec: ChannelSpec, day: dt.date, tz: ZoneInfo,
               best: dict[tuple[int, int], float] | None = None) -> list[dt.datetime]:
    """Candidate times in a day: each window from its start (or, with a best-time hint
    from the channel's own history, from its best half hour), then every `min_spacing`."""
    spacing = dt.timedelta(minutes=max(spec.min_spacing_minutes, 30))
    chosen: list[dt.datetime] = []
    for window in sorted(spec.windows):
        start, end = (dt.datetime.combine(day, _hm(t), tz) for t in window.split("-"))
        t = best_start(start, end, best)
        while t <= end and len(chosen) < spec.max_per_day:
            if not chosen or t - chosen[-1] >= spacing:
                chosen.append(t)
            t += spacing
    return chosen


def ensure_campaign(session: Session, spec: CampaignSpec, *, sandbox_url: str | None) -> Campaign:
    """Create or update the campaign, its unit and its channels from the campaign file."""
    unit = ensure_unit(session, code=spec.unit.code, name=spec.unit.name, level=spec.unit.level)
    assert unit.id is not None
    unit_ids = {unit.code: unit.id}
    for u in spec.units:
        member = ensure_unit(session, code=u.code, name=u.name, level=u.level)
        if member.parent_id is None and member.id != unit.id:
            member.parent_id = unit.id
            session.add(member)
        unit_ids[u.code] = member.id or 0
    for c in spec.channels:
        owner = unit_ids[c.unit or unit.code]
        if c.api_base == "sandbox" and not sandbox_url:
            raise NotFound(f"channel {c.code}: api_base is 'sandbox' but no sandbox is running")
        base = sandbox_url if c.api_base == "sandbox" else c.api_base
        channel = session.exec(select(Channel).where(Channel.code == c.code)).first() or Channel(
            code=c.code,
            platform=c.platform,
            display_name=c.name,
            unit_id=owner,
            account_id=c.account_id,
            api_base_url=str(base),
            credential_ref=f"env:{c.credential_env}",
        )
        channel.sqlmodel_update(
            {
                "platform": c.platform,
                "unit_id": owner,
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


@dataclass(frozen=True)
class ActiveWave:
    name: str
    theme: str
    on: dt.date
    build_up: int
    peak: int
    after: int

    def phase(self, day: dt.date) -> tuple[str, float] | None:
        delta = (day - self.on).days
        if abs(delta) <= self.peak:
            return "peak", PEAK_WEIGHT
        if -self.build_up <= delta < 0:
            return "build-up", WAVE_WEIGHT
        if 0 < delta <= self.after:
            return "after", WAVE_WEIGHT
        return None


def load_commemorations(path: Path) -> list[Commemoration]:
    if not path.is_file():
        return []
    return validate_doc(load_located(path), CommemorationFile).days


def _waves(session: Session, spec: CampaignSpec, themes: dict[str, Theme]) -> list[ActiveWave]:
    """The campaign's own waves, then the catalog's key dates for themes it does not wave."""
    waves = [
        ActiveWave(w.name, w.theme, w.date, w.build_up_days, w.peak_days, w.after_days)
        for w in spec.waves
        if w.theme in themes
    ]
    waved = {w.theme for w in waves}
    by_id = {t.id: code for code, t in themes.items()}
    for kd in session.exec(select(KeyDate).where(col(KeyDate.theme_id).in_(list(by_id)))):
        code = by_id[kd.theme_id]
        if code not in waved and (kd.wave_before_days or kd.wave_after_days):
            waves.append(
                ActiveWave(
                    kd.label_vi, code, kd.on_date, kd.wave_before_days, 0, kd.wave_after_days
                )
            )
    return sorted(waves, key=lambda w: (w.on, w.theme))


def replan_clear(
    session: Session, *, campaign: Campaign, start: dt.date, days: int, tz: ZoneInfo
) -> int:
    """Remove the range's slots that have no content yet; slots with content stay."""
    lo = dt.datetime.combine(start, dt.time(), tz)
    hi = lo + dt.timedelta(days=days)
    used = select(ContentItem.slot_id).where(col(ContentItem.slot_id).is_not(None))
    empty = session.exec(
        select(Slot).where(
            Slot.campaign_id == campaign.id,
            col(Slot.scheduled_at) >= lo,
            col(Slot.scheduled_at) < hi,
            col(Slot.id).not_in(used),
        )
    ).all()
    for slot in empty:
        session.delete(slot)
    session.flush()
    return len(empty)


def plan(
    session: Session,
    *,
    campaign: Campaign,
    start: dt.date,
    days: int,
    tz: ZoneInfo,
    commemorations: list[Commemoration] | None = None,
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
    chooser = _Chooser(quotas, _waves(session, spec, themes), commemorations or [])
    channels = {
        c.code: c
        for c in session.exec(
            select(Channel).where(col(Channel.code).in_([c.code for c in spec.channels]))
        )
    }
    hints = {code: hint(history(session, channel_id=ch.id or 0, tz=tz))
             for code, ch in channels.items()}
    existing = session.exec(select(Slot).where(Slot.campaign_id == campaign.id)).all()
    taken = {(s.channel_id, s.scheduled_at) for s in existing}
    code_of = {t.id: code for code, t in themes.items()}
    for s in existing:
        if s.theme_id in code_of:
            chooser.count(code_of[s.theme_id], s.scheduled_at.astimezone(tz).date())
    created: list[Slot] = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if not spec.period["from"] <= day <= spec.period["to"]:
            unfit.append(f"{day:%d/%m/%Y}: outside the campaign period")
            continue
        times = sorted(
            (
                (when, c)
                for c in spec.channels
                for when in slot_times(c, day, tz, hints.get(c.code))
                if (channels[c.code].id, when.astimezone(dt.UTC)) not in taken
            ),
            key=lambda pair: (pair[0], pair[1].code),
        )
        peaks = chooser.peak_themes(day)
        for when, cspec in times:
            code, why = chooser.choose(day, must=peaks)
            peaks = [p for p in peaks if p != code]
            slot = Slot(
                campaign_id=campaign.id or 0,
                channel_id=channels[cspec.code].id or 0,
                theme_id=themes[code].id or 0,
                scheduled_at=when,
                format=cspec.formats[0],
                why=why,
            )
            session.add(slot)
            created.append(slot)
        unfit += [f"{day:%d/%m/%Y}: no free slot left for the peak of {p}" for p in peaks]
    session.flush()
    return created, unfit


class _Chooser:
    """Picks the theme furthest behind its weekly quota, weighted by waves and days."""

    def __init__(
        self, quotas: list[ThemeQuota], waves: list[ActiveWave], days: list[Commemoration]
    ) -> None:
        self.quotas = sorted(quotas, key=lambda q: q.code)
        self.waves = waves
        self.days = days
        self.counts: dict[tuple[str, tuple[int, int]], int] = {}

    def count(self, code: str, day: dt.date) -> None:
        key = (code, day.isocalendar()[:2])
        self.counts[key] = self.counts.get(key, 0) + 1

    def peak_themes(self, day: dt.date) -> list[str]:
        quota_codes = {q.code for q in self.quotas}
        found = [
            w.theme
            for w in self.waves
            if w.theme in quota_codes and (phase := w.phase(day)) is not None and phase[0] == "peak"
        ]
        return list(dict.fromkeys(found))

    def _weight(self, code: str, day: dt.date) -> tuple[float, str]:
        weight, notes = 1.0, []
        for w in self.waves:
            phase = w.phase(day) if w.theme == code else None
            if phase is not None and phase[1] > weight:
                delta = (day - w.on).days
                weight = phase[1]
                notes = [
                    f"wave {w.name}, {phase[0]} (D{delta:+d})"
                    if delta
                    else f"wave {w.name}, {phase[0]} (D-day)"
                ]
        for c in self.days:
            if c.matches(day) and code in c.themes:
                weight *= c.weight
                notes.append(f"commemoration {c.name}")
        return weight, "; ".join(notes)

    def choose(self, day: dt.date, *, must: list[str]) -> tuple[str, str]:
        week = day.isocalendar()[:2]
        best: tuple[float, str, str] | None = None
        for q in self.quotas:
            if must and q.code != must[0]:
                continue
            done = self.counts.get((q.code, week), 0)
            weight, note = self._weight(q.code, day)
            score = weight * q.per_week / (done + 1)
            if best is None or score > best[0]:
                why = f"theme {q.code}: {done}/{q.per_week} this week" + (
                    f"; {note}" if note else ""
                )
                best = (score, q.code, why)
        assert best is not None
        self.count(best[1], day)
        return best[1], best[2]
