"""Interface strings in Vietnamese (default) and English; every key exists in both."""

from __future__ import annotations

from typing import Any

import streamlit as st

STRINGS: dict[str, dict[str, str]] = {
    "vi": {
        "app.lang": "Ngôn ngữ",
        "nav.queue": "Hàng chờ duyệt",
        "nav.calendar": "Lịch nội dung",
        "nav.coverage": "Độ phủ chủ đề",
        "nav.metrics": "Hiệu quả",
        "nav.audit": "Nhật ký",
        "auth.title": "Đăng nhập",
        "auth.user": "Tên đăng nhập",
        "auth.password": "Mật khẩu",
        "auth.sign_in": "Đăng nhập",
        "auth.sign_out": "Đăng xuất",
        "auth.as": "Đang dùng: {who}",
        "auth.needed": "Đăng nhập để duyệt, từ chối hoặc đổi lịch.",
        "queue.status": "Trạng thái",
        "queue.unit": "Đơn vị",
        "queue.theme": "Chủ đề",
        "queue.all": "Tất cả",
        "queue.count": "{n} mục",
        "queue.empty": "Không có mục nào.",
        "queue.source": "Nguồn: {source} ({ref})",
        "queue.approve": "Duyệt",
        "queue.reject": "Từ chối",
        "queue.reason": "Lý do từ chối",
        "queue.changes": "Yêu cầu sửa",
        "queue.comment": "Nội dung cần sửa",
        "queue.reschedule": "Đổi lịch",
        "queue.date": "Ngày",
        "queue.time": "Giờ",
        "queue.bulk": "Duyệt tất cả {n} mục đang lọc",
        "queue.done": "Đã cập nhật mục #{id}.",
        "queue.bulk_done": "Đã duyệt {ok} mục; {bad} mục không duyệt được.",
        "audit.title": "Nhật ký thao tác",
        "audit.intact": "Chuỗi băm nguyên vẹn.",
        "audit.broken": "Chuỗi băm bị sửa từ dòng {row}.",
        "audit.download": "Tải CSV",
        "audit.empty": "Chưa có thao tác nào.",
    },
    "en": {
        "app.lang": "Language",
        "nav.queue": "Review queue",
        "nav.calendar": "Content calendar",
        "nav.coverage": "Theme coverage",
        "nav.metrics": "Results",
        "nav.audit": "Audit log",
        "auth.title": "Sign in",
        "auth.user": "Username",
        "auth.password": "Password",
        "auth.sign_in": "Sign in",
        "auth.sign_out": "Sign out",
        "auth.as": "Signed in: {who}",
        "auth.needed": "Sign in to approve, reject or reschedule.",
        "queue.status": "Status",
        "queue.unit": "Unit",
        "queue.theme": "Theme",
        "queue.all": "All",
        "queue.count": "{n} items",
        "queue.empty": "No items.",
        "queue.source": "Source: {source} ({ref})",
        "queue.approve": "Approve",
        "queue.reject": "Reject",
        "queue.reason": "Reason for rejecting",
        "queue.changes": "Request changes",
        "queue.comment": "What to change",
        "queue.reschedule": "Reschedule",
        "queue.date": "Date",
        "queue.time": "Time",
        "queue.bulk": "Approve all {n} filtered items",
        "queue.done": "Item #{id} updated.",
        "queue.bulk_done": "Approved {ok} items; {bad} could not be approved.",
        "audit.title": "Audit log",
        "audit.intact": "The hash chain is intact.",
        "audit.broken": "The hash chain is broken from row {row}.",
        "audit.download": "Download CSV",
        "audit.empty": "Nothing has happened yet.",
    },
}
STATUS = {
    "vi": {
        "planned": "Đã lên lịch",
        "draft": "Bản nháp",
        "in_review": "Chờ duyệt",
        "changes_requested": "Cần sửa",
        "approved": "Đã duyệt",
        "scheduled": "Chờ đăng",
        "published": "Đã đăng",
        "rejected": "Từ chối",
        "failed": "Lỗi",
    },
    "en": {
        "planned": "Planned",
        "draft": "Draft",
        "in_review": "In review",
        "changes_requested": "Changes requested",
        "approved": "Approved",
        "scheduled": "Scheduled",
        "published": "Published",
        "rejected": "Rejected",
        "failed": "Failed",
    },
}


def lang() -> str:
    return str(st.session_state.get("lang", "vi"))


def t(key: str, **values: Any) -> str:
    return STRINGS[lang()][key].format(**values)


def status(value: str) -> str:
    return STATUS[lang()].get(value, value)
