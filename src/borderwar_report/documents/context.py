"""The briefing's view model: what the templates show, in reading order, computed from the Dataset.

Everything a template needs and cannot decide alone lives here: the order of phases and events, which
events get a full profile, the footnote numbers, the table and figure numbers (so text can say "see
figure 3"), the key figures chosen by a stated rule, the aftermath chosen by a stated rule, the
bibliography (citations.py writes the Chicago forms), and the method lists (contested, unconfirmed, unknown figures).

No Jinja and no file system here: formatted text is a tuple of ``Part``s (plain, italic or URL) that a
partial template turns into HTML, so every string from the data stays escaped.

Why this file is long: every selection rule the briefing prints (profiles, chronology, claims per figure,
casualty table, key figures, aftermath) lives here beside the numbering it feeds, so one read shows them all.
"""

from __future__ import annotations

import re
from collections import defaultdict

from borderwar_report.documents.citations import (  # noqa: F401  (re-exported: templates and tests use them from here)
    ChicagoNotes,
    Cite,
    Formatted,
    KindCount,
    KindGroup,
    NotePart,
    NoteWriter,
    Part,
    bibliography_authors,
    clean_locator,
    evidence_by_kind,
    note_authors,
    short_labels,
    short_title,
    sort_text,
)
from borderwar_report.documents.citations import bibliography as group_bibliography
from borderwar_report.documents.views import (
    NO_FIGURE,
    AltDateView,
    Briefing,
    ClaimGroup,
    ClaimRow,
    EventView,
    FigureRow,
    FigureView,
    Footnote,
    GlossaryGroup,
    GlossaryRow,
    KeyEvent,
    KeyRow,
    Listing,
    PhaseView,
    SideBlock,
    SourceRef,
    SpreadCell,
    TableRef,
    TotalsView,
)
from borderwar_report.records.claims import (
    DEAD_PREFERENCE,
    agreement_text,
    claimant_count,
    contested,
    full_scope,
    highest_dead,
    spread,
)
from borderwar_report.records.dates import (
    HistDate,
    day_text,  # noqa: F401  (re-exported: templates and tests use them from here)
)
from borderwar_report.records.model import (
    EQUIPMENT_LOSSES,
    FORCE_CATEGORIES,
    LOSS_CATEGORIES,
    PERSONNEL_LOSSES,
    Claim,
    Dataset,
    Event,
    Name,
    Side,
    category_label,
)

# Rules, stated once; the method appendix prints them with the numbers they produced.
KEY_EVENTS = 3  # summary: the events with the largest claimed personnel losses
FIGHTING_KINDS = ("battle", "border-incident")
PROFILE_BUDGET = 100  # more events than this: profiles only for battles and the largest losses (select_profiles)
CASUALTY_ROWS = 60  # the casualty comparison table's event budget
CONTENTS_EVENT_LIMIT = 80  # list event profiles in the contents only up to this many
INLINE_LIST_LIMIT = 40  # the run-in lists (approximate places, uncertain dates) name fewer
CHRONOLOGY_BUDGET = 500  # the compact chronology lists at most this many events (select_chronology)
CLAIM_ROWS = 10  # one figure (a side's category, or an "other figure") prints at most this many claims (select_claims)
WIDE_ASPECT = 1.9  # a chart at least this much wider than tall gets a landscape page

PAPER = {  # (width, height) in mm
    "a4": (210, 297),
    "letter": (215.9, 279.4),
}

LANGUAGES = {
    "ar": "Arabic", "be": "Belarusian", "bo": "Tibetan", "cs": "Czech", "de": "German", "en": "English",
    "es": "Spanish", "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "it": "Italian",
    "ja": "Japanese", "kk": "Kazakh", "ko": "Korean", "la": "Latin", "mn": "Mongolian", "nl": "Dutch",
    "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sv": "Swedish", "tr": "Turkish",
    "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese", "zh-hans": "Chinese (simplified)",
    "zh-hant": "Chinese (traditional)", "ja-latn": "Japanese (romanized)",
}


def language_name(code: str) -> str:
    return LANGUAGES.get(code.lower(), code)


def kind_label(kind: str) -> str:
    return kind.replace("-", " ").replace("_", " ")


# How a count of events of each model kind reads ("10 border incidents", "1 diplomatic event"); a kind the
# model does not know reads "N <kind> events".
KIND_NOUNS = {
    "battle": ("battle", "battles"),
    "border-incident": ("border incident", "border incidents"),
    "diplomacy": ("diplomatic event", "diplomatic events"),
    "context": ("context event", "context events"),
}


def count_text(n: int, singular: str, plural: str | None = None) -> str:
    """ "1 event", "28 events", "1,200 claims": the noun agrees with the number."""
    word = singular if n == 1 else (plural or _plural(singular))
    return f"{n:,} {word}"


def _plural(noun: str) -> str:
    head, _, last = noun.rpartition(" ")
    if re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    elif re.search(r"(s|x|z|ch|sh)$", last):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}" if head else last


def kind_count_text(kind: str, n: int) -> str:
    singular, plural = KIND_NOUNS.get(kind, (f"{kind_label(kind)} event", f"{kind_label(kind)} events"))
    return count_text(n, singular, plural)


_TITLE_YEARS = re.compile(r"[,:;]?\s*\(?\b(\d{3,4})\s*[–—-]\s*(\d{2,4})\)?\s*$")


def compose_title(title: str, first: int | None, last: int | None) -> tuple[str, str | None]:
    """The document title with the years of the records: "Title, first–last". A span typed into the
    title is replaced by the records' span; the second value says what was typed when it disagreed."""
    typed = _TITLE_YEARS.search(title)
    base = title[: typed.start()].rstrip(" ,:;") if typed else title.strip()
    if first is None or last is None:
        return title.strip(), None
    span = f"{first}–{last}" if first != last else f"{first}"
    disagreed = None
    if typed:
        typed_first, typed_last = typed.group(1), typed.group(2)
        if len(typed_last) < len(typed_first):
            typed_last = typed_first[: len(typed_first) - len(typed_last)] + typed_last
        if (int(typed_first), int(typed_last)) != (first, last):
            disagreed = f"{typed_first}–{typed_last}"
    return f"{base}, {span}", disagreed


# --- claims --------------------------------------------------------------------------------------

def spread_cell(claims, name_of, qualifier: str = "", unattributed=frozenset()) -> SpreadCell:
    """The lowest to the highest full-scope claim and who makes each; where all agree, the figure and who
    gives it (``unattributed``: the claimants that are works naming no one, see ``claims.agreement``)."""
    found = spread(claims)
    if found is None:
        return NO_FIGURE
    if found.agree:
        return SpreadCell(found.low.display(), agreement_text(found.whole, name_of, unattributed), False, qualifier)
    text = f"{found.low.display()} – {found.high.display()}" if found.low.bound or found.high.bound else \
        f"{found.low_value:,}–{found.high_value:,}"
    return SpreadCell(text, f"{name_of(found.low.claimant)} – {name_of(found.high.claimant)}", found.contested,
                      qualifier)


# --- building the view model ---------------------------------------------------------------------

def precision_text(date: HistDate) -> str:
    """What the date's precision means, in words: "exact day", "month only", "span of days", …"""
    s, e = date.start, date.end
    words = {"day": "day", "month": "month", "year": "year"}
    if date.kind == "moment":
        text = {"day": "exact day", "month": "month only", "year": "year only"}[s.precision]
    elif date.members:
        n = len(date.members)
        text = f"on each of {n} dates or runs of days" if date.all_of else f"one of {n} dates or runs of days"
    elif date.kind == "choice":
        text = "one of two dates"
    elif s.precision == e.precision:
        text = f"span of {words[s.precision]}s"
    else:
        text = f"span, {words[s.precision]} to {words[e.precision]}"
    flags = [w for w, on in (("approximate", s.approximate or e.approximate),
                             ("uncertain", s.uncertain or e.uncertain)) if on]
    return ", ".join([text, *flags])


def coordinates_text(lat: float, lon: float) -> str:
    return f"{abs(lat):.2f}° {'N' if lat >= 0 else 'S'}, {abs(lon):.2f}° {'E' if lon >= 0 else 'W'}"


class ClaimNames:
    """Claimant names for print: the name, and "Soviet account" where the claimant speaks for one side."""

    def __init__(self, dataset: Dataset):
        self.claimants = {c.id: c for c in dataset.claimants}
        self.sides = {s.id: s for s in dataset.sides}
        self.unattributed = dataset.unattributed

    def short(self, claimant_id: str) -> str:
        c = self.claimants.get(claimant_id)
        return c.short if c else claimant_id

    def name(self, claimant_id: str) -> str:
        c = self.claimants.get(claimant_id)
        return c.name if c else claimant_id

    def side_of(self, claimant_id: str) -> str:
        c = self.claimants.get(claimant_id)
        side = self.sides.get(c.side) if c and c.side else None
        if side is None or side.adjective.casefold() in c.name.casefold():  # "Soviet reports" says it already
            return ""
        return f"{side.adjective} account"


def _claim_row(claim: Claim, labels: dict[str, str], names: ClaimNames, tallies: dict[str, Claim]) -> ClaimRow:
    refs = tuple(SourceRef(s.source, labels.get(s.source, s.source), clean_locator(s.locator), s.via or "",
                           labels.get(s.via, s.via) if s.via else "", clean_locator(s.via_locator))
                 for s in claim.sources)
    tally = tallies.get(claim.part_of or "")
    return ClaimRow(claim.display(), names.name(claim.claimant), names.side_of(claim.claimant), claim.note or "",
                    refs, claim.unconfirmed, claim.scope or "", tally.display() if tally else "")


def select_claims(claims, budget: int = CLAIM_ROWS) -> tuple[tuple[Claim, ...], tuple[Claim, ...]]:
    """Which claims of one figure are printed: all of them up to the budget; beyond it, by rule, the lowest
    and the highest claim covering the whole event (the ends of the spread the comparison tables print), then
    the first claim of each further claimant in the records' order, then further claims in the records' order
    until the budget is full. Returns (printed, not printed), each in the records' order: the count of the
    second is printed under the table, and the claims themselves stay in the data exports."""
    claims = tuple(claims)
    if len(claims) <= budget:
        return claims, ()
    index = {id(c): i for i, c in enumerate(claims)}
    chosen: list[int] = []

    def take(c) -> None:
        i = index[id(c)]
        if i not in chosen and len(chosen) < budget:
            chosen.append(i)

    whole = full_scope(claims)
    if whole:
        take(min(whole, key=lambda c: (c.low, c.high)))
        take(max(whole, key=lambda c: (c.high, c.low)))
    seen = {claims[i].claimant for i in chosen}
    for c in claims:
        if c.claimant not in seen:
            seen.add(c.claimant)
            take(c)
    for c in claims:
        take(c)
    keep = set(chosen)
    return (tuple(c for i, c in enumerate(claims) if i in keep),
            tuple(c for i, c in enumerate(claims) if i not in keep))


def _groups(by_category: dict[str, tuple[Claim, ...]], order: tuple[str, ...], labels: dict[str, str],
            names: ClaimNames, claim_budget: int = CLAIM_ROWS) -> tuple[ClaimGroup, ...]:
    ranked = sorted(by_category, key=lambda c: (order.index(c) if c in order else len(order), c))
    tallies = {c.id: c for claims in by_category.values() for c in claims if c.id}
    out = []
    for category in ranked:
        claims = by_category[category]
        if not claims:
            continue
        shown, rest = select_claims(claims, claim_budget)
        out.append(ClaimGroup(category, category_label(category),
                              tuple(_claim_row(c, labels, names, tallies) for c in shown), contested(claims),
                              claimant_count(claims),
                              tuple(_claim_row(c, labels, names, tallies) for c in rest),
                              claimant_count(rest), claim_budget))
    return tuple(out)


def _side_blocks(sides_in, sides: dict[str, Side], labels: dict[str, str], names: ClaimNames,
                 claim_budget: int = CLAIM_ROWS) -> tuple:
    blocks = []
    for s in sides_in:
        side = sides.get(s.side)
        blocks.append(SideBlock(
            s.side, side.name if side else s.side, side.short if side else s.side,
            side.colour if side else "", s.commanders + s.units, s.note or "",
            _groups(s.forces, FORCE_CATEGORIES, labels, names, claim_budget),
            _groups(s.losses, LOSS_CATEGORIES + EQUIPMENT_LOSSES, labels, names, claim_budget)))
    return tuple(blocks)


def _figure_rows(figures, labels: dict[str, str], names: ClaimNames,
                 claim_budget: int = CLAIM_ROWS) -> tuple[FigureRow, ...]:
    out = []
    for f in figures:
        shown, rest = select_claims(f.claims, claim_budget)
        out.append(FigureRow(f.label, tuple(_claim_row(c, labels, names, {}) for c in shown), contested(f.claims),
                             tuple(_claim_row(c, labels, names, {}) for c in rest), claimant_count(rest),
                             claim_budget))
    return tuple(out)


def _totals_view(totals, anchor: str, sides: dict[str, Side], labels: dict[str, str], names: ClaimNames,
                 tables, claim_budget: int = CLAIM_ROWS) -> TotalsView | None:
    """Claims for a whole phase or conflict, with table numbers taken from ``tables`` in reading order."""
    if not totals:
        return None
    view = TotalsView(anchor, _side_blocks(totals.sides, sides, labels, names, claim_budget),
                      _figure_rows(totals.figures, labels, names, claim_budget))
    if any(s.forces for s in view.sides):
        view.forces_table = TableRef(next(tables), f"tab-forces-{anchor}")
    if any(s.losses for s in view.sides):
        view.losses_table = TableRef(next(tables), f"tab-losses-{anchor}")
    if view.figures:
        view.figures_table = TableRef(next(tables), f"tab-figures-{anchor}")
    return view


def _event_view(ev: Event, sides: dict[str, Side], labels: dict[str, str], names: ClaimNames,
                claim_budget: int = CLAIM_ROWS) -> EventView:
    blocks = _side_blocks(ev.sides, sides, labels, names, claim_budget)
    place = ev.place
    return EventView(
        event=ev, anchor=f"ev-{ev.id}", kind=kind_label(ev.kind), date=ev.date.display(),
        precision=precision_text(ev.date),
        alt_dates=tuple(AltDateView(a.date.display(), a.source, labels.get(a.source, a.source), a.note or "")
                        for a in ev.alternative_dates),
        place=place.name if place else "",
        place_flag="approximate location" if place and place.approximate else "",
        coordinates=coordinates_text(place.lat, place.lon) if place and place.located else "",
        place_names=place.names if place else (),
        sides=tuple(blocks),
        figures=_figure_rows(ev.figures, labels, names, claim_budget),
    )


def peak_loss(ev: Event) -> int:
    """The rule that orders events by their losses: the highest claim of dead for one side; 0 if none."""
    return highest_dead(ev).value or 0


def _loss_row(block_side: Side | None, side_id: str, losses: dict[str, tuple[Claim, ...]],
              names: ClaimNames) -> KeyRow | None:
    personnel = [c for cat in PERSONNEL_LOSSES for c in losses.get(cat, ())]
    if not personnel:
        return None
    killed = NO_FIGURE
    for category in DEAD_PREFERENCE:
        if full_scope(losses.get(category, ())):
            killed = spread_cell(losses[category], names.short,
                                 "" if category == "killed" else category_label(category), names.unattributed)
            break
    wounded = spread_cell(losses.get("wounded", ()), names.short, unattributed=names.unattributed)
    if wounded is NO_FIGURE and full_scope(losses.get("wounded_or_sick", ())):
        wounded = spread_cell(losses["wounded_or_sick"], names.short, category_label("wounded_or_sick"),
                              names.unattributed)
    everything = spread_cell(losses.get("casualties", ()), names.short, unattributed=names.unattributed)
    disputed = any(contested(losses.get(cat, ())) for cat in PERSONNEL_LOSSES)
    return KeyRow(block_side.short if block_side else side_id, block_side.colour if block_side else "",
                  killed, wounded, everything, claimant_count(personnel), disputed)


def _loss_rows(ev: Event, sides: dict[str, Side], names: ClaimNames) -> tuple[KeyRow, ...]:
    rows = []
    for s in ev.sides:
        row = _loss_row(sides.get(s.side), s.side, s.losses, names)
        if row:
            rows.append(row)
    return tuple(rows)


def select_profiles(events: list[Event], budget: int = PROFILE_BUDGET) -> set[str]:
    """Which events get a full profile: all of them up to the budget; beyond it battles first, then the
    events with the largest claimed losses, then the earliest — every event stays in the chronology."""
    if len(events) <= budget:
        return {e.id for e in events}
    ranked = sorted(events, key=lambda e: (e.kind != "battle", -peak_loss(e), e.date.sort_key, e.id))
    return {e.id for e in ranked[:budget]}


def select_chronology(events: list[Event], profiled: set[str], budget: int = CHRONOLOGY_BUDGET) -> set[str]:
    """Which events the compact chronology lists: all of them up to the budget; beyond it every profiled
    event, then the most significant of the rest (charts.layout.significance: battles first, then the
    highest claim of dead, then incidents before diplomacy and context), then the earliest, until the budget
    is full. The others are counted under the chronology; every event stays in the interactive timeline and
    the data exports."""
    if len(events) <= budget:
        return {e.id for e in events}
    from borderwar_report.charts.layout import significance

    def rank(e: Event) -> tuple:
        top = highest_dead(e)
        return tuple(-x for x in significance(e.kind, top.value, top.contested)) + (e.date.sort_key, e.id)

    chosen = {e.id for e in events if e.id in profiled}
    for e in sorted((e for e in events if e.id not in chosen), key=rank):
        if len(chosen) >= budget:
            break
        chosen.add(e.id)
    return chosen


def aftermath(phases: list[PhaseView]) -> tuple[list[PhaseView], str]:
    """The trailing phases in which diplomacy and context events make up at least half of the events
    (never the first phase); if there are none, the last phase."""
    chosen: list[PhaseView] = []
    for phase in reversed(phases[1:]):
        events = phase.events
        quiet = sum(1 for e in events if e.event.kind not in FIGHTING_KINDS)
        if events and quiet * 2 >= len(events):
            chosen.insert(0, phase)
        else:
            break
    rule = ("the closing phases in which diplomacy and context events make up at least half of the "
            "events")
    if not chosen and phases:
        chosen = [phases[-1]]
        rule = "the last phase"
    return chosen, rule


def _figure(name: str, info: dict, number: int) -> FigureView | None:
    src = ((info.get("files") or {}).get("print") or {}).get("svg")
    if not src:
        return None
    return FigureView(name=name, number=number, anchor=f"fig-{name}", src=src, alt=info.get("alt", ""),
                      title=info.get("title", name), caption=info.get("caption", ""),
                      source=info.get("source", ""), wide=float(info.get("aspect") or 0) >= WIDE_ASPECT)


# The per-year bars close the summary (under the key figures, on the page the key table ends on); the arc
# chapter then holds the phase table with the timeline, and the map with the first phase flowing under it.
SUMMARY_CHARTS = ("escalation",)
ARC_CHARTS = ("timeline", "locator")
DETAIL_PREFIX = "detail-"  # an event's detail map in the chart index: "detail-<event id>", shown in its profile
CASUALTY_CHART = "casualties"


def build_context(dataset: Dataset, charts: dict | None = None, paper: str | None = None,
                  profile_budget: int = PROFILE_BUDGET, chronology_budget: int = CHRONOLOGY_BUDGET,
                  claim_budget: int = CLAIM_ROWS) -> Briefing:
    """The whole view model, numbered in reading order."""
    doc = dataset.document
    charts = charts or {}
    paper = (paper or doc.paper or "a4").lower()
    sides = {s.id: s for s in dataset.sides}
    sources = {s.id: s for s in dataset.sources}
    labels = short_labels(dataset.sources)
    names = ClaimNames(dataset)

    profiled = select_profiles(list(dataset.events), profile_budget)
    views = {ev.id: _event_view(ev, sides, labels, names, claim_budget) for ev in dataset.events}
    compact = len(profiled) < len(dataset.events)
    # Only the compact chronology (over the profile budget) has a budget of its own; the table lists all.
    listed = select_chronology(list(dataset.events), profiled, chronology_budget) if compact else set(views)
    for ev_id, view in views.items():
        view.profiled = ev_id in profiled
        view.in_chronology = ev_id in listed

    phases = []
    phase_ids = {p.id for p in dataset.phases}
    by_phase: dict[str, list[EventView]] = defaultdict(list)
    for ev in dataset.events:
        by_phase[ev.phase if ev.phase in phase_ids else ""].append(views[ev.id])
    for p in dataset.phases:
        phases.append(PhaseView(p.id, f"phase-{p.id}", p.name, p.date.display(), p.summary, by_phase[p.id]))
    if by_phase.get(""):  # validate refuses unknown phases; keep the events visible all the same
        phases.append(PhaseView("other", "phase-other", "Other events", "", "", by_phase[""]))
    events = [views[ev.id] for ev in dataset.events]

    # Numbers in reading order: summary, arc, phases (event tables), casualties, appendices.
    tables = iter(range(1, 10**9))
    figures = iter(range(1, 10**9))

    ranked = sorted((e for e in events if peak_loss(e.event) > 0),
                    key=lambda e: (-peak_loss(e.event), e.event.date.sort_key, e.id))
    key_events = [KeyEvent(e, peak_loss(e.event), _loss_rows(e.event, sides, names)) for e in ranked[:KEY_EVENTS]]
    key_table = TableRef(next(tables), "tab-key-figures") if key_events else None
    conflict_totals = _totals_view(doc.totals, "conflict", sides, labels, names, tables, claim_budget)

    summary_figures, arc_figures = [], []
    placed = SUMMARY_CHARTS + ARC_CHARTS + (CASUALTY_CHART,)
    extra = sorted(n for n in charts if n not in placed and not n.startswith(DETAIL_PREFIX))
    for where, names_here in ((summary_figures, SUMMARY_CHARTS), (arc_figures, ARC_CHARTS + tuple(extra))):
        for name in names_here:
            fig = _figure(name, charts[name], 0) if name in charts else None
            if fig:
                where.append(FigureView(**{**fig.__dict__, "number": next(figures)}))
    phase_table = TableRef(next(tables), "tab-phases")

    footnote_number = 0
    phase_records = {p.id: p for p in dataset.phases}
    notes = NoteWriter(sources, ChicagoNotes())
    for phase in phases:
        record = phase_records.get(phase.id)
        if record is not None:
            phase.totals = _totals_view(record.totals, phase.anchor, sides, labels, names, tables, claim_budget)
        for view in phase.events:
            if not view.profiled:
                continue
            detail = _figure(DETAIL_PREFIX + view.id, charts.get(DETAIL_PREFIX + view.id) or {}, 0)
            if detail:
                view.detail_map = FigureView(**{**detail.__dict__, "number": next(figures)})
            if view.has_forces:
                view.forces_table = TableRef(next(tables), f"tab-forces-{view.id}")
            if view.has_losses:
                view.losses_table = TableRef(next(tables), f"tab-losses-{view.id}")
            if view.figures:
                view.figures_table = TableRef(next(tables), f"tab-figures-{view.id}")
            # The event's citations stand at one place (the end of its narrative): one note cites them all.
            cites = [Cite(c.source, c.locator, getattr(c, "via", None), getattr(c, "via_locator", None))
                     for c in view.event.citations]
            if cites:
                footnote_number += 1
                view.footnotes = (Footnote(footnote_number, notes.note(cites)),)

    casualty_figure = None
    if CASUALTY_CHART in charts:
        fig = _figure(CASUALTY_CHART, charts[CASUALTY_CHART], 0)
        if fig:
            casualty_figure = FigureView(**{**fig.__dict__, "number": next(figures)})
    with_losses = sorted((e for e in events if _loss_rows(e.event, sides, names)),
                         key=lambda e: (-peak_loss(e.event), e.event.date.sort_key, e.id))
    shown = sorted(with_losses[:CASUALTY_ROWS], key=lambda e: (e.event.date.sort_key, e.id))
    casualty_rows = [(e, _loss_rows(e.event, sides, names)) for e in shown]
    for e in shown:
        e.in_casualty_table = True
    casualty_table = TableRef(next(tables), "tab-casualties") if casualty_rows else None

    after_phases, after_rule = aftermath(phases)
    after_events = []
    for p in after_phases:
        listing = Listing(p.events, INLINE_LIST_LIMIT)
        beyond = p.events[len(listing):]
        listing.more_in_chronology = sum(1 for e in beyond if e.in_chronology)
        after_events.append((p, listing))

    chronology_table = TableRef(next(tables), "tab-chronology")
    glossary_table = TableRef(next(tables), "tab-glossary")

    glossary = _glossary(dataset, views)
    bibliography = group_bibliography(dataset.sources, ChicagoNotes())
    evidence, evidence_claims, second_hand = evidence_by_kind(dataset)

    contested, unconfirmed, unknown = [], [], []
    for view in events:
        found, missing = [], []
        for block in view.sides:
            for group_name, groups in (("forces", block.forces), ("losses", block.losses)):
                for g in groups:
                    if g.contested:
                        found.append(f"{block.short} {group_name}: {g.label} ({g.claimants} claimants)")
                    for row in g.rows + g.omitted:
                        if row.unconfirmed:
                            unconfirmed.append((view, f"{block.short}, {g.label}: {row.value} "
                                                      f"({row.source_label})"))
            if view.event.kind in FIGHTING_KINDS and not block.losses:
                missing.append(block.short)
        for f in view.figures:
            if f.contested:
                found.append(f"{f.label} ({len(f.rows) + len(f.omitted)} claims)")
            for row in f.rows + f.omitted:
                if row.unconfirmed:
                    unconfirmed.append((view, f"{f.label}: {row.value} ({row.source_label})"))
        if found:
            contested.append((view, found))
        if missing:
            unknown.append((view, missing))

    printed = [v for v in events if v.profiled] + [p.totals for p in phases if p.totals]
    printed += [conflict_totals] if conflict_totals else []
    claims_omitted = sum(g.more for v in printed for block in v.sides for g in block.forces + block.losses)
    claims_omitted += sum(f.more for v in printed for f in v.figures)

    stats = _stats(dataset, events)
    figures_by_name = {f.name: f for f in summary_figures + arc_figures + ([casualty_figure] if casualty_figure else [])}
    width, height = PAPER.get(paper, PAPER["a4"])
    title, typed_years = compose_title(doc.title, stats["first_year"], stats["last_year"])
    return Briefing(
        dataset=dataset, title=title, typed_title_years=typed_years, subtitle=doc.subtitle, issuer=doc.issuer,
        edition=day_text(doc.edition), edition_iso=doc.edition.isoformat(), revision=dataset.revision,
        language=doc.language or "en", keywords=_keywords(dataset), paper=paper, page_width=width,
        page_height=height, stats=stats, phases=phases, events=events, key_events=key_events,
        summary_figures=summary_figures, arc_figures=arc_figures, casualty_figure=casualty_figure,
        casualty_rows=casualty_rows,
        casualty_table=casualty_table, casualty_events_total=len(with_losses),
        aftermath_phases=after_phases, aftermath_events=after_events, aftermath_rule=after_rule,
        key_table=key_table, conflict_totals=conflict_totals, phase_table=phase_table,
        chronology_table=chronology_table,
        glossary_table=glossary_table, glossary=glossary, bibliography=bibliography,
        evidence=evidence, evidence_claims=evidence_claims, evidence_second_hand=second_hand,
        contested=Listing(contested), unconfirmed=Listing(unconfirmed), unknown_losses=Listing(unknown),
        approximate_places=Listing((e for e in events if e.place_flag), INLINE_LIST_LIMIT),
        unplaced=Listing((e for e in events if not e.coordinates), INLINE_LIST_LIMIT),
        qualified_dates=Listing((e for e in events if e.event.date.qualified or e.event.date.kind == "choice"
                                 or e.alt_dates), INLINE_LIST_LIMIT),
        footnote_count=footnote_number, profile_count=len(profiled), figures_by_name=figures_by_name,
        list_events_in_contents=len(profiled) <= CONTENTS_EVENT_LIMIT,
        compact_chronology=compact,
        chronology_events=[e for e in events if e.in_chronology], chronology_budget=chronology_budget,
        claim_budget=claim_budget, claims_omitted=claims_omitted,
    )


def _keywords(dataset: Dataset) -> tuple[str, ...]:
    """The document's keywords, or else the sides and the timeline lanes (PDF metadata needs some)."""
    doc = dataset.document
    if doc.keywords:
        return doc.keywords
    words = [s.name for s in dataset.sides] + [lane.label for lane in doc.lanes]
    return tuple(dict.fromkeys(w for w in words if w))


def _glossary(dataset: Dataset, views: dict[str, EventView]) -> list[GlossaryGroup]:
    rows: dict[tuple, GlossaryRow] = {}

    def add(english: str, name: Name, anchor: str) -> None:
        key = (english, name.lang, name.text)
        if key not in rows:
            rows[key] = GlossaryRow(english, name, language_name(name.lang), anchor)

    for side in dataset.sides:
        for n in side.names:
            add(side.name, n, "")
    for ev in dataset.events:
        if not views[ev.id].profiled:  # over the profile budget, the glossary follows the profiles
            continue
        anchor = views[ev.id].anchor
        for n in ev.names:
            add(ev.title, n, anchor)
        if ev.place:
            for n in ev.place.names:
                add(ev.place.name, n, anchor)
    ordered = sorted(rows.values(), key=lambda r: (sort_text(r.english), r.english, r.anchor, r.name.lang,
                                                   r.name.text))
    groups: list[GlossaryGroup] = []
    for row in ordered:
        if groups and groups[-1].english == row.english and groups[-1].anchor == row.anchor:
            groups[-1] = GlossaryGroup(row.english, row.anchor, groups[-1].rows + (row,))
        else:
            groups.append(GlossaryGroup(row.english, row.anchor, (row,)))
    return groups


def _stats(dataset: Dataset, events: list[EventView]) -> dict:
    kinds: dict[str, int] = defaultdict(int)
    for e in events:
        kinds[e.event.kind] += 1
    # every claim: forces and losses and the events' other figures, as appendix C counts them
    every = [c for e in dataset.events for c in [*(c for *_, c in e.all_claims()), *(c for f in e.figures
                                                                                     for c in f.claims)]]
    claims = len(every)
    claimants = len({c.claimant for c in every})
    first, last = dataset.years if (dataset.events or dataset.document.span) else (None, None)
    return {
        "events": len(dataset.events), "sources": len(dataset.sources), "phases": len(dataset.phases),
        "sides": len(dataset.sides), "claims": claims, "claimants": claimants, "first_year": first, "last_year": last,
        "kinds": [(kind_label(k), n) for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))],
        "kind_counts": [kind_count_text(k, n) for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))],
    }
