"""An item's history (`phuxanh.history.timeline`, `phuxanh item history`): versions with a
diff of their captions and what else changed, decisions and comments, oldest first; on
SQLite and PostgreSQL, against the demo campaign."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import delete
from sqlmodel import Session, select

from phuxanh import history, jobs, review
from phuxanh.compose.items import edit_item
from phuxanh.core.errors import NotFound
from phuxanh.models import Channel, ContentItem, ItemStatus, ItemVersion
from tests.helpers import items, refused, run_cli, user
from tests.test_edit import NOW, local


@pytest.fixture
def desk(db_url: str, sandbox, given_campaign) -> str:
    given_campaign(db_url, sandbox.public_url)
    return db_url


def _item(s: Session) -> ContentItem:
    channel = s.exec(select(Channel).where(Channel.code == "fb-ttdn-haiphong")).one()
    return next(i for i in items(s) if i.channel_ids == [channel.id])


def _story(db_url: str) -> int:
    """Written, commented on, sent back for changes, fixed, approved."""
    with Session(jobs.engine(db_url)) as s:
        lan, minh = user(s, "lan.nguyen"), user(s, "minh.tran")
        item = _item(s)
        first_line = item.caption.splitlines()[0]
        edit_item(
            s,
            item=item,
            actor=lan,
            caption=item.caption.replace(first_line, first_line + " (cập nhật)", 1),
            note="sửa tiêu đề",
            now=NOW,
        )
        s.commit()
        review.submit(s, item=item, actor=lan)
        review.comment(s, item=item, actor=minh, text="Giờ đăng sớm quá?")
        s.commit()
        review.request_changes(s, item=item, actor=minh, comment="Đăng buổi tối")
        s.commit()
        edit_item(
            s,
            item=item,
            actor=lan,
            scheduled_at=local(11, 20),
            alt_text="Cảng Hải Phòng về đêm.",
            now=NOW,
        )
        s.commit()
        review.submit(s, item=item, actor=lan)
        review.approve(s, item=item, actor=minh)
        if item.status == ItemStatus.in_review:
            review.approve(s, item=item, actor=user(s, "hoa.pham"))
        s.commit()
        return item.id or 0


def test_the_timeline_reads_in_order_with_diffs_and_changes(desk: str) -> None:
    item_id = _story(desk)
    with Session(jobs.engine(desk)) as s:
        item = s.get(ContentItem, item_id)
        assert item is not None
        rows = history.timeline(s, item_id)
        v1, v2, said, asked, v3, *approvals = rows
        assert [r.entry for r in rows[:5]] == [
            "version",
            "version",
            "comment",
            "decision",
            "version",
        ]
        assert {type(r) for r in approvals} == {history.DecisionEntry}
        assert all(r.decision == "approved" and r.version == 3 for r in approvals)
        assert [r.at for r in rows] == sorted(r.at for r in rows)
        assert isinstance(v1, history.VersionEntry) and isinstance(v2, history.VersionEntry)
        assert (v1.version, v1.editor, v1.caption_diff, v1.changes) == (1, "lan.nguyen", "", ())
        first_line = v1.caption.splitlines()[0]
        assert v2.note == "sửa tiêu đề" and v2.changes == ()
        assert v2.caption_diff.splitlines()[:2] == ["--- v1/caption", "+++ v2/caption"]
        assert f"-{first_line}" in v2.caption_diff.splitlines()
        assert f"+{first_line} (cập nhật)" in v2.caption_diff.splitlines()
        assert isinstance(said, history.CommentEntry)
        assert (said.user, said.kind, said.text, said.version) == (
            "minh.tran",
            "comment",
            "Giờ đăng sớm quá?",
            2,
        )
        assert isinstance(asked, history.DecisionEntry)  # its reason shows once, here
        assert (asked.decision, asked.comment, asked.version) == (
            "request_changes",
            "Đăng buổi tối",
            2,
        )
        assert isinstance(v3, history.VersionEntry) and v3.caption_diff == ""
        changed = {c.field: (c.before, c.after) for c in v3.changes}
        assert changed["scheduled_at"] == (
            "2026-03-09T01:00:00+00:00",
            "2026-03-11T13:00:00+00:00",
        )
        assert changed["alt_text"][1] == "Cảng Hải Phòng về đêm."
        assert set(changed) == {"scheduled_at", "alt_text"}
        assert v3.channels == ("fb-ttdn-haiphong",)
        data = [history.as_json(r) for r in rows]
        assert json.loads(json.dumps(data, ensure_ascii=False)) == data
        assert data[2] == {
            "entry": "comment",
            "at": said.at.astimezone(dt.UTC).isoformat(),
            "version": 2,
            "user": "minh.tran",
            "kind": "comment",
            "text": "Giờ đăng sớm quá?",
        }
        assert data[4]["changes"][0].keys() == {"field", "before", "after"}
        with pytest.raises(NotFound, match=r"^ID: no item 999999$"):
            history.timeline(s, 999999)


def test_an_item_saved_before_versions_were_kept_gets_its_first_one_at_its_first_edit(
    desk: str,
) -> None:
    with Session(jobs.engine(desk)) as s:
        item = _item(s)
        s.execute(delete(ItemVersion).where(ItemVersion.content_item_id == item.id))
        s.commit()
        assert history.timeline(s, item.id or 0) == []
        old, saved_at = item.caption, item.updated_at
        edit_item(s, item=item, actor=user(s, "minh.tran"), caption="Bài viết lại.", now=NOW)
        s.commit()
        before, after = history.timeline(s, item.id or 0)
        assert isinstance(before, history.VersionEntry) and isinstance(after, history.VersionEntry)
        assert (before.version, before.editor, before.caption, before.at) == (
            1,
            "lan.nguyen",
            old,
            saved_at,
        )
        assert (after.version, after.editor, after.caption) == (2, "minh.tran", "Bài viết lại.")
        assert "+Bài viết lại." in after.caption_diff.splitlines()


def test_a_countdown_moved_shows_its_card_fields_and_media_changing(desk: str) -> None:
    from tests.test_edit import _countdown

    item_id = _countdown(desk)
    with Session(jobs.engine(desk)) as s:
        item = s.get(ContentItem, item_id)
        assert item is not None
        edit_item(s, item=item, actor=user(s, "lan.nguyen"), scheduled_at=local(13, 8), now=NOW)
        s.commit()
        moved = history.timeline(s, item_id)[-1]
        assert isinstance(moved, history.VersionEntry)
        changed = {c.field: (c.before, c.after) for c in moved.changes}
        assert changed["card.as_of"] == ("2026-03-12", "2026-03-13")
        assert {"media", "scheduled_at", "alt_text"} <= set(changed)
        assert "-Còn 3 ngày đến" in moved.caption_diff and "+Còn 2 ngày đến" in moved.caption_diff


def test_item_history_on_the_command_line(desk: str, capsys) -> None:
    item_id = _story(desk)
    code, out, err = run_cli(capsys, "item", "history", str(item_id), "--database", desk)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].endswith("  v1  lan.nguyen  created")
    assert lines[1].endswith("  v2  lan.nguyen  edited: sửa tiêu đề")
    assert lines[2:4] == ["    --- v1/caption", "    +++ v2/caption"]
    assert any(line.endswith("  v2  minh.tran  comment: Giờ đăng sớm quá?") for line in lines)
    assert any(line.endswith("  v2  minh.tran  request_changes: Đăng buổi tối") for line in lines)
    assert [line for line in lines if line.startswith("    alt_text: ")] == [
        "    alt_text: " + _alt_before(desk, item_id) + " -> Cảng Hải Phòng về đêm."
    ]
    assert lines[-1].endswith("approved")
    code, out, _ = run_cli(capsys, "item", "history", str(item_id), "--json", "--database", desk)
    rows = json.loads(out)
    assert [r["entry"] for r in rows[:5]] == [
        "version",
        "version",
        "comment",
        "decision",
        "version",
    ]
    assert rows[1]["note"] == "sửa tiêu đề"
    assert refused(capsys, "item", "history", "999999", "--database", desk) == (
        "error: ID: no item 999999"
    )


def _alt_before(db_url: str, item_id: int) -> str:
    with Session(jobs.engine(db_url)) as s:
        first = s.exec(
            select(ItemVersion).where(
                ItemVersion.content_item_id == item_id, ItemVersion.version == 1
            )
        ).one()
        assert first.alt_text
        return first.alt_text
