"""Directive import: what a reader finds in the real directives, and no crash on mangled text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phuxanh.catalog.directives import parse
from phuxanh.catalog.themes import check_catalog
from phuxanh.core.errors import ValidationFailed

TEXTS = Path(__file__).resolve().parent.parent / "content" / "directives" / "text"
HD21 = TEXTS / "21-HD-BTGDVTW_2025-07-23_TTDN-Dai-hoi-XIV.txt"
HD05 = TEXTS / "05-HD-DU_2026_TTDN-nam-2026_DH-Y-Duoc-HP.txt"
KH = TEXTS / "KH-BTGDVTU_2026_Phoi-hop-TTDN-nam-2026_Hai-Phong.txt"


def read(path: Path) -> dict:
    return parse(path.read_text(encoding="utf-8", errors="replace"))


def test_central_guidance_on_the_14th_congress() -> None:
    d = read(HD21)
    assert (d["doc_type"], d["number"], d["place"], d["date"]) == (
        "HƯỚNG DẪN",
        "21-HD/BTGDVTW",
        "Hà Nội",
        "2025-07-23",
    )
    assert d["issuer"] == "Ban Tuyên giáo và Dân vận Trung ương"
    assert d["title"] == (
        "Công tác thông tin đối ngoại về Đại hội đại biểu toàn quốc lần thứ XIV của Đảng"
    )
    assert [(t["code"], t["title"]) for t in d["themes"]] == [
        ("1", "Trước Đại hội"),
        ("2", "Trong thời gian diễn ra Đại hội"),
        ("3", "Sau Đại hội"),
    ]
    assert [s["code"] for s in d["sections"]] == ["I", "II", "III", "IV"]
    assert d["signer"] == {"name": "Phạm Tất Thắng", "title": "K/T TRƯỞNG BAN, PHÓ TRƯỞNG BAN"}
    assert len(d["recipients"]) == 13 and d["recipients"][-1] == "Lưu HCTĐKT"
    assert "đi tắt đón đầu" in d["slogans"]
    assert d["warnings"] == []


def test_university_guidance_with_blank_date_and_mixed_numbering() -> None:
    d = read(HD05)
    assert (d["doc_type"], d["number"], d["date"]) == ("HƯỚNG DẪN", "05-HD/ĐU", None)
    assert d["issuer"] == "Đảng uỷ trường Đại học Y Dược Hải Phòng"
    assert any(w.startswith("date:") for w in d["warnings"])
    assert [t["code"] for t in d["themes"]] == ["1.2", "1.3", "1.4", "1.5"]
    assert d["themes"][0]["key_dates"] == ["2026-03-15"]
    assert [k["date"] for k in d["key_dates"]] == ["2026-03-15", "2026-06-10", "2026-11-15"]
    refs = {(r["kind"], r["number"], r["date"]) for r in d["references"]}
    assert ("Nghị quyết", "59-NQ/TW", "2025-01-24") in refs
    assert ("Kết luận", "57-KL/TW", "2023-06-15") in refs
    assert ("Kế hoạch", "29/KH-UBND", "2026-01-29") in refs
    assert d["events"] == [{"name": "APEC 2027", "year": 2027}]
    assert {"Năng động - Nghĩa tình", "Trung dũng - Quyết thắng", "Bùng sáng miền di sản"} <= set(
        d["slogans"]
    )
    assert d["signer"] == {"name": "Phạm Văn Linh", "title": "T/M BAN THƯỜNG VỤ, BÍ THƯ"}


def test_city_plan_in_markdown_without_number() -> None:
    d = read(KH)
    assert (d["doc_type"], d["number"]) == ("KẾ HOẠCH", None)
    assert d["title"] == "Phối hợp triển khai công tác thông tin đối ngoại năm 2026"
    assert d["issuer"] == "Ban Tuyên giáo và Dân vận Thành ủy"
    assert [t["code"] for t in d["themes"]] == ["1", "2", "3", "4", "5", "6"]
    assert d["themes"][1]["title"].startswith("Quảng bá hình ảnh, tiềm năng, thế mạnh")
    assert [(r["number"], r["date"]) for r in d["references"]] == [
        ("02-HD/BTGDVTW", "2026-01-28"),
        ("21-HD/BTGDVTU", "2026-02-11"),
    ]
    assert "Thành phố cảng xanh, văn minh, hiện đại" in d["slogans"]
    assert d["signer"] == {"name": "Nguyễn Quang Phúc", "title": "TRƯỞNG BAN"}
    assert any(w.startswith("number:") for w in d["warnings"])


def test_blank_number_and_date_are_null_with_warnings() -> None:
    text = (
        "ĐẢNG BỘ THÀNH PHỐ HẢI PHÒNG\nBAN TUYÊN GIÁO VÀ DÂN VẬN\nSố -KH/BTGDVTU\n"
        "Hải Phòng, ngày  tháng  năm 2026\n\nKẾ HOẠCH\nTuyên truyền bầu cử\n\n"
        "I. MỤC ĐÍCH\n- Một.\nII. NỘI DUNG\n"
        "1. Trước ngày bầu cử 15/3/2026\n- “Ngày hội của toàn dân”\n"
    )
    d = parse(text)
    assert d["number"] is None and d["date"] is None and d["place"] == "Hải Phòng"
    assert any("number" in w for w in d["warnings"]) and any("date" in w for w in d["warnings"])
    assert d["themes"] == [
        {
            "code": "1",
            "title": "Trước ngày bầu cử 15/3/2026",
            "key_dates": ["2026-03-15"],
            "slogans": ["Ngày hội của toàn dân"],
        }
    ]


def test_attached_second_document_is_listed() -> None:
    main = HD21.read_text(encoding="utf-8")
    attached = "\n\nPHỤ LỤC\nDanh mục sản phẩm truyền thông\n\nI. NỘI DUNG\n1. Video clip\n"
    d = parse(main + attached)
    assert d["attachments"] == [
        {
            "number": None,
            "date": None,
            "doc_type": "PHỤ LỤC",
            "title": "Danh mục sản phẩm truyền thông",
        }
    ]
    assert d["signer"]["name"] == "Phạm Tất Thắng"


def _mangle(text: str, data: st.DataObject) -> str:
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(0, 12))):
        op = data.draw(st.sampled_from(["drop", "dup", "junk", "cut", "swap"]))
        if not lines:
            break
        i = data.draw(st.integers(0, len(lines) - 1))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "junk":
            lines.insert(i, data.draw(st.text(max_size=80)))
        elif op == "cut":
            lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))]
        else:
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), source=st.sampled_from([HD21, HD05, KH]))
def test_mangled_directives_never_crash_and_give_valid_json(data, source) -> None:
    d = parse(_mangle(source.read_text(encoding="utf-8", errors="replace"), data))
    assert set(d) >= {"doc_type", "number", "themes", "key_dates", "signer", "warnings"}
    json.loads(json.dumps(d, ensure_ascii=False))


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_never_crashes(text: str) -> None:
    json.dumps(parse(text), ensure_ascii=False)


def test_cli_json_and_draft_then_catalog_check(tmp_path: Path) -> None:
    run = [sys.executable, "-m", "phuxanh.cli.main", "directive", "import"]
    out = subprocess.run([*run, str(HD05), "--json"], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["number"] == "05-HD/ĐU"
    draft = tmp_path / "draft.yaml"
    subprocess.run([*run, str(KH), "-o", str(draft)], capture_output=True, text=True, check=True)
    data = yaml.safe_load(draft.read_text(encoding="utf-8"))
    assert len(data["themes"]) == 6 and data["themes"][0]["facts"] == []
    with pytest.raises(ValidationFailed) as err:
        check_catalog(draft)
    assert any(p.startswith(f"{draft}:") and "themes[0].facts" in p for p in err.value.problems)
    assert any("themes[5].key_messages" in p for p in err.value.problems)


def test_import_refuses_what_is_no_directive_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Empty, blank, binary, non-UTF-8, oversized input and a folder: one line naming the
    file and exit 1 (each used to exit 0 with an empty parse, or take minutes)."""
    from phuxanh.catalog.directives import MAX_BYTES
    from tests.test_cli_media import refused

    files = {
        "empty.txt": (b"", ":1: (file): empty; a directive is its text (UTF-8)"),
        "blank.txt": (b" \n\t\r\n", ":1: (file): empty"),
        "scan.pdf.txt": (
            b"%PDF-1.7\n\x00\x01\x02binary",
            ":1: (file): not a text file (it has NUL bytes",
        ),
        "cp1258.txt": (
            b"C\xd4NG V\xc3N\n",  # "CÔNG VĂN" in Windows-1258
            ":1: (file): not UTF-8 text (invalid continuation byte at byte 1)",
        ),
        "utf16.txt": (
            "HƯỚNG DẪN".encode("utf-16"),
            ":1: (file): not a text file (it has NUL bytes",
        ),
        "huge.txt": (
            HD05.read_bytes() * (MAX_BYTES // len(HD05.read_bytes()) + 1),
            ":1: (file): larger than 2 MB; a directive is tens of KB of text",
        ),
    }
    for name, (body, said) in files.items():
        (tmp_path / name).write_bytes(body)
        line = refused(
            capsys, "directive", "import", str(tmp_path / name), "-o", str(tmp_path / "draft.yaml")
        )
        assert line.startswith(f"{tmp_path / name}{said}"), line
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    assert refused(capsys, "directive", "import", str(folder)) == (
        f"{folder}:1: (file): a folder, not a directive's text file"
    )
    assert not (tmp_path / "draft.yaml").exists()
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]
