"""What every command reads the same way: date-times, days and output files.

Each parser takes the flag it reads, so an error names the flag the person typed
(`--until: …`, not `--now: …`), and every year is bounded to FIRST_YEAR..LAST_YEAR: an
office plans and reports within them, and outside them date arithmetic overflows
(`0001-01-01T00:00+14:00` is before the first instant Python can hold in UTC). The periods
of `report --period` keep the same bounds (`reports.model.parse_period`).

Every command module imports it; it imports only core/, so no command module needs another
(the domain checks years with `core.dates`, never through here).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, overload

import typer

from phuxanh.core.dates import check_year
from phuxanh.core.errors import PhuxanhError, ValidationFailed

DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
ROW_ID_MAX = 2**63 - 1  # a row id the database can hold (SQLite and PostgreSQL BIGINT)


def print_json(data: Any) -> None:
    """What a command answers on stdout: JSON, non-ASCII kept as is, dates as text."""
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@overload
def when(value: str, flag: str, *, local: bool = True) -> dt.datetime: ...
@overload
def when(value: None, flag: str, *, local: bool = True) -> None: ...
@overload
def when(value: str | None, flag: str, *, local: bool = True) -> dt.datetime | None: ...
def when(value: str | None, flag: str, *, local: bool = True) -> dt.datetime | None:
    """An ISO 8601 date-time (None stays None). Without a zone it is read in the planning
    time zone; with `local=False` it comes back naive for a caller that insists on a zone
    to say so itself."""
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationFailed(
            [f"{flag}: {value!r} is not an ISO date-time (e.g. 2026-03-15T08:00+07:00)"]
        ) from exc
    check_year(parsed.year, flag, value)
    if parsed.tzinfo is not None or not local:
        return parsed
    from phuxanh.core.settings import get_settings

    return parsed.replace(tzinfo=get_settings().tz)


def day(value: str, flag: str) -> dt.date:
    """A calendar day, dd/mm/yyyy or yyyy-mm-dd."""
    for fmt in DAY_FORMATS:
        try:
            parsed = dt.datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
        check_year(parsed.year, flag, value)
        return parsed
    raise ValidationFailed([f"{flag}: {value!r} is not a date (dd/mm/yyyy or yyyy-mm-dd)"])


def port(value: int | None, flag: str = "--port") -> int | None:
    """A TCP port to listen on (None stays None: the configured one)."""
    if value is not None and not 1 <= value <= 65535:
        raise ValidationFailed([f"{flag}: {value} is not a port (1-65535)"])
    return value


def output_file(path: Path, flag: str = "-o") -> Path:
    """Refuse, before any work is done, an output that cannot be a file: a folder, or a
    file in a folder that does not exist."""
    if path.is_dir():
        raise ValidationFailed([f"{flag}: {path} is a folder; give a file name"])
    parent = path.parent
    if not parent.is_dir():
        what = "is not a folder" if parent.exists() else "does not exist"
        raise ValidationFailed([f"{flag}: {path}: the folder {parent} {what}"])
    if not os.access(parent, os.W_OK):
        raise ValidationFailed([f"{flag}: {path}: the folder {parent} is not writable"])
    return path


@contextmanager
def atomic_output(path: Path, flag: str = "-o") -> Iterator[Path]:
    """A temporary file beside `path` to write; it replaces `path` when the block ends
    and is removed when anything fails, so there is never a half-written file or a stray
    `.part`. A file system refusal is one error naming the flag."""
    output_file(path, flag)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        yield tmp
        tmp.replace(path)
    except OSError as exc:
        raise PhuxanhError(f"{flag}: cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def password_from(password_env: str | None, *, prompt: str) -> tuple[str, bool]:
    """The password a command sets: from the variable `--password-env` names (never one of
    phuxanh's own settings or a system variable), else a hidden prompt on a terminal, else
    a generated one. Returns (password, generated): a generated one is printed once."""
    import secrets
    import sys

    from phuxanh.platforms.credentials import protected_env_problem

    if password_env:
        if protected_env_problem(password_env):
            raise ValidationFailed(
                [
                    f"--password-env: {password_env} is one of phuxanh's own "
                    "settings or a system variable, never a password"
                ]
            )
        password = os.environ.get(password_env) or ""
        if not password:
            raise ValidationFailed([f"--password-env: {password_env} is not set"])
        return password, False
    if sys.stdin.isatty():
        import typer

        return typer.prompt(prompt, hide_input=True, confirmation_prompt=True), False
    return secrets.token_urlsafe(12), True
