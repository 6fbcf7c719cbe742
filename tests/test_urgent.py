"""Urgent items: news that cannot wait (an event today, a correction) is created with
`item create --urgent` or the desk's "Khẩn" box, goes first in every approver's queue and
"Việc của tôi", and its e-mail says KHẨN; it needs a second person's approval like any
other item. The first version holds the caption, the photo and its description."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, select

from phuxanh import jobs, notify, review
from phuxanh.core.errors import PhuxanhError
from phuxanh.crud import QueueFilter, queue_page
from phuxanh.models import Channel, ContentItem, ItemStatus, ItemVersion
from phuxanh.notify.my_work import my_work
from tests.helpers import refused, run_cli, user
from tests.test_notify import Inbox, address, inbox, mail_on, smtp_port  # noqa: F401 (fixtures)

PHOTO = "tests/data/tiny.png"


def _channel(db_url: str) -> str:
    with Session(jobs.engine(db_url)) as s:
        return s.exec(select(Channel).where(Channel.platform == "facebook")).first().code  # type: ignore[union-attr]


def _create(
    capsys: Any, db_url: str, *extra: str, at: str | None = None, text: str = "Tin khẩn"
) -> int:
    when = at or (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat(timespec="minutes")
    code, out, err = run_cli(
        capsys,
        "item",
        "create",
        "--channel",
        _channel(db_url),
        "--text",
        text,
        "--at",
        when,
        "--as",
        "lan.nguyen",
        *extra,
        "--database",
        db_url,
    )
    assert code == 0, err
    return int(out.strip().splitlines()[-1])


def test_urgent_goes_first_and_keeps_its_photo_description(
    db_url: str, sandbox: Any, given_campaign: Callable[..., str], capsys: Any
) -> None:
    given_campaign(db_url, sandbox.public_url)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).isoformat(timespec="minutes")
    plain = _create(capsys, db_url, text="Tin thường, đăng sớm hơn")
    urgent = _create(
        capsys,
        db_url,
        "--urgent",
        "--media",
        PHOTO,
        "--alt",
        "Cờ đỏ sao vàng trước Nhà hát Thành phố.",
        at=later,  # later than the plain one, yet first in the lists
    )
    with Session(jobs.engine(db_url)) as s:
        item = s.get(ContentItem, urgent)
        assert item is not None and item.urgent and item.status == ItemStatus.in_review
        assert not s.get(ContentItem, plain).urgent  # type: ignore[union-attr]
        first = s.exec(select(ItemVersion).where(ItemVersion.content_item_id == urgent)).all()
        assert [(v.version, v.alt_text) for v in first] == [
            (1, "Cờ đỏ sao vàng trước Nhà hát Thành phố.")
        ]
        minh = user(s, "minh.tran")
        page = queue_page(s, QueueFilter(statuses=("in_review",)), viewer=minh)
        ids = [r.id for r in page.rows]
        assert ids[0] == urgent and plain in ids and page.rows[0].urgent
        waiting = [r.item_id for r in my_work(s, user=minh).to_approve]
        assert waiting[0] == urgent and plain in waiting
        # urgent is no shortcut: the author cannot approve it, a second person can
        with pytest.raises(PhuxanhError):
            review.approve(s, item=item, actor=user(s, "lan.nguyen"))
        review.approve(s, item=item, actor=minh)
        s.commit()
        assert item.status == ItemStatus.scheduled


def test_alt_text_without_media_is_refused_naming_the_flag(
    db_url: str, sandbox: Any, given_campaign: Callable[..., str], capsys: Any
) -> None:
    given_campaign(db_url, sandbox.public_url)
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat(timespec="minutes")
    out = refused(
        capsys,
        "item",
        "create",
        "--channel",
        _channel(db_url),
        "--text",
        "Tin",
        "--at",
        at,
        "--as",
        "lan.nguyen",
        "--alt",
        "Ảnh không có",
        "--database",
        db_url,
    )
    assert "--alt" in out and "--media" in out and "Traceback" not in out
    with Session(jobs.engine(db_url)) as s:  # nothing half-written
        assert s.exec(select(ContentItem).where(ContentItem.caption == "Tin")).first() is None


def test_urgent_mail_says_so(
    db_url: str,
    sandbox: Any,
    given_campaign: Callable[..., str],
    inbox: Inbox,  # noqa: F811
    mail_on: int,  # noqa: F811
    capsys: Any,
) -> None:
    given_campaign(db_url, sandbox.public_url)
    with Session(jobs.engine(db_url)) as s:
        for name in ("lan.nguyen", "minh.tran"):
            person = user(s, name)
            person.email = address(name)
            s.add(person)
        s.commit()
    notify.deliver(jobs.engine(db_url))  # the campaign's own hand-offs, before ours
    inbox.messages.clear()
    plain = _create(capsys, db_url, text="Tin thường")
    urgent = _create(capsys, db_url, "--urgent", text="Đính chính: giờ mở cửa bảo tàng")
    assert notify.deliver(jobs.engine(db_url)).error is None
    subjects = {m["Subject"] for m in inbox.to(address("minh.tran"))}
    assert f"[phuxanh] KHẨN: Mục #{urgent} chờ bạn duyệt: Đính chính: giờ mở cửa bảo tàng" in (
        subjects
    )
    assert f"[phuxanh] Mục #{plain} chờ bạn duyệt: Tin thường" in subjects
    body = next(
        m.get_content() for m in inbox.to(address("minh.tran")) if f"#{urgent} " in m["Subject"]
    )
    assert "Mục được đánh dấu khẩn: xin duyệt sớm nhất có thể." in body


def test_a_pasted_book_is_refused_at_once(
    db_url: str, sandbox: Any, given_campaign: Callable[..., str], capsys: Any
) -> None:
    """A caption longer than any platform takes, or a description longer than X's 1,000,
    is refused when written, naming the flag, not at approval or at send."""
    given_campaign(db_url, sandbox.public_url)
    at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat(timespec="minutes")
    base = ["item", "create", "--channel", _channel(db_url), "--at", at, "--as", "lan.nguyen"]
    line = refused(capsys, *base, "--text", "Hải Phòng " * 7_100, "--database", db_url)
    assert line == "--text: 70999 characters, at most 63206"
    line = refused(
        capsys,
        *base,
        "--text",
        "Tin",
        "--media",
        PHOTO,
        "--alt",
        "ảnh " * 300,
        "--database",
        db_url,
    )
    assert line == "--alt: 1199 characters, at most 1000"
    line = refused(capsys, *base, "--text", "Tin \x1b[31mđỏ", "--database", db_url)
    assert line == "--text: holds a control character (U+001B); write plain text"
    with Session(jobs.engine(db_url)) as s:
        item = s.exec(select(ContentItem).order_by(ContentItem.id.desc())).first()  # type: ignore[union-attr]
        edit = run_cli(
            capsys,
            "item",
            "edit",
            str(item.id),
            "--text",
            "x" * 63_207,
            "--as",
            "lan.nguyen",
            "--database",
            db_url,
        )
    assert edit[0] != 0 and "--text: 63207 characters, at most 63206" in edit[2]
