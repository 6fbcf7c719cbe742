"""Composed public content against its sources.

The demo campaign's drafts are composed as the office would compose them, and each public
draft (caption, per-channel captions, card fields, alt text) is read the way a reader
would read it:

- every catalog fact it shows names its source on a "Nguồn:" line, in the caption and on
  the card;
- where that source is a directive whose text is shipped (`content/directives/text/`),
  the words the fact comes from are in that text, and so is the figure the card prints;
  every other line shown above a "Nguồn:" line that names a shipped directive (a key
  message, a point, a slogan) is worded from that directive: its quote is in that text;
- no draft tells the public an office's internal reporting deadline (the directives'
  reporting obligations, read by `catalog.duties`, or "Hạn gửi báo cáo" and the like);
- every text is in Unicode NFC.

The quotes are looked up with the catalog's own reading of the shipped texts
(`catalog.sources.shipped`, accent- and whitespace-normalised) and the catalog's own rule
for which directive a fact names (`catalog.themes._fact_directive`); `catalog check`
itself must pass too. The negative cases break a copy of the data (a directive text, a
caption) and show the check fail, naming the draft and what is wrong.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session, col, select

from phuxanh import jobs
from phuxanh.catalog.directives import parse
from phuxanh.catalog.sources import TEXT_DIR, Shipped, normalise, shipped
from phuxanh.catalog.themes import (
    DirectiveSpec,
    FactSpec,
    ThemeSpec,
    _fact_directive,
    _quotes,
    check_catalog,
)
from phuxanh.core.yamlio import load_located, validate_doc
from phuxanh.models import ContentItem, Fact, ItemVersion, Theme

CONTENT = Path(__file__).resolve().parent.parent / "content"
SOURCE_LINE = re.compile(r"^(?:Nguồn|Source):\s*(.+)$")
# how a reporting deadline is worded (folded: no accents, lower case)
DEADLINE_WORDS = (
    "han gui bao cao",
    "han nop bao cao",
    "thoi han bao cao",
    "che do bao cao",
    "bao cao dinh ky",
    "gui bao cao ve",
)


# --- the sources: the catalog and the shipped directive texts ---------------------------


@dataclass
class Sources:
    """The catalog as its files say it, and the directives whose text is shipped."""

    directives: dict[str, DirectiveSpec]
    themes: dict[str, ThemeSpec]
    facts: dict[str, FactSpec]
    texts: dict[str, Shipped]
    deadlines: list[str]  # internal reporting deadlines, as a draft could print them
    duties: list[str]  # the reporting obligations' own words (normalised)

    def directive_of_credit(self, credit: str) -> str | None:
        """The catalog directive a "Nguồn:" line names (by its number, else its title)."""
        for code, d in self.directives.items():
            if d.number and d.number in credit:
                return code
        named = [
            (len(d.title), code)
            for code, d in self.directives.items()
            if normalise(d.title) in normalise(credit)
        ]
        return max(named)[1] if named else None  # the longest title it holds


def load_sources(root: Path) -> Sources:
    directives = {
        d.code: d
        for d in (
            validate_doc(load_located(p), DirectiveSpec)
            for p in sorted((root / "directives").glob("*.yaml"))
        )
    }
    themes = {
        t.code: t
        for t in (
            validate_doc(load_located(p), ThemeSpec)
            for p in sorted((root / "themes").glob("*.yaml"))
        )
    }
    folder = root.joinpath(*TEXT_DIR)
    texts = {
        code: shipped(folder / d.source_file)
        for code, d in directives.items()
        if d.source_file and (folder / d.source_file).is_file()
    }
    deadlines: set[str] = set()
    duties: list[str] = []
    for d in directives.values():
        if not d.source_file or not (folder / d.source_file).is_file():
            continue
        parsed = parse((folder / d.source_file).read_text(encoding="utf-8"))
        for duty in parsed["obligations"]:
            duties.append(normalise(str(duty["text"])))
            due = duty.get("due")
            if due:
                y, m, day = (int(x) for x in str(due).split("-"))
                deadlines |= {
                    f"{day}/{m}/{y}",
                    f"{day:02d}/{m:02d}/{y}",
                    f"{day}/{m}",
                    f"{day:02d}/{m:02d}",
                }
    return Sources(
        directives=directives,
        themes=themes,
        facts={f.id: f for t in themes.values() for f in t.facts},
        texts=texts,
        deadlines=sorted(deadlines),
        duties=duties,
    )


# --- the drafts: what each shows --------------------------------------------------------


@dataclass
class Draft:
    id: int
    theme: str
    ref: str
    facts: list[str]  # catalog fact ids
    caption: str
    texts: dict[str, str] = field(default_factory=dict)  # where -> text, caption included
    card: dict[str, object] = field(default_factory=dict)


def _strings(value: object, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{where}[{i}]")


def public_drafts(db_url: str) -> list[Draft]:
    out: list[Draft] = []
    with Session(jobs.engine(db_url)) as s:
        themes = {t.id: t.code for t in s.exec(select(Theme))}
        facts = {f.id: f.code for f in s.exec(select(Fact))}
        for item in s.exec(select(ContentItem).order_by(col(ContentItem.id))):
            version = s.exec(
                select(ItemVersion)
                .where(ItemVersion.content_item_id == item.id)
                .order_by(col(ItemVersion.version).desc())
            ).first()
            draft = Draft(
                id=item.id or 0,
                theme=themes.get(item.theme_id, ""),
                ref=item.content_ref or "",
                facts=[facts[i] for i in item.fact_ids],
                caption=item.caption,
                card=dict(version.card_values) if version is not None else {},
            )
            draft.texts["caption"] = item.caption
            for channel, text in item.captions.items():
                draft.texts[f"captions[{channel}]"] = text
            if item.alt_text:
                draft.texts["alt_text"] = item.alt_text
            draft.texts.update(_strings(draft.card, "card"))
            out.append(draft)
    return out


# --- the check ---------------------------------------------------------------------------


def _credits(text: str) -> list[str]:
    return [
        m.group(1).strip() for line in text.splitlines() if (m := SOURCE_LINE.match(line.strip()))
    ]


def _names(credit: str, fact: FactSpec) -> bool:
    """Does a "Nguồn:" line name this fact's source (its number, title or URL's host)?"""
    src = fact.source
    host = urlsplit(str(src.url)).netloc if src.url else None
    return any(ref and normalise(ref) in normalise(credit) for ref in (src.number, src.title, host))


def _worded_from(line: str, theme: ThemeSpec | None, sources: Sources) -> list[str] | None:
    """The quotes of the catalog text this caption line is (a key message, a slogan or a
    fact of the theme), or None when the line is none of them."""
    wanted = normalise(line.lstrip("•-· ").strip())
    if theme is None or not wanted:
        return None
    for message in theme.key_messages:
        if normalise(message.vi) == wanted:
            return _quotes(message.quote)
    for slogan in theme.slogans:
        if normalise(slogan.text) == wanted:
            return [slogan.quote or slogan.text]
    for fact in theme.facts:
        if normalise(fact.text.vi) == wanted:
            return _quotes(fact.source.quote)
    return None


def check(draft: Draft, sources: Sources) -> list[str]:
    """What is wrong with one public draft, each problem a line naming the draft."""
    problems: list[str] = []
    where = f"draft {draft.id} ({draft.ref})"
    theme = sources.themes.get(draft.theme)
    credits = _credits(draft.caption)
    card_credits = [str(v) for k, v in _strings(draft.card, "card") if SOURCE_LINE.match(str(v))]

    for code in draft.facts:
        fact = sources.facts.get(code)
        if fact is None:
            problems.append(f"{where}: fact {code!r} is not in the catalog")
            continue
        if not any(_names(c, fact) for c in credits):
            problems.append(f"{where}: shows fact {code} but its caption names no source for it")
        if (
            draft.card
            and "source" in draft.card
            and not any(
                _names(SOURCE_LINE.match(c).group(1), fact)
                for c in card_credits
                if SOURCE_LINE.match(c)
            )
        ):
            problems.append(f"{where}: shows fact {code} but its card names no source for it")
        directive = _fact_directive(fact.source, sources.directives)
        if directive in sources.texts:
            text = sources.texts[directive]
            quotes = _quotes(fact.source.quote)
            if not quotes:
                problems.append(f"{where}: fact {code} cites {directive} without its words")
            for quote in quotes:
                if not text.has(quote):
                    problems.append(
                        f"{where}: fact {code}: {text.path.name} ({directive}) does not say "
                        f"{quote!r}"
                    )
            if fact.figure and not any(normalise(fact.figure) in normalise(q) for q in quotes):
                problems.append(
                    f"{where}: fact {code}: the figure {fact.figure!r} is not in the words "
                    f"quoted from {directive}"
                )

    # every line above a "Nguồn:" line naming a shipped directive is worded from it
    lines = [ln.strip() for ln in draft.caption.splitlines()]
    for i, line in enumerate(lines):
        m = SOURCE_LINE.match(line)
        if not m:
            continue
        directive = sources.directive_of_credit(m.group(1))
        if directive not in sources.texts:
            continue
        text = sources.texts[directive]
        block: list[str] = []
        for above in reversed(lines[:i]):
            if not above or SOURCE_LINE.match(above):
                if block:
                    break
                continue
            block.insert(0, above)
        for said in block[1:] if len(block) > 1 else block:  # the first line is the title
            if theme is not None and normalise(said) in (
                normalise(theme.title.vi),
                normalise(theme.title.en),
            ):
                continue
            if said.startswith(("Còn ", "Hôm nay")):  # a countdown's lead: the key date
                continue
            quotes = _worded_from(said, theme, sources)
            if quotes is None:
                problems.append(
                    f"{where}: {said[:80]!r} is shown above {m.group(0)[:60]!r} but is no "
                    "catalog text that source backs"
                )
                continue
            if not quotes or not any(text.has(q) for q in quotes):
                problems.append(
                    f"{where}: {said[:80]!r} is credited to {directive}, whose text "
                    f"({text.path.name}) does not say it"
                )

    for place, value in draft.texts.items():
        folded = normalise(value)
        for words in DEADLINE_WORDS:
            if words in folded:
                problems.append(
                    f"{where}: {place} tells an internal reporting deadline ({words!r})"
                )
        for due in sources.deadlines:
            if re.search(rf"(?<![\d/]){re.escape(due)}(?![\d/])", value):
                problems.append(f"{where}: {place} prints {due}, an internal reporting deadline")
        for duty in sources.duties:
            if len(duty) > 30 and duty[:60] in folded:
                problems.append(f"{where}: {place} repeats a reporting obligation")
        if not unicodedata.is_normalized("NFC", value):
            problems.append(f"{where}: {place} is not in Unicode NFC")
    return problems


def check_all(drafts: list[Draft], sources: Sources) -> list[str]:
    return [p for d in drafts for p in check(d, sources)]


# --- the tests ---------------------------------------------------------------------------


@pytest.fixture
def drafts(db_url: str, sandbox, given_campaign: Callable[..., str]) -> list[Draft]:
    """The demo campaign's first week (the election wave and every kind of card)."""
    given_campaign(db_url, sandbox.public_url, days=7)
    found = public_drafts(db_url)
    assert len(found) > 20
    return found


def test_the_catalog_passes_its_own_source_check() -> None:
    check_catalog(CONTENT)  # raises, naming file:line, on any quote not in its directive


def test_every_public_draft_says_only_what_its_sources_say(drafts: list[Draft]) -> None:
    sources = load_sources(CONTENT)
    assert sources.texts and sources.deadlines  # the shipped texts and their deadlines
    kinds = {d.ref.split(":", 1)[0] for d in drafts}
    assert {"fact", "message", "points", "countdown"} <= kinds, kinds
    checked = [
        d
        for d in drafts
        if any(
            _fact_directive(sources.facts[c].source, sources.directives) in sources.texts
            for c in d.facts
        )
    ]
    assert checked  # some drafts do show facts from a shipped directive
    assert check_all(drafts, sources) == []


def _break_quote(root: Path, sources: Sources, drafts: list[Draft]) -> str:
    """Change, in the copy's directive text, the words a shown fact quotes."""
    code = next(
        c
        for d in drafts
        for c in d.facts
        if _fact_directive(sources.facts[c].source, sources.directives) in sources.texts
    )
    fact = sources.facts[code]
    directive = _fact_directive(fact.source, sources.directives)
    assert directive is not None
    path = root.joinpath(*TEXT_DIR) / str(sources.directives[directive].source_file)
    text = path.read_text(encoding="utf-8")
    quote = _quotes(fact.source.quote)[0]
    # the quote's first word (accents and case as the text writes them) made another
    first = normalise(quote).split()[0]
    words = re.findall(r"\w+", text)
    hits = {w for w in words if normalise(w) == first}
    assert hits, (quote, first)
    for word in hits:
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", "XYZ", text)
    path.write_text(text, encoding="utf-8")
    return code


NEGATIVE = ["broken quote", "internal deadline", "deadline date", "NFD caption", "no source"]


@pytest.mark.parametrize("case", NEGATIVE)
def test_the_check_fails_on_a_broken_copy(case: str, drafts: list[Draft], tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT / "directives", root / "directives")
    shutil.copytree(CONTENT / "themes", root / "themes")
    sources = load_sources(root)
    assert check_all(drafts, sources) == []  # the copy is as good as the original
    with_fact = next(d for d in drafts if d.facts and _credits(d.caption))
    if case == "broken quote":
        code = _break_quote(root, sources, drafts)
        said = check_all(drafts, load_sources(root))
        assert any(f"fact {code}:" in p and "does not say" in p for p in said), said
        from phuxanh.core.errors import ValidationFailed

        with pytest.raises(ValidationFailed, match="not found in"):
            check_catalog(root)  # `catalog check` catches it too
        return
    if case == "internal deadline":
        bad = dataclasses.replace(
            with_fact, caption=with_fact.caption + "\nHạn gửi báo cáo: cuối quý."
        )
        bad.texts = {**with_fact.texts, "caption": bad.caption}
        expected = "tells an internal reporting deadline"
    elif case == "deadline date":
        due = sources.deadlines[0]
        bad = dataclasses.replace(with_fact)
        bad.texts = {
            **with_fact.texts,
            "card.text.vi": f"Trước ngày {due}, các đơn vị gửi kết quả.",
        }
        expected = f"prints {due}"
    elif case == "NFD caption":
        nfd = unicodedata.normalize("NFD", with_fact.caption)
        bad = dataclasses.replace(with_fact, caption=nfd)
        bad.texts = {**with_fact.texts, "caption": nfd}
        expected = "caption is not in Unicode NFC"
    else:  # "no source": the caption's "Nguồn:" lines taken out
        cut = "\n".join(ln for ln in with_fact.caption.splitlines() if not SOURCE_LINE.match(ln))
        bad = dataclasses.replace(with_fact, caption=cut)
        bad.texts = {**with_fact.texts, "caption": cut}
        expected = "its caption names no source for it"
    said = check(bad, sources)
    assert any(expected in p for p in said), said
    assert all(p.startswith(f"draft {with_fact.id} ") for p in said)
