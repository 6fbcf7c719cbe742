"""Best time to post from the channel's own history, and the planner leaning on it only
once the history is large enough."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.core.settings import get_settings
from phuxanh.models import Channel, ContentItem, Publication, Slot, User
from phuxanh.planning import best_time
from phuxanh.sandbox import demo

MONDAY = dt.date(2026, 3, 2)


def _history(db_url: str, channel_code: str, posts: int) -> None:
    """`posts` past posts on Mondays: 20:00 reaches 900 people, 19:30 reaches 300."""
    tz = get_settings().tz
    with Session(jobs.engine(db_url)) as s:
        channel = s.exec(select(Channel).where(Channel.code == channel_code)).one()
        author = s.exec(select(User)).first()
        for i in range(posts):
            day = MONDAY - dt.timedelta(weeks=1 + i // 2)
            at = dt.datetime.combine(day, dt.time(20, 0) if i % 2 else dt.time(19, 30), tz)
            item = ContentItem(
                unit_id=channel.unit_id,
                caption=f"cũ {i}",
                author_id=author.id,
                channel_ids=[channel.id],
                status="published",
                scheduled_at=at,
            )
            s.add(item)
            s.flush()
            s.add(
                Publication(
                    content_item_id=item.id,
                    channel_id=channel.id,
                    scheduled_at=at,
                    state="published",
                    idempotency_key=f"old-{channel_code}-{i}",
                    approved_hash="0" * 64,
                    remote_id=f"r{i}",
                    published_at=at,
                    latest_reach=900 if i % 2 else 300,
                )
            )
        s.commit()


def _setup(db_url: str) -> str:
    jobs.load_catalog(db_url)
    code = jobs.setup_campaign(
        demo.DEMO_CAMPAIGN, sandbox_url="http://127.0.0.1:9", database_url=db_url
    )
    demo.ensure_team(demo.DEMO_CAMPAIGN, database_url=db_url)
    return code


def _evening_slot(db_url: str) -> dt.time:
    tz = get_settings().tz
    with Session(jobs.engine(db_url)) as s:
        channel = s.exec(select(Channel).where(Channel.code == "fb-vhttdl-haiphong")).one()
        slot = s.exec(select(Slot).where(Slot.channel_id == channel.id)).one()
        return slot.scheduled_at.astimezone(tz).time()


def test_history_cells_and_the_hint_threshold(db_url: str) -> None:
    _setup(db_url)
    _history(db_url, "fb-vhttdl-haiphong", 20)
    with Session(jobs.engine(db_url)) as s:
        channel = s.exec(select(Channel).where(Channel.code == "fb-vhttdl-haiphong")).one()
        cells = best_time.history(s, channel_id=channel.id, tz=get_settings().tz)
    assert [(c.weekday, c.hour, c.posts, c.mean_reach) for c in cells] == [
        (0, 19, 10, 300.0),
        (0, 20, 10, 900.0),
    ]
    assert best_time.hint(cells) is None  # 20 posts: too few to lean on


def test_small_history_changes_nothing(db_url: str) -> None:
    code = _setup(db_url)
    _history(db_url, "fb-vhttdl-haiphong", 20)
    jobs.plan_days(code, start=MONDAY, days=1, database_url=db_url)
    assert _evening_slot(db_url) == dt.time(19, 30)  # the window's start, as configured


def test_large_history_moves_the_slot_to_the_best_half_hour(db_url: str) -> None:
    code = _setup(db_url)
    _history(db_url, "fb-vhttdl-haiphong", 40)
    jobs.plan_days(code, start=MONDAY, days=1, database_url=db_url)
    assert _evening_slot(db_url) == dt.time(20, 0)  # still inside 19:30-20:30


def test_best_time_command(tmp_path) -> None:
    import json

    from tests.test_cli import phuxanh

    url = f"sqlite:///{tmp_path / 'b.db'}"
    jobs.init_db(url)
    _setup(url)
    _history(url, "fb-vhttdl-haiphong", 40)
    out = json.loads(
        phuxanh(
            "metrics", "best-time", "--channel", "fb-vhttdl-haiphong", "--json", "--database", url
        ).stdout
    )
    assert out["posts"] == 40 and out["planner_uses_it"] is True
    assert {"weekday": 0, "hour": 20, "posts": 20, "mean_reach": 900.0} in out["cells"]
    missing = phuxanh("metrics", "best-time", "--channel", "nope", "--database", url)
    assert missing.returncode == 1 and "no channel 'nope'" in missing.stderr
