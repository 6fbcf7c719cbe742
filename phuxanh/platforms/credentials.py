"""Which environment variables may hold a channel's credential.

A channel names the variable that holds its token (`credential_env`, `--credential-env`)
and the publisher sends that variable's value to the platform as the token. So the name
must never be one of phuxanh's own secrets or settings (the key that seals token sets, the
database URL with its password, the audit key, any `PHUXANH_*` setting) nor a variable of
the system or of the tools phuxanh runs on (PATH, HOME, Prefect's API key, libpq's
password …): a campaign file that names one would send it to whatever server its
`api_base` points at. The one `PHUXANH_*` variable that is a channel credential is the
documented sandbox token.

The rule is checked where a name comes in (the campaign file, `channel add`) and again
where the value is read to be sent (`resolve_credential`), so a channel
stored before the rule existed cannot send one either.
"""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Protocol

from phuxanh.core.errors import ConfigError
from phuxanh.core.settings import env_value

NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
SANDBOX_TOKEN_ENV = "PHUXANH_SANDBOX_TOKEN"  # noqa: S105  (a variable's name, not a secret)

# phuxanh's own settings read this prefix (settings.Settings, env_prefix) and the
# database URL without it; the others belong to the system or to the tools phuxanh runs on
_OWN_PREFIX = "PHUXANH_"
_OWN_NAMES = frozenset({"DATABASE_URL"})
_PROTECTED_NAMES = frozenset(
    {
        # the system and the shell
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "PWD",
        "OLDPWD",
        "TERM",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "TMP",
        "TEMP",
        "HOSTNAME",
        "MAIL",
        "EDITOR",
        "VISUAL",
        "PAGER",
        "DISPLAY",
        "VIRTUAL_ENV",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        # libpq (PostgreSQL) reads these for its connections
        "PGPASSWORD",
        "PGPASSFILE",
        "PGUSER",
        "PGHOST",
        "PGDATABASE",
        "PGSERVICEFILE",
    }
)
_PROTECTED_PREFIXES = (
    "PREFECT_",
    "STREAMLIT_",
    "SQLALCHEMY_",
    "ALEMBIC_",
    "PYTHON",
    "LC_",
    "LD_",
    "DYLD_",
    "XDG_",
    "SSH_",
    "GIT_",
    "SUDO_",
)


def credential_env_problem(name: str) -> str | None:
    """Why `name` may not name a channel's credential, or None when it may."""
    if not NAME.fullmatch(name):
        return (
            f"{name!r} is not an environment variable name (name the variable; the "
            "secret itself never goes here)"
        )
    return protected_env_problem(name)


def protected_env_problem(name: str) -> str | None:
    """Why the variable `name` must never be sent as a token, or None."""
    key = name.upper()  # the rule holds whatever the case a stored reference was given in
    if key == SANDBOX_TOKEN_ENV:
        return None
    if key.startswith(_OWN_PREFIX) or key in _OWN_NAMES:
        return (
            f"{name} is one of phuxanh's own settings or secrets, never a channel's "
            "token: name a variable of its own (e.g. FB_TTDN_TOKEN)"
        )
    if (
        key in _PROTECTED_NAMES
        or key.startswith(_PROTECTED_PREFIXES)
        or key in _configured_secrets()
    ):
        return (
            f"{name} belongs to the system or a tool phuxanh runs on, never a channel's "
            "token: name a variable of its own (e.g. FB_TTDN_TOKEN)"
        )
    return None


def _configured_secrets() -> set[str]:
    """Variables phuxanh's own settings name as holding a secret: the writing assistant's
    key (PHUXANH_ASSISTANT_KEY_ENV) and the SMTP password (PHUXANH_SMTP_PASSWORD_ENV); an
    office may rename them, and a renamed one is still never a channel's token."""
    from phuxanh.core.settings import get_settings

    try:
        settings = get_settings()
        names = {settings.assistant_key_env, settings.smtp_password_env}
    except ValueError:  # a broken setting is reported where settings are used, not here
        return set()
    return {n.upper() for n in names if n}


def api_base_problem(url: str) -> str | None:
    """Why a channel's API base URL cannot be used, or None. It is where the credential is
    sent, so: http(s), a host, a valid port, no user:password in it (a secret in a URL ends
    up in logs and listings) and no whitespace or control characters."""
    from urllib.parse import urlsplit

    if any(ch.isspace() or not ch.isprintable() for ch in url):  # C0, C1, bidi, …
        return f"{url!r} contains spaces or control characters"
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a port that is out of range or not a number
    except ValueError as exc:  # a port out of range or not a number
        return f"{url!r} is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http(s) URL with a host"
    if parts.username is not None or parts.password is not None:
        return "a user name or password in the URL is refused: credentials go in the variable"
    return None


class HoldsCredential(Protocol):
    """A channel as far as its credential goes (a `models.Channel` has it)."""

    @property
    def code(self) -> str: ...
    @property
    def credential_ref(self) -> str: ...


def resolve_credential(channel: HoldsCredential) -> str:
    """`env:VAR` or `file:/path`; the secret itself is never stored or logged. A variable
    that is one of phuxanh's own secrets or settings is refused before it is read, so its
    value is never sent as a token (a channel stored before that rule was checked)."""
    kind, _, ref = channel.credential_ref.partition(":")
    if kind == "env":
        problem = protected_env_problem(ref)
        if problem:
            raise ConfigError(f"channel {channel.code}: credential: {problem}")
        value = env_value(ref)
        if not value:
            raise ConfigError(
                f"channel {channel.code}: environment variable {ref} is not set "
                f"on this worker ({socket.gethostname()}), nor in its .env"
            )
        return value
    if kind == "file":
        path = Path(ref)
        if not path.is_file():
            raise ConfigError(f"channel {channel.code}: credential file {ref} does not exist")
        return path.read_text(encoding="utf-8").strip()
    raise ConfigError(f"channel {channel.code}: credential reference must be env:VAR or file:PATH")
