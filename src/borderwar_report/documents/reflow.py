"""Chapter ends decided inside one WeasyPrint layout: flow.py's run-on rule without laying the document out again.

flow.py decides from laid-out pages, and laying the whole briefing out a second time to apply a decision
cost about a third of a cold briefing. WeasyPrint 70 already lays out again only what changes when a
``target-counter`` number moves: ``layout_document`` loops over ``make_all_pages``, which keeps every page
whose starting state is unchanged and remakes a page marked ``content_changed`` and those after it. This
hook uses that loop. As soon as a page is made that a chapter opens below the short tail of the one before,
it gives that chapter the style its ``run-on`` class gives it (WeasyPrint's own cascade over the document's
stylesheets, for that element), and its heading the joined running head flow.py would write, marks the tail's
page for remaking and starts the pass again: the pages above the tail are kept, and WeasyPrint lays out the
tail page and what follows, and settles the page references as usual (deciding at the end of a pass laid
every page below the first decision out again for each later one: 98 page layouts for a cold 48-page
briefing, 85 now). When the first pass ends, and whenever a layout has settled (nothing left to remake), the
pages are measured as a whole as well (``flow.decide``: the last chapter's own tail).

It acts only where that is the same document as the HTML with the class laid out afresh: the class may
change only the chapter box's own break, margin and padding properties (no inherited property, no display, no
pseudo-element, no selector where ``.run-on`` is not on the subject). Otherwise nothing is done inline and
``flow.lay_out`` lays out again. It wraps
private WeasyPrint 70 functions (``layout.make_all_pages``, ``document.layout_document``; pinned to 70.x in
pyproject.toml); tests render both ways and compare the PDFs byte for byte.
"""

from __future__ import annotations

import contextlib
import re

from borderwar_report.documents import flow

RUN_ON = "run-on"
# What the run-on class may change on the chapter's own box for the change to be made in place.
_MAY_CHANGE = {"break_before", "break_after", "break_inside",
               *(f"{p}_{side}" for p in ("margin", "padding") for side in ("top", "right", "bottom", "left"))}
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.S | re.I)
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_PRELUDE = re.compile(r"([^{}]*)\{")
# After the last ``.run-on`` of a selector only more of the same compound: classes, ids, attributes, pseudo-classes.
_SUBJECT_TAIL = re.compile(r"(?:[.#][-\w]+|\[[^\]]*\]|:[-\w]+(?:\([^()]*\))?)*\s*")


def subject_only(html: str) -> bool:
    """Whether every selector in the HTML's stylesheets that names ``.run-on`` has it on its subject (so the
    class can change the chapter's own style and nothing else's)."""
    css = _COMMENT.sub("", "".join(m.group(1) for m in _STYLE.finditer(html)))
    for prelude in _PRELUDE.findall(css):
        for selector in prelude.split(","):
            if RUN_ON not in selector:
                continue
            tail = selector.rsplit("." + RUN_ON, 1)
            if len(tail) != 2 or re.match(r"[-\w]", tail[1]) or not _SUBJECT_TAIL.fullmatch(tail[1]):
                return False
    return True


def page_spans(page_boxes, chapters) -> dict[str, tuple[int, int]]:
    """Chapter id → numbers (1 = first) of the first and the last page whose boxes include the chapter's
    section."""
    wanted, spans = set(chapters), {}
    for number, page in enumerate(page_boxes, 1):
        stack = [(child, 0) for child in page.children]
        while stack:
            box, depth = stack.pop()
            element = getattr(box, "element", None)
            ident = element.get("id") if element is not None and getattr(box, "element_tag", None) == element.tag \
                else None
            if ident in wanted:
                spans[ident] = (spans.get(ident, (number,))[0], number)
                continue
            if depth < 4:
                stack.extend((child, depth + 1) for child in getattr(box, "children", ()))
    return spans


def page_starts(page_boxes, chapters) -> dict[str, int]:
    """Chapter id → number (1 = first) of the first page whose boxes include the chapter's section."""
    return {ident: first for ident, (first, _last) in page_spans(page_boxes, chapters).items()}


def sharing(spans: dict[str, tuple[int, int]], chapters) -> set[str]:
    """The chapters that start on the page where the chapter before them ends (the stylesheet runs them on,
    as it does the phases of a narrative): their first page holds both."""
    placed = [c for c in chapters if c in spans]
    return {c for before, c in zip(placed, placed[1:], strict=False) if spans[before][1] == spans[c][0]}


class _Restyler:
    """Gives one element the computed style it would have with one more class, through WeasyPrint's cascade."""

    def __init__(self, html, context, root_box):
        self.html, self.context, self.root_box = html, context, root_box
        self.wrappers = None

    def _wrapper(self, element):
        if self.wrappers is None:
            self.wrappers = {w.etree_element: w for w in self.html.wrapper_element.iter_subtree()
                             if w.etree_element.get("id")}
        return self.wrappers.get(element)

    def _matches(self, wrapper):
        return [(sheet, selector) for sheet, origin, sheet_specificity in self.context.style_for._sheets
                for selector in sheet.matcher.match(wrapper)]

    def _box(self, element):
        found, stack = [], [(self.root_box, 0)]
        while stack:
            box, depth = stack.pop()
            if getattr(box, "element", None) is element:
                found.append(box)
            elif depth < 4:
                stack.extend((child, depth + 1) for child in getattr(box, "children", ()))
        return found[0] if len(found) == 1 and found[0].element_tag == element.tag else None

    def add_class(self, element, name: str) -> set[str] | None:
        """Restyle ``element``'s box as if it had class ``name``: the properties that changed (empty where a
        more specific rule already sets them), or None (and nothing changed) if that would change more than
        the box's own break, margin and padding."""
        from math import inf

        from weasyprint.css import declaration_precedence, find_style_attributes, preprocess_declarations
        from weasyprint.css.properties import INITIAL_VALUES

        style_for, html = self.context.style_for, self.html
        wrapper, box = self._wrapper(element), self._box(element)
        if wrapper is None or box is None or wrapper.parent is None:
            return False
        before = self._matches(wrapper)
        old_class = element.get("class", "")
        old_style = style_for._computed_styles.get((element, None))

        def undo():
            element.set("class", old_class)
            wrapper.__dict__.pop("classes", None)  # cssselect2 caches an element's classes
            style_for._computed_styles[(element, None)] = old_style
            return None

        element.set("class", f"{old_class} {name}".strip())
        wrapper.__dict__.pop("classes", None)
        after = self._matches(wrapper)
        new_pseudo = {(id(s), sel[1]) for s, sel in after if sel[2]} != {(id(s), sel[1]) for s, sel in before if sel[2]}
        if new_pseudo or old_style is None:
            return undo()
        # The cascade of StyleFor.__init__ for this one element: style attribute, lang and id first, then sheets.
        cascaded: dict = {}
        shallow = element.makeelement(element.tag, dict(element.attrib))
        for specificity, _, declarations, base_url in find_style_attributes(shallow, False, html.base_url):
            for prop, values, importance in preprocess_declarations(base_url, declarations):
                weight = (declaration_precedence("author", importance), inf, specificity)
                if cascaded.get(prop, (None, None))[1] is None or cascaded[prop][1] <= weight:
                    cascaded[prop] = values, weight
        origins = {id(sheet): (origin, sheet_specificity) for sheet, origin, sheet_specificity in style_for._sheets}
        for sheet, (specificity, _order, pseudo_type, (declarations, layer)) in after:
            if pseudo_type:
                continue
            origin, sheet_specificity = origins[id(sheet)]
            layer_order = inf if layer is None else sheet.layers.index(layer)
            specificity = sheet_specificity or specificity
            for prop, values, importance in declarations:
                weight = (declaration_precedence(origin, importance), layer_order, specificity)
                if cascaded.get(prop, (None, None))[1] is None or cascaded[prop][1] <= weight:
                    cascaded[prop] = values, weight
        cascades = style_for._cascaded_styles
        cascades[(element, None)] = cascaded
        try:
            style_for.set_computed_styles(element, parent=wrapper.parent.etree_element, root=html.etree_element,
                                          base_url=html.base_url, target_collector=None)
        finally:
            cascades.pop((element, None), None)
        new_style = style_for(element)
        changed = {prop for prop in INITIAL_VALUES if new_style[prop] != box.style[prop]}
        if changed - _MAY_CHANGE:
            return undo()
        box.style = new_style
        return changed


def _heading_strings(section_box, own: str, joined: str):
    """A function that gives the chapter heading under ``section_box`` the joined running head ``joined``
    where it sets a string to its own text ``own`` (what ``h1[data-head]`` does in the HTML flow.py
    writes), or None when there is no such heading. The strings are collected once the pages are settled,
    from a list every laid-out copy of the box shares, so setting it in place reaches the pages already made."""
    stack = [(section_box, 0)]
    while stack:
        box, depth = stack.pop(0)
        if getattr(box, "element_tag", None) == "h1":
            strings = box.string_set if isinstance(box.string_set, list) else []
            hits = [i for i, (_, text) in enumerate(strings) if " ".join(text.split()) == own]
            if not hits:
                return None

            def join(strings=strings, hits=hits):
                for i in hits:
                    strings[i] = (strings[i][0], joined)
            return join
        if depth < 3:
            stack.extend((child, depth + 1) for child in getattr(box, "children", ()))
    return None


def ignore_page_total(context, total: int) -> None:
    """Keep WeasyPrint 70 from laying out again every page with a ``target-counter`` when only the page total
    changed: it compares a lookup's page counters as a whole, ``pages`` included, though the lookup's content
    uses only ``page``. A lookup whose content does not use ``pages`` gets the new total in its cached
    counters, as if it had been seen with it."""
    if not total:
        return
    pages = [total]
    for item in context.target_collector.counter_lookup_items.values():
        cached = item.cached_page_counter_values
        if ("pages" in cached and cached["pages"] != pages and "pages" not in item.missing_counters
                and not any("pages" in c for c in item.missing_target_counters.values())):
            cached["pages"] = pages


def target_pages(context) -> dict[str, int | None]:
    """Anchor → index of the page where WeasyPrint last placed it (for ``target-counter``)."""
    return {name: item.page_maker_index for name, item in context.target_collector.target_lookup_items.items()}


def resolve_references(context, pages, moved: set[str], known: dict) -> None:
    """Fill in again, from their targets' current pages, the ``target-counter`` contents on ``pages`` whose
    target is in ``moved``, and mark their pages for remaking.

    WeasyPrint 70 spreads a target's new page by anchor name, but files a lookup made through ``attr(href)``
    under no name, so it refills one only when the lookup's own page counters change: forward references
    came out right only because the page total changed after the first pass, and a target moved by a
    run-on would keep its old number. This refills each such lookup once (WeasyPrint's ``parse_again``, with
    the counters of the lookup's page) before its page is laid out again, so one remake prints the number."""
    import copy

    by_id = {id(item): (box, item) for (box, token), item in context.target_collector.counter_lookup_items.items()
             if token == "content" and item.missing_target_counters}
    for index in range(min(len(pages), len(context.page_maker) - 1)):
        for lookup in context.page_maker[index][-1]["content_lookups"]:  # the first page holding each lookup
            if lookup not in by_id:
                continue
            box, item = by_id[lookup]
            element = getattr(box, "element", None)
            href = (element.get("href") or "") if element is not None else ""
            if href.startswith("#") and href[1:] in known and href[1:] not in moved:
                continue
            values = context.page_maker[index + 1][3][1]  # the page's counters, as make_page left them
            item.cached_page_counter_values = copy.deepcopy(values)
            item.parse_again(values)
            context.page_maker[index][-1]["content_changed"] = True


@contextlib.contextmanager
def inline_run_on(html: str, taken: set[str], final: bool = True):
    """While WeasyPrint renders ``html`` inside this block, chapters that flow.py's rule says should run on are
    run on in the same layout (see the module); their ids are added to ``taken``. Does nothing when the
    stylesheets use ``.run-on`` other than on a chapter's own box."""
    chapters = flow.chapter_ids(html)
    heads = flow.running_heads(html)
    if not chapters or not subject_only(html):
        yield
        return
    import weasyprint.document as wdoc
    import weasyprint.layout as wlayout

    make_all_pages, layout_document = wlayout.make_all_pages, wdoc.layout_document
    state = {"rounds": 0, "off": False, "restyler": None, "elements": None}

    def settled(context, previous: int, made: int) -> bool:
        for *_, remake in context.page_maker:
            if remake["content_changed"] or (remake["pages_wanted"] and previous != made):
                return False
        return True

    def elements(html):
        if state["elements"] is None:
            wanted = set(chapters)
            state["elements"] = {e.get("id"): e for e in html.etree_element.iter() if e.get("id") in wanted}
        return state["elements"]

    def run_on(chapter, context, root_box, html, tail: int) -> bool | None:
        """Give ``chapter`` the run-on class in place and mark its predecessor's tail page (index) for
        remaking: True, or False where the class changes nothing the layout uses (no page to remake); None
        (state off: flow.lay_out lays out again) where that cannot be done in place."""
        by_id = elements(html)
        restyler = state["restyler"] = state["restyler"] or _Restyler(html, context, root_box)
        join = (lambda: None) if chapter not in heads else None  # no heading: no head to join
        if chapter in by_id and chapter in heads:
            section = restyler._box(by_id[chapter])
            join = section and _heading_strings(section, *heads[chapter])
        changed = None if join is None else restyler.add_class(by_id[chapter], RUN_ON)
        if changed is None:
            state["off"] = True
            return None
        join()
        taken.add(chapter)
        if not changed:  # the box lays out as before (a phase already flows); the joined head reaches its
            return False  # page without a remake
        context.page_maker[tail][-1]["content_changed"] = True
        return True

    def deciding(context, root_box, html, pages):
        """make_all_pages, deciding each chapter end as soon as the page after it is made: a chapter that
        opens that page below a short tail gets its run-on class there and then, and the pass starts again
        (WeasyPrint keeps the pages above the tail, as between two passes)."""
        by_id = elements(html)
        source = list(pages)
        waiting = list(context.footnotes)  # as layout_document does before each pass
        deferred: dict[int, tuple[bool, bool]] = {}
        while True:
            context.footnotes = list(waiting)
            made: list = []
            first: dict[str, int] = {}  # chapter -> index of its first page in this pass
            restart = False
            generator = make_all_pages(context, root_box, html, source)
            for page in generator:
                index = len(made)
                made.append(page)
                here = page_spans([page], chapters)
                for chapter in chapters:
                    if chapter in here and chapter not in first:
                        first[chapter] = index
                if state["off"] or index < 2:
                    continue
                placed = sorted(first, key=first.get)
                for before, chapter in zip(placed, placed[1:], strict=False):
                    if first[chapter] != index or before in here:
                        continue  # not opening this page, or sharing it with the chapter before
                    if chapter not in by_id or RUN_ON in (by_id[chapter].get("class") or "").split():
                        continue  # runs on already
                    tail = index - 1
                    if tail <= first[before] or flow.box_fills([made[tail]])[0] >= flow.SHORT_TAIL:
                        continue
                    if run_on(chapter, context, root_box, html, tail):
                        restart = True
                    break
                if restart:
                    break
            if not restart:
                for index, (changed, wanted) in deferred.items():
                    remake = context.page_maker[index][-1]
                    remake["content_changed"] |= changed
                    remake["pages_wanted"] |= wanted
                return made
            generator.close()
            source = made + source[len(made):]
            # Pages above the tail waiting to be remade for a page reference are remade once, in the next
            # pass, not on every restart (the references move again with each run-on further down).
            for index in range(tail):
                remake = context.page_maker[index][-1]
                if remake["content_changed"] or remake["pages_wanted"]:
                    was = deferred.get(index, (False, False))
                    deferred[index] = (was[0] or remake["content_changed"], was[1] or remake["pages_wanted"])
                    remake["content_changed"] = remake["pages_wanted"] = False

    def make_pages(context, root_box, html, pages):
        previous = len(pages)
        ignore_page_total(context, previous)
        before = target_pages(context)
        made = deciding(context, root_box, html, pages)
        now = target_pages(context)
        moved = {name for name, index in now.items() if before.get(name) != index}
        if moved and context.target_collector.counter_lookup_items:
            resolve_references(context, made, moved, now)
        # Decided on the first pass too, before its page references settle: the run-on's remakes then fall in
        # the same pass as the references' (the numbers do not move a chapter end).
        if not state["off"] and (previous == 0 or settled(context, previous, len(made))):
            by_id = elements(html)
            now = {c for c, e in by_id.items() if RUN_ON in (e.get("class") or "").split()}
            spans = page_spans(made, chapters)
            starts = {ident: first for ident, (first, _last) in spans.items()}
            wanted = flow.decide(chapters, starts, flow.box_fills(made), now, sharing(spans, chapters), final)
            new = [c for c in chapters if c in wanted - now]
            if new and state["rounds"] >= flow.MAX_PASSES:
                state["off"] = True
            elif new:
                state["rounds"] += 1
                for chapter in new:  # the tail's page: the one before the chapter's first
                    if run_on(chapter, context, root_box, html, starts[chapter] - 2) is None:
                        break
        yield from made

    def lay_out_document(html, root_box, context, max_loops=8):
        return layout_document(html, root_box, context, max_loops=max_loops + flow.MAX_PASSES)

    wlayout.make_all_pages, wdoc.layout_document = make_pages, lay_out_document
    try:
        yield
    finally:
        wlayout.make_all_pages, wdoc.layout_document = make_all_pages, layout_document
