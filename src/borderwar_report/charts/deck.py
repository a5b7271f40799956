"""The PowerPoint deck: a 16:9 master with the bundled fonts, a title slide, one slide per chart with a real
title placeholder, and — where PowerPoint has a chart of the kind — an editable native chart with its data.

python-pptx's default template is 4:3; making its slides 16:9 leaves every placeholder where it was, off
centre. So the master and its layouts are widened here (every shape's x position and width scaled by the
same factor) and the theme's fonts set to the bundled Noto families. A user's own master
(``--pptx-template``) is used as it is: its layouts, size and fonts.

Native charts carry only claimed numbers: the casualty chart has, per event and side, the lowest and the
highest claim of dead (two series; never a median or a sum); the per-year chart counts events in the data.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

WIDE = (12192000, 6858000)  # 16:9, 13.333 × 7.5 in
THEME_FONTS = {"major": "Noto Sans", "minor": "Noto Sans", "ea": "Noto Sans CJK JP"}
MAX_NATIVE_ROWS = 10  # rows of an editable casualty chart that still read on a slide
TITLE_PT = 28  # chart slide titles: one line over a 16:9 picture
SOURCE_PT = 12  # the source line under a chart's picture


def widen(prs) -> None:
    """Make a 4:3 template 16:9 properly: slide size, and every master/layout shape moved and widened."""
    factor = WIDE[0] / prs.slide_width
    prs.slide_width = WIDE[0]  # python-pptx's default is 10 × 7.5 in: the height is already right
    if abs(factor - 1) < 1e-6:
        return
    masters = list(prs.slide_masters)
    for shapes in [m.shapes for m in masters] + [layout.shapes for m in masters for layout in m.slide_layouts]:
        for shape in shapes:
            # Only shapes with their own position: a layout placeholder without one reports (and would copy)
            # its master's, already widened.
            if shape._element.xpath("./p:spPr/a:xfrm") and shape.left is not None:
                shape.left, shape.width = int(shape.left * factor), int(shape.width * factor)


def set_theme_fonts(prs) -> None:
    """The theme's heading and body fonts: the bundled Noto families (and Noto Sans CJK JP for CJK text)."""
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    theme = prs.slide_master.part.part_related_by(RT.THEME)
    xml = theme.blob.decode("utf-8")
    for which in ("major", "minor"):
        def fonts(match, which=which):
            block = re.sub(r'(<a:latin typeface=")[^"]*', r"\g<1>" + THEME_FONTS[which], match.group(0), count=1)
            return re.sub(r'(<a:ea typeface=")[^"]*', r"\g<1>" + THEME_FONTS["ea"], block, count=1)
        xml = re.sub(rf"<a:{which}Font>.*?</a:{which}Font>", fonts, xml, count=1, flags=re.S)
    theme._blob = xml.encode("utf-8")


def _layout(prs, *, title: bool, body: bool):
    """The first layout with a title placeholder and (or without) a body/subtitle placeholder."""
    from pptx.enum.shapes import PP_PLACEHOLDER as PH

    for layout in prs.slide_layouts:
        kinds = {ph.placeholder_format.type for ph in layout.placeholders}
        has_title = bool(kinds & {PH.TITLE, PH.CENTER_TITLE})
        has_body = bool(kinds & {PH.SUBTITLE, PH.BODY, PH.OBJECT})
        if has_title == title and has_body == body:
            return layout
    return prs.slide_layouts[0]


def _title_area_bottom(slide, prs) -> int:
    title = slide.shapes.title
    if title is not None and title.top is not None:
        return title.top + title.height
    return prs.slide_height // 6


def _picture_box(prs, top: int, aspect: float, foot: int = 0) -> tuple[int, int, int, int]:
    """The largest box of ``aspect`` under the title and over ``foot`` (EMU), centred, with a small margin."""
    margin = prs.slide_height // 40
    room_w, room_h = prs.slide_width - 2 * margin, prs.slide_height - top - foot - 2 * margin
    width = min(room_w, int(room_h * aspect))
    height = int(width / aspect)
    return (prs.slide_width - width) // 2, top + margin, width, height


CATEGORY_PT = 10  # a native chart's category labels (never under 7 pt)
CATEGORY_CHARS = 40  # a category label longer than this wraps onto balanced lines (a line break in the label)


def category_label(text: str) -> str:
    """A native chart's category label in full: long ones break into even lines (PowerPoint and LibreOffice
    both draw a line break in a category), never cut short with "…"."""
    from borderwar_report.charts.layout import balanced_lines

    return "\n".join(balanced_lines(text, CATEGORY_CHARS))


def casualty_series(dataset, name_of_side) -> tuple[list[str], list[int], list[int]]:
    """(row labels, lowest claims, highest claims) of dead per event and side, largest first."""
    from borderwar_report.charts.style import PRESETS
    from borderwar_report.charts.timeline import label_text
    from borderwar_report.records.claims import DEAD_PREFERENCE, full_scope, spread

    rows = []
    for ev in dataset.events:
        for side in ev.sides:
            for category in DEAD_PREFERENCE:
                s = spread(full_scope(side.losses.get(category, ())))
                if s is not None:
                    label = f"{name_of_side(side.side)}: {label_text(ev, PRESETS['slides'])} ({ev.date.earliest.year})"
                    if category != "killed":
                        label += f", {category.replace('_', ' ')}"
                    rows.append((s.high_value, category_label(label), s.low_value))
                    break
    rows.sort(key=lambda r: -r[0])
    rows = rows[:MAX_NATIVE_ROWS]
    rows.reverse()  # PowerPoint draws a bar chart's first category at the bottom
    return [r[1] for r in rows], [r[2] for r in rows], [r[0] for r in rows]


def events_per_year(dataset) -> tuple[list[str], list[int]]:
    years = [ev.date.earliest.year for ev in dataset.events]
    if not years:
        return [], []
    span = range(min(years), max(years) + 1)
    return [str(y) for y in span], [years.count(y) for y in span]


def _titled(prs, layout, title: str, own_master: bool):
    from pptx.util import Pt

    slide = prs.slides.add_slide(layout)
    head = slide.shapes.title
    head.text = title
    if not own_master:  # the default master's 44 pt titles wrap over a chart; a user's master decides itself
        for p in head.text_frame.paragraphs:
            for r in p.runs:
                r.font.size = Pt(TITLE_PT)
        # and its title box is 1.25 in tall: one line of 28 pt in it leaves a band of empty slide over the
        # picture. The box is set to the line's height, near the slide's top (the picture moves up under it).
        left, width = head.left, head.width
        head.left, head.top, head.width, head.height = left, prs.slide_height // 40, width, Pt(TITLE_PT * 1.6)
    return slide


def _log_scale(chart) -> None:
    """Claims of dead run from a handful to tens of thousands: a linear axis hides all but the largest."""
    from pptx.oxml.ns import qn

    scaling = chart._chartSpace.xpath(".//c:valAx/c:scaling")[0]
    log = scaling.makeelement(qn("c:logBase"), {"val": "10"})
    scaling.insert(0, log)


def _native_chart(prs, layout, title: str, notes: str, build, own_master: bool, log_scale: bool = False) -> None:
    from pptx.chart.data import CategoryChartData

    slide = _titled(prs, layout, title, own_master)
    data = CategoryChartData(number_format="#,##0")
    kind = build(data)
    x, y, w, h = _picture_box(prs, _title_area_bottom(slide, prs), 16 / 8)
    frame = slide.shapes.add_chart(kind, x, y, w, h, data)
    chart = frame.chart
    chart.font.name = THEME_FONTS["minor"]
    chart.font.size = 1100 * 127  # 11 pt
    if log_scale:
        _log_scale(chart)
    from pptx.util import Pt

    chart.category_axis.tick_labels.font.size = Pt(CATEGORY_PT)
    values = chart.value_axis.tick_labels
    values.number_format, values.number_format_is_linked = "#,##0", False  # 10,000, not 10000
    chart.has_title = False  # the slide's title says it; an automatic chart title would repeat a series name
    chart.has_legend = len(chart.plots[0].series) > 1
    if chart.has_legend:
        from pptx.enum.chart import XL_LEGEND_POSITION

        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    slide.notes_slide.notes_text_frame.text = notes


def make_deck(dataset, charts: list[tuple[str, dict]], template: Path | None = None) -> bytes:
    """Title slide; per chart a slide with its title and the 16:9 picture (source and alt text in the
    notes); editable native charts after the casualty and escalation pictures. Byte-reproducible."""
    from pptx import Presentation
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Pt

    from borderwar_report.records.dates import day_text

    doc = dataset.document
    prs = Presentation(str(template)) if template else Presentation()
    if template is None:
        widen(prs)
        set_theme_fonts(prs)
    title_layout = _layout(prs, title=True, body=True)
    chart_layout = _layout(prs, title=True, body=False)
    side_names = {s.id: s.short or s.name for s in dataset.sides}

    first = prs.slides.add_slide(title_layout)
    first.shapes.title.text = doc.title
    bodies = [ph for ph in first.placeholders if ph.placeholder_format.idx != 0]
    if bodies:
        bodies[0].text = "\n".join(filter(None, [doc.subtitle, doc.issuer,
                                                 f"Edition {day_text(doc.edition)}"]))
        for p in bodies[0].text_frame.paragraphs:
            for r in p.runs:
                r.font.size = Pt(20)
    first.notes_slide.notes_text_frame.text = (
        f"{len(charts)} charts drawn from the records of {doc.title}, edition {day_text(doc.edition)}. "
        "Figures are as claimed by the works each slide names; that edition cites them in full.")

    own = template is not None
    for name, info in charts:
        # The picture is drawn without its title and source line: the title is the slide's own (one title,
        # in the placeholder that outlines, navigation and screen readers use), the source a line under it.
        slide = _titled(prs, chart_layout, info["title"], own)
        foot = Pt(SOURCE_PT * 1.8)
        x, y, w, h = _picture_box(prs, _title_area_bottom(slide, prs), _png_aspect(info["data"]["png"]), foot)
        pic = slide.shapes.add_picture(io.BytesIO(info["data"]["png"]), x, y, width=w, height=h)
        pic.name = f"{name} chart"
        _set_alt_text(pic, info["alt"])
        _source_line(slide, info["source"], x, y + h, w, foot)
        slide.notes_slide.notes_text_frame.text = f"{info['title']}\n\n{info['source']}\n\nAlt text: {info['alt']}"
        if name == "casualties":
            labels, lows, highs = casualty_series(dataset, lambda s: side_names.get(s, s))
            if labels:
                def casualties(data, labels=labels, lows=lows, highs=highs):
                    data.categories = labels
                    data.add_series("Lowest claim of dead", lows)
                    data.add_series("Highest claim of dead", highs)
                    return XL_CHART_TYPE.BAR_CLUSTERED
                _native_chart(prs, chart_layout, f"{info['title']} (editable)",
                              "Editable chart: per event and side, the lowest and the highest claim of dead "
                              "(killed; else killed or missing, else irrecoverable losses). Both bars are "
                              "figures somebody claims; the picture before this slide names the claimants. "
                              f"{info['source']}", casualties, own, log_scale=True)
        if name == "escalation":
            years, counts = events_per_year(dataset)
            if years:
                def per_year(data, years=years, counts=counts):
                    data.categories = years
                    data.add_series("Events in this data set (by the year they begin)", counts)
                    return XL_CHART_TYPE.COLUMN_CLUSTERED
                _native_chart(prs, chart_layout, "Events per year (editable)",
                              "Editable chart: the number of events in this data set that begin in each year "
                              "(a count of the records, not a claim about the war).", per_year, own)

    edition = dt.datetime(doc.edition.year, doc.edition.month, doc.edition.day)
    cp = prs.core_properties
    cp.title = doc.title
    cp.author = doc.issuer or "borderwar-report"
    cp.last_modified_by = "borderwar-report"
    cp.created = edition
    cp.modified = edition
    cp.last_printed = edition
    cp.revision = 1
    cp.keywords = ", ".join(doc.keywords)
    cp.subject = doc.subtitle
    buf = io.BytesIO()
    prs.save(buf)
    return _fixed_zip(buf.getvalue(), edition)


def _png_aspect(png: bytes) -> float:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        return im.width / im.height


def _source_line(slide, text: str, x: int, y: int, w: int, h: int) -> None:
    """The chart's source under its picture, as slide text (the picture no longer carries it)."""
    from pptx.dml.color import RGBColor
    from pptx.util import Pt

    box = slide.shapes.add_textbox(x, y, w, h)
    box.name = "Source"
    frame = box.text_frame
    frame.word_wrap = True
    frame.margin_left = frame.margin_right = 0
    frame.text = text
    for r in frame.paragraphs[0].runs:
        r.font.size = Pt(SOURCE_PT)
        r.font.color.rgb = RGBColor(0x59, 0x59, 0x59)


def _set_alt_text(picture, text: str) -> None:
    """The picture's description (what screen readers and PowerPoint's Alt Text pane show)."""
    cnvpr = picture._element.xpath("./p:nvPicPr/p:cNvPr")
    if cnvpr:
        cnvpr[0].set("descr", text)


def _fixed_zip(data: bytes, when) -> bytes:
    """Rewrite a zip with a fixed timestamp on every member, same order and content."""
    import zipfile

    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            body = src.read(info.filename)
            if info.filename.endswith(".xlsx"):  # a native chart's data: a workbook stamped with the clock
                body = _fixed_zip(_fixed_core_dates(body, when), when)
            dst.writestr(zi, body)
    return out.getvalue()


def _fixed_core_dates(xlsx: bytes, when) -> bytes:
    """The embedded workbook's docProps/core.xml created/modified dates set to ``when``."""
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), body)
            dst.writestr(info, body)
    return out.getvalue()
