"""Historical dates with their real precision, written as EDTF strings.

``HistDate.parse("1938-07-29/1938-08-11")`` gives the earliest and latest possible days of the start and
the end, the precision of each end, and whether the date is approximate (``~``), uncertain (``?``) or
one of a set (``[a..b]``), so charts can draw a whisker instead of a false exact day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass

MONTHS = [calendar.month_name[m] for m in range(13)]

# Only what the data format documents; the edtf package accepts far more (seasons, unspecified digits),
# but a historian's file should fail loudly on a typo rather than mean something exotic.
_ENDPOINT = r"-?\d{4}(?:-\d{2}(?:-\d{2})?)?[~?%]?"
_SHAPES = [
    re.compile(rf"^{_ENDPOINT}$"),
    re.compile(rf"^(?:{_ENDPOINT})?/(?:{_ENDPOINT})?$"),
    re.compile(rf"^\[{_ENDPOINT}(?:\.\.|,){_ENDPOINT}\]$"),
]
# EDTF sets of three or more members, or with a range among them: [a..b,c] is one of them, {a..b,c} all.
_MEMBER = rf"{_ENDPOINT}(?:\.\.{_ENDPOINT})?"
_SET = re.compile(rf"^(?:\[{_MEMBER}(?:,{_MEMBER})+\]|\{{{_MEMBER}(?:,{_MEMBER})*\}})$")


class DateFormatError(ValueError):
    pass


@dataclass(frozen=True)
class Endpoint:
    earliest: dt.date
    latest: dt.date
    precision: str  # "day" | "month" | "year"
    approximate: bool = False
    uncertain: bool = False

    def text(self, with_year: bool = True, with_month: bool = True) -> str:
        d = self.earliest
        if self.precision == "day":
            parts = [str(d.day)] + ([MONTHS[d.month]] if with_month else []) + ([str(d.year)] if with_year else [])
        elif self.precision == "month":
            parts = [MONTHS[d.month]] + ([str(d.year)] if with_year else [])
        else:
            parts = [str(d.year)]
        s = " ".join(parts)
        if self.approximate:
            s = "c. " + s
        if self.uncertain:
            s += "?"
        return s


@dataclass(frozen=True)
class HistDate:
    """A parsed EDTF date: a single (possibly imprecise) moment, a span, or one of two moments."""

    text: str
    start: Endpoint
    end: Endpoint
    kind: str  # "moment" | "span" | "choice" (a set: one of its members, or all of them)
    members: tuple[tuple[Endpoint, Endpoint], ...] = ()  # a set's members, each a moment or a run
    all_of: bool = False  # {…}: every member happened (the probes of 7–8 and 20 August)

    @property
    def earliest(self) -> dt.date:
        """Earliest possible day of the start."""
        return self.start.earliest

    @property
    def latest(self) -> dt.date:
        """Latest possible day of the end."""
        return self.end.latest

    @property
    def is_exact_day(self) -> bool:
        return self.kind == "moment" and self.start.precision == "day" and not self.qualified

    @property
    def qualified(self) -> bool:
        return any(e.approximate or e.uncertain for e in (self.start, self.end))

    @property
    def sort_key(self) -> tuple:
        return (self.start.earliest, self.end.latest, self.text)

    def midpoint(self) -> dt.date:
        return self.earliest + (self.latest - self.earliest) / 2

    def display(self) -> str:
        """Human text at the date's real precision: '29 July – 11 August 1938', 'c. June 1935'."""
        s, e = self.start, self.end
        if self.kind == "moment":
            return s.text()
        if self.members:
            return _set_text(self.members, " and " if self.all_of else " or ")
        if self.kind == "choice":
            if s.earliest.year == e.earliest.year and s.precision == e.precision == "month":
                return f"{MONTHS[s.earliest.month]} or {e.text()}"
            return f"{s.text()} or {e.text()}"
        if s == e:  # "1930-01-28/1930-01-28" is one day, whatever the notation
            return s.text()
        # A span: drop what both ends share, as an editor would.
        if s.precision == e.precision == "day" and not (s.approximate or s.uncertain):
            if s.earliest.year == e.earliest.year:
                same_month = s.earliest.month == e.earliest.month
                return f"{s.text(with_year=False, with_month=not same_month)}–{e.text()}" if same_month else \
                    f"{s.text(with_year=False)} – {e.text()}"
        if s.precision == e.precision == "month" and s.earliest.year == e.earliest.year and not s.approximate:
            return f"{MONTHS[s.earliest.month]} – {e.text()}"
        return f"{s.text()} – {e.text()}"

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: str) -> HistDate:
        """Parse an EDTF string; raises DateFormatError with a hint on anything else."""
        return _parse_cached(str(text).strip())


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> HistDate:
    # The subset of EDTF the data format documents, parsed directly: the edtf package's pyparsing grammar
    # costs ~10 ms a date (100 s for 10,000 events); tests check this parser agrees with it.
    if _SET.match(text) and not any(shape.match(text) for shape in _SHAPES):
        return _parse_set(text)
    if not any(shape.match(text) for shape in _SHAPES):
        raise DateFormatError(f'"{text}" is not a date; write e.g. 1938-07-31, 1938-07~, 1936-03? '
                              'or 1938-07-29/1938-08-11')
    if text.startswith("["):
        first, second = re.split(r"\.\.|,", text[1:-1])
        start, end, kind = _endpoint(first, text), _endpoint(second, text), "choice"
    elif "/" in text:
        first, second = text.split("/")
        if not first or not second:
            raise DateFormatError(f'"{text}": open-ended spans are not supported; give both ends')
        start, end, kind = _endpoint(first, text), _endpoint(second, text), "span"
    else:
        start = end = _endpoint(text, text)
        kind = "moment"
    if end.latest < start.earliest:
        raise DateFormatError(f'"{text}": the end comes before the start')
    return HistDate(text=text, start=start, end=end, kind=kind)


def _parse_set(text: str) -> HistDate:
    members = []
    for member in text[1:-1].split(","):
        first, _, second = member.partition("..")
        start = _endpoint(first, text)
        end = _endpoint(second, text) if second else start
        if end.latest < start.earliest:
            raise DateFormatError(f'"{text}": in "{member}" the end comes before the start')
        if members and start.earliest <= members[-1][1].latest:
            raise DateFormatError(f'"{text}": list the members of a set in date order, without overlaps')
        members.append((start, end))
    return HistDate(text=text, start=members[0][0], end=members[-1][1], kind="choice", members=tuple(members),
                    all_of=text.startswith("{"))


def _set_text(members, joiner: str) -> str:
    """ "7–8 or 20 August 1939": what the members share (year, month) is said once, at the end."""
    ends = [e for pair in members for e in pair]
    plain = all(e.precision == "day" and not (e.approximate or e.uncertain) for e in ends)
    year = ends[0].earliest.year
    if plain and all(e.earliest.year == year for e in ends):
        month = ends[0].earliest.month
        same_month = all(e.earliest.month == month for e in ends)
        parts = []
        for start, end in members:
            first = start.text(with_year=False, with_month=not same_month)
            if start == end:
                parts.append(first)
            elif start.earliest.month == end.earliest.month:
                parts.append(f"{start.earliest.day}–{end.text(with_year=False, with_month=not same_month)}")
            else:
                parts.append(f"{first} – {end.text(with_year=False, with_month=not same_month)}")
        tail = f" {MONTHS[month]} {year}" if same_month else f" {year}"
        return joiner.join(parts) + tail
    return joiner.join(s.text() if s == e else f"{s.text()} – {e.text()}" for s, e in members)


def _endpoint(part: str, whole: str) -> Endpoint:
    qualifier = part[-1] if part[-1] in "~?%" else ""
    fields = part.rstrip("~?%").split("-") if not part.startswith("-") else None
    if fields is None:
        raise DateFormatError(f'"{whole}": years before 1 CE are not supported')
    try:
        year = int(fields[0])
        month = int(fields[1]) if len(fields) > 1 else None
        day = int(fields[2]) if len(fields) > 2 else None
        if year == 0:
            raise ValueError
        if month is None:
            lo, hi, precision = dt.date(year, 1, 1), dt.date(year, 12, 31), "year"
        elif day is None:
            lo = dt.date(year, month, 1)
            hi = dt.date(year, month, calendar.monthrange(year, month)[1])
            precision = "month"
        else:
            lo = hi = dt.date(year, month, day)
            precision = "day"
    except ValueError:
        raise DateFormatError(f'"{whole}" is not a real date (check the day and month)') from None
    return Endpoint(lo, hi, precision, approximate=qualifier in "~%" and bool(qualifier),
                    uncertain=qualifier in "?%" and bool(qualifier))


def parse_iso_day(text: str) -> dt.date:
    """A plain YYYY-MM-DD day (edition dates, access dates)."""
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise DateFormatError(f'"{text}" is not a day; write YYYY-MM-DD') from None


def day_text(day: dt.date) -> str:
    """26 November 2026 — the same day order as HistDate.display()."""
    return f"{day.day} {MONTHS[day.month]} {day.year}"
