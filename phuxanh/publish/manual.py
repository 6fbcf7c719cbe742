"""A manual channel's post, ready for a person to paste or upload (`publication export`).

A manual channel (`platforms.manual`: a portal on another platform, a notice board, a
partner's page) is never posted to by phuxanh. When its post falls due the publisher leaves
it in needs_check with a reason that says so and mails the channel's unit
(`publisher._hand_over`, `notify.handoffs`). The person exports it here: a small folder with

- `caption.txt`: the approved caption for this channel (NFC, the link on its own line),
- the media file (the approved image or video, byte for byte),
- `alt.txt`: the alt text, what the image or video shows (when the item has one),
- `huong-dan.txt`: where and when to post it, and how to say it is live;

then posts it and settles it with `publication resolve ID --live URL`, after which it counts
in coverage and reports like any other post.

Only what was approved is exported: an item changed since (its content hash is no longer
the one the publication was approved with) must be approved again first.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from pathlib import Path
from typing import Any

from sqlmodel import Session

from phuxanh.core.errors import NotFound, PhuxanhError, ValidationFailed
from phuxanh.core.settings import get_settings
from phuxanh.media import stored
from phuxanh.models import Channel, ContentItem, Publication, PubState
from phuxanh.platforms.base import append_link
from phuxanh.platforms.manual import MANUAL
from phuxanh.review import caption_for, content_hash

CAPTION, ALT, GUIDE = "caption.txt", "alt.txt", "huong-dan.txt"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").strip() + "\n"


def export(session: Session, *, pub_id: int, out: Path) -> dict[str, Any]:
    """Write publication `pub_id` (on a manual channel) into `out/phuxanh-<id>/`; returns
    the folder and its files. Refuses a publication of an API channel, one that was
    cancelled or failed, content changed since approval, a missing media file, and a
    folder that is there already (nothing is overwritten)."""
    pub = session.get(Publication, pub_id)
    if pub is None:
        raise NotFound(f"ID: publication {pub_id} does not exist")
    channel = session.get(Channel, pub.channel_id)
    item = session.get(ContentItem, pub.content_item_id)
    assert channel is not None and item is not None
    if channel.platform != MANUAL:
        raise ValidationFailed(
            [
                f"ID: publication {pub_id} is on {channel.platform} channel {channel.code}: "
                "phuxanh posts it itself; only a manual channel's posts are exported"
            ]
        )
    if pub.state == PubState.failed:
        raise ValidationFailed(
            [f"ID: publication {pub_id} is failed ({pub.last_error or 'cancelled'}): no post"]
        )
    if pub.state == PubState.published:  # exporting again invites a second post
        raise ValidationFailed(
            [f"ID: publication {pub_id} is live already ({pub.remote_url or 'marked live'})"]
        )
    if content_hash(session, item) != pub.approved_hash:
        raise ValidationFailed(
            [
                f"ID: item {item.id} changed after publication {pub_id} was approved; "
                "it must be approved again before it is posted"
            ]
        )
    media = stored.resolve(item.media_path)
    if media is not None and not media.is_file():
        raise ValidationFailed([f"ID: item {item.id}: media file {media} is missing"])
    folder = out / f"phuxanh-{pub_id}"
    if folder.exists():
        raise ValidationFailed([f"--out: {folder} exists already; move it or choose another"])
    files: dict[str, str] = {CAPTION: _nfc(append_link(caption_for(item, channel), item.link))}
    if item.alt_text and item.alt_text.strip():
        files[ALT] = _nfc(item.alt_text)
    files[GUIDE] = _guide(pub, channel, media)
    tmp = out / f".phuxanh-{pub_id}.{os.getpid()}.part"
    try:
        tmp.mkdir(parents=True)
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
        if media is not None:
            shutil.copyfile(media, tmp / media.name)
        tmp.rename(folder)
    except OSError as exc:
        raise PhuxanhError(f"--out: cannot write {folder}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    names = sorted([*files, *([media.name] if media is not None else [])])
    return {"publication": pub_id, "channel": channel.code, "folder": str(folder), "files": names}


def _guide(pub: Publication, channel: Channel, media: Path | None) -> str:
    when = pub.scheduled_at.astimezone(get_settings().tz).strftime("%H:%M ngày %d/%m/%Y")
    place = f" ({channel.api_base_url})" if channel.api_base_url else ""
    steps = [f"Dán nội dung trong {CAPTION} (đã được duyệt; không sửa)."]
    if media is not None:
        steps.append(f"Tải lên tệp {media.name}; nếu nơi đăng có ô mô tả ảnh, dán {ALT}.")
    steps.append(
        "Sau khi đăng, ghi đường dẫn bài để bài được tính vào báo cáo:\n"
        f"   phuxanh publication resolve {pub.id} --live URL --as <tên đăng nhập>"
    )
    lines = [
        f"Bài đăng #{pub.id} cho kênh đăng thủ công “{channel.display_name}”{place}.",
        f"Giờ đăng theo lịch: {when}.",
        "",
        *(f"{i}. {step}" for i, step in enumerate(steps, 1)),
    ]
    return "\n".join(lines) + "\n"
