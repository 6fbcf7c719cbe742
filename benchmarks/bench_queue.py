"""The review queue and the audit log at 10,000 items in review: the desk's queries.

    .venv/bin/python benchmarks/bench_queue.py                 # SQLite (a file), 10,000 items
    .venv/bin/python benchmarks/bench_queue.py --postgres      # a throwaway PostgreSQL
    .venv/bin/python benchmarks/bench_queue.py --items 2000    # a quick look

Builds a city office with 10 units below it, 30 channels and N items in review (default
10,000; bulk inserts, one audit row each), then times, as medians over --runs (default 5),
what the Queue page asks for: its first page of 20 for an approver of the city (who sees
every item) and of one unit below it (a tenth), the last page, a caption search with and
without diacritics, an author search, and the Audit page's first page for the unit's
approver. Goal: each <= 300 ms.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from phuxanh import crud, jobs  # noqa: E402
from phuxanh.models import AuditEvent, Channel, ContentItem, Theme, Unit, User  # noqa: E402
from tests import pg  # noqa: E402

UNITS = 10
CHANNELS = 30
PAGE = 20
START = dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.UTC)
WORDS = [
    "Hải Phòng - thành phố cảng xanh, văn minh, hiện đại",
    "Đại hội Đảng bộ thành phố: niềm tin và khát vọng",
    "Bầu cử đại biểu Quốc hội khóa XVI: ngày hội của toàn dân",
    "Năm APEC Việt Nam 2027: đối ngoại đa phương",
    "Du lịch biển Đồ Sơn, Cát Bà mùa hè 2026",
]


def build(url: str, n: int) -> float:
    """Fill the database; returns the seconds it took."""
    t0 = time.perf_counter()
    jobs.init_db(url)
    engine = jobs.engine(url)
    with Session(engine) as s:
        s.add_all(  # the themes themselves (the catalog's content does not matter here)
            Theme(code=f"theme-{k}", title_vi=f"Chủ đề {k}", title_en=f"Theme {k}")
            for k in range(5)
        )
        city = Unit(code="bench-city", name="Thành phố (đo tải)", level="city")
        s.add(city)
        s.flush()
        units = [
            Unit(code=f"bench-{k}", name=f"Đơn vị {k}", level="department", parent_id=city.id)
            for k in range(UNITS)
        ]
        s.add_all(units)
        s.flush()
        people = [
            User(username="city.approver", unit_id=city.id or 0, role="approver"),
            User(username="unit.approver", unit_id=units[0].id or 0, role="approver"),
            *(
                User(
                    username=f"editor.{k}",
                    display_name=f"Biên tập viên {k}",
                    unit_id=units[k].id or 0,
                    role="editor",
                )
                for k in range(UNITS)
            ),
        ]
        s.add_all(people)
        channels = [
            Channel(
                code=f"bench-{i}",
                platform=("facebook", "zalo", "x")[i % 3],
                display_name=f"Kênh {i}",
                unit_id=units[i % UNITS].id or 0,
                account_id=str(i),
                api_base_url="http://127.0.0.1:9",
                credential_ref="env:T",
            )
            for i in range(CHANNELS)
        ]
        s.add_all(channels)
        s.commit()
        themes = [t.id for t in s.exec(select(Theme))]
        editors = [u.id for u in people[2:]]
        channel_ids = [c.id for c in channels]
        unit_of_channel = [c.unit_id for c in channels]
    with engine.begin() as conn:
        for lo in range(0, n, 5_000):
            ids = range(lo, min(n, lo + 5_000))
            conn.execute(
                insert(ContentItem),
                [
                    {
                        "id": i + 1,
                        "theme_id": themes[i % len(themes)],
                        "unit_id": unit_of_channel[i % CHANNELS],
                        "status": "in_review",
                        "language": "vi",
                        "caption": f"{WORDS[i % len(WORDS)]} (bài {i})",
                        "captions": {},
                        "channel_ids": [channel_ids[i % CHANNELS]],
                        "fact_ids": [],
                        "hold_reasons": [],
                        "machine_drafted": False,
                        "scheduled_at": START + dt.timedelta(minutes=37 * i),
                        "author_id": editors[(i % CHANNELS) % UNITS],
                        "version": 1,
                        "created_at": START,
                        "updated_at": START,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(AuditEvent),
                [
                    {
                        "id": i + 1,
                        "at": START + dt.timedelta(seconds=i),
                        "actor": f"editor.{(i % CHANNELS) % UNITS}",
                        "action": "item.submit",
                        "entity": "item",
                        "entity_id": str(i + 1),
                        "detail": {},
                        "prev_hash": f"{i:064x}",
                        "row_hash": f"{i + 1:064x}",
                    }
                    for i in ids
                ],
            )
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - t0


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm caches, as a long-running dashboard has them
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def measure(url: str, n: int, runs: int) -> None:
    engine = jobs.engine(url)
    with Session(engine) as s:
        city = s.exec(select(User).where(User.username == "city.approver")).one()
        unit = s.exec(select(User).where(User.username == "unit.approver")).one()
        waiting = crud.QueueFilter(statuses=("in_review",))

        def first(viewer: User, where: crud.QueueFilter = waiting, page: int = 1) -> int:
            found = crud.queue_page(s, where, viewer=viewer, page=page, size=PAGE)
            assert found.rows, where
            return found.total

        cases: list[tuple[str, Callable[[], object], int]] = [
            ("queue, first page (city)", lambda: first(city), first(city)),
            ("queue, first page (unit)", lambda: first(unit), first(unit)),
            ("queue, last page (city)", lambda: first(city, page=10**6), first(city)),
        ]
        for label, where in (
            (
                "search 'cảng xanh' (city)",
                crud.QueueFilter(statuses=("in_review",), text="cảng xanh"),
            ),
            ("search 'dai hoi' (city)", crud.QueueFilter(statuses=("in_review",), text="dai hoi")),
            (
                "search 'bài 9999' (city)",
                crud.QueueFilter(statuses=("in_review",), text="bài 9999"),
            ),
            (
                "author 'editor.3' (city)",
                crud.QueueFilter(statuses=("in_review",), author="editor.3"),
            ),
        ):
            total = crud.queue_page(s, where, viewer=city, size=PAGE).total
            cases.append((label, lambda where=where: first(city, where), total))
        cases.append(
            (
                "audit log, first page (unit)",
                lambda: crud.audit_page(s, viewer=unit, size=PAGE),
                crud.audit_page(s, viewer=unit, size=PAGE).total,
            )
        )
        print(f"{engine.dialect.name}: {n:,} items in review, {UNITS} units below the city")
        for label, fn, total in cases:
            print(
                f"  {label:<30} median {median_ms(fn, runs):7.1f} ms"
                f"  ({total:,} match; goal <= 300 ms)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default=None, help="a database URL (default: SQLite)")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL")
    args = parser.parse_args()
    with pg.bench_database(args.database, postgres=args.postgres, sqlite_name="queue.db") as url:
        took = build(url, args.items)
        print(f"built in {took:.1f} s")
        measure(url, args.items, args.runs)


if __name__ == "__main__":
    main()
