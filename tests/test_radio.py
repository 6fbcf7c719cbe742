"""Grassroots radio: an item's text as read aloud on the loudspeakers (numbers, dates,
times and percentages spelled out the Vietnamese way, abbreviations expanded from the
table in content/radio/, links, hashtags and emoji dropped), its reading time at the
configured pace, and the week's bulletin for the operators as DOCX and PDF. The expected
Vietnamese is written here by hand."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docx import Document as Docx
from sqlmodel import Session, select

from phuxanh import jobs, review
from phuxanh.core.errors import ValidationFailed
from phuxanh.core.settings import get_settings
from phuxanh.models import AuditEvent, ItemStatus, Unit
from phuxanh.outlets.radio import load_table, reading_seconds, script
from phuxanh.outlets.spoken import decimal_words, number_words, speakable, word_count
from tests.helpers import items, refused, run_cli, user

ELECTION = "Bầu cử đại biểu Quốc hội khóa XVI và HĐND các cấp nhiệm kỳ 2026 - 2031"
FIFTEEN_MARCH = "ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi sáu"


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (55, "năm mươi lăm"),
        (101, "một trăm linh một"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (115, "một trăm mười lăm"),
        (1000, "một nghìn"),
        (1005, "một nghìn không trăm linh năm"),
        (2026, "hai nghìn không trăm hai mươi sáu"),
        (1955, "một nghìn chín trăm năm mươi lăm"),
        (1_500_000, "một triệu năm trăm nghìn"),
        (2_000_000_021, "hai tỷ không trăm hai mươi mốt"),
    ],
)
def test_numbers_are_read_the_vietnamese_way(n: int, words: str) -> None:
    assert number_words(n) == words


def test_numbers_as_written_thousands_decimals_and_codes() -> None:
    assert decimal_words("1.500.000") == "một triệu năm trăm nghìn"
    assert decimal_words("12,5") == "mười hai phẩy năm"
    assert decimal_words("3,05") == "ba phẩy không năm"
    assert decimal_words("05") == "không năm"  # a code, not five


def _say(text: str) -> str:
    table = load_table()
    return speakable(text, abbreviations=table.abbreviations, units=table.units)


def test_dates_times_percentages_and_abbreviations_are_spelled_out() -> None:
    assert _say("Ngày bầu cử 15/3/2026.") == f"Ngày bầu cử {FIFTEEN_MARCH}."
    assert _say("Ngày 15/3/2026 là ngày hội.") == (
        "Ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi sáu là ngày hội."
    )  # "Ngày" is not said twice
    assert _say("Họp HĐND TP lúc 8:00") == "Họp Hội đồng nhân dân thành phố lúc tám giờ."
    assert _say("UBND phường mở cửa từ 7h30 ngày 1/4") == (
        "Ủy ban nhân dân phường mở cửa từ bảy giờ ba mươi phút ngày một tháng tư."
    )
    assert _say("Tỷ lệ cử tri đi bầu đạt 99,5%, tăng 25% so với tháng 3/2021.") == (
        "Tỷ lệ cử tri đi bầu đạt chín mươi chín phẩy năm phần trăm, tăng hai mươi lăm phần "
        "trăm so với tháng ba năm hai nghìn không trăm hai mươi mốt."
    )
    assert _say("MTTQ và TTĐN; hỗ trợ 1.500.000đ/hộ") == (
        "Mặt trận Tổ quốc và thông tin đối ngoại; hỗ trợ một triệu năm trăm nghìn đồng/hộ."
    )
    assert _say("Thứ 4 tuần này, lần thứ 1") == "Thứ tư tuần này, lần thứ nhất."
    assert _say("TP Hải Phòng") == "Thành phố Hải Phòng."  # a sentence's first word
    assert _say("Đường dây nóng: 0225 3842 000.") == (
        "Đường dây nóng: không hai hai năm, ba tám bốn hai, không không không."
    )


def test_links_hashtags_emoji_go_and_symbols_stay() -> None:
    text = (
        "🇻🇳 Theo Hướng dẫn số 05-HD/ĐU ✅ và Nghị định 30/2020/NĐ-CP 👍🏽\n"
        "Nguồn: Cổng thông tin (https://haiphong.gov.vn/)\n\n"
        "#BauCu2026 #HaiPhong\nhttps://haiphong.gov.vn/?utm_source=x"
    )
    assert _say(text) == (
        "Theo Hướng dẫn số 05-HD/ĐU và Nghị định 30/2020/NĐ-CP.\nNguồn: Cổng thông tin."
    )


def test_the_election_item_reads_well_and_its_time_is_words_at_the_pace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caption = (
        f"{ELECTION}\n"
        "Ngày 15/3/2026 là Ngày hội của toàn dân - mỗi cử tri hãy thực hiện quyền và nghĩa "
        "vụ bầu cử.\n\n#BauCu2026 #NgayHoiToanDan\nhttps://haiphong.gov.vn/?utm_source=fb"
    )
    s = script(caption)
    assert s.text == (
        "Bầu cử đại biểu Quốc hội khóa mười sáu và Hội đồng nhân dân các cấp nhiệm kỳ hai "
        "nghìn không trăm hai mươi sáu đến hai nghìn không trăm ba mươi mốt.\n"
        f"N{FIFTEEN_MARCH[1:]} là Ngày hội của toàn dân - mỗi cử tri hãy thực hiện quyền và "
        "nghĩa vụ bầu cử."
    )
    assert s.words == word_count(s.text) == len(s.text.split()) - 1  # the lone "-"
    pace = get_settings().radio_words_per_minute
    assert pace == 200
    assert abs(s.seconds - s.words * 60 / pace) <= 0.1 * s.words * 60 / pace
    monkeypatch.setenv("PHUXANH_RADIO_WORDS_PER_MINUTE", "120")
    get_settings.cache_clear()
    slow = script(caption)
    assert abs(slow.seconds - s.words * 60 / 120) <= 0.1 * s.words * 60 / 120
    assert slow.seconds > s.seconds
    assert reading_seconds(200, 200) == 60


def test_a_broken_table_names_its_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "abbreviations.yaml"
    path.write_text("abbreviations:\n  HĐND: Hội đồng nhân dân\n  UBND: 5\nsounds: {}\n")
    with pytest.raises(ValidationFailed) as err:
        load_table(path)
    assert err.value.problems == [
        f"{path}:3: abbreviations.UBND: the words to read expected",
        f"{path}:4: sounds: not a section (abbreviations, units)",
    ]


# --- the command line, on the demo campaign ---------------------------------------------


@pytest.fixture
def week(db_url: str, sandbox: Any, given_campaign: Callable[..., str]) -> str:
    """The demo campaign (2026-W11: Monday 9/3/2026) with every item approved."""
    given_campaign(db_url, sandbox.public_url)
    with Session(jobs.engine(db_url)) as s:
        editor, approver = user(s, "lan.nguyen"), user(s, "minh.tran")
        for item in items(s):
            review.submit(s, item=item, actor=editor)
            review.approve(s, item=item, actor=approver)
        s.commit()
    return db_url


def test_radio_script_prints_the_text_and_its_reading_time(week: str, capsys: Any) -> None:
    with Session(jobs.engine(week)) as s:
        election = next(i for i in items(s) if i.caption.startswith(ELECTION))
    code, out, err = run_cli(capsys, "radio", "script", str(election.id), "--database", week)
    assert code == 0, err
    assert "Hội đồng nhân dân các cấp" in out and "HĐND" not in out
    assert FIFTEEN_MARCH in out.casefold()
    assert "#" not in out and "http" not in out
    assert "— Thời lượng đọc: khoảng " in out and "200 tiếng/phút" in out
    code, out, _ = run_cli(
        capsys, "radio", "script", str(election.id), "--json", "--database", week
    )
    data = json.loads(out)
    assert data["words"] == word_count(data["script"])
    assert abs(data["seconds"] - data["words"] * 60 / 200) <= 0.1 * data["words"] * 60 / 200
    assert refused(capsys, "radio", "script", "99999", "--database", week) == (
        "error: ID: no item 99999"
    )


def _bulletin(capsys: Any, db_url: str, out: Path, fmt: str, unit: str = "ttdn-haiphong") -> Path:
    code, stdout, err = run_cli(
        capsys, "radio", "bulletin", "--unit", unit, "--week", "2026-W11",
        "--format", fmt, "--as", "lan.nguyen", "--out", str(out), "--database", db_url,
    )  # fmt: skip
    assert code == 0, err
    path = Path(stdout.strip().rsplit(": ", 1)[1])
    assert path.is_file() and path.parent == out
    return path


def test_the_weekly_bulletin_in_docx_has_each_script_its_time_and_the_total(
    week: str, capsys: Any, tmp_path: Path
) -> None:
    # the university's items: the election's among them
    path = _bulletin(capsys, week, tmp_path / "out", "docx", "dh-y-duoc-haiphong")
    doc = Docx(str(path))
    lines = [p.text for p in doc.paragraphs if p.text.strip()]
    text = "\n".join(lines)
    assert "BẢN TIN TRUYỀN THANH CƠ SỞ" in lines
    assert "Tuần 11 năm 2026 (từ ngày 9/3 đến ngày 15/3/2026)" in lines
    with Session(jobs.engine(week)) as s:
        unit = s.exec(select(Unit).where(Unit.code == "dh-y-duoc-haiphong")).one()
        unit_items = [
            i
            for i in items(s)
            if i.unit_id == unit.id and i.status == ItemStatus.scheduled and i.language == "vi"
        ]
    expected = {script(i.caption).text for i in unit_items}
    assert expected and len(expected) <= len(unit_items)
    for text_read in sorted(expected):
        for line in text_read.split("\n"):
            assert line in lines, line
    headings = [line for line in lines if line.startswith("Tin ")]
    assert len(headings) == len(expected)
    times = [line for line in lines if line.startswith("Thời lượng đọc: khoảng ")]
    assert len(times) == len(expected) + 2  # and the opening and closing words
    total = next(line for line in lines if line.startswith("Tổng thời lượng: khoảng "))
    words = sum(script(t).words for t in expected)
    assert "tiếng)." in total and int(total.split("(")[1].split()[0]) > words
    # the operator reads the scripts; the headings keep the titles as written
    election = next(t for t in expected if "Hội đồng nhân dân các cấp" in t)
    assert FIFTEEN_MARCH in election.casefold()
    assert all("HĐND" not in t and "#" not in t and "http" not in t for t in expected)
    assert any(h.startswith("Tin ") and ELECTION in h for h in headings)
    assert "Trường Đại học Y Dược Hải Phòng" in text  # the opening names the unit
    with Session(jobs.engine(week)) as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "radio.bulletin")).one()
    assert event.actor == "lan.nguyen" and event.detail["week"] == "2026-W11"


def test_the_weekly_bulletin_in_pdf_renders_vietnamese(
    week: str, capsys: Any, tmp_path: Path
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = _bulletin(capsys, week, tmp_path / "out", "pdf")
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(unicodedata.normalize("NFC", text).split())
    for words in (
        "BẢN TIN TRUYỀN THANH CƠ SỞ",
        "Kính thưa bà con nhân dân!",
        "hai nghìn không trăm hai mươi sáu",
        "Thời lượng đọc: khoảng",
        "Tổng thời lượng: khoảng",
    ):
        assert words in text, words
    assert "\ufffd" not in text


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (("--week", "2026-12"), "--week: '2026-12' is not an ISO week (e.g. 2026-W12)"),
        (("--week", "2026-W54"), "--week: 2026 has no week 54"),
        (
            ("--week", "2026-W30"),
            "--week: ttdn-haiphong has no approved item scheduled in 2026-W30 (see phuxanh queue)",
        ),
        (("--format", "txt"), "--format: 'txt' is not docx or pdf"),
        (("--unit", "nowhere"), "error: --unit: no unit 'nowhere' (see phuxanh unit list)"),
        (("--as", "nobody"), "error: --as: 'nobody' is not an active phuxanh user"),
    ],
)
def test_bulletin_refusals_name_the_flag(
    week: str, capsys: Any, tmp_path: Path, argv: tuple[str, ...], line: str
) -> None:
    given = {"--unit": "ttdn-haiphong", "--week": "2026-W11", "--format": "pdf",
             "--as": "lan.nguyen"}  # fmt: skip
    given.update(dict(zip(argv[::2], argv[1::2], strict=True)))
    flat = [x for kv in given.items() for x in kv]
    out = tmp_path / "out"
    assert refused(capsys, "radio", "bulletin", *flat, "--out", str(out),
                   "--database", week) == line  # fmt: skip
    assert not out.exists()
