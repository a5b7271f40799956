"""Citations in Chicago notes–bibliography style (The Chicago Manual of Style, 17th ed.): the notes at the
foot of the briefing's pages, the bibliography grouped by kind of evidence, and the short labels of table
cells.

Formatted text is a tuple of ``Part``s (plain, italic or URL) that a partial template turns into HTML, so
every string from the data stays escaped. The style sits behind one interface (``ChicagoNotes``: full
note, short note, bibliography entry, sort key, whether a work belongs in the bibliography); the README
says why it is written here rather than taken from a CSL processor.

Rules kept here (CMOS section numbers in brackets):
- the first note for a work is a full note, later ones the short form [14.29]; several works cited at one
  place share one note, separated by semicolons [14.57];
- no "p."/"pp." before page numbers [14.1], page ranges abbreviated [9.64: 135–36, 152–53, 1496–1504];
- books and other stand-alone works in italics, articles and pages in quotation marks, with periods and
  commas inside the closing quotation mark, semicolons outside [6.9];
- a title not in Latin script is given romanized, and a non-English title is followed by its translation
  in brackets [11.83, 14.98];
- encyclopedia articles are cited in the notes ("s.v."), not the bibliography [14.233];
- a work read through another is cited "…, quoted in …" [14.260];
- the bibliography sorts by the first word that is not an article ("The", "A", "An") [16.56].

Why this file is long: it is the whole Chicago formatter (notes, short notes, bibliography), one rule
per function, kept together so that a style change is made in one place.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from borderwar_report.records.dates import day_text
from borderwar_report.records.shortcite import (  # noqa: F401  (re-exported: the style's short forms)
    _curly,
    _family,
    _is_person,
    display_title,
    note_authors,
    short_labels,
    short_title,
)

# The kinds of evidence, in the bibliography's order, with its headings.
KINDS = (
    ("official-record", "Official records", "an official record", "official records"),
    ("scholarly-book", "Scholarly books", "a scholarly book", "scholarly books"),
    ("journal-article", "Journal articles", "a journal article", "journal articles"),
    ("memoir", "Memoirs", "a memoir", "memoirs"),
    ("oral-history", "Oral histories", "an oral history", "oral histories"),
    ("newspaper", "Newspapers", "a newspaper", "newspapers"),
    ("encyclopedia", "Encyclopedia articles", "an encyclopedia", "encyclopedias"),
    ("web-page", "Web pages", "a web page", "web pages"),
    ("forum", "Forum posts", "a forum post", "forum posts"),
)
KIND_ORDER = tuple(k[0] for k in KINDS)
KIND_HEADING = {k[0]: k[1] for k in KINDS}
KIND_SINGULAR = {k[0]: k[2] for k in KINDS}
UNCLASSIFIED = "other"  # a source without a kind (data written before kinds existed)
NOTES_ONLY_KINDS = ("encyclopedia",)  # cited in the notes, not the bibliography (CMOS 14.233)


def sort_text(text: str) -> str:
    """A stable, case- and accent-insensitive sort key for names and titles."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# --- formatted text ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    """A run of text: ``style`` is "" (plain), "i" (italic) or "url" (a link to itself)."""

    text: str
    style: str = ""

    @property
    def segments(self) -> list[str]:
        """A URL cut where Chicago allows a line break: after ``//``, before ``/ . ? # % - _ ~``, around
        ``= &``."""
        return [seg for seg in _URL_BREAKS.split(self.text) if seg]

    @property
    def breakable(self) -> str:
        """The text with zero-width spaces at the allowed breaks, so long URLs wrap without a hyphen."""
        return "\u200b".join(self.segments)


_URL_BREAKS = re.compile(r"(?<=//)(?=[^/])|(?<=[^/:])(?=[/.?#%_~-][^/])|(?=[=&])|(?<=[=&])")


@dataclass(frozen=True)
class Formatted:
    parts: tuple[Part, ...]

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts)

    def __str__(self) -> str:
        return self.text


_END_PUNCT = (".", "?", "!", "…")
_CLOSE_QUOTES = ("”", "’")


class _Builder:
    def __init__(self):
        self.parts: list[Part] = []

    def add(self, text: str, style: str = "") -> _Builder:
        if text:
            if self.parts and self.parts[-1].style == style == "":
                self.parts[-1] = Part(self.parts[-1].text + text)
            else:
                self.parts.append(Part(text, style))
        return self

    def punct(self, mark: str) -> _Builder:
        """Add , . or ; after what is there: periods and commas go inside a closing quotation mark, a
        period is not doubled after a sentence's end, a semicolon stays outside."""
        if not self.parts:
            return self
        last = self.parts[-1]
        text = last.text
        if last.style == "" and mark in ".," and text.endswith(_CLOSE_QUOTES):
            inner = text[:-1]
            if mark == "." and inner.endswith(_END_PUNCT):
                return self
            if mark == "," and inner.endswith(("?", "!")):
                return self
            self.parts[-1] = Part(inner + mark + text[-1])
            return self
        if mark == "." and text.endswith(_END_PUNCT):
            return self
        if mark == "," and last.style != "url" and text.endswith(("?", "!")):
            return self
        return self.add(mark)

    def done(self) -> Formatted:
        return Formatted(tuple(self.parts))


def _close(text: str) -> str:
    """Text followed by a period unless it already ends a sentence."""
    return text if text.endswith(_END_PUNCT) else text + "."


# --- names -----------------------------------------------------------------------------------------

_EDITOR = re.compile(r",?\s*\(?\b(eds?|comp|trans)\.\)?$")


def _editor_role(author: str) -> tuple[str, str]:
    """ "Krivosheev, G. F. (ed.)" → ("Krivosheev, G. F.", "ed."): the role follows the name (CMOS 14.103)."""
    found = _EDITOR.search(author)
    if not found:
        return author, ""
    return author[:found.start()].rstrip(", "), found.group(1) + "."


def _given_family(author: str) -> str:
    author, role = _editor_role(author)
    family, _, given = author.partition(",")
    name = f"{given.strip()} {family.strip()}".strip()
    return f"{name}, {role}" if role else name


def _natural(author: str) -> str:
    return _given_family(author) if _is_person(author) else author


def _series(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return ", ".join(names[:-1]) + f", and {names[-1]}"


def bibliography_authors(authors: tuple[str, ...]) -> str:
    """Chicago: the first author inverted (as the data writes it), the others in natural order."""
    if not authors:
        return ""
    first, role = _editor_role(authors[0].strip())
    names = [f"{first}, {role}" if role else first] + [_natural(a) for a in authors[1:]]
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]}, and {names[1]}" if _is_person(authors[0]) else f"{names[0]} and {names[1]}"
    return ", ".join(names[:-1]) + f", and {names[-1]}"


def full_note_authors(authors: tuple[str, ...]) -> str:
    """Full note: natural order; four or more authors become the first "et al." (CMOS 14.76)."""
    if not authors:
        return ""
    if len(authors) >= 4:
        return f"{_natural(authors[0])} et al."
    return _series([_natural(a) for a in authors])


# --- titles ----------------------------------------------------------------------------------------

def _italic_title(source) -> bool:
    return source.type in ("book", "report", "dataset")


def _quoted_title(source) -> bool:
    return source.type in ("article", "chapter", "web")


def kind_of(source) -> str:
    return getattr(source, "kind", None) or UNCLASSIFIED


def _add_title(b: _Builder, source, title: str, translated: str | None) -> None:
    """Italic for books and reports, quotes for articles, chapters and pages; a translation in brackets
    (inside the quotes of a quoted title, after an italic one)."""
    bracket = f" [{translated.strip()}]" if translated else ""
    if _italic_title(source):
        b.add(_curly(title, False), "i")
        b.add(bracket)
    elif _quoted_title(source):
        b.add(f"“{_curly(title, True)}{bracket}”")
    else:
        b.add(_curly(title, False) + bracket)


def _edition(source) -> str:
    ed = (getattr(source, "edition", None) or "").strip()
    if not ed:
        return ""
    return ed if re.search(r"\bed\b\.?|edition|version|revision", ed, re.I) else f"{ed} ed."


# --- locators --------------------------------------------------------------------------------------

def abbreviate_range(first: str, last: str) -> str:
    """CMOS 9.64: 3–10, 71–72, 96–117; 100–104, 1100–1113; 101–8, 808–33, 1103–4; 321–28, 498–532,
    1087–89, 11564–615; all digits when three digits of a four-digit number change: 1496–1504, 2787–2816."""
    a, b = int(first), int(last)
    if b <= a or a < 100 or a % 100 == 0:
        return f"{first}–{last}"
    if len(last) != len(first):
        return f"{first}–{last}"
    if len(first) == 4 and first[:1] == last[:1] and first[1] != last[1]:
        return f"{first}–{last}"
    if a % 100 < 10:  # 101 through 109: only the changed part
        changed = last
        while len(changed) > 1 and first.startswith(last[: len(last) - len(changed) + 1]):
            changed = changed[1:]
        return f"{first}–{changed.lstrip('0') or changed}"
    keep = 2  # 110 through 199: two digits, or more as needed
    while keep < len(last) and first[: len(first) - keep] != last[: len(last) - keep]:
        keep += 1
    return f"{first}–{last[-keep:]}"


_PAGE_WORD = re.compile(r"^\s*(?:pp?\.|pages?)\s*", re.I)
_RANGE = re.compile(r"\b(\d+)\s*–\s*(\d+)\b")
_VOLUME = re.compile(r"^\s*vol\.\s*([IVXLC]+|\d+)\s*,\s*(?:pp?\.|pages?)\s*", re.I)
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def _roman(text: str) -> int:
    total = 0
    for ch, nxt in zip(text, text[1:] + " "):
        value = _ROMAN[ch]
        total += -value if _ROMAN.get(nxt, 0) > value else value
    return total


def clean_locator(locator: str | None) -> str:
    """A locator as a note prints it: no "p."/"pp." (CMOS 14.1), "vol. I, pp. 135–136" as "1:135–36",
    page ranges abbreviated. A hyphen joins the parts of one page number (10-113) unless the locator
    an en dash makes a range; a hyphen is kept, because it joins the parts of one page number (10-113)."""
    if not locator:
        return ""
    text = locator.strip()
    volume = _VOLUME.match(text)
    if volume:
        vol = volume.group(1)
        number = str(_roman(vol.upper())) if vol.isalpha() else vol
        text = f"{number}:{text[volume.end():]}"
    else:
        text = _PAGE_WORD.sub("", text)
    return _RANGE.sub(lambda m: abbreviate_range(m.group(1), m.group(2)), text)


# --- the style -------------------------------------------------------------------------------------

def _imprint(source, year: str) -> str:
    """Place: Publisher, year (no closing punctuation)."""
    if source.place and source.publisher:
        return f"{source.place}: {source.publisher}, {year}"
    if source.publisher or source.place:
        return f"{source.publisher or source.place}, {year}"
    return year


class ChicagoNotes:
    """Chicago notes–bibliography, written out by hand (see the module's docstring for the rules)."""

    name = "chicago-notes-bibliography (built in)"

    # --- bibliography ---
    def in_bibliography(self, source) -> bool:
        return kind_of(source) not in NOTES_ONLY_KINDS

    def sort_key(self, source) -> tuple:
        first = source.author[0] if source.author else display_title(source)
        return (sort_text(_drop_article(first)), sort_text(_drop_article(display_title(source))),
                source.year or "", source.id)

    def bibliography_entry(self, source) -> Formatted:
        """One entry for book, article, chapter, web, report, dataset or other."""
        b = _Builder()
        authors = bibliography_authors(source.author)
        if authors:
            b.add(_close(authors) + " ")
        _add_title(b, source, display_title(source), getattr(source, "title_translated", None))
        b.punct(".")
        edition = _edition(source)
        if edition:
            b.add(f" {_close(edition)}")
        year = source.year or "n.d."
        if source.type in ("article", "chapter") and source.journal:
            b.add(" In " if source.type == "chapter" else " ")
            b.add(source.journal, "i")
            if source.type == "article":
                if source.volume:
                    b.add(f" {source.volume}")
                if source.issue:
                    b.add(f", no. {source.issue}" if source.volume else f" no. {source.issue}")
                b.add(f" ({year})")
                b.add(f": {clean_locator(source.pages)}." if source.pages else ".")
            else:  # a chapter: In Container, pages. Place: Publisher, year.
                b.add(f", {clean_locator(source.pages)}." if source.pages else ".")
                b.add(" " + _close(_imprint(source, year)))
        elif source.type == "web":
            if source.publisher and source.publisher not in source.author:
                b.add(f" {_close(source.publisher)}")
            if source.year:
                b.add(f" {source.year}.")
        else:  # book, report, dataset, other — and an article without a journal
            b.add(" " + _close(_imprint(source, year)))
            if source.pages:
                b.add(f" {_close(clean_locator(source.pages))}")
        if source.accessed:
            b.add(f" Accessed {day_text(source.accessed)}.")
        if source.url:
            b.add(" ")
            b.add(source.url, "url")
            b.add(".")
        return b.done()

    # --- notes (each without its closing punctuation: the note adds ; or .) ---
    def full_note(self, source, locator: str | None = None) -> Formatted:
        b = _Builder()
        loc = clean_locator(locator)
        title = display_title(source)
        translated = getattr(source, "title_translated", None)
        if kind_of(source) in NOTES_ONLY_KINDS:  # Wikipedia, s.v. “Title,” accessed …, URL
            _sub_verbo(b, source, translated, loc)
            if getattr(source, "edition", None):  # an old revision of an article: which one was read
                b.punct(",").add(f" {source.edition.strip()}")
            if source.accessed:
                b.punct(",").add(f" accessed {day_text(source.accessed)}")
            if source.url:
                b.punct(",").add(" ").add(source.url, "url")
            return b.done()
        authors = full_note_authors(source.author)
        organisation_author = bool(source.author) and not _is_person(source.author[0])
        if authors and not (source.type == "web" and organisation_author and source.publisher in source.author):
            b.add(f"{authors}, ")
        _add_title(b, source, title, translated)
        edition = _edition(source)
        year = source.year or "n.d."
        if source.type in ("article", "chapter") and source.journal:
            if source.type == "chapter":
                b.punct(",").add(" in ").add(source.journal, "i")
                b.add(f" ({_imprint(source, year)})")
                if loc:
                    b.add(f", {loc}")
            else:
                b.punct(",").add(" ").add(source.journal, "i")
                if source.volume:
                    b.add(f" {source.volume}")
                if source.issue:
                    b.add(f", no. {source.issue}" if source.volume else f" no. {source.issue}")
                b.add(f" ({year})")
                if loc:
                    b.add(f": {loc}")
        elif source.type == "web":
            if source.publisher and source.publisher not in source.author:
                b.punct(",").add(f" {source.publisher}")
            if source.year:
                b.punct(",").add(f" {source.year}")
            if loc:
                b.punct(",").add(f" {loc}")
            if source.accessed:
                b.punct(",").add(f" accessed {day_text(source.accessed)}")
        else:
            b.add(f" ({edition + ' ' if edition else ''}{_imprint(source, year)})")
            if loc:
                b.add(f", {loc}")
        if source.url:
            b.punct(",").add(" ").add(source.url, "url")
        return b.done()

    def short_note(self, source, locator: str | None = None) -> Formatted:
        b = _Builder()
        loc = clean_locator(locator)
        title = _curly(short_title(display_title(source)), _quoted_title(source))
        if kind_of(source) in NOTES_ONLY_KINDS:
            return _sub_verbo(b, source, None, loc).done()
        author = note_authors(source.author)
        if author:
            b.add(f"{author}, ")
        if _italic_title(source):
            b.add(title, "i")
        elif _quoted_title(source):
            b.add(f"“{title}”")
        else:
            b.add(title)
        if loc:
            b.punct(",").add(f" {loc}")
        return b.done()


def _sub_verbo(b: _Builder, source, translated: str | None, loc: str) -> _Builder:
    """A reference work's article "under the word" (CMOS 14.233): Wikipedia, s.v. “Title,” locator."""
    work = source.journal or source.publisher or (source.author[0] if source.author else "")
    if work:
        b.add(f"{work}, s.v. ")
    b.add(f"“{_curly(display_title(source), True)}{f' [{translated}]' if translated else ''}”")
    if loc:
        b.punct(",").add(f" {loc}")
    return b


def _drop_article(text: str) -> str:
    return re.sub(r"^(the|an?)\s+", "", text.strip(), flags=re.I)


def relation(copy, original) -> str:
    """How a reproduction relates to its original: "English edition of", "translation of", "reprint of"."""
    if display_title(copy) == display_title(original):
        return "reprint of"
    copy_english = not getattr(copy, "title_translated", None) and not getattr(copy, "title_romanized", None)
    if copy_english and getattr(original, "title_translated", None):
        return "English edition of"
    return "translation of"


# --- notes in the text -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Cite:
    """One work cited at one place: the source, where in it, and the work it was read through."""

    source: str
    locator: str | None = None
    via: str | None = None
    via_locator: str | None = None


@dataclass(frozen=True)
class NotePart:
    """A piece of a note that links to one source's bibliography entry; ``sep`` follows it ("; ")."""

    source_id: str
    text: Formatted
    sep: str = ""


class NoteWriter:
    """Writes the notes of a document in reading order: a full note the first time a work is cited, the
    short form after; several citations at one place make one note."""

    def __init__(self, sources: dict, style: ChicagoNotes | None = None, first_full: bool = True):
        self.sources = sources
        self.style = style or ChicagoNotes()
        self.first_full = first_full  # False: every note in short form
        self.seen: set[str] = set()

    def _one(self, source_id: str, locator: str | None) -> Formatted:
        source = self.sources.get(source_id)
        if source is None:
            return Formatted((Part(source_id),))
        first = self.first_full and source_id not in self.seen
        self.seen.add(source_id)
        return self.style.full_note(source, locator) if first else self.style.short_note(source, locator)

    def note(self, cites) -> tuple[NotePart, ...]:
        """One note for the citations at one place: the same work twice becomes one citation with both
        locators; works are separated by semicolons and the note ends with a period."""
        merged: dict[tuple, list[str]] = {}
        for c in cites:
            key = (c.source, getattr(c, "via", None), getattr(c, "via_locator", None))
            locators = merged.setdefault(key, [])
            if c.locator and c.locator not in locators:
                locators.append(c.locator)
        parts: list[NotePart] = []
        items = list(merged.items())
        for i, ((source_id, via, via_locator), locators) in enumerate(items):
            locator = ", ".join(clean_locator(loc) for loc in locators) or None
            b = _Builder()
            for p in self._one(source_id, locator).parts:
                b.add(p.text, p.style)
            if via:
                b.punct(",").add(" quoted in ")
                for p in self._one(via, via_locator).parts:
                    b.add(p.text, p.style)
            last = i == len(items) - 1
            if last:
                b.punct(".")
            parts.append(NotePart(source_id, b.done(), "" if last else "; "))
        return tuple(parts)


def quoted_in(sources: dict, source_id: str, locator: str | None, via: str | None, via_locator: str | None,
              labels: dict[str, str]) -> str:
    """A table cell's plain citation of a claim read second-hand: "Coox 1985, 135, quoted in
    Kavalerchik 2017, 152–53"."""
    def one(sid, loc):
        text = labels.get(sid, sid)
        loc = clean_locator(loc)
        return f"{text}, {loc}" if loc else text

    text = one(source_id, locator)
    return f"{text}, quoted in {one(via, via_locator)}" if via else text


# --- table labels ----------------------------------------------------------------------------------

# --- the bibliography ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Copy:
    """A reprint or translation printed inside its original's entry (one work)."""

    id: str
    anchor: str
    entry: Formatted
    relation: str
    original_title: Formatted
    note: str


@dataclass(frozen=True)
class Entry:
    id: str
    anchor: str
    entry: Formatted
    note: str
    copies: tuple[Copy, ...] = ()


@dataclass(frozen=True)
class KindGroup:
    kind: str
    heading: str
    notes_only: bool
    entries: tuple[Entry, ...]


def bibliography(sources, style: ChicagoNotes | None = None) -> list[KindGroup]:
    """The sources grouped by kind (KINDS order, unclassified last), each group sorted; a reprint or
    translation (``copy_of``) sits inside its original's entry. Encyclopedia articles get a short entry in
    their own group (cited in full in the notes) so that every source link has a target."""
    style = style or ChicagoNotes()
    by_id = {s.id: s for s in sources}
    copies: dict[str, list] = defaultdict(list)
    for s in sources:
        original = getattr(s, "copy_of", None)
        if original and original in by_id and original != s.id:
            copies[original].append(s)
    groups: dict[str, list[Entry]] = defaultdict(list)
    for s in sorted(sources, key=style.sort_key):
        original = getattr(s, "copy_of", None)
        if original and original in by_id and original != s.id:
            continue
        kind = kind_of(s)
        if kind not in KIND_ORDER:
            kind = UNCLASSIFIED
        if style.in_bibliography(s):
            entry = style.bibliography_entry(s)
        else:  # the short note form, as a sentence: Wikipedia, s.v. “Title.”
            b = _Builder()
            for p in style.short_note(s).parts:
                b.add(p.text, p.style)
            entry = b.punct(".").done()
        made = tuple(Copy(c.id, f"src-{c.id}", style.bibliography_entry(c), relation(c, s),
                          style.short_note(s), c.note or "")
                     for c in sorted(copies.get(s.id, ()), key=style.sort_key))
        groups[kind].append(Entry(s.id, f"src-{s.id}", entry, s.note or "", made))
    out = []
    for kind in KIND_ORDER + (UNCLASSIFIED,):
        if groups.get(kind):
            heading = KIND_HEADING.get(kind, "Other sources")
            out.append(KindGroup(kind, heading, kind in NOTES_ONLY_KINDS, tuple(groups[kind])))
    return out


# --- what the claims rest on -----------------------------------------------------------------------

@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str  # "a scholarly book"
    citing: int  # claims citing at least one source of this kind
    only: int  # claims whose every source is of this kind


def claim_source_ids(claim) -> list[tuple[str, str | None]]:
    """(source, via) for each source a claim cites: the new model's ``sources`` or the single ``source``."""
    many = getattr(claim, "sources", None)
    if many:
        return [(getattr(cs, "source", cs), getattr(cs, "via", None)) for cs in many]
    return [(claim.source, None)]


def evidence_by_kind(dataset) -> tuple[list[KindCount], int, int]:
    """How much rests on each kind of source: (counts per kind, number of claims, claims read only
    second-hand). Every claim of every event is counted once per kind it cites."""
    kinds = {s.id: kind_of(s) for s in dataset.sources}
    citing: dict[str, int] = defaultdict(int)
    only: dict[str, int] = defaultdict(int)
    total = second_hand = 0
    for ev in dataset.events:
        claims = [claim for *_, claim in ev.all_claims()] + [c for f in ev.figures for c in f.claims]
        for claim in claims:
            total += 1
            cited = claim_source_ids(claim)
            found = {kinds.get(sid, UNCLASSIFIED) for sid, _ in cited}
            for kind in found:
                citing[kind] += 1
            if len(found) == 1:
                only[next(iter(found))] += 1
            if cited and all(via for _, via in cited):
                second_hand += 1
    order = [k for k in KIND_ORDER + (UNCLASSIFIED,) if citing.get(k)]
    counts = [KindCount(k, KIND_SINGULAR.get(k, "an unclassified source"), citing[k], only.get(k, 0))
              for k in order]
    return counts, total, second_hand
