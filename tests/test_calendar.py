"""The calendar shows each post at its own time: a rescheduled item at its new time (and,
once approved, its publication there), a post made outside the plan too; a plan slot no
item fills stays "planned" at the slot's time. On SQLite and PostgreSQL (`app_db`)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from phuxanh import crud, jobs, review
from phuxanh.compose.items import create_item
from phuxanh.core.settings import get_settings
from phuxanh.models import Channel, ContentItem, Publication
from tests.helpers import START, at, items, user
from tests.test_dashboard import _page

WEEK = {"start": START, "end": START + dt.timedelta(days=6)}


def _week(s: Session) -> list[crud.CalendarEntry]:
    return crud.calendar(s, tz=get_settings().tz, **WEEK)  # type: ignore[arg-type]


def test_a_rescheduled_item_shows_at_its_new_time(app_db: str) -> None:
    with Session(jobs.engine(app_db)) as s:
        item = items(s)[0]
        item_id = item.id
        assert item.slot_id is not None and item.scheduled_at is not None
        slot_time = item.scheduled_at.astimezone(get_settings().tz)
        before = [e for e in _week(s) if e.item_id == item_id]
        assert [e.when for e in before] == [slot_time]
        new = at(3, 15, 40)
        assert new != slot_time
        review.edit(s, item=item, actor=user(s, "lan.nguyen"), scheduled_at=new)
        s.commit()
        moved = [e for e in _week(s) if e.item_id == item_id]
        assert [(e.when, e.slot_when, e.publication_id) for e in moved] == [(new, slot_time, None)]
        assert moved[0].why  # it still fills its plan slot: the planner's reason stays
        # approved, its publication is due at the new time too, and shows once
        review.submit(s, item=item, actor=user(s, "lan.nguyen"))
        review.approve(s, item=item, actor=user(s, "minh.tran"))
        s.commit()
        pubs = s.exec(select(Publication).where(Publication.content_item_id == item_id)).all()
        assert pubs and item.status == "scheduled"
        shown = [e for e in _week(s) if e.item_id == item_id]
        assert sorted(e.publication_id for e in shown) == sorted(p.id for p in pubs)
        assert {e.when for e in shown} == {new} and {e.status for e in shown} == {"scheduled"}
        # a publication that went out later than due shows when it went out
        pubs[0].state = "published"
        pubs[0].published_at = (new + dt.timedelta(minutes=7)).astimezone(dt.UTC)
        s.add(pubs[0])
        s.commit()
        out = next(e for e in _week(s) if e.publication_id == pubs[0].id)
        assert (out.when, out.status) == (new + dt.timedelta(minutes=7), "published")
        # the slot it left is not shown as an empty "planned" one
        assert not [e for e in _week(s) if e.when == slot_time and e.status == "planned"]


def test_a_post_outside_the_plan_appears(app_db: str) -> None:
    with Session(jobs.engine(app_db)) as s:
        channel = s.exec(select(Channel).order_by(Channel.id)).first()  # type: ignore[arg-type]
        assert channel is not None
        when = at(2, 10, 25)
        item = create_item(
            s,
            channel_code=channel.code,
            text="Thông báo lịch tiếp công dân tuần này.",
            at=when,
            actor="lan.nguyen",
        )
        s.commit()
        assert item.slot_id is None and item.theme_id is None
        found = [e for e in _week(s) if e.item_id == item.id]
        assert [(e.when, e.channel_code, e.theme, e.why, e.slot_when) for e in found] == [
            (when, channel.code, "", "", None)
        ]
        assert found[0].status == str(item.status)
        # not in the following week
        assert not [
            e
            for e in crud.calendar(
                s,
                start=START + dt.timedelta(days=7),
                end=START + dt.timedelta(days=13),
                tz=get_settings().tz,
            )
            if e.item_id == item.id
        ]
        item_id = item.id
    for lang, theme, why in (
        ("vi", "Bài ngoài chủ đề", "Bài đăng ngoài kế hoạch"),
        ("en", "Outside the themes", "Posted outside the plan"),
    ):
        cal = _page("calendar")
        if lang == "en":
            cal.sidebar.radio[0].set_value("en").run()
        cal.date_input[0].set_value(START).run()
        assert not cal.exception, [e.value for e in cal.exception]
        frame = cal.dataframe[0].value
        item_col, time_col, theme_col, why_col = (
            ("Mục", "Giờ", "Chủ đề", "Lý do") if lang == "vi" else ("Item", "Time", "Theme", "Why")
        )
        row = frame[frame[item_col] == item_id]
        assert list(row[time_col]) == ["10:25"]
        assert list(row[theme_col]) == [theme] and list(row[why_col]) == [why]
        assert any(f"#{item_id} ·" in str(o) for o in cal.selectbox(key="cal_item").options)


def test_the_page_shows_a_moved_item_at_its_new_time_and_its_slot(app_db: str) -> None:
    with Session(jobs.engine(app_db)) as s:
        item = items(s)[0]
        slot_time = item.scheduled_at.astimezone(get_settings().tz)  # type: ignore[union-attr]
        review.edit(s, item=item, actor=user(s, "lan.nguyen"), scheduled_at=at(4, 19, 5))
        s.commit()
        item_id = item.id
        assert s.get(ContentItem, item_id).scheduled_at is not None  # type: ignore[union-attr]
    cal = _page("calendar")
    cal.date_input[0].set_value(START).run()
    frame = cal.dataframe[0].value
    row = frame[frame["Mục"] == item_id]
    assert list(row["Giờ"]) == ["19:05"]
    assert list(row["Ngày"]) == [f"{START + dt.timedelta(days=4):%d/%m/%Y}"]
    assert list(row["Khung giờ trong kế hoạch"]) == [f"{slot_time:%d/%m/%Y %H:%M}"]
    assert "19:05" in " ".join(m.value for m in cal.markdown)  # the grid's chip
