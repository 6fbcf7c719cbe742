"""Manual channels (issue 21): a place without an API (a portal on another platform, a notice
board, a partner's page). Its items are approved as usual; when one is due the publisher
calls no API, leaves it waiting for a person with a reason ("đăng thủ công: …"), lists it in
"Việc của tôi" and mails the channel's unit; the person exports it (caption, media, alt
text), posts it by hand and marks it live with its URL, after which it counts once in the
quarterly report. On SQLite and PostgreSQL, through the command line."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.core.settings import get_settings
from phuxanh.models import AuditEvent, Channel, ContentItem, Publication, PubState
from phuxanh.notify.my_work import my_work
from phuxanh.reports.figures import build
from phuxanh.reports.files import write
from phuxanh.reports.model import parse_period
from tests.helpers import refused, run_cli, user
from tests.test_notify import (  # noqa: F401 (fixtures)
    CITY,
    Inbox,
    address,
    deliver,
    inbox,
    mail_on,
    office,
    outbox,
    smtp_port,
)

PHOTO = Path("tests/data/tiny.png")
PORTAL = "https://lechan.haiphong.gov.vn"
CAPTION = "Phường Lê Chân tổ chức ngày hội bầu cử: mời cử tri đi bầu sớm"  # NFC
ALT = "Cử tri phường Lê Chân xếp hàng bỏ phiếu tại điểm bầu cử số 3"
WHEN = dt.datetime(2026, 3, 12, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
LIVE = "https://lechan.haiphong.gov.vn/tin-tuc/ngay-hoi-bau-cu-123"


def _cli(capsys: Any, db_url: str, *argv: str) -> str:
    code, out, err = run_cli(capsys, *argv, "--database", db_url)
    assert code == 0, err
    return out


def _manual_item(capsys: Any, db_url: str, sandbox_url: str) -> tuple[str, int, int]:
    """A manual channel of the city (its address on the sandbox, so any API call would be
    seen there) and one approved item for it with a photo and alt text: (code, item, pub)."""
    out = _cli(
        capsys,
        db_url,
        "channel",
        "add",
        "--platform",
        "manual",
        "--name",
        "Cổng TTĐT phường Lê Chân",
        "--api-base",
        sandbox_url,
        "--unit",
        CITY,
        "--code",
        "manual-le-chan",
    )
    assert out.strip() == "channel manual-le-chan (manual) added"
    # the caption given decomposed (NFD): the export writes it composed (NFC)
    out = _cli(
        capsys,
        db_url,
        "item",
        "create",
        "--channel",
        "manual-le-chan",
        "--text",
        unicodedata.normalize("NFD", CAPTION),
        "--at",
        WHEN.isoformat(),
        "--as",
        "lan.nguyen",
        "--media",
        str(PHOTO),
        "--alt",
        ALT,
        "--theme",
        "bau-cu-2026",
    )
    item_id = int(out.strip().splitlines()[-1])
    _cli(capsys, db_url, "item", "approve", str(item_id), "--as", "minh.tran")
    with Session(jobs.engine(db_url)) as s:
        pub = s.exec(select(Publication).where(Publication.content_item_id == item_id)).one()
        assert pub.state == PubState.scheduled and pub.id is not None
        return "manual-le-chan", item_id, pub.id


def _report(db_url: str) -> Any:
    with Session(jobs.engine(db_url)) as s:
        return build(
            s, period=parse_period("2026-Q1"), tz=get_settings().tz, today=dt.date(2026, 4, 5)
        )


def test_a_manual_post_waits_for_a_person_is_mailed_exported_and_counted_once_live(
    office: str,  # noqa: F811
    sandbox: Any,
    inbox: Inbox,  # noqa: F811
    mail_on: int,  # noqa: F811
    capsys: Any,
    tmp_path: Path,
) -> None:
    db_url = office
    code, item_id, pub_id = _manual_item(capsys, db_url, sandbox.public_url)
    deliver(db_url)  # the item's own hand-offs (submitted, approved)
    inbox.messages.clear()
    before = _report(db_url)
    assert before.totals.products == 0 and before.totals.published == 0

    # long past its time (beyond the 2 h lateness limit): never missed, never sent
    late = WHEN + dt.timedelta(hours=5)
    assert jobs.publish_due(now=late, database_url=db_url) == {"manual": 1}
    assert jobs.publish_due(now=late + dt.timedelta(hours=1), database_url=db_url) == {
        "manual_waiting": 1
    }
    assert sandbox.state.posts == {} and sandbox.state.uploads == {}
    assert sandbox.state.counter == 0
    with Session(jobs.engine(db_url)) as s:
        pub = s.get(Publication, pub_id)
        assert pub is not None and pub.state == PubState.needs_check
        assert pub.last_error is not None
        assert pub.last_error.startswith("đăng thủ công: đến giờ đăng lên “Cổng TTĐT phường")
        assert f"publication export {pub_id}" in pub.last_error
        events = s.exec(
            select(AuditEvent).where(AuditEvent.action == "publication.manual_due")
        ).all()
        assert [e.entity_id for e in events] == [str(pub_id)]  # once, not every run
        # Việc của tôi: the approvers of the channel's unit see it with the reason
        posts = my_work(s, user=user(s, "minh.tran")).posts
        assert [(p.publication_id, p.platform, p.state) for p in posts] == [
            (pub_id, "manual", "needs_check")
        ]
        assert posts[0].reason == pub.last_error
        assert my_work(s, user=user(s, "lan.nguyen")).posts == ()  # an editor settles nothing

    # the reminder: the city's approvers and manager (with an address), not the editor
    deliver(db_url)
    subject = (
        f"[phuxanh] Bài đăng #{pub_id} chờ đăng thủ công lên Cổng TTĐT phường Lê Chân: {CAPTION}"
    )
    assert sorted(m.to_address for m in outbox(db_url) if m.subject == subject) == sorted(
        address(a) for a in ("hoa.pham", "minh.tran", "quang.do")
    )
    due = [m for m in inbox.messages if "chờ đăng thủ công" in m["Subject"]]
    assert sorted(m["To"] for m in due) == sorted(
        address(a) for a in ("hoa.pham", "minh.tran", "quang.do")
    )
    body = due[0].get_content()
    assert f"phuxanh publication export {pub_id}" in body
    assert f"phuxanh publication resolve {pub_id} --live URL" in body
    assert "Cổng TTĐT phường Lê Chân" in body

    # the export: caption (NFC, the approved text), the photo byte for byte, the alt text
    out = json.loads(
        _cli(capsys, db_url, "publication", "export", str(pub_id), "--out", str(tmp_path))
    )
    folder = tmp_path / f"phuxanh-{pub_id}"
    assert out["folder"] == str(folder)
    caption = (folder / "caption.txt").read_text(encoding="utf-8")
    assert caption == CAPTION + "\n" and unicodedata.is_normalized("NFC", caption)
    assert (folder / "alt.txt").read_text(encoding="utf-8") == ALT + "\n"
    photos = [p for p in folder.iterdir() if p.suffix == ".png"]
    assert len(photos) == 1 and photos[0].read_bytes() == PHOTO.read_bytes()
    guide = (folder / "huong-dan.txt").read_text(encoding="utf-8")
    assert f"phuxanh publication resolve {pub_id} --live URL" in guide
    assert sorted(out["files"]) == sorted(p.name for p in folder.iterdir())
    again = refused(
        capsys, "publication", "export", str(pub_id), "--out", str(tmp_path), "--database", db_url
    )
    assert again == f"--out: {folder} exists already; move it or choose another"

    # not counted until a person says where it is
    assert _report(db_url).totals.products == 0
    _cli(capsys, db_url, "publication", "resolve", str(pub_id), "--live", LIVE, "--as", "minh.tran")
    with Session(jobs.engine(db_url)) as s:
        pub = s.get(Publication, pub_id)
        item = s.get(ContentItem, item_id)
        assert pub is not None and pub.state == PubState.published and pub.remote_url == LIVE
        assert item is not None and item.status == "published"
    # live now: exporting it again would invite a second post by hand
    assert refused(
        capsys, "publication", "export", str(pub_id), "--out", str(tmp_path / "again"),
        "--database", db_url,
    ) == f"ID: publication {pub_id} is live already ({LIVE})"  # fmt: skip
    report = _report(db_url)
    assert (report.totals.products, report.totals.published) == (1, 1)
    row = next(r for r in report.channels if r.code == code)
    assert (row.products, row.published) == (1, 1)
    assert report.kinds == {"card": 1}
    assert report.channel_kinds == {"manual": 1}
    # the DOCX says it in words, once
    docx = tmp_path / "q1.docx"
    write(report, docx, "docx")
    from docx import Document

    text = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    assert "Theo loại sản phẩm: 1 tin ảnh, infographic." in text
    assert text.count("Lượt đăng theo loại kênh: 1 trên kênh đăng thủ công") == 1
    assert sandbox.state.posts == {}  # still nothing sent anywhere


def test_a_manual_channel_from_the_command_line_needs_no_token(
    db_url: str, sandbox: Any, given_campaign: Any, capsys: Any
) -> None:
    given_campaign(db_url, sandbox.public_url)
    _cli(
        capsys,
        db_url,
        "channel",
        "add",
        "--platform",
        "manual",
        "--name",
        "Bảng tin phường",
        "--code",
        "bang-tin",
    )
    rows = json.loads(_cli(capsys, db_url, "channel", "check", "--channel", "bang-tin"))
    assert rows[0]["ok"] is True and rows[0]["manual"] is True
    line = refused(
        capsys,
        "channel",
        "add",
        "--platform",
        "manual",
        "--name",
        "Cổng",
        "--credential-env",
        "PORTAL_TOKEN",
        "--database",
        db_url,
    )
    assert line == "--credential-env: a manual channel has no token; leave it out"
    line = refused(  # a right-to-left override would show "gnp.exe" as "exe.png"
        capsys, "channel", "add", "--platform", "manual", "--name", "Bảng tin",
        "--api-base", "https://phuong.example.vn/\u202egnp.exe", "--database", db_url,
    )  # fmt: skip
    assert line.startswith("--api-base: ") and "control characters" in line
    line = refused(
        capsys,
        "channel",
        "add",
        "--platform",
        "facebook",
        "--name",
        "Trang",
        "--account-id",
        "123",
        "--database",
        db_url,
    )
    assert line == "--credential-env: a facebook channel needs the variable that holds its token"
    with Session(jobs.engine(db_url)) as s:
        channel = s.exec(select(Channel).where(Channel.code == "bang-tin")).one()
        assert channel.platform == "manual" and channel.api_base_url == ""


def test_only_a_manual_channels_post_is_exported(
    db_url: str, sandbox: Any, given_campaign: Any, capsys: Any, tmp_path: Path
) -> None:
    given_campaign(db_url, sandbox.public_url)
    with Session(jobs.engine(db_url)) as s:
        facebook = s.exec(select(Channel).where(Channel.platform == "facebook")).first()
        assert facebook is not None
    out = _cli(
        capsys,
        db_url,
        "item",
        "create",
        "--channel",
        facebook.code,
        "--text",
        CAPTION,
        "--at",
        WHEN.isoformat(),
        "--as",
        "lan.nguyen",
    )
    item_id = out.strip().splitlines()[-1]
    _cli(capsys, db_url, "item", "approve", item_id, "--as", "minh.tran")
    with Session(jobs.engine(db_url)) as s:
        pub = s.exec(select(Publication).where(Publication.content_item_id == int(item_id))).one()
    line = refused(
        capsys,
        "publication",
        "export",
        str(pub.id),
        "--out",
        str(tmp_path / "x"),
        "--database",
        db_url,
    )
    assert line == (
        f"ID: publication {pub.id} is on facebook channel {facebook.code}: phuxanh posts it "
        "itself; only a manual channel's posts are exported"
    )
    assert not (tmp_path / "x").exists()
    assert refused(capsys, "publication", "export", "999999", "--database", db_url) == (
        "error: ID: publication 999999 does not exist"
    )


def test_a_campaign_file_takes_a_manual_channel_without_a_credential() -> None:
    from pydantic import ValidationError

    from phuxanh.planning.campaign import ChannelSpec

    base = {
        "code": "cong-le-chan",
        "name": "Cổng phường",
        "account_id": "le-chan",
        "api_base": PORTAL,
        "windows": ["08:00-10:00"],
    }
    assert ChannelSpec.model_validate({**base, "platform": "manual"}).credential_env == ""
    with pytest.raises(ValidationError, match="a manual channel has none"):
        ChannelSpec.model_validate({**base, "platform": "manual", "credential_env": "X_TOKEN"})
    with pytest.raises(ValidationError, match="credential_env: required"):
        ChannelSpec.model_validate({**base, "platform": "facebook"})
