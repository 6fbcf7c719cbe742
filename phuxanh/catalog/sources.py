"""The shipped directive texts (`content/directives/text/`) as something a quote is checked
against: accents, case, Markdown marks, quotation marks, dash kinds and line breaks do not
count ("Năng động – Nghĩa tình" is found in '“Năng động - Nghĩa tình”'; a sentence cut by
a page break is found whole)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phuxanh.core.text import fold

TEXT_DIR = ("directives", "text")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[*_#`“”\"'‘’«»¹²³⁴⁵⁶⁷⁸⁹⁰\ufffd]", "", text)
    text = re.sub(r"[–—−]", "-", text)
    return " ".join(fold(text).casefold().split())


@dataclass
class Shipped:
    """One directive whose text is shipped: its file, its normalised text and the section
    references a theme may cite ("II", "II.1.2", a phase topic "II.1.3")."""

    path: Path
    text: str
    sections: set[str] = field(default_factory=set)

    def has(self, quote: str) -> bool:
        wanted = normalise(quote)
        return bool(wanted) and wanted in self.text


def shipped(path: Path) -> Shipped:
    from phuxanh.catalog.directives import parse

    raw = path.read_text(encoding="utf-8", errors="replace")
    parsed = parse(raw)
    refs: set[str] = set()

    def walk(node: dict[str, Any], section: str) -> None:
        refs.add(f"{section}.{node['code']}")  # numbered codes are whole: "1.2", not "2"
        for child in node["children"]:
            walk(child, section)

    for top in parsed["sections"]:
        refs.add(str(top["code"]))
        for child in top["children"]:
            walk(child, str(top["code"]))
    refs.update(t["ref"] for t in parsed["themes"])
    return Shipped(path=path, text=normalise(raw), sections=refs)


def section_list(found: Shipped, limit: int = 20) -> str:
    def key(ref: str) -> list[tuple[int, str]]:
        return [(0, p.zfill(3)) if p.isdigit() else (1, p) for p in ref.split(".")]

    refs = sorted(found.sections, key=key)
    more = f" … ({len(refs) - limit} more)" if len(refs) > limit else ""
    return ", ".join(refs[:limit]) + more
