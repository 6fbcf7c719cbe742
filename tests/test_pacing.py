"""One send per channel at a time and the platform's least gap between sends, on SQLite and
PostgreSQL; the claim is one guarded UPDATE (the channel row locked first on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import requests
from sqlalchemy import update
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.compose.items import approve_item, create_item
from phuxanh.models import Publication, PubState
from phuxanh.publish import pacing
from phuxanh.publish.channels import add_channel
from phuxanh.sandbox import demo

T0 = dt.datetime(2026, 4, 29, 1, 0, tzinfo=dt.UTC)


def _telegram_queue(db_url: str, sandbox, n: int) -> list[int]:
    """`n` approved posts on one Telegram channel, all due at T0."""
    jobs.load_catalog(db_url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url=sandbox.public_url, database_url=db_url)
    demo.ensure_team(demo.DEMO_CAMPAIGN, database_url=db_url)
    with Session(jobs.engine(db_url)) as s:
        add_channel(
            s,
            platform="telegram",
            name="Kênh TTĐN",
            account_id="@ttdn",
            credential_env="PHUXANH_SANDBOX_TOKEN",
            api_base=f"{sandbox.public_url}/telegram",
            unit_code=None,
            code="tg",
            actor="test",
        )
        s.commit()
        for i in range(n):
            item = create_item(
                s, channel_code="tg", text=f"Tin số {i + 1}: Hải Phòng.", at=T0, actor="lan.nguyen"
            )
            s.commit()
            approve_item(s, item_id=item.id or 0, actor="minh.tran")
            s.commit()
        return [p.id or 0 for p in s.exec(select(Publication).order_by(Publication.id))]  # type: ignore[arg-type]


def _sent(sandbox) -> int:
    return int(requests.get(f"{sandbox.public_url}/_sandbox/posts", timeout=5).json()["count"])


def test_telegram_posts_keep_their_gap(db_url: str, sandbox) -> None:
    _telegram_queue(db_url, sandbox, 3)
    first = jobs.publish_due(now=T0, database_url=db_url)
    assert first == {"published": 1, "channel_busy": 2}  # 3 s apart on one group
    assert jobs.publish_due(now=T0 + dt.timedelta(seconds=2), database_url=db_url) == {
        "channel_busy": 2
    }
    assert jobs.publish_due(
        now=T0 + dt.timedelta(seconds=3, milliseconds=1), database_url=db_url
    ) == {"published": 1, "channel_busy": 1}
    assert jobs.publish_due(now=T0 + dt.timedelta(seconds=7), database_url=db_url) == {
        "published": 1
    }
    assert _sent(sandbox) == 3


def test_a_send_in_progress_holds_its_channel(db_url: str, sandbox) -> None:
    ids = _telegram_queue(db_url, sandbox, 2)
    with Session(jobs.engine(db_url)) as s:  # another worker is sending the first post
        s.execute(
            update(Publication)
            .where(Publication.id == ids[0])  # type: ignore[arg-type]
            .values(state=PubState.sending, claimed_at=T0 - dt.timedelta(minutes=1), updated_at=T0)
        )
        s.commit()
    assert jobs.publish_due(now=T0 + dt.timedelta(minutes=1), database_url=db_url) == {
        "channel_busy": 1
    }
    assert _sent(sandbox) == 0
    with Session(jobs.engine(db_url)) as s:  # its send left it in doubt: a person will look
        s.execute(
            update(Publication)
            .where(Publication.id == ids[0])  # type: ignore[arg-type]
            .values(state=PubState.needs_check, last_error="lost answer")
        )
        s.commit()
    # each run re-checks it (Telegram cannot say, so it stays needs_check); a check is not
    # a send, so the next post is neither held nor paced by it
    out = jobs.publish_due(now=T0 + dt.timedelta(minutes=2), database_url=db_url)
    assert out == {"needs_check": 1, "published": 1}
    assert _sent(sandbox) == 1


def test_racing_workers_claim_one_post_per_channel(db_url: str, sandbox) -> None:
    ids = _telegram_queue(db_url, sandbox, 6)
    engine = jobs.engine(db_url)
    start, got = threading.Barrier(len(ids)), []

    def worker(pub_id: int) -> None:
        with Session(engine) as s:
            start.wait()
            got.append(
                pacing.claim(
                    s,
                    pub_id=pub_id,
                    channel_id=_channel_of(s, pub_id),
                    platform="wordpress",
                    now=T0,
                    worker=f"w{pub_id}",
                )
            )

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == ["channel_busy"] * 5 + ["claimed"], got
    with Session(engine) as s:
        claimed = s.exec(select(Publication).where(Publication.state == PubState.claimed)).all()
        assert len(claimed) == 1


def _channel_of(session: Session, pub_id: int) -> int:
    pub = session.get(Publication, pub_id)
    assert pub is not None
    return pub.channel_id
