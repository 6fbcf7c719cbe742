"""Engine, sessions and migrations. SQLite by default, PostgreSQL by `DATABASE_URL`."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlmodel import Session, create_engine

from phuxanh.core.errors import ConfigError
from phuxanh.core.settings import get_settings, private_dir

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# `scheme://user:secret@` (to the last @ before the path: a password may hold an @) and a
# password given as a query parameter (`?password=…`, libpq's own names)
_USERINFO = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/@:]*):[^\s/]*@")
_QUERY_SECRET = re.compile(
    r"(?P<head>[?&](?:password|sslpassword|pass|pwd)=)[^&\s]*", re.IGNORECASE
)


def scrub(text: str) -> str:
    """`text` with every credential of a URL in it replaced by `***` (for messages)."""
    text = _USERINFO.sub(r"\g<head>:***@", text)
    return _QUERY_SECRET.sub(r"\g<head>***", text)


def masked(url: str) -> str:
    """A database URL fit to print: never its password, even when it does not parse."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):
        shown = url
    return scrub(shown)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for another backend or an in-memory database."""
    if not url.startswith("sqlite"):
        return None
    try:
        database = make_url(url).database
    except (ArgumentError, ValueError):
        return None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (`postgres://`, `postgresql://`) and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for the URL (nothing is opened or created yet). A URL that names no
    backend phuxanh can use is a ConfigError that never shows the password."""
    url = normalise_url(url)
    if not url.strip():  # `--database ""` or an empty DATABASE_URL: never a silent default
        raise ConfigError(
            "DATABASE_URL or --database: empty; give a database URL, e.g. "
            "sqlite:///var/phuxanh.db or postgresql://user@host/db"
        )
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        args: dict[str, Any] = {}
        if url.startswith("postgresql") and "connect_timeout" not in url:
            args["connect_timeout"] = 10  # an unreachable server fails in seconds, not hangs
        if url.startswith("postgresql") and "options=" not in url:
            # psycopg prepares a statement on the server after its 5th run, and PostgreSQL
            # then switches to one generic plan for all parameters after 5 more: for the
            # report and network queries (a time span, a list of channels) that plan was
            # twice as slow (the network page's city glance: 130 ms -> 285 ms from the
            # 10th run on). Each run is planned for its own parameters instead.
            args["options"] = "-c plan_cache_mode=force_custom_plan"
        return create_engine(url, pool_pre_ping=True, connect_args=args)
    except (ArgumentError, ModuleNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"DATABASE_URL: cannot use {masked(url)}: {scrub(str(exc))} (a URL "
            "like sqlite:///var/phuxanh.db or postgresql://user@host/db)"
        ) from exc


def connect(engine: Engine, url: str) -> Connection:
    """Open a connection, or one ConfigError saying which database (without its password),
    why the driver could not open it, and what to check."""
    path = sqlite_file(url)
    try:
        return engine.connect()
    except DBAPIError as exc:
        lines = str(exc.orig or exc).strip().splitlines() or [type(exc).__name__]
        where = (
            f"check that {path} is a phuxanh database this user may read and write, "
            "in a folder it may write"
            if path is not None
            else "is the server running and reachable, and are the user and password right?"
        )
        raise ConfigError(
            f"database {masked(url)} cannot be opened: {scrub(lines[0])}; "
            f"{where} (DATABASE_URL or --database)"
        ) from exc


def prepare_sqlite(url: str) -> None:
    """Create a new SQLite database's folder (0700) and file (0600) for the owner alone;
    SQLite gives its -wal and -shm files the database file's mode."""
    path = sqlite_file(url)
    if path is None or path.exists():
        return
    try:
        private_dir(path.parent)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise ConfigError(
            f"database {masked(url)}: cannot create {path}: {exc.strerror or exc}"
        ) from exc


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return engine_for(normalise_url(get_settings().database_url))


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def migrate(url: str | None = None) -> str:
    """Upgrade the database to the newest migration; returns the URL it migrated."""
    url = normalise_url(get_settings().database_url if url is None else url)
    prepare_sqlite(url)
    engine = engine_for(url)
    cfg = alembic_config(url)
    with connect(engine, url) as connection, connection.begin():
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    return url


_CURRENT: set[str] = set()


def check_schema(engine: Engine, url: str) -> None:
    """Refuse, with the fix, a database whose schema is older than this code (instead of
    failing later on a missing column with a traceback). Checked once per URL."""
    if url in _CURRENT:
        return
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    path = sqlite_file(url)
    if path is not None and not path.exists():  # do not leave an empty file behind a typo
        raise ConfigError(
            f"database {masked(url)} does not exist: run `phuxanh init` with "
            "the same --database to create it"
        )
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    with connect(engine, url) as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != head:
        state = "has no phuxanh schema" if current is None else f"is at schema {current}"
        raise ConfigError(
            f"database {masked(url)} {state}, this phuxanh needs {head}: run "
            "`phuxanh init` with the same --database to create or upgrade it"
        )
    _CURRENT.add(url)
