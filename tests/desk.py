"""The desk served for real: `streamlit run dashboard/streamlit_app.py` on a free port of
127.0.0.1 against a database, returned once healthy. Used by the browser tests and by
benchmarks/bench_desk.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class DeskDidNotStart(RuntimeError):
    """The server exited or never answered its health check; the message holds its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_desk(url: str, log: Path, *, wait_s: float = 60) -> tuple[subprocess.Popen[bytes], str]:
    """The running server and its base URL; its output goes to `log`."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    with log.open("w") as out:  # the server keeps its own copy of the descriptor
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "dashboard" / "streamlit_app.py"),
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
                "--client.toolbarMode",
                "minimal",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return server, base
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                server.wait()
                raise DeskDidNotStart(f"streamlit did not start:\n{log.read_text()}") from None
            time.sleep(0.3)
