"""Shared fixtures: a database per test on SQLite and on PostgreSQL, the sandbox, settings."""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
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

# A connection a test leaves checked out is rolled back by the garbage collector, whenever
# it runs: after the test's PostgreSQL database was dropped, that rollback fails and the
# pool logs it with its traceback. On Python 3.11 formatting a traceback calls ast.parse,
# which breaks an ast.parse under way on that thread (a Streamlit page being compiled:
# "AST constructor recursion depth mismatch"). The pool's failed resets of dropped test
# databases are not news: they are not logged, so never formatted. (Collecting garbage
# before each drop did the same at twice the suite's CPU time.)
logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PHUXANH_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("PHUXANH_CLIP_PRESET", "ultrafast")  # composed clips: speed over size
    # argon2id at its lowest cost: the suite hashes and checks passwords thousands of times
    # (test_auth.py checks the production cost is the library's recommended one)
    monkeypatch.setenv("PHUXANH_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("PHUXANH_ARGON2_MEMORY_KIB", "1024")
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


class Templates:
    """Databases built once per test process and copied for each test: a migrated one, and
    one holding the small planned and rendered campaign (`helpers.planned_and_rendered`).
    SQLite copies the file; PostgreSQL creates the test's database `TEMPLATE` the built one.
    Each copy is a real database of the same schema, made the way it always is; only the
    building is not repeated (it was most of the suite's time).

    A PostgreSQL copy (CREATE DATABASE … TEMPLATE) takes the server 20-30 ms in /dev/shm,
    and up to half a second on disk (tests/pg.py). `take` hands out one made ahead, while
    the previous test ran, and starts the next at once: the copying happens in the server
    while Python runs the test, not before it."""

    def __init__(self, root: Path, cluster: pg.Cluster | None) -> None:
        self.root, self.cluster = root, cluster
        self.built: dict[tuple[str, str], str] = {}  # (backend, kind) -> file or db name
        self.sandbox_url = "http://127.0.0.1:9/template-sandbox"  # no server: rewritten
        self._ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-copy")
        self._spare: dict[str, Future[str]] = {}  # kind -> a copy being made or made

    def _pg_admin(self) -> Engine:
        assert self.cluster is not None
        return create_engine(self.cluster.url, isolation_level="AUTOCOMMIT")

    def _pg_url(self, name: str) -> str:
        assert self.cluster is not None
        return self.cluster.url.rsplit("/", 1)[0] + f"/{name}"

    def source(self, backend: str, kind: str) -> str:
        key = (backend, kind)
        if key not in self.built:
            self.built[key] = self._build(backend, kind)
        return self.built[key]

    def _build(self, backend: str, kind: str) -> str:
        if backend == "sqlite":
            path = self.root / f"{kind}.db"
            url = f"sqlite:///{path}"
            if kind == "migrated":
                migrate(url)
            else:
                shutil.copy(self.source("sqlite", "migrated"), path)
                self._render(url, kind)
            engine_for(url).dispose()
            return str(path)
        name = f"tmpl_{kind}_{uuid.uuid4().hex[:8]}"
        admin = self._pg_admin()
        with admin.connect() as conn:
            if kind == "migrated":
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            else:
                source = self.source("postgresql", "migrated")
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
        admin.dispose()
        url = self._pg_url(name)
        if kind == "migrated":
            migrate(url)
        else:
            self._render(url, kind)
        engine_for(url).dispose()  # no connection may stay open on a template
        return name

    def _render(self, url: str, kind: str) -> None:
        from tests.helpers import planned_and_rendered

        days = int(kind.removeprefix("rendered-"))
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PHUXANH_MEDIA_DIR", str(self.media(kind)))
            get_settings.cache_clear()
            planned_and_rendered(url, self.sandbox_url, days=days)
        get_settings.cache_clear()

    def media(self, kind: str) -> Path:
        return self.root / f"media-{kind}"

    def campaign(self, db_url: str, sandbox_url: str, *, days: int) -> str:
        """Make the (migrated, empty) test database at `db_url` hold the planned and
        rendered campaign of `days` days, its media under this test's media root and its
        channels pointed at `sandbox_url`. The campaign's code."""
        from tests.helpers import CAMPAIGN

        backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
        kind = f"rendered-{days}"
        engine_for(db_url).dispose()
        self.copy(
            backend,
            kind,
            to=db_url.removeprefix("sqlite:///")
            if backend == "sqlite"
            else db_url.rsplit("/", 1)[1],
        )
        shutil.copytree(self.media(kind), get_settings().media_dir, dirs_exist_ok=True)
        with engine_for(db_url).begin() as conn:
            conn.execute(
                text("UPDATE channel SET api_base_url = replace(api_base_url, :old, :new)"),
                {"old": self.sandbox_url, "new": sandbox_url},
            )
        return CAMPAIGN

    def _pg_copy(self, source: str) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        admin = self._pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
        admin.dispose()
        return name

    def take(self, kind: str) -> str:
        """A new PostgreSQL database, a copy of the `kind` template (its name): the one
        made ahead when there is one, and the next one started."""
        source = self.source("postgresql", kind)
        spare = self._spare.pop(kind, None)
        name = spare.result() if spare is not None else self._pg_copy(source)
        self._spare[kind] = self._ahead.submit(self._pg_copy, source)
        return name

    def copy(self, backend: str, kind: str, *, to: str) -> None:
        """Make the database `to` (a SQLite file path, or a database name) a copy."""
        if backend == "sqlite":
            shutil.copy(self.source(backend, kind), to)
            return
        made = self.take(kind)  # then it takes the name `to`
        admin = self._pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{to}" WITH (FORCE)'))
            conn.execute(text(f'ALTER DATABASE "{made}" RENAME TO "{to}"'))
        admin.dispose()

    def drop(self) -> None:
        self._ahead.shutdown(wait=True)
        if self.cluster is None:
            return
        names = [name for (backend, _), name in self.built.items() if backend == "postgresql"]
        names += [spare.result() for spare in self._spare.values() if not spare.exception()]
        if names:
            admin = self._pg_admin()
            with admin.connect() as conn:
                for name in names:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture(scope="session")
def templates(
    tmp_path_factory: pytest.TempPathFactory, pg_cluster: pg.Cluster | None
) -> Iterator[Templates]:
    built = Templates(tmp_path_factory.mktemp("templates"), pg_cluster)
    yield built
    built.drop()


def _require_postgres(request: pytest.FixtureRequest) -> pg.Cluster:
    cluster: pg.Cluster | None = request.getfixturevalue("pg_cluster")
    if cluster is None:
        if os.environ.get("PHUXANH_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is required (PHUXANH_REQUIRE_POSTGRES=1) but not installed")
        pytest.skip("PostgreSQL binaries not found (CI installs them)")
    return cluster


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, or a new PostgreSQL database (each a copy
    of one migrated once per test process)."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        request.getfixturevalue("templates").copy("sqlite", "migrated", to=str(path))
        url = f"sqlite:///{path}"
        yield url
        engine_for(url).dispose()
        return
    cluster = _require_postgres(request)
    built: Templates = request.getfixturevalue("templates")
    name = built.take("migrated")
    url = cluster.url.rsplit("/", 1)[0] + f"/{name}"
    yield url
    engine_for(url).dispose()
    admin = create_engine(cluster.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """Prefect's temporary API for flow runs, started once per test process (about 6 s);
    the tests that use it run on one process (see `pytest_collection_modifyitems`)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


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
def given_campaign(templates: Templates) -> Callable[..., str]:
    """`given_campaign(db_url, sandbox_url, days=2)`: the test database (from `db_url`) holds
    what `helpers.planned_and_rendered` makes, copied from one built once per test process,
    backend and number of days (see `Templates`)."""

    def make(db_url: str, sandbox_url: str, *, days: int = 2) -> str:
        return templates.campaign(db_url, sandbox_url, days=days)

    return make


@pytest.fixture
def app_db(
    db_url: str,
    sandbox: SandboxServer,
    given_campaign: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """A small planned and rendered campaign, and the dashboard pointed at it."""
    given_campaign(db_url, sandbox.public_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    return db_url


# --- the fast lane ---------------------------------------------------------------------
# `./run fast` (pytest -m "not slow and not postgres") leaves these out; the full suite
# (`./run test`, CI) runs everything. A module here is slow as a whole; a test is named
# without its parameters. Each is slow for a reason the test needs (a real server, ffmpeg,
# Chromium, Prefect, many renders or writers), never a sleep.
SLOW_MODULES = {
    "test_faultrun.py",  # the exactly-once drill: hundreds of posts under faults and kills
    "test_browser.py",  # Chromium against `streamlit run`
    "test_browser_desk.py",  # Chromium: compose, review, edit, approve at 390 px
    "test_scheduling.py",  # a Prefect server and its scheduler
    "test_workers.py",  # a Prefect work pool and workers
    "test_flows.py",  # Prefect flow runs (the temporary API)
    "test_bench_scale.py",  # the scale benchmark at test size
    "test_ocr.py",  # Tesseract reads every card
    "test_clips.py",  # ffmpeg encodes clips
}
SLOW_TESTS = {
    "test_compose.py::test_every_platform_gets_a_caption_within_its_limits",  # 49 renders
    "test_compose.py::test_a_missing_translation_holds_the_draft_and_names_it",
    "test_assistant.py::test_a_failing_assistant_never_blocks_composing",
    "test_assistant.py::test_assistant_drafts_missing_translations_labelled",
    "test_reports.py::test_three_formats_in_the_administrative_layout",  # DOCX, PDF, XLSX
    "test_reports.py::test_unit_scope_and_bad_input",
    "test_resolve.py::test_cli_resolve",
    "test_planner_properties.py::test_plan_never_breaks_channel_rules_and_covers_peaks",
    "test_audit.py::test_concurrent_writers_leave_one_unforked_chain",  # 8 writers x 100
    "test_cli_media.py::test_every_sample_renders_with_the_second_brand",
    "test_dashboard_pages.py::test_every_page_for_every_role_in_both_languages",
    "test_directives.py::test_mangled_directives_never_crash_and_give_valid_json",
    "test_publishing.py::test_two_workers_at_once_never_double_post",
    "test_tokens.py::test_two_workers_spend_a_rotating_refresh_token_once",
    "test_queue_pages.py::test_an_approver_on_a_phone_finds_reads_and_approves",  # Chromium
    "test_cli.py::test_errors_are_one_line_without_traceback",  # new Python processes
    "test_cli.py::test_help_lists_every_command",  # a new Python process
    "test_messages.py::test_python_m_phuxanh_cli_prints_the_english_line",  # the same
    "test_cjk_cards.py::test_cjk_card_reads_back",  # Tesseract chi_sim, kor, jpn
    "test_languages.py::test_an_english_channel_never_receives_vietnamese",  # a week of cards
    "test_manual_channels.py::test_a_manual_post_waits_for_a_person_is_mailed_exported_and_counted_once_live",
    "test_export_kit.py::test_kits_in_english_vietnamese_and_korean_hold_only_approved_content_in_their_language",
    "test_translations_page.py::test_the_translations_page_on_a_phone_and_a_desk_in_chromium",
}


# modules whose tests share an expensive module fixture (a Prefect server, a rendered clip,
# a rendered campaign): with `--dist loadgroup` (./run) each runs on one worker, which makes
# it once; so do the tests that use Prefect's temporary API (`prefect_api`)
GROUPED = {"test_scheduling.py", "test_workers.py", "test_clips.py", "test_hostile.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the slow tests, and run them first: the workers then share the long ones
    from the start, and the quick ones fill in at the end (rather than one worker finishing
    a long test alone)."""
    for item in items:
        module, _, name = item.nodeid.partition("::")
        module = module.rsplit("/", 1)[-1]
        if module in SLOW_MODULES or f"{module}::{name.split('[')[0]}" in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
        if module in GROUPED:
            item.add_marker(pytest.mark.xdist_group(module))
        elif "prefect_api" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("prefect_api"))
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_configure(config: pytest.Config) -> None:
    """A name in SLOW_* that no test file has would let a renamed test slip into the fast
    lane unnoticed: refuse to run."""
    here = Path(__file__).resolve().parent
    stale = [m for m in SLOW_MODULES if not (here / m).is_file()]
    for entry in SLOW_TESTS:
        module, _, name = entry.partition("::")
        path = here / module
        if not path.is_file() or f"def {name}(" not in path.read_text(encoding="utf-8"):
            stale.append(entry)
    if stale:
        raise pytest.UsageError(f"tests/conftest.py SLOW_* names no test: {sorted(stale)}")
