"""A throwaway PostgreSQL cluster for the tests (Debian's binaries, started by the test run).

`PHUXANH_TEST_POSTGRES_URL` uses an existing server instead. Without binaries the
PostgreSQL runs are skipped, unless `PHUXANH_REQUIRE_POSTGRES=1` (CI) makes that a failure.

The cluster's files live in memory (/dev/shm) where there is room: each test gets a new
database, some 300 files, and creating a file on this machine's disk costs about 0.7 ms of
kernel time against 0.02 ms in memory (CREATE DATABASE took 70-300 ms, mostly the kernel).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg


@dataclass
class Cluster:
    url: str
    datadir: Path | None
    bindir: Path | None
    user: str | None

    def stop(self) -> None:
        if self.datadir is None or self.bindir is None:
            return
        _run(
            self.user,
            [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"],
            check=False,
        )
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def _run(user: str | None, cmd: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)


def find_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def in_memory(need_gb: float = 2.0) -> str | None:
    """/dev/shm when it is a writable memory file system with `need_gb` free, else None
    (the system's temporary folder)."""
    shm = Path("/dev/shm")
    try:
        free = shutil.disk_usage(shm).free
    except OSError:
        return None
    return str(shm) if os.access(shm, os.W_OK) and free >= need_gb * 2**30 else None


def start() -> Cluster | None:
    if os.environ.get("PHUXANH_TEST_POSTGRES_URL"):
        return Cluster(os.environ["PHUXANH_TEST_POSTGRES_URL"], None, None, None)
    bindir = find_bindir()
    if bindir is None:
        return None
    user = "postgres" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="phuxanh-pg-", dir=in_memory()))
    datadir = root / "data"
    if user:
        os.chmod(root, 0o777)
    _run(
        user,
        [
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-U",
            "phuxanh",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
    )
    port = _free_port()
    _run(
        user,
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(datadir),
            "-w",
            "-l",
            str(root / "log"),
            "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
    )
    deadline = time.time() + 30
    while True:
        try:
            psycopg.connect(
                host="127.0.0.1", port=port, user="phuxanh", dbname="postgres", connect_timeout=2
            ).close()
            break
        except psycopg.OperationalError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)
    return Cluster(f"postgresql+psycopg://phuxanh@127.0.0.1:{port}/postgres", datadir, bindir, user)


@contextlib.contextmanager
def bench_database(url: str | None, *, postgres: bool, sqlite_name: str) -> Iterator[str]:
    """The database a benchmark runs on: `url` if given, a throwaway PostgreSQL cluster with
    `postgres`, else a SQLite file in a temporary folder; removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        if not postgres:
            yield url or f"sqlite:///{tmp}/{sqlite_name}"
            return
        cluster = start()
        if cluster is None:
            sys.exit("PostgreSQL binaries not found (apt-get install postgresql)")
        try:
            yield cluster.url
        finally:
            cluster.stop()
