"""What a report is, apart from how it is computed (`figures`), worded (`wording`) or laid
out (`layout`, `docx`, `pdf`, `xlsx`): the period it covers and its rows and sections."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from dataclasses import dataclass, field
from typing import Any

from phuxanh.core.dates import check_year
from phuxanh.core.errors import ValidationFailed
from phuxanh.planning.campaign import ReportSpec

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class Period:
    code: str
    kind: str
    start: dt.date
    end: dt.date  # inclusive
    label_vi: str
    label_en: str


def parse_period(text: str) -> Period:
    """2026-03 (month), 2026-Q1, 2026-H1, 2026 (year)."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})|-Q([1-4])|-H([12]))?", text.strip())
    if not m:
        raise ValidationFailed(code="period.invalid", field="--period", text=text)
    year = int(m.group(1))
    check_year(year, "--period", text)
    if m.group(2):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise ValidationFailed(code="period.no_month", field="--period", month=month)
        first, months, kind = month, 1, "month"
        vi, en = f"tháng {month} năm {year}", f"{dt.date(year, month, 1):%B %Y}"
    elif m.group(3):
        q = int(m.group(3))
        first, months, kind = 3 * q - 2, 3, "quarter"
        vi, en = f"quý {ROMAN[q]} năm {year}", f"Q{q} {year}"
    elif m.group(4):
        h = int(m.group(4))
        first, months, kind = 6 * h - 5, 6, "half"
        vi = f"6 tháng {'đầu' if h == 1 else 'cuối'} năm {year}"
        en = f"{'first' if h == 1 else 'second'} half of {year}"
    else:
        first, months, kind, vi, en = 1, 12, "year", f"năm {year}", str(year)
    start = dt.date(year, first, 1)
    last = first + months
    end = dt.date(year + (last > 12), (last - 1) % 12 + 1, 1) - dt.timedelta(days=1)
    return Period(text.strip(), kind, start, end, vi, en)


def period_of(kind: str, day: dt.date) -> Period:
    """The period of `kind` that contains `day`."""
    if kind == "month":
        return parse_period(f"{day.year}-{day.month:02d}")
    if kind == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if kind == "half":
        return parse_period(f"{day.year}-H{1 if day.month <= 6 else 2}")
    return parse_period(str(day.year))


@dataclass
class Row:
    code: str
    name: str
    planned: int = 0
    approved: int = 0
    published: int = 0  # publications: one item on three channels is three
    products: int = 0  # items (tin, bài, sản phẩm) with at least one publication
    shortfall: int = 0  # planned posts not published, summed over its themes and channels
    reach: int | None = None
    views: int | None = None
    engagement: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IncidentLine:
    """An incident opened in the report's period (a false claim answered with an official
    clarification), as the report counts it: its title, severity and target, when the first
    clarification went live and whether the target was missed. No field about a private
    person: an incident holds none. Times in the report's time zone."""

    id: int
    title: str
    severity: str  # low | high | critical
    status: str  # open | closed
    opened_at: dt.datetime
    target_minutes: int  # opening → clarification live, set from the severity
    first_live_at: dt.datetime | None
    minutes: int | None  # opening → first clarification live; None while none is live
    # the target missed: live too late, or none live within it (by its closing, or by
    # the time the report was made while it is open)
    breached: bool


SEVERITY_ORDER = ("critical", "high", "low")


@dataclass(frozen=True)
class ResponseTimes:
    """The response-time figures of the incidents opened in a period: how many (and by
    severity, most severe first), how many got a clarification live, the median and the
    longest minutes from opening to the first clarification live (of those live), how many
    missed their target, and how many are still open with no clarification live."""

    opened: int
    by_severity: dict[str, int]
    live: int
    median_minutes: float | None
    longest_minutes: int | None
    breached: int
    open_without_live: int

    @classmethod
    def of(cls, lines: list[IncidentLine]) -> ResponseTimes:
        counts: dict[str, int] = {}
        for line in lines:
            counts[line.severity] = counts.get(line.severity, 0) + 1
        rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
        order = sorted(counts, key=lambda s: (rank.get(s, len(rank)), s))
        minutes = [line.minutes for line in lines if line.minutes is not None]
        return cls(
            opened=len(lines),
            by_severity={s: counts[s] for s in order},
            live=len(minutes),
            median_minutes=float(statistics.median(minutes)) if minutes else None,
            longest_minutes=max(minutes) if minutes else None,
            breached=sum(line.breached for line in lines),
            open_without_live=sum(line.status == "open" and line.minutes is None for line in lines),
        )


@dataclass(frozen=True)
class Finding:
    """One shortfall against the plan, as data: its kind (`wording.FINDINGS`: theme, unit,
    quota, wave) and its figures. Each reader words it in its own language
    (`wording.say`): the report in Vietnamese, the desk in the language it is read in."""

    kind: str
    values: dict[str, Any]


@dataclass(frozen=True)
class SixRow:
    """A row of the "6 rõ" table as data (one theme), worded by `wording.six_cells`."""

    theme: str  # code
    theme_name: str  # its Vietnamese title
    wrote: tuple[str, ...]  # display names
    approved_by: tuple[str, ...]
    unit: str
    published: int
    planned: int
    due: dt.date
    products: int
    approved: int
    reach: int | None
    engagement: int | None


@dataclass
class Report:
    period: Period
    unit: str
    spec: ReportSpec
    themes: list[Row]
    channels: list[Row]
    totals: Row
    waves: list[dict[str, Any]]
    six: list[dict[str, str]]
    gaps: list[str]
    strengths: list[str]
    next_steps: list[str]
    top_posts: list[dict[str, Any]]
    generated_on: dt.date
    # the units the report covers, one row each, when it rolls them up (`report --rollup`)
    units: list[Row] = field(default_factory=list)
    plan_days: int = 0  # days of the period the plan covers (first to last planned post)
    # products by kind (card, clip, article, press, radio, event: `figures.product_kind`),
    # each counted once however many channels it went out on; and publications by the kind
    # of channel (social, website, manual: `figures.channel_kind`)
    kinds: dict[str, int] = field(default_factory=dict)
    channel_kinds: dict[str, int] = field(default_factory=dict)
    # the audit log's head when the report was made ("ROWS:HASH"): on paper, outside the
    # database, for `phuxanh audit verify --head` (see docs/audit.md)
    audit_head: str = ""
    # the incidents opened in the period, in the report's unit scope, oldest first
    # (`figures.incident_lines`); their figures: `response`
    incidents: list[IncidentLine] = field(default_factory=list)
    # `gaps` and `six` as data, for a reader in another language than the report's
    findings: list[Finding] = field(default_factory=list)
    six_rows: list[SixRow] = field(default_factory=list)
    # publications, products and reach by audience (content/audiences.yaml, in its order;
    # code "": those that count for none) and by language (the channel's first), from
    # `figures.audiences_and_languages`; names in Vietnamese
    audiences: list[Row] = field(default_factory=list)
    languages: list[Row] = field(default_factory=list)
    # the publications that count for at least one foreign audience (`Audience.foreign`)
    foreign: Row | None = None

    @property
    def response(self) -> ResponseTimes:
        """The response-time figures of `incidents`."""
        return ResponseTimes.of(self.incidents)
