"""The briefing's view model: the frozen records the templates read (built by ``context``).

Formatted text is a tuple of ``Part``s (plain, italic or URL) that a partial template turns into HTML, so every
string from the data stays escaped."""

from __future__ import annotations

from dataclasses import dataclass, field

from borderwar_report.documents.citations import (
    KindCount,
    KindGroup,
    NotePart,
)
from borderwar_report.records.model import (
    Commander,
    Dataset,
    Event,
    Name,
)

LIST_LIMIT = 200  # method lists (contested, unknown, …) name at most this many events; the rest are counted


@dataclass(frozen=True)
class SpreadCell:
    """One cell of a comparison table: the lowest to the highest full-scope claim, and who makes each."""

    text: str  # "6,831–9,703", or "792" when all agree, or "—" when nobody claims a figure
    who: str  # "Krivosheev (1993) – Kolomiets", "3 claimants agree", or the one claimant
    contested: bool = False
    qualifier: str = ""  # "killed or missing" when the cell falls back to a lumped category


NO_FIGURE = SpreadCell("—", "")


@dataclass(frozen=True)
class SourceRef:
    """Where a claim was read: the work, its page, and the work that quotes it when read second-hand."""

    source_id: str
    label: str
    locator: str
    via_id: str = ""
    via_label: str = ""
    via_locator: str = ""


@dataclass(frozen=True)
class ClaimRow:
    value: str
    claimant: str
    claimant_side: str  # "Soviet account" when the claimant speaks for one side
    note: str
    sources: tuple[SourceRef, ...]
    unconfirmed: bool
    scope: str = ""  # a partial count: what part of the event it covers
    part_of: str = ""  # the tally this claim is a part of ("of 792")

    @property
    def source_id(self) -> str:
        return self.sources[0].source_id

    @property
    def source_label(self) -> str:
        return self.sources[0].label


@dataclass(frozen=True)
class ClaimGroup:
    category: str
    label: str
    rows: tuple[ClaimRow, ...]  # the claims printed (context.select_claims)
    contested: bool
    claimants: int  # of all the claims, printed or not
    omitted: tuple[ClaimRow, ...] = ()  # over the claim budget: counted under the table, not printed
    omitted_claimants: int = 0
    budget: int = 0  # the claim budget that applied

    @property
    def more(self) -> int:
        return len(self.omitted)


@dataclass(frozen=True)
class SideBlock:
    id: str
    name: str
    short: str
    colour: str
    commanders: tuple[Commander, ...]
    note: str
    forces: tuple[ClaimGroup, ...]
    losses: tuple[ClaimGroup, ...]


@dataclass(frozen=True)
class TableRef:
    number: int
    anchor: str


@dataclass(frozen=True)
class Footnote:
    """One note: the works cited at one place, each part linking to its bibliography entry."""

    number: int
    parts: tuple[NotePart, ...]

    @property
    def text(self) -> str:
        return "".join(p.text.text + p.sep for p in self.parts)


@dataclass(frozen=True)
class AltDateView:
    date: str
    source_id: str
    source_label: str
    note: str


@dataclass(frozen=True)
class FigureRow:
    label: str
    rows: tuple[ClaimRow, ...]
    contested: bool = False
    omitted: tuple[ClaimRow, ...] = ()  # over the claim budget, as in ClaimGroup
    omitted_claimants: int = 0
    budget: int = 0  # the claim budget that applied

    @property
    def more(self) -> int:
        return len(self.omitted)


@dataclass
class EventView:
    event: Event
    anchor: str
    kind: str
    date: str
    precision: str
    alt_dates: tuple[AltDateView, ...]
    place: str
    place_flag: str
    coordinates: str
    place_names: tuple[Name, ...]
    sides: tuple[SideBlock, ...]
    figures: tuple[FigureRow, ...]
    footnotes: tuple[Footnote, ...] = ()
    profiled: bool = True
    forces_table: TableRef | None = None
    losses_table: TableRef | None = None
    figures_table: TableRef | None = None
    detail_map: FigureView | None = None  # the event's own detail map, after its facts
    in_casualty_table: bool = False
    in_chronology: bool = True  # listed in the chronology (every event, unless over its budget)

    @property
    def id(self) -> str:
        return self.event.id

    @property
    def title(self) -> str:
        return self.event.title

    @property
    def has_forces(self) -> bool:
        return any(s.forces for s in self.sides)

    @property
    def has_losses(self) -> bool:
        return any(s.losses for s in self.sides)


@dataclass
class TotalsView:
    """A whole phase's or the whole conflict's claimed figures, laid out like an event's tables."""

    anchor: str
    sides: tuple[SideBlock, ...]
    figures: tuple[FigureRow, ...]
    forces_table: TableRef | None = None
    losses_table: TableRef | None = None
    figures_table: TableRef | None = None


@dataclass
class PhaseView:
    id: str
    anchor: str
    name: str
    date: str
    summary: str
    events: list[EventView]
    totals: TotalsView | None = None

    @property
    def profiles(self) -> list[EventView]:
        return [e for e in self.events if e.profiled]


@dataclass(frozen=True)
class FigureView:
    name: str
    number: int
    anchor: str
    src: str
    alt: str
    title: str
    caption: str
    source: str
    wide: bool


@dataclass(frozen=True)
class KeyRow:
    side: str
    colour: str
    killed: SpreadCell
    wounded: SpreadCell
    casualties: SpreadCell
    claimants: int
    contested: bool


@dataclass(frozen=True)
class KeyEvent:
    view: EventView
    peak: int
    rows: tuple[KeyRow, ...]


@dataclass(frozen=True)
class GlossaryRow:
    english: str
    name: Name
    language: str
    anchor: str  # where it is used (an event profile), or ""


@dataclass(frozen=True)
class GlossaryGroup:
    """One English name with its names in other scripts (sorted by language code)."""

    english: str
    anchor: str
    rows: tuple[GlossaryRow, ...]


class Listing(list):
    """A method list cut to LIST_LIMIT entries; ``total`` says how many there were."""

    def __init__(self, items, limit: int = LIST_LIMIT):
        items = list(items)
        super().__init__(items[:limit])
        self.total = len(items)
        self.more_in_chronology = 0  # of ``more``, how many the chronology lists (set where that matters)

    @property
    def more(self) -> int:
        return self.total - len(self)


@dataclass
class Briefing:
    dataset: Dataset
    title: str  # the document title with the records' years ("Title, 1931–1945")
    subtitle: str
    issuer: str
    edition: str
    edition_iso: str
    revision: str
    language: str
    keywords: tuple[str, ...]
    paper: str
    page_width: float
    page_height: float
    stats: dict
    phases: list[PhaseView]
    events: list[EventView]
    key_events: list[KeyEvent]
    summary_figures: list[FigureView]
    arc_figures: list[FigureView]
    casualty_figure: FigureView | None
    casualty_rows: list[KeyRow | tuple]
    casualty_table: TableRef | None
    casualty_events_total: int
    aftermath_phases: list[PhaseView]
    aftermath_events: list[tuple[PhaseView, Listing]]  # per phase, at most INLINE_LIST_LIMIT events
    aftermath_rule: str
    key_table: TableRef | None
    conflict_totals: TotalsView | None
    phase_table: TableRef
    chronology_table: TableRef
    glossary_table: TableRef
    glossary: list[GlossaryGroup]
    bibliography: list[KindGroup]
    evidence: list[KindCount]
    evidence_claims: int
    evidence_second_hand: int
    contested: Listing
    unconfirmed: Listing
    unknown_losses: Listing
    approximate_places: Listing
    unplaced: Listing
    qualified_dates: Listing
    footnote_count: int
    profile_count: int
    figures_by_name: dict[str, FigureView] = field(default_factory=dict)
    list_events_in_contents: bool = True
    compact_chronology: bool = False  # over the profile budget: one line per event (date, title, kind, page)
    chronology_events: list[EventView] = field(default_factory=list)  # what the chronology lists, in date order
    chronology_budget: int = 0
    claim_budget: int = 0
    claims_omitted: int = 0  # claims over the claim budget in the printed tables (counted, not printed)
    typed_title_years: str | None = None  # years typed into document.yaml's title that the records contradict
