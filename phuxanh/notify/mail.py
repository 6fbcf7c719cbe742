"""Sending the outbox (`MailOut`) over SMTP, each mail at most once.

A mail is claimed before it is sent: one conditional UPDATE sets its `sent_at` (only while
it is still unsent) and says in `last_error` that it is being sent, and is committed. So
two senders at once never both send it, and a sender that dies in the middle of a send
leaves the row marked sent, its `last_error` saying the outcome is unknown, rather than
sending it again. After the send the row is settled: `last_error` cleared, or, when the
server refused or the line dropped, `sent_at` cleared again with the reason, for the next
run.

What counts against a mail: an attempt is counted when the server was reached and this
mail failed. A refusal for good (a 5xx answer to its recipient or its text) stops it
(`attempts` = MAX_ATTEMPTS); anything else is tried again on each run, up to MAX_ATTEMPTS.
A server that cannot be reached at all (down, wrong port, TLS or login refused) is no fault
of the mails: each waiting mail gets the reason in `last_error`, none loses an attempt,
and all of them go on the next run after the server is back.

The connection: SMTPS (PHUXANH_SMTP_TLS=ssl), STARTTLS (starttls) or plain (none), with
the system's trusted certificates; a login when PHUXANH_SMTP_USER is set (see `config.py`).
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from phuxanh.core.db import scrub
from phuxanh.models import MailOut, utcnow
from phuxanh.notify.config import MailConfig

MAX_ATTEMPTS = 10
BATCH = 200
ERROR_MAX = 500  # characters of a server's answer kept in `last_error`
_CLAIM = (
    "sending ({who}, {at}): if this stays, the sender stopped mid-send and the mail may "
    "not have gone out"
)


@dataclass(frozen=True)
class SendResult:
    sent: int
    failed: int
    # why the server could not be reached or stopped answering (the mails wait), or None
    error: str | None = None


class _ServerDown(Exception):
    """The server cannot be reached or stopped answering: stop this run."""


def _short(text: object) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= ERROR_MAX else line[: ERROR_MAX - 1] + "…"


def _answer(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return _short(f"{code} {text}")


def message_for(row: MailOut, config: MailConfig) -> Message:
    """The e-mail for an outbox row: UTF-8 text, the subject in RFC 2047 encoded words.

    The subject is encoded by `email.header.Header`, not by the `email.policy.default`
    folder: on Python 3.11 that folder splits a long Vietnamese subject into encoded words
    at a space and leaves the space between them, where RFC 2047 says a reader drops it
    ("đăng thủ công" arrived as "đăng thủcông"); Header keeps each space inside a word."""
    message = MIMEText(row.body, "plain", "utf-8")
    name, address = parseaddr(config.sender)
    message["From"] = formataddr((name, address), charset="utf-8")
    message["To"] = row.to_address
    # compat32 messages take a Header (typeshed allows only str)
    message["Subject"] = Header(row.subject, "utf-8")  # type: ignore[assignment]
    message["Date"] = formatdate(localtime=True)
    domain = address.rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(f"phuxanh.mail.{row.id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    return message


def connect(config: MailConfig) -> smtplib.SMTP:
    """An open, greeted (and, when configured, encrypted and logged-in) SMTP connection;
    `_ServerDown` with a reason a person can read otherwise."""
    where = config.where
    smtp: smtplib.SMTP | None = None
    try:
        context = ssl.create_default_context()
        if config.tls == "ssl":
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout_s, context=context
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout_s)
            if config.tls == "starttls":
                smtp.starttls(context=context)
        smtp.ehlo_or_helo_if_needed()
        if config.user and config.password:
            smtp.login(config.user, config.password)
        return smtp
    except smtplib.SMTPAuthenticationError as exc:
        _close(smtp)
        raise _ServerDown(
            f"SMTP {where}: login as {config.user} refused: "
            f"{_answer(exc.smtp_code, exc.smtp_error)} (check PHUXANH_SMTP_USER and the "
            "password variable)"
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        _close(smtp)
        raise _ServerDown(
            f"SMTP {where}: {_short(exc)} (check PHUXANH_SMTP_TLS: starttls, ssl or none)"
        ) from exc
    except ssl.SSLError as exc:
        _close(smtp)
        raise _ServerDown(
            f"SMTP {where}: TLS failed: {_short(exc.reason or exc)} (check PHUXANH_SMTP_TLS "
            "and PHUXANH_SMTP_PORT: ssl is usually 465, starttls 587)"
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        _close(smtp)
        reason: object = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        if isinstance(exc, TimeoutError):
            reason = f"no answer in {config.timeout_s:g} s"
        elif isinstance(exc, smtplib.SMTPResponseException):
            reason = _answer(exc.smtp_code, exc.smtp_error)
        raise _ServerDown(
            f"SMTP {where}: cannot connect: {_short(reason or type(exc).__name__)} (check "
            "PHUXANH_SMTP_HOST, PHUXANH_SMTP_PORT and PHUXANH_SMTP_TLS, and that the server "
            "is up)"
        ) from exc


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def pending_ids(session: Session, *, limit: int = BATCH) -> list[int]:
    """Mail still to send, oldest first."""
    return [
        i
        for i in session.exec(
            select(MailOut.id)
            .where(col(MailOut.sent_at).is_(None), col(MailOut.attempts) < MAX_ATTEMPTS)
            .order_by(col(MailOut.id))
            .limit(limit)
        ).all()
        if i is not None
    ]


def _claim(session: Session, mail_id: int, marker: str, now: dt.datetime) -> bool:
    result = session.execute(
        update(MailOut)
        .where(
            col(MailOut.id) == mail_id,
            col(MailOut.sent_at).is_(None),
            col(MailOut.attempts) < MAX_ATTEMPTS,
        )
        .values(sent_at=now, last_error=marker)
    )
    session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _settle(session: Session, mail_id: int, marker: str, **values: object) -> None:
    session.execute(
        update(MailOut)
        .where(col(MailOut.id) == mail_id, col(MailOut.last_error) == marker)
        .values(**values)
    )
    session.commit()


def _refused(exc: smtplib.SMTPException) -> tuple[str, bool]:
    """(the reason, whether it is for good) for a mail the server would not take."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = list(exc.recipients.values())
        code, text = answers[0] if answers else (0, b"")
        return f"recipient refused: {_answer(code, text)}", code >= 500
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"refused: {_answer(exc.smtp_code, exc.smtp_error)}", exc.smtp_code >= 500
    return _short(exc), False


def send_pending(
    engine: Engine, config: MailConfig, *, now: dt.datetime | None = None, limit: int = BATCH
) -> SendResult:
    """Send the waiting mail (see the module's docstring). Connects only when there is
    mail to send."""
    with Session(engine, expire_on_commit=False) as session:
        waiting = pending_ids(session, limit=limit)
        if not waiting:
            return SendResult(0, 0)
        try:
            smtp = connect(config)
        except _ServerDown as exc:
            reason = scrub(str(exc))
            session.execute(
                update(MailOut)
                .where(col(MailOut.id).in_(waiting), col(MailOut.sent_at).is_(None))
                .values(last_error=reason)
            )
            session.commit()
            return SendResult(0, len(waiting), reason)
        sent = failed = 0
        who = f"{socket.gethostname()}:{os.getpid()}"
        try:
            for mail_id in waiting:
                try:
                    outcome = _send_one(session, smtp, config, mail_id, who=who, now=now)
                except _ServerDown as exc:
                    return SendResult(sent, failed + 1, str(exc))
                sent += outcome == "sent"
                failed += outcome == "failed"
        finally:
            _close(smtp)
    return SendResult(sent, failed)


def _send_one(
    session: Session,
    smtp: smtplib.SMTP,
    config: MailConfig,
    mail_id: int,
    *,
    who: str,
    now: dt.datetime | None,
) -> str:
    """Claim one mail, send it and settle its row: "sent", "failed", or "taken" (another
    sender has it). `_ServerDown` (the row settled) when the server stops answering or
    refuses the sender: the run stops there."""
    row = session.get(MailOut, mail_id)
    assert row is not None
    try:
        message = message_for(row, config)
    except (ValueError, TypeError) as exc:  # an address or a text no e-mail can carry
        session.execute(
            update(MailOut)
            .where(col(MailOut.id) == mail_id, col(MailOut.sent_at).is_(None))
            .values(attempts=MAX_ATTEMPTS, last_error=f"cannot be sent: {_short(exc)}")
        )
        session.commit()
        return "failed"
    at = now or utcnow()
    marker = _CLAIM.format(who=who, at=at.isoformat(timespec="seconds"))
    if not _claim(session, mail_id, marker, at):
        return "taken"
    one_more = col(MailOut.attempts) + 1
    try:
        smtp.send_message(message)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
        reason, for_good = _refused(exc)
        attempts = MAX_ATTEMPTS if for_good else one_more
        _settle(session, mail_id, marker, sent_at=None, attempts=attempts, last_error=reason)
        return "failed"
    except smtplib.SMTPSenderRefused as exc:  # the setting's fault, not the mail's
        error = (
            f"SMTP {config.where}: the sender {exc.sender!r} was refused: "
            f"{_answer(exc.smtp_code, exc.smtp_error)} (check PHUXANH_MAIL_FROM)"
        )
        _settle(session, mail_id, marker, sent_at=None, last_error=error)
        raise _ServerDown(error) from exc
    except (OSError, smtplib.SMTPException) as exc:
        reason = _refused(exc)[0] if isinstance(exc, smtplib.SMTPException) else _short(exc)
        error = f"SMTP {config.where}: stopped answering while sending: {reason}"
        _settle(session, mail_id, marker, sent_at=None, attempts=one_more, last_error=error)
        raise _ServerDown(error) from exc
    _settle(session, mail_id, marker, attempts=one_more, last_error=None)
    return "sent"
