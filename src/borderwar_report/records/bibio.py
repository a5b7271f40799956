"""The bibliography in and out, in what reference managers (Zotero, JabRef, Mendeley) read and write.

In: CSL-JSON and BibTeX/BibLaTeX files become ``sources.yaml`` entries. ``type`` (citation form) follows
from the entry type; ``kind`` (what kind of evidence) can only be guessed from it, so every imported entry
says so in a comment to check. A note from the reference manager becomes ``editor_note`` (never printed):
nobody has checked it as a statement about the work yet.

Out: CSL-JSON and BibTeX of sources.yaml. ``editor_note`` is never exported. The fields CSL has no name for
(``kind``, ``copy_of``, ``title_translated``, ``title_romanized``) travel in CSL-JSON's ``custom`` object.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path

from borderwar_report.core.errors import DataError, Problem
from borderwar_report.records.model import Dataset, Source

# CSL type -> (our citation form, best-guess kind of evidence)
CSL_TYPES = {
    "book": ("book", "scholarly-book"),
    "chapter": ("chapter", "scholarly-book"),
    "article-journal": ("article", "journal-article"),
    "article-magazine": ("article", "journal-article"),
    "article-newspaper": ("article", "newspaper"),
    "article": ("article", "journal-article"),
    "paper-conference": ("chapter", "journal-article"),
    "entry-encyclopedia": ("web", "encyclopedia"),
    "entry-dictionary": ("web", "encyclopedia"),
    "entry": ("web", "encyclopedia"),
    "webpage": ("web", "web-page"),
    "post-weblog": ("web", "web-page"),
    "post": ("web", "forum"),
    "report": ("report", "official-record"),
    "legislation": ("report", "official-record"),
    "legal_case": ("report", "official-record"),
    "treaty": ("report", "official-record"),
    "dataset": ("dataset", "official-record"),
    "interview": ("other", "oral-history"),
    "manuscript": ("other", "official-record"),
    "thesis": ("other", "scholarly-book"),
}
# BibTeX/BibLaTeX entry type -> (our citation form, best-guess kind)
BIBTEX_TYPES = {
    "article": ("article", "journal-article"),
    "book": ("book", "scholarly-book"), "mvbook": ("book", "scholarly-book"),
    "inbook": ("chapter", "scholarly-book"), "incollection": ("chapter", "scholarly-book"),
    "inproceedings": ("chapter", "journal-article"), "conference": ("chapter", "journal-article"),
    "online": ("web", "web-page"), "electronic": ("web", "web-page"), "www": ("web", "web-page"),
    "techreport": ("report", "official-record"), "report": ("report", "official-record"),
    "dataset": ("dataset", "official-record"),
    "phdthesis": ("other", "scholarly-book"), "mastersthesis": ("other", "scholarly-book"),
    "thesis": ("other", "scholarly-book"),
    "misc": ("other", "web-page"), "unpublished": ("other", "official-record"), "manual": ("other", "official-record"),
}
VERBATIM = {"url", "doi", "file", "urldate", "eprint"}
# Our citation form -> CSL type / BibTeX type for the exports
TO_CSL = {"book": "book", "article": "article-journal", "chapter": "chapter", "web": "webpage", "report": "report",
          "dataset": "dataset", "other": "document"}
TO_BIBTEX = {"book": "book", "article": "article", "chapter": "incollection", "web": "online",
             "report": "techreport", "dataset": "dataset", "other": "misc"}
# The order of keys in a sources.yaml entry (data/README.md)
FIELD_ORDER = ("id", "kind", "type", "author", "title", "title_translated", "title_romanized", "publisher", "place",
               "year", "journal", "volume", "issue", "pages", "edition", "url", "accessed", "editor_note")


# --- reading --------------------------------------------------------------------------------------

def read_references(path: Path) -> list[dict]:
    """CSL-JSON (``.json``, or text starting with [ or {) or BibTeX (anything else) → sources.yaml entries."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError([Problem(str(path), 0, "", f"cannot read: {exc}", "unreadable")]) from None
    if Path(path).suffix.lower() == ".json" or text.lstrip()[:1] in ("[", "{"):
        return read_csl_json(text, str(path))
    return read_bibtex(text, str(path))


def read_csl_json(text: str, label: str = "CSL-JSON") -> list[dict]:
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise DataError([Problem(label, getattr(exc, "lineno", 0), "", f"not JSON: {exc}", "csl-json")]) from None
    if isinstance(items, dict):
        items = items.get("items", [items])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise DataError([Problem(label, 0, "", "CSL-JSON is a list of items (objects)", "csl-json")])
    out = []
    for item in items:
        form, kind = CSL_TYPES.get(str(item.get("type", "")), ("other", "web-page"))
        custom = item.get("custom") if isinstance(item.get("custom"), dict) else {}
        entry = {
            "key": item.get("citation-key") or item.get("id"),
            "kind": custom.get("kind") or kind,
            "kind_guess": None if custom.get("kind") else f'CSL type "{item.get("type", "")}"',
            "type": form,
            "author": [_author(n) for n in item.get("author") or [] if _csl_name(n)],
            "title": _text(item.get("title")),
            "title_translated": custom.get("title_translated"),
            "title_romanized": custom.get("title_romanized"),
            "publisher": _text(item.get("publisher")),
            "place": _text(item.get("publisher-place") or item.get("event-place")),
            "year": _csl_year(item.get("issued")),
            "journal": _text(item.get("container-title")),
            "volume": _text(item.get("volume")),
            "issue": _text(item.get("issue")),
            "pages": _pages(_text(item.get("page"))),
            "edition": _text(item.get("edition")),
            "url": _text(item.get("URL")),
            "accessed": _csl_day(item.get("accessed")),
            "copy_of": custom.get("copy_of"),
            "editor_note": _text(item.get("note")),
        }
        out.append(entry)
    return _finish(out)


def read_bibtex(text: str, label: str = "BibTeX") -> list[dict]:
    import bibtexparser
    from bibtexparser import middlewares as mw
    from pylatexenc.latex2text import LatexNodes2Text

    # Names are split on their braces before any LaTeX is decoded; URLs are verbatim (a % is not a comment).
    library = bibtexparser.parse_string(text, append_middleware=[mw.SeparateCoAuthors(), mw.SplitNameParts()])
    decode = LatexNodes2Text().latex_to_text
    problems = [Problem(label, text[: text.find(b.raw)].count("\n") + 1 if b.raw in text else 0, "",
                        f"not a BibTeX entry: {b.raw.strip()[:60]!r}", "bibtex") for b in library.failed_blocks]
    if problems:
        raise DataError(problems)
    out = []
    for entry in library.entries:
        fields = {k.lower(): decode(f.value) if isinstance(f.value, str) and k.lower() not in VERBATIM else f.value
                  for k, f in entry.fields_dict.items()}
        entry_type = entry.entry_type.lower()
        form, kind = BIBTEX_TYPES.get(entry_type, ("other", "web-page"))
        if entry_type == "misc" and fields.get("url"):
            form = "web"
        date = str(fields.get("date") or "")
        out.append({
            "key": entry.key,
            "kind": kind,
            "kind_guess": f"BibTeX type @{entry_type}",
            "type": form,
            "author": [_bibtex_author_entry(n) for n in fields.get("author") or fields.get("editor") or []],
            "title": _text(fields.get("title")),
            "publisher": _text(fields.get("publisher") or fields.get("institution") or fields.get("organization")
                               or fields.get("school")),
            "place": _text(fields.get("address") or fields.get("location")),
            "year": _text(fields.get("year")) or (date[:4] if re.match(r"\d{4}", date) else None),
            "journal": _text(fields.get("journal") or fields.get("journaltitle") or fields.get("booktitle")),
            "volume": _text(fields.get("volume")),
            "issue": _text(fields.get("number") or fields.get("issue")),
            "pages": _pages(_text(fields.get("pages"))),
            "edition": _text(fields.get("edition")),
            "url": _text(fields.get("url")),
            "accessed": _iso_day(_text(fields.get("urldate"))),
            "editor_note": _text(fields.get("note") or fields.get("annote")),
        })
    return _finish(out)


def _finish(entries: list[dict]) -> list[dict]:
    """Ids in the project's style (family-year), unique; empty fields dropped."""
    seen: set[str] = set()
    result = []
    for e in entries:
        base = _ident(e)
        ident, n = base, 1
        while ident in seen:
            n += 1
            ident = f"{base}-{n}"
        seen.add(ident)
        e = {**e, "id": ident}
        result.append({k: v for k, v in e.items() if v not in (None, "", [])})
    return result


def _ident(e: dict) -> str:
    first = (e.get("author") or [""])[0]
    author = first["organisation"] if isinstance(first, dict) else first.split(",")[0]
    year = e.get("year") or ""
    base = _slug(f"{author} {year}") if author and year else _slug(str(e.get("key") or e.get("title") or "source"))
    return base[:60].strip("-") or "source"


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _text(value) -> str | None:
    if value is None:
        return None
    value = re.sub(r"\s+", " ", str(value)).strip()
    return value or None


def _pages(value: str | None) -> str | None:
    return re.sub(r"\s*-{1,2}\s*", "–", value) if value else value


def _author(name: dict):
    """A CSL name as sources.yaml writes it: an organisation (literal) with a comma as {organisation: …}."""
    text = _csl_name(name)
    return {"organisation": text} if name.get("literal") and "," in text else text


def _bibtex_author_entry(name):
    """A BibTeX name as sources.yaml writes it: a braced single name with a comma is an organisation."""
    text = _bibtex_name(name)
    single = isinstance(name, str) or (not name.first and not name.von and not name.jr and len(name.last) == 1)
    return {"organisation": text} if single and "," in text else text


def _csl_name(name) -> str | None:
    if not isinstance(name, dict):
        return None
    if name.get("literal"):
        return _text(name["literal"])
    family = " ".join(filter(None, [name.get("non-dropping-particle"), name.get("family")]))
    given = " ".join(filter(None, [name.get("given"), name.get("dropping-particle")]))
    suffix = name.get("suffix")
    if not family:
        return _text(given)
    return ", ".join(filter(None, [family, suffix, given]))


def _bibtex_name(name) -> str:
    """A split BibTeX name as "von Last, Jr, First", its LaTeX (accents, protecting braces) decoded."""
    from pylatexenc.latex2text import LatexNodes2Text

    decode = LatexNodes2Text().latex_to_text
    if isinstance(name, str):
        return decode(name).strip()
    family = decode(" ".join([*name.von, *name.last])).strip()
    given = decode(" ".join(name.first)).strip()
    jr = decode(" ".join(name.jr)).strip()
    return ", ".join(filter(None, [family, jr, given])) if given else family


def _csl_parts(value) -> list:
    if isinstance(value, dict):
        parts = value.get("date-parts")
        if parts and isinstance(parts, list) and parts[0]:
            return [int(p) for p in parts[0] if str(p).lstrip("-").isdigit()]
        raw = str(value.get("raw") or value.get("literal") or "")
        found = re.match(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", raw)
        if found:
            return [int(p) for p in found.groups() if p]
    return []


def _csl_year(value) -> str | None:
    parts = _csl_parts(value)
    return f"{parts[0]:04d}" if parts else None


def _csl_day(value) -> str | None:
    parts = _csl_parts(value)
    return dt.date(*parts[:3]).isoformat() if len(parts) >= 3 else None


def _iso_day(value: str | None) -> str | None:
    if value and re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    return None


# --- sources.yaml text ----------------------------------------------------------------------------

def to_sources_yaml(entries: list[dict], taken: set[str] = frozenset()) -> str:
    """YAML list items in sources.yaml's key order; ids made unique against ``taken``; kind guesses marked."""
    import yaml

    chunks = []
    used = set(taken)
    for e in entries:
        ident, n = e["id"], 1
        while ident in used:
            n += 1
            ident = f"{e['id']}-{n}"
        used.add(ident)
        record = {k: e[k] for k in FIELD_ORDER if k in e}
        record["id"] = ident
        if "copy_of" in e:
            record["copy_of"] = e["copy_of"]
        text = yaml.safe_dump([record], allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)
        guess = e.get("kind_guess")
        if guess:
            text = re.sub(r"^(  kind: .*)$", lambda m, guess=guess: f"{m.group(1)}  # a guess from the {guess}: check",
                          text, count=1, flags=re.M)
        chunks.append(text)
    return "".join(chunks)


def append_to_sources(entries: list[dict], existing: list[dict]) -> tuple[str, list[str]]:
    """The YAML to append and the ids skipped because the same title and year are already there."""
    def same_work(title, year) -> tuple[str, str]:
        return " ".join(unicodedata.normalize("NFKC", str(title or "")).casefold().split()), str(year or "")

    have = {same_work(s.get("title"), s.get("year")): s.get("id") for s in existing}
    fresh, skipped = [], []
    for e in entries:
        same = have.get(same_work(e.get("title"), e.get("year")))
        if same:
            skipped.append(f"{e.get('title')} ({e.get('year') or 'n.d.'}) is already there as {same}")
        else:
            fresh.append(e)
    return to_sources_yaml(fresh, {str(s.get("id")) for s in existing}), skipped


# --- writing --------------------------------------------------------------------------------------

def _name_parts(author: str) -> dict:
    from borderwar_report.records.model import Organisation

    if "," in author and not isinstance(author, Organisation):
        family, given = (p.strip() for p in author.split(",", 1))
        return {"family": family, "given": given}
    return {"literal": author}  # an organisation or a single name


def _csl_item(s: Source) -> dict:
    item: dict = {"id": s.id, "citation-key": s.id, "type": TO_CSL.get(s.type, "document"), "title": s.title}
    if s.type == "article" and s.kind == "newspaper":
        item["type"] = "article-newspaper"
    if s.type == "web" and s.kind == "encyclopedia":
        item["type"] = "entry-encyclopedia"
    if s.author:
        item["author"] = [_name_parts(a) for a in s.author]
    simple = {"container-title": s.journal, "publisher": s.publisher, "publisher-place": s.place,
              "volume": s.volume, "issue": s.issue, "page": s.pages, "edition": s.edition, "URL": s.url,
              "note": s.note}
    item.update({k: v for k, v in simple.items() if v})
    year = re.match(r"\d{4}", s.year or "")
    if year:
        item["issued"] = {"date-parts": [[int(year.group(0))]]}
    if s.accessed:
        item["accessed"] = {"date-parts": [[s.accessed.year, s.accessed.month, s.accessed.day]]}
    custom = {"kind": s.kind, "copy_of": s.copy_of, "title_translated": s.title_translated,
              "title_romanized": s.title_romanized}
    item["custom"] = {k: v for k, v in custom.items() if v}
    return item


def to_csl_json(ds: Dataset) -> str:
    """The bibliography as CSL-JSON (Zotero: File → Import; pandoc --bibliography; citeproc)."""
    return json.dumps([_csl_item(s) for s in ds.sources], ensure_ascii=False, indent=2) + "\n"


_BIBTEX_SPECIAL = re.compile(r"([&%$#_])")


def _bibtex_value(text: str) -> str:
    """Plain text as a BibTeX field value: LaTeX's special characters escaped (UTF-8 stays as it is)."""
    text = text.replace("\\", "\x00")  # a backslash, restored below once the braces are escaped
    text = text.replace("{", r"\{").replace("}", r"\}")
    text = _BIBTEX_SPECIAL.sub(r"\\\1", text)
    text = text.replace("~", r"\textasciitilde{}").replace("^", r"\textasciicircum{}")
    return text.replace("\x00", r"\textbackslash{}")


def _bibtex_author(author: str) -> str:
    from borderwar_report.records.model import Organisation

    person = "," in author and not isinstance(author, Organisation)
    return _bibtex_value(author) if person else "{" + _bibtex_value(author) + "}"  # braces: one name, as written


def to_bibtex(ds: Dataset) -> str:
    """The bibliography as BibTeX/BibLaTeX (UTF-8; titles in braces so styles keep their capitals)."""
    out = []
    for s in ds.sources:
        fields = [("author", " and ".join(_bibtex_author(a) for a in s.author) if s.author else None),
                  ("title", "{" + _bibtex_value(s.title) + "}"),
                  ("journal" if s.type == "article" else "booktitle", _bibtex_value(s.journal) if s.journal else None),
                  ("institution" if s.type == "report" else "publisher",
                   _bibtex_value(s.publisher) if s.publisher else None),
                  ("address", _bibtex_value(s.place) if s.place else None),
                  ("year", s.year if s.year and s.year != "n.d." else None),
                  ("volume", s.volume), ("number", s.issue),
                  ("pages", s.pages.replace("–", "--") if s.pages else None),
                  ("edition", _bibtex_value(s.edition) if s.edition else None),
                  ("url", s.url), ("urldate", s.accessed.isoformat() if s.accessed else None),
                  ("note", _bibtex_value(s.note) if s.note else None)]
        body = ",\n".join(f"  {key} = {{{value}}}" for key, value in fields if value)
        out.append(f"@{TO_BIBTEX.get(s.type, 'misc')}{{{s.id},\n{body}\n}}\n")
    return "\n".join(out)
