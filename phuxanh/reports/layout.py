"""What the writers share (`docx`, `pdf`, `xlsx`): a report as DOCX and PDF in the
Vietnamese administrative layout, and as XLSX tables.

Layout (Nghị định 30/2020/NĐ-CP, as offices use it for Party and state reports): the
issuing body top left with the number placeholder, the national or Party heading top
right with place and date, the title "BÁO CÁO" and its subject, numbered sections, the
recipients ("Nơi nhận:") bottom left and the signature block bottom right. DOCX names
Times New Roman 13-14 pt; the PDF embeds Tinos (same metrics, OFL, full Vietnamese).
"""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from pydantic import BaseModel

from phuxanh.media.text import load_font
from phuxanh.reports.model import Report, Row
from phuxanh.reports.wording import by_audience, by_kind, n, pct, responses

FONTS = Path(__file__).resolve().parents[2] / "assets" / "fonts"
SUBJECT = "Kết quả công tác thông tin đối ngoại"


def heading(report: Report) -> tuple[list[str], list[str], str]:
    """(left lines, right lines, place and date line)."""
    left = [*report.spec.issuer, "*", report.spec.number]
    right = (
        ["ĐẢNG CỘNG SẢN VIỆT NAM"]
        if report.spec.party
        else ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    )
    d = report.generated_on
    place = f"{report.spec.place}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"
    return left, right, place


def sections(report: Report) -> list[tuple[str, list[str]]]:
    """The report's body as (section title, paragraphs)."""
    t = report.totals
    scope = (
        f"{report.unit} và {len(report.units) - 1} đơn vị trực thuộc"
        if len(report.units) > 1
        else report.unit
    )
    results = [
        f"Trong {report.period.label_vi}, {scope} đã lên kế hoạch {t.planned} lượt đăng, "
        f"duyệt {t.approved} bài và đăng {t.products} tin, bài, sản phẩm với "
        f"{t.published} lượt đăng ({pct(t.published, t.planned)} kế hoạch) trên "
        f"{len(report.channels)} kênh chính thức; tổng lượt tiếp cận {n(t.reach)}, "
        f"lượt xem {n(t.views)}, lượt tương tác {n(t.engagement)}.",
        *by_kind(report),
    ]
    for i, row in enumerate(report.themes, 1):
        results.append(
            f"{i}. {row.name}: {row.products} tin, bài, sản phẩm; "
            f"{row.published}/{row.planned} lượt đăng; "
            f"{n(row.reach)} lượt tiếp cận; {n(row.engagement)} tương tác."
        )
    for w in report.waves:
        results.append(
            f"Đợt cao điểm “{w['name']}” ({w['from']:%d/%m} - {w['to']:%d/%m/%Y}): "
            f"đăng {w['published']}/{w['planned']} bài trong kỳ."
        )
    results += by_audience(report)  # by audience and by language
    results += responses(report)  # incidents and their response times, if there were any
    assessment = [f"Ưu điểm: {s}" for s in report.strengths] or ["Ưu điểm: —"]
    assessment += [f"Hạn chế: {g}" for g in report.gaps] or ["Hạn chế: chưa phát hiện."]
    return [
        ("I. KẾT QUẢ THỰC HIỆN", results),
        ("II. ĐÁNH GIÁ CHUNG", assessment),
        ("III. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI", [f"- {s}" for s in report.next_steps]),
    ]


SIX_COLUMNS = ["việc", "người", "trách nhiệm", "tiến độ", "sản phẩm", "hiệu quả"]
# the rolled-up report's table, a row per unit (`report --unit U --rollup`)
UNIT_COLUMNS = [
    "Đơn vị",
    "Kế hoạch (lượt đăng)",
    "Đã duyệt",
    "Tin, bài, sản phẩm",
    "Lượt đăng",
    "Lượt tiếp cận",
    "Còn thiếu",
]


def unit_table(report: Report) -> list[list[str]]:
    """The per-unit table as text cells, with a total line (empty unless rolled up)."""
    if not report.units:
        return []

    def cells(r: Row, name: str) -> list[str]:
        counts = (r.planned, r.approved, r.products, r.published)
        return [name, *(str(x) for x in counts), n(r.reach), str(r.shortfall)]

    rows = [cells(r, r.name) for r in report.units]
    rows.append(cells(report.totals, "Tổng cộng"))
    return rows


def audit_line(report: Report) -> str:
    """The audit log's head, printed at the end so it lives outside the database too."""
    return f"Mã đối chiếu nhật ký thao tác (phuxanh audit verify --head): {report.audit_head}"


def chart_png(report: Report, width: int = 1400) -> bytes:
    """Published against planned, and reach, by theme: a horizontal bar chart."""
    rows = report.themes or []
    bar_h, gap, left = 26, 30, 520
    height = 110 + len(rows) * (2 * bar_h + gap)
    img = Image.new("RGB", (width, max(height, 200)), "white")
    draw = ImageDraw.Draw(img)
    font = load_font(str(FONTS / "Tinos-Regular.ttf"), 24)
    bold = load_font(str(FONTS / "Tinos-Bold.ttf"), 26)
    draw.text(
        (20, 16), "Số bài đăng / kế hoạch và lượt tiếp cận theo chủ đề", font=bold, fill="black"
    )
    most = max([r.planned for r in rows] + [r.published for r in rows] + [1])
    reach_most = max([r.reach or 0 for r in rows] + [1])
    span = width - left - 260
    y = 70
    for r in rows:
        label = r.name if len(r.name) <= 44 else r.name[:43] + "…"
        draw.text((20, y + 10), label, font=font, fill="black")
        draw.rectangle([left, y, left + span * r.planned / most, y + bar_h], fill="#cbd5e1")
        draw.rectangle([left, y, left + span * r.published / most, y + bar_h], fill="#0b4f8a")
        draw.text((left + span + 12, y), f"{r.published}/{r.planned} bài", font=font, fill="black")
        y2 = y + bar_h + 4
        draw.rectangle(
            [left, y2, left + span * (r.reach or 0) / reach_most, y2 + bar_h - 8], fill="#e0a800"
        )
        draw.text((left + span + 12, y2 - 2), f"{n(r.reach)} tiếp cận", font=font, fill="black")
        y += 2 * bar_h + gap
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


# What XML 1.0 (DOCX, XLSX) refuses: C0 controls but tab and newline, lone surrogates,
# U+FFFE/U+FFFF; C1 controls (ESC sequences' kin) mean nothing in a report either
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
LONGEST = 32_767  # characters in one XLSX cell; no sentence a report writes comes near it


def clean_text(text: str) -> str:
    """Stored text made fit for every report format: NFC, line ends as newlines, and no
    character XML refuses (a name written by an older version may hold an ESC)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _NOT_TEXT.sub("", text)
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"


def clean(value: Any) -> Any:
    """`value` with every string inside it (dataclasses, pydantic models, lists, dicts)
    passed through `clean_text`; other values as they are."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        return type(value)(clean(v) for v in value)
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value,
            **{f.name: clean(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init},
        )
    if isinstance(value, BaseModel):
        return value.model_copy(
            update={name: clean(getattr(value, name)) for name in type(value).model_fields}
        )
    return value
