"""The network at a glance (phuxanh/reports/glance.py, dashboard/app_pages/network.py): a
city with a department, a school below it and two wards, built here; each unit's planned,
approved, products, publications, reach, shortfall and quota, the same as the roll-up
report's; the content packages sent to each (one declined, with its reason); overdue
reports; laggards first; a ward's person sees only the ward; the page in both languages,
its drill-down and its link to the queue; Metrics and Coverage filtered by unit."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from phuxanh import jobs
from phuxanh.core.errors import PermissionDenied
from phuxanh.core.settings import get_settings
from phuxanh.core.users import add_user
from phuxanh.models import (
    Campaign,
    Channel,
    ContentItem,
    ItemStatus,
    Package,
    PackageDelivery,
    Publication,
    PubState,
    Slot,
    Theme,
    Unit,
)
from phuxanh.network import packages
from phuxanh.network.obligations import add_obligation
from phuxanh.network.units import add_unit
from phuxanh.planning.campaign import CampaignSpec
from phuxanh.reports import status as filings
from phuxanh.reports.figures import build
from phuxanh.reports.glance import glance, seen_from
from phuxanh.reports.model import Period
from tests.helpers import user
from tests.test_dashboard import _signed_in
from tests.test_dashboard_pages import _labels, vietnamese

START, END = dt.date(2026, 3, 9), dt.date(2026, 3, 15)  # a week: quotas are per week
TODAY = dt.date(2026, 4, 20)  # March's report ("5 after") was due on 5/4
PASSWORD = "phuxanh-demo"
UNITS = [  # code, name, level, parent
    ("tp-test", "Thành phố thử", "city", None),
    ("so-du-lich", "Sở Du lịch thử", "department", "tp-test"),
    ("phuong-a", "Phường A", "ward", "tp-test"),
    ("phuong-b", "Phường B", "ward", "tp-test"),
    ("truong-c", "Trường C", "school", "so-du-lich"),
]
CHANNELS = [("fb-tp", "tp-test"), ("fb-a1", "phuong-a"), ("zl-a2", "phuong-a")]
CHANNELS += [("fb-b", "phuong-b"), ("fb-so", "so-du-lich")]
REASON = "Trùng lịch tuyên truyền của phường"
# laggards first: the department owes its quota and published nothing; ward A missed half
# its plan; the school owes a report; ward B declined a package; the city is on track
ORDER = ["so-du-lich", "phuong-a", "truong-c", "phuong-b", "tp-test"]


def _campaign(code: str, unit: str, channel: str, quotas: dict[str, int]) -> dict[str, Any]:
    """A campaign file's content (checked), with its weekly quotas."""
    config = {
        "code": code,
        "name": f"Kế hoạch {unit}",
        "unit": {"code": unit, "name": unit},
        "brand": "default",
        "period": {"from": "2026-01-01", "to": "2026-12-31"},
        "channels": [
            {
                "code": channel,
                "platform": "facebook",
                "name": channel,
                "account_id": "1",
                "api_base": "https://graph.facebook.com",
                "credential_env": "T",
                "windows": ["08:00-09:00"],
            }
        ],
        "themes": [{"code": k, "per_week": n} for k, n in quotas.items()],
    }
    return CampaignSpec.model_validate(config).model_dump(mode="json", by_alias=True)


def build_network(db_url: str) -> None:
    """The network of UNITS with its plan, posts, package and reports (see the numbers
    `test_each_unit_side_by_side` expects)."""
    tz = get_settings().tz
    jobs.init_db(db_url)
    at = lambda day, hour: dt.datetime.combine(  # noqa: E731
        START + dt.timedelta(days=day), dt.time(hour), tz
    )
    with Session(jobs.engine(db_url)) as s:
        themes = {
            "bau-cu": Theme(code="bau-cu", title_vi="Bầu cử đại biểu", title_en="Elections"),
            "du-lich": Theme(code="du-lich", title_vi="Du lịch biển", title_en="Seaside travel"),
        }
        s.add_all(themes.values())
        units = {
            code: add_unit(s, code=code, name=name, level=level, parent=parent)
            for code, name, level, parent in UNITS
        }
        for name, unit, role in (
            ("tp.lanhdao", "tp-test", "manager"),
            ("tp.bientap", "tp-test", "editor"),
            ("quan.tri", "tp-test", "admin"),
            ("phuong-a.duyet", "phuong-a", "approver"),
            ("phuong-b.duyet", "phuong-b", "approver"),
        ):
            add_user(s, username=name, unit_code=unit, role=role, password=PASSWORD)
        channels = {
            code: Channel(
                code=code,
                platform="zalo" if code.startswith("zl") else "facebook",
                display_name=f"Trang {code}",
                unit_id=units[unit].id or 0,
                account_id=code,
                api_base_url="http://127.0.0.1:9",
                credential_ref="env:T",
            )
            for code, unit in CHANNELS
        }
        s.add_all(channels.values())
        plans = {
            "phuong-a": Campaign(
                code="kh-a",
                name="KH A",
                unit_id=units["phuong-a"].id or 0,
                starts_on=dt.date(2026, 1, 1),
                ends_on=dt.date(2026, 12, 31),
                config=_campaign("kh-a", "phuong-a", "fb-a1", {"bau-cu": 7}),
            ),
            "so-du-lich": Campaign(
                code="kh-so",
                name="KH Sở",
                unit_id=units["so-du-lich"].id or 0,
                starts_on=dt.date(2026, 1, 1),
                ends_on=dt.date(2026, 12, 31),
                config=_campaign("kh-so", "so-du-lich", "fb-so", {"du-lich": 2}),
            ),
        }
        s.add_all(plans.values())
        s.flush()
        author = user(s, "tp.bientap")

        def post(
            channel: str,
            theme: str,
            when: dt.datetime,
            status: ItemStatus,
            *,
            slot: bool = True,
            out: Sequence[tuple[str, PubState, int | None]] = (),
        ) -> ContentItem:
            """An item (on a slot of the plan), and its publications."""
            ch = channels[channel]
            planned = None
            if slot:
                planned = Slot(
                    campaign_id=plans["phuong-a"].id or 0,
                    channel_id=ch.id or 0,
                    theme_id=themes[theme].id or 0,
                    scheduled_at=when,
                )
                s.add(planned)
                s.flush()
            item = ContentItem(
                slot_id=planned.id if planned else None,
                theme_id=themes[theme].id,
                unit_id=ch.unit_id,
                status=status,
                caption=f"Bài {channel} {when:%d/%m %H}h",
                channel_ids=[ch.id or 0],
                scheduled_at=when,
                author_id=author.id or 0,
            )
            s.add(item)
            s.flush()
            for code, state, reach in out:
                s.add(
                    Publication(
                        content_item_id=item.id or 0,
                        channel_id=channels[code].id or 0,
                        scheduled_at=when,
                        state=state,
                        idempotency_key=f"{item.id}-{code}",
                        approved_hash="0" * 64,
                        published_at=when if state == PubState.published else None,
                        latest_reach=reach,
                        metrics_at=when if state == PubState.published else None,
                    )
                )
            return item

        done = PubState.published
        # ward A: 4 posts planned on its Page (3 out, one of them on its Zalo too), 2 on its
        # Zalo (1 approved that failed to go out, 1 rejected), 1 after the week
        post("fb-a1", "bau-cu", at(0, 8), ItemStatus.published, out=[("fb-a1", done, 100)])
        post(
            "fb-a1",
            "bau-cu",
            at(1, 8),
            ItemStatus.published,
            out=[("fb-a1", done, 200), ("zl-a2", done, 50)],
        )
        post("fb-a1", "bau-cu", at(2, 8), ItemStatus.published, out=[("fb-a1", done, None)])
        post("fb-a1", "bau-cu", at(3, 8), ItemStatus.draft)
        post(
            "zl-a2",
            "du-lich",
            at(1, 19),
            ItemStatus.approved,
            out=[("zl-a2", PubState.failed, None)],
        )
        post("zl-a2", "du-lich", at(2, 19), ItemStatus.rejected)
        post("fb-a1", "bau-cu", at(9, 8), ItemStatus.published, out=[("fb-a1", done, 999)])
        # ward B: 2 planned, both out
        post("fb-b", "bau-cu", at(0, 9), ItemStatus.published, out=[("fb-b", done, 10)])
        post("fb-b", "bau-cu", at(4, 9), ItemStatus.published, out=[("fb-b", done, 20)])
        # the city: one post outside any plan, which it sends down as a package
        source = post(
            "fb-tp",
            "bau-cu",
            at(1, 7),
            ItemStatus.published,
            slot=False,
            out=[("fb-tp", done, 1000)],
        )
        package = Package(
            unit_id=units["tp-test"].id or 0,
            source_item_id=source.id or 0,
            title="Ngày hội toàn dân",
            created_by_id=author.id or 0,
            created_at=at(1, 10),
        )
        s.add(package)
        s.flush()
        drafts = {
            "phuong-a": post("fb-a1", "bau-cu", at(2, 9), ItemStatus.approved, slot=False),
            "phuong-b": post("fb-b", "bau-cu", at(2, 9), ItemStatus.draft, slot=False),
        }
        sent = {
            code: PackageDelivery(
                package_id=package.id or 0,
                unit_id=units[code].id or 0,
                item_id=drafts[code].id if code in drafts else None,
            )
            for code in ("phuong-a", "phuong-b", "truong-c")
        }
        s.add_all(sent.values())
        s.flush()
        packages.decline(
            s, delivery=sent["phuong-b"], actor=user(s, "phuong-b.duyet"), reason=REASON
        )
        # March's report: the school has not sent it, ward A has
        for code in ("truong-c", "phuong-a"):
            add_obligation(
                s,
                unit=code,
                what="Báo cáo tháng",
                to="Thành phố thử",
                period="month",
                due="5 after",
            )
        s.commit()
        owed = filings.status(s, unit="phuong-a", on=TODAY)
        filings.mark_sent(
            s,
            obligation_id=owed[0]["obligation"],
            period="2026-03",
            number="12-BC/UBND",
            actor="phuong-a.duyet",
        )
        s.commit()


@pytest.fixture
def network(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    build_network(db_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield db_url
    get_settings.cache_clear()


def _glance(
    db_url: str, code: str = "tp-test", who: str | None = "tp.lanhdao", today: dt.date = TODAY
) -> list[Any]:
    with Session(jobs.engine(db_url)) as s:
        viewer = user(s, who) if who else None
        return glance(
            s,
            unit_code=code,
            start=START,
            end=END,
            tz=get_settings().tz,
            viewer=viewer,
            today=today,
        )


def test_each_unit_side_by_side(network: str) -> None:
    rows = {r.code: r for r in _glance(network)}
    a, b, so, c, tp = (
        rows[k] for k in ("phuong-a", "phuong-b", "so-du-lich", "truong-c", "tp-test")
    )
    # ward A: 6 planned; 3 items out (one on two channels: 4 publications); its Page missed
    # 1 of 4, its Zalo 2 of 2 (a publication of another theme does not make up for them)
    assert (a.planned, a.approved, a.products, a.published) == (6, 4, 3, 4)
    assert (a.reach, a.shortfall, a.quota, a.channels) == (350, 3, 7, 2)
    assert a.behind == pytest.approx(0.5)  # 3/6 of the plan; of the quota 3/7
    assert (b.planned, b.approved, b.products, b.published, b.reach, b.shortfall) == (
        2, 2, 2, 2, 30, 0,
    )  # fmt: skip
    assert b.quota is None and b.behind == 0
    # the department: 2 posts a week asked for, nothing planned or published
    assert (so.quota, so.planned, so.published, so.behind) == (2, 0, 0, 1.0)
    assert (c.channels, c.planned, c.overdue) == (0, 0, 1)
    assert (tp.products, tp.published, tp.reach, tp.planned) == (1, 1, 1000, 0)
    assert a.overdue == 0  # sent, with its number
    assert [r.depth for r in (tp, so, a, c)] == [0, 1, 1, 2]
    assert (c.parent, tp.parent) == ("so-du-lich", None)


def test_the_figures_are_the_roll_up_reports(network: str) -> None:
    tz = get_settings().tz
    span = Period("range", "range", START, END, "tuần", "week")
    with Session(jobs.engine(network)) as s:
        report = build(s, period=span, tz=tz, unit_code="tp-test", rollup=True, today=TODAY)
    paper = {r.code: r for r in report.units}
    rows = _glance(network)
    assert {r.code for r in rows} == set(paper) == {code for code, *_ in UNITS}
    for r in rows:
        p = paper[r.code]
        assert (r.planned, r.approved, r.published, r.products, r.shortfall, r.reach) == (
            p.planned,
            p.approved,
            p.published,
            p.products,
            p.shortfall,
            p.reach,
        ), r.code
    assert sum(r.published for r in rows) == report.totals.published


def test_packages_per_unit_as_the_sender_sees_them(network: str) -> None:
    rows = {r.code: r for r in _glance(network)}
    with Session(jobs.engine(network)) as s:
        package = s.exec(select(Package)).one()
        answers = packages.deliveries(s, package=package)
    assert {d.unit: d.state for d in answers} == {
        "phuong-a": "approved",
        "phuong-b": "declined",
        "truong-c": "received",
    }
    for d in answers:
        counts = rows[d.unit].packages
        assert counts[d.state] == 1 and sum(counts.values()) == 1, d.unit
    declined = rows["phuong-b"].declined
    assert [(x.title, x.reason, x.sender) for x in declined] == [
        ("Ngày hội toàn dân", REASON, "tp-test")
    ]
    assert rows["so-du-lich"].sent == 0 and rows["phuong-a"].declined == ()
    # a package made after the span is not counted in it
    with Session(jobs.engine(network)) as s:
        later = END + dt.timedelta(days=1)
        glanced = glance(
            s, unit_code="tp-test", start=later, end=later, tz=get_settings().tz, today=TODAY
        )
    assert all(r.sent == 0 for r in glanced)


def test_laggards_first(network: str) -> None:
    rows = _glance(network)
    assert [r.code for r in rows] == ORDER
    # the order is by how far behind first: a department that catches up drops below
    with Session(jobs.engine(network)) as s:
        so = s.exec(select(Unit).where(Unit.code == "so-du-lich")).one()
        s.delete(s.exec(select(Campaign).where(Campaign.unit_id == so.id)).one())
        s.commit()
    assert [r.code for r in _glance(network)] == [*ORDER[1:3], "phuong-b", "so-du-lich", "tp-test"]


def test_a_ward_sees_only_its_ward(network: str) -> None:
    with pytest.raises(PermissionDenied, match=r"phuong-a\.duyet does not see tp-test"):
        _glance(network, "tp-test", who="phuong-a.duyet")
    with pytest.raises(PermissionDenied):
        _glance(network, "phuong-b", who="phuong-a.duyet")
    assert [r.code for r in _glance(network, "phuong-a", who="phuong-a.duyet")] == ["phuong-a"]
    assert [r.code for r in _glance(network, "so-du-lich", who="quan.tri")] == [
        "so-du-lich",
        "truong-c",
    ]
    with Session(jobs.engine(network)) as s:
        ward = user(s, "phuong-a.duyet")
        with pytest.raises(PermissionDenied):
            seen_from(s, viewer=ward, unit_code="phuong-b")
        stand_in = seen_from(s, viewer=user(s, "tp.lanhdao"), unit_code="phuong-b")
        assert stand_in is not None and stand_in.id is None  # not stored
        assert stand_in.unit_id == s.exec(select(Unit.id).where(Unit.code == "phuong-b")).one()


# --- the page ----------------------------------------------------------------------------


def _network_page(who: str, lang: str) -> AppTest:
    app = _signed_in(who, lang)
    app.switch_page("app_pages/network.py").run()
    app.date_input(key="net_range").set_value((START, END)).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_page_lists_laggards_first_and_drills_down(network: str, lang: str) -> None:
    app = _network_page("tp.lanhdao", lang)
    vi = lang == "vi"
    assert app.title[0].value == ("Mạng lưới đơn vị" if vi else "Unit network")
    table = app.dataframe[0].value
    names = dict((code, name) for code, name, *_ in UNITS)
    # the page counts overdue reports as of today: the same rows as the query's then
    shown = _glance(network, today=dt.datetime.now(get_settings().tz).date())
    assert list(table["Đơn vị" if vi else "Unit"]) == [names[r.code] for r in shown]
    assert list(table["Còn thiếu" if vi else "Behind"]) == [round(100 * r.behind) for r in shown]
    assert list(table["Báo cáo quá hạn" if vi else "Overdue reports"]) == [r.overdue for r in shown]
    assert [names[c] for c in ORDER[:2]] == list(table["Đơn vị" if vi else "Unit"])[:2]
    assert list(table["Còn thiếu" if vi else "Behind"])[:2] == [100, 50]
    declined = dict(
        zip(
            table["Đơn vị" if vi else "Unit"],
            table["Gói từ chối" if vi else "Packages declined"],
            strict=True,
        )
    )
    assert declined == {names[c]: int(c == "phuong-b") for c in names}
    if not vi:
        assert [x for x in _labels(app) if vietnamese(x)] == []
    # the drill-down opens on the worst laggard; ward B: its channel, its declined package
    assert app.selectbox(key=f"net_unit.{lang}").value == "so-du-lich"
    app.selectbox(key=f"net_unit.{lang}").set_value("phuong-b").run()
    assert not app.exception
    assert any(REASON in w.value for w in app.warning)
    channels, sent = app.dataframe[1].value, app.dataframe[2].value
    assert list(channels["Mã kênh" if vi else "Code"]) == ["fb-b"]
    assert list(sent["Trạng thái" if vi else "State"]) == ["Từ chối" if vi else "Declined"]
    assert list(sent["Lý do từ chối" if vi else "Why declined"]) == [REASON]
    # ward A's reports: the month's report it owes, this period and maybe the last
    app.selectbox(key=f"net_unit.{lang}").set_value("phuong-a").run()
    owed = app.dataframe[3].value
    assert set(owed["Báo cáo" if vi else "Report"]) == {"Báo cáo tháng"}
    assert set(owed["Gửi đến" if vi else "To"]) == {"Thành phố thử"}
    # and its items in the review queue
    app.button(key="net-queue").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == ("Hàng chờ duyệt" if vi else "Review queue")
    assert app.session_state["f_unit"] == "phuong-a"
    assert app.selectbox(key=f"f_unit.{lang}").value == "phuong-a"


def test_a_ward_user_sees_its_ward_alone(network: str) -> None:
    app = _network_page("phuong-a.duyet", "vi")
    assert app.selectbox(key="net_parent.vi").options == ["· Phường A"]  # depth in the tree
    assert list(app.dataframe[0].value["Đơn vị"]) == ["Phường A"]
    assert any("không có đơn vị cấp dưới" in i.value for i in app.info)
    assert "Phường B" not in json.dumps([str(d.value) for d in app.dataframe], ensure_ascii=False)


# --- Metrics and Coverage filtered by unit -------------------------------------------------


def t_reach(vi: bool) -> str:
    return "Tiếp cận" if vi else "Reach"


def _tooltips(app: AppTest) -> list[dict[str, Any]]:
    """Every tooltip of every chart on the page, as its Vega-Lite spec gives it."""
    out: list[dict[str, Any]] = []
    for chart in app.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        for layer in [spec, *spec.get("layer", [])]:
            tips = layer.get("encoding", {}).get("tooltip", [])
            out += tips if isinstance(tips, list) else [tips]
    return out


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_coverage_and_metrics_charts_follow_the_unit(network: str, lang: str) -> None:
    vi = lang == "vi"
    cov = _signed_in("tp.lanhdao", lang)
    cov.switch_page("app_pages/coverage.py").run()
    cov.date_input(key="cov_range").set_value((START, END)).run()
    planned = "Kế hoạch" if vi else "Planned"
    assert cov.dataframe[0].value[planned].sum() == 8  # every unit: ward A 6, ward B 2
    cov.selectbox(key=f"cov_unit.{lang}").set_value("phuong-b").run()
    assert not cov.exception, [e.value for e in cov.exception]
    frame = cov.dataframe[0].value
    assert frame[planned].sum() == 2
    assert list(frame["Chủ đề" if vi else "Theme"]) == ["Bầu cử đại biểu" if vi else "Elections"]
    tips = _tooltips(cov)  # each named in the language, none by its column's code
    assert tips and all("title" in tip for tip in tips)
    assert {"Chủ đề" if vi else "Theme", "Số lượt đăng" if vi else "Posts"} <= {
        tip["title"] for tip in tips
    }
    # the shortfalls and the "6 rõ" table in the page's language, themes by their names,
    # a reach not yet read said so (never "None")
    gaps = [w.value for w in cov.warning]
    six = cov.dataframe[1].value
    words = gaps + [str(v) for v in six.to_numpy().ravel()]
    words += [str(v) for v in frame[t_reach(vi)]]
    assert list(six["Rõ việc" if vi else "Task"]) == ["Bầu cử đại biểu" if vi else "Elections"]
    assert "None" not in words and "nan" not in words
    if not vi:
        said = " ".join(words).replace("Phường B", "")
        assert not vietnamese(said), said
        assert "Written by:" in " ".join(six["People"])
    cov.selectbox(key=f"cov_unit.{lang}").set_value("so-du-lich").run()
    assert not cov.dataframe  # the department planned nothing
    met = _signed_in("tp.lanhdao", lang)
    met.switch_page("app_pages/metrics.py").run()
    assert met.metric[0].value == "8"  # every published post with a reading
    met.selectbox(key=f"met_unit.{lang}").set_value("phuong-b").run()
    assert not met.exception, [e.value for e in met.exception]
    assert met.metric[0].value == "2"
    assert met.metric[2].value == "30"  # its reach alone
    tips = _tooltips(met)
    assert tips and all("title" in tip for tip in tips)
    assert {"Giá trị" if vi else "Value", "Theo chủ đề" if vi else "By theme"} <= {
        tip["title"] for tip in tips
    }
