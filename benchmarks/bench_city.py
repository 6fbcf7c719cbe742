"""A city-sized network's fortnight: planned, composed and its cards rendered (issue 17).

    .venv/bin/python benchmarks/bench_city.py                  # full size, SQLite (a file)
    .venv/bin/python benchmarks/bench_city.py --postgres       # a throwaway PostgreSQL
    .venv/bin/python benchmarks/bench_city.py --one-campaign   # the city plans every channel
    .venv/bin/python benchmarks/bench_city.py --units 6 --channels-per-unit 3 --days 2

Goal: wall time and peak memory on this machine for 150 units (the city, 10 departments,
30 schools below them and 109 wards), 3 channels each (450: a Facebook Page, a Zalo OA and
a TikTok account on the local platform sandbox) and a fortnight. Run it full size on a quiet
machine (no other argument, and with --one-campaign); each takes several minutes (about
6,300 cards at one post per channel a day; the small run above prints an estimate).

Everything goes through the project's own code, as an office would set itself up: the
units from one CSV file (`phuxanh unit import`), an editor and an approver per unit
(`phuxanh user add`), and one campaign file per unit ("each unit makes its own plan": its
channels, the catalog's five themes with the demo's weekly quotas, its team; the city and
departments in the city's brand, the others in the sample brand kit) set up with
`jobs.setup_campaign`; with --one-campaign, the city's one file lists every unit under
`units:` and every channel with its `unit:` (one plan, one composing transaction). Then,
each stage timed on its own: planning the fortnight (`jobs.plan_days`, campaign by
campaign), composing the drafts (`jobs.render_pending`: what each slot features,
captions, checks, provenance) and rendering the cards (the `render_all` step inside it,
on `PHUXANH_RENDER_WORKERS` threads, timed by wrapping it).
Printed: seconds per stage and in total, per-campaign medians, cards per second, slots
left unplanned or undrafted (with the first reasons), and peak resident memory (this
process, and its children, which card rendering does not use). Cards are written to a
temporary folder, removed afterwards. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import yaml  # noqa: E402

from phuxanh import jobs  # noqa: E402
from phuxanh.compose import drafts  # noqa: E402
from phuxanh.core.db import session_scope  # noqa: E402
from phuxanh.core.settings import get_settings  # noqa: E402
from phuxanh.core.users import add_user  # noqa: E402
from phuxanh.network import units  # noqa: E402
from tests import pg  # noqa: E402

DEPARTMENTS = 10
SCHOOLS = 30  # below the departments
PLATFORMS = ("facebook", "zalo", "tiktok")
WINDOWS = (["08:00-09:00"], ["11:30-12:30"], ["19:30-20:30"])
QUOTAS = {  # the demo campaign's weekly quotas (content/campaigns/demo.yaml)
    "hai-phong-cang-xanh": 5,
    "doi-ngoai-apec-2027": 4,
    "dai-hoi-xiv": 3,
    "bau-cu-2026": 1,
    "thong-tin-chinh-thong": 1,
}
SANDBOX_TOKEN_ENV = "PHUXANH_SANDBOX_TOKEN"


def network(n: int) -> list[dict[str, str]]:
    """The units: the city, its departments, schools below them, wards below the city."""
    rows = [{"code": "tp-bench", "name": "Thành phố (đo tải)", "level": "city", "parent": ""}]
    departments = min(DEPARTMENTS, max(0, n - 1))
    for k in range(departments):
        rows.append(
            {"code": f"so-{k}", "name": f"Sở {k + 1}", "level": "department", "parent": "tp-bench"}
        )
    for k in range(n - 1 - departments):
        if k < SCHOOLS and departments:
            parent, level, name = f"so-{k % departments}", "school", f"Trường {k + 1}"
        else:
            parent, level, name = "tp-bench", "ward", f"Phường {k + 1}"
        rows.append({"code": f"{level}-{k}", "name": name, "level": level, "parent": parent})
    return rows


def campaign_file(
    folder: Path,
    lead: dict[str, str],
    members: list[dict[str, str]],
    channels: int,
    start: dt.date,
    per_day: int,
) -> Path:
    """A campaign file, as an office would write it: the lead unit's own (members: [lead])
    or the city's for every unit (each channel names its unit, the others under units:)."""
    code = lead["code"]
    doc: dict[str, Any] = {
        "code": f"kh-{code}",
        "name": f"Kế hoạch thông tin đối ngoại 2026 - {lead['name']}",
        "unit": {"code": code, "name": lead["name"], "level": lead["level"]},
        "units": [
            {"code": u["code"], "name": u["name"], "level": u["level"]}
            for u in members
            if u is not lead
        ],
        "brand": "ttdn-haiphong" if lead["level"] in ("city", "department") else "don-vi-mau",
        "period": {"from": start.isoformat(), "to": (start + dt.timedelta(days=365)).isoformat()},
        "channels": [
            {
                "code": f"{PLATFORMS[j % 3]}-{u['code']}-{j}",
                "platform": PLATFORMS[j % 3],
                "name": f"{u['name']} · kênh {j + 1}",
                "unit": u["code"],
                "account_id": f"{u['code']}-{j}",
                "api_base": "sandbox",
                "credential_env": SANDBOX_TOKEN_ENV,
                "windows": list(WINDOWS[j % 3]),  # a copy: safe_dump would anchor it
                "max_per_day": per_day,
                "min_spacing_minutes": 30,
            }
            for u in members
            for j in range(channels)
        ],
        "themes": [{"code": theme, "per_week": n} for theme, n in QUOTAS.items()],
        "team": [
            {"username": f"bientap.{code}", "name": f"Biên tập {lead['name']}", "role": "editor"},
            {"username": f"duyet.{code}", "name": f"Duyệt {lead['name']}", "role": "approver"},
        ],
    }
    path = folder / f"kh-{code}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def setup(url: str, folder: Path, args: argparse.Namespace) -> tuple[list[str], float]:
    """Units, people and the campaigns; returns the campaigns' codes and the seconds the
    schema and the catalog took (the same at any size)."""
    t0 = time.perf_counter()
    jobs.init_db(url)
    jobs.load_catalog(url)
    fixed = time.perf_counter() - t0
    rows = network(args.units)
    csv_path = folder / "units.csv"
    csv_path.write_text(
        "code,name,level,parent\n"
        + "".join(f"{r['code']},{r['name']},{r['level']},{r['parent']}\n" for r in rows),
        encoding="utf-8",
    )
    with session_scope(jobs.engine(url)) as session:
        units.import_units(session, csv_path, actor="bench")
        for r in rows:
            for prefix, role, title in (
                ("bientap", "editor", "Biên tập"),
                ("duyet", "approver", "Duyệt"),
            ):
                add_user(
                    session,
                    username=f"{prefix}.{r['code']}",
                    unit_code=r["code"],
                    role=role,
                    display_name=f"{title} {r['name']}",
                    actor="bench",
                )
    sandbox = f"http://127.0.0.1:{get_settings().sandbox_port}"
    plans = [(rows[0], rows)] if args.one_campaign else [(r, [r]) for r in rows]
    codes = [
        jobs.setup_campaign(
            campaign_file(folder, lead, members, args.channels_per_unit, args.start, args.per_day),
            sandbox_url=sandbox,
            database_url=url,
        )
        for lead, members in plans
    ]
    return codes, fixed


class RenderClock:
    """Wraps `drafts.render_all` (the card rendering inside composing) to time it apart."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.cards = 0
        self.inner: Callable[..., Any] = drafts.render_all

    def __call__(self, card_jobs: list[drafts.CardJob], workers: int) -> Any:
        t0 = time.perf_counter()
        try:
            return self.inner(card_jobs, workers)
        finally:
            self.seconds += time.perf_counter() - t0
            self.cards += len(card_jobs)


def peak_mb() -> tuple[float, float]:
    """Peak resident memory so far (MB): this process, its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def spread(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:7.1f} ms, max {max(samples) * 1000:7.1f} ms"


def run(url: str, args: argparse.Namespace, folder: Path) -> None:
    start, days = args.start, args.days
    t0 = time.perf_counter()
    codes, fixed = setup(url, folder, args)
    took_setup = time.perf_counter() - t0
    n_channels = args.units * args.channels_per_unit
    layout = "one campaign of the city's" if args.one_campaign else "one campaign each"
    print(
        f"{jobs.engine(url).dialect.name}: {args.units} units ({layout}), "
        f"{n_channels} channels, {days} day(s) from {start:%d/%m/%Y}, "
        f"≤ {args.per_day} post(s) per channel a day, {get_settings().render_workers} "
        f"render thread(s)"
    )
    print(
        f"  set up (units, people, campaigns)  {took_setup:8.1f} s   peak {peak_mb()[0]:6.0f} MB"
        f"   (schema and catalog {fixed:.1f} s of it)"
    )

    planned, unfit, plan_times = 0, [], []
    for code in codes:
        t = time.perf_counter()
        out = jobs.plan_days(code, start=start, days=days, database_url=url)
        plan_times.append(time.perf_counter() - t)
        planned += out["planned"]
        unfit += [f"{code}: {u}" for u in out["unfit"]]
    took_plan = sum(plan_times)
    print(
        f"  plan      {planned:6d} slots        {took_plan:8.1f} s   peak {peak_mb()[0]:6.0f} MB"
        f"   (per campaign {spread(plan_times)})"
    )

    clock = RenderClock()
    drafts.render_all = clock  # type: ignore[assignment]  # measured, then put back
    tz = get_settings().tz
    since = dt.datetime.combine(start, dt.time(), tz)
    until = since + dt.timedelta(days=days) - dt.timedelta(microseconds=1)
    composed, skipped, held, compose_times = 0, [], 0, []
    try:
        for code in codes:
            t = time.perf_counter()
            out = jobs.render_pending(code, since=since, until=until, database_url=url)
            compose_times.append(time.perf_counter() - t)
            composed += out["rendered"]
            skipped += out["skipped"]
            held += len(out["held"])
    finally:
        drafts.render_all = clock.inner
    took_both = sum(compose_times)
    took_compose = took_both - clock.seconds
    rate = clock.cards / clock.seconds if clock.seconds else 0.0
    print(
        f"  compose   {composed:6d} drafts       {took_compose:8.1f} s   "
        f"peak {peak_mb()[0]:6.0f} MB   (captions, checks, provenance; {held} held for a reason)"
    )
    print(
        f"  render    {clock.cards:6d} cards        {clock.seconds:8.1f} s   "
        f"peak {peak_mb()[0]:6.0f} MB   ({rate:.1f} cards/s)"
    )
    print(f"            compose + render per campaign: {spread(compose_times)}")
    total = took_plan + took_both
    own, children = peak_mb()
    print(
        f"  total (plan + compose + render)    {total:8.1f} s   "
        f"({composed / total if total else 0:.1f} drafts/s; set-up apart)"
    )
    print(f"  peak resident memory: {own:.0f} MB (this process), {children:.0f} MB (children)")
    for label, lines in (("not planned", unfit), ("not drafted", skipped)):
        if lines:
            print(f"  {label}: {len(lines)}, e.g.")
            for line in lines[:3]:
                print(f"    {line}")
    full = 150 * 3 * 14 * args.per_day  # the goal's slots, at most
    if planned and planned < full:
        print(
            f"  full size (150 units, 450 channels, 14 days: ≤ {full} slots) by linear "
            f"extrapolation: ~{total * full / planned / 60:.0f} min plus set-up "
            f"~{(fixed + (took_setup - fixed) * 150 / args.units) / 60:.1f} min"
        )
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--units", type=int, default=150)
    parser.add_argument("--channels-per-unit", type=int, default=3)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument(
        "--per-day", type=int, default=1, help="posts per channel a day at most (default 1)"
    )
    parser.add_argument(
        "--start",
        type=dt.date.fromisoformat,
        default=dt.date(2026, 3, 2),
        help="the first day (default 2026-03-02: the fortnight of the 15/3 election)",
    )
    parser.add_argument(
        "--one-campaign",
        action="store_true",
        help="one city campaign over every unit's channels (default: a campaign per unit)",
    )
    parser.add_argument("--database", default=None, help="a database URL (default: SQLite)")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL")
    args = parser.parse_args()
    if args.units < 1 or args.channels_per_unit < 1 or args.days < 1 or args.per_day < 1:
        parser.error("--units, --channels-per-unit, --days and --per-day: at least 1")
    with tempfile.TemporaryDirectory(prefix="bench-city-") as tmp:
        os.environ["PHUXANH_MEDIA_DIR"] = str(Path(tmp) / "media")  # cards go here
        os.environ["PHUXANH_ASSISTANT_URL"] = ""  # no writing assistant: nothing leaves
        get_settings.cache_clear()
        with pg.bench_database(args.database, postgres=args.postgres, sqlite_name="city.db") as url:
            run(url, args, Path(tmp))


if __name__ == "__main__":
    main()
