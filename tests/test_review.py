"""Review actions beyond approval: edits re-open review, reasons are required, units bound."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlmodel import Session, select

from phuxanh import audit, jobs, review
from phuxanh.errors import InvalidTransition, PermissionDenied, ValidationFailed
from phuxanh.models import ItemStatus, Publication, PubState
from phuxanh.users import add_user, check_password, ensure_unit
from tests.helpers import at, items, planned_and_rendered, user
from tests.test_publishing import _approve_all


@pytest.fixture
def ready(db_url: str, sandbox) -> str:
    planned_and_rendered(db_url, sandbox.public_url)
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
            copy.write_bytes(open(item.media_path, "rb").read() + b"\0")  # noqa: SIM115
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
