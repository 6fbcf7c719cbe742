"""The review queue and the audit log as each person sees them: only their unit and the
units below it (an admin everything), searched by caption, author and id, a page at a
time, in SQL on SQLite and PostgreSQL; approving a page at once after a confirmation,
with an honest count; the desk's read queries all told who is reading."""

from __future__ import annotations

import ast
import datetime as dt
import os
import unicodedata
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from phuxanh import crud, jobs, review
from phuxanh.core.settings import get_settings
from phuxanh.core.users import add_user, ensure_unit, oversees
from phuxanh.models import (
    AuditEvent,
    Channel,
    ContentItem,
    ItemStatus,
    Publication,
    Theme,
    Unit,
    User,
)
from tests.helpers import START, items, user
from tests.test_browser import dashboard as _desk  # noqa: F401  (a fixture: the desk served)
from tests.test_dashboard import _signed_in

ROOT = Path(__file__).resolve().parent.parent
SUB = "so-vhttdl-haiphong"  # a unit below the demo's (ttdn-haiphong)


def _people(db_url: str) -> None:
    """An approver of a unit below the demo's, one of a unit outside it, and an admin."""
    with Session(jobs.engine(db_url)) as s:
        ensure_unit(s, code="so-khac", name="Sở Khác (ngoài cây đơn vị)", level="department")
        add_user(
            s,
            username="vh.duyet",
            unit_code=SUB,
            role="approver",
            display_name="Võ Hà Duyệt",
            password="phuxanh-demo",
        )
        add_user(
            s, username="khac.duyet", unit_code="so-khac", role="approver", password="phuxanh-demo"
        )
        add_user(s, username="quan.tri", unit_code="so-khac", role="admin", password="phuxanh-demo")
        s.commit()


def _submit_all(db_url: str) -> None:
    with Session(jobs.engine(db_url)) as s:
        editor = user(s, "lan.nguyen")
        for item in items(s):
            review.submit(s, item=item, actor=editor)
        s.commit()


def _copies(db_url: str, n: int) -> list[int]:
    """`n` more items in review, each a copy of a demo item (real rows, new ids)."""
    with Session(jobs.engine(db_url)) as s:
        originals = items(s)
        made = []
        for k in range(n):
            source = originals[k % len(originals)]
            copy = ContentItem(
                **source.model_dump(exclude={"id", "slot_id", "status"}),
                status=ItemStatus.in_review,
            )
            assert source.scheduled_at is not None
            copy.scheduled_at = source.scheduled_at + dt.timedelta(days=7 + k)
            copy.caption = f"Bản sao {k}: {source.caption}"
            s.add(copy)
            made.append(copy)
        s.commit()
        return [c.id for c in made if c.id is not None]


def _bare(text: str) -> str:
    """The oracle for search: lower case, diacritics dropped, by Python's own Unicode
    tables (not the query's)."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _viewer(s: Session, name: str) -> User:
    return s.exec(select(User).where(User.username == name)).one()


# --- crud, on SQLite and PostgreSQL -----------------------------------------------------


def test_each_person_sees_their_unit_and_the_units_below(app_db: str) -> None:
    _people(app_db)
    with Session(jobs.engine(app_db)) as s:
        every = items(s)
        units = {u.id: u for u in s.exec(select(Unit))}
        for name in ("minh.tran", "vh.duyet", "khac.duyet", "quan.tri"):
            viewer = _viewer(s, name)
            seen = crud.visible_units(s, viewer)
            for unit_id in units:  # the same rule as approving (`oversees`)
                rule = oversees(s, actor=viewer, unit_id=unit_id)
                assert (seen is None or unit_id in seen) == rule, (name, unit_id)
            want = sorted(i.id for i in every if oversees(s, actor=viewer, unit_id=i.unit_id))
            got = sorted(r.id for r in crud.queue(s, viewer=viewer))
            assert got == want, name
        sub = _viewer(s, "vh.duyet")
        sub_unit = sub.unit_id
        mine = [i.id for i in every if i.unit_id == sub_unit]
        assert 0 < len(mine) < len(every)
        assert sorted(r.id for r in crud.queue(s, viewer=sub)) == sorted(mine)
        assert crud.queue(s, viewer=_viewer(s, "khac.duyet")) == []
        assert len(crud.queue(s, viewer=_viewer(s, "quan.tri"))) == len(every)
        assert len(crud.queue(s, viewer=None)) == len(every)  # the CLI: everything
        # another unit's item is not found even by its number
        other = next(i.id for i in every if i.unit_id != sub_unit)
        assert crud.queue(s, viewer=sub, item_id=other) == []
        # the calendar, coverage and health: the channels of their unit only
        theirs = {
            c.display_name for c in s.exec(select(Channel).where(Channel.unit_id == sub_unit))
        }
        tz = get_settings().tz
        week = crud.calendar(s, start=START, end=START + dt.timedelta(days=6), tz=tz, viewer=sub)
        assert week and {e.channel for e in week} == theirs
        assert len(crud.calendar(s, start=START, end=START + dt.timedelta(days=6), tz=tz)) > len(
            week
        )
        planned = sum(c.planned for c in crud.coverage(s, tz=tz, viewer=sub))
        assert planned == len(week)
        assert {
            h.name for h in crud.channel_health(s, now=dt.datetime.now(dt.UTC), viewer=sub)
        } == theirs
        assert (
            crud.calendar(
                s,
                start=START,
                end=START + dt.timedelta(days=6),
                tz=tz,
                viewer=_viewer(s, "khac.duyet"),
            )
            == []
        )


def test_published_posts_and_what_waits_are_counted_per_unit(app_db: str) -> None:
    from tests.helpers import at
    from tests.test_publishing import _approve_all

    _people(app_db)
    _approve_all(app_db)
    jobs.publish_due(now=at(0, 8, 1), database_url=app_db)
    jobs.publish_due(now=at(0, 23), database_url=app_db)  # the evening post is missed
    jobs.collect_metrics(now=at(1, 9), database_url=app_db)
    with Session(jobs.engine(app_db)) as s:
        sub = _viewer(s, "vh.duyet")
        pubs = s.exec(
            select(Publication, ContentItem).join(
                ContentItem, col(ContentItem.id) == col(Publication.content_item_id)
            )
        ).all()
        published = [p for p, _ in pubs if p.state == "published"]
        mine = [p for p, i in pubs if p.state == "published" and i.unit_id == sub.unit_id]
        everything = crud.metrics_overview(s)
        theirs = crud.metrics_overview(s, viewer=sub)
        assert sum(r.posts for r in everything.by_channel) == len(published)
        assert sum(r.posts for r in theirs.by_channel) == len(mine)
        assert sum(r.posts for r in theirs.by_theme) == len(mine)
        assert len(theirs.top) <= len(mine)
        waiting = crud.waiting_for_a_person(s)
        assert waiting, "a missed post waits for a person"
        unit_of = {p.id: i.unit_id for p, i in pubs}
        assert [w.id for w in crud.waiting_for_a_person(s, viewer=sub)] == [
            w.id for w in waiting if unit_of[w.id] == sub.unit_id
        ]
        assert crud.waiting_for_a_person(s, viewer=_viewer(s, "khac.duyet")) == []


def test_the_queue_is_searched_by_caption_author_and_id(app_db: str) -> None:
    _people(app_db)
    with Session(jobs.engine(app_db)) as s:
        every = items(s)
        item = every[0]
        item.caption = "ĐẠI HỘI Đảng bộ lần thứ XXIII: 100% đại biểu_dự"
        s.add(item)
        s.commit()
        minh = _viewer(s, "minh.tran")
        names = {u.id: (u.username, u.display_name) for u in s.exec(select(User))}

        def search(**kw: str) -> list[int]:
            return [r.id for r in crud.queue(s, viewer=minh, **kw)]  # type: ignore[arg-type]

        def expected(query: str) -> list[int]:
            """Typed with diacritics: they must match as typed, case aside; typed
            without: they are ignored."""
            if query.lower() != _bare(query):
                return [i.id for i in every if query.lower() in i.caption.lower()]
            return [i.id for i in every if _bare(query) in _bare(i.caption)]

        for query in ("đại hội đảng", "Đại Hội", "dai hoi dang", "DAI HOI", "100%", "biểu_dự"):
            assert item.id in expected(query), query
            assert search(text=query) == expected(query), query
        for query in ("hải phòng", "hai phong", "HẢI PHÒNG", "thành phố"):
            assert len(expected(query)) > 1, query
            assert search(text=query) == expected(query), query
        assert search(text="10_%") == []  # % and _ are literal, not wildcards
        assert search(text="đai hôi") == []  # other diacritics typed: no match
        for who in ("lan", "LAN.NGUYEN", "nguyễn thị", "nguyen thi lan"):
            want = [i.id for i in every if any(_bare(who) in _bare(n) for n in names[i.author_id])]
            assert want and search(author=who) == want, who
        assert search(author="vh.duyet") == []  # wrote nothing
        assert search(author="duyệt") == []
        assert search(item_id=item.id) == [item.id]  # type: ignore[arg-type]
        # a number typed bare: the item of that number, and the captions that hold it
        assert search(text=str(item.id)) == sorted(
            {item.id} | {i.id for i in every if str(item.id) in i.caption}
        )
        assert search(text="100") == [item.id]


def test_the_queue_comes_a_page_at_a_time(app_db: str) -> None:
    _copies(app_db, 25)
    with Session(jobs.engine(app_db)) as s:
        minh = _viewer(s, "minh.tran")
        where = crud.QueueFilter(statuses=("in_review",))
        everything = [r.id for r in crud.queue(s, viewer=minh, status="in_review")]
        assert len(everything) == 25
        pages = [crud.queue_page(s, where, viewer=minh, page=n, size=10) for n in (1, 2, 3)]
        assert [p.total for p in pages] == [25, 25, 25]
        assert [p.pages for p in pages] == [3, 3, 3]
        assert [len(p.rows) for p in pages] == [10, 10, 5]
        assert [r.id for p in pages for r in p.rows] == everything  # in order, none twice
        when = [r.scheduled_at for p in pages for r in p.rows]
        assert when == sorted(when)  # earliest post first
        past = crud.queue_page(s, where, viewer=minh, page=9, size=10)
        assert past.number == 3 and [r.id for r in past.rows] == [r.id for r in pages[2].rows]
        first = crud.queue_page(s, where, viewer=minh, page=0, size=10)
        assert first.number == 1
        found = crud.queue_page(
            s, crud.QueueFilter(statuses=("in_review",), text="bản sao 1"), viewer=minh, size=5
        )
        assert found.total == 11 and found.pages == 3  # "Bản sao 1", "Bản sao 10" … "19"
        none = crud.queue_page(s, crud.QueueFilter(text="không có chữ này"), viewer=minh)
        assert (none.total, none.pages, none.rows) == (0, 1, ())
        with pytest.raises(ValueError, match="page size 0"):
            crud.queue_page(s, where, viewer=minh, size=0)


def test_the_channel_filter_is_applied_in_sql(app_db: str) -> None:
    with Session(jobs.engine(app_db)) as s:
        every = items(s)
        for channel in s.exec(select(Channel)):
            want = [i.id for i in every if channel.id in i.channel_ids]
            assert want, channel.code
            got = crud.queue_page(
                s, crud.QueueFilter(channel_code=channel.code), viewer=None, size=3
            )
            assert got.total == len(want) and [r.id for r in got.rows] == want[:3]
        assert crud.queue(s, channel_code="no-such-channel") == []


def test_the_audit_log_per_unit_searched_and_paged(app_db: str) -> None:
    _people(app_db)
    _submit_all(app_db)
    with Session(jobs.engine(app_db)) as s:
        sub, minh = _viewer(s, "vh.duyet"), _viewer(s, "minh.tran")
        item_unit = {str(i.id): i.unit_id for i in items(s)}
        people = {u.username: u.unit_id for u in s.exec(select(User))}
        user_unit = {str(u.id): u.unit_id for u in s.exec(select(User))}
        channel_unit = {c.code: c.unit_id for c in s.exec(select(Channel))}
        channel_unit |= {str(c.id): c.unit_id for c in s.exec(select(Channel))}
        events = list(s.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())))

        def seen(e: AuditEvent, units: set[int]) -> bool:
            """The rule, row by row in Python (the query does it in SQL)."""
            about = {"item": item_unit, "user": user_unit, "channel": channel_unit}
            return (
                people.get(e.actor) in units
                or about.get(e.entity, {}).get(e.entity_id) in units
                or (e.entity, e.entity_id) == ("channel", "*")
            )

        below = {u.id for u in s.exec(select(Unit)) if u.code != "so-khac"}
        for viewer, units in ((sub, {sub.unit_id}), (minh, below)):
            want = [e.id for e in events if seen(e, units)]
            assert 0 < len(want) < len(events), viewer.username
            got = crud.audit_page(s, viewer=viewer, size=1000)
            assert [r.id for r in got.rows] == want and got.total == len(want)
        want = [e.id for e in events if seen(e, {sub.unit_id})]
        assert crud.audit_page(s, viewer=None, size=1000).total == len(events)
        assert crud.audit_page(s, viewer=_viewer(s, "quan.tri")).total == len(events)
        submits = [e.id for e in events if e.action == "item.submit"]
        assert crud.audit_page(s, viewer=None, text="ITEM.SUBMIT", size=1000).total == len(submits)
        by_lan = [e.id for e in events if e.actor == "lan.nguyen"]
        assert [r.id for r in crud.audit_page(s, viewer=None, actor="lan", size=1000).rows] == (
            by_lan
        )
        first = next(e for e in events if e.action == "item.submit")
        about = [e.id for e in events if e.entity_id == first.entity_id]
        got_about = crud.audit_page(s, viewer=None, entity_id=f"#{first.entity_id}", size=1000)
        assert [r.id for r in got_about.rows] == about
        paged = [crud.audit_page(s, viewer=None, page=n, size=7) for n in (1, 2)]
        assert [r.id for p in paged for r in p.rows] == [e.id for e in events[:14]]
        exported = list(crud.audit_rows(s, viewer=sub))
        assert [r.id for r in exported] == sorted(want)  # oldest first, theirs only


# --- the desk (Streamlit AppTest) --------------------------------------------------------


def test_an_approver_of_one_unit_sees_only_it_on_every_page(app_db: str) -> None:
    _people(app_db)
    _submit_all(app_db)
    with Session(jobs.engine(app_db)) as s:
        sub_unit = _viewer(s, "vh.duyet").unit_id
        mine = sorted(i.id for i in items(s) if i.unit_id == sub_unit)
        channels = [c.display_name for c in s.exec(select(Channel))]
        theirs = [
            c.display_name for c in s.exec(select(Channel).where(Channel.unit_id == sub_unit))
        ]
        people = [u.id for u in s.exec(select(User).where(User.unit_id == sub_unit))]
    q = _signed_in("vh.duyet")
    assert q.caption[0].value == f"{len(mine)} mục"
    shown = sorted(int(b.key.split("-")[1]) for b in q.button if b.key.startswith("approve-"))
    assert shown == mine
    assert q.button(key="bulk").label == f"Duyệt {len(mine)} mục trên trang này…"
    assert q.selectbox(key="f_unit.vi").options == [
        "Tất cả",
        "Sở Văn hóa, Thể thao và Du lịch Hải Phòng",
    ]
    assert len(q.selectbox(key="f_channel.vi").options) == 1 + len(theirs)
    from phuxanh.publish.pauses import pause

    with Session(jobs.engine(app_db)) as s:  # a pause of another unit's channel, and of all
        pause(s, channel_code="fb-ttdn-haiphong", reason="Kênh của Ban", actor="minh.tran")
        pause(s, channel_code=None, reason="Bão số 3", actor="minh.tran")
        s.commit()
    health = q.switch_page("app_pages/health.py").run()
    assert sorted(health.dataframe[0].value["Kênh"]) == sorted(theirs) != sorted(channels)
    paused = [e.value for e in health.error if e.value.startswith("Đang tạm dừng")]
    assert len(paused) == 1 and "Bão số 3" in paused[0]
    audit_page = q.switch_page("app_pages/audit.py").run()
    assert any("Sở Văn hóa" in c.value for c in audit_page.caption)  # says whose rows these are
    rows = audit_page.dataframe[0].value
    assert {f"item {i}" for i in mine} <= set(rows["Đối tượng"])
    assert "channel fb-ttdn-haiphong" not in set(rows["Đối tượng"])  # not their channel
    assert set(rows["Đối tượng"]) <= {f"item {i}" for i in mine} | {
        *(f"user {u}" for u in people),
        "channel *",  # a pause of every channel concerns them too
    }
    reports = q.switch_page("app_pages/reports.py").run()
    assert reports.selectbox(key="rep_unit").options == [
        "Sở Văn hóa, Thể thao và Du lịch Hải Phòng"
    ]
    outsider = _signed_in("khac.duyet")
    assert outsider.caption[0].value == "0 mục"
    assert not [b for b in outsider.button if b.key in ("bulk",) or b.key.startswith("approve-")]


def test_search_and_pages_in_the_queue(app_db: str) -> None:
    made = _copies(app_db, 25)
    q = _signed_in("minh.tran")
    assert q.caption[0].value == "25 mục"
    q.selectbox(key="q_size").set_value(10).run()
    assert "Trang 1/3 · mục 1–10" in [c.value for c in q.caption]
    first = [b.key for b in q.button if b.key.startswith("approve-")]
    assert len(first) == 10 and q.button(key="q_page-prev").disabled
    q.button(key="q_page-next").click().run()
    assert "Trang 2/3 · mục 11–20" in [c.value for c in q.caption]
    second = [b.key for b in q.button if b.key.startswith("approve-")]
    assert len(second) == 10 and not set(first) & set(second)
    q.button(key="q_page-next").click().run()
    assert "Trang 3/3 · mục 21–25" in [c.value for c in q.caption]
    assert q.button(key="q_page-next").disabled
    q.text_input(key="q_text").input("BẢN SAO 2").run()  # a new search: its first page
    assert q.caption[0].value == "6 mục"  # "Bản sao 2", "Bản sao 20" … "24"
    assert not [c for c in q.caption if c.value.startswith("Trang ")]
    q.text_input(key="q_text").input(f"#{made[3]}").run()  # an item number: that item
    assert q.caption[0].value == "1 mục"
    assert [b.key for b in q.button if b.key.startswith("approve-")] == [f"approve-{made[3]}"]
    q.text_input(key="q_text").input("").run()
    q.text_input(key="q_author").input("Nguyễn Thị Lan").run()
    assert q.caption[0].value == "25 mục"
    q.text_input(key="q_author").input("hoa.pham").run()
    assert q.caption[0].value == "0 mục"
    assert q.expander[0].label == "Lọc thêm (1 điều kiện)"
    q.sidebar.radio(key="lang").set_value("en").run()
    assert q.caption[0].value == "0 items"
    q.text_input(key="q_author").input("").run()
    q.text_input(key="q_text").input(f"# {made[0]}").run()
    assert q.caption[0].value == "1 item"  # not "1 items"


def test_approving_a_page_asks_first_and_counts_what_happened(app_db: str) -> None:
    with Session(jobs.engine(app_db)) as s:
        every = items(s)
        editor, minh = user(s, "lan.nguyen"), user(s, "minh.tran")
        theme = s.get(Theme, every[0].theme_id)
        assert theme is not None
        theme.sensitive = True
        s.add(theme)
        sensitive = {t.id for t in s.exec(select(Theme)) if t.sensitive}
        own = next(i for i in every if i.theme_id not in sensitive)
        own.author_id = minh.id or 0
        s.add(own)
        for item in every:
            review.submit(s, item=item, actor=editor)
        s.commit()
        delicate = sorted(i.id for i in every if i.theme_id in sensitive)
        plain = sorted(i.id for i in every if i.theme_id not in sensitive and i.id != own.id)
        own_id = own.id
    assert delicate and plain
    q = _signed_in("minh.tran")
    assert q.caption[0].value == f"{len(every)} mục"
    q.button(key="bulk").click().run()
    assert q.warning[0].value.startswith(f"Duyệt {len(every)} mục sau: #")
    with Session(jobs.engine(app_db)) as s:  # asked, nothing done yet
        assert {i.status for i in items(s)} == {ItemStatus.in_review}
    q.button(key="bulk_no").click().run()
    assert "bulk_yes" not in {b.key for b in q.button}
    q.button(key="bulk").click().run()
    q.button(key="bulk_yes").click().run()
    assert [e.value for e in q.success] == [
        f"Đã duyệt {len(plain)} mục: {', '.join(f'#{i}' for i in plain)}."
    ]
    waits = [e.value for e in q.info if "người duyệt thứ hai" in e.value]
    assert waits == [
        f"{len(delicate)} mục chủ đề nhạy cảm đã có lượt duyệt của bạn, còn chờ người duyệt "
        f"thứ hai: {', '.join(f'#{i}' for i in delicate)}."
    ]
    (refusal,) = [e.value for e in q.error]
    assert refusal.startswith("1 mục không duyệt được:")
    assert f"#{own_id}: minh.tran là tác giả mục #{own_id} nên không được tự duyệt." in refusal
    with Session(jobs.engine(app_db)) as s:
        status = {i.id: i.status for i in items(s)}
    assert {status[i] for i in plain} == {ItemStatus.scheduled}
    assert {status[i] for i in [*delicate, own_id]} == {ItemStatus.in_review}
    remaining = len(delicate) + 1
    assert q.caption[0].value == f"{remaining} mục"
    # again: their approval already counts, so those still wait; nothing is done twice
    q.button(key="bulk").click().run()
    q.button(key="bulk_yes").click().run()
    assert not q.success and "Không mục nào được duyệt." in [e.value for e in q.warning]
    assert [e.value for e in q.info if "người duyệt thứ hai" in e.value] == waits
    # the "Approved" filter: every approved item (scheduled by now), not an empty list
    q.selectbox(key="f_status.vi").set_value("approved").run()
    assert q.caption[0].value == f"{len(plain)} mục"
    english = _signed_in("hoa.pham", "en")  # the second approver, who wrote none of them
    english.button(key="bulk").click().run()
    assert english.button(key="bulk_yes").label == f"Approve {remaining} items"
    english.button(key="bulk_yes").click().run()
    assert [e.value for e in english.success] == [
        f"Approved {remaining} items: {', '.join(f'#{i}' for i in sorted([*delicate, own_id]))}."
    ]
    assert not english.error
    with Session(jobs.engine(app_db)) as s:
        assert {i.status for i in items(s)} == {ItemStatus.scheduled}


def test_search_and_page_do_not_carry_over_to_the_next_person(app_db: str) -> None:
    _copies(app_db, 25)
    at = _signed_in("hoa.pham")
    at.selectbox(key="q_size").set_value(10).run()
    at.button(key="q_page-next").click().run()
    at.text_input(key="q_author").input("lan").run()
    at.text_input(key="q_text").input("bản sao").run()
    assert at.caption[0].value == "25 mục"
    at.sidebar.button(key="sign_out").click().run()
    at.text_input(key="auth_user").input("minh.tran")
    at.text_input(key="auth_password").input("phuxanh-demo")
    at.button[0].click().run()
    assert at.text_input(key="q_text").value == "" and at.text_input(key="q_author").value == ""
    assert at.selectbox(key="q_size").value == 20
    assert "Trang 1/2 · mục 1–20" in [c.value for c in at.caption]


def test_the_audit_page_is_searched_and_paged(app_db: str) -> None:
    _people(app_db)
    _submit_all(app_db)
    at = _signed_in("minh.tran")
    at.switch_page("app_pages/audit.py").run()
    with Session(jobs.engine(app_db)) as s:
        events = list(s.exec(select(AuditEvent)))
        outside = {  # the people of the unit outside the demo's tree
            str(u.id) for u, unit in s.exec(select(User, Unit).join(Unit)) if unit.code == "so-khac"
        }
    theirs = [e for e in events if not (e.entity == "user" and e.entity_id in outside)]
    assert len(theirs) < len(events)  # the outside unit's people are not shown
    assert f"{len(theirs)} dòng" in [c.value for c in at.caption]
    pages = -(-len(theirs) // 20)
    assert f"Trang 1/{pages} · dòng 1–20" in [c.value for c in at.caption]
    newest = list(at.dataframe[0].value["#"])
    assert newest == sorted((e.id for e in theirs), reverse=True)[:20]
    at.button(key="a_page-next").click().run()
    assert list(at.dataframe[0].value["#"]) == sorted((e.id for e in theirs), reverse=True)[20:40]
    at.text_input(key="a_text").input("item.SUBMIT").run()  # a new search: its first page
    submits = [e for e in events if e.action == "item.submit"]
    assert f"{len(submits)} dòng" in [c.value for c in at.caption]
    assert set(at.dataframe[0].value["Mã thao tác"]) == {"item.submit"}
    first = submits[0].entity_id
    at.text_input(key="a_entity").input(f"#{first}").run()
    assert "1 dòng" in [c.value for c in at.caption]
    assert list(at.dataframe[0].value["Đối tượng"]) == [f"item {first}"]
    assert at.expander[0].label == "Lọc thêm (1 điều kiện)"
    at.text_input(key="a_actor").input("hoa").run()
    assert at.info[0].value == "Không có dòng nào khớp."
    at.sidebar.radio(key="lang").set_value("en").run()
    at.text_input(key="a_actor").input("LAN").run()
    assert "1 row" in [c.value for c in at.caption]  # not "1 rows"


def test_every_read_of_the_desk_says_who_is_reading() -> None:
    """Each call of a crud query that takes `viewer` passes it, in every page of the desk:
    a page that forgot would show every unit's items."""
    takes_viewer = {
        "queue",
        "queue_page",
        "calendar",
        "coverage",
        "metrics_overview",
        "channel_health",
        "waiting_for_a_person",
        "audit_page",
        "audit_rows",
    }
    import inspect

    for name in takes_viewer:
        assert "viewer" in inspect.signature(getattr(crud, name)).parameters, name
    missing, calls = [], 0
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        direct = {
            a.asname or a.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "phuxanh.crud"
            for a in node.names
            if a.name in takes_viewer
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            name = (
                f.attr
                if isinstance(f, ast.Attribute)
                and isinstance(f.value, ast.Name)
                and f.value.id == "crud"
                else f.id
                if isinstance(f, ast.Name) and f.id in direct
                else None
            )
            if name in takes_viewer:
                calls += 1
                if not any(k.arg == "viewer" for k in node.keywords):
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno} crud.{name}")
    assert calls >= 9 and missing == []


# --- a phone (Playwright, Debian's chromium) ---------------------------------------------


@pytest.mark.browser
def test_an_approver_on_a_phone_finds_reads_and_approves(
    _desk: tuple[str, str],  # noqa: F811  (the fixture imported above)
) -> None:
    """At 390 px wide: who is signed in shows, the filters are folded away so the first
    card starts on the first screen, the caption can be read and the item approved, and
    nothing scrolls sideways, the filters open or not."""
    from playwright.sync_api import expect, sync_playwright

    from tests.test_browser import CHROMIUM, idle, sign_in

    base, url = _desk  # tests/test_browser.py's `dashboard`
    shots = Path(
        os.environ.get("PHUXANH_SCREENSHOTS_DIR", ROOT / "var" / "test-output" / "screenshots")
    )
    shots.mkdir(parents=True, exist_ok=True)
    with Session(jobs.engine(url)) as s:
        waiting = [i for i in items(s) if i.status == ItemStatus.in_review]
        assert waiting
        first = min(waiting, key=lambda i: (i.scheduled_at, i.id))
        line = first.caption.splitlines()[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="vi-VN")
        page.set_default_timeout(30_000)
        page.goto(base)
        sign_in(page, "minh.tran")
        expect(page.get_by_role("heading", name="Hàng chờ duyệt")).to_be_visible()
        idle(page)
        page.get_by_test_id("stImage").first.wait_for()
        page.wait_for_timeout(700)
        expect(page.get_by_text("minh.tran · người duyệt", exact=True)).to_be_in_viewport()
        expect(page.get_by_text(f"{len(waiting)} mục", exact=True)).to_be_in_viewport()
        expect(page.get_by_text("Khoảng ngày đăng")).to_be_hidden()  # folded away
        expect(page.get_by_test_id("stImage").first).to_be_in_viewport()  # the first card
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "queue-390-vi.png"))
        caption = page.get_by_text(line, exact=False).first
        caption.scroll_into_view_if_needed()
        expect(caption).to_be_in_viewport()
        approve = page.locator(f".st-key-approve-{first.id} button")
        approve.scroll_into_view_if_needed()
        box = approve.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        approve.click()
        expect(page.get_by_text(f"Đã cập nhật mục #{first.id}.").first).to_be_visible()
        idle(page)
        page.get_by_text("Lọc thêm").click()
        expect(page.get_by_text("Khoảng ngày đăng")).to_be_visible()
        idle(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(shots / "queue-390-filters-vi.png"))
        browser.close()
    with Session(jobs.engine(url)) as s:
        item = s.get(ContentItem, first.id)
        assert item is not None and item.status == ItemStatus.scheduled


def test_a_link_from_an_e_mail_opens_its_item(app_db: str) -> None:
    """notify/mail.py links to `/queue?item=ID`: the queue opens that item, once."""
    made = _copies(app_db, 3)
    q = _signed_in("minh.tran")
    q.query_params["item"] = str(made[1])
    q.run()
    assert q.session_state["open_item"] == made[1]
    assert "item" not in q.query_params  # read once: a reload does not reopen it
    assert [b.key for b in q.button if b.key.startswith("approve-")] == [f"approve-{made[1]}"]
    q.query_params["item"] = "12; DROP"  # not a number: ignored, nothing opens
    q.button(key="close-item").click().run()
    assert "open_item" not in q.session_state


def test_a_post_without_a_theme_reaches_the_reviewers(app_db: str) -> None:
    """Ad-hoc posts (urgent news, an event today) need no theme: the queue joined themes
    with an inner join and such a post never appeared to reviewers under any filter."""
    from phuxanh.compose.items import create_item

    with Session(jobs.engine(app_db)) as s:
        channel = s.exec(select(Channel).order_by(col(Channel.id))).first()
        assert channel is not None
        item = create_item(
            s,
            channel_code=channel.code,
            text="Thông báo khẩn: lịch tiếp công dân thay đổi hôm nay.",
            at=dt.datetime.now(get_settings().tz) + dt.timedelta(hours=3),
            actor="lan.nguyen",
        )
        s.commit()
        assert item.theme_id is None and item.status == ItemStatus.in_review
        rows = {r.id: r for r in crud.queue(s, viewer=user(s, "minh.tran"))}
    assert item.id in rows and rows[item.id].theme == "" and not rows[item.id].sensitive
    q = _signed_in("minh.tran")
    q.text_input(key="q_text").input(f"#{item.id}").run()
    assert [b.key for b in q.button if b.key.startswith("approve-")] == [f"approve-{item.id}"]
    assert any("Bài ngoài chủ đề" in m.value for m in q.markdown)
