"""Errors a person can read: every one names what is wrong and where.

An error carries either a plain English line or a `Message`: a stable code from the
catalog (`phuxanh/core/messages.py`) with its parameters, e.g.
`InvalidTransition(code="item.not_in_review", id=5, status="approved")`. `str(exc)` is the
English text either way (the CLI prints it, logs keep it); `exc.text("vi")` renders a coded
error in Vietnamese (the desk), and a plain line as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from phuxanh.core import messages


@dataclass(frozen=True)
class Message:
    """A catalog code and its parameters: English by `str()`, any language by `text()`."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        messages.template(self.code, "en")  # an unknown code fails where it is raised
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def text(self, lang: str = "en", *, fields: Mapping[str, str] | None = None) -> str:
        """The message in `lang`. `fields` renames the `field` parameter (a CLI flag such as
        `--period`) to the words of a front end that has no flags (the desk's labels)."""
        values = {
            name: self._shown(name, value, lang, fields) for name, value in self.params.items()
        }
        return messages.template(self.code, lang).format(**values)

    @staticmethod
    def _shown(name: str, value: Any, lang: str, fields: Mapping[str, str] | None) -> Any:
        if isinstance(value, Message):
            return value.text(lang, fields=fields)
        if isinstance(value, list | tuple):
            return ", ".join(str(messages.word(name, v, lang)) for v in value)
        if name == "field" and fields is not None and str(value) in fields:
            return fields[str(value)]
        return messages.word(name, value, lang)

    def __str__(self) -> str:
        return self.text("en")

    def __reduce__(self) -> tuple[type[Message], tuple[str, dict[str, Any]]]:
        return Message, (self.code, dict(self.params))  # a mappingproxy does not pickle


Line = str | Message


def _line(message: Line, code: str | None, params: dict[str, Any]) -> Line:
    if code is None:
        if params:
            raise TypeError(f"parameters {sorted(params)} given without a message code")
        return message
    if message:
        raise TypeError("give an error either its text or a code, not both")
    return Message(code, params)


class PhuxanhError(Exception):
    """Base for errors the CLI prints as one line (no traceback) and exits non-zero.

    Raise it with a plain line (`NotFound("user 'x' does not exist")`) or with a catalog
    code and its parameters (`PermissionDenied(code="auth.wrong_password")`)."""

    exit_code = 1
    lines: tuple[Line, ...]

    def __init__(self, message: Line = "", /, *, code: str | None = None, **params: Any) -> None:
        self.lines = (_line(message, code, params),)
        super().__init__(str(self.lines[0]))

    @property
    def code(self) -> str | None:
        """The catalog code of the (first) line, None for a plain-string error."""
        first = self.lines[0] if self.lines else None
        return first.code if isinstance(first, Message) else None

    @property
    def params(self) -> Mapping[str, Any]:
        """The parameters of the (first) line's code; empty for a plain-string error."""
        first = self.lines[0] if self.lines else None
        return first.params if isinstance(first, Message) else MappingProxyType({})

    def text(self, lang: str = "en", *, fields: Mapping[str, str] | None = None) -> str:
        """The error in `lang`, line by line: coded lines from the catalog, plain ones as
        they are (English). `fields`: see `Message.text`."""
        return "\n".join(
            line.text(lang, fields=fields) if isinstance(line, Message) else line
            for line in self.lines
        )


class ConfigError(PhuxanhError):
    """A setting, file or environment variable is missing or wrong."""


class ValidationFailed(PhuxanhError):
    """Input data (YAML, CLI arguments) does not satisfy its schema: one line per problem,
    each a plain English string or a `Message` (`problems` holds them all in English)."""

    def __init__(
        self, problems: Iterable[Line] = (), /, *, code: str | None = None, **params: Any
    ) -> None:
        lines = list(problems)
        if code is not None or params:
            lines.append(_line("", code, params))
        self.lines = tuple(lines)
        self.problems = [str(line) for line in lines]  # English, one per problem
        Exception.__init__(self, "\n".join(self.problems))

    def __reduce__(self) -> tuple[Any, ...]:  # rebuilt from its lines, not its joined text
        return type(self), (list(self.lines),), self.__dict__


class NotFound(PhuxanhError):
    """A named record does not exist."""


class PermissionDenied(PhuxanhError):
    """The acting user's role or relation to the item does not allow the action."""


class InvalidTransition(PhuxanhError):
    """A state machine refused a transition (e.g. approving a published item)."""
