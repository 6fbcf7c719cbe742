"""Shared fixtures: a database per test on SQLite and on PostgreSQL, the sandbox, settings."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["PHUXANH_SANDBOX_TOKEN"] = "sandbox-page-token"

from phuxanh.core.db import engine_for, migrate
from phuxanh.core.settings import get_settings
from phuxanh.sandbox.server import SandboxServer, start_in_thread
from tests import pg

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PHUXANH_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("PHUXANH_CLIP_PRESET", "ultrafast")  # composed clips: speed over size
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'default.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pg.Cluster | None]:
    cluster = pg.start()
    yield cluster
    if cluster is not None:
        cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        migrate(url)
        yield url
        engine_for(url).dispose()
        return
    cluster = request.getfixturevalue("pg_cluster")
    if cluster is None:
        if os.environ.get("PHUXANH_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (PHUXANH_REQUIRE_POSTGRES=1) but not installed")
        pytest.skip("PostgreSQL binaries not found (CI installs them)")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(cluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = cluster.url.rsplit("/", 1)[0] + f"/{name}"
    migrate(url)
    yield url
    engine_for(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Engine:
    return engine_for(db_url)


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = start_in_thread(tokens={"sandbox-page-token"})
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_db(db_url: str, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """A small planned and rendered campaign, and the dashboard pointed at it."""
    from tests.helpers import planned_and_rendered

    planned_and_rendered(db_url, sandbox.public_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    return db_url
