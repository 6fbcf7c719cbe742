"""Audiences: who channels, themes and items are for, counted in reports and on the
Coverage page by audience and by language; an unknown audience refused in one line naming
where; the platforms' views by country kept with each reading."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import requests
from docx import Document
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from phuxanh import jobs
from phuxanh.catalog import audiences
from phuxanh.core import audit
from phuxanh.models import Channel, ContentItem, MetricSnapshot, Publication, PubState, Theme
from phuxanh.platforms.base import Post
from phuxanh.platforms.youtube import YouTubeChannel
from phuxanh.reports.figures import build
from phuxanh.reports.files import write
from phuxanh.reports.model import Report, parse_period
from phuxanh.sandbox.samples import tiny_clip
from tests.helpers import START, at, refused, run_cli
from tests.test_languages import _campaign_file, _channel
from tests.test_publishing import _approve_all

MARCH = parse_period("2026-03")


@pytest.fixture
def measured(db_url: str, sandbox, given_campaign) -> str:
    """Two days of the demo campaign approved, published and measured."""
    given_campaign(db_url, sandbox.public_url, days=2)
    _approve_all(db_url)
    for day in (0, 1):
        for hour, minute in ((8, 1), (19, 31)):
            jobs.publish_due(now=at(day, hour, minute), database_url=db_url)
    jobs.collect_metrics(now=at(3, 6), database_url=db_url)
    return db_url


def _summed(values: list[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _build(url: str) -> Report:
    with Session(jobs.engine(url)) as s:
        return build(s, period=MARCH, tz=jobs.get_settings().tz, today=dt.date(2026, 3, 20))


def test_a_report_counts_by_audience_and_by_language(measured: str, tmp_path: Path) -> None:
    with Session(jobs.engine(measured)) as s:
        pubs = list(s.exec(select(Publication).where(Publication.state == PubState.published)))
        on = sorted({p.channel_id for p in pubs})
        assert len(on) >= 2 and len(pubs) >= 4
        investors = s.get(Channel, on[0])
        assert investors is not None
        investors.audiences, investors.languages = ["nha-dau-tu"], ["en", "vi"]
        theirs = [p for p in pubs if p.channel_id == investors.id]
        assert len(theirs) >= 2
        own = s.get(ContentItem, theirs[0].content_item_id)  # says it is for visitors
        assert own is not None
        own.audiences = ["du-khach"]
        themes = list(s.exec(select(Theme).order_by(col(Theme.code))))
        for theme in themes:  # one theme for overseas Vietnamese, the others for no one
            theme.audiences = ["kieu-bao"] if theme is themes[0] else []
        s.add_all([investors, own, *themes])
        s.commit()
        # what each publication counts for, read the plain way (`of_item`) row by row
        channels = {c.id: c for c in s.exec(select(Channel))}
        expected: dict[str, list[Publication]] = {}
        by_language: dict[str, list[Publication]] = {}
        for p in pubs:
            item = s.get(ContentItem, p.content_item_id)
            assert item is not None and item.theme_id is not None
            theme = s.get(Theme, item.theme_id)
            assert theme is not None
            channel = channels[p.channel_id]
            for code in audiences.of_item(item.audiences, [channel.audiences], theme.audiences) or [
                ""
            ]:
                expected.setdefault(code, []).append(p)
            by_language.setdefault((channel.languages or ["vi"])[0], []).append(p)
    report = _build(measured)
    rows = {r.code: r for r in report.audiences}
    assert set(rows) == set(expected)
    for code, found in expected.items():
        row = rows[code]
        assert row.published == len(found), code
        assert row.products == len({p.content_item_id for p in found}), code
        assert row.reach == _summed([p.latest_reach for p in found]), code
    # the investors' channel counts for investors, but not the post that names its own
    investing = [p for p in theirs if p.content_item_id != own.id]
    assert rows["nha-dau-tu"].published == len(investing) > 0
    assert rows["nha-dau-tu"].name == "Nhà đầu tư"
    assert rows["du-khach"].published == sum(p.content_item_id == own.id for p in pubs)
    abroad = ("nha-dau-tu", "du-khach", "kieu-bao")
    foreign = {p.id for code in abroad for p in expected.get(code, [])}
    assert report.foreign is not None and report.foreign.published == len(foreign)
    languages = {r.code: r for r in report.languages}
    assert {c: r.published for c, r in languages.items()} == {
        c: len(found) for c, found in by_language.items()
    }
    assert languages["en"].published == len(theirs) and languages["en"].name == "Tiếng Anh"
    assert sum(r.published for r in report.languages) == report.totals.published
    # the documents say it: a paragraph in section I, a sheet in the workbook
    write(report, tmp_path / "r.docx", "docx")
    write(report, tmp_path / "r.xlsx", "xlsx")
    paragraphs = [p.text for p in Document(str(tmp_path / "r.docx")).paragraphs]
    start = paragraphs.index("Kết quả theo đối tượng và ngôn ngữ:")
    assert start < paragraphs.index("II. ĐÁNH GIÁ CHUNG")
    said = "\n".join(paragraphs[start:])
    assert f"- Nhà đầu tư: {rows['nha-dau-tu'].products} tin, bài, sản phẩm; " in said
    assert f"- Tiếng Anh: {languages['en'].products} tin, bài, sản phẩm; " in said
    assert f"Có {len(foreign)}/{report.totals.published} lượt đăng" in said
    sheet = load_workbook(tmp_path / "r.xlsx")["Theo đối tượng, ngôn ngữ"]
    cells = list(sheet.iter_rows(min_row=2, values_only=True))
    assert ("Đối tượng", "nha-dau-tu", "Nhà đầu tư") in [c[:3] for c in cells]
    assert sum(c[4] for c in cells if c[0] == "Ngôn ngữ") == report.totals.published


def test_an_unknown_audience_in_a_campaign_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _channel("fb-asia", "facebook", "vi, en", '"08:00-09:00"').replace(
        "languages: [vi, en]}", "languages: [vi, en], audiences: [nha-dau-tu, investors]}"
    )
    bad = _campaign_file(tmp_path, [line], {"hai-phong-cang-xanh": 1})
    said = refused(
        capsys,
        "plan",
        "--campaign",
        str(bad),
        "--from",
        "02/03/2026",
        "--to",
        "02/03/2026",
        "--database",
        f"sqlite:///{tmp_path / 'never.db'}",
    )
    assert said.startswith(f"{bad}:8: channels[0].audiences: "), said
    assert "'investors' is not an audience" in said and "nha-dau-tu" in said


def test_item_create_and_edit_take_audiences(
    db_url: str, sandbox, given_campaign, capsys: pytest.CaptureFixture[str]
) -> None:
    given_campaign(db_url, sandbox.public_url)
    with Session(jobs.engine(db_url)) as s:
        channel = s.exec(select(Channel).order_by(col(Channel.code))).first()
        assert channel is not None
        code = channel.code
    args = ["item", "create", "--channel", code, "--text", "Hải Phòng chào đón nhà đầu tư."]
    args += ["--at", "2026-04-29T08:00+07:00", "--as", "lan.nguyen", "--database", db_url]
    said = refused(capsys, *args, "--audience", "nha-dau-tu", "--audience", "bogus")
    assert said.startswith("--audience: 'bogus' is not an audience"), said
    with Session(jobs.engine(db_url)) as s:  # nothing was made
        assert not [i for i in s.exec(select(ContentItem)) if i.audiences]
    done, out, err = run_cli(capsys, *args, "--audience", "nha-dau-tu", "--audience", "du-khach")
    assert done == 0, err
    item_id = int(out.strip().splitlines()[-1])
    with Session(jobs.engine(db_url)) as s:
        item = s.get(ContentItem, item_id)
        assert item is not None and item.audiences == ["nha-dau-tu", "du-khach"]
        events = s.exec(
            select(audit.AuditEvent).where(audit.AuditEvent.action == "item.audiences")
        ).all()
        assert [e.detail for e in events] == [{"before": [], "after": ["nha-dau-tu", "du-khach"]}]
        version = item.version
    edit = ["item", "edit", str(item_id), "--as", "lan.nguyen", "--database", db_url]
    assert "--audience: 'visitors'" in refused(capsys, *edit, "--audience", "visitors")
    done, out, err = run_cli(capsys, *edit, "--audience", "kieu-bao")
    assert done == 0 and out.strip() == f"item {item_id}: audiences kieu-bao", err
    with Session(jobs.engine(db_url)) as s:
        item = s.get(ContentItem, item_id)
        assert item is not None and item.audiences == ["kieu-bao"]
        assert item.version == version  # who it is for is not a new version to review
        last = s.exec(
            select(audit.AuditEvent)
            .where(audit.AuditEvent.action == "item.audiences")
            .order_by(col(audit.AuditEvent.id).desc())
        ).first()
        assert last is not None
        assert last.detail == {"before": ["nha-dau-tu", "du-khach"], "after": ["kieu-bao"]}


def test_views_by_country_from_the_sandbox_land_in_the_snapshot(
    measured: str, sandbox, tmp_path: Path
) -> None:
    """YouTube Analytics' views by country (the sandbox answers as YouTube does) kept with
    the reading; a Facebook reading, whose API gives none, keeps {}."""
    tube = YouTubeChannel(
        base_url=f"{sandbox.public_url}/youtube",
        account_id="UCsandbox",
        token="sandbox-page-token",
        session=requests.Session(),
    )
    sent = tube.publish(
        Post(
            text="Hải Phòng",
            marker="yt1",
            media_path=tiny_clip(tmp_path / "c.mp4"),
            media_kind="video",
        )
    )
    when = at(5, 9)
    with Session(jobs.engine(measured)) as s:
        fb = s.exec(select(Channel).order_by(col(Channel.code))).first()
        assert fb is not None
        yt = Channel(
            code="yt-test",
            platform="youtube",
            display_name="YouTube (test)",
            unit_id=fb.unit_id,
            account_id="UCsandbox",
            api_base_url=f"{sandbox.public_url}/youtube",
            credential_ref=fb.credential_ref,
            languages=["vi"],
        )
        s.add(yt)
        s.flush()
        item = s.exec(select(ContentItem)).first()
        assert item is not None
        pub = Publication(
            content_item_id=item.id or 0,
            channel_id=yt.id or 0,
            scheduled_at=when,
            state=PubState.published,
            idempotency_key="yt-test-1",
            approved_hash="0" * 64,
            remote_id=sent.remote_id,
            published_at=when,
        )
        s.add(pub)
        s.commit()
        pub_id = pub.id
    jobs.collect_metrics(now=when + dt.timedelta(hours=25), database_url=measured)
    with Session(jobs.engine(measured)) as s:
        snaps = s.exec(select(MetricSnapshot).where(MetricSnapshot.publication_id == pub_id)).all()
        assert len(snaps) == 1
        shares: dict[str, Any] = snaps[0].breakdown["country"]
        assert next(iter(shares)) == "VN" and 0.5 < shares["VN"] < 0.9
        assert set(shares) <= {"VN", "KR", "JP", "US", "CN", "AU", "FR"} and len(shares) >= 5
        assert 0.95 <= sum(shares.values()) <= 1.0
        others = s.exec(select(MetricSnapshot).where(MetricSnapshot.publication_id != pub_id)).all()
        assert others and all(m.breakdown == {} for m in others)


def test_the_english_coverage_page_counts_by_audience_in_english(app_db: str) -> None:
    from tests.test_dashboard import _signed_in

    _approve_all(app_db)
    for hour, minute in ((8, 1), (19, 31)):
        jobs.publish_due(now=at(0, hour, minute), database_url=app_db)
    with Session(jobs.engine(app_db)) as s:
        first = s.exec(
            select(Channel)
            .join(Publication, col(Publication.channel_id) == col(Channel.id))
            .where(Publication.state == PubState.published)
        ).first()
        assert first is not None
        first.audiences = ["nha-dau-tu", "bao-chi-quoc-te"]
        s.add(first)
        s.commit()
    cov = _signed_in("minh.tran", "en")
    cov.switch_page("app_pages/coverage.py").run()
    cov.date_input(key="cov_range").set_value((START, START + dt.timedelta(days=6))).run()
    assert not cov.exception, [e.value for e in cov.exception]
    assert [h.value for h in cov.subheader][-2:] == ["By audience", "By language"]
    by_audience, by_language = cov.dataframe[-2].value, cov.dataframe[-1].value
    assert list(by_audience.columns) == ["Audience", "Products", "Published", "Reach"]
    assert {"Investors", "International press"} <= set(by_audience["Audience"])
    assert list(by_language["Language"]) == ["Vietnamese"]
    assert by_language["Published"].sum() > 0
    assert any("posts were for foreign audiences" in c.value for c in cov.caption)
