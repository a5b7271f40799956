"""Chapter ends that leave a page nearly empty: decided from the laid-out pages, then laid out again.

A chapter opens on a new page (``.chapter { break-before: page }``), so a chapter whose text runs a few
lines over a page leaves a page holding only that tail. CSS cannot make a break depend on how full the page
is, so the briefing is laid out, measured, and laid out again with two stated rules:

- **run-on**: when a chapter of more than one page ends with a tail filling under :data:`SHORT_TAIL` of its
  last page's text area, the next chapter starts below the tail (class ``run-on``) instead of on a new page;
- **tight**: when the last chapter (which no chapter can follow) ends so, it is set tighter (class
  ``tight``: less leading and space between items), which pulls a few lines back onto its earlier pages.

Each pass only adds decisions further down the document (a run-on changes nothing above it), so at most
:data:`MAX_PASSES` layouts settle it. The decisions are kept with the HTML's digest: a rebuild of the same
HTML reuses them without measuring again.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

SHORT_TAIL = 0.25  # share of the text area: a last page filled less than this is a short tail
MAX_PASSES = 3  # layouts after the first; each settles the next chapter end down the document
FLOW_FILE = ".briefing-flow.json"  # the last build's decisions and the digest of the HTML they were made for

_CHAPTER = re.compile(r'<section class="([^"]*\bchapter\b[^"]*)" id="([^"]+)"')


def chapter_ids(html: str) -> list[str]:
    """The ids of the chapter sections, in document order."""
    return [m.group(2) for m in _CHAPTER.finditer(html)]


def apply(html: str, run_on, tight) -> str:
    """The HTML with class ``run-on`` on the chapters in ``run_on`` and ``tight`` on those in ``tight``."""
    return _join_running_heads(_with_classes(html, run_on, tight), set(run_on))


def _with_classes(html: str, run_on, tight) -> str:
    run_on, tight = set(run_on), set(tight)

    def classes(m):
        extra = [c for c, ids in (("run-on", run_on), ("tight", tight)) if m.group(2) in ids]
        return f'<section class="{" ".join([m.group(1), *extra])}" id="{m.group(2)}"'
    return _CHAPTER.sub(classes, html)


_HEADING = re.compile(r"<h1\b([^>]*)>(.*?)</h1>", re.S)


def _join_running_heads(html: str, run_on: set) -> str:
    """A page where a chapter runs on below another's tail is headed with both ("A · B"); the pages after
    it with the new chapter alone. The running head takes the first value set on a page: the joined one on
    the run-on chapter's heading, then the chapter's own one from an empty mark right after it."""
    if not run_on:
        return html
    out, pos, previous = [], 0, None
    for m in _CHAPTER.finditer(html):
        heading = _HEADING.search(html, m.end())
        if not heading:
            continue
        title = " ".join(re.sub(r"<[^>]+>", "", heading.group(2)).split())
        if m.group(2) in run_on and previous:
            out.append(html[pos:heading.start()])
            out.append(f'<h1{heading.group(1)} data-head="{previous} · {title}">{heading.group(2)}</h1>'
                       f'<div class="head-mark" data-head="{title}"></div>')
            pos = heading.end()
        previous = title
    out.append(html[pos:])
    return "".join(out)


def decide(chapters: list[str], starts: dict[str, int], fills: list[float], run_on=(), tight=()):
    """The decisions after one layout: (run_on, tight), the given ones with those this layout calls for.

    ``starts``: chapter id → page (1 = first) where it starts; ``fills``: per page, the share of the text
    area down to the lowest thing printed in it (footnotes not counted)."""
    run_on, tight = set(run_on), set(tight)
    placed = [c for c in chapters if c in starts]
    for chapter, following in zip(placed, placed[1:], strict=False):
        last = starts[following] - 1
        if following in run_on or last <= starts[chapter]:
            continue  # already runs on, or the chapter has one page (it may end anywhere)
        if fills[last - 1] < SHORT_TAIL:
            run_on.add(following)
    if placed:
        final = placed[-1]
        if len(fills) > starts[final] and fills[-1] < SHORT_TAIL:
            tight.add(final)
    return run_on, tight


def page_fills(document) -> list[float]:
    """Per page of a rendered WeasyPrint document, the share of the page's content area from its top down
    to the lowest line, image or table row in it; running heads, footers and footnotes are not counted."""
    return box_fills([page._page_box for page in document.pages])


def box_fills(page_boxes) -> list[float]:
    """:func:`page_fills` of WeasyPrint page boxes, also while they are being laid out (before their margin
    boxes are added)."""
    fills = []
    for box in page_boxes:
        top = box.content_box_y()
        bottoms = [top]
        stack = [c for c in box.children if type(c).__name__ not in ("MarginBox", "FootnoteAreaBox")
                 and getattr(c, "children", None)]
        while stack:
            b = stack.pop()
            kids = getattr(b, "children", None)
            if type(b).__name__ in ("LineBox", "TableRowBox") or "Replaced" in type(b).__name__ or not kids:
                if b.height:
                    bottoms.append(b.position_y + b.margin_height() - b.margin_bottom)
                continue
            stack.extend(kids)
        fills.append(min(1.0, (max(bottoms) - top) / box.height) if box.height else 1.0)
    return fills


def digest(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def read_decisions(path: Path, html: str):
    """The last build's (run_on, tight) if they were made for this very HTML, else None."""
    try:
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
        if saved["html"] == digest(html):
            return set(saved["run_on"]), set(saved["tight"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def decisions_json(html: str, run_on, tight) -> bytes:
    return (json.dumps({"html": digest(html), "run_on": sorted(run_on), "tight": sorted(tight)},
                       indent=0) + "\n").encode("utf-8")


def lay_out(html: str, saved, render):
    """Render ``html`` with its chapter-end decisions. ``render(html) -> (result, starts, fills)``, or
    ``(result, starts, fills, run_on)`` when the renderer already ran the chapters in ``run_on`` on inside that
    layout (reflow.py): those are kept as decisions, and the HTML is laid out again only for what it left, or
    when applying them changes more than the classes (the running heads of shared pages) — then with
    the page references of the layout that took them.
    ``saved``: the last build's decisions for this HTML (or None). Returns (result, run_on, tight, passes)."""
    chapters = chapter_ids(html)
    if saved is not None:
        run_on, tight = saved
        result = render(apply(html, run_on, tight))[0]
        return result, run_on, tight, 1
    run_on, tight = set(), set()
    for passes in range(1, MAX_PASSES + 2):
        result, starts, fills, *inline = render(apply(html, run_on, tight))
        taken = set(*inline) - run_on
        run_on |= taken
        if passes > MAX_PASSES:
            break
        if taken and apply(html, run_on, tight) != _with_classes(html, run_on, tight):
            continue  # the decisions change more than the classes (the joined running heads): set them once more
        more = decide(chapters, starts, fills, run_on, tight)
        if more == (run_on, tight):
            break
        run_on, tight = more
    return result, run_on, tight, passes
