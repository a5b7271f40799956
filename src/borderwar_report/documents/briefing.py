"""The PDF briefing: Dataset → view model (context.py) → Jinja2 HTML (templates/) → WeasyPrint PDF.

Writes ``briefing.pdf``, the bundled fonts into ``fonts/`` (the HTML names them by relative URL, so the
PDF and the browser read the same files) and ``briefing.html``, the web edition (web.py), into the build's
staging folder.
"""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup

from borderwar_report.core.errors import RenderError
from borderwar_report.core.files import write_atomic
from borderwar_report.documents import flow
from borderwar_report.documents.pagerefs import link_targets, stamp_page_numbers

TEMPLATE = "briefing.html.j2"
STYLESHEET = "briefing.css"
ARCHIVAL_VARIANTS = ("pdf/a-3b", "pdf/a-3u", "pdf/a-3a")  # the PDF/A parts that allow attached files
PAGE_MAP = ".briefing-pages.json"  # anchor → page of the last build's briefing (see render_with_page_map)


def with_notes(html: str, calls: str) -> Markup:
    """Put footnote calls at the end of the last paragraph of rendered Markdown (or after it)."""
    html, calls = str(html).rstrip(), str(calls)
    if not calls:
        return Markup(html)
    if html.endswith("</p>"):
        return Markup(html[:-4] + calls + "</p>")
    return Markup(html + f'<p class="notes-only">{calls}</p>')


def svg_aspect(path: Path) -> float:
    """Width / height of an SVG from its viewBox (or width/height attributes); 0 if unknown."""
    try:
        head = path.read_bytes()[:4000].decode("utf-8", "replace")
    except OSError:
        return 0.0
    tag = re.search(r"<svg\b[^>]*>", head, re.S)
    if not tag:
        return 0.0
    box = re.search(r'viewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)', tag.group(0))
    if box and float(box.group(2)):
        return float(box.group(1)) / float(box.group(2))
    w = re.search(r'\bwidth="([\d.]+)', tag.group(0))
    h = re.search(r'\bheight="([\d.]+)', tag.group(0))
    return float(w.group(1)) / float(h.group(1)) if w and h and float(h.group(1)) else 0.0


def charts_for_print(charts: dict, stage: Path) -> dict:
    """The chart index entries whose print SVG exists in the staging folder, each with its aspect ratio."""
    out = {}
    for name, info in sorted((charts or {}).items()):
        src = (((info or {}).get("files") or {}).get("print") or {}).get("svg")
        if src and (stage / src).is_file():
            out[name] = {**info, "aspect": svg_aspect(stage / src)}
    return out


def check_chart_glyphs(charts: dict, fonts_dir: Path) -> None:
    """The chart titles, captions and sources the briefing prints must be covered by the bundled fonts,
    like the data (fonts.check_glyphs): a system fallback font would differ from machine to machine."""
    import unicodedata

    from borderwar_report.core import fonts
    from borderwar_report.core.errors import GlyphMissingError

    covered = fonts.covered_codepoints(fonts_dir)
    problems = []
    for name, info in sorted(charts.items()):
        for key in ("title", "caption", "source"):
            for ch in sorted(set(str(info.get(key) or ""))):
                if ord(ch) not in covered and unicodedata.category(ch) not in ("Cc", "Cf", "Zs", "Zl", "Zp"):
                    problems.append(f"character {ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}) in "
                                    f"chart {name}, {key}, is in no bundled font")
    if problems:
        raise GlyphMissingError("; ".join(problems))


def _font_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def foreign_font_names(names, fonts_dir: Path) -> list[str]:
    """Of the fonts a PDF embeds (``render_pdf(used_fonts=…)``), those that are not bundled: the text they set
    came from a system fallback (some SVG text does that even when a bundled font has the glyph), so it may
    print differently elsewhere. The build's check: it costs nothing, where parsing the PDF again
    (foreign_fonts) took 0.9 s on the shipped briefing and 6.5 s at 10,000 events."""
    from borderwar_report.core import fonts

    bundled = {_font_key(f["family"]) for f in fonts.font_table(fonts_dir)}
    return sorted({n for n in names if n and not any(_font_key(n).startswith(b) for b in bundled)})


def foreign_fonts(pdf: bytes, fonts_dir: Path) -> list[str]:
    """The same check read from the PDF's bytes (with pypdf): the tests hold the build's cheap check to it."""
    import io

    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    # WeasyPrint writes one resource dictionary shared by every page; reading the first page's avoids
    # resolving every page object (seconds on a long document). The tests check every page.
    first = reader.trailer["/Root"]["/Pages"]["/Kids"][0].get_object()
    while first.get("/Type") == "/Pages":
        first = first["/Kids"][0].get_object()
    names = [str(font.get_object().get("/BaseFont", "")).split("+")[-1]
             for font in ((first.get("/Resources") or {}).get("/Font") or {}).values()]
    return foreign_font_names(names, fonts_dir)


def render_html(view, templates_dir: Path, fonts_dir: Path) -> str:
    """The briefing's HTML from its view model and the (possibly user-edited) templates."""
    from borderwar_report.core import fonts
    from borderwar_report.documents.context import count_text
    from borderwar_report.documents.render import render_template
    from borderwar_report.documents.typography import smarten_html

    templates_dir = Path(templates_dir)
    css_path = templates_dir / STYLESHEET
    try:
        css = css_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RenderError(f"{css_path}: cannot read the briefing stylesheet ({exc})") from None
    font_css = fonts.font_face_css(fonts_dir, href_prefix="fonts/")  # beside the HTML: see web.copy_fonts
    html = render_template(templates_dir, TEMPLATE, b=view, css=Markup(css), font_css=Markup(font_css),
                           with_notes=with_notes, count=count_text)
    return smarten_html(html)  # curly quotes in every string from the data, code and URLs left alone


def attachments_for(dataset, variant: str | None) -> list[tuple[str, bytes, str]]:
    """The data set travels inside archival PDFs: the full model and the TimelineJS file."""
    if not variant or variant.lower() not in ARCHIVAL_VARIANTS:
        return []
    from borderwar_report.records.export import to_json, to_timelinejs

    return [("data.json", to_json(dataset).encode("utf-8"), "The briefing's data set (borderwar-report/1 JSON)"),
            ("timeline.json", to_timelinejs(dataset).encode("utf-8"), "The events as TimelineJS3 JSON")]


def _read_page_map(path: Path) -> dict[str, int]:
    import json

    try:
        pages = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(pages, dict) or not all(isinstance(k, str) and type(v) is int for k, v in pages.items()):
        return {}
    return pages


def render_with_page_map(html: str, previous: dict[str, int], render) -> tuple[tuple, dict[str, int], str]:
    """Render the briefing with its page references written in as numbers, not computed by ``target-counter``:
    WeasyPrint lays out again every page whose forward reference changes (86 page layouts for 44 pages), and a
    number known beforehand needs no second pass. The numbers come from the last build's page map, and for a
    target it lacks (a cold build: every target) from a guess by the target's place in the HTML
    (chunks.guess_pages). A wrong number that could move something where it is printed (in running text, a
    number of another width) is put right inside the layout, and only its page laid out again, as
    target-counter would (chunkrender.references_settled_in_layout); once laid out, before drawing, every other
    reference is given its target's page in place (chunkrender.write_page_references: after a contents leader,
    in an aligned cell of a fixed-layout table). Should one still be wrong, the briefing is laid out again with
    this layout's numbers (once, and they must hold), else the ordinary way. So the numbers are always the
    layout's own.

    ``render(html, anchor_pages, settle, references)`` renders (render_pdf), fills ``anchor_pages``, calls
    ``settle(document)`` between layout and drawing and puts ``references`` right inside the layout where
    they could not be in place (pdf.lay_out). Returns (render's result, the page map for the next build, how it
    went: "map", "map, set in place", "guesses, set in place", the same with "corrected" for a second layout,
    or "target-counter")."""
    from borderwar_report.documents.chunkrender import write_page_references
    from borderwar_report.documents.chunks import guess_pages
    from borderwar_report.documents.pdf import LayoutDeclined, anchors_of

    targets = link_targets(html)
    pages = guess_pages(html, previous)
    origin = "map" if targets <= previous.keys() else "guesses"
    for attempt in ("", "corrected"):
        stamped = stamp_page_numbers(html, pages)
        if stamped is None:
            break
        laid_out: dict[str, int] = {}

        def settle(document, laid_out=laid_out, pages=pages):
            laid_out.update(anchors_of(document))
            if not targets <= laid_out.keys():
                return False  # a link to nowhere: only target-counter knows what to print
            return all(laid_out[t] == pages[t] for t in targets) or not write_page_references(document, laid_out)

        found: dict[str, int] = {}
        try:
            result = render(stamped, found, settle, targets)
        except LayoutDeclined:
            if not targets <= laid_out.keys():
                break
            pages = {t: laid_out[t] for t in targets}
            continue
        same = all(found.get(t) == pages[t] for t in targets)
        how = ", ".join([origin, *([] if same else ["set in place"]), *([attempt] if attempt else [])])
        return result, {t: found[t] for t in sorted(targets)}, how
    found = {}
    result = render(html, found, None, None)
    return result, {t: found[t] for t in sorted(targets) if t in found}, "target-counter"


def part_processes(ctx) -> int:
    """The processes the briefing may be laid out in (< 2: in one piece). On two cores a full build already
    runs the slides, poster and handout beside the briefing: parts there would only compete with them and hold
    more memory (at 10,000 events 47 s and 1.98 GB summed, against 36 s and 1.05 GB)."""
    from borderwar_report.documents.chunks import workers

    return workers() - getattr(ctx, "side_processes", 0)


def render_in_parts(html: str, saved, page_map: dict, ctx, allowed_roots, variant, files,
                    early=None) -> dict | None:
    """The briefing rendered in parallel parts (chunkrender.py) when the machine has cores that no other step
    uses and the document allows it, else None (then it is rendered in one piece). ``early``: the
    early_render process to run it in, if one was started."""
    from borderwar_report.documents import chunkrender

    processes = part_processes(ctx)
    if processes < 2:
        return None

    flowed = flow.apply(html, saved or ())  # the head marks every chapter carries, as flow.lay_out renders it
    render = chunkrender.render if early is None else early.render
    try:
        parts = render(flowed, ctx.stage, allowed_roots, pdf_variant=variant, attachments=files,
                       previous_pages=page_map, log=ctx.log.detail, processes=processes)
    except Exception as exc:  # the parts can only make it faster: one piece gives the real error, if any
        ctx.log.detail(f"briefing: rendering in one piece (parts failed: {type(exc).__name__}: {exc})")
        return None
    if parts is not None:
        parts["targets"] = link_targets(html)
    return parts


def build_briefing(ctx) -> None:
    from borderwar_report.documents import early_render

    early = early_render.start(part_processes(ctx))  # imports WeasyPrint while the HTML is made
    try:
        _build_briefing(ctx, early)
    finally:
        if early is not None:
            early.close()


def _build_briefing(ctx, early) -> None:
    from borderwar_report.core import fonts
    from borderwar_report.documents.chunkrender import references_settled_in_layout
    from borderwar_report.documents.context import build_context
    from borderwar_report.documents.pdf import render_pdf
    from borderwar_report.documents.web import copy_fonts, web_edition

    dataset = ctx.dataset
    templates_dir = Path(ctx.project.templates_dir)
    fonts_dir = Path(ctx.project.fonts_dir)
    fonts.check_glyphs(dataset, fonts_dir)

    charts = charts_for_print(ctx.charts, ctx.stage)
    view = build_context(dataset, charts, paper=ctx.options.paper)
    if view.typed_title_years:
        ctx.log.info(f"briefing: warning: document.yaml's title says {view.typed_title_years}, the records run "
                     f"{view.stats['first_year']}–{view.stats['last_year']}; the briefing prints \"{view.title}\"")
    html = render_html(view, templates_dir, fonts_dir)  # template errors first: they are the user's to fix
    check_chart_glyphs(charts, fonts_dir)
    copy_fonts(fonts_dir, ctx.stage)
    write_atomic(ctx.stage / "briefing.html", web_edition(html, ctx.stage, templates_dir).encode("utf-8"))

    variant = ctx.options.pdf_variant
    files = attachments_for(dataset, variant)
    used_fonts: list[str] = []

    fills: list[float] = []
    anchors: dict[str, int] = {}
    run_on: set[str] = set()

    def render(page_html, anchor_pages, settle=None, references=None):
        used_fonts.clear()
        fills.clear()
        run_on.clear()
        nonlocal anchors
        anchors = anchor_pages
        return render_pdf(page_html, ctx.stage, [templates_dir], pdf_variant=variant, attachments=files,
                          label="briefing", used_fonts=used_fonts, anchor_pages=anchor_pages,
                          page_fills=fills, run_on=run_on, settle=settle,
                          layout_hooks=() if references is None else (references_settled_in_layout(references),))

    out_dir = Path(ctx.project.out_dir)
    page_map = _read_page_map(out_dir / PAGE_MAP)
    hows = []
    inline: set[str] = set()

    def render_flowed(flowed_html):
        nonlocal page_map
        result, page_map, how = render_with_page_map(flowed_html, page_map, render)
        hows.append(how)
        inline.update(run_on)
        return result, dict(anchors), list(fills), set(run_on)

    from borderwar_report.documents import reuse

    key = reuse.typeset_key(ctx, html, *(name.encode() + data for name, data, _ in files))
    pdf = kept = reuse.kept(ctx, "briefing.pdf", key)
    if kept is not None:
        ctx.log.detail("briefing: page source unchanged, kept from the last build")
        reuse.carry_over(ctx, PAGE_MAP, flow.FLOW_FILE)
    else:
        saved = flow.read_decisions(out_dir / flow.FLOW_FILE, html)
        parts = render_in_parts(html, saved, page_map, ctx, [templates_dir], variant, files, early)
        if parts is not None:
            pdf, warnings, refused = parts["pdf"], parts["warnings"], parts["refused"]
            run_on = set(saved or ()) | parts["run_on"]
            used_fonts[:] = parts["used_fonts"]
            page_map = {t: parts["anchors"][t] for t in sorted(parts["targets"])}
            ctx.log.detail(f"briefing: {parts['pages']} pages laid out in {parts['parts']} parts at once "
                           f"({parts['relaid']} laid out again for a page number of another width); "
                           f"chapter ends: {len(run_on)} run on")
        else:
            (pdf, warnings, refused), run_on, passes = flow.lay_out(html, saved, render_flowed)
            ctx.log.detail(f"briefing: chapter ends: {len(run_on)} run on ({len(inline)} inside the layout); "
                           f"{passes} layout(s), "
                           f"page references from {', then '.join(hows)}")
            ctx.log.detail(f"briefing: page references from {hows[-1]}")
        import json

        write_atomic(ctx.stage / PAGE_MAP, (json.dumps(page_map, indent=0, sort_keys=True) + "\n").encode("utf-8"))
        write_atomic(ctx.stage / flow.FLOW_FILE, flow.decisions_json(html, run_on))
        for message in dict.fromkeys(warnings):  # WeasyPrint repeats itself once per font
            ctx.log.info(f"briefing: WeasyPrint: {message}")
        if refused:
            ctx.log.info(f"briefing: refused {len(refused)} URL(s) outside the project, e.g. {refused[0][:120]}")
        for name in foreign_font_names(used_fonts, fonts_dir):
            ctx.log.info(f"briefing: warning: some text is set in the system font {name}, not a bundled one "
                         "(check the chart SVGs' text for characters the bundled fonts lack)")
    reuse.record(ctx, "briefing.pdf", key, pdf)
    write_atomic(ctx.stage / "briefing.pdf", pdf)
    ctx.log.info(f"briefing: {view.stats['events']} events, {view.profile_count} profiles, "
                 f"{view.footnote_count} notes, {len(pdf) // 1024} KB{' (unchanged)' if kept else ''}")
