"""`item log` (issue 21): a product made outside phuxanh (an article on a portal, a press
release, a radio bulletin, an event) enters the record with its link, audited, and counts in
the periodic report by kind, its publication by the kind of channel, with no double count.
Bad input is one line naming the flag. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.core.settings import get_settings
from phuxanh.models import (
    AuditEvent,
    Channel,
    ContentItem,
    ItemStatus,
    Publication,
    PubState,
    Theme,
)
from phuxanh.reports.figures import build
from phuxanh.reports.files import write
from phuxanh.reports.model import parse_period
from tests.helpers import refused, run_cli, user

ICT = dt.timezone(dt.timedelta(hours=7))
THEME = "bau-cu-2026"


@pytest.fixture
def office(db_url: str, sandbox: Any, given_campaign: Any, capsys: Any) -> str:
    """The demo campaign (three Facebook pages) with the city's website and a manual
    channel (a ward's portal)."""
    given_campaign(db_url, sandbox.public_url)
    for extra in (
        ["wordpress", "--name", "Trang TTĐT Hải Phòng", "--account-id", "1", "--api-base",
         "https://ttdn.haiphong.gov.vn", "--credential-env", "WP_TTDN_TOKEN", "--code", "web"],
        ["manual", "--name", "Cổng TTĐT phường Lê Chân", "--code", "cong"],
    ):  # fmt: skip
        code, _out, err = run_cli(
            capsys, "channel", "add", "--platform", *extra, "--database", db_url
        )
        assert code == 0, err
    return db_url


def log(capsys: Any, db_url: str, channel: str, url: str, at: str, kind: str, *more: str) -> Any:
    code, out, err = run_cli(
        capsys,
        "item",
        "log",
        "--channel",
        channel,
        "--url",
        url,
        "--at",
        at,
        "--kind",
        kind,
        "--theme",
        THEME,
        "--as",
        "lan.nguyen",
        *more,
        "--database",
        db_url,
    )
    assert code == 0, err
    return json.loads(out)


def quarter(db_url: str) -> Any:
    with Session(jobs.engine(db_url)) as s:
        return build(
            s, period=parse_period("2026-Q1"), tz=get_settings().tz, today=dt.date(2026, 4, 5)
        )


def test_logged_products_enter_the_record_and_count_by_kind(
    office: str, capsys: Any, tmp_path: Path
) -> None:
    db_url = office
    url = "https://baohaiphong.vn/bau-cu/ngay-hoi-non-song-123.html"
    got = log(
        capsys, db_url, "web", url, "2026-03-10T08:30+07:00", "article", "--title", "Ngày hội"
    )
    log(capsys, db_url, "fb-ttdn-haiphong", "https://fb.example/p/9", "2026-03-11T09:00", "press")
    log(capsys, db_url, "cong", "https://lechan.gov.vn/radio/12", "2026-03-12T17:00Z", "radio")
    log(
        capsys, db_url, "cong", "https://lechan.gov.vn/su-kien/7", "2026-02-02T07:00+07:00", "event"
    )
    with Session(jobs.engine(db_url)) as s:
        item = s.get(ContentItem, got["item"])
        pub = s.get(Publication, got["publication"])
        assert item is not None and pub is not None
        assert (item.kind, item.status, item.caption, item.link) == (
            "article",
            ItemStatus.published,
            "Ngày hội",
            url,
        )
        assert (pub.state, pub.remote_url, pub.content_item_id) == (
            PubState.published,
            url,
            item.id,
        )
        assert pub.published_at == dt.datetime(2026, 3, 10, 1, 30, tzinfo=dt.UTC)
        assert item.author_id == user(s, "lan.nguyen").id
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "item.log")).all()
        assert len(events) == 4 and events[0].actor == "lan.nguyen"
        assert events[0].entity_id == str(item.id) and events[0].detail["url"] == url
        # a time without a zone is the planning zone's (Asia/Ho_Chi_Minh)
        press = s.exec(select(ContentItem).where(ContentItem.kind == "press")).one()
        assert press.scheduled_at == dt.datetime(2026, 3, 11, 2, 0, tzinfo=dt.UTC)

    report = quarter(db_url)
    assert report.kinds == {"article": 1, "press": 1, "radio": 1, "event": 1}
    assert report.channel_kinds == {"website": 1, "social": 1, "manual": 2}
    assert (report.totals.products, report.totals.published) == (4, 4)

    # one card on three channels: one product, three publications
    with Session(jobs.engine(db_url)) as s:
        channels = {c.code: c for c in s.exec(select(Channel))}
        theme = s.exec(select(Theme).where(Theme.code == THEME)).one()
        on = [channels[c] for c in ("fb-ttdn-haiphong", "fb-vhttdl-haiphong", "web")]
        card = ContentItem(
            unit_id=on[0].unit_id,
            theme_id=theme.id,
            status=ItemStatus.published,
            caption="Thẻ ảnh",
            media_path="cards/the-anh.png",
            channel_ids=[c.id or 0 for c in on],
            author_id=user(s, "lan.nguyen").id or 0,
        )
        s.add(card)
        s.flush()
        when = dt.datetime(2026, 3, 14, 8, 0, tzinfo=ICT)
        for i, channel in enumerate(on):
            s.add(
                Publication(
                    content_item_id=card.id or 0,
                    channel_id=channel.id or 0,
                    scheduled_at=when,
                    state=PubState.published,
                    idempotency_key=f"card-{i}",
                    approved_hash="x",
                    published_at=when + dt.timedelta(minutes=i),
                )
            )
        s.commit()
    report = quarter(db_url)
    assert report.kinds == {"card": 1, "article": 1, "press": 1, "radio": 1, "event": 1}
    assert report.channel_kinds == {"website": 2, "social": 3, "manual": 2}
    assert (report.totals.products, report.totals.published) == (5, 7)
    out = tmp_path / "q1.xlsx"
    write(report, out, "xlsx")
    rows = list(load_workbook(out)["Theo loại"].iter_rows(values_only=True))
    assert rows[1:] == [
        ("card", "tin ảnh, infographic", 1, None),
        ("article", "tin, bài viết", 1, None),
        ("press", "thông cáo báo chí", 1, None),
        ("radio", "bản tin phát thanh", 1, None),
        ("event", "sự kiện", 1, None),
        ("social", "mạng xã hội", None, 3),
        ("website", "trang thông tin điện tử", None, 2),
        ("manual", "kênh đăng thủ công (cổng thông tin, bảng tin, trang đối tác)", None, 2),
    ]


@pytest.mark.parametrize(
    ("flag", "value", "said"),
    [
        ("--url", "ftp://lechan.gov.vn/a", "--url: 'ftp://lechan.gov.vn/a' is not a post's "
         "address (an http(s) URL)"),
        ("--url", "javascript:alert(1)", "--url: 'javascript:alert(1)' is not a post's "
         "address (an http(s) URL)"),
        ("--at", "2099-01-01T08:00+07:00", "--at: 2099-01-01T08:00:00+07:00 is in the future; "
         "log what is already out"),
        ("--at", "mai", "--at: 'mai' is not an ISO date-time (e.g. 2026-03-15T08:00+07:00)"),
        ("--channel", "khong-co", "--channel: no channel 'khong-co'"),
        ("--theme", "khong-co", "--theme: no theme 'khong-co'"),
        ("--kind", "card", "--kind: 'card' is not one of article, press, radio, event"),
        ("--title", " ", "--title: 1-300 printable characters on one line"),
        ("--as", "nobody", "error: --as: 'nobody' is not an active phuxanh user"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_naming_the_flag(
    office: str, capsys: Any, flag: str, value: str, said: str
) -> None:
    args = {
        "--channel": "cong",
        "--url": "https://lechan.gov.vn/tin/1",
        "--at": "2026-03-10T08:00+07:00",
        "--kind": "article",
        "--theme": THEME,
        "--as": "lan.nguyen",
    } | {flag: value}
    argv = [x for pair in args.items() for x in pair]
    line = refused(capsys, "item", "log", *argv, "--database", office)
    assert line == said
    with Session(jobs.engine(office)) as s:
        assert s.exec(select(ContentItem).where(ContentItem.kind.is_not(None))).all() == []  # type: ignore[union-attr]


def test_the_same_url_on_the_same_channel_is_logged_once(office: str, capsys: Any) -> None:
    url = "https://lechan.gov.vn/tin/1"
    first = log(capsys, office, "cong", url, "2026-03-10T08:00+07:00", "article")
    line = refused(
        capsys, "item", "log", "--channel", "cong", "--url", url, "--at",
        "2026-03-11T08:00+07:00", "--kind", "press", "--theme", THEME, "--as", "minh.tran",
        "--database", office,
    )  # fmt: skip
    assert line == (
        f"--url: already recorded on channel cong (publication {first['publication']}, "
        f"item {first['item']})"
    )
    # written another way (host in capitals, a trailing slash, a fragment): the same post
    line = refused(
        capsys, "item", "log", "--channel", "cong", "--url",
        "https://LECHAN.gov.vn:443/tin/1/#top", "--at", "2026-03-11T08:00+07:00",
        "--kind", "article", "--theme", THEME, "--as", "minh.tran", "--database", office,
    )  # fmt: skip
    assert line.startswith("--url: already recorded on channel cong")
    # the same link on another channel is another publication of its own
    log(capsys, office, "web", url, "2026-03-10T08:00+07:00", "article")
    assert quarter(office).totals.published == 2
