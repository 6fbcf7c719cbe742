"""The demo campaign, end to end on the embedded default, through the real flows.

    python -m flows.demo            (what `./run demo` runs)

A fresh SQLite file, the catalog, the demo campaign's three Facebook Pages on the local
sandbox (a real HTTP server on 127.0.0.1), and a simulated fortnight: each morning the
daily run plans, composes drafts and collects metrics; the team reviews the drafts
(four-eyes); the publish-due task (what the every-minute deployment runs) posts to the sandbox
on time. On the first morning the city sends one approved item as a content package to
the offices below it (content/network/: a department and three wards, each with its own
Page and people); each office's own approver approves it and it is posted once on each
office's Page. Four more weeks of daily runs read every post on its 1 h … 28 d metrics
schedule, then the quarter's report is written as DOCX, PDF and XLSX under var/reports/,
and the city's roll-up report with a row per unit. On the second morning a false claim
circulates (on the real clock): the city opens a critical incident and its official,
sourced clarification is approved by two and posted at once on every Page; the incident's
timeline and report (DOCX, PDF) are printed and written. The same office also speaks to
the world (content/demo/): an English Page and a Korean Page, each a campaign of its own,
the Korean one posting only the catalog's texts that a person who reads Korean reviewed
(translations-ko.yaml, written and reviewed through the translation workflow); the demo
ends with the cards it rendered in each language. The Pages abroad open on the first
morning with a week's plan (ABROAD_DAYS: a post a day each, enough to show them, few enough
to keep the demo quick).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from prefect import flow, task

from flows.daily import daily_run
from flows.daily import publish_due as publish_due_task
from phuxanh import jobs
from phuxanh.core.db import masked
from phuxanh.core.settings import ROOT, get_settings
from phuxanh.crud import Summary
from phuxanh.sandbox import demo

DEMO_DB = ROOT / "var" / "demo.db"
ABROAD_DAYS = 7  # the Pages abroad: a week's plan


@task
def prepare(database_url: str, campaign_file: str, network: bool) -> dict[str, Any]:
    jobs.init_db(database_url)
    loaded = jobs.load_catalog(database_url)
    sandbox_url = demo.start_sandbox()
    code = jobs.setup_campaign(
        Path(campaign_file), sandbox_url=sandbox_url, database_url=database_url
    )
    demo.ensure_team(Path(campaign_file), database_url=database_url)
    units = (
        demo.setup_network(sandbox_url=sandbox_url, database_url=database_url) if network else []
    )
    return {"campaign": code, "catalog": loaded, "units": units, "sandbox": sandbox_url}


@task
def open_pages_abroad(
    sandbox_url: str, start: dt.date, days: int, database_url: str
) -> dict[str, Any]:
    """The office's English and Korean Pages and their reviewed Korean translations,
    planned for `days` days from `start` and drafted (what `phuxanh plan` and `render` do)."""
    opened = demo.setup_international(sandbox_url=sandbox_url, database_url=database_url)
    for code in opened["campaigns"]:
        jobs.plan_days(code, start=start, days=days, database_url=database_url)
        jobs.render_pending(code, database_url=database_url)
    return opened


@task
def review_abroad(campaigns: list[str], database_url: str) -> None:
    """The same people review the drafts of the Pages abroad."""
    for code in campaigns:
        demo.team_review(code, database_url=database_url)


@task
def team_review(campaign: str, database_url: str) -> dict[str, Any]:
    return demo.team_review(campaign, database_url=database_url)


@task
def publish_times(campaign: str, day: dt.date, database_url: str) -> list[dt.datetime]:
    return demo.publish_times_on(campaign, day, database_url=database_url)


@task
def push_package(campaign: str, now: dt.datetime, database_url: str) -> int:
    """The city sends a package down; each unit's own people review their draft."""
    package = demo.push_package(campaign, now=now, database_url=database_url)
    demo.network_review(package, database_url=database_url)
    return package


@task
def summary(database_url: str) -> Summary:
    return jobs.summary(database_url=database_url)


@task
def cards_by_language(database_url: str) -> list[dict[str, Any]]:
    return demo.cards_by_language(database_url=database_url)


@flow(name="demo-campaign", log_prints=True)
def demo_campaign(
    database_url: str,
    campaign_file: str,
    start: dt.date,
    days: int = 14,
    after_days: int = 28,
    network: bool = False,
    international: bool = False,
) -> dict[str, Any]:
    """`network`: the offices below the city and the package it sends them; `international`:
    the office's English and Korean Pages and their translations (both in `./run demo`)."""
    ready = prepare(database_url, campaign_file, network)
    package = incident = abroad = None
    campaign = ready["campaign"]
    tz = get_settings().tz
    reviews = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        morning = dt.datetime.combine(day, dt.time(6, 0), tz)
        # Plan only inside the demo fortnight: the horizon shrinks as the days pass.
        daily_run(
            now=morning, plan_days=days - offset if offset == 0 else 0, database_url=database_url
        )
        reviews.append(team_review(campaign, database_url))
        if international and offset == 0:  # the Pages abroad open, with a week's plan
            abroad = open_pages_abroad(
                ready["sandbox"], start, min(days, ABROAD_DAYS), database_url
            )
        if abroad is not None and offset < ABROAD_DAYS:
            review_abroad(abroad["campaigns"], database_url)
        if network and offset == 0:  # the first morning, once the city's drafts are approved
            package = push_package(campaign, morning + dt.timedelta(hours=1), database_url)
        if network and offset == 1:  # a false claim circulates: answered within the hour
            incident = incident_drill(campaign, database_url)
        for when in publish_times(campaign, day, database_url):
            # What the publish-due deployment runs every minute: the same task, on time.
            publish_due_task(when + dt.timedelta(minutes=1), database_url)
    # The four weeks after: each morning's run reads the posts on their 1 h … 28 d schedule,
    # so the last post's month of metrics history is complete.
    for offset in range(days, days + after_days + 1):
        daily_run(
            now=dt.datetime.combine(start + dt.timedelta(days=offset), dt.time(6), tz),
            plan_days=0,
            database_url=database_url,
        )
    today = start + dt.timedelta(days=days + after_days)
    reports = write_reports(database_url, start, today)
    return {
        "summary": summary(database_url),
        "review": reviews[0] if reviews else {},
        "reports": reports,
        "network": network_report(package, database_url, start, today) if package else None,
        "incident": incident,
        "international": abroad,
        "cards": cards_by_language(database_url),
    }


@task
def incident_drill(campaign: str, database_url: str) -> dict[str, Any]:
    """A false claim opened as a critical incident, clarified with its source on the
    campaign's Pages, approved by two, posted at once, closed and reported."""
    out = ROOT / "var" / "reports"
    return demo.incident_drill(campaign, out_dir=out, database_url=database_url)


@task
def network_report(package: int, database_url: str, start: dt.date, today: dt.date) -> Any:
    """Where the package stands at each unit, and the city's roll-up report of the quarter."""
    quarter = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    out = ROOT / "var" / "reports" / f"bao-cao-tong-hop-{quarter}.docx"
    return demo.network_report(
        package, quarter=quarter, today=today, out=out, database_url=database_url
    )


@task
def write_reports(database_url: str, start: dt.date, today: dt.date) -> list[str]:
    """The quarterly report of the quarter the demo began in, in all three formats."""
    quarter = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    out = ROOT / "var" / "reports"
    return [
        jobs.report(
            period=quarter,
            unit_code=None,
            fmt=fmt,
            out=out / f"bao-cao-{quarter}.{fmt}",
            database_url=database_url,
            today=today,
        )["path"]
        for fmt in ("docx", "pdf", "xlsx")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14, help="days to simulate (default 14)")
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=None,
        help="first day, YYYY-MM-DD (default: today in Asia/Ho_Chi_Minh)",
    )
    parser.add_argument(
        "--database", default=None, help=f"database URL (default: a fresh {DEMO_DB})"
    )
    args = parser.parse_args()
    url = args.database
    if url is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DEMO_DB}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{DEMO_DB}"
    start = args.start or dt.datetime.now(get_settings().tz).date()
    try:
        result = demo_campaign(
            url, str(demo.DEMO_CAMPAIGN), start, args.days, network=True, international=True
        )
    finally:
        demo.stop_sandboxes()
    s = result["summary"]
    print()
    print(f"phuxanh demo: {start:%d/%m/%Y} + {args.days} days, sandbox on 127.0.0.1")
    print(f"  items planned    {s.planned}")
    print(f"  cards rendered   {s.rendered}")
    print(f"  items approved   {s.approved}")
    print(f"  posts published  {s.published}")
    print(f"  metrics collected {s.metrics}")
    if result["review"].get("refused"):
        print(f"  four-eyes held:  {result['review']['refused'][0]}")
    for path in result["reports"]:
        print(f"  report           {path}")
    if result["network"]:
        for line in demo.network_lines(result["network"]):
            print(line)
    if result["incident"]:
        for line in demo.incident_lines(result["incident"]):
            print(line)
    if result["international"]:
        for line in demo.language_lines(result["international"], result["cards"]):
            print(line)
    print(f"  database         {masked(url)}")
    port = get_settings().dashboard_port
    print(
        f"Dashboard: ./run dashboard --database {masked(url)}   then open http://127.0.0.1:{port}"
    )


if __name__ == "__main__":
    main()
