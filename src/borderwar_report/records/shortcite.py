"""Short labels of works ("Coox 1985", "Battles of Khalkhin Gol"): table cells, and the works a chart's
source line names. The rest of the citation style (notes, bibliography) is documents/citations.py."""

from __future__ import annotations

import re
from collections import defaultdict

from borderwar_report.records.dates import day_text
from borderwar_report.records.model import Organisation


def _is_person(author: str) -> bool:
    """ "Family, Given" names a person; anything else (an organisation, a site) is kept as written."""
    return "," in author and not isinstance(author, Organisation)


def _family(author: str) -> str:
    return author.partition(",")[0].strip() if _is_person(author) else author


def note_authors(authors: tuple[str, ...]) -> str:
    """Short-note author: family names only (Coox; Coox and Smith; Coox et al.)."""
    families = [_family(a) for a in authors]
    if not families:
        return ""
    if len(families) == 1:
        return families[0]
    if len(families) <= 3:
        return ", ".join(families[:-1]) + f" and {families[-1]}"
    return f"{families[0]} et al."


def display_title(source) -> str:
    """The title as printed: romanized when the data gives a romanization (CMOS 11.83)."""
    return (getattr(source, "title_romanized", None) or source.title).strip()


def short_title(title: str, max_words: int = 5) -> str:
    """Chicago short title: the main title before a colon, cut to its first few words."""
    main = re.split(r":\s|(?<=\w{3})\.\s", title.strip() + " ", maxsplit=1)[0].strip()
    words = main.split()
    if len(words) <= max_words:
        return main
    words, rest = words[:max_words], words[max_words:]
    while rest and re.search(r"['’]s?$", words[-1]):  # "the People's" names no thing: go on to the noun
        words.append(rest.pop(0))
    cut = " ".join(words)
    if cut.count("(") > cut.count(")"):  # never stop inside a parenthesis
        cut = cut[:cut.rindex("(")]
        words = cut.split()
    while len(words) > 1 and words[-1].lower().strip(",;:.") in _SHORT_TITLE_TAIL:
        words.pop()
    return " ".join(words).rstrip(",;:–—-. ")


_SHORT_TITLE_TAIL = {"a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with",
                     "а", "в", "и", "на", "о", "с"}


def _curly(text: str, outer_quotes: bool) -> str:
    """Straight double quotes inside a title become curly ones (single inside a quoted title)."""
    opening, closing = ("‘", "’") if outer_quotes else ("“", "”")
    out, inside = [], False
    for ch in text:
        if ch == '"':
            out.append(closing if inside else opening)
            inside = not inside
        else:
            out.append(ch)
    return "".join(out)


def short_labels(sources) -> dict[str, str]:
    """A short plain label per source for table cells ("Coox 1985", "Battles of Khalkhin Gol"), unique."""
    labels: dict[str, str] = {}
    for s in sources:
        # A bracketed title describes a work not identified ("[Work cited as …]"): its author and year are
        # all a reader can look for, and all a short label should show.
        unidentified = display_title(s).startswith("[") and s.author and s.year
        if unidentified or (s.author and _is_person(s.author[0])):
            label = note_authors(s.author) + (f" {s.year}" if s.year else f", {short_title(display_title(s), 4)}")
        else:
            label = short_title(display_title(s), 8)
        labels[s.id] = _curly(label, False)
    counts: dict[str, int] = defaultdict(int)
    for label in labels.values():
        counts[label] += 1
    for s in sources:  # two sources with one label: add what tells them apart (never the data's own ids)
        if counts[labels[s.id]] > 1:
            extra = (getattr(s, "edition", None) or s.year
                     or (f"accessed {day_text(s.accessed)}" if s.accessed else None) or s.publisher)
            if extra:
                labels[s.id] = f"{labels[s.id]}, {extra}"
    counts.clear()
    for label in labels.values():
        counts[label] += 1
    seen: dict[str, int] = defaultdict(int)
    for s in sources:  # still alike: a letter in file order, as an author-date list does (1985a, 1985b)
        if counts[labels[s.id]] > 1:
            label = labels[s.id]
            seen[label] += 1
            labels[s.id] = f"{label} ({'abcdefghijklmnopqrstuvwxyz'[(seen[label] - 1) % 26]})"
    return labels
