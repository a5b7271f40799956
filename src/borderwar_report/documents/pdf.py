"""HTML → PDF with WeasyPrint, fetching nothing but the project's own files.

Data is untrusted text: a summary that smuggles in ``<img src="file:///etc/passwd">`` or a link to a
server must neither read the file nor open a connection, so every URL goes through ``LocalOnlyFetcher``.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from borderwar_report.core.errors import RenderError

log = logging.getLogger("borderwar_report.documents.pdf")


def make_fetcher(allowed_roots, refused: list[str]):
    """A WeasyPrint URL fetcher serving files under ``allowed_roots`` and ``data:`` URIs, refusing the rest."""
    import weasyprint
    from weasyprint.urls import URLFetcherResponse

    roots = [Path(r).resolve() for r in allowed_roots]

    class LocalOnlyFetcher(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":  # inline bytes; no I/O happens
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlparse(url).path)).resolve()
                if path.is_file() and any(path.is_relative_to(r) for r in roots):
                    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    if path.suffix == ".svg":
                        mime = "image/svg+xml"
                    return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})
            refused.append(url)
            log.warning("refused to fetch %s (only the project's own files are used)", url[:200])
            raise ValueError(f"refused to fetch {url[:200]}")

    return LocalOnlyFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


_SCOPES = {"col": "/Column", "colgroup": "/Column", "row": "/Row", "rowgroup": "/Row"}


@contextlib.contextmanager
def tag_hook():
    """While WeasyPrint 70 builds the structure tree, give each element what PDF/UA-1 asks and the HTML
    says: ``lang`` becomes Lang (a native name, 7.2), a footnote becomes Note with a unique ID (7.9), a
    header cell's ``scope`` becomes Scope (7.5). It wraps the private ``weasyprint.pdf.tags._build_box_tree``
    (pinned to WeasyPrint 70.x in pyproject.toml); tests check each property, so a change there fails CI."""
    import pydyf
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import tags

    original = tags._build_box_tree
    note_ids: dict[str, int] = {}
    notes: set[int] = set()  # the boxes in a page's footnote area: one per note

    def build(box, parent, *args):
        if isinstance(box, boxes.FootnoteAreaBox):
            notes.update(id(child) for child in box.children)
        for element in original(box, parent, *args):
            node = getattr(box, "element", None)
            tag = getattr(box, "element_tag", None)
            if node is not None and tag not in ("html", "body") and not isinstance(box, boxes.PageBox):
                kind = element.get("S")
                lang = node.get("lang")
                if lang and kind not in ("/Document",):
                    element["Lang"] = pydyf.String(lang)
                if kind == "/TH":
                    scope = _SCOPES.get((node.get("scope") or "").lower(), "/Column")
                    element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))["Scope"] = scope
                if kind == "/Span" and id(box) in notes:
                    element["S"] = "/Note"
                    base = node.get("id") or "note"
                    note_ids[base] = note_ids.get(base, 0) + 1
                    suffix = "" if note_ids[base] == 1 else f"-{note_ids[base]}"
                    element["ID"] = pydyf.String(f"{base}{suffix}")
            yield element

    tags._build_box_tree = build
    try:
        yield
    finally:
        tags._build_box_tree = original


# What WeasyPrint 70 drops from a subset font when it subsets natively (pdf/fonts.py, _harfbuzz_subset).
_DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT",
                   b"SVG ")


def harfbuzz_subset(content: bytes, index: int, glyph_ids, *, hinting: bool, notdef_outline: bool) -> bytes:
    """The font ``content`` cut to ``glyph_ids`` with HarfBuzz (the uharfbuzz wheel), in the two passes
    WeasyPrint 70 makes with the system's libharfbuzz-subset: keep the glyph ids, then drop the empty
    glyphs after the last one used. Empty bytes when HarfBuzz cannot subset the font."""
    import uharfbuzz as hb

    from borderwar_report.core.fonts import harfbuzz_request

    flags = hb.SubsetFlags
    face, request = harfbuzz_request(content, index, glyph_ids, _DROPPED_TABLES)
    outline = flags.NOTDEF_OUTLINE if notdef_outline else flags.DEFAULT
    request.flags = flags.RETAIN_GIDS | flags.PASSTHROUGH_UNRECOGNIZED | flags.DESUBROUTINIZE | outline
    kept = hb.subset(face, request)
    if kept is None:
        return b""
    request.glyph_set.update(range(max(glyph_ids) + 1))
    request.flags = (flags.PASSTHROUGH_UNRECOGNIZED | flags.DESUBROUTINIZE | outline
                     | (flags.DEFAULT if hinting else flags.NO_HINTING))
    trimmed = hb.subset(kept, request)
    return trimmed.blob.data if trimmed is not None else b""


@contextlib.contextmanager
def subset_hook():
    """Subset embedded fonts with HarfBuzz even where the system lacks libharfbuzz-subset: WeasyPrint 70
    then falls back to fontTools, about 30 times slower on the bundled CJK fonts and a second or more per
    document. Wraps ``weasyprint.pdf.fonts.Font.subset`` (pinned to 70.x); any font HarfBuzz refuses goes
    to WeasyPrint's own path, so the hook can only change speed, not which glyphs a PDF has."""
    from weasyprint.pdf import fonts

    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        uharfbuzz = None
    if fonts.harfbuzz_subset or uharfbuzz is None:  # WeasyPrint subsets natively, or nothing to do it with
        yield
        return
    original = fonts.Font.subset

    def subset(font, to_unicode, hinting):
        if not to_unicode:
            return
        try:
            content = harfbuzz_subset(font.file_content, font.index, to_unicode, hinting=hinting,
                                      notdef_outline=bool(font.missing))
        except Exception:  # a font HarfBuzz cannot read: WeasyPrint's own way, with its warning
            content = b""
        if content:
            font.file_content = content
        else:
            original(font, to_unicode, hinting)

    fonts.Font.subset = subset
    try:
        yield
    finally:
        fonts.Font.subset = original


# SVG text attributes that place, space or align single characters: a node with any of them goes to WeasyPrint.
_PER_LETTER = ("dx", "dy", "rotate", "letter-spacing", "textLength", "display-anchor", "dominant-baseline",
               "alignment-baseline")
_WEIGHTS = {"normal": 400, "bold": 700}


@contextlib.contextmanager
def svg_text_hook():
    """Set an SVG text node that has one position (one x, one y, nothing placing single letters) as one run of
    text, as HTML text is set, instead of WeasyPrint 70's one Pango layout and one drawing per letter. That
    keeps the font's kerning in the charts' labels and draws them faster. Anything else goes to WeasyPrint's
    own function. Wraps ``weasyprint.svg.text.text`` where ``weasyprint.svg`` looks it up (pinned to 70.x);
    tests compare the two ways' text and positions."""
    import importlib

    import weasyprint.svg as wsvg
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.utils import normalize, size
    from weasyprint.text.line_break import split_first_line

    wtext = importlib.import_module("weasyprint.svg.text")  # the package's name "text" is the function
    original = wtext.text

    def style_of(svg, node, font_size):
        style = wtext.Style(INITIAL_VALUES)
        style.font_config = svg.font_config
        style["font_family"] = [name.strip("\"'") for name in node.get("font-family", "sans-serif").split(",")]
        style["font_style"] = node.get("font-style", "normal")
        weight = node.get("font-weight", 400)
        try:
            style["font_weight"] = _WEIGHTS.get(weight) or int(weight)
        except (TypeError, ValueError):
            style["font_weight"] = 400
        style["font_size"] = font_size
        if node.get("direction") in ("ltr", "rtl"):
            style["direction"] = node.get("direction")
        return style

    def text(svg, node, font_size):
        xs = normalize(node.attrib.get("x", "")).split()
        ys = normalize(node.attrib.get("y", "")).split()
        if not node.text or len(xs) > 1 or len(ys) > 1 or any(node.get(name) for name in _PER_LETTER):
            return original(svg, node, font_size)
        style = style_of(svg, node, font_size)
        layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, float("inf"), 0)
        if xs:
            svg.cursor_d_position[0] = 0
        if ys:
            svg.cursor_d_position[1] = 0
        x = size(xs[0], font_size, svg.inner_width) if xs else svg.cursor_position[0]
        y = size(ys[0], font_size, svg.inner_height) if ys else svg.cursor_position[1]
        svg.cursor_position = x + width, y
        left, base = x + svg.cursor_d_position[0], y + svg.cursor_d_position[1]
        node.text_bounding_box = extend_bounding_box(
            node.text_bounding_box, ((left, base - baseline), (left + width, base - baseline + height)))
        svg.stream.push_state()
        fill, stroke = svg.set_graphical_state(node, font_size)
        svg.stream.begin_text()
        layout.reactivate(style)
        svg.fill_stroke(fill, stroke, text=True)
        run = wtext.TextBox(layout, style)
        run.baseline = baseline
        emojis = draw_first_line(svg.stream, run, "none", "none", Matrix(d=-1, e=left, f=base))
        svg.stream.end_text()
        svg.stream.pop_state()
        draw_emojis(svg.stream, style, x, y, emojis)

    replaced = [name for name, function in wsvg.TAGS.items() if function is original]
    wsvg.text = text  # draw_node tells text nodes by this name
    wsvg.TAGS.update(dict.fromkeys(replaced, text))
    try:
        yield
    finally:
        wsvg.text = original
        wsvg.TAGS.update(dict.fromkeys(replaced, original))


@contextlib.contextmanager
def footnote_carry_hook():
    """Give each page WeasyPrint 70 lays out again the footnotes that the page before it carries over, not
    whatever the last page it made left behind. ``make_all_pages`` keeps a page whose start is unchanged and
    goes on to the next page to remake, but the footnotes to carry over (``context.reported_footnotes``) are
    not part of a page's saved start, so a page remade after a kept one printed a note carried over from an
    earlier page a second time. This records, for every page made, the notes it passes on, starts each
    remade page from its predecessor's, and remakes a page whose predecessor now passes on other notes.
    Wraps ``weasyprint.layout.page.remake_page`` (pinned to 70.x); a test compares the notes printed."""
    from weasyprint.layout import page as wpage

    original = wpage.remake_page
    carried: dict[int, list] = {}  # page index -> the footnotes it starts with

    def remake_page(index, context, root_box, html):
        context.reported_footnotes = list(carried.get(index, ()))
        result = original(index, context, root_box, html)
        passed_on = list(context.reported_footnotes)
        following = index + 1
        if (following in carried and carried[following] != passed_on and following < len(context.page_maker)
                and (context.page_maker[following][0] is not None or passed_on)):
            context.page_maker[following][-1]["content_changed"] = True
        carried[following] = passed_on
        return result

    wpage.remake_page = remake_page
    try:
        yield
    finally:
        wpage.remake_page = original


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        message = record.getMessage()
        if "HarfBuzz-Subset" not in message:  # a speed note about the system, not about this document
            self.messages.append(message)


def render_options(fetcher, pdf_variant: str | None = None, attachments=()) -> dict:
    """WeasyPrint's options for the project's PDFs: tagged, with the document's metadata, attachments dated
    by SOURCE_DATE_EPOCH (so two builds give the same bytes)."""
    import datetime as dt

    import weasyprint

    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
    stamp = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    files = [weasyprint.Attachment(string=data, name=name, description=description, created=stamp,
                                   modified=stamp, relationship="Data", url_fetcher=fetcher)
             for name, data, description in attachments]
    return {**weasyprint.DEFAULT_OPTIONS, "pdf_tags": True, "custom_metadata": True,
            "pdf_variant": pdf_variant, "attachments": files or None, "uncompressed_pdf": False}


def lay_out(html: str, base_dir: Path, fetcher, options: dict, run_on: set | None = None, final: bool = True,
            hooks=()):
    """The WeasyPrint document of ``html``, laid out (with the project's layout hooks), not yet drawn.
    ``hooks``: more context managers to lay out inside, entered after the project's own (so a wrapper of
    WeasyPrint's layout functions they install wraps reflow's)."""
    import weasyprint

    from borderwar_report.documents import reflow

    source = weasyprint.HTML(string=html, base_url=str(Path(base_dir).resolve()) + "/", url_fetcher=fetcher)
    run_ons = reflow.inline_run_on(html, run_on, final) if run_on is not None else contextlib.nullcontext()
    with run_ons, footnote_carry_hook(), contextlib.ExitStack() as stack:
        for hook in hooks:
            stack.enter_context(hook)
        return source.render(**options)


def draw(document, options: dict) -> bytes:
    """The PDF of a laid-out document (with the project's drawing hooks)."""
    with tag_hook(), subset_hook(), svg_text_hook():
        return document.write_pdf(**options)


def embedded_fonts(document) -> list[str]:
    """The names of the fonts a drawn document embeds (their /BaseFont without the subset tag)."""
    return sorted({font.name.decode("latin-1").lstrip("/").split("+")[-1] for font in document.fonts.values()})


class LayoutDeclined(Exception):
    """render_pdf's ``settle`` declined the layout: nothing was drawn."""


def render_pdf(html: str, base_dir: Path, allowed_roots, *, pdf_variant: str | None = None,
               attachments=(), label: str = "document", used_fonts: list | None = None,
               anchor_pages: dict | None = None, page_fills: list | None = None,
               run_on: set | None = None, settle=None, layout_hooks=()) -> tuple[bytes, list[str], list[str]]:
    """Render HTML (whose relative URLs resolve against ``base_dir``) to PDF bytes.

    Returns (pdf bytes, WeasyPrint warnings, refused URLs). ``attachments`` are (name, bytes, description).
    ``used_fonts``, if given, receives the name of every font the PDF embeds (as its /BaseFont, without the
    subset tag), taken from the document WeasyPrint drew, so nothing has to parse the PDF again.
    ``anchor_pages``, if given, receives {anchor id: page number} for every anchor (1 = the first page).
    ``page_fills``, if given, receives per page the share of its text area that is filled (flow.page_fills).
    ``run_on``, if given, receives the chapters run on below a short tail inside this layout (reflow.py).
    ``settle``, if given, is called with the laid-out document before it is drawn (to change it in place); if
    it returns False nothing is drawn and LayoutDeclined is raised. ``layout_hooks``: see lay_out's ``hooks``.
    """
    import gc

    refused: list[str] = []
    fetcher = make_fetcher([base_dir, *allowed_roots], refused)
    collector = _Collect()
    wp_logger = logging.getLogger("weasyprint")
    wp_logger.addHandler(collector)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # layout allocates many short-lived boxes; collection pauses cost ~15 %
    try:
        # What HTML.write_pdf does, keeping the Document: its font table is the PDF's (one resource
        # dictionary shared by every page, SVG text included).
        options = render_options(fetcher, pdf_variant, attachments)
        document = lay_out(html, base_dir, fetcher, options, run_on, hooks=layout_hooks)
        if settle is not None and not settle(document):
            raise LayoutDeclined()
        pdf = draw(document, options)
        if used_fonts is not None:
            used_fonts.extend(embedded_fonts(document))
        if anchor_pages is not None:
            anchor_pages.update(anchors_of(document))
        if page_fills is not None:
            from borderwar_report.documents.flow import page_fills as measure

            page_fills.extend(measure(document))
        from borderwar_report.documents.pdftags import finish

        pdf = finish(pdf)  # page furniture as pagination artifacts
    except LayoutDeclined:
        raise
    except Exception as exc:  # WeasyPrint raises many kinds; the user needs to know which output failed
        raise RenderError(f"{label}: PDF rendering failed: {type(exc).__name__}: {exc}") from exc
    finally:
        if gc_was_enabled:
            gc.enable()
        wp_logger.removeHandler(collector)
    return pdf, collector.messages, refused


def anchors_of(document) -> dict[str, int]:
    """{anchor id: page number (1 = first)}; an anchor on several pages is on its first."""
    pages: dict[str, int] = {}
    for number, page in reversed(list(enumerate(document.pages, 1))):
        pages.update(dict.fromkeys(page.anchors, number))
    return pages
