"""Incidents: a false claim circulating in public, and the office's official answer.

The answer is always positive, official content on the office's own channels: a
clarification ("THÔNG TIN CHÍNH THỨC") quoting the claim briefly, the official facts with
their sources from the catalog, and the unit's spokesperson and hotline. Never a comment,
a reply, a report against another account, or a record of a private person: the evidence
is links to public posts (URLs only), and no field holds an author, a name or a profile.

- `open_incident`: the claim, evidence, severity (its target time to a published
  clarification: `TARGET_MINUTES`), the owner (a person of the office); audited.
- `draft_clarification`: one item per chosen channel, marked urgent (first in every
  approver's list, its e-mail says KHẨN) and tied to the incident, so it needs two
  different approvers and goes out at once when the second approves (`review.approve`);
  the card is the `clarification` template, the caption the clarification wording.
- `pause_for_incident`: holds the other scheduled posts of those channels while the
  incident is open (a clarification still goes out); `close_incident` ends those pauses.
- `timeline`: every step with its time (the audit log and the publications);
  `incident_rows`: the open incidents a viewer sees, with their running timers.

Every refusal names the input (the CLI's flag) and nothing is written then.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlmodel import Session, col, func, select

from phuxanh import quality, review
from phuxanh.compose import studio
from phuxanh.compose.drafts import media_out
from phuxanh.core import audit
from phuxanh.core.errors import (
    InvalidTransition,
    Line,
    Message,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from phuxanh.core.settings import get_settings
from phuxanh.core.users import oversees
from phuxanh.crud import visible_units
from phuxanh.media.cards import load_brand, source_line
from phuxanh.media.inputs import check_values
from phuxanh.media.stored import to_stored
from phuxanh.media.templates import load_template
from phuxanh.models import (
    AuditEvent,
    Channel,
    ContentItem,
    Fact,
    Incident,
    ItemStatus,
    Pause,
    Publication,
    PubState,
    Role,
    Unit,
    User,
    utcnow,
)
from phuxanh.platforms import registry
from phuxanh.platforms.base import Post
from phuxanh.platforms.preview import preview
from phuxanh.publish import pauses

TARGET_MINUTES = {"critical": 60, "high": 240, "low": 1440}
SEVERITY_VI = {"critical": "nghiêm trọng", "high": "cao", "low": "thấp"}
OPENERS = {Role.editor, Role.approver, Role.manager, Role.admin}
CLOSERS = {Role.approver, Role.manager, Role.admin}  # and the incident's owner
TEMPLATE = "clarification"
TITLE_MAX = 200  # characters, after NFC
CLAIM_MAX = 500  # the claim as circulated, briefly: a sentence or two, never a whole post
QUOTE_MAX = 160  # of the claim quoted in the caption and on the card
EVIDENCE_MAX = 20  # links
URL_MAX = 2000
TEXT_MAX = 1000  # the editor's own paragraph in the clarification
NOTE_MAX = 2000
FACTS_MAX = 3  # the card lists at most three
FACT_TEXT_MAX = 200  # characters of a fact's text the card holds
SHORT_QUOTE = (60, 40, 24)  # the claim quoted in a short caption (X), shorter until it fits


@dataclass(frozen=True)
class Step:
    """One step of an incident: when (to the second), what (opened, drafted, submitted, approved,
    changes_requested, rejected, edited, paused, published, failed, resumed, closed), who
    (a username, or the channel a post went out on) and a reference (#item, a post's URL,
    a channel code)."""

    at: dt.datetime
    what: str
    who: str | None
    ref: str | None


@dataclass(frozen=True)
class IncidentRow:
    id: int
    title: str
    claim: str
    severity: str
    status: str
    unit: str
    owner: str
    opened_at: dt.datetime
    elapsed_minutes: int  # opening → first clarification live (or now, or closing)
    target_minutes: int
    breached: bool
    first_live_at: dt.datetime | None
    items: int  # clarification items (one per channel)
    live: int  # their posts that are live


# --- checks --------------------------------------------------------------------------------


def _clean(value: str | None, flag: str, *, most: int, lines: bool = False) -> str:
    """NFC, trimmed, not blank, at most `most` characters, no control or invisible
    formatting character (an escape sequence or a bidi override would garble the desk, a
    report or a post); newlines only where `lines`."""
    text = unicodedata.normalize("NFC", value or "").strip()
    if lines:
        text = text.replace("\r\n", "\n")
    if not text:
        raise ValidationFailed(code="incident.empty", field=flag)
    allowed = "\n" if lines else ""
    bad = sorted(
        {
            f"U+{ord(c):04X}"
            for c in text
            if unicodedata.category(c) in ("Cc", "Cf") and c not in allowed
        }
    )
    if bad:
        raise ValidationFailed(
            code="incident.invisible_chars", field=flag, chars=", ".join(bad[:5])
        )
    if len(text) > most:
        raise ValidationFailed(code="incident.too_long", field=flag, n=len(text), most=most)
    return text


def _shown(value: str) -> str:
    """A link as a refusal quotes it (`{url!r}` in the message): at most 40 characters."""
    return value if len(value) <= 40 else value[:40] + "…"


def check_evidence(urls: list[str]) -> list[str]:
    """Links to public posts: http(s) URLs with a host, no credentials in them, each at
    most URL_MAX characters, at most EVIDENCE_MAX; duplicates kept once. Anything else (a
    name, a phone number, a profile handle) is refused: evidence is links only."""
    out: list[str] = []
    for raw in urls:
        url = unicodedata.normalize("NFC", raw).strip()
        try:
            parts = urlsplit(url)
            host = parts.hostname
            _ = parts.port  # a port out of range or not a number is no link
        except ValueError:
            parts, host = None, None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not host
            or any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf") for c in url)
        ):
            raise ValidationFailed(
                code="incident.evidence_not_link", field="--evidence", url=_shown(url)
            )
        if parts.username is not None or parts.password is not None:
            raise ValidationFailed(
                code="incident.evidence_credentials", field="--evidence", url=_shown(url)
            )
        if len(url) > URL_MAX:
            raise ValidationFailed(
                code="incident.evidence_url_too_long", field="--evidence", n=len(url), most=URL_MAX
            )
        if url not in out:
            out.append(url)
    if len(out) > EVIDENCE_MAX:
        raise ValidationFailed(
            code="incident.evidence_too_many", field="--evidence", n=len(out), most=EVIDENCE_MAX
        )
    return out


def _user(session: Session, username: str, flag: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise NotFound(code="incident.no_user", field=flag, user=username)
    return user


def get_incident(session: Session, incident_id: int, *, field: str = "ID") -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(code="incident.not_found", field=field, id=incident_id)
    return incident


def _open_one(session: Session, incident_id: int) -> Incident:
    incident = get_incident(session, incident_id)
    if incident.status != "open":
        raise InvalidTransition(code="incident.closed", field="ID", id=incident_id)
    return incident


# --- opening ---------------------------------------------------------------------------------


def open_incident(
    session: Session,
    *,
    title: str,
    claim: str,
    evidence: list[str],
    severity: str,
    actor: str,
    unit_code: str | None = None,
    owner: str | None = None,
    now: dt.datetime | None = None,
) -> Incident:
    """Record a false claim circulating in public; the timer to a published clarification
    starts now. `unit_code`: the office that answers (default: the actor's); `owner`: the
    person responsible (default: the actor), of that unit or one above it. Audited; not
    committed."""
    problems: list[Line] = []
    checked: dict[str, Any] = {}
    for flag, key, value, most, lines in (
        ("--title", "title", title, TITLE_MAX, False),
        ("--claim", "claim", claim, CLAIM_MAX, True),
    ):
        try:
            checked[key] = _clean(value, flag, most=most, lines=lines)
        except ValidationFailed as exc:
            problems += exc.lines
    try:
        checked["evidence"] = check_evidence(list(evidence))
    except ValidationFailed as exc:
        problems += exc.lines
    if severity not in TARGET_MINUTES:
        problems.append(
            Message(
                "incident.bad_severity",
                {"field": "--severity", "severity": severity, "choices": list(TARGET_MINUTES)},
            )
        )
    if problems:
        raise ValidationFailed(problems)
    user = _user(session, actor, "--as")
    if user.role not in OPENERS:
        raise PermissionDenied(
            code="incident.may_not_open", field="--as", user=actor, role=user.role
        )
    unit = session.get(Unit, user.unit_id)
    if unit_code is not None:
        unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
        if unit is None:
            raise NotFound(code="incident.no_unit", field="--unit", unit=unit_code)
    assert unit is not None and unit.id is not None
    if not oversees(session, actor=user, unit_id=unit.id):
        raise PermissionDenied(
            code="incident.outside_unit", field="--unit", user=actor, unit=unit.code
        )
    responsible = user if owner is None else _user(session, owner, "--owner")
    if not oversees(session, actor=responsible, unit_id=unit.id):
        raise PermissionDenied(
            code="incident.outside_unit",
            field="--owner",
            user=responsible.username,
            unit=unit.code,
        )
    incident = Incident(
        unit_id=unit.id,
        title=checked["title"],
        claim=checked["claim"],
        evidence=checked["evidence"],
        severity=severity,
        target_minutes=TARGET_MINUTES[severity],
        owner_id=responsible.id or 0,
        opened_by_id=user.id or 0,
        opened_at=now or utcnow(),
    )
    session.add(incident)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="incident.open",
        entity="incident",
        entity_id=incident.id,
        detail={
            "title": incident.title,
            "severity": severity,
            "target_minutes": incident.target_minutes,
            "unit": unit.code,
            "owner": responsible.username,
            "evidence": len(incident.evidence),
        },
    )
    return incident


def set_spokesperson(
    session: Session,
    *,
    unit_code: str,
    name: str,
    title: str,
    actor: str,
    hotline: str | None = None,
) -> Unit:
    """The official who speaks for the unit in clarifications (a public office holder) and
    their title; optionally the unit's hotline. Only a manager or an admin of the unit or
    one above it. Audited; not committed."""
    user = _user(session, actor, "--as")
    if user.role not in (Role.manager, Role.admin):
        raise PermissionDenied(
            code="incident.may_not_set_spokesperson", field="--as", user=actor, role=user.role
        )
    unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
    if unit is None:
        raise NotFound(code="incident.no_unit", field="CODE", unit=unit_code)
    if not oversees(session, actor=user, unit_id=unit.id or 0):
        raise PermissionDenied(
            code="incident.outside_unit", field="--as", user=actor, unit=unit.code
        )
    problems: list[Line] = []
    values: dict[str, str] = {}
    for flag, key, value, most in (
        ("--name", "spokesperson", name, 120),
        ("--title", "spokesperson_title", title, 200),
        ("--hotline", "hotline", hotline, 64),
    ):
        if key == "hotline" and hotline is None:
            continue
        try:
            values[key] = _clean(value, flag, most=most)
        except ValidationFailed as exc:
            problems += exc.lines
    if problems:
        raise ValidationFailed(problems)
    before = {k: getattr(unit, k) for k in values}
    for key, value in values.items():
        setattr(unit, key, value)
    session.add(unit)
    audit.record(
        session,
        actor=actor,
        action="unit.spokesperson_set",
        entity="unit",
        entity_id=unit.code,
        detail={"before": before, "after": values},
    )
    return unit


# --- the clarification ---------------------------------------------------------------------


def _quote(text: str, most: int) -> str:
    """The claim quoted briefly: whole if it fits, else cut at a word with "…"."""
    flat = " ".join(text.split())
    if len(flat) <= most:
        return flat
    cut = flat[: most - 1].rsplit(" ", 1)[0].rstrip(",.;:")
    return cut + "…"


def _source(fact: Fact) -> str:
    """The fact's source as a caption line: title, number and link."""
    line = source_line(
        title=fact.source_title, number=fact.source_number, url=None, lang="vi"
    ).removeprefix("Nguồn: ")
    return f"Nguồn: {line}" + (f", {fact.source_url}" if fact.source_url else "")


def _contact(unit: Unit) -> tuple[str, str]:
    return (
        f"Người phát ngôn: {unit.spokesperson}, {unit.spokesperson_title}",
        f"Đường dây nóng: {unit.hotline}",
    )


def clarification_caption(
    incident: Incident, unit: Unit, facts: list[Fact], text: str | None
) -> str:
    """The full clarification: "THÔNG TIN CHÍNH THỨC", the claim quoted briefly, the
    editor's own words, the official facts each with its source, the spokesperson and the
    hotline."""
    speaker, hotline = _contact(unit)
    parts = [
        f"THÔNG TIN CHÍNH THỨC\n{incident.title}",
        f"Thời gian gần đây, trên mạng xã hội lan truyền thông tin: "
        f"“{_quote(incident.claim, QUOTE_MAX)}”. Đây là thông tin sai sự thật.",
    ]
    if text:
        parts.append(text)
    parts.append(
        f"{unit.name} thông tin chính thức như sau:\n"
        + "\n".join(f"- {f.text_vi}\n  {_source(f)}" for f in facts)
    )
    parts.append(f"{speaker}\n{hotline}")
    return "\n\n".join(parts)


def short_caption(incident: Incident, unit: Unit, facts: list[Fact], quote: int) -> str:
    """The clarification for a platform that holds little text (X): the claim quoted very
    briefly, the first source and the hotline; the card carries the facts."""
    first = facts[0]
    ref = first.source_number or first.source_url or first.source_title
    return (
        f"THÔNG TIN CHÍNH THỨC: “{_quote(incident.claim, quote)}” là thông tin sai sự thật.\n"
        f"Nguồn: {ref}\nĐường dây nóng: {unit.hotline}"
    )


def _card_values(incident: Incident, unit: Unit, facts: list[Fact]) -> dict[str, Any]:
    sources = list(dict.fromkeys(_source(f).removeprefix("Nguồn: ") for f in facts))
    speaker, hotline = _contact(unit)
    return {
        "claim": f"“{_quote(incident.claim, QUOTE_MAX - 2)}”",
        "facts": [f.text_vi for f in facts],
        "source": _quote("Nguồn: " + "; ".join(sources), 220),
        "contact": _quote(f"{speaker} · {hotline}", 200),
    }


def _alt_text(incident: Incident, unit: Unit, facts: list[Fact]) -> str:
    speaker, hotline = _contact(unit)
    said = " ".join(f.text_vi.rstrip(".") + "." for f in facts)
    alt = (
        f"Thông tin chính thức của {unit.name}. Thông tin sai sự thật đang lan truyền: "
        f"“{_quote(incident.claim, QUOTE_MAX)}”. {said} {speaker}. {hotline}."
    )
    return _quote(alt, 1000)


def _facts(session: Session, codes: list[str]) -> tuple[list[Fact], list[Line]]:
    problems: list[Line] = []
    found: list[Fact] = []
    codes = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if not codes:
        return [], [Message("incident.no_facts", {"field": "--fact"})]
    if len(codes) > FACTS_MAX:
        problems.append(
            Message(
                "incident.too_many_facts", {"field": "--fact", "n": len(codes), "most": FACTS_MAX}
            )
        )
    for code in codes:
        fact = session.exec(select(Fact).where(Fact.code == code)).first()
        if fact is None:
            problems.append(Message("incident.no_fact", {"field": "--fact", "fact": code}))
        elif not fact.is_sourced:
            problems.append(Message("incident.fact_unsourced", {"field": "--fact", "fact": code}))
        elif len(fact.text_vi) > FACT_TEXT_MAX:
            problems.append(
                Message(
                    "incident.fact_too_long",
                    {
                        "field": "--fact",
                        "fact": code,
                        "n": len(fact.text_vi),
                        "most": FACT_TEXT_MAX,
                    },
                )
            )
        else:
            found.append(fact)
    return found, problems


def _channels(session: Session, codes: list[str], author: User) -> tuple[list[Channel], list[Line]]:
    problems: list[Line] = []
    found: list[Channel] = []
    codes = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if not codes:
        return [], [Message("incident.no_channels", {"field": "--channel"})]
    for code in codes:
        channel = session.exec(select(Channel).where(Channel.code == code)).first()
        if channel is None:
            problems.append(Message("incident.no_channel", {"field": "--channel", "channel": code}))
        elif not oversees(session, actor=author, unit_id=channel.unit_id):
            problems.append(
                Message(
                    "incident.not_own_channel",
                    {"field": "--channel", "channel": code, "user": author.username},
                )
            )
        else:
            found.append(channel)
    return found, problems


def _unit_ready(unit: Unit) -> list[Line]:
    """What the clarification names and the unit has not set (one line, or none)."""
    missing = [
        name
        for name in ("spokesperson", "spokesperson_title", "hotline")
        if not (getattr(unit, name) or "").strip()
    ]
    if not missing:
        return []
    return [Message("incident.no_spokesperson", {"unit": unit.code, "missing": missing})]


def _caption_for(
    channel: Channel, full: str, incident: Incident, unit: Unit, facts: list[Fact]
) -> tuple[str | None, list[Line]]:
    """The channel's own caption when the full one breaks its platform's limits (None:
    the full one fits), or the problems when even the short one does not fit."""
    if not preview(channel.platform, full, has_media=True).messages:
        return None, []
    problems: list[Message] = []
    for quote in SHORT_QUOTE:
        short = short_caption(incident, unit, facts, quote)
        said = preview(channel.platform, short, has_media=True).messages
        if not said:
            return short, []
        problems = said
    return None, [
        Message(
            "incident.channel_caption",
            {"field": "--channel", "channel": channel.code, "problem": p},
        )
        for p in problems
    ]


def _media_refused(channel: Channel, caption: str, card: Path, alt: str) -> list[Line]:
    """The adapter's own checks of an image post (nothing is sent)."""
    post = Post(
        text=caption, marker="clarify-check", media_path=card, media_kind="image", alt_text=alt
    )
    with requests.Session() as http:
        said = registry.build(channel, http).validate(post)
    return [
        Message(
            "incident.channel_refuses",
            {
                "field": "--channel",
                "channel": channel.code,
                "platform": channel.platform,
                "problem": p,
            },
        )
        for p in said
    ]


def _author(session: Session, incident: Incident, actor: str) -> User:
    author = _user(session, actor, "--as")
    if author.role not in review.SUBMITTERS:
        raise PermissionDenied(
            code="incident.may_not_draft", field="--as", user=actor, role=author.role
        )
    if not oversees(session, actor=author, unit_id=incident.unit_id):
        raise PermissionDenied(code="incident.outside_incident_unit", field="--as", user=actor)
    return author


def _own_captions(
    incident: Incident, unit: Unit, facts: list[Fact], channels: list[Channel], full: str
) -> dict[str, str]:
    """Each channel's own caption where the full one breaks its platform's limits; refused
    when even the short one does not fit or a quality check fails."""
    problems: list[Line] = []
    own: dict[str, str] = {}
    for channel in channels:
        short, refused = _caption_for(channel, full, incident, unit, facts)
        problems += refused
        if short is not None:
            own[channel.code] = short
    texts = {c.platform: own.get(c.code, full) for c in channels}
    problems += [
        Message("incident.text_problem", {"field": "--text", "problem": p})
        for p in quality.check(
            caption_vi=full.replace(_quote(incident.claim, QUOTE_MAX), ""),
            captions=texts,
            names=[],
            unsourced=[],
            has_media=True,
        )
    ]
    if problems:
        once = {str(p): p for p in problems}  # one line per problem, in their order
        raise ValidationFailed(list(once.values()))
    return own


def draft_clarification(
    session: Session,
    *,
    incident_id: int,
    actor: str,
    channel_codes: list[str],
    fact_codes: list[str],
    text: str | None = None,
    at: dt.datetime | None = None,
) -> list[ContentItem]:
    """The clarification of an open incident, one item per channel, each urgent, tied to
    the incident and submitted for review by `actor` (an editor, a manager or an admin of
    the incident's unit or above). `fact_codes`: the official facts (sourced catalog
    facts, at most FACTS_MAX); `text`: the editor's own paragraph; `at`: the item's time
    (default now; it goes out when the second approver approves). The card is drawn from
    the `clarification` template. Audited (`incident.clarify`); not committed."""
    incident = _open_one(session, incident_id)
    author = _author(session, incident, actor)
    unit = session.get(Unit, incident.unit_id)
    assert unit is not None
    channels, problems = _channels(session, channel_codes, author)
    facts, more = _facts(session, fact_codes)
    problems += more
    extra = None
    if text is not None and text.strip():
        try:
            extra = _clean(text, "--text", most=TEXT_MAX, lines=True)
        except ValidationFailed as exc:
            problems += exc.lines
    problems += _unit_ready(unit)
    if at is not None and at.tzinfo is None:
        problems.append(Message("incident.time_no_zone", {"field": "--at"}))
    for code, item_id in _pending(session, incident.id or 0, channels).items():
        problems.append(  # a second copy of one correction on one Page: never
            Message(
                "incident.clarification_waiting",
                {"field": "--channel", "channel": code, "item": item_id},
            )
        )
    if problems:
        raise ValidationFailed(problems)
    full = clarification_caption(incident, unit, facts, extra)
    own = _own_captions(incident, unit, facts, channels, full)
    settings = get_settings()
    spec = load_template(settings.assets_dir, TEMPLATE)
    values = check_values(
        spec,
        _card_values(incident, unit, facts),
        langs={"vi"},
        base_dir=settings.assets_dir,
        where=lambda name: f"the clarification card: {name}",
    )
    values.fact_ids = [f.id or 0 for f in facts]
    alt = _alt_text(incident, unit, facts)
    out = media_out(settings.media_dir, f"incident{incident.id}", values, clip=False)
    fresh = not out.exists()
    brand = load_brand(settings.assets_dir, unit.brand or settings.brand)
    rendered = studio.card(
        spec,
        values,
        brand,
        lang="vi",
        out=out,
        today=(at or utcnow()).astimezone(settings.tz).date(),
    )
    try:
        refused = [p for c in channels for p in _media_refused(c, own.get(c.code, full), out, alt)]
        if refused:
            raise ValidationFailed(refused)
        template = studio.ensure_template_row(session, spec)
        made: list[ContentItem] = []
        for channel in channels:
            item = ContentItem(
                unit_id=channel.unit_id,
                caption=full,
                captions={channel.code: own[channel.code]} if channel.code in own else {},
                channel_ids=[channel.id or 0],
                media_path=to_stored(out),
                alt_text=alt,
                template_id=template.id,
                fact_ids=[f.id or 0 for f in facts],
                content_ref=f"incident:{incident.id}",
                urgent=True,
                incident_id=incident.id,
                scheduled_at=at or utcnow(),
                author_id=author.id or 0,
            )
            session.add(item)
            session.flush()
            review.record_version(
                session, item, editor_id=author.id or 0, card_values=dict(values.values)
            )
            studio.record_asset(session, spec, rendered, content_item_id=item.id)
            review.submit(session, item=item, actor=author)
            made.append(item)
    except BaseException:
        if fresh:
            out.unlink(missing_ok=True)
        raise
    audit.record(
        session,
        actor=actor,
        action="incident.clarify",
        entity="incident",
        entity_id=incident.id,
        detail={
            "items": [i.id for i in made],
            "channels": [c.code for c in channels],
            "facts": [f.code for f in facts],
        },
    )
    return made


# --- pausing and closing -------------------------------------------------------------------


def pause_for_incident(
    session: Session, *, incident_id: int, channel_codes: list[str], actor: str
) -> list[Pause]:
    """Hold the other scheduled posts of these channels while the incident is open (an
    incident's clarification still goes out; `close_incident` resumes them). Who may: as
    for any pause (an approver, a manager or an admin over the channel). A channel already
    paused for this incident is left as it is. Audited; not committed."""
    incident = _open_one(session, incident_id)
    codes = list(dict.fromkeys(c.strip() for c in channel_codes if c.strip()))
    if not codes:
        raise ValidationFailed(code="incident.no_pause_channels", field="--channel")
    held = {
        p.channel_id
        for p in session.exec(
            select(Pause).where(Pause.incident_id == incident.id, col(Pause.ended_at).is_(None))
        )
    }
    made: list[Pause] = []
    reason = _quote(f"Sự cố #{incident.id}: {incident.title}", 500)
    for code in codes:
        channel = session.exec(select(Channel).where(Channel.code == code)).first()
        if channel is not None and channel.id in held:
            continue
        made.append(
            pauses.pause(
                session, channel_code=code, reason=reason, actor=actor, incident_id=incident.id
            )
        )
    if made:
        audit.record(
            session,
            actor=actor,
            action="incident.pause",
            entity="incident",
            entity_id=incident.id,
            detail={"channels": [c for c in codes if _paused_now(session, incident, c)]},
        )
    return made


def _paused_now(session: Session, incident: Incident, code: str) -> bool:
    channel = session.exec(select(Channel).where(Channel.code == code)).first()
    return channel is not None and (
        session.exec(
            select(Pause.id).where(
                Pause.incident_id == incident.id,
                Pause.channel_id == channel.id,
                col(Pause.ended_at).is_(None),
            )
        ).first()
        is not None
    )


PENDING = (
    ItemStatus.draft,
    ItemStatus.in_review,
    ItemStatus.changes_requested,
    ItemStatus.approved,
    ItemStatus.scheduled,
)


def _pending(session: Session, incident_id: int, channels: list[Channel]) -> dict[str, int]:
    """Channel code → the incident's clarification waiting on it (not yet published,
    rejected or withdrawn), for the channels given (all of the incident's when empty)."""
    items = session.exec(
        select(ContentItem).where(
            ContentItem.incident_id == incident_id, col(ContentItem.status).in_(PENDING)
        )
    ).all()
    codes = {
        c.id: c.code for c in (channels or session.exec(select(Channel)).all()) if c.id is not None
    }
    out: dict[str, int] = {}
    for item in items:
        for channel_id in item.channel_ids:
            if channel_id in codes:
                out.setdefault(codes[channel_id], item.id or 0)
    return out


def _withdraw_pending(session: Session, incident_id: int, user: User, note: str) -> list[int]:
    """The incident's clarifications not yet live, taken back as it closes: one in review,
    approved or scheduled is rejected with the closing note (by an approver closing it;
    anyone else is refused while such a one waits); a draft or one sent back stays, and
    can no longer be approved (`review.approve`). The ids withdrawn."""
    waiting = session.exec(
        select(ContentItem).where(
            ContentItem.incident_id == incident_id,
            col(ContentItem.status).in_(
                (ItemStatus.in_review, ItemStatus.approved, ItemStatus.scheduled)
            ),
        )
    ).all()
    if waiting and user.role not in review.APPROVERS:
        shown = ", ".join(f"#{i.id}" for i in waiting)
        raise PermissionDenied(
            code="incident.close_waiting", field="--as", items=shown, id=incident_id
        )
    for item in waiting:
        review.reject(
            session, item=item, actor=user, reason=f"Vụ việc #{incident_id} đã đóng: {note}"
        )
    return [i.id or 0 for i in waiting]


def close_incident(
    session: Session, *, incident_id: int, actor: str, note: str, now: dt.datetime | None = None
) -> Incident:
    """Close an open incident with a note on how it ended; its pauses end (the channels'
    other posts go out again). The owner, or an approver, manager or admin of its unit or
    above. Audited; not committed."""
    incident = _open_one(session, incident_id)
    text = _clean(note, "--note", most=NOTE_MAX, lines=True)
    user = _user(session, actor, "--as")
    if not oversees(session, actor=user, unit_id=incident.unit_id) or (
        user.id != incident.owner_id and user.role not in CLOSERS
    ):
        raise PermissionDenied(
            code="incident.may_not_close", field="--as", user=actor, id=incident_id
        )
    withdrawn = _withdraw_pending(session, incident_id, user, text)
    resumed = pauses.end_incident_pauses(session, incident_id=incident_id, actor=actor)
    incident.status = "closed"
    incident.closed_by_id = user.id
    incident.closed_at = now or utcnow()
    incident.close_note = text
    if incident.first_live_at is None:
        incident.first_live_at = _first_live(session, incident)
    session.add(incident)
    audit.record(
        session,
        actor=actor,
        action="incident.close",
        entity="incident",
        entity_id=incident.id,
        detail={"note": text, "resumed": resumed, "withdrawn": withdrawn},
    )
    return incident


# --- reading -------------------------------------------------------------------------------


def _item_ids(session: Session, incident_id: int) -> list[int]:
    return [
        i or 0
        for i in session.exec(
            select(ContentItem.id)
            .where(ContentItem.incident_id == incident_id)
            .order_by(col(ContentItem.id))
        )
    ]


def _first_live(session: Session, incident: Incident) -> dt.datetime | None:
    """When the first clarification went live: as the publisher recorded it, else the
    earliest published post (one a person marked published after a check)."""
    if incident.first_live_at is not None:
        return incident.first_live_at
    return session.exec(
        select(func.min(Publication.published_at))
        .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
        .where(ContentItem.incident_id == incident.id, Publication.state == PubState.published)
    ).first()


def posts(session: Session, *, incident_id: int) -> list[tuple[Publication, Channel]]:
    """The clarification's publications with their channels, in item order."""
    return [
        (p, c)
        for p, c in session.exec(
            select(Publication, Channel)
            .join(Channel, col(Channel.id) == col(Publication.channel_id))
            .join(ContentItem, col(ContentItem.id) == col(Publication.content_item_id))
            .where(ContentItem.incident_id == incident_id)
            .order_by(col(Publication.content_item_id), col(Publication.id))
        )
    ]


ITEM_STEPS = {
    "item.approve": "approved",
    "item.request_changes": "changes_requested",
    "item.reject": "rejected",
    "item.edit": "edited",
    "item.submit": "submitted",
}
ORDER = [
    "opened",
    "drafted",
    "submitted",
    "edited",
    "changes_requested",
    "rejected",
    "approved",
    "paused",
    "published",
    "failed",
    "resumed",
    "closed",
]


def timeline(session: Session, *, incident_id: int) -> list[Step]:
    """Every step of the incident with its time, oldest first: opened, each clarification
    drafted (#item), resubmitted, edited, sent back, rejected, each approval (who, #item),
    each channel paused, each post live (its channel and URL) or failed, each channel
    resumed, closed."""
    incident = get_incident(session, incident_id)
    names = {u.id: u.username for u in session.exec(select(User))}
    steps = [Step(incident.opened_at, "opened", names.get(incident.opened_by_id), None)]
    items = _item_ids(session, incident_id)
    events = session.exec(
        select(AuditEvent)
        .where(
            (
                (col(AuditEvent.entity) == "incident")
                & (col(AuditEvent.entity_id) == str(incident_id))
            )
            | (
                (col(AuditEvent.entity) == "item")
                & col(AuditEvent.entity_id).in_([str(i) for i in items])
            )
        )
        .order_by(col(AuditEvent.id))
    ).all()
    submitted: set[str] = set()
    for e in events:
        if e.action == "incident.clarify":
            steps += [Step(e.at, "drafted", e.actor, f"#{i}") for i in e.detail.get("items", [])]
        elif e.action == "incident.pause":
            steps += [Step(e.at, "paused", e.actor, c) for c in e.detail.get("channels", [])]
        elif e.action == "incident.close":
            steps += [Step(e.at, "resumed", e.actor, c) for c in e.detail.get("resumed", [])]
        elif e.action in ITEM_STEPS:
            if e.action == "item.submit" and e.entity_id not in submitted:
                submitted.add(e.entity_id)  # the first submit is the draft itself
                continue
            steps.append(Step(e.at, ITEM_STEPS[e.action], e.actor, f"#{e.entity_id}"))
    for pub, channel in posts(session, incident_id=incident_id):
        if pub.state == PubState.published and pub.published_at is not None:
            ref = pub.remote_url or pub.remote_id or f"#{pub.content_item_id}"
            steps.append(Step(pub.published_at, "published", channel.code, ref))
        elif pub.state in (PubState.failed, PubState.missed):
            steps.append(Step(pub.updated_at, "failed", channel.code, pub.last_error))
    if incident.closed_at is not None:
        steps.append(Step(incident.closed_at, "closed", names.get(incident.closed_by_id), None))
    # to the second, as the audit log keeps its times: a step recorded in the same second
    # as the one before it follows it in the order of the process
    steps = [Step(s.at.replace(microsecond=0), s.what, s.who, s.ref) for s in steps]
    return sorted(steps, key=lambda s: (s.at, ORDER.index(s.what)))


def incident_rows(
    session: Session,
    *,
    viewer: User | None,
    now: dt.datetime | None = None,
    include_closed: bool = False,
) -> list[IncidentRow]:
    """The incidents `viewer` sees (their unit and the units below it; everything for an
    admin or no viewer), open ones first, then by severity and age, each with its timer:
    minutes from opening to the first clarification live (still running while none is),
    against the severity's target."""
    now = now or utcnow()
    query = select(Incident)
    if not include_closed:
        query = query.where(Incident.status == "open")
    units = visible_units(session, viewer)
    if units is not None:
        query = query.where(col(Incident.unit_id).in_(units))
    incidents = list(session.exec(query))
    if not incidents:
        return []
    ids = [i.id or 0 for i in incidents]
    unit_names = {u.id: u.name for u in session.exec(select(Unit))}
    people = {u.id: u.display_name or u.username for u in session.exec(select(User))}
    counted: dict[int, int] = {}
    for incident_id, n in session.exec(
        select(ContentItem.incident_id, func.count())
        .where(col(ContentItem.incident_id).in_(ids))
        .group_by(col(ContentItem.incident_id))
    ):
        counted[incident_id or 0] = n
    live: dict[int, int] = {}
    for incident_id, n in session.exec(
        select(ContentItem.incident_id, func.count())
        .join(Publication, col(Publication.content_item_id) == col(ContentItem.id))
        .where(col(ContentItem.incident_id).in_(ids), Publication.state == PubState.published)
        .group_by(col(ContentItem.incident_id))
    ):
        live[incident_id or 0] = n
    rows = []
    for i in incidents:
        first = _first_live(session, i)
        until = first or i.closed_at or now
        elapsed = max(0, int((until - i.opened_at).total_seconds() // 60))
        rows.append(
            IncidentRow(
                id=i.id or 0,
                title=i.title,
                claim=i.claim,
                severity=i.severity,
                status=i.status,
                unit=unit_names.get(i.unit_id, ""),
                owner=people.get(i.owner_id, ""),
                opened_at=i.opened_at,
                elapsed_minutes=elapsed,
                target_minutes=i.target_minutes,
                breached=elapsed > i.target_minutes,
                first_live_at=first,
                items=counted.get(i.id or 0, 0),
                live=live.get(i.id or 0, 0),
            )
        )
    severity = list(TARGET_MINUTES)  # critical, high, low
    return sorted(
        rows,
        key=lambda r: (
            r.status != "open",
            severity.index(r.severity) if r.severity in severity else 9,
            r.opened_at,
        ),
    )
