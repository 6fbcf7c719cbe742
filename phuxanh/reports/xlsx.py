"""The report's tables as XLSX: summary, by theme, by channel, by audience and language,
waves, "6 rõ", top posts, the incidents answered ("Xử lý thông tin": one row per incident
opened in the period, its header alone when there were none, so every report has the same
sheets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from phuxanh.reports.layout import SIX_COLUMNS, SUBJECT
from phuxanh.reports.model import Report, Row
from phuxanh.reports.wording import (
    CHANNEL_KINDS,
    INCIDENT_STATUS_VI,
    PRODUCT_KINDS,
    SEVERITY_VI,
)

HEAD = PatternFill("solid", fgColor="0B4F8A")


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), HEAD
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        ws.append(row)
    for i, name in enumerate(header, 1):
        longest = max([len(str(name))] + [len(str(r[i - 1] or "")) for r in rows])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(10, longest + 2))
    ws.freeze_panes = "A2"


COLUMNS = [
    "Mã",
    "Tên",
    "Kế hoạch (lượt đăng)",
    "Đã duyệt",
    "Tin, bài, sản phẩm",
    "Lượt đăng",
    "Còn thiếu",
    "Tiếp cận",
    "Lượt xem",
    "Tương tác",
]


def _rows(rows: list[Row]) -> list[list[Any]]:
    return [
        [
            r.code,
            r.name,
            r.planned,
            r.approved,
            r.products,
            r.published,
            r.shortfall,
            r.reach,
            r.views,
            r.engagement,
        ]
        for r in rows
    ]


def _kinds(report: Report) -> list[list[Any]]:
    """Products by kind (each counted once), then publications by the kind of channel."""
    order = {kind: i for i, kind in enumerate(PRODUCT_KINDS)}
    rows: list[list[Any]] = [
        [kind, PRODUCT_KINDS.get(kind, kind), count, None]
        for kind, count in sorted(
            report.kinds.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])
        )
    ]
    rows += [
        [kind, label, None, report.channel_kinds[kind]]
        for kind, label in CHANNEL_KINDS.items()
        if kind in report.channel_kinds
    ]
    return rows


AUDIENCE_SHEET = "Theo đối tượng, ngôn ngữ"
AUDIENCE_COLUMNS = [
    "Theo",
    "Mã",
    "Tên",
    "Tin, bài, sản phẩm",
    "Lượt đăng",
    "Tiếp cận",
    "Lượt xem",
    "Tương tác",
]


def _audiences(report: Report) -> list[list[Any]]:
    """A row per audience (a publication for several counts under each), then a row per
    language (the channel's first; these add up to the publications)."""
    return [
        [kind, r.code, r.name, r.products, r.published, r.reach, r.views, r.engagement]
        for kind, rows in (("Đối tượng", report.audiences), ("Ngôn ngữ", report.languages))
        for r in rows
    ]


INCIDENT_COLUMNS = [
    "Mã vụ việc",
    "Tiêu đề",
    "Ghi nhận lúc",
    "Mức độ",
    "Thời hạn mục tiêu (phút)",
    "Thông tin chính thức đăng lúc",
    "Thời gian xử lý (phút)",
    "Quá thời hạn",
    "Trạng thái",
]


def _incidents(report: Report) -> list[list[Any]]:
    """One row per incident opened in the period (never a field about a private person:
    an incident holds none); times in the report's time zone, as the cells show them."""
    return [
        [
            i.id,
            i.title,
            i.opened_at.replace(tzinfo=None, microsecond=0),
            SEVERITY_VI.get(i.severity, i.severity),
            i.target_minutes,
            i.first_live_at.replace(tzinfo=None, microsecond=0) if i.first_live_at else None,
            i.minutes,
            "có" if i.breached else "không",
            INCIDENT_STATUS_VI.get(i.status, i.status),
        ]
        for i in report.incidents
    ]


def write_xlsx(report: Report, out: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Tổng hợp"
    t = report.totals
    for line in [
        [f"BÁO CÁO {SUBJECT} {report.period.label_vi}".upper()],
        ["Đơn vị", report.unit],
        ["Kỳ báo cáo", report.period.code],
        ["Từ ngày", report.period.start],
        ["Đến ngày", report.period.end],
        ["Lượt đăng theo kế hoạch", t.planned],
        ["Bài đã duyệt", t.approved],
        ["Tin, bài, sản phẩm đã đăng", t.products],
        ["Lượt đăng", t.published],
        ["Lượt tiếp cận", t.reach],
        ["Lượt xem", t.views],
        ["Lượt tương tác", t.engagement],
        ["Lập ngày", report.generated_on],
        ["Mã đối chiếu nhật ký thao tác", report.audit_head],
    ]:
        ws.append(line)
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 28, 60
    for row in ws.iter_rows(min_col=1, max_col=2):
        if row[0].value in ("Từ ngày", "Đến ngày", "Lập ngày"):
            row[1].number_format = "DD/MM/YYYY"
    _sheet(wb, "Theo chủ đề", COLUMNS, _rows(report.themes))
    _sheet(wb, "Theo kênh", COLUMNS, _rows(report.channels))
    if report.units:
        _sheet(wb, "Theo đơn vị", COLUMNS, _rows(report.units))
    _sheet(wb, AUDIENCE_SHEET, AUDIENCE_COLUMNS, _audiences(report))
    _sheet(wb, "Theo loại", ["Loại", "Tên", "Tin, bài, sản phẩm", "Lượt đăng"], _kinds(report))
    _sheet(
        wb,
        "Đợt cao điểm",
        ["Đợt", "Từ", "Đến", "Ngày chính", "Đã đăng", "Kế hoạch"],
        [
            [w["name"], w["from"], w["to"], w["date"], w["published"], w["planned"]]
            for w in report.waves
        ],
    )
    _sheet(
        wb,
        "6 rõ",
        [c.capitalize() for c in SIX_COLUMNS],
        [[row[c] for c in SIX_COLUMNS] for row in report.six],
    )
    _sheet(
        wb,
        "Bài nổi bật",
        ["Kênh", "Nền tảng", "Ngày đăng", "Tiếp cận", "Lượt xem", "Nội dung", "Liên kết"],
        [
            [
                p["channel"],
                p["platform"],
                p["published"].replace(tzinfo=None) if p["published"] else None,
                p["reach"],
                p["views"],
                p["text"],
                p["url"],
            ]
            for p in report.top_posts
        ],
    )
    _sheet(wb, "Xử lý thông tin", INCIDENT_COLUMNS, _incidents(report))
    for row in wb["Xử lý thông tin"].iter_rows(min_row=2, min_col=3, max_col=6):
        for cell in (row[0], row[3]):
            cell.number_format = "HH:MM DD/MM/YYYY"
    _sheet(
        wb,
        "Đánh giá",
        ["Loại", "Nội dung"],
        [["Ưu điểm", s] for s in report.strengths]
        + [["Hạn chế", g] for g in report.gaps]
        + [["Phương hướng", s] for s in report.next_steps],
    )
    wb.save(out)
