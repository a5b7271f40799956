"""The charts' look: bundled fonts, templates/charts.mplstyle, presets, one reproducible ``save``.

Never pyplot: every chart is a bare ``matplotlib.figure.Figure``. Every function that draws runs inside
:func:`chart_context` (the style, the preset's sizes and the font stack as an ``rc_context``) and inside
:func:`glyph_guard` (Matplotlib's "Glyph … missing from font(s)" warning becomes a GlyphMissingError
naming the character and the record).
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import re
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from borderwar_report.core import fonts as _fonts
from borderwar_report.core.errors import GlyphMissingError
from borderwar_report.core.project import packaged

FALLBACK_STACK = ("Noto Sans", "Noto Sans CJK JP")
HASH_SALT = "borderwar-report"
INK = "#222222"
MUTED = "#666666"
FAINT = "#B0B0B0"
PHASE_FILLS = ("#EEEEEE", "#F8F8F8")

MM = 1 / 25.4  # inches per millimetre
PRINT_MIN_PT = 7.0  # the smallest type in a print chart, as printed
MEASURE_DPI = 288


@dataclass(frozen=True)
class Preset:
    """Sizes for one output medium. Lengths in inches, type in points."""

    name: str
    width: float
    max_height: float
    fixed_height: bool  # slides: always exactly width × max_height (16:9)
    size: float  # labels and body text
    small: float  # source line, notes, tick labels of secondary axes
    title: float
    dpi: int
    scale: float  # multiplier for marker sizes and line widths
    row: float  # height of one label row (pt)
    svg_text: str  # svg.fonttype: "none" keeps text live, "path" makes the SVG self-contained
    # The chart's own title and source line; off for the briefing's SVGs, whose numbered caption gives both.
    titled: bool = True

    @property
    def aspect(self) -> float:
        return self.width / self.max_height

    @property
    def margin(self) -> float:
        """The blank edge around a chart, in points."""
        return (0.12 if self.name == "print" else 0.3) * 72

    @property
    def title_height(self) -> float:
        """From the figure's top edge to where the chart proper starts (pt): the margin and the title."""
        return self.margin + (self.title * 1.45 if self.titled else 0.0)

    @property
    def source_height(self) -> float:
        """From where the chart proper ends to the figure's bottom edge (pt): the source line and a margin."""
        return self.margin * 0.6 + (self.small * 1.6 if self.titled else 0.0)


PRESETS = {
    # The briefing's text width: A4 (210 mm) minus 2 × 25 mm margins = 160 mm; height ≤ 120 mm.
    # Type: 8 pt labels, nothing under PRINT_MIN_PT (the briefing places these SVGs at full size).
    "print": Preset("print", 160 * MM, 120 * MM, False, 8.0, PRINT_MIN_PT, 10.0, 300, 1.0, 10.5, "none"),
    # 16:9 at 13.333 × 7.5 in (PowerPoint's widescreen page): 1920 × 1080 px at 144 dpi.
    "slides": Preset("slides", 1920 / 144, 7.5, True, 16.0, 12.0, 24.0, 144, 2.0, 21.0, "path"),
}


def style_path(project) -> Path:
    """templates/charts.mplstyle of the project, else the packaged one."""
    for base in (Path(project.templates_dir), packaged("templates")):
        if (base / "charts.mplstyle").is_file():
            return base / "charts.mplstyle"
    raise GlyphMissingError("templates/charts.mplstyle is missing")  # pragma: no cover


def fonts_dir(project) -> Path:
    d = Path(project.fonts_dir)
    return d if (d / "fonts.json").is_file() else packaged("templates") / "fonts"


@functools.lru_cache(maxsize=4)
def register_fonts(fonts_dir: Path) -> tuple[str, ...]:
    """Register every bundled font with Matplotlib (once per process); returns the sans family stack."""
    import json

    from matplotlib import font_manager

    for path in _fonts.font_files(fonts_dir):
        font_manager.fontManager.addfont(str(path))
    try:
        stack = tuple(json.loads((Path(fonts_dir) / "fonts.json").read_text("utf-8"))["stacks"]["sans"])
    except (KeyError, ValueError):
        stack = FALLBACK_STACK
    known = {f.name for f in font_manager.fontManager.ttflist}
    missing = [name for name in stack if name not in known]
    if missing:
        raise GlyphMissingError(f"font families {missing} are listed in {fonts_dir}/fonts.json but no "
                                "bundled file provides them")
    return stack


# A CJK text's glyph forms follow its language (BCP 47 tag, case-insensitive): Simplified or Traditional
# Chinese, else Japanese (the stacks' own CJK face).
_TRADITIONAL = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")
CJK_FACE = {"sc": "Noto Sans CJK SC", "tc": "Noto Sans CJK TC", "jp": "Noto Sans CJK JP"}


def cjk_face(lang: str | None) -> str | None:
    """The CJK family for text in ``lang``: zh, zh-Hans, zh-CN… → SC; zh-Hant, zh-TW, zh-HK → TC;
    ja → JP; None for other languages."""
    tag = (lang or "").lower().replace("_", "-")
    if tag == "zh" or tag.startswith("zh-"):
        return CJK_FACE["tc"] if any(tag == t or tag.startswith(t + "-") for t in _TRADITIONAL) else CJK_FACE["sc"]
    if tag == "ja" or tag.startswith("ja-"):
        return CJK_FACE["jp"]
    return None


def stack_for_lang(stack: tuple[str, ...], lang: str | None, first: bool = False) -> tuple[str, ...]:
    """``stack`` with the CJK face for ``lang`` put before the other CJK faces (the JP face stays as the
    fallback for characters outside the Chinese subsets); unchanged when that face is not bundled.
    ``first``: the face leads the whole stack — for SVG that WeasyPrint draws, whose text takes the
    first family that has the run's script rather than falling back glyph by glyph."""
    face = cjk_face(lang)
    if face is None or face in stack[:1]:
        return tuple(stack)
    from matplotlib import font_manager

    if face not in {f.name for f in font_manager.fontManager.ttflist}:
        return tuple(stack)
    latin = [f for f in stack if not f.startswith("Noto Sans CJK")]
    cjk = [f for f in stack if f.startswith("Noto Sans CJK") and f != face]
    return tuple([face] + latin + cjk) if first else tuple(latin + [face] + cjk)


@contextlib.contextmanager
def chart_context(project, preset: Preset):
    """rcParams for one chart: the project's .mplstyle, the font stack, the preset's sizes, fixed salts."""
    import matplotlib
    import matplotlib.style

    stack = register_fonts(fonts_dir(project))
    quiet = logging.getLogger("matplotlib.font_manager")  # "no bold Noto Sans Math": the stack falls back
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with _rc(matplotlib, project, preset, stack):
            yield
    finally:
        quiet.setLevel(level)


@contextlib.contextmanager
def _rc(matplotlib, project, preset, stack):
    with matplotlib.rc_context():
        matplotlib.style.use(str(style_path(project)))
        matplotlib.rcParams.update({
            "font.family": list(stack),
            "font.size": preset.size,
            "axes.titlesize": preset.size,
            "axes.labelsize": preset.size,
            "xtick.labelsize": preset.size * 0.9,
            "ytick.labelsize": preset.size * 0.9,
            "legend.fontsize": preset.size * 0.9,
            "lines.linewidth": 1.0 * preset.scale,
            "axes.linewidth": 0.6 * preset.scale,
            "xtick.major.width": 0.6 * preset.scale,
            "ytick.major.width": 0.6 * preset.scale,
            "xtick.major.size": 2.5 * preset.scale,
            "ytick.major.size": 2.5 * preset.scale,
            "svg.hashsalt": HASH_SALT,
            "svg.fonttype": preset.svg_text,
            "pdf.fonttype": 42,
            "figure.dpi": 100,
            "savefig.dpi": preset.dpi,
            # Data text is never mathtext ("$5 and $10" would print as "5and10"); set here so no style can undo it.
            "text.parse_math": False,
        })
        yield


_GLYPH_WARNING = re.compile(r"Glyph (\d+) .*missing from")


def describe_char(ch: str) -> str:
    return f"character {ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})"


@contextlib.contextmanager
def glyph_guard(where_of):
    """Turn Matplotlib's missing-glyph warnings raised in the block into GlyphMissingError.

    ``where_of(ch) -> str`` names the record that uses the character (e.g. "event x (events/x.yaml:3),
    title")."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        m = _GLYPH_WARNING.search(str(w.message))
        if m:
            ch = chr(int(m.group(1)))
            raise GlyphMissingError(f"{describe_char(ch)} in {where_of(ch)} is in no bundled font; add a "
                                    "font that has it to templates/fonts/ (see fonts.json) or fix the text")
    for w in caught:  # anything else keeps its usual route
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def char_locator(dataset):
    """where_of(ch) for glyph_guard: the first record (and field) of the data that contains ``ch``."""
    def where_of(ch: str) -> str:
        for where, field, text in _fonts.dataset_texts(dataset):
            if ch in (text or ""):
                return f"{where}, {field}"
        return "a chart label"
    return where_of


def check_fonts(dataset, project) -> None:
    """Up-front check: every character of the data is in some bundled font (names the record)."""
    _fonts.check_glyphs(dataset, fonts_dir(project))


# --- saving --------------------------------------------------------------------------------------

def save_bytes(fig, fmt: str, *, title: str = "", description: str = "", transparent: bool = False,
               dpi: int | None = None) -> bytes:
    """The figure as bytes in ``fmt`` (svg | pdf | png), free of dates and software stamps.

    Must be called inside the chart_context the figure was drawn in (svg.fonttype and hashsalt are read
    at save time)."""
    import matplotlib
    import matplotlib.style

    buf = io.BytesIO()
    kwargs = {"format": fmt, "transparent": transparent, "dpi": dpi or matplotlib.rcParams["savefig.dpi"]}
    if fmt == "svg":
        kwargs["metadata"] = {"Creator": None, "Date": None, "Format": None, "Type": None,
                              **({"Title": title} if title else {}),
                              **({"Description": description} if description else {})}
    elif fmt == "pdf":
        kwargs["metadata"] = {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None,
                              **({"Title": title} if title else {}),
                              **({"Subject": description} if description else {})}
    elif fmt == "png":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        if title:
            info.add_itxt("Title", title)
        if description:
            info.add_itxt("Description", description)
        kwargs["pil_kwargs"] = {"pnginfo": info}
    else:
        raise ValueError(f"unknown chart format {fmt!r}")
    with pdf_subset_hook() if fmt == "pdf" else contextlib.nullcontext():
        fig.savefig(buf, **kwargs)
    return buf.getvalue()


# Tables a font embedded in a chart PDF never uses (text is already laid out as glyph ids).
_PDF_DROPPED_TABLES = (b"BASE", b"DSIG", b"GDEF", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ", b"meta")


@contextlib.contextmanager
def pdf_subset_hook():
    """Matplotlib embeds a subset of each font in a PDF through fontTools, about 60 ms per font and
    chart with the bundled CJK fonts (a second per build); HarfBuzz (the uharfbuzz wheel) makes the
    same subset in a millisecond. Wraps ``matplotlib.backends._backend_pdf_ps.get_glyphs_subset`` in the
    shape it has since Matplotlib 3.10 (a font and the map of old to new glyph ids); with another
    Matplotlib, without uharfbuzz, or for a font HarfBuzz cannot cut, Matplotlib's own path runs."""
    from matplotlib.backends import _backend_pdf_ps as backend

    try:
        import uharfbuzz as hb
    except ImportError:
        hb = None
    if hb is None or not hasattr(backend, "SubsetResults"):
        yield
        return
    original = backend.get_glyphs_subset

    def subset(fontfile, glyphs):
        try:
            from fontTools.ttLib import TTFont

            from borderwar_report.core.fonts import harfbuzz_request

            wanted = sorted(set(glyphs))
            with open(fontfile, "rb") as fh:
                face, request = harfbuzz_request(fh.read(), getattr(fontfile, "face_index", 0) or 0, wanted,
                                                 _PDF_DROPPED_TABLES)
            plan = hb.SubsetPlan(face, request)
            cut = plan.execute()
            mapping = plan.old_to_new_glyph_mapping
            index_map = {g: mapping[g] for g in wanted}
            font = TTFont(io.BytesIO(cut.blob.data))
        except Exception:  # noqa: BLE001 — any trouble: Matplotlib's own fontTools subset
            return original(fontfile, glyphs)
        return backend.SubsetResults(font, index_map)._as_cm()

    backend.get_glyphs_subset = subset
    try:
        yield
    finally:
        backend.get_glyphs_subset = original


def save(fig, path: Path, fmt: str | None = None, **kwargs) -> Path:
    """Write the figure atomically to ``path`` (format from the suffix unless given); see save_bytes."""
    from borderwar_report.core.files import write_atomic

    path = Path(path)
    write_atomic(path, save_bytes(fig, fmt or path.suffix.lstrip("."), **kwargs))
    return path


# --- small drawing helpers shared by the charts --------------------------------------------------

def new_figure(preset: Preset, height: float | None = None):
    from matplotlib.figure import Figure

    h = preset.max_height if preset.fixed_height or height is None else min(height, preset.max_height)
    return Figure(figsize=(preset.width, h))


def text_width_pt(fig, text: str, size: float, weight: str = "normal", style: str = "normal") -> float:
    """Advance width of ``text`` at ``size`` pt in the current font stack, measured by Agg, in points."""
    import matplotlib

    return _measure(text, float(size), weight, tuple(matplotlib.rcParams["font.family"]), style)


@functools.lru_cache(maxsize=65536)
def _measure(text: str, size: float, weight: str, family: tuple, style: str = "normal") -> float:
    from matplotlib.font_manager import FontProperties

    renderer = _renderer(MEASURE_DPI)
    prop = FontProperties(family=list(family), size=size, weight=weight, style=style)
    w, _, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
    return w * 72.0 / MEASURE_DPI * 1.02  # 2 %: other renderers (WeasyPrint, PDF viewers) kern a little wider


@functools.lru_cache(maxsize=2)
def _renderer(dpi: float):
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(10, 10, dpi)


def frame(fig, preset: Preset, title: str, source: str) -> None:
    """Title (top left) and source line (bottom left), within ``preset.title_height`` and
    ``preset.source_height``; nothing when the preset is not ``titled``."""
    if not preset.titled:
        return
    h_pt = fig.get_figheight() * 72
    left = preset.margin / (fig.get_figwidth() * 72)
    fig.text(left, 1 - preset.margin / h_pt, title, ha="left", va="top", fontsize=preset.title, fontweight="bold",
             color=INK)
    fig.text(left, preset.margin * 0.6 / h_pt, source, ha="left", va="bottom", fontsize=preset.small, color=MUTED)
