"""Chapter ends that leave a page nearly empty: decided from the laid-out pages.

A chapter opens on a new page (``.chapter { break-before: page }``), so a chapter whose text runs a few
lines over a page leaves a page holding only that tail. CSS cannot make a break depend on how full the page
is, so the briefing is laid out, measured, and the rule applied:

- **run-on**: when a chapter of more than one page ends with a tail filling under :data:`SHORT_TAIL` of its
  last page's text area, the next chapter starts below the tail (class ``run-on``) instead of on a new page.
  The last chapter, which nothing follows, runs on itself below the chapter before it when its own last
  page is such a tail.

reflow.py applies it inside the same WeasyPrint layout; where it cannot, the document is laid out again
with the class. Each pass only adds decisions further down the document (a run-on changes nothing above
it), so at most :data:`MAX_PASSES` layouts settle it. The decisions are kept with the HTML's digest: a
rebuild of the same HTML reuses them without measuring again. (The last chapter is not set tighter to pull
a short tail back: that cost a whole second layout; the bibliography is set compact from the start instead.)
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

SHORT_TAIL = 0.5  # share of the text area: a last page filled less than this is a short tail
MAX_PASSES = 3  # layouts after the first; each settles the next chapter end down the document
FLOW_FILE = ".briefing-flow.json"  # the last build's decisions and the digest of the HTML they were made for

_CHAPTER = re.compile(r'<section class="([^"]*\bchapter\b[^"]*)" id="([^"]+)"')


def chapter_ids(html: str) -> list[str]:
    """The ids of the chapter sections, in document order."""
    return [m.group(2) for m in _CHAPTER.finditer(html)]


def apply(html: str, run_on) -> str:
    """The HTML with class ``run-on`` on the chapters in ``run_on`` (and the running heads that go with it)."""
    return _join_running_heads(_with_class(html, set(run_on)), set(run_on))


def _with_class(html: str, run_on: set) -> str:
    def classes(m):
        extra = ["run-on"] if m.group(2) in run_on else []
        return f'<section class="{" ".join([m.group(1), *extra])}" id="{m.group(2)}"'
    return _CHAPTER.sub(classes, html)


_HEADING = re.compile(r"<h1\b([^>]*)>(.*?)</h1>", re.S)


def _chapter_headings(html: str):
    """(chapter match, heading match or None, plain title, previous chapter's title) per chapter: the heading
    is the first ``h1`` inside the chapter (before the next one starts)."""
    chapters = list(_CHAPTER.finditer(html))
    previous = None
    for i, m in enumerate(chapters):
        end = chapters[i + 1].start() if i + 1 < len(chapters) else len(html)
        heading = _HEADING.search(html, m.end(), end)
        title = " ".join(re.sub(r"<[^>]+>", "", heading.group(2)).split()) if heading else None
        yield m, heading, title, previous
        previous = title or previous


def _join_running_heads(html: str, run_on: set) -> str:
    """A page where a chapter runs on below another's tail is headed with both ("A · B"); the pages after
    it with the new chapter alone. The running head takes the first value set on a page: the joined one on
    the run-on chapter's heading, then the chapter's own one from an empty mark at the heading's end (a
    span: no block, so no element in the PDF's tag tree). Every chapter after the first carries the mark
    (where its heading opens the page, both set the same title), so running a chapter on inside a layout
    (reflow.py) changes no box but the heading's own string."""
    out, pos = [], 0
    for m, heading, title, previous in _chapter_headings(html):
        if heading is None or previous is None:
            continue
        joined = f' data-head="{previous} · {title}"' if m.group(2) in run_on else ""
        out.append(html[pos:heading.start()])
        out.append(f'<h1{heading.group(1)}{joined}>{heading.group(2)}'
                   f'<span class="head-mark" data-head="{title}"></span></h1>')
        pos = heading.end()
    out.append(html[pos:])
    return "".join(out)


def running_heads(html: str) -> dict[str, tuple[str, str]]:
    """Chapter id → (its heading's text, the joined head it takes when it runs on), as plain text."""
    from html import unescape

    return {m.group(2): (unescape(title), unescape(f"{previous} · {title}"))
            for m, heading, title, previous in _chapter_headings(html) if heading is not None and previous}


def decide(chapters: list[str], starts: dict[str, int], fills: list[float], run_on=(), shared=(),
           final: bool = True) -> set[str]:
    """The chapters to run on after one layout: the given ones with those this layout calls for.

    ``starts``: chapter id → page (1 = first) where it starts; ``fills``: per page, the share of the text
    area down to the lowest thing printed in it (footnotes not counted); ``shared``: the chapters that
    already start on the page where the one before them ends (the stylesheet runs them on: the phases of
    the narrative), which take the joined running head as well (reflow.sharing). ``final``: the pages end
    the document (not so for a part of it: chunks.py), so its last chapter may run on to pull its tail back."""
    run_on = set(run_on) | (set(shared) & set(chapters))
    placed = [c for c in chapters if c in starts]
    for chapter, following in zip(placed, placed[1:], strict=False):
        last = starts[following] - 1
        if following in run_on or last <= starts[chapter]:
            continue  # already runs on, or the chapter has one page (it may end anywhere)
        if fills[last - 1] < SHORT_TAIL:
            run_on.add(following)
    # Nothing follows the last chapter to run on below its short tail: it runs on itself, below the tail of
    # the chapter before, which pulls its own tail back by the room that page had left.
    if final and len(placed) > 1 and fills:
        final = placed[-1]
        if final not in run_on and starts[final] < len(fills) and fills[-1] < SHORT_TAIL:
            run_on.add(final)
    return run_on


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


RULES = "2"  # the decide() rules the saved decisions were made by: a build under other rules decides afresh


def digest(html: str) -> str:
    return hashlib.sha256(f"rules {RULES}\n{html}".encode()).hexdigest()


def read_decisions(path: Path, html: str):
    """The last build's run-on chapters if they were decided for this very HTML, else None."""
    try:
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
        if saved["html"] == digest(html):
            return set(saved["run_on"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def decisions_json(html: str, run_on) -> bytes:
    return (json.dumps({"html": digest(html), "run_on": sorted(run_on)}, indent=0) + "\n").encode("utf-8")


def lay_out(html: str, saved, render):
    """Render ``html`` with its chapter-end decisions. ``render(html) -> (result, starts, fills)``, or
    ``(result, starts, fills, run_on)`` when the renderer already ran the chapters in ``run_on`` on inside that
    layout (reflow.py), class and joined running head both, so that the result is what laying out
    ``apply(html, run_on)`` gives: those are kept as decisions, and the HTML is laid out again only for
    what the renderer left.
    ``saved``: the last build's decisions for this HTML (or None). Returns (result, run_on, passes)."""
    chapters = chapter_ids(html)
    if saved is not None:
        return render(apply(html, saved))[0], set(saved), 1
    run_on: set[str] = set()
    for passes in range(1, MAX_PASSES + 2):
        result, starts, fills, *inline = render(apply(html, run_on))
        run_on |= set(*inline)
        if passes > MAX_PASSES:
            break
        more = decide(chapters, starts, fills, run_on)
        if more == run_on:
            break
        run_on = more
    return result, run_on, passes
