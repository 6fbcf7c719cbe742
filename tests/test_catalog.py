"""`catalog check`: the real catalog passes; broken copies fail with file:line: field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.catalog.themes import check_catalog
from phuxanh.core.errors import ValidationFailed
from phuxanh.models import Fact, Theme

ROOT = Path(__file__).resolve().parent.parent
THEME = "themes/bau-cu-2026.yaml"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return tmp_path / "content"


def _problems(root: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as err:
        check_catalog(root)
    return err.value.problems


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_real_catalog_passes_with_five_sourced_facts_per_theme() -> None:
    catalog = check_catalog(ROOT / "content")
    assert {t.code for t in catalog.themes} >= {
        "dai-hoi-xiv",
        "bau-cu-2026",
        "doi-ngoai-apec-2027",
        "hai-phong-cang-xanh",
        "thong-tin-chinh-thong",
    }
    for theme in catalog.themes:
        assert len(theme.facts) >= 5
        assert all(f.source.number or f.source.url for f in theme.facts)


def test_unsourced_fact_names_file_line_and_field(copy: Path) -> None:
    path = copy / THEME
    text = path.read_text()
    text = text.replace(
        "number: 85/2015/QH13, issuer: Quốc hội, date: 2015-06-25}", "issuer: Quốc hội}", 1
    )
    path.write_text(text)
    line = _line_of(path, "Luật Bầu cử đại biểu Quốc hội và đại biểu Hội đồng nhân dân, Điều 1")
    problems = _problems(copy)
    assert problems == [
        f"{path}:{line}: facts[1].source: a source needs a document number "
        "or a URL a reader can check"
    ]


def test_yaml_syntax_error_has_its_line(copy: Path) -> None:
    path = copy / THEME
    lines = path.read_text().splitlines()
    lines[5] = "title: [unclosed"
    path.write_text("\n".join(lines))
    (problem,) = _problems(copy)
    assert re.match(rf"^{re.escape(str(path))}:\d+: \(yaml\): ", problem)


def test_too_few_facts(copy: Path) -> None:
    path = copy / THEME
    text = path.read_text()
    path.write_text(text[: text.index("  - id: bc-tuoi-bau-cu")])
    (problem,) = _problems(copy)
    assert problem.startswith(f"{path}:{_line_of(path, 'facts:')}: facts: ")
    assert "at least 5" in problem


def test_unknown_directive(copy: Path) -> None:
    path = copy / THEME
    path.write_text(path.read_text().replace('"05-HD/ĐU:II.1.2"', '"99-XX/YY:1"'))
    line = _line_of(path, "99-XX/YY")
    assert _problems(copy) == [
        f"{path}:{line}: directives[0]: unknown directive '99-XX/YY' (not in content/directives)"
    ]


def test_duplicate_key_is_reported(copy: Path) -> None:
    path = copy / THEME
    path.write_text(path.read_text().replace("sensitive", "x") + "\ncode: again\n")
    problems = _problems(copy)
    assert any(p.endswith(": code: duplicate key") for p in problems)


def test_load_is_idempotent_and_nfc(db_url: str) -> None:
    first = jobs.load_catalog(db_url)
    second = jobs.load_catalog(db_url)
    assert first == second
    with Session(jobs.engine(db_url)) as s:
        assert len(s.exec(select(Theme)).all()) == first["themes"]
        facts = s.exec(select(Fact)).all()
        assert len(facts) == first["facts"] >= 25
        assert all(f.is_sourced for f in facts)


def test_hostile_yaml_in_the_catalog_is_named_by_file_and_line(copy: Path) -> None:
    """An alias bomb (9^9 strings once expanded) is refused at its first anchor, fast, and
    an impossible date is a `file:line: field` problem beside the other files' problems."""
    import time

    from tests.test_yamlio import alias_bomb

    bomb = copy / "themes" / "zz-bomb.yaml"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    path = copy / THEME
    text = path.read_text(encoding="utf-8")
    first_date = next(line for line in text.splitlines() if "date: 20" in line)
    path.write_text(
        text.replace(first_date, first_date.split("date:")[0] + "date: 2026-02-30", 1),
        encoding="utf-8",
    )
    started = time.monotonic()
    problems = _problems(copy)
    assert time.monotonic() - started < 2.0
    line = _line_of(path, "date: 2026-02-30")
    assert (
        f"{bomb}:1: a: anchor &a: anchors (&) and aliases (*) are not allowed; write the "
        "value out" in problems
    )
    assert any(
        p.startswith(f"{path}:{line}: ")
        and p.endswith("'2026-02-30' is not a date (YYYY-MM-DD) (day is out of range for month)")
        for p in problems
    ), problems


# --- checked against its sources ---------------------------------------------------------

HD05_TEXT = "05-HD-DU_2026_TTDN-nam-2026_DH-Y-Duoc-HP.txt"
KH_TEXT = "KH-BTGDVTU_2026_Phoi-hop-TTDN-nam-2026_Hai-Phong.txt"
CITY = "themes/hai-phong-cang-xanh.yaml"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_fact_whose_quote_is_not_in_its_directive_names_file_and_line(copy: Path) -> None:
    path = copy / THEME
    _edit(
        path,
        '      quote: "là Ngày hội của toàn dân (ngày 15/3/2026)"',
        '      quote: "là Ngày hội của toàn dân (ngày 16/3/2026)"',
    )
    line = _line_of(path, "(ngày 16/3/2026)")
    assert _problems(copy) == [
        f"{path}:{line}: facts[0].source.quote: not found in {HD05_TEXT} (05-HD/ĐU): "
        "'là Ngày hội của toàn dân (ngày 16/3/2026)'"
    ]


def test_quotes_are_found_whatever_the_accents_case_and_line_breaks(copy: Path) -> None:
    path = copy / THEME
    _edit(
        path,
        '      quote: "là Ngày hội của toàn dân (ngày 15/3/2026)"',
        '      quote: "LA NGAY HOI   cua toan dan (*ngày 15/3/2026*)"',
    )
    check_catalog(copy)
    from phuxanh.catalog.sources import shipped

    hd05 = shipped(copy / "directives" / "text" / HD05_TEXT)
    # lines 52-54 of 05-HD: "… quan hệ ngoại" / (page break) / "giao giữa Việt Nam …"
    assert hd05.has("các ngày kỷ niệm thiết lập quan hệ ngoại giao giữa Việt Nam với các nước")
    assert hd05.has("“Năng động – Nghĩa tình”")  # quotation marks and dash kinds aside
    assert not hd05.has("quan hệ ngoại giao giữa Việt Nam và Lào")


def test_a_fact_from_a_shipped_directive_needs_its_quote(copy: Path) -> None:
    path = copy / THEME
    _edit(path, '      quote: "những thành tựu quan trọng của Quốc hội qua 80 năm"\n', "")
    line = _line_of(path, "  - id: bc-80-nam-quoc-hoi") + 6  # its `source:`
    assert _problems(copy) == [
        f"{path}:{line}: facts[5].source: 05-HD/ĐU is shipped as {HD05_TEXT}: give quote: "
        "the words this fact comes from"
    ]


def test_a_slogan_credited_to_a_plan_that_does_not_contain_it(copy: Path) -> None:
    path = copy / CITY
    _edit(
        path,
        '{text: "Hải Phòng - Bùng sáng miền di sản", source: "05-HD/ĐU"}',
        '{text: "Hải Phòng - Bùng sáng miền di sản", source: KH-BTGDVTU-2026}',
    )
    line = _line_of(path, 'Bùng sáng miền di sản", source: KH')
    assert _problems(copy) == [
        f"{path}:{line}: slogans[3].text: not found in {KH_TEXT} (KH-BTGDVTU-2026): "
        "'Hải Phòng - Bùng sáng miền di sản'"
    ]


def test_messages_credited_to_a_directive_they_are_not_worded_from(copy: Path) -> None:
    """The city theme's points card credits its first directive: with the university's
    guidance first again, the messages worded from the city plan are not found in it."""
    path = copy / CITY
    _edit(
        path,
        'directives: ["KH-BTGDVTU-2026:II.2", "05-HD/ĐU:II.1.4"]',
        'directives: ["05-HD/ĐU:II.1.4", "KH-BTGDVTU-2026:II.2"]',
    )
    problems = _problems(copy)
    assert [p.split(": ", 2)[1] for p in problems] == [
        "key_messages[0].quote",
        "key_messages[1].quote",
        "key_messages[2].quote",
    ]
    assert all(f"not found in {HD05_TEXT} (05-HD/ĐU)" in p for p in problems)


def test_an_english_rendering_with_no_source(copy: Path) -> None:
    path = copy / CITY
    _edit(
        path,
        'and "Hải Phòng - Bùng sáng miền di sản".',
        'and "Heritage Ablaze".',
    )
    line = _line_of(path, 'and "Heritage Ablaze"')
    assert _problems(copy) == [
        f"{path}:{line}: facts[5].text.en: “Heritage Ablaze” is an English rendering in "
        "quotes that no source gives: quote the Vietnamese words as the source writes them "
        "and put the translation after them, unquoted"
    ]


def test_a_plan_without_a_number_is_not_given_one(copy: Path) -> None:
    path = copy / CITY
    _edit(
        path,
        "      number: 05-HD/ĐU\n      issuer: Đảng ủy Trường Đại học Y Dược Hải Phòng\n"
        "      quote:\n"
        '        - "Quảng bá mạnh mẽ',
        "      number: KH-BTGDVTU-2026\n      issuer: Ban Tuyên giáo và Dân vận Thành ủy\n"
        "      quote:\n"
        '        - "Quảng bá mạnh mẽ',
    )
    problems = _problems(copy)
    line = _line_of(path, "number: KH-BTGDVTU-2026")
    assert problems[0] == (
        f"{path}:{line}: facts[5].source.number: KH-BTGDVTU-2026 has no number (blank in "
        "the original): a card would print 'KH-BTGDVTU-2026', which no reader can look up"
    )
    assert len(problems) == 3  # and neither quote of 05-HD/ĐU is in the plan
    assert all(f"not found in {KH_TEXT}" in p for p in problems[1:])


def test_a_section_the_directive_does_not_have(copy: Path) -> None:
    path = copy / THEME
    _edit(path, '"05-HD/ĐU:II.1.2"', '"05-HD/ĐU:II.1.9"')
    line = _line_of(path, "II.1.9")
    assert _problems(copy) == [
        f"{path}:{line}: directives[0]: 'II.1.9' is no section of 05-HD/ĐU ({HD05_TEXT} has "
        "A, A.1, A.2, II, II.1, II.1.2, II.1.3, II.1.4, II.1.5, II.2, III, III.1, III.2)"
    ]


def test_a_directive_whose_text_is_missing(copy: Path) -> None:
    (copy / "directives" / "text" / KH_TEXT).unlink()
    path = copy / "directives" / "KH-BTGDVTU-2026.yaml"
    line = _line_of(path, "source_file:")
    assert _problems(copy) == [
        f"{path}:{line}: source_file: {KH_TEXT!r} is not in {copy / 'directives' / 'text'}"
    ]


def test_a_wave_beyond_its_theme_window(copy: Path) -> None:
    path = copy / THEME
    _edit(path, "valid_until: 2026-03-22", "valid_until: 2026-03-20")
    line = _line_of(path, "  - date: 2026-03-15")
    assert _problems(copy) == [
        f"{path}:{line}: key_dates[0]: its wave ends 22/03/2026, after the theme's "
        "valid_until (20/03/2026): the planner would give those days no slot"
    ]


def test_a_slogan_must_name_its_source(copy: Path) -> None:
    path = copy / THEME
    _edit(
        path,
        '  - {text: "Ngày hội của toàn dân", source: "05-HD/ĐU"}',
        '  - "Ngày hội của toàn dân"',
    )
    line = _line_of(path, "slogans:")
    assert _problems(copy) == [
        f"{path}:{line}: slogans: [0] 'Ngày hội của toàn dân': a slogan names the directive "
        "it comes from: {text: …, source: <directive code>}"
    ]


def test_unconfirmed_and_removed_key_dates_are_in_no_row_and_removed_facts_retire(
    db_url: str,
) -> None:
    """APEC 2027's placeholder 01/01/2027 is never loaded; a row left by an older catalog
    goes, so no countdown, wave or report prints it as if known. A fact gone from the
    catalog stays (posts cite it) but is never featured again."""
    import datetime as dt

    from phuxanh.compose.features import countdown_due
    from phuxanh.models import KeyDate, Slot

    jobs.load_catalog(db_url)
    with Session(jobs.engine(db_url)) as s:
        apec = s.exec(select(Theme).where(Theme.code == "doi-ngoai-apec-2027")).one()
        assert [k.on_date for k in s.exec(select(KeyDate).where(KeyDate.theme_id == apec.id))] == [
            dt.date(2026, 7, 28)
        ]
        s.add(
            KeyDate(
                theme_id=apec.id,
                on_date=dt.date(2027, 1, 1),
                label_vi="Năm Việt Nam đăng cai APEC 2027",
                label_en="Viet Nam's APEC 2027 host year",
                kind="event",
            )
        )
        s.add(
            Fact(
                code="tt-6-ro",
                theme_id=apec.id,
                text_vi="Nguyên tắc “6 rõ”.",
                text_en="The “6 rõ” rule.",
                source_title="Kế hoạch",
                source_number="KH-BTGDVTU-2026",
            )
        )
        s.commit()
        slot = Slot(
            campaign_id=1,
            channel_id=1,
            theme_id=apec.id,
            scheduled_at=dt.datetime(2026, 12, 25, 1, tzinfo=dt.UTC),
        )
        day = dt.date(2026, 12, 25)
        due = countdown_due(s, slot=slot, theme=apec, day=day, days=[7], used={})
        assert due is not None and due.key_date.on_date == dt.date(2027, 1, 1)  # as it was
    jobs.load_catalog(db_url)
    with Session(jobs.engine(db_url)) as s:
        apec = s.exec(select(Theme).where(Theme.code == "doi-ngoai-apec-2027")).one()
        assert countdown_due(s, slot=slot, theme=apec, day=day, days=[7], used={}) is None
        old = s.exec(select(Fact).where(Fact.code == "tt-6-ro")).one()
        assert old.valid_until == dt.date.today() - dt.timedelta(days=1)
