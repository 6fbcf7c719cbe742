"""The exactly-once drill: N publications over the seven sandboxed platforms with injected
faults, the publishing process (a child of a fork server that imported phuxanh once) killed
with SIGKILL at random moments and started again until everything has settled; then every
publication is checked against what the sandbox holds.

    python -m phuxanh.sandbox.faultrun --n 1000 --rate 0.2      (benchmarks/bench_faults.py)

Time runs `speed` times faster than the wall clock inside the workers (`--now` per run), so
back-offs of minutes and stale claims of ten minutes pass in seconds (SPEED by default; the
test's smaller drill runs faster still: the retry back-off's hourly tail is most of it). A
channel stopped by an expired token is re-enabled between restarts, as the person on duty
would after renewing the token. Verdict per publication:
- published: exactly one post on the platform;
- failed or missed: no post on the platform (never marked failed while live);
- needs_check: at most one post, and a reason a person can act on;
- anything else when the run ends: lost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import random
import re
import secrets
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from phuxanh.compose import items
from phuxanh.core import users
from phuxanh.core.db import engine_for, migrate
from phuxanh.models import WAITING_FOR_A_PERSON, Channel, ContentItem, Publication, PubState
from phuxanh.publish.channels import TOKEN_EXPIRED
from phuxanh.sandbox.samples import tiny_card, tiny_clip

SPEED = 120.0  # simulated seconds per real second
MAX_SPEED = 3600.0  # an hour a second; the drill runs at 120 (full size) and 480 (the test)
KINDS = {
    "facebook": ["text", "png", "video"],
    "telegram": ["text", "png", "video"],
    "x": ["text", "png", "video"],
    "wordpress": ["text", "png"],
    "youtube": ["video"],
    "tiktok": ["video", "jpg"],
    "zalo": ["text", "jpg"],
}
LIVE = re.compile(r"Tin (\d{5})")
TOKEN_ENV = "PHUXANH_SANDBOX_TOKEN"  # noqa: S105 (the variable's name, not a secret)


PER_HOUR = 1000  # publications falling due per simulated hour: the full drill's 1,000 in one


def setup(db_url: str, sandbox_url: str, n: int, media_dir: Path, start: dt.datetime) -> None:
    """A unit, an author and an approver, one channel per platform, n approved items due
    PER_HOUR an hour from `start`."""
    migrate(db_url)
    files = {
        "png": tiny_card(media_dir / "card.png"),
        "jpg": tiny_card(media_dir / "card.jpg"),
        "video": tiny_clip(media_dir / "clip.mp4"),
    }
    engine = engine_for(db_url)
    with Session(engine) as s:
        unit = users.ensure_unit(s, code="drill", name="Đơn vị diễn tập")
        users.add_user(
            s,
            username="drill-author",
            unit_code="drill",
            role="editor",
            password=secrets.token_urlsafe(16),
        )
        users.add_user(
            s,
            username="drill-approver",
            unit_code="drill",
            role="approver",
            password=secrets.token_urlsafe(16),
        )
        for platform in KINDS:
            s.add(
                Channel(
                    code=f"drill-{platform}",
                    platform=platform,
                    unit_id=unit.id or 0,
                    display_name=f"Drill {platform}",
                    account_id="drill",
                    api_base_url=f"{sandbox_url}/{platform}",
                    credential_ref=f"env:{TOKEN_ENV}",
                )
            )
        s.commit()
        platforms = list(KINDS)
        for i in range(n):
            platform = platforms[i % len(platforms)]
            kind = KINDS[platform][(i // len(platforms)) % len(KINDS[platform])]
            at = start + dt.timedelta(hours=i / PER_HOUR)
            item = items.create_item(
                s,
                channel_code=f"drill-{platform}",
                actor="drill-author",
                at=at,
                text=f"Tin {i:05d} · Hải Phòng – thành phố cảng xanh, văn minh, hiện đại\n"
                "Bầu cử đại biểu Quốc hội khóa XVI và HĐND các cấp ngày 15/3/2026.",
                media=None if kind == "text" else files[kind],
                link="https://haiphong.gov.vn/" if kind == "text" else None,
            )
            s.commit()
            items.approve_item(s, item_id=item.id or 0, actor="drill-approver")
            s.commit()


def _publish_once(now: str, db_url: str, env: dict[str, str], log: str) -> None:
    """One run of the publishing worker, in its own process (a child of the fork server):
    `jobs.publish_due` at the instant `now`, its output appended to `log`."""
    with open(log, "ab") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
    os.environ.update(env)
    from phuxanh import jobs
    from phuxanh.core.settings import get_settings

    get_settings.cache_clear()
    print(jobs.publish_due(now=dt.datetime.fromisoformat(now), database_url=db_url), flush=True)


def _workers() -> Any:
    """Where the worker processes come from: a fork server that has imported phuxanh once.
    Each worker is still its own process, killed with SIGKILL. Only the import (about a
    second in a new interpreter, before any query) is no longer repeated every round: it
    was most of a round, so most kills landed before the worker had done anything."""
    ctx = multiprocessing.get_context("forkserver")
    # not this module: run as `python -m`, it is __main__, which each child runs again as
    # __mp_main__ (runpy warns when it was imported already)
    ctx.set_forkserver_preload(["phuxanh.jobs"])
    return ctx


def run(
    db_url: str,
    sandbox_url: str,
    *,
    n: int,
    rate: float,
    seed: int,
    workdir: Path,
    kill_every_s: tuple[float, float] = (1.0, 8.0),
    max_rounds: int = 400,
    speed: float = SPEED,
) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 (fault timing, not secrets)
    start = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)
    requests.post(f"{sandbox_url}/_sandbox/reset", timeout=5).raise_for_status()
    requests.post(
        f"{sandbox_url}/_sandbox/config", timeout=5, json={"processing_s": 0.5, "timeout_s": 3}
    ).raise_for_status()
    t0 = time.perf_counter()
    setup(db_url, sandbox_url, n, workdir / "media", start)
    setup_s = time.perf_counter() - t0
    requests.post(
        f"{sandbox_url}/_sandbox/faults", timeout=5, json={"rate": rate, "seed": seed}
    ).raise_for_status()
    # The drill packs an hour of posts into 30 s of wall time and each worker acts at one
    # instant (`--now`), so real-time pacing gaps would let one paced post per channel out
    # per run and turn the drill into a pacing test (tests/test_pacing.py is that);
    # one send per channel at a time stays on.
    env = os.environ | {
        "PHUXANH_HTTP_TIMEOUT_S": "2",
        "PHUXANH_LATENESS_LIMIT_MINUTES": "1440",
        "PHUXANH_SEND_GAP_S": "{}",
        "PHUXANH_PUBLIC_MEDIA_URL": f"{sandbox_url}/media",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    engine = engine_for(db_url)
    workers = _workers()
    log = str(workdir / "workers.log")
    kills = rounds = crashes = 0
    t1 = time.perf_counter()
    quiet = 0
    while rounds < max_rounds:
        rounds += 1
        now = start + dt.timedelta(seconds=(time.perf_counter() - t1) * speed)
        with engine.begin() as c:  # the person on duty renews the token
            c.execute(
                text(
                    "UPDATE channel SET paused = false, pause_reason = NULL "
                    "WHERE pause_reason = :stopped"
                ),
                {"stopped": TOKEN_EXPIRED},
            )
        if quiet >= 1 and rate:  # the storm is over: settle without faults
            requests.post(f"{sandbox_url}/_sandbox/faults", json={"rate": 0}, timeout=5)
            rate = 0.0
        proc = workers.Process(target=_publish_once, args=(now.isoformat(), db_url, env, log))
        proc.start()
        limit = rng.uniform(*kill_every_s) if rate else 120.0
        proc.join(limit)
        if proc.exitcode is None:  # still publishing: killed mid-way, as a crash would
            proc.kill()
            proc.join()
            kills += 1
            continue
        if proc.exitcode != 0:
            crashes += 1
        pending = _count(
            engine, (PubState.scheduled, PubState.claimed, PubState.sending, PubState.processing)
        )
        quiet = quiet + 1 if pending == 0 else 0
        if quiet >= 3:  # settled, and needs_check had two fault-free chances to reconcile
            break
        time.sleep(0.3)
    wall = time.perf_counter() - t1
    result = verdict(
        engine,
        sandbox_url,
        n=n,
        wall_s=wall,
        setup_s=setup_s,
        kills=kills,
        rounds=rounds,
        speed=speed,
    )
    result["worker_crashes"] = crashes  # exited with an error, not killed: see `log`
    return result


def _count(engine: Any, states: tuple[PubState, ...]) -> int:
    with Session(engine) as s:
        return s.exec(
            select(func.count()).select_from(Publication).where(col(Publication.state).in_(states))
        ).one()


def verdict(
    engine: Any,
    sandbox_url: str,
    *,
    n: int,
    wall_s: float,
    setup_s: float,
    kills: int,
    rounds: int,
    speed: float = SPEED,
) -> dict[str, Any]:
    posts = requests.get(f"{sandbox_url}/_sandbox/posts", timeout=10).json()
    live: Counter[str] = Counter()
    for post in posts["posts"]:
        found = LIVE.search(str(post.get("message", "")))
        if found:
            live[found.group(1)] += 1
    states: Counter[str] = Counter()
    problems: list[str] = []
    lateness: list[float] = []
    waiting: Counter[str] = Counter()  # what waits for a person, by platform and reason
    with Session(engine) as s:
        rows = s.exec(
            select(Publication, ContentItem.caption, Channel.platform)
            .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
            .join(Channel, col(Channel.id) == col(Publication.channel_id))
        ).all()
        for pub, caption, platform in rows:
            if pub.state in WAITING_FOR_A_PERSON:
                why = re.sub(r"\d+", "N", (pub.last_error or "")[:70])
                waiting[f"{pub.state} {platform}: {why}"] += 1
            item_text = f"publication {pub.id} (channel {pub.channel_id})"
            key = LIVE.search(caption)
            copies = live.get(key.group(1), 0) if key else 0
            states[pub.state] += 1
            if pub.state == PubState.published:
                if copies != 1:
                    problems.append(f"{item_text}: published but {copies} posts on the platform")
                if pub.published_at:
                    lateness.append((pub.published_at - pub.scheduled_at).total_seconds())
            elif pub.state in (PubState.failed, PubState.missed):
                if copies:
                    problems.append(f"{item_text}: {pub.state} while live ({copies} posts)")
            elif pub.state == PubState.needs_check:
                if copies > 1 or not pub.last_error:
                    problems.append(
                        f"{item_text}: needs_check with {copies} posts, reason {pub.last_error!r}"
                    )
            else:
                problems.append(f"{item_text}: lost in state {pub.state}")
    duplicates = sum(1 for c in live.values() if c > 1)
    lat = sorted(lateness) or [0.0]
    return {
        "publications": n,
        "states": dict(states),
        "duplicates": duplicates,
        "lost": sum(1 for p in problems if "lost in state" in p),
        "problems": problems[:20],
        "waiting_for_a_person": dict(waiting.most_common()),
        "faults_injected": posts.get("faults_injected", {}),
        "kills": kills,
        "rounds": rounds,
        # simulated minutes (the workers' clock runs `speed` times faster than the wall clock)
        "lateness_p50_min": round(statistics.median(lat) / 60, 1),
        "lateness_p99_min": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))] / 60, 1),
        "lateness_p50_wall_s": round(statistics.median(lat) / speed, 1),
        "wall_s": round(wall_s, 1),
        "setup_s": round(setup_s, 1),
        "throughput_per_s": round(states.get(PubState.published, 0) / wall_s, 1),
    }


def _speed(value: str) -> float:
    """--speed: how many simulated seconds pass in a real one, 1 to MAX_SPEED."""
    try:
        speed = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 1 <= speed <= MAX_SPEED:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{value!r} is outside 1-{MAX_SPEED:g}")
    return speed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--speed", type=_speed, default=SPEED, help="simulated s per real s")
    parser.add_argument("--database", default=None, help="default: a new SQLite file")
    parser.add_argument("--workdir", type=Path, default=Path("var/faultrun"))
    args = parser.parse_args()
    from phuxanh.sandbox.server import start_in_thread

    args.workdir.mkdir(parents=True, exist_ok=True)
    db = args.database or f"sqlite:///{(args.workdir / f'drill-{int(time.time())}.db').resolve()}"
    os.environ.setdefault(TOKEN_ENV, "sandbox-page-token")
    server = start_in_thread(tokens={os.environ[TOKEN_ENV]})
    try:
        result = run(
            db,
            server.public_url,
            n=args.n,
            rate=args.rate,
            seed=args.seed,
            workdir=args.workdir,
            speed=args.speed,
        )
    finally:
        server.shutdown()
    for key, value in result.items():
        print(f"{key}: {value}")
    sys.exit(0 if not result["problems"] and not result["duplicates"] else 1)


if __name__ == "__main__":
    main()
