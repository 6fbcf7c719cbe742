"""An item's history, read only: every saved version (what changed, with a diff of its
captions), every decision (approvals, rejections, requests for changes) and every comment
of its review conversation, oldest first, as typed rows the desk and the CLI show.

A version's changes compare it with the version before: captions as a unified diff
(`difflib`), then each other thing that differs (a card's template fields, the media file,
the time, the alt text, the channels) as a `FieldChange`. A decision belongs to the
version that was current when it was made. A reason given with "reject" or "request
changes" is kept twice (the decision and the conversation, `ItemComment`); the timeline
shows it once, on the decision.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlmodel import Session, col, select

from phuxanh.core.errors import NotFound
from phuxanh.models import Approval, Channel, ContentItem, ItemComment, ItemVersion, User

# a decision's reason is its own row of the conversation too; shown on the decision
DECISION_KINDS = ("changes", "reject")


@dataclass(frozen=True)
class FieldChange:
    """One thing a version changed: `field` is `card.NAME` (a template field of the card),
    `media`, `scheduled_at` (ISO 8601, UTC), `alt_text` or `channels`."""

    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class VersionEntry:
    """A saved version: who saved it, when, their note, and what it holds and changed
    (`caption_diff` is empty for the first version and when no caption changed)."""

    entry: ClassVar[str] = "version"
    at: dt.datetime
    version: int
    editor: str
    note: str | None
    caption: str
    captions: dict[str, str]
    media_path: str | None
    alt_text: str | None
    scheduled_at: dt.datetime | None
    channels: tuple[str, ...]
    caption_diff: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class DecisionEntry:
    """An approval (`decision` "approved"), a rejection ("reject") or a request for
    changes ("request_changes"), with its reason, on `version`."""

    entry: ClassVar[str] = "decision"
    at: dt.datetime
    version: int
    user: str
    decision: str
    comment: str | None
    content_hash: str


@dataclass(frozen=True)
class CommentEntry:
    """A comment in the review conversation, on `version`."""

    entry: ClassVar[str] = "comment"
    at: dt.datetime
    version: int
    user: str
    kind: str
    text: str


Entry = VersionEntry | DecisionEntry | CommentEntry
_ORDER = {"version": 0, "decision": 1, "comment": 2}  # at the same instant


def _shown(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _when(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def caption_diff(before: ItemVersion | None, after: ItemVersion) -> str:
    """The unified diff of the common caption and of each channel's own caption, from
    version `before` to `after` (empty when none changed or there is no version before)."""
    if before is None:
        return ""
    out: list[str] = []
    pairs = [("caption", before.caption, after.caption)] + [
        (f"caption[{code}]", before.captions.get(code, ""), after.captions.get(code, ""))
        for code in sorted(set(before.captions) | set(after.captions))
    ]
    for name, old, new in pairs:
        if old == new:
            continue
        out += difflib.unified_diff(
            old.splitlines(),
            new.splitlines(),
            fromfile=f"v{before.version}/{name}",
            tofile=f"v{after.version}/{name}",
            lineterm="",
        )
    return "\n".join(out)


def field_changes(
    before: ItemVersion | None, after: ItemVersion, codes: dict[int, str]
) -> tuple[FieldChange, ...]:
    """What else differs from version `before` to `after` (not the captions, which
    `caption_diff` shows): card fields, media, time, alt text, channels."""
    if before is None:
        return ()
    out = [
        FieldChange(f"card.{name}", _shown(before.card_values.get(name)), _shown(value))
        for name in sorted(set(before.card_values) | set(after.card_values))
        if (value := after.card_values.get(name)) != before.card_values.get(name)
    ]
    if before.media_path != after.media_path:
        out.append(FieldChange("media", before.media_path, after.media_path))
    if before.scheduled_at != after.scheduled_at:
        out.append(
            FieldChange("scheduled_at", _when(before.scheduled_at), _when(after.scheduled_at))
        )
    if before.alt_text != after.alt_text:
        out.append(FieldChange("alt_text", before.alt_text, after.alt_text))
    if before.channel_ids != after.channel_ids:

        def named(ids: list[int]) -> str:
            return ", ".join(sorted(codes.get(i, f"#{i}") for i in ids))

        out.append(FieldChange("channels", named(before.channel_ids), named(after.channel_ids)))
    return tuple(out)


def timeline(session: Session, item_id: int) -> list[Entry]:
    """The item's versions, decisions and comments, oldest first (NotFound naming `ID`
    when there is no such item)."""
    item = session.get(ContentItem, item_id)
    if item is None:
        raise NotFound(code="item.not_found", field="ID", id=item_id)
    versions = list(
        session.exec(
            select(ItemVersion)
            .where(ItemVersion.content_item_id == item_id)
            .order_by(col(ItemVersion.version), col(ItemVersion.id))
        )
    )
    decisions = list(
        session.exec(
            select(Approval)
            .where(Approval.content_item_id == item_id)
            .order_by(col(Approval.at), col(Approval.id))
        )
    )
    comments = list(
        session.exec(
            select(ItemComment)
            .where(
                ItemComment.content_item_id == item_id,
                col(ItemComment.kind).not_in(DECISION_KINDS),
            )
            .order_by(col(ItemComment.at), col(ItemComment.id))
        )
    )
    people = {v.editor_id for v in versions} | {d.user_id for d in decisions}
    people |= {c.user_id for c in comments}
    names = {u.id: u.username for u in session.exec(select(User).where(col(User.id).in_(people)))}
    channel_ids = {i for v in versions for i in v.channel_ids}
    codes = {
        c.id or 0: c.code
        for c in session.exec(select(Channel).where(col(Channel.id).in_(channel_ids)))
    }

    def who(user_id: int) -> str:
        return names.get(user_id, f"#{user_id}")

    def version_at(at: dt.datetime) -> int:
        """The version current at `at`: the newest saved by then (the item's own when
        none was saved yet)."""
        saved = [v.version for v in versions if v.at <= at]
        return max(saved) if saved else (versions[0].version if versions else item.version)

    rows: list[tuple[dt.datetime, int, int, Entry]] = []
    previous: ItemVersion | None = None
    for v in versions:
        rows.append(
            (
                v.at,
                _ORDER["version"],
                v.id or 0,
                VersionEntry(
                    at=v.at,
                    version=v.version,
                    editor=who(v.editor_id),
                    note=v.note,
                    caption=v.caption,
                    captions=dict(v.captions),
                    media_path=v.media_path,
                    alt_text=v.alt_text,
                    scheduled_at=v.scheduled_at,
                    channels=tuple(sorted(codes.get(i, f"#{i}") for i in v.channel_ids)),
                    caption_diff=caption_diff(previous, v),
                    changes=field_changes(previous, v, codes),
                ),
            )
        )
        previous = v
    for d in decisions:
        entry = DecisionEntry(
            at=d.at,
            version=version_at(d.at),
            user=who(d.user_id),
            decision=d.decision,
            comment=d.comment,
            content_hash=d.content_hash,
        )
        rows.append((d.at, _ORDER["decision"], d.id or 0, entry))
    for c in comments:
        said = CommentEntry(
            at=c.at, version=c.version, user=who(c.user_id), kind=c.kind, text=c.text
        )
        rows.append((c.at, _ORDER["comment"], c.id or 0, said))
    rows.sort(key=lambda row: row[:3])
    return [row[3] for row in rows]


def as_json(entry: Entry) -> dict[str, Any]:
    """One row as plain JSON data: its `entry` kind first, times in ISO 8601 (UTC)."""
    out: dict[str, Any] = {"entry": entry.entry}
    for name, value in vars(entry).items():
        if isinstance(value, dt.datetime):
            out[name] = _when(value)
        elif name == "changes":
            out[name] = [vars(c) for c in value]
        elif isinstance(value, tuple):
            out[name] = list(value)
        else:
            out[name] = value
    return out
