"""The approval desk's pages in both languages and for every role (Streamlit AppTest):
calendar week and month views, queue filters, per-platform caption previews, submitting
from the queue, OIDC sign-in mapped to phuxanh users."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from phuxanh import jobs, review
from phuxanh.core.users import add_user
from phuxanh.models import ContentItem
from tests.helpers import START, at, items, user
from tests.test_dashboard import APP, _signed_in

PAGES = [None, "calendar", "coverage", "metrics", "health", "reports", "audit", "translations"]
VIETNAMESE = re.compile("[đĐ\u0300-\u031b\u0323]")  # đ, or a tone/vowel mark once NFD


def vietnamese(text: str) -> bool:
    return bool(VIETNAMESE.search(unicodedata.normalize("NFD", text)))


def _team(db_url: str) -> None:
    with Session(jobs.engine(db_url)) as s:
        add_user(
            s, username="thu.le", unit_code="ttdn-haiphong", role="manager", password="phuxanh-demo"
        )
        add_user(
            s,
            username="quan.tri",
            unit_code="ttdn-haiphong",
            role="admin",
            password="phuxanh-demo",
            email="quan.tri@haiphong.gov.vn",
        )
        s.commit()


def _labels(app: AppTest) -> list[str]:
    """Interface text: titles, widget labels, buttons, column names; not the data."""
    out = [e.value for e in app.title] + [e.value for e in app.subheader]
    for kind in (
        "selectbox",
        "radio",
        "date_input",
        "text_input",
        "time_input",
        "button",
        "metric",
    ):
        out += [w.label for w in getattr(app, kind)]
    for frame in app.dataframe:
        out += [str(c) for c in frame.value.columns]
    out += [e.value for e in app.info]
    return out


def _page(name: str | None, lang: str = "vi", who: str = "minh.tran") -> AppTest:
    app = _signed_in(who, lang)
    if name:
        app.switch_page(f"app_pages/{name}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_every_page_for_every_role_in_both_languages(app_db: str) -> None:
    _team(app_db)
    jobs.publish_due(now=at(0, 8, 1), database_url=app_db)
    for who in ("lan.nguyen", "minh.tran", "thu.le", "quan.tri"):
        for name in PAGES:
            english = _page(name, "en", who)
            shown = [label for label in _labels(english) if vietnamese(label)]
            assert shown == [], (who, name, shown)
            assert any(who in c.value for c in english.sidebar.caption)
    from dashboard.strings import VI

    for name in PAGES:  # and no English column name left on the Vietnamese pages
        vi = _page(name, "vi", "minh.tran")
        columns = {str(c) for frame in vi.dataframe for c in frame.value.columns}
        assert columns <= {*VI.values(), "#"}, (name, columns - set(VI.values()))


def test_calendar_week_and_month_by_channel_and_theme(app_db: str) -> None:
    cal = _page("calendar")
    cal.date_input(key="cal_from").set_value(START).run()
    week = next(m.value for m in cal.markdown if 'class="pxcal"' in m.value)
    assert "T2 09/03" in week and "CN 15/03" in week
    assert '<th class="wave">CN 15/03</th>' in week  # the election wave's days are marked
    assert week.count('class="pxchip"') == 8  # two planned days x four posts
    assert "#fef3c7" in week  # drafts in the draft colour
    reasons = list(cal.dataframe[0].value["Lý do"])
    assert all(r.startswith("chủ đề ") and "bài tuần này" in r for r in reasons), reasons
    # the theme by its name, never its code
    assert all(r.startswith("chủ đề “") for r in reasons), reasons
    assert not any("bau-cu-2026" in r or "dai-hoi-xiv" in r for r in reasons), reasons
    assert any("đợt Bầu cử 15/3/2026, chuẩn bị (D-" in r for r in reasons), reasons
    cal.radio(key="cal_by.vi").set_value("theme").run()
    by_theme = next(m.value for m in cal.markdown if 'class="pxcal"' in m.value)
    assert by_theme != week and "bau-cu-2026" in by_theme
    cal.radio(key="cal_view.vi").set_value("month").run()
    month = next(m.value for m in cal.markdown if 'class="pxcal"' in m.value)
    assert "23/02" in month and "05/04" in month and "06/04" not in month
    assert month.count('class="pxchip"') == 8
    cal.date_input(key="cal_from").set_value(dt.date(2026, 5, 1)).run()
    assert cal.info[0].value == "Chưa có bài nào được lên lịch trong khoảng này."


def test_calendar_opens_an_item_with_its_previews_and_actions(app_db: str) -> None:
    cal = _page("calendar", who="lan.nguyen")
    cal.date_input(key="cal_from").set_value(START).run()
    first = cal.selectbox(key="cal_item").options[1]
    cal.selectbox(key="cal_item").select_index(1).run()
    item_id = int(first.split(" ")[0].lstrip("#"))
    assert any(t.label.startswith("facebook · ") for t in cal.tabs)
    assert any("Nguồn:" in c.value for c in cal.caption)
    assert cal.button(key=f"submit-cal-{item_id}")  # a draft: it can be submitted


def test_queue_filters_and_submitting_from_the_queue(app_db: str) -> None:
    q = _signed_in("lan.nguyen")
    q.selectbox(key="f_status.vi").set_value("draft").run()
    assert q.caption[0].value == "8 mục"
    q.date_input(key="f_dates").set_value((START, START)).run()
    assert q.caption[0].value == "4 mục"
    q.selectbox(key="f_lang.vi").set_value("en").run()
    assert q.caption[0].value == "0 mục"
    q.selectbox(key="f_lang.vi").set_value("").run()
    channel = q.selectbox(key="f_channel.vi").options[1]
    q.selectbox(key="f_channel.vi").select_index(1).run()
    assert q.caption[0].value == "2 mục", channel
    assert q.tabs and all(tab.label == channel for tab in q.tabs)
    meta = next(c.value for c in q.caption if re.match(r"#\d+ · phiên bản", c.value))
    item_id = int(meta.split(" ")[0].lstrip("#"))
    q.button(key=f"submit-{item_id}").click().run()
    assert [s.value for s in q.success] == [f"Đã cập nhật mục #{item_id}."]
    with Session(jobs.engine(app_db)) as s:
        assert s.get(ContentItem, item_id).status == "in_review"


def test_filters_survive_the_language_switch(app_db: str) -> None:
    q = _signed_in("lan.nguyen")
    q.selectbox(key="f_status.vi").set_value("draft").run()
    assert q.caption[0].value == "8 mục"
    q.sidebar.radio[0].set_value("en").run()
    assert q.caption[0].value == "8 items"
    assert q.selectbox(key="f_status.en").value == "draft"


def test_sensitive_theme_shows_how_many_approvals(app_db: str) -> None:
    from phuxanh.models import Theme

    with Session(jobs.engine(app_db)) as s:
        item = items(s)[0]
        theme = s.get(Theme, item.theme_id)
        theme.sensitive = True
        s.add(theme)
        review.submit(s, item=item, actor=user(s, "lan.nguyen"))
        review.approve(s, item=item, actor=user(s, "minh.tran"))
        s.commit()
        item_id = item.id
    q = _signed_in("hoa.pham")
    assert any("(1/2)" in w.value for w in q.warning)
    q.button(key=f"approve-{item_id}").click().run()
    with Session(jobs.engine(app_db)) as s:
        assert s.get(ContentItem, item_id).status == "scheduled"


def test_oidc_sign_in_maps_a_verified_email_to_a_user(app_db: str) -> None:
    _team(app_db)
    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets["auth"] = {"client_id": "phuxanh", "server_metadata_url": "https://sso/x"}
    app.user = {"is_logged_in": False}
    app.run()
    assert any(b.label == "Đăng nhập bằng tài khoản cơ quan (SSO)" for b in app.button)
    app.user = {"is_logged_in": True, "email": "Quan.Tri@haiphong.gov.vn", "email_verified": True}
    app.run()
    assert any("quan.tri" in c.value for c in app.sidebar.caption)
    stranger = AppTest.from_file(APP, default_timeout=60)
    stranger.secrets["auth"] = {"client_id": "phuxanh", "server_metadata_url": "https://sso/x"}
    stranger.user = {"is_logged_in": True, "email": "ai.do@example.com", "email_verified": True}
    stranger.run()
    assert [e.value for e in stranger.error] == [
        "ai.do@example.com chưa có tài khoản phuxanh; hãy nhờ quản trị viên thêm."
    ]
    assert not any("ai.do" in c.value for c in stranger.sidebar.caption)
    assert stranger.text_input(key="auth_user")  # still only the sign-in form


def test_no_sso_button_without_an_auth_section(app_db: str) -> None:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert app.text_input(key="auth_user")
    assert not any("SSO" in b.label for b in app.button)


def test_reports_page_shows_due_dates_and_drafts_a_report(app_db: str) -> None:
    rep = _page("reports", who="minh.tran")
    frame = rep.dataframe[0].value
    assert list(frame.columns) == [
        "Hạn nộp",
        "Còn (ngày)",
        "Kỳ báo cáo",
        "Kế hoạch",
        "Theo văn bản",
    ]
    assert len(frame) == 2 and set(frame["Theo văn bản"]) == {"05-HD/ĐU"}
    assert all(0 <= d <= 366 for d in frame["Còn (ngày)"])
    rep.text_input(key="rep_period").set_value("2026-03").run()
    rep.button(key="make-xlsx").click().run()
    assert not rep.exception and not rep.error
    assert rep.get("download_button")  # the draft is offered


def test_channel_health_names_a_channel_with_a_problem(app_db: str) -> None:
    from phuxanh.models import Channel

    with Session(jobs.engine(app_db)) as s:
        channel = s.exec(select(Channel).where(Channel.code == "fb-vhttdl-haiphong")).one()
        channel.last_error = "Facebook 400 code 190/463: Error validating access token"
        s.add(channel)
        s.commit()
    from phuxanh.publish.pauses import pause

    with Session(jobs.engine(app_db)) as s:
        pause(s, channel_code=None, reason="Bão số 3", actor="minh.tran")
        s.commit()
    page = _page("health")
    assert page.error[0].value.startswith("Đang tạm dừng đăng (Tất cả): Bão số 3 — minh.tran")
    assert page.warning[0].value == "1/3 kênh cần xem lại."
    frame = page.dataframe[0].value
    row = frame[frame["Kênh"] == "Du lịch Hải Phòng - Sở VHTTDL (demo)"].iloc[0]
    assert row["Tình trạng"] == "!" and "190/463" in row["Vấn đề"]


def test_a_person_settles_a_missed_post_on_the_health_page(app_db: str) -> None:
    from tests.test_publishing import _approve_all

    _team(app_db)
    _approve_all(app_db)
    assert jobs.publish_due(now=at(0, 12), database_url=app_db) == {"missed": 2}
    editor = _page("health", "vi", "lan.nguyen")
    waiting = editor.dataframe[1].value
    assert len(waiting) == 2 and set(waiting["Tình trạng"]) == {"Quá giờ"}
    assert "trễ" in waiting["Lý do"].iloc[0] or "late" in waiting["Lý do"].iloc[0]
    assert not editor.main.button and editor.main.caption[-1].value.startswith("Chỉ người duyệt")
    page = _page("health", "vi", "minh.tran")
    first = int(page.dataframe[1].value["Bài đăng"].iloc[0])
    page.selectbox(key="pub").set_value(first)
    page.radio(key="found").set_value("live")
    page.text_input(key="url").input("facebook")  # not a URL: a clear error, nothing changes
    page.main.button[0].click().run()
    assert page.error[-1].value.startswith("facebook") or "URL" in page.error[-1].value
    page.text_input(key="url").input("https://facebook.com/123_456")
    page.main.button[0].click().run()
    assert page.success[0].value == f"Bài {first}: Đã đăng"
    from phuxanh.models import Publication

    with Session(jobs.engine(app_db)) as s:
        pub = s.get(Publication, first)
        assert pub is not None and pub.remote_url == "https://facebook.com/123_456"


def test_a_manual_channels_due_post_waits_to_be_posted_by_hand(app_db: str) -> None:
    """A due post of a manual channel is not "to be checked": the health page and My work
    say it waits for a person to post it by hand, in the reader's language."""
    from phuxanh.models import Channel
    from tests.test_publishing import _approve_all

    _team(app_db)
    _approve_all(app_db)
    with Session(jobs.engine(app_db)) as s:
        channel = s.exec(select(Channel).order_by(Channel.id)).first()
        assert channel is not None
        channel.platform = "manual"  # a notice board: nothing is sent to an API
        s.add(channel)
        s.commit()
    outcome = jobs.publish_due(now=at(0, 12), database_url=app_db)
    assert outcome.get("manual", 0) >= 1, outcome
    page = _page("health", "vi", "minh.tran")
    states = set(page.dataframe[1].value["Tình trạng"])
    assert "Chờ đăng thủ công" in states and "Cần kiểm tra" not in states
    english = _page("health", "en", "minh.tran")
    assert "Waiting to be posted by hand" in set(english.dataframe[1].value["State"])


def test_the_audit_page_tells_a_cut_log_from_an_intact_one(app_db: str) -> None:
    """The page checks the chain as `audit verify` does: intact with its head to keep, and
    rows cut from the end are named, not reported as intact."""
    from sqlalchemy import text

    page = _page("audit", "en")
    assert any("intact" in e.value for e in page.success), [e.value for e in page.success]
    assert any("audit verify --head" in c.value for c in page.caption)
    with jobs.engine(app_db).begin() as conn:
        last = conn.execute(text("SELECT max(id) FROM auditevent")).scalar_one()
        conn.execute(text("DELETE FROM auditevent WHERE id = :id"), {"id": last})
    page = _page("audit", "en")
    assert not page.success
    assert any("after row" in e.value or "broken" in e.value for e in page.error), [
        e.value for e in page.error
    ]
