"""Press releases: a "Thông cáo báo chí" from approved items, in the administrative layout
(issuing body, number, place and date, title and subject, body with each fact and its
source, the contact line), as DOCX read back with python-docx and as PDF read back with
pdftotext (Vietnamese intact, fonts embedded); items not approved are refused by id; the
distribution to outlets is recorded and audited; every refusal is one line naming the
flag."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docx import Document as Docx
from sqlmodel import Session, col, select

from phuxanh import jobs, review
from phuxanh.models import AuditEvent, ContentItem, ItemStatus, PressRelease, Theme, Unit
from tests.helpers import items, refused, run_cli, user

HOTLINE = "0225 3842 000"
APEC = "Đường lối đối ngoại, hội nhập quốc tế và APEC 2027"


@pytest.fixture
def office(db_url: str, sandbox: Any, given_campaign: Callable[..., str]) -> str:
    """The demo campaign with its first day's items approved, and the office's hotline,
    address and contact role set."""
    given_campaign(db_url, sandbox.public_url)
    with Session(jobs.engine(db_url)) as s:
        editor, approver = user(s, "lan.nguyen"), user(s, "minh.tran")
        first = min(i.scheduled_at for i in items(s) if i.scheduled_at)
        for item in items(s):
            if item.scheduled_at == first or item.id == 3:
                review.submit(s, item=item, actor=editor)
                review.approve(s, item=item, actor=approver)
        unit = s.exec(select(Unit).where(Unit.code == "ttdn-haiphong")).one()
        unit.hotline, unit.spokesperson_title = HOTLINE, "Chánh Văn phòng"
        unit.address = "Số 1 Đinh Tiên Hoàng, Hải Phòng"
        s.add(unit)
        s.commit()
    return db_url


def _theme_items(db_url: str, code: str, status: ItemStatus) -> list[ContentItem]:
    with Session(jobs.engine(db_url)) as s:
        theme = s.exec(select(Theme).where(Theme.code == code)).one()
        return [i for i in items(s) if i.theme_id == theme.id and i.status == status]


def _release(capsys: Any, db_url: str, out: Path, *argv: str) -> tuple[int, Path]:
    code, stdout, err = run_cli(
        capsys, "press", "release", *argv, "--as", "lan.nguyen", "--out", str(out),
        "--database", db_url,
    )  # fmt: skip
    assert code == 0, err
    lines = stdout.strip().splitlines()
    path = Path(lines[0].rsplit(": ", 1)[1])
    assert path.is_file() and path.parent == out
    return int(lines[-1]), path


def _docx_text(path: Path) -> list[str]:
    doc = Docx(str(path))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    return [line for line in lines if line.strip()]


def test_a_release_in_docx_has_every_part(office: str, capsys: Any, tmp_path: Path) -> None:
    apec = _theme_items(office, "doi-ngoai-apec-2027", ItemStatus.scheduled)
    assert apec and all(i.fact_ids for i in apec)
    ids = ",".join(str(i.id) for i in apec)
    release_id, path = _release(capsys, office, tmp_path, "--items", ids, "--format", "docx")
    lines = _docx_text(path)
    text = "\n".join(lines)
    assert unicodedata.is_normalized("NFC", text)
    # the issuing body and its number, the Party heading, place and date
    assert "BAN TUYÊN GIÁO VÀ DÂN VẬN" in lines and "THÀNH ỦY HẢI PHÒNG" in lines
    assert "Số: 1-TC/BTGDVTU" in lines  # the unit's pattern, TC for a thông cáo
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in lines
    today = dt.date.today()
    assert any(
        line.startswith("Hải Phòng, ngày ") and line.endswith(f"năm {today.year}") for line in lines
    )
    # the kind and the subject (the items' theme), then the body
    assert lines.index("THÔNG CÁO BÁO CHÍ") + 1 == lines.index(APEC)
    assert "Việt Nam là nước đăng cai Diễn đàn Hợp tác kinh tế châu Á - Thái Bình Dương" in text
    # each fact with its source (the catalog's title; the source's number is in it)
    assert "(Nguồn: Hướng dẫn số 05-HD/ĐU về công tác thông tin đối ngoại năm 2026" in text
    # the public contact: the office's role, its phone and address
    contact = next(line for line in lines if line.startswith("Thông tin liên hệ:"))
    assert "Chánh Văn phòng" in contact and HOTLINE in contact and "Đinh Tiên Hoàng" in contact
    # no link, hashtag or UTM tag of the posts
    assert "#" not in text and "utm_" not in text and "http" not in text
    with Session(jobs.engine(office)) as s:
        row = s.get(PressRelease, release_id)
        assert row is not None
        assert row.number == "1-TC/BTGDVTU" and row.title == APEC
        assert row.item_ids == [i.id for i in apec] and row.contact and HOTLINE in row.contact
        assert len(row.paths) == 1 and row.paths[0].endswith(path.name)
        event = s.exec(
            select(AuditEvent).where(
                AuditEvent.action == "press.release", AuditEvent.entity_id == str(release_id)
            )
        ).one()
        assert event.actor == "lan.nguyen" and event.detail["items"] == row.item_ids


def test_a_release_in_pdf_renders_vietnamese_with_embedded_fonts(
    office: str, capsys: Any, tmp_path: Path
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    apec = _theme_items(office, "doi-ngoai-apec-2027", ItemStatus.scheduled)
    ids = ",".join(str(i.id) for i in apec)
    _id, path = _release(
        capsys, office, tmp_path, "--items", ids, "--format", "pdf", "--number", "7",
        "--contact", "Phòng Thông tin đối ngoại, điện thoại 0225 3 999 999",
    )  # fmt: skip
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = unicodedata.normalize("NFC", text)
    for words in (
        "THÔNG CÁO BÁO CHÍ",
        "Số: 7-TC/BTGDVTU",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Đường lối đối ngoại, hội nhập quốc tế",
        "Thái Bình Dương",
        "Nguồn: Hướng dẫn số 05-HD/ĐU",
        "Thông tin liên hệ: Phòng Thông tin đối ngoại, điện thoại 0225 3 999 999",
        "Nơi nhận:",
    ):
        assert words in text, words
    assert "\ufffd" not in text and "□" not in text  # no tofu, no replacement character
    if shutil.which("pdffonts"):
        fonts = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout.splitlines()[2:]
        assert fonts and all(" yes yes yes " in f and "Tinos" in f for f in fonts), fonts


def test_items_of_several_themes_or_an_incident_and_the_number(
    office: str, capsys: Any, tmp_path: Path
) -> None:
    with Session(jobs.engine(office)) as s:
        ready = [i for i in items(s) if i.status == ItemStatus.scheduled]
    themes = {i.theme_id for i in ready}
    assert len(themes) > 1
    ids = ",".join(str(i.id) for i in ready)
    line = refused(capsys, "press", "release", "--items", ids, "--format", "docx",
                   "--as", "lan.nguyen", "--out", str(tmp_path), "--database", office)  # fmt: skip
    assert line.startswith("--title: the items are of several themes")
    title = "Về công tác thông tin đối ngoại tháng 3/2026"
    first, path = _release(capsys, office, tmp_path, "--items", ids, "--format", "docx",
                           "--title", title, "--number", "12")  # fmt: skip
    lines = _docx_text(path)
    assert title in lines and "Số: 12-TC/BTGDVTU" in lines
    # each theme's title leads its items when a release has several
    with Session(jobs.engine(office)) as s:
        titles = {s.get(Theme, t).title_vi for t in themes}  # type: ignore[union-attr]
    assert titles <= set(lines)
    # the next number follows the highest of the year; a number is used once
    _second, path = _release(capsys, office, tmp_path, "--items", ids, "--format", "docx",
                            "--title", title)  # fmt: skip
    assert "Số: 13-TC/BTGDVTU" in _docx_text(path)
    line = refused(capsys, "press", "release", "--items", ids, "--format", "pdf",
                   "--title", title, "--number", "12", "--as", "lan.nguyen",
                   "--out", str(tmp_path), "--database", office)  # fmt: skip
    assert line == f"--number: 12-TC/BTGDVTU is already press release {first} of ttdn-haiphong"


def test_an_item_not_approved_is_refused_by_id(office: str, capsys: Any, tmp_path: Path) -> None:
    with Session(jobs.engine(office)) as s:
        approved = next(i for i in items(s) if i.status == ItemStatus.scheduled)
        draft = next(i for i in items(s) if i.status == ItemStatus.draft)
    out = tmp_path / "out"
    line = refused(capsys, "press", "release", "--items", f"{approved.id},{draft.id}",
                   "--format", "docx", "--as", "lan.nguyen", "--out", str(out),
                   "--database", office)  # fmt: skip
    assert line == (
        f"--items: item {draft.id} is draft; a press release is made from approved, "
        "scheduled or published items only"
    )
    assert not out.exists()
    with Session(jobs.engine(office)) as s:
        assert s.exec(select(PressRelease)).first() is None


@pytest.mark.parametrize(
    ("argv", "start"),
    [
        (("--items", "12,abc"), "--items: 'abc' is not an item id"),
        (("--items", ","), "--items: no item id"),
        (("--items", "²"), "--items: '²' is not an item id"),  # a digit to isdigit(), not int()
        (("--items", "999999"), "error: --items: no item 999999"),
        (("--format", "odt"), "--format: 'odt' is not docx or pdf"),
        (("--as", "nobody"), "error: --as: 'nobody' is not an active phuxanh user"),
        (("--number", "12\x1b[2J"), "--number: holds a control character"),
        (("--title", "   "), "--title: empty"),
        (("--unit", "nowhere"), "error: --unit: no unit 'nowhere'"),
    ],
)
def test_every_refusal_names_its_flag(
    office: str, capsys: Any, tmp_path: Path, argv: tuple[str, ...], start: str
) -> None:
    apec = _theme_items(office, "doi-ngoai-apec-2027", ItemStatus.scheduled)
    given = {"--items": ",".join(str(i.id) for i in apec), "--format": "docx",
             "--as": "lan.nguyen"}  # fmt: skip
    given.update(dict(zip(argv[::2], argv[1::2], strict=True)))
    flat = [x for kv in given.items() for x in kv]
    line = refused(capsys, "press", "release", *flat, "--out", str(tmp_path),
                   "--database", office)  # fmt: skip
    assert line.startswith(start), line


def test_no_contact_line_is_refused(office: str, capsys: Any, tmp_path: Path) -> None:
    with Session(jobs.engine(office)) as s:
        unit = s.exec(select(Unit).where(Unit.code == "ttdn-haiphong")).one()
        unit.hotline = None
        s.add(unit)
        s.commit()
    apec = _theme_items(office, "doi-ngoai-apec-2027", ItemStatus.scheduled)
    line = refused(capsys, "press", "release", "--items", str(apec[0].id), "--format", "pdf",
                   "--as", "lan.nguyen", "--out", str(tmp_path), "--database", office)  # fmt: skip
    assert line.startswith("--contact: ttdn-haiphong has no hotline")


def test_distribution_is_recorded_listed_and_audited(
    office: str, capsys: Any, tmp_path: Path
) -> None:
    apec = _theme_items(office, "doi-ngoai-apec-2027", ItemStatus.scheduled)
    release_id, _ = _release(capsys, office, tmp_path, "--items", str(apec[0].id),
                             "--format", "docx")  # fmt: skip
    at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    code, out, err = run_cli(
        capsys, "press", "distribute", str(release_id), "--outlet", "Báo Hải Phòng",
        "--outlet", "Đài Phát thanh và Truyền hình Hải Phòng", "--at", at,
        "--as", "minh.tran", "--database", office,
    )  # fmt: skip
    assert code == 0, err
    assert "sent to 2 outlet(s)" in out
    line = refused(capsys, "press", "distribute", str(release_id), "--outlet", "báo hải phòng",
                   "--at", at, "--as", "minh.tran", "--database", office)  # fmt: skip
    assert line == f"--outlet: 'báo hải phòng' is already recorded for press release {release_id}"
    line = refused(capsys, "press", "distribute", str(release_id), "--outlet", "Báo  Hải  Phòng",
                   "--at", at, "--as", "minh.tran", "--database", office)  # fmt: skip
    assert line == f"--outlet: 'Báo Hải Phòng' is already recorded for press release {release_id}"
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    line = refused(capsys, "press", "distribute", str(release_id), "--outlet", "Báo Nhân Dân",
                   "--at", future, "--as", "minh.tran", "--database", office)  # fmt: skip
    assert line.startswith("--at: ") and "is in the future" in line
    long_ago = "2020-01-01T08:00"
    line = refused(capsys, "press", "distribute", str(release_id), "--outlet", "Báo Nhân Dân",
                   "--at", long_ago, "--as", "minh.tran", "--database", office)  # fmt: skip
    assert f"is before press release {release_id} was made" in line
    line = refused(capsys, "press", "distribute", "999", "--outlet", "Báo Nhân Dân",
                   "--at", at, "--as", "minh.tran", "--database", office)  # fmt: skip
    assert line.startswith("error: ID: no press release 999")
    code, out, _ = run_cli(capsys, "press", "list", "--json", "--database", office)
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [release_id]
    assert [(d["outlet"], d["by"]) for d in rows[0]["distribution"]] == [
        ("Báo Hải Phòng", "minh.tran"),
        ("Đài Phát thanh và Truyền hình Hải Phòng", "minh.tran"),
    ]
    assert dt.datetime.fromisoformat(rows[0]["distribution"][0]["at"]) == dt.datetime.fromisoformat(
        at
    )
    with Session(jobs.engine(office)) as s:
        events = s.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "press.distribute")
            .order_by(col(AuditEvent.id))
        ).all()
    assert len(events) == 1 and events[0].actor == "minh.tran"
    assert events[0].detail["outlets"] == [
        "Báo Hải Phòng",
        "Đài Phát thanh và Truyền hình Hải Phòng",
    ]
