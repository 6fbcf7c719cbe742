"""A Prefect server of our own: `prefect server start` as a child process on 127.0.0.1.

Prefect's temporary API (what a flow uses when `PREFECT_API_URL` is unset) does not run
the scheduler service, so deployments served against it never get a scheduled run.
`phuxanh serve` therefore starts a real server here (SQLite under its own PREFECT_HOME,
scheduler on, analytics off), points itself at it and stops it on exit. The tests and
`scripts/scale_out.py` start theirs the same way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import requests

from phuxanh.core.errors import ConfigError

# Our children must not inherit a server URL or a database meant for someone else's server.
_NOT_INHERITED = (
    "PREFECT_API_URL",
    "PREFECT_API_KEY",
    "PREFECT_API_DATABASE_CONNECTION_URL",
    "PREFECT_SERVER_DATABASE_CONNECTION_URL",
    "PREFECT_PROFILE",
)


def free_port(preferred: int | None = None) -> int:
    """`preferred` if nothing listens there on 127.0.0.1, else a port the kernel picks."""
    for port in ((preferred,) if preferred else ()) + (0,):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds it
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise ConfigError("no free TCP port on 127.0.0.1")  # pragma: no cover


def parent_death_signal(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """Linux: a `preexec_fn` that has the child sent `sig` when its parent dies (even by
    SIGKILL), so no orphaned server or runner goes on alone. None where prctl is missing.
    libc is loaded here, before any fork: the child only makes the one call."""
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux
        return None

    def set_it() -> None:
        prctl(1, sig)  # PR_SET_PDEATHSIG

    return set_it


def prefect_executable() -> list[str]:
    """The `prefect` command of this environment (never one found elsewhere on PATH)."""
    return [sys.executable, "-m", "prefect"]


@dataclass
class LocalPrefectServer:
    """A running `prefect server start`; `stop()` ends it (and is safe to call twice)."""

    url: str  # the API URL, http://127.0.0.1:PORT/api
    home: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def ui_url(self) -> str:
        return self.url.removesuffix("/api")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout_s: float = 20.0) -> None:
        """SIGTERM (uvicorn shuts down cleanly), then SIGKILL after `timeout_s`."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def start(
    home: Path,
    *,
    port: int | None = None,
    database_url: str | None = None,
    ui: bool = True,
    scheduler_loop_s: float | None = None,
    extra_env: dict[str, str] | None = None,
    timeout_s: float = 180.0,
    die_with_parent: bool = True,
) -> LocalPrefectServer:
    """Start `prefect server start` on 127.0.0.1 and wait until its API answers.

    `home` becomes the server's PREFECT_HOME (its SQLite database lives there unless
    `database_url` names another, e.g. `postgresql+asyncpg://…`); `port` defaults to a free
    one. The child runs in its own process group so a terminal's Ctrl-C reaches only us and
    we stop it in order. Raises ConfigError, with the end of the server's log, if it exits or
    does not answer within `timeout_s`.
    """
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "true",
        "PREFECT_SERVER_UI_ENABLED": "true" if ui else "false",
    }
    if database_url:
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = database_url
    if scheduler_loop_s is not None:
        env["PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS"] = str(scheduler_loop_s)
        env["PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS"] = str(
            min(scheduler_loop_s, 5)
        )
    env |= extra_env or {}
    log_path = home / "server.log"
    log = log_path.open("ab")
    process = subprocess.Popen(
        [*prefect_executable(), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=parent_death_signal() if die_with_parent else None,  # noqa: PLW1509
    )
    server = LocalPrefectServer(f"http://127.0.0.1:{port}/api", home, log_path, process, log)
    deadline = time.monotonic() + timeout_s
    while True:
        if not server.alive():
            server.stop()
            raise ConfigError(
                f"the Prefect server exited (code {process.returncode}); "
                f"its log {log_path} ends:\n{server.log_tail()}"
            )
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{server.url}/health", timeout=2).status_code == 200:
                return server
        if time.monotonic() > deadline:
            server.stop()
            raise ConfigError(
                f"the Prefect server did not answer on {server.url} within "
                f"{timeout_s:.0f} s; its log {log_path} ends:\n{server.log_tail()}"
            )
        time.sleep(0.5)
