"""The report's words: the "6 rõ" table, gaps against the plan, strengths and next steps,
written from the figures (nothing invented: every sentence names a number or a date the
database holds)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from phuxanh.models import KeyDate, User
from phuxanh.planning.campaign import CampaignSpec
from phuxanh.reports.model import Finding, Report, SixRow


def n(value: int | None, lang: str = "vi") -> str:
    """A figure with the language's thousands separator (a dot in Vietnamese, a comma in
    English); a missing figure is said so ("chưa có số liệu")."""
    if value is None:
        return FIGURE_MISSING[lang]
    return f"{value:,}".replace(",", ".") if lang == "vi" else f"{value:,}"


FIGURE_MISSING = {"vi": "chưa có số liệu", "en": "no figures yet"}


def pct(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _people(names: tuple[str, ...] | list[str]) -> str:
    """Display names, each cut to the longest `user add` takes (older rows may hold more)."""
    from phuxanh.core.users import DISPLAY_NAME_MAX as most

    return ", ".join(name if len(name) <= most else name[: most - 1] + "…" for name in names) or "—"


def _names(people: list[User]) -> tuple[str, ...]:
    return tuple(u.display_name or u.username for u in people)


# a shortfall against the plan (`Finding`) in each language the report or the desk is read
# in; {theme} is the theme's name in that language
FINDINGS: dict[str, dict[str, str]] = {
    "theme": {
        "vi": "Chủ đề “{theme}” mới có {published}/{planned} lượt đăng theo kế hoạch "
        "(còn thiếu {missing}).",
        "en": "Theme “{theme}”: {published} of {planned} planned posts published "
        "({missing} still missing).",
    },
    "unit": {
        "vi": "{unit}: còn thiếu {shortfall} lượt đăng so với kế hoạch ({published}/{planned}).",
        "en": "{unit}: {shortfall} planned posts not yet published ({published}/{planned}).",
    },
    "quota": {
        "vi": "Kế hoạch mới bố trí {planned} bài cho chủ đề “{theme}”, thấp hơn định mức "
        "{want} bài ({per_week} bài/tuần trong {days} ngày có kế hoạch).",
        "en": "The plan has {planned} posts for theme “{theme}”, below its quota of {want} "
        "({per_week} a week over {days} planned days).",
    },
    "wave": {
        "vi": "Đợt cao điểm “{wave}” chưa đạt kế hoạch trong kỳ.",
        "en": "Peak campaign “{wave}” is behind its plan in this period.",
    },
}


def say(finding: Finding, lang: str = "vi", themes: Mapping[str, str] | None = None) -> str:
    """A shortfall in `lang` (vi or en). `themes`: theme names by code in that language;
    without one, the report's Vietnamese name."""
    values = dict(finding.values)
    if "theme" in values:
        values["theme"] = (themes or {}).get(values["theme"]) or values.pop("theme_name")
    return FINDINGS[finding.kind][lang].format(**values)


SIX_WORDS = {
    "vi": {
        "người": "Biên tập: {wrote}; duyệt: {passed}",
        "tiến độ": "{published}/{planned} lượt đăng ({pct}), hạn {due}",
        "sản phẩm": "{products} tin, bài, sản phẩm ({published} lượt đăng), "
        "{approved} bài đã duyệt",
        "hiệu quả": "{reach} lượt tiếp cận, {engagement} tương tác",
    },
    "en": {
        "người": "Written by: {wrote}; approved by: {passed}",
        "tiến độ": "{published}/{planned} posts ({pct}), due {due}",
        "sản phẩm": "{products} products ({published} posts), {approved} approved",
        "hiệu quả": "reach {reach}, engagement {engagement}",
    },
}


def six_cells(
    row: SixRow, lang: str = "vi", themes: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A "6 rõ" row's six cells in `lang`, keyed by the Vietnamese column names (`việc`,
    `người`, `trách nhiệm`, `tiến độ`, `sản phẩm`, `hiệu quả`)."""
    words = SIX_WORDS[lang]
    values = {
        "wrote": _people(row.wrote),
        "passed": _people(row.approved_by),
        "published": row.published,
        "planned": row.planned,
        "pct": pct(row.published, row.planned),
        "due": f"{row.due:%d/%m/%Y}",
        "products": row.products,
        "approved": row.approved,
        "reach": n(row.reach, lang),
        "engagement": n(row.engagement, lang),
    }
    return {
        "việc": (themes or {}).get(row.theme) or row.theme_name,
        "người": words["người"].format(**values),
        "trách nhiệm": row.unit,
        "tiến độ": words["tiến độ"].format(**values),
        "sản phẩm": words["sản phẩm"].format(**values),
        "hiệu quả": words["hiệu quả"].format(**values),
    }


def assess(
    report: Report,
    *,
    spec: CampaignSpec | None,
    people: Mapping[str, tuple[list[User], list[User]]] | None = None,
    key_dates: list[KeyDate],
    themes: dict[str, str],
    closed: set[str] | frozenset[str] = frozenset(),
    quotas: bool = True,
) -> None:
    """The report's words. `closed`: themes outside their validity window on every planned
    day of the period; their weekly quota is not counted as a shortfall. `quotas`: judge
    the campaign's weekly quotas (only a report covering every channel of the campaign
    does: a unit's report is judged against its own channels' plan). `people`: per theme
    code, who wrote and who approved the items its row counts (`figures.workers`, the "rõ
    người"); a theme not in it, or no `people`, names no one. The "6 rõ" rows and the
    shortfalls are kept as data too (`six_rows`, `findings`), for the desk to word in its
    own language."""
    period, total = report.period, report.totals
    who = people or {}
    for row in report.themes:
        wrote, passed = who.get(row.code, ([], []))
        report.six_rows.append(
            SixRow(
                theme=row.code,
                theme_name=row.name,
                wrote=_names(wrote),
                approved_by=_names(passed),
                unit=report.unit,
                published=row.published,
                planned=row.planned,
                due=period.end,
                products=row.products,
                approved=row.approved,
                reach=row.reach,
                engagement=row.engagement,
            )
        )
    report.six.extend(six_cells(row) for row in report.six_rows)
    if total.planned:
        report.strengths.append(
            f"Đã thực hiện {total.published}/{total.planned} lượt đăng theo kế hoạch "
            f"({pct(total.published, total.planned)}) với {total.products} tin, bài, sản phẩm "
            f"trên {len(report.channels)} kênh chính thức, đạt {n(total.reach)} lượt tiếp cận "
            f"và {n(total.engagement)} lượt tương tác."
        )
    if report.themes and report.themes[0].reach:
        best = report.themes[0]
        report.strengths.append(
            f"Chủ đề có hiệu quả cao nhất: “{best.name}” "
            f"({n(best.reach)} lượt tiếp cận, {best.published} bài)."
        )
    found = report.findings
    for row in report.themes:
        if row.published < row.planned:
            found.append(
                Finding(
                    "theme",
                    {
                        "theme": row.code,
                        "theme_name": row.name,
                        "published": row.published,
                        "planned": row.planned,
                        "missing": row.planned - row.published,
                    },
                )
            )
    for row in report.units:
        if row.shortfall:
            found.append(
                Finding(
                    "unit",
                    {
                        "unit": row.name,
                        "shortfall": row.shortfall,
                        "published": row.published,
                        "planned": row.planned,
                    },
                )
            )
    days = report.plan_days  # quotas are weighed over the days the plan covers
    planned = {r.code: r.planned for r in report.themes}
    for quota in spec.themes if spec and quotas else []:
        if quota.code in closed:
            continue
        want = round(quota.per_week * days / 7)
        if days and quota.per_week and planned.get(quota.code, 0) < want:
            found.append(
                Finding(
                    "quota",
                    {
                        "theme": quota.code,
                        "theme_name": themes.get(quota.code, quota.code),
                        "planned": planned.get(quota.code, 0),
                        "want": want,
                        "per_week": quota.per_week,
                        "days": days,
                    },
                )
            )
    for wave in spec.waves if spec else []:
        lo = wave.date - dt.timedelta(days=wave.build_up_days)
        hi = wave.date + dt.timedelta(days=wave.after_days)
        if lo <= period.end and hi >= period.start:
            hit = next((r for r in report.themes if r.code == wave.theme), None)
            report.waves.append(
                {
                    "name": wave.name,
                    "from": lo,
                    "to": hi,
                    "date": wave.date,
                    "published": hit.published if hit else 0,
                    "planned": hit.planned if hit else 0,
                }
            )
            if hit is None or hit.published < hit.planned:
                found.append(Finding("wave", {"wave": wave.name}))
    report.gaps.extend(say(f) for f in found)
    horizon = period.end + dt.timedelta(days=92)
    for kd in key_dates:
        if period.end < kd.on_date <= horizon:
            report.next_steps.append(
                f"Chuẩn bị nội dung cho {kd.label_vi} ({kd.on_date:%d/%m/%Y}): lịch đăng, "
                "bộ infographic và video ngắn, bảo đảm “chủ động, đồng bộ, kịp thời”."
            )
    for row in report.themes:
        if row.published < row.planned:
            report.next_steps.append(
                f"Bù các bài còn thiếu của chủ đề “{row.name}” và rà soát "
                "nguyên nhân chậm duyệt, chậm đăng."
            )
    report.next_steps.append(
        "Tiếp tục theo dõi số liệu tiếp cận từng bài (1 giờ đến 28 ngày "
        "sau khi đăng) để điều chỉnh khung giờ và nội dung."
    )


# products by kind and publications by the kind of channel (`figures.product_kind`,
# `figures.channel_kind`), in the order a report lists them
PRODUCT_KINDS = {
    "card": "tin ảnh, infographic",
    "clip": "video clip",
    "article": "tin, bài viết",
    "press": "thông cáo báo chí",
    "radio": "bản tin phát thanh",
    "event": "sự kiện",
}
CHANNEL_KINDS = {
    "social": "mạng xã hội",
    "website": "trang thông tin điện tử",
    "manual": "kênh đăng thủ công (cổng thông tin, bảng tin, trang đối tác)",
}


# an incident's severity and status as a report names them (the same words as
# `incidents.core.SEVERITY_VI`, which this package may not import: incidents import reports)
SEVERITY_VI = {"critical": "nghiêm trọng", "high": "cao", "low": "thấp"}
INCIDENT_STATUS_VI = {"open": "đang xử lý", "closed": "đã kết thúc"}


def minutes(value: float) -> str:
    """Minutes as a report writes them: thousands separated by dots, a half with a comma
    (a median of an even count may fall between two whole minutes)."""
    whole = int(value)
    tenths = round((value - whole) * 10)
    return n(whole) if not tenths else f"{n(whole)},{tenths}"


def responses(report: Report) -> list[str]:
    """The incidents opened in the period and how fast their clarifications went live, one
    sentence (none when there were no incidents)."""
    r = report.response
    if not r.opened:
        return []
    kinds = ", ".join(f"mức {SEVERITY_VI.get(s, s)}: {c}" for s, c in r.by_severity.items())
    text = (
        f"Trong kỳ, tiếp nhận và xử lý {r.opened} vụ việc thông tin sai sự thật ({kinds}); "
        f"{r.live}/{r.opened} vụ việc có thông tin chính thức được đăng"
    )
    if r.median_minutes is not None and r.longest_minutes is not None:
        text += (
            f", thời gian trung vị {minutes(r.median_minutes)} phút từ khi phát hiện "
            f"(chậm nhất {minutes(r.longest_minutes)} phút)"
        )
    text += (
        f", {r.breached} vụ việc quá thời hạn mục tiêu"
        if r.breached
        else ", không có vụ việc nào quá thời hạn mục tiêu"
    )
    if r.open_without_live:
        text += (
            f"; {r.open_without_live} vụ việc đang xử lý, chưa có thông tin chính thức được đăng"
        )
    return [text + "."]


def by_kind(report: Report) -> list[str]:
    """The products by kind and the publications by the kind of channel, one sentence each
    (none when nothing was published). Each product is counted once, under its kind."""
    out = []
    kinds = [
        f"{report.kinds[k]} {label}" for k, label in PRODUCT_KINDS.items() if k in report.kinds
    ]
    kinds += [f"{v} {k}" for k, v in sorted(report.kinds.items()) if k not in PRODUCT_KINDS]
    if kinds:
        out.append(f"Theo loại sản phẩm: {'; '.join(kinds)}.")
    where = [
        f"{report.channel_kinds[k]} trên {label}"
        for k, label in CHANNEL_KINDS.items()
        if k in report.channel_kinds
    ]
    if where:
        out.append(f"Lượt đăng theo loại kênh: {'; '.join(where)}.")
    return out


AUDIENCE_HEADING = "Kết quả theo đối tượng và ngôn ngữ"


def by_audience(report: Report) -> list[str]:
    """The results by audience and by language (`Report.audiences`, `Report.languages`):
    the heading, how many publications went to foreign audiences, then a line per audience
    and per language (none when nothing was published). A publication for several
    audiences is counted under each; every publication is counted under one language."""
    if not report.languages:
        return []
    out = [f"{AUDIENCE_HEADING}:"]
    foreign, total = report.foreign, report.totals
    abroad = [row.name for row in report.audiences if row.extra.get("foreign")]
    if foreign is not None and foreign.published:
        out.append(
            f"Có {foreign.published}/{total.published} lượt đăng "
            f"({pct(foreign.published, total.published)}), {foreign.products} tin, bài, "
            f"sản phẩm hướng tới đối tượng nước ngoài ({', '.join(abroad).lower()}), "
            f"đạt {n(foreign.reach)} lượt tiếp cận."
        )
    elif report.audiences:
        out.append("Chưa có lượt đăng nào hướng tới đối tượng nước ngoài trong kỳ.")
    for row in report.audiences:
        out.append(
            f"- {row.name}: {row.products} tin, bài, sản phẩm; {row.published} lượt đăng; "
            f"{n(row.reach)} lượt tiếp cận."
        )
    for row in report.languages:
        out.append(
            f"- {row.name}: {row.products} tin, bài, sản phẩm; {row.published} lượt đăng; "
            f"{n(row.reach)} lượt tiếp cận."
        )
    return out
