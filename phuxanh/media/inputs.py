"""The data a template is filled with: checked field by field before anything is drawn.

A data file is YAML with one key per template field. Text may be one string (the same in
every language) or `{vi: ..., en: ...}`; a language a card needs and the data lacks is an
error, never a machine translation. `fact: CODE` fills text, figure, unit and source from the
catalog (the source line always comes from the catalog then). Image paths are relative to
the data file. Every problem is reported as `file:line: field: reason`, all at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from phuxanh.core.errors import ValidationFailed
from phuxanh.core.yamlio import LocatedDoc, load_located
from phuxanh.media.images import image_problem
from phuxanh.media.templates import FieldSpec, TemplateSpec
from phuxanh.media.text import nfc


@dataclass(frozen=True)
class FactText:
    """What a catalog fact contributes to a card, already per language."""

    id: int
    text: dict[str, str]
    source: dict[str, str]
    figure: str | None = None
    unit: dict[str, str] = field(default_factory=dict)


FactLookup = Callable[[str], FactText | None]
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class CardValues:
    """Checked values: text per language (or neutral), numbers, dates, image paths, lists."""

    values: dict[str, Any]
    fact_ids: list[int] = field(default_factory=list)

    def get(self, name: str, lang: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, dict):
            return value[lang]
        if isinstance(value, list):
            return [v[lang] if isinstance(v, dict) else v for v in value]
        return value

    def sha256(self) -> str:
        blob = json.dumps(self.values, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(nfc(blob).encode()).hexdigest()


def _langs_of(value: Any) -> set[str] | None:
    """The languages a value has; None when it is neutral (the same in all)."""
    if isinstance(value, dict):
        return set(value)
    if isinstance(value, list):
        sets = [set(v) for v in value if isinstance(v, dict)]
        return set.intersection(*sets) if sets else None
    return None


def _text(value: Any) -> str | dict[str, str] | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return nfc(str(value)).strip()
    if isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
        return {str(k): nfc(v).strip() for k, v in value.items()}
    return None


def _apply_fact(
    spec: TemplateSpec, raw: dict[str, Any], facts: FactLookup | None, where: Callable[[str], str]
) -> tuple[list[int], list[str]]:
    """Fill text, figure, unit and source from `fact: CODE` (the source only from there)."""
    code = raw.pop("fact")
    fact = facts(str(code)) if facts else None
    if fact is None:
        return [], [f"{where('fact')}: fact: no fact {code!r} in the catalog"]
    problems = []
    given = (
        ("text", fact.text),
        ("figure", fact.figure),
        ("unit", fact.unit or None),
        ("source", fact.source),
    )
    for name, value in given:
        if spec.field(name) is None or value is None:
            continue
        if name == "source" and "source" in raw:
            problems.append(
                f"{where('source')}: source: comes from the fact {code!r}; "
                "remove it from the data file"
            )
        raw.setdefault(name, value)
    return [fact.id], problems


def _date(value: Any) -> tuple[str | None, str | None]:
    """An ISO date (YYYY-MM-DD), as YAML reads it or as text (quoted YAML, a JSON file)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat(), None
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat(), None
        except ValueError as exc:
            return None, f"{value!r} is not a date ({exc})"
    shown = repr(value) if isinstance(value, str) else type(value).__name__
    return None, f"expected a date (YYYY-MM-DD), got {shown}"


def _check_field(f: FieldSpec, value: Any, base_dir: Path) -> tuple[Any, str | None]:
    """The checked value of one field, or the reason it is refused."""
    if f.type in ("text", "number"):
        checked = _text(value)
        if checked is None:
            return None, f"expected {f.type}, got {type(value).__name__}"
        keep_number = f.type == "number" and isinstance(value, int | float)
        return (value if keep_number else checked), None
    if f.type == "date":
        return _date(value)
    if f.type == "image":
        if not isinstance(value, str):
            return None, f"expected an image path, got {type(value).__name__}"
        path = (base_dir / value).resolve()
        bad = image_problem(path)
        return (None, bad) if bad else (str(path), None)
    if not isinstance(value, list):
        return None, f"expected a list, got {type(value).__name__}"
    items = [_text(v) for v in value]
    if any(i is None for i in items):
        return None, "every item must be text"
    if f.max_items and len(items) > f.max_items:
        return None, f"{len(items)} items (at most {f.max_items})"
    if f.min_items and len(items) < f.min_items:
        return None, f"{len(items)} items (at least {f.min_items})"
    return items, None


def _length_problems(f: FieldSpec, values: dict[str, Any], langs: set[str]) -> list[str]:
    have = _langs_of(values[f.name])
    if have is not None and not langs <= have:
        missing = ", ".join(sorted(langs - have))
        return [f"no {missing} text (a translation is never made up)"]
    out = []
    if f.max_chars:
        for lang in sorted(langs):
            shown = CardValues(values).get(f.name, lang)
            for text in shown if isinstance(shown, list) else [shown]:
                if len(str(text)) > f.max_chars:
                    out.append(f"{len(str(text))} characters in {lang} (at most {f.max_chars})")
    return out


def check_values(
    spec: TemplateSpec,
    raw: dict[str, Any],
    *,
    langs: set[str],
    base_dir: Path,
    where: Callable[[str], str],
    facts: FactLookup | None = None,
) -> CardValues:
    """Check `raw` against the template; `where(field)` gives the `file:line` prefix."""
    raw = dict(raw)
    fact_ids: list[int] = []
    problems: list[str] = []
    if "fact" in raw:
        fact_ids, problems = _apply_fact(spec, raw, facts, where)
    known = ", ".join(f.name for f in spec.fields)
    problems += [
        f"{where(name)}: {name}: not a field of template {spec.id} (fields: {known})"
        for name in raw
        if spec.field(name) is None
    ]
    values: dict[str, Any] = {}
    for f in spec.fields:
        value = raw.get(f.name)
        at = f"{where(f.name)}: {f.name}"
        if value is None or value in ("", []):
            if f.required:
                problems.append(f"{at}: required ({f.type})")
            continue
        checked, bad = _check_field(f, value, base_dir)
        if bad:
            problems.append(f"{at}: {bad}")
            continue
        values[f.name] = checked
        problems += [f"{at}: {p}" for p in _length_problems(f, values, langs)]
    if problems:
        raise ValidationFailed(problems)
    return CardValues(values, fact_ids)


def load_values(
    spec: TemplateSpec, data_file: Path, *, langs: set[str], facts: FactLookup | None = None
) -> CardValues:
    """Read and check a data file for `spec`."""
    doc: LocatedDoc = load_located(data_file)
    if not isinstance(doc.data, dict):
        raise ValidationFailed([f"{data_file}:1: (document): expected a mapping of fields"])
    return check_values(
        spec,
        doc.data,
        langs=langs,
        base_dir=data_file.parent,
        where=lambda name: f"{data_file}:{doc.line_of((name,))}",
        facts=facts,
    )


def computed(spec: TemplateSpec, values: CardValues, today: dt.date) -> dict[str, Any]:
    """Values a template derives: `days_left` for countdowns."""
    if spec.countdown is None:
        return {}
    to = dt.date.fromisoformat(values.values[spec.countdown.to])
    start_raw = values.values.get(spec.countdown.from_ or "")
    start = dt.date.fromisoformat(start_raw) if start_raw else today
    days = (to - start).days
    if days < 0:
        raise ValidationFailed(
            [f"{spec.countdown.to}: {to:%d/%m/%Y} has already passed (as of {start:%d/%m/%Y})"]
        )
    return {"days_left": days}
