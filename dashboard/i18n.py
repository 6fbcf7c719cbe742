"""Interface language: Vietnamese by default with an English switch; dates dd/mm/yyyy.

Strings live in `dashboard/strings.py`. `phuxanh` raises its errors in English (the CLI
and logs read them); `error()` shows each known one in Vietnamese on the Vietnamese
interface, line by line, and leaves file and field names as they are.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from dashboard.strings import EN, ERRORS_VI, STATUS_EN, STATUS_VI, VI, WORDS_EN, WORDS_VI

STRINGS: dict[str, dict[str, str]] = {"vi": VI, "en": EN}
STATUS: dict[str, dict[str, str]] = {"vi": STATUS_VI, "en": STATUS_EN}
WORDS: dict[str, dict[str, str]] = {"vi": WORDS_VI, "en": WORDS_EN}
_ERRORS = [(re.compile(pattern), text) for pattern, text in ERRORS_VI]


def lang() -> str:
    return str(st.session_state.get("lang", "vi"))


def t(key: str, **values: Any) -> str:
    return STRINGS[lang()][key].format(**values)


def status(value: str) -> str:
    return STATUS[lang()].get(value, value)


def word(value: str) -> str:
    return WORDS[lang()].get(value, value)


def error_line(line: str, language: str = "vi") -> str:
    if language != "vi":
        return line
    for pattern, text in _ERRORS:
        found = pattern.fullmatch(line.strip())
        if found:
            values = {k: v for k, v in found.groupdict().items() if v is not None}
            if "status" in values:
                values["status"] = STATUS_VI.get(values["status"], values["status"])
            for key in ("role", "what"):
                if key in values:
                    values[key] = WORDS_VI.get(values[key], values[key])
            return text.format(**values)
    return line


def error(exc: Exception) -> str:
    """A domain error in the interface's language."""
    return "\n".join(error_line(line, lang()) for line in str(exc).splitlines())
