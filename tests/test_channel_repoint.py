"""Where a channel posts: a campaign file that re-points a channel is audited and sends what
was approved for the old destination back to review; a credential variable is never one of
phuxanh's own secrets; `plan` is one transaction with one clear error (issue 13, #4 #10)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, inspect, table
from sqlmodel import Session, select

from phuxanh import jobs, review
from phuxanh.cli import main as cli
from phuxanh.compose.items import create_item
from phuxanh.core.errors import PhuxanhError
from phuxanh.models import (
    AuditEvent,
    Campaign,
    Channel,
    ContentItem,
    ItemStatus,
    Publication,
    PubState,
    Slot,
)
from phuxanh.publish.publisher import transition
from phuxanh.sandbox import demo
from tests.helpers import user

PNG = Path(__file__).parent / "data" / "tiny.png"
ALL_PLATFORMS = Path(__file__).parent / "data" / "campaign-all-platforms.yaml"
OLD_PAGE, NEW_PAGE = "100000000000001", "100000000000999"
AT = dt.datetime(2026, 4, 29, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """`phuxanh ARGS` in this process, through `cli.main` (its one-line error handling)."""
    monkeypatch.setattr(sys, "argv", ["phuxanh", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    out = capsys.readouterr()
    return int(done.value.code or 0), out.out, out.err


def counts(db_url: str) -> dict[str, int]:
    """Rows per table (every table the database has)."""
    engine = jobs.engine(db_url)
    with Session(engine) as s:
        return {
            name: s.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in inspect(engine).get_table_names()
        }


def plan(
    monkeypatch,
    capsys,
    db_url: str,
    campaign: Path,
    sandbox_url: str,
) -> tuple[int, str, str]:
    return run(
        monkeypatch,
        capsys,
        "plan",
        "--campaign",
        str(campaign),
        "--from",
        "2026-04-27",
        "--to",
        "2026-04-28",
        "--sandbox-url",
        sandbox_url,
        "--database",
        db_url,
    )


def demo_copy(tmp_path: Path, name: str = "a.yaml", **replace: str) -> Path:
    text = demo.DEMO_CAMPAIGN.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def approved_item(db_url: str, campaign: Path, when: dt.datetime = AT) -> int:
    """An item on the demo's first Page, approved by a second person: scheduled."""
    demo.ensure_team(campaign, database_url=db_url)
    with Session(jobs.engine(db_url)) as s:  # two sessions, as `item create` and `approve`
        item = create_item(
            s,
            channel_code="fb-ttdn-haiphong",
            at=when,
            actor="lan.nguyen",
            text=f"Hải Phòng chào đón du khách dịp 30/4 ({when:%H:%M}).",
            media=PNG,
        )
        s.commit()
        item_id = item.id
    with Session(jobs.engine(db_url)) as s:
        item = s.get(ContentItem, item_id)
        assert item is not None and item_id is not None
        review.approve(s, item=item, actor=user(s, "minh.tran"))
        s.commit()
        assert item.status == ItemStatus.scheduled
        return item_id


def test_a_campaign_file_that_repoints_a_channel_sends_its_approved_items_back_to_review(
    db_url: str, sandbox, tmp_path: Path, monkeypatch, capsys
) -> None:
    jobs.load_catalog(db_url)
    first = demo_copy(tmp_path)
    assert plan(monkeypatch, capsys, db_url, first, sandbox.public_url)[0] == 0
    item_id = approved_item(db_url, first)
    moved = demo_copy(
        tmp_path, "b.yaml", **{f'account_id: "{OLD_PAGE}"': f'account_id: "{NEW_PAGE}"'}
    )
    code, _, err = plan(monkeypatch, capsys, db_url, moved, sandbox.public_url)
    assert code == 0, err
    with Session(jobs.engine(db_url)) as s:
        channel = s.exec(select(Channel).where(Channel.code == "fb-ttdn-haiphong")).one()
        assert channel.account_id == NEW_PAGE
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "channel.repointed")).one()
        assert event.entity_id == "fb-ttdn-haiphong" and event.actor == "plan"
        assert event.detail["changed"] == ["account_id"]
        assert event.detail["before"]["account_id"] == OLD_PAGE
        assert event.detail["after"]["account_id"] == NEW_PAGE
        assert event.detail["before"]["credential_ref"] == "env:PHUXANH_SANDBOX_TOKEN"
        assert event.detail["back_to_review"] == [item_id]
        assert event.detail["source"].startswith(f"{moved}:")
        assert "sandbox-page-token" not in json.dumps(event.detail)  # names, never values
        item = s.get(ContentItem, item_id)
        assert item is not None and item.status == ItemStatus.in_review
        assert s.exec(select(Publication)).all() == []
        reopened = s.exec(select(AuditEvent).where(AuditEvent.action == "item.reopen")).one()
        assert reopened.entity_id == str(item_id)
    # nothing goes to the new account until a person approves it for the new account
    after = AT + dt.timedelta(minutes=1)
    assert "published" not in jobs.publish_due(now=after, database_url=db_url)
    assert sandbox.state.recent("facebook") == []
    with Session(jobs.engine(db_url)) as s:
        item = s.get(ContentItem, item_id)
        assert item is not None
        review.approve(s, item=item, actor=user(s, "hoa.pham"))
        s.commit()
    assert jobs.publish_due(now=after, database_url=db_url) == {"published": 1}
    assert [p["page_id"] for p in sandbox.state.recent("facebook")] == [NEW_PAGE]
    # planning the same file again changes nothing and records nothing more
    assert plan(monkeypatch, capsys, db_url, moved, sandbox.public_url)[0] == 0
    with Session(jobs.engine(db_url)) as s:
        assert (
            len(s.exec(select(AuditEvent).where(AuditEvent.action == "channel.repointed")).all())
            == 1
        )


def test_a_repoint_leaves_a_post_in_doubt_alone(
    db_url: str, sandbox, tmp_path: Path, monkeypatch, capsys
) -> None:
    """A post whose answer was lost (needs_check) may be live on the old account: its item
    is not touched; the item not yet sent goes back to review."""
    jobs.load_catalog(db_url)
    first = demo_copy(tmp_path)
    assert plan(monkeypatch, capsys, db_url, first, sandbox.public_url)[0] == 0
    doubtful = approved_item(db_url, first)
    waiting = approved_item(db_url, first, AT + dt.timedelta(hours=3))
    requests.post(
        f"{sandbox.public_url}/_sandbox/faults",
        timeout=5,
        json={"next": ["lose_response"], "next_read": ["http_500", "http_500"]},
    )
    assert jobs.publish_due(now=AT + dt.timedelta(minutes=1), database_url=db_url) == {
        "needs_check": 1
    }
    moved = demo_copy(
        tmp_path, "b.yaml", **{f'account_id: "{OLD_PAGE}"': f'account_id: "{NEW_PAGE}"'}
    )
    code, _, err = plan(monkeypatch, capsys, db_url, moved, sandbox.public_url)
    assert code == 0, err
    with Session(jobs.engine(db_url)) as s:
        pubs = {p.content_item_id: p for p in s.exec(select(Publication))}
        assert set(pubs) == {doubtful} and pubs[doubtful].state == PubState.needs_check
        statuses = {i: s.get(ContentItem, i).status for i in (doubtful, waiting)}  # type: ignore[union-attr]
        assert statuses == {doubtful: ItemStatus.scheduled, waiting: ItemStatus.in_review}
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "channel.repointed")).one()
        assert event.detail["back_to_review"] == [waiting]
        assert event.detail["left_as_is"] == [pubs[doubtful].id]


def test_a_repoint_waits_while_a_post_is_being_sent(
    db_url: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    jobs.load_catalog(db_url)
    first = demo_copy(tmp_path)
    assert plan(monkeypatch, capsys, db_url, first, "http://127.0.0.1:9")[0] == 0
    item_id = approved_item(db_url, first)
    with Session(jobs.engine(db_url)) as s:  # a worker has claimed it and is sending
        pub_id = s.exec(select(Publication.id).where(Publication.content_item_id == item_id)).one()
        assert transition(
            s,
            pub_id or 0,
            expect=PubState.scheduled,
            state=PubState.sending,
            claimed_by="worker-1",
            claimed_at=AT,
        )
    before = counts(db_url)
    moved = demo_copy(
        tmp_path, "b.yaml", **{f'account_id: "{OLD_PAGE}"': f'account_id: "{NEW_PAGE}"'}
    )
    code, out, err = plan(monkeypatch, capsys, db_url, moved, "http://127.0.0.1:9")
    line = next(
        n
        for n, text in enumerate(moved.read_text().splitlines(), 1)
        if "- code: fb-ttdn-haiphong" in text
    )
    assert (
        code == 1
        and out == ""
        and err.splitlines()
        == [
            f"{moved}:{line}: channels[0]: channel 'fb-ttdn-haiphong' is sending publication "
            f"{pub_id} right now; change where it posts when that has settled (run plan again "
            "in a minute)"
        ]
    )
    assert counts(db_url) == before
    with Session(jobs.engine(db_url)) as s:
        channel = s.exec(select(Channel).where(Channel.code == "fb-ttdn-haiphong")).one()
        assert channel.account_id == OLD_PAGE
        assert s.get(Publication, pub_id).state == PubState.sending  # type: ignore[union-attr]


@pytest.mark.parametrize("variable", ["PHUXANH_SECRET_KEY", "DATABASE_URL", "PATH"])
def test_a_campaign_file_may_not_name_phuxanhs_own_secret_as_a_credential(
    db_url: str, tmp_path: Path, monkeypatch, capsys, variable: str
) -> None:
    jobs.load_catalog(db_url)
    first = demo_copy(tmp_path)
    assert plan(monkeypatch, capsys, db_url, first, "http://127.0.0.1:9")[0] == 0
    before = counts(db_url)
    stolen = demo_copy(
        tmp_path,
        "b.yaml",
        **{
            f'account_id: "{OLD_PAGE}"': f'account_id: "{NEW_PAGE}"',
            "credential_env: PHUXANH_SANDBOX_TOKEN": f"credential_env: {variable}",
        },
    )
    code, out, err = plan(monkeypatch, capsys, db_url, stolen, "http://127.0.0.1:9")
    line = next(
        n
        for n, text in enumerate(stolen.read_text().splitlines(), 1)
        if f"credential_env: {variable}" in text
    )
    assert code == 1 and out == ""
    assert err.splitlines() == [
        f"{stolen}:{line}: channels[0].credential_env: {variable} "
        + (
            "is one of phuxanh's own settings or secrets"
            if variable != "PATH"
            else "belongs to the system or a tool phuxanh runs on"
        )
        + ", never a channel's token: name a variable of its own (e.g. FB_TTDN_TOKEN)"
    ]
    assert counts(db_url) == before
    with Session(jobs.engine(db_url)) as s:
        channel = s.exec(select(Channel).where(Channel.code == "fb-ttdn-haiphong")).one()
        assert (channel.account_id, channel.credential_ref) == (
            OLD_PAGE,
            "env:PHUXANH_SANDBOX_TOKEN",
        )


def test_channel_add_refuses_a_protected_credential_variable(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    jobs.init_db(url)
    jobs.load_catalog(url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url="http://127.0.0.1:9", database_url=url)
    before = counts(url)
    for variable in (
        "PHUXANH_SECRET_KEY",
        "PHUXANH_AUDIT_KEY",
        "DATABASE_URL",
        "HOME",
        "PREFECT_API_KEY",
    ):
        code, out, err = run(
            monkeypatch,
            capsys,
            "channel",
            "add",
            "--platform",
            "facebook",
            "--name",
            "Cổng Hải An",
            "--account-id",
            "42",
            "--credential-env",
            variable,
            "--database",
            url,
        )
        assert code == 1 and out == "", (variable, out)
        assert len(err.splitlines()) == 1
        assert err.startswith(f"--credential-env: {variable} ") and "never a channel's token" in err
    assert counts(url) == before
    code, out, err = run(
        monkeypatch,
        capsys,
        "channel",
        "add",
        "--platform",
        "facebook",
        "--name",
        "Cổng Hải An",
        "--account-id",
        "42",
        "--credential-env",
        "PHUXANH_SANDBOX_TOKEN",
        "--database",
        url,
    )
    assert code == 0 and "added" in out, err  # the documented sandbox token is a credential


@pytest.mark.parametrize("variable", ["PHUXANH_SECRET_KEY", "PREFECT_API_KEY"])
def test_a_stored_channel_never_sends_a_protected_variable_as_its_token(
    tmp_path: Path, sandbox, monkeypatch, variable: str
) -> None:
    """A channel written before the rule (or by hand) that names a protected variable: the
    publisher refuses to read it, stops the channel and sends nothing."""
    url = f"sqlite:///{tmp_path / 'c.db'}"
    jobs.init_db(url)
    jobs.load_catalog(url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url=sandbox.public_url, database_url=url)
    item_id = approved_item(url, demo.DEMO_CAMPAIGN)
    with Session(jobs.engine(url)) as s:
        channel = s.exec(select(Channel).where(Channel.code == "fb-ttdn-haiphong")).one()
        channel.credential_ref = f"env:{variable}"
        s.add(channel)
        s.commit()
    monkeypatch.setenv(variable, "sandbox-page-token")  # the sandbox would accept it
    outcome = jobs.publish_due(now=AT + dt.timedelta(minutes=1), database_url=url)
    assert outcome == {"config_error": 1}
    assert sandbox.state.recent("facebook") == []
    with Session(jobs.engine(url)) as s:
        channel = s.exec(select(Channel).where(Channel.code == "fb-ttdn-haiphong")).one()
        assert channel.paused and variable in (channel.last_error or "")
        assert "sandbox-page-token" not in (channel.last_error or "")
        item = s.get(ContentItem, item_id)
        assert item is not None and item.status == ItemStatus.scheduled  # its queue is kept


def test_plan_refuses_a_channel_another_campaign_plans_and_writes_nothing(
    db_url: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    jobs.load_catalog(db_url)
    code, _, err = plan(monkeypatch, capsys, db_url, ALL_PLATFORMS, "http://127.0.0.1:9")
    assert code == 0, err
    before = counts(db_url)
    other = tmp_path / "other.yaml"
    other.write_text(
        "code: other-2026\n"
        "name: Chiến dịch khác\n"
        "unit: {code: so-ngoai-vu-hp, name: Sở Ngoại vụ Hải Phòng, level: department}\n"
        "brand: ttdn-haiphong\n"
        "period: {from: 2026-01-01, to: 2026-12-31}\n"
        "channels:\n"
        "  - {code: fb-snv, platform: facebook, name: Sở Ngoại vụ, account_id: '9',"
        " api_base: sandbox, credential_env: T, windows: ['08:00-09:00']}\n"
        "  - {code: fb-hp, platform: facebook, name: Facebook HP, account_id: '1',"
        " api_base: sandbox, credential_env: T, windows: ['08:00-09:00']}\n"
        "themes:\n"
        "  - {code: hai-phong-cang-xanh, per_week: 5}\n",
        encoding="utf-8",
    )
    code, out, err = plan(monkeypatch, capsys, db_url, other, "http://127.0.0.1:9")
    assert code == 1 and out == "" and "Traceback" not in err
    assert err.splitlines() == [
        f"{other}:8: channels[1].code: channel 'fb-hp' belongs to campaign 'all-platforms' "
        "(unit ttdn-haiphong, 01/01/2026–31/12/2027); a channel is planned by one campaign "
        "at a time: give this one its own code"
    ]
    assert counts(db_url) == before  # no campaign, unit or channel of the failed plan stays


def test_plan_refuses_another_units_channel(
    db_url: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    """A channel added for one unit (`channel add`) is not taken over by a campaign file of
    another unit."""
    jobs.load_catalog(db_url)
    assert plan(monkeypatch, capsys, db_url, demo_copy(tmp_path), "http://127.0.0.1:9")[0] == 0
    code, _, err = run(
        monkeypatch,
        capsys,
        "channel",
        "add",
        "--platform",
        "facebook",
        "--name",
        "Du lịch",
        "--account-id",
        "77",
        "--credential-env",
        "FB_DU_LICH",
        "--unit",
        "so-vhttdl-haiphong",
        "--code",
        "fb-du-lich",
        "--database",
        db_url,
    )
    assert code == 0, err
    before = counts(db_url)
    other = tmp_path / "other.yaml"
    other.write_text(
        "code: other-2028\n"
        "name: Chiến dịch khác\n"
        "unit: {code: ttdn-haiphong, name: Ban Tuyên giáo và Dân vận Thành ủy Hải Phòng}\n"
        "brand: ttdn-haiphong\n"
        "period: {from: 2028-01-01, to: 2028-12-31}\n"
        "channels:\n"
        "  - {code: fb-du-lich, platform: facebook, name: Du lịch, account_id: '78',"
        " api_base: sandbox, credential_env: FB_DU_LICH, windows: ['08:00-09:00']}\n"
        "themes:\n"
        "  - {code: hai-phong-cang-xanh, per_week: 5}\n",
        encoding="utf-8",
    )
    code, out, err = plan(monkeypatch, capsys, db_url, other, "http://127.0.0.1:9")
    assert (
        code == 1
        and out == ""
        and err.splitlines()
        == [
            f"{other}:7: channels[0].code: channel 'fb-du-lich' belongs to unit "
            "'so-vhttdl-haiphong', which is not one of this campaign's units: list it under "
            "units: or give this channel its own code"
        ]
    )
    assert counts(db_url) == before


def test_a_campaign_file_gives_each_channel_once(tmp_path: Path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    jobs.init_db(url)
    twice = tmp_path / "twice.yaml"
    lines = ALL_PLATFORMS.read_text(encoding="utf-8").splitlines()
    at = next(n for n, text in enumerate(lines) if "code: x-hp" in text)
    lines[at] = lines[at].replace("code: x-hp", "code: fb-hp")
    twice.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = counts(url)
    code, _, err = plan(monkeypatch, capsys, url, twice, "http://127.0.0.1:9")
    assert code == 1 and err.splitlines() == [
        f"{twice}:{at + 1}: channels[1].code: channel 'fb-hp' is given twice (each channel once)"
    ]
    assert counts(url) == before


def test_two_plans_racing_for_one_channel_leave_one_whole_campaign(
    db_url: str, tmp_path: Path
) -> None:
    """Two `plan` runs at one moment, two campaigns naming the same channel: one is planned
    whole, the other fails with one readable error and leaves nothing, whichever check
    catches it (the ownership check, or the slot constraint when both checked before either
    committed)."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    jobs.load_catalog(db_url)
    files = [
        demo_copy(tmp_path, "a.yaml"),
        demo_copy(tmp_path, "b.yaml", **{"code: demo-2026": "code: other-2026"}),
    ]
    barrier = threading.Barrier(2)

    def run_plan(path: Path) -> str:
        barrier.wait()
        try:
            jobs.plan_campaign(
                path,
                start=dt.date(2026, 4, 27),
                days=7,
                sandbox_url="http://127.0.0.1:9",
                database_url=db_url,
            )
        except PhuxanhError as exc:
            return str(exc)
        return "planned"

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(run_plan, files))
    assert sorted(outcomes)[-1] == "planned" and outcomes.count("planned") == 1, outcomes
    (error,) = [o for o in outcomes if o != "planned"]
    assert error.splitlines() and all(  # `file: …` lines, each naming the losing file
        line.startswith(str(tmp_path)) for line in error.splitlines()
    ), error
    assert "fb-ttdn-haiphong" in error or "another run changed" in error, error
    with Session(jobs.engine(db_url)) as s:
        (campaign,) = s.exec(select(Campaign)).all()
        assert {sl.campaign_id for sl in s.exec(select(Slot))} == {campaign.id}


def test_a_stored_channel_with_an_unusable_api_address_stops_alone(tmp_path: Path, sandbox) -> None:
    """A channel stored with an API base no request can be made to (a port out of range,
    written before the check or by hand): the run does not crash and strand the post in
    `sending`; the channel stops with a readable reason and keeps its queue."""
    url = f"sqlite:///{tmp_path / 'c.db'}"
    jobs.init_db(url)
    jobs.load_catalog(url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url=sandbox.public_url, database_url=url)
    item_id = approved_item(url, demo.DEMO_CAMPAIGN)
    with Session(jobs.engine(url)) as s:
        channel = s.exec(select(Channel).where(Channel.code == "fb-ttdn-haiphong")).one()
        channel.api_base_url = "https://graph.example.vn:99999"
        s.add(channel)
        s.commit()
    outcome = jobs.publish_due(now=AT + dt.timedelta(minutes=1), database_url=url)
    assert outcome == {"config_error": 1}
    with Session(jobs.engine(url)) as s:
        channel = s.exec(select(Channel).where(Channel.code == "fb-ttdn-haiphong")).one()
        assert channel.paused and "API address" in (channel.last_error or "")
        item = s.get(ContentItem, item_id)
        assert item is not None and item.status == ItemStatus.scheduled
        pubs = s.exec(select(Publication).where(Publication.content_item_id == item_id)).all()
        assert [p.state for p in pubs] == [PubState.scheduled]  # not stranded in `sending`


@pytest.mark.parametrize(
    "base",
    [
        "https://graph.example.vn:99999",
        "https://u:secret@graph.vn",
        "https://graph.vn/\n\x1b[31m",
        "ftp://graph.vn",
        "https://",
    ],
)
def test_an_api_base_must_be_a_usable_url(base: str) -> None:
    from phuxanh.platforms.credentials import api_base_problem

    assert api_base_problem(base)
    assert api_base_problem("https://graph.facebook.com") is None
    assert api_base_problem("http://127.0.0.1:8765/facebook") is None
