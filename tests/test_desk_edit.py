"""The editorial desk (Streamlit AppTest): an editor composes a post, an approver asks for
changes in the item's conversation, the editor sees it where they edit and saves a new
version, which the history shows as a diff; a caption over a platform's limit is counted
and named in Vietnamese."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select
from streamlit.testing.v1 import AppTest

from phuxanh import jobs, review
from phuxanh.history import timeline
from phuxanh.models import Channel, ContentItem
from tests.helpers import items, user
from tests.test_dashboard import _signed_in

CAPTION = "Hải Phòng mở cửa bảo tàng miễn phí dịp lễ. Mời bà con đến tham quan."


def _compose(who: str = "lan.nguyen") -> AppTest:
    app = _signed_in(who)
    app.switch_page("app_pages/compose.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _channels(db_url: str) -> list[Channel]:
    with Session(jobs.engine(db_url)) as s:
        return list(s.exec(select(Channel).order_by(col(Channel.code))))


def _open(app: AppTest, key: str) -> AppTest:
    """Open a lazy expander (its state lives under its key) and run the page again."""
    app.session_state[key] = True
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_an_editor_creates_a_post_for_two_channels(app_db: str) -> None:
    channels = _channels(app_db)[:2]
    app = _compose()
    assert app.title[0].value == "Soạn bài"
    app.multiselect(key="compose-channels-0").set_value([c.code for c in channels]).run()
    app.text_area(key="compose-caption-0").input(CAPTION).run()
    counted = [c.value for c in app.caption if "ký tự" in c.value]
    assert len(counted) == 2, counted
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    app.date_input(key="compose-day-0").set_value(tomorrow)
    app.time_input(key="compose-time-0").set_value(dt.time(8, 30))
    # a description needs its photo or video (AppTest cannot upload one: the browser test does)
    app.text_area(key="compose-alt-0").input("Cổng bảo tàng Hải Phòng buổi sáng.")
    app.button(key="compose-create-0").click().run()
    assert [e.value for e in app.error] == [
        "Phần mô tả ảnh/video chỉ dùng khi có tệp đính kèm: hãy tải ảnh hoặc video lên, "
        "hoặc xóa phần mô tả."
    ]
    app.text_area(key="compose-alt-0").input("")
    app.checkbox(key="compose-urgent-0").check()
    app.button(key="compose-create-0").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    (done,) = [s.value for s in app.success]
    assert done.startswith("Đã tạo và gửi duyệt: #")
    with Session(jobs.engine(app_db)) as s:
        made = list(s.exec(select(ContentItem).where(ContentItem.caption == CAPTION)))
        assert sorted(i.channel_ids[0] for i in made) == sorted(c.id for c in channels)
        for item in made:
            assert item.status == "in_review" and item.urgent
            assert item.alt_text is None and item.version == 1
            assert item.author_id == user(s, "lan.nguyen").id
            assert f"#{item.id}" in done
    # the form starts empty again
    assert app.text_area(key="compose-caption-1").value == ""


def test_compose_refuses_without_a_channel_or_in_the_past(app_db: str) -> None:
    app = _compose()
    app.text_area(key="compose-caption-0").input(CAPTION)
    app.button(key="compose-create-0").click().run()
    assert [e.value for e in app.error] == ["Chọn ít nhất một kênh đăng."]
    app.multiselect(key="compose-channels-0").set_value([_channels(app_db)[0].code])
    app.date_input(key="compose-day-0").set_value(dt.date.today() - dt.timedelta(days=1))
    app.button(key="compose-create-0").click().run()
    (said,) = [e.value for e in app.error]
    assert said.startswith("Giờ đăng ") and "đã qua" in said
    with Session(jobs.engine(app_db)) as s:
        assert not s.exec(select(ContentItem).where(ContentItem.caption == CAPTION)).first()


def _first_draft(db_url: str) -> int:
    with Session(jobs.engine(db_url)) as s:
        item = items(s)[0]
        review.submit(s, item=item, actor=user(s, "lan.nguyen"))
        s.commit()
        return item.id or 0


def _item(who: str, item_id: int) -> AppTest:
    """The review queue showing one item, as My work opens it."""
    app = _signed_in(who)
    app.session_state["open_item"] = item_id
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_changes_requested_then_edited_shows_in_thread_and_history(app_db: str) -> None:
    item_id = _first_draft(app_db)
    # the approver asks for changes with a reason, and adds a comment in the conversation
    desk = _item("minh.tran", item_id)
    desk.text_input(key=f"comment-{item_id}").input("Thêm giờ mở cửa vào bài.")
    desk.button(key=f"changes-{item_id}").click().run()
    assert not desk.exception and not desk.error, [e.value for e in desk.error]
    _open(desk, f"thread-open-{item_id}")
    desk.text_area(key=f"thread-text-{item_id}").input("Nhớ ghi cả số điện thoại.")
    desk.button(key=f"thread-send-{item_id}").click().run()
    assert f"Đã gửi góp ý về mục #{item_id}." in [s.value for s in desk.success]
    # the editor opens the item to edit: both comments are there, above the fields
    ed = _item("lan.nguyen", item_id)
    _open(ed, f"edit-open-{item_id}")
    shown = [t.value for t in ed.text]
    assert "Thêm giờ mở cửa vào bài." in shown and "Nhớ ghi cả số điện thoại." in shown
    kinds = [c.value for c in ed.caption if c.value.startswith("minh.tran · ")]
    assert any("yêu cầu sửa" in k for k in kinds) and any("góp ý" in k for k in kinds)
    assert any(m.value == "**Phiên bản 1**" for m in ed.markdown)
    with Session(jobs.engine(app_db)) as s:
        old = s.get(ContentItem, item_id).caption
    new = old + "\nMở cửa từ 8:00 đến 17:00."
    (box,) = [a for a in ed.text_area if a.key and a.key.startswith(f"edit-cap-{item_id}-")]
    box.input(new).run()
    (note,) = [a for a in ed.text_input if a.key and a.key.startswith(f"edit-note-{item_id}-")]
    note.input("thêm giờ mở cửa")
    ed.button(key=f"edit-save-{item_id}").click().run()
    assert not ed.exception and not ed.error, [e.value for e in ed.error]
    assert f"Đã lưu phiên bản 2 của mục #{item_id}." in [s.value for s in ed.success]
    with Session(jobs.engine(app_db)) as s:
        item = s.get(ContentItem, item_id)
        assert item.caption == new and item.version == 2
        entries = timeline(s, item_id)
    assert [type(e).__name__ for e in entries] == [
        "VersionEntry",
        "DecisionEntry",
        "CommentEntry",
        "VersionEntry",
    ]
    # the history shows the new version with the added line in a diff
    _open(ed, f"history-open-{item_id}")
    diffs = [c.value for c in ed.code if c.language == "diff"]
    assert len(diffs) == 1 and "+Mở cửa từ 8:00 đến 17:00." in diffs[0]
    assert "Ghi chú: thêm giờ mở cửa" in [c.value for c in ed.caption]
    assert any(m.value.startswith("**Phiên bản 2 · lan.nguyen · ") for m in ed.markdown)


def test_an_over_limit_caption_is_counted_and_named_in_vietnamese(app_db: str) -> None:
    """The demo office posts on Facebook only (no length limit): give it an X account."""
    with Session(jobs.engine(app_db)) as s:
        fb = s.exec(select(Channel).where(Channel.code == "fb-ttdn-haiphong")).one()
        values = fb.model_dump(exclude={"id", "code", "platform", "display_name"})
        s.add(Channel(**values, code="x-ttdn-haiphong", platform="x", display_name="TTĐN trên X"))
        s.commit()
        code, name = fb.code, fb.display_name
    app = _compose()
    app.multiselect(key="compose-channels-0").set_value(["x-ttdn-haiphong", code]).run()
    app.text_area(key="compose-caption-0").input("Bản tin thời sự Hải Phòng. " * 10).run()
    # 269 letters, but X weighs most toned letters 2: 309
    (problem,) = [e.value for e in app.error]
    head, said = problem.split("\n\n")
    assert head == "TTĐN trên X (X): 309/280 ký tự quy đổi (nhiều chữ có dấu tính 2)"
    assert said == "X: 309 > 280 ký tự (theo cách đếm có trọng số); cần bớt 29."
    counted = [c.value for c in app.caption if c.value.startswith(name)]
    assert counted == [f"{name} (Facebook Page): 269 ký tự, không giới hạn"]
    app.text_area(key="compose-caption-0").input("Bản tin thời sự Hải Phòng.").run()
    assert not app.error


def test_compose_in_english_and_for_an_approver(app_db: str) -> None:
    from tests.test_dashboard_pages import _labels, vietnamese

    english = _signed_in("lan.nguyen", "en")
    english.switch_page("app_pages/compose.py").run()
    english.multiselect(key="compose-channels-0").set_value([_channels(app_db)[0].code]).run()
    assert english.title[0].value == "Compose"
    labels = _labels(english) + [w.label for w in [*english.text_area, *english.multiselect]]
    assert [label for label in labels if vietnamese(label)] == []
    assert "Create and send for review" in labels
    # create_item submits the post, which an approver may not do: said before the form
    approver = _compose("minh.tran")
    assert [i.value for i in approver.info] == [
        "Tài khoản người duyệt không gửi bài đi duyệt được; nhờ biên tập viên soạn bài."
    ]
    assert not approver.text_area


def test_a_time_outside_the_windows_needs_an_approvers_reason(app_db: str) -> None:
    """An approver moves an item to noon (outside the channel's windows): refused naming
    the field until they give a reason, then saved; a blank caption is refused too."""
    item_id = _first_draft(app_db)
    day = dt.date.today() + dt.timedelta(days=3)
    app = _open(_item("minh.tran", item_id), f"edit-open-{item_id}")
    app.date_input(key=f"edit-day-{item_id}-0").set_value(day)
    app.time_input(key=f"edit-time-{item_id}-0").set_value(dt.time(12, 0)).run()
    assert any(w.value.startswith(f"Giờ {day:%d/%m/%Y} 12:00 nằm ngoài") for w in app.warning)
    app.button(key=f"edit-save-{item_id}").click().run()
    (said,) = [e.value for e in app.error]
    assert said.startswith(f"Giờ đăng: {day:%d/%m/%Y} 12:00 nằm ngoài khung giờ đăng của kênh ")
    app.text_area(key=f"edit-cap-{item_id}-0").input("   ")
    app.text_input(key=f"edit-why-{item_id}-0").input("Họp báo của Thành phố lúc 11:30.")
    app.button(key=f"edit-save-{item_id}").click().run()
    assert [e.value for e in app.error] == ["Nội dung bài: không được để trống."]
    with Session(jobs.engine(app_db)) as s:
        old = s.get(ContentItem, item_id)
        assert old.version == 1
        caption = old.caption
    app.text_area(key=f"edit-cap-{item_id}-0").input(caption)
    app.button(key=f"edit-save-{item_id}").click().run()
    assert not app.error, [e.value for e in app.error]
    assert f"Đã lưu phiên bản 2 của mục #{item_id}." in [s.value for s in app.success]
    with Session(jobs.engine(app_db)) as s:
        item = s.get(ContentItem, item_id)
        local = item.scheduled_at.astimezone(dt.timezone(dt.timedelta(hours=7)))
        assert (local.date(), local.time()) == (day, dt.time(12, 0))
