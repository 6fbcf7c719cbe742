"""Captions as each platform shows them (Facebook's fold, X's weighted count, Telegram's
caption or message limit, titles, the link exactly as posted), and approval refused over a
hard platform limit."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlmodel import Session, col, select

from phuxanh import crud, jobs, review
from phuxanh.core.errors import ValidationFailed
from phuxanh.models import Channel, ContentItem
from phuxanh.platforms.preview import (
    FACEBOOK_FOLD_CHARS,
    FACEBOOK_FOLD_LINES,
    LIMITS,
    facebook_fold,
    preview,
)
from tests.helpers import at, items, user

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
    assert [str(n) for n in tiktok.notes] == ["TikTok: links in the caption are not clickable"]
    assert tiktok.text == f"Xem thêm\n{URL}"  # the adapter appends it (`Post.with_link`)
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


# --- Facebook's "Xem thêm" fold --------------------------------------------------------------

LEAD = "Hải Phòng - thành phố cảng xanh, văn minh, hiện đại"
BODY = (
    "Hải Phòng là trung tâm kinh tế biển, logistics, công nghiệp công nghệ cao và cửa ngõ "
    "giao thương quốc tế."
)
CREDIT = "Nguồn: Phối hợp triển khai công tác thông tin đối ngoại năm 2026"


def test_the_facebook_fold_falls_at_125_characters_or_the_third_line() -> None:
    assert (FACEBOOK_FOLD_CHARS, FACEBOOK_FOLD_LINES) == (125, 3)
    words = " ".join(["word"] * 40)  # 199 characters; the 26th word starts at 125
    fold = facebook_fold(words)
    assert fold is not None
    assert fold.visible == " ".join(["word"] * 25)  # back to the last space: no word split
    assert fold.at == 124 and fold.hidden == " ".join(["word"] * 15)
    assert facebook_fold("x" * 125) is None  # all of it shows
    cut = facebook_fold("x" * 126)  # one long word: cut at the figure itself
    assert cut is not None and (cut.visible, cut.hidden) == ("x" * 125, "x")
    lines = facebook_fold("Một\nHai\n\nBa")  # short lines fill a phone's lines first
    assert lines is not None and (lines.visible, lines.hidden) == ("Một\nHai", "Ba")
    assert facebook_fold("Một\nHai\nBa") is None
    shown = preview("facebook", f"{LEAD}\n{BODY}\n{CREDIT}")
    assert shown.fold is not None and shown.text.startswith(shown.fold.visible)
    seen, _, rest = BODY.partition(" và ")  # 52 + 73 characters: the fold is at that space
    assert shown.fold.visible == f"{LEAD}\n{seen}" and shown.fold.at == 125
    assert shown.fold.hidden == f"và {rest}\n{CREDIT}"
    assert preview("x", words).fold is None and preview("telegram", words).fold is None


def test_a_source_below_the_fold_is_a_note_not_a_refusal() -> None:
    folded = preview("facebook", f"{LEAD}\n{BODY}\n{CREDIT}")
    assert folded.ok and folded.problems == []
    assert [(n.code, dict(n.params)) for n in folded.notes] == [
        ("source_folded", {"label": "Facebook Page", "line": CREDIT})
    ]
    assert str(folded.notes[0]).startswith(f"Facebook Page: the source line ({CREDIT}) is below")
    above = preview("facebook", f"{LEAD}\n{CREDIT}\n{BODY}")  # the source on the 2nd line
    assert above.fold is not None and CREDIT in above.fold.visible and above.notes == []
    short = preview("facebook", "Cử tri đi bầu.\nNguồn: 05-HD/ĐU")  # no fold at all
    assert short.fold is None and short.notes == []
    english = preview("facebook", f"{LEAD}\n{CREDIT}\n\nEN: Source: Guide 21-HD/BTGDVTW")
    assert [n.params["line"] for n in english.notes] == ["EN: Source: Guide 21-HD/BTGDVTW"]
    # a source line cut by the fold is not wholly visible either
    cut = preview(
        "facebook", " ".join(["Tin"] * 28) + "\nNguồn: 05-HD/ĐU"
    )  # the fold: after "Nguồn:"
    assert cut.fold is not None and cut.fold.visible.endswith("Tin\nNguồn:")
    assert [n.code for n in cut.notes] == ["source_folded"]


# --- Telegram: a media caption or a text message -------------------------------------------


def test_telegram_takes_1024_with_media_and_4096_without_counting_the_link() -> None:
    room = 1024 - len(URL) - 1  # the adapter appends the link on a line of its own
    fits = preview("telegram", "a" * room, link=URL)
    assert fits.ok and fits.length == 1024 and fits.limit == 1024 and fits.text.endswith(URL)
    over = preview("telegram", "a" * (room + 1), link=URL)
    assert over.problems == ["Telegram: 1025 > 1024 characters; shorten by 1"]
    message = preview("telegram", "a" * (room + 1), link=URL, has_media=False)
    assert message.ok and message.limit == 4096
    assert not preview("telegram", "a" * 4097, has_media=False).ok


# --- the link the reviewer sees is the link that is posted -----------------------------------


def test_facebook_photos_take_no_link_field_so_the_preview_says_so() -> None:
    photo = preview("facebook", "Ảnh hội nghị.", link=URL, has_media=True)
    assert photo.link is None
    assert [(n.code, n.params["link"]) for n in photo.notes] == [("link_not_posted", URL)]
    text_post = preview("facebook", "Ảnh hội nghị.", link=URL, has_media=False)
    assert text_post.link == URL and text_post.notes == []  # sent in the `link` field
    in_caption = preview("facebook", f"Ảnh hội nghị.\n{URL}", link=URL, has_media=True)
    assert in_caption.link == URL and in_caption.notes == []
    sourced = preview("facebook", f"Tin mới (Nguồn: {URL})", link=None, has_media=False)
    assert sourced.link is None  # a URL in a source line is not the post's link


def test_the_previewed_link_is_the_link_the_platform_receives(
    db_url: str, sandbox, given_campaign
) -> None:
    """What a reviewer reads under "Liên kết" in the queue (the desk's row through
    `preview`) is, character for character, what reaches the platform: a photo's caption
    carries it, a text post sends it in Facebook's `link` field."""
    given_campaign(db_url, sandbox.public_url)
    with Session(jobs.engine(db_url)) as s:
        due = [i for i in items(s) if i.scheduled_at == at(0, 8)]
        assert len(due) == 2
        photo, text_only = due
        text_only.media_path = None  # a text post with its link
        s.add(text_only)
        editor, minh, hoa = (user(s, n) for n in ("lan.nguyen", "minh.tran", "hoa.pham"))
        for item in due:
            review.submit(s, item=item, actor=editor)
            review.approve(s, item=item, actor=minh)
            if item.status == "in_review":  # a sensitive theme: a second approver
                review.approve(s, item=item, actor=hoa)
        s.commit()
        rows = {r.id: r for r in crud.queue(s, viewer=minh)}
        shown = {}
        for item in due:
            row = rows[item.id or 0]
            (channel,) = row.channels
            seen = preview(
                channel.platform, channel.caption, link=row.link, has_media=bool(row.media)
            )
            assert seen.link is not None
            tags = parse_qs(urlsplit(seen.link).query)
            assert tags["utm_source"] == [channel.code] and tags["utm_medium"] == ["social"]
            shown[item.id] = seen.link
    assert jobs.publish_due(now=at(0, 8, 1), database_url=db_url) == {"published": 2}
    posts = requests.get(f"{sandbox.public_url}/_sandbox/posts", timeout=5).json()["posts"]
    by_kind = {p["kind"]: p for p in posts}
    assert set(by_kind) == {"photo", "feed"}
    assert shown[photo.id] in by_kind["photo"]["message"].splitlines()
    assert by_kind["feed"]["link"] == shown[text_only.id]
    with Session(jobs.engine(db_url)) as s:
        stored = s.exec(select(ContentItem.link).where(col(ContentItem.id).in_(shown))).all()
        assert sorted(stored) == sorted(shown.values())  # the one link the composer tagged


# --- in the queue ------------------------------------------------------------------------------


def test_the_queue_marks_the_fold_and_counts_x_weighted(app_db: str) -> None:
    from tests.test_dashboard import _signed_in

    with Session(jobs.engine(app_db)) as s:
        item = next(  # a demo post whose source line Facebook folds away
            i
            for i in items(s)
            if [n.code for n in preview("facebook", i.caption, link=i.link).notes]
            == ["source_folded"]
        )
        first = s.get(Channel, item.channel_ids[0])
        assert first is not None
        x = Channel(
            code="x-ttdn",
            platform="x",
            display_name="X TTĐN",
            unit_id=first.unit_id,
            account_id="1",
            api_base_url="http://127.0.0.1:9",
            credential_ref="env:X",
        )
        s.add(x)
        s.flush()
        item.channel_ids = [*item.channel_ids, x.id or 0]
        item.captions = {"x-ttdn": "Bầu cử 15/3/2026"}
        s.add(item)
        s.commit()
        caption, link, item_id = item.caption, item.link, item.id
    fold = preview("facebook", caption, link=link, has_media=True).fold
    assert fold is not None
    q = _signed_in("minh.tran")
    q.selectbox(key="f_status.vi").set_value("draft").run()
    q.text_input(key="q_text").input(f"#{item_id}").run()
    assert not q.exception, [e.value for e in q.exception]
    texts = [t.value for t in q.text]
    assert f"{fold.visible}… Xem thêm" in texts and fold.hidden in texts
    captions = [c.value for c in q.caption]
    assert any(c.startswith("▲ Facebook hiện chú thích trên bảng tin đến đây") for c in captions)
    weighted = preview("x", "Bầu cử 15/3/2026", link=link).length
    assert any(f"{weighted} / 280 ký tự theo cách đếm của X" in c for c in captions)
    assert any(f"Liên kết: `{link}`" in c for c in captions)
    (note,) = [w.value for w in q.warning if "nằm dưới “Xem thêm”" in w.value]
    assert note.startswith("Facebook Page: dòng nguồn (Nguồn: ")
    q.sidebar.radio(key="lang").set_value("en").run()
    assert f"{fold.visible}… See more" in [t.value for t in q.text]
    assert any(c.value.startswith("▲ Facebook's feed shows") for c in q.caption)
    assert any("the source line (Nguồn: " in w.value for w in q.warning)
