"""Units and users. Roles: editor, approver, manager, admin."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlmodel import Session, select

from phuxanh import audit
from phuxanh.errors import NotFound, ValidationFailed
from phuxanh.models import Role, Unit, User

SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    """scrypt (memory-hard, standard library) with a random salt, as `scrypt$salt$hash`."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt, digest = stored.split("$")
    got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **SCRYPT)
    return hmac.compare_digest(got.hex(), digest)


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
    actor: str = "system",
) -> User:
    try:
        role_value = Role(role)
    except ValueError as exc:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationFailed([f"--role: {role!r} is not one of {allowed}"]) from exc
    if session.exec(select(User).where(User.username == username)).first():
        raise ValidationFailed([f"USERNAME: {username!r} already exists"])
    unit = get_unit(session, code=unit_code)
    assert unit.id is not None
    user = User(
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


def get_user(session: Session, *, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise NotFound(f"user {username!r} does not exist")
    return user
