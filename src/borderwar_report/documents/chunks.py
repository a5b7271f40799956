"""Cutting the briefing into parts that can be laid out at once, each in its own process (chunkrender.py).

WeasyPrint lays a document out on one core. The briefing is cut at chapters that open a page, into parts of
about equal size (by HTML: the one cost known before the layout). Each part is the whole document's head
(stylesheets, fonts) with a run of chapters, and:
- an empty stand-in for every link target that lies in another part, so that WeasyPrint writes those links
  (pdfmerge.py points them at the real anchor), at the end of the body, absolutely placed (no page grows);
- its footnote numbers continued by a ``counter-reset`` on its body, counted from the HTML;
- page references written in from a guess (``data-page``, as pagerefs.stamp_page_numbers does): the last
  build's page, or one from the target's place in the HTML. Only the guess's number of digits matters.
Parts start at chapters, so the stylesheet may not use what depends on a page's place in the whole
(``:first``, ``:left``, ``:right``, ``:blank``, other counters, text from elsewhere): ``plan`` then
declines and the briefing is rendered in one piece.
"""

from __future__ import annotations

import html as htmllib
import os
import re
from dataclasses import dataclass, field

from borderwar_report.documents import flow
from borderwar_report.documents.pagerefs import INTERNAL_LINK as _INTERNAL_LINK
from borderwar_report.documents.pagerefs import PAGE_REF as _PAGE_REF

_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S | re.I)
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_BODY_OPEN = re.compile(r"<body\b[^>]*>", re.I)
_ID = re.compile(r'\sid="([^"]+)"')
# What a part cannot reproduce on its own: page selectors and breaks that depend on the page's place in the
# whole document, counters other than the page's and the footnotes', text taken from elsewhere.
_UNSUPPORTED = re.compile(r"@page\s*[^{]*:(first|left|right|blank|nth)"
                          r"|break-(before|after)\s*:\s*(left|right|recto|verso)"
                          r"|counter-(reset|set|increment)|target-text|target-counters|counters\(", re.I)
_FOOTNOTE_RULE = re.compile(r"([^{}]+)\{[^{}]*\bfloat\s*:\s*footnote\b[^{}]*\}")
_CLASS_ONLY = re.compile(r"\s*\.([-\w]+)\s*")
FORCED = {"page", "left", "right", "recto", "verso"}
BYTES_PER_PAGE = 6000  # a first guess at page numbers when there is no last build to take them from
MAX_PARTS = 4


@dataclass
class Part:
    index: int
    html: str
    first_chapter: str | None  # the chapter the part starts with (None for the first part)
    footnotes_before: int  # footnotes in the parts before this one, by the HTML
    footnotes: int  # footnotes in this part, by the HTML
    foreign: list[str] = field(default_factory=list)  # link targets in other parts
    last: bool = True  # the part that ends the document


def workers() -> int:
    """Processes the machine gives this build (1 = render in one piece)."""
    if os.environ.get("BORDERWAR_SERIAL") == "1":
        return 1
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def css_of(html: str) -> str:
    return _COMMENT.sub("", "".join(m.group(1) for m in _STYLE.finditer(html)))


def footnote_classes(css: str) -> set[str] | None:
    """The classes the stylesheet floats to the footnote area, or None if a rule does so with a selector that
    is not one plain class (then the HTML alone does not tell which elements are footnotes)."""
    classes: set[str] = set()
    for prelude in _FOOTNOTE_RULE.findall(css):
        for selector in prelude.split(","):
            m = _CLASS_ONLY.fullmatch(selector)
            if not m:
                return None
            classes.add(m.group(1))
    return classes


def _count_classes(fragment: str, classes: set[str]) -> int:
    if not classes:
        return 0
    pattern = re.compile(r'<[a-z][^>]*\sclass="([^"]*)"', re.I)
    return sum(1 for m in pattern.finditer(fragment) if classes & set(m.group(1).split()))


def supported(html: str) -> bool:
    """Whether the stylesheets let parts of this HTML be laid out alone (see the module)."""
    css = css_of(html)
    if _UNSUPPORTED.search(css) or "target-counter(" in css.replace(_PAGE_REF, ""):
        return False
    outside_pages = re.sub(r"@page[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", css)
    if re.search(r"counter\(\s*pages?\s*\)", outside_pages):
        return False
    return footnote_classes(css) is not None


def forced_breaks(html: str, chapters: list[str]) -> set[str]:
    """The chapters whose section the stylesheet breaks to a new page before, by WeasyPrint's own cascade over a
    skeleton of the document (its head, and each chapter's opening tag in order; fonts left out). Only a
    forecast: each part checks its own first chapter after laying it out."""
    import weasyprint

    head_end = html.find("</head>")
    body = _BODY_OPEN.search(html)
    if head_end < 0 or body is None:
        return set()
    head = re.sub(r"@font-face\s*\{[^}]*\}", "", html[:head_end])
    tags = re.findall(r'<section class="[^"]*\bchapter\b[^"]*" id="[^"]+"[^>]*>', html)
    skeleton = head + "</head>" + body.group(0) + "".join(t + "x</section>" for t in tags) + "</body></html>"
    document = weasyprint.HTML(string=skeleton).render()
    wanted, found = set(chapters), set()
    for page in document.pages:
        stack = list(page._page_box.children)
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            ident = element.get("id") if element is not None else None
            if ident in wanted and getattr(box, "element_tag", None) == "section":
                if box.style["break_before"] in FORCED:
                    found.add(ident)
                continue
            stack.extend(getattr(box, "children", ()))
    return found


def _cuts(weights: list[int], parts: int) -> list[int]:
    """Indices (into the candidate list) to cut before, into at most ``parts`` runs whose largest total
    weight is the smallest possible, and among those the most even (dynamic programming, few candidates)."""
    n = len(weights)
    prefix = [0]
    for w in weights:
        prefix.append(prefix[-1] + w)
    best: dict[tuple[int, int], tuple] = {}

    def solve(start: int, left: int):
        if (start, left) in best:
            return best[(start, left)]
        whole = prefix[n] - prefix[start]
        result = ((whole, whole * whole), [])
        if left > 1:
            for cut in range(start + 1, n):
                here = prefix[cut] - prefix[start]
                (worst, squares), rest = solve(cut, left - 1)
                candidate = ((max(here, worst), here * here + squares), [cut, *rest])
                if candidate[0] < result[0]:
                    result = candidate
        best[(start, left)] = result
        return result

    return solve(0, parts)[1]


def plan(html: str, processes: int, run_on=(), forced: set[str] | None = None) -> list[Part] | None:
    """The briefing's HTML cut into parts at chapters that open a page, or None to render it in one piece
    (one process, nothing to cut at, or a stylesheet the parts cannot reproduce). ``run_on``: chapters known
    to run on, or not to cut at; ``forced``: the chapters that break to a new page (forced_breaks)."""
    if processes < 2 or not supported(html):
        return None
    chapters = flow.chapter_ids(html)
    body = _BODY_OPEN.search(html)
    end = html.rfind("</body>")
    if body is None or end < 0 or len(chapters) < 2:
        return None
    if forced is None:
        forced = forced_breaks(html, chapters)
    starts = {m.group(2): m.start() for m in flow._CHAPTER.finditer(html)}
    candidates = [c for c in chapters[1:] if c in forced and c not in set(run_on) and starts[c] < end]
    if not candidates:
        return None
    positions = [body.end(), *(starts[c] for c in candidates), end]
    weights = [b - a for a, b in zip(positions, positions[1:], strict=False)]
    cuts = _cuts(weights, min(MAX_PARTS, processes + 1, len(weights)))
    if not cuts:
        return None
    edges = [body.end(), *(positions[c] for c in cuts), end]
    firsts = [None, *(candidates[c - 1] for c in cuts)]
    classes = footnote_classes(css_of(html)) or set()
    head, tail = html[:body.start()], html[end:]
    targets = {htmllib.unescape(m.group(2)) for m in _INTERNAL_LINK.finditer(html)}
    out, before = [], 0
    for i, (a, b) in enumerate(zip(edges, edges[1:], strict=False)):
        fragment = html[a:b]
        own = {htmllib.unescape(x) for x in _ID.findall(fragment)}
        if i == 0:
            own |= {htmllib.unescape(x) for x in _ID.findall(html[:a])}
        linked = {htmllib.unescape(m.group(2)) for m in _INTERNAL_LINK.finditer(fragment if i else html[:b])}
        foreign = sorted((linked & targets) - own)
        notes = _count_classes(fragment, classes)
        opening = body.group(0) if i == 0 else _with_counter(body.group(0), before)
        holder = "".join(f'<span id="{htmllib.escape(t)}"></span>' for t in foreign)
        holder = (f'<div class="chunk-anchors" style="position: absolute; left: 0; top: 0; width: 0; height: 0; '
                  f'overflow: hidden">{holder}</div>') if holder else ""
        start = body.end() if i == 0 else a
        siblings = "" if i == 0 else _hidden_siblings(html[body.end():a])
        # The stand-ins come last: the first box on a page decides what string(…, start) prints there.
        out.append(Part(i, head + opening + siblings + html[start:b] + holder + tail, firsts[i], before, notes,
                        foreign))
        before += notes
    for part in out[:-1]:
        part.last = False
    return out


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _hidden_siblings(before: str) -> str:
    """Empty, undisplayed copies (no id) of the body's elements before a part, so that the part's first
    chapter matches the same sibling selectors (``section.phase + section.phase``) as in the whole."""
    from html.parser import HTMLParser

    tops: list[str] = []

    class Tops(HTMLParser):
        depth = 0

        def handle_starttag(self, tag, attrs):
            if self.depth == 0:
                kept = "".join(f' {k}="{htmllib.escape(v or "", quote=True)}"' for k, v in attrs
                               if k not in ("id", "style"))
                tops.append(f'<{tag}{kept} style="display: none"></{tag}>')
            if tag not in _VOID:
                self.depth += 1

        def handle_endtag(self, tag):
            if tag not in _VOID:
                self.depth = max(0, self.depth - 1)

    Tops(convert_charrefs=True).feed(before)
    return "".join(tops)


def _with_counter(body_tag: str, notes: int) -> str:
    style = f"counter-reset: footnote {notes}"
    if re.search(r'\sstyle="', body_tag):
        return re.sub(r'\sstyle="', f' style="{style}; ', body_tag, count=1)
    return body_tag[:-1] + f' style="{style}">'


def guess_pages(html: str, previous: dict[str, int]) -> dict[str, int]:
    """A page number for every link target: the last build's where it has one, else one from the target's
    place in the HTML. Only the number of digits matters (see the module)."""
    targets = {htmllib.unescape(m.group(2)) for m in _INTERNAL_LINK.finditer(html)}
    positions = {htmllib.unescape(m.group(1)): m.start() for m in _ID.finditer(html)}
    guessed = {}
    for target in targets:
        if target in previous:
            guessed[target] = previous[target]
        else:
            guessed[target] = 1 + positions.get(target, 0) // BYTES_PER_PAGE
    return guessed
