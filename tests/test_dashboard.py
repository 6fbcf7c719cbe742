"""Every dashboard page renders real data from the database (Streamlit AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from phuxanh import jobs
from phuxanh.settings import get_settings
from tests.helpers import START, at, planned_and_rendered

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "streamlit_app.py")


@pytest.fixture
def app_db(db_url: str, sandbox, monkeypatch: pytest.MonkeyPatch) -> str:
    planned_and_rendered(db_url, sandbox.public_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    return db_url


def _page(name: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if name:
        at.switch_page(f"app_pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_queue_shows_drafts_with_sources(app_db: str) -> None:
    at = _page(None)
    at.selectbox[0].set_value("draft").run()
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
    assert cov.dataframe[0].value["Kế hoạch"].sum() == 8
    assert _page("metrics").info[0].value.startswith("Chưa có số liệu")


def test_metrics_page_after_publishing(app_db: str) -> None:
    from tests.test_publishing import _approve_all

    _approve_all(app_db)
    jobs.publish_due(now=at(0, 8, 1), database_url=app_db)
    jobs.collect_metrics(now=at(0, 9), database_url=app_db)
    met = _page("metrics")
    assert met.metric[0].value == "2"
    assert len(met.dataframe[0].value) == 2


def test_calendar_shows_the_election_wave(app_db: str) -> None:
    cal = _page("calendar")
    cal.date_input[0].set_value(START).run()
    assert any("Bầu cử 15/3/2026" in w.value and "15/03/2026" in w.value for w in cal.warning)
