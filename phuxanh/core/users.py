"""Units and users. Roles: editor, approver, manager, admin."""

from __future__ import annotations

import functools
import re
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from phuxanh.core import audit
from phuxanh.core.errors import NotFound, PermissionDenied, ValidationFailed
from phuxanh.core.settings import get_settings
from phuxanh.models import Role, Unit, User

# a login: what people type at sign-in and what audit rows name (lan.nguyen, drill-author)
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
DISPLAY_NAME_MAX = 120  # characters, after NFC: a name fits a report's table cell


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "…")


def check_username(username: str) -> str:
    """A login name: 2-64 characters of a-z, 0-9, '.', '_', '-', starting with a letter or
    digit. Refused with the rule (never stored otherwise)."""
    if not USERNAME.fullmatch(username):
        raise ValidationFailed(
            [
                f"USERNAME: {_shown(username)} is not a login name: 2-64 "
                "characters a-z, 0-9, '.', '_' or '-', starting with a letter "
                "or digit (e.g. lan.nguyen)"
            ]
        )
    return username


def check_display_name(name: str) -> str:
    """The name reports and the desk show: NFC, trimmed, at most DISPLAY_NAME_MAX
    characters, no control or invisible formatting characters (an ESC or a bidi override
    would garble or break a report)."""
    name = unicodedata.normalize("NFC", name).strip()
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationFailed([f"--name: {len(name)} characters, at most {DISPLAY_NAME_MAX}"])
    bad = sorted({f"U+{ord(c):04X}" for c in name if unicodedata.category(c).startswith("C")})
    if bad:
        raise ValidationFailed(
            [f"--name: {_shown(name)} holds control or invisible characters ({', '.join(bad[:5])})"]
        )
    return name


@functools.lru_cache(maxsize=4)
def _argon2(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def _hasher() -> PasswordHasher:
    """argon2id at the configured cost (`PHUXANH_ARGON2_*`; by default the library's
    recommended parameters). A hash carries its own cost, so any stored one verifies."""
    settings = get_settings()
    return _argon2(settings.argon2_time_cost, settings.argon2_memory_kib)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def oversees(session: Session, *, actor: User, unit_id: int) -> bool:
    """An admin, or a member of the unit or of a unit above it, may act on its items."""
    if actor.role == Role.admin:
        return True
    seen: set[int] = set()
    current: int | None = unit_id
    while current is not None and current not in seen:
        if current == actor.unit_id:
            return True
        seen.add(current)
        unit = session.get(Unit, current)
        current = unit.parent_id if unit else None
    return False


def ensure_unit(session: Session, *, code: str, name: str, level: str = "city") -> Unit:
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        unit = Unit(code=code, name=name, level=level)
        session.add(unit)
        session.flush()
    return unit


def get_unit(session: Session, *, code: str) -> Unit:
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise NotFound(f"unit {code!r} does not exist")
    return unit


def add_user(
    session: Session,
    *,
    username: str,
    unit_code: str,
    role: str,
    display_name: str = "",
    password: str | None = None,
    email: str | None = None,
    actor: str = "system",
) -> User:
    check_username(username)
    display_name = check_display_name(display_name)
    try:
        role_value = Role(role)
    except ValueError as exc:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationFailed([f"--role: {_shown(role)} is not one of {allowed}"]) from exc
    if session.exec(select(User).where(User.username == username)).first():
        raise ValidationFailed([f"USERNAME: {username!r} already exists"])
    if email is not None:
        email = email.strip().lower()
        if "@" not in email:
            raise ValidationFailed([f"--email: {email!r} is not an e-mail address"])
        if session.exec(select(User).where(User.email == email)).first():
            raise ValidationFailed([f"--email: {email!r} already belongs to another user"])
    unit = get_unit(session, code=unit_code)
    assert unit.id is not None
    user = User(
        email=email,
        username=username,
        display_name=display_name or username,
        unit_id=unit.id,
        role=role_value,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.add",
        entity="user",
        entity_id=user.id,
        detail={"username": username, "role": str(role_value), "unit": unit_code},
    )
    return user


def authenticate(session: Session, *, username: str, password: str) -> User:
    """The user with this password; the same refusal whichever of the two is wrong."""
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None or not user.active or not check_password(password, user.password_hash):
        raise PermissionDenied(code="auth.wrong_password")
    return user


def sso_user(session: Session, *, email: str | None, verified: bool = True) -> User:
    """The active user an OIDC provider's verified e-mail belongs to.

    The provider proves who someone is; phuxanh still decides what they may do, so an
    address nobody added with `phuxanh user add --email` gets no access at all.
    """
    if not email or not verified:
        raise PermissionDenied(code="auth.sso_unverified")
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None or not user.active:
        raise PermissionDenied(code="auth.sso_unknown", email=email)
    return user


def get_user(session: Session, *, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise NotFound(f"user {username!r} does not exist")
    return user
