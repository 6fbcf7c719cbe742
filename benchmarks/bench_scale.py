"""Scale: a year of an office network's posting, then the pages' and the report's queries.

    .venv/bin/python benchmarks/bench_scale.py                      # SQLite, full size
    .venv/bin/python benchmarks/bench_scale.py --postgres           # a throwaway PostgreSQL
    .venv/bin/python benchmarks/bench_scale.py --pubs 2000 --runs 3 # a quick look

Builds N publications (default 100,000) over 30 channels and a year, each with its draft
and plan slot, and 10 metric snapshots per publication (1,000,000 at full size). Then
times, as medians and p95 over --runs: the Coverage page's query (crud.coverage over
a quarter, the page's default; a whole year is printed too), the Metrics page's
(crud.metrics_overview) and a plain SQL aggregate over the same rows in the
same run (the floor: one GROUP BY over publication and contentitem); and the yearly
report built and written as DOCX, PDF and XLSX. Targets: pages p95 <= 300 ms, yearly
report <= 10 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from phuxanh import crud, jobs  # noqa: E402
from phuxanh.core.settings import get_settings  # noqa: E402
from phuxanh.models import (  # noqa: E402
    Campaign,
    Channel,
    ContentItem,
    MetricSnapshot,
    Publication,
    Slot,
    Theme,
    Unit,
    User,
)
from tests import pg  # noqa: E402

CHANNELS = 30
SNAPS = 10
START = dt.datetime(2026, 1, 1, 1, 0, tzinfo=dt.UTC)


def build(url: str, pubs: int) -> float:
    """Fill the database; returns the seconds it took."""
    t0 = time.perf_counter()
    jobs.init_db(url)
    jobs.load_catalog(url)
    engine = jobs.engine(url)
    with Session(engine) as s:
        unit = Unit(code="bench", name="Đơn vị đo tải", level="city")
        s.add(unit)
        s.flush()
        editor = User(username="bench.editor", unit_id=unit.id or 0, role="editor")
        s.add(editor)
        campaign = Campaign(
            code="bench",
            name="bench",
            unit_id=unit.id or 0,
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2026, 12, 31),
            config={
                "code": "bench",
                "name": "bench",
                "unit": {"code": "bench", "name": "bench"},
                "brand": "ttdn-haiphong",
                "period": {"from": "2026-01-01", "to": "2026-12-31"},
                "channels": [
                    {
                        "code": "c0",
                        "platform": "facebook",
                        "name": "c0",
                        "account_id": "0",
                        "api_base": "sandbox",
                        "credential_env": "T",
                        "windows": ["08:00-09:00"],
                    }
                ],
                "themes": [{"code": "bau-cu-2026", "per_week": 1}],
            },
        )
        s.add(campaign)
        channels = [
            Channel(
                code=f"bench-{i}",
                platform=("facebook", "zalo", "x")[i % 3],
                display_name=f"Kênh {i}",
                unit_id=unit.id or 0,
                account_id=str(i),
                api_base_url="http://127.0.0.1:9",
                credential_ref="env:T",
            )
            for i in range(CHANNELS)
        ]
        s.add_all(channels)
        s.commit()
        themes = [t.id for t in s.exec(select(Theme))]
        channel_ids = [c.id for c in channels]
        editor_id, unit_id, campaign_id = editor.id, unit.id, campaign.id
    step = dt.timedelta(seconds=365 * 86400 * CHANNELS / pubs)
    with engine.begin() as conn:
        for lo in range(0, pubs, 10_000):
            ids = range(lo, min(pubs, lo + 10_000))
            when = [START + (i // CHANNELS) * step for i in ids]
            conn.execute(
                insert(Slot),
                [
                    {
                        "id": i + 1,
                        "campaign_id": campaign_id,
                        "channel_id": channel_ids[i % CHANNELS],
                        "theme_id": themes[i % len(themes)],
                        "scheduled_at": w,
                        "format": "card",
                        "why": "bench",
                    }
                    for i, w in zip(ids, when, strict=True)
                ],
            )
            conn.execute(
                insert(ContentItem),
                [
                    {
                        "id": i + 1,
                        "slot_id": i + 1,
                        "campaign_id": campaign_id,
                        "theme_id": themes[i % len(themes)],
                        "unit_id": unit_id,
                        "status": "published",
                        "language": "vi",
                        "caption": f"Bài {i}",
                        "captions": {},
                        "channel_ids": [channel_ids[i % CHANNELS]],
                        "fact_ids": [],
                        "hold_reasons": [],
                        "machine_drafted": False,
                        "scheduled_at": w,
                        "author_id": editor_id,
                        "version": 1,
                        "created_at": w,
                        "updated_at": w,
                    }
                    for i, w in zip(ids, when, strict=True)
                ],
            )
            conn.execute(
                insert(Publication),
                [
                    {
                        "id": i + 1,
                        "content_item_id": i + 1,
                        "channel_id": channel_ids[i % CHANNELS],
                        "scheduled_at": w,
                        "state": "published",
                        "idempotency_key": f"k{i}",
                        "approved_hash": "0" * 64,
                        "remote_id": f"r{i}",
                        "attempts": 1,
                        "published_at": w + dt.timedelta(minutes=1),
                        "updated_at": w,
                        "latest_views": 100 + i % 900,
                        "latest_reach": 70 + i % 600,
                        "latest_engagement": i % 50,
                        "metrics_at": w + dt.timedelta(days=28),
                    }
                    for i, w in zip(ids, when, strict=True)
                ],
            )
            conn.execute(
                insert(MetricSnapshot),
                [
                    {
                        "publication_id": i + 1,
                        "collected_at": w + dt.timedelta(hours=k + 1),
                        "views": (100 + i % 900) * (k + 1) // SNAPS,
                        "reach": (70 + i % 600) * (k + 1) // SNAPS,
                        "reactions": i % 30,
                        "comments": i % 10,
                        "shares": i % 10,
                        "raw": {},
                    }
                    for i, w in zip(ids, when, strict=True)
                    for k in range(SNAPS)
                ],
            )
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - t0


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm caches, as a long-running dashboard has them
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


PLAIN = (
    "SELECT c.theme_id, count(*), sum(p.latest_reach), sum(p.latest_views) "
    "FROM publication p JOIN contentitem c ON c.id = p.content_item_id "
    "WHERE p.state = 'published' GROUP BY c.theme_id"
)


def measure(url: str, pubs: int, runs: int) -> None:
    engine = jobs.engine(url)
    tz = get_settings().tz
    with Session(engine) as s:
        floor = timed(lambda: s.execute(text(PLAIN)).all(), runs)
        q2 = (dt.date(2026, 4, 1), dt.date(2026, 6, 30))  # the page's default: a quarter
        cov = timed(lambda: crud.coverage(s, tz=tz, start=q2[0], end=q2[1]), runs)
        year = timed(lambda: crud.coverage(s, tz=tz), max(3, runs // 4))
        met = timed(lambda: crud.metrics_overview(s, top=6), runs)
        snaps = s.execute(text("SELECT count(*) FROM metricsnapshot")).scalar_one()
    print(f"{engine.dialect.name}: {pubs:,} publications, {snaps:,} metric snapshots")
    print(f"  plain SQL aggregate      median {floor[0]:7.1f} ms  p95 {floor[1]:7.1f} ms")
    for name, (med, p95) in (
        ("Coverage page query", cov),
        ("Metrics page query", met),
        ("Coverage, a whole year", year),
    ):
        print(
            f"  {name:<24} median {med:7.1f} ms  p95 {p95:7.1f} ms  "
            f"(goal p95 <= 300 ms; {med / floor[0]:.1f}x the plain aggregate)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("docx", "pdf", "xlsx"):
            t0 = time.perf_counter()
            jobs.report(
                period="2026",
                unit_code=None,
                fmt=fmt,
                out=Path(tmp) / f"y.{fmt}",
                database_url=url,
                today=dt.date(2026, 11, 15),
            )
            took = time.perf_counter() - t0
            print(f"  yearly report {fmt.upper():<5}      {took:7.2f} s  (goal <= 10 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pubs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database", default=None, help="a database URL (default: SQLite)")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL")
    args = parser.parse_args()
    with pg.bench_database(args.database, postgres=args.postgres, sqlite_name="scale.db") as url:
        took = build(url, args.pubs)
        print(f"built in {took:.0f} s")
        measure(url, args.pubs, args.runs)


if __name__ == "__main__":
    main()
