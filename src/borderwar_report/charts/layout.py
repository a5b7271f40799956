"""Lane allocation and label packing on a time axis — pure functions, no Matplotlib.

Shared by the timeline chart and the poster (``poster.py``). The API below is stable; add, don't change.

The model
---------
Each event is a :class:`Mark`: its *drawn* extent on the time axis (``start``..``end`` in axis units —
decimal years, see :func:`decimal_year`), the width of its label in physical units (mm or pt, whatever
the :class:`Scale` maps to), the half-width of its glyph (``pad``, e.g. a marker's radius) and a
``priority`` (a sortable tuple: higher = more significant, see :func:`significance`).

A lane is split into *rows*. A placed mark occupies one row: its glyph (marker, span bar, whisker) sits
on the row's centre line and its label on the same line — to the right of the glyph, to its left, or
inside a long span bar (``bar=True``: the label starts after the marker, which sits at the bar's start;
as a last resort such a label may run on past the bar's end). With ``label_below=True`` that last resort
is replaced: a mark whose label fits nowhere beside its glyph puts the label on the next row instead,
under the glyph (side ``"below"``, ``Placement.label_row``), so no label ever runs over a bar.
:func:`pack_lane` gives every mark a row so that no two footprints (glyph + label
+ ``gap``) in a row overlap and no label leaves the axis (``0..scale.length``). The caller turns
``rows`` into height (rows × row height), so labels never overlap by construction.

Two modes:

* ``max_rows=None`` (the poster: it grows instead): every mark is labelled, processed in time order
  (a tidy staircase; marks with a ``tall`` glyph first, as they need three rows clear); the lane gets
  as many rows as it needs.
* ``max_rows=k`` (a fixed-size figure): marks are labelled in order of ``priority`` while room remains;
  a mark whose label fits in no row keeps its glyph (row where the glyph alone fits, else row 0) and is
  returned with ``labelled=False`` — the caller must say so (e.g. "n further events unlabelled").

The density rule (:class:`DensityRule`): in a lane-year bucket holding more than ``max_per_bucket``
events, only the ``labels_per_bucket`` most significant events are drawn and labelled individually;
the rest are drawn as a density band (counts per month, :func:`density_bins`). ``DensityRule.describe()``
gives the rule as a sentence for the legend. :func:`apply_density` splits the marks accordingly.

Example
-------
>>> import datetime as dt
>>> s = Scale(1935.0, 1940.0, 100.0)            # five years onto 100 mm
>>> marks = [Mark("a", "l", 1936.0, 1936.0, 30.0, pad=1.0),
...          Mark("b", "l", 1936.5, 1936.5, 30.0, pad=1.0)]
>>> lay = pack_lane(marks, s)
>>> [(p.id, p.row, p.side) for p in lay.placements]
[('a', 0, 'right'), ('b', 1, 'right')]
>>> lay.rows
2

Why this file is long: lanes, rows, label packing and the density rule are one algorithm shared by the
timeline chart and the poster; its invariants are documented once, below.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["decimal_year", "Scale", "BrokenScale", "empty_years", "Mark", "Placement", "LaneLayout", "pack_lane", "pack_lanes",
           "DensityRule", "apply_density", "density_bins", "significance", "estimate_text_width",
           "mark_extent", "PointLabel", "PointPlacement", "place_point_labels", "leader_end", "clip_segment"]


# --- axis -----------------------------------------------------------------------------------------

def decimal_year(day: dt.date) -> float:
    """A date as a fractional year (1938-07-01 → 1938.496); the time axis unit everywhere."""
    start = dt.date(day.year, 1, 1)
    length = (dt.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def mark_extent(date) -> tuple[float, float]:
    """(start, end) in decimal years covering every day a HistDate may mean: earliest to the end of
    its latest day (so a single day has a non-zero, one-day extent)."""
    return decimal_year(date.earliest), decimal_year(date.latest + dt.timedelta(days=1))


@dataclass(frozen=True)
class Scale:
    """Axis units ``x0..x1`` mapped linearly onto ``0..length`` physical units (mm, pt, …)."""

    x0: float
    x1: float
    length: float

    def __post_init__(self):
        if not self.x1 > self.x0 or not self.length > 0:
            raise ValueError(f"empty scale: x0={self.x0}, x1={self.x1}, length={self.length}")

    @property
    def per_unit(self) -> float:
        """Physical units per axis unit."""
        return self.length / (self.x1 - self.x0)

    def to_phys(self, x: float) -> float:
        return (x - self.x0) * self.per_unit

    def to_axis(self, p: float) -> float:
        return self.x0 + p / self.per_unit


@dataclass(frozen=True)
class BrokenScale(Scale):
    """A :class:`Scale` with a broken axis: each of ``gaps`` (axis intervals with nothing drawn on
    them) takes only ``gap_width`` axis units of room; the rest of the axis stays linear. Draw a break
    mark on each gap and say so in the legend."""

    gaps: tuple[tuple[float, float], ...] = ()
    gap_width: float = 0.6

    def __post_init__(self):
        super().__post_init__()
        for a, b in self.gaps:
            if not self.x0 <= a < b <= self.x1 or b - a <= self.gap_width:
                raise ValueError(f"gap {a}..{b} is not a stretch of more than {self.gap_width} inside the axis")

    @property
    def per_unit(self) -> float:
        cut = sum(b - a - self.gap_width for a, b in self.gaps)
        return self.length / (self.x1 - self.x0 - cut)

    def _squeezed(self, x: float) -> float:
        """Axis units from x0 to ``x`` once the gaps are squeezed."""
        u = x - self.x0
        for a, b in self.gaps:
            if x >= b:
                u -= b - a - self.gap_width
            elif x > a:
                u -= (x - a) * (1 - self.gap_width / (b - a))
        return u

    def to_phys(self, x: float) -> float:
        return self._squeezed(x) * self.per_unit

    def to_axis(self, p: float) -> float:
        u = p / self.per_unit
        x = self.x0 + u
        for a, b in sorted(self.gaps):
            ua = self._squeezed(a)
            if u <= ua:
                break
            if u < ua + self.gap_width:
                return a + (u - ua) * (b - a) / self.gap_width
            x = b + (u - ua - self.gap_width)
        return x


def empty_years(extents, first: int, last: int, min_years: int = 2) -> list[tuple[int, int]]:
    """Runs of at least ``min_years`` whole years in ``first..last`` that no (start, end) extent (decimal
    years) touches, as (first year, year after the last) — the stretches a broken axis may squeeze."""
    busy = set()
    for a, b in extents:
        busy.update(range(max(first, math.floor(a)), min(last, math.ceil(b) - 1) + 1))
    runs, start = [], None
    for year in range(first, last + 2):
        if year <= last and year not in busy:
            start = year if start is None else start
            continue
        if start is not None and year - start >= min_years:
            runs.append((start, year))
        start = None
    return runs


# --- marks and placements -------------------------------------------------------------------------

@dataclass(frozen=True)
class Mark:
    """One event's footprint: drawn extent (axis units), label width and glyph half-width (physical)."""

    id: str
    lane: str
    start: float
    end: float
    label_width: float
    pad: float = 0.0
    priority: tuple = ()
    bar: bool = False  # a span bar: may carry its label inside, after its marker (drawn at the start)
    # A part of the glyph taller than its row (e.g. a large marker), in axis units: it also takes that
    # interval in the row above and the row below, so no neighbouring label or glyph runs into it.
    tall: tuple[float, float] | None = None

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"mark {self.id}: end {self.end} before start {self.start}")
        if self.tall is not None and not self.tall[0] <= self.tall[1]:
            raise ValueError(f"mark {self.id}: tall part {self.tall} is empty")


@dataclass(frozen=True)
class Placement:
    """Where a mark went. ``label_x`` is in axis units; draw the text there with ``ha``
    (left | right) at the centre line of row ``label_row`` (the glyph's ``row`` unless the label went
    below it). ``glyph`` and ``footprint`` are physical intervals; the footprint is in ``row``."""

    id: str
    lane: str
    row: int
    labelled: bool
    side: str | None  # "right" | "left" | "inside" | "below" | "above" | None (unlabelled)
    label_x: float | None
    ha: str | None
    glyph: tuple[float, float]
    footprint: tuple[float, float]
    label: tuple[float, float] | None = None  # physical interval of the label text (None: unlabelled)
    label_row: int | None = None  # the row the label is set in (None: unlabelled); row + 1 for "below"


@dataclass
class LaneLayout:
    lane: str
    rows: int  # rows used (≥ 1 when the lane has marks, else 0)
    placements: list[Placement] = field(default_factory=list)

    @property
    def unlabelled(self) -> list[Placement]:
        return [p for p in self.placements if not p.labelled]

    def by_id(self) -> dict[str, Placement]:
        return {p.id: p for p in self.placements}


class _Row:
    """Occupied physical intervals of one row, kept sorted and disjoint for bisect lookups (an interval
    added over others is merged with them)."""

    __slots__ = ("starts", "ends")

    def __init__(self):
        self.starts: list[float] = []
        self.ends: list[float] = []

    def free(self, lo: float, hi: float, gap: float) -> bool:
        i = bisect.bisect_left(self.starts, lo)
        if i < len(self.starts) and self.starts[i] < hi + gap:
            return False
        return not (i > 0 and self.ends[i - 1] + gap > lo)

    def add(self, lo: float, hi: float) -> None:
        i = bisect.bisect_left(self.starts, lo)
        if i > 0 and self.ends[i - 1] >= lo:  # overlaps the one before: merge
            i -= 1
            lo, hi = self.starts[i], max(hi, self.ends[i])
            del self.starts[i], self.ends[i]
        while i < len(self.starts) and self.starts[i] <= hi:  # and any it covers after
            hi = max(hi, self.ends[i])
            del self.starts[i], self.ends[i]
        self.starts.insert(i, lo)
        self.ends.insert(i, hi)


def _candidates(mark: Mark, scale: Scale, label_gap: float, label_below: bool = False):
    """(side, label interval, footprint) options in preference order, all within 0..length. The
    footprint is what the mark takes in its own row; a "below" label takes its interval in the next."""
    g0 = scale.to_phys(mark.start) - mark.pad
    g1 = scale.to_phys(mark.end) + mark.pad
    w = mark.label_width
    out = []
    if mark.bar and g1 - g0 >= 2 * mark.pad + w + 2 * label_gap:  # a long bar carries its own label
        l0 = g0 + 2 * mark.pad + label_gap
        out.append(("inside", (l0, l0 + w), (g0, g1)))
    right = (g1 + label_gap, g1 + label_gap + w)
    if right[1] <= scale.length:
        out.append(("right", right, (g0, right[1])))
    left = (g0 - label_gap - w, g0 - label_gap)
    if left[0] >= 0:
        out.append(("left", left, (left[0], g1)))
    if label_below:
        if not out and w <= scale.length:  # nowhere beside the glyph: on the next row, under it
            start = g0 if mark.tall is None else scale.to_phys(mark.tall[1]) + label_gap  # clear of a tall part
            l0 = max(0.0, min(start, scale.length - w))
            out.append(("below", (l0, l0 + w), (g0, g1)))
    elif mark.bar and not any(side == "inside" for side, *_ in out):
        # last resort for a bar: the label starts on the bar, after its marker, and runs past its end
        l0 = g0 + 2 * mark.pad + label_gap
        if l0 + w <= scale.length and l0 < g1:
            out.append(("inside", (l0, l0 + w), (g0, max(g1, l0 + w))))
    return (g0, g1), out


def pack_lane(marks: Sequence[Mark], scale: Scale, *, gap: float = 1.0, label_gap: float = 0.8,
              max_rows: int | None = None, reserved: Sequence[tuple[int, float, float]] = (),
              label_below: bool = False) -> LaneLayout:
    """Give each mark of one lane a row and a label side; see the module docstring for the rules.

    ``gap``: minimum physical space between two footprints in a row; ``label_gap``: space between a
    glyph and its label. ``reserved``: (row, lo, hi) physical intervals already taken (e.g. the lane's
    own name at the start of row 0). ``label_below``: a label that fits neither inside its bar nor
    beside its glyph goes on the next row, under the glyph, instead of running over its bar.
    Deterministic: ties are broken by (start, id).

    With ``max_rows``, labels use at most ``max_rows`` rows; a mark whose label fits in none of them
    puts its glyph in the first of those rows where the glyph fits, else in one extra overflow row (so
    ``rows`` may be ``max_rows + 1``) in which glyphs may overlap one another; labels that fit in the
    overflow row are still placed there (never over a glyph or a label).
    """
    lane = marks[0].lane if marks else ""
    if max_rows is None:
        order = sorted(marks, key=lambda m: (m.tall is None, m.start, m.end, m.id))  # tall glyphs first
    else:
        order = sorted(marks, key=lambda m: (_neg(m.priority), m.start, m.id))
    rows: list[_Row] = []
    for r, lo, hi in sorted(reserved):
        _row(rows, r).add(lo, hi)

    def tall_fits(mark: Mark, r: int) -> bool:
        if mark.tall is None:
            return True
        t0, t1 = scale.to_phys(mark.tall[0]), scale.to_phys(mark.tall[1])
        return all(rows[n].free(t0, t1, gap) for n in (r - 1, r + 1) if 0 <= n < len(rows))

    def take(mark: Mark, r: int, lo: float, hi: float) -> None:
        rows[r].add(lo, hi)
        if mark.tall is not None:
            for n in (r - 1, r + 1):
                if n >= 0:
                    _row(rows, n).add(scale.to_phys(mark.tall[0]), scale.to_phys(mark.tall[1]))

    placed: list[Placement] = []
    deferred: list[tuple[Mark, tuple[float, float]]] = []
    for mark in order:
        glyph, options = _candidates(mark, scale, label_gap, label_below)
        done = False
        r, fresh = -1, 0
        while not done:
            r += 1  # every row in turn, then new ones (a tall glyph may need two: the row above must be clear)
            if max_rows is not None and r >= max_rows:
                break
            if r >= len(rows):
                if not options or fresh == 2:
                    break
                rows.append(_Row())
                fresh += 1
            if not tall_fits(mark, r):
                continue
            for side, (l0, l1), fp in options:
                lr = r + 1 if side == "below" else r
                if max_rows is not None and lr >= max_rows:
                    continue
                if not rows[r].free(fp[0], fp[1], gap):
                    continue
                if lr != r and lr < len(rows) and not rows[lr].free(l0, l1, gap):
                    continue
                take(mark, r, *fp)
                if lr != r:
                    _row(rows, lr).add(l0, l1)
                label_x = scale.to_axis(l0 if side != "left" else l1)
                placed.append(Placement(mark.id, mark.lane, r, True, side, label_x,
                                        "right" if side == "left" else "left", glyph, fp, (l0, l1), lr))
                done = True
                break
        if not done:
            deferred.append((mark, glyph))
    limit = len(rows) if max_rows is None else max_rows
    if label_below and deferred:
        # Before giving up on a label: set it on the row above or below its glyph, starting at the glyph
        # or ending at it, in any row pair with room (no new rows).
        still = []
        for mark, glyph in deferred:
            spot = _stacked_spot(mark, glyph, rows[:limit], scale, gap, tall_fits)
            if spot is None:
                still.append((mark, glyph))
                continue
            r, lr, side, (l0, l1) = spot
            take(mark, r, *glyph)
            rows[lr].add(l0, l1)
            placed.append(Placement(mark.id, mark.lane, r, True, side, scale.to_axis(l0), "left", glyph, glyph,
                                    (l0, l1), lr))
        deferred = still
    loose: list[tuple[Mark, tuple[float, float]]] = []
    for mark, glyph in deferred:  # glyph only, where it fits
        r = next((i for i, row in enumerate(rows[:limit])
                  if row.free(glyph[0], glyph[1], gap) and tall_fits(mark, i)), None)
        if r is None and len(rows) < limit:
            rows.append(_Row())
            r = len(rows) - 1
        if r is None:
            loose.append((mark, glyph))
            continue
        take(mark, r, *glyph)
        placed.append(Placement(mark.id, mark.lane, r, False, None, None, None, glyph, glyph))
    if loose:
        # One overflow row: its glyphs may overlap one another; labels that fit there are still placed,
        # never over a glyph, another label or the tall part of a glyph in the row above.
        r = limit
        taken = sorted(g for _, g in loose)
        if len(rows) > r:
            taken = sorted(taken + list(zip(rows[r].starts, rows[r].ends, strict=True)))
        merged = _Row()
        for lo, hi in _merge(taken):
            merged.add(lo, hi)
        for mark, glyph in loose:  # already in priority (or time) order
            _, options = _candidates(mark, scale, label_gap, label_below)
            hit = None
            for side, (l0, l1), fp in options:
                if side not in ("inside", "below") and merged.free(l0, l1, min(gap, label_gap) * 0.5):
                    hit = (side, l0, l1, fp)
                    break
            if hit:
                side, l0, l1, fp = hit
                merged.add(l0, l1)
                placed.append(Placement(mark.id, mark.lane, r, True, side, scale.to_axis(l0 if side != "left" else l1),
                                        "right" if side == "left" else "left", glyph, fp, (l0, l1), r))
            else:
                placed.append(Placement(mark.id, mark.lane, r, False, None, None, None, glyph, glyph))
    placed.sort(key=lambda p: (p.row, p.glyph[0], p.id))
    used = 1 + max((max(p.row, p.label_row or 0) for p in placed), default=-1)
    return LaneLayout(lane, used if marks else 0, placed)


def _stacked_spot(mark: Mark, glyph, rows: list[_Row], scale: Scale, gap: float, tall_fits):
    """(glyph row, label row, "below" | "above", label interval) for a label set on the row under or over
    its glyph — starting where the glyph starts, else ending where it ends — or None. Rows only: none
    is added."""
    w = mark.label_width
    if w > scale.length:
        return None
    starts = [glyph[0], glyph[1] - w]
    if mark.tall is not None:  # clear of a tall glyph's part in the neighbouring rows
        starts = [scale.to_phys(mark.tall[1]) + gap, scale.to_phys(mark.tall[0]) - gap - w]
    spans = [(lo, lo + w) for lo in dict.fromkeys(max(0.0, min(s, scale.length - w)) for s in starts)]
    for r, row in enumerate(rows):
        if not row.free(glyph[0], glyph[1], gap) or not tall_fits(mark, r):
            continue
        for lr, side in ((r + 1, "below"), (r - 1, "above")):
            if not 0 <= lr < len(rows):
                continue
            for l0, l1 in spans:
                if rows[lr].free(l0, l1, gap):
                    return r, lr, side, (l0, l1)
    return None


def _row(rows: list[_Row], r: int) -> _Row:
    """Row ``r``, adding empty rows up to it."""
    while len(rows) <= r:
        rows.append(_Row())
    return rows[r]


def pack_lanes(marks: Iterable[Mark], scale: Scale, lanes: Sequence[str], **kwargs) -> dict[str, LaneLayout]:
    """:func:`pack_lane` for each lane id in ``lanes`` (order kept; a lane without marks has 0 rows).
    Marks on a lane not in ``lanes`` raise ValueError."""
    by_lane: dict[str, list[Mark]] = {lane: [] for lane in lanes}
    for m in marks:
        if m.lane not in by_lane:
            raise ValueError(f"mark {m.id}: lane {m.lane!r} is not one of {list(lanes)}")
        by_lane[m.lane].append(m)
    return {lane: pack_lane(ms, scale, **kwargs) if ms else LaneLayout(lane, 0, [])
            for lane, ms in by_lane.items()}


def _merge(intervals):
    out: list[list[float]] = []
    for lo, hi in intervals:
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [tuple(x) for x in out]


def _neg(priority: tuple) -> tuple:
    return tuple(-x for x in priority)


# --- significance and density ---------------------------------------------------------------------

KIND_RANK = {"battle": 3, "border-incident": 2, "diplomacy": 1, "context": 0}


def significance(kind: str, losses: float | None, contested: bool = False) -> tuple:
    """The stated rule for "which events matter most": battles first, then the highest claim of
    dead (unknown counts as less than any figure), then other kinds (incident, diplomacy, context)."""
    return (1 if kind == "battle" else 0, -1.0 if losses is None else float(losses), KIND_RANK.get(kind, 0))


@dataclass(frozen=True)
class DensityRule:
    """Above ``max_per_bucket`` events in one lane and calendar year, draw a density band and show
    only the ``labels_per_bucket`` most significant events of that bucket individually."""

    max_per_bucket: int = 8
    labels_per_bucket: int = 3

    def describe(self) -> str:
        return (f"Where a lane has more than {self.max_per_bucket} events in a year, they are drawn as a "
                f"density band (events per month) and only the {self.labels_per_bucket} most significant "
                f"(battles first, then the highest claim of dead) are drawn individually, labelled "
                f"where there is room.")


def apply_density(marks: Sequence[Mark], rule: DensityRule) -> tuple[list[Mark], list[Mark], dict]:
    """Split marks into (shown individually, in density bands, {(lane, year): count} of dense buckets).
    A mark belongs to the bucket of the year its extent starts in."""
    buckets: dict[tuple[str, int], list[Mark]] = defaultdict(list)
    for m in marks:
        buckets[(m.lane, math.floor(m.start))].append(m)
    shown: list[Mark] = []
    banded: list[Mark] = []
    dense: dict[tuple[str, int], int] = {}
    for key in sorted(buckets):
        ms = buckets[key]
        if len(ms) <= rule.max_per_bucket:
            shown.extend(ms)
            continue
        dense[key] = len(ms)
        ranked = sorted(ms, key=lambda m: (_neg(m.priority), m.start, m.id))
        shown.extend(ranked[:rule.labels_per_bucket])
        banded.extend(ranked[rule.labels_per_bucket:])
    return shown, banded, dense


def density_bins(marks: Iterable[Mark], x0: float, x1: float, bins_per_unit: int = 12
                 ) -> list[tuple[float, float, int]]:
    """Counts of mark starts per bin (default: months, for decimal years) between x0 and x1, as
    (bin start, bin end, count) for non-empty bins, in order."""
    width = 1.0 / bins_per_unit
    counts: dict[int, int] = defaultdict(int)
    for m in marks:
        if x0 <= m.start < x1:
            counts[int((m.start - x0) // width)] += 1
    return [(x0 + i * width, x0 + (i + 1) * width, n) for i, n in sorted(counts.items())]


# --- text width without a renderer ---------------------------------------------------------------

def estimate_text_width(text: str, size: float) -> float:
    """Approximate advance width of ``text`` set in Noto Sans (CJK in Noto Sans CJK) at ``size``, in
    the unit of ``size`` (pt → pt). Errs wide by ~5 %; use a real measurement where a renderer exists."""
    em = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            em += 1.0
        elif ch == " ":
            em += 0.26
        elif ch.isupper():
            em += 0.66
        elif ch.isdigit():
            em += 0.572
        elif ch in "ilj.,;:'|!":
            em += 0.28
        elif ch in "mwMW":
            em += 0.86
        else:
            em += 0.55
    return em * size * 1.05


# --- labels around points (maps) ------------------------------------------------------------------

@dataclass(frozen=True)
class PointLabel:
    """A label to set beside a point. Physical units (pt), y grows upwards; ``radius``: the point's glyph."""

    id: str
    x: float
    y: float
    width: float
    height: float
    radius: float = 0.0
    priority: tuple = ()


@dataclass(frozen=True)
class PointPlacement:
    id: str
    x: float  # text anchor
    y: float
    ha: str  # left | right | center
    va: str  # bottom | top | center
    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    leader: bool  # the label sits away from its point: draw a line to it


_DIRS = ((1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1), (0, 1), (0, -1))


def _overlaps(a, b, gap) -> bool:
    return not (a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1])


def clip_segment(a, b, box) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The part of the segment a→b inside ``box`` (x0, y0, x1, y1), as (p, q), or None when it misses
    the box. Liang–Barsky clipping; an end inside the box is returned as it was given (as a tuple), so
    consecutive pieces of a polyline still join."""
    x0, y0, x1, y1 = box
    dx, dy = b[0] - a[0], b[1] - a[1]
    t0, t1 = 0.0, 1.0
    for pk, qk in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if pk == 0:
            if qk < 0:
                return None
            continue
        t = qk / pk
        if pk < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    p = (a[0] + t0 * dx, a[1] + t0 * dy) if t0 > 0 else tuple(a)
    q = (a[0] + t1 * dx, a[1] + t1 * dy) if t1 < 1 else tuple(b)
    return p, q


def _segment_hits_box(p, q, box, shrink: float = 0.0) -> bool:
    """Does the segment p→q cross the box (shrunk by ``shrink`` on every side)?"""
    inner = (box[0] + shrink, box[1] + shrink, box[2] - shrink, box[3] - shrink)
    if inner[0] >= inner[2] or inner[1] >= inner[3]:
        return False
    return clip_segment(p, q, inner) is not None


def leader_end(point: tuple[float, float], box) -> tuple[float, float]:
    """Where a leader line from ``point`` meets the label box (its nearest point)."""
    return min(max(point[0], box[0]), box[2]), min(max(point[1], box[1]), box[3])


def point_candidates(p: PointLabel, gap: float, distances: Sequence[float] = (1.0,)):
    """The label positions tried around a point, in order: the 8 directions of ``_DIRS`` at each distance
    (a multiple of the label's height beyond its glyph). ``leader`` is true beyond the first distance."""
    for k, mult in enumerate(distances):
        off = p.radius + gap + (mult - 1.0) * p.height
        for dx, dy in _DIRS:
            ax_ = p.x + dx * off * (0.75 if dy else 1.0)
            ay = p.y + dy * (off * 0.75 if dx else off)
            ha = "left" if dx > 0 else "right" if dx < 0 else "center"
            va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
            x0 = ax_ if ha == "left" else ax_ - p.width if ha == "right" else ax_ - p.width / 2
            y0 = ay if va == "bottom" else ay - p.height if va == "top" else ay - p.height / 2
            yield PointPlacement(p.id, ax_, ay, ha, va, (x0, y0, x0 + p.width, y0 + p.height), k > 0)


def place_point_labels(labels: Sequence[PointLabel], bounds: tuple[float, float, float, float], *,
                       gap: float = 1.5, obstacles: Sequence[tuple[float, float, float, float]] = (),
                       distances: Sequence[float] = (1.0, 2.2, 3.6, 5.5),
                       segments: Sequence[tuple[tuple[float, float], tuple[float, float]]] = ()
                       ) -> dict[str, PointPlacement | None]:
    """Greedy, most significant first: each label tries 8 positions around its point (right, left, the
    diagonals, above, below) at growing distances (multiples of its height beyond the glyph); the first
    whose box stays inside ``bounds``, clears every glyph, obstacle, label and leader line already placed
    (and every one of ``segments``: lines drawn on the map that no label should cover), and whose own
    leader line (if away from the point) crosses no label or glyph, wins.
    ``None``: no room (the caller keys it by number or lists it). Deterministic."""
    placed: dict[str, PointPlacement | None] = {}
    glyphs = [(p.x - p.radius, p.y - p.radius, p.x + p.radius, p.y + p.radius) for p in labels]
    boxes: list[tuple[float, float, float, float]] = list(obstacles)
    leaders: list[tuple[tuple[float, float], tuple[float, float]]] = list(segments)
    order = sorted(labels, key=lambda p: (_neg(p.priority), p.id))
    index = {p.id: i for i, p in enumerate(labels)}
    for p in order:
        hit = None
        me = index[p.id]
        for k, mult in enumerate(distances):
            for cand in point_candidates(p, gap, (mult,)):
                box = cand.box
                if box[0] < bounds[0] or box[1] < bounds[1] or box[2] > bounds[2] or box[3] > bounds[3]:
                    continue
                if any(_overlaps(box, b, gap) for b in boxes):
                    continue
                if any(i != me and _overlaps(box, g, gap * 0.5) for i, g in enumerate(glyphs)):
                    continue
                if any(_segment_hits_box(a, b, box) for a, b in leaders):
                    continue
                if k > 0:
                    seg = ((p.x, p.y), leader_end((p.x, p.y), box))
                    if any(_segment_hits_box(*seg, b, shrink=0.5) for b in boxes):
                        continue
                    if any(i != me and _segment_hits_box(*seg, g) for i, g in enumerate(glyphs)):
                        continue
                hit = PointPlacement(p.id, cand.x, cand.y, cand.ha, cand.va, box, k > 0)
                break
            if hit:
                break
        placed[p.id] = hit
        if hit:
            boxes.append(hit.box)
            if hit.leader:
                leaders.append(((p.x, p.y), leader_end((p.x, p.y), hit.box)))
    return placed


def balanced_lines(line: str, limit: int) -> list[str]:
    """``line`` in the fewest lines of at most ``limit`` characters (a longer word stays whole), as even as
    they come; a closing parenthesis such as "(1939)" stays with the word before it."""
    import re
    import textwrap

    if len(line) <= limit:
        return [line]
    glued = re.sub(r" (\([^()]*\))$", "\u00a0\\1", line)
    n = math.ceil(len(line) / limit)
    for width in range(math.ceil(len(line) / n), len(line) + 1):
        parts = textwrap.wrap(glued, width, break_on_hyphens=False, break_long_words=False)
        if len(parts) <= n:
            return [part.replace("\u00a0", " ") for part in parts]
    return [line]
