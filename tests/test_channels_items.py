"""`channel add|list|check` and `item create|approve|list` as scripts use them, against the
Graph sandbox on 127.0.0.1 (never a real platform)."""

from __future__ import annotations

import json
from pathlib import Path

from phuxanh import jobs
from phuxanh.sandbox import demo
from tests.test_cli import phuxanh

PNG = Path(__file__).parent / "data" / "tiny.png"


def _db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    jobs.init_db(url)
    jobs.load_catalog(url)
    jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url="http://127.0.0.1:9", database_url=url)
    demo.ensure_team(demo.DEMO_CAMPAIGN, database_url=url)
    return url


def test_channel_add_list_and_check(tmp_path: Path, sandbox) -> None:
    url = _db(tmp_path)
    env = {"PHUXANH_SANDBOX_TOKEN": "sandbox-page-token", "DEAD_TOKEN": "expired"}
    added = phuxanh(
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
        "--api-base",
        sandbox.public_url,
        "--database",
        url,
        env=env,
    )
    assert added.stdout.strip() == "channel facebook-cong-hai-an (facebook) added"
    phuxanh(
        "channel",
        "add",
        "--platform",
        "facebook",
        "--name",
        "Trang cũ",
        "--account-id",
        "43",
        "--credential-env",
        "DEAD_TOKEN",
        "--api-base",
        sandbox.public_url,
        "--database",
        url,
        env=env,
    )
    listed = {
        r["code"]: r
        for r in json.loads(phuxanh("channel", "list", "--json", "--database", url).stdout)
    }
    assert listed["facebook-cong-hai-an"]["credential"] == "env:PHUXANH_SANDBOX_TOKEN"
    assert "sandbox-page-token" not in json.dumps(listed)  # the secret is never stored
    good = phuxanh(
        "channel", "check", "--channel", "facebook-cong-hai-an", "--database", url, env=env
    )
    assert good.returncode == 0 and json.loads(good.stdout)[0]["ok"] is True
    dead = phuxanh("channel", "check", "--channel", "facebook-trang-cu", "--database", url, env=env)
    row = json.loads(dead.stdout)[0]
    assert dead.returncode == 1 and row["ok"] is False and row["paused"] is True
    assert "token expired" in row["detail"]
    bad = phuxanh(
        "channel",
        "add",
        "--platform",
        "myspace",
        "--name",
        "x",
        "--account-id",
        "1",
        "--credential-env",
        "tok en",
        "--database",
        url,
    )
    assert bad.stderr.splitlines() == [
        "--platform: 'myspace' is not one of facebook, youtube, tiktok, x, zalo, telegram, "
        "wordpress, manual",
        "--credential-env: 'tok en' is not an environment variable name (the secret itself "
        "is never given on the command line)",
    ]


def test_item_create_approve_publish_and_list(tmp_path: Path, sandbox) -> None:
    url = _db(tmp_path)
    env = {"PHUXANH_SANDBOX_TOKEN": "sandbox-page-token"}
    phuxanh(
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
        "--api-base",
        sandbox.public_url,
        "--database",
        url,
        env=env,
    )
    made = phuxanh(
        "item",
        "create",
        "--channel",
        "facebook-cong-hai-an",
        "--text",
        "Hải Phòng chào đón du khách dịp 30/4.",
        "--media",
        str(PNG),
        "--at",
        "2026-04-29T08:00+07:00",
        "--as",
        "lan.nguyen",
        "--database",
        url,
    )
    assert made.returncode == 0, made.stderr
    item_id = made.stdout.strip().splitlines()[-1]
    own = phuxanh("item", "approve", item_id, "--as", "lan.nguyen", "--database", url)
    assert own.returncode == 1 and "may not approve" in own.stderr
    ok = phuxanh("item", "approve", item_id, "--as", "minh.tran", "--database", url)
    assert ok.stdout.strip() == f"item {item_id}: scheduled"
    sent = phuxanh("publish", "due", "--now", "2026-04-29T08:01+07:00", "--database", url, env=env)
    assert json.loads(sent.stdout) == {"published": 1}, sent.stderr
    rows = json.loads(phuxanh("item", "list", "--json", "--database", url).stdout)
    row = next(r for r in rows if str(r["id"]) == item_id)
    assert {
        "id",
        "state",
        "channel",
        "text",
        "scheduled_at",
        "remote_id",
        "remote_url",
        "last_error",
    } <= set(row)
    assert row["state"] == "published" and row["remote_id"]
    long = phuxanh(
        "item",
        "create",
        "--channel",
        "facebook-cong-hai-an",
        "--text",
        "TODO",
        "--at",
        "2026-04-29T09:00+07:00",
        "--as",
        "lan.nguyen",
        "--database",
        url,
    )
    assert long.returncode == 1 and "placeholder text left in: 'TODO'" in long.stderr
