"""What sending e-mail needs, read from the settings and checked once per run.

E-mail is off while PHUXANH_SMTP_HOST is empty (the default). When it is on, every problem
with the other settings is one ConfigError naming them all, before any mail is queued or
sent: no hand-off is passed over because of a typo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parseaddr
from urllib.parse import urlsplit

from phuxanh.core.errors import ConfigError
from phuxanh.core.settings import env_value, get_settings
from phuxanh.platforms.credentials import NAME

TLS_MODES = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    tls: str  # one of TLS_MODES
    sender: str  # the From header, e.g. "phuxanh <ttdn@example.gov.vn>"
    desk_url: str  # without a trailing slash
    timeout_s: float
    user: str = ""
    password: str = field(default="", repr=False)  # never printed

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port} ({self.tls})"


def enabled() -> bool:
    """True when PHUXANH_SMTP_HOST is set: hand-offs are then mailed."""
    return bool(get_settings().smtp_host.strip())


def item_link(desk_url: str, item_id: int) -> str:
    """The item in the desk's queue, as the e-mail links to it."""
    return f"{desk_url.rstrip('/')}/queue?item={item_id}"


def mail_config() -> MailConfig | None:
    """The SMTP settings, None when e-mail is off; a ConfigError naming every setting that
    is wrong when it is on."""
    settings = get_settings()
    host = settings.smtp_host.strip()
    if not host:
        return None
    problems: list[str] = []
    tls = settings.smtp_tls.strip().lower()
    if tls not in TLS_MODES:
        problems.append(
            f"PHUXANH_SMTP_TLS: {settings.smtp_tls!r} is not one of {', '.join(TLS_MODES)}"
        )
    if not 1 <= settings.smtp_port <= 65535:
        problems.append(f"PHUXANH_SMTP_PORT: {settings.smtp_port} is not a port (1-65535)")
    sender = settings.mail_from.strip()
    if not sender:
        problems.append(
            "PHUXANH_MAIL_FROM is empty: give the sender, e.g. phuxanh <ttdn@example.gov.vn>"
        )
    elif "@" not in parseaddr(sender)[1] or any(c in sender for c in "\r\n"):
        problems.append(f"PHUXANH_MAIL_FROM: {sender!r} is not an e-mail address")
    desk_url = settings.desk_url.strip().rstrip("/")
    parts = urlsplit(desk_url)
    if not desk_url:
        problems.append(
            "PHUXANH_DESK_URL is empty: give the desk's address as people open it (e.g. "
            "https://desk.example.gov.vn), so each e-mail can link to its item"
        )
    elif parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        problems.append(
            f"PHUXANH_DESK_URL: {desk_url!r} is not an http(s) address without a query "
            "(e.g. https://desk.example.gov.vn)"
        )
    user = settings.smtp_user.strip()
    password = ""
    env_name = settings.smtp_password_env.strip()
    if not NAME.fullmatch(env_name):
        problems.append(
            f"PHUXANH_SMTP_PASSWORD_ENV: {env_name!r} is not an environment variable name "
            "(name the variable; the password itself never goes here)"
        )
    else:
        password = env_value(env_name) or ""
        if user and not password:
            problems.append(
                f"PHUXANH_SMTP_USER is set but {env_name} (named by PHUXANH_SMTP_PASSWORD_ENV) "
                "is empty: set the password there, or clear PHUXANH_SMTP_USER for a server "
                "that needs no login"
            )
    if problems:
        raise ConfigError("e-mail: " + "; ".join(problems))
    return MailConfig(
        host=host,
        port=settings.smtp_port,
        tls=tls,
        sender=sender,
        desk_url=desk_url,
        timeout_s=settings.smtp_timeout_s,
        user=user,
        password=password if user else "",
    )
