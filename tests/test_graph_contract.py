"""A Facebook channel pointed at a Graph API server that is not the sandbox
(`tests/graph_contract.py`, written from the reference alone): text with a link, a photo
and a Reel go out through the publisher, once each, and their insights come back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.compose.items import approve_item, create_item
from phuxanh.models import MetricSnapshot, Publication, PubState
from phuxanh.publish.channels import add_channel, check_channels
from phuxanh.sandbox import demo
from phuxanh.sandbox.samples import tiny_card, tiny_clip
from tests.graph_contract import PAGE, TOKEN, VERSION, GraphContract

T0 = dt.datetime(2026, 5, 19, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def graph() -> Iterator[GraphContract]:
    server = GraphContract().start()
    yield server
    server.shutdown()
    server.server_close()


def test_text_photo_and_reel_then_insights(
    db_url: str, graph: GraphContract, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTRACT_PAGE_TOKEN", TOKEN)
    jobs.load_catalog(db_url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url="http://127.0.0.1:9", database_url=db_url)
    demo.ensure_team(demo.DEMO_CAMPAIGN, database_url=db_url)
    card, clip = tiny_card(tmp_path / "card.png"), tiny_clip(tmp_path / "reel.mp4")
    posts = [
        ("Hải Phòng: thành phố cảng xanh, văn minh, hiện đại.", None),
        ("Ngày hội non sông 15/3/2026.", card),
        ("Cảng Lạch Huyện nhìn từ trên cao.", clip),
    ]
    with Session(jobs.engine(db_url)) as s:
        add_channel(
            s,
            platform="facebook",
            name="Trang TTĐN",
            account_id=PAGE,
            credential_env="CONTRACT_PAGE_TOKEN",
            api_base=graph.url,
            unit_code=None,
            code="fb-contract",
            actor="test",
        )
        s.commit()
        checked = check_channels(s, code="fb-contract")[0]
        assert checked["ok"] is True, checked
        for i, (text, media) in enumerate(posts):
            item = create_item(
                s,
                channel_code="fb-contract",
                text=text,
                media=media,
                at=T0 + dt.timedelta(hours=i),
                actor="lan.nguyen",
                link="https://haiphong.gov.vn/" if media is None else None,
            )
            s.commit()
            approve_item(s, item_id=item.id or 0, actor="minh.tran")
            s.commit()
    sent = [
        jobs.publish_due(now=T0 + dt.timedelta(hours=i, minutes=1), database_url=db_url)
        for i in range(3)
    ]
    assert sent == [{"published": 1}, {"published": 1}, {"processing": 1}]  # Graph processes
    polled = jobs.publish_due(now=T0 + dt.timedelta(hours=2, minutes=2), database_url=db_url)
    assert polled == {"published": 1}
    assert len(graph.posts) == 2 and len(graph.reels) == 1  # each once
    assert next(iter(graph.reels.values()))["description"] == posts[2][0]
    assert {p["link"] for p in graph.posts.values() if "photo" not in p} == {
        "https://haiphong.gov.vn/"
    }
    reel_calls = [
        (m, path, f.get("upload_phase"))
        for m, path, f in graph.calls
        if "video_reels" in path or "video-upload" in path
    ]
    assert reel_calls == [
        ("POST", f"/{VERSION}/{PAGE}/video_reels", "start"),
        ("POST", f"/video-upload/{VERSION}/{next(iter(graph.reels))}", None),
        ("POST", f"/{VERSION}/{PAGE}/video_reels", "finish"),
    ]
    metrics = jobs.collect_metrics(now=T0 + dt.timedelta(hours=4), database_url=db_url)
    assert metrics == {"collected": 3}
    with Session(jobs.engine(db_url)) as s:
        pubs = s.exec(select(Publication)).all()
        assert {p.state for p in pubs} == {PubState.published}
        assert all(p.remote_url for p in pubs)
        readings = s.exec(select(MetricSnapshot)).all()
    assert len(readings) == 3
    assert all(
        r.views == 40 and r.reach == 41 and r.clicks == 42 and r.comments == 2 for r in readings
    ), [(r.views, r.reach, r.clicks) for r in readings]
    insight_calls = [path for m, path, f in graph.calls if path.endswith("/insights")]
    assert len(insight_calls) == 3
