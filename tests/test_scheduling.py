"""Scheduled runs really fire, on a real `prefect server start` on 127.0.0.1.

- a deployment on a short interval gets a run the scheduler made (not one started by hand)
  to Completed: the canary for the dependency set (with SQLAlchemy 2.1 the Prefect 3.8
  scheduler fails on every loop, `Can't evaluate bulk DML statement`, and no run is made,
  while everything started by hand still works);
- `phuxanh serve` on the embedded default publishes a due post with nothing else started;
- `phuxanh deploy` and `prefect deploy` (prefect.yaml) make the same four deployments;
- `serve` refuses names a work pool owns.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.compose.items import approve_item, create_item
from phuxanh.core.db import migrate
from phuxanh.core.settings import ROOT
from phuxanh.models import Publication, PubState
from phuxanh.runs import prefect_server
from phuxanh.runs.schedules import INTERVAL_ANCHOR, SCHEDULES, SERVE_PREFIX, WORKER_ENV
from phuxanh.sandbox import demo

pytestmark = pytest.mark.slow

FLOW = """
from prefect import flow

@flow(name="tick")
def tick() -> str:
    return "tock"

if __name__ == "__main__":
    tick.serve(name="every-3s", interval=3)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[prefect_server.LocalPrefectServer]:
    home = tmp_path_factory.mktemp("prefect-home")
    started = prefect_server.start(home, ui=False, scheduler_loop_s=2)
    yield started
    started.stop()


def scheduled_runs(api: str, flow_name: str) -> list[dict]:
    body = {"flows": {"name": {"any_": [flow_name]}}, "sort": "EXPECTED_START_TIME_ASC"}
    got = requests.post(f"{api}/flow_runs/filter", json=body, timeout=10)
    got.raise_for_status()
    return [r for r in got.json() if r["auto_scheduled"]]


def client_env(api: str | None, home: Path, **extra: str) -> dict[str, str]:
    """A process that talks to `api` only (None: to no configured server), with its own
    PREFECT_HOME; `extra` on top."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {"PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    if api is not None:
        env["PREFECT_API_URL"] = api
    return env | extra


def api_post(api: str, path: str, body: dict | None = None) -> list | dict:
    got = requests.post(f"{api}{path}", json=body or {}, timeout=10)
    got.raise_for_status()
    return got.json()


def test_a_scheduled_run_completes(server, tmp_path: Path) -> None:
    script = tmp_path / "tick.py"
    script.write_text(textwrap.dedent(FLOW), encoding="utf-8")
    log = (tmp_path / "serve.log").open("wb")
    served = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=client_env(server.url, tmp_path / "client-home", PREFECT_RUNNER_POLL_FREQUENCY="1"),
    )
    try:
        deadline = time.monotonic() + 90
        runs: list[dict] = []
        while time.monotonic() < deadline:
            runs = scheduled_runs(server.url, "tick")
            if any(r["state_type"] == "COMPLETED" for r in runs):
                break
            assert served.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(1)
        states = [r["state_type"] for r in runs]
        assert "COMPLETED" in states, (
            f"no scheduled run completed in 90 s (runs the scheduler made: {states}); "
            f"the server log ends:\n{server.log_tail()}"
        )
    finally:
        served.terminate()
        try:
            served.wait(30)
        except subprocess.TimeoutExpired:  # a run caught mid-way (a busy machine): this
            served.kill()  # test is about the scheduler; stopping is test_serve_publishes_…
            served.wait()
        log.close()


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def one_due_post(db_url: str, sandbox_url: str) -> int:
    """A fresh database with one approved post on a sandbox Page, due a minute ago."""
    migrate(db_url)
    jobs.load_catalog(db_url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url=sandbox_url, database_url=db_url)
    demo.ensure_team(demo.DEMO_CAMPAIGN, database_url=db_url)
    due = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    with Session(jobs.engine(db_url)) as s:
        item = create_item(
            s,
            channel_code="fb-ttdn-haiphong",
            at=due,
            actor="lan.nguyen",
            text="Hải Phòng chào đón du khách dịp lễ 30/4.",
        )
        s.commit()
        approve_item(s, item_id=item.id or 0, actor="minh.tran")
        s.commit()
        return item.id or 0


def states(db_url: str) -> list[str]:
    with Session(jobs.engine(db_url)) as s:
        return [p.state for p in s.exec(select(Publication))]


def test_serve_publishes_a_due_post_with_nothing_else_started(tmp_path: Path, sandbox) -> None:
    """The README's promise on a fresh clone: `phuxanh serve`, and a due post goes out
    within two minutes; stopping serve stops the Prefect server it started."""
    db_url = f"sqlite:///{tmp_path / 'serve.db'}"
    one_due_post(db_url, sandbox.public_url)
    assert states(db_url) == [PubState.scheduled]
    out = tmp_path / "serve.out"
    started = time.monotonic()
    with out.open("wb") as log:
        serve = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "phuxanh"),
                "serve",
                "--home",
                str(tmp_path / "prefect-server"),
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=client_env(None, tmp_path / "client-home", DATABASE_URL=db_url),
        )
        try:
            while states(db_url) != [PubState.published]:
                assert serve.poll() is None, out.read_text()
                assert time.monotonic() - started < 120, (
                    f"not published within 120 s: {states(db_url)}\n{out.read_text()}"
                )
                time.sleep(2)
            took = time.monotonic() - started
            below = descendants(serve.pid)  # the Prefect server and the served runner
        finally:
            serve.send_signal(signal.SIGTERM)
            code = serve.wait(90)
    text = out.read_text()
    posts = requests.get(f"{sandbox.public_url}/_sandbox/posts", timeout=5).json()
    assert posts["count"] == 1
    assert code == 0, text
    assert "starting a local Prefect server" in text and "serve-publish-due" in text
    found = re.search(r"local Prefect server \(pid (\d+), scheduler on\) at (\S+),", text)
    assert found, text
    pid, ui = int(found.group(1)), found.group(2)
    assert f"local Prefect server (pid {pid}) stopped" in text
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert pid in below and len(below) >= 2
    deadline = time.monotonic() + 20  # a flow run caught mid-way may take a moment to end
    while (
        left := [p for p in below if Path(f"/proc/{p}").exists()]
    ) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert left == []  # no orphaned runner or server
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{ui}/api/health", timeout=2)
    print(f"serve: published {took:.0f} s after start")


OURS = {f"{s.flow_name}/{s.name}" for s in SCHEDULES}


def _deployments(api: str) -> dict[str, dict]:
    """The four pool deployments as the server has them (id and times left out)."""
    flows = {f["id"]: f["name"] for f in api_post(api, "/flows/filter")}
    found = {
        f"{flows[d['flow_id']]}/{d['name']}": {
            "entrypoint": d["entrypoint"],
            "work_pool": d["work_pool_name"],
            "pull_steps": d["pull_steps"],
            "env": (d["job_variables"] or {}).get("env"),
            "schedules": sorted(
                (
                    s["schedule"].get("cron"),
                    s["schedule"].get("interval"),
                    s["schedule"].get("anchor_date"),
                    s["schedule"]["timezone"],
                    s["active"],
                )
                for s in d["schedules"]
            ),
            "description": d["description"],
        }
        for d in api_post(api, "/deployments/filter")
    }
    return {name: found[name] for name in OURS if name in found}


def test_deploy_and_prefect_yaml_make_the_same_deployments(server, tmp_path: Path) -> None:
    env = client_env(server.url, tmp_path / "client-home")
    phuxanh = str(Path(sys.executable).parent / "phuxanh")
    made = subprocess.run(
        [phuxanh, "deploy", "--pool", "phuxanh"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert "work pool phuxanh (created, type process)" in made.stdout
    pools = {p["name"]: p["type"] for p in api_post(server.url, "/work_pools/filter")}
    assert pools["phuxanh"] == "process"
    ours = _deployments(server.url)
    assert set(ours) == OURS
    for s in SCHEDULES:
        got = ours[f"{s.flow_name}/{s.name}"]
        assert got["entrypoint"] == s.entrypoint
        assert got["work_pool"] == "phuxanh"
        assert got["env"] == WORKER_ENV
        assert got["pull_steps"] == [
            {"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}
        ]
        seconds = float(s.interval_s) if s.interval_s else None
        anchor = got["schedules"][0][2]
        assert (
            anchor is None
            if s.cron
            else dt.datetime.fromisoformat(anchor) == dt.datetime.fromisoformat(INTERVAL_ANCHOR)
        )
        assert got["schedules"] == [(s.cron, seconds, anchor, "Asia/Ho_Chi_Minh", True)]
    again = subprocess.run(
        [phuxanh, "deploy", "--pool", "phuxanh"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert "work pool phuxanh (exists" in again.stdout
    assert _deployments(server.url) == ours  # idempotent
    elsewhere = subprocess.run(
        [phuxanh, "deploy", "--pool", "phuxanh", "--source", "/srv/phuxanh"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert elsewhere.returncode == 0, elsewhere.stdout + elsewhere.stderr
    assert {
        d["pull_steps"][0]["prefect.deployments.steps.set_working_directory"]["directory"]
        for d in _deployments(server.url).values()
    } == {"/srv/phuxanh"}

    # the same through prefect.yaml, as someone who uses `prefect deploy` would
    flows = {f["id"]: f["name"] for f in api_post(server.url, "/flows/filter")}
    for d in api_post(server.url, "/deployments/filter"):
        if f"{flows[d['flow_id']]}/{d['name']}" in OURS:
            requests.delete(f"{server.url}/deployments/{d['id']}", timeout=10)
    with_yaml = subprocess.run(
        [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert with_yaml.returncode == 0, with_yaml.stdout + with_yaml.stderr
    assert _deployments(server.url) == ours


def test_prefect_yaml_lists_the_shared_definition() -> None:
    """Cheap, always: prefect.yaml's names, entrypoints and schedules are SCHEDULES'."""
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    listed = {
        d["name"]: (
            d["entrypoint"],
            d["schedules"][0].get("cron"),
            d["schedules"][0].get("interval"),
            d["schedules"][0].get("anchor_date"),
            d["work_pool"]["job_variables"]["env"],
        )
        for d in spec["deployments"]
    }
    assert listed == {
        s.name: (
            s.entrypoint,
            s.cron,
            s.interval_s,
            INTERVAL_ANCHOR if s.interval_s else None,
            WORKER_ENV,
        )
        for s in SCHEDULES
    }


def test_serve_refuses_names_a_work_pool_owns(server) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows import serve

    flow_id = api_post(server.url, "/flows/", {"name": "publish-due"})["id"]
    api_post(server.url, "/work_pools/", {"name": "other-pool", "type": "process"})
    api_post(
        server.url,
        "/deployments/",
        {
            "name": f"{SERVE_PREFIX}publish-due",
            "flow_id": flow_id,
            "work_pool_name": "other-pool",
            "entrypoint": "flows/publish.py:publish_due",
        },
    )
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:9/api"}):  # nothing there
        with pytest.raises(SystemExit) as unreachable:
            serve.main()
        assert unreachable.value.code == 2
    with temporary_settings({PREFECT_API_URL: server.url}):
        taken = serve.conflicts()
        assert taken == [f"publish-due/{SERVE_PREFIX}publish-due (work pool other-pool)"]
        with pytest.raises(SystemExit) as stopped:
            serve.main()
    assert stopped.value.code == 2
