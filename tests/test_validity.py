"""Themes' validity windows, honoured by the planner: the election theme ends with its wave
(15/3/2026 and the 7 days after it), and gets no slot after."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.catalog.themes import theme_windows
from phuxanh.core.errors import ValidationFailed
from phuxanh.models import Slot, Theme
from phuxanh.planning.campaign import load_campaign
from phuxanh.planning.planner import ensure_campaign, plan
from phuxanh.sandbox import demo

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
END = dt.date(2026, 3, 22)


def _election_days(db_url: str) -> list[dt.date]:
    with Session(jobs.engine(db_url)) as s:
        election = s.exec(select(Theme).where(Theme.code == "bau-cu-2026")).one()
        slots = s.exec(select(Slot).where(Slot.theme_id == election.id)).all()
        return sorted(x.scheduled_at.astimezone(TZ).date() for x in slots)


def test_the_catalog_gives_the_windows() -> None:
    windows = theme_windows(ROOT / "content")
    assert windows["bau-cu-2026"] == (None, END)
    assert windows["dai-hoi-xiv"] == (None, None)


def test_no_slot_for_the_election_after_its_wave(db_url: str) -> None:
    jobs.load_catalog(db_url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url="http://127.0.0.1:9", database_url=db_url)
    out = jobs.plan_days("demo-2026", start=dt.date(2026, 3, 16), days=14, database_url=db_url)
    assert out["planned"] == 14 * 4 and out["unfit"] == []  # other themes take the slots
    days = _election_days(db_url)
    assert days and max(days) <= END  # the after-phase (16-22/3) still has the theme
    assert min(days) >= dt.date(2026, 3, 16)


def test_without_windows_the_election_would_go_on(db_url: str) -> None:
    """The control: the same fortnight planned with no windows has election posts after
    22/3 (so the test above can fail)."""
    jobs.load_catalog(db_url)
    spec = load_campaign(demo.DEMO_CAMPAIGN)
    with Session(jobs.engine(db_url)) as s:
        campaign = ensure_campaign(s, spec, sandbox_url="http://127.0.0.1:9")
        plan(s, campaign=campaign, start=dt.date(2026, 3, 16), days=14, tz=TZ, windows={})
        s.commit()
    assert max(_election_days(db_url)) > END


def test_a_day_with_no_valid_theme_is_reported(db_url: str) -> None:
    jobs.load_catalog(db_url)
    spec = load_campaign(demo.DEMO_CAMPAIGN)
    over = {q.code: (None, dt.date(2026, 3, 1)) for q in spec.themes}
    with Session(jobs.engine(db_url)) as s:
        campaign = ensure_campaign(s, spec, sandbox_url="http://127.0.0.1:9")
        slots, unfit = plan(
            s, campaign=campaign, start=dt.date(2026, 3, 1), days=2, tz=TZ, windows=over
        )
    assert {x.scheduled_at.astimezone(TZ).date() for x in slots} == {dt.date(2026, 3, 1)}
    assert unfit == ["02/03/2026: no theme is inside its validity window"]


def test_a_broken_window_is_named_by_file_and_line(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    path = tmp_path / "content" / "themes" / "bau-cu-2026.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("valid_until: 2026-03-22", "valid_until: 22/3"),
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as err:
        theme_windows(tmp_path / "content")
    (problem,) = err.value.problems
    line = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if "valid_until" in text
    )
    assert problem.startswith(f"{path}:{line}: valid_until: ")


def test_catalog_load_keeps_the_windows_in_the_database(db_url: str) -> None:
    """The planner reads the windows `catalog load` stored (a worker needs no content/)."""
    jobs.load_catalog(db_url)
    with Session(jobs.engine(db_url)) as s:
        stored = {t.code: (t.valid_from, t.valid_until) for t in s.exec(select(Theme))}
    assert stored == theme_windows(ROOT / "content")
    assert stored["bau-cu-2026"] == (None, END)


def test_a_closed_theme_owes_no_posts_in_a_report(db_url: str) -> None:
    """After its window, a theme's weekly quota is no shortfall: the Q4 2026 demo report
    said the plan gave 0 posts to the election theme, short of its quota."""
    from phuxanh.reports.figures import build
    from phuxanh.reports.model import parse_period

    jobs.load_catalog(db_url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url="http://127.0.0.1:9", database_url=db_url)
    jobs.plan_days("demo-2026", start=dt.date(2026, 10, 5), days=14, database_url=db_url)
    assert _election_days(db_url) == []

    def gaps() -> list[str]:
        with Session(jobs.engine(db_url)) as s:
            report = build(s, period=parse_period("2026-Q4"), tz=TZ, today=dt.date(2026, 10, 20))
            return [g for g in report.gaps if "Bầu cử" in g]

    assert gaps() == []
    with Session(jobs.engine(db_url)) as s:  # the control: were the theme open, it would
        election = s.exec(select(Theme).where(Theme.code == "bau-cu-2026")).one()
        election.valid_until = None
        s.add(election)
        s.commit()
    assert len(gaps()) == 1 and "thấp hơn định mức" in gaps()[0]
