"""The scale-out drill: README's "Run it for real", every command of it, on 127.0.0.1.

    .venv/bin/python scripts/scale_out.py                     (200 posts, 20 channels)
    .venv/bin/python scripts/scale_out.py --posts 20 --channels 4 --spread 2   (a quick one)

Brings up a throwaway PostgreSQL cluster (Debian's binaries, two databases: phuxanh and
prefect), `phuxanh init`, a Prefect server on PostgreSQL (`postgresql+asyncpg://`), the
sandbox of the platforms, `phuxanh deploy --pool phuxanh`, the zombie-run automation
(docs/zombie-runs.yaml), two process workers with `--limit` and the worker environment
(DATABASE_URL, each channel's credential variable, PHUXANH_SECRET_KEY, the shared media
directory mounted at another path than where the cards were made), and the dashboard.
Then `--posts` approved posts with a photo over `--channels` sandbox Pages fall due over
`--spread` minutes, and only the scheduled publish-due runs publish them. Verdict: every
post published exactly once on the sandbox (0 duplicates, 0 lost), every publish-due run
made by the scheduler (none by hand), the runs each worker took, and the timings.
Everything is torn down at the end (`--keep` leaves the folder with the logs).

Exit 0 on a clean verdict, 1 otherwise. Not part of the test suite: it runs for minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import requests  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

POOL = "phuxanh"
TOKEN = "sandbox-page-token"  # noqa: S105  (the sandbox's own token, not a secret)
TEXT = re.compile(r"Tin (\d{5})")


def say(t0: float, message: str) -> None:
    print(f"[{time.monotonic() - t0:7.1f} s] {message}", flush=True)


@dataclass
class Drill:
    """Everything the drill started, so `stop` can take it all down in order."""

    work: Path
    t0: float = field(default_factory=time.monotonic)
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    logs: dict[str, Path] = field(default_factory=dict)
    cluster: Any = None
    prefect: Any = None

    def spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        """A long-running command, its output in <work>/<name>.log."""
        log = self.work / f"{name}.log"
        self.logs[name] = log
        shown = " ".join(c if " " not in c else repr(c) for c in cmd)
        say(self.t0, f"$ {shown}   (log: {log.name})")
        with log.open("wb") as out:
            process = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append((name, process))
        return process

    def run(self, cmd: list[str], env: dict[str, str]) -> str:
        """A command that finishes; its output, or an exit with it on failure."""
        say(self.t0, "$ " + " ".join(cmd))
        done = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        if done.returncode != 0:
            raise SystemExit(
                f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stdout}\n{done.stderr}"
            )
        return done.stdout

    def stop(self) -> None:
        for name, process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(10)
                say(self.t0, f"stopped {name}")
        if self.prefect is not None:
            self.prefect.stop()
            say(self.t0, "stopped the Prefect server")
        if self.cluster is not None:
            self.cluster.stop()
            say(self.t0, "stopped PostgreSQL")


def wait_http(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code < 500:
                return
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer within {timeout_s:.0f} s")
        time.sleep(0.5)


def setup_posts(
    db_url: str,
    sandbox_url: str,
    media: Path,
    *,
    posts: int,
    channels: int,
    first: dt.datetime,
    spread_min: int,
) -> list[str]:
    """A unit, an editor and an approver, `channels` Facebook Pages on the sandbox, each with
    its own credential variable, and `posts` approved photo posts due from `first` on.
    Returns the credential variables' names."""
    from phuxanh.compose import items
    from phuxanh.core import users
    from phuxanh.publish.channels import add_channel
    from phuxanh.sandbox.samples import tiny_card

    engine = create_engine(db_url)
    names = [f"SANDBOX_PAGE_{i + 1:02d}_TOKEN" for i in range(channels)]
    cards = [
        tiny_card(media.parent / "desk" / f"the{i % 5}.png", text=f"Hải Phòng {i % 5}")
        for i in range(5)
    ]
    with Session(engine) as s:
        users.ensure_unit(s, code="ttdn-drill", name="Ban TTĐN (diễn tập)")
        users.add_user(
            s,
            username="lan.drill",
            unit_code="ttdn-drill",
            role="editor",
            password=secrets.token_urlsafe(16),
        )
        users.add_user(
            s,
            username="minh.drill",
            unit_code="ttdn-drill",
            role="approver",
            password=secrets.token_urlsafe(16),
        )
        s.commit()
        for i, name in enumerate(names):
            add_channel(
                s,
                platform="facebook",
                name=f"Trang diễn tập {i + 1:02d}",
                account_id=f"{100000000000100 + i}",
                credential_env=name,
                api_base=f"{sandbox_url}/facebook",
                unit_code="ttdn-drill",
                code=f"fb-drill-{i + 1:02d}",
                actor="drill",
            )
        s.commit()
        for n in range(posts):
            at = first + dt.timedelta(seconds=60 * spread_min * n / posts)
            item = items.create_item(
                s,
                channel_code=f"fb-drill-{n % channels + 1:02d}",
                actor="lan.drill",
                at=at,
                text=f"Tin {n:05d} · Hải Phòng – thành phố cảng xanh, văn minh, hiện đại.",
                media=cards[n % len(cards)],
            )
            s.commit()
            items.approve_item(s, item_id=item.id or 0, actor="minh.drill")
            s.commit()
    engine.dispose()
    return names


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it (read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def kill_mid_run(drill: Drill, api: str, timeout_s: float, first: dt.datetime) -> dict[str, Any]:
    """Wait for the run of the second minute (about half a minute of posts due, each answer
    1.5 s late) to be sending, then SIGKILL the worker that runs it and the run's own
    process, as a host losing power would; the worker is then gone."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for run in publish_runs(api):
            if run["state_type"] != "RUNNING" or dt.datetime.fromisoformat(
                run["expected_start_time"]
            ) < first + dt.timedelta(minutes=1):
                continue
            for name, process in list(drill.processes):
                log = drill.logs.get(name)
                if (
                    not name.startswith("worker-")
                    or log is None
                    or f"Flow run '{run['name']}' submitted"
                    not in log.read_text(encoding="utf-8", errors="replace")
                ):
                    continue
                time.sleep(5.0)  # into the run: a post is being sent
                tree = process_tree(process.pid)
                for pid in tree:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                process.wait(10)
                drill.processes.remove((name, process))
                say(
                    drill.t0,
                    f"SIGKILLed {name} and its run {run['name']} ({len(tree)} processes) mid-run",
                )
                return {
                    "worker": name,
                    "run": run["name"],
                    "run_id": run["id"],
                    "killed_at": time.monotonic(),
                }
        time.sleep(0.3)
    raise SystemExit("no publish-due run to kill appeared")


def runs_by_worker(logs: dict[str, Path]) -> dict[str, set[str]]:
    """Flow run names each worker started (both may try one run; one wins the Pending)."""
    took: dict[str, set[str]] = {}
    for name, log in logs.items():
        if name.startswith("worker-"):
            text = log.read_text(encoding="utf-8", errors="replace")
            took[name] = set(re.findall(r"Flow run '([^']+)' submitted to infrastructure", text))
    return took


def publish_runs(api: str) -> list[dict[str, Any]]:
    flows = requests.post(
        f"{api}/flows/filter", json={"flows": {"name": {"any_": ["publish-due"]}}}, timeout=10
    ).json()
    if not flows:
        return []
    got = requests.post(
        f"{api}/flow_runs/filter",
        json={
            "flows": {"id": {"any_": [f["id"] for f in flows]}},
            "flow_runs": {
                "state": {
                    "type": {"any_": ["COMPLETED", "FAILED", "CRASHED", "RUNNING", "PENDING"]}
                }
            },
        },
        timeout=10,
    )
    return list(got.json())


def verdict(
    db_url: str,
    sandbox_url: str,
    api: str,
    drill: Drill,
    *,
    posts: int,
    first: dt.datetime,
    setup_s: float,
) -> dict[str, Any]:
    from phuxanh.models import ContentItem, Publication, PubState

    live: Counter[str] = Counter()
    for post in requests.get(f"{sandbox_url}/_sandbox/posts", timeout=10).json()["posts"]:
        found = TEXT.search(str(post.get("message", "")))
        if found:
            live[found.group(1)] += 1
    engine = create_engine(db_url)
    states: Counter[str] = Counter()
    lateness: list[float] = []
    published_at: list[dt.datetime] = []
    lost: list[str] = []
    with Session(engine) as s:
        for pub, caption in s.exec(
            select(Publication, ContentItem.caption).join(
                ContentItem, col(ContentItem.id) == col(Publication.content_item_id)
            )
        ).all():
            states[pub.state] += 1
            key = TEXT.search(caption)
            copies = live.get(key.group(1), 0) if key else 0
            if pub.state != PubState.published or copies != 1:
                lost.append(
                    f"publication {pub.id}: {pub.state}, {copies} on the sandbox, "
                    f"{pub.last_error or ''}"
                )
            if pub.published_at:
                lateness.append((pub.published_at - pub.scheduled_at).total_seconds())
                published_at.append(pub.published_at)
    engine.dispose()
    runs = publish_runs(api)
    by_worker = runs_by_worker(drill.logs)
    ran = {r["name"] for r in runs if r["state_type"] == "COMPLETED"}
    lat = sorted(lateness) or [0.0]
    return {
        "posts": posts,
        "published": states.get(PubState.published, 0),
        "states": dict(states),
        "sandbox_posts": sum(live.values()),
        "duplicates": sum(1 for c in live.values() if c > 1),
        "lost": len(lost),
        "problems": lost[:10],
        "publish_runs": len(runs),
        "publish_runs_by_hand": sum(1 for r in runs if not r["auto_scheduled"]),
        "publish_runs_not_completed": sorted(
            Counter(r["state_name"] for r in runs if r["name"] not in ran).items()
        ),
        "runs_per_worker": {w: len(ids & ran) for w, ids in sorted(by_worker.items())},
        "setup_s": round(setup_s, 1),
        "first_due": first.isoformat(timespec="seconds"),
        "first_published_after_due_s": round((min(published_at) - first).total_seconds(), 1)
        if published_at
        else None,
        "last_published_after_due_s": round((max(published_at) - first).total_seconds(), 1)
        if published_at
        else None,
        "lateness_p50_s": round(statistics.median(lat), 1),
        "lateness_p95_s": round(lat[min(len(lat) - 1, int(len(lat) * 0.95))], 1),
        "lateness_max_s": round(lat[-1], 1),
    }


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM (e.g. `timeout`) tears down like Ctrl-C


def main() -> None:  # noqa: PLR0915  (one drill, step by step, as the README reads)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int, default=2, help="each worker's --limit")
    parser.add_argument("--spread", type=int, default=5, help="minutes the posts fall due over")
    parser.add_argument("--timeout", type=int, default=900, help="seconds to wait at most")
    parser.add_argument("--keep", action="store_true", help="keep the work folder and logs")
    parser.add_argument(
        "--kill-one",
        action="store_true",
        help="answers 1.5 s late, and a worker SIGKILLed mid-run: its run "
        "must end Crashed (docs/zombie-runs.yaml) and its posts still go "
        "out once (PHUXANH_STALE_CLAIM_S=60)",
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)

    from phuxanh.models import Publication, PubState
    from phuxanh.runs import prefect_server
    from tests import pg

    work = Path(tempfile.mkdtemp(prefix="phuxanh-scale-out-"))
    drill = Drill(work)
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PREFECT_", "PHUXANH_", "DATABASE_URL"))
    }
    base["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    ok = False
    try:
        say(drill.t0, f"work folder {work}")
        cluster = drill.cluster = pg.start()
        if cluster is None:
            raise SystemExit("PostgreSQL binaries not found (/usr/lib/postgresql/*/bin)")
        server_url = cluster.url.rsplit("/", 1)[0]
        with psycopg.connect(
            server_url.replace("postgresql+psycopg", "postgresql") + "/postgres", autocommit=True
        ) as conn:
            for name in ("phuxanh", "prefect"):
                conn.execute(f'CREATE DATABASE "{name}"')
        db_url = f"{server_url}/phuxanh"
        prefect_db = f"{server_url.replace('postgresql+psycopg', 'postgresql+asyncpg')}/prefect"
        say(drill.t0, f"PostgreSQL on {server_url.rsplit('@', 1)[-1]}: databases phuxanh, prefect")
        office_media = work / "office" / "media"  # where the desk made the cards
        shared_media = work / "mnt" / "phuxanh-media"  # the same share, mounted on workers
        phuxanh = str(Path(sys.executable).parent / "phuxanh")
        desk = base | {"DATABASE_URL": db_url, "PHUXANH_MEDIA_DIR": str(office_media)}
        drill.run([phuxanh, "init"], desk)

        drill.prefect = prefect_server.start(
            work / "prefect-server", database_url=prefect_db, ui=True
        )
        api = drill.prefect.url
        say(
            drill.t0,
            f"Prefect server on PostgreSQL at {drill.prefect.ui_url} "
            f"(PREFECT_SERVER_DATABASE_CONNECTION_URL=postgresql+asyncpg://…/prefect)",
        )

        sandbox_port = prefect_server.free_port()
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        drill.spawn(
            "sandbox",
            [phuxanh, "sandbox", "serve", "--port", str(sandbox_port)],
            base | {"PHUXANH_SANDBOX_TOKEN": TOKEN},
        )
        wait_http(f"{sandbox_url}/_sandbox/posts")
        if args.kill_one:  # every post answered 1.5 s late: a run is long enough to kill
            requests.post(
                f"{sandbox_url}/_sandbox/faults",
                timeout=10,
                json={"rate": 1.0, "kinds": ["slow_response"], "seed": 1},
            ).raise_for_status()

        setup_started = time.monotonic()
        now = dt.datetime.now(dt.UTC)
        first = (now + dt.timedelta(minutes=3)).replace(second=0, microsecond=0)
        secret, audit_key = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        os.environ |= {"PHUXANH_MEDIA_DIR": str(office_media), "PHUXANH_AUDIT_KEY": audit_key}
        from phuxanh.core.settings import get_settings

        get_settings.cache_clear()
        variables = setup_posts(
            db_url,
            sandbox_url,
            office_media,
            posts=args.posts,
            channels=args.channels,
            first=first,
            spread_min=args.spread,
        )
        setup_s = time.monotonic() - setup_started
        say(
            drill.t0,
            f"{args.posts} approved posts on {args.channels} sandbox Pages, due "
            f"{first:%H:%M:%S} UTC + {args.spread} min (setup {setup_s:.0f} s)",
        )
        shared_media.parent.mkdir(parents=True)
        shutil.move(office_media, shared_media)
        say(drill.t0, f"media moved to {shared_media} (the workers' mount of the share)")

        client = base | {"PREFECT_API_URL": api, "PREFECT_HOME": str(work / "client")}
        drill.run([phuxanh, "deploy", "--pool", POOL], client)
        drill.run(
            [
                sys.executable,
                "-m",
                "prefect",
                "automation",
                "create",
                "--from-file",
                "docs/zombie-runs.yaml",
            ],
            client,
        )
        # the drill exercises publishing only: the daily run would compose the demo's drafts
        # and feeds-hourly would poll the real news sites
        for flow, name in (("daily-run", "daily"), ("feeds-poll", "feeds-hourly")):
            found = requests.get(f"{api}/deployments/name/{flow}/{name}", timeout=10).json()
            requests.patch(
                f"{api}/deployments/{found['id']}", json={"paused": True}, timeout=10
            ).raise_for_status()
        say(drill.t0, "paused daily and feeds-hourly (this drill is about publishing)")

        worker_env = (
            client
            | {
                "DATABASE_URL": db_url,
                "PHUXANH_MEDIA_DIR": str(shared_media),
                "PHUXANH_SECRET_KEY": secret,
                "PHUXANH_AUDIT_KEY": audit_key,
                "PHUXANH_REQUIRE_DATABASE_URL": "1",
                "PHUXANH_STALE_CLAIM_S": "60" if args.kill_one else "300",
                "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",
            }
            | dict.fromkeys(variables, TOKEN)
        )
        for i in range(args.workers):
            drill.spawn(
                f"worker-{i + 1}",
                [
                    sys.executable,
                    "-m",
                    "prefect",
                    "worker",
                    "start",
                    "--pool",
                    POOL,
                    "--limit",
                    str(args.limit),
                    "--name",
                    f"worker-{i + 1}",
                ],
                worker_env | {"PREFECT_HOME": str(work / f"worker-{i + 1}")},
            )

        dash_port = prefect_server.free_port()
        drill.spawn(
            "dashboard",
            [phuxanh, "dashboard", "--port", str(dash_port)],
            base | {"DATABASE_URL": db_url, "PHUXANH_MEDIA_DIR": str(shared_media)},
        )
        wait_http(f"http://127.0.0.1:{dash_port}/", timeout_s=90)
        say(drill.t0, f"dashboard answers on http://127.0.0.1:{dash_port}")

        killed = kill_mid_run(drill, api, args.timeout, first) if args.kill_one else None
        engine = create_engine(db_url)
        deadline = time.monotonic() + args.timeout
        shown = -1
        settled: tuple[str, float] | None = None  # the killed run's state and when it left Running

        def check_killed() -> tuple[str, float] | None:
            assert killed is not None
            state = requests.get(f"{api}/flow_runs/{killed['run_id']}", timeout=10).json()["state"][
                "type"
            ]
            if state == "RUNNING":
                return None
            say(drill.t0, f"the killed run is {state}")
            return state, time.monotonic() - killed["killed_at"]

        while True:
            if killed is not None and settled is None:
                settled = check_killed()
            with Session(engine) as s:
                done = len(
                    s.exec(
                        select(Publication.id).where(Publication.state == PubState.published)
                    ).all()
                )
            if done != shown:
                say(drill.t0, f"published {done}/{args.posts}")
                shown = done
            if done >= args.posts or time.monotonic() > deadline:
                break
            for name, process in drill.processes:
                if process.poll() is not None:
                    raise SystemExit(
                        f"{name} exited ({process.returncode}); see {drill.logs[name]}"
                    )
            time.sleep(5)
        engine.dispose()
        time.sleep(5)  # let the last run report Completed
        result = verdict(
            db_url, sandbox_url, api, drill, posts=args.posts, first=first, setup_s=setup_s
        )
        if killed is not None:  # the zombie automation must settle the killed run
            while settled is None and time.monotonic() < deadline + 300:
                time.sleep(2)
                settled = check_killed()
            result["killed"] = {
                "worker": killed["worker"],
                "run": killed["run"],
                "run_state": settled[0] if settled else "RUNNING",
                "run_settled_after_s": round(settled[1], 1) if settled else None,
            }
        checked = drill.run([phuxanh, "audit", "verify"], desk | {"PHUXANH_AUDIT_KEY": audit_key})
        result["audit_verify"] = checked.strip().splitlines()[-1] if checked.strip() else ""
        result["wall_s"] = round(time.monotonic() - drill.t0, 1)
        print(json.dumps(result, ensure_ascii=False, indent=2))
        ok = (
            result["published"] == args.posts == result["sandbox_posts"]
            and result["duplicates"] == 0
            and result["lost"] == 0
            and result["publish_runs_by_hand"] == 0
            and (killed is None or result["killed"]["run_state"] == "CRASHED")
        )
    finally:
        drill.stop()
        if args.keep or not ok:
            say(drill.t0, f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("scale-out drill:", "PASSED" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
