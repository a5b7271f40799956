"""YAML documents → a validated ``Dataset``, collecting every problem before giving up."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from . import model as m
from .dates import DateFormatError, HistDate, parse_iso_day
from .errors import DataError, Problem
from .yamlsrc import YamlDoc, _dotted, read_yaml

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
        problems += found
        digest.update(name.encode() + b"\0" + (docs[name].raw if docs[name] else b""))
    event_files = sorted((data_dir / "events").glob("*.yaml")) + sorted((data_dir / "events").glob("*.yml"))
    if not event_files:
        problems.append(Problem(_label(data_dir / "events"), 0, "", "no event files (events/*.yaml)", "no-events"))
    refs = Refs()
    events: list[m.Event] = []
    for path in event_files:
        doc, found = read_yaml(path, _label(path))
        problems += found
        digest.update(path.name.encode() + b"\0" + (doc.raw if doc else b""))
        if doc is None:
            continue
        records = doc.value if isinstance(doc.value, list) else [doc.value]
        for i, record in enumerate(records):
            where = (i,) if isinstance(doc.value, list) else ()
            event = _event(Fields(doc, where, record, problems), refs)
            if event is not None:
                events.append(event)

    document = _document(docs["document.yaml"], problems) if docs["document.yaml"] else None
    sides = _list_of(docs["sides.yaml"], problems, _side)
    phases = _list_of(docs["phases.yaml"], problems, _phase)
    sources = _list_of(docs["sources.yaml"], problems, lambda f: _source(f, refs))

    # Colours follow file order unless given, so one side keeps one colour in every chart.
    sides = [s if s.colour else _with_colour(s, OKABE_ITO[i % len(OKABE_ITO)]) for i, s in enumerate(sides)]

    known = {
        "side": {s.id for s in sides},
        "phase": {p.id for p in phases},
        "source": {s.id for s in sources},
        "lane": {ln.id for ln in (document.lanes if document else ())},
    }
    _unique("event", [(e.id, e) for e in events], problems)
    refs.check(known, problems)
    _check_event_dates(events, phases, document, problems, warnings if warnings is not None else [])
    _check_claims_budget(events, problems)
    if problems:
        raise DataError(problems)
    events.sort(key=lambda e: e.date.sort_key)
    return m.Dataset(document=document, sides=tuple(sides), phases=tuple(phases), sources=tuple(sources),
                     events=tuple(events), revision=digest.hexdigest()[:10])


def validate_folder(data_dir: Path) -> list[Problem]:
    try:
        load_dataset(data_dir)
    except DataError as exc:
        return exc.problems
    return []


# --- records --------------------------------------------------------------------------------------

def _document(doc: YamlDoc, problems) -> m.Document | None:
    f = Fields(doc, (), doc.value, problems)
    if not f.ok:
        return None
    f.unknown_keys({"title", "subtitle", "issuer", "edition", "paper", "language", "span", "lanes", "summary",
                    "method", "keywords"})
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


def _names(f: Fields, key="names") -> tuple[m.Name, ...]:
    out = []
    for _, where, value in f.items(key):
        nf = Fields(f.doc, where, value, f.problems)
        if not nf.ok:
            continue
        nf.unknown_keys({"lang", "text", "romanized"})
        lang, text = nf.text("lang", required=True, max_len=20), nf.text("text", required=True)
        if lang and text:
            out.append(m.Name(lang, text, nf.text("romanized")))
    return tuple(out)


def _side(f: Fields) -> m.Side | None:
    f.unknown_keys({"id", "name", "short", "bloc", "colour", "names"})
    side_id, name = f.ident("id"), f.text("name", required=True)
    colour = f.text("colour", max_len=7)
    if colour and not COLOUR_RE.match(colour):
        f.problem("colour", f'"{colour}" is not a colour like "#0072B2"', "bad-colour")
        colour = None
    if not (side_id and name):
        return None
    return m.Side(side_id, name, f.text("short", default=name), f.ident("bloc", required=False) or side_id,
                  colour or "", _names(f))


def _phase(f: Fields) -> m.Phase | None:
    f.unknown_keys({"id", "name", "date", "summary"})
    phase_id, name, date = f.ident("id"), f.text("name", required=True), f.date("date")
    summary = f.text("summary", max_len=MAX_TEXT, default="")
    return m.Phase(phase_id, name, date, summary) if phase_id and name and date else None


def _source(f: Fields, refs) -> m.Source | None:
    f.unknown_keys({"id", "type", "author", "title", "publisher", "place", "year", "journal", "volume", "issue",
                    "pages", "url", "accessed", "note"})
    source_id, title = f.ident("id"), f.text("title", required=True)
    kind = f.choice("type", m.SOURCE_TYPES, default="other")
    authors = f.texts("author") if isinstance(f.value.get("author"), list) else \
        ((f.text("author"),) if f.value.get("author") else ())
    year = f.text("year", max_len=20)
    if year and not re.match(r"^\d{4}[a-z]?$|^n\.d\.$", year):
        f.problem("year", f'"{year}" is not a year like 1985', "wrong-type")
    url = f.text("url", max_len=2000)
    if url and not re.match(r"^https?://\S+$", url):
        f.problem("url", f'"{url[:80]}" is not an http(s) address', "bad-url")
        url = None
    if not (source_id and title):
        return None
    return m.Source(source_id, kind, title, tuple(a for a in authors if a), f.text("publisher"), f.text("place"),
                    year, f.text("journal"), f.text("volume", max_len=20), f.text("issue", max_len=20),
                    f.text("pages", max_len=40), url, f.day("accessed"), f.text("note", max_len=2000))


def _claims(f: Fields, key, refs: Refs) -> tuple[m.Claim, ...]:
    out = []
    items = f.items(key)
    if not items and key in f.value:
        f.problem(key, "needs at least one claim, or leave the category out (unknown is not zero)", "missing-field")
    for _, where, value in items:
        cf = Fields(f.doc, where, value, f.problems)
        if not cf.ok:
            continue
        cf.unknown_keys({"value", "low", "high", "bound", "claimant", "source", "locator", "unconfirmed", "note"})
        if "value" in cf.value and ("low" in cf.value or "high" in cf.value):
            cf.problem("value", "give either value or low and high, not both", "figure-shape")
            continue
        if "value" in cf.value:
            low = high = cf.whole("value", required=True)
        elif "low" in cf.value or "high" in cf.value:
            low, high = cf.whole("low", required=True), cf.whole("high", required=True)
            if low is not None and high is not None and low > high:
                cf.problem("low", f"low ({low:,}) is greater than high ({high:,})", "range-reversed")
                low = None
        else:
            cf.problem("value", "is required (or low and high for a range)", "missing-field")
            continue
        source = cf.ident("source")
        refs.need("source", source, cf, "source")
        bound = cf.choice("bound", m.BOUNDS, required=False)
        if low is None or high is None or source is None:
            continue
        out.append(m.Claim(low, high, source, cf.text("claimant"), bound, cf.text("locator", max_len=100),
                           cf.boolean("unconfirmed"), cf.text("note", max_len=2000)))
    return tuple(out)


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
    f.unknown_keys({"id", "title", "names", "kind", "phase", "lane", "date", "alternative_dates", "place", "sides",
                    "outcome", "summary", "figures", "citations"})
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
        af.unknown_keys({"date", "source", "note"})
        alt, source = af.date("date"), af.ident("source")
        refs.need("source", source, af, "source")
        if alt and source:
            alternatives.append(m.AltDate(alt, source, af.text("note", max_len=2000)))
    place = None
    pf = f.sub("place")
    if pf is not None and pf.ok:
        pf.unknown_keys({"name", "names", "lat", "lon", "approximate"})
        lat, lon = pf.number("lat", -90, 90), pf.number("lon", -180, 180)
        if ("lat" in pf.value) != ("lon" in pf.value):
            pf.problem("lat" if "lat" not in pf.value else "lon", "give both lat and lon, or neither",
                       "missing-field")
            lat = lon = None
        name = pf.text("name", required=True)
        if name:
            place = m.Place(name, _names(pf), lat, lon, pf.boolean("approximate"))
    sides = []
    seen_sides: dict[str, int] = {}
    for i, where, value in f.items("sides"):
        sf = Fields(f.doc, where, value, f.problems)
        if not sf.ok:
            continue
        sf.unknown_keys({"side", "commanders", "forces", "losses", "note"})
        side = sf.ident("side")
        refs.need("side", side, sf, "side")
        if side in seen_sides:
            sf.problem("side", f'side "{side}" is listed twice (first as sides[{seen_sides[side]}])', "duplicate-id")
            continue
        if side:
            seen_sides[side] = i
        forces = _figure_map(sf, "forces", m.FORCE_CATEGORIES, refs)
        losses = _figure_map(sf, "losses", m.LOSS_CATEGORIES, refs)
        if side:
            sides.append(m.SideInEvent(side, sf.texts("commanders"), forces, losses, sf.text("note", max_len=2000)))
    figures = []
    for _, where, value in f.items("figures"):
        ff = Fields(f.doc, where, value, f.problems)
        if not ff.ok:
            continue
        ff.unknown_keys({"label", "claims"})
        label, claims = ff.text("label", required=True), _claims(ff, "claims", refs)
        if label and claims:
            figures.append(m.LabelledFigure(label, claims))
    citations = []
    for _, where, value in f.items("citations"):
        cf = Fields(f.doc, where, value, f.problems)
        if not cf.ok:
            continue
        cf.unknown_keys({"source", "locator"})
        source = cf.ident("source")
        refs.need("source", source, cf, "source")
        if source:
            citations.append(m.Citation(source, cf.text("locator", max_len=100)))
    names = _names(f)
    outcome, summary = f.text("outcome", max_len=1000), f.text("summary", max_len=MAX_TEXT, default="")
    if not all([event_id, title, kind, phase, lane, date]):
        return None
    return m.Event(event_id, title, kind, phase, lane, date, f.doc.path, f.doc.line(f.where), names,
                   tuple(alternatives), place, tuple(sides), outcome, summary, tuple(figures), tuple(citations))


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


def _where_of(record) -> tuple[str, int]:
    return getattr(record, "file", "") or "", getattr(record, "line", 0) or 0


def _place_of(record) -> str:
    path, line = _where_of(record)
    return f"{path}:{line}"


def _label(path: Path) -> str:
    """Paths in messages relative to the working directory when possible, as an editor would show them."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _kind(value) -> str:
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(type(value), "a value")


def _shown(value) -> str:
    return f'"{value[:60]}"' if isinstance(value, str) else _kind(value)


def _closest(word: str, options) -> str | None:
    import difflib

    found = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.75)
    return found[0] if found else None
