"""YAML in, with the line of every value kept, so errors read `file:line: field: problem`."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from phuxanh.core.errors import ValidationFailed
from phuxanh.core.settings import ROOT, get_settings

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass
class LocatedDoc:
    """Plain data plus the 1-based line of each path inside it."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """The line of `loc`, or of its nearest ancestor that has one."""
        for cut in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:cut]))
            if line is not None:
                return line
        return 1


# Limits that hold whatever a file says: phuxanh's largest data file is a few KB and its
# deepest nesting is about six levels, so these refuse only hostile or broken input.
MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32
# Anchors and aliases are refused outright: no catalog, campaign, brand, template or data
# file uses them, and refusing them rules out alias bombs (a few hundred bytes expanding to
# gigabytes) and self-referencing values, with no expansion budget to tune.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_KINDS = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "null": "null",
    "timestamp": "a date (YYYY-MM-DD)",
}


class _Refused(Exception):
    """A problem after which the rest of the file cannot be read reliably."""


@dataclass
class _Open:
    """A mapping or list still being read, and (for a mapping) the key awaiting its value."""

    loc: Loc
    value: dict[Any, Any] | list[Any]
    key: Any = None
    has_key: bool = False


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


class _Builder:
    """Plain data from the parser's events, with no recursion and no composed node graph.

    Events come one at a time, so a 50,000-level nesting stops at MAX_DEPTH before it is
    read and an alias is refused where it stands (its own line), never expanded.
    """

    def __init__(self, loader: Any, problems: list[str]) -> None:
        self.loader = loader
        self.lines: dict[Loc, int] = {}
        self.problems = problems
        self.stack: list[_Open] = []
        self.root: Any = None

    def fail(self, line: int, loc: Loc, problem: str) -> _Refused:
        field = format_loc(loc) if len(loc) <= 6 else format_loc(loc[:6]) + "…"
        self.problems.append(f"{{path}}:{line}: {field}: {problem}")
        return _Refused()

    def run(self) -> Any:
        docs = 0
        while self.loader.check_event():
            event = self.loader.get_event()
            line = event.start_mark.line + 1 if event.start_mark else 1
            if isinstance(event, yaml.DocumentStartEvent):
                docs += 1
                if docs > 1:
                    raise self.fail(line, (), "more than one document (---) in the file")
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                self.stack.pop()
            elif isinstance(event, yaml.AliasEvent | yaml.ScalarEvent | yaml.CollectionStartEvent):
                self.node(event, line)
        if docs == 0:
            self.problems.append("{path}:1: (file): empty document")
            raise _Refused
        return self.root

    def node(self, event: Any, line: int) -> None:
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.value, dict) and not top.has_key:
            self.key(top, event, line)
            return
        if top is None:
            loc: Loc = ()
            self.lines[loc] = line
        elif isinstance(top.value, dict):
            loc = (*top.loc, top.key)  # its line is its key's, recorded with the key
        else:
            loc = (*top.loc, len(top.value))
            self.lines[loc] = line
        self.refuse_anchors(event, line, loc)
        if isinstance(event, yaml.ScalarEvent):
            value = self.scalar(event, line, loc)
        else:
            value = self.collection(event, line, loc)
        if top is None:
            self.root = value
        elif isinstance(top.value, dict):
            top.value[top.key] = value
            top.has_key = False
        else:
            top.value.append(value)

    def key(self, top: _Open, event: Any, line: int) -> None:
        self.refuse_anchors(event, line, top.loc)
        if not isinstance(event, yaml.ScalarEvent):
            raise self.fail(line, top.loc, "a key must be plain text, not a list or mapping")
        if event.tag not in (None, "!", _TAG + "str"):
            raise self.fail(line, top.loc, f"a key must be plain text, not {_short(event.tag)}")
        # Keys are names, kept as written: `1:`, `yes:` or `2026-01-01:` is text, not a
        # number, a boolean or a date that no schema here expects as a key.
        key = unicodedata.normalize("NFC", event.value)
        assert isinstance(top.value, dict)
        if key in top.value:
            self.problems.append(f"{{path}}:{line}: {format_loc((*top.loc, key))}: duplicate key")
        top.key, top.has_key = key, True
        self.lines[(*top.loc, key)] = line  # a field's line is its key's

    def refuse_anchors(self, event: Any, line: int, loc: Loc) -> None:
        if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
            what = "alias *" if isinstance(event, yaml.AliasEvent) else "anchor &"
            raise self.fail(
                line,
                loc,
                f"{what}{event.anchor}: anchors (&) and aliases (*) "
                "are not allowed; write the value out",
            )

    def collection(self, event: Any, line: int, loc: Loc) -> dict[Any, Any] | list[Any]:
        mapping = isinstance(event, yaml.MappingStartEvent)
        if event.tag not in (None, "!", _TAG + ("map" if mapping else "seq")):
            raise self.fail(line, loc, f"tag {_short(event.tag)} is not allowed")
        if len(self.stack) >= MAX_DEPTH:
            raise self.fail(line, loc, f"nested more than {MAX_DEPTH} levels deep")
        value: dict[Any, Any] | list[Any] = {} if mapping else []
        self.stack.append(_Open(loc, value))
        return value

    def scalar(self, event: Any, line: int, loc: Loc) -> Any:
        """One scalar with YAML's safe rules (dates, ints, bools) and nothing else."""
        tag = event.tag
        if tag in (None, "!"):
            tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            if tag not in _SCALAR_TAGS:  # `<<` and `=` resolve to merge/value: plain text
                tag = _TAG + "str"
        elif tag not in _SCALAR_TAGS:
            self.problems.append(
                f"{{path}}:{line}: {format_loc(loc)}: tag {_short(tag)} is "
                "not allowed (plain text, numbers, dates, true/false only)"
            )
            return None
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = self.loader.construct_object(node, deep=True)
        except (
            yaml.YAMLError,
            ValueError,
            TypeError,
            KeyError,
            AttributeError,
            OverflowError,
        ) as exc:
            kind = _KINDS.get(tag.removeprefix(_TAG), _short(tag))
            why = f" ({exc})" if tag == _TAG + "timestamp" and isinstance(exc, ValueError) else ""
            shown = event.value if len(event.value) <= 40 else event.value[:40] + "…"
            self.problems.append(
                f"{{path}}:{line}: {format_loc(loc)}: {shown!r} is not {kind}{why}"
            )
            return None
        return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _read(path: Path) -> str:
    """The file's text, refused when it is not a readable UTF-8 file of at most MAX_BYTES."""
    if path.exists() and not path.is_file():
        raise ValidationFailed([f"{path}:1: (file): not a regular file"])
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ValidationFailed([f"{path}:1: (file): cannot read: {exc.strerror}"]) from exc
    if len(raw) > MAX_BYTES:
        raise ValidationFailed(
            [
                f"{path}:1: (file): larger than {MAX_BYTES // 1024 // 1024} MB "
                "(a data file is a few KB)"
            ]
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed([f"{path}:1: (file): not UTF-8 text ({exc.reason})"]) from exc


def load_located(path: Path) -> LocatedDoc:
    """Parse one YAML file into plain data (text, numbers, dates, lists, mappings) with lines.

    Every problem becomes a `file:line: field: problem` line in ValidationFailed, never a
    traceback: syntax errors, duplicate keys, keys that are lists, tags beyond the plain
    scalar ones, values their tag cannot hold (`2026-02-30`), anchors and aliases, nesting
    deeper than MAX_DEPTH and files larger than MAX_BYTES.
    """
    text = _read(path)
    problems: list[str] = []
    builder = None
    try:
        loader = _LOADER(text)  # the pure-Python reader checks the characters here
        builder = _Builder(loader, problems)
        try:
            data = builder.run()
        finally:
            loader.dispose()
    except _Refused:
        pass
    except yaml.MarkedYAMLError as exc:  # a file that does not parse: that alone is said
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        problems[:] = []
        problems.append(f"{{path}}:{line}: (yaml): {exc.problem or exc.context or 'not YAML'}")
    except yaml.reader.ReaderError as exc:
        bad = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
        line = text.count("\n", 0, max(text.find(bad), 0)) + 1
        problems.append(
            f"{{path}}:{line}: (file): character {ord(bad[:1] or ' '):#06x} is "
            "not allowed in YAML (control characters)"
        )
    except yaml.YAMLError as exc:
        problems.append(f"{{path}}:1: (yaml): {(str(exc).splitlines() or ['not YAML'])[0]}")
    if problems or builder is None:
        raise ValidationFailed([p.replace("{path}", str(path), 1) for p in problems])
    return LocatedDoc(path=path, data=data, lines=builder.lines)


def format_loc(loc: Loc) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts) or "(document)"


def validate_doc(doc: LocatedDoc, model: type[M], at: Loc = ()) -> M:
    """Validate a located document (or the part at `at`); errors name file, line, field."""
    data = doc.data
    for part in at:
        data = data[part] if isinstance(data, dict | list) else None  # type: ignore[index]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = (*at, *(p for p in err["loc"] if isinstance(p, str | int)))
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{doc.path}:{doc.line_of(loc)}: {format_loc(loc)}: {msg}")
        raise ValidationFailed(problems) from exc


T = TypeVar("T")
_FRESH: dict[str, tuple[int, Any]] = {}


def content_list_file(name: str) -> Path:
    """A list kept as data in the content folder (`languages.yaml`, `audiences.yaml`): the
    deployment's own file `name` when its content folder has one, else the one phuxanh
    ships."""
    own = get_settings().content_dir / name
    return own if own.is_file() else ROOT / "content" / name


def content_list(name: str, model: type[M], make: Callable[[M], T]) -> T:
    """The list `name` (`content_list_file`), validated against `model` (one clear error
    naming the file and line) and turned into what the code uses by `make`; read again only
    when the file changes."""
    path = content_list_file(name)
    stamp = path.stat().st_mtime_ns
    held = _FRESH.get(str(path))
    if held is None or held[0] != stamp:
        held = (stamp, make(validate_doc(load_located(path), model)))
        _FRESH[str(path)] = held
    return held[1]
