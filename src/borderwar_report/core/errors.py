"""Problems found in input, reported all at once as ``FILE:LINE: field: message [code]``."""

from __future__ import annotations

from dataclasses import dataclass

MAX_REPORTED = 200  # problems printed in full; the rest are counted


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    field: str
    message: str
    code: str
    severity: str = "error"  # "warning": printed, but the data set still loads and builds

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        field = f" {self.field}:" if self.field else ""
        label = " warning:" if self.severity == "warning" else ""
        return f"{where}:{field}{label} {self.message} [{self.code}]"


class DataError(Exception):
    """The input data has one or more problems; nothing should be built from it."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__(self.summary())

    def summary(self) -> str:
        files = {p.path for p in self.problems}
        n = len(self.problems)
        return f"{n} problem{'s' if n != 1 else ''} in {len(files)} file{'s' if len(files) != 1 else ''}"

    def report(self) -> str:
        """The first MAX_REPORTED problems, then a count of the rest: 100,000 lines help nobody."""
        lines = [str(p) for p in self.problems[:MAX_REPORTED]]
        rest = len(self.problems) - MAX_REPORTED
        if rest > 0:
            lines.append(f"… and {rest:,} more problem{'s' if rest != 1 else ''} (fix these and run validate again)")
        return "\n".join(lines)


class RenderError(Exception):
    """A template, chart or PDF step failed; the message names the file or step."""


class GlyphMissingError(RenderError):
    """A character of the data is covered by no bundled font."""
