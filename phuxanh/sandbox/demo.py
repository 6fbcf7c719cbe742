"""The demo campaign's own steps: its team, and the team's review of the drafts; and the
demo's network: the offices below the city (`content/network/`), the content package the
city sends them, each office's own review of it, and the quarter's roll-up report.

Everything else the demo does is the daily run itself (`phuxanh.jobs`), driven by the
Prefect flows in `flows/demo.py` over a simulated fortnight against the local sandbox.

The network, in the order the demo runs it (each step its own transaction):

- `setup_network`: the units of `demo-units.yaml` (what `phuxanh unit import` runs), the
  Pages and people of `demo-pages.yaml` (what `phuxanh channel add` and `user add` run);
- `push_package`: on the first morning the city's editor makes a package of one approved
  item of the city's Page and sends it to the units `demo-pages.yaml` names; each gets a
  draft of its own, authored by its own editor;
- `network_review`: each unit's editor adds a line in the unit's name (the fact and its
  source stay locked), submits it and is refused approval (four eyes); the unit's own
  approver approves it for the unit's Page;
- `publish_times_on`: the times the demo's publishing run wakes up, the unit Pages' too;
- `network_report`: per unit, where the package stands, and the quarter's report of the
  city with a row for every unit below it (`phuxanh report --unit CITY --rollup`).

The Pages abroad (`content/demo/`): `setup_international` sets up the office's English and
Korean Pages (a campaign each) and loads `translations-ko.yaml` through the translation
workflow (`load_translations`: an admin sets who reads Korean, the themes are drafted, the
translator writes each text, another reader reviews it); `cards_by_language` counts the
cards the demo rendered in each language.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select

from phuxanh import jobs, review
from phuxanh.core.db import session_scope
from phuxanh.core.errors import NotFound, PermissionDenied, ValidationFailed
from phuxanh.core.settings import ROOT, get_settings
from phuxanh.core.users import add_user
from phuxanh.core.yamlio import load_located, validate_doc
from phuxanh.jobs import engine
from phuxanh.models import (
    Campaign,
    Channel,
    ContentItem,
    Incident,
    ItemStatus,
    PackageDelivery,
    Publication,
    PubState,
    Theme,
    Unit,
    User,
)
from phuxanh.network import packages, units
from phuxanh.planning.campaign import CampaignSpec, ChannelSpec, Person, load_campaign
from phuxanh.publish.channels import add_channel
from phuxanh.sandbox.server import SandboxServer, start_in_thread

DEMO_CAMPAIGN = ROOT / "content" / "campaigns" / "demo.yaml"
NETWORK_UNITS = ROOT / "content" / "network" / "demo-units.yaml"  # demo data
NETWORK_PAGES = ROOT / "content" / "network" / "demo-pages.yaml"  # demo data
INTERNATIONAL = [  # the Pages abroad, a campaign each (demo data)
    ROOT / "content" / "demo" / "campaign-en.yaml",
    ROOT / "content" / "demo" / "campaign-ko.yaml",
]
TRANSLATIONS = [ROOT / "content" / "demo" / "translations-ko.yaml"]  # demo data
SANDBOX_TOKEN_ENV = "PHUXANH_SANDBOX_TOKEN"  # noqa: S105  (a variable's name)
SANDBOX_TOKEN = "sandbox-page-token"  # noqa: S105  (the sandbox's own token, not a secret)
DEMO_PASSWORD = "phuxanh-demo"  # noqa: S105  (the demo team's, on a throwaway demo database)

_servers: list[SandboxServer] = []


def start_sandbox() -> str:
    """A sandbox in this process (the demo's publishing runs here too); returns its URL."""
    os.environ.setdefault(SANDBOX_TOKEN_ENV, SANDBOX_TOKEN)
    server = start_in_thread(tokens={os.environ[SANDBOX_TOKEN_ENV]})
    _servers.append(server)
    return server.public_url


def stop_sandboxes() -> None:
    while _servers:
        _servers.pop().shutdown()


def ensure_team(
    campaign_file: Path = DEMO_CAMPAIGN, *, database_url: str | None = None
) -> list[str]:
    spec = load_campaign(campaign_file)
    made = []
    with session_scope(engine(database_url)) as session:
        for person in spec.team:
            if session.exec(select(User).where(User.username == person.username)).first():
                continue
            add_user(
                session,
                username=person.username,
                unit_code=spec.unit.code,
                role=person.role,
                display_name=person.name,
                password=DEMO_PASSWORD,
                actor="demo",
            )
            made.append(person.username)
    return made


def team_review(campaign_code: str, *, database_url: str | None = None) -> dict[str, Any]:
    """The campaign's editor submits every draft; approvers approve (never their own)."""
    out: dict[str, Any] = {"submitted": 0, "approved": 0, "refused": []}
    with session_scope(engine(database_url)) as session:
        campaign = session.exec(select(Campaign).where(Campaign.code == campaign_code)).one()
        spec = CampaignSpec.model_validate(campaign.config)
        team = {
            u.username: u
            for u in session.exec(
                select(User).where(col(User.username).in_([p.username for p in spec.team]))
            )
        }
        approvers = [team[p.username] for p in spec.team if p.role == "approver"]
        items = session.exec(
            select(ContentItem)
            .where(
                ContentItem.campaign_id == campaign.id,
                col(ContentItem.status).in_([ItemStatus.draft, ItemStatus.in_review]),
            )
            .order_by(col(ContentItem.id))
        ).all()
        for item in items:
            author = session.get(User, item.author_id)
            assert author is not None
            if item.status == ItemStatus.draft:
                review.submit(session, item=item, actor=author)
                out["submitted"] += 1
            if not out["refused"]:  # show once that four-eyes holds: the author tries
                try:
                    review.approve(session, item=item, actor=author)
                except PermissionDenied as exc:
                    out["refused"].append(str(exc))
            for approver in approvers:
                if item.status != ItemStatus.in_review:
                    break
                review.approve(session, item=item, actor=approver)
            if item.status == ItemStatus.scheduled:
                out["approved"] += 1
    return out


# --- the network: offices below the city, a content package, a roll-up report ----------


class UnitPerson(Person):
    """A person of `demo-pages.yaml`: a campaign file's team member, with their unit."""

    unit: str


class NetworkPages(BaseModel):
    """`demo-pages.yaml`: the units' Pages (a campaign file's channels, each with its unit),
    their people, and the units the city's package goes to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: list[ChannelSpec] = Field(min_length=1)
    team: list[UnitPerson] = Field(default_factory=list)
    package_to: list[str] = Field(min_length=1)


def load_pages(path: Path = NETWORK_PAGES) -> NetworkPages:
    doc = load_located(path)
    pages: NetworkPages = validate_doc(doc, NetworkPages)
    problems = [
        f"{path}:{doc.line_of(('channels', i, 'unit'))}: channels[{i}].unit: "
        "missing (the unit whose Page it is)"
        for i, c in enumerate(pages.channels)
        if not c.unit
    ]
    if problems:
        raise ValidationFailed(problems)
    return pages


def setup_network(
    *,
    sandbox_url: str,
    database_url: str | None = None,
    units_file: Path = NETWORK_UNITS,
    pages_file: Path = NETWORK_PAGES,
) -> list[str]:
    """The units below the city (`phuxanh unit import`), each unit's Page on the sandbox
    (`phuxanh channel add`, with the windows and limits of the file) and its people
    (`phuxanh user add`, the demo's password). Returns the units' codes, in file order."""
    pages = load_pages(pages_file)
    doc = load_located(pages_file)
    with session_scope(engine(database_url)) as session:
        units.import_units(session, units_file, actor="demo")
        for i, c in enumerate(pages.channels):
            try:
                channel = add_channel(
                    session,
                    platform=c.platform,
                    name=c.name,
                    account_id=c.account_id,
                    credential_env=c.credential_env,
                    api_base=sandbox_url if c.api_base == "sandbox" else c.api_base,
                    unit_code=c.unit,
                    code=c.code,
                    actor="demo",
                )
            except ValidationFailed as exc:  # name the file and line, as a campaign file does
                where = f"{pages_file}:{doc.line_of(('channels', i))}: channels[{i}]"
                raise ValidationFailed([f"{where}: {p}" for p in exc.problems]) from exc
            channel.posting_windows = list(c.windows)
            channel.max_per_day = c.max_per_day
            channel.min_spacing_minutes = c.min_spacing_minutes
            channel.formats, channel.languages = list(c.formats), list(c.languages)
            channel.audiences = list(c.audiences)
            session.add(channel)
        for person in pages.team:
            add_user(
                session,
                username=person.username,
                unit_code=person.unit,
                role=person.role,
                display_name=person.name,
                password=DEMO_PASSWORD,
                actor="demo",
            )
        return [str(row[1]["code"]) for row in units.read_units_file(units_file)]


def push_package(
    campaign_code: str,
    *,
    now: dt.datetime,
    database_url: str | None = None,
    pages_file: Path = NETWORK_PAGES,
) -> int:
    """The city's editor makes a package of the first approved item of the city's own Page
    that shows a sourced fact on a card (else any card), and sends it to the units of
    `package_to`. Returns the package's id."""
    pages = load_pages(pages_file)
    with session_scope(engine(database_url)) as session:
        campaign = session.exec(select(Campaign).where(Campaign.code == campaign_code)).one()
        spec = CampaignSpec.model_validate(campaign.config)
        editor = session.exec(
            select(User).where(
                col(User.username).in_([p.username for p in spec.team if p.role == "editor"]),
                User.unit_id == campaign.unit_id,
            )
        ).first()
        city_pages = session.exec(select(Channel.id).where(Channel.unit_id == campaign.unit_id))
        own = set(city_pages)
        approved = [
            i
            for i in session.exec(
                select(ContentItem)
                .where(
                    ContentItem.campaign_id == campaign.id,
                    ContentItem.unit_id == campaign.unit_id,
                    col(ContentItem.status).in_(packages.SHAREABLE),
                    col(ContentItem.template_id).is_not(None),
                )
                .order_by(col(ContentItem.scheduled_at), col(ContentItem.id))
            )
            if set(i.channel_ids) <= own and not i.hold_reasons
        ]
        if editor is None or not approved:
            raise NotFound(
                f"campaign {campaign_code}: no approved card of the city's Page and editor "
                "to make the demo's package from"
            )
        item = next((i for i in approved if i.fact_ids), approved[0])
        theme = session.get(Theme, item.theme_id) if item.theme_id else None
        package = packages.make_package(
            session,
            item=item,
            actor=editor,
            title=f"{theme.title_vi if theme else 'Thông tin đối ngoại'} (demo)",
            note="Gói tin demo: mời các đơn vị đăng trên trang của mình.",
        )
        receivers = [units.get(session, code, "package_to") for code in pages.package_to]
        packages.send(session, package=package, actor=editor, units=receivers, now=now)
        assert package.id is not None
        return package.id


def network_review(package_id: int, *, database_url: str | None = None) -> dict[str, Any]:
    """Each receiving unit's editor (the draft's author) adds a line in the unit's name
    above the city's text, submits it, and is refused approval (four eyes); an approver of
    the unit itself approves it. Returns per unit code its item's status, and the refusal."""
    out: dict[str, Any] = {"units": {}, "refused": []}
    with session_scope(engine(database_url)) as session:
        package = packages.find_package(session, package_id)
        sender = session.get(Unit, package.unit_id)
        assert sender is not None
        for delivery in session.exec(
            select(PackageDelivery)
            .where(PackageDelivery.package_id == package_id)
            .order_by(col(PackageDelivery.id))
        ):
            unit = session.get(Unit, delivery.unit_id)
            item = session.get(ContentItem, delivery.item_id) if delivery.item_id else None
            assert unit is not None and item is not None
            author = session.get(User, item.author_id)
            assert author is not None and author.unit_id == unit.id
            if item.status == ItemStatus.draft:
                said = f"{unit.name} chia sẻ thông tin của {sender.name}:\n\n{item.caption}"
                packages.edit_received(
                    session, item=item, actor=author, caption=said, note="Lời dẫn của đơn vị"
                )
                review.submit(session, item=item, actor=author)
            if item.status == ItemStatus.in_review:
                try:
                    review.approve(session, item=item, actor=author)
                except PermissionDenied as exc:
                    out["refused"].append(str(exc))
                approver = session.exec(
                    select(User)
                    .where(User.unit_id == unit.id, User.role == "approver", User.active)
                    .order_by(col(User.username))
                ).first()
                if approver is not None:
                    review.approve(session, item=item, actor=approver)
            out["units"][unit.code] = str(item.status)
    return out


def publish_times_on(
    campaign_code: str, day: dt.date, *, database_url: str | None = None
) -> list[dt.datetime]:
    """When the demo's publishing run wakes up on a local day: the campaign's planned
    times (`jobs.slot_times_on`) and the times of the posts scheduled then on any other
    Page (the units' package drafts)."""
    tz = get_settings().tz
    lo = dt.datetime.combine(day, dt.time(), tz)
    times = set(jobs.slot_times_on(campaign_code, day=day, database_url=database_url))
    with session_scope(engine(database_url)) as session:
        times |= set(
            session.exec(
                select(Publication.scheduled_at).where(
                    Publication.state == PubState.scheduled,
                    col(Publication.scheduled_at) >= lo,
                    col(Publication.scheduled_at) < lo + dt.timedelta(days=1),
                )
            )
        )
    return sorted(t if t.tzinfo else t.replace(tzinfo=dt.UTC) for t in times)


def network_report(
    package_id: int,
    *,
    quarter: str,
    today: dt.date,
    out: Path,
    database_url: str | None = None,
) -> dict[str, Any]:
    """Where the package stands at each unit (`phuxanh package status`) and the quarter's
    report of the sender with a row per unit below it, written as DOCX to `out`
    (`phuxanh report --unit CITY --rollup`)."""
    with session_scope(engine(database_url)) as session:
        package = packages.find_package(session, package_id)
        city = session.get(Unit, package.unit_id)
        maker = session.get(User, package.created_by_id)
        assert city is not None and maker is not None
        rows = packages.deliveries(session, package=package)
        title, city_code, drafter = package.title, city.code, maker.username
    rollup = jobs.report(
        period=quarter,
        unit_code=city_code,
        fmt="docx",
        out=out,
        database_url=database_url,
        today=today,
        rollup=True,
        actor=drafter,  # who made the package drafts the city's report
    )
    return {"package": package_id, "title": title, "deliveries": rows, "rollup": rollup}


def network_lines(network: dict[str, Any]) -> list[str]:
    """What the demo prints about its network: the units, the package, where it stands at
    each unit, and the roll-up report with a row per unit."""
    rollup = network["rollup"]
    lines = [
        f"  units            {rollup['unit']} and the {len(rollup['units']) - 1} units below: "
        + ", ".join(u["unit"] for u in rollup["units"][1:]),
        f"  package          {network['package']}: {network['title']}",
    ]
    for row in network["deliveries"]:
        lines.append(f"    {row.unit:<22} {row.state} on {', '.join(row.channels)}")
    lines.append(f"  roll-up report   {rollup['path']}")
    for u in rollup["units"]:
        lines.append(
            f"    {u['unit']:<22} planned {u['planned']:>3}  published {u['published']:>3}"
            f"  products {u['products']:>3}"
        )
    return lines


# --- a scripted incident ---------------------------------------------------------------

INCIDENT_CLAIM = (
    "Việc hợp nhất tỉnh Hải Dương và thành phố Hải Phòng đã bị hủy bỏ, "
    "hai địa phương trở lại như trước năm 2025."
)
INCIDENT_FACT = "hp-hop-nhat-2025"  # Nghị quyết 202/2025/QH15 says what the claim denies


def incident_drill(
    campaign_code: str, *, out_dir: Path, database_url: str | None = None
) -> dict[str, Any]:
    """A false claim answered the way the office would, on the real clock (each step's time
    in the timeline is when the system did it; the people here act at once): the city's
    editor opens a critical incident (the claim and a public link as evidence), drafts the
    official clarification for the campaign's Pages with the catalog fact that refutes it
    and its source, two approvers approve it, the publishing run posts it at once on every
    Page, the incident is closed and its report written (DOCX and PDF). The spokesperson
    and hotline are demo values (what `unit set-spokesperson` sets). Returns the timeline,
    the seconds from opening to the first post live, and the report paths."""
    from phuxanh.incidents import core as incidents
    from phuxanh.incidents import report as incident_report

    with session_scope(engine(database_url)) as session:
        campaign = session.exec(select(Campaign).where(Campaign.code == campaign_code)).one()
        spec = CampaignSpec.model_validate(campaign.config)
        editor = next(p.username for p in spec.team if p.role == "editor")
        approvers = [p.username for p in spec.team if p.role == "approver"][:2]
        city = session.get(Unit, campaign.unit_id)
        assert city is not None
        city.spokesperson = city.spokesperson or "Người phát ngôn (demo)"
        city.spokesperson_title = city.spokesperson_title or "Chánh Văn phòng (demo)"
        city.hotline = city.hotline or "0225 3000 000 (demo)"
        session.add(city)
        pages = [
            c.code
            for c in session.exec(
                select(Channel)
                .where(col(Channel.id).in_(spec_channel_ids(session, spec)))
                .order_by(col(Channel.code))
            )
        ]
        incident = incidents.open_incident(
            session,
            title="Tin sai về việc hợp nhất Hải Dương - Hải Phòng (demo)",
            claim=INCIDENT_CLAIM,
            evidence=["https://example.com/bai-dang-lan-truyen/123"],
            severity="critical",
            actor=editor,
        )
        assert incident.id is not None
        items = incidents.draft_clarification(
            session,
            incident_id=incident.id,
            actor=editor,
            channel_codes=pages,
            fact_codes=[INCIDENT_FACT],
        )
        session.flush()
    for name in approvers:  # each approver in a transaction of their own, as in the desk
        with session_scope(engine(database_url)) as session:
            approver = session.exec(select(User).where(User.username == name)).one()
            for item_id in [i.id for i in items]:
                item = session.get(ContentItem, item_id)
                assert item is not None
                review.approve(session, item=item, actor=approver)
    incident_id = incident.id
    jobs.publish_due(database_url=database_url)  # the every-minute run, now
    with session_scope(engine(database_url)) as session:
        incidents.close_incident(
            session,
            incident_id=incident_id,
            actor=editor,
            note="Thông tin chính thức đã đăng trên các trang của thành phố (demo).",
        )
    paths = []
    with session_scope(engine(database_url)) as session:
        for fmt in ("docx", "pdf"):
            out = out_dir / f"su-vu-{incident_id}.{fmt}"
            incident_report.write(session, incident_id=incident_id, out=out, fmt=fmt)
            paths.append(str(out))
        steps = incidents.timeline(session, incident_id=incident_id)
        shown = [(s.at, s.what, s.who or "", s.ref or "") for s in steps]
        row = session.get(Incident, incident_id)
        assert row is not None
        seconds = (
            round((row.first_live_at - row.opened_at).total_seconds(), 1)
            if row.first_live_at
            else None
        )
    return {
        "id": incident_id,
        "pages": pages,
        "steps": shown,
        "seconds": seconds,
        "target": row.target_minutes,
        "reports": paths,
    }


def spec_channel_ids(session: Any, spec: CampaignSpec) -> list[int]:
    """The ids of the campaign file's channels."""
    codes = [c.code for c in spec.channels]
    return [i for i in session.exec(select(Channel.id).where(col(Channel.code).in_(codes))) if i]


def incident_lines(drill: dict[str, Any]) -> list[str]:
    """What the demo prints about its incident: the timeline and the report."""
    tz = get_settings().tz
    lines = [
        f"  incident         #{drill['id']} (critical, target {drill['target']} min): "
        f"clarification live on {len(drill['pages'])} Pages {drill['seconds']} s after "
        "opening (the people here act at once)",
    ]
    for at, what, who, ref in drill["steps"]:
        lines.append(f"    {at.astimezone(tz):%d/%m %H:%M:%S}  {what:<10} {who:<24} {ref}")
    for path in drill["reports"]:
        lines.append(f"  incident report  {path}")
    return lines


# --- speaking to the world: the Pages abroad, their translations, cards by language ----


class DemoTranslation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(description="fact | title | message | slogan")
    ref: str = Field(min_length=1)
    text: str = Field(min_length=1)


class Reader(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    username: str
    languages: list[str] = Field(min_length=1)


class DemoTranslations(BaseModel):
    """`translations-LANG.yaml`: who sets, writes and reviews, and the texts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lang: str
    admin: str
    translator: str
    reviewer: str
    people: list[Reader] = Field(default_factory=list)
    themes: list[str] = Field(min_length=1)
    texts: list[DemoTranslation] = Field(min_length=1)


def load_translations(path: Path, *, database_url: str | None = None) -> dict[str, Any]:
    """The translations of `path`, the way an office makes them: the admin sets who reads
    the language (`user languages`), each theme's texts are drafted (`catalog translate`),
    the translator writes each text (`translation set`) and the reviewer reviews it
    (`translation review`); each step audited. A text already reviewed as written is left
    alone (a demo run again on its database). A text the file names that no drafted theme
    has is refused, naming the file and line. Returns how many texts the file has and
    were reviewed now, and the two people."""
    from phuxanh.catalog import translations

    doc = load_located(path)
    spec: DemoTranslations = validate_doc(doc, DemoTranslations)
    reviewed = 0
    with session_scope(engine(database_url)) as session:
        for i, person in enumerate(spec.people):
            try:
                translations.set_languages(
                    session, username=person.username, langs=person.languages, actor=spec.admin
                )
            except (NotFound, PermissionDenied, ValidationFailed) as exc:
                where = f"{path}:{doc.line_of(('people', i))}: people[{i}]"
                raise ValidationFailed([f"{where}: {exc}"]) from exc
        for theme in spec.themes:
            translations.draft_missing(session, lang=spec.lang, theme=theme, actor=spec.translator)
        rows = {(r.kind, r.ref): r for r in translations.list_translations(session, lang=spec.lang)}
        for i, text in enumerate(spec.texts):
            row = rows.get((text.kind, text.ref))
            if row is None or row.id is None:
                raise ValidationFailed(
                    [
                        f"{path}:{doc.line_of(('texts', i, 'ref'))}: texts[{i}].ref: "
                        f"no {text.kind} {text.ref!r} in the themes {', '.join(spec.themes)}"
                    ]
                )
            if row.status == "reviewed" and row.text == text.text:
                continue
            translations.set_text(
                session, translation_id=row.id, text=text.text, actor=spec.translator
            )
            translations.review(session, translation_id=row.id, actor=spec.reviewer)
            reviewed += 1
    return {
        "lang": spec.lang,
        "file": str(path),
        "reviewed": reviewed,
        "texts": len(spec.texts),
        "translator": spec.translator,
        "reviewer": spec.reviewer,
    }


def setup_international(
    *,
    sandbox_url: str,
    database_url: str | None = None,
    campaign_files: list[Path] | None = None,
    translation_files: list[Path] | None = None,
) -> dict[str, Any]:
    """The Pages abroad (each file a campaign of the same office, in its language), their
    people, and the reviewed translations those Pages need. Returns the campaigns' codes
    and what each translation file did."""
    codes = []
    for path in INTERNATIONAL if campaign_files is None else campaign_files:
        codes.append(jobs.setup_campaign(path, sandbox_url=sandbox_url, database_url=database_url))
        ensure_team(path, database_url=database_url)
    done = [
        load_translations(path, database_url=database_url)
        for path in (TRANSLATIONS if translation_files is None else translation_files)
    ]
    return {"campaigns": codes, "translations": done}


def cards_by_language(*, database_url: str | None = None) -> list[dict[str, Any]]:
    """The rendered cards by the language that leads them, in content/languages.yaml's
    order: how many, and the last one's file (to open and look at)."""
    from phuxanh.catalog.languages import supported
    from phuxanh.media import stored

    found: dict[str, dict[str, Any]] = {}
    with session_scope(engine(database_url)) as session:
        rows = session.exec(
            select(ContentItem.language, ContentItem.media_path)
            .where(col(ContentItem.template_id).is_not(None))
            .order_by(col(ContentItem.id))
        )
        for lang, media in rows:
            path = stored.resolve(media)
            if path is None or not path.is_file():
                continue
            entry = found.setdefault(lang, {"lang": lang, "cards": 0})
            entry["cards"] += 1
            entry["example"] = str(path)
    known = supported()
    order = [*(code for code in known if code in found), *sorted(set(found) - set(known))]
    return [
        {**found[code], "name": known[code].name_en if code in known else code} for code in order
    ]


def language_lines(international: dict[str, Any], cards: list[dict[str, Any]]) -> list[str]:
    """What the demo prints about its languages: the translations reviewed, then the cards
    rendered in each language with one to look at."""
    lines = [f"  Pages abroad     campaigns {', '.join(international['campaigns'])}"]
    for done in international["translations"]:
        lines.append(
            f"  translations     {done['lang']}: {done['texts']} texts written by "
            f"{done['translator']}, reviewed by {done['reviewer']} ({done['file']})"
        )
    lines.append("  cards by language")
    for entry in cards:
        lines.append(
            f"    {entry['lang']:<3} {entry['name']:<11} {entry['cards']:>3}  {entry['example']}"
        )
    return lines
