"""Who content is for, as data: `content/audiences.yaml` (the one list; a deployment's
content folder may carry its own). Channels (the campaign file), themes (the theme files)
and items (`item create --audience`) carry audience codes; reports and the Coverage page
count results by them.

An item's audiences are its own when it names some, else its channels', else its theme's
(`of_item`): a post on the English channel for investors counts for investors unless its
author said otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from phuxanh.core.errors import ValidationFailed
from phuxanh.core.yamlio import content_list, content_list_file


@dataclass(frozen=True)
class Audience:
    code: str
    name_vi: str
    name_en: str
    foreign: bool  # abroad or foreign: the "đối ngoại" results

    def name(self, ui: str = "vi") -> str:
        return self.name_vi if ui == "vi" else self.name_en


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Names(_Strict):
    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)


class _AudienceSpec(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9-]{1,31}$")
    name: _Names
    foreign: bool = False


class _AudiencesFile(_Strict):
    audiences: list[_AudienceSpec] = Field(min_length=1)

    @field_validator("audiences")
    @classmethod
    def _each_once(cls, value: list[_AudienceSpec]) -> list[_AudienceSpec]:
        codes = [a.code for a in value]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} given twice (each audience once)")
        return value


def audiences_file() -> Path:
    """The content folder's audiences.yaml, or the one phuxanh ships."""
    return content_list_file("audiences.yaml")


def _make(spec: _AudiencesFile) -> dict[str, Audience]:
    return {
        a.code: Audience(code=a.code, name_vi=a.name.vi, name_en=a.name.en, foreign=a.foreign)
        for a in spec.audiences
    }


def known() -> dict[str, Audience]:
    """Every audience by code, in the file's order."""
    return content_list("audiences.yaml", _AudiencesFile, _make)


def problem(code: str) -> str | None:
    """Why `code` is not an audience (None: it is)."""
    have = known()
    if code in have:
        return None
    return (
        f"{code!r} is not an audience (known: {', '.join(have)}; "
        f"more are added in {audiences_file().name})"
    )


def checked(codes: list[str], where: str = "--audience") -> list[str]:
    """`codes` once each, in order; ValidationFailed naming `where` for one not known."""
    bad = [p for c in codes if (p := problem(c))]
    if bad:
        raise ValidationFailed([f"{where}: {p}" for p in bad])
    return list(dict.fromkeys(codes))


def valid_list(value: list[str]) -> list[str]:
    """A pydantic validator's body: the codes once each, or ValueError naming the unknown."""
    bad = [p for c in value if (p := problem(c))]
    if bad:
        raise ValueError("; ".join(bad))
    return list(dict.fromkeys(value))


def of_item(
    item_audiences: list[str],
    channel_audiences: list[list[str]],
    theme_audiences: list[str] | None = None,
) -> list[str]:
    """Who an item (or one publication of it) is for: the item's own audiences when its
    author named some; else its channels' (the channel a publication went out on, or the
    union of the item's channels, in their order); else its theme's; else none."""
    if item_audiences:
        return list(item_audiences)
    out: list[str] = []
    for codes in channel_audiences:
        out += [c for c in codes if c not in out]
    return out or list(theme_audiences or [])
