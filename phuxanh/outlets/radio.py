"""Grassroots radio ("hệ thống truyền thanh cơ sở"): an item's text as a script to read
on the ward's loudspeakers, and the week's bulletin of them for the operators.

A script is the item's caption made speakable (`spoken.speakable`): numbers, dates,
times and percentages spelled out the Vietnamese way, abbreviations and units expanded
from a table kept as data (content/radio/abbreviations.yaml), links, hashtags and emoji
dropped. Its reading time is its words (Vietnamese syllables) at the configured pace
(PHUXANH_RADIO_WORDS_PER_MINUTE, 200 by default). The bulletin (`write_bulletin`) lays
out the approved items of a unit scheduled in one ISO week, each script with its reading
time and the total, in the unit's administrative header, as DOCX or PDF; it is audited
(`radio.bulletin`), so the record keeps what was handed to the operators."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, col, select

from phuxanh.core import audit
from phuxanh.core.dates import check_year
from phuxanh.core.errors import NotFound, PermissionDenied, ValidationFailed
from phuxanh.core.settings import get_settings
from phuxanh.core.text import control_problem
from phuxanh.core.users import oversees
from phuxanh.core.yamlio import load_located
from phuxanh.models import ContentItem, ItemStatus, Unit, User
from phuxanh.network.units import unit_spec
from phuxanh.outlets.document import Block, Document, data_dir, head, today, write
from phuxanh.outlets.spoken import speakable, word_count

KIND = "BẢN TIN TRUYỀN THANH CƠ SỞ"
READY = (ItemStatus.approved, ItemStatus.scheduled, ItemStatus.published)
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
RECIPIENTS = ["Đài truyền thanh cơ sở (để phát);", "Lưu VP."]


@dataclass(frozen=True)
class Table:
    abbreviations: dict[str, str]
    units: dict[str, str]


@dataclass(frozen=True)
class Script:
    item_id: int | None
    title: str  # the item's first line, as written
    text: str  # what the operator reads, a paragraph a line
    words: int
    seconds: int
    at: dt.datetime | None = None  # when the item is scheduled


def table_path() -> Path:
    return get_settings().content_dir / "radio" / "abbreviations.yaml"


def load_table(path: Path | None = None) -> Table:
    """The abbreviations and units a script spells out; every problem names file:line."""
    path = path or table_path()
    if not path.is_file():
        raise ValidationFailed([f"{path}:1: (file): missing (the radio abbreviations table)"])
    return _load(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load(path: Path, _stamp: int) -> Table:
    doc = load_located(path)
    if not isinstance(doc.data, dict):
        raise ValidationFailed([f"{path}:1: (document): a mapping expected"])
    problems: list[str] = []
    out: dict[str, dict[str, str]] = {}
    for section in ("abbreviations", "units"):
        raw = doc.data.get(section) or {}
        if not isinstance(raw, dict):
            problems.append(f"{path}:{doc.line_of((section,))}: {section}: a mapping expected")
            continue
        out[section] = {}
        for key, value in raw.items():
            line = doc.line_of((section, key))
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{path}:{line}: {section}.{key}: the words to read expected")
                continue
            if problem := control_problem(f"{key}{value}", f"{section}.{key}", allow=""):
                problems.append(f"{path}:{line}: {problem}")
                continue
            out[section][str(key)] = value.strip()
    for key in set(doc.data) - {"abbreviations", "units"}:
        problems.append(
            f"{path}:{doc.line_of((key,))}: {key}: not a section (abbreviations, units)"
        )
    if problems:
        raise ValidationFailed(problems)
    return Table(out.get("abbreviations", {}), out.get("units", {}))


def words_per_minute() -> int:
    return get_settings().radio_words_per_minute


def reading_seconds(words: int, pace: int | None = None) -> int:
    """Seconds to read `words` at `pace` words a minute (the setting by default)."""
    return round(words * 60 / (pace or words_per_minute()))


def duration_vi(seconds: int) -> str:
    """ "1 phút 20 giây", "45 giây"."""
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} giây"
    return f"{minutes} phút {rest} giây" if rest else f"{minutes} phút"


def script(text: str, *, table: Table | None = None, pace: int | None = None) -> Script:
    """Any text as a script (the first line is its title)."""
    t = table or load_table()
    spoken = speakable(text, abbreviations=t.abbreviations, units=t.units)
    words = word_count(spoken)
    title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return Script(None, title, spoken, words, reading_seconds(words, pace))


def item_script(
    session: Session, item_id: int, *, table: Table | None = None, pace: int | None = None
) -> Script:
    """The script of one item (of any status: a draft can be heard before it is approved)."""
    item = session.get(ContentItem, item_id)
    if item is None:
        raise NotFound(f"ID: no item {item_id}")
    if item.language != "vi":
        raise ValidationFailed(
            [f"ID: item {item_id} is in {item.language}; radio scripts are read in Vietnamese"]
        )
    s = script(item.caption, table=table, pace=pace)
    return Script(item.id, s.title, s.text, s.words, s.seconds, item.scheduled_at)


def parse_week(text: str, flag: str = "--week") -> tuple[str, dt.date]:
    """ "2026-W12" → (the code, its Monday)."""
    m = re.fullmatch(r"(\d{4})-?W(\d{1,2})", text.strip(), re.IGNORECASE)
    if not m:
        raise ValidationFailed([f"{flag}: {text!r} is not an ISO week (e.g. 2026-W12)"])
    year, week = int(m.group(1)), int(m.group(2))
    check_year(year, flag, text)
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValidationFailed([f"{flag}: {year} has no week {week}"]) from None
    return f"{year}-W{week:02d}", monday


def week_scripts(
    session: Session, unit: Unit, monday: dt.date, *, pace: int | None = None
) -> list[Script]:
    """The unit's approved (scheduled, published) Vietnamese items of the week, in time
    order, one script per text (the same text on several channels is read once)."""
    tz = get_settings().tz
    start = dt.datetime.combine(monday, dt.time(), tz)
    end = start + dt.timedelta(days=7)
    items = session.exec(
        select(ContentItem)
        .where(
            ContentItem.unit_id == unit.id,
            col(ContentItem.status).in_([s.value for s in READY]),
            ContentItem.language == "vi",
            col(ContentItem.scheduled_at) >= start,
            col(ContentItem.scheduled_at) < end,
        )
        .order_by(col(ContentItem.scheduled_at), col(ContentItem.id))
    ).all()
    table = load_table()
    out: list[Script] = []
    seen: set[str] = set()
    for item in items:
        s = script(item.caption, table=table, pace=pace)
        if s.text in seen:
            continue
        seen.add(s.text)
        out.append(Script(item.id, s.title, s.text, s.words, s.seconds, item.scheduled_at))
    return out


@dataclass(frozen=True)
class Bulletin:
    unit: str
    week: str
    scripts: list[Script]
    opening: Script
    closing: Script
    pace: int

    @property
    def seconds(self) -> int:
        return sum(s.seconds for s in (self.opening, *self.scripts, self.closing))

    @property
    def words(self) -> int:
        return sum(s.words for s in (self.opening, *self.scripts, self.closing))


def _user(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise NotFound(f"--as: {username!r} is not an active phuxanh user")
    return user


def build(
    session: Session, *, unit: Unit, week: str, monday: dt.date, pace: int | None = None
) -> Bulletin:
    pace = pace or words_per_minute()
    scripts = week_scripts(session, unit, monday, pace=pace)
    if not scripts:
        raise ValidationFailed(
            [f"--week: {unit.code} has no approved item scheduled in {week} (see phuxanh queue)"]
        )
    table = load_table()
    number = int(week.split("W")[1])
    opening = script(
        f"Kính thưa bà con nhân dân! Sau đây là bản tin tuần {number} của {unit.name}.",
        table=table,
        pace=pace,
    )
    closing = script(
        "Bản tin đến đây là hết. Xin cảm ơn bà con đã chú ý lắng nghe!", table=table, pace=pace
    )
    return Bulletin(unit.name, week, scripts, opening, closing, pace)


def document(session: Session, unit: Unit, b: Bulletin, monday: dt.date, day: dt.date) -> Document:
    spec = unit_spec(session, unit)
    left, right, place = head(spec, unit.name, day)
    sunday = monday + dt.timedelta(days=6)
    number = int(b.week.split("W")[1])
    tz = get_settings().tz
    blocks = [
        Block(
            f"Gồm {len(b.scripts)} tin; tổng thời lượng đọc khoảng {duration_vi(b.seconds)} "
            f"({b.words} tiếng, đọc {b.pace} tiếng/phút). Bản đọc đã viết số, ngày tháng và "
            "chữ viết tắt thành lời; đọc đúng như văn bản."
        ),
        Block("Lời mở đầu", "section"),
        Block(b.opening.text),
        Block(f"Thời lượng đọc: khoảng {duration_vi(b.opening.seconds)}", "note"),
    ]
    for k, s in enumerate(b.scripts, 1):
        when = ""
        if s.at is not None:
            local = s.at.astimezone(tz)
            when = f" ({WEEKDAYS[local.weekday()]}, {local.day}/{local.month}/{local.year})"
        blocks.append(Block(f"Tin {k}: {s.title}{when}", "section"))
        blocks += [Block(line) for line in s.text.split("\n")]
        blocks.append(
            Block(
                f"Thời lượng đọc: khoảng {duration_vi(s.seconds)} ({s.words} tiếng; "
                f"bài số {s.item_id})",
                "note",
            )
        )
    blocks += [
        Block("Lời kết", "section"),
        Block(b.closing.text),
        Block(f"Thời lượng đọc: khoảng {duration_vi(b.closing.seconds)}", "note"),
        Block(f"khoảng {duration_vi(b.seconds)} ({b.words} tiếng).", "label", "Tổng thời lượng:"),
    ]
    return Document(
        left=left[:-1],  # no number: a working paper for the operators
        right=right,
        place=place,
        party=spec.party,
        kind=KIND,
        subject=[
            f"Tuần {number} năm {monday.isocalendar()[0]} (từ ngày "
            f"{monday.day}/{monday.month} đến ngày {sunday.day}/{sunday.month}/{sunday.year})"
        ],
        blocks=blocks,
        recipients=RECIPIENTS,
        signer_title=spec.signer_title,
        signer_name=spec.signer_name,
    )


def write_bulletin(
    session: Session,
    *,
    unit_code: str,
    week: str,
    fmt: str,
    actor: str,
    out_dir: Path | None = None,
    day: dt.date | None = None,
) -> tuple[Bulletin, Path]:
    """Write the week's bulletin of `unit_code` (docx or pdf) into `out_dir` (default: the
    data folder's radio/); audited."""
    if fmt not in ("docx", "pdf"):
        raise ValidationFailed([f"--format: {fmt!r} is not docx or pdf"])
    code, monday = parse_week(week)
    folder = out_dir if out_dir is not None else data_dir() / "radio"
    if folder.exists() and not folder.is_dir():
        raise ValidationFailed([f"--out: {folder} is not a folder"])
    user = _user(session, actor)
    unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
    if unit is None:
        raise NotFound(f"--unit: no unit {unit_code!r} (see phuxanh unit list)")
    if not oversees(session, actor=user, unit_id=unit.id or 0):
        raise PermissionDenied(f"--as: {actor} is not in {unit.code} or a unit above it")
    b = build(session, unit=unit, week=code, monday=monday)
    out = folder / f"ban-tin-truyen-thanh-{unit.code}-{code}.{fmt}"
    write(document(session, unit, b, monday, day or today()), out, fmt)
    audit.record(
        session,
        actor=user.username,
        action="radio.bulletin",
        entity="unit",
        entity_id=unit.id,
        detail={
            "unit": unit.code,
            "week": code,
            "items": [s.item_id for s in b.scripts],
            "seconds": b.seconds,
            "file": out.name,
        },
    )
    return b, out
