"""Duties in the import: reporting obligations, products, channels, audiences, languages,
tasks and events, against what a reader finds in the shipped directives (the expectations
are written from reading content/directives/text/, line by line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from phuxanh.catalog.directives import clean_line, parse

TEXTS = Path(__file__).resolve().parent.parent / "content" / "directives" / "text"
HD21 = TEXTS / "21-HD-BTGDVTW_2025-07-23_TTDN-Dai-hoi-XIV.txt"
HD05 = TEXTS / "05-HD-DU_2026_TTDN-nam-2026_DH-Y-Duoc-HP.txt"
KH = TEXTS / "KH-BTGDVTU_2026_Phoi-hop-TTDN-nam-2026_Hai-Phong.txt"
PROVINCES = (
    "Ban Tuyên giáo và Dân vận các tỉnh ủy, thành ủy, đảng ủy trực thuộc Trung ương; "
    "Ban Chỉ đạo công tác thông tin đối ngoại các tỉnh, thành phố"
)


def read(path: Path) -> dict:
    return parse(path.read_text(encoding="utf-8"))


def duty(o: dict) -> tuple:
    return (o["who"], o["what"], o["to"], o["cadence"], o["due"], o["line"])


def test_city_plan_reports_monthly_quarterly_half_yearly_yearly_and_on_incidents() -> None:
    """KH line 160: "Định kỳ hằng tháng, quý, 6 tháng và năm, các cơ quan, đơn vị, địa
    phương báo cáo kết quả thực hiện về Ban Tuyên giáo và Dân vận Thành ủy …; đồng thời kịp
    thời báo cáo các vụ việc phức tạp, nhạy cảm phát sinh …"."""
    units, btg = "các cơ quan, đơn vị, địa phương", "Ban Tuyên giáo và Dân vận Thành ủy"
    done = "báo cáo kết quả thực hiện"
    incident = (
        "báo cáo các vụ việc phức tạp, nhạy cảm phát sinh liên quan đến công tác thông tin "
        "đối ngoại trên địa bàn"
    )
    obligations = read(KH)["obligations"]
    assert [duty(o) for o in obligations] == [
        (units, done, btg, "month", None, 160),
        (units, done, btg, "quarter", None, 160),
        (units, done, btg, "half", None, 160),
        (units, done, btg, "year", None, 160),
        (units, incident, btg, "incident", None, 160),
    ]
    assert obligations[0]["text"].startswith("Định kỳ hằng tháng, quý, 6 tháng và năm")
    assert obligations[4]["text"].startswith("đồng thời kịp thời báo cáo")


def test_university_reports_each_quarter_and_year_by_their_due_dates() -> None:
    """05-HD line 112: "Phòng Hợp tác quốc tế chủ động thực hiện báo cáo kết quả về Đảng uỷ
    Nhà trường (qua Văn phòng Đảng uỷ) báo cáo quý gửi trước 10/6 và báo cáo năm gửi trước
    ngày 15/11" (the year comes from the title: năm 2026)."""
    to = "Đảng uỷ Nhà trường (qua Văn phòng Đảng uỷ)"
    assert [duty(o) for o in read(HD05)["obligations"]] == [
        ("Phòng Hợp tác quốc tế", "báo cáo kết quả", to, "quarter", "2026-06-10", 112),
        ("Phòng Hợp tác quốc tế", "báo cáo kết quả", to, "year", "2026-11-15", 112),
    ]


def test_central_guidance_reports_periodically_and_on_request() -> None:
    """21-HD line 154, under "7. Ban Tuyên giáo và Dân vận các tỉnh ủy …": "Thực hiện chế
    độ báo cáo định kỳ … về Ban Tuyên giáo và Dân vận Trung ương hoặc đột xuất khi có yêu
    cầu". The clause has no subject: the unit is its heading's. 'Định kỳ' names no period:
    cadence null."""
    what, to = "báo cáo định kỳ kết quả triển khai", "Ban Tuyên giáo và Dân vận Trung ương"
    assert [duty(o) for o in read(HD21)["obligations"]] == [
        (PROVINCES, what, to, None, None, 154),
        (PROVINCES, what, to, "incident", None, 154),
    ]


def test_products_asked_for() -> None:
    kinds = [(x["kind"], x["text"], x["line"]) for x in read(HD21)["deliverables"]]
    # line 78: "chuyên trang, chuyên mục đa ngữ …; sản xuất phim tài liệu, phóng sự, bản
    # tin, video clip, podcast"; line 152: "Bộ infographic, video clip ngắn, bộ nhận diện
    # truyền thông"
    assert [k for k in kinds if k[2] == 78] == [
        ("clip", "video clip", 78),
        ("film", "phim tài liệu", 78),
        ("reportage", "phóng sự", 78),
        ("newsletter", "bản tin", 78),
        ("podcast", "podcast", 78),
        ("page", "chuyên trang, chuyên mục", 78),
    ]
    assert [k for k in kinds if k[2] == 152] == [
        ("infographic", "infographic", 152),
        ("clip", "video clip ngắn", 152),
        ("identity", "bộ nhận diện truyền thông", 152),
    ]
    assert ("press-release", "thông cáo báo chí", 104) in kinds
    assert ("press-conference", "họp báo", 82) in kinds
    # KH line 60: "video ngắn, infographic, podcast, clip đa ngôn ngữ, bản tin số"
    assert [(x["kind"], x["line"]) for x in read(KH)["deliverables"] if x["line"] == 60] == [
        ("infographic", 60),
        ("clip", 60),
        ("newsletter", 60),
        ("podcast", 60),
    ]
    assert read(HD05)["deliverables"] == []  # the university names no product


def test_channels() -> None:
    hd21 = [(x["kind"], x["text"], x["line"]) for x in read(HD21)["channels"]]
    # line 78: "… trên các kênh báo chí, phát thanh, truyền hình đối ngoại và các nền tảng số"
    assert {k for k in hd21 if k[2] == 78} == {
        ("press", "cơ quan báo chí", 78),
        ("social", "nền tảng số", 78),
        ("radio", "phát thanh", 78),
        ("tv", "truyền hình", 78),
    }
    assert ("direct", "tuyên truyền miệng", 86) in hd21
    # "các hãng thông tấn" (114) are foreign press, an audience; "thông cáo báo chí" (104)
    # is a product: neither is a press channel
    assert not [k for k in hd21 if k[0] == "press" and k[2] in (104, 114)]
    hd05 = [(x["kind"], x["line"]) for x in read(HD05)["channels"]]
    assert ("portal", 106) in hd05 and ("portal", 112) in hd05  # "trang thông tin điện tử"
    kh = [(x["kind"], x["text"], x["line"]) for x in read(KH)["channels"]]
    assert ("portal", "Cổng Thông tin điện tử", 126) in kh
    assert ("direct", "sinh hoạt chi bộ", 150) in kh


def test_audiences() -> None:
    hd05 = {(x["kind"], x["text"], x["line"]) for x in read(HD05)["audiences"]}
    assert {
        ("overseas-vietnamese", "kiều bào", 28),
        ("public", "cử tri", 46),
        ("investors", "nhà đầu tư", 76),
        ("youth", "thế hệ trẻ", 82),
        ("foreign-press", "báo chí nước ngoài", 86),
        ("members", "đảng viên", 112),
    } <= hd05
    hd21 = {(x["kind"], x["line"]) for x in read(HD21)["audiences"]}
    assert {("ethnic-minorities", 86), ("diplomatic", 82), ("scholars", 82)} <= hd21
    kh = {(x["kind"], x["line"]) for x in read(KH)["audiences"]}
    assert {("tourists", 18), ("investors", 140), ("officials", 72)} <= kh


def test_languages_many_but_none_named() -> None:
    hd21 = [(x["code"], x["multilingual"], x["text"], x["line"]) for x in read(HD21)["languages"]]
    assert hd21 == [
        (None, True, "đa ngữ", 78),
        (None, True, "nhiều ngôn ngữ", 96),
        (None, True, "nhiều ngôn ngữ", 108),
        (None, True, "đa ngôn ngữ", 140),
    ]
    assert [x["line"] for x in read(KH)["languages"]] == [28, 60, 128, 132]
    assert read(HD05)["languages"] == []
    named = parse(
        "KẾ HOẠCH\nThông tin đối ngoại\n\nI. NỘI DUNG\n1. Sản phẩm\n"
        "- Bản tin bằng tiếng Anh và tiếng Trung Quốc; ấn phẩm song ngữ.\n"
    )["languages"]
    assert [(x["code"], x["multilingual"], x["line"]) for x in named] == [
        (None, True, 6),
        ("en", False, 6),
        ("zh", False, 6),
    ]


def test_tasks_by_unit() -> None:
    def per_unit(path: Path) -> list[tuple[str | None, int]]:
        counts: dict[str | None, int] = {}
        for t in read(path)["tasks"]:
            counts[t["unit"]] = counts.get(t["unit"], 0) + 1
        return list(counts.items())

    # 21-HD IV: seven numbered units, each with its paragraphs
    assert per_unit(HD21) == [
        ("Ban Tuyên giáo và Dân vận Trung ương", 4),
        ("Bộ Ngoại giao", 4),
        ("Bộ Văn hóa, Thể thao và Du lịch", 5),
        ("Bộ Công an", 3),
        ("Mặt trận Tổ quốc Việt Nam và các đoàn thể Trung ương", 2),
        (
            "Các cơ quan báo chí đối ngoại; cơ quan thường trú nước ngoài của các cơ quan "
            "thông tấn, báo chí",
            3,
        ),
        (PROVINCES, 4),
    ]
    kh = read(KH)["tasks"]
    assert [(t["unit"], t["line"]) for t in kh if t["line"] >= 154] == [
        ("Các cơ quan, đơn vị, địa phương", 154),
        ("Đảng ủy UBND thành phố", 156),
        ("các cơ quan, đơn vị, địa phương", 158),  # after "Trong quá trình triển khai,"
        ("các cơ quan, đơn vị, địa phương", 160),  # after "Định kỳ hằng tháng, … năm,"
        ("Ban Tuyên giáo và Dân vận Thành ủy", 162),
        (None, 164),  # "Định kỳ tổ chức sơ kết, tổng kết …": no unit named
    ]
    assert kh[-1]["text"].endswith("trong quá trình triển khai thực hiện")  # no "./"
    # 05-HD III: "1. Căn cứ hướng dẫn của Đảng uỷ, các Chi bộ trực thuộc triển khai …"
    hd05 = [(t["unit"], t["line"]) for t in read(HD05)["tasks"]]
    assert hd05 == [
        ("các Chi bộ trực thuộc", 98),
        ("các Chi bộ trực thuộc", 100),
        ("các Chi bộ trực thuộc", 102),
        ("các Chi bộ trực thuộc", 104),
        (None, 106),
        (None, 108),
        (None, 110),
        ("các Chi bộ trực thuộc", 112),
        ("Phòng Hợp tác quốc tế", 112),  # its own clause after ";"
    ]


def test_events_in_words_and_acronyms_with_their_dates() -> None:
    def events(path: Path) -> list[tuple]:
        return [(e["name"], e["year"], e["date"], e["line"]) for e in read(path)["events"]]

    assert events(HD21) == [
        ("Đại hội đại biểu toàn quốc lần thứ XIV của Đảng", None, None, 16),
    ]
    election = (
        "bầu cử đại biểu Quốc hội khoá XVI và đại biểu Hội đồng nhân dân các cấp nhiệm kỳ "
        "2026 - 2031"
    )
    # "Nghị quyết số 59-NQ/TW ngày 24/01/2025" on line 16 is a document's date, no event's
    assert events(HD05) == [
        ("Đại hội đại biểu toàn quốc lần thứ XIV của Đảng", None, None, 16),
        ("Đại hội của Đảng bộ Ủy ban nhân dân Thành phố lần thứ I", None, None, 16),
        ("Đại hội đại biểu Đảng bộ Trường Đại học Y Dược Hải Phòng lần thứ XVII", None, None, 16),
        ("Đại hội đại biểu Đảng bộ thành phố lần thứ I", None, None, 40),
        (election, 2026, "2026-03-15", 42),  # the date is on line 46: "(ngày 15/3/2026)"
        ("APEC 2027", 2027, None, 58),
        ("Đại hội XIII của Đảng", None, None, 64),
    ]
    assert events(KH) == [
        ("Đại hội XIV của Đảng", None, None, 16),
        ("Đại hội Đảng bộ thành phố lần thứ I", None, None, 16),
        ("APEC 2027", 2027, None, 42),
    ]


@pytest.mark.parametrize("path", [HD21, HD05, KH], ids=lambda p: p.name[:5])
def test_every_item_is_on_its_line(path: Path) -> None:
    """Each item's words are on the line it names (or on the line a page break cut it to)."""
    lines = [clean_line(line) for line in path.read_text(encoding="utf-8").split("\n")]
    d = parse(path.read_text(encoding="utf-8"))

    def near(line: int) -> str:
        return " ".join(lines[line - 1 : line + 2])

    for key in ("deliverables", "channels", "audiences", "languages"):
        for item in d[key]:
            assert item["text"] in near(item["line"]), (key, item)
    for key in ("obligations", "tasks"):
        for item in d[key]:
            assert item["text"][:30] in near(item["line"]), (key, item)
    for theme in d["themes"]:
        assert theme["title"][:30] in lines[theme["line"] - 1], theme
    for event in d["events"]:
        assert event["name"].split()[0] in lines[event["line"] - 1], event
