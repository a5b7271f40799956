"""The normalized data model: frozen records built by ``validate`` and read by every output."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .dates import HistDate

EVENT_KINDS = ("border-incident", "battle", "diplomacy", "context")
FORCE_CATEGORIES = ("troops", "tanks", "tankettes", "armoured_cars", "aircraft", "guns", "gunboats", "vehicles")
PERSONNEL_LOSSES = ("killed", "killed_or_missing", "died_of_wounds", "missing", "wounded", "captured", "sick",
                    "casualties")
EQUIPMENT_LOSSES = ("tanks", "tankettes", "armoured_cars", "aircraft", "gunboats", "guns", "vehicles", "horses")
LOSS_CATEGORIES = PERSONNEL_LOSSES + tuple(c for c in EQUIPMENT_LOSSES if c not in PERSONNEL_LOSSES)
SOURCE_TYPES = ("book", "article", "chapter", "web", "report", "dataset", "other")
BOUNDS = ("at-least", "at-most", "about")
PAPER_SIZES = ("a4", "letter")


def category_label(category: str) -> str:
    return {"killed_or_missing": "killed or missing", "died_of_wounds": "died of wounds",
            "armoured_cars": "armoured cars"}.get(category, category.replace("_", " "))


@dataclass(frozen=True)
class Name:
    lang: str
    text: str
    romanized: str | None = None


@dataclass(frozen=True)
class Claim:
    """One party's figure: a value or a low–high range, with who claims it and where it is printed."""

    low: int
    high: int
    source: str
    claimant: str | None = None
    bound: str | None = None
    locator: str | None = None
    unconfirmed: bool = False
    note: str | None = None

    @property
    def is_range(self) -> bool:
        return self.low != self.high

    def display(self) -> str:
        num = f"{self.low:,}" if not self.is_range else f"{self.low:,}–{self.high:,}"
        prefix = {"at-least": "≥ ", "at-most": "≤ ", "about": "c. "}.get(self.bound or "", "")
        return prefix + num

    @property
    def midpoint(self) -> float:
        return (self.low + self.high) / 2


@dataclass(frozen=True)
class SideInEvent:
    side: str
    commanders: tuple[str, ...] = ()
    forces: dict[str, tuple[Claim, ...]] = field(default_factory=dict)
    losses: dict[str, tuple[Claim, ...]] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True)
class Place:
    name: str
    names: tuple[Name, ...] = ()
    lat: float | None = None
    lon: float | None = None
    approximate: bool = False

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


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
            seen.setdefault(claim.source)
        for f in self.figures:
            for claim in f.claims:
                seen.setdefault(claim.source)
        for a in self.alternative_dates:
            seen.setdefault(a.source)
        return list(seen)


@dataclass(frozen=True)
class Phase:
    id: str
    name: str
    date: HistDate
    summary: str = ""


@dataclass(frozen=True)
class Side:
    id: str
    name: str
    short: str
    bloc: str
    colour: str
    names: tuple[Name, ...] = ()


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


@dataclass(frozen=True)
class Dataset:
    document: Document
    sides: tuple[Side, ...]
    phases: tuple[Phase, ...]
    sources: tuple[Source, ...]
    events: tuple[Event, ...]  # in date order
    revision: str = ""  # short hash of the data files' bytes

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
