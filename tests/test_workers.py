"""What a worker on another host needs, and how it fails when it lacks it: media found
under its own media root, credentials from `.env` as well as the environment, and a clear
refusal without DATABASE_URL (never a SQLite file of its own)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests
from sqlmodel import Session, select

from phuxanh import jobs, review
from phuxanh.compose.items import approve_item, create_item
from phuxanh.core.errors import ConfigError
from phuxanh.core.settings import get_settings
from phuxanh.media import stored
from phuxanh.models import Asset, ContentItem, ItemStatus, Publication, PubState
from phuxanh.publish.channels import add_channel
from phuxanh.sandbox.server import start_in_thread
from tests.helpers import at, items, planned_and_rendered, user


def _posts(url: str) -> list[dict]:
    return requests.get(f"{url}/_sandbox/posts", timeout=5).json()["posts"]


def test_media_paths_follow_the_media_root(
    db_url: str, sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cards rendered on one host are stored relative to PHUXANH_MEDIA_DIR, so a worker
    that mounts the shared directory elsewhere publishes them."""
    planned_and_rendered(db_url, sandbox.public_url)
    with Session(jobs.engine(db_url)) as s:
        paths = [i.media_path or "" for i in items(s)]
        assets = [a.path for a in s.exec(select(Asset))]
        editor, approver = user(s, "lan.nguyen"), user(s, "minh.tran")
        for item in items(s):
            review.submit(s, item=item, actor=editor)
            review.approve(s, item=item, actor=approver)
        s.commit()
    assert paths and all(p.startswith("cards/") for p in paths), paths
    assert assets and all(not Path(a).is_absolute() for a in assets), assets
    # the worker's host mounts the shared media directory at another path
    moved = tmp_path / "worker-host" / "shared-media"
    moved.parent.mkdir()
    shutil.move(get_settings().media_dir, moved)
    monkeypatch.setenv("PHUXANH_MEDIA_DIR", str(moved))
    get_settings.cache_clear()
    with Session(jobs.engine(db_url)) as s:  # a row from before relative paths still works
        first = items(s)[0]
        first.media_path = str(moved / (first.media_path or ""))
        s.add(first)
        s.commit()
    assert jobs.publish_due(now=at(0, 8, 1), database_url=db_url) == {"published": 2}
    posts = _posts(sandbox.public_url)
    assert [p["kind"] for p in posts] == ["photo", "photo"]
    with Session(jobs.engine(db_url)) as s:
        sent = s.exec(select(Publication).where(Publication.state == PubState.published)).all()
        assert len(sent) == 2


def test_item_media_from_elsewhere_is_brought_under_the_root(
    db_url: str, sandbox, tmp_path: Path
) -> None:
    from PIL import Image

    planned_and_rendered(db_url, sandbox.public_url, days=1)
    outside = tmp_path / "desktop" / "anh-30-4.png"
    outside.parent.mkdir()
    Image.new("RGB", (1080, 1080), (200, 30, 30)).save(outside)
    with Session(jobs.engine(db_url)) as s:
        item = create_item(
            s,
            channel_code="fb-ttdn-haiphong",
            text="Mừng ngày 30/4.",
            at=at(1, 8),
            actor="lan.nguyen",
            media=outside,
        )
        s.commit()
        kept = item.media_path or ""
    assert kept.startswith(f"{stored.UPLOADS}/") and kept.endswith("-anh-30-4.png")
    copy = stored.resolve(kept)
    assert copy is not None and copy.read_bytes() == outside.read_bytes()
    assert copy.is_relative_to(get_settings().media_dir.resolve())


def test_a_credential_in_dotenv_publishes(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`.env.example` lists channel credentials, so `.env` must be read for them too."""
    server = start_in_thread(tokens={"dotenv-page-token"})
    try:
        jobs.load_catalog(db_url)
        from phuxanh.sandbox import demo

        jobs.setup_campaign(demo.DEMO_CAMPAIGN, sandbox_url=server.public_url, database_url=db_url)
        demo.ensure_team(demo.DEMO_CAMPAIGN, database_url=db_url)
        monkeypatch.delenv("FB_DOTENV_TOKEN", raising=False)
        with Session(jobs.engine(db_url)) as s:
            add_channel(
                s,
                platform="facebook",
                name="Trang từ .env",
                account_id="42",
                credential_env="FB_DOTENV_TOKEN",
                api_base=f"{server.public_url}/facebook",
                unit_code=None,
                code="fb-dotenv",
                actor="test",
            )
            s.commit()
            item = create_item(
                s,
                channel_code="fb-dotenv",
                text="Tin từ Hải Phòng.",
                at=at(0, 8),
                actor="lan.nguyen",
            )
            s.commit()
            approve_item(s, item_id=item.id or 0, actor="minh.tran")
            s.commit()
        monkeypatch.chdir(tmp_path)  # a worker's runs start in its checkout, .env there
        (tmp_path / ".env").write_text(
            "# worker\nFB_DOTENV_TOKEN=dotenv-page-token\n", encoding="utf-8"
        )
        assert jobs.publish_due(now=at(0, 8, 1), database_url=db_url) == {"published": 1}
        assert len(_posts(server.public_url)) == 1
    finally:
        server.shutdown()
        server.server_close()


def test_a_missing_credential_names_the_worker(
    db_url: str, sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socket

    planned_and_rendered(db_url, sandbox.public_url, days=1)
    with Session(jobs.engine(db_url)) as s:
        editor, approver = user(s, "lan.nguyen"), user(s, "minh.tran")
        for item in items(s):
            review.submit(s, item=item, actor=editor)
            review.approve(s, item=item, actor=approver)
        s.commit()
    monkeypatch.delenv("PHUXANH_SANDBOX_TOKEN")
    monkeypatch.chdir(tmp_path)  # and no .env here
    out = jobs.publish_due(now=at(0, 8, 1), database_url=db_url)
    assert out == {"config_error": 2}  # both Pages use the variable; both stop, loudly
    with Session(jobs.engine(db_url)) as s:
        waiting = s.exec(select(ContentItem).where(ContentItem.status == ItemStatus.scheduled))
        assert list(waiting)  # kept for when the variable is set
        errors = {p.last_error for p in s.exec(select(Publication)) if p.last_error}
    assert any(
        "PHUXANH_SANDBOX_TOKEN is not set on this worker "
        f"({socket.gethostname()}), nor in its .env" in e
        for e in errors
    ), errors


def test_a_worker_without_database_url_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pool deployments set PHUXANH_REQUIRE_DATABASE_URL: no DATABASE_URL (nor in .env)
    is then refused by name, not answered with "run phuxanh init" on a local SQLite file."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PHUXANH_DATABASE_URL", raising=False)
    monkeypatch.setenv("PHUXANH_REQUIRE_DATABASE_URL", "1")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    default = Path(get_settings().database_url.split("///", 1)[1])
    existed = default.exists()
    with pytest.raises(ConfigError, match="DATABASE_URL is not set on this worker") as refused:
        jobs.publish_due()
    assert "phuxanh init" not in str(refused.value)
    assert default.exists() == existed  # no stray SQLite file
    # with the URL in the worker's .env it goes on to the database
    (tmp_path / ".env").write_text(
        f"DATABASE_URL=sqlite:///{tmp_path / 'w.db'}\n", encoding="utf-8"
    )
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="phuxanh init"):  # that database is not set up
        jobs.publish_due()


def test_migration_makes_media_paths_under_the_root_relative(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from phuxanh.core.db import alembic_config, engine_for

    root = get_settings().media_dir.resolve()
    rows = {
        "under": str(root / "cards" / "slot1-ab.png"),
        "outside": "/srv/elsewhere/x.png",
        "already": "clips/slot2-cd.mp4",
    }
    engine = engine_for(db_url)
    with Session(engine) as s:
        for code, path in rows.items():
            s.add(
                Asset(
                    path=path,
                    sha256="0" * 64,
                    template_code=code,
                    template_version=1,
                    input_sha256="0" * 64,
                )
            )
        s.commit()

    def paths() -> dict[str, str]:
        with engine.connect() as c:
            return dict(c.execute(text("SELECT template_code, path FROM asset")).all())

    cfg = alembic_config(db_url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0010_sign_in")
    assert paths()["already"] == str(root / "clips" / "slot2-cd.mp4")
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    assert paths() == {
        "under": "cards/slot1-ab.png",
        "outside": "/srv/elsewhere/x.png",
        "already": "clips/slot2-cd.mp4",
    }
