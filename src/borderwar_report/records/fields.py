"""Reading one YAML mapping's fields with their types, limits and positions; every problem is collected."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from borderwar_report.core.errors import Problem
from borderwar_report.records.dates import DateFormatError, HistDate, parse_iso_day
from borderwar_report.records.yamlsrc import YamlDoc, _dotted

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
COLOUR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
INT_RE = re.compile(r"^[0-9]+$")
# A whole number is ASCII digits, optionally grouped in threes by one kind of separator: 12500, 12,500, 12_500.
# "12,50" (a decimal comma), "1_2_3" and other scripts' digits are refused rather than guessed at.
GROUPED_INT_RE = re.compile(r"^[0-9]{1,3}(?:(?P<sep>[,_])[0-9]{3})(?:(?P=sep)[0-9]{3})*$")
DECIMAL_RE = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
# Figures beyond 2^53 (≈ 9.0e15) lose digits in charts and in JSON readers; no claimed count comes near 10^15.
MAX_WHOLE = 10**15
# Control characters print as blank boxes or break the slide deck's XML; tab and line feed are layout.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Dates beyond these years crash what prints them (year 9999 + 1 day overflows; ZIP, inside the slide deck,
# stores no year after 2107); no record or edition of this tool needs them.
MIN_YEAR, MAX_YEAR = 100, 2100
MAX_TITLE = 300
MAX_TEXT = 20_000
# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
TRUE, FALSE = {"true", "yes", "on"}, {"false", "no", "off"}
_MISSING = object()


class Fields:
    """Typed access to one YAML mapping that records a Problem instead of raising."""

    def __init__(self, doc: YamlDoc, where: tuple, value, problems: list[Problem]):
        self.doc, self.where, self.problems = doc, where, problems
        self.ok = isinstance(value, dict)
        self.value = value if self.ok else {}
        if not self.ok:
            self.problem((), f"must be a mapping of fields, got {_kind(value)}", "wrong-type")

    def problem(self, key, message: str, code: str) -> None:
        where = self.where + (tuple(key) if isinstance(key, tuple) else (key,))
        self.problems.append(Problem(self.doc.path, self.doc.line(where), _dotted(where), message, code))

    def raw(self, key, required: bool):
        value = self.value.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.problem(key, "is required", "missing-field")
            return _MISSING
        return value

    def text(self, key, required=False, max_len=MAX_TITLE, default=None):
        value = self.raw(key, required)
        if value is _MISSING:
            return default
        if not isinstance(value, str):
            self.problem(key, f"must be text, got {_kind(value)}", "wrong-type")
            return default
        value = value.strip()
        if required and not value:
            self.problem(key, "must not be empty", "missing-field")
            return default
        if not self.printable(key, value):
            return default
        if len(value) > max_len:
            self.problem(key, f"is {len(value):,} characters long; the limit is {max_len:,}", "too-long")
            return value[:max_len]
        return value

    def printable(self, key, value: str) -> bool:
        """False (and a Problem) when text holds a control character such as BEL, ESC, VT, DEL or form feed."""
        found = CONTROL_RE.search(value)
        if found:
            self.problem(key, f"contains the control character U+{ord(found[0]):04X} at character "
                         f"{found.start() + 1}; remove it (only tab and line breaks are allowed)",
                         "control-character")
        return found is None

    def ident(self, key, required=True):
        value = self.text(key, required, max_len=200)
        if value is not None and not ID_RE.match(value):
            self.problem(key, f'"{value}" is not an id: use lower-case letters, digits and hyphens', "bad-id")
            return None
        return value

    def choice(self, key, options, required=True, default=None):
        value = self.text(key, required, default=None)
        if value is None:
            return default
        if value not in options:
            self.problem(key, f'"{value}" is not one of: {", ".join(options)}', "bad-choice")
            return default
        return value

    def boolean(self, key, default=False):
        value = self.raw(key, False)
        if value is _MISSING:
            return default
        if isinstance(value, str) and value.lower() in TRUE | FALSE:
            return value.lower() in TRUE
        self.problem(key, f"must be true or false, got {_shown(value)}", "wrong-type")
        return default

    def number(self, key, lo: float, hi: float, required=False):
        value = self.raw(key, required)
        if value is _MISSING:
            return None
        # float() would also take "1_0", "nan", "inf", " 12 " and other scripts' digits.
        ok = isinstance(value, str) and len(value) <= 40 and DECIMAL_RE.match(value)
        number = float(value) if ok else None
        if number is None:
            self.problem(key, f"must be a number, got {_shown(value)}", "wrong-type")
            return None
        if not lo <= number <= hi:
            self.problem(key, f"{number:g} is out of range ({lo:g} to {hi:g})", "out-of-range")
            return None
        return number

    def whole(self, key, required=False):
        value = self.raw(key, required)
        if value is _MISSING:
            return None
        text = value if isinstance(value, str) else None
        if text is not None and GROUPED_INT_RE.match(text):
            text = text.replace(text[-4], "")
        if text is not None and text.startswith("-") and INT_RE.match(text[1:]):
            self.problem(key, f"must be a whole number ≥ 0, got {value}", "figure-negative")
            return None
        if text is None or not INT_RE.match(text):
            self.problem(key, f"must be a whole number ≥ 0 (digits 0–9, optionally grouped as 12,500), "
                         f"got {_shown(value)}", "wrong-type")
            return None
        if len(text.lstrip("0")) > len(str(MAX_WHOLE)) or int(text) > MAX_WHOLE:  # length first: int() of
            self.problem(key, f"{_shown(value)} is larger than {MAX_WHOLE:,}, the largest figure accepted",
                         "out-of-range")  # 5,000 digits raises
            return None
        return int(text)

    def date(self, key, required=True):
        value = self.text(key, required, max_len=100)
        if value is None:
            return None
        try:
            return self.in_years(key, HistDate.parse(value), value, lambda d: (d.earliest.year, d.latest.year))
        except DateFormatError as exc:
            self.problem(key, str(exc), "date-invalid")
            return None

    def in_years(self, key, parsed, text: str, years):
        """The parsed date, or None (and a Problem) when it reaches outside MIN_YEAR..MAX_YEAR."""
        first, last = years(parsed)
        if first < MIN_YEAR or last > MAX_YEAR:
            self.problem(key, f'"{text}" is outside the years {MIN_YEAR}–{MAX_YEAR} this tool can print',
                         "out-of-range")
            return None
        return parsed

    def day(self, key, required=False):
        value = self.text(key, required, max_len=40)
        if value is None:
            return None
        try:
            return self.in_years(key, parse_iso_day(value), value, lambda d: (d.year, d.year))
        except DateFormatError as exc:
            self.problem(key, str(exc), "date-invalid")
            return None

    def items(self, key, required=False):
        """(index, where, value) for a list field."""
        value = self.raw(key, required)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.problem(key, f"must be a list, got {_kind(value)}", "wrong-type")
            return []
        return [(i, self.where + (key, i), v) for i, v in enumerate(value)]

    def texts(self, key, max_len=MAX_TITLE):
        out = []
        for i, where, value in self.items(key):
            if isinstance(value, str) and value.strip():
                if not self.printable((key, i), value.strip()):
                    continue
                out.append(value.strip()[:max_len])
                if len(value.strip()) > max_len:
                    self.problem((key, i), f"is longer than {max_len} characters", "too-long")
            else:
                self.problem((key, i), f"must be text, got {_kind(value)}", "wrong-type")
        return tuple(out)

    def sub(self, key, required=False):
        value = self.raw(key, required)
        if value is _MISSING:
            return None
        return Fields(self.doc, self.where + (key,), value, self.problems)

    def unknown_keys(self, allowed) -> None:
        for key in self.value:
            if key not in allowed:
                hint = _closest(key, allowed)
                self.problem(key, f'unknown field "{key}"' + (f'; did you mean "{hint}"?' if hint else ""),
                             "unknown-field")


class Refs:
    """References to ids, checked once every file is read."""

    def __init__(self):
        self.wanted: list[tuple[str, str, Problem]] = []

    def need(self, kind: str, value: str | None, f: Fields, key) -> None:
        if value is None:
            return
        where = f.where + (tuple(key) if isinstance(key, tuple) else (key,))
        self.wanted.append((kind, value, Problem(f.doc.path, f.doc.line(where), _dotted(where), "", "")))

    def check(self, known: dict[str, set[str]], problems: list[Problem]) -> None:
        for kind, value, at in self.wanted:
            if value not in known[kind]:
                hint = _closest(value, known[kind])
                problems.append(Problem(at.path, at.line, at.field,
                                        f'unknown {kind} "{value}"' + (f'; did you mean "{hint}"?' if hint else ""),
                                        f"unknown-{kind}"))


def _where_of(record) -> tuple[str, int]:
    return getattr(record, "file", "") or "", getattr(record, "line", 0) or 0


def _place_of(record) -> str:
    path, line = _where_of(record)
    return f"{path}:{line}"


def _label(path: Path) -> str:
    """Paths in messages relative to the working directory when possible, as an editor would show them."""
    try:
        return str(path.resolve().relative_to(_cwd(os.getcwd())))
    except ValueError:
        return str(path)


@functools.lru_cache(maxsize=4)
def _cwd(cwd: str) -> Path:
    """The working directory, resolved once per directory (not once per data file)."""
    return Path(cwd).resolve()


def _kind(value) -> str:
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(type(value), "a value")


def _shown(value) -> str:
    return f'"{value[:60]}"' if isinstance(value, str) else _kind(value)


def _closest(word: str, options) -> str | None:
    import difflib

    found = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.75)
    return found[0] if found else None
