"""Hand-offs: the desk's "Việc của tôi" list and e-mail through a real SMTP server
(aiosmtpd on 127.0.0.1), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import email
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from phuxanh import jobs, notify, review
from phuxanh.core.errors import ConfigError
from phuxanh.core.settings import get_settings
from phuxanh.core.users import add_user, ensure_unit, oversees
from phuxanh.models import (
    AuditEvent,
    ContentItem,
    ItemStatus,
    MailOut,
    NotifyCursor,
    Publication,
    PubState,
    Theme,
    Unit,
)
from phuxanh.notify.mail import MAX_ATTEMPTS
from phuxanh.notify.my_work import my_work
from tests.helpers import refused, run_cli, user

DESK_URL = "https://desk.example.gov.vn"
CITY, DEPT, UNI = "ttdn-haiphong", "so-vhttdl-haiphong", "dh-y-duoc-haiphong"


# --- a real SMTP server -------------------------------------------------------------------


class Inbox:
    """What the server received, and the recipients it refuses for good."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()
        self.logins: list[tuple[str, str]] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(inbox: Inbox, port: int, **kwargs: Any) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def smtp_port(inbox: Inbox) -> Iterator[int]:
    port = free_port()
    controller = start_server(inbox, port)
    yield port
    controller.stop()


def mail_settings(monkeypatch: pytest.MonkeyPatch, port: int, **more: str) -> None:
    values = {
        "PHUXANH_SMTP_HOST": "127.0.0.1",
        "PHUXANH_SMTP_PORT": str(port),
        "PHUXANH_SMTP_TLS": "none",
        "PHUXANH_SMTP_TIMEOUT_S": "5",
        "PHUXANH_MAIL_FROM": "phuxanh <ttdn@example.gov.vn>",
        "PHUXANH_DESK_URL": DESK_URL + "/",
        **more,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


@pytest.fixture
def mail_on(monkeypatch: pytest.MonkeyPatch, smtp_port: int) -> int:
    mail_settings(monkeypatch, smtp_port)
    return smtp_port


# --- the office ---------------------------------------------------------------------------


def address(username: str) -> str:
    return f"{username}@example.gov.vn"


@pytest.fixture
def office(db_url: str, sandbox: Any, given_campaign: Callable[..., str]) -> str:
    """The demo campaign (lan.nguyen writes; minh.tran and hoa.pham approve, all in the
    city unit, above the department and the university), everyone with an e-mail, plus:
    an approver of the department (an.le), a manager of the city (quang.do), an approver of
    a unit outside the city's tree (binh.vo) and an approver with no e-mail (khanh.ho)."""
    given_campaign(db_url, sandbox.public_url)
    with Session(jobs.engine(db_url)) as s:
        for name in ("lan.nguyen", "minh.tran", "hoa.pham"):
            person = user(s, name)
            person.email = address(name)
            s.add(person)
        ensure_unit(s, code="ubnd-kien-an", name="UBND quận Kiến An", level="district")
        for name, unit, role in (
            ("an.le", DEPT, "approver"),
            ("quang.do", CITY, "manager"),
            ("binh.vo", "ubnd-kien-an", "approver"),
        ):
            add_user(s, username=name, unit_code=unit, role=role, email=address(name))
        add_user(s, username="khanh.ho", unit_code=CITY, role="approver")
        s.commit()
    return db_url


def item_of(s: Session, unit_code: str, nth: int = 0) -> ContentItem:
    unit = s.exec(select(Unit).where(Unit.code == unit_code)).one()
    return s.exec(
        select(ContentItem).where(ContentItem.unit_id == unit.id).order_by(col(ContentItem.id))
    ).all()[nth]


def submit(db_url: str, unit_code: str, nth: int = 0) -> int:
    with Session(jobs.engine(db_url)) as s:
        item = item_of(s, unit_code, nth)
        review.submit(s, item=item, actor=user(s, "lan.nguyen"))
        s.commit()
        assert item.id is not None
        return item.id


def deliver(db_url: str, **kwargs: Any) -> dict[str, int]:
    done = notify.deliver(jobs.engine(db_url), **kwargs)
    assert done.error is None, done.error
    return done.counts()


def outbox(db_url: str) -> list[MailOut]:
    with Session(jobs.engine(db_url)) as s:
        return list(s.exec(select(MailOut).order_by(col(MailOut.id))))


# --- e-mail -------------------------------------------------------------------------------


def test_submit_mails_each_approver_of_the_unit_once_with_the_link(
    office: str, inbox: Inbox, mail_on: int
) -> None:
    uni_item = submit(office, UNI)
    dept_item = submit(office, DEPT)
    assert deliver(office) == {"queued": 5, "sent": 5, "failed": 0}
    # the city's approvers oversee both units; the department's approver only its own;
    # nobody else (the author, the manager, another tree, an approver without e-mail)
    by_person = {
        a: sorted(m["Subject"] for m in inbox.to(address(a)))
        for a in ("minh.tran", "hoa.pham", "an.le", "lan.nguyen", "quang.do", "binh.vo")
    }
    assert [len(v) for v in by_person.values()] == [2, 2, 1, 0, 0, 0]
    assert all(f"#{dept_item}" in s for s in by_person["an.le"])
    with Session(jobs.engine(office)) as s:
        caption = s.get(ContentItem, uni_item).caption.splitlines()[0]  # type: ignore[union-attr]
    mail = next(m for m in inbox.to(address("minh.tran")) if f"#{uni_item} " in m["Subject"])
    assert mail["Subject"] == f"[phuxanh] Mục #{uni_item} chờ bạn duyệt: {caption}"
    assert mail["From"] == "phuxanh <ttdn@example.gov.vn>"
    body = mail.get_content()
    assert body.startswith("Kính gửi Trần Văn Minh,\n")
    assert f"Nguyễn Thị Lan (lan.nguyen) đã gửi mục #{uni_item} để duyệt lúc " in body
    assert f"Nội dung: {caption}\n" in body
    assert f"{DESK_URL}/queue?item={uni_item}\n" in body
    # a second run finds nothing new: nothing is queued or sent twice
    assert deliver(office) == {"queued": 0, "sent": 0, "failed": 0}
    assert len(inbox.messages) == 5
    rows = outbox(office)
    assert len(rows) == 5 and all(r.sent_at and r.attempts == 1 and not r.last_error for r in rows)


def test_decisions_mail_the_author(office: str, inbox: Inbox, mail_on: int) -> None:
    first, second = submit(office, CITY, 0), submit(office, CITY, 1)
    deliver(office)
    inbox.messages.clear()
    with Session(jobs.engine(office)) as s:
        minh = user(s, "minh.tran")
        review.request_changes(
            s, item=s.get(ContentItem, first), actor=minh, comment="Thiếu nguồn của số liệu"
        )
        review.approve(s, item=s.get(ContentItem, second), actor=minh)
        s.commit()
    assert deliver(office) == {"queued": 2, "sent": 2, "failed": 0}
    assert inbox.to(address("minh.tran")) == []  # who acted is never told
    mails = {m["Subject"].split(":")[0]: m.get_content() for m in inbox.to(address("lan.nguyen"))}
    assert set(mails) == {
        f"[phuxanh] Mục #{first} cần sửa",
        f"[phuxanh] Mục #{second} đã được duyệt",
    }
    changes = mails[f"[phuxanh] Mục #{first} cần sửa"]
    assert f"Trần Văn Minh (minh.tran) đã yêu cầu sửa mục #{first} lúc " in changes
    assert "Góp ý: Thiếu nguồn của số liệu\n" in changes
    assert "Việc cần làm: sửa theo góp ý rồi gửi duyệt lại." in changes
    assert f"{DESK_URL}/queue?item={first}" in changes
    assert "Bài được lên lịch đăng lúc " in mails[f"[phuxanh] Mục #{second} đã được duyệt"]


def test_two_notifiers_at_once_mail_each_hand_off_once(
    office: str, inbox: Inbox, mail_on: int
) -> None:
    items = [submit(office, unit, n) for unit in (CITY, UNI) for n in range(2)]
    outcomes: list[Any] = []

    def run() -> None:
        try:
            outcomes.append(notify.deliver(jobs.engine(office)))
        except Exception as exc:  # a failure must show, not vanish with the thread
            outcomes.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(o, notify.Delivered) and o.error is None for o in outcomes), outcomes
    assert sum(o.queued for o in outcomes) == 8 == sum(o.sent for o in outcomes)
    sent = sorted((m["To"], m["Subject"].split(":")[0]) for m in inbox.messages)
    assert sent == sorted(
        (address(a), f"[phuxanh] Mục #{i} chờ bạn duyệt")
        for i in items
        for a in ("minh.tran", "hoa.pham")
    )
    with Session(jobs.engine(office)) as s:
        newest = s.exec(select(func.max(AuditEvent.id))).one()
        assert s.get(NotifyCursor, 1).last_event_id == newest  # type: ignore[union-attr]


def test_smtp_down_keeps_the_mail_for_the_next_run(
    office: str, inbox: Inbox, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    port = free_port()  # nothing listens there yet
    mail_settings(monkeypatch, port)
    item_id = submit(office, CITY)
    line = refused(capsys, "notify", "send", "--database", office)
    assert line.startswith(f"error: SMTP 127.0.0.1:{port} (none): cannot connect: ")
    assert line.endswith("(queued 2, sent 0; the e-mails not sent wait for the next run)")
    rows = outbox(office)
    assert len(rows) == 2
    assert all(r.sent_at is None and r.attempts == 0 for r in rows)
    assert all(r.last_error and "cannot connect" in r.last_error for r in rows)
    controller = start_server(inbox, port)
    try:
        code, out, _err = run_cli(capsys, "notify", "send", "--database", office)
    finally:
        controller.stop()
    assert code == 0 and json.loads(out) == {"queued": 0, "sent": 2, "failed": 0}
    assert sorted(m["To"] for m in inbox.messages) == [address("hoa.pham"), address("minh.tran")]
    assert all(f"#{item_id}" in m["Subject"] for m in inbox.messages)
    assert all(r.sent_at and r.last_error is None for r in outbox(office))


def test_a_refused_address_stops_only_its_mail(office: str, inbox: Inbox, mail_on: int) -> None:
    inbox.refuse.add(address("hoa.pham"))
    submit(office, CITY)
    assert deliver(office) == {"queued": 2, "sent": 1, "failed": 1}
    assert [m["To"] for m in inbox.messages] == [address("minh.tran")]
    (bad,) = [r for r in outbox(office) if r.sent_at is None]
    assert bad.to_address == address("hoa.pham") and bad.attempts == MAX_ATTEMPTS
    assert bad.last_error == "recipient refused: 550 5.1.1 no such mailbox here"
    inbox.refuse.clear()
    assert deliver(office) == {"queued": 0, "sent": 0, "failed": 0}  # refused for good


def test_a_mail_claimed_by_a_sender_that_died_is_never_sent_again(
    office: str, inbox: Inbox, mail_on: int
) -> None:
    """A sender that stopped between claiming a mail and settling it may have sent it:
    the row stays claimed (sent_at set, the claim in last_error) and no run sends it."""
    submit(office, CITY)
    with Session(jobs.engine(office)) as s:
        assert notify.fill_outbox(s).queued == 2
        s.commit()
        claimed, other = s.exec(select(MailOut).order_by(col(MailOut.id))).all()
        other_address = other.to_address
        s.execute(
            update(MailOut)
            .where(col(MailOut.id) == claimed.id)
            .values(sent_at=dt.datetime.now(dt.UTC), last_error="sending (host:1, …)")
        )
        s.commit()
    assert deliver(office) == {"queued": 0, "sent": 1, "failed": 0}
    assert [m["To"] for m in inbox.messages] == [other_address]
    assert deliver(office) == {"queued": 0, "sent": 0, "failed": 0}


def test_a_missed_post_mails_the_channels_unit(office: str, inbox: Inbox, mail_on: int) -> None:
    item_id = submit(office, DEPT)
    with Session(jobs.engine(office)) as s:
        item = s.get(ContentItem, item_id)
        review.approve(s, item=item, actor=user(s, "an.le"))
        s.commit()
        assert item is not None and item.scheduled_at is not None
        late = item.scheduled_at + dt.timedelta(hours=5)  # past the 2 h lateness limit
    assert jobs.publish_due(now=late, database_url=office) == {"missed": 1}
    deliver(office)
    missed = [m for m in inbox.messages if "lỡ giờ" in m["Subject"]]
    # the department's approver, the city's approvers and its manager; not the editor
    assert sorted(m["To"] for m in missed) == sorted(
        address(a) for a in ("an.le", "hoa.pham", "minh.tran", "quang.do")
    )
    body = missed[0].get_content()
    assert "trên kênh Du lịch Hải Phòng - Sở VHTTDL (demo) đã không được đăng đúng giờ" in body
    assert f"{DESK_URL}/queue?item={item_id}" in body


def test_with_mail_off_the_cursor_moves_and_nothing_is_queued(
    office: str, inbox: Inbox, smtp_port: int, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    submit(office, CITY)
    code, out, err = run_cli(capsys, "notify", "send", "--database", office)
    assert code == 0 and json.loads(out) == {"queued": 0, "sent": 0, "failed": 0}
    assert "e-mail is off (PHUXANH_SMTP_HOST is empty)" in err
    mail_settings(monkeypatch, smtp_port)
    assert deliver(office) == {"queued": 0, "sent": 0, "failed": 0}  # no flood once it is on
    assert outbox(office) == [] and inbox.messages == []
    # events older than a day are news nobody needs: passed over as well
    submit(office, CITY, 1)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    assert deliver(office, now=later) == {"queued": 0, "sent": 0, "failed": 0}
    submit(office, CITY, 2)
    assert deliver(office) == {"queued": 2, "sent": 2, "failed": 0}


def test_wrong_mail_settings_are_named_before_anything_is_queued(
    office: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    mail_settings(
        monkeypatch,
        free_port(),
        PHUXANH_SMTP_TLS="tls",
        PHUXANH_MAIL_FROM="",
        PHUXANH_DESK_URL="desk.example.gov.vn",
        PHUXANH_SMTP_USER="ttdn",
        PHUXANH_SMTP_PASSWORD_ENV="TTDN_SMTP_PASSWORD",
    )
    monkeypatch.delenv("TTDN_SMTP_PASSWORD", raising=False)
    submit(office, CITY)
    line = refused(capsys, "notify", "send", "--database", office)
    assert line.startswith(
        "error: e-mail: PHUXANH_SMTP_TLS: 'tls' is not one of starttls, ssl, none"
    )
    for name in (
        "PHUXANH_MAIL_FROM is empty",
        "PHUXANH_DESK_URL: 'desk.example.gov.vn'",
        "PHUXANH_SMTP_USER is set but TTDN_SMTP_PASSWORD",
    ):
        assert name in line
    with Session(jobs.engine(office)) as s:
        assert s.get(NotifyCursor, 1) is None  # nothing read: no hand-off is passed over
    with pytest.raises(ConfigError):
        notify.deliver(jobs.engine(office))


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM files)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_tls_and_login_with_the_password_from_its_variable(
    office: str, inbox: Inbox, tls: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert_file, key_file = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the client trusts this one only

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        inbox.logins.append((data.login.decode(), data.password.decode()))
        ok = (data.login, data.password) == (b"ttdn", b"mat-khau-thu")
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    port = free_port()
    secure = (
        {"tls_context": context, "require_starttls": True}
        if tls == "starttls"
        else {"ssl_context": context}
    )
    # aiosmtpd offers AUTH only after STARTTLS when told to require TLS; on SMTPS the
    # whole connection is TLS already
    controller = start_server(
        inbox, port, authenticator=authenticator, auth_require_tls=tls == "starttls", **secure
    )
    try:
        mail_settings(
            monkeypatch,
            port,
            PHUXANH_SMTP_TLS=tls,
            PHUXANH_SMTP_USER="ttdn",
            PHUXANH_SMTP_PASSWORD_ENV="TTDN_SMTP_PASSWORD",
            TTDN_SMTP_PASSWORD="mat-khau-thu",
        )
        submit(office, CITY)
        assert deliver(office) == {"queued": 2, "sent": 2, "failed": 0}
        assert inbox.logins == [("ttdn", "mat-khau-thu")]
        monkeypatch.setenv("TTDN_SMTP_PASSWORD", "sai")  # a refused login: the mail waits
        submit(office, CITY, 1)
        done = notify.deliver(jobs.engine(office))
        monkeypatch.setenv("TTDN_SMTP_PASSWORD", "mat-khau-thu")
        monkeypatch.delenv("SSL_CERT_FILE")  # a certificate nobody vouches for is refused
        untrusted = notify.deliver(jobs.engine(office))
    finally:
        controller.stop()
    assert untrusted.error is not None and untrusted.error.startswith(
        f"SMTP 127.0.0.1:{port} ({tls}): TLS failed: CERTIFICATE_VERIFY_FAILED"
    )
    assert (done.sent, done.failed) == (0, 2)
    assert done.error is not None and done.error.startswith(
        f"SMTP 127.0.0.1:{port} ({tls}): login as ttdn refused: 535"
    )
    assert "sai" not in done.error


# --- my work ------------------------------------------------------------------------------


def work_of(db_url: str, name: str) -> Any:
    with Session(jobs.engine(db_url)) as s:
        return my_work(s, user=user(s, name))


def test_my_work_lists_exactly_what_each_person_must_do(office: str) -> None:
    waiting = [submit(office, CITY, 0), submit(office, UNI, 0), submit(office, DEPT, 0)]
    sent_back = submit(office, CITY, 1)
    approved_once = submit(office, CITY, 2)
    with Session(jobs.engine(office)) as s:
        minh, hoa = user(s, "minh.tran"), user(s, "hoa.pham")
        review.request_changes(
            s, item=s.get(ContentItem, sent_back), actor=hoa, comment="Sửa lại tiêu đề"
        )
        # a sensitive theme needs two approvers: minh's approval is done, hoa's is not
        item = s.get(ContentItem, approved_once)
        assert item is not None
        theme = s.get(Theme, item.theme_id)
        assert theme is not None
        theme.sensitive = True
        s.add(theme)
        review.approve(s, item=item, actor=minh)
        s.commit()
        assert item.status == ItemStatus.in_review
    minh_work, hoa_work = work_of(office, "minh.tran"), work_of(office, "hoa.pham")
    assert {r.item_id for r in minh_work.to_approve} == set(waiting)
    assert {r.item_id for r in hoa_work.to_approve} == {*waiting, approved_once}
    (sensitive,) = [r for r in hoa_work.to_approve if r.item_id == approved_once]
    assert (sensitive.sensitive, sensitive.approvals, sensitive.author) == (True, 1, "lan.nguyen")
    # the department's approver sees its own unit's item only; another tree sees none
    assert [r.item_id for r in work_of(office, "an.le").to_approve] == [waiting[2]]
    assert work_of(office, "binh.vo").total == 0
    lan = work_of(office, "lan.nguyen")
    assert lan.to_approve == () and lan.posts == ()
    (back,) = lan.returned
    assert (back.item_id, back.status, back.by, back.reason) == (
        sent_back,
        "changes_requested",
        "hoa.pham",
        "Sửa lại tiêu đề",
    )
    assert minh_work.returned == () and minh_work.posts == ()
    # what the department's approver is given is what the domain lets them approve
    with Session(jobs.engine(office)) as s:
        an = user(s, "an.le")
        in_review = s.exec(
            select(ContentItem).where(ContentItem.status == ItemStatus.in_review)
        ).all()
        allowed = {i.id for i in in_review if oversees(s, actor=an, unit_id=i.unit_id)}
    assert {r.item_id for r in work_of(office, "an.le").to_approve} == allowed == {waiting[2]}


def test_posts_that_need_a_person_and_a_rejection(office: str) -> None:
    dept, uni = submit(office, DEPT), submit(office, UNI)
    rejected = submit(office, CITY)
    with Session(jobs.engine(office)) as s:
        minh = user(s, "minh.tran")
        for item_id in (dept, uni):
            review.approve(s, item=s.get(ContentItem, item_id), actor=minh)
        review.reject(s, item=s.get(ContentItem, rejected), actor=minh, reason="Trùng bài cũ")
        s.commit()
        latest = max(p.scheduled_at for p in s.exec(select(Publication)))
    jobs.publish_due(now=latest + dt.timedelta(hours=5), database_url=office)
    with Session(jobs.engine(office)) as s:
        states = {p.content_item_id: p.state for p in s.exec(select(Publication))}
        assert states == {dept: PubState.missed, uni: PubState.missed}
        # a post whose outcome is unknown (the publisher's needs_check) waits for a person too
        s.execute(
            update(Publication)
            .where(col(Publication.content_item_id) == uni)
            .values(state=PubState.needs_check, last_error="the platform did not answer")
        )
        s.commit()
    minh_posts = {(p.item_id, p.state) for p in work_of(office, "minh.tran").posts}
    assert minh_posts == {(dept, "missed"), (uni, "needs_check")}
    assert {(p.item_id, p.state) for p in work_of(office, "quang.do").posts} == minh_posts
    assert [p.item_id for p in work_of(office, "an.le").posts] == [dept]
    assert work_of(office, "lan.nguyen").posts == ()  # an editor does not settle posts
    (back,) = work_of(office, "lan.nguyen").returned
    assert (back.item_id, back.status, back.reason) == (rejected, "rejected", "Trùng bài cũ")
    with Session(jobs.engine(office)) as s:
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
        assert my_work(s, user=user(s, "lan.nguyen"), now=later).returned == ()


# --- the desk page ------------------------------------------------------------------------


def test_the_my_work_page_shows_the_rows_and_opens_an_item(app_db: str) -> None:
    from tests.test_dashboard import _signed_in

    waiting = submit(app_db, CITY, 0)
    sent_back = submit(app_db, CITY, 1)
    with Session(jobs.engine(app_db)) as s:
        review.request_changes(
            s,
            item=s.get(ContentItem, sent_back),
            actor=user(s, "minh.tran"),
            comment="Thêm nguồn cho số liệu",
        )
        s.commit()
        caption = s.get(ContentItem, waiting).caption.splitlines()[0]  # type: ignore[union-attr]
    at = _signed_in("minh.tran")
    at.switch_page("app_pages/my_work.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Việc của tôi"
    assert [h.value for h in at.subheader] == ["Chờ tôi duyệt (1)"]
    assert f"**Mục #{waiting}**" in [m.value for m in at.markdown]
    assert caption in [t.value for t in at.text]
    assert "Việc cần làm: xem rồi duyệt, yêu cầu sửa hoặc từ chối." in [c.value for c in at.caption]
    at.button(key=f"work-approve-{waiting}").click().run()
    assert at.title[0].value == "Hàng chờ duyệt"
    assert at.session_state["open_item"] == waiting
    assert {b.key for b in at.button if str(b.key).startswith("approve-")} == {f"approve-{waiting}"}

    lan = _signed_in("lan.nguyen")
    lan.switch_page("app_pages/my_work.py").run()
    assert [h.value for h in lan.subheader] == ["Trả lại cho tôi (1)"]
    assert "Lý do: Thêm nguồn cho số liệu" in [t.value for t in lan.text]
    assert any(c.value.startswith("Cần sửa · minh.tran · ") for c in lan.caption)
    lan.sidebar.radio(key="lang").set_value("en").run()
    assert lan.title[0].value == "My work"
    assert [h.value for h in lan.subheader] == ["Returned to me (1)"]
    # opening the item keeps the language (a page switched to drops the switch's state)
    lan.button(key=f"work-returned-{sent_back}").click().run()
    assert lan.title[0].value == "Review queue"

    hoa_free = _signed_in("hoa.pham")
    with Session(jobs.engine(app_db)) as s:
        review.approve(s, item=s.get(ContentItem, waiting), actor=user(s, "hoa.pham"))
        s.commit()
    hoa_free.switch_page("app_pages/my_work.py").run()
    assert [s.value for s in hoa_free.success] == ["Không có việc nào đang chờ bạn."]


# --- the publish-due run ------------------------------------------------------------------


@pytest.mark.slow
def test_the_publish_run_mails_hand_offs_and_never_fails_for_mail(
    prefect_api: None, office: str, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows import publish
    from tests.helpers import at

    submit(office, CITY)
    quiet = publish.publish_due(now=at(0, 7), database_url=office, return_state=True)
    assert quiet.is_completed() and quiet.result() == {}
    with Session(jobs.engine(office)) as s:
        assert s.get(NotifyCursor, 1) is None  # e-mail off: the run does not touch it
    port = free_port()
    mail_settings(monkeypatch, port)  # on, but the server is down
    down = publish.publish_due(now=at(0, 7), database_url=office, return_state=True)
    assert down.is_completed() and down.result() == {}
    rows = outbox(office)
    assert len(rows) == 2 and all(
        r.sent_at is None and "cannot connect" in (r.last_error or "") for r in rows
    )
    controller = start_server(inbox, port)
    try:
        up = publish.publish_due(now=at(0, 7), database_url=office, return_state=True)
    finally:
        controller.stop()
    assert up.is_completed()
    assert sorted(m["To"] for m in inbox.messages) == [address("hoa.pham"), address("minh.tran")]


def test_long_vietnamese_subjects_arrive_word_for_word(
    office: str, inbox: Inbox, mail_on: int
) -> None:
    """A subject longer than a header line is split into encoded words; every space must
    survive the trip (Python 3.11's default folder put them between the words, where a
    reader drops them: "đăng thủ công" arrived as "đăng thủcông")."""
    with Session(jobs.engine(office)) as s:
        item = item_of(s, CITY, 0)
        item.caption = (  # a subject the 3.11 folder spoiled at any item number
            "Chờ đăng thủ công lên Bảng tin phường Lê Chân: Hải Phòng mở cửa miễn phí Bảo "
            "tàng Thành phố dịp Quốc khánh."
        )
        s.add(item)
        s.commit()
    submit(office, CITY, 0)
    assert deliver(office)["sent"] > 0
    stored = {r.to_address: r.subject for r in outbox(office)}
    for message in inbox.messages:
        assert message["Subject"] == stored[message["To"]]
        assert "Chờ đăng thủ công lên Bảng tin" in message["Subject"]
