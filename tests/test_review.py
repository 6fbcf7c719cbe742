"""Review actions beyond approval: edits re-open review, reasons are required, units bound."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import requests
from sqlmodel import Session, col, select

from phuxanh import jobs, review
from phuxanh.core import audit
from phuxanh.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from phuxanh.core.users import add_user, check_password, ensure_unit
from phuxanh.media import stored
from phuxanh.models import ContentItem, ItemStatus, Publication, PubState
from tests.helpers import at, items, user
from tests.test_publishing import _approve_all


@pytest.fixture
def ready(db_url: str, sandbox, given_campaign) -> str:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    return db_url


@pytest.mark.parametrize("change", ["caption", "media_path", "scheduled_at"])
def test_editing_an_approved_item_returns_it_to_review(ready: str, tmp_path, change) -> None:
    with Session(jobs.engine(ready)) as s:
        item = items(s)[0]
        approved_hash = review.content_hash(s, item)
        new = {"caption": item.caption + " Cập nhật.", "scheduled_at": at(0, 9, 0)}
        if change == "media_path":
            copy = tmp_path / "other.png"
            original = stored.resolve(item.media_path)  # kept relative to the media root
            assert original is not None
            copy.write_bytes(original.read_bytes() + b"\0")
            new["media_path"] = str(copy)
        review.edit(s, item=item, actor=user(s, "lan.nguyen"), **{change: new[change]})
        s.commit()
        assert item.status == ItemStatus.in_review and item.version == 2
        assert review.content_hash(s, item) != approved_hash
        assert s.exec(select(Publication).where(Publication.content_item_id == item.id)).all() == []
        review.approve(s, item=item, actor=user(s, "minh.tran"))  # a fresh approval is needed
        if item.status == ItemStatus.in_review:
            review.approve(s, item=item, actor=user(s, "hoa.pham"))
        assert item.status == ItemStatus.scheduled


def test_published_items_cannot_be_edited(ready: str) -> None:
    jobs.publish_due(now=at(0, 8, 1), database_url=ready)
    with Session(jobs.engine(ready)) as s:
        done = s.exec(select(Publication).where(Publication.state == PubState.published)).first()
        item = next(i for i in items(s) if i.id == done.content_item_id)
        with pytest.raises(InvalidTransition, match="can no longer change"):
            review.edit(s, item=item, actor=user(s, "lan.nguyen"), caption="x")


def test_reject_and_request_changes_need_reasons_and_approvers(ready: str) -> None:
    with Session(jobs.engine(ready)) as s:
        first, second = items(s)[:2]
        with pytest.raises(ValidationFailed, match="reason: a reject needs a reason"):
            review.reject(s, item=first, actor=user(s, "minh.tran"), reason="  ")
        with pytest.raises(PermissionDenied):
            review.reject(s, item=first, actor=user(s, "lan.nguyen"), reason="no")
        review.reject(s, item=first, actor=user(s, "minh.tran"), reason="Số liệu đã cũ")
        assert first.status == ItemStatus.rejected
        review.request_changes(s, item=second, actor=user(s, "hoa.pham"), comment="Thêm ảnh")
        assert second.status == ItemStatus.changes_requested
        review.edit(s, item=second, actor=user(s, "lan.nguyen"), caption=second.caption + "!")
        review.submit(s, item=second, actor=user(s, "lan.nguyen"))
        assert second.status == ItemStatus.in_review
        s.commit()
        actions = [e.action for e in s.exec(select(audit.AuditEvent))]
        assert {"item.reject", "item.request_changes", "item.edit"} <= set(actions)


def test_another_units_approver_is_refused(ready: str) -> None:
    with Session(jobs.engine(ready)) as s:
        ensure_unit(s, code="phuong-le-chan", name="UBND phường Lê Chân", level="ward")
        outsider = add_user(s, username="an.le", unit_code="phuong-le-chan", role="approver")
        item = items(s)[0]
        review.edit(s, item=item, actor=user(s, "lan.nguyen"), caption=item.caption + " ")
        with pytest.raises(PermissionDenied, match="not in the unit"):
            review.approve(s, item=item, actor=outsider)
        review.approve(s, item=item, actor=user(s, "minh.tran"))  # the lead unit oversees it


def test_passwords_are_argon2(db_url: str) -> None:
    with Session(jobs.engine(db_url)) as s:
        ensure_unit(s, code="u", name="U")
        u = add_user(s, username="hoa", unit_code="u", role="editor", password="mật khẩu dài")
        assert u.password_hash.startswith("$argon2id$")
        assert check_password("mật khẩu dài", u.password_hash)
        assert not check_password("mat khau dai", u.password_hash)


def test_audit_export_csv_matches_the_log(ready: str) -> None:
    buf = io.StringIO()
    with Session(jobs.engine(ready)) as s:
        n = audit.export_csv(s, buf)
        count = len(s.exec(select(audit.AuditEvent)).all())
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert n == count == len(rows) > 0
    assert rows[0]["prev_hash"] == audit.GENESIS
    assert all(rows[i]["prev_hash"] == rows[i - 1]["row_hash"] for i in range(1, len(rows)))
    assert dt.datetime.fromisoformat(rows[0]["at"]).tzinfo is not None


def _faults(sandbox, **body: object) -> None:
    requests.post(f"{sandbox.public_url}/_sandbox/faults", json=body, timeout=5).raise_for_status()


def _live(sandbox) -> list[dict]:
    return requests.get(f"{sandbox.public_url}/_sandbox/posts", timeout=5).json()["posts"]


def test_an_item_whose_send_is_in_doubt_cannot_change(ready: str, sandbox) -> None:
    """Issue 13, High 1: the answer to the create call is lost and the check that follows
    fails, so the post is live but phuxanh does not know (needs_check). Rescheduling,
    editing, rejecting or asking for changes would withdraw that publication, and a new
    approval would post the item a second time: each is refused, naming what settles it."""
    _faults(sandbox, next=["lose_response"], next_read=["http_500", "http_500"])
    assert jobs.publish_due(now=at(0, 8, 1), database_url=ready) == {
        "needs_check": 1,
        "published": 1,
    }
    assert len(_live(sandbox)) == 2  # the one in doubt is live too
    with Session(jobs.engine(ready)) as s:
        doubt = s.exec(select(Publication).where(Publication.state == PubState.needs_check)).one()
        item = s.get(ContentItem, doubt.content_item_id)
        assert item is not None and item.status == ItemStatus.scheduled
        lan, minh = user(s, "lan.nguyen"), user(s, "minh.tran")
        attempts = {
            "reschedule": lambda: review.edit(s, item=item, actor=lan, scheduled_at=at(0, 9)),
            "edit": lambda: review.edit(s, item=item, actor=lan, caption=item.caption + "!"),
            "reject": lambda: review.reject(s, item=item, actor=minh, reason="Sai số liệu"),
            "request changes": lambda: review.request_changes(
                s, item=item, actor=minh, comment="Thêm ảnh"
            ),
        }
        for name, attempt in attempts.items():
            with pytest.raises(
                review.SendInDoubt,
                match=(
                    rf"publication {doubt.id} on \S+ is needs_check: the post may already be "
                    rf"live; settle it first with `phuxanh publication resolve {doubt.id}`"
                ),
            ):
                attempt()
            s.rollback()
            again = s.get(Publication, doubt.id, populate_existing=True)
            assert again is not None and again.state == PubState.needs_check, name
        s.refresh(item)
        assert item.status == ItemStatus.scheduled and item.version == 1
        # nothing was withdrawn, so there is nothing a second approval could schedule
        with pytest.raises(InvalidTransition, match="not in review"):
            review.approve(s, item=item, actor=minh)
    # the publisher keeps reconciling that post, finds it and never sends it again
    assert jobs.publish_due(now=at(0, 8, 10), database_url=ready) == {"reconciled": 1}
    assert jobs.publish_due(now=at(0, 9, 1), database_url=ready) == {}
    assert len(_live(sandbox)) == 2


@pytest.mark.parametrize("state", ["claimed", "sending", "processing", "part-sent"])
def test_a_send_under_way_locks_the_item(ready: str, state: str) -> None:
    with Session(jobs.engine(ready)) as s:
        item = items(s)[0]
        pub = s.exec(select(Publication).where(Publication.content_item_id == item.id)).one()
        if state == "part-sent":  # a retry of a send that reached the platform: resumed
            pub.handle = '{"remote_id": "123_456"}'
        else:
            pub.state = PubState(state)
        s.add(pub)
        s.commit()
        with pytest.raises(
            review.SendInDoubt,
            match=(
                rf"publication {pub.id} on \S+ is (being sent|processing): the post may "
                rf"already be live; .*`phuxanh publication resolve {pub.id}`"
            ),
        ):
            review.edit(s, item=item, actor=user(s, "lan.nguyen"), scheduled_at=at(0, 9))
        s.rollback()
        assert s.get(Publication, pub.id, populate_existing=True) is not None


def test_withdrawn_publications_are_audited_and_their_ids_never_come_back(ready: str) -> None:
    with Session(jobs.engine(ready)) as s:
        newest = s.exec(select(Publication).order_by(col(Publication.id).desc())).first()
        assert newest is not None
        item = s.get(ContentItem, newest.content_item_id)
        assert item is not None
        review.edit(s, item=item, actor=user(s, "lan.nguyen"), caption=item.caption + " Mới.")
        s.commit()
        review.approve(s, item=item, actor=user(s, "minh.tran"))
        if item.status == ItemStatus.in_review:
            review.approve(s, item=item, actor=user(s, "hoa.pham"))
        s.commit()
        fresh = s.exec(select(Publication).where(Publication.content_item_id == item.id)).one()
        assert fresh.id is not None and newest.id is not None and fresh.id > newest.id
        gone = s.exec(
            select(audit.AuditEvent).where(audit.AuditEvent.action == "publication.withdrawn")
        ).all()
        assert [(e.entity_id, e.actor, e.detail["from"]) for e in gone] == [
            (str(newest.id), "lan.nguyen", "scheduled")
        ]


def test_alt_text_is_part_of_the_approved_version(ready: str, sandbox) -> None:
    with Session(jobs.engine(ready)) as s:
        first, second = (i for i in items(s) if i.scheduled_at == at(0, 8))
        assert first.alt_text and second.alt_text  # the composer writes it for every card
        before = review.content_hash(s, first)
        first.alt_text += " (sửa sau khi duyệt)"  # changed behind review
        s.add(first)
        assert review.content_hash(s, first) != before
        # an approval made before alt text was bound (its hash left alt text out) is not
        # honoured either: the post would carry alt text nobody approved
        pub = s.exec(select(Publication).where(Publication.content_item_id == second.id)).one()
        pub.approved_hash = review.content_hash(s, second, bind_alt_text=False)
        s.add(pub)
        s.commit()
    assert jobs.publish_due(now=at(0, 8, 1), database_url=ready) == {"failed": 2}
    assert _live(sandbox) == []
    with Session(jobs.engine(ready)) as s:
        reasons = sorted(
            p.last_error or ""
            for p in s.exec(select(Publication).where(Publication.state == PubState.failed))
        )
        assert reasons == [
            "alt text added after approval, or approved before alt text was part of the "
            "approval; it must be approved again",
            "content changed after approval (hash mismatch); it must be approved again",
        ]
        # without alt text, the hash is the one approvals made before bound
        item = items(s)[0]
        item.alt_text = None
        assert review.content_hash(s, item) == review.content_hash(s, item, bind_alt_text=False)


def test_the_desk_says_why_an_item_in_doubt_is_locked(app_db: str, sandbox) -> None:
    """The queue offers no reschedule, reject or request-changes for an item whose send is
    in doubt, says why and points at Channel health; its neighbours keep their actions."""
    from tests.test_dashboard import _signed_in

    _approve_all(app_db)
    _faults(sandbox, next=["lose_response"], next_read=["http_500", "http_500"])
    assert jobs.publish_due(now=at(0, 8, 1), database_url=app_db)["needs_check"] == 1
    with Session(jobs.engine(app_db)) as s:
        doubt = s.exec(select(Publication).where(Publication.state == PubState.needs_check)).one()
        locked = doubt.content_item_id
        other = next(i.id for i in items(s) if i.status == ItemStatus.scheduled and i.id != locked)
    desk = _signed_in("minh.tran")
    desk.selectbox(key="f_status.vi").set_value("scheduled").run()
    assert not desk.exception
    keys = {b.key for b in desk.button}
    for action in ("reject", "changes", "move"):
        assert f"{action}-{locked}" not in keys and f"{action}-{other}" in keys, action
    (warning,) = [w.value for w in desk.warning if f" {doubt.id} " in w.value]
    assert warning.startswith(f"Bài đăng {doubt.id} trên ") and "Tình trạng kênh" in warning
    assert f"`phuxanh publication resolve {doubt.id}`" in warning


def test_an_upgraded_database_never_reuses_a_publication_id(tmp_path) -> None:
    """Migration 0009 on a SQLite database that already has publications, a metric
    reading and audit rows naming a publication since deleted: every row and reading is
    kept, and the next publication's id is above every id ever named."""
    import sqlalchemy as sa
    from alembic import command

    from phuxanh.core.db import alembic_config, engine_for

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine, cfg = engine_for(url), alembic_config(url)

    def upgrade(to: str) -> None:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, to)

    upgrade("0008_audit")
    day = "'2026-03-09 01:00:00'"
    with engine.begin() as conn:
        for sql in (
            "INSERT INTO unit (code, name, level) VALUES ('u', 'U', 'city')",
            "INSERT INTO user (username, display_name, unit_id, role, active, created_at) "
            f"VALUES ('a', 'A', 1, 'editor', 1, {day})",
            "INSERT INTO channel (code, platform, display_name, unit_id, account_id, "
            "api_base_url, credential_ref, posting_windows, max_per_day, min_spacing_minutes, "
            "formats, languages, paused) VALUES ('c', 'facebook', 'C', 1, '1', 'http://x', "
            "'env:X', '[]', 2, 120, '[]', '[]', 0)",
            *(
                f"INSERT INTO contentitem (unit_id, status, language, caption, captions, "
                f"channel_ids, fact_ids, hold_reasons, machine_drafted, author_id, version, "
                f"created_at, updated_at) VALUES (1, 'published', 'vi', 'x{i}', '{{}}', '[1]', "
                f"'[]', '[]', 0, 1, 1, {day}, {day})"
                for i in range(3)
            ),
            *(
                f"INSERT INTO publication (content_item_id, channel_id, scheduled_at, state, "
                f"idempotency_key, approved_hash, attempts, updated_at) VALUES ({i}, 1, {day}, "
                f"'published', 'k{i}', 'h', 0, {day})"
                for i in (1, 2, 3)
            ),
            "INSERT INTO metricsnapshot (publication_id, collected_at, reach, raw) "
            f"VALUES (3, {day}, 42, '{{}}')",
            # an audit row names publication 7, deleted before the upgrade
            "INSERT INTO auditevent (at, actor, action, entity, entity_id, detail, prev_hash, "
            f"row_hash) VALUES ({day}, 'a', 'publication.cancelled', 'publication', '7', "
            "'{}', '0', '1')",
        ):
            conn.execute(sa.text(sql))
    upgrade("head")
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT publication_id, reach FROM metricsnapshot")).all() == [
            (3, 42)
        ]
        conn.execute(sa.text("DELETE FROM metricsnapshot"))
        conn.execute(sa.text("DELETE FROM publication WHERE id = 3"))  # the newest goes
        conn.execute(
            sa.text(
                "INSERT INTO publication (content_item_id, channel_id, scheduled_at, state, "
                f"idempotency_key, approved_hash, attempts, updated_at) VALUES (3, 1, {day}, "
                f"'scheduled', 'k9', 'h', 0, {day})"
            )
        )
        ids = [i for (i,) in conn.execute(sa.text("SELECT id FROM publication ORDER BY id"))]
        assert ids == [1, 2, 8]
        assert conn.execute(sa.text("PRAGMA foreign_key_check")).all() == []
    engine.dispose()


def test_the_approved_hash_does_not_depend_on_the_time_zone_in_memory(ready: str) -> None:
    """An item scheduled at a +07:00 time hashes the same before and after a reload (the
    database gives UTC back): otherwise an item approved in the session that scheduled it
    would fail at send time as 'changed after approval'."""
    from phuxanh.compose.items import create_item

    local = dt.timezone(dt.timedelta(hours=7))
    with Session(jobs.engine(ready)) as s:
        item = create_item(
            s,
            channel_code="fb-ttdn-haiphong",
            text="Tin nhanh Hải Phòng",
            at=dt.datetime(2026, 3, 20, 8, 0, tzinfo=local),
            actor="lan.nguyen",
        )
        assert item.scheduled_at is not None and item.scheduled_at.utcoffset()
        in_session = review.content_hash(s, item)
        s.commit()
        item_id = item.id
    with Session(jobs.engine(ready)) as s:
        reloaded = s.get(ContentItem, item_id)
        assert reloaded is not None
        assert review.content_hash(s, reloaded) == in_session
