"""The content languages phuxanh writes in, as data: `content/languages.yaml` (the one list;
a deployment's content folder may carry its own). vi, en, zh (Simplified), ko and ja ship;
a line there adds another.

vi and en are the catalog's own languages (the theme files hold both, and the English is
the catalog's, treated as reviewed); every other language is written as `Translation` rows
(phuxanh/catalog/translations.py), usable once a person who reads it has reviewed them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from phuxanh.core.errors import ValidationFailed
from phuxanh.core.yamlio import content_list, content_list_file

# the combining marks of ă â ê ô ơ ư (breve, circumflex, horn) and of the five tones
# (huyền, sắc, ngã, hỏi, nặng), as Unicode decomposes them; đ stands alone
VIETNAMESE_MARKS = frozenset("\u0306\u0302\u031b\u0300\u0301\u0303\u0309\u0323")
CATALOG = ("vi", "en")  # held in the catalog's own columns (Fact.text_vi/text_en …)


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1
    name_vi: str
    name_en: str
    native: str
    script: str  # ISO 15924: Latn, Hans, Kore, Jpan …
    source_label: str  # the word before a source: "Nguồn", "Source", "출처"
    mark: str  # a caption's mark for this language's block when it is not the first

    def name(self, ui: str = "en") -> str:
        return self.name_vi if ui == "vi" else self.name_en


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Names(_Strict):
    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)


class _LanguageSpec(_Strict):
    code: str = Field(pattern=r"^[a-z]{2,3}$", description="ISO 639-1 (or 639-3) code")
    name: _Names
    native: str = Field(min_length=1)
    script: str = Field(pattern=r"^[A-Z][a-z]{3}$", description="ISO 15924 code")
    source_label: str = Field(min_length=1)
    mark: str = Field(default="", description="default: the code in capitals")


class _LanguagesFile(_Strict):
    languages: list[_LanguageSpec] = Field(min_length=2)

    @field_validator("languages")
    @classmethod
    def _each_once_with_the_catalogs_own(cls, value: list[_LanguageSpec]) -> list[_LanguageSpec]:
        codes = [lang.code for lang in value]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)} given twice (each language once)")
        lacking = [c for c in CATALOG if c not in codes]
        if lacking:
            raise ValueError(f"{', '.join(lacking)} missing (the catalog's own languages)")
        return value


def languages_file() -> Path:
    """The content folder's languages.yaml, or the one phuxanh ships."""
    return content_list_file("languages.yaml")


def _make(spec: _LanguagesFile) -> dict[str, Language]:
    return {
        lang.code: Language(
            code=lang.code,
            name_vi=lang.name.vi,
            name_en=lang.name.en,
            native=lang.native,
            script=lang.script,
            source_label=lang.source_label,
            mark=lang.mark or lang.code.upper(),
        )
        for lang in spec.languages
    }


def supported() -> dict[str, Language]:
    """Every supported content language by code, in the file's order."""
    return content_list("languages.yaml", _LanguagesFile, _make)


def problem(code: str) -> str | None:
    """Why `code` is not a content language phuxanh writes in (None: it is)."""
    known = supported()
    if code in known:
        return None
    return (
        f"{code!r} is not a supported language (supported: {', '.join(known)}; "
        f"more are added in {languages_file().name})"
    )


def language(code: str, where: str = "--lang") -> Language:
    """The language `code`; ValidationFailed naming it (and `where`) when not supported."""
    found = supported().get(code)
    if found is None:
        raise ValidationFailed([f"{where}: {problem(code)}"])
    return found


def source_label(code: str) -> str:
    found = supported().get(code)
    return found.source_label if found is not None else "Source"


def mark(code: str) -> str:
    found = supported().get(code)
    return found.mark if found is not None else code.upper()


def vietnamese(text: str) -> bool:
    """Whether `text` carries letters only Vietnamese writes (ă â đ ê ô ơ ư, or a tone mark
    on a Latin letter): text a channel in another language must not receive."""
    return any(
        ch == "đ" or ch in VIETNAMESE_MARKS for ch in unicodedata.normalize("NFD", text.casefold())
    )
