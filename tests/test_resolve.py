"""A person settles what the publisher could not: a needs_check post found live, a missed
post sent again (once), a post cancelled; on SQLite and PostgreSQL, and from the CLI."""

from __future__ import annotations

import json
import sys

import pytest
import requests
from sqlmodel import Session, col, select

from phuxanh import jobs
from phuxanh.core.errors import PermissionDenied, ValidationFailed
from phuxanh.core.users import add_user
from phuxanh.models import AuditEvent, ContentItem, ItemStatus, Publication, PubState, Unit
from phuxanh.publish.resolve import resolve
from tests.helpers import at, planned_and_rendered
from tests.test_cli import phuxanh
from tests.test_publishing import _approve_all, _posts


def _faults(sandbox, **body: object) -> None:
    requests.post(f"{sandbox.public_url}/_sandbox/faults", json=body, timeout=5)


def _by_state(db_url: str, state: PubState) -> list[Publication]:
    with Session(jobs.engine(db_url)) as s:
        return list(
            s.exec(select(Publication).where(Publication.state == state).order_by(Publication.id))
        )  # type: ignore[arg-type]


def test_needs_check_confirmed_live(db_url: str, sandbox, given_campaign) -> None:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    # the post is made but its answer is lost, and the check that follows fails too
    _faults(sandbox, next=["lose_response"], next_read=["http_500", "http_500"])
    out = jobs.publish_due(now=at(0, 8, 1), database_url=db_url)
    assert out["needs_check"] == 1
    (doubt,) = _by_state(db_url, PubState.needs_check)
    live = next(
        p
        for p in _posts(sandbox)
        if p["id"] not in {q.remote_id for q in _by_state(db_url, PubState.published)}
    )
    with Session(jobs.engine(db_url)) as s:
        with pytest.raises(PermissionDenied, match=r"lan\.nguyen is an editor"):
            resolve(s, pub_id=doubt.id or 0, actor="lan.nguyen", live_url="https://x.vn/p")
        with pytest.raises(ValidationFailed, match="exactly one of"):
            resolve(s, pub_id=doubt.id or 0, actor="minh.tran", not_sent=True, cancel="x")
        with pytest.raises(ValidationFailed, match="is not the post's http"):
            resolve(s, pub_id=doubt.id or 0, actor="minh.tran", live_url="facebook")
        pub = resolve(
            s,
            pub_id=doubt.id or 0,
            actor="minh.tran",
            live_url=f"https://facebook.com/{live['id']}",
            remote_id=live["id"],
        )
        assert pub.state == PubState.published and pub.remote_id == live["id"]
        with pytest.raises(ValidationFailed, match="is published; only"):
            resolve(s, pub_id=doubt.id or 0, actor="minh.tran", not_sent=True)
        event = s.exec(
            select(AuditEvent).where(AuditEvent.action == "publication.confirmed_live")
        ).one()
        assert event.actor == "minh.tran"
        item = s.get(ContentItem, pub.content_item_id)
        assert item is not None and item.status == ItemStatus.published
    # metrics now read the confirmed post like any other
    got = jobs.collect_metrics(now=at(0, 9, 30), database_url=db_url)
    assert got.get("collected") == 2, got
    assert len(_posts(sandbox)) == 2  # nothing was sent twice


def test_missed_post_sent_again_once_or_cancelled(db_url: str, sandbox, given_campaign) -> None:
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    out = jobs.publish_due(now=at(0, 12), database_url=db_url)  # 4 h after 08:00: too late
    assert out == {"missed": 2}
    first, second = _by_state(db_url, PubState.missed)
    with Session(jobs.engine(db_url)) as s:
        again = resolve(s, pub_id=first.id or 0, actor="minh.tran", not_sent=True, at=at(0, 12, 30))
        assert again.state == PubState.scheduled and again.scheduled_at == at(0, 12, 30)
        gone = resolve(
            s, pub_id=second.id or 0, actor="hoa.pham", cancel="ngày quốc tang: không đăng"
        )
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
    rows = json.loads(
        phuxanh("item", "list", "--state", "missed", "--json", "--database", url).stdout
    )
    pub_id = str(rows[0]["publication_id"])
    done = phuxanh(
        "publication",
        "resolve",
        pub_id,
        "--not-sent",
        "--at",
        at(0, 13).isoformat(),
        "--as",
        "minh.tran",
        "--database",
        url,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["state"] == "scheduled"
    wrong = phuxanh(
        "publication",
        "resolve",
        pub_id,
        "--live",
        "https://x.vn",
        "--as",
        "minh.tran",
        "--database",
        url,
    )
    assert (
        wrong.returncode == 1
        and "is scheduled; only needs_check, missed, failed" in wrong.stderr
        and "Traceback" not in wrong.stderr
    )


def _cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """Run `phuxanh ARGS` in this process as a person would (`phuxanh.cli.main`): the exit
    code and what it printed on stderr."""
    from phuxanh.cli import main as cli

    monkeypatch.setattr(sys, "argv", ["phuxanh", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    return int(done.value.code or 0), capsys.readouterr().err


def test_resolve_keeps_the_unit_rule_and_takes_only_http_urls(
    db_url: str, sandbox, monkeypatch, capsys, given_campaign
) -> None:
    """Issue 13, Medium 5: an approver of a unit below settled the lead unit's post, and
    `--live` took `javascript:` and markup. Also (Low): the audit row's `from` was the new
    state."""
    given_campaign(db_url, sandbox.public_url)
    _approve_all(db_url)
    assert jobs.publish_due(now=at(0, 12), database_url=db_url) == {"missed": 2}
    with Session(jobs.engine(db_url)) as s:
        units = {u.id: u.code for u in s.exec(select(Unit))}
        late = {
            units[item.unit_id]: (pub.id or 0, item.id)
            for pub, item in s.exec(
                select(Publication, ContentItem).where(
                    Publication.content_item_id == ContentItem.id,
                    Publication.state == PubState.missed,
                )
            )
        }
        (lead, lead_item), (own, _) = late["ttdn-haiphong"], late["dh-y-duoc-haiphong"]
        # an approver of the university, a unit below the lead unit
        add_user(s, username="an.le", unit_code="dh-y-duoc-haiphong", role="approver")
        s.commit()
        with pytest.raises(
            PermissionDenied,
            match=rf"an\.le is not in the unit of item "
            rf"{lead_item}$",
        ):
            resolve(s, pub_id=lead, actor="an.le", not_sent=True)
        for bad in (
            "javascript:alert(document.cookie)",
            "data:text/html,<b>x</b>",
            "https://facebook.com/<script>alert(1)</script>",
            "https://face book.com/1",
            "https://",
            "vbscript:msgbox",
            'https://x.vn/"onmouseover="alert(1)',
        ):
            with pytest.raises(
                ValidationFailed,
                match=r"^--live: .* is not the post's "
                r"http\(s\) URL",
            ):
                resolve(s, pub_id=own, actor="an.le", live_url=bad)
        s.rollback()
    code, err = _cli(
        monkeypatch,
        capsys,
        "publication",
        "resolve",
        str(own),
        "--live",
        "javascript:alert(1)",
        "--as",
        "an.le",
        "--database",
        db_url,
    )
    assert code == 1 and err.startswith("--live: 'javascript:alert(1)' is not the post's")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    code, err = _cli(
        monkeypatch,
        capsys,
        "publication",
        "resolve",
        str(lead),
        "--cancel",
        "x",
        "--as",
        "an.le",
        "--database",
        db_url,
    )
    assert code == 1 and err.strip() == f"error: an.le is not in the unit of item {lead_item}"
    assert len(_by_state(db_url, PubState.missed)) == 2  # nothing changed
    with Session(jobs.engine(db_url)) as s:  # each settled by a person of its unit
        resolve(s, pub_id=own, actor="an.le", live_url="https://facebook.com/1")
        resolve(s, pub_id=lead, actor="minh.tran", cancel="không đăng nữa")
        moves = {
            (e.entity_id, e.detail["from"], e.detail["to"])
            for e in s.exec(
                select(AuditEvent).where(col(AuditEvent.action).startswith("publication.c"))
            )
        }
        assert moves == {(str(own), "missed", "published"), (str(lead), "missed", "failed")}


def test_the_health_page_offers_only_the_posts_of_ones_units(app_db: str) -> None:
    """The settle form lists what the signed-in person may settle (the unit rule), and says
    so when that is nothing."""
    from tests.test_dashboard_pages import _page

    _approve_all(app_db)
    assert jobs.publish_due(now=at(0, 12), database_url=app_db) == {"missed": 2}
    with Session(jobs.engine(app_db)) as s:
        add_user(
            s,
            username="an.le",
            unit_code="dh-y-duoc-haiphong",
            role="approver",
            password="phuxanh-demo",
        )
        add_user(
            s,
            username="binh.vo",
            unit_code="so-vhttdl-haiphong",
            role="approver",
            password="phuxanh-demo",
        )
        s.commit()
        university = s.exec(select(Unit).where(Unit.code == "dh-y-duoc-haiphong")).one()
        own = [
            p.id
            for p, i in s.exec(
                select(Publication, ContentItem).where(
                    Publication.content_item_id == ContentItem.id,
                    Publication.state == PubState.missed,
                    ContentItem.unit_id == university.id,
                )
            )
        ]
    assert len(own) == 1
    assert _page("health", "vi", "an.le").selectbox(key="pub").options == [str(own[0])]
    lead = _page("health", "vi", "minh.tran").selectbox(key="pub").options
    assert len(lead) == 2  # the lead unit oversees both
    other = _page("health", "vi", "binh.vo")
    # another unit's person does not see these posts at all (the desk's unit rule), so has
    # nothing to settle
    assert not other.main.button
    assert "Không có bài nào chờ xử lý." in [i.value for i in other.info]
