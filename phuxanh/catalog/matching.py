"""Map before adding: which existing catalog theme an imported theme is (pure).

An imported theme matches a catalog theme that already cites its section (a reference
"05-HD/ĐU:II.1.2", or a whole section "21-HD/BTGDVTW:II" that contains it; the most
specific wins), or else the theme whose words it shares most: accent-insensitive pairs of
syllables ("bau cu", "hoi nhap", "hai phong" …) from titles, key messages, slogans and
facts, each weighted by how few catalog themes use it (a pair every theme has says
nothing), compared by cosine similarity. Below `THRESHOLD`, or when a second theme is
nearly as close (`MARGIN`), the imported theme is new, and its code carries the issuing unit
(`unit_slug`) so that two wards' drafts never propose the same code.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from phuxanh.core.text import fold

THRESHOLD = 0.075  # cosine similarity below which an imported theme is new
MARGIN = 2.0  # and the best catalog theme must be this many times closer than the next
TOP_WORDS = 4  # shared phrases named in `why`
# Syllable pairs of the genre itself: in every theme of every directive, they tell none apart.
GENRE = {
    "thong tin",
    "tuyen truyen",
    "doi ngoai",
    "cong tac",
    "tang cuong",
    "day manh",
    "thanh pho",
    "viet nam",
    "cac co",
    "co quan",
    "quoc te",
    "cua dang",
    "nam 2026",
}
UNIT_WORDS = [
    ("ban tuyen giao va dan van", "btgdv"),
    ("ban tuyen giao", "btg"),
    ("ban dan van", "bdv"),
    ("uy ban nhan dan", "ubnd"),
    ("hoi dong nhan dan", "hdnd"),
    ("dang uy", "du"),
    ("dang bo", "db"),
    ("thanh uy", "tu"),
    ("tinh uy", "tinhu"),
    ("trung uong", "tw"),
    ("truong dai hoc", "dh"),
    ("dai hoc", "dh"),
    ("thanh pho", "tp"),
    ("so van hoa, the thao va du lich", "so-vhttdl"),
]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text).lower())


def pairs(text: str) -> Counter[str]:
    """Accent-insensitive pairs of neighbouring syllables (Vietnamese words are mostly two
    syllables: "bầu cử", "đối ngoại"), the genre's own pairs left out."""
    out: Counter[str] = Counter()
    for line in text.splitlines():
        w = words(line)
        out.update(f"{a} {b}" for a, b in itertools.pairwise(w) if f"{a} {b}" not in GENRE)
    return out


def unit_slug(issuer: str | None, limit: int = 30) -> str:
    """A short code for the issuing unit: 'Đảng uỷ trường Đại học Y Dược Hải Phòng' →
    'du-dh-y-duoc-hai-phong', 'Ban Tuyên giáo và Dân vận Thành ủy' → 'btgdv-tu'."""
    text = " ".join(words(issuer or ""))
    for long, short in UNIT_WORDS:
        text = re.sub(rf"\b{re.escape(' '.join(words(long)))}\b", short, text)
    out = ""
    for word in re.sub(r"[^a-z0-9]+", " ", text).split():
        if len(out) + len(word) + 1 > limit:
            break
        out = f"{out}-{word}" if out else word
    return out or "don-vi"


def _norm(profile: Counter[str], weight: Callable[[str], float]) -> float:
    return math.sqrt(sum((weight(p) * c) ** 2 for p, c in profile.items()))


def _covers(ref: str, code: str, section: str) -> int:
    """How specific a catalog reference to `code` covering `section` is (0: it does not)."""
    doc, _, part = ref.partition(":")
    if doc != code:
        return 0
    if not part:
        return 1
    if section == part or section.startswith(part + "."):
        return 1 + part.count(".") + 1
    return 0


def match(
    imported: list[dict[str, Any]],
    catalog: list[dict[str, Any]],
    *,
    directive: str,
) -> list[dict[str, Any] | None]:
    """For each imported theme ({code, ref, title, text}), its catalog theme ({code,
    title, text, directives}) as {catalog, score, why}, or None when it is new."""
    profiles = {t["code"]: pairs(t["text"]) for t in catalog}
    seen_in = Counter(p for prof in profiles.values() for p in prof)
    n = max(len(catalog), 1)

    def weight(pair: str) -> float:
        return math.log((n + 1) / (seen_in.get(pair, 0) + 0.5))

    out: list[dict[str, Any] | None] = []
    for theme in imported:
        mine = pairs(f"{theme['title']}\n{theme['title']}\n{theme['text']}")
        norm = _norm(mine, weight)
        scored = []
        for t in catalog:
            prof = profiles[t["code"]]
            shared = [p for p in mine if p in prof]
            score = sum(weight(p) ** 2 * mine[p] * prof[p] for p in shared) / (
                norm * _norm(prof, weight) or 1.0
            )
            shared.sort(key=lambda p: (-(weight(p) ** 2) * mine[p] * prof[p], p))
            cites = max((_covers(r, directive, theme["ref"]) for r in t["directives"]), default=0)
            scored.append((cites, score, t, shared[:TOP_WORDS]))
        # the most specific citation first (two themes citing the same section: the closer
        # in words), then the closest in words
        scored.sort(key=lambda s: (-s[0], -s[1], s[2]["code"]))
        if scored and scored[0][0]:
            cites, _, best, _ = scored[0]
            ref = max(best["directives"], key=lambda r: _covers(r, directive, theme["ref"]))
            out.append({"catalog": best["code"], "score": 1.0, "why": f"already cites {ref}"})
        elif (
            scored
            and scored[0][1] >= THRESHOLD
            and (len(scored) == 1 or scored[0][1] >= MARGIN * scored[1][1])
        ):
            _, score, best, shared = scored[0]
            out.append(
                {
                    "catalog": best["code"],
                    "score": round(score, 2),
                    "why": "shares " + ", ".join(f"“{p}”" for p in shared),
                }
            )
        else:
            out.append(None)
    return out
