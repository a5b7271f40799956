"""Split a large sheet across ordinary pages that can be taped together.

Each tile page shows a window of the poster inside a printable margin; neighbouring windows share a strip
of ``overlap`` millimetres, so a teacher trims the left/top margin of a tile along its crop marks and lays
that edge on the neighbour's overlap marks. The poster page is drawn once as a Form XObject and clipped to
each window, so vectors and live text survive and the file does not grow with every tile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MM = 72 / 25.4  # points per millimetre

# Portrait width × height in millimetres.
SHEET_MM = {
    "a4": (210.0, 297.0),
    "a3": (297.0, 420.0),
    "a2": (420.0, 594.0),
    "a1": (594.0, 841.0),
    "letter": (215.9, 279.4),
    "tabloid": (279.4, 431.8),
}
SHEET_LABELS = {"a4": "A4", "a3": "A3", "a2": "A2", "a1": "A1", "letter": "Letter", "tabloid": "Tabloid"}


def sheet_mm(name: str, landscape: bool) -> tuple[float, float]:
    """(width, height) in millimetres of a named sheet in the given orientation."""
    w, h = SHEET_MM[name]
    return (h, w) if landscape else (w, h)


def sheet_pt(name: str, landscape: bool) -> tuple[float, float]:
    w, h = sheet_mm(name, landscape)
    return w * MM, h * MM


@dataclass(frozen=True)
class Tile:
    """One window of the poster, in poster points measured from the poster's top-left corner."""

    row: int
    col: int
    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height


@dataclass(frozen=True)
class TilePlan:
    paper: str
    landscape: bool
    page_width: float  # tile page, points
    page_height: float
    margin: float  # printable margin around the window, points
    overlap: float  # shared strip between neighbours, points
    rows: int
    cols: int
    poster_width: float
    poster_height: float
    tiles: tuple[Tile, ...]

    @property
    def window(self) -> tuple[float, float]:
        return self.page_width - 2 * self.margin, self.page_height - 2 * self.margin


def _count(length: float, window: float, overlap: float) -> int:
    if length <= window:
        return 1
    return math.ceil((length - overlap) / (window - overlap) - 1e-9)


def plan_tiles(poster_width: float, poster_height: float, paper: str, overlap_mm: float = 10.0,
               margin_mm: float = 10.0) -> TilePlan:
    """The fewest tiles (portrait or landscape paper; portrait on a tie) covering the poster.

    Windows step by (window − overlap), so every pair of neighbours shares exactly ``overlap_mm``; the
    grid is centred on the poster, the spare space split evenly round its edges.
    """
    overlap, margin = overlap_mm * MM, margin_mm * MM
    best = None
    for landscape in (False, True):
        pw, ph = sheet_pt(paper, landscape)
        ww, wh = pw - 2 * margin, ph - 2 * margin
        cols, rows = _count(poster_width, ww, overlap), _count(poster_height, wh, overlap)
        if best is None or rows * cols < best[0]:
            best = (rows * cols, landscape, pw, ph, ww, wh, rows, cols)
    _, landscape, pw, ph, ww, wh, rows, cols = best
    covered_w = cols * ww - (cols - 1) * overlap
    covered_h = rows * wh - (rows - 1) * overlap
    x0, y0 = (poster_width - covered_w) / 2, (poster_height - covered_h) / 2
    tiles = tuple(Tile(r, c, x0 + c * (ww - overlap), y0 + r * (wh - overlap), ww, wh)
                  for r in range(rows) for c in range(cols))
    return TilePlan(paper, landscape, pw, ph, margin, overlap, rows, cols, poster_width, poster_height, tiles)


def overlay_pages(plan: TilePlan, sheets: int) -> list[dict]:
    """What the marks template needs for every tile page (all lengths in millimetres)."""
    pages = []
    for sheet in range(1, sheets + 1):
        for t in plan.tiles:
            pages.append({
                "sheet": sheet, "sheets": sheets, "row": t.row + 1, "col": t.col + 1,
                "rows": plan.rows, "cols": plan.cols,
                "left_neighbour": t.col > 0, "right_neighbour": t.col < plan.cols - 1,
                "top_neighbour": t.row > 0, "bottom_neighbour": t.row < plan.rows - 1,
            })
    return pages


def overlay_context(plan: TilePlan, sheets: int, title: str) -> dict:
    """Template variables for templates/tiles.html.j2."""
    ww, wh = plan.window
    return {
        "title": title,
        "paper": SHEET_LABELS.get(plan.paper, plan.paper),
        "orientation": "landscape" if plan.landscape else "portrait",
        "page_w": round(plan.page_width / MM, 3), "page_h": round(plan.page_height / MM, 3),
        "margin": round(plan.margin / MM, 3), "overlap": round(plan.overlap / MM, 3),
        "window_w": round(ww / MM, 3), "window_h": round(wh / MM, 3),
        "pages": overlay_pages(plan, sheets),
        "rows": plan.rows, "cols": plan.cols,
        # the little "you are here" map in the label: it must fit the margin whatever the grid
        "cell_w": round(min(2.7, 12.0 / plan.cols), 2), "cell_h": round(min(2.0, 6.0 / plan.rows), 2),
    }


def tile_pdf(poster_pdf: bytes, overlay_pdf: bytes, plan: TilePlan) -> bytes:
    """Draw each poster page's windows under the marks of ``overlay_pdf`` (one overlay page per tile)."""
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
    )

    poster = PdfReader(io.BytesIO(poster_pdf))
    writer = PdfWriter(clone_from=io.BytesIO(overlay_pdf))
    per_sheet = len(plan.tiles)
    if len(writer.pages) != per_sheet * len(poster.pages):
        raise ValueError(f"overlay has {len(writer.pages)} pages; expected {per_sheet * len(poster.pages)}")

    for s, sheet in enumerate(poster.pages):
        box = sheet.mediabox
        form = DecodedStreamObject()
        form.set_data(sheet.get_contents().get_data() if sheet.get_contents() is not None else b"")
        form.update({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(FloatObject(v) for v in (box.left, box.bottom, box.right, box.top)),
            NameObject("/Resources"): sheet["/Resources"].get_object().clone(writer),
        })
        form_ref = writer._add_object(form.flate_encode())
        poster_top = float(box.top)
        for i, t in enumerate(plan.tiles):
            page = writer.pages[s * per_sheet + i]
            # Poster point (x, y) lands at (x − left + margin, y − (top − bottom of window) + margin).
            tx = plan.margin - float(box.left) - t.left
            ty = plan.margin - (poster_top - t.bottom)
            clip = f"{plan.margin:.4f} {plan.margin:.4f} {t.width:.4f} {t.height:.4f} re W n"
            head = f"q {clip} 1 0 0 1 {tx:.4f} {ty:.4f} cm /Poster Do Q\n".encode()
            old = page.get_contents()
            body = DecodedStreamObject()
            body.set_data(head + (old.get_data() if old is not None else b""))
            page[NameObject("/Contents")] = writer._add_object(body.flate_encode())
            # Pages may share one resource dictionary: give each tile its own before adding the poster.
            resources = page.get("/Resources")
            resources = DictionaryObject(resources.get_object()) if resources is not None else DictionaryObject()
            xobjects = resources.get("/XObject")
            xobjects = DictionaryObject(xobjects.get_object()) if xobjects is not None else DictionaryObject()
            xobjects[NameObject("/Poster")] = form_ref
            resources[NameObject("/XObject")] = xobjects
            page[NameObject("/Resources")] = resources
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
