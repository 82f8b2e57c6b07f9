"""Errors the simulators raise for bad input: each names the field (or program line) at fault."""

from __future__ import annotations


class ScenarioError(ValueError):
    """An invalid scenario or override; ``str(e)`` is ``"<field>: <message>"``.

    ``source`` and ``line`` tell where in a YAML/JSON file the field is, when known.
    """

    def __init__(self, field: str, message: str, *, source: str | None = None, line: int | None = None) -> None:
        self.field = field
        self.message = message
        self.source = source
        self.line = line
        super().__init__(f"{field}: {message}")

    def located(self) -> str:
        """``file:line: field: message`` when the position is known, else ``str(self)``."""
        if self.source and self.line:
            return f"{self.source}:{self.line}: {self}"
        if self.source:
            return f"{self.source}: {self}"
        return str(self)


class ProgramError(ValueError):
    """An error in a robot program; ``str(e)`` is ``"line N: message"`` (N is 1-based)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")
