"""The network page's query ("Mạng lưới đơn vị") for a city-sized network.

    .venv/bin/python benchmarks/bench_network.py                  # SQLite (a file)
    .venv/bin/python benchmarks/bench_network.py --postgres       # a throwaway PostgreSQL
    .venv/bin/python benchmarks/bench_network.py --publications 20000   # a quick look

Builds a city with 10 departments and 139 wards and schools (150 units, 30 of them below
a department), 3 channels each (450), a campaign of its own per unit (weekly quotas), a
quarter of slots with one item each, N publications (default 100,000; one item in four
also goes out on a second channel of its unit; one in ten failed or still waiting), 10
content packages sent to every unit below the city (some approved, published or declined)
and two reporting obligations per unit (some sent, most overdue); bulk inserts. Then times
`reports.glance.glance` for the city over the quarter (every unit, laggards first) and for
one department, median and p95 over --runs (default 20). Goal: p95 <= 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from phuxanh import jobs  # noqa: E402
from phuxanh.core.settings import get_settings  # noqa: E402
from phuxanh.models import (  # noqa: E402
    Campaign,
    Channel,
    ContentItem,
    Obligation,
    Package,
    PackageDelivery,
    Publication,
    ReportFiling,
    Role,
    Slot,
    Theme,
    Unit,
    User,
)
from phuxanh.reports.glance import glance  # noqa: E402
from tests import pg  # noqa: E402

DEPARTMENTS = 10
UNITS = 150
PER_UNIT = 3  # channels
THEMES = 5
PACKAGES = 10
Q_START = dt.date(2026, 1, 1)
Q_END = dt.date(2026, 3, 31)
TODAY = dt.date(2026, 4, 20)  # the first quarter's reports ("10 after") are overdue
BATCH = 5_000


def _units(s: Session) -> list[Unit]:
    city = Unit(code="bench-city", name="Thành phố (đo tải)", level="city")
    s.add(city)
    s.flush()
    departments = [
        Unit(code=f"bench-so-{k}", name=f"Sở {k}", level="department", parent_id=city.id)
        for k in range(DEPARTMENTS)
    ]
    s.add_all(departments)
    s.flush()
    rest = []
    for k in range(UNITS - 1 - DEPARTMENTS):
        parent = departments[k % DEPARTMENTS].id if k < 30 else city.id  # schools of a Sở
        level = "school" if k < 30 else "ward"
        rest.append(
            Unit(code=f"bench-{level}-{k}", name=f"Đơn vị {k}", level=level, parent_id=parent)
        )
    s.add_all(rest)
    s.flush()
    return [city, *departments, *rest]


def build(url: str, n: int) -> float:
    """Fill the database; returns the seconds it took."""
    t0 = time.perf_counter()
    jobs.init_db(url)
    engine = jobs.engine(url)
    with Session(engine) as s:
        s.add_all(
            Theme(code=f"theme-{k}", title_vi=f"Chủ đề {k}", title_en=f"Theme {k}")
            for k in range(THEMES)
        )
        units = _units(s)
        users = [
            User(username=f"editor.{u.code}", unit_id=u.id or 0, role=Role.editor) for u in units
        ]
        s.add_all(users)
        campaigns = [
            Campaign(
                code=f"plan-{u.code}",
                name=f"Kế hoạch {u.name}",
                unit_id=u.id or 0,
                starts_on=Q_START,
                ends_on=Q_END,
                config={"themes": [{"code": f"theme-{k}", "per_week": 2} for k in range(THEMES)]},
            )
            for u in units
        ]
        s.add_all(campaigns)
        channels = [
            Channel(
                code=f"bench-{u.code}-{j}",
                platform=("facebook", "zalo", "youtube")[j],
                display_name=f"Kênh {j} · {u.name}",
                unit_id=u.id or 0,
                account_id=f"{i}-{j}",
                api_base_url="http://127.0.0.1:9",
                credential_ref="env:T",
            )
            for i, u in enumerate(units)
            for j in range(PER_UNIT)
        ]
        s.add_all(channels)
        s.commit()
        theme_ids = [th.id for th in s.exec(select(Theme))]
        chan = [(c.id or 0, c.unit_id) for c in channels]
        campaign_of = {c.unit_id: c.id for c in campaigns}
        author_of = {u.unit_id: u.id for u in users}
        unit_ids = [u.id or 0 for u in units]
        city_id, city_editor = units[0].id or 0, users[0].id or 0
    with engine.begin() as conn:
        _posts(conn, n, chan, campaign_of, author_of, theme_ids)
        _network(conn, unit_ids, city_id, city_editor, len(chan))
    if engine.dialect.name == "postgresql":
        # the steady state of a database in use: statistics gathered and the bulk load's
        # rows vacuumed (otherwise the first reads set hint bits and autovacuum works on
        # the new rows while the glance is timed)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - t0


def _posts(
    conn: Any,
    n: int,
    chan: list[tuple[int, int]],
    campaign_of: dict[int, int | None],
    author_of: dict[int, int | None],
    theme_ids: list[int | None],
) -> None:
    """A quarter of slots, one item each, and n publications (bulk inserts)."""
    tz = get_settings().tz
    items = n * 4 // 5  # one item in four goes out twice: n publications in all
    span = (Q_END - Q_START).days + 1
    start = dt.datetime.combine(Q_START, dt.time(7), tz)
    step = dt.timedelta(days=span) / (items // len(chan) + 1)
    for lo in range(0, items, BATCH):
        ids = range(lo, min(items, lo + BATCH))
        slots: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        pubs: list[dict[str, Any]] = []
        for i in ids:
            channel_id, unit_id = chan[i % len(chan)]
            when = start + step * (i // len(chan))
            theme = theme_ids[i % THEMES]
            state = "published" if i % 10 else ("approved", "in_review")[i % 20 // 10]
            slots.append(
                {
                    "id": i + 1,
                    "campaign_id": campaign_of[unit_id],
                    "channel_id": channel_id,
                    "theme_id": theme,
                    "scheduled_at": when,
                    "format": "card",
                    "why": "",
                }
            )
            rows.append(
                {
                    "id": i + 1,
                    "slot_id": i + 1,
                    "campaign_id": campaign_of[unit_id],
                    "theme_id": theme,
                    "unit_id": unit_id,
                    "status": state,
                    "language": "vi",
                    "caption": f"Bài {i}",
                    "captions": {},
                    "channel_ids": [channel_id],
                    "fact_ids": [],
                    "hold_reasons": [],
                    "machine_drafted": False,
                    "scheduled_at": when,
                    "author_id": author_of[unit_id],
                    "version": 1,
                    "created_at": start,
                    "updated_at": start,
                }
            )
            targets = [channel_id]
            if i % 4 == 0:  # also on the next channel of the same unit
                base = (i % len(chan)) - (i % len(chan)) % PER_UNIT
                targets.append(chan[base + (i % len(chan) - base + 1) % PER_UNIT][0])
            for channel in targets:
                pub_state = "published" if state == "published" and i % 7 else "failed"
                if state != "published":
                    pub_state = "scheduled"
                pubs.append(
                    {
                        "content_item_id": i + 1,
                        "channel_id": channel,
                        "scheduled_at": when,
                        "state": pub_state,
                        "idempotency_key": f"k-{i}-{channel}",
                        "approved_hash": "0" * 64,
                        "attempts": 1,
                        "published_at": when if pub_state == "published" else None,
                        "updated_at": when,
                        "latest_reach": (i * 37) % 5000 if pub_state == "published" else None,
                    }
                )
        conn.execute(insert(Slot), slots)
        conn.execute(insert(ContentItem), rows)
        conn.execute(insert(Publication), pubs)


def _network(
    conn: Any, unit_ids: list[int], city_id: int, city_editor: int, n_channels: int
) -> None:
    """Packages sent to every unit below the city; two obligations per unit, some sent."""
    start = dt.datetime.combine(Q_START, dt.time(7), get_settings().tz)
    packages: list[dict[str, Any]] = [
        {
            "id": k + 1,
            "unit_id": city_id,
            "source_item_id": k * n_channels + 1,  # an item of the city's first channel
            "title": f"Gói nội dung {k}",
            "locked": ["fact", "source"],
            "created_by_id": city_editor,
            "created_at": start + dt.timedelta(days=7 * k),
        }
        for k in range(PACKAGES)
    ]
    conn.execute(insert(Package), packages)
    deliveries = []
    for k in range(PACKAGES):
        for j, unit_id in enumerate(unit_ids[1:]):
            declined = (j + k) % 9 == 0
            deliveries.append(
                {
                    "package_id": k + 1,
                    "unit_id": unit_id,
                    # the unit's own draft: one of its items (its state is the answer)
                    "item_id": (j + 1) * PER_UNIT + 1 + k * n_channels,
                    "state": "declined" if declined else "received",
                    "reason": "Không phù hợp địa bàn" if declined else None,
                    "updated_at": start,
                }
            )
    conn.execute(insert(PackageDelivery), deliveries)
    obligations = []
    for unit_id in unit_ids:
        for period, due in (("month", "5 after"), ("quarter", "10 after")):
            obligations.append(
                {
                    "unit_id": unit_id,
                    "what": f"Báo cáo {period}",
                    "to_name": "Ban Tuyên giáo và Dân vận Thành ủy",
                    "period": period,
                    "due": due,
                    "source": "KH-BTGDVTU 2026",
                    "active": True,
                }
            )
    conn.execute(insert(Obligation), obligations)
    conn.execute(
        insert(ReportFiling),
        [
            {
                "obligation_id": 2 * k + 2,  # a third of the units sent their quarter's
                "period_code": "2026-Q1",
                "state": "sent",
                "number": f"{k}-BC",
                "by": "bench",
                "at": start,
            }
            for k in range(0, UNITS, 3)
        ],
    )


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """(median, p95, median CPU time of this process) in ms over `runs`, after one warm-up
    run. On SQLite the database works inside this process, so its CPU time is the query's
    cost apart from the machine's other load (on PostgreSQL it leaves out the server's)."""
    fn()
    samples, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, statistics.median(cpu)


def measure(url: str, runs: int) -> None:
    engine = jobs.engine(url)
    tz = get_settings().tz
    with Session(engine) as s:
        city = s.exec(select(User).where(User.username == "editor.bench-city")).one()
        publications = s.exec(select(text("count(*)")).select_from(Publication)).one()
        print(
            f"{engine.dialect.name}: {UNITS} units, {UNITS * PER_UNIT} channels, "
            f"{publications:,} publications, {PACKAGES} packages to {UNITS - 1} units"
        )
        for label, code in (("city (150 units)", "bench-city"), ("one Sở (4 units)", "bench-so-0")):

            def run(code: str = code) -> list[Any]:
                return glance(
                    s,
                    unit_code=code,
                    start=Q_START,
                    end=Q_END,
                    tz=tz,
                    viewer=city,
                    today=TODAY,
                )

            rows = run()
            median, p95, cpu = timed(run, runs)
            worst = rows[0]
            print(
                f"  glance, {label:<17} median {median:7.1f} ms  p95 {p95:7.1f} ms  "
                f"(CPU {cpu:6.1f} ms; {len(rows)} rows; first {worst.code}: "
                f"{worst.behind:.0%} behind, {worst.overdue} overdue; goal p95 <= 300 ms)"
            )
        print(f"  load average while measuring: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--publications", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database", default=None, help="a database URL (default: SQLite)")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL")
    args = parser.parse_args()
    with pg.bench_database(args.database, postgres=args.postgres, sqlite_name="network.db") as url:
        took = build(url, args.publications)
        print(f"built in {took:.1f} s")
        measure(url, args.runs)


if __name__ == "__main__":
    main()
