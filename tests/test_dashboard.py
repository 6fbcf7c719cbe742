"""Every dashboard page renders real data from the database (Streamlit AppTest)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import Session, create_engine, select
from streamlit.testing.v1 import AppTest

from phuxanh import jobs
from tests.helpers import START, at

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "streamlit_app.py")


def _page(name: str | None, who: str | None = "minh.tran") -> AppTest:
    """A page as `who` sees it once signed in (None: signed out)."""
    if who:
        at = _signed_in(who)
    else:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
    if name:
        at.switch_page(f"app_pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_queue_shows_drafts_with_sources(app_db: str) -> None:
    at = _page(None)
    at.selectbox(key="f_status.vi").set_value("draft").run()
    assert at.title[0].value == "Hàng chờ duyệt"
    assert at.caption[0].value == "8 mục"
    assert any("Nguồn:" in c.value for c in at.caption)


def test_calendar_coverage_metrics_pages(app_db: str) -> None:
    cal = _page("calendar")
    cal.date_input[0].set_value(START).run()
    frame = cal.dataframe[0].value
    assert len(frame) == 8  # the two planned days fall in this week
    assert set(frame["Trạng thái"]) == {"Bản nháp"}
    cov = _page("coverage")
    assert cov.info[0].value == "Chưa có kế hoạch nào trong khoảng này."  # this quarter
    cov.date_input(key="cov_range").set_value((START, START + dt.timedelta(days=6))).run()
    assert cov.dataframe[0].value["Kế hoạch"].sum() == 8
    six = cov.dataframe[1].value  # the "6 rõ" table for the same dates, one row per theme
    assert list(six.columns)[:2] == ["Rõ việc", "Rõ người"]
    assert len(six) == len(cov.dataframe[0].value)
    assert any("mới có 0/" in w.value for w in cov.warning)  # nothing published yet
    assert set(cov.dataframe[0].value.columns) == {
        "Chủ đề",
        "Kế hoạch",
        "Đã duyệt",
        "Đã đăng",
        "Đã đăng (% kế hoạch)",
        "Tiếp cận",
    }
    assert _page("metrics").info[0].value.startswith("Chưa có số liệu")


def test_coverage_speaks_the_desk_language(app_db: str) -> None:
    """The shortfalls and the "6 rõ" table in English on an English desk, themes by their
    English names; a theme with no reach yet says so, never "None"."""
    from phuxanh.models import Theme
    from tests.test_dashboard_pages import vietnamese

    cov = _signed_in("minh.tran", "en")
    cov.switch_page("app_pages/coverage.py").run()
    cov.date_input(key="cov_range").set_value((START, START + dt.timedelta(days=6))).run()
    assert not cov.exception, [e.value for e in cov.exception]
    with Session(create_engine(app_db)) as s:
        english = {th.title_en for th in s.exec(select(Theme))}
    gaps = [w.value for w in cov.warning if "planned posts published" in w.value]
    six = cov.dataframe[1].value
    assert gaps and all(" of " in g and "still missing" in g for g in gaps)
    assert set(six["Task"]) <= english and len(six) == len(cov.dataframe[0].value)
    assert all(p.startswith("Written by: ") for p in six["People"])
    assert set(cov.dataframe[0].value["Reach"]) == {"no figures yet"}
    assert all(e.endswith("engagement no figures yet") for e in six["Effect"])
    cells = [str(v) for v in six.drop(columns=["Responsible"]).to_numpy().ravel()]
    said = " ".join(gaps + cells)
    assert "None" not in said, said
    assert not vietnamese(said.replace("Đổi mới", "")), said  # a name English keeps


def test_metrics_page_after_publishing(app_db: str) -> None:
    from tests.test_publishing import _approve_all

    _approve_all(app_db)
    jobs.publish_due(now=at(0, 8, 1), database_url=app_db)
    jobs.collect_metrics(now=at(0, 9, 5), database_url=app_db)  # the 1 h reading
    met = _page("metrics")
    assert met.metric[0].value == "2"
    assert len(met.dataframe[0].value) == 2


def test_calendar_shows_the_election_wave(app_db: str) -> None:
    cal = _page("calendar")
    cal.date_input[0].set_value(START).run()
    assert any("Bầu cử 15/3/2026" in w.value and "15/03/2026" in w.value for w in cal.warning)


def _signed_in(name: str, lang: str = "vi") -> AppTest:
    at = _page(None, who=None)
    if lang != "vi":  # before any filter holds a value formatted in the other language
        at.radio(key="lang").set_value(lang).run()
    at.text_input(key="auth_user").input(name)
    at.text_input(key="auth_password").input("phuxanh-demo")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["username"] == name
    return at


def _in_review(db_url: str) -> int:
    from sqlmodel import Session

    from phuxanh import review
    from tests.helpers import items, user

    with Session(jobs.engine(db_url)) as s:
        item = items(s)[0]
        review.submit(s, item=item, actor=user(s, "lan.nguyen"))
        s.commit()
        return item.id


def test_approver_approves_from_the_queue(app_db: str) -> None:
    item_id = _in_review(app_db)
    at = _signed_in("minh.tran")
    assert any("minh.tran" in c.value for c in at.sidebar.caption)
    at.button(key=f"approve-{item_id}").click().run()
    assert [s.value for s in at.success] == [f"Đã cập nhật mục #{item_id}."]
    from sqlmodel import Session

    from phuxanh.models import ContentItem

    with Session(jobs.engine(app_db)) as s:
        assert s.get(ContentItem, item_id).status == "scheduled"


def test_author_is_refused_in_the_queue_too(app_db: str) -> None:
    """An admin may submit and approve, but never their own item; editors see no approve."""
    from sqlmodel import Session

    from phuxanh import review
    from phuxanh.core.users import add_user
    from tests.helpers import items

    with Session(jobs.engine(app_db)) as s:
        admin = add_user(
            s, username="quan.tri", unit_code="ttdn-haiphong", role="admin", password="phuxanh-demo"
        )
        item = items(s)[0]
        item.author_id = admin.id
        review.submit(s, item=item, actor=admin)
        s.commit()
        item_id = item.id
    at = _signed_in("quan.tri")
    at.button(key=f"approve-{item_id}").click().run()
    assert at.error[0].value == f"quan.tri là tác giả mục #{item_id} nên không được tự duyệt."
    english = _signed_in("quan.tri", "en")
    english.button(key=f"approve-{item_id}").click().run()
    assert english.error[0].value == f"quan.tri wrote item {item_id} and may not approve it"
    editor = _signed_in("lan.nguyen")
    assert f"#{item_id} · phiên bản 1" in " ".join(c.value for c in editor.caption)
    keys = {b.key for b in editor.button}
    assert f"approve-{item_id}" not in keys and f"reject-{item_id}" not in keys
    assert "bulk" not in keys


def test_reject_needs_a_reason_and_wrong_password_is_refused(app_db: str) -> None:
    item_id = _in_review(app_db)
    at = _page(None, who=None)
    at.text_input(key="auth_user").input("minh.tran")
    at.text_input(key="auth_password").input("sai")
    at.button[0].click().run()
    assert at.error[0].value == "Sai tên đăng nhập hoặc mật khẩu."
    at = _signed_in("minh.tran")
    at.button(key=f"reject-{item_id}").click().run()
    assert at.error[0].value == (
        "Lý do từ chối: hãy ghi rõ lý do để tác giả biết phải sửa gì trước khi từ chối."
    )
    at.text_input(key=f"reason-{item_id}").input("Số liệu cũ")
    at.button(key=f"reject-{item_id}").click().run()
    assert [s.value for s in at.success] == [f"Đã cập nhật mục #{item_id}."]


def test_english_switch_and_every_string_in_both_languages(app_db: str) -> None:
    from dashboard.i18n import STATUS, STRINGS

    assert STRINGS["vi"].keys() == STRINGS["en"].keys()
    assert STATUS["vi"].keys() == STATUS["en"].keys()
    at = _page(None)
    at.sidebar.radio[0].set_value("en").run()
    assert at.title[0].value == "Review queue"


def test_audit_page_shows_the_chain(app_db: str) -> None:
    at = _page("audit")
    assert at.success[0].value.startswith("Chuỗi băm nguyên vẹn: ")
    assert len(at.dataframe[0].value) > 0


DESK = ["queue", "calendar", "coverage", "metrics", "health", "reports", "audit", "translations"]
SIGN_IN_ONLY = {"Title", "Radio", "Subheader", "TextInput", "Button", "Caption"}


def _elements(node) -> list:
    """Every element drawn, depth first (blocks opened)."""
    children = getattr(node, "children", None)
    if children is None:
        return [node]
    return [leaf for child in children.values() for leaf in _elements(child)]


def test_signed_out_every_page_is_only_the_sign_in_form(app_db: str) -> None:
    """Whatever address a visitor opens, before signing in they get the title, the
    language switch and the form: no menu, no data, no download, in either language."""
    for lang in ("vi", "en"):
        for name in DESK:
            at = AppTest.from_file(APP, default_timeout=60)
            at.switch_page(f"app_pages/{name}.py")  # the page's own address, e.g. /calendar
            at.run()
            if lang == "en":
                at.radio(key="lang").set_value("en").run()
            assert not at.exception, [e.value for e in at.exception]
            kinds = {type(e).__name__ for e in _elements(at.main)}
            assert kinds <= SIGN_IN_ONLY | {"Block", "SpecialBlock"}, (name, kinds)
            assert [
                type(e).__name__
                for e in _elements(at.sidebar)
                if type(e).__name__ != "SpecialBlock"
            ] == []
            assert [e.value for e in at.title] == [
                {"vi": "phuxanh · Thông tin đối ngoại", "en": "phuxanh · External communications"}[
                    lang
                ]
            ]
            assert [w.key for w in at.text_input] == ["auth_user", "auth_password"]
            assert [b.label for b in at.button] == [{"vi": "Đăng nhập", "en": "Sign in"}[lang]]
            assert not at.dataframe and not at.get("download_button") and not at.tabs


def test_after_signing_in_the_page_asked_for_opens(app_db: str) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page("app_pages/calendar.py")
    at.run()
    at.text_input(key="auth_user").input("minh.tran")
    at.text_input(key="auth_password").input("phuxanh-demo")
    at.button[0].click().run()
    assert [e.value for e in at.title] == ["Lịch nội dung"]
    assert any("minh.tran" in c.value for c in at.sidebar.caption)
    assert "auth_password" not in at.session_state  # the password is not kept in the tab


def test_a_locked_username_is_refused_with_the_right_password(app_db: str) -> None:
    at = _page(None, who=None)
    for _ in range(5):
        at.text_input(key="auth_user").input("minh.tran")
        at.text_input(key="auth_password").input("sai-mat-khau")
        at.button[0].click().run()
        assert at.error[0].value == "Sai tên đăng nhập hoặc mật khẩu."
    at.text_input(key="auth_user").input("minh.tran")
    at.text_input(key="auth_password").input("phuxanh-demo")
    at.button[0].click().run()
    assert at.error[0].value.startswith("Đăng nhập sai quá nhiều lần: hãy thử lại sau ")
    assert at.text_input(key="auth_user") and not at.sidebar.caption


def test_a_session_ended_elsewhere_closes_the_desk_at_once(app_db: str) -> None:
    """Disabling a user (or their session expiring, or signing out in another tab) takes
    an open desk back to the sign-in form on its next rerun."""
    from sqlmodel import Session

    from phuxanh.core import auth
    from phuxanh.core.users import add_user

    with Session(jobs.engine(app_db)) as s:
        add_user(
            s, username="quan.tri", unit_code="ttdn-haiphong", role="admin", password="phuxanh-demo"
        )
        s.commit()
    at = _signed_in("lan.nguyen")
    assert at.title[0].value == "Hàng chờ duyệt"
    with Session(jobs.engine(app_db)) as s:
        assert auth.disable_user(s, username="lan.nguyen", actor="quan.tri") == 1
        s.commit()
    at.run()
    assert [w.key for w in at.text_input] == ["auth_user", "auth_password"]
    assert not at.sidebar.caption and "username" not in at.session_state


def test_filters_do_not_carry_over_to_the_next_person(app_db: str) -> None:
    at = _signed_in("lan.nguyen")
    at.selectbox(key="f_status.vi").set_value("draft").run()
    assert at.caption[0].value == "8 mục"
    at.sidebar.radio(key="lang").set_value("en").run()
    at.sidebar.button(key="sign_out").click().run()
    assert [w.key for w in at.text_input] == ["auth_user", "auth_password"]
    assert at.radio(key="lang").value == "en"  # the language stays with the tab
    at.text_input(key="auth_user").input("minh.tran")
    at.text_input(key="auth_password").input("phuxanh-demo")
    at.button[0].click().run()
    assert at.selectbox(key="f_status.en").value == "in_review"  # not the editor's choice
