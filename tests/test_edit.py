"""The editorial desk's edits (`compose.items.edit_item`, `phuxanh item edit|comment`):
every save is a version, media and times are checked before anything is written, a
countdown card is drawn again for its new day, and review is a conversation. On SQLite
and PostgreSQL, against the demo campaign."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, col, select

from phuxanh import jobs, review
from phuxanh.compose.items import ALT_MAX, create_item, edit_item
from phuxanh.core import audit
from phuxanh.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from phuxanh.core.settings import get_settings
from phuxanh.core.users import add_user, ensure_unit
from phuxanh.media import stored
from phuxanh.models import (
    Approval,
    Asset,
    Campaign,
    Channel,
    ContentItem,
    ItemComment,
    ItemStatus,
    ItemVersion,
    Publication,
    PubState,
    Slot,
    Theme,
)
from tests.helpers import CAMPAIGN, items, refused, run_cli, user

PNG = Path(__file__).parent / "data" / "tiny.png"
NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)  # before the demo's first planned day


def local(day: int, hour: int, minute: int = 0, month: int = 3, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=get_settings().tz)


@pytest.fixture
def desk(db_url: str, sandbox, given_campaign) -> str:
    given_campaign(db_url, sandbox.public_url)
    return db_url


def _on(s: Session, code: str, ref: str = "fact:") -> ContentItem:
    """The first demo draft on channel `code` whose feature starts with `ref`."""
    channel = s.exec(select(Channel).where(Channel.code == code)).one()
    return next(
        i
        for i in items(s)
        if i.channel_ids == [channel.id] and (i.content_ref or "").startswith(ref)
    )


def _versions(s: Session, item: ContentItem) -> list[ItemVersion]:
    return list(
        s.exec(
            select(ItemVersion)
            .where(ItemVersion.content_item_id == item.id)
            .order_by(col(ItemVersion.version))
        )
    )


def _approved(s: Session, item: ContentItem) -> None:
    if item.status == ItemStatus.draft:
        review.submit(s, item=item, actor=user(s, "lan.nguyen"))
    review.approve(s, item=item, actor=user(s, "minh.tran"))
    if item.status == ItemStatus.in_review:  # a sensitive theme: a second approver
        review.approve(s, item=item, actor=user(s, "hoa.pham"))
    assert item.status == ItemStatus.scheduled


# --- every save is a version ---------------------------------------------------------------


def test_every_save_is_a_new_version(desk: str) -> None:
    with Session(jobs.engine(desk)) as s:
        drafted = items(s)
        first = [_versions(s, i) for i in drafted]
        assert all([v.version for v in vs] == [1] for vs in first)  # the composer saved v1
        item = _on(s, "fb-ttdn-haiphong")
        v1 = _versions(s, item)[0]
        assert v1.caption == item.caption and v1.media_path == item.media_path
        assert v1.editor_id == user(s, "lan.nguyen").id
        assert v1.card_values["figure"] and v1.card_values["source"]  # the card's fields
        old = item.caption
        edit_item(
            s,
            item=item,
            actor=user(s, "lan.nguyen"),
            caption=old + "\nMời bạn đọc chia sẻ.",
            note="thêm lời kêu gọi",
            now=NOW,
        )
        s.commit()
        v1, v2 = _versions(s, item)
        assert item.version == 2 and item.status == ItemStatus.draft
        assert (v1.caption, v2.caption) == (old, old + "\nMời bạn đọc chia sẻ.")
        assert v2.note == "thêm lời kêu gọi" and v2.editor_id == user(s, "lan.nguyen").id
        assert v2.card_values == v1.card_values  # the card did not change
        # the same text again changes nothing and saves nothing
        edit_item(s, item=item, actor=user(s, "lan.nguyen"), caption=item.caption, now=NOW)
        assert item.version == 2 and len(_versions(s, item)) == 2
        # a hand-written item starts at version 1 too
        made = create_item(
            s,
            channel_code="fb-ttdn-haiphong",
            text="Hải Phòng đón khách dịp 30/4.",
            at=local(29, 8, month=4),
            actor="lan.nguyen",
            media=PNG,
        )
        s.commit()
        (v,) = _versions(s, made)
        assert (v.version, v.caption, v.media_path) == (1, made.caption, made.media_path)
        upload = s.exec(select(Asset).where(Asset.content_item_id == made.id)).one()
        assert upload.template_code == "upload"
        assert upload.sha256 == hashlib.sha256(PNG.read_bytes()).hexdigest()


def test_an_edit_after_approval_goes_back_to_review_and_a_send_in_doubt_locks(
    desk: str,
) -> None:
    with Session(jobs.engine(desk)) as s:
        item = _on(s, "fb-ttdn-haiphong")
        _approved(s, item)
        s.commit()
        edit_item(
            s, item=item, actor=user(s, "lan.nguyen"), caption=item.caption + " Mới.", now=NOW
        )
        s.commit()
        assert item.status == ItemStatus.in_review and item.version == 2
        assert s.exec(select(Publication).where(Publication.content_item_id == item.id)).all() == []
        _approved(s, item)
        pub = s.exec(select(Publication).where(Publication.content_item_id == item.id)).one()
        pub.state = PubState.needs_check
        s.add(pub)
        s.commit()
        with pytest.raises(review.SendInDoubt, match=f"publication {pub.id} on .* needs_check"):
            edit_item(
                s, item=item, actor=user(s, "lan.nguyen"), caption=item.caption + "!", now=NOW
            )
        s.rollback()
        s.refresh(item)
        assert item.version == 2 and len(_versions(s, item)) == 2


def test_a_text_an_approved_item_must_not_take(desk: str) -> None:
    with Session(jobs.engine(desk)) as s:
        lan = user(s, "lan.nguyen")
        draft = _on(s, "fb-ttdn-haiphong")
        # a draft may be saved unfinished: it is held until the text is fixed
        edit_item(s, item=draft, actor=lan, caption="Hai Phong TODO", now=NOW)
        assert any("placeholder text left in: 'TODO'" in r for r in draft.hold_reasons)
        other = _on(s, "fb-vhttdl-haiphong")
        _approved(s, other)
        with pytest.raises(ValidationFailed) as placeholder:
            edit_item(s, item=other, actor=lan, caption=other.caption + " TODO", now=NOW)
        assert str(placeholder.value) == "--text: facebook: placeholder text left in: 'TODO'"
        assert placeholder.value.text("vi").startswith("--text: chưa đạt yêu cầu kiểm tra:")
        with pytest.raises(ValidationFailed, match=r"^--text: empty$"):
            edit_item(s, item=other, actor=lan, caption="   ", now=NOW)
        with pytest.raises(ValidationFailed) as channel:
            edit_item(s, item=other, actor=lan, captions={"x-nowhere": "Chào"}, now=NOW)
        assert str(channel.value) == (
            "--text: x-nowhere is not one of the item's channels (fb-vhttdl-haiphong)"
        )
        assert other.status == ItemStatus.scheduled and other.version == 1
        # a channel's own caption, then back to the common one
        edit_item(s, item=other, actor=lan, captions={"fb-vhttdl-haiphong": "Riêng."}, now=NOW)
        assert other.captions == {"fb-vhttdl-haiphong": "Riêng."} and other.version == 2
        assert other.status == ItemStatus.in_review
        edit_item(s, item=other, actor=lan, captions={"fb-vhttdl-haiphong": None}, now=NOW)
        assert other.captions == {} and other.version == 3


# --- media -----------------------------------------------------------------------------------


def test_media_is_checked_copied_in_and_its_provenance_kept(desk: str, tmp_path: Path) -> None:
    from tests.test_cards import png_bomb

    photo = tmp_path / "anh-moi.png"
    Image.new("RGB", (640, 480), (0, 120, 60)).save(photo)
    webp = tmp_path / "anh.webp"
    Image.new("RGB", (64, 64), (0, 0, 0)).save(webp)
    bomb = png_bomb(tmp_path / "bomb.png", 20_000, 20_000)
    with Session(jobs.engine(desk)) as s:
        lan = user(s, "lan.nguyen")
        item = _on(s, "fb-ttdn-haiphong")
        card = item.media_path
        with pytest.raises(ValidationFailed) as missing:
            edit_item(s, item=item, actor=lan, media=tmp_path / "none.png", now=NOW)
        assert str(missing.value) == f"--media: {tmp_path / 'none.png'} does not exist"
        with pytest.raises(ValidationFailed) as big:
            edit_item(s, item=item, actor=lan, media=bomb, now=NOW)
        assert str(big.value).startswith(f"--media: {bomb}: more than 60 Mpx")
        with pytest.raises(ValidationFailed) as platform:
            edit_item(s, item=item, actor=lan, media=webp, now=NOW)
        assert str(platform.value) == (
            "--media: fb-ttdn-haiphong (facebook) would refuse it: anh.webp: Facebook images "
            "must be JPG/PNG"
        )
        assert item.media_path == card and item.version == 1
        uploads = stored.media_root() / stored.UPLOADS
        assert not uploads.exists() or list(uploads.iterdir()) == []  # nothing copied in
        edit_item(s, item=item, actor=lan, media=photo, alt_text="Cảng Lạch Huyện", now=NOW)
        s.commit()
        kept = stored.resolve(item.media_path)
        assert (
            kept is not None and kept.parent == uploads and kept.read_bytes() == photo.read_bytes()
        )
        assert item.media_path == stored.to_stored(kept) and not Path(item.media_path).is_absolute()
        assert item.alt_text == "Cảng Lạch Huyện" and item.template_id is None
        asset = s.exec(
            select(Asset).where(Asset.content_item_id == item.id, Asset.path == item.media_path)
        ).one()
        assert (asset.template_code, asset.sha256) == (
            "upload",
            hashlib.sha256(photo.read_bytes()).hexdigest(),
        )
        assert _versions(s, item)[-1].card_values == {}  # no template card any more


def test_a_youtube_channel_takes_no_image(desk: str, tmp_path: Path) -> None:
    with Session(jobs.engine(desk)) as s:
        item = _on(s, "fb-ttdn-haiphong")
        page = s.get(Channel, item.channel_ids[0])
        assert page is not None
        tube = Channel(
            code="yt-ttdn",
            platform="youtube",
            display_name="TTĐN trên YouTube",
            unit_id=page.unit_id,
            account_id="UC1",
            api_base_url="http://127.0.0.1:9",
            credential_ref="env:YT_TOKEN",
        )
        s.add(tube)
        s.flush()
        item.channel_ids = [page.id or 0, tube.id or 0]
        s.add(item)
        with pytest.raises(ValidationFailed) as video_only:
            edit_item(s, item=item, actor=user(s, "lan.nguyen"), media=PNG, now=NOW)
        assert str(video_only.value) == (
            "--media: yt-ttdn (youtube) would refuse it: YouTube takes videos only; attach a "
            "clip or drop this channel"
        )


# --- time ------------------------------------------------------------------------------------


def test_a_new_time_is_in_the_future_and_inside_the_windows(desk: str) -> None:
    with Session(jobs.engine(desk)) as s:
        lan, minh = user(s, "lan.nguyen"), user(s, "minh.tran")
        item = _on(s, "fb-ttdn-haiphong")  # windows 08:00-09:00 and 19:30-20:30
        with pytest.raises(ValidationFailed) as past:
            edit_item(s, item=item, actor=lan, scheduled_at=local(2, 8, 30), now=local(5, 9))
        assert (
            str(past.value) == "--at: 02/03/2026 08:30 is in the past (it is 05/03/2026 09:00 now)"
        )
        assert (
            past.value.text("vi") == "--at: 02/03/2026 08:30 đã qua (bây giờ là 05/03/2026 09:00)."
        )
        with pytest.raises(ValidationFailed) as outside:
            edit_item(s, item=item, actor=lan, scheduled_at=local(11, 12), now=NOW)
        assert str(outside.value) == (
            "--at: 11/03/2026 12:00 is outside the posting windows of fb-ttdn-haiphong "
            "(08:00-09:00, 19:30-20:30); choose a time inside them, or an approver may "
            "override with a reason"
        )
        with pytest.raises(PermissionDenied, match=r"lan.nguyen \(editor\) may not schedule"):
            edit_item(
                s,
                item=item,
                actor=lan,
                scheduled_at=local(11, 12),
                outside_windows="tin khẩn",
                now=NOW,
            )
        with pytest.raises(ValidationFailed, match="outside_windows: posting outside the"):
            edit_item(
                s, item=item, actor=minh, scheduled_at=local(11, 12), outside_windows=" ", now=NOW
            )
        assert item.version == 1
        edit_item(s, item=item, actor=lan, scheduled_at=local(11, 20, 30), now=NOW)  # end is in
        assert item.scheduled_at == local(11, 20, 30) and item.version == 2
        edit_item(
            s,
            item=item,
            actor=minh,
            scheduled_at=local(11, 12),
            outside_windows="Họp báo lúc 11:30, tin cần đăng ngay sau đó",
            now=NOW,
        )
        s.commit()
        assert item.scheduled_at == local(11, 12) and item.version == 3
        event = s.exec(
            select(audit.AuditEvent).where(audit.AuditEvent.action == "item.schedule_override")
        ).one()
        assert event.actor == "minh.tran" and event.entity_id == str(item.id)
        assert event.detail["reason"] == "Họp báo lúc 11:30, tin cần đăng ngay sau đó"
        assert event.detail["channels"] == {"fb-ttdn-haiphong": ["08:00-09:00", "19:30-20:30"]}
        assert event.detail["version"] == 3


def _countdown(db_url: str) -> int:
    """A slot of the election theme three days before 15/3/2026, composed: a countdown."""
    with Session(jobs.engine(db_url)) as s:
        channel = s.exec(select(Channel).where(Channel.code == "fb-ttdn-haiphong")).one()
        theme = s.exec(select(Theme).where(Theme.code == "bau-cu-2026")).one()
        campaign = s.exec(select(Campaign).where(Campaign.code == CAMPAIGN)).one()
        s.add(
            Slot(
                campaign_id=campaign.id or 0,
                channel_id=channel.id or 0,
                theme_id=theme.id or 0,
                scheduled_at=local(12, 8),
                why="a countdown for the test",
            )
        )
        s.commit()
    assert jobs.render_pending(CAMPAIGN, database_url=db_url)["rendered"] == 1
    with Session(jobs.engine(db_url)) as s:
        item = s.exec(
            select(ContentItem).where(col(ContentItem.content_ref).startswith("countdown:"))
        ).one()
        assert item.content_ref == "countdown:2026-03-15:3"
        return item.id or 0


def test_a_countdown_card_is_drawn_again_for_its_new_day(desk: str) -> None:
    item_id = _countdown(desk)
    with Session(jobs.engine(desk)) as s:
        lan = user(s, "lan.nguyen")
        item = s.get(ContentItem, item_id)
        assert item is not None
        assert "Còn 3 ngày đến" in item.caption and "Còn 3 ngày" in (item.alt_text or "")
        old_card = stored.resolve(item.media_path)
        assert old_card is not None and old_card.is_file()
        old_bytes = old_card.read_bytes()
        with pytest.raises(ValidationFailed) as still:
            edit_item(
                s,
                item=item,
                actor=lan,
                scheduled_at=local(13, 8, 30),
                caption=item.caption,
                now=NOW,
            )
        assert str(still.value).startswith("--text: still says “Còn 3 ngày đến ")
        assert "it now says “Còn 2 ngày đến " in str(still.value)
        with pytest.raises(ValidationFailed) as past:
            edit_item(s, item=item, actor=lan, scheduled_at=local(15, 8, 30), now=NOW)
        assert str(past.value) == (
            "--at: the card counts down to Ngày bầu cử đại biểu Quốc hội khóa XVI và đại biểu "
            "HĐND các cấp on 15/3/2026, and 15/03/2026 is not before it; choose an earlier "
            "day, or attach another image"
        )
        assert item.version == 1
        edit_item(s, item=item, actor=lan, scheduled_at=local(13, 8, 30), now=NOW)
        s.commit()
        assert item.version == 2 and item.scheduled_at == local(13, 8, 30)
        assert "Còn 2 ngày đến" in item.caption and "Còn 3 ngày" not in item.caption
        assert "Còn 2 ngày" in (item.alt_text or "") and "Còn 3 ngày" not in (item.alt_text or "")
        card = stored.resolve(item.media_path)
        assert card is not None and card != old_card and card.is_file()
        assert card.read_bytes() != old_bytes and old_card.read_bytes() == old_bytes
        v1, v2 = _versions(s, item)
        assert (v1.card_values["as_of"], v2.card_values["as_of"]) == ("2026-03-12", "2026-03-13")
        assert v2.card_values["date"] == "2026-03-15"
        drawn = s.exec(
            select(Asset).where(Asset.content_item_id == item.id, Asset.path == item.media_path)
        ).one()
        assert drawn.template_code == "countdown"
        assert drawn.sha256 == hashlib.sha256(card.read_bytes()).hexdigest()
        # a time on the same day draws nothing again
        edit_item(s, item=item, actor=lan, scheduled_at=local(13, 8, 45), now=NOW)
        assert item.version == 3 and stored.resolve(item.media_path) == card


def test_a_card_naming_a_date_cannot_move_past_it(desk: str) -> None:
    with Session(jobs.engine(desk)) as s:
        item = _on(s, "fb-dh-y-duoc-hp", "message:bau-cu-2026")  # "Ngày 15/3/2026 …"
        with pytest.raises(ValidationFailed) as stale:
            edit_item(
                s, item=item, actor=user(s, "lan.nguyen"), scheduled_at=local(16, 8, 30), now=NOW
            )
        assert str(stale.value) == (
            "--at: the card names 15/3/2026, which has passed on 16/03/2026; choose an "
            "earlier day, or attach another image"
        )
        edit_item(s, item=item, actor=user(s, "lan.nguyen"), scheduled_at=local(14, 8), now=NOW)
        assert item.version == 2


def test_alt_text_is_never_blank_nor_cut(desk: str) -> None:
    with Session(jobs.engine(desk)) as s:
        lan = user(s, "lan.nguyen")
        item = _on(s, "fb-ttdn-haiphong")
        _approved(s, item)
        with pytest.raises(ValidationFailed, match=r"^--alt: empty$"):
            edit_item(s, item=item, actor=lan, alt_text="  ", now=NOW)
        with pytest.raises(ValidationFailed) as long:
            edit_item(s, item=item, actor=lan, alt_text="a" * (ALT_MAX + 1), now=NOW)
        assert str(long.value) == f"--alt: {ALT_MAX + 1} characters, at most {ALT_MAX}"
        edit_item(s, item=item, actor=lan, alt_text="Ảnh cảng Hải Phòng.", now=NOW)
        assert item.alt_text == "Ảnh cảng Hải Phòng." and item.status == ItemStatus.in_review


# --- review as a conversation ------------------------------------------------------------


def test_comments_and_reasons_are_the_conversation(desk: str) -> None:
    with Session(jobs.engine(desk)) as s:
        lan, minh = user(s, "lan.nguyen"), user(s, "minh.tran")
        first, second = _on(s, "fb-ttdn-haiphong"), _on(s, "fb-vhttdl-haiphong")
        said = review.comment(s, item=first, actor=minh, text="  Số liệu năm nào?  ")
        assert (said.kind, said.text, said.version) == ("comment", "Số liệu năm nào?", 1)
        with pytest.raises(ValidationFailed, match=r"^--text: empty$"):
            review.comment(s, item=first, actor=minh, text=" \n ")
        ensure_unit(s, code="phuong-le-chan", name="UBND phường Lê Chân", level="ward")
        outsider = add_user(s, username="an.le", unit_code="phuong-le-chan", role="approver")
        with pytest.raises(PermissionDenied, match="not in the unit"):
            review.comment(s, item=first, actor=outsider, text="?")
        edit_item(s, item=first, actor=lan, caption=first.caption + " (2025)", now=NOW)
        review.submit(s, item=first, actor=lan)
        review.request_changes(s, item=first, actor=minh, comment="Thêm nguồn")
        review.submit(s, item=second, actor=lan)
        review.reject(s, item=second, actor=minh, reason="Trùng bài hôm qua")
        s.commit()
        thread = s.exec(
            select(ItemComment)
            .where(col(ItemComment.content_item_id).in_([first.id, second.id]))
            .order_by(col(ItemComment.id))
        ).all()
        assert [(c.content_item_id, c.kind, c.version, c.text) for c in thread] == [
            (first.id, "comment", 1, "Số liệu năm nào?"),
            (first.id, "changes", 2, "Thêm nguồn"),
            (second.id, "reject", 1, "Trùng bài hôm qua"),
        ]
        assert all(c.user_id == minh.id for c in thread)
        commented = s.exec(
            select(audit.AuditEvent).where(audit.AuditEvent.action == "item.comment")
        ).one()
        assert commented.detail["text"] == "Số liệu năm nào?"


def test_the_same_approver_approves_a_version_once(desk: str) -> None:
    with Session(jobs.engine(desk)) as s:
        lan, minh, hoa = (user(s, n) for n in ("lan.nguyen", "minh.tran", "hoa.pham"))
        item = _on(s, "fb-ttdn-haiphong")
        theme = s.get(Theme, item.theme_id)
        assert theme is not None
        theme.sensitive = True  # two approvers needed
        s.add(theme)
        review.submit(s, item=item, actor=lan)
        review.approve(s, item=item, actor=minh)
        with pytest.raises(InvalidTransition) as again:
            review.approve(s, item=item, actor=minh)
        assert str(again.value) == (
            f"minh.tran has already approved item {item.id} as it stands (version 1); it "
            "waits for another approver"
        )
        assert again.value.text("vi").startswith(f"minh.tran đã duyệt mục #{item.id}")
        assert len(s.exec(select(Approval).where(Approval.content_item_id == item.id)).all()) == 1
        review.approve(s, item=item, actor=hoa)
        assert item.status == ItemStatus.scheduled
        # sent back unchanged, an item already approved by enough people is approved anew
        review.request_changes(s, item=item, actor=hoa, comment="Xem lại giờ đăng")
        review.submit(s, item=item, actor=lan)
        review.approve(s, item=item, actor=minh)
        assert item.status == ItemStatus.scheduled


# --- the command line ------------------------------------------------------------------------


def test_item_edit_comment_on_the_command_line(desk: str, capsys, tmp_path: Path) -> None:
    with Session(jobs.engine(desk)) as s:
        item = _on(s, "fb-ttdn-haiphong")
        n, caption = item.id, item.caption
    base = ("--database", desk)
    code, out, err = run_cli(
        capsys, "item", "edit", str(n), "--text", caption + " Mới.", "--as", "lan.nguyen", *base
    )
    assert (code, out.strip(), err) == (0, f"item {n}: version 2, draft", "")
    later = "2027-01-05T08:30+07:00"  # the CLI's clock is the real one
    code, out, _ = run_cli(
        capsys, "item", "edit", str(n), "--at", later, "--as", "lan.nguyen", *base
    )
    assert (code, out.strip()) == (0, f"item {n}: version 3, draft")
    code, out, _ = run_cli(
        capsys, "item", "edit", str(n), "--at", later, "--as", "lan.nguyen", *base
    )
    assert out.strip() == f"item {n}: nothing changed (version 3)"
    assert refused(
        capsys,
        "item",
        "edit",
        str(n),
        "--at",
        "2020-01-06T08:30+07:00",
        "--as",
        "lan.nguyen",
        *base,
    ).startswith("--at: 06/01/2020 08:30 is in the past")
    assert refused(
        capsys, "item", "edit", str(n), "--at", "2027-01-05T12:00", "--as", "lan.nguyen", *base
    ).startswith("--at: 05/01/2027 12:00 is outside the posting windows of fb-ttdn-haiphong")
    assert (
        refused(capsys, "item", "edit", str(n), "--at", "5/1/2027", "--as", "lan.nguyen", *base)
        == "--at: '5/1/2027' is not an ISO date-time (e.g. 2026-03-15T08:00+07:00)"
    )
    assert (
        refused(
            capsys,
            "item",
            "edit",
            str(n),
            "--media",
            str(tmp_path / "x.png"),
            "--as",
            "lan.nguyen",
            *base,
        )
        == f"--media: {tmp_path / 'x.png'} does not exist"
    )
    assert refused(capsys, "item", "edit", str(n), "--alt", " ", "--as", "lan.nguyen", *base) == (
        "--alt: empty"
    )
    assert refused(capsys, "item", "edit", str(n), "--as", "lan.nguyen", *base) == (
        "nothing to change: give --text, --media, --at, --alt or --audience"
    )
    assert refused(
        capsys, "item", "edit", "999999", "--text", "x", "--as", "lan.nguyen", *base
    ) == ("error: ID: no item 999999")
    code, out, _ = run_cli(
        capsys,
        "item",
        "edit",
        str(n),
        "--media",
        str(PNG),
        "--alt",
        "Logo",
        "--as",
        "minh.tran",
        *base,
    )
    assert (code, out.strip()) == (0, f"item {n}: version 4, draft")
    code, out, _ = run_cli(
        capsys, "item", "comment", str(n), "--text", "Đã xem.", "--as", "minh.tran", *base
    )
    assert (code, out.strip()) == (0, f"item {n}: comment added (version 4)")
    assert refused(capsys, "item", "comment", str(n), "--text", "", "--as", "minh.tran", *base) == (
        "--text: empty"
    )
    with Session(jobs.engine(desk)) as s:
        item = s.get(ContentItem, n)
        assert item is not None and item.alt_text == "Logo"
        assert item.scheduled_at == dt.datetime(2027, 1, 5, 1, 30, tzinfo=dt.UTC)
        assert [v.editor_id for v in _versions(s, item)][-1] == user(s, "minh.tran").id
        # submitted and approved, an edit on the command line sends it back to review
        review.submit(s, item=item, actor=user(s, "lan.nguyen"))
        review.approve(s, item=item, actor=user(s, "hoa.pham"))
        s.commit()
    code, out, _ = run_cli(
        capsys, "item", "edit", str(n), "--text", "Bài đã sửa.", "--as", "lan.nguyen", *base
    )
    assert (code, out.strip()) == (
        0,
        f"item {n}: version 5, back in review (it needs a new approval)",
    )


def test_an_approver_who_edits_the_text_may_not_approve_it(desk: str) -> None:
    """Four eyes: found by the hostile pass, an approver rewrote a caption and approved it
    herself. Whoever saved a version of the item is one of its authors."""
    with Session(jobs.engine(desk)) as s:
        item = _on(s, "fb-ttdn-haiphong")
        review.submit(s, item=item, actor=user(s, "lan.nguyen"))
        edit_item(
            s, item=item, actor=user(s, "hoa.pham"), caption="Do người duyệt viết lại.", now=NOW
        )
        s.commit()
        assert item.status == ItemStatus.in_review and item.version == 2
        with pytest.raises(PermissionDenied, match=r"hoa.pham edited item \d+ \(version 2\)"):
            review.approve(s, item=item, actor=user(s, "hoa.pham"))
        s.rollback()
        s.refresh(item)
        review.approve(s, item=item, actor=user(s, "minh.tran"))  # another approver may
        assert s.exec(select(Approval).where(Approval.content_item_id == item.id)).all()
