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
INT_RE = re.compile(r"^\d+$")
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
        if len(value) > max_len:
            self.problem(key, f"is {len(value):,} characters long; the limit is {max_len:,}", "too-long")
            return value[:max_len]
        return value

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
        try:
            number = float(value) if isinstance(value, str) else None
        except ValueError:
            number = None
        if number is None or number != number:
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
        text = value.replace("_", "").replace(",", "") if isinstance(value, str) else None
        if text is not None and text.startswith("-") and INT_RE.match(text[1:]):
            self.problem(key, f"must be a whole number ≥ 0, got {value}", "figure-negative")
            return None
        if text is None or not INT_RE.match(text):
            self.problem(key, f"must be a whole number ≥ 0, got {_shown(value)}", "wrong-type")
            return None
        return int(text)

    def date(self, key, required=True):
        value = self.text(key, required, max_len=100)
        if value is None:
            return None
        try:
            return HistDate.parse(value)
        except DateFormatError as exc:
            self.problem(key, str(exc), "date-invalid")
            return None

    def day(self, key, required=False):
        value = self.text(key, required, max_len=40)
        if value is None:
            return None
        try:
            return parse_iso_day(value)
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


def load_dataset(data_dir: Path) -> m.Dataset:
    """Read and validate every file of a data folder; raise DataError listing all problems."""
    data_dir = Path(data_dir)
    problems: list[Problem] = []
    if not data_dir.is_dir():
        raise DataError([Problem(str(data_dir), 0, "", "data folder not found", "no-data")])
    docs: dict[str, YamlDoc | None] = {}
    digest = hashlib.sha256()
    for name in ("document.yaml", "sides.yaml", "phases.yaml", "sources.yaml"):
        path = data_dir / name
        if not path.is_file():
            problems.append(Problem(_label(path), 0, "", f"missing: every data folder needs {name}", "missing-file"))
            docs[name] = None
            continue
        docs[name], found = read_yaml(path, _label(path))
        problems += found
        digest.update(name.encode() + b"\0" + path.read_bytes())
    claimants_path = data_dir / "claimants.yaml"
    docs["claimants.yaml"] = None
    if claimants_path.is_file():
        docs["claimants.yaml"], found = read_yaml(claimants_path, _label(claimants_path))
        problems += found
        digest.update(b"claimants.yaml\0" + claimants_path.read_bytes())
    event_files = sorted((data_dir / "events").glob("*.yaml")) + sorted((data_dir / "events").glob("*.yml"))
    if not event_files:
        problems.append(Problem(_label(data_dir / "events"), 0, "", "no event files (events/*.yaml)", "no-events"))
    refs = Refs()
    events: list[m.Event] = []
    for path in event_files:
        doc, found = read_yaml(path, _label(path))
        problems += found
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
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

def _document(doc: YamlDoc, problems) -> m.Document | None:
    f = Fields(doc, (), doc.value, problems)
    if not f.ok:
        return None
    f.unknown_keys({"title", "subtitle", "issuer", "edition", "paper", "language", "span", "lanes", "summary",
                    "method", "keywords", "map_note"})
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


def _phase(f: Fields) -> m.Phase | None:
    f.unknown_keys({"id", "name", "date", "summary"})
    phase_id, name, date = f.ident("id"), f.text("name", required=True), f.date("date")
    summary = f.text("summary", max_len=MAX_TEXT, default="")
    return m.Phase(phase_id, name, date, summary) if phase_id and name and date else None


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
    authors = f.texts("author") if isinstance(f.value.get("author"), list) else \
        ((f.text("author"),) if f.value.get("author") else ())
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
    f.unknown_keys({"id", "title", "names", "kind", "phase", "lane", "date", "alternative_dates", "place", "sides",
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
    place = None
    pf = f.sub("place")
    if pf is not None and pf.ok:
        pf.unknown_keys({"name", "names", "lat", "lon", "approximate", "editor_note"})
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
        sf.unknown_keys({"side", "commanders", "forces", "losses", "note", "editor_note"})
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
            sides.append(m.SideInEvent(side, sf.texts("commanders"), forces, losses, sf.text("note", max_len=2000)))
    figures = []
    for _, where, value in f.items("figures"):
        ff = Fields(f.doc, where, value, f.problems)
        if not ff.ok:
            continue
        ff.unknown_keys({"label", "claims", "editor_note"})
        label, claims = ff.text("label", required=True), _claims(ff, "claims", refs)
        if label and claims:
            figures.append(m.LabelledFigure(label, claims))
    citations = []
    for _, where, value in f.items("citations"):
        cf = Fields(f.doc, where, value, f.problems)
        if not cf.ok:
            continue
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
                   note, _event_map(f, refs))


# --- helpers --------------------------------------------------------------------------------------

def _with_colour(side: m.Side, colour: str) -> m.Side:
    from dataclasses import replace
    return replace(side, colour=colour)


def _unique(kind: str, pairs, problems) -> set[str]:
    by_id: dict[str, list] = {}
    for ident, record in pairs:
        by_id.setdefault(ident, []).append(record)
    for ident, records in by_id.items():
        if len(records) > 1:  # report every copy: which one is "the duplicate" is the editor's call
            for record in records:
                others = ", ".join(_place_of(r) for r in records if r is not record)
                problems.append(Problem(*_where_of(record), "id",
                                        f'{kind} id "{ident}" is also used at {others}', "duplicate-id"))
    return set(by_id)


def _where_of(record) -> tuple[str, int]:
    return getattr(record, "file", "") or "", getattr(record, "line", 0) or 0


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
