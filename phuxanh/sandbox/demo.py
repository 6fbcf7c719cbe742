"""The demo campaign's own steps: its team, and the team's review of the drafts.

Everything else the demo does is the daily run itself (`phuxanh.jobs`), driven by the
Prefect flows in `flows/demo.py` over a simulated fortnight against the local sandbox.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from phuxanh import review
from phuxanh.core.db import session_scope
from phuxanh.core.errors import PermissionDenied
from phuxanh.core.settings import ROOT
from phuxanh.core.users import add_user
from phuxanh.jobs import engine
from phuxanh.models import Campaign, ContentItem, ItemStatus, User
from phuxanh.planning.campaign import CampaignSpec, load_campaign
from phuxanh.sandbox.server import SandboxServer, start_in_thread

DEMO_CAMPAIGN = ROOT / "content" / "campaigns" / "demo.yaml"
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
