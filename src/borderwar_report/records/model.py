"""The normalized data model: frozen records built by ``validate`` and read by every output."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from borderwar_report.records.dates import HistDate

EVENT_KINDS = ("border-incident", "battle", "diplomacy", "context")
FORCE_CATEGORIES = ("troops", "tanks", "tankettes", "armoured_cars", "aircraft", "guns", "gunboats", "vehicles")
# Personnel loss categories and the tally each one is counted inside (data/README.md, "Loss categories").
LOSS_PARENT = {
    "killed": "killed_or_missing",
    "missing": "killed_or_missing",
    "captured": "missing",
    "killed_or_missing": "irrecoverable",
    "died_of_wounds": "irrecoverable",
    "irrecoverable": "casualties",
    "wounded": "wounded_or_sick",
    "sick": "wounded_or_sick",
    "wounded_or_sick": "casualties",
    "casualties": None,
}
PERSONNEL_LOSSES = ("killed", "died_of_wounds", "missing", "captured", "killed_or_missing", "irrecoverable",
                    "wounded", "sick", "wounded_or_sick", "casualties")
EQUIPMENT_LOSSES = ("tanks", "tankettes", "armoured_cars", "aircraft", "gunboats", "guns", "vehicles", "horses")
LOSS_CATEGORIES = PERSONNEL_LOSSES + tuple(c for c in EQUIPMENT_LOSSES if c not in PERSONNEL_LOSSES)
SOURCE_TYPES = ("book", "article", "chapter", "web", "report", "dataset", "other")
# What kind of evidence a source is; the bibliography is grouped in this order.
SOURCE_KINDS = ("official-record", "scholarly-book", "journal-article", "memoir", "oral-history", "newspaper",
                "encyclopedia", "web-page", "forum")
CLAIMANT_KINDS = ("official", "scholar", "participant", "tribunal", "press", "unattributed", "other")
BOUNDS = ("about", "at-least", "more-than", "at-most", "fewer-than")
BOUND_PREFIX = {"about": "c. ", "at-least": "≥ ", "more-than": "> ", "at-most": "≤ ", "fewer-than": "< "}
BOUND_WORDS = {"about": "about", "at-least": "at least", "more-than": "more than", "at-most": "at most",
               "fewer-than": "fewer than"}
PAPER_SIZES = ("a4", "letter")


def category_label(category: str) -> str:
    return {"killed_or_missing": "killed or missing", "died_of_wounds": "died of wounds",
            "armoured_cars": "armoured cars", "wounded_or_sick": "wounded or sick",
            "irrecoverable": "irrecoverable losses"}.get(category, category.replace("_", " "))


def source_kind_label(kind: str) -> str:
    return {"official-record": "official records", "scholarly-book": "scholarly books",
            "journal-article": "journal and magazine articles", "memoir": "memoirs",
            "oral-history": "oral history", "newspaper": "newspapers", "encyclopedia": "encyclopedias",
            "web-page": "other web pages", "forum": "forums"}.get(kind, kind.replace("-", " "))


def loss_ancestors(category: str) -> tuple[str, ...]:
    """The tallies a personnel category is counted inside, nearest first (empty for equipment)."""
    out, parent = [], LOSS_PARENT.get(category)
    while parent:
        out.append(parent)
        parent = LOSS_PARENT.get(parent)
    return tuple(out)


class Organisation(str):
    """An author that is an organisation: its name is never read as "Family, Given", comma or not."""

    def __repr__(self) -> str:  # told apart from a person's name of the same letters (chart keys)
        return f"Organisation({str.__repr__(self)})"


@dataclass(frozen=True)
class Name:
    lang: str
    text: str
    romanized: str | None = None
    source: str | None = None  # where this form of the name is attested
    editor_rendering: bool = False  # the editor's own rendering, not found in a source


@dataclass(frozen=True)
class ClaimSource:
    """Where a claim was read: a work and page, and, when read second-hand, the work that quotes it."""

    source: str
    locator: str | None = None
    via: str | None = None
    via_locator: str | None = None


@dataclass(frozen=True)
class Claim:
    """One claimant's figure: a value or a low–high range, with the works where it was read.

    ``claimant`` is a Claimant id: who asserts the figure. Several ``sources`` repeating it are still one
    claim. ``scope`` marks a claim that covers only part of the event; ``part_of`` links a part of a
    breakdown to the claim (``id``) it breaks down.
    """

    low: int
    high: int
    claimant: str
    sources: tuple[ClaimSource, ...]
    bound: str | None = None
    unit: str | None = None
    scope: str | None = None
    id: str | None = None
    part_of: str | None = None
    unconfirmed: bool = False
    note: str | None = None

    @property
    def source(self) -> str:
        """The first work the claim was read in."""
        return self.sources[0].source

    @property
    def locator(self) -> str | None:
        return self.sources[0].locator

    @property
    def partial(self) -> bool:
        return self.scope is not None

    @property
    def is_range(self) -> bool:
        return self.low != self.high

    def display(self) -> str:
        num = f"{self.low:,}" if not self.is_range else f"{self.low:,}–{self.high:,}"
        text = BOUND_PREFIX.get(self.bound or "", "") + num
        return f"{text} {self.unit}" if self.unit else text

    @property
    def figure(self) -> tuple:
        """What two claims must share to agree."""
        return self.low, self.high, self.bound, self.unit

    def source_ids(self) -> list[str]:
        out: dict[str, None] = {}
        for s in self.sources:
            out.setdefault(s.source)
            if s.via:
                out.setdefault(s.via)
        return list(out)


@dataclass(frozen=True)
class Commander:
    """A commander or a unit on one side: its name, native-script names, rank or role."""

    name: str
    names: tuple[Name, ...] = ()
    rank: str | None = None  # "Marshal", "Lt Col"
    role: str | None = None  # "commander, 1st Army Group"; for a unit, what it was

    def __str__(self) -> str:
        text = f"{self.rank} {self.name}" if self.rank else self.name
        return f"{text} ({self.role})" if self.role else text


@dataclass(frozen=True)
class SideInEvent:
    side: str
    commanders: tuple[Commander, ...] = ()
    forces: dict[str, tuple[Claim, ...]] = field(default_factory=dict)
    losses: dict[str, tuple[Claim, ...]] = field(default_factory=dict)
    note: str | None = None

    units: tuple[Commander, ...] = ()

    def claims(self):
        """(group, category, claim) for every claim of this side."""
        for group in ("forces", "losses"):
            for category, claims in getattr(self, group).items():
                for claim in claims:
                    yield group, category, claim


@dataclass(frozen=True)
class Place:
    name: str
    names: tuple[Name, ...] = ()
    lat: float | None = None
    lon: float | None = None
    approximate: bool = False
    source: str | None = None  # where the coordinates come from
    locator: str | None = None

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


MAP_LINE_KINDS = ("front", "advance", "withdrawal", "river", "border", "other")


@dataclass(frozen=True)
class MapPlace:
    """A named point on an event's detail map (a hill, a bridge, a village)."""

    name: str
    lat: float
    lon: float
    approximate: bool = False
    source: str | None = None


@dataclass(frozen=True)
class MapLine:
    """A line on an event's detail map: a front on a date, an axis of advance, a river the base map lacks."""

    name: str
    points: tuple[tuple[float, float], ...]  # (lon, lat)
    kind: str = "other"
    source: str | None = None


@dataclass(frozen=True)
class EventMap:
    """An event's own ``map`` block: the detail map's extent and what it marks (see data/README.md)."""

    extent: tuple[float, float, float, float] | None = None  # west, south, east, north
    places: tuple[MapPlace, ...] = ()
    lines: tuple[MapLine, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Citation:
    source: str
    locator: str | None = None


@dataclass(frozen=True)
class AltDate:
    date: HistDate
    source: str
    note: str | None = None


@dataclass(frozen=True)
class LabelledFigure:
    label: str
    claims: tuple[Claim, ...]


@dataclass(frozen=True)
class Event:
    id: str
    title: str
    kind: str
    phase: str
    lane: str
    date: HistDate
    file: str
    line: int
    names: tuple[Name, ...] = ()
    alternative_dates: tuple[AltDate, ...] = ()
    place: Place | None = None
    sides: tuple[SideInEvent, ...] = ()
    outcome: str | None = None
    summary: str = ""
    figures: tuple[LabelledFigure, ...] = ()
    citations: tuple[Citation, ...] = ()
    note: str = ""  # Markdown for readers: where the record departs from a common account, and why
    other_places: tuple[Place, ...] = ()  # after the first (``place``), in the order the record gives them
    map: EventMap | None = None  # the detail map's block, when the record has one

    @property
    def places(self) -> tuple[Place, ...]:
        return ((self.place,) if self.place else ()) + self.other_places

    def all_claims(self):
        """(side, 'forces'|'losses', category, claim) for every claim of the event."""
        for s in self.sides:
            for group in ("forces", "losses"):
                for category, claims in getattr(s, group).items():
                    for claim in claims:
                        yield s.side, group, category, claim

    def source_ids(self) -> list[str]:
        """Every source the record leans on, in first-use order."""
        seen: dict[str, None] = {}
        for c in self.citations:
            seen.setdefault(c.source)
        for *_, claim in self.all_claims():
            for sid in claim.source_ids():
                seen.setdefault(sid)
        for f in self.figures:
            for claim in f.claims:
                for sid in claim.source_ids():
                    seen.setdefault(sid)
        for a in self.alternative_dates:
            seen.setdefault(a.source)
        return list(seen)


@dataclass(frozen=True)
class Totals:
    """Claims for a whole phase or the whole conflict, which no single event carries."""

    sides: tuple[SideInEvent, ...] = ()
    figures: tuple[LabelledFigure, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.sides or self.figures)


@dataclass(frozen=True)
class Phase:
    id: str
    name: str
    date: HistDate
    summary: str = ""
    totals: Totals = field(default_factory=lambda: Totals())


@dataclass(frozen=True)
class Side:
    id: str
    name: str
    short: str
    bloc: str
    colour: str
    names: tuple[Name, ...] = ()
    adjective_name: str | None = None  # "Soviet", for "a Soviet account"

    @property
    def adjective(self) -> str:
        return self.adjective_name or self.short


@dataclass(frozen=True)
class Claimant:
    """Who asserts figures: an official count, an author, a tribunal, the press, a participant."""

    id: str
    name: str
    kind: str
    side: str | None = None  # the side whose account this is, when it is one side's
    note: str | None = None
    short_name: str | None = None  # for tight places (tables, the handout); the name otherwise

    @property
    def short(self) -> str:
        return self.short_name or self.name


@dataclass(frozen=True)
class Source:
    id: str
    type: str
    title: str
    author: tuple[str, ...] = ()
    publisher: str | None = None
    place: str | None = None
    year: str | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    url: str | None = None
    accessed: dt.date | None = None
    note: str | None = None
    kind: str = "web-page"  # what kind of evidence: one of SOURCE_KINDS
    copy_of: str | None = None  # this work reproduces or translates that one
    title_translated: str | None = None
    title_romanized: str | None = None
    edition: str | None = None


@dataclass(frozen=True)
class Lane:
    id: str
    label: str


@dataclass(frozen=True)
class Document:
    title: str
    edition: dt.date
    subtitle: str = ""
    issuer: str = ""
    paper: str = "a4"
    language: str = "en"
    span: HistDate | None = None
    lanes: tuple[Lane, ...] = ()
    summary: str = ""
    method: str = ""
    keywords: tuple[str, ...] = ()
    conflict_name: str | None = None  # the whole conflict's name, when the title is not it
    conflict_names: tuple[Name, ...] = ()
    totals: Totals = field(default_factory=lambda: Totals())
    map_note: str = ""  # printed under the locator map: what its base map does not show as it was


@dataclass(frozen=True)
class Dataset:
    document: Document
    sides: tuple[Side, ...]
    phases: tuple[Phase, ...]
    sources: tuple[Source, ...]
    events: tuple[Event, ...]  # in date order
    revision: str = ""  # short hash of the data files' bytes
    claimants: tuple[Claimant, ...] = ()

    def claimant(self, claimant_id: str) -> Claimant:
        return self._claimants[claimant_id]

    @property
    def _claimants(self) -> dict[str, Claimant]:
        cached = self.__dict__.get("_claimant_index")
        if cached is None:
            cached = {c.id: c for c in self.claimants}
            object.__setattr__(self, "_claimant_index", cached)
        return cached

    @property
    def unattributed(self) -> frozenset[str]:
        """The claimants that are works giving figures without saying whose they are (``claims.agreement``)."""
        return frozenset(c.id for c in self.claimants if c.kind == "unattributed")

    def side(self, side_id: str) -> Side:
        return {s.id: s for s in self.sides}[side_id]

    def source(self, source_id: str) -> Source:
        return {s.id: s for s in self.sources}[source_id]

    def phase(self, phase_id: str) -> Phase:
        return {p.id: p for p in self.phases}[phase_id]

    def events_in(self, phase_id: str) -> list[Event]:
        return [e for e in self.events if e.phase == phase_id]

    @property
    def years(self) -> tuple[int, int]:
        """First and last year the charts should show."""
        if self.document.span:
            return self.document.span.earliest.year, self.document.span.latest.year
        dates = [e.date for e in self.events] + [p.date for p in self.phases]
        return min(d.earliest.year for d in dates), max(d.latest.year for d in dates)
