"""`phuxanh serve` and `phuxanh deploy`: the scheduled runs, on this machine or on a pool.

Both register the four deployments of `phuxanh.runs.schedules`. `serve` runs them from this
process (and, with no Prefect server configured, starts one of its own: Prefect's
temporary API runs no scheduler); `deploy` puts them on a process work pool, for workers
on any host that has this checkout at the same path.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from phuxanh.core.db import scrub
from phuxanh.core.errors import ConfigError, ValidationFailed
from phuxanh.core.settings import ROOT, get_settings
from phuxanh.runs.schedules import SCHEDULES, SERVE_PREFIX, WORKER_ENV

DEFAULT_PORT = 4200  # Prefect's own default, when it is free


class _Stopped(Exception):
    """SIGTERM arrived: stop in order (the served flows first, then our server)."""


def _on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise _Stopped


def configured_api_url() -> str | None:
    """PREFECT_API_URL as Prefect resolves it (environment, .env, profile), or None."""
    from prefect.settings import PREFECT_API_URL

    value = PREFECT_API_URL.value()
    return str(value) if value else None


def _stop_child(child: subprocess.Popen[bytes], grace_s: float) -> int:
    """Let the served runner pause its schedules and exit, then SIGKILL. It is sent SIGINT,
    as Ctrl-C would: Prefect's serve shuts down cleanly on that path (its SIGTERM handler
    can leave the process running)."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        return child.wait(5)  # a terminal's Ctrl-C reached it too
    child.send_signal(signal.SIGINT)
    try:
        return child.wait(grace_s)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait(10)


def serve(
    port: Annotated[
        int | None,
        typer.Option(
            help=f"port of the local Prefect server (default {DEFAULT_PORT}, or a free one)"
        ),
    ] = None,
    home: Annotated[
        Path,
        typer.Option(help="the local Prefect server's PREFECT_HOME (its SQLite database and log)"),
    ] = ROOT / "var" / "prefect",
) -> None:
    """Run the scheduled flows here: daily 06:00, publishing every minute, hourly metrics.

    With no PREFECT_API_URL it starts a local Prefect server (scheduler on, 127.0.0.1) and
    stops it on exit; with one, it serves there as `serve-<name>` deployments, which never
    overwrite or pause a work pool's deployments.
    """
    from phuxanh.cli.common import port as valid_port
    from phuxanh.runs import prefect_server

    port = valid_port(port)
    api = configured_api_url()
    server = None
    if api is None:
        typer.echo("phuxanh serve: no PREFECT_API_URL, starting a local Prefect server ...")
        server = prefect_server.start(home, port=port or prefect_server.free_port(DEFAULT_PORT))
        api = server.url
        typer.echo(
            f"phuxanh serve: local Prefect server (pid {server.process.pid}, scheduler "
            f"on) at {server.ui_url}, data and log in {server.home}; it stops with serve"
        )
    else:
        typer.echo(f"phuxanh serve: Prefect server {scrub(api)} (PREFECT_API_URL)")
    tz = get_settings().timezone
    for s in SCHEDULES:
        typer.echo(f"  {SERVE_PREFIX}{s.name:<16} {s.when()} ({tz}): {s.description}")
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    child = None
    code = 0
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "flows.serve"],
            cwd=ROOT,
            env=os.environ | {"PREFECT_API_URL": api},
            # if serve itself is killed, its runner goes too (without its server it cannot
            # even pause; left alone it would keep running flows against nothing)
            preexec_fn=prefect_server.parent_death_signal(signal.SIGKILL),  # noqa: PLW1509  (only prctl, async-signal-safe)
        )
        code = child.wait()
    except (KeyboardInterrupt, _Stopped):
        typer.echo("phuxanh serve: stopping ...")
    finally:
        # stopping takes a few seconds and must finish: a second signal does not cut it short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            if child is not None and child.poll() is None:
                _stop_child(child, grace_s=30)
            if server is not None:
                server.stop()
                typer.echo(
                    f"phuxanh serve: local Prefect server (pid {server.process.pid}) stopped"
                )
        finally:
            signal.signal(signal.SIGTERM, previous)
            signal.signal(signal.SIGINT, signal.default_int_handler)
    if code:
        raise typer.Exit(code)


def deploy(
    pool: Annotated[str, typer.Option(help="the process work pool (created if missing)")],
    source: Annotated[
        Path,
        typer.Option(
            help="this checkout's path on the workers (default: here); the same on every host"
        ),
    ] = ROOT,
) -> None:
    """Put the four scheduled deployments on a process work pool (created if missing).

    daily, publish-due, metrics-hourly, feeds-hourly; workers run them from --source: start
    them with `prefect worker start --pool NAME --limit N` from phuxanh's environment.
    """
    api = configured_api_url()
    if api is None:
        raise ValidationFailed(
            [
                "PREFECT_API_URL: not set; a work pool lives on a Prefect server "
                "(`prefect server start`, or `phuxanh serve` to run everything from here)"
            ]
        )
    if not source.is_absolute():
        raise ValidationFailed([f"--source: {source} is not an absolute path"])
    made = _ensure_pool(pool)
    typer.echo(
        f"work pool {pool} ({'created' if made else 'exists'}, type process) on {scrub(api)}"
    )
    for s, deployment_id in zip(SCHEDULES, _deploy_all(pool, source), strict=True):
        typer.echo(f"  {s.flow_name}/{s.name:<16} {s.when()}  id {deployment_id}")
    typer.echo(
        f"workers: prefect worker start --pool {pool} --limit 4   (from phuxanh's "
        f"environment, with DATABASE_URL and the channels' credentials; cwd {source})"
    )


def _ensure_pool(pool: str) -> bool:
    """True when this call created the pool. A pool of another type is refused."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            found = client.read_work_pool(pool)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
            return True
    if found.type != "process":
        raise ConfigError(
            f"--pool: work pool {pool} is of type {found.type!r}; phuxanh's "
            "deployments run as processes from the checkout: use a process pool"
        )
    return False


def _deploy_all(pool: str, source: Path) -> list[Any]:
    """The four deployments. Their flows are read from this checkout; their runs start in
    `source` on the worker (a local path: no image, no remote storage to pull from)."""
    from prefect import Flow
    from prefect.runner.storage import LocalStorage

    tz = get_settings().timezone
    ids = []
    for s in SCHEDULES:
        flow: Any = Flow.from_source(source=str(ROOT), entrypoint=s.entrypoint)
        deployment = flow.to_deployment(
            name=s.name,
            schedule=s.schedule(tz),
            description=s.description,
            work_pool_name=pool,
            job_variables={"env": dict(WORKER_ENV)},
        )
        deployment.storage = LocalStorage(str(source))
        ids.append(deployment.apply(work_pool_name=pool))
    return ids


def add_deploy_commands(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(deploy)
