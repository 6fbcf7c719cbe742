"""OAuth token refresh for YouTube, TikTok, X and Zalo against the sandbox's token endpoints
(real HTTP on 127.0.0.1), on SQLite and PostgreSQL: sealed storage, rotation, one refresh
per channel under the lease, a refused refresh stopping the channel with its queue kept."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import update
from sqlmodel import Session, select

from phuxanh import jobs
from phuxanh.compose.items import approve_item, create_item
from phuxanh.core.errors import ConfigError
from phuxanh.core.settings import get_settings
from phuxanh.models import AuditEvent, Channel, ChannelToken, Publication, PubState
from phuxanh.platforms.oauth import parse_credential
from phuxanh.publish import tokens
from phuxanh.publish.adapters import adapter_for
from phuxanh.publish.channels import add_channel, check_channels
from phuxanh.sandbox import demo

KEY = Fernet.generate_key().decode()
ENV = "OAUTH_TOKENSET"


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHUXANH_SECRET_KEY", KEY)
    get_settings.cache_clear()


def _oauth(sandbox, **body: object) -> dict:
    response = requests.post(f"{sandbox.public_url}/_sandbox/oauth", json=body, timeout=5)
    response.raise_for_status()
    return response.json()


def _channel(
    db_url: str,
    sandbox,
    platform: str,
    monkeypatch: pytest.MonkeyPatch,
    refresh: str = "rt-0",
    register: bool = True,
) -> Channel:
    jobs.load_catalog(db_url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url=sandbox.public_url, database_url=db_url)
    demo.ensure_team(demo.DEMO_CAMPAIGN, database_url=db_url)
    monkeypatch.setenv(
        ENV,
        json.dumps(
            {"refresh_token": refresh, "client_id": "app-1", "client_secret": "app-secret-1"}
        ),
    )
    if register:
        _oauth(
            sandbox,
            platform=platform,
            refresh_token=refresh,
            client_id="app-1",
            client_secret="app-secret-1",
        )
    with Session(jobs.engine(db_url)) as s:
        channel = add_channel(
            s,
            platform=platform,
            name=f"TTĐN {platform}",
            account_id="oa-1",
            credential_env=ENV,
            api_base=f"{sandbox.public_url}/{platform}",
            unit_code=None,
            code=None,
            actor="test",
        )
        s.commit()
        s.refresh(channel)
        return channel


def _approved(db_url: str, channel: Channel, text: str, at: dt.datetime) -> None:
    """One post on `channel` at `at`, written by an editor and approved by another."""
    with Session(jobs.engine(db_url)) as s:
        item = create_item(s, channel_code=channel.code, text=text, at=at, actor="lan.nguyen")
        s.commit()
        approve_item(s, item_id=item.id or 0, actor="minh.tran")
        s.commit()


def _stored(db_url: str, channel: Channel) -> ChannelToken:
    with Session(jobs.engine(db_url)) as s:
        row = s.get(ChannelToken, channel.id)
        assert row is not None
        return row


@pytest.mark.parametrize("platform", ["youtube", "tiktok", "x", "zalo"])
def test_refreshes_and_keeps_the_newest_set_sealed(
    platform: str, db_url: str, sandbox, keyed, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = _channel(db_url, sandbox, platform, monkeypatch)
    engine = jobs.engine(db_url)
    adapter = adapter_for(channel, engine=engine)  # no access token yet: refreshed first
    assert adapter.token.startswith(f"{platform}-at-")
    assert adapter.check_token()["ok"] is True  # the platform takes the new token
    row = _stored(db_url, channel)
    assert row.refresh_count == 1 and row.expires_at is not None
    assert row.expires_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=50)
    for secret in (adapter.token, "rt-0", "app-secret-1"):
        assert secret not in row.sealed  # sealed, never clear
    newest = tokens._load(engine, channel)
    rotates = platform != "youtube"
    assert (newest.refresh_token != "rt-0") is rotates
    again = adapter_for(channel, engine=engine)  # still fresh: no second refresh
    assert again.token == adapter.token and _stored(db_url, channel).refresh_count == 1
    assert _oauth(sandbox)["refreshes"] == {platform: 1}


def test_two_workers_spend_a_rotating_refresh_token_once(
    db_url: str, sandbox, keyed, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = _channel(db_url, sandbox, "x", monkeypatch)
    engine = jobs.engine(db_url)
    adapter_for(channel, engine=engine)
    _oauth(sandbox, revoke_access=True)  # the platform kills the access token early
    requests.post(
        f"{sandbox.public_url}/_sandbox/faults",  # the next refresh answers slowly
        json={"next": ["slow_response"], "platform": "x"},
        timeout=5,
    )
    workers = [adapter_for(channel, engine=engine) for _ in range(3)]
    start, results = threading.Barrier(len(workers)), []

    def run(adapter) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        results.append(tokens.call(engine, channel, adapter, adapter.check_token))

    threads = [threading.Thread(target=run, args=(a,)) for a in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = _oauth(sandbox)["refreshes"]
    assert counts == {"x": 2}, counts  # the first use, then one for all three; none refused
    assert len(results) == 3 and all(r["ok"] for r in results)
    assert len({a.token for a in workers}) == 1
    assert _stored(db_url, channel).lock_until is None  # the lease was given back


def test_racing_first_uses_store_one_set_and_refresh_once(
    db_url: str, sandbox, keyed, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = _channel(db_url, sandbox, "tiktok", monkeypatch)
    engine = jobs.engine(db_url)
    start, tokens_seen, errors = threading.Barrier(4), [], []

    def first_use() -> None:
        start.wait()
        try:
            tokens_seen.append(adapter_for(channel, engine=engine).token)
        except Exception as exc:  # the assertion below shows it
            errors.append(repr(exc))

    threads = [threading.Thread(target=first_use) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(tokens_seen)) == 1 and len(tokens_seen) == 4
    assert _oauth(sandbox)["refreshes"] == {"tiktok": 1}


def test_a_revoked_token_is_refreshed_and_the_post_goes_out_once(
    db_url: str, sandbox, keyed, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = _channel(db_url, sandbox, "x", monkeypatch)
    engine = jobs.engine(db_url)
    adapter_for(channel, engine=engine)
    _approved(
        db_url,
        channel,
        "Hải Phòng: thành phố cảng xanh.",
        dt.datetime(2026, 4, 29, 8, tzinfo=dt.UTC),
    )
    _oauth(sandbox, revoke_access=True)
    out = jobs.publish_due(now=dt.datetime(2026, 4, 29, 8, 1, tzinfo=dt.UTC), database_url=db_url)
    assert out == {"published": 1}
    posts = requests.get(f"{sandbox.public_url}/_sandbox/posts", timeout=5).json()["posts"]
    assert [p["platform"] for p in posts] == ["x"]
    assert _oauth(sandbox)["refreshes"] == {"x": 2}


def test_a_refused_refresh_stops_the_channel_and_keeps_its_queue(
    db_url: str, sandbox, keyed, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = _channel(db_url, sandbox, "zalo", monkeypatch, refresh="rt-revoked", register=False)
    engine = jobs.engine(db_url)
    _approved(db_url, channel, "Bầu cử ngày 15/3/2026.", dt.datetime(2026, 3, 10, 8, tzinfo=dt.UTC))
    out = jobs.publish_due(now=dt.datetime(2026, 3, 10, 8, 1, tzinfo=dt.UTC), database_url=db_url)
    assert out == {"auth_expired": 1}
    with Session(engine) as s:
        stopped = s.get(Channel, channel.id)
        assert stopped is not None and stopped.paused and stopped.pause_reason == "token expired"
        assert "re-authorise" in (stopped.last_error or "")
        assert "rt-revoked" not in (stopped.last_error or "")  # secrets are masked
        pub = s.exec(select(Publication).where(Publication.channel_id == channel.id)).one()
        assert pub.state == PubState.scheduled and "channel stopped" in (pub.last_error or "")
        alert = s.exec(select(AuditEvent).where(AuditEvent.action == "channel.auth_expired"))
        assert alert.first() is not None
    assert "Zalo OA refused" in (_stored(db_url, channel).last_error or "")
    # a person re-authorises; the check that passes restarts the channel and its queue goes
    _oauth(
        sandbox,
        platform="zalo",
        refresh_token="rt-again",
        client_id="app-1",
        client_secret="app-secret-1",
    )
    monkeypatch.setenv(
        ENV,
        json.dumps(
            {"refresh_token": "rt-again", "client_id": "app-1", "client_secret": "app-secret-1"}
        ),
    )
    with Session(engine) as s:
        (row,) = check_channels(s, code=channel.code)
    assert row["ok"] and row["restored"] and not row["paused"]
    later = jobs.publish_due(
        now=dt.datetime(2026, 3, 10, 8, 30, tzinfo=dt.UTC), database_url=db_url
    )
    assert later == {"published": 1}


def test_a_new_credential_replaces_the_stored_set(
    db_url: str, sandbox, keyed, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = _channel(db_url, sandbox, "tiktok", monkeypatch)
    engine = jobs.engine(db_url)
    adapter_for(channel, engine=engine)
    _oauth(
        sandbox,
        platform="tiktok",
        refresh_token="rt-new",
        client_id="app-1",
        client_secret="app-secret-1",
    )  # a person re-authorised the account
    monkeypatch.setenv(
        ENV,
        json.dumps(
            {"refresh_token": "rt-new", "client_id": "app-1", "client_secret": "app-secret-1"}
        ),
    )
    adapter = adapter_for(channel, engine=engine)
    assert adapter.check_token()["ok"] is True
    assert _oauth(sandbox)["refreshes"] == {"tiktok": 2}
    rows = check_channels(Session(engine), code=channel.code)
    assert rows[0]["ok"] is True and rows[0]["expires_at"] and rows[0]["refresh_count"] == 2


def test_a_dead_holders_lease_lapses(
    db_url: str, sandbox, keyed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PHUXANH_TOKEN_LOCK_S", "5")
    get_settings.cache_clear()
    channel = _channel(db_url, sandbox, "youtube", monkeypatch)
    engine = jobs.engine(db_url)
    adapter_for(channel, engine=engine)
    held = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=0.5)
    with Session(engine) as s:  # a worker took the lease and was killed
        s.execute(update(ChannelToken).values(lock_owner="dead", lock_until=held, expires_at=None))
        s.commit()
    _oauth(sandbox, revoke_access=True)
    adapter = adapter_for(channel, engine=engine)
    assert tokens.call(engine, channel, adapter, adapter.check_token)["ok"] is True
    assert _stored(db_url, channel).refresh_count == 2


def test_the_key_is_required_and_checked(
    db_url: str, sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = _channel(db_url, sandbox, "x", monkeypatch)
    with pytest.raises(ConfigError, match="PHUXANH_SECRET_KEY is not set"):
        adapter_for(channel, engine=jobs.engine(db_url))
    _approved(db_url, channel, "Tin Hải Phòng.", dt.datetime(2026, 3, 10, 8, tzinfo=dt.UTC))
    out = jobs.publish_due(now=dt.datetime(2026, 3, 10, 8, 1, tzinfo=dt.UTC), database_url=db_url)
    assert out == {"config_error": 1}
    with Session(jobs.engine(db_url)) as s:
        stopped = s.get(Channel, channel.id)
        assert stopped is not None and stopped.pause_reason == "channel configuration"
        assert "PHUXANH_SECRET_KEY is not set" in (stopped.last_error or "")
        pub = s.exec(select(Publication).where(Publication.channel_id == channel.id)).one()
        assert pub.state == PubState.scheduled
    monkeypatch.setenv("PHUXANH_SECRET_KEY", "not-a-key")
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="not a Fernet key"):
        adapter_for(channel, engine=jobs.engine(db_url))


def test_credential_errors_name_the_field() -> None:
    assert parse_credential(" plain-token\n", "c").access_token == "plain-token"
    cases = {
        '{"access_token": 1}': "field 'access_token' must be a string",
        '{"refresh_token": "r"}': "field 'client_id' is required",
        '{"token": "t"}': "unknown field(s) token",
        '{"access_token": "a", "expires_at": "soon"}': "'expires_at' is not an ISO date-time",
        '{"access_token": "a", "expires_at": "2026-11-23T10:00"}': "needs a time zone",
        '{"access_token": "a",': "not valid JSON",
        "{}": "needs an access_token, a refresh_token, or both",
    }
    for raw, message in cases.items():
        with pytest.raises(
            ConfigError,
            match="^channel x: credential env:V: .*"
            + message.replace("(", r"\(").replace(")", r"\)"),
        ):
            parse_credential(raw, "channel x: credential env:V")
