"""Errors with codes (phuxanh/core/errors.py, phuxanh/core/messages.py): every code has its
English and Vietnamese text with the same placeholders, every code raised in `phuxanh/` is
in the catalog, a coded error reads in English exactly as it did as a plain string, and
real refusals read in Vietnamese on the desk while the CLI prints the English line."""

from __future__ import annotations

import ast
import datetime as dt
import pickle
import string
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.i18n import describe
from phuxanh import review
from phuxanh.core import auth, messages
from phuxanh.core.errors import (
    InvalidTransition,
    Message,
    NotFound,
    PermissionDenied,
    PhuxanhError,
    ValidationFailed,
)
from phuxanh.core.users import add_user, ensure_unit
from phuxanh.models import Channel, ContentItem, ItemStatus, PubState, Role, Unit, User
from phuxanh.platforms.preview import preview
from phuxanh.publish.resolve import live_url_problem
from phuxanh.reports import figures
from phuxanh.reports.model import parse_period
from tests.helpers import refused

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "dung-mat-khau-1"
T0 = dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)


def placeholders(template: str) -> set[str]:
    return {
        name.split(".")[0].split("[")[0]
        for _text, name, _spec, _conv in string.Formatter().parse(template)
        if name is not None
    }


# --- the catalog ---------------------------------------------------------------------------


def test_every_code_has_both_languages_with_the_same_placeholders() -> None:
    assert len(messages.CATALOG) >= 30
    for code, texts in messages.CATALOG.items():
        assert set(texts) == set(messages.LANGS), code
        assert all(text.strip() for text in texts.values()), code
        assert placeholders(texts["vi"]) == placeholders(texts["en"]), code
        assert texts["vi"] != texts["en"], f"{code}: not translated"


def _sources() -> dict[Path, ast.Module]:
    return {
        path: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted((ROOT / "phuxanh").rglob("*.py"))
    }


def _name(node: ast.expr) -> str | None:
    return (
        node.id
        if isinstance(node, ast.Name)
        else node.attr
        if isinstance(node, ast.Attribute)
        else None
    )


def _error_classes(sources: dict[Path, ast.Module]) -> set[str]:
    """PhuxanhError and every class that derives from it in `phuxanh/`, by name."""
    known = {"PhuxanhError"}
    classes = [
        node
        for tree in sources.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    ]
    while True:
        more = {c.name for c in classes if any(_name(b) in known for b in c.bases)} - known
        if not more:
            return known
        known |= more


def test_every_code_raised_in_phuxanh_is_in_the_catalog_and_every_entry_is_used() -> None:
    raised: dict[str, str] = {}  # code -> where
    constants: set[str] = set()
    sources = _sources()
    errors = _error_classes(sources)
    assert {"ValidationFailed", "SendInDoubt", "SignInRefused"} <= errors
    for path, tree in sources.items():
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and path.name != "messages.py"
            ):
                constants.add(node.value)
            if not isinstance(node, ast.Call):
                continue
            called = _name(node.func)
            for kw in node.keywords:
                if called in errors and kw.arg == "code" and isinstance(kw.value, ast.Constant):
                    raised[str(kw.value.value)] = f"{where}:{node.lineno}"
            if called == "Message" and node.args and isinstance(node.args[0], ast.Constant):
                raised[str(node.args[0].value)] = f"{where}:{node.lineno}"
    assert len(raised) >= 25  # the scan finds the raise sites
    unknown = {code: where for code, where in raised.items() if code not in messages.CATALOG}
    assert unknown == {}
    assert sorted(set(messages.CATALOG) - constants) == []  # no entry nobody raises


def test_the_words_cover_every_status_role_and_decision() -> None:
    vi = messages.WORDS["vi"]
    assert {str(s) for s in ItemStatus} | {str(s) for s in PubState} <= set(vi["status"])
    assert {str(r) for r in Role} == set(vi["role"])
    assert set(vi["decision"]) == {"reject", "request_changes"}
    assert set(messages.KINDS.values()) == set(vi)


def test_a_missing_code_or_language_is_an_error_not_a_fallback() -> None:
    with pytest.raises(KeyError, match=r"not in phuxanh/core/messages\.py"):
        PermissionDenied(code="auth.no_such_code")
    with pytest.raises(KeyError, match="no 'fr' text"):
        PermissionDenied(code="auth.wrong_password").text("fr")
    with pytest.raises(TypeError):
        PermissionDenied("a text", code="auth.wrong_password")
    with pytest.raises(TypeError):
        NotFound("user 'x' does not exist", user="x")  # parameters need a code


# --- coded errors read in English as before -----------------------------------------------


@pytest.mark.parametrize(
    ("exc", "old"),
    [
        (
            InvalidTransition(code="item.not_in_review", id=5, status=ItemStatus.approved),
            "item 5 is approved, not in review",
        ),
        (
            PermissionDenied(
                code="item.may_not_decide",
                user="lan.nguyen",
                role=Role.editor,
                decision="request_changes",
            ),
            "lan.nguyen (editor) may not request_changes items",
        ),
        (
            auth.SignInRefused(code="auth.locked", seconds=30, locked_s=30),
            "too many failed sign-ins: try again in 30 s",
        ),
        (
            ValidationFailed(
                code="publication.not_waiting",
                pub=7,
                status=PubState.published,
                states=(PubState.needs_check, PubState.missed, PubState.failed),
            ),
            "publication 7 is published; only needs_check, missed, failed wait for a person",
        ),
        (
            ValidationFailed(code="period.invalid", field="--period", text="2026-Q5"),
            "--period: '2026-Q5' is not YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY",
        ),
        (
            ValidationFailed(code="publication.url_no_host", field="--live", url="ftp://x"),
            "--live: 'ftp://x' is not the post's http(s) URL (https://… with the platform's host)",
        ),
    ],
)
def test_a_coded_error_reads_exactly_as_the_old_text(exc: PhuxanhError, old: str) -> None:
    assert str(exc) == exc.text() == exc.text("en") == old
    assert exc.code is not None and exc.code in messages.CATALOG
    assert exc.text("vi") != old


def test_code_params_and_plain_errors() -> None:
    exc = InvalidTransition(code="item.not_in_review", id=5, status="approved")
    assert (exc.code, dict(exc.params)) == ("item.not_in_review", {"id": 5, "status": "approved"})
    assert exc.text("vi") == "Mục #5 đang ở trạng thái “Đã duyệt”, không chờ duyệt."
    plain = NotFound("user 'x' does not exist")
    assert (plain.code, dict(plain.params)) == (None, {})
    assert str(plain) == plain.text("vi") == "user 'x' does not exist"
    assert describe(plain, "vi") == "user 'x' does not exist"  # passes through, English
    assert describe(ValueError("boom"), "vi") == "boom"


def test_validation_failed_mixes_plain_and_coded_lines() -> None:
    exc = ValidationFailed(
        ["a.yaml:3: name: empty", Message("item.fact_unsourced", {"id": 4, "fact": "F-12"})]
    )
    assert exc.problems == ["a.yaml:3: name: empty", "item 4: fact without a source: F-12"]
    assert str(exc) == "\n".join(exc.problems)
    assert exc.text("vi").splitlines() == [
        "a.yaml:3: name: empty",
        "Mục #4: dữ kiện F-12 chưa có nguồn.",
    ]
    assert exc.code is None  # the first line is plain
    single = ValidationFailed(code="item.needs_channel_and_time", id=4)
    assert single.problems == ["item 4: needs at least one channel and a time"]
    assert single.code == "item.needs_channel_and_time"


def test_a_coded_error_survives_pickling() -> None:
    """Errors cross process boundaries (workers, flows) pickled: code and lines come back."""
    for exc in (
        InvalidTransition(code="item.not_in_review", id=5, status=ItemStatus.approved),
        ValidationFailed(["plain", Message("item.held", {"id": 1, "reason": "x"})]),
        auth.SignInRefused(code="auth.locked", seconds=30, locked_s=30),
    ):
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is type(exc)
        assert (str(back), back.code, back.text("vi")) == (str(exc), exc.code, exc.text("vi"))
    assert (
        pickle.loads(
            pickle.dumps(auth.SignInRefused(code="auth.locked", seconds=30, locked_s=30))
        ).locked_s
        == 30
    )


def test_caption_limits_keep_their_english_and_read_in_vietnamese() -> None:
    long_x = preview("x", "a" * 300)
    assert long_x.problems == ["X: 300 > 280 weighted characters; shorten by 20"]
    assert [m.text("vi") for m in long_x.messages] == [
        "X: 300 > 280 ký tự (theo cách đếm có trọng số); cần bớt 20."
    ]
    zalo = preview("zalo", "t" * 151 + "\n" + "s" * 301)
    assert zalo.problems == [
        "Zalo OA: title 151 > 150 characters",
        "Zalo OA: summary 301 > 300 characters",
    ]
    tags = preview("instagram", " ".join(f"#t{i}" for i in range(31)))
    assert tags.problems == ["Instagram: 31 hashtags > 30"]
    assert tags.messages[0].text("vi") == "Instagram: 31 hashtag > 30."


def test_every_bad_live_url_has_a_catalog_code() -> None:
    bad = ["https://x.com/a b", "http://[::1", "ftp://x.com/1", "https://u:p@x.com/1"]
    codes = [live_url_problem(url) for url in bad]
    assert codes == [
        "publication.url_unsafe",
        "publication.url_invalid",
        "publication.url_no_host",
        "publication.url_credentials",
    ]
    assert live_url_problem("https://x.com/a/status/1") is None


# --- real refusals against a database -----------------------------------------------------


@pytest.fixture
def desk(engine: Engine) -> Engine:
    """A unit, an editor, an approver, an X channel and a draft with a caption too long."""
    with Session(engine) as s:
        ensure_unit(s, code="ttdn-haiphong", name="TTĐN Hải Phòng")
        add_user(
            s, username="minh.tran", unit_code="ttdn-haiphong", role="approver", password=PASSWORD
        )
        add_user(
            s, username="lan.nguyen", unit_code="ttdn-haiphong", role="editor", password=PASSWORD
        )
        unit = s.exec(select(Unit)).one()
        channel = Channel(
            code="x-ttdn",
            platform="x",
            display_name="TTĐN trên X",
            unit_id=unit.id or 0,
            account_id="1",
            api_base_url="http://127.0.0.1:9",
            credential_ref="env:X_TOKEN",
        )
        s.add(channel)
        s.flush()
        author = s.exec(select(User).where(User.username == "lan.nguyen")).one()
        s.add(
            ContentItem(
                unit_id=unit.id or 0,
                caption="a" * 300,
                author_id=author.id or 0,
                channel_ids=[channel.id or 0],
                scheduled_at=T0 + dt.timedelta(days=1),
            )
        )
        s.commit()
    return engine


def _who(s: Session, name: str) -> User:
    return s.exec(select(User).where(User.username == name)).one()


def test_sign_in_refusals_read_in_vietnamese(desk: Engine) -> None:
    with Session(desk) as s, pytest.raises(auth.SignInRefused) as wrong:
        auth.authenticate(s, username="minh.tran", password="sai", client="10.0.0.1", now=T0)
    assert str(wrong.value) == "wrong username or password"
    assert describe(wrong.value, "vi") == "Sai tên đăng nhập hoặc mật khẩu."
    assert describe(wrong.value, "en") == "wrong username or password"
    for _ in range(4):
        with Session(desk) as s, pytest.raises(auth.SignInRefused):
            auth.authenticate(s, username="minh.tran", password="sai", client="10.0.0.1", now=T0)
    with Session(desk) as s, pytest.raises(auth.SignInRefused) as locked:
        auth.authenticate(s, username="minh.tran", password=PASSWORD, client="10.0.0.1", now=T0)
    assert locked.value.locked_s == 30
    assert str(locked.value) == "too many failed sign-ins: try again in 30 s"
    assert locked.value.text("vi") == "Đăng nhập sai quá nhiều lần: hãy thử lại sau 30 giây."


def test_review_refusals_read_in_vietnamese(desk: Engine) -> None:
    with Session(desk) as s:
        item = s.exec(select(ContentItem)).one()
        n = item.id
        with pytest.raises(InvalidTransition) as draft:
            review.approve(s, item=item, actor=_who(s, "minh.tran"))
        assert str(draft.value) == f"item {n} is draft, not in review"
        assert describe(draft.value, "vi") == (
            f"Mục #{n} đang ở trạng thái “Bản nháp”, không chờ duyệt."
        )
        with pytest.raises(PermissionDenied) as editor:
            review.approve(s, item=item, actor=_who(s, "lan.nguyen"))
        assert str(editor.value) == "lan.nguyen (editor) may not approve"
        assert describe(editor.value, "vi") == "lan.nguyen (biên tập viên) không có quyền duyệt."

        review.submit(s, item=item, actor=_who(s, "lan.nguyen"))
        with pytest.raises(ValidationFailed) as too_long:
            review.approve(s, item=item, actor=_who(s, "minh.tran"))
        assert too_long.value.problems == [
            f"item {n}: X: 300 > 280 weighted characters; shorten by 20"
        ]
        assert describe(too_long.value, "vi") == (
            f"Mục #{n}: X: 300 > 280 ký tự (theo cách đếm có trọng số); cần bớt 20."
        )
        with pytest.raises(ValidationFailed) as no_reason:
            review.reject(s, item=item, actor=_who(s, "minh.tran"), reason="  ")
        assert str(no_reason.value) == "reason: a reject needs a reason the author can act on"
        # the desk names its own form field, not the domain's parameter name
        assert describe(no_reason.value, "vi") == (
            "Lý do từ chối: hãy ghi rõ lý do để tác giả biết phải sửa gì trước khi từ chối."
        )
        assert describe(no_reason.value, "en") == (
            "Reason for rejecting: a reject needs a reason the author can act on"
        )
        review.reject(s, item=item, actor=_who(s, "minh.tran"), reason="Số liệu đã cũ")
        with pytest.raises(InvalidTransition) as final:
            review.edit(s, item=item, actor=_who(s, "lan.nguyen"), caption="Mới")
        assert str(final.value) == f"item {n} is rejected and can no longer change"
        assert describe(final.value, "vi") == (
            f"Mục #{n} đang ở trạng thái “Từ chối”, không thể sửa nữa."
        )


def test_report_inputs_name_the_flag_on_the_cli_and_the_field_on_the_desk(desk: Engine) -> None:
    with pytest.raises(ValidationFailed) as month:
        parse_period("2026-13")
    assert str(month.value) == "--period: month 13 does not exist"
    assert describe(month.value, "vi") == "Kỳ báo cáo: không có tháng 13."
    assert describe(month.value, "en") == "Period: month 13 does not exist"
    with pytest.raises(ValidationFailed) as year:
        parse_period("1999")
    assert str(year.value) == "--period: '1999': the year must be between 2000 and 2100"
    assert describe(year.value, "vi") == (
        "Kỳ báo cáo: '1999': năm phải nằm trong khoảng 2000 đến 2100."
    )
    with Session(desk) as s, pytest.raises(ValidationFailed) as unit:
        figures.build(
            s, period=parse_period("2026-03"), tz=ZoneInfo("Asia/Ho_Chi_Minh"), unit_code="nope"
        )
    assert str(unit.value) == "--unit: no unit 'nope'"
    assert describe(unit.value, "vi") == "Đơn vị: không có đơn vị 'nope'."


# --- the CLI still prints the English line -------------------------------------------------


def test_the_cli_prints_the_english_line(
    capsys: pytest.CaptureFixture[str], desk: Engine, db_url: str
) -> None:
    assert (
        refused(capsys, "user", "disable", "minh.tran", "--as", "lan.nguyen", "--database", db_url)
        == "error: lan.nguyen (editor) may not manage users"
    )
    assert (
        refused(capsys, "report", "--period", "2026-13", "-o", "r.docx", "--database", db_url)
        == "--period: month 13 does not exist"
    )


def test_python_m_phuxanh_cli_prints_the_english_line(desk: Engine, db_url: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "phuxanh.cli",
            "report",
            "--period",
            "2026-Q5",
            "-o",
            "r.docx",
            "--database",
            db_url,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == "--period: '2026-Q5' is not YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY"
