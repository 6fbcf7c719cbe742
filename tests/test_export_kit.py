"""The press-and-missions kit (issue 18, deliverable 6): `export kit --period P --lang L`
writes one ZIP of the period's approved content in L (cards and clips, captions in L,
sources, alt text, a manifest and an index), for one audience when asked; never a draft,
never another language (an English kit holds no Vietnamese, a Korean one only what came
from reviewed Korean); nothing to put in, or a flag it cannot read, is one clear line and
no file; the ZIP is whole or absent; the export is audited."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from phuxanh import jobs, review
from phuxanh.catalog import translations
from phuxanh.catalog.languages import vietnamese
from phuxanh.media import stored
from phuxanh.models import AuditEvent, Channel, ContentItem, ItemStatus, Theme, Translation
from tests.helpers import refused, run_cli, user
from tests.test_hashtags import KOREAN, korean_reviewed
from tests.test_languages import (
    ELECTION_WEEK,
    _campaign_file,
    _channel,
    _not_names,
    _references,
    _setup,
    _strings,
)

PERIOD = "2026-03"  # ELECTION_WEEK is in March 2026
RULE = "-" * 60  # README.txt: the kit's language above it, Vietnamese for the office below


def _with_audiences(line: str, codes: str) -> str:
    return line[:-1] + f", audiences: [{codes}]}}"


def _kit(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> dict[str, Any]:
    code, out, err = run_cli(capsys, "export", "kit", *argv, "--database", db_url)
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def _unzip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        return {name: zf.read(name) for name in zf.namelist()}


def _campaign(db_url: str, tmp_path: Path) -> dict[str, list[ContentItem]]:
    """Four channels (English, Vietnamese with English, Vietnamese, Korean) over four days
    of the election week, composed and drawn; every item that may go approved but the last
    two English ones (one in review, one a draft). Items by channel code."""
    channels = [
        _with_audiences(
            _channel("fb-en", "facebook", "en", '"08:00-09:00", "19:00-20:00"', per_day=2),
            "nguoi-nuoc-ngoai, nha-dau-tu",
        ),
        _with_audiences(_channel("tg-vi-en", "telegram", "vi, en", '"10:00-11:00"'), "trong-nuoc"),
        _channel("fb-vi", "facebook", "vi", '"12:00-13:00"'),
        _with_audiences(_channel("fb-ko", "facebook", "ko", '"14:00-15:00"'), "du-khach"),
    ]
    themes = {"hai-phong-cang-xanh": 7, "bau-cu-2026": 7}
    _setup(db_url, _campaign_file(tmp_path, channels, themes), ELECTION_WEEK, 4)
    korean_reviewed(db_url)
    done = jobs.compose_range(database_url=db_url)
    assert done["rendered"] >= 8, done
    by_channel: dict[str, list[ContentItem]] = {}
    with Session(jobs.engine(db_url)) as s:
        codes = {c.id: c.code for c in s.exec(select(Channel))}
        items = list(s.exec(select(ContentItem).order_by(col(ContentItem.scheduled_at))))
        for item in items:
            by_channel.setdefault(codes[item.channel_ids[0]], []).append(item)
        editor, approver = user(s, "lan.nguyen"), user(s, "minh.tran")
        english = [i for i in by_channel.get("fb-en", []) if not i.hold_reasons]
        assert len(english) >= 4, by_channel
        for item in items:
            if item.hold_reasons:
                continue
            if item is not english[-1]:
                review.submit(s, item=item, actor=editor)
            if item not in english[-2:]:
                review.approve(s, item=item, actor=approver)
        s.commit()
        for found in by_channel.values():
            for item in found:
                s.refresh(item)
        s.expunge_all()
    return by_channel


def _approved(items: list[ContentItem]) -> set[int]:
    return {i.id or 0 for i in items if i.status in (ItemStatus.approved, ItemStatus.scheduled)}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_kits_in_english_vietnamese_and_korean_hold_only_approved_content_in_their_language(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PHUXANH_ASSISTANT_URL", raising=False)
    by_channel = _campaign(db_url, tmp_path)
    english = by_channel["fb-en"]
    assert {i.status for i in english} >= {ItemStatus.in_review, ItemStatus.draft}
    with Session(jobs.engine(db_url)) as s:
        references = _references(s)
        themes = {t.code: t for t in s.exec(select(Theme))}

    # --- English: the fb-en items approved, nothing else ----------------------------------
    out = tmp_path / "kits" / "new"  # made when missing
    summary = _kit(capsys, db_url, "--period", PERIOD, "--lang", "en", "--out", str(out))
    kit = Path(summary["kit"])
    assert kit.parent == out and kit.name == "kit-2026-03-en.zip" and kit.is_file()
    assert set(summary["items"]) == _approved(english) and summary["entries"] == len(
        _approved(english)
    )
    assert summary["left_out"] == []
    files = _unzip(kit)
    assert set(files) == set(summary["files"])
    assert {"manifest.json", "index.csv", "README.txt"} <= set(files)
    manifest = json.loads(files["manifest.json"])
    assert manifest["kit"]["lang"] == "en" and manifest["kit"]["period"] == PERIOD
    items = {i.id: i for i in english}
    for entry in manifest["entries"]:
        item = items[entry["item"]]
        assert entry["channel"] == "fb-en" and entry["date"].startswith("2026-03-")
        theme = themes[entry["theme"]["code"]]
        assert entry["theme"]["name"] == theme.title_en
        # the card, byte for byte; its caption and alt text in their own files
        media = stored.resolve(item.media_path)
        assert media is not None
        assert files[entry["files"]["media"]] == media.read_bytes()
        caption = files[entry["files"]["caption"]].decode()
        assert caption.startswith(entry["caption"]) and entry["caption"] in item.caption
        assert "VI:" not in caption and "utm_" not in caption and "#" not in entry["caption"]
        assert files[entry["files"]["alt"]].decode().strip() == item.alt_text
        assert entry["sources"] and all(s["source"] for s in entry["sources"])
        assert all(s["source"].startswith("Source: ") for s in entry["sources"])
        assert entry["hashtags"][0] in theme.lang_hashtags["en"]
        assert not set(entry["hashtags"]) & set(theme.lang_hashtags["vi"])
        assert set(entry["audiences"]) == {"nguoi-nuoc-ngoai", "nha-dau-tu"}
    # no Vietnamese anywhere for the reader (identifiers and quoted names aside) …
    for name, data in files.items():
        if not name.endswith((".txt", ".json", ".csv")):
            continue
        text = data.decode("utf-8-sig")
        if name == "README.txt":
            text, _, office = text.partition(RULE)
            assert vietnamese(office)  # … but the office's own note, below the rule
        texts = _strings(json.loads(text)) if name.endswith(".json") else [text]
        for said in texts:
            assert not vietnamese(_not_names(said, references)), (name, said)
    rows = list(csv.reader(io.StringIO(files["index.csv"].decode("utf-8-sig"))))
    assert rows[0][:3] == ["Date", "Channel", "Theme"] and len(rows) == 1 + summary["entries"]

    # --- Vietnamese: its own items, a bilingual caption without its English block -------
    vi = _kit(capsys, db_url, "--period", PERIOD, "--lang", "vi", "--out", str(out))
    assert set(vi["items"]) == _approved(by_channel["tg-vi-en"]) | _approved(by_channel["fb-vi"])
    vi_manifest = json.loads(_unzip(Path(vi["kit"]))["manifest.json"])
    bilingual = [e for e in vi_manifest["entries"] if e["channel"] == "tg-vi-en"]
    assert bilingual
    for entry in bilingual:
        assert "EN:" not in entry["caption"] and vietnamese(entry["caption"])
        assert entry["theme"]["name"] == themes[entry["theme"]["code"]].title_vi

    # --- for one audience --------------------------------------------------------------
    only = _kit(
        capsys, db_url, "--period", PERIOD, "--lang", "vi", "--audience", "trong-nuoc",
        "--out", str(out),
    )  # fmt: skip
    assert set(only["items"]) == _approved(by_channel["tg-vi-en"])
    assert Path(only["kit"]).name == "kit-2026-03-vi-trong-nuoc.zip"
    line = refused(
        capsys, "export", "kit", "--period", PERIOD, "--lang", "en", "--audience", "kieu-bao",
        "--database", db_url, "--out", str(out),
    )  # fmt: skip
    assert line.startswith("--period: nothing approved in en (English) for audience kieu-bao")

    # --- Korean: only what reviewed Korean made ----------------------------------------
    korean = _approved(by_channel.get("fb-ko", []))
    assert korean, by_channel.get("fb-ko")
    ko = _kit(capsys, db_url, "--period", PERIOD, "--lang", "ko", "--out", str(out))
    assert set(ko["items"]) == korean
    ko_files = _unzip(Path(ko["kit"]))
    ko_manifest = json.loads(ko_files["manifest.json"])
    for entry in ko_manifest["entries"]:
        assert entry["caption"].startswith(KOREAN[("title", "hai-phong-cang-xanh")])
        assert KOREAN[("fact", "hp-nq-45")] in entry["caption"]
        assert entry["theme"]["name"] == KOREAN[("title", "hai-phong-cang-xanh")]
        assert entry["sources"][0]["text"] == KOREAN[("fact", "hp-nq-45")]
        assert entry["sources"][0]["source"] == "출처: 45-NQ/TW"
        assert "#하이퐁" in entry["hashtags"]
    for name, data in ko_files.items():
        if name.endswith((".txt", ".json", ".csv")):
            text = data.decode("utf-8-sig").partition(RULE)[0]
            assert not vietnamese(text), (name, text)
    assert ko_files["index.csv"].decode("utf-8-sig").startswith("날짜,채널,주제,")
    # the Korean fact edited back to a draft: its posts stay out until reviewed again
    with Session(jobs.engine(db_url)) as s:
        row = s.exec(
            select(Translation).where(Translation.lang == "ko", Translation.ref == "hp-nq-45")
        ).one()
        translations.set_text(s, translation_id=row.id or 0, text=row.text + " ", actor="kim.park")
        s.commit()
    line = refused(
        capsys, "export", "kit", "--period", PERIOD, "--lang", "ko", "--database", db_url,
        "--out", str(tmp_path / "ko-again"),
    )  # fmt: skip
    assert line.startswith("--period: nothing approved in ko (Korean) in 2026-03"), line
    assert "fact hp-nq-45: no reviewed ko translation" in line, line
    assert not (tmp_path / "ko-again").exists()

    # --- nothing in the period: a refusal and no file ------------------------------------
    before = sorted(p.name for p in out.iterdir())
    line = refused(
        capsys, "export", "kit", "--period", "2026-Q2", "--lang", "en", "--database", db_url,
        "--out", str(out),
    )  # fmt: skip
    assert line.startswith("--period: nothing approved in en (English) in 2026-Q2"), line
    assert sorted(p.name for p in out.iterdir()) == before
    with Session(jobs.engine(db_url)) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "export.kit")).all()
    assert [e.entity_id for e in events] == [
        "kit-2026-03-en.zip",
        "kit-2026-03-vi.zip",
        "kit-2026-03-vi-trong-nuoc.zip",
        "kit-2026-03-ko.zip",
    ]
    assert events[0].detail["items"] == summary["items"]


def _demo_approved(db_url: str, given_campaign: Any) -> list[int]:
    """The demo campaign's first two days (Vietnamese), every item that may go approved."""
    given_campaign(db_url, "http://127.0.0.1:9", days=2)
    with Session(jobs.engine(db_url)) as s:
        editor, approver = user(s, "lan.nguyen"), user(s, "minh.tran")
        done = []
        for item in s.exec(select(ContentItem).order_by(col(ContentItem.id))):
            if item.hold_reasons:
                continue
            review.submit(s, item=item, actor=editor)
            review.approve(s, item=item, actor=approver)
            done.append(item.id or 0)
        s.commit()
    assert done
    return done


def test_a_kit_is_whole_or_absent(
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    given_campaign: Any,
) -> None:
    """A disk that fills while the ZIP is written leaves the kit written before untouched,
    no partial file and no audit row."""
    approved = _demo_approved(db_url, given_campaign)
    out = tmp_path / "kits"
    argv = ("--period", "2026-Q1", "--lang", "vi", "--out", str(out), "--as", "lan.nguyen")
    first = _kit(capsys, db_url, *argv)
    kit = Path(first["kit"])
    whole = kit.read_bytes()
    assert first["items"] and set(first["items"]) == set(approved)
    assert len(json.loads(_unzip(kit)["manifest.json"])["entries"]) == len(approved)

    def full(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full)
    line = refused(capsys, "export", "kit", *argv, "--database", db_url)
    assert "cannot write the vi kit for 2026-Q1: No space left on device" in line, line
    assert sorted(p.name for p in out.iterdir()) == [kit.name] and kit.read_bytes() == whole
    with Session(jobs.engine(db_url)) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "export.kit")).all()
    assert [e.actor for e in events] == ["lan.nguyen"]


def test_the_flags_it_cannot_read_are_one_line_each(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], given_campaign: Any
) -> None:
    _demo_approved(db_url, given_campaign)  # Vietnamese only, in March 2026
    base = ("export", "kit", "--database", db_url, "--out", str(tmp_path / "k"))
    for argv, said in (
        (("--period", "2026-13", "--lang", "en"), "--period: month 13 does not exist"),
        (("--period", "March", "--lang", "en"), "--period: 'March' is not YYYY-MM"),
        (("--period", "2026-03", "--lang", "kr"), "--lang: 'kr' is not a supported language"),
        (
            ("--period", "2026-03", "--lang", "en", "--audience", "embassies"),
            "--audience: 'embassies' is not an audience",
        ),
        (
            ("--period", "2026-03", "--lang", "ja"),
            "--period: nothing approved in ja (Japanese) in 2026-03",
        ),
        (
            ("--period", "2026-03", "--lang", "en"),
            "--period: nothing approved in en (English) in 2026-03",
        ),
        (
            ("--period", "2026-Q2", "--lang", "vi"),
            "--period: nothing approved in vi (Vietnamese) in 2026-Q2",
        ),
        (
            ("--period", "2026-03", "--lang", "vi", "--as", "nobody"),
            "error: --as: 'nobody' is not an active phuxanh user",
        ),
    ):
        line = refused(capsys, *base, *argv)
        assert line.startswith(said), (argv, line)
    assert not (tmp_path / "k").exists()  # nothing written, not even the folder
