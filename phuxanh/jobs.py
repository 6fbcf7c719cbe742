"""The steps of the daily run, each one call that opens its own session.

The CLI, the Prefect tasks in `flows/` and the tests all call these. Each takes an
optional database URL (default: `DATABASE_URL`) and returns plain, printable data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from phuxanh import crud, notify
from phuxanh.catalog import themes as catalog_mod
from phuxanh.compose import drafts as compose
from phuxanh.compose import feeds
from phuxanh.core.db import check_schema, engine_for, migrate, normalise_url, session_scope
from phuxanh.core.errors import ConfigError, NotFound
from phuxanh.core.settings import get_settings, private_dir
from phuxanh.media.cards import load_brand
from phuxanh.models import Campaign, ContentItem, Role, Slot, User
from phuxanh.planning.campaign import CampaignSpec, load_campaign_doc
from phuxanh.planning.planner import ensure_campaign, load_commemorations, plan, replan_clear
from phuxanh.publish import metrics
from phuxanh.publish import publisher as publishing


def engine(database_url: str | None = None) -> Engine:
    """The database's engine, once its schema is known to match this code."""
    settings = get_settings()
    if (
        database_url is None
        and settings.require_database_url
        and "database_url" not in settings.model_fields_set
    ):
        raise ConfigError(
            "DATABASE_URL is not set on this worker (nor in .env where it "
            "runs): every worker needs the shared database's URL, "
            "e.g. postgresql+psycopg://…; without it this run would write "
            "to a SQLite file of its own that no one else sees"
        )
    url = normalise_url(settings.database_url if database_url is None else database_url)
    found = engine_for(url)
    check_schema(found, url)
    return found


def init_db(database_url: str | None = None) -> str:
    return migrate(database_url)


def load_catalog(
    database_url: str | None = None, content_dir: Path | None = None
) -> dict[str, int]:
    checked = catalog_mod.check_catalog(content_dir or get_settings().content_dir)
    with session_scope(engine(database_url)) as session:
        return catalog_mod.load_catalog(session, checked)


def setup_campaign(
    campaign_file: Path, *, sandbox_url: str | None = None, database_url: str | None = None
) -> str:
    """Campaign, unit and channels from the campaign file; returns the campaign code."""
    spec, doc = load_campaign_doc(campaign_file)
    with session_scope(engine(database_url)) as session:
        return ensure_campaign(session, spec, sandbox_url=sandbox_url, source=doc).code


def plan_campaign(
    campaign_file: Path,
    *,
    start: dt.date,
    days: int,
    replan: bool = False,
    sandbox_url: str | None = None,
    database_url: str | None = None,
) -> dict[str, Any]:
    """`phuxanh plan`: the campaign file (campaign, units, channels) and the days planned in
    one transaction, so a problem anywhere leaves the database as it was."""
    spec, doc = load_campaign_doc(campaign_file)
    try:
        with session_scope(engine(database_url)) as session:
            campaign = ensure_campaign(session, spec, sandbox_url=sandbox_url, source=doc)
            return _plan_in(session, campaign, start=start, days=days, replan=replan)
    except IntegrityError as exc:  # another run wrote the same rows at the same moment
        raise ConfigError(
            f"{campaign_file}: plan: another run changed the same campaign or "
            "channel at the same time; nothing was written, run it again"
        ) from exc


def _campaign(session: Any, code: str) -> Campaign:
    row = session.exec(select(Campaign).where(Campaign.code == code)).first()
    if row is None:
        raise NotFound(f"campaign {code!r} is not set up (run the campaign file first)")
    return row  # type: ignore[no-any-return]


def plan_days(
    campaign_code: str,
    *,
    start: dt.date,
    days: int,
    replan: bool = False,
    database_url: str | None = None,
) -> dict[str, Any]:
    """Plan the days; with `replan`, empty slots in the range go first (content stays)."""
    with session_scope(engine(database_url)) as session:
        campaign = _campaign(session, campaign_code)
        return _plan_in(session, campaign, start=start, days=days, replan=replan)


def _plan_in(
    session: Any, campaign: Campaign, *, start: dt.date, days: int, replan: bool
) -> dict[str, Any]:
    """Plan in the caller's transaction (see `plan_days`)."""
    settings = get_settings()
    days_file = load_commemorations(settings.content_dir / "commemorations.yaml")
    removed = (
        replan_clear(session, campaign=campaign, start=start, days=days, tz=settings.tz)
        if replan
        else 0
    )
    slots, unfit = plan(
        session,
        campaign=campaign,
        start=start,
        days=days,
        tz=settings.tz,
        commemorations=days_file,
    )
    out: dict[str, Any] = {"planned": len(slots), "unfit": unfit}
    if replan:
        out["removed"] = removed
    return out


def render_pending(
    campaign_code: str,
    *,
    until: dt.datetime | None = None,
    since: dt.datetime | None = None,
    database_url: str | None = None,
) -> dict[str, Any]:
    """Compose a draft (card, caption, checks) for every planned slot that has none yet."""
    from phuxanh.compose.assistant import Assistant

    settings = get_settings()
    with session_scope(engine(database_url)) as session:
        campaign = _campaign(session, campaign_code)
        spec = CampaignSpec.model_validate(campaign.config)
        brand = load_brand(settings.assets_dir, spec.brand)
        editors = [p.username for p in spec.team if p.role == "editor"]
        author = (
            session.exec(
                select(User).where(col(User.username).in_(editors)).order_by(col(User.username))
            ).first()
            or session.exec(select(User).where(User.role == Role.editor)).first()
        )
        if author is None:
            raise NotFound(f"campaign {campaign_code}: no editor to author drafts (add one)")
        slots = compose.slots_without_content(
            session, campaign_id=campaign.id, since=since, until=until
        )
        private_dir(settings.media_dir)  # cards of drafts nobody has approved yet
        ctx = compose.Context(
            brand=brand,
            author=author,
            media_dir=settings.media_dir,
            tz=settings.tz,
            spec=spec,
            assistant=Assistant.from_settings(settings),
            clip_preset=settings.clip_preset,
        )
        drafts, skipped = compose.compose_slots(
            session, slots=slots, ctx=ctx, workers=settings.render_workers
        )
        held = session.exec(
            select(ContentItem).where(col(ContentItem.id).in_([d.item_id for d in drafts]))
        ).all()
        return {
            "rendered": len(drafts),
            "skipped": skipped,
            "held": {i.id: i.hold_reasons for i in held if i.hold_reasons},
            "notes": ctx.notes,
        }


def compose_range(
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    campaign_code: str | None = None,
    database_url: str | None = None,
) -> dict[str, Any]:
    """`phuxanh compose`: drafts for the planned slots between two dates (local days)."""
    tz = get_settings().tz
    since = dt.datetime.combine(start, dt.time(), tz) if start else None
    until = dt.datetime.combine(end, dt.time(23, 59, 59), tz) if end else None
    with session_scope(engine(database_url)) as session:
        codes = (
            [campaign_code]
            if campaign_code
            else [c.code for c in session.exec(select(Campaign).order_by(col(Campaign.code)))]
        )
    out: dict[str, Any] = {"rendered": 0, "skipped": [], "held": {}, "notes": []}
    for code in codes:
        done = render_pending(code, since=since, until=until, database_url=database_url)
        out["rendered"] += done["rendered"]
        out["skipped"] += done["skipped"]
        out["held"] |= done["held"]
        out["notes"] += done["notes"]
    return out


def publish_due(
    *, now: dt.datetime | None = None, database_url: str | None = None
) -> dict[str, int]:
    return dict(publishing.publish_due(engine(database_url), now=now))


def collect_metrics(
    *, now: dt.datetime | None = None, database_url: str | None = None
) -> dict[str, int]:
    return dict(metrics.collect(engine(database_url), now=now))


def poll_feeds(
    *, feeds_file: Path | None = None, timeout_s: float = 15.0, database_url: str | None = None
) -> dict[str, Any]:
    path = feeds_file or get_settings().content_dir / "feeds.yaml"
    return feeds.poll_all(engine(database_url), path, timeout_s=timeout_s)


def local_date(now: dt.datetime) -> dt.date:
    return now.astimezone(get_settings().tz).date()


def end_of_local_day(now: dt.datetime, *, days: int = 1) -> dt.datetime:
    """The end of the `days`-th local day counting today as the first."""
    start = dt.datetime.combine(local_date(now), dt.time(), get_settings().tz)
    return start + dt.timedelta(days=days) - dt.timedelta(microseconds=1)


def active_campaigns(*, on: dt.date, database_url: str | None = None) -> list[str]:
    with session_scope(engine(database_url)) as session:
        rows = session.exec(
            select(Campaign.code)
            .where(Campaign.starts_on <= on, Campaign.ends_on >= on)
            .order_by(col(Campaign.code))
        )
        return list(rows)


def slot_times_on(
    campaign_code: str, *, day: dt.date, database_url: str | None = None
) -> list[dt.datetime]:
    """Distinct planned times of a campaign on a local day (the demo's publish clock)."""
    tz = get_settings().tz
    lo = dt.datetime.combine(day, dt.time(), tz)
    with session_scope(engine(database_url)) as session:
        campaign = _campaign(session, campaign_code)
        rows = session.exec(
            select(Slot.scheduled_at)
            .where(
                Slot.campaign_id == campaign.id,
                Slot.scheduled_at >= lo,
                Slot.scheduled_at < lo + dt.timedelta(days=1),
            )
            .distinct()
            .order_by(col(Slot.scheduled_at))
        )
        return list(rows)


def summary(*, database_url: str | None = None) -> crud.Summary:
    with session_scope(engine(database_url)) as session:
        return crud.summary(session)


def report(
    *,
    period: str,
    unit_code: str | None,
    fmt: str,
    out: Path,
    database_url: str | None = None,
    today: dt.date | None = None,
    rollup: bool = False,
    actor: str = "cli",
) -> dict[str, Any]:
    """`phuxanh report`: build the period's report and write it as docx, xlsx or pdf. A
    unit's report is then the draft of each of its obligations for that kind of period
    (`reports.status.record_drafted`)."""
    from phuxanh.network.units import get as get_unit
    from phuxanh.reports import figures as reporting
    from phuxanh.reports import files as report_files
    from phuxanh.reports.model import parse_period
    from phuxanh.reports.status import record_drafted

    settings = get_settings()
    parsed = parse_period(period)
    with session_scope(engine(database_url)) as session:
        built = reporting.build(
            session,
            period=parsed,
            tz=settings.tz,
            unit_code=unit_code,
            today=today,
            rollup=rollup,
        )
    report_files.write(built, out, fmt)
    drafted: list[int] = []
    if unit_code is not None:
        with session_scope(engine(database_url)) as session:
            unit = get_unit(session, unit_code, "--unit")
            drafted = record_drafted(session, unit=unit, period=parsed, path=str(out), actor=actor)
    t = built.totals
    return {
        "path": str(out),
        "period": parsed.code,
        "from": parsed.start.isoformat(),
        "to": parsed.end.isoformat(),
        "unit": built.unit,
        "planned": t.planned,
        "approved": t.approved,
        "published": t.published,
        "products": t.products,
        "reach": t.reach,
        "gaps": len(built.gaps),
        "units": [
            {"unit": r.code, "planned": r.planned, "published": r.published, "products": r.products}
            for r in built.units
        ],
        "drafted_for": drafted,
    }


def deliver_mail(*, database_url: str | None = None) -> notify.Delivered:
    """E-mail about hand-offs: the audit log's new hand-offs into the outbox, then the
    outbox over SMTP (`phuxanh notify send`; the publish-due run after publishing)."""
    return notify.deliver(engine(database_url))
