"""The briefing rendered in parallel parts (cut by chunks.py), merged (pdfmerge.py) into one PDF that is the
same document as one render.

Each part is laid out and drawn in its own forked process. What ties the parts together is settled with the
parent at three meeting points:

1. **After the layout**, each part reports its page count, its anchors and chapter pages, how full each page
   is and the footnotes it set. The parent checks the cut against what one render would do: each part must
   start on a new page (a forced break, not a chapter that flow.py would run on below a short tail there), and
   the footnote numbers a part starts from must be those the parts before it set. Then every page number is
   known, and each part writes the real page references into its laid-out boxes in place. A reference whose
   real number sets wider or narrower than the guess cannot be changed in place: that part is laid out again
   with the real numbers (and must come out the same).
2. **The running strings** (running heads, the edition) that enter each part are passed on from the parts
   before it, and each part makes its margin boxes again with them and the whole document's "page N of M".
   WeasyPrint makes margin boxes last, from each page's counters and strings, and nothing else depends on
   them, so this changes no page's body.
3. **After drawing**, before the fonts are embedded, the parts pool the glyphs each font uses, so that every
   part embeds the same subset and the merged file holds one copy of each font.

When any check fails, or a process fails, ``render`` returns None and the caller renders the briefing in one
piece: the parts can only change how fast it is made. Tests compare the merged file with one render.

Why this file is long: the parent's side and the parts' side of the three meeting points are one protocol,
each message sent on one side and received on the other; split in two files, neither half reads alone.
"""

from __future__ import annotations

import contextlib
import html as htmllib
import os
import re
from dataclasses import dataclass

from borderwar_report.documents import flow
from borderwar_report.documents.chunks import FORCED, Part, css_of, forced_breaks, guess_pages, plan, workers
from borderwar_report.documents.chunks import supported as chunks_supported
from borderwar_report.documents.pagerefs import PAGE_REF as _PAGE_REF
from borderwar_report.documents.pagerefs import link_targets

_ID = re.compile(r'\sid="([^"]+)"')
MAX_ATTEMPTS = 3  # cuts tried before the briefing is rendered in one piece (a cut where a chapter runs on)


# --- Page numbers written into laid-out boxes ------------------------------------------------------------


def _natural_width(text: str, style) -> float:
    from weasyprint.text.line_break import split_first_line

    return split_first_line(text, style, None, None, 0)[3]


def _set_text(box, text: str) -> None:
    from weasyprint.text.line_break import create_layout

    layout = create_layout(text, box.style, None, box.pango_layout.max_width, box.justification_spacing)
    layout.deactivate()
    box.pango_layout, box.text = layout, text


def _leaves(box):
    """The text boxes and leaves under ``box`` in the order they are laid out."""
    kids = getattr(box, "children", None)
    if not kids:
        yield box
        return
    for child in kids:
        yield from _leaves(child)


def _regrow_leader(line, leader, delta: float) -> None:
    """Lay out a line's leader dots again after the text that follows the leader grew by ``delta``: WeasyPrint's
    own rule (layout/leader.py: dots on a grid from the line's end, none over the text on either side), on the
    leader box's narrower (or wider) room."""
    dots = [c for c in leader.children if c.is_in_normal_flow()]
    if not dots:
        return
    dot = dots[0]
    room = leader.width - delta
    children, position_x = [], line.position_x + line.width
    for _ in range(int(line.width // dot.width)):
        position_x -= dot.width
        if position_x < leader.position_x or position_x + dot.width > leader.position_x + room:
            continue
        copy = dot.copy()
        copy.position_x = position_x
        children.append(copy)
    leader.children = tuple(children)


def _absorb_width(chain: list, text: str, page, apply: bool = True) -> bool:
    """Give the last text box of ``chain`` (its ancestors from the page box down) the text ``text`` of another
    width where the result is what laying the page out again gives, and say whether it did: after a leader
    (the contents: the leader gives up or takes the room), or alone at the end of its line in a table cell of a
    fixed-layout table (the columns do not depend on it) and aligned there. Anywhere else the width could
    move a line break or a column."""
    from weasyprint.anchors import rectangle_aabb
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.leader import leader_index

    box = chain[-1]
    lines = [i for i, b in enumerate(chain) if isinstance(b, boxes.LineBox)]
    if not lines or box.style["direction"] != "ltr":
        return False
    at = lines[-1]
    line, inline = chain[at], chain[at + 1:]
    delta = _natural_width(text, box.style) - _natural_width(box.text, box.style)
    _, leader = leader_index(line)
    leaves = list(_leaves(line))
    if leader is not None:
        if box not in leaves or leaves.index(box) < leaves.index(leader.children[-1] if leader.children else leader) \
                or leader.width - delta < 0:
            return False
        if not apply:
            return True
        # The leader gives up (or takes) the room the text takes (or gives up): the boxes holding both keep
        # their width, the text keeps its right edge.
        _regrow_leader(line, leader, delta)
        leader.width -= delta
        box.position_x -= delta
        box.width += delta
        _set_text(box, text)
    else:
        cells = [b for b in chain if isinstance(b, boxes.TableCellBox)]
        tables = [b for b in chain if isinstance(b, boxes.TableBox)]
        if not cells or not tables or chain[at - 1] is not cells[-1] and not _only_blocks(chain, cells[-1], line):
            return False
        table, cell = tables[-1], cells[-1]
        if table.style["table_layout"] != "fixed" or table.style["width"] == "auto" or leaves[-1] is not box:
            return False
        used = sum(c.margin_width() for c in line.children if c.is_in_normal_flow())
        if used + delta > cell.width + 1e-6:
            return False
        shift = {"right": 1.0, "end": 1.0, "center": 0.5, "left": 0.0, "start": 0.0}.get(cell.style["text_align_all"])
        if shift is None:
            return False
        if not apply:
            return True
        for b in inline:
            b.position_x -= delta * shift
            b.width += delta
        _set_text(box, text)
    moved = {id(b) for b in inline} | ({id(leader)} if leader is not None else set())
    page.links[:] = [(kind, target, rectangle_aabb(None, *b.hit_area()) if id(b) in moved else rectangle, b)
                     for kind, target, rectangle, b in page.links]
    return True


def _only_blocks(chain, cell, line) -> bool:
    """Whether only block boxes lie between ``cell`` and ``line`` in ``chain``."""
    from weasyprint.formatting_structure import boxes

    between = chain[chain.index(cell) + 1: chain.index(line)]
    return all(isinstance(b, boxes.BlockBox) for b in between)


def _references(page_box) -> list[tuple]:
    """(element, chain from the page box down to the text box that ends with its number) for every page
    reference written in from ``data-page`` on this laid-out page."""
    found, stack = [], [(page_box, [page_box])]
    while stack:
        b, chain = stack.pop()
        tag = getattr(b, "element_tag", None) or ""
        element = getattr(b, "element", None)
        if tag.endswith("::after") and element is not None and element.get("data-page"):
            leaves = [leaf for leaf in _leaves(b) if isinstance(getattr(leaf, "text", None), str)]
            if leaves:
                found.append((element, [*chain, *_path(b, leaves[-1])[1:]]))
            continue
        stack.extend((c, [*chain, c]) for c in reversed(getattr(b, "children", ())))
    return found


def _target_of(element) -> str | None:
    href = element.get("href") or ""
    return htmllib.unescape(href[1:]) if href.startswith("#") else None


def _same_width(text: str, box) -> bool:
    return abs(_natural_width(text, box.style) - _natural_width(box.text, box.style)) <= 1e-6


def write_page_references(document, pages: dict[str, int]) -> list[str]:
    """Write the real page numbers into this part's laid-out page references (``data-page``: written in
    from a guess). Returns the link targets whose real number sets to another width than the guess where
    that width could change the layout (_absorb_width): the part must then be laid out again with the real
    numbers."""
    refs: dict[int, tuple] = {}
    for page in document.pages:
        for element, chain in _references(page._page_box):
            refs.setdefault(id(element), (element, []))[1].append((page, chain))
    wider = []
    for element, texts in refs.values():
        target = _target_of(element)
        old = element.get("data-page")
        if target not in pages:
            wider.append(target or element.get("href") or "")
            continue
        new = str(pages[target])
        if new == old:
            continue
        page, chain = texts[-1] if texts else (None, None)
        last = chain[-1] if chain else None
        if last is None or not last.text.endswith(old):
            wider.append(target)
            continue
        text = last.text[: len(last.text) - len(old)] + new
        if _same_width(text, last):
            _set_text(last, text)
        elif not _absorb_width(chain, text, page):
            wider.append(target)
    return wider


@contextlib.contextmanager
def references_settled_in_layout(targets: set[str]):
    """While WeasyPrint lays out a document whose page references were written in as numbers (``data-page``:
    the last build's, or guesses), end each of its passes by giving every reference whose number is not its
    target's page in this pass, and whose new number could move something where it is printed (in running
    text, a number of other width), the right number in the box tree and its page for laying out again: what
    ``target-counter`` does, for those references alone. The others are left to write_page_references after
    the layout, in place. Wraps ``weasyprint.layout.make_all_pages`` (pinned to 70.x), inside reflow's hook."""
    import weasyprint.layout as wlayout

    make_all_pages = wlayout.make_all_pages

    def make_pages(context, root_box, html, pages):
        made = list(make_all_pages(context, root_box, html, pages))
        anchors: dict[str, int] = {}
        for index, page in enumerate(made):
            stack = [page]
            while stack:
                b = stack.pop()
                element = getattr(b, "element", None)
                ident = element.get("id") if element is not None else None
                if ident in targets:
                    anchors.setdefault(ident, index + 1)
                stack.extend(getattr(b, "children", ()))
        fixes: dict[int, str] = {}
        remake: set[int] = set()
        for index, page in enumerate(made):
            for element, chain in _references(page):
                target = _target_of(element)
                old, last = element.get("data-page"), chain[-1]
                if target not in anchors or str(anchors[target]) == old or not last.text.endswith(old):
                    continue
                new = str(anchors[target])
                text = last.text[: len(last.text) - len(old)] + new
                if _same_width(text, last) or _absorb_width(chain, text, page, apply=False):
                    continue  # set in place after the layout
                fixes[id(element)] = new
                remake.add(index)
        if fixes:
            stack = [root_box]  # the boxes the pages are made from: the number goes into their text
            while stack:
                b = stack.pop()
                tag = getattr(b, "element_tag", None) or ""
                element = getattr(b, "element", None)
                if tag.endswith("::after") and element is not None and id(element) in fixes:
                    old, new = element.get("data-page"), fixes[id(element)]
                    leaves = [leaf for leaf in _leaves(b) if isinstance(getattr(leaf, "text", None), str)]
                    if leaves and leaves[-1].text.endswith(old):
                        leaves[-1].text = leaves[-1].text[: len(leaves[-1].text) - len(old)] + new
                        element.set("data-page", new)
                    continue
                stack.extend(getattr(b, "children", ()))
            for index in remake:
                context.page_maker[index][-1]["content_changed"] = True
        yield from made

    wlayout.make_all_pages = make_pages
    try:
        yield
    finally:
        wlayout.make_all_pages = make_all_pages


def _path(top, leaf) -> list:
    """The boxes from ``top`` (inclusive) down to ``leaf``."""
    stack = [(top, [top])]
    while stack:
        b, chain = stack.pop()
        if b is leaf:
            return chain
        stack.extend((c, [*chain, c]) for c in getattr(b, "children", ()))
    return [top, leaf]


class MarginBoxes:
    """Makes a part's margin boxes again once the whole document's page numbers and the running strings that
    enter the part are known. WeasyPrint 70 makes margin boxes last, after the pages are laid out, from each
    page's counters and the strings set so far, and nothing else depends on them. This keeps WeasyPrint's
    layout context (wrapping ``weasyprint.layout.make_margin_boxes``, pinned to 70.x) to call it again."""

    def __init__(self):
        self.context = None

    def __enter__(self):
        import weasyprint.layout as wlayout

        self._module, self._original = wlayout, wlayout.make_margin_boxes

        def capture(context, page, state):
            self.context = context
            return self._original(context, page, state)

        wlayout.make_margin_boxes = capture
        return self

    def __exit__(self, *exc):
        self._module.make_margin_boxes = self._original
        return False

    def last_strings(self, entry: dict[str, str]) -> dict[str, str]:
        """Each named string's value at the end of this part (``entry``: the values it had at its start)."""
        out = dict(entry)
        for name, by_page in (self.context.string_set if self.context else {}).items():
            assigned = [page for page, values in by_page.items() if values]
            if assigned:
                out[name] = by_page[max(assigned)][-1]
        return out

    def remake(self, document, offset: int, total: int, entry: dict[str, str]) -> None:
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout.background import layout_backgrounds

        context = self.context
        if context is None:
            return
        original_lookup = type(context).get_string_or_element_for

        def lookup(self_, store, page, name, keyword):
            found = original_lookup(self_, store, page, name, keyword)
            if (not found and store is self_.string_set and name in entry and keyword != "all-once"
                    and not (keyword == "first-except" and self_.current_page in store[name])):
                return (entry[name],)
            return found

        type(context).get_string_or_element_for = lookup
        try:
            for index, page in enumerate(document.pages, 1):
                box = page._page_box
                context.current_page = index
                state = context.page_maker[index][3]
                counters = state[1]
                counters["page"], counters["pages"] = [offset + index], [total]
                kept = [c for c in box.children if not isinstance(c, boxes.MarginBox)]
                box.children = tuple(kept) + tuple(self._original(context, box, state))
                layout_backgrounds(box, context.get_image_from_uri)
        finally:
            type(context).get_string_or_element_for = original_lookup


# --- The processes ---------------------------------------------------------------------------------------


def _footnotes_set(document) -> int:
    from weasyprint.formatting_structure import boxes

    seen = set()
    for page in document.pages:
        for child in page._page_box.children:
            if isinstance(child, boxes.FootnoteAreaBox):
                seen.update(id(note.element) for note in child.children if getattr(note, "element", None) is not None)
    return len(seen)


def _first_chapter_forced(document, chapter: str) -> bool:
    for page in document.pages[:1]:
        stack = list(page._page_box.children)
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            if element is not None and element.get("id") == chapter and getattr(box, "element_tag", None) == "section":
                return box.style["break_before"] in FORCED
            stack.extend(getattr(box, "children", ()))
    return False


@dataclass
class Layout:
    """What a part tells the parent after laying itself out (pages counted from 1 within the part)."""
    pages: int
    anchors: dict[str, int]
    fills: list[float]
    spans: dict[str, tuple[int, int]]
    run_on: set[str]
    footnotes: int
    starts_page: bool


def _pool_fonts_hook(conn):
    """While drawing, hand the glyphs each font uses to the parent before the fonts are embedded and embed
    the pooled set (see the module). Wraps ``weasyprint.pdf.build_fonts_dictionary`` (pinned to 70.x)."""
    import weasyprint.pdf as wpdf

    original = wpdf.build_fonts_dictionary

    def pooled(pdf, fonts, compress, subset, options):
        mine: dict[str, tuple[dict, dict]] = {}
        for font in fonts.values():
            glyphs, widths = mine.setdefault(font.hash, ({}, {}))
            glyphs.update(font.to_unicode)
            widths.update(font.widths)
        conn.send(("fonts", mine))
        reply = conn.recv()
        if reply[0] != "fonts":
            raise _Abandon(reply)
        union = reply[1]
        for font in fonts.values():
            if font.hash in union:
                font.to_unicode, font.widths = dict(union[font.hash][0]), dict(union[font.hash][1])
        return original(pdf, fonts, compress, subset, options)

    @contextlib.contextmanager
    def hook():
        wpdf.build_fonts_dictionary = pooled
        try:
            yield
        finally:
            wpdf.build_fonts_dictionary = original

    return hook()


class _Abandon(Exception):
    """The parent gave up on the parts (another part failed a check)."""


def _part_process(part: Part, unstamped: str, guesses: dict[str, int], conn, base_dir, allowed_roots,
                  pdf_variant, attachments, longest: bool = True) -> None:
    """One part, in its own process: lay out, report, write the real page numbers, draw, pool the fonts,
    send the PDF. Never returns (the process ends without tearing down its heap). ``longest``: the part
    that sets the wall time; the others yield the processor to it (there are more parts than cores)."""
    import gc
    import logging
    import traceback

    gc.disable()  # as render_pdf: layout allocates many short-lived boxes; the process ends without collecting
    if not longest:
        with contextlib.suppress(OSError):
            os.nice(10)

    from borderwar_report.documents import pagerefs, pdf, pdftags, reflow

    try:
        refused: list[str] = []
        fetcher = pdf.make_fetcher([base_dir, *allowed_roots], refused)
        collector = pdf._Collect()
        logging.getLogger("weasyprint").addHandler(collector)
        options = pdf.render_options(fetcher, pdf_variant, attachments)
        chapters = flow.chapter_ids(part.html)
        placeholders = set(part.foreign)

        stamps = _PAGE_REF in css_of(unstamped)

        def lay_out(pages):
            stamped = pagerefs.stamp_page_numbers(unstamped, {**guesses, **pages}) if stamps else unstamped
            if stamped is None:
                raise _Abandon(("stamp",))
            taken: set[str] = set()
            with margins:
                document = pdf.lay_out(stamped, base_dir, fetcher, options, taken, final=part.last)
            boxes = [p._page_box for p in document.pages]
            anchors = {a: n for a, n in pdf.anchors_of(document).items() if a not in placeholders}
            report = Layout(len(document.pages), anchors, flow.page_fills(document), reflow.page_spans(boxes, chapters),
                            taken, _footnotes_set(document),
                            part.first_chapter is None or _first_chapter_forced(document, part.first_chapter))
            return document, report

        debug = _debug_clock(f"part {part.index}")
        margins = MarginBoxes()
        document, report = lay_out({})
        debug("laid out")
        conn.send(("layout", report))
        reply = conn.recv()
        if reply[0] != "numbers":
            raise _Abandon(reply)
        _, offset, total, pages = reply
        wider = write_page_references(document, pages)
        relaid = bool(wider)
        if wider and os.environ.get("BORDERWAR_DEBUG_PARTS"):
            print(f"part {part.index}: laid out again for {len(wider)} reference(s):",
                  sorted((t, guesses.get(t), pages.get(t)) for t in wider)[:12], flush=True)
        if wider:  # guessed numbers of another width: lay out again with the real ones, which must agree
            document, again = lay_out(pages)
            if (again.pages, again.anchors, again.spans) != (report.pages, report.anchors, report.spans):
                raise _Abandon(("unstable",))
            wider = write_page_references(document, pages)
        if wider:
            raise _Abandon(("numbers", wider))
        conn.send(("strings", margins.last_strings({})))
        reply = conn.recv()
        if reply[0] != "strings":
            raise _Abandon(reply)
        debug("numbered")
        margins.remake(document, offset, total, reply[1])
        with _pool_fonts_hook(conn):
            drawn = pdf.draw(document, options)
        debug("drawn")
        drawn = pdftags.finish(drawn, outline=False)
        debug("tagged")
        conn.send(("pdf", drawn, pdf.embedded_fonts(document), collector.messages, refused, relaid,
                   [(list(page.bookmarks), page.height) for page in document.pages]))
    except _Abandon as exc:
        conn.send(("abandoned", repr(exc.args)))
    except BaseException:  # reported; the parent renders in one piece and shows the real error there
        with contextlib.suppress(Exception):
            conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()
        os._exit(0)


def _debug_clock(who: str = "parent"):
    """With BORDERWAR_DEBUG_PARTS set, a function that prints the seconds since it was made beside a label
    (where the time of a part, or of the parent between the meeting points, goes)."""
    import time

    start = time.perf_counter()

    def mark(label: str) -> None:
        if os.environ.get("BORDERWAR_DEBUG_PARTS"):
            print(f"{who}: {label} {time.perf_counter() - start:.2f}", flush=True)

    return mark


def _send(conn, message) -> None:
    with contextlib.suppress(OSError, ValueError):  # the part has ended already
        conn.send(message)


def _receive(conn, kind: str):
    try:
        message = conn.recv()
    except (EOFError, OSError):
        return None
    return message if message and message[0] == kind else None


def render(html: str, base_dir, allowed_roots, *, pdf_variant=None, attachments=(), previous_pages=None,
           processes: int | None = None, log=None, forced: set[str] | None = None) -> dict | None:
    """The briefing's PDF made in parts (see the module), or None when it must be rendered in one piece.

    Returns {"pdf", "warnings", "refused", "anchors" (id → page), "fills", "run_on", "used_fonts", "parts",
    "relaid", "pages", "attempts"}: what render_pdf and reflow give for one render. ``forced``: the chapters
    that open a page, if known (else forecast: chunks.forced_breaks). When a cut falls where the run-on rule
    sets a chapter below the last one's short tail, the parts are cut again elsewhere (MAX_ATTEMPTS)."""
    import multiprocessing
    import threading

    processes = workers() if processes is None else processes
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    ids = {htmllib.unescape(x) for x in _ID.findall(html)}
    targets = link_targets(html)
    if not targets <= ids:
        return None  # a link to nowhere: only target-counter knows what (not) to print
    if forced is None and processes > 1 and chunks_supported(html):
        forced = forced_breaks(html, flow.chapter_ids(html))
    avoid: set[str] = set()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        result = _render_once(html, base_dir, allowed_roots, pdf_variant, attachments, previous_pages or {},
                              processes, log, forced, avoid, targets)
        if isinstance(result, dict):
            result["attempts"] = attempt
            return result
        if not result:
            return None
        avoid |= result  # chapters to run on: cut elsewhere
    return None


def _render_once(html, base_dir, allowed_roots, pdf_variant, attachments, previous_pages, processes, log, forced,
                 avoid, targets):
    """One attempt: the result, None (render in one piece) or the chapters that must not be cut at."""
    import multiprocessing

    from borderwar_report.documents import pdfmerge, reflow

    known_run_on = {c for c in flow.chapter_ids(html) if re.search(
        rf'<section class="[^"]*\brun-on\b[^"]*" id="{re.escape(c)}"', html)}
    parts = plan(html, processes, run_on=known_run_on | avoid, forced=forced)
    if parts is None:
        return None
    guesses = guess_pages(html, previous_pages or {})
    context = multiprocessing.get_context("fork")
    longest = max(parts, key=lambda p: len(p.html))
    procs, conns = [], []

    def say(message: str) -> None:
        if log is not None:
            log(message)

    def give_up(reason: str):
        say(f"briefing: rendering in one piece ({reason})")
        for conn in conns:
            _send(conn, ("abandon",))

    debug = _debug_clock()
    try:
        for part in parts:
            mine, theirs = context.Pipe()
            proc = context.Process(target=_part_process, daemon=True, name=f"borderwar-briefing-part-{part.index}",
                                   args=(part, part.html, guesses, theirs, base_dir, allowed_roots, pdf_variant,
                                         attachments if part.index == 0 else (), part is longest))
            proc.start()
            theirs.close()
            procs.append(proc)
            conns.append(mine)
        debug("forked")
        layouts = [_receive(conn, "layout") for conn in conns]
        debug("laid out")
        problem = None
        if any(m is None for m in layouts):
            problem = "a part failed to lay out"
        else:
            layouts = [m[1] for m in layouts]
            offsets = [0]
            for lay in layouts:
                offsets.append(offsets[-1] + lay.pages)
            total = offsets[-1]
            anchors: dict[str, int] = {}
            for off, lay in zip(offsets, layouts, strict=False):
                for name, number in lay.anchors.items():
                    anchors.setdefault(name, off + number)
            chapters = flow.chapter_ids(html)
            spans = {c: (off + a, off + b) for off, lay in zip(offsets, layouts, strict=False)
                     for c, (a, b) in lay.spans.items()}
            fills = [f for lay in layouts for f in lay.fills]
            run_on = set(known_run_on).union(*(lay.run_on for lay in layouts))
            shared = reflow.sharing(spans, chapters)
            starts = {c: first for c, (first, _last) in spans.items()}
            wanted = flow.decide(chapters, starts, fills, run_on, shared)
            if any(lay.footnotes != part.footnotes for lay, part in zip(layouts, parts, strict=False)):
                problem = "footnote numbers would not continue across the parts"
            elif not all(lay.starts_page for lay in layouts):
                problem = "a part does not start on a new page"
            elif wanted - run_on - shared:
                across = wanted - run_on - shared
                if across <= {p.first_chapter for p in parts}:
                    say(f"briefing: cutting the parts again: {', '.join(sorted(across))} run(s) on at a cut")
                    for conn in conns:
                        _send(conn, ("abandon",))
                    return across
                problem = f"chapter end(s) to run on across parts: {', '.join(sorted(across))}"
            elif not targets <= anchors.keys():
                problem = "a link target is laid out nowhere"
        if problem:
            return give_up(problem)
        page_map = {t: anchors[t] for t in targets}
        for conn, off in zip(conns, offsets, strict=False):
            conn.send(("numbers", off, total, page_map))
        strings = [_receive(conn, "strings") for conn in conns]
        if any(m is None for m in strings):
            return give_up("a part failed to set its page numbers")
        entry: dict[str, str] = {}
        for conn, (_, last) in zip(conns, strings, strict=False):
            conn.send(("strings", entry))
            entry = {**entry, **last}
        fonts = [_receive(conn, "fonts") for conn in conns]
        if any(m is None for m in fonts):
            return give_up("a part failed to draw")
        union: dict[str, tuple[dict, dict]] = {}
        for _, mine in fonts:
            for key, (glyphs, widths) in mine.items():
                pooled = union.setdefault(key, ({}, {}))
                pooled[0].update(glyphs)
                pooled[1].update(widths)
        for conn, (_, mine) in zip(conns, fonts, strict=False):
            conn.send(("fonts", {key: union[key] for key in mine}))
        debug("fonts pooled")
        drawn = [_receive(conn, "pdf") for conn in conns]
        if any(m is None for m in drawn):
            return give_up("a part failed to draw")
        debug("drawn")
        merged = pdfmerge.merge([m[1] for m in drawn], [sorted(set(p.foreign)) for p in parts],
                                [page for m in drawn for page in m[6]])
        debug("merged")
        return {"pdf": merged, "warnings": [w for m in drawn for w in m[3]],
                "refused": [r for m in drawn for r in m[4]], "anchors": anchors, "fills": fills,
                "run_on": run_on | shared, "used_fonts": sorted({f for m in drawn for f in m[2]}),
                "parts": len(parts), "relaid": sum(1 for m in drawn if m[5]), "pages": total}
    finally:
        for conn in conns:
            conn.close()
        for proc in procs:
            proc.join(5)
            if proc.is_alive():
                proc.terminate()
                proc.join()
