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


_WHY = [
    (re.compile(r"theme (?P<code>\S+): (?P<done>\d+)/(?P<per>\d+) this week"),
     "chủ đề {code}: {done}/{per} bài tuần này"),
    (re.compile(r"wave (?P<name>.+), (?P<phase>peak|build-up|after) \((?P<d>D[^)]*)\)"),
     "đợt {name}, {phase} ({d})"),
    (re.compile(r"commemoration (?P<name>.+)"), "ngày kỷ niệm {name}"),
]
_PHASES = {"peak": "cao điểm", "build-up": "chuẩn bị", "after": "sau sự kiện"}


def why(text: str) -> str:
    """The planner's reason for a slot (recorded in English) in the interface language."""
    if lang() != "vi":
        return text
    parts = []
    for part in text.split("; "):
        shown = part
        for pattern, template in _WHY:
            found = pattern.fullmatch(part)
            if found:
                values = found.groupdict()
                if "phase" in values:
                    values["phase"] = _PHASES[values["phase"]]
                shown = template.format(**values)
                break
        parts.append(shown)
    return "; ".join(parts)
