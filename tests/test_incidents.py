"""Incidents: a false claim circulating in public, answered with an official, sourced
clarification on the office's own channels. Two different approvers, then it goes out at
once, ahead of every other due post, through its own incident's pause; the timeline has
every step; no field holds a person's name or profile (evidence is links only)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from phuxanh import jobs, review
from phuxanh.compose.items import create_item
from phuxanh.core.errors import InvalidTransition, PhuxanhError, ValidationFailed
from phuxanh.core.users import add_user
from phuxanh.crud import QueueFilter, queue_page
from phuxanh.incidents.core import (
    TARGET_MINUTES,
    close_incident,
    draft_clarification,
    incident_rows,
    open_incident,
    pause_for_incident,
    timeline,
)
from phuxanh.media import stored
from phuxanh.models import (
    AuditEvent,
    ContentItem,
    Fact,
    Incident,
    ItemStatus,
    Pause,
    Publication,
    PubState,
    Unit,
    utcnow,
)
from phuxanh.notify.my_work import my_work
from phuxanh.publish.channels import add_channel
from phuxanh.publish.pauses import pause
from tests.helpers import refused, run_cli, user

CLAIM = "Hải Phòng cấm toàn bộ xe máy vào nội thành từ tháng tới"
FB = "fb-ttdn-haiphong"


@pytest.fixture
def office(db_url: str, sandbox: Any, given_campaign: Callable[..., str]) -> str:
    """The demo office with a Telegram channel and an X account besides its Facebook
    Pages, and its spokesperson and hotline set."""
    given_campaign(db_url, sandbox.public_url)
    with Session(jobs.engine(db_url)) as s:
        for platform, code, account in (
            ("telegram", "tg-hp", "@ttdn_hp"),
            ("x", "x-hp", "ttdn_hp"),
        ):
            add_channel(
                s,
                platform=platform,
                name=f"TTĐN Hải Phòng ({platform})",
                account_id=account,
                credential_env="PHUXANH_SANDBOX_TOKEN",
                api_base=f"{sandbox.public_url}/{platform}",
                unit_code="ttdn-haiphong",
                code=code,
                actor="test",
            )
        unit = s.exec(select(Unit).where(Unit.code == "ttdn-haiphong")).one()
        unit.spokesperson, unit.spokesperson_title = "Nguyễn Văn An", "Chánh Văn phòng"
        unit.hotline = "0225 3842 000"
        s.add(unit)
        s.commit()
    return db_url


def _facts(s: Session, n: int = 2) -> list[str]:
    facts = [f for f in s.exec(select(Fact).order_by(col(Fact.id))) if f.is_sourced]
    return [f.code for f in facts if len(f.text_vi) <= 200][:n]


def _open(s: Session, severity: str = "critical") -> Incident:
    incident = open_incident(
        s,
        title="Tin đồn cấm xe máy",
        claim=CLAIM,
        evidence=["https://www.facebook.com/some.page/posts/123"],
        severity=severity,
        actor="lan.nguyen",
    )
    s.commit()
    return incident


def _clarify(s: Session, incident: Incident, channels: list[str]) -> list[ContentItem]:
    items = draft_clarification(
        s,
        incident_id=incident.id or 0,
        actor="lan.nguyen",
        channel_codes=channels,
        fact_codes=_facts(s),
    )
    s.commit()
    return items


def _approve(s: Session, items: list[ContentItem], *who: str) -> None:
    for name in who:
        for item in items:
            review.approve(s, item=item, actor=user(s, name))
        s.commit()


def _ordinary(s: Session, channel: str, minutes_ago: int) -> ContentItem:
    """An approved post on `channel`, due `minutes_ago` minutes ago."""
    item = create_item(
        s,
        channel_code=channel,
        text=f"Lịch tiếp công dân tuần này ({channel}).",
        at=utcnow() - dt.timedelta(minutes=minutes_ago),
        actor="lan.nguyen",
    )
    s.commit()
    _approve(s, [item], "minh.tran")
    return item


def _pubs(s: Session, item: ContentItem) -> list[Publication]:
    return list(s.exec(select(Publication).where(Publication.content_item_id == item.id)))


def test_one_approver_is_not_enough(office: str, sandbox: Any) -> None:
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        incident = _open(s)
        items = _clarify(s, incident, [FB, "tg-hp"])
        assert all(i.urgent and i.incident_id == incident.id for i in items)
        assert all(i.status == ItemStatus.in_review for i in items)
        # the desk says two approvers are needed, in the queue and in "Việc của tôi"
        hoa = user(s, "hoa.pham")
        rows = queue_page(s, QueueFilter(statuses=("in_review",)), viewer=hoa).rows
        assert {r.id for r in rows if r.sensitive} >= {i.id for i in items}
        assert [r.id for r in rows[: len(items)]] == sorted(i.id for i in items)  # urgent first
        waiting = {w.item_id: w.sensitive for w in my_work(s, user=hoa).to_approve}
        assert all(waiting[i.id] for i in items)
        _approve(s, items, "minh.tran")
        for item in items:
            s.refresh(item)
            assert item.status == ItemStatus.in_review and _pubs(s, item) == []
            with pytest.raises(InvalidTransition, match="approved"):  # not twice by one
                review.approve(s, item=item, actor=user(s, "minh.tran"))
        with pytest.raises(PhuxanhError):  # nor by its author
            review.approve(s, item=items[0], actor=user(s, "lan.nguyen"))
    assert jobs.publish_due(database_url=office) == {}
    assert sandbox.state.recent("facebook") == [] and sandbox.state.recent("telegram") == []


def test_two_approvers_publish_everywhere_at_once_ahead_of_due_posts(
    office: str, sandbox: Any
) -> None:
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        plain = _ordinary(s, FB, minutes_ago=30)  # due half an hour ago, on the same Page
        incident = _open(s)
        items = _clarify(s, incident, [FB, "tg-hp", "x-hp"])
        assert {i.captions.get("x-hp") is not None for i in items} == {True, False}  # X: short
        first = items[0].caption
        assert first.startswith("THÔNG TIN CHÍNH THỨC") and CLAIM in first
        assert "Nguồn:" in first and "Nguyễn Văn An, Chánh Văn phòng" in first
        assert "0225 3842 000" in first
        card = stored.resolve(items[0].media_path)
        assert card is not None and card.is_file() and card.suffix == ".png"
        _approve(s, items, "minh.tran", "hoa.pham")
        approved_at = utcnow()
        for item in items:
            s.refresh(item)
            (pub,) = _pubs(s, item)
            assert item.status == ItemStatus.scheduled
            assert abs((pub.scheduled_at - approved_at).total_seconds()) < 60  # at once
    outcome = jobs.publish_due(database_url=office)
    assert outcome == {"published": 4}
    again = jobs.publish_due(database_url=office)
    assert again.get("published", 0) == 0  # exactly once
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        assert [p.state for p in _pubs(s, plain)] == [PubState.published]
        pages = sandbox.state.recent("facebook")
        order = sorted(pages, key=lambda p: p["created_at"])
        assert len(order) == 2 and order[0]["message"].startswith("THÔNG TIN CHÍNH THỨC")
        assert order[1]["message"].startswith("Lịch tiếp công dân")
        assert len(sandbox.state.recent("telegram")) == 1 and len(sandbox.state.recent("x")) == 1
        incident = s.get(Incident, incident.id)
        assert incident is not None and incident.first_live_at is not None
        (row,) = incident_rows(s, viewer=user(s, "minh.tran"))
        assert (row.items, row.live, row.breached) == (3, 3, False)
        assert row.target_minutes == TARGET_MINUTES["critical"]
        assert row.elapsed_minutes < 5


def test_an_incident_pause_holds_other_posts_not_the_clarification(
    office: str, sandbox: Any
) -> None:
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        incident = _open(s, "high")
        pause_for_incident(s, incident_id=incident.id or 0, channel_codes=[FB], actor="minh.tran")
        s.commit()
        held = _ordinary(s, FB, minutes_ago=5)
        elsewhere = _ordinary(s, "tg-hp", minutes_ago=5)
        items = _clarify(s, incident, [FB])
        _approve(s, items, "minh.tran", "hoa.pham")
    assert jobs.publish_due(database_url=office) == {"published": 2}
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        assert [p.state for p in _pubs(s, held)] == [PubState.scheduled]
        assert [p.state for p in _pubs(s, elsewhere)] == [PubState.published]
        assert [p.state for p in _pubs(s, items[0])] == [PubState.published]
        # a crisis pause (not an incident's) holds a clarification too
        pause(s, channel_code="tg-hp", reason="Quốc tang", actor="minh.tran")
        s.commit()
        more = _clarify(s, incident, ["tg-hp"])
        _approve(s, more, "minh.tran", "hoa.pham")
    assert jobs.publish_due(database_url=office).get("published", 0) == 0
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        assert [p.state for p in _pubs(s, more[0])] == [PubState.scheduled]
        close_incident(s, incident_id=incident.id or 0, actor="minh.tran", note="Đã cải chính.")
        s.commit()
        assert s.exec(select(Pause).where(Pause.incident_id == incident.id)).one().ended_at
    assert jobs.publish_due(database_url=office) == {"published": 1}  # the held post resumes
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        assert [p.state for p in _pubs(s, held)] == [PubState.published]
        with pytest.raises(InvalidTransition, match="closed"):
            _clarify(s, s.get(Incident, incident.id), [FB])  # type: ignore[arg-type]


def test_the_timeline_has_every_step_with_its_time(office: str, sandbox: Any, capsys: Any) -> None:
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        incident = _open(s)
        pause_for_incident(s, incident_id=incident.id or 0, channel_codes=[FB], actor="minh.tran")
        s.commit()
        items = _clarify(s, incident, [FB, "tg-hp"])
        _approve(s, items, "minh.tran", "hoa.pham")
    jobs.publish_due(database_url=office)
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        close_incident(s, incident_id=incident.id or 0, actor="lan.nguyen", note="Đã cải chính.")
        s.commit()
        steps = timeline(s, incident_id=incident.id or 0)
        urls = {p.remote_url for i in items for p in _pubs(s, i)}
    whats = [x.what for x in steps]
    assert whats[0] == "opened" and whats[-1] == "closed"
    assert whats.count("drafted") == 2 and whats.count("approved") == 4
    assert whats.count("published") == 2 and (
        whats[whats.index("paused")],
        whats[whats.index("resumed")],
    ) == ("paused", "resumed")
    assert {x.who for x in steps if x.what == "approved"} == {"minh.tran", "hoa.pham"}
    assert {x.ref for x in steps if x.what == "published"} == urls and None not in urls
    assert all(x.at.tzinfo is not None for x in steps)
    assert [x.at for x in steps] == sorted(x.at for x in steps)
    assert whats.index("drafted") < whats.index("approved") < whats.index("published")
    code, out, err = run_cli(
        capsys, "incident", "timeline", str(incident.id), "--json", "--database", office
    )
    assert code == 0, err
    import json

    shown = json.loads(out)
    assert [x["what"] for x in shown] == whats
    assert all(dt.datetime.fromisoformat(x["at"]).tzinfo for x in shown)


def test_no_field_holds_a_person_and_evidence_is_links_only(office: str) -> None:
    # what an incident keeps: the claim, links, and the office's own people by id
    assert set(Incident.model_fields) == {
        "id",
        "unit_id",
        "title",
        "claim",
        "evidence",
        "severity",
        "target_minutes",
        "status",
        "owner_id",
        "opened_by_id",
        "opened_at",
        "first_live_at",
        "closed_by_id",
        "closed_at",
        "close_note",
    }
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        for bad in (
            "Nguyễn Văn A",
            "@nguoidung123",
            "facebook.com/nguoidung",
            "javascript:alert(1)",
            "https://user:pw@example.com/p",
            "https://example.com/a b",
            "https://x.com:99999/a",  # no such port
            "0912 345 678",
        ):
            with pytest.raises(ValidationFailed, match="--evidence"):
                open_incident(
                    s,
                    title="T",
                    claim="c",
                    evidence=[bad],
                    severity="low",
                    actor="lan.nguyen",
                )
        incident = open_incident(
            s,
            title="T",
            claim="c",
            evidence=["https://a.example/p/1", "https://a.example/p/1", "http://b.example/x"],
            severity="low",
            actor="lan.nguyen",
        )
        assert incident.evidence == ["https://a.example/p/1", "http://b.example/x"]
        assert incident.target_minutes == 1440


def test_cli_errors_are_one_line_naming_the_flag(office: str, capsys: Any) -> None:
    base = ["incident", "open", "--as", "lan.nguyen", "--database", office]
    good = ["--title", "Tin đồn", "--claim", CLAIM, "--severity", "high"]
    assert "--severity" in refused(capsys, *base, "--title", "T", "--claim", "c", "--severity", "x")
    assert "--claim" in refused(
        capsys, *base, "--title", "T", "--claim", "x" * 501, "--severity", "low"
    )
    assert "--title" in refused(
        capsys, *base, "--title", "\x1b[31mT", "--claim", "c", "--severity", "low"
    )
    assert "--evidence" in refused(capsys, *base, *good, "--evidence", "Nguyễn Văn A")
    assert "--owner" in refused(capsys, *base, *good, "--owner", "nobody")
    assert "--as" in refused(capsys, *base[:2], *good, "--as", "nobody", "--database", office)
    code, out, err = run_cli(capsys, *base, *good, "--evidence", "https://x.example/p/1")
    assert code == 0, err
    incident_id = out.strip().splitlines()[-1]
    clarify = ["incident", "clarify", incident_id, "--as", "lan.nguyen", "--database", office]
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        fact = _facts(s, 1)[0]
    assert "--fact" in refused(capsys, *clarify, "--channel", FB, "--fact", "no-such-fact")
    assert "--channel" in refused(capsys, *clarify, "--channel", "nope", "--fact", fact)
    assert "--text" in refused(
        capsys, *clarify, "--channel", FB, "--fact", fact, "--text", "TODO viết thêm"
    )
    assert "ID" in refused(
        capsys,
        "incident",
        "clarify",
        "999",
        "--channel",
        FB,
        "--fact",
        fact,
        "--as",
        "lan.nguyen",
        "--database",
        office,
    )
    with Session(
        jobs.engine(office), expire_on_commit=False
    ) as s:  # a unit with no spokesperson is named
        unit = s.exec(select(Unit).where(Unit.code == "ttdn-haiphong")).one()
        unit.spokesperson = None
        s.add(unit)
        add_user(s, username="an.le", unit_code="ttdn-haiphong", role="manager", actor="test")
        s.commit()
    line = refused(capsys, *clarify, "--channel", FB, "--fact", fact)
    assert "ttdn-haiphong" in line and "spokesperson" in line
    assert "set-spokesperson" in line
    assert "--as" in refused(
        capsys,
        "unit",
        "set-spokesperson",
        "ttdn-haiphong",
        "--name",
        "Nguyễn Văn An",
        "--title",
        "Chánh Văn phòng",
        "--as",
        "lan.nguyen",
        "--database",
        office,
    )
    code, out, err = run_cli(
        capsys,
        "unit",
        "set-spokesperson",
        "ttdn-haiphong",
        "--name",
        "Trần Thị Bình",
        "--title",
        "Phó Chánh Văn phòng",
        "--as",
        "an.le",
        "--database",
        office,
    )
    assert code == 0, err
    code, out, err = run_cli(capsys, *clarify, "--channel", FB, "--fact", fact)
    assert code == 0, err
    item_id = int(out.strip().splitlines()[-1])
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        item = s.get(ContentItem, item_id)
        assert item is not None and "Trần Thị Bình, Phó Chánh Văn phòng" in item.caption
    assert "--note" in refused(
        capsys,
        "incident",
        "close",
        incident_id,
        "--note",
        " ",
        "--as",
        "minh.tran",
        "--database",
        office,
    )
    assert "--format" in refused(
        capsys, "incident", "report", incident_id, "--format", "odt", "--database", office
    )
    code, out, _ = run_cli(capsys, "incident", "list", "--json", "--database", office)
    assert code == 0 and [r["id"] for r in __import__("json").loads(out)] == [int(incident_id)]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_report_in_the_units_header(
    office: str, sandbox: Any, capsys: Any, tmp_path: Path
) -> None:
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        incident = _open(s)
        items = _clarify(s, incident, [FB, "tg-hp"])
        _approve(s, items, "minh.tran", "hoa.pham")
    jobs.publish_due(database_url=office)
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        close_incident(s, incident_id=incident.id or 0, actor="minh.tran", note="Đã cải chính.")
        s.commit()
        urls = sorted(p.remote_url or "" for i in items for p in _pubs(s, i))
    pdf = tmp_path / "su-co.pdf"
    code, _out, err = run_cli(
        capsys,
        "incident",
        "report",
        str(incident.id),
        "--format",
        "pdf",
        "--out",
        str(pdf),
        "--database",
        office,
    )
    assert code == 0, err
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "BAN TUYÊN GIÁO VÀ DÂN VẬN" in flat and "ĐẢNG CỘNG SẢN VIỆT NAM" in flat
    assert "BÁO CÁO" in flat and "Tin đồn cấm xe máy" in flat
    assert "mục tiêu 60 phút (đạt mục tiêu)" in flat
    assert "Ghi nhận vụ việc" in flat and "Duyệt" in flat and "Kết thúc vụ việc" in flat
    assert all(u.split("//", 1)[1][:20] in flat for u in urls)
    docx = tmp_path / "su-co.docx"
    code, _, err = run_cli(
        capsys,
        "incident",
        "report",
        str(incident.id),
        "--format",
        "docx",
        "--out",
        str(docx),
        "--database",
        office,
    )
    assert code == 0 and docx.stat().st_size > 0, err


def test_the_report_makes_a_missing_folder(office: str, capsys: Any, tmp_path: Path) -> None:
    """`--out` in a folder not there yet: it is made (private, as `press release`, `radio
    bulletin` and `publication export` make theirs); `--out` a folder: su-co-ID.FORMAT in
    it; a file standing where a folder should be is refused naming --out."""
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        incident = _open(s)
    report = ("incident", "report", str(incident.id), "--format", "docx", "--database", office)
    deep = tmp_path / "bao-cao" / "2026" / "su-co.docx"
    code, out, err = run_cli(capsys, *report, "--out", str(deep))
    assert code == 0, err
    assert out.strip() == str(deep) and deep.stat().st_size > 0
    assert deep.parent.stat().st_mode & 0o777 == 0o700
    folder = tmp_path / "gui-ban-tuyen-giao"
    code, out, err = run_cli(capsys, *report, "--out", str(folder))
    assert code == 0, err
    assert out.strip() == str(folder / f"su-co-{incident.id}.docx")
    assert [p.name for p in folder.iterdir()] == [f"su-co-{incident.id}.docx"]
    code, out, err = run_cli(capsys, *report, "--out", str(folder))  # an existing folder
    assert code == 0 and out.strip() == str(folder / f"su-co-{incident.id}.docx"), err
    blocker = tmp_path / "mot-tep"
    blocker.write_text("x", encoding="utf-8")
    wanted = blocker / "con" / "su-co.docx"
    line = refused(capsys, *report, "--out", str(wanted))
    assert line == f"--out: {wanted}: {blocker} is a file, not a folder"
    assert blocker.read_text(encoding="utf-8") == "x"


def test_a_clarification_sent_down_stays_one(office: str) -> None:
    """Pushed to a department as a content package, the city's approved clarification
    arrives there as the department's own draft of the same incident: first in its
    approvers' lists and needing two of them."""
    from phuxanh.network.packages import make_package, send

    with Session(jobs.engine(office), expire_on_commit=False) as s:
        add_user(s, username="thu.le", unit_code="so-vhttdl-haiphong", role="editor")
        s.commit()
        incident = _open(s)
        items = _clarify(s, incident, [FB])
        _approve(s, items, "minh.tran", "hoa.pham")
        lan = user(s, "lan.nguyen")
        package = make_package(s, item=items[0], actor=lan, title="Thông tin chính thức")
        unit = s.exec(select(Unit).where(Unit.code == "so-vhttdl-haiphong")).one()
        sent = send(s, package=package, actor=lan, units=[unit])
        s.commit()
        (delivery,) = sent.deliveries
        got = s.get(ContentItem, delivery.item_id)
        assert got is not None and got.unit_id == unit.id
        assert got.incident_id == incident.id and got.urgent
        assert review.approvals_needed(s, got) == 2


def test_one_clarification_per_channel_and_none_after_closing(office: str) -> None:
    """A second clarification of the same incident on the same channel is refused while
    the first waits; closing withdraws what still waits (an approver closes), an editor
    may not close with one waiting, and a draft left behind is never approved."""
    with Session(jobs.engine(office), expire_on_commit=False) as s:
        incident = _open(s)
        (first,) = _clarify(s, incident, [FB])
        with pytest.raises(ValidationFailed, match=f"#{first.id} of this incident waiting"):
            _clarify(s, incident, [FB, "tg-hp"])
        s.rollback()
        assert len(_pubs(s, first)) == 0
        with pytest.raises(PhuxanhError, match="an approver closes it"):
            close_incident(s, incident_id=incident.id or 0, actor="lan.nguyen", note="Xong.")
        s.rollback()
        close_incident(s, incident_id=incident.id or 0, actor="minh.tran", note="Đã lắng.")
        s.commit()
        s.refresh(first)
        assert first.status == ItemStatus.rejected
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "incident.close")).one().detail[
            "withdrawn"
        ] == [first.id]
        # an item of the closed incident sent back to review is still refused approval
        first.status = ItemStatus.in_review
        s.add(first)
        s.commit()
        with pytest.raises(InvalidTransition, match="closed"):
            review.approve(s, item=first, actor=user(s, "minh.tran"))
