"""YAML documents → a validated ``Dataset``, collecting every problem before giving up.

Why this file is long: one reader per record type (document, side, phase, source, claimant, claim,
event, map) and the checks across records; the typed field readers they share are in fields.py.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

from borderwar_report.core.errors import DataError, Problem
from borderwar_report.records import model as m
from borderwar_report.records.fields import (
    _MISSING,
    COLOUR_RE,
    ID_RE,
    MAX_TEXT,
    MAX_TITLE,
    OKABE_ITO,
    Fields,
    Refs,
    _closest,
    _kind,
    _label,
    _place_of,
    _where_of,
)
from borderwar_report.records.yamlsrc import YamlDoc, _dotted, read_yaml


def load_dataset(data_dir: Path, warnings: list[Problem] | None = None) -> m.Dataset:
    """Read and validate every file of a data folder; raise DataError listing all problems.
    Warnings (suspect but possible data) are appended to ``warnings`` when given."""
    data_dir = Path(data_dir)
    problems: list[Problem] = []
    if not data_dir.is_dir():
        raise DataError([Problem(str(data_dir), 0, "", "data folder not found", "no-data")])
    docs: dict[str, YamlDoc | None] = {}
    digest = hashlib.sha256()
    for name in ("document.yaml", "sides.yaml", "phases.yaml", "sources.yaml"):
        path = data_dir / name
        if not (path.exists() or path.is_symlink()):  # anything else there is read_yaml's to explain
            problems.append(Problem(_label(path), 0, "", f"missing: every data folder needs {name}", "missing-file"))
            docs[name] = None
            continue
        docs[name], found = read_yaml(path, _label(path))
        problems += found + raw_html_problems(docs[name])
        digest.update(name.encode() + b"\0" + (docs[name].raw if docs[name] else b""))
    claimants_path = data_dir / "claimants.yaml"
    docs["claimants.yaml"] = None
    if claimants_path.exists() or claimants_path.is_symlink():
        docs["claimants.yaml"], found = read_yaml(claimants_path, _label(claimants_path))
        problems += found
        digest.update(b"claimants.yaml\0" + (docs["claimants.yaml"].raw if docs["claimants.yaml"] else b""))
    event_files = sorted((data_dir / "events").glob("*.yaml")) + sorted((data_dir / "events").glob("*.yml"))
    if not event_files:
        problems.append(Problem(_label(data_dir / "events"), 0, "", "no event files (events/*.yaml)", "no-events"))
    refs = Refs()
    _REFS.append(refs)
    try:
        return _load(problems, docs, digest, refs, event_files, warnings if warnings is not None else [])
    finally:
        _REFS.pop()


def _load(problems, docs, digest, refs, event_files, warnings) -> m.Dataset:
    events: list[m.Event] = []
    for path in event_files:
        doc, found = read_yaml(path, _label(path))
        problems += found + raw_html_problems(doc)
        digest.update(path.name.encode() + b"\0" + (doc.raw if doc else b""))
        if doc is None:
            continue
        records = doc.value if isinstance(doc.value, list) else [doc.value]
        for i, record in enumerate(records):
            where = (i,) if isinstance(doc.value, list) else ()
            event = _event(Fields(doc, where, record, problems), refs)
            if event is not None:
                events.append(event)

    document = _document(docs["document.yaml"], problems, refs) if docs["document.yaml"] else None
    sides = _list_of(docs["sides.yaml"], problems, _side)
    phases = _list_of(docs["phases.yaml"], problems, lambda f: _phase(f, refs))
    sources = _list_of(docs["sources.yaml"], problems, lambda f: _source(f, refs))
    claimants = _list_of(docs["claimants.yaml"], problems, lambda f: _claimant(f, refs))

    # Colours follow file order unless given, so one side keeps one colour in every chart.
    sides = [s if s.colour else _with_colour(s, OKABE_ITO[i % len(OKABE_ITO)]) for i, s in enumerate(sides)]

    known = {
        "side": {s.id for s in sides},
        "phase": {p.id for p in phases},
        "source": {s.id for s in sources},
        "claimant": {c.id for c in claimants},
        "lane": {ln.id for ln in (document.lanes if document else ())},
    }
    _unique("event", [(e.id, e) for e in events], problems)
    refs.check(known, problems)
    _check_event_dates(events, phases, document, problems, warnings)
    _check_claims_budget(events, problems)
    if problems:
        raise DataError(problems)
    events.sort(key=lambda e: e.date.sort_key)
    return m.Dataset(document=document, sides=tuple(sides), phases=tuple(phases), sources=tuple(sources),
                     events=tuple(events), revision=digest.hexdigest()[:10], claimants=tuple(claimants))


def validate_folder(data_dir: Path) -> list[Problem]:
    try:
        load_dataset(data_dir)
    except DataError as exc:
        return exc.problems
    return []


# --- records --------------------------------------------------------------------------------------

def _document(doc: YamlDoc, problems, refs: Refs) -> m.Document | None:
    f = Fields(doc, (), doc.value, problems)
    if not f.ok:
        return None
    f.unknown_keys({"title", "subtitle", "issuer", "edition", "paper", "language", "span", "lanes", "summary",
                    "method", "keywords", "conflict", "totals", "editor_note", "map_note"})
    conflict_name, conflict_names = None, ()
    cf = f.sub("conflict")
    if cf is not None and cf.ok:
        cf.unknown_keys({"name", "names", "editor_note"})
        conflict_name, conflict_names = cf.text("name", required=True), _names(cf)
    tf = f.sub("totals")
    totals = _totals(tf, refs) if tf is not None and tf.ok else m.Totals()
    if tf is not None and tf.ok:
        tf.unknown_keys({"sides", "figures", "editor_note"})
    lanes = []
    for i, where, value in f.items("lanes", required=True):
        lf = Fields(doc, where, value, problems)
        lf.unknown_keys({"id", "label"})
        lane_id, label = lf.ident("id"), lf.text("label", required=True)
        if lane_id in {ln.id for ln in lanes}:
            lf.problem("id", f'lane "{lane_id}" is already defined', "duplicate-id")
        elif lane_id and label:
            lanes.append(m.Lane(lane_id, label))
    language = f.text("language", default="en", max_len=20)
    if language and not re.match(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", language):
        f.problem("language", f'"{language}" is not a language tag such as en or en-GB', "bad-choice")
    return m.Document(
        title=f.text("title", required=True) or "",
        subtitle=f.text("subtitle", default=""),
        issuer=f.text("issuer", default=""),
        edition=f.day("edition", required=True),
        paper=f.choice("paper", m.PAPER_SIZES, required=False, default="a4"),
        language=language or "en",
        span=f.date("span", required=False),
        lanes=tuple(lanes),
        summary=f.text("summary", max_len=MAX_TEXT, default=""),
        method=f.text("method", max_len=MAX_TEXT, default=""),
        keywords=f.texts("keywords"),
        conflict_name=conflict_name,
        conflict_names=conflict_names,
        totals=totals,
        map_note=f.text("map_note", max_len=2000, default=""),
    )


def _list_of(doc: YamlDoc | None, problems, make) -> list:
    if doc is None:
        return []
    if doc.value is None:
        return []
    if not isinstance(doc.value, list):
        problems.append(Problem(doc.path, doc.line(()), "", f"must be a list of records, got {_kind(doc.value)}",
                                "wrong-type"))
        return []
    out, first_line = [], {}
    for i, value in enumerate(doc.value):
        f = Fields(doc, (i,), value, problems)
        if f.ok:
            record = make(f)
            if record is None:
                continue
            line = doc.line((i, "id"))
            if record.id in first_line:
                f.problem("id", f'"{record.id}" is already defined at line {first_line[record.id]}', "duplicate-id")
                continue
            first_line[record.id] = line
            out.append(record)
    return out


_REFS: list = []  # the Refs of the folder being loaded, for names that cite a source


def _names(f: Fields, key="names") -> tuple[m.Name, ...]:
    out = []
    for _, where, value in f.items(key):
        nf = Fields(f.doc, where, value, f.problems)
        if not nf.ok:
            continue
        nf.unknown_keys({"lang", "text", "romanized", "source", "editor_rendering", "editor_note"})
        lang, text = nf.text("lang", required=True, max_len=20), nf.text("text", required=True)
        source = nf.ident("source", required=False)
        if _REFS:
            _REFS[-1].need("source", source, nf, "source")
        rendering = nf.boolean("editor_rendering")
        if rendering and source:
            nf.problem("editor_rendering", "an editor's rendering has no source; drop one of the two", "name-source")
        if lang and text:
            out.append(m.Name(lang, text, nf.text("romanized"), source, rendering))
    return tuple(out)


def _place(pf: Fields, refs: Refs) -> m.Place | None:
    pf.unknown_keys({"name", "names", "lat", "lon", "approximate", "source", "locator", "editor_note"})
    lat, lon = pf.number("lat", -90, 90), pf.number("lon", -180, 180)
    if ("lat" in pf.value) != ("lon" in pf.value):
        pf.problem("lat" if "lat" not in pf.value else "lon", "give both lat and lon, or neither", "missing-field")
        lat = lon = None
    source = pf.ident("source", required=False)
    refs.need("source", source, pf, "source")
    if source and lat is None and "lat" not in pf.value:
        pf.problem("source", "sources the coordinates: give lat and lon, or drop source", "place-source")
    name = pf.text("name", required=True)
    if not name:
        return None
    return m.Place(name, _names(pf), lat, lon, pf.boolean("approximate"), source, pf.text("locator", max_len=100))


def _people(f: Fields, key: str) -> tuple[m.Commander, ...]:
    """Commanders or units: a bare name, or {name, names, rank, role}."""
    out = []
    for i, where, value in f.items(key):
        if isinstance(value, str):
            if value.strip():
                out.append(m.Commander(value.strip()[:MAX_TITLE]))
            else:
                f.problem((key, i), "must not be empty", "missing-field")
            continue
        pf = Fields(f.doc, where, value, f.problems)
        if not pf.ok:
            continue
        pf.unknown_keys({"name", "names", "rank", "role", "editor_note"})
        name = pf.text("name", required=True)
        if name:
            out.append(m.Commander(name, _names(pf), pf.text("rank", max_len=80), pf.text("role")))
    return tuple(out)


def _side(f: Fields) -> m.Side | None:
    f.unknown_keys({"id", "name", "short", "adjective", "bloc", "colour", "names"})
    side_id, name = f.ident("id"), f.text("name", required=True)
    colour = f.text("colour", max_len=7)
    if colour and not COLOUR_RE.match(colour):
        f.problem("colour", f'"{colour}" is not a colour like "#0072B2"', "bad-colour")
        colour = None
    if not (side_id and name):
        return None
    return m.Side(side_id, name, f.text("short", default=name), f.ident("bloc", required=False) or side_id,
                  colour or "", _names(f), f.text("adjective", max_len=60))


def _phase(f: Fields, refs: Refs) -> m.Phase | None:
    f.unknown_keys({"id", "name", "date", "summary", "sides", "figures", "editor_note"})
    phase_id, name, date = f.ident("id"), f.text("name", required=True), f.date("date")
    summary = f.text("summary", max_len=MAX_TEXT, default="")
    totals = _totals(f, refs)
    f.text("editor_note", max_len=MAX_TEXT)
    return m.Phase(phase_id, name, date, summary, totals) if phase_id and name and date else None


def _source(f: Fields, refs) -> m.Source | None:
    f.unknown_keys({"id", "kind", "type", "author", "title", "title_translated", "title_romanized", "publisher",
                    "place", "year", "journal", "volume", "issue", "pages", "edition", "copy_of", "url", "accessed",
                    "note", "editor_note"})
    source_id, title = f.ident("id"), f.text("title", required=True)
    form = f.choice("type", m.SOURCE_TYPES, default="other")
    if "kind" not in f.value:
        f.problem("kind", "is required: what kind of evidence the source is — one of " + ", ".join(m.SOURCE_KINDS),
                  "source-kind")
    kind = f.choice("kind", m.SOURCE_KINDS, required=False, default="web-page")
    authors = _authors(f)
    year = f.text("year", max_len=20)
    if year and not re.match(r"^\d{4}[a-z]?$|^n\.d\.$", year):
        f.problem("year", f'"{year}" is not a year like 1985', "wrong-type")
    url = f.text("url", max_len=2000)
    if url and not re.match(r"^https?://\S+$", url):
        f.problem("url", f'"{url[:80]}" is not an http(s) address', "bad-url")
        url = None
    copy_of = f.ident("copy_of", required=False)
    refs.need("source", copy_of, f, "copy_of")
    if copy_of is not None and copy_of == source_id:
        f.problem("copy_of", "a source cannot be a copy of itself", "source-copy")
        copy_of = None
    f.text("editor_note", max_len=MAX_TEXT)
    if not (source_id and title):
        return None
    return m.Source(source_id, form, title, tuple(a for a in authors if a), f.text("publisher"), f.text("place"),
                    year, f.text("journal"), f.text("volume", max_len=20), f.text("issue", max_len=20),
                    f.text("pages", max_len=40), url, f.day("accessed"), f.text("note", max_len=2000), kind,
                    copy_of, f.text("title_translated"), f.text("title_romanized"), f.text("edition", max_len=40))


ORGANISATION_WORDS = re.compile(r"\b(university|universit\w+|project|ministry|institut\w*|committee|department|office|"
                                r"press|archives?|library|society|school|college|museum|agency|council|"
                                r"commission|foundation|academy|government|bureau|service|tribunal|staff|"
                                r"contributors|editors|board|centre|center|association)\b", re.I)


def _authors(f: Fields) -> tuple[str, ...]:
    """ "Family, Given" strings for people; {organisation: …} for a body whose name has a comma."""
    raw = f.value.get("author")
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (f.text("author"),) if raw.strip() else ()
    out = []
    for i, where, value in f.items("author"):
        if isinstance(value, dict):
            of = Fields(f.doc, where, value, f.problems)
            of.unknown_keys({"organisation"})
            name = of.text("organisation", required=True)
            if name:
                out.append(m.Organisation(name))
            continue
        if not isinstance(value, str) or not value.strip():
            f.problem(("author", i), f"must be text, got {_kind(value)}", "wrong-type")
            continue
        text = value.strip()[:MAX_TITLE]
        family, comma, given = text.partition(",")
        if comma and (ORGANISATION_WORDS.search(text) or len(given.split()) > 4 or len(family.split()) > 4):
            f.problem(("author", i), f'"{text[:60]}" would be read as a person, family name "{family.strip()}": '
                                     "an organisation whose name has a comma is written as "
                                     f'{{organisation: "{text[:40]}"}}', "author-organisation")
        out.append(text)
    return tuple(out)


def _claimant(f: Fields, refs) -> m.Claimant | None:
    f.unknown_keys({"id", "name", "short", "kind", "side", "note", "editor_note"})
    claimant_id, name = f.ident("id"), f.text("name", required=True)
    kind = f.choice("kind", m.CLAIMANT_KINDS, default="other")
    side = f.ident("side", required=False)
    refs.need("side", side, f, "side")
    f.text("editor_note", max_len=MAX_TEXT)
    if not (claimant_id and name):
        return None
    return m.Claimant(claimant_id, name, kind, side, f.text("note", max_len=2000), f.text("short", max_len=60))


CLAIM_KEYS = {"value", "low", "high", "bound", "unit", "claimant", "sources", "source", "locator", "via",
              "via_locator", "scope", "id", "part_of", "unconfirmed", "claimed_zero", "note", "editor_note"}
UNKNOWN_WORDS = {"unknown", "n/a", "na", "?", "none", "nil", "-", "–", "—"}


def _figure(cf: Fields, key: str):
    """A claim's whole-number field, explaining how "unknown" is written."""
    raw = cf.value.get(key)
    if isinstance(raw, str) and raw.strip().lower() in UNKNOWN_WORDS:
        cf.problem(key, f'"{raw}" is not a figure: when no source gives one, leave the category out — an absent '
                        "category is how the data says unknown", "figure-unknown")
        return None
    return cf.whole(key, required=True)


def _claim_sources(cf: Fields, refs: Refs) -> tuple[m.ClaimSource, ...]:
    out = []
    if "sources" in cf.value:
        if "source" in cf.value:
            cf.problem("source", "give either source (one work) or sources (a list), not both", "claim-source")
        for _, where, value in cf.items("sources", required=True):
            sf = Fields(cf.doc, where, value, cf.problems)
            if not sf.ok:
                continue
            sf.unknown_keys({"source", "locator", "via", "via_locator", "editor_note"})
            out.append(_claim_source(sf, refs))
        if not out and not cf.items("sources"):
            cf.problem("sources", "needs at least one source: the work where the figure was read", "claim-source")
    elif "source" in cf.value:
        out.append(_claim_source(cf, refs))
    else:
        cf.problem("sources", "is required: the work (or works) where the figure was read", "claim-source")
    return tuple(s for s in out if s is not None)


def _claim_source(sf: Fields, refs: Refs) -> m.ClaimSource | None:
    source, via = sf.ident("source"), sf.ident("via", required=False)
    refs.need("source", source, sf, "source")
    refs.need("source", via, sf, "via")
    if via is not None and via == source:
        sf.problem("via", "names the same work as source; via is the work that quotes the source", "claim-source")
        via = None
    if "via_locator" in sf.value and via is None:
        sf.problem("via_locator", "needs via: the work the page number belongs to", "claim-source")
    if source is None:
        return None
    return m.ClaimSource(source, sf.text("locator", max_len=100), via, sf.text("via_locator", max_len=100))


def _claims(f: Fields, key, refs: Refs) -> tuple[m.Claim, ...]:
    out = []
    items = f.items(key)
    if not items and key in f.value:
        f.problem(key, "needs at least one claim, or leave the category out (unknown is not zero)", "missing-field")
    for _, where, value in items:
        cf = Fields(f.doc, where, value, f.problems)
        if not cf.ok:
            continue
        cf.unknown_keys(CLAIM_KEYS)
        if "value" in cf.value and ("low" in cf.value or "high" in cf.value):
            cf.problem("value", "give either value or low and high, not both", "figure-shape")
            continue
        if "value" in cf.value:
            low = high = _figure(cf, "value")
        elif "low" in cf.value or "high" in cf.value:
            if "high" not in cf.value or "low" not in cf.value:
                given, other = ("low", "high") if "low" in cf.value else ("high", "low")
                cf.problem(other, f"{given} needs {other}: a range has both ends; for an open bound write value "
                                  f"with bound: {'at-least' if given == 'low' else 'at-most'}", "figure-shape")
                continue
            low, high = _figure(cf, "low"), _figure(cf, "high")
            if low is not None and high is not None and low > high:
                cf.problem("low", f"low ({low:,}) is greater than high ({high:,})", "range-reversed")
                low = None
        else:
            cf.problem("value", "is required (or low and high for a range)", "missing-field")
            continue
        claimed_zero = cf.boolean("claimed_zero")
        if high == 0 and not claimed_zero:
            cf.problem("value", "0 means a source says there were none: add claimed_zero: true to record that; "
                                "if no source gives a figure, leave the category out (unknown is not zero)",
                       "figure-zero")
            continue
        if claimed_zero and high not in (0, None):
            cf.problem("claimed_zero", "is only for a claim of 0", "figure-zero")
        claimant = cf.raw("claimant", required=False)
        if claimant is _MISSING:
            cf.problem("claimant", "is required: the id (from claimants.yaml) of who asserts the figure — the source is "
                                   "only where it was read", "claim-claimant")
            claimant = None
        elif isinstance(claimant, str) and not ID_RE.match(claimant.strip()):
            cf.problem("claimant", f'"{claimant[:60]}" is not a claimant id: add the claimant to claimants.yaml '
                                   "(id, name, kind) and write its id here", "claim-claimant")
            claimant = None
        else:
            claimant = cf.ident("claimant")
        refs.need("claimant", claimant, cf, "claimant")
        sources = _claim_sources(cf, refs)
        bound = cf.choice("bound", m.BOUNDS, required=False)
        if bound and low != high:
            cf.problem("bound", "applies to a single value; a range already states both ends", "figure-shape")
        claim_id, part_of = cf.ident("id", required=False), cf.ident("part_of", required=False)
        scope = cf.text("scope")
        cf.text("editor_note", max_len=MAX_TEXT)
        if low is None or high is None or claimant is None or not sources:
            continue
        out.append(m.Claim(low, high, claimant, sources, bound, cf.text("unit", max_len=60), scope, claim_id,
                           part_of, cf.boolean("unconfirmed"), cf.text("note", max_len=2000)))
    return tuple(out)


def _sides(f: Fields, refs: Refs) -> list[m.SideInEvent]:
    """Each side's commanders, units, forces and losses (an event's, a phase's or the whole conflict's)."""
    sides = []
    seen_sides: dict[str, int] = {}
    for i, where, value in f.items("sides"):
        sf = Fields(f.doc, where, value, f.problems)
        if not sf.ok:
            continue
        sf.unknown_keys({"side", "commanders", "units", "forces", "losses", "note", "editor_note"})
        side = sf.ident("side")
        refs.need("side", side, sf, "side")
        if side in seen_sides:
            sf.problem("side", f'side "{side}" is listed twice (first as sides[{seen_sides[side]}])', "duplicate-id")
            continue
        if side:
            seen_sides[side] = i
        forces = _figure_map(sf, "forces", m.FORCE_CATEGORIES, refs)
        losses = _figure_map(sf, "losses", m.LOSS_CATEGORIES, refs)
        _breakdowns(sf, losses)
        sf.text("editor_note", max_len=MAX_TEXT)
        if side:
            sides.append(m.SideInEvent(side, _people(sf, "commanders"), forces, losses, sf.text("note", max_len=2000),
                                       _people(sf, "units")))
    return sides


def _each(f: Fields, key: str):
    """Fields for each mapping in the list ``key`` (items that are not mappings are reported and skipped)."""
    for _, where, value in f.items(key):
        item = Fields(f.doc, where, value, f.problems)
        if item.ok:
            yield item


def _figures(f: Fields, refs: Refs) -> list[m.LabelledFigure]:
    figures = []
    for ff in _each(f, "figures"):
        ff.unknown_keys({"label", "claims", "editor_note"})
        label, claims = ff.text("label", required=True), _claims(ff, "claims", refs)
        if label and claims:
            figures.append(m.LabelledFigure(label, claims))
    return figures


def _totals(f: Fields, refs: Refs) -> m.Totals:
    """Figures that no single event carries: claimed for a whole phase or the whole conflict."""
    return m.Totals(tuple(_sides(f, refs)), tuple(_figures(f, refs)))


def _breakdowns(sf: Fields, losses: dict[str, tuple[m.Claim, ...]]) -> None:
    """Parts (``part_of``) of one tally: same side, nesting categories, and they add up."""
    tallies: dict[str, tuple[str, m.Claim]] = {}
    for category, claims in losses.items():
        for claim in claims:
            if claim.id is None:
                continue
            if claim.id in tallies:
                sf.problem(("losses", category), f'claim id "{claim.id}" is used twice in this side', "duplicate-id")
            tallies[claim.id] = (category, claim)
    parts: dict[str, list[tuple[str, m.Claim]]] = {}
    for category, claims in losses.items():
        for claim in claims:
            if claim.part_of is None:
                continue
            if claim.part_of not in tallies:
                sf.problem(("losses", category), f'part_of "{claim.part_of}": no claim of this side has that id',
                           "breakdown")
                continue
            parts.setdefault(claim.part_of, []).append((category, claim))
    for tally_id, members in parts.items():
        tally_category, tally = tallies[tally_id]
        where = ("losses", tally_category)
        for category, claim in members:
            if tally_category not in m.loss_ancestors(category):
                sf.problem(where, f'"{category}" is not counted inside "{tally_category}", so it cannot be a part of '
                                  f'claim "{tally_id}" (see the loss categories in data/README.md)', "breakdown")
        cats = [c for c, _ in members]
        for c in cats:
            if any(other in m.loss_ancestors(c) for other in cats if other != c):
                sf.problem(where, f'the parts of "{tally_id}" overlap: "{c}" is counted inside another part',
                           "breakdown")
                break
        low, high = sum(c.low for _, c in members), sum(c.high for _, c in members)
        if not (low <= tally.high and high >= tally.low) or (not tally.is_range and tally.bound is None
                                                             and (low, high) != (tally.low, tally.low)
                                                             and all(not c.is_range for _, c in members)):
            shown = f"{low:,}" if low == high else f"{low:,}–{high:,}"
            sf.problem(where, f'the parts of "{tally_id}" add up to {shown}, not {tally.display()}', "breakdown")


def _figure_map(f: Fields, key, categories, refs) -> dict[str, tuple[m.Claim, ...]]:
    sub = f.sub(key)
    if sub is None or not sub.ok:
        return {}
    out = {}
    for category in sub.value:
        if category not in categories:
            hint = _closest(category, categories)
            sub.problem(category, f'unknown category "{category}"'
                        + (f'; did you mean "{hint}"?' if hint else f"; use one of: {', '.join(categories)}"),
                        "unknown-category")
            continue
        claims = _claims(sub, category, refs)
        if claims:
            out[category] = claims
    return out


def _event(f: Fields, refs: Refs) -> m.Event | None:
    if not f.ok:
        return None
    f.unknown_keys({"id", "title", "names", "kind", "phase", "lane", "date", "alternative_dates", "place", "places",
                    "sides",
                    "outcome", "summary", "note", "editor_note", "figures", "citations", "map"})
    f.text("editor_note", max_len=MAX_TEXT)
    event_id, title = f.ident("id"), f.text("title", required=True)
    kind = f.choice("kind", m.EVENT_KINDS)
    phase, lane = f.ident("phase"), f.ident("lane")
    refs.need("phase", phase, f, "phase")
    refs.need("lane", lane, f, "lane")
    date = f.date("date")
    alternatives = []
    for _, where, value in f.items("alternative_dates"):
        af = Fields(f.doc, where, value, f.problems)
        if not af.ok:
            continue
        af.unknown_keys({"date", "source", "locator", "note", "editor_note"})
        alt, source = af.date("date"), af.ident("source")
        refs.need("source", source, af, "source")
        if alt and source:
            alternatives.append(m.AltDate(alt, source, af.text("note", max_len=2000)))
    places = []
    if "place" in f.value and "places" in f.value:
        f.problem("places", "give either place (one) or places (a list), not both", "figure-shape")
    pf = f.sub("place")
    if pf is not None and pf.ok:
        places.append(_place(pf, refs))
    for _, where, value in f.items("places"):
        pf = Fields(f.doc, where, value, f.problems)
        if pf.ok:
            places.append(_place(pf, refs))
    places = [p for p in places if p is not None]
    place = places[0] if places else None
    sides, figures = _sides(f, refs), _figures(f, refs)
    citations = []
    for cf in _each(f, "citations"):
        cf.unknown_keys({"source", "locator", "editor_note"})
        source = cf.ident("source")
        refs.need("source", source, cf, "source")
        if source:
            citations.append(m.Citation(source, cf.text("locator", max_len=100)))
    names = _names(f)
    outcome, summary = f.text("outcome", max_len=1000), f.text("summary", max_len=MAX_TEXT, default="")
    if not all([event_id, title, kind, phase, lane, date]):
        return None
    note = f.text("note", max_len=MAX_TEXT, default="")
    return m.Event(event_id, title, kind, phase, lane, date, f.doc.path, f.doc.line(f.where), names,
                   tuple(alternatives), place, tuple(sides), outcome, summary, tuple(figures), tuple(citations),
                   note, tuple(places[1:]), map=_event_map(f, refs))


# --- checks across records ---------------------------------------------------------------------------

MAX_CLAIMS_PER_EVENT = 200  # an event's claims print as one losses/forces table in its profile


def _check_event_dates(events, phases, document, problems, warnings) -> None:
    """An event dated outside its phase is an error (a 1983 typo in a 1938 phase); outside the document's
    span only a warning (the span may be a headline, with prelude and aftermath events beyond it)."""
    by_id = {p.id: p for p in phases}
    span = document.span if document else None
    for ev in events:
        phase = by_id.get(ev.phase)
        if phase is not None and (ev.date.latest < phase.date.earliest or ev.date.earliest > phase.date.latest):
            problems.append(Problem(ev.file, ev.line, "date", f'{ev.date.text} is outside its phase "{phase.id}" '
                                    f"({phase.date.text}); fix the date or the phase", "date-outside-phase"))
        elif span is not None and (ev.date.latest < span.earliest or ev.date.earliest > span.latest):
            warnings.append(Problem(ev.file, ev.line, "date", f"{ev.date.text} is outside the document's span "
                                    f"({span.text})", "date-outside-span", "warning"))


def _check_claims_budget(events, problems) -> None:
    for ev in events:
        count = sum(len(claims) for side in ev.sides for figures in (side.forces, side.losses)
                    for claims in figures.values()) + sum(len(f.claims) for f in ev.figures)
        if count > MAX_CLAIMS_PER_EVENT:
            problems.append(Problem(ev.file, ev.line, "sides", f"{count:,} claims; an event may carry at most "
                                    f"{MAX_CLAIMS_PER_EVENT} (split it into several events)",
                                    "claims-over-budget"))


# --- helpers --------------------------------------------------------------------------------------

def _with_colour(side: m.Side, colour: str) -> m.Side:
    from dataclasses import replace
    return replace(side, colour=colour)


def _unique(kind: str, pairs, problems) -> set[str]:
    """Every copy after the first is reported once, pointing at the first: linear however many copies."""
    first: dict[str, object] = {}
    for ident, record in pairs:
        if ident not in first:
            first[ident] = record
            continue
        problems.append(Problem(*_where_of(record), "id",
                                f'{kind} id "{ident}" is already used at {_place_of(first[ident])}',
                                "duplicate-id"))
    return set(first)


def _event_map(f: Fields, refs: Refs) -> m.EventMap | None:
    """An event's ``map`` block: ``extent: [west, south, east, north]``, ``places: [{name, lat, lon,
    approximate, source}]``, ``lines: [{name, kind, points: [[lon, lat], ...], source}]``, ``note``."""
    mf = f.sub("map")
    if mf is None or not mf.ok:
        return None
    mf.unknown_keys({"extent", "places", "lines", "note", "editor_note"})
    mf.text("editor_note", max_len=MAX_TEXT)

    def pair(where, value, lon_first=True):
        """(lon, lat) from a two-number list, or None after a located problem."""
        pf = Fields(f.doc, where, dict(enumerate(value)) if isinstance(value, list) else value, f.problems)
        if not pf.ok or len(pf.value) != 2:
            if pf.ok:
                pf.problem((), "must be [lon, lat]", "wrong-type")
            return None
        lon, lat = pf.number(0, -180, 180, required=True), pf.number(1, -90, 90, required=True)
        return None if lon is None or lat is None else (lon, lat)

    extent = None
    raw = mf.value.get("extent")
    if raw is not None:
        ef = Fields(f.doc, mf.where + ("extent",), dict(enumerate(raw)) if isinstance(raw, list) else raw, f.problems)
        if ef.ok and len(ef.value) != 4:
            ef.problem((), "must be [west, south, east, north]", "wrong-type")
        elif ef.ok:
            box = (ef.number(0, -180, 180, True), ef.number(1, -90, 90, True), ef.number(2, -180, 180, True),
                   ef.number(3, -90, 90, True))
            if None not in box:
                if box[1] >= box[3] or box[0] == box[2]:
                    ef.problem((), "south must be below north and west differ from east", "out-of-range")
                else:
                    extent = box
    places = []
    for _, where, value in mf.items("places"):
        pf = Fields(f.doc, where, value, f.problems)
        if not pf.ok:
            continue
        pf.unknown_keys({"name", "lat", "lon", "approximate", "source", "locator", "editor_note"})
        name, lat, lon = pf.text("name", required=True), pf.number("lat", -90, 90, True), pf.number("lon", -180, 180, True)
        source = pf.ident("source", required=False)
        refs.need("source", source, pf, "source")
        if name and lat is not None and lon is not None:
            places.append(m.MapPlace(name, lat, lon, pf.boolean("approximate"), source))
    lines = []
    for _, where, value in mf.items("lines"):
        lf = Fields(f.doc, where, value, f.problems)
        if not lf.ok:
            continue
        lf.unknown_keys({"name", "kind", "points", "source", "locator", "editor_note"})
        name = lf.text("name", required=True)
        kind = lf.choice("kind", m.MAP_LINE_KINDS, required=False, default="other")
        source = lf.ident("source", required=False)
        refs.need("source", source, lf, "source")
        pts = [pair(w, v) for _, w, v in lf.items("points", required=True)]
        if len(pts) < 2 and "points" in lf.value:
            lf.problem("points", "a line needs at least two points", "wrong-type")
        if name and len(pts) >= 2 and None not in pts:
            lines.append(m.MapLine(name, tuple(pts), kind or "other", source))
    return m.EventMap(extent, tuple(places), tuple(lines), mf.text("note", max_len=2000, default=""))


# --- raw HTML in Markdown fields --------------------------------------------------------------------

MARKDOWN_KEYS = ("summary", "method")  # the fields data/README.md documents as Markdown, and an event's note
EVENT_MARKDOWN_KEYS = MARKDOWN_KEYS + ("note",)  # a claim's or a source's note is plain text, printed escaped


def raw_html_problems(doc: YamlDoc | None) -> list[Problem]:
    """Markdown fields may not carry raw HTML (data/README.md): it would be printed as literal tags in the
    PDF and passed on as markup by the HTML exports. Autolinks (<https://…>) are Markdown, not HTML."""
    if doc is None:
        return []
    problems: list[Problem] = []
    _walk_html(doc, doc.value, (), _html_parser(), problems)
    return problems


def _walk_html(doc: YamlDoc, value, where: tuple, md, problems: list[Problem]) -> None:
    # A module function, not a closure that calls itself: that closure was a reference cycle holding the
    # whole parsed file (its values, lines and bytes) until the cyclic collector ran, which it does not
    # while reading (core.heap.long_lived): at 10,000 events 165 MB of the 250 MB read stayed allocated.
    if isinstance(value, dict):
        keys = EVENT_MARKDOWN_KEYS if "phase" in value and "kind" in value else MARKDOWN_KEYS
        for key, item in value.items():
            if key in keys and isinstance(item, str) and "<" in item:
                tag = _first_html(md, item)
                if tag:
                    problems.append(Problem(doc.path, doc.line(where + (key,)), _dotted(where + (key,)),
                                            f"raw HTML ({tag[:40]}) is not allowed in Markdown; write Markdown "
                                            "(*emphasis*, [text](https://…)) or escape the < as \\<",
                                            "raw-html"))
            else:
                _walk_html(doc, item, where + (key,), md, problems)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk_html(doc, item, where + (i,), md, problems)


@functools.lru_cache(maxsize=1)
def _html_parser():
    """One CommonMark parser for every file (building one costs more than parsing a record's Markdown)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True})


def _first_html(md, text: str) -> str | None:
    for token in md.parse(text):
        if token.type == "html_block":
            return token.content.strip()
        for child in token.children or ():
            if child.type == "html_inline":
                return child.content
    return None
