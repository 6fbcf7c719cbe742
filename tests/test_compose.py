"""The composer: planned slots → drafts worth approving (freshness, rotation, countdowns,
captions per platform with UTM links and credits, alt text, languages, quality holds)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import Session, select

from phuxanh import jobs, review
from phuxanh.core.errors import ValidationFailed
from phuxanh.media import stored
from phuxanh.models import Channel, ContentItem, Fact, Slot, Template, Theme
from phuxanh.platforms.preview import preview
from phuxanh.sandbox import demo
from tests.helpers import user

ALL = Path(__file__).resolve().parent / "data" / "campaign-all-platforms.yaml"
BILINGUAL = Path(__file__).resolve().parent / "data" / "campaign-bilingual.yaml"  # cards only
FORTNIGHT = dt.date(2026, 11, 23)


def _campaign(db_url: str, campaign: Path, start: dt.date, days: int) -> str:
    jobs.load_catalog(db_url)
    code = jobs.setup_campaign(campaign, sandbox_url="http://127.0.0.1:9", database_url=db_url)
    demo.ensure_team(campaign, database_url=db_url)
    jobs.plan_days(code, start=start, days=days, database_url=db_url)
    return code


def _drafts(db_url: str) -> list[tuple[ContentItem, Slot, Channel, str]]:
    with Session(jobs.engine(db_url)) as s:
        templates = {t.id: t.code for t in s.exec(select(Template))}
        rows = s.exec(
            select(ContentItem, Slot, Channel)
            .join(Slot, Slot.id == ContentItem.slot_id)
            .join(Channel, Channel.id == Slot.channel_id)
        ).all()
        return [(i, sl, c, templates[i.template_id]) for i, sl, c in rows]


def test_demo_fortnight_composes_every_slot_fresh_within_limits_with_alt_text(db_url: str) -> None:
    _campaign(db_url, demo.DEMO_CAMPAIGN, FORTNIGHT, 14)
    done = jobs.compose_range(
        start=FORTNIGHT, end=FORTNIGHT + dt.timedelta(days=13), database_url=db_url
    )
    with Session(jobs.engine(db_url)) as s:
        slots = len(s.exec(select(Slot)).all())
    assert done["rendered"] == slots == 56 and done["skipped"] == [] and done["held"] == {}
    drafts = _drafts(db_url)
    used: dict[tuple[int, str], list[dt.datetime]] = defaultdict(list)
    for item, slot, channel, _template in drafts:
        assert item.slot_id == slot.id and item.theme_id == slot.theme_id
        card = stored.resolve(item.media_path)  # kept relative to the media root
        assert item.alt_text and len(item.alt_text) > 30 and card and card.is_file()
        assert preview(channel.platform, item.caption).ok, item.caption
        if item.fact_ids:
            assert "Nguồn: " in item.caption  # the source is credited in the text
        used[(channel.id, item.content_ref)].append(slot.scheduled_at)
        # a call to action for a date already past is never posted (15/3/2026 is past)
        assert "Ngày 15/3/2026 là Ngày hội" not in item.caption
    for (_, ref), times in used.items():
        times.sort()
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(g >= dt.timedelta(days=14) for g in gaps), (ref, times)
    kinds = {template for *_, template in drafts}
    assert {"fact-number", "quote", "three-points", "countdown"} <= kinds  # templates rotate


# composing dozens of cards and clips is the subject, not the database: SQLite only (the
# demo fortnight composes on PostgreSQL too)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_platform_gets_a_caption_within_its_limits(db_url: str) -> None:
    _campaign(db_url, ALL, dt.date(2026, 3, 2), 3)  # a post a day on each of the seven
    done = jobs.compose_range(database_url=db_url)
    assert done["rendered"] == 21 and done["skipped"] == []
    by_platform: dict[str, list[ContentItem]] = defaultdict(list)
    for item, _, channel, _ in _drafts(db_url):
        by_platform[channel.platform].append(item)
        shown = preview(channel.platform, item.caption)
        assert shown.ok or item.hold_reasons, (channel.platform, shown.problems)
        link = urlsplit(item.link)
        query = parse_qs(link.query)
        assert query["utm_source"] == [channel.code] and query["utm_medium"] == ["social"]
        assert query["utm_campaign"] == ["all-platforms"]
        theme_code = query["utm_content"][0]
        if theme_code == "bau-cu-2026":
            assert link.path == "/bau-cu" and query["ref"] == ["portal"]  # kept
        if channel.platform in ("tiktok",):
            assert item.link not in item.caption  # not clickable there: left out
        elif channel.platform != "facebook" or item.link:
            assert item.link in item.caption
        tags = [w for w in item.caption.split() if w.startswith("#")]
        assert len(tags) == len(set(tags)) and len(tags) <= {"x": 2, "zalo": 0, "wordpress": 0}.get(
            channel.platform, 5
        )
    assert set(by_platform) == {
        "facebook",
        "x",
        "youtube",
        "tiktok",
        "zalo",
        "telegram",
        "wordpress",
    }
    from phuxanh.media.probe import probe
    from phuxanh.platforms.video import problems

    for item in by_platform["youtube"]:  # YouTube takes videos: the slot is a clip
        clip = stored.resolve(item.media_path)
        assert clip and clip.suffix == ".mp4" and clip.with_suffix(".srt").is_file()
        assert problems(probe(clip), "youtube") == []
    assert all(i.media_path.endswith(".png") for i in by_platform["facebook"])
    for item in by_platform["x"] + by_platform["telegram"]:  # bilingual channels
        assert "\nEN: " in item.caption or item.hold_reasons
    held = [i for items in by_platform.values() for i in items if i.hold_reasons]
    assert held == []


def test_expired_facts_are_never_used(db_url: str) -> None:
    jobs.load_catalog(db_url)
    with Session(jobs.engine(db_url)) as s:
        for fact in s.exec(select(Fact)):
            fact.valid_until = dt.date(2026, 1, 1)
            s.add(fact)
        s.commit()
    _campaign(db_url, demo.DEMO_CAMPAIGN, FORTNIGHT, 3)
    with Session(jobs.engine(db_url)) as s:  # load_catalog again resets; expire once more
        for fact in s.exec(select(Fact)):
            fact.valid_until = dt.date(2026, 1, 1)
            s.add(fact)
        s.commit()
    jobs.compose_range(database_url=db_url)
    drafts = _drafts(db_url)
    assert drafts and all(
        i.fact_ids == [] and not i.content_ref.startswith("fact:") for i, *_ in drafts
    )


def test_countdown_posts_come_on_their_own(db_url: str) -> None:
    _campaign(db_url, demo.DEMO_CAMPAIGN, dt.date(2026, 3, 8), 7)  # the last week to 15/3
    jobs.compose_range(database_url=db_url)
    countdowns = [(i, sl, c) for i, sl, c, t in _drafts(db_url) if t == "countdown"]
    steps = defaultdict(list)
    for item, slot, channel in countdowns:
        left = (
            dt.date(2026, 3, 15) - slot.scheduled_at.astimezone(jobs.get_settings().tz).date()
        ).days
        step = int(item.content_ref.rsplit(":", 1)[1])
        assert item.content_ref.startswith("countdown:2026-03-15:") and left <= step
        assert step - left <= max(1, step // 5)  # on the step's day, or just after
        assert item.caption.startswith(
            f"Còn {left} ngày đến Ngày bầu cử đại biểu Quốc hội khóa XVI và đại biểu HĐND "
            "các cấp (15/3/2026)"
        )
        assert "Nguồn: " in item.caption and item.fact_ids  # the date's own sourced fact
        steps[channel.code].append(step)
    assert steps and all(len(s) == len(set(s)) for s in steps.values())  # each step once
    assert {step for s in steps.values() for step in s} & {7, 3, 1}  # the last week counts


def _blank_english_title(db_url: str, theme: str) -> None:
    with Session(jobs.engine(db_url)) as s:
        row = s.exec(select(Theme).where(Theme.code == theme)).one()
        row.title_en = ""
        s.add(row)
        s.commit()


# composing dozens of cards and clips is the subject, not the database: SQLite only (the
# demo fortnight composes on PostgreSQL too)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_missing_translation_holds_the_draft_and_names_it(db_url: str) -> None:
    _campaign(db_url, BILINGUAL, dt.date(2026, 3, 2), 7)
    for code in (
        "bau-cu-2026",
        "hai-phong-cang-xanh",
        "doi-ngoai-apec-2027",
        "dai-hoi-xiv",
        "thong-tin-chinh-thong",
    ):
        _blank_english_title(db_url, code)
    done = jobs.compose_range(database_url=db_url)
    bilingual = [
        i
        for i, _, c, _ in _drafts(db_url)
        if c.code in ("x-hp", "tg-hp") and not i.content_ref.startswith("countdown:")
    ]  # key dates keep their en
    telegram = next(i for i, _, c, _ in _drafts(db_url) if i in bilingual and c.code == "tg-hp")
    assert bilingual
    for item in bilingual:
        assert any(
            "no en text in the catalog (a translation is never made up" in r
            for r in item.hold_reasons
        ), item.hold_reasons
        assert "\nEN: " not in item.caption and not item.machine_drafted
    assert set(done["held"]) == {i.id for i in bilingual}
    for item, _, channel, template in _drafts(db_url):
        if template == "countdown":  # the countdown line leads even where space is tight
            assert item.caption.startswith("Còn "), (channel.code, item.caption)
    with Session(jobs.engine(db_url)) as s:
        item = s.get(ContentItem, telegram.id)
        with pytest.raises(ValidationFailed, match=r"held: .*no en text"):
            review.submit(s, item=item, actor=user(s, "lan.nguyen"))
        review.edit(
            s,
            item=item,
            actor=user(s, "lan.nguyen"),
            caption=item.caption + "\n\nEN: Hai Phong, a green port city.",
        )
        assert item.hold_reasons == []  # a person wrote the English: it may go to review
        review.submit(s, item=item, actor=user(s, "lan.nguyen"))
        assert item.status == "in_review"


def test_quality_checks_hold_misspelt_names_and_placeholders(db_url: str) -> None:
    _campaign(db_url, demo.DEMO_CAMPAIGN, FORTNIGHT, 1)
    jobs.compose_range(database_url=db_url)
    with Session(jobs.engine(db_url)) as s:
        item = s.exec(select(ContentItem)).first()
        editor = user(s, "lan.nguyen")
        review.edit(
            s,
            item=item,
            actor=editor,
            caption="Hai Phong - thanh pho cang xanh. TODO: thêm số liệu",
        )
        assert "caption: “Hai Phong” should be written “Hải Phòng”" in item.hold_reasons
        assert any("placeholder text left in: 'TODO'" in r for r in item.hold_reasons)
        with pytest.raises(ValidationFailed, match="held"):
            review.submit(s, item=item, actor=editor)
        review.edit(
            s,
            item=item,
            actor=editor,
            caption="Hải Phòng - thành phố cảng xanh, văn minh, hiện đại. #HaiPhong",
        )
        assert item.hold_reasons == []  # hashtags are written without marks, rightly


def test_compose_command_prints_the_summary(tmp_path: Path) -> None:
    import json

    from tests.test_cli import phuxanh

    url = f"sqlite:///{tmp_path / 'c.db'}"
    jobs.init_db(url)
    _campaign(url, demo.DEMO_CAMPAIGN, FORTNIGHT, 2)
    bad = phuxanh("compose", "--from", "24/11/2026", "--to", "23/11/2026", "--database", url)
    assert bad.returncode == 1 and bad.stderr.strip() == "--to: before --from"
    done = phuxanh(
        "compose",
        "--from",
        "23/11/2026",
        "--to",
        "23/11/2026",
        "--database",
        url,
        env={"PHUXANH_MEDIA_DIR": str(tmp_path / "m")},
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["rendered"] == 4 and out["skipped"] == [] and out["held"] == {}
    again = json.loads(
        phuxanh("compose", "--database", url, env={"PHUXANH_MEDIA_DIR": str(tmp_path / "m")}).stdout
    )
    assert again["rendered"] == 4  # the second day; the first is not composed twice
