"""YAML in, with the line of every value kept, so errors read `file:line: field: problem`."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from phuxanh.errors import ValidationFailed

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


def _scalar(node: yaml.Node) -> Any:
    """Build one scalar with YAML's safe rules (dates, ints, bools) and nothing else."""
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)


def _construct(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if key in out:
                raise ValidationFailed(
                    [f"{{path}}:{key_node.start_mark.line + 1}: {key}: duplicate key"]
                )
            out[key] = _construct(value_node, (*loc, key), lines)
            lines[(*loc, key)] = key_node.start_mark.line + 1  # a field's line is its key's
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(child, (*loc, i), lines) for i, child in enumerate(node.value)]
    value = _scalar(node)
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def load_located(path: Path) -> LocatedDoc:
    """Parse one YAML file; syntax errors and duplicate keys become `file:line` problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed([f"{path}:1: (file): not UTF-8 text ({exc.reason})"]) from exc
    except OSError as exc:
        raise ValidationFailed([f"{path}:1: (file): cannot read: {exc.strerror}"]) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ValidationFailed([f"{path}:{line}: (yaml): {exc.problem}"]) from exc
    if node is None:
        raise ValidationFailed([f"{path}:1: (file): empty document"])
    lines: dict[Loc, int] = {}
    try:
        data = _construct(node, (), lines)
    except ValidationFailed as exc:
        raise ValidationFailed([p.replace("{path}", str(path)) for p in exc.problems]) from exc
    return LocatedDoc(path=path, data=data, lines=lines)


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
