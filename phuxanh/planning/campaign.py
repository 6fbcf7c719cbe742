"""The campaign file: its schema (channels, units, people, quotas, waves, compose and report
settings) and its loading, with each problem named `file:line: field`. The planner that
turns it into a calendar is `planning.planner`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from phuxanh.catalog import audiences
from phuxanh.catalog.languages import problem as language_problem
from phuxanh.core.dates import day_of_year_problem
from phuxanh.core.errors import ValidationFailed
from phuxanh.core.yamlio import LocatedDoc, load_located, validate_doc
from phuxanh.platforms.credentials import api_base_problem, credential_env_problem

Window = Annotated[
    str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _supported_languages(value: list[str]) -> list[str]:
    """A channel's (or the campaign's) languages: each supported (content/languages.yaml),
    each once, at least one; the first leads the caption and the card."""
    if not value:
        raise ValueError("at least one language (the first leads the caption and the card)")
    for code in value:
        if problem := language_problem(code):
            raise ValueError(problem)
    twice = sorted({c for c in value if value.count(c) > 1})
    if twice:
        raise ValueError(f"{', '.join(twice)} given twice (each language once)")
    return value


class ChannelSpec(_Strict):
    code: str
    platform: Literal[
        "facebook", "youtube", "tiktok", "x", "zalo", "telegram", "wordpress", "manual"
    ]
    name: str
    account_id: str
    api_base: str = Field(
        description='a URL, or "sandbox" for the local platform sandbox; manual: the '
        "address of the place a person posts to"
    )
    credential_env: str = Field(default="", description="none for a manual channel")
    unit: str | None = Field(default=None, description="owning unit code (default: the lead)")
    windows: list[Window] = Field(min_length=1)
    max_per_day: int = Field(default=2, ge=1, le=24)
    min_spacing_minutes: int = Field(default=120, ge=0)
    formats: list[str] = ["card"]
    languages: list[str] = ["vi"]
    audiences: list[str] = Field(
        default=[], description="who the channel speaks to (content/audiences.yaml codes)"
    )

    @field_validator("audiences")
    @classmethod
    def _audiences_known(cls, value: list[str]) -> list[str]:
        return audiences.valid_list(value)

    @field_validator("api_base")
    @classmethod
    def _api_base_usable(cls, value: str) -> str:
        problem = None if value == "sandbox" else api_base_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("credential_env")
    @classmethod
    def _credential_env_allowed(cls, value: str) -> str:
        problem = credential_env_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _credential_given(self) -> ChannelSpec:
        if self.platform == "manual" and self.credential_env:
            raise ValueError(f"channel {self.code}: credential_env: a manual channel has none")
        if self.platform != "manual" and not self.credential_env:
            raise ValueError(f"channel {self.code}: credential_env: required (the variable)")
        return self

    @field_validator("languages")
    @classmethod
    def _languages_supported(cls, value: list[str]) -> list[str]:
        return _supported_languages(value)

    @model_validator(mode="after")
    def _formats_known(self) -> ChannelSpec:
        unknown = [f for f in self.formats if f not in ("card", "clip")]
        if unknown:
            raise ValueError(f"channel {self.code}: formats: {unknown} (known: card, clip)")
        if self.platform == "youtube" and self.formats[:1] != ["clip"]:
            raise ValueError(f"channel {self.code}: YouTube takes videos only: formats: [clip]")
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

    freshness_days: int = Field(
        default=14, ge=0, le=365, description="no fact or message twice on a channel within"
    )
    countdown_days: list[int] = Field(
        default=[30, 14, 7, 3, 1], description="countdown posts this many days before"
    )
    links: dict[str, str] = Field(
        default={}, description="theme code (or 'default') -> the official page to link"
    )

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

    @field_validator("due")
    @classmethod
    def _a_day_of_every_year(cls, value: str) -> str:
        day, month = (int(part) for part in value.split("/"))
        if problem := day_of_year_problem(day, month):
            raise ValueError(problem)
        return value


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

    @field_validator("languages")
    @classmethod
    def _languages_supported(cls, value: list[str]) -> list[str]:
        return _supported_languages(value)

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
    return load_campaign_doc(path)[0]


def load_campaign_doc(path: Path) -> tuple[CampaignSpec, LocatedDoc]:
    """The campaign and its located document (so later problems can name file and line)."""
    doc = load_located(path)
    spec = validate_doc(doc, CampaignSpec)
    codes = [c.code for c in spec.channels]
    twice = [i for i, code in enumerate(codes) if code in codes[:i]]
    if twice:
        raise ValidationFailed(
            [
                f"{doc.path}:{doc.line_of(('channels', i, 'code'))}: channels[{i}].code: "
                f"channel {codes[i]!r} is given twice (each channel once)"
                for i in twice
            ]
        )
    return spec, doc
