"""Every channel in its own language (issue 18): the supported languages are data, a
campaign naming another is a one-line error, an English channel never receives Vietnamese,
and a language other than vi/en reaches a channel only through a translation a person who
reads it has reviewed (`catalog translate`, `translation set|review`, `user languages`)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from phuxanh import jobs
from phuxanh.catalog.languages import supported, vietnamese
from phuxanh.compose import drafts
from phuxanh.models import (
    AuditEvent,
    Channel,
    ContentItem,
    Directive,
    Fact,
    ItemVersion,
    Slot,
    Template,
    Theme,
    Translation,
    User,
)
from phuxanh.planning.campaign import load_campaign
from phuxanh.sandbox import demo
from tests.helpers import refused, run_cli, user
from tests.test_assistant import FakeChat, chat  # noqa: F401  (the fake assistant)

ELECTION_WEEK = dt.date(2026, 3, 8)  # the week to the 15/3/2026 election: countdowns
THEMES = ("bau-cu-2026", "hai-phong-cang-xanh", "doi-ngoai-apec-2027", "dai-hoi-xiv")
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
# names English writes the Vietnamese way (the reform policy, as the English-language press
# names it); anything else Vietnamese in an English post is a fall-back
NAMES = ("Đổi mới",)


def _campaign_file(tmp_path: Path, channels: list[str], themes: dict[str, int]) -> Path:
    """A campaign file with these channel lines (YAML flow mappings) and theme quotas."""
    team = [
        '{username: lan.nguyen, name: "Nguyễn Thị Lan", role: editor}',
        '{username: minh.tran, name: "Trần Văn Minh", role: approver}',
        '{username: kim.park, name: "Park Ji-min", role: approver}',
        '{username: an.admin, name: "Lê Văn An", role: admin}',
    ]
    text = "\n".join(
        [
            "code: languages",
            'name: "Kênh đa ngữ (kiểm thử)"',
            'unit: {code: ttdn-haiphong, name: "Ban Tuyên giáo và Dân vận Thành ủy Hải Phòng"}',
            "brand: ttdn-haiphong",
            "period: {from: 2026-01-01, to: 2027-12-31}",
            "languages: [vi, en, ko]",
            "channels:",
            *(f"  - {c}" for c in channels),
            "themes:",
            *(f"  - {{code: {code}, per_week: {n}}}" for code, n in themes.items()),
            "team:",
            *(f"  - {p}" for p in team),
        ]
    )
    path = tmp_path / "languages.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _channel(code: str, platform: str, langs: str, window: str, per_day: int = 1) -> str:
    return (
        f"{{code: {code}, platform: {platform}, name: {code}, account_id: {code}, "
        f"api_base: sandbox, credential_env: T, windows: [{window}], "
        f"max_per_day: {per_day}, min_spacing_minutes: 0, languages: [{langs}]}}"
    )


def _setup(db_url: str, campaign: Path, start: dt.date, days: int) -> str:
    jobs.load_catalog(db_url)
    code = jobs.setup_campaign(campaign, sandbox_url="http://127.0.0.1:9", database_url=db_url)
    demo.ensure_team(campaign, database_url=db_url)
    jobs.plan_days(code, start=start, days=days, database_url=db_url)
    return code


def _references(session: Session) -> list[str]:
    """The catalog's document numbers: identifiers ("05-HD/ĐU"), cited as they are."""
    numbers = [f.source_number for f in session.exec(select(Fact))]
    numbers += [d.number for d in session.exec(select(Directive))]
    return sorted({n for n in numbers if n}, key=len, reverse=True)


def _not_names(text: str, references: list[str]) -> str:
    """`text` without what is rightly Vietnamese in another language: names in quotation
    marks (the catalog's English quotes "Năng động - Nghĩa tình"), `NAMES` and document
    numbers."""
    text = QUOTED.sub(" ", text)
    for ref in [*references, *NAMES]:
        text = text.replace(ref, " ")
    return text


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _language_keys(values: dict[str, Any]) -> set[str]:
    """The languages a card's text values are given in (the keys of per-language fields)."""
    found: set[str] = set()
    for value in values.values():
        for v in value if isinstance(value, list) else [value]:
            found |= set(v) if isinstance(v, dict) else set()
    return found


def test_the_supported_languages_are_data_and_a_campaign_naming_another_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    langs = supported()
    assert list(langs)[:5] == ["vi", "en", "zh", "ko", "ja"]
    assert langs["ko"].source_label == "출처" and langs["zh"].script == "Hans"
    channels = [_channel("fb-asia", "facebook", "vi, zh, ko, ja", '"08:00-09:00"')]
    fine = _campaign_file(tmp_path, channels, {"hai-phong-cang-xanh": 1})
    spec = load_campaign(fine)
    assert spec.channels[0].languages == ["vi", "zh", "ko", "ja"]
    for wrong, field, named in (
        ("vi, zh, kr", "channels[0].languages", "'kr'"),
        ("", "channels[0].languages", "at least one language"),
        ("en, en", "channels[0].languages", "en given twice"),
    ):
        bad = tmp_path / "bad.yaml"
        bad.write_text(
            fine.read_text(encoding="utf-8").replace(
                "languages: [vi, zh, ko, ja]", f"languages: [{wrong}]"
            ),
            encoding="utf-8",
        )
        line = refused(
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
        assert line.startswith(f"{bad}:8: {field}: "), line
        assert named in line, line
        if named == "'kr'":
            assert "supported: vi, en, zh, ko, ja" in line
    campaign_wide = fine.read_text(encoding="utf-8").replace(
        "languages: [vi, en, ko]", "languages: [vi, xx]"
    )
    bad.write_text(campaign_wide, encoding="utf-8")
    line = refused(
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
    assert line.startswith(f"{bad}:6: languages: 'xx' is not a supported language"), line


# composing and drawing a week of cards is the subject, not the database: SQLite only
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_english_channel_never_receives_vietnamese(db_url: str, tmp_path: Path) -> None:
    channels = [
        _channel("fb-en", "facebook", "en", '"08:00-09:00", "19:00-20:00"', per_day=2),
        _channel("tg-en-vi", "telegram", "en, vi", '"12:00-13:00"'),
    ]
    campaign = _campaign_file(tmp_path, channels, dict.fromkeys(THEMES, 4))
    _setup(db_url, campaign, ELECTION_WEEK, 7)
    done = jobs.compose_range(database_url=db_url)
    assert done["rendered"] >= 14, done
    with Session(jobs.engine(db_url)) as s:
        references = _references(s)
        templates = {t.id: t.code for t in s.exec(select(Template))}
        rows = s.exec(
            select(ContentItem, Channel)
            .join(Slot, col(Slot.id) == col(ContentItem.slot_id))
            .join(Channel, col(Channel.id) == col(Slot.channel_id))
        ).all()
        english = [(i, c) for i, c in rows if c.code == "fb-en"]
        kinds = {templates[i.template_id] for i, _ in english if i.template_id}
        # every kind of card an English reader may get: a fact, a quote, a countdown, a list
        assert {"quote", "countdown", "three-points"} <= kinds, kinds
        assert kinds & {"fact-number", "fact-text"}, kinds
        for item, _ in english:
            assert item.language == "en" and not item.hold_reasons, item.hold_reasons
            shown = _not_names(item.caption, references)
            assert not vietnamese(shown), item.caption
            version = s.exec(
                select(ItemVersion).where(ItemVersion.content_item_id == item.id)
            ).one()
            values = version.card_values
            assert _language_keys(values) <= {"en"}, values  # drawn in English only
            for text in _strings(values):
                assert not vietnamese(_not_names(text, references)), (item.content_ref, text)
        assert any("days to Election day" in i.caption for i, _ in english)
        for item, channel in rows:
            if channel.code != "tg-en-vi":
                continue
            english_part, _, vi_part = item.caption.partition("\n\nVI: ")
            assert vi_part and item.language == "en", item.caption  # both, English first
            assert not vietnamese(_not_names(english_part, references)), item.caption
            assert vietnamese(vi_part)


def _prepare(db_url: str, channel_code: str) -> list[ContentItem | str]:
    """What the composer makes of the channel's slots (rows only, rolled back: drawing a
    Korean card is the media code's part, tested with its fonts)."""
    from phuxanh.core.settings import get_settings
    from phuxanh.media.cards import load_brand
    from phuxanh.planning.campaign import CampaignSpec

    settings = get_settings()
    out: list[ContentItem | str] = []
    with Session(jobs.engine(db_url)) as s:
        channel = s.exec(select(Channel).where(Channel.code == channel_code)).one()
        slots = s.exec(
            select(Slot).where(Slot.channel_id == channel.id).order_by(col(Slot.scheduled_at))
        ).all()
        from phuxanh.models import Campaign

        campaign = s.get(Campaign, slots[0].campaign_id)
        assert campaign is not None
        spec = CampaignSpec.model_validate(campaign.config)
        ctx = drafts.Context(
            brand=load_brand(settings.assets_dir, spec.brand),
            author=user(s, "lan.nguyen"),
            media_dir=settings.media_dir,
            tz=settings.tz,
            spec=spec,
        )
        for slot in slots:
            found = drafts.prepare_slot(s, slot=slot, ctx=ctx)
            if isinstance(found, str):
                out.append(found)
            else:
                item, job, _feature = found
                assert job.lang == item.language
                out.append(item.model_copy())
                out[-1].media_path = json.dumps(job.values.values, default=str)  # the values
        s.rollback()
    return out


def _ids(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> list[dict[str, Any]]:
    code, out, err = run_cli(capsys, *argv, "--json", "--database", db_url)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_a_korean_channel_gets_only_reviewed_korean(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PHUXANH_ASSISTANT_URL", raising=False)
    channels = [
        _channel("fb-ko", "facebook", "ko", '"08:00-09:00"'),
        _channel("fb-en-ko", "facebook", "en, ko", '"10:00-11:00"'),
    ]
    campaign = _campaign_file(tmp_path, channels, {"hai-phong-cang-xanh": 3})
    _setup(db_url, campaign, dt.date(2026, 3, 2), 3)
    db = ("--database", db_url)

    # no Korean yet: the Korean channel gets no draft, the reason names ko …
    for found in _prepare(db_url, "fb-ko"):
        assert isinstance(found, str), found
        assert "fb-ko is in ko" in found and "no reviewed ko translation" in found, found
    # … and a channel with Korean second is held, naming ko, its English intact
    held = _prepare(db_url, "fb-en-ko")
    assert held and all(isinstance(i, ContentItem) for i in held)
    for item in held:
        assert isinstance(item, ContentItem)
        assert any("no reviewed ko translation" in r for r in item.hold_reasons), item.hold_reasons
        assert item.language == "en" and "한국어:" not in item.caption

    # drafts for a person (no assistant configured): one for each text of the theme
    made = _ids(
        capsys, db_url, "catalog", "translate", "--lang", "ko", "--theme", "hai-phong-cang-xanh"
    )
    assert isinstance(made, dict) and made["machine_drafted"] == 0
    drafted = {(d["kind"], d["ref"]): d for d in made["drafts"]}
    assert ("title", "hai-phong-cang-xanh") in drafted and ("fact", "hp-nq-45") in drafted
    assert all(d["text"] == "" and d["original"] for d in made["drafts"])
    again = _ids(
        capsys, db_url, "catalog", "translate", "--lang", "ko", "--theme", "hai-phong-cang-xanh"
    )
    assert isinstance(again, dict) and again["drafted"] == 0 and again["already"] == len(drafted)
    title, fact = (
        drafted[("title", "hai-phong-cang-xanh")]["id"],
        drafted[("fact", "hp-nq-45")]["id"],
    )

    korean = {
        title: "하이퐁 - 친환경적이고 문명화된 현대적인 항구 도시",
        fact: "정치국 결의 45-NQ/TW는 2030년까지 하이퐁을 친환경적이고 문명화된 현대적인 항구 "
        "도시로 건설하는 목표를 정하고 2045년까지의 비전을 제시한다.",
    }
    for tid, text in korean.items():
        code, out, err = run_cli(
            capsys, "translation", "set", str(tid), "--text", text, "--as", "lan.nguyen", *db
        )
        assert code == 0 and "saved as a draft" in out, err
    # printed by `translation list`, posted once reviewed: plain text, bounded, NFC
    for bad, said in (
        ("1955년 \x1b]0;x\x07 5월", "--text: holds a control character (U+001B)"),
        ("하이퐁 \u202e항구", "--text: holds a control character (U+202E)"),
        ("가" * 1_001, "--text: 1001 characters, at most 1000"),
    ):
        line = refused(
            capsys, "translation", "set", str(fact), "--text", bad, "--as", "lan.nguyen", *db
        )
        assert line.startswith(said), line
    # an empty draft is never usable, and no one reviews a language they do not read
    line = refused(capsys, "translation", "review", str(fact), "--as", "minh.tran", *db)
    assert "minh.tran does not read ko" in line and "user languages minh.tran" in line
    line = refused(
        capsys, "user", "languages", "lan.nguyen", "--set", "ko", "--as", "minh.tran", *db
    )
    assert "only an admin" in line
    line = refused(
        capsys, "user", "languages", "lan.nguyen", "--set", "ko,kr", "--as", "an.admin", *db
    )
    assert line.startswith("--set: 'kr' is not a supported language")
    for person in ("lan.nguyen", "kim.park"):
        code, out, err = run_cli(
            capsys, "user", "languages", person, "--set", "ko,en", "--as", "an.admin", *db
        )
        assert code == 0 and "ko, en" in out, err
    # the person who wrote it last does not review it
    line = refused(capsys, "translation", "review", str(fact), "--as", "lan.nguyen", *db)
    assert "lan.nguyen wrote translation" in line
    listed = _ids(capsys, db_url, "translation", "list", "--lang", "ko", "--status", "draft")
    assert {r["id"] for r in listed} >= {title, fact}
    assert next(r for r in listed if r["id"] == fact)["original"].startswith("Nghị quyết 45-NQ/TW")

    # still drafts: still nothing for the Korean channel
    assert all(isinstance(f, str) for f in _prepare(db_url, "fb-ko"))
    for tid in (title, fact):
        code, out, err = run_cli(capsys, "translation", "review", str(tid), "--as", "kim.park", *db)
        assert code == 0 and "reviewed" in out, err
    line = refused(capsys, "translation", "review", str(fact), "--as", "kim.park", *db)
    assert "reviewed already" in line

    found = _prepare(db_url, "fb-ko")
    items = [f for f in found if isinstance(f, ContentItem)]
    assert items, found
    for item in items:  # the reviewed fact, in Korean, sourced, nothing Vietnamese
        assert item.content_ref == "fact:hp-nq-45" and item.language == "ko"
        assert item.caption.startswith(korean[title]) and korean[fact] in item.caption
        assert "출처: 45-NQ/TW" in item.caption and not vietnamese(item.caption)
        values = json.loads(item.media_path or "{}")
        assert _language_keys(values) == {"ko"}, values
        assert values["text"] == {"ko": korean[fact]}
        assert not item.hold_reasons, item.hold_reasons

    # an edit sends a reviewed translation back to draft: the fact leaves the channel again
    code, _, err = run_cli(
        capsys,
        "translation",
        "set",
        str(fact),
        "--text",
        korean[fact] + " ",
        "--as",
        "kim.park",
        *db,
    )
    assert code == 0, err
    with Session(jobs.engine(db_url)) as s:
        row = s.get(Translation, fact)
        assert row is not None and row.status == "draft" and row.reviewed_by_id is None
        reviewer = s.exec(select(User).where(User.username == "kim.park")).one()
        assert reviewer.languages == ["ko", "en"]
        actions = [
            e.action
            for e in s.exec(
                select(AuditEvent).where(
                    AuditEvent.entity == "translation", AuditEvent.entity_id == str(fact)
                )
            )
        ]
        assert actions.count("translation.review") == 1 and actions.count("translation.edit") == 2
        assert "translation.draft" in actions
    assert all(isinstance(f, str) for f in _prepare(db_url, "fb-ko"))


def test_translate_refuses_what_it_cannot_do(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    jobs.load_catalog(db_url)
    db = ("--database", db_url)
    assert refused(capsys, "catalog", "translate", "--lang", "kr", *db).startswith(
        "--lang: 'kr' is not a supported language"
    )
    assert "vi is the catalog's own language" in refused(
        capsys, "catalog", "translate", "--lang", "vi", *db
    )
    assert "no theme 'nope'" in refused(
        capsys, "catalog", "translate", "--lang", "ja", "--theme", "nope", *db
    )
    # English is the catalog's own: only a text whose English column is empty needs one
    made = _ids(capsys, db_url, "catalog", "translate", "--lang", "en")
    assert isinstance(made, dict)
    assert {d["kind"] for d in made["drafts"]} == {"slogan"}  # slogans are written in vi only
    assert "'minh.tran' is not an active phuxanh user" in refused(
        capsys, "translation", "review", "999", "--as", "minh.tran", *db
    )


@pytest.mark.usefixtures("chat")
def test_the_assistant_drafts_labelled_and_a_failure_leaves_them_for_a_person(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    jobs.load_catalog(db_url)
    made = _ids(capsys, db_url, "catalog", "translate", "--lang", "ja", "--theme", "dai-hoi-xiv")
    assert isinstance(made, dict) and made["drafted"] == made["machine_drafted"] > 3
    assert {d["text"] for d in made["drafts"]} == {"Hai Phong, a green port city"}
    prompts = [a["body"]["messages"][-1]["content"] for a in FakeChat.asked]
    assert len(prompts) == made["drafted"] and all("Tiếng Nhật" in p for p in prompts)
    with Session(jobs.engine(db_url)) as s:
        rows = s.exec(select(Translation).where(Translation.lang == "ja")).all()
        assert rows and all(r.machine_drafted and r.drafted_by == "assistant" for r in rows)
        assert all(r.status == "draft" for r in rows)  # never usable before a person reviews
    FakeChat.status = 500
    failed = _ids(capsys, db_url, "catalog", "translate", "--lang", "zh", "--theme", "dai-hoi-xiv")
    assert isinstance(failed, dict) and failed["machine_drafted"] == 0
    assert failed["drafted"] == made["drafted"] and failed["notes"] == ["assistant: HTTP 500"]
    assert all(d["text"] == "" for d in failed["drafts"])


def test_an_edited_english_caption_is_not_held_for_english_names() -> None:
    """After a person edits an English-first item the checks run again on its Vietnamese
    block only: "Hai Phong" is right in English, wrong in Vietnamese."""
    from phuxanh import quality

    caption = (
        "Hai Phong welcomes investors to the green port city.\n\n"
        "VI: Hai Phong chào đón nhà đầu tư.\nNguồn: 45-NQ/TW\n\n"
        "한국어: 하이퐁은 투자자를 환영합니다.\n\n#HaiPhong\nhttps://haiphong.gov.vn/"
    )
    assert quality.vietnamese_part(caption, "en") == (
        "Hai Phong chào đón nhà đầu tư.\nNguồn: 45-NQ/TW"
    )
    assert quality.vietnamese_part("Hải Phòng chào đón.", "vi") == "Hải Phòng chào đón."
    assert quality.vietnamese_part("Hai Phong welcomes you.", "en") == ""
    english_only = quality.check(
        caption_vi=quality.vietnamese_part("Hai Phong welcomes you.", "en"),
        captions={},
        names=["Hải Phòng"],
        unsourced=[],
        has_media=True,
    )
    held = quality.check(
        caption_vi=quality.vietnamese_part(caption, "en"),
        captions={},
        names=["Hải Phòng"],
        unsourced=[],
        has_media=True,
    )
    assert not any("Hải Phòng" in h for h in english_only)
    assert any("Hải Phòng" in h for h in held)  # the Vietnamese block misspells it


def test_a_card_whose_source_its_reader_cannot_find_is_never_made(db_url: str) -> None:
    """A points card credits the theme's first directive. Where that directive has no
    number and only a Vietnamese title (the city's 2026 plan), a reader of English has no
    source to look up: the card is refused with that reason (the composer picks another
    feature), never drawn with an empty source line or crashing the run; the Vietnamese
    card cites it, and a directive with a number is cited by it in English."""
    from phuxanh.compose.card_values import NoText, card_for
    from phuxanh.compose.features import Feature
    from phuxanh.core.settings import get_settings
    from phuxanh.media.cards import load_brand

    jobs.load_catalog(db_url)
    brand = load_brand(get_settings().assets_dir, "ttdn-haiphong")
    day = dt.date(2026, 3, 2)
    with Session(jobs.engine(db_url)) as s:
        themes = {t.code: t for t in s.exec(select(Theme))}

        def points(code: str, lang: str) -> Any:
            feature = Feature(ref=f"points:{code}", template="three-points")
            return card_for(s, feature, theme=themes[code], brand=brand, langs=[lang], day=day)

        with pytest.raises(NoText) as refused_card:
            points("hai-phong-cang-xanh", "en")
        said = str(refused_card.value)
        assert "points:hai-phong-cang-xanh: its source has no number, address or title" in said
        assert "a reader of en" in said
        assert "thông tin đối ngoại" in str(
            points("hai-phong-cang-xanh", "vi").values.values["source"]
        )
        cited = points("bau-cu-2026", "en").values.values["source"]["en"]
        assert cited.startswith("Source: ") and not vietnamese(cited.replace("Đ", "")), cited
