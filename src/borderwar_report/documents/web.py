"""The web edition: what ``out/`` needs to be published as it is on any static web server.

- ``fonts/``: the bundled fonts beside the pages (the briefing's @font-face rules point at them by relative
  URL, for WeasyPrint and for the browser alike), with their licence.
- ``briefing.html``: the briefing's HTML for browsers. The PDF is rendered from the print HTML; this copy
  differs only where a browser needs it to: each chart's SVG is inlined (an SVG loaded by ``<img>`` cannot
  use the page's fonts, so native names would fall back to whatever the reader's system has) and the
  footnotes, which float to the foot of the page in print, become numbered note calls with the notes listed
  after each chapter.
- ``timeline.html``: the events in TimelineJS3, vendored under ``vendor/timelinejs3/`` (no CDN, no fonts
  from the web, no analytics), with the TimelineJS3 JSON export inlined so the page works from a file too.
"""

from __future__ import annotations

import html as html_lib
import re
import shutil
from pathlib import Path

from markupsafe import Markup

from borderwar_report.core.errors import RenderError
from borderwar_report.core.files import write_atomic

FONTS_FOLDER = "fonts"
VENDOR = "vendor/timelinejs3"
VENDOR_FILES = ("LICENSE", "README.md", "js/timeline.js", "js/timeline.js.LICENSE.txt", "css/timeline.css",
                "css/icons/tl-icons.eot", "css/icons/tl-icons.svg", "css/icons/tl-icons.ttf",
                "css/icons/tl-icons.woff", "css/icons/tl-icons.woff2")
WEB_STYLESHEET = "briefing-web.css"
TIMELINE_TEMPLATE = "timeline.html.j2"


def copy_fonts(fonts_dir: Path, stage: Path) -> None:
    """The bundled font files, their licence and provenance into STAGE/fonts/ (hard links when possible)."""
    from borderwar_report.core import fonts

    target = stage / FONTS_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    names = [f["file"] for f in fonts.font_table(fonts_dir)]
    names += [n for n in ("OFL.txt", "README.md") if (Path(fonts_dir) / n).is_file()]
    for name in names:
        _copy(Path(fonts_dir) / name, target / name)


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(source, target)
    except OSError as exc:
        raise RenderError(f"cannot copy {source} into the output ({exc.strerror})") from None


# --- the briefing for browsers --------------------------------------------------------------------

_IMG = re.compile(r'<img src="(charts/[^"]+\.svg)" alt="([^"]*)">')
_FOOTNOTE = re.compile(r'<span class="footnote" id="fn-(\d+)"><a class="bib" href="([^"]*)">(.*?)</a></span>', re.S)
_CHAPTER = re.compile(r'<section class="[^"]*\bchapter\b')
_TAG = re.compile(r"<[^>]+>")


def inline_svg(stage: Path, src: str, alt: str) -> str:
    """The SVG file's markup as an inline element (so its live text uses the page's @font-face fonts)."""
    try:
        text = (stage / src).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RenderError(f"briefing.html: cannot inline {src} ({exc})") from None
    start = text.find("<svg")
    if start < 0:
        raise RenderError(f"briefing.html: {src} is not an SVG file")
    svg = text[start:].strip()
    # role/aria-label carry the alt text the <img> had; the SVG's own width/height become a max size.
    return svg.replace("<svg", f'<svg role="img" aria-label="{alt}" class="chart-svg"', 1)


def _notes_html(notes: list[tuple[str, str, str]]) -> str:
    items = "\n".join(f'<li id="note-{n}" value="{n}">{body} <a class="note-bib" href="{bib}">Source entry</a> · '
                      f'<a class="note-back" href="#call-{n}" role="doc-backlink">Back to the text</a></li>'
                      for n, bib, body in notes)
    return (f'<aside class="notes" role="doc-endnotes">\n<h2 class="notes-title">Notes</h2>\n<ol>\n{items}\n'
            "</ol>\n</aside>\n")


def _chapter_with_notes(chunk: str) -> str:
    notes: list[tuple[str, str, str]] = []

    def call(match: re.Match) -> str:
        number, bib, body = match.groups()
        notes.append((number, bib, body))
        title = html_lib.escape(html_lib.unescape(_TAG.sub("", body)), quote=True)
        return (f'<a class="fn-call" id="call-{number}" href="#note-{number}" role="doc-noteref" '
                f'title="{title}">{number}</a>')

    chunk = _FOOTNOTE.sub(call, chunk)
    if not notes:
        return chunk
    end = chunk.rfind("</section>")
    block = _notes_html(notes)
    return chunk[:end] + block + chunk[end:] if end >= 0 else chunk + block


def web_edition(html: str, stage: Path, templates_dir: Path) -> str:
    """The print HTML made for browsers: charts inlined, footnotes as notes after each chapter, screen CSS."""
    html = _IMG.sub(lambda m: inline_svg(stage, m.group(1), m.group(2)), html)
    starts = [m.start() for m in _CHAPTER.finditer(html)]
    bounds = [0, *starts, len(html)]
    html = "".join(_chapter_with_notes(html[a:b]) for a, b in zip(bounds, bounds[1:], strict=False))
    css_path = Path(templates_dir) / WEB_STYLESHEET
    if css_path.is_file():
        css = css_path.read_text(encoding="utf-8")
        html = html.replace("</head>", f'<style media="screen">\n{css}</style>\n</head>', 1)
    return html


def check_publishable(html: str) -> list[str]:
    """What would break once the folder is served: absolute file URLs or paths of this machine."""
    return sorted(set(re.findall(r"file://[^\s\"')]+", html)))


# --- the interactive timeline ---------------------------------------------------------------------

def vendor_dir(templates_dir: Path) -> Path:
    """TimelineJS3 from the templates folder, or the shipped copy when a user's folder predates it."""
    from borderwar_report.core.project import packaged

    own = Path(templates_dir) / VENDOR
    return own if (own / "js" / "timeline.js").is_file() else packaged("templates") / VENDOR


def build_timeline_page(ctx) -> None:
    from borderwar_report.core import fonts
    from borderwar_report.documents.render import render_template
    from borderwar_report.records.export import to_timelinejs

    templates_dir = Path(ctx.project.templates_dir)
    source = vendor_dir(templates_dir)
    for rel in VENDOR_FILES:
        _copy(source / rel, ctx.stage / VENDOR / rel)
    template_dir = templates_dir if (templates_dir / TIMELINE_TEMPLATE).is_file() else None
    if template_dir is None:
        from borderwar_report.core.project import packaged

        template_dir = packaged("templates")
    data = to_timelinejs(ctx.dataset)
    # Inside <script> only "</" can end the element early; JSON allows "<\/" for it.
    data_js = Markup(data.replace("</", "<\\/"))
    page = render_template(template_dir, TIMELINE_TEMPLATE, title=ctx.dataset.document.title,
                           language=ctx.dataset.document.language, data_json=data_js,
                           font_css=Markup(fonts.font_face_css(ctx.project.fonts_dir, href_prefix=f"{FONTS_FOLDER}/")),
                           vendor=VENDOR, events=len(ctx.dataset.events))
    write_atomic(ctx.stage / "timeline.html", page.encode("utf-8"))
    ctx.log.info(f"timeline.html: {len(ctx.dataset.events)} events in TimelineJS3 (vendored, works offline)")
