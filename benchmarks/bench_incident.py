"""An incident's clarification, from the second approver's "approve" to live everywhere.

    .venv/bin/python benchmarks/bench_incident.py                 # SQLite (a file)
    .venv/bin/python benchmarks/bench_incident.py --postgres      # a throwaway PostgreSQL
    .venv/bin/python benchmarks/bench_incident.py --runs 10

The demo office on the local sandbox (a real HTTP server in this process). Each run opens a
critical incident and drafts its clarification on 10 channels of its own across three
platforms (4 Facebook Pages, 3 Telegram channels, 3 X accounts: fresh channels per run, so
Telegram's 3 s gap between sends on one channel never carries over from the run before),
and the first approver approves all 10. Timed: the second approver approves the 10 items
(each commit as the desk makes it), then one publisher run (`publish_due`, what the
publish-due deployment runs), until all 10 posts are live in the sandbox. Prints the median
and p95 seconds over the runs. The publisher's schedule adds its own interval in production
(a run every few minutes) on top of these figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from sqlmodel import Session, col, select  # noqa: E402

from phuxanh import jobs, review  # noqa: E402
from phuxanh.core.db import migrate  # noqa: E402
from phuxanh.core.settings import get_settings  # noqa: E402
from phuxanh.incidents.core import draft_clarification, open_incident  # noqa: E402
from phuxanh.models import ContentItem, Fact, Publication, PubState, Unit, User  # noqa: E402
from phuxanh.publish.channels import add_channel  # noqa: E402
from phuxanh.sandbox import demo  # noqa: E402
from tests import pg  # noqa: E402

PLATFORMS = [("facebook", 4), ("telegram", 3), ("x", 3)]


def setup(url: str) -> str:
    os.environ[demo.SANDBOX_TOKEN_ENV] = demo.SANDBOX_TOKEN
    sandbox = demo.start_sandbox()
    migrate(url)
    jobs.load_catalog(url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url=sandbox, database_url=url)
    demo.ensure_team(demo.DEMO_CAMPAIGN, database_url=url)
    with Session(jobs.engine(url)) as s:
        unit = s.exec(select(Unit).where(Unit.code == "ttdn-haiphong")).one()
        unit.spokesperson, unit.spokesperson_title = "Nguyễn Văn An", "Chánh Văn phòng"
        unit.hotline = "0225 3842 000"
        s.add(unit)
        s.commit()
    return sandbox


def channels(url: str, sandbox: str, run: int) -> list[str]:
    codes = []
    with Session(jobs.engine(url)) as s:
        for platform, count in PLATFORMS:
            for k in range(count):
                code = f"b{run}-{platform}-{k}"
                add_channel(
                    s,
                    platform=platform,
                    name=f"Kênh đo {run} {platform} {k}",
                    account_id=f"{'@' if platform == 'telegram' else ''}b{run}{platform}{k}",
                    credential_env=demo.SANDBOX_TOKEN_ENV,
                    api_base=f"{sandbox}/{platform}",
                    unit_code="ttdn-haiphong",
                    code=code,
                    actor="bench",
                )
                codes.append(code)
        s.commit()
    return codes


def one_run(url: str, sandbox: str, run: int) -> float:
    codes = channels(url, sandbox, run)
    with Session(jobs.engine(url)) as s:
        facts = [f.code for f in s.exec(select(Fact).order_by(col(Fact.id))) if f.is_sourced][:2]
        incident = open_incident(
            s,
            title=f"Tin đồn số {run}",
            claim="Hải Phòng cấm toàn bộ xe máy vào nội thành từ tháng tới",
            evidence=["https://www.facebook.com/some.page/posts/123"],
            severity="critical",
            actor="lan.nguyen",
        )
        s.commit()
        items = draft_clarification(
            s,
            incident_id=incident.id or 0,
            actor="lan.nguyen",
            channel_codes=codes,
            fact_codes=facts,
        )
        s.commit()
        ids = [i.id or 0 for i in items]
        first = s.exec(select(User).where(User.username == "minh.tran")).one()
        for item in items:
            review.approve(s, item=item, actor=first)
            s.commit()
    start = time.perf_counter()
    with Session(jobs.engine(url)) as s:
        second = s.exec(select(User).where(User.username == "hoa.pham")).one()
        for item_id in ids:
            item = s.get(ContentItem, item_id)
            assert item is not None
            review.approve(s, item=item, actor=second)
            s.commit()
    outcome = jobs.publish_due(database_url=url)
    took = time.perf_counter() - start
    with Session(jobs.engine(url)) as s:
        live = s.exec(
            select(Publication).where(
                col(Publication.content_item_id).in_(ids), Publication.state == PubState.published
            )
        ).all()
    if len(live) != len(codes):
        sys.exit(f"run {run}: {len(live)} of {len(codes)} live ({dict(outcome)})")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database", default=None, help="a database URL (default: SQLite)")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as media:
        os.environ["PHUXANH_MEDIA_DIR"] = media
        get_settings.cache_clear()
        with pg.bench_database(args.database, postgres=args.postgres, sqlite_name="i.db") as url:
            sandbox = setup(url)
            times = [one_run(url, sandbox, run) for run in range(args.runs)]
            demo.stop_sandboxes()
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    backend = (
        "PostgreSQL" if args.postgres or (args.database or "").startswith("postgres") else "SQLite"
    )
    print(
        f"second approval → live on 10 channels (4 Facebook, 3 Telegram, 3 X), {backend}, "
        f"{len(times)} runs: median {statistics.median(times):.2f} s, p95 {p95:.2f} s "
        f"(fastest {times[0]:.2f} s, slowest {times[-1]:.2f} s)"
    )


if __name__ == "__main__":
    main()
