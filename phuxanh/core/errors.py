"""Errors a person can read: every one names what is wrong and where."""

from __future__ import annotations


class PhuxanhError(Exception):
    """Base for errors the CLI prints as one line (no traceback) and exits non-zero."""

    exit_code = 1


class ConfigError(PhuxanhError):
    """A setting, file or environment variable is missing or wrong."""


class ValidationFailed(PhuxanhError):
    """Input data (YAML, CLI arguments) does not satisfy its schema."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class NotFound(PhuxanhError):
    """A named record does not exist."""


class PermissionDenied(PhuxanhError):
    """The acting user's role or relation to the item does not allow the action."""


class InvalidTransition(PhuxanhError):
    """A state machine refused a transition (e.g. approving a published item)."""
