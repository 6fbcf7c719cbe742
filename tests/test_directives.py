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
    # a congress guidance: its phases are phases, the topics inside them are the themes
    assert [(p["code"], p["title"], p["phase"], p["line"]) for p in d["phases"]] == [
        ("1", "Trước Đại hội", "before", 44),
        ("2", "Trong thời gian diễn ra Đại hội", "during", 54),
        ("3", "Sau Đại hội", "after", 64),
    ]
    assert [(t["ref"], t["phase"], t["line"]) for t in d["themes"]] == [
        ("II.1.1", "before", 46),
        ("II.1.2", "before", 48),
        ("II.1.3", "before", 50),
        ("II.1.4", "before", 52),
        ("II.2.1", "during", 56),
        ("II.2.2", "during", 58),
        ("II.2.3", "during", 60),
        ("II.2.4", "during", 62),
        ("II.3.1", "after", 66),
        ("II.3.2", "after", 70),
        ("II.3.3", "after", 72),
    ]
    titles = [t["title"] for t in d["themes"]]
    assert (
        titles[0] == "Tuyên truyền lịch sử 95 năm hình thành, phát triển của Đảng Cộng sản Việt Nam"
    )
    assert titles[4] == "Thông tin về diễn biến, kết quả Đại hội"
    assert titles[10] == "Đẩy mạnh thông tin kết quả Đại hội XIV"
    assert all(len(t) <= 100 for t in titles)
    assert [s["code"] for s in d["sections"]] == ["I", "II", "III", "IV"]
    assert d["signer"] == {"name": "Phạm Tất Thắng", "title": "K/T TRƯỞNG BAN, PHÓ TRƯỞNG BAN"}
    assert len(d["recipients"]) == 13 and d["recipients"][-1] == "Lưu HCTĐKT"
    assert d["slogans"] == [
        "tinh - gọn - mạnh - hiệu năng - hiệu lực - hiệu quả",
        "sắp xếp lại giang sơn",
    ]  # not the quoted words "trụ cột", nor the four-syllable "đi tắt đón đầu"
    # the two paragraphs cut by a page break are joined, each said once
    assert d["warnings"] == [
        "text: line 66 continues on line 68 after a page break: joined",
        "text: line 124 continues on line 126 after a page break: joined",
    ]
    assert "giới thiệu Ban Chấp hành Trung ương Đảng khóa XIV" in d["themes"][8]["text"]


def test_university_guidance_with_blank_date_and_mixed_numbering() -> None:
    d = read(HD05)
    assert (d["doc_type"], d["number"], d["date"]) == ("HƯỚNG DẪN", "05-HD/ĐU", None)
    assert d["issuer"] == "Đảng uỷ trường Đại học Y Dược Hải Phòng"
    assert any(w.startswith("date:") for w in d["warnings"])
    # the first content group (under "1.", before "1.2") is a theme too; "2. Phương hướng
    # triển khai" (methods) is not
    assert [(t["ref"], t["line"]) for t in d["themes"]] == [
        ("II.1", 34),
        ("II.1.2", 42),
        ("II.1.3", 48),
        ("II.1.4", 60),
        ("II.1.5", 68),
    ]
    assert d["themes"][0]["title"] == "Nội dung trọng tâm công tác thông tin đối ngoại năm 2026"
    assert "40 năm đổi mới đất nước" in d["themes"][0]["text"]
    assert "1.2" not in [t["code"] for t in d["themes"][:1]] and d["phases"] == []
    assert d["themes"][1]["key_dates"] == ["2026-03-15"]
    assert [(k["date"], k["line"]) for k in d["key_dates"]] == [
        ("2026-03-15", 46),
        ("2026-06-10", 112),
        ("2026-11-15", 112),
    ]
    # the footnote at the foot of page 2 (line 72) goes with the paragraph citing it (1.3)
    apec = "Giới thiệu mục tiêu, chủ đề, ý nghĩa của APEC"
    assert apec in d["themes"][2]["text"] and apec not in d["themes"][4]["text"]
    assert "text: line 52 continues on line 54 after a page break: joined" in d["warnings"]
    refs = {(r["kind"], r["number"], r["date"]) for r in d["references"]}
    assert ("Nghị quyết", "59-NQ/TW", "2025-01-24") in refs
    assert ("Kết luận", "57-KL/TW", "2023-06-15") in refs
    assert ("Kế hoạch", "29/KH-UBND", "2026-01-29") in refs
    assert {"name": "APEC 2027", "year": 2027, "date": None, "line": 58} in d["events"]
    assert set(d["slogans"]) == {
        "Kỷ nguyên vươn mình của dân tộc",
        "thành phố cảng xanh, văn minh, hiện đại",
        "thành phố kết nối toàn cầu",
        "Trung dũng - Quyết thắng",
        "Năng động - Nghĩa tình",
        "Chủ động, đồng bộ, kịp thời, sáng tạo, hiệu quả",
        "điểm đến chiến lược của kỷ nguyên mới",
        "Bùng sáng miền di sản",
        "Thành phố Cảng Anh hùng",
        "Hải Phòng - Bùng sáng miền di sản",
    }  # not “Thương hiệu địa phương”, “Cảng xanh”, “phủ xanh” nor “cầu nối”
    assert d["signer"] == {"name": "Phạm Văn Linh", "title": "T/M BAN THƯỜNG VỤ, BÍ THƯ"}


def test_city_plan_in_markdown_without_number() -> None:
    d = read(KH)
    assert (d["doc_type"], d["number"]) == ("KẾ HOẠCH", None)
    assert d["title"] == "Phối hợp triển khai công tác thông tin đối ngoại năm 2026"
    assert d["issuer"] == "Ban Tuyên giáo và Dân vận Thành ủy"
    assert [t["code"] for t in d["themes"]] == ["1", "2", "3", "4", "5", "6"]
    assert d["themes"][1]["title"].startswith("Quảng bá hình ảnh, tiềm năng, thế mạnh")
    assert d["slogans"] == [
        "Thành phố cảng xanh, văn minh, hiện đại",
        "Thành phố kết nối toàn cầu",
        "chủ động, đồng bộ, kịp thời, sáng tạo, hiệu quả",
        "Năng động - Nghĩa tình",
        "Trung dũng - Quyết thắng",
    ]  # not “6 rõ”, “phủ xanh”, “điểm nóng” nor the Đề án's title
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
    assert d["phases"] == [
        {"code": "1", "title": "Trước ngày bầu cử 15/3/2026", "phase": "before", "line": 12}
    ]
    assert d["themes"] == [
        {
            "code": "1.1",
            "title": "“Ngày hội của toàn dân”",
            "key_dates": ["2026-03-15"],
            "slogans": ["Ngày hội của toàn dân"],
            "line": 13,
            "phase": "before",
            "ref": "II.1.1",
            "text": "Trước ngày bầu cử 15/3/2026\n“Ngày hội của toàn dân”",
        }
    ]


def test_attached_second_document_is_listed() -> None:
    main = HD21.read_text(encoding="utf-8")
    attached = "\n\nPHỤ LỤC\nDanh mục sản phẩm truyền thông\n\nI. NỘI DUNG\n1. Video clip\n"
    d = parse(main + attached)
    (appendix,) = d["attachments"]
    first = len(main.split("\n")) + 2  # the file line of "PHỤ LỤC"
    assert {k: appendix[k] for k in ("number", "date", "doc_type", "title", "lines")} == {
        "number": None,
        "date": None,
        "doc_type": "PHỤ LỤC",
        "title": "Danh mục sản phẩm truyền thông",
        "lines": [first, first + 4],
    }
    assert [(t["title"], t["line"]) for t in appendix["themes"]] == [("Video clip", first + 4)]
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
    assert set(d) >= {"obligations", "deliverables", "channels", "audiences", "languages"}
    assert set(d) >= {"tasks", "events", "phases", "attachments"}
    for key in ("obligations", "deliverables", "channels", "audiences", "languages", "tasks"):
        assert all(isinstance(item["line"], int) and item["line"] >= 1 for item in d[key])
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
    done = subprocess.run(
        [*run, str(KH), "-o", str(draft)], capture_output=True, text=True, check=True
    )
    assert "(4 themes the catalog has, under matches; 2 new)" in done.stderr
    data = yaml.safe_load(draft.read_text(encoding="utf-8"))
    # the plan is in the catalog already (by its file): its code is kept
    assert data["directive"]["code"] == "KH-BTGDVTU-2026"
    assert [(m["theme"], m["catalog"], m["why"]) for m in data["matches"]] == [
        ("1", "dai-hoi-xiv", "already cites KH-BTGDVTU-2026:II.1"),
        ("2", "hai-phong-cang-xanh", "already cites KH-BTGDVTU-2026:II.2"),
        ("3", "thong-tin-chinh-thong", "already cites KH-BTGDVTU-2026:II.3"),
        ("4", "thong-tin-chinh-thong", "already cites KH-BTGDVTU-2026:II.4"),
    ]
    assert [(t["code"], t["directives"]) for t in data["themes"]] == [
        (
            "btgdv-tu-day-manh-truyen-thong-so-va-phu-xanh-thong-tin-tich",
            ["KH-BTGDVTU-2026:II.5"],
        ),
        (
            "btgdv-tu-nang-cao-chat-luong-nguon-nhan-luc-thong-tin-doi-ngoai",
            ["KH-BTGDVTU-2026:II.6"],
        ),
    ]
    assert data["themes"][0]["facts"] == []
    with pytest.raises(ValidationFailed) as err:
        check_catalog(draft)
    assert any(p.startswith(f"{draft}:") and "themes[0].facts" in p for p in err.value.problems)
    assert any("themes[1].key_messages" in p for p in err.value.problems)


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


COVER = (
    "ĐẢNG BỘ THÀNH PHỐ HẢI PHÒNG\nĐẢNG ỦY PHƯỜNG LÊ CHÂN\n*\nSố 12-CV/ĐU\n"
    "Hải Phòng, ngày 5 tháng 8 năm 2025\n\nCÔNG VĂN\nTriển khai công tác thông tin đối ngoại"
    " về Đại hội XIV\n\nThực hiện Hướng dẫn số 21-HD/BTGDVTW ngày 23/7/2025 của Ban Tuyên "
    "giáo và Dân vận Trung ương, Đảng ủy phường hướng dẫn như sau:\n\nI. NỘI DUNG\n"
    "1. Quán triệt Hướng dẫn kèm theo\n- Các chi bộ quán triệt toàn văn Hướng dẫn tới đảng "
    "viên.\n"
)


def test_a_wrapped_guidance_is_read_as_a_document_of_its_own() -> None:
    """A ward's letter that wraps the central guidance after its signature: the guidance
    keeps its own header, themes, phases and duties, at the lines of the combined file."""
    letter = COVER + "Nơi nhận:\n- Các chi bộ,\n- Lưu VP.\n\nT/M ĐẢNG ỦY\nBÍ THƯ\n\nNguyễn Văn An"
    n = len(letter.split("\n"))
    d = parse(letter + "\n" + HD21.read_text(encoding="utf-8"))
    assert (d["doc_type"], d["number"], d["signer"]["name"]) == (
        "CÔNG VĂN",
        "12-CV/ĐU",
        "Nguyễn Văn An",
    )
    assert [t["title"] for t in d["themes"]] == ["Quán triệt Hướng dẫn kèm theo"]
    assert d["obligations"] == [] and d["phases"] == []
    (wrapped,) = d["attachments"]
    assert (wrapped["doc_type"], wrapped["number"], wrapped["date"]) == (
        "HƯỚNG DẪN",
        "21-HD/BTGDVTW",
        "2025-07-23",
    )
    assert wrapped["issuer"] == "Ban Tuyên giáo và Dân vận Trung ương"
    assert wrapped["lines"] == [n + 3, n + 177]  # "BAN CHẤP HÀNH TRUNG ƯƠNG" … the signer
    assert [p["line"] for p in wrapped["phases"]] == [n + 44, n + 54, n + 64]
    assert len(wrapped["themes"]) == 11 and wrapped["themes"][0]["line"] == n + 46
    assert [(o["cadence"], o["line"]) for o in wrapped["obligations"]] == [
        (None, n + 154),
        ("incident", n + 154),
    ]
    assert wrapped["signer"]["name"] == "Phạm Tất Thắng"
    assert (
        f"text: line {n + 66} continues on line {n + 68} after a page break: joined"
        in (wrapped["warnings"])
    )


def test_a_guidance_pasted_inside_the_body_is_split_off() -> None:
    """The same guidance pasted right into the letter's body (its header as in the
    original): read apart from the letter, which then has no recipients of its own."""
    n = len(COVER.split("\n"))
    d = parse(COVER + "\n" + HD21.read_text(encoding="utf-8"))
    assert [t["title"] for t in d["themes"]] == ["Quán triệt Hướng dẫn kèm theo"]
    assert d["recipients"] == [] and d["tasks"] == []
    (wrapped,) = d["attachments"]
    assert wrapped["number"] == "21-HD/BTGDVTW" and wrapped["lines"][0] == n + 3
    assert len(wrapped["themes"]) == 11 and len(wrapped["recipients"]) == 13


def test_what_follows_the_signature_and_is_no_document_is_named_by_its_lines() -> None:
    main = HD21.read_text(encoding="utf-8")
    n = len(main.split("\n"))
    d = parse(main + "\n\nghi chú của văn thư: đã sao 30 bản\nchuyển các phòng\n")
    assert d["attachments"] == []
    assert d["warnings"][-1] == (
        f"attachments: lines {n + 2}–{n + 3} follow the signature but are no document of "
        "their own (no HƯỚNG DẪN, KẾ HOẠCH … heading): not read"
    )


def test_scanning_debris_page_numbers_and_closing_boilerplate_are_left_out() -> None:
    lines = KH.read_text(encoding="utf-8").split("\n")
    lines[2] = "**KẾ HOẠCH** ^{NHÂN VIỆT NAM}"  # line 3
    lines[41] += " ^{ĐẢNG CỘNG SẢN}"  # line 42, in II.2
    lines[62] = "- 3 -"  # line 63, a blank line between paragraphs of II.5
    closing = (
        "Trên đây là Kế hoạch phối hợp triển khai công tác thông tin đối ngoại năm 2026, "
        "đề nghị các cơ quan, đơn vị “nghiêm túc, kịp thời, hiệu quả, đúng tiến độ” thực hiện./."
    )
    lines[164] = closing  # line 165, before "Nơi nhận"
    d = parse("\n".join(lines))
    assert d["title"] == "Phối hợp triển khai công tác thông tin đối ngoại năm 2026"
    assert "text: line 3: scanning debris '^{NHÂN VIỆT NAM}' dropped" in d["warnings"]
    assert "text: line 42: scanning debris '^{ĐẢNG CỘNG SẢN}' dropped" in d["warnings"]
    assert "text: line 63: page number '- 3 -' dropped" in d["warnings"]
    everything = json.dumps({k: v for k, v in d.items() if k != "warnings"}, ensure_ascii=False)
    assert "^{" not in everything and "Trên đây là" not in everything
    assert "nghiêm túc, kịp thời, hiệu quả, đúng tiến độ" not in d["slogans"]
    assert d["tasks"][-1]["line"] == 164  # the last task is the plan's own last paragraph
    section5 = d["sections"][1]["children"][4]
    assert section5["code"] == "5" and "3 -" not in section5["bullets"]


def test_map_before_adding_by_words_when_no_theme_cites_the_section() -> None:
    """As if 05-HD/ĐU were new to the catalog (no theme cites it): each of its five themes
    is proposed for the catalog theme it shares the most telling words with."""
    from phuxanh.catalog.directives import catalog_draft
    from phuxanh.catalog.themes import catalog_for_matching

    catalog, unread = catalog_for_matching(TEXTS.parent.parent)
    assert unread == [] and len(catalog) == 5
    for theme in catalog:
        theme["directives"] = []
    draft = catalog_draft(read(HD05), source_file=HD05.name, catalog=catalog)
    assert [(m["theme"], m["catalog"], m["add_ref"]) for m in draft["matches"]] == [
        ("1", "dai-hoi-xiv", "05-HD/ĐU:II.1"),
        ("1.2", "bau-cu-2026", "05-HD/ĐU:II.1.2"),
        ("1.3", "doi-ngoai-apec-2027", "05-HD/ĐU:II.1.3"),
        ("1.4", "hai-phong-cang-xanh", "05-HD/ĐU:II.1.4"),
        ("1.5", "thong-tin-chinh-thong", "05-HD/ĐU:II.1.5"),
    ]
    assert draft["matches"][1]["why"].startswith("shares “bau cu”")
    assert draft["themes"] == []
    # the plan's digital-media and training themes are close to none: they are new
    kh = catalog_draft(read(KH), source_file="plan.txt", catalog=catalog)
    assert [t["directives"][0].split(":")[1] for t in kh["themes"]][-2:] == ["II.5", "II.6"]


def test_new_theme_codes_carry_the_issuing_unit() -> None:
    from phuxanh.catalog.directives import catalog_draft
    from phuxanh.catalog.matching import unit_slug

    assert unit_slug("Đảng uỷ trường Đại học Y Dược Hải Phòng") == "du-dh-y-duoc-hai-phong"
    assert unit_slug("Ban Tuyên giáo và Dân vận Thành ủy") == "btgdv-tu"
    assert unit_slug(None) == "don-vi"

    def ward(name: str) -> list[str]:
        text = (
            f"ĐẢNG BỘ THÀNH PHỐ HẢI PHÒNG\nĐẢNG ỦY PHƯỜNG {name}\nSố 03-KH/ĐU\n"
            "Hải Phòng, ngày 2 tháng 3 năm 2026\n\nKẾ HOẠCH\nThông tin đối ngoại năm 2026\n\n"
            "I. NỘI DUNG\n1. Chuyển đổi số trong thông tin đối ngoại\n- Trang tin của phường.\n"
        )
        return [t["code"] for t in catalog_draft(parse(text), catalog=[])["themes"]]

    assert ward("LÊ CHÂN") == ["du-phuong-le-chan-chuyen-doi-so-trong-thong-tin-doi-ngoai"]
    assert ward("HỒNG BÀNG") == ["du-phuong-hong-bang-chuyen-doi-so-trong-thong-tin-doi-ngoai"]
