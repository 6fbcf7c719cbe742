"""A person settles what the publisher could not: a needs_check post found live, a missed
post sent again (once), a post cancelled; on SQLite and PostgreSQL, and from the CLI."""

from __future__ import annotations

import json

import pytest
import requests
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.errors import PermissionDenied, ValidationFailed
from phuxanh.models import AuditEvent, ContentItem, ItemStatus, Publication, PubState
from phuxanh.resolve import resolve
from tests.helpers import at, planned_and_rendered
from tests.test_cli import phuxanh
from tests.test_publishing import _approve_all, _posts


def _faults(sandbox, **body: object) -> None:
    requests.post(f"{sandbox.public_url}/_sandbox/faults", json=body, timeout=5)


def _by_state(db_url: str, state: PubState) -> list[Publication]:
    with Session(jobs.engine(db_url)) as s:
        return list(s.exec(select(Publication).where(Publication.state == state)
                           .order_by(Publication.id)))  # type: ignore[arg-type]


def test_needs_check_confirmed_live(db_url: str, sandbox) -> None:
    planned_and_rendered(db_url, sandbox.public_url)
    _approve_all(db_url)
    # the post is made but its answer is lost, and the check that follows fails too
    _faults(sandbox, next=["lose_response"], next_read=["http_500", "http_500"])
    out = jobs.publish_due(now=at(0, 8, 1), database_url=db_url)
    assert out["needs_check"] == 1
    (doubt,) = _by_state(db_url, PubState.needs_check)
    live = next(p for p in _posts(sandbox) if p["id"] not in
                {q.remote_id for q in _by_state(db_url, PubState.published)})
    with Session(jobs.engine(db_url)) as s:
        with pytest.raises(PermissionDenied, match=r"lan\.nguyen is an editor"):
            resolve(s, pub_id=doubt.id or 0, actor="lan.nguyen", live_url="https://x.vn/p")
        with pytest.raises(ValidationFailed, match="exactly one of"):
            resolve(s, pub_id=doubt.id or 0, actor="minh.tran", not_sent=True, cancel="x")
        with pytest.raises(ValidationFailed, match="is not the post's http"):
            resolve(s, pub_id=doubt.id or 0, actor="minh.tran", live_url="facebook")
        pub = resolve(s, pub_id=doubt.id or 0, actor="minh.tran",
                      live_url=f"https://facebook.com/{live['id']}", remote_id=live["id"])
        assert pub.state == PubState.published and pub.remote_id == live["id"]
        with pytest.raises(ValidationFailed, match="is published; only"):
            resolve(s, pub_id=doubt.id or 0, actor="minh.tran", not_sent=True)
        event = s.exec(select(AuditEvent).where(
            AuditEvent.action == "publication.confirmed_live")).one()
        assert event.actor == "minh.tran"
        item = s.get(ContentItem, pub.content_item_id)
        assert item is not None and item.status == ItemStatus.published
    # metrics now read the confirmed post like any other
    got = jobs.collect_metrics(now=at(0, 9, 30), database_url=db_url)
    assert got.get("collected") == 2, got
    assert len(_posts(sandbox)) == 2  # nothing was sent twice


def test_missed_post_sent_again_once_or_cancelled(db_url: str, sandbox) -> None:
    planned_and_rendered(db_url, sandbox.public_url)
    _approve_all(db_url)
    out = jobs.publish_due(now=at(0, 12), database_url=db_url)  # 4 h after 08:00: too late
    assert out == {"missed": 2}
    first, second = _by_state(db_url, PubState.missed)
    with Session(jobs.engine(db_url)) as s:
        again = resolve(s, pub_id=first.id or 0, actor="minh.tran", not_sent=True,
                        at=at(0, 12, 30))
        assert again.state == PubState.scheduled and again.scheduled_at == at(0, 12, 30)
        gone = resolve(s, pub_id=second.id or 0, actor="hoa.pham",
                       cancel="ngày quốc tang: không đăng")
        assert gone.state == PubState.failed and "ngày quốc tang" in (gone.last_error or "")
    assert jobs.publish_due(now=at(0, 12, 31), database_url=db_url) == {"published": 1}
    assert jobs.publish_due(now=at(0, 12, 32), database_url=db_url) == {}
    assert len(_posts(sandbox)) == 1


def test_cli_resolve(tmp_path, sandbox) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'r.db'}"
    jobs.init_db(url)
    planned_and_rendered(url, sandbox.public_url)
    _approve_all(url)
    jobs.publish_due(now=at(0, 12), database_url=url)
    rows = json.loads(phuxanh("item", "list", "--state", "missed", "--json", "--database",
                              url).stdout)
    pub_id = str(rows[0]["publication_id"])
    done = phuxanh("publication", "resolve", pub_id, "--not-sent", "--at",
                   at(0, 13).isoformat(), "--as", "minh.tran", "--database", url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["state"] == "scheduled"
    wrong = phuxanh("publication", "resolve", pub_id, "--live", "https://x.vn", "--as",
                    "minh.tran", "--database", url)
    assert wrong.returncode == 1 and "is scheduled; only needs_check, missed, failed" in \
        wrong.stderr and "Traceback" not in wrong.stderr
