"""The unit registry: the city, its departments, wards, communes, schools and universities,
each with its parent, brand, hotline, address and report header. Every change is audited.

A unit made here needs no campaign file: users, channels and obligations attach to it
directly. Files (`import_units`, `set_report`) are all or nothing, and every problem names
`file:line: field`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from phuxanh.core import audit
from phuxanh.core.errors import ValidationFailed
from phuxanh.core.text import control_problem
from phuxanh.core.users import check_display_name
from phuxanh.core.yamlio import MAX_BYTES, format_loc, load_located
from phuxanh.models import Campaign, Channel, Obligation, Unit, User
from phuxanh.planning.campaign import CampaignSpec, ReportSpec

LEVELS = ("city", "department", "ward", "commune", "school", "university")
CODE = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
FIELDS = ("code", "name", "level", "parent", "brand", "hotline", "address")
LONGEST = {"brand": 64, "hotline": 64, "address": 300}


def _problem_code(code: str, field: str) -> str | None:
    if not CODE.fullmatch(code):
        return (
            f"{field}: {code[:40]!r} is not a unit code: 2-64 characters a-z, 0-9, '.', '_' "
            "or '-', starting with a letter or digit (e.g. phuong-le-chan)"
        )
    return None


def _checked(values: dict[str, Any], flag: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The values of one unit, cleaned (NFC, trimmed), and the problems, each naming the
    field as `flag` spells it (`--level` on the command line, `level` in a file)."""
    problems: list[str] = []
    out: dict[str, Any] = {}
    for key in FIELDS:
        value = values.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            out[key] = None
            continue
        if not isinstance(value, str | int) or isinstance(value, bool):
            problems.append(f"{flag[key]}: {value!r} is not text")
            out[key] = None  # named once; the checks below see no value
            continue
        out[key] = unicodedata.normalize("NFC", str(value)).strip()
        checked_below = key in ("code", "name", "level")  # by their own rules below
        if not checked_below and (problem := control_problem(out[key], flag[key], allow="")):
            problems.append(problem)  # printed raw by `unit list` and the reports
            out[key] = None
    if out["code"] is None:
        problems.append(f"{flag['code']}: missing")
    elif problem := _problem_code(out["code"], flag["code"]):
        problems.append(problem)
    if out["name"] is None:
        problems.append(f"{flag['name']}: missing (the unit's full name)")
    else:
        try:
            out["name"] = check_display_name(out["name"])
        except ValidationFailed as exc:
            problems += [str(p).replace("--name", flag["name"], 1) for p in exc.problems]
    if out["level"] is None:
        problems.append(f"{flag['level']}: missing (one of {', '.join(LEVELS)})")
    elif out["level"] not in LEVELS:
        problems.append(f"{flag['level']}: {out['level']!r} is not one of {', '.join(LEVELS)}")
    for key, most in LONGEST.items():
        if out[key] is not None and len(out[key]) > most:
            problems.append(f"{flag[key]}: {len(out[key])} characters, at most {most}")
    if out["brand"] is not None:  # checked here, not first when a package is drawn
        from phuxanh.core.settings import get_settings
        from phuxanh.media.cards import BRAND_CODE, brand_codes

        known = brand_codes(get_settings().assets_dir)
        if not BRAND_CODE.fullmatch(out["brand"]) or out["brand"] not in known:
            problems.append(
                f"{flag['brand']}: no brand kit {out['brand']!r} (known: {', '.join(known)})"
            )
    if out["parent"] is not None and out["parent"] == out["code"]:
        problems.append(f"{flag['parent']}: a unit cannot be its own parent")
    return out, problems


def _flags(prefix: str = "--") -> dict[str, str]:
    return {key: f"{prefix}{key}" for key in FIELDS} | ({"code": "CODE"} if prefix else {})


def get(session: Session, code: str, flag: str = "CODE") -> Unit:
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise ValidationFailed([f"{flag}: no unit {code!r} (see phuxanh unit list)"])
    return unit


def ancestors(session: Session, unit: Unit) -> list[Unit]:
    """The unit's parent, its parent's parent, … up to the top (a cycle stops the walk)."""
    out: list[Unit] = []
    seen = {unit.id}
    current = unit.parent_id
    while current is not None and current not in seen:
        seen.add(current)
        parent = session.get(Unit, current)
        if parent is None:
            break
        out.append(parent)
        current = parent.parent_id
    return out


def below(session: Session, unit: Unit) -> list[Unit]:
    """The unit and every unit under it, the unit first, then level by level (by code)."""
    units = list(session.exec(select(Unit).order_by(col(Unit.code))))
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        children.setdefault(u.parent_id, []).append(u)
    out, seen, level = [unit], {unit.id}, [unit]
    while level:
        nxt = [c for u in level for c in children.get(u.id, []) if c.id not in seen]
        seen.update(c.id for c in nxt)
        out += nxt
        level = nxt
    return out


def _snapshot(unit: Unit, parent: str | None) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "level": unit.level,
        "parent": parent,
        "brand": unit.brand,
        "hotline": unit.hotline,
        "address": unit.address,
    }


def add_unit(
    session: Session,
    *,
    code: str,
    name: str,
    level: str,
    parent: str | None = None,
    brand: str | None = None,
    hotline: str | None = None,
    address: str | None = None,
    actor: str = "cli",
) -> Unit:
    """A new unit (refused if the code exists: `unit move` and `unit import` change one)."""
    values, problems = _checked(
        {
            "code": code,
            "name": name,
            "level": level,
            "parent": parent,
            "brand": brand,
            "hotline": hotline,
            "address": address,
        },
        _flags(),
    )
    if problems:
        raise ValidationFailed(problems)
    if session.exec(select(Unit).where(Unit.code == values["code"])).first():
        raise ValidationFailed([f"CODE: unit {values['code']!r} already exists"])
    parent_unit = get(session, values["parent"], "--parent") if values["parent"] else None
    unit = Unit(
        code=values["code"],
        name=values["name"],
        level=values["level"],
        parent_id=parent_unit.id if parent_unit else None,
        brand=values["brand"],
        hotline=values["hotline"],
        address=values["address"],
    )
    session.add(unit)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="unit.add",
        entity="unit",
        entity_id=unit.id,
        detail=_snapshot(unit, values["parent"]),
    )
    return unit


def move_unit(session: Session, *, code: str, parent: str, actor: str = "cli") -> Unit:
    """Put `code` under `parent`; refused when `parent` is the unit or below it."""
    unit = get(session, code)
    new_parent = get(session, parent, "--parent")
    if new_parent.id in {u.id for u in below(session, unit)}:
        where = "the unit itself" if new_parent.id == unit.id else f"below {code!r}"
        raise ValidationFailed(
            [f"--parent: {parent!r} is {where}; moving it there would make a cycle"]
        )
    if unit.parent_id == new_parent.id:  # already there: nothing changes, nothing audited
        return unit
    old = session.get(Unit, unit.parent_id) if unit.parent_id else None
    unit.parent_id = new_parent.id
    session.add(unit)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="unit.move",
        entity="unit",
        entity_id=unit.id,
        detail={"code": code, "from": old.code if old else None, "to": parent},
    )
    return unit


def describe(session: Session, unit: Unit) -> dict[str, Any]:
    """What `unit show --json` prints: the unit, its place in the tree, its people,
    channels, obligations and its own report settings."""
    parent = session.get(Unit, unit.parent_id) if unit.parent_id else None
    children = session.exec(
        select(Unit.code).where(Unit.parent_id == unit.id).order_by(col(Unit.code))
    ).all()
    users = session.exec(
        select(User.username).where(User.unit_id == unit.id).order_by(col(User.username))
    ).all()
    channels = session.exec(
        select(Channel.code).where(Channel.unit_id == unit.id).order_by(col(Channel.code))
    ).all()
    obligations = session.exec(
        select(Obligation).where(Obligation.unit_id == unit.id).order_by(col(Obligation.id))
    ).all()
    return {
        **_snapshot(unit, parent.code if parent else None),
        "path": [u.code for u in reversed(ancestors(session, unit))] + [unit.code],
        "children": list(children),
        "users": list(users),
        "channels": list(channels),
        "obligations": [
            {"id": o.id, "what": o.what, "to": o.to_name, "period": o.period, "due": o.due}
            for o in obligations
        ],
        "report": dict(unit.report or {}),
    }


def list_units(session: Session) -> list[dict[str, Any]]:
    """Every unit, in tree order (each after its parent), with its depth."""
    units = list(session.exec(select(Unit).order_by(col(Unit.code))))
    by_id = {u.id: u for u in units}
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        top = u.parent_id is None or u.parent_id not in by_id
        children.setdefault(None if top else u.parent_id, []).append(u)
    out: list[dict[str, Any]] = []
    seen: set[int | None] = set()

    def walk(u: Unit, depth: int) -> None:
        if u.id in seen:
            return
        seen.add(u.id)
        parent = by_id.get(u.parent_id)
        out.append({**_snapshot(u, parent.code if parent else None), "depth": depth})
        for c in children.get(u.id, []):
            walk(c, depth + 1)

    for u in children.get(None, []):
        walk(u, 0)
    for u in units:  # a cycle written by hand into the database: still listed
        walk(u, 0)
    return out


# --- import ----------------------------------------------------------------------------


def _rows_csv(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text))
    rows = list(reader)
    if not rows:
        raise ValidationFailed([f"{path}:1: (file): empty; the first line names the columns"])
    header = [h.strip().lower() for h in rows[0]]
    unknown = [h for h in header if h not in FIELDS]
    if unknown:
        raise ValidationFailed(
            [f"{path}:1: {h}: not a column (columns: {', '.join(FIELDS)})" for h in unknown]
        )
    for need in ("code", "name", "level"):
        if need not in header:
            raise ValidationFailed([f"{path}:1: {need}: the column is missing"])
    out = []
    for i, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise ValidationFailed(
                [f"{path}:{i}: (row): {len(row)} cells, the header has {len(header)}"]
            )
        out.append((i, dict(zip(header, row, strict=False))))
    return out


def _rows_yaml(path: Path) -> list[tuple[int, dict[str, Any]]]:
    doc = load_located(path)
    data = doc.data
    loc: tuple[str | int, ...] = ()
    if isinstance(data, dict) and set(data) == {"units"}:
        data, loc = data["units"], ("units",)
    if not isinstance(data, list):
        raise ValidationFailed(
            [f"{path}:1: units: a list of units (code, name, level, parent, …) expected"]
        )
    out = []
    for i, row in enumerate(data):
        at = (*loc, i)
        if not isinstance(row, dict):
            raise ValidationFailed(
                [f"{path}:{doc.line_of(at)}: {format_loc(at)}: a mapping expected"]
            )
        unknown = [k for k in row if k not in FIELDS]
        if unknown:
            raise ValidationFailed(
                [
                    f"{path}:{doc.line_of((*at, k))}: {format_loc((*at, k))}: not a field "
                    f"(fields: {', '.join(FIELDS)})"
                    for k in unknown
                ]
            )
        out.append((doc.line_of(at), row))
    return out


def read_units_file(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line, values) for each unit in a CSV (header: code,name,level,parent,…) or YAML
    file (a list, or `units:` holding one)."""
    if path.suffix.lower() == ".csv":
        if not path.is_file():
            raise ValidationFailed([f"{path}:1: (file): not a readable file"])
        raw = path.read_bytes()[: MAX_BYTES + 1]
        if len(raw) > MAX_BYTES:
            raise ValidationFailed([f"{path}:1: (file): larger than 2 MB"])
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationFailed([f"{path}:1: (file): not UTF-8 text ({exc.reason})"]) from exc
        return _rows_csv(path, text)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _rows_yaml(path)
    raise ValidationFailed([f"{path}:1: (file): a .csv or .yaml file expected"])


def _import_checked(
    session: Session, path: Path
) -> tuple[list[tuple[int, dict[str, Any]]], set[str], set[str]]:
    """The file's units, checked: (line, values) in file order, the codes in the file and
    the codes already in the database. Every problem at once."""
    rows = read_units_file(path)
    problems: list[str] = []
    clean: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        values, found = _checked(row, {k: k for k in FIELDS})
        values["_given"] = {k for k in FIELDS if k in row}  # a column the file leaves out
        problems += [f"{path}:{line}: {p}" for p in found]
        code = values.get("code")
        if code and code in seen:
            problems.append(
                f"{path}:{line}: code: {code!r} is given twice (first at line {seen[code]})"
            )
        elif code:
            seen[code] = line
        clean.append((line, values))
    existing = set(session.exec(select(Unit.code)))
    for line, values in clean:
        parent = values.get("parent")
        if parent and parent not in seen and parent not in existing:
            problems.append(
                f"{path}:{line}: parent: no unit {parent!r} (neither in the file nor in "
                "the database)"
            )
    if not problems:  # parents before children; a cycle inside the file is refused
        parent_of = {v["code"]: v["parent"] for _, v in clean}
        for line, values in clean:
            chain, current = [values["code"]], parent_of.get(values["code"])
            while current in parent_of and current not in chain:
                chain.append(current)
                current = parent_of[current]
            if current is not None and current in chain:
                loop = " → ".join([*chain, current])
                problems.append(f"{path}:{line}: parent: a cycle ({loop})")
    if problems:
        raise ValidationFailed(problems)
    return clean, set(seen), set(existing)


def import_units(session: Session, path: Path, *, actor: str = "cli") -> dict[str, int]:
    """Add or update every unit in the file, parents first, in one go: on any problem,
    nothing is written and every problem is named `file:line: field: problem`."""
    clean, seen, existing = _import_checked(session, path)
    added = updated = unchanged = 0
    pending = list(clean)
    done: set[str] = set(existing)
    while pending:
        ready = [
            (line, v)
            for line, v in pending
            if not v["parent"] or v["parent"] in done or v["parent"] not in seen
        ]
        ready = ready or pending[:1]  # parents already in the database: any order
        for line, values in ready:
            pending.remove((line, values))
            parent = values["parent"]
            parent_id = None
            if parent:
                parent_id = session.exec(select(Unit.id).where(Unit.code == parent)).first()
            unit = session.exec(select(Unit).where(Unit.code == values["code"])).first()
            if unit is None:
                unit = Unit(code=values["code"], name=values["name"], level=values["level"])
                added += 1
                action = "unit.add"
            else:
                below_ids = {u.id for u in below(session, unit)}
                if parent_id is not None and parent_id in below_ids:
                    raise ValidationFailed(
                        [f"{path}:{line}: parent: {parent!r} is below {unit.code!r} (a cycle)"]
                    )
                action = "unit.update"
            given = values["_given"]  # what the file leaves out stays as it is (a unit
            # updated from a file without a parent column keeps its parent)
            changes = {
                "name": values["name"],
                "level": values["level"],
                "parent_id": parent_id,
                "brand": values["brand"],
                "hotline": values["hotline"],
                "address": values["address"],
            }
            field_of = {"parent_id": "parent"}
            wanted = {
                k: v for k, v in changes.items() if unit.id is None or field_of.get(k, k) in given
            }
            done.add(unit.code)
            if unit.id is not None:
                if all(getattr(unit, k) == v for k, v in wanted.items()):
                    unchanged += 1  # imported again as it is: nothing written or audited
                    continue
                updated += 1
            unit.sqlmodel_update(wanted)
            session.add(unit)
            session.flush()
            audit.record(
                session,
                actor=actor,
                action=action,
                entity="unit",
                entity_id=unit.id,
                detail={**_snapshot(unit, parent), "file": path.name, "line": line},
            )
    return {"added": added, "updated": updated, "unchanged": unchanged}


# --- report settings -------------------------------------------------------------------


def set_report(session: Session, *, code: str, path: Path, actor: str = "cli") -> dict[str, Any]:
    """The unit's own report settings from a YAML file with any of the ReportSpec keys
    (issuer, party, number, place, signer_title, signer_name, recipients, due); the keys it
    leaves out come from the campaign file when a report is written."""
    unit = get(session, code)
    doc = load_located(path)
    if not isinstance(doc.data, dict):
        raise ValidationFailed([f"{path}:1: (document): a mapping of report settings expected"])
    known = set(ReportSpec.model_fields)
    unknown = [k for k in doc.data if k not in known]
    if unknown:
        raise ValidationFailed(
            [
                f"{path}:{doc.line_of((k,))}: {k}: not a report setting "
                f"(settings: {', '.join(sorted(known))})"
                for k in unknown
            ]
        )
    try:
        spec = ReportSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise ValidationFailed(
            [
                f"{path}:{doc.line_of(tuple(p for p in e['loc'] if isinstance(p, str | int)))}: "
                f"{format_loc(tuple(p for p in e['loc'] if isinstance(p, str | int)))}: "
                f"{e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors()
            ]
        ) from exc
    settings = spec.model_dump(mode="json", include=set(doc.data))
    before = dict(unit.report or {})
    unit.report = settings
    session.add(unit)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="unit.report_set",
        entity="unit",
        entity_id=unit.id,
        detail={"code": code, "before": before, "after": settings, "file": path.name},
    )
    return settings


def report_spec(unit: Unit | None, base: ReportSpec) -> ReportSpec:
    """The report header a unit signs: its own settings over `base` (the campaign file's)."""
    if unit is None or not unit.report:
        return base
    own = {k: v for k, v in unit.report.items() if k in ReportSpec.model_fields}
    return ReportSpec.model_validate({**base.model_dump(mode="json"), **own})


def unit_spec(session: Session, unit: Unit) -> ReportSpec:
    """The header a unit signs its documents with (an incident report, a press release, a
    radio bulletin): its own report settings over those of its campaign (the campaign of
    the unit or of the nearest unit above it)."""
    campaigns = list(session.exec(select(Campaign).order_by(col(Campaign.id))))
    current: Unit | None = unit
    seen: set[int] = set()
    base = ReportSpec()
    while current is not None and current.id not in seen:
        seen.add(current.id or 0)
        own = next((c for c in campaigns if c.unit_id == current.id), None)
        if own is not None:
            base = CampaignSpec.model_validate(own.config).report
            break
        current = session.get(Unit, current.parent_id) if current.parent_id else None
    return report_spec(unit, base)


def codes(units: Iterable[Unit]) -> list[str]:
    return [u.code for u in units]
