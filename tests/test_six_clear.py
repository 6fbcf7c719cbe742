"""The "6 rõ" table's "rõ người": for each theme, the people who did the work its row
counts in the period (who wrote and who approved those items), never every member of the
unit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from sqlmodel import Session, select

from phuxanh import jobs, review
from phuxanh.core.users import add_user
from phuxanh.models import ItemStatus, Theme
from phuxanh.reports.figures import build
from phuxanh.reports.model import parse_period
from tests.helpers import at, items, user


def _names(people: set[str]) -> str:
    return ", ".join(sorted(people, key=str.casefold)) or "—"


def test_the_people_named_are_those_who_wrote_and_approved_each_themes_items(
    db_url: str, sandbox, given_campaign: Callable[..., str]
) -> None:
    given_campaign(db_url, sandbox.public_url, days=2)
    with Session(jobs.engine(db_url)) as s:
        for name, role, shown in (
            ("tuan.do", "editor", "Đỗ Văn Tuấn"),  # edits one theme's items only
            ("thu.le", "manager", "Lê Thị Thu"),  # of the unit, does nothing in the period
            ("an.vu", "editor", "Vũ Bình An"),  # writes an item that is never approved
        ):
            add_user(s, username=name, unit_code="ttdn-haiphong", role=role, display_name=shown)
        s.commit()
    wrote: dict[str, set[str]] = defaultdict(set)  # theme -> display names
    passed: dict[str, set[str]] = defaultdict(set)
    with Session(jobs.engine(db_url)) as s:
        lan, minh, hoa, tuan, an = (
            user(s, n) for n in ("lan.nguyen", "minh.tran", "hoa.pham", "tuan.do", "an.vu")
        )
        code_of = {t.id: t.code for t in s.exec(select(Theme))}
        by_theme: dict[str, list[int]] = defaultdict(list)
        for item in items(s):
            by_theme[code_of[item.theme_id]].append(item.id)
        themes = sorted(by_theme)
        assert len(themes) >= 3, themes  # the demo's two days hold several themes
        edited, idle = themes[0], themes[-1]  # idle: planned, never submitted
        for item in items(s):
            code = code_of[item.theme_id]
            if code == idle:
                if item.id == by_theme[idle][0]:  # written over by an editor, never approved
                    review.edit(s, item=item, actor=an, caption=item.caption + " (bản sửa)")
                continue
            if code == edited:
                review.edit(s, item=item, actor=tuan, caption=item.caption + " (bản sửa)")
                wrote[code].add(tuan.display_name)
            assert item.author_id == lan.id  # the planner drafts as the campaign's editor
            wrote[code].add(lan.display_name)
            review.submit(s, item=item, actor=lan)
            first = hoa if code == edited else minh  # each theme its own approver
            review.approve(s, item=item, actor=first)
            passed[code].add(first.display_name)
            if item.status == ItemStatus.in_review:  # a sensitive theme: a second approver
                second = minh if first == hoa else hoa
                review.approve(s, item=item, actor=second)
                passed[code].add(second.display_name)
            assert item.status in (ItemStatus.approved, ItemStatus.scheduled)
        s.commit()
        names = {c: (_names(wrote[c]), _names(passed[c])) for c in themes}
        titles = {t.code: t.title_vi for t in s.exec(select(Theme))}
    for day in (0, 1):
        for hour, minute in ((8, 1), (19, 31)):
            jobs.publish_due(now=at(day, hour, minute), database_url=db_url)

    with Session(jobs.engine(db_url)) as s:
        report = build(
            s, period=parse_period("2026-03"), tz=jobs.get_settings().tz, today=dt.date(2026, 4, 2)
        )
    six = {r["việc"]: r["người"] for r in report.six}
    assert set(six) == {titles[c] for c in themes}
    for code in themes:
        editors, approvers = names[code]
        if code == idle:
            editors = approvers = "—"  # nothing of it approved or published: no one named
        assert six[titles[code]] == f"Biên tập: {editors}; duyệt: {approvers}", code
    assert "Đỗ Văn Tuấn" in six[titles[edited]]
    assert all("Đỗ Văn Tuấn" not in six[titles[c]] for c in themes if c != edited)
    assert "Phạm Thu Hoa" in six[titles[edited]]
    text = " ".join(six.values())
    assert "Lê Thị Thu" not in text  # a member who did nothing is not named
    assert "Vũ Bình An" not in text  # nor one whose work was not approved

    # a period with nothing done names no one; the rows are those the plan has
    with Session(jobs.engine(db_url)) as s:
        later = build(
            s, period=parse_period("2026-04"), tz=jobs.get_settings().tz, today=dt.date(2026, 5, 2)
        )
    assert all(r["người"] == "Biên tập: —; duyệt: —" for r in later.six)


def test_a_unit_report_names_only_the_work_on_its_channels(
    db_url: str, sandbox, given_campaign: Callable[..., str]
) -> None:
    given_campaign(db_url, sandbox.public_url, days=2)
    from phuxanh.models import Channel, Unit

    passed: dict[str, set[str]] = defaultdict(set)  # theme -> approvers, on the unit's channel
    with Session(jobs.engine(db_url)) as s:
        lan, minh, hoa = (user(s, n) for n in ("lan.nguyen", "minh.tran", "hoa.pham"))
        units = {u.id: u.code for u in s.exec(select(Unit))}
        channel_unit = {c.id: units[c.unit_id] for c in s.exec(select(Channel))}
        code_of = {t.id: t.code for t in s.exec(select(Theme))}
        titles = {t.code: t.title_vi for t in s.exec(select(Theme))}
        for item in items(s):
            ours = {channel_unit[c] for c in item.channel_ids} == {"so-vhttdl-haiphong"}
            review.submit(s, item=item, actor=lan)
            # hoa approves what goes out on the department's channel, minh everything else
            first, second = (hoa, minh) if ours else (minh, hoa)
            review.approve(s, item=item, actor=first)
            approvers = {first.display_name}
            if item.status == ItemStatus.in_review:  # a sensitive theme: a second approver
                review.approve(s, item=item, actor=second)
                approvers.add(second.display_name)
            if ours:
                passed[code_of[item.theme_id]] |= approvers
        s.commit()
        expected = {
            titles[c]: f"Biên tập: Nguyễn Thị Lan; duyệt: {_names(v)}" for c, v in passed.items()
        }
    assert expected and any("Trần Văn Minh" not in v for v in expected.values())
    with Session(jobs.engine(db_url)) as s:
        own = build(
            s,
            period=parse_period("2026-03"),
            tz=jobs.get_settings().tz,
            unit_code="so-vhttdl-haiphong",
            today=dt.date(2026, 4, 2),
        )
    assert {r["việc"]: r["người"] for r in own.six} == expected
