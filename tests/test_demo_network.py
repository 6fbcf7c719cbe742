"""The demo's network (phuxanh/sandbox/demo.py, content/network/): the offices below the
city get Pages and people, the city sends one approved item down as a content package,
each office's own approver approves it, the publishing run posts it once on each office's
Page in that office's name, and the quarter's roll-up report has a row for every unit whose
figures add up to its totals. The demo's own first two days, not its whole six weeks."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.core.errors import ValidationFailed
from phuxanh.models import Channel, ContentItem, Unit, User
from phuxanh.network import units
from phuxanh.reports.figures import build
from phuxanh.reports.model import parse_period
from phuxanh.sandbox import demo
from phuxanh.sandbox.server import SandboxServer
from tests.helpers import CAMPAIGN, START, at

CITY = "ttdn-haiphong"


def test_the_demo_network_posts_the_package_on_every_units_page(
    db_url: str,
    sandbox: SandboxServer,
    given_campaign: Callable[..., str],
    tmp_path: Path,
) -> None:
    given_campaign(db_url, sandbox.public_url, days=2)
    demo.team_review(CAMPAIGN, database_url=db_url)  # the city's own drafts approved
    added = demo.setup_network(sandbox_url=sandbox.public_url, database_url=db_url)
    pages = demo.load_pages()
    receivers = list(pages.package_to)
    assert "phuong-do-son" in receivers and set(receivers) <= set(added)

    with Session(jobs.engine(db_url)) as s:
        by_code = {u.code: u for u in s.exec(select(Unit))}
        city = by_code[CITY]
        below = {u.code: u for u in units.below(s, city)}
        levels = sorted(u.level for u in below.values())
        # a city office, two departments, a university and three wards
        assert levels == ["city", "department", "department", "university", "ward", "ward", "ward"]
        assert below["phuong-do-son"].name == "Phường Đồ Sơn"
        # each unit below the city has its own Page
        page_of = {c.unit_id: c for c in s.exec(select(Channel)) if c.unit_id != city.id}
        assert {by_code[code].id for code in below if code != CITY} <= set(page_of)

    package_id = demo.push_package(CAMPAIGN, now=at(0, 7), database_url=db_url)
    reviewed = demo.network_review(package_id, database_url=db_url)
    assert reviewed["units"] == {code: "scheduled" for code in receivers}
    assert reviewed["refused"]  # the author tried to approve and was refused

    with Session(jobs.engine(db_url)) as s:
        for code in receivers:
            unit = by_code[code]
            item = s.exec(
                select(ContentItem).where(
                    ContentItem.unit_id == unit.id,
                    ContentItem.content_ref == f"package:{package_id}",
                )
            ).one()
            author = s.get(User, item.author_id)
            assert author is not None and author.unit_id == unit.id  # the unit's own

    for day in (0, 1):
        for when in demo.publish_times_on(
            CAMPAIGN, START + dt.timedelta(days=day), database_url=db_url
        ):
            jobs.publish_due(now=when + dt.timedelta(minutes=1), database_url=db_url)
    jobs.collect_metrics(now=at(3, 6), database_url=db_url)

    names = {code: by_code[code].name for code in receivers}
    for code in receivers:
        page = page_of[by_code[code].id]
        posts = sandbox.state.recent("facebook", page.account_id)
        assert len(posts) == 1, code  # once on the unit's own Page
        said = json.dumps(posts[0], ensure_ascii=False)
        assert names[code] in said, code  # in the unit's own name
        assert all(other not in said for c, other in names.items() if c != code)
        assert f"utm_source={page.code}" in said and "utm_source=fb-ttdn-haiphong" not in said

    quarter = f"{START.year}-Q{(START.month - 1) // 3 + 1}"
    out = tmp_path / "tong-hop.docx"
    network = demo.network_report(
        package_id, quarter=quarter, today=at(3, 6).date(), out=out, database_url=db_url
    )
    assert {r.unit: r.state for r in network["deliveries"]} == {
        code: "published" for code in receivers
    }
    rollup = network["rollup"]
    assert [u["unit"] for u in rollup["units"]] == list(below)  # every unit, the city first
    published = {u["unit"]: u["published"] for u in rollup["units"]}
    assert all(published[code] == 1 for code in receivers)
    assert published[CITY] > 0
    for key in ("planned", "published", "products"):
        assert rollup[key] == sum(u[key] for u in rollup["units"]), key
    with Session(jobs.engine(db_url)) as s:  # the report's own rows, reach included
        report = build(
            s, period=parse_period(quarter), tz=jobs.get_settings().tz, unit_code=CITY, rollup=True
        )
    for key in ("planned", "approved", "published", "products", "shortfall", "reach"):
        assert getattr(report.totals, key) == sum(getattr(u, key) or 0 for u in report.units), key
    assert report.totals.reach  # the metrics run read the units' posts too
    words = "\n".join(c.text for t in Document(str(out)).tables for r in t.rows for c in r.cells)
    assert all(u.name in words for u in below.values())
    lines = "\n".join(demo.network_lines(network))
    assert str(out) in lines and all(f"{code} " in lines for code in receivers)


def test_a_pages_file_names_the_line_of_its_problem(tmp_path: Path) -> None:
    bad = tmp_path / "pages.yaml"
    bad.write_text(
        "channels:\n  - {code: fb-x, platform: facebook, name: X, account_id: '1',\n"
        "     api_base: sandbox, credential_env: PHUXANH_SANDBOX_TOKEN, windows: ['09:00-10:00']}\n"
        "package_to: [phuong-do-son]\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed, match=r"pages\.yaml:2: channels\[0\]\.unit: missing"):
        demo.load_pages(bad)
    bad.write_text("channels: []\npackage_to: []\nteams: []\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        demo.load_pages(bad)
    said = "\n".join(map(str, caught.value.problems))
    assert "pages.yaml:3: teams" in said and "pages.yaml:1: channels" in said
