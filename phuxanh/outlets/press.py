"""Press releases ("Thông cáo báo chí") made from approved items, and where they went.

`make_release` lays one or several approved (or scheduled, or published) items of a theme
or an incident out as a press release in the administrative layout (`document`): the
issuing body with the number "Số: 12-TC/…" (the unit's report number pattern with TC,
the symbol Nghị định 30/2020/NĐ-CP gives a "thông cáo"), place and date, "THÔNG CÁO BÁO
CHÍ" and its subject, the items' text, each official fact with its source, and the
public contact line (an office's role, its phone and address). It writes the DOCX or the
PDF and records a `PressRelease` row. `distribute` records, with the person who says so,
to which outlets it went and when. Both are audited; every refusal names the flag, and
nothing is written then."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from phuxanh.core import audit
from phuxanh.core.errors import NotFound, PermissionDenied, ValidationFailed
from phuxanh.core.settings import get_settings
from phuxanh.core.text import control_problem
from phuxanh.core.users import oversees
from phuxanh.models import (
    ContentItem,
    Fact,
    Incident,
    ItemStatus,
    PressRelease,
    Theme,
    Unit,
    User,
    utcnow,
)
from phuxanh.network.units import ancestors, unit_spec
from phuxanh.outlets.document import (
    Block,
    Document,
    data_dir,
    head,
    stored_path,
    today,
    write,
)

KIND = "THÔNG CÁO BÁO CHÍ"
RELEASABLE = (ItemStatus.approved, ItemStatus.scheduled, ItemStatus.published)
ITEMS_MAX = 20
TITLE_MAX = 300
CONTACT_MAX = 300
OUTLET_MAX = 200
NUMBER = re.compile(r"[0-9A-Za-zĐđ][0-9A-Za-zĐđ./ -]{0,63}")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HASHTAG = re.compile(r"(?<!\w)#\w+")
RECIPIENTS = ["Các cơ quan báo chí (để đưa tin);", "Lưu VP."]


def _user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise NotFound(f"--as: {username!r} is not an active phuxanh user")
    return user


def _text(value: str | None, flag: str, most: int) -> str | None:
    """A person's text: NFC, trimmed, one line, no control character, at most `most`."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise ValidationFailed([f"{flag}: empty"])
    if problem := control_problem(text, flag, allow=""):
        raise ValidationFailed([problem])
    if len(text) > most:
        raise ValidationFailed([f"{flag}: {len(text)} characters, at most {most}"])
    return text


def _under(session: Session, unit: Unit, top: Unit) -> bool:
    return unit.id == top.id or top.id in {u.id for u in ancestors(session, unit)}


def _items(session: Session, item_ids: list[int]) -> list[ContentItem]:
    if not item_ids:
        raise ValidationFailed(["--items: missing (item ids, e.g. --items 12,13)"])
    ids = list(dict.fromkeys(item_ids))
    if len(ids) > ITEMS_MAX:
        raise ValidationFailed([f"--items: {len(ids)} items, at most {ITEMS_MAX} in one release"])
    items = []
    for item_id in ids:
        item = session.get(ContentItem, item_id)
        if item is None:
            raise NotFound(f"--items: no item {item_id}")
        if item.status not in RELEASABLE:
            raise ValidationFailed(
                [
                    f"--items: item {item_id} is {item.status}; a press release is made "
                    "from approved, scheduled or published items only"
                ]
            )
        if item.language != "vi":
            raise ValidationFailed(
                [f"--items: item {item_id} is in {item.language}; a press release is in Vietnamese"]
            )
        items.append(item)
    return items


def _unit(session: Session, items: list[ContentItem], actor: User, code: str | None) -> Unit:
    """The issuing unit: --unit, else the items' own unit when they share one, else the
    actor's; every item must be of it or of a unit below it, and the actor of it or above."""
    if code is not None:
        unit = session.exec(select(Unit).where(Unit.code == code)).first()
        if unit is None:
            raise NotFound(f"--unit: no unit {code!r} (see phuxanh unit list)")
    else:
        own = {i.unit_id for i in items}
        found = session.get(Unit, own.pop() if len(own) == 1 else actor.unit_id)
        if found is None:
            raise NotFound("--unit: the items' unit is gone; give --unit")
        unit = found
    for item in items:
        item_unit = session.get(Unit, item.unit_id)
        if item_unit is None or not _under(session, item_unit, unit):
            where = item_unit.code if item_unit else item.unit_id
            raise ValidationFailed(
                [
                    f"--items: item {item.id} belongs to {where}, not to {unit.code} or a unit "
                    "below it (give --unit, the unit that issues the release)"
                ]
            )
    if not oversees(session, actor=actor, unit_id=unit.id or 0):
        raise PermissionDenied(f"--as: {actor.username} is not in {unit.code} or a unit above it")
    return unit


def _title(session: Session, items: list[ContentItem], title: str | None) -> str:
    if title is not None:
        return _text(title, "--title", TITLE_MAX) or ""
    incidents = {i.incident_id for i in items}
    if len(incidents) == 1 and None not in incidents:
        incident = session.get(Incident, incidents.pop())
        if incident is not None:
            return f"Thông tin chính thức về {incident.title}"
    themes = {i.theme_id for i in items}
    if len(themes) == 1 and None not in themes:
        theme = session.get(Theme, themes.pop())
        if theme is not None:
            return theme.title_vi
    raise ValidationFailed(
        ["--title: the items are of several themes; give the release's subject with --title"]
    )


def default_contact(unit: Unit) -> str | None:
    """The unit's public contact line: the office's role, its phone and address."""
    if not unit.hotline:
        return None
    role = unit.spokesperson_title or "Văn phòng"
    line = f"{role}, {unit.name}; điện thoại: {unit.hotline}"
    return f"{line}; địa chỉ: {unit.address}" if unit.address else line


def _number(session: Session, unit: Unit, number: str | None, pattern: str) -> str:
    """The release's number, "12-TC/BTGDVTU": --number (digits fill the unit's pattern,
    anything else is taken as written), else the next of the unit's numbers this year."""
    m = re.fullmatch(r"\s*Số\s*:?\s*[^-]*-\s*[A-ZĐ]+\s*/\s*(\S.*?)\s*", pattern)
    suffix = f"-TC/{m.group(1)}" if m else "-TC"
    if number is not None:
        text = _text(number, "--number", 64) or ""
        if not NUMBER.fullmatch(text):
            raise ValidationFailed(
                [f"--number: {text!r} is not a document number (e.g. 12 or 12-TC/BTGDVTU)"]
            )
        full = f"{int(text)}{suffix}" if text.isdigit() else text
        taken = session.exec(
            select(PressRelease.id).where(
                PressRelease.unit_id == unit.id, PressRelease.number == full
            )
        ).first()
        if taken is not None:
            raise ValidationFailed(
                [f"--number: {full} is already press release {taken} of {unit.code}"]
            )
        return full
    tz = get_settings().tz
    year = dt.datetime.now(tz).year
    used = [0]
    for row in session.exec(select(PressRelease).where(PressRelease.unit_id == unit.id)):
        lead = re.match(r"\d+", row.number)
        if lead and row.created_at.astimezone(tz).year == year:
            used.append(int(lead.group(0)))
    return f"{max(used) + 1}{suffix}"


def _paragraphs(item: ContentItem, drop: set[str]) -> list[str]:
    """The item's text as paragraphs: no links, hashtags or source lines (the facts carry
    their sources), nor a line that only repeats the subject."""
    out = []
    for raw in unicodedata.normalize("NFC", item.caption).splitlines():
        line = re.sub(r"\(\s*\)", "", _HASHTAG.sub("", _URL.sub("", raw))).strip()
        if not re.search(r"\w", line) or line.lower().startswith("nguồn:"):
            continue
        if _key(line) in drop:
            continue
        out.append(line)
    return out


def _key(text: str) -> str:
    """A line as compared with another: case and a final stop aside."""
    return unicodedata.normalize("NFC", text).casefold().strip().rstrip(".").strip()


def source_of(fact: Fact) -> str:
    """ "Hướng dẫn số 05-HD/ĐU …, Đảng ủy …, ngày 25/6/2015; https://…"."""
    words = fact.source_title
    if fact.source_number and fact.source_number not in words:
        words += f", số {fact.source_number}"
    if fact.issuer and fact.issuer not in words:
        words += f", {fact.issuer}"
    if fact.source_date:
        words += f", ngày {fact.source_date.day}/{fact.source_date.month}/{fact.source_date.year}"
    if fact.source_url:
        words += f"; {fact.source_url}"
    return words


def build(
    session: Session,
    *,
    unit: Unit,
    items: list[ContentItem],
    number: str,
    title: str,
    contact: str,
    day: dt.date,
) -> Document:
    spec = unit_spec(session, unit)
    left, right, place = head(spec, unit.name, day)
    left = [*left[:-1], f"Số: {number}"]
    themes = {t.id: t for t in session.exec(select(Theme))}
    several = len({i.theme_id for i in items}) > 1
    blocks = [Block(f"{unit.name} trân trọng thông tin như sau:")]
    fact_ids = list(dict.fromkeys(f for i in items for f in i.fact_ids))
    facts = [f for f in (session.get(Fact, fid) for fid in fact_ids) if f is not None]
    by_text = {_key(f.text_vi): f for f in facts}
    cited: set[int | None] = set()
    seen: set[str] = set()
    for item in items:
        theme = themes.get(item.theme_id) if item.theme_id else None
        drop = {_key(title)}
        if theme is not None:
            drop.add(_key(theme.title_vi))
        paragraphs = [p for p in _paragraphs(item, drop) if _key(p) not in seen]
        if not paragraphs:
            continue
        if several and theme is not None and _key(theme.title_vi) not in seen:
            seen.add(_key(theme.title_vi))
            blocks.append(Block(theme.title_vi, "lead"))
        for p in paragraphs:
            seen.add(_key(p))
            fact = by_text.get(_key(p))
            if fact is not None:  # the fact itself: its source right after it
                cited.add(fact.id)
            blocks.append(
                Block(p if fact is None else f"{p.rstrip('. ')} (Nguồn: {source_of(fact)}).")
            )
    rest = [f for f in facts if f.id not in cited]
    if rest:
        blocks.append(Block("Thông tin, số liệu chính thức và nguồn:", "section"))
        for fact in rest:
            text = fact.text_vi.rstrip(". ")
            blocks.append(Block(f"- {text} (Nguồn: {source_of(fact)}).", "bullet"))
    blocks.append(
        Block(
            f"{unit.name} trân trọng đề nghị các cơ quan báo chí, trang thông tin điện tử "
            "quan tâm, phối hợp đưa tin."
        )
    )
    blocks.append(Block(contact, "label", "Thông tin liên hệ:"))
    return Document(
        left=left,
        right=right,
        place=place,
        party=spec.party,
        kind=KIND,
        subject=[title],
        blocks=blocks,
        recipients=RECIPIENTS,
        signer_title=spec.signer_title,
        signer_name=spec.signer_name,
    )


def make_release(
    session: Session,
    *,
    item_ids: list[int],
    fmt: str,
    actor: str,
    out_dir: Path | None = None,
    number: str | None = None,
    title: str | None = None,
    contact: str | None = None,
    unit_code: str | None = None,
    day: dt.date | None = None,
) -> tuple[PressRelease, Path]:
    """Make the press release and write it (docx or pdf) into `out_dir` (default: the
    data folder's press/); the row and the file's path."""
    if fmt not in ("docx", "pdf"):
        raise ValidationFailed([f"--format: {fmt!r} is not docx or pdf"])
    folder = out_dir if out_dir is not None else data_dir() / "press"
    if folder.exists() and not folder.is_dir():
        raise ValidationFailed([f"--out: {folder} is not a folder"])
    user = _user(session, actor)
    items = _items(session, item_ids)
    unit = _unit(session, items, user, unit_code)
    subject = _title(session, items, title)
    line = _text(contact, "--contact", CONTACT_MAX) if contact is not None else None
    line = line or default_contact(unit)
    if line is None:
        raise ValidationFailed(
            [
                f"--contact: {unit.code} has no hotline to put as the public contact; give "
                '--contact "Văn phòng …, điện thoại …"'
            ]
        )
    spec = unit_spec(session, unit)
    full_number = _number(session, unit, number, spec.number)
    release = PressRelease(
        unit_id=unit.id or 0,
        number=full_number,
        title=subject,
        item_ids=[i.id or 0 for i in items],
        contact=line,
        created_by_id=user.id or 0,
    )
    session.add(release)
    session.flush()
    doc = build(
        session,
        unit=unit,
        items=items,
        number=full_number,
        title=subject,
        contact=line,
        day=day or today(),
    )
    out = folder / f"thong-cao-bao-chi-{release.id}.{fmt}"
    write(doc, out, fmt)
    release.paths = [stored_path(out)]
    session.add(release)
    audit.record(
        session,
        actor=user.username,
        action="press.release",
        entity="press_release",
        entity_id=release.id,
        detail={
            "unit": unit.code,
            "number": full_number,
            "title": subject,
            "items": release.item_ids,
            "file": release.paths[0],
        },
    )
    return release, out


def get_release(session: Session, release_id: int) -> PressRelease:
    release = session.get(PressRelease, release_id)
    if release is None:
        raise NotFound(f"ID: no press release {release_id} (see phuxanh press list)")
    return release


def distribute(
    session: Session,
    *,
    release_id: int,
    outlets: list[str],
    at: dt.datetime,
    actor: str,
    now: dt.datetime | None = None,
) -> PressRelease:
    """Record that the release went to `outlets` at `at`, as `actor` says."""
    release = get_release(session, release_id)
    user = _user(session, actor)
    if not oversees(session, actor=user, unit_id=release.unit_id):
        unit = session.get(Unit, release.unit_id)
        raise PermissionDenied(
            f"--as: {actor} is not in {unit.code if unit else release.unit_id} or a unit above it"
        )
    # inner spaces collapsed: "Báo  Hải Phòng" is "Báo Hải Phòng", not another outlet
    names = [" ".join((_text(o, "--outlet", OUTLET_MAX) or "").split()) for o in outlets]
    if not names:
        raise ValidationFailed(['--outlet: missing (e.g. --outlet "Báo Hải Phòng")'])
    if at.tzinfo is None:
        raise ValidationFailed(["--at: give a time zone (e.g. 2026-03-16T09:00+07:00)"])
    current = now or utcnow()
    if at > current + dt.timedelta(minutes=5):
        raise ValidationFailed(
            [f"--at: {at.isoformat()} is in the future; record a distribution once it is done"]
        )
    if at < release.created_at - dt.timedelta(minutes=1):
        made = release.created_at.astimezone(get_settings().tz)
        raise ValidationFailed(
            [
                f"--at: {at.isoformat()} is before press release {release_id} was made "
                f"({made:%d/%m/%Y %H:%M})"
            ]
        )
    known = {str(d.get("outlet", "")).casefold(): d for d in release.distribution}
    entries = []
    for name in names:
        if name.casefold() in known:
            raise ValidationFailed(
                [f"--outlet: {name!r} is already recorded for press release {release_id}"]
            )
        entry = {"outlet": name, "at": at.astimezone(dt.UTC).isoformat(), "by": user.username}
        known[name.casefold()] = entry
        entries.append(entry)
    release.distribution = [*release.distribution, *entries]
    session.add(release)
    audit.record(
        session,
        actor=user.username,
        action="press.distribute",
        entity="press_release",
        entity_id=release.id,
        detail={"number": release.number, "outlets": names, "at": entries[0]["at"]},
    )
    return release


def release_rows(session: Session, *, unit_code: str | None = None) -> list[dict[str, Any]]:
    """Every press release (of a unit, with --unit), newest first, as `press list` shows it."""
    query = select(PressRelease).order_by(col(PressRelease.id).desc())
    if unit_code is not None:
        unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
        if unit is None:
            raise NotFound(f"--unit: no unit {unit_code!r} (see phuxanh unit list)")
        query = query.where(PressRelease.unit_id == unit.id)
    units = {u.id: u.code for u in session.exec(select(Unit))}
    users = {u.id: u.username for u in session.exec(select(User))}
    tz = get_settings().tz
    return [
        {
            "id": r.id,
            "unit": units.get(r.unit_id),
            "number": r.number,
            "title": r.title,
            "items": list(r.item_ids),
            "contact": r.contact,
            "by": users.get(r.created_by_id),
            "at": r.created_at.astimezone(tz).isoformat(timespec="minutes"),
            "files": list(r.paths),
            "distribution": list(r.distribution),
        }
        for r in session.exec(query)
    ]
