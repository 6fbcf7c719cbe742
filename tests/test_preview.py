"""Captions as each platform shows them, and approval refused over a hard platform limit."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from phuxanh import jobs, review
from phuxanh.core.errors import ValidationFailed
from phuxanh.models import Channel
from phuxanh.platforms.preview import LIMITS, preview
from tests.helpers import items, user

URL = "https://haiphong.gov.vn/tin-tuc/bau-cu-2026-mot-duong-dan-rat-dai-de-thu-do-dai"


def test_x_counts_links_as_23_and_emoji_as_2() -> None:
    assert preview("x", "Bau cu 2026").length == 11
    # X weighs code points above U+10FF as 2: Vietnamese letters with a tone mark that live
    # in Latin Extended Additional (ầ U+1EA7, ử U+1EED) count double; à, ò, é do not.
    assert preview("x", "Bầu cử 2026").length == 11 + 2
    assert preview("x", "Hòa bình").length == 8
    text = "Bầu cử 15/3/2026 🗳️"
    plain = preview("x", text)
    assert plain.length == len("Bầu cử 15/3/2026 ") + 2 + 2  # two double letters, one emoji
    linked = preview("x", text, link=URL)
    assert linked.length == plain.length + 1 + 23  # newline + any URL counts as 23
    assert linked.ok and linked.link == URL and URL in linked.text


def test_over_a_hard_limit_is_a_problem_never_a_cut() -> None:
    long = "Hai Phong " * 40  # 400 characters
    shown = preview("x", long)
    assert shown.text == long.strip()  # nothing cut
    assert shown.problems == [
        f"X: {shown.length} > 280 weighted characters; shorten by {shown.length - 280}"
    ]
    assert preview("facebook", long * 10).ok  # no documented limit: none invented
    assert not preview("telegram", "a" * 1025).ok  # media caption limit
    assert preview("telegram", "a" * 1025, has_media=False).ok  # a text message: 4096


def test_titles_hashtags_and_unclickable_links() -> None:
    zalo = preview("zalo", "Ngày hội non sông\nCử tri đi bầu #BauCu2026")
    assert zalo.title == "Ngày hội non sông" and zalo.hashtags == ["BauCu2026"]
    long_title = preview("youtube", "T" * 101 + "\nmô tả")
    assert long_title.problems == ["YouTube: title 101 > 100 characters"]
    tiktok = preview("tiktok", "Xem thêm", link=URL)
    assert tiktok.notes == ["TikTok: links in the caption are not clickable"]
    assert preview("instagram", " ".join(f"#t{i}" for i in range(31))).problems == [
        "Instagram: 31 hashtags > 30"
    ]
    assert set(LIMITS) >= {"facebook", "youtube", "tiktok", "zalo", "x", "telegram", "website"}


def test_nfd_caption_is_shown_and_counted_as_nfc() -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Thành phố cảng xanh")
    shown = preview("telegram", nfd)
    assert shown.text == "Thành phố cảng xanh" and shown.length == 19


def test_approval_is_refused_when_a_caption_breaks_a_channel_limit(
    db_url: str, sandbox, given_campaign
) -> None:
    given_campaign(db_url, sandbox.public_url)
    with Session(jobs.engine(db_url)) as s:
        item = items(s)[0]
        channel = s.get(Channel, item.channel_ids[0])
        x = Channel(
            code="x-ttdn",
            platform="x",
            display_name="X TTĐN",
            unit_id=channel.unit_id,
            account_id="1",
            api_base_url="http://127.0.0.1:9",
            credential_ref="env:X",
        )
        s.add(x)
        s.flush()
        item.channel_ids = [*item.channel_ids, x.id]
        item.captions = {"x-ttdn": "Hải Phòng " * 40}  # 399 characters, ả weighs 2 on X
        s.add(item)
        review.submit(s, item=item, actor=user(s, "lan.nguyen"))
        with pytest.raises(ValidationFailed, match=r"X: \d{3} > 280 weighted characters; shorten"):
            review.approve(s, item=item, actor=user(s, "minh.tran"))
        review.edit(
            s,
            item=item,
            actor=user(s, "lan.nguyen"),
            captions={"x-ttdn": "Hải Phòng sẵn sàng cho ngày bầu cử 15/3/2026."},
        )
        review.approve(s, item=item, actor=user(s, "minh.tran"))
        assert item.status in ("approved", "scheduled")
        assert s.exec(select(Channel).where(Channel.code == "x-ttdn")).one()
