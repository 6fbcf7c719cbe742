"""Interface language: Vietnamese by default with an English switch; dates dd/mm/yyyy.

Strings live in `dashboard/strings.py`. A `phuxanh` error raised with a message code
(`phuxanh/core/messages.py`) is shown in the interface's language by `error()`, the input
it names in the words of the desk's forms (`FIELDS_VI`/`FIELDS_EN`) instead of a CLI flag;
one raised as plain text (English) is shown as it is.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from dashboard.strings import (
    EN,
    FIELDS_EN,
    FIELDS_VI,
    STATUS_EN,
    STATUS_VI,
    VI,
    WORDS_EN,
    WORDS_VI,
)
from phuxanh.core.errors import PhuxanhError

STRINGS: dict[str, dict[str, str]] = {"vi": VI, "en": EN}
STATUS: dict[str, dict[str, str]] = {"vi": STATUS_VI, "en": STATUS_EN}
WORDS: dict[str, dict[str, str]] = {"vi": WORDS_VI, "en": WORDS_EN}
FIELDS: dict[str, dict[str, str]] = {"vi": FIELDS_VI, "en": FIELDS_EN}


def lang() -> str:
    return str(st.session_state.get("lang", "vi"))


def t(key: str, **values: Any) -> str:
    return STRINGS[lang()][key].format(**values)


def status(value: str) -> str:
    return STATUS[lang()].get(value, value)


def post_state(state: str, platform: str) -> str:
    """A post's state as a person reads it: a manual channel's due post is not "to be
    checked" but waits to be posted by hand."""
    if state == "needs_check" and platform == "manual":
        return t("post.manual_due")
    return status(state)


def word(value: str) -> str:
    return WORDS[lang()].get(value, value)


def describe(exc: Exception, language: str) -> str:
    """`exc` in `language`: a coded domain error from the message catalog, each line, with
    the fields it names as the desk's forms call them; any other error as it is."""
    if isinstance(exc, PhuxanhError):
        return exc.text(language, fields=FIELDS[language])
    return str(exc)


def error(exc: Exception) -> str:
    """A domain error in the interface's language."""
    return describe(exc, lang())


_WHY = [
    (
        re.compile(r"theme (?P<code>\S+): (?P<done>\d+)/(?P<per>\d+) this week"),
        "chủ đề {code}: {done}/{per} bài tuần này",
    ),
    (
        re.compile(r"wave (?P<name>.+), (?P<phase>peak|build-up|after) \((?P<d>D[^)]*)\)"),
        "đợt {name}, {phase} ({d})",
    ),
    (re.compile(r"commemoration (?P<name>.+)"), "ngày kỷ niệm {name}"),
]
_PHASES = {"peak": "cao điểm", "build-up": "chuẩn bị", "after": "sau sự kiện"}


def why(text: str, theme: str | None = None) -> str:
    """The planner's reason for a slot (recorded in English) in the interface language;
    `theme`: the slot's theme title in that language, shown instead of its code."""
    parts = []
    for part in text.split("; "):
        shown = part
        for pattern, template in _WHY:
            found = pattern.fullmatch(part)
            if found:
                values = found.groupdict()
                if "code" in values and theme:
                    values["code"] = f"“{theme}”"
                if lang() != "vi":
                    if "code" in values:  # only the theme's name changes in English
                        done, per = values["done"], values["per"]
                        shown = f"theme {values['code']}: {done}/{per} this week"
                    break
                if "phase" in values:
                    values["phase"] = _PHASES[values["phase"]]
                shown = template.format(**values)
                break
        parts.append(shown)
    return "; ".join(parts)
