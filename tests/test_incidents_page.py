"""The Information response page (Xử lý thông tin) in Streamlit AppTest, in Vietnamese and
English: an editor opens an incident through the form, sees its timer (and a breach in red
once past its target), drafts the clarification from the catalog's facts on the channels
of their unit, opens its item in the review queue and closes the incident with a note; a
person of another unit does not see it; a signed-out visitor gets only the sign-in form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlmodel import Session, col, select
from streamlit.testing.v1 import AppTest

from phuxanh import jobs
from phuxanh.core.users import add_user
from phuxanh.incidents.core import draft_clarification, open_incident, set_spokesperson
from phuxanh.models import Channel, ContentItem, Fact, Incident, Unit, User, utcnow
from phuxanh.network.units import add_unit
from tests.helpers import user
from tests.test_dashboard import APP, _signed_in
from tests.test_dashboard_pages import _labels, _team, vietnamese

PAGE = "app_pages/incidents.py"
SAY: dict[str, dict[str, Any]] = {
    "vi": {
        "title": "Xử lý thông tin",
        "none": "Không có vụ việc nào.",
        "open": "Mở vụ việc",
        "opened": "Đã mở vụ việc #{id}.",
        "timer": "Đã qua 0 phút / mục tiêu 1 giờ",
        "breached": "Quá hạn",
        "late": "trễ 1 giờ 30 phút",
        "badge": "Nghiêm trọng",
        "draft": "Soạn và gửi duyệt khẩn",
        "drafted": "Đã soạn bài làm rõ và gửi duyệt khẩn: ",
        "source": "— Nguồn: ",
        "step": "Bước",
        "steps": ["Mở vụ việc", "Soạn bài làm rõ"],
        "open_item": "Mở mục #{id} trong hàng chờ",
        "queue": "Hàng chờ duyệt",
        "close": "Đóng vụ việc",
        "closed": "Đã đóng vụ việc #{id}; các kênh tạm dừng vì vụ việc này được đăng tiếp.",
    },
    "en": {
        "title": "Information response",
        "none": "No incidents.",
        "open": "Open the incident",
        "opened": "Incident #{id} opened.",
        "timer": "0 min elapsed / target 1 h",
        "breached": "Breached",
        "late": "1 h 30 min late",
        "badge": "Critical",
        "draft": "Draft and send for urgent review",
        "drafted": "Clarification drafted and sent for urgent review: ",
        "source": "— Source: ",
        "step": "Step",
        "steps": ["Opened", "Clarification drafted"],
        "open_item": "Open item #{id} in the queue",
        "queue": "Review queue",
        "close": "Close the incident",
        "closed": "Incident #{id} closed; channels paused for it resume.",
    },
}
CLAIM = "Tin đồn: cầu Hoàng Văn Thụ bị đóng cửa vĩnh viễn từ tuần sau."
EVIDENCE = "https://www.facebook.com/some.page/posts/123\nhttps://x.com/some_account/status/456"


def _page(who: str, lang: str) -> AppTest:
    app = _signed_in(who, lang)
    app.switch_page(PAGE).run()
    _ok(app)
    return app


def _ok(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]


def _click(app: AppTest, label: str) -> AppTest:
    (button,) = [b for b in app.button if b.label == label]
    button.click().run()
    _ok(app)
    return app


def _texts(app: AppTest) -> list[str]:
    return [m.value for m in app.markdown] + [c.value for c in app.caption]


def _spokesperson(db_url: str) -> None:
    """The unit's spokesperson and hotline, which every clarification carries (set by a
    manager, as `phuxanh unit set-spokesperson` does)."""
    with Session(jobs.engine(db_url)) as s:
        unit = s.get(Unit, user(s, "lan.nguyen").unit_id)
        assert unit is not None
        if s.exec(select(User).where(User.username == "thu.le")).first() is None:
            add_user(
                s, username="thu.le", unit_code=unit.code, role="manager", password="phuxanh-demo"
            )
        set_spokesperson(
            s,
            unit_code=unit.code,
            name="Nguyễn Văn Bình",
            title="Phó Giám đốc, Người phát ngôn",
            hotline="0225 3842 000",
            actor="thu.le",
        )
        s.commit()


def _incidents(db_url: str) -> list[Incident]:
    with Session(jobs.engine(db_url)) as s:
        return list(s.exec(select(Incident).order_by(col(Incident.id))))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_open_draft_and_close_an_incident(app_db: str, lang: str) -> None:
    say = SAY[lang]
    _spokesperson(app_db)
    app = _page("lan.nguyen", lang)
    assert app.title[0].value == say["title"]
    assert say["none"] in [s.value for s in app.success]
    # open it through the form
    app.text_input(key="inc-title-0").input("Tin đồn đóng cầu")
    app.text_area(key="inc-claim-0").input(CLAIM)
    app.text_area(key="inc-evidence-0").input(EVIDENCE)
    app.selectbox(key=f"inc-severity-0.{lang}").set_value("critical")
    _click(app, say["open"])
    assert not app.error, [e.value for e in app.error]
    (made,) = _incidents(app_db)
    assert (made.title, made.claim, made.severity, made.status) == (
        "Tin đồn đóng cầu",
        CLAIM,
        "critical",
        "open",
    )
    assert made.evidence == EVIDENCE.split("\n")
    assert say["opened"].format(id=made.id) in [s.value for s in app.success]
    # its card: the severity badge and the running timer against the critical target
    texts = _texts(app)
    assert any(say["badge"] in m and f"#{made.id}" in m for m in texts), texts
    assert any(say["timer"] in m for m in texts), texts
    assert not any(say["breached"] in m for m in texts)
    # in detail: the claim as typed, the evidence as plain links, the timeline
    assert CLAIM in [x.value for x in app.text]
    for url in EVIDENCE.split("\n"):
        assert f"- <{url}>" in texts
    assert app.dataframe[0].value[say["step"]].tolist() == say["steps"][:1]

    # the clarification: a channel of the unit, a fact of the catalog shown with its source
    with Session(jobs.engine(app_db)) as s:
        unit_id = user(s, "lan.nguyen").unit_id
        channel = s.exec(select(Channel).where(Channel.unit_id == unit_id)).first()
        assert channel is not None
        fact = s.exec(select(Fact).where(col(Fact.source_number).is_not(None))).first()
        assert fact is not None
    facts = app.multiselect(key=f"inc-facts-{made.id}-0.{lang}")
    assert say["source"] in facts.format_func(fact.code)
    app.multiselect(key=f"inc-channels-{made.id}-0").set_value([channel.code])
    facts.set_value([fact.code])
    _click(app, say["draft"])
    assert not app.error, [e.value for e in app.error]
    with Session(jobs.engine(app_db)) as s:
        (item,) = s.exec(select(ContentItem).where(ContentItem.incident_id == made.id))
    assert item.status == "in_review" and item.urgent
    assert item.channel_ids == [channel.id]
    (done,) = [s.value for s in app.success]
    assert done.startswith(say["drafted"]) and f"#{item.id}" in done
    # (as a set: the audit log keeps whole seconds, the opening its microseconds, so a
    # draft in the opening's second can sort before it in `timeline`)
    assert sorted(app.dataframe[0].value[say["step"]]) == sorted(say["steps"])

    # the item opens in the review queue
    queue = _page("lan.nguyen", lang)
    _click(queue, say["open_item"].format(id=item.id))
    assert queue.title[0].value == say["queue"]  # in the same language
    assert queue.session_state["open_item"] == item.id

    # closed with a note by an approver, which withdraws the clarification still in review
    # (its author, an editor, may not: it would be left to go out for a closed incident)
    app = _page("minh.tran", lang)
    app.text_area(key=f"inc-note-{made.id}-0").input("Tin đồn đã lắng, không cần đăng.")
    _click(app, say["close"])
    assert not app.error, [e.value for e in app.error]
    assert say["closed"].format(id=made.id) in [s.value for s in app.success]
    (closed,) = _incidents(app_db)
    assert closed.status == "closed"
    assert closed.close_note == "Tin đồn đã lắng, không cần đăng."
    with Session(jobs.engine(app_db)) as s:
        assert s.get(ContentItem, item.id).status == "rejected"  # type: ignore[union-attr]
    assert say["none"] in [s.value for s in app.success]  # no open incident is left


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_breached_target_is_flagged(app_db: str, lang: str) -> None:
    say = SAY[lang]
    with Session(jobs.engine(app_db)) as s:
        open_incident(
            s,
            title="Ảnh giả về ngập lụt",
            claim="Ảnh cũ được đăng lại như ngập lụt hôm nay.",
            evidence=[],
            severity="critical",
            actor="lan.nguyen",
            now=utcnow() - dt.timedelta(minutes=150),
        )
        s.commit()
    app = _page("minh.tran", lang)
    texts = _texts(app)
    card = [m for m in texts if say["breached"] in m]
    assert card and say["late"] in card[0], texts
    assert card[0].startswith(":red-badge[")


def test_a_person_of_another_unit_does_not_see_it(app_db: str) -> None:
    with Session(jobs.engine(app_db)) as s:
        add_unit(s, code="ttdn-danang", name="Trung tâm TTĐN Đà Nẵng", level="city")
        add_user(
            s,
            username="an.vo",
            unit_code="ttdn-danang",
            role="editor",
            password="phuxanh-demo",
        )
        made = open_incident(
            s,
            title="Tin đồn đóng cầu",
            claim=CLAIM,
            evidence=EVIDENCE.split("\n"),
            severity="high",
            actor="lan.nguyen",
        ).id
        s.commit()
    other = _page("an.vo", "vi")
    assert SAY["vi"]["none"] in [s.value for s in other.success]
    assert not any(f"#{made}" in m or "đóng cầu" in m for m in _texts(other))
    assert not other.dataframe and not other.text
    own = _page("minh.tran", "vi")
    assert any(f"#{made}" in m for m in _texts(own))


def test_every_role_sees_the_page_in_its_language(app_db: str) -> None:
    """With an incident open and its clarification drafted: no Vietnamese label on the
    English page and no English column on the Vietnamese one, for every role; what each
    role may not do is said instead of a form it could not use."""
    from dashboard.strings import EN, VI

    _team(app_db)
    _spokesperson(app_db)
    with Session(jobs.engine(app_db)) as s:
        made = open_incident(
            s,
            title="Tin đồn đóng cầu",
            claim=CLAIM,
            evidence=EVIDENCE.split("\n"),
            severity="low",
            actor="lan.nguyen",
        )
        unit_id = user(s, "lan.nguyen").unit_id
        channel = s.exec(select(Channel).where(Channel.unit_id == unit_id)).first()
        fact = s.exec(select(Fact).where(col(Fact.source_number).is_not(None))).first()
        assert channel is not None and fact is not None
        draft_clarification(
            s,
            incident_id=made.id or 0,
            actor="lan.nguyen",
            channel_codes=[channel.code],
            fact_codes=[fact.code],
        )
        s.commit()
    for who, role in (
        ("lan.nguyen", "editor"),
        ("minh.tran", "approver"),
        ("thu.le", "manager"),
        ("quan.tri", "admin"),
    ):
        for lang, words in (("en", EN), ("vi", VI)):
            app = _page(who, lang)
            labels = _labels(app) + [w.label for w in app.multiselect]
            labels += [w.label for w in app.text_area] + [w.label for w in app.tabs]
            if lang == "en":
                assert [x for x in labels if vietnamese(x)] == [], (who, labels)
            columns = {str(c) for frame in app.dataframe for c in frame.value.columns}
            assert columns and columns <= set(words.values()), (who, lang, columns)
            infos = [i.value for i in app.info]
            assert (words["inc.draft_who"] in infos) == (role == "approver"), (who, infos)
            assert (words["inc.pause_who"] in infos) == (role == "editor"), (who, infos)
            assert words["inc.close_who"] not in infos  # lan.nguyen owns it


def test_refusals_are_shown_in_words(app_db: str) -> None:
    """A line of evidence that is not a link is named, in the page's language; a unit with
    no spokesperson is warned of before drafting, and the refusal is shown, not raised;
    nothing is kept either time."""
    app = _page("lan.nguyen", "vi")
    app.text_input(key="inc-title-0").input("Tin đồn đóng cầu")
    app.text_area(key="inc-claim-0").input(CLAIM)
    app.text_area(key="inc-evidence-0").input("https://x.com/a/status/1\nNguyễn Văn A")
    _click(app, "Mở vụ việc")
    assert [e.value for e in app.error] == [
        "Mỗi dòng bằng chứng phải là một đường dẫn bắt đầu bằng http:// hoặc https://, không "
        "ghi tên hay trang cá nhân. Các dòng chưa đúng:\nNguyễn Văn A"
    ]
    assert _incidents(app_db) == []
    app.text_area(key="inc-evidence-0").input("https://x.com/a/status/1")
    _click(app, "Mở vụ việc")
    (made,) = _incidents(app_db)
    # no spokesperson yet: said before the form, and the domain's refusal shown in words
    assert any("chưa có đủ người phát ngôn" in w.value for w in app.warning)
    with Session(jobs.engine(app_db)) as s:
        channel = s.exec(select(Channel)).first()
        fact = s.exec(select(Fact).where(col(Fact.source_number).is_not(None))).first()
        assert channel is not None and fact is not None
        code = s.get(Unit, made.unit_id).code  # type: ignore[union-attr]
    app.multiselect(key=f"inc-channels-{made.id}-0").set_value([channel.code])
    app.multiselect(key=f"inc-facts-{made.id}-0.vi").set_value([fact.code])
    _click(app, "Soạn và gửi duyệt khẩn")
    (said,) = [e.value for e in app.error]
    assert said == (  # in Vietnamese, as the desk is
        f"Đơn vị {code} chưa có đủ người phát ngôn, chức danh và đường dây nóng mà bài làm rõ "
        "phải nêu (còn thiếu: spokesperson, spokesperson_title, hotline); lãnh đạo đơn vị cài "
        f"đặt bằng lệnh `phuxanh unit set-spokesperson {code} --name … --title … --hotline …`."
    )
    with Session(jobs.engine(app_db)) as s:
        assert not s.exec(select(ContentItem).where(ContentItem.incident_id == made.id)).first()


REFUSED = {  # the backend's refusal, as the page's language says it (messages.py)
    "vi": "Người thực hiện: bài làm rõ #{item} của vụ việc #{id} đang chờ duyệt hoặc chờ "
    "đăng; người duyệt đóng vụ việc (và rút các bài đó lại), hoặc hãy để các bài đăng xong "
    "trước.",
    "en": "By: clarifications #{item} of incident {id} wait for approval or to go out; an "
    "approver closes it (and withdraws them), or let them go out first",
}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_refusal_reads_in_the_pages_language(app_db: str, lang: str) -> None:
    """The owner (an editor) may not close an incident whose clarification waits for
    approval: the domain refuses, and the page says so in its own language, naming the
    input as the page calls it (not the CLI's `--as`); the incident stays open."""
    _spokesperson(app_db)
    with Session(jobs.engine(app_db)) as s:
        made = open_incident(
            s,
            title="Tin đồn đóng cầu",
            claim=CLAIM,
            evidence=[],
            severity="high",
            actor="lan.nguyen",
        )
        unit_id = user(s, "lan.nguyen").unit_id
        channel = s.exec(select(Channel).where(Channel.unit_id == unit_id)).first()
        fact = s.exec(select(Fact).where(col(Fact.source_number).is_not(None))).first()
        assert channel is not None and fact is not None
        (item,) = draft_clarification(
            s,
            incident_id=made.id or 0,
            actor="lan.nguyen",
            channel_codes=[channel.code],
            fact_codes=[fact.code],
        )
        s.commit()
        ids = {"id": made.id, "item": item.id}
    app = _page("lan.nguyen", lang)
    app.text_area(key=f"inc-note-{ids['id']}-0").input("Tin đồn đã lắng.")
    _click(app, SAY[lang]["close"])
    assert [e.value for e in app.error] == [REFUSED[lang].format(**ids)]
    assert [i.status for i in _incidents(app_db)] == ["open"]


def test_signed_out_the_page_is_only_the_sign_in_form(app_db: str) -> None:
    app = AppTest.from_file(APP, default_timeout=60)
    app.switch_page(PAGE)
    app.run()
    _ok(app)
    assert [w.key for w in app.text_input] == ["auth_user", "auth_password"]
    assert [b.label for b in app.button] == ["Đăng nhập"]
    assert not app.markdown and not app.dataframe and not app.tabs
