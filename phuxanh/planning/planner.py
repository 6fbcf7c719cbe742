"""The content calendar from a campaign file.

Per channel and day: slots at the starts of its posting windows, then every minimum
spacing inside them, up to its daily maximum. Per slot: the theme furthest behind its
weekly quota, weighted up inside a wave (build-up ×2, peak ×4, after ×2; waves from the
campaign file, else the catalog's key dates) and on commemoration days
(`content/commemorations.yaml`). A wave's peak days always get a slot of its theme. A
theme outside its validity window (the catalog's valid_from / valid_until: the election
theme ends with its wave) gets no slot. Deterministic; each slot says why it is there;
what cannot be fitted is reported.
Re-planning removes only empty slots: slots with content stay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from phuxanh import review
from phuxanh.core import audit
from phuxanh.core.errors import InvalidTransition, ValidationFailed
from phuxanh.core.users import ensure_unit
from phuxanh.core.yamlio import Loc, LocatedDoc, format_loc, load_located, validate_doc
from phuxanh.models import (
    Campaign,
    Channel,
    ChannelToken,
    ContentItem,
    KeyDate,
    Publication,
    PubState,
    Slot,
    Theme,
    Unit,
    utcnow,
)
from phuxanh.planning.best_time import best_start, hint, history
from phuxanh.planning.campaign import (
    CampaignSpec,
    ChannelSpec,
    Commemoration,
    CommemorationFile,
    ThemeQuota,
)

WAVE_WEIGHT = 2.0
PEAK_WEIGHT = 4.0
Window = tuple[dt.date | None, dt.date | None]  # a theme's (valid_from, valid_until)


def catalog_windows(session: Session) -> dict[str, Window]:
    """The themes' validity windows, as `catalog load` stored them."""
    return {t.code: (t.valid_from, t.valid_until) for t in session.exec(select(Theme))}


def in_window(window: Window | None, day: dt.date) -> bool:
    if window is None:
        return True
    start, until = window
    return (start is None or start <= day) and (until is None or day <= until)


def _hm(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def slot_times(
    spec: ChannelSpec, day: dt.date, tz: ZoneInfo, best: dict[tuple[int, int], float] | None = None
) -> list[dt.datetime]:
    """Candidate times in a day: each window from its start (or, with a best-time hint
    from the channel's own history, from its best half hour), then every `min_spacing`."""
    spacing = dt.timedelta(minutes=max(spec.min_spacing_minutes, 30))
    chosen: list[dt.datetime] = []
    for window in sorted(spec.windows):
        start, end = (dt.datetime.combine(day, _hm(t), tz) for t in window.split("-"))
        t = best_start(start, end, best)
        while t <= end and len(chosen) < spec.max_per_day:
            if not chosen or t - chosen[-1] >= spacing:
                chosen.append(t)
            t += spacing
    return chosen


# the fields that decide where a channel's posts go and with which credential: changing
# one re-points the channel (audited; its approved, unsent items go back to review)
DESTINATION = ("platform", "account_id", "api_base_url", "credential_ref")
# publications that are not settled and would reach the new destination if a person sends
# them again (`publication resolve --not-sent`) or the publisher resumes them
_UNSETTLED = (PubState.processing, PubState.needs_check, PubState.missed, PubState.failed)


def _where(spec: CampaignSpec, source: LocatedDoc | None, loc: Loc) -> str:
    """`file:line: field` when the campaign came from a file, else `campaign C: field`."""
    if source is None:
        return f"campaign {spec.code}: {format_loc(loc)}"
    return f"{source.path}:{source.line_of(loc)}: {format_loc(loc)}"


def _ownership_problems(
    session: Session, spec: CampaignSpec, source: LocatedDoc | None
) -> list[str]:
    """A channel is planned by one campaign at a time and belongs to one of its units: a
    campaign file may not take over another campaign's channel (their slots would collide)
    or another unit's."""
    units = {u.id: u.code for u in session.exec(select(Unit))}
    ours = {spec.unit.code, *(u.code for u in spec.units)}
    start, end = spec.period["from"], spec.period["to"]
    owner: dict[str, Campaign] = {}
    for other in session.exec(
        select(Campaign).where(Campaign.code != spec.code).order_by(col(Campaign.code))
    ):
        if other.starts_on <= end and start <= other.ends_on:  # periods overlap
            for c in other.config.get("channels", []):
                owner.setdefault(str(c.get("code")), other)
    problems = []
    for i, c in enumerate(spec.channels):
        where = _where(spec, source, ("channels", i, "code"))
        planner = owner.get(c.code)
        if planner is not None:
            problems.append(
                f"{where}: channel {c.code!r} belongs to campaign {planner.code!r} (unit "
                f"{units.get(planner.unit_id)}, {planner.starts_on:%d/%m/%Y}–"
                f"{planner.ends_on:%d/%m/%Y}); a channel is planned by one campaign at a "
                "time: give this one its own code"
            )
            continue
        channel = session.exec(select(Channel).where(Channel.code == c.code)).first()
        if channel is not None and units.get(channel.unit_id) not in ours:
            problems.append(
                f"{where}: channel {c.code!r} belongs to unit {units.get(channel.unit_id)!r}, "
                "which is not one of this campaign's units: list it under units: or give "
                "this channel its own code"
            )
    return problems


def _masked_url(url: str) -> str:
    """A URL without the user:password it may carry (the audit log keeps no secret)."""
    scheme, sep, rest = url.partition("://")
    authority = rest.split("/", 1)[0]
    if not sep or "@" not in authority:
        return url
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


def repoint(
    session: Session, channel: Channel, after: dict[str, str], *, where: str, actor: str
) -> dict[str, object] | None:
    """Point `channel` at another platform, account, server or credential, or do nothing
    when `after` says where it already posts. Audited (`channel.repointed`, before and
    after; credential variable names, never their values). What was approved for the old
    destination does not go to the new one unseen: every item with a publication on this
    channel that no worker has taken yet goes back to review; an item that is already out,
    on its way or unknown somewhere is left alone, its publication here held as failed for a
    person (`publication resolve`). The channel's stored OAuth token set belonged to the old
    destination and is dropped. Refused while a post on this channel is being sent (it would
    read the new destination half way). Not committed."""

    def norm(field: str, value: str) -> str:
        return value.rstrip("/") if field == "api_base_url" else value

    before = {f: str(getattr(channel, f)) for f in DESTINATION}
    changed = [f for f in DESTINATION if norm(f, before[f]) != norm(f, after[f])]
    if channel.id is None or not changed:
        return None
    pubs = session.exec(
        select(Publication)
        .where(Publication.channel_id == channel.id)
        .order_by(col(Publication.id))
    ).all()
    sending = [p for p in pubs if p.state in (PubState.claimed, PubState.sending)]
    if sending:
        raise ValidationFailed(
            [
                f"{where}: channel {channel.code!r} is sending publication {sending[0].id} right "
                "now; change where it posts when that has settled (run plan again in a minute)"
            ]
        )
    reason = (
        f"channel {channel.code} re-pointed ({', '.join(changed)} changed); approve "
        "again for the new destination"
    )
    back, held = [], []
    # a scheduled publication with a saved handle is a send the platform has begun: it is
    # in doubt (review.unsettled), like one being processed or waiting for a check
    waiting = sorted(
        {p.content_item_id for p in pubs if p.state == PubState.scheduled and p.handle is None}
    )
    doubt = review.unsettled(session, waiting)
    for item_id in waiting:
        item = session.get(ContentItem, item_id)
        assert item is not None
        out = session.exec(
            select(Publication.id).where(
                Publication.content_item_id == item_id, Publication.state == PubState.published
            )
        ).first()
        if item_id in doubt or out is not None:  # the item stays as it is; its post here
            for pub in pubs:  # waits for a person instead of going out unseen
                if pub.content_item_id != item_id or pub.state != PubState.scheduled:
                    continue
                done = session.execute(
                    update(Publication)
                    .where(
                        col(Publication.id) == pub.id,
                        col(Publication.state) == PubState.scheduled,
                        col(Publication.handle).is_(None),
                    )
                    .values(state=PubState.failed, last_error=reason, updated_at=utcnow())
                )
                if done.rowcount != 1:  # type: ignore[attr-defined]
                    raise _taken(where, channel, pub)
                held.append(pub.id)
            continue
        try:  # its unsent publications are withdrawn, each only if no worker has taken it
            review.reopen(session, item=item, actor=actor, reason=reason)
        except InvalidTransition as exc:
            raise ValidationFailed(
                [
                    f"{where}: channel {channel.code!r}: {exc}; nothing was "
                    "changed, run plan again in a minute"
                ]
            ) from exc
        back.append(item_id)
    dropped = session.execute(
        delete(ChannelToken).where(col(ChannelToken.channel_id) == channel.id)
    )
    detail: dict[str, object] = {
        "changed": changed,
        "before": {f: _masked_url(v) if f == "api_base_url" else v for f, v in before.items()},
        "after": {
            f: _masked_url(after[f]) if f == "api_base_url" else after[f] for f in DESTINATION
        },
        "source": where,
        "back_to_review": back,
        "held_for_a_person": held,
        # not settled, and now reaching the new destination if a person sends them again
        "left_as_is": [
            p.id
            for p in pubs
            if p.state in _UNSETTLED or (p.state == PubState.scheduled and p.handle is not None)
        ],
        "token_set_dropped": bool(dropped.rowcount),  # type: ignore[attr-defined]
    }
    audit.record(
        session,
        actor=actor,
        action="channel.repointed",
        entity="channel",
        entity_id=channel.code,
        detail=detail,
    )
    return detail


def _taken(where: str, channel: Channel, pub: Publication) -> ValidationFailed:
    return ValidationFailed(
        [
            f"{where}: channel {channel.code!r}: publication {pub.id} was taken by a worker "
            "while planning; nothing was changed, run plan again in a minute"
        ]
    )


def ensure_campaign(
    session: Session,
    spec: CampaignSpec,
    *,
    sandbox_url: str | None,
    source: LocatedDoc | None = None,
    actor: str = "plan",
) -> Campaign:
    """Create or update the campaign, its unit and its channels from the campaign file.

    Refuses (one problem per line, nothing written by the caller's transaction) a channel
    another campaign plans or another unit owns. A channel whose platform, account, server
    or credential changes is re-pointed (`repoint`)."""
    problems = _ownership_problems(session, spec, source)
    for i, c in enumerate(spec.channels):
        if c.api_base == "sandbox" and not sandbox_url:
            problems.append(
                f"{_where(spec, source, ('channels', i, 'api_base'))}: channel "
                f"{c.code}: api_base is 'sandbox' but no sandbox is running"
            )
    if problems:
        raise ValidationFailed(problems)
    unit = ensure_unit(session, code=spec.unit.code, name=spec.unit.name, level=spec.unit.level)
    assert unit.id is not None
    unit_ids = {unit.code: unit.id}
    for u in spec.units:
        member = ensure_unit(session, code=u.code, name=u.name, level=u.level)
        if member.parent_id is None and member.id != unit.id:
            member.parent_id = unit.id
            session.add(member)
        unit_ids[u.code] = member.id or 0
    for i, c in enumerate(spec.channels):
        owner = unit_ids[c.unit or unit.code]
        base = sandbox_url if c.api_base == "sandbox" else c.api_base
        destination = {
            "platform": c.platform,
            "account_id": c.account_id,
            "api_base_url": str(base),
            "credential_ref": f"env:{c.credential_env}",
        }
        channel = session.exec(select(Channel).where(Channel.code == c.code)).first()
        if channel is None:
            channel = Channel(
                code=c.code,
                display_name=c.name,
                unit_id=owner,
                platform=c.platform,
                account_id=c.account_id,
                api_base_url=str(base),
                credential_ref=f"env:{c.credential_env}",
            )
        else:
            repoint(
                session,
                channel,
                destination,
                actor=actor,
                where=_where(spec, source, ("channels", i)),
            )
        channel.sqlmodel_update(
            {
                **destination,
                "unit_id": owner,
                "display_name": c.name,
                "posting_windows": list(c.windows),
                "max_per_day": c.max_per_day,
                "min_spacing_minutes": c.min_spacing_minutes,
                "formats": list(c.formats),
                "languages": list(c.languages),
                "audiences": list(c.audiences),
            }
        )
        session.add(channel)
    campaign = session.exec(select(Campaign).where(Campaign.code == spec.code)).first()
    campaign = campaign or Campaign(
        code=spec.code,
        name=spec.name,
        unit_id=unit.id,
        starts_on=spec.period["from"],
        ends_on=spec.period["to"],
    )
    campaign.sqlmodel_update(
        {
            "name": spec.name,
            "starts_on": spec.period["from"],
            "ends_on": spec.period["to"],
            "config": spec.model_dump(mode="json"),
        }
    )
    session.add(campaign)
    session.flush()
    return campaign


@dataclass(frozen=True)
class ActiveWave:
    name: str
    theme: str
    on: dt.date
    build_up: int
    peak: int
    after: int

    def phase(self, day: dt.date) -> tuple[str, float] | None:
        delta = (day - self.on).days
        if abs(delta) <= self.peak:
            return "peak", PEAK_WEIGHT
        if -self.build_up <= delta < 0:
            return "build-up", WAVE_WEIGHT
        if 0 < delta <= self.after:
            return "after", WAVE_WEIGHT
        return None


def load_commemorations(path: Path) -> list[Commemoration]:
    if not path.is_file():
        return []
    return validate_doc(load_located(path), CommemorationFile).days


def _waves(session: Session, spec: CampaignSpec, themes: dict[str, Theme]) -> list[ActiveWave]:
    """The campaign's own waves, then the catalog's key dates for themes it does not wave."""
    waves = [
        ActiveWave(w.name, w.theme, w.date, w.build_up_days, w.peak_days, w.after_days)
        for w in spec.waves
        if w.theme in themes
    ]
    waved = {w.theme for w in waves}
    by_id = {t.id: code for code, t in themes.items()}
    for kd in session.exec(select(KeyDate).where(col(KeyDate.theme_id).in_(list(by_id)))):
        code = by_id[kd.theme_id]
        if code not in waved and (kd.wave_before_days or kd.wave_after_days):
            waves.append(
                ActiveWave(
                    kd.label_vi, code, kd.on_date, kd.wave_before_days, 0, kd.wave_after_days
                )
            )
    return sorted(waves, key=lambda w: (w.on, w.theme))


def replan_clear(
    session: Session, *, campaign: Campaign, start: dt.date, days: int, tz: ZoneInfo
) -> int:
    """Remove the range's slots that have no content yet; slots with content stay."""
    lo = dt.datetime.combine(start, dt.time(), tz)
    hi = lo + dt.timedelta(days=days)
    used = select(ContentItem.slot_id).where(col(ContentItem.slot_id).is_not(None))
    empty = session.exec(
        select(Slot).where(
            Slot.campaign_id == campaign.id,
            col(Slot.scheduled_at) >= lo,
            col(Slot.scheduled_at) < hi,
            col(Slot.id).not_in(used),
        )
    ).all()
    for slot in empty:
        session.delete(slot)
    session.flush()
    return len(empty)


def plan(
    session: Session,
    *,
    campaign: Campaign,
    start: dt.date,
    days: int,
    tz: ZoneInfo,
    commemorations: list[Commemoration] | None = None,
    windows: Mapping[str, Window] | None = None,
) -> tuple[list[Slot], list[str]]:
    """Plan `days` days from `start`. Returns (new slots, what could not be planned).
    `windows`: each theme's validity window (default: the catalog's, `catalog_windows`)."""
    spec = CampaignSpec.model_validate(campaign.config)
    themes = {
        t.code: t
        for t in session.exec(
            select(Theme).where(col(Theme.code).in_([q.code for q in spec.themes]))
        )
    }
    unfit = [f"theme {q.code}: not in the catalog" for q in spec.themes if q.code not in themes]
    quotas = [q for q in spec.themes if q.code in themes and q.per_week > 0]
    if not quotas:
        return [], [*unfit, "no theme with a weekly quota"]
    chooser = _Chooser(
        quotas,
        _waves(session, spec, themes),
        commemorations or [],
        catalog_windows(session) if windows is None else windows,
    )
    channels = {
        c.code: c
        for c in session.exec(
            select(Channel).where(col(Channel.code).in_([c.code for c in spec.channels]))
        )
    }
    hints = {
        code: hint(history(session, channel_id=ch.id or 0, tz=tz)) for code, ch in channels.items()
    }
    existing = session.exec(select(Slot).where(Slot.campaign_id == campaign.id)).all()
    # a time is taken on a channel by any campaign's slot (one that planned the channel
    # before it was handed over), not only by this campaign's
    lo = dt.datetime.combine(start, dt.time(), tz) - dt.timedelta(days=1)
    taken = {
        (s.channel_id, s.scheduled_at)
        for s in session.exec(
            select(Slot).where(
                col(Slot.channel_id).in_([ch.id for ch in channels.values()]),
                col(Slot.scheduled_at) >= lo,
                col(Slot.scheduled_at) < lo + dt.timedelta(days=days + 2),
            )
        )
    }
    code_of = {t.id: code for code, t in themes.items()}
    for s in existing:
        if s.theme_id in code_of:
            chooser.count(code_of[s.theme_id], s.scheduled_at.astimezone(tz).date())
    created: list[Slot] = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if not spec.period["from"] <= day <= spec.period["to"]:
            unfit.append(f"{day:%d/%m/%Y}: outside the campaign period")
            continue
        times = sorted(
            (
                (when, c)
                for c in spec.channels
                for when in slot_times(c, day, tz, hints.get(c.code))
                if (channels[c.code].id, when.astimezone(dt.UTC)) not in taken
            ),
            key=lambda pair: (pair[0], pair[1].code),
        )
        peaks = chooser.peak_themes(day)
        for when, cspec in times:
            chosen = chooser.choose(day, must=peaks)
            if chosen is None:
                unfit.append(f"{day:%d/%m/%Y}: no theme is inside its validity window")
                break
            code, why = chosen
            peaks = [p for p in peaks if p != code]
            slot = Slot(
                campaign_id=campaign.id or 0,
                channel_id=channels[cspec.code].id or 0,
                theme_id=themes[code].id or 0,
                scheduled_at=when,
                format=cspec.formats[0],
                why=why,
            )
            session.add(slot)
            created.append(slot)
        unfit += [f"{day:%d/%m/%Y}: no free slot left for the peak of {p}" for p in peaks]
    session.flush()
    return created, unfit


class _Chooser:
    """Picks the theme furthest behind its weekly quota, weighted by waves and days."""

    def __init__(
        self,
        quotas: list[ThemeQuota],
        waves: list[ActiveWave],
        days: list[Commemoration],
        windows: Mapping[str, Window] | None = None,
    ) -> None:
        self.quotas = sorted(quotas, key=lambda q: q.code)
        self.waves = waves
        self.days = days
        self.windows = windows or {}
        self.counts: dict[tuple[str, tuple[int, int]], int] = {}

    def valid(self, code: str, day: dt.date) -> bool:
        return in_window(self.windows.get(code), day)

    def count(self, code: str, day: dt.date) -> None:
        key = (code, day.isocalendar()[:2])
        self.counts[key] = self.counts.get(key, 0) + 1

    def peak_themes(self, day: dt.date) -> list[str]:
        quota_codes = {q.code for q in self.quotas}
        found = [
            w.theme
            for w in self.waves
            if w.theme in quota_codes
            and self.valid(w.theme, day)
            and (phase := w.phase(day)) is not None
            and phase[0] == "peak"
        ]
        return list(dict.fromkeys(found))

    def _weight(self, code: str, day: dt.date) -> tuple[float, str]:
        weight, notes = 1.0, []
        for w in self.waves:
            phase = w.phase(day) if w.theme == code else None
            if phase is not None and phase[1] > weight:
                delta = (day - w.on).days
                weight = phase[1]
                notes = [
                    f"wave {w.name}, {phase[0]} (D{delta:+d})"
                    if delta
                    else f"wave {w.name}, {phase[0]} (D-day)"
                ]
        for c in self.days:
            if c.matches(day) and code in c.themes:
                weight *= c.weight
                notes.append(f"commemoration {c.name}")
        return weight, "; ".join(notes)

    def choose(self, day: dt.date, *, must: list[str]) -> tuple[str, str] | None:
        """The theme for the next slot of `day`, or None when no theme is valid that day."""
        week = day.isocalendar()[:2]
        best: tuple[float, str, str] | None = None
        for q in self.quotas:
            if (must and q.code != must[0]) or not self.valid(q.code, day):
                continue
            done = self.counts.get((q.code, week), 0)
            weight, note = self._weight(q.code, day)
            score = weight * q.per_week / (done + 1)
            if best is None or score > best[0]:
                why = f"theme {q.code}: {done}/{q.per_week} this week" + (
                    f"; {note}" if note else ""
                )
                best = (score, q.code, why)
        if best is None:
            return None
        self.count(best[1], day)
        return best[1], best[2]
