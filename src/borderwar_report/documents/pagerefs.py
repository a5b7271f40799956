"""Page references written into the HTML as numbers instead of computed by ``target-counter``.

WeasyPrint lays out again every page whose forward ``target-counter`` reference changes; a number known
beforehand (from the last build's page map, or checked and corrected after the layout) needs no second pass.
"""

from __future__ import annotations

import html as htmllib
import re

PAGE_REF = "target-counter(attr(href), page)"
INTERNAL_LINK = re.compile(r'<a\b([^>]*?)\shref="#([^"]+)"')
_STYLE = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.S | re.I)
_PAGE_COUNTER_CHANGED = re.compile(r"counter-(reset|increment|set)\s*:[^;}]*\bpage\b")


def link_targets(html: str) -> set[str]:
    """The ids the HTML's internal links point to."""
    return {htmllib.unescape(m.group(2)) for m in INTERNAL_LINK.finditer(html)}


def stamp_page_numbers(html: str, pages: dict[str, int]) -> str | None:
    """The HTML with every ``target-counter(attr(href), page)`` in its stylesheets replaced by the page number
    from ``pages``, written on each internal link as ``data-page`` — or None when that cannot be the same
    document: a link's target is not in ``pages``, or the CSS moves the page counter (then a page's number
    is not its position)."""
    styles = "".join(m.group(2) for m in _STYLE.finditer(html))
    if PAGE_REF not in styles or _PAGE_COUNTER_CHANGED.search(styles):
        return None
    if not link_targets(html) <= pages.keys():
        return None
    html = _STYLE.sub(lambda m: m.group(1) + m.group(2).replace(PAGE_REF, "attr(data-page)") + m.group(3), html)
    return INTERNAL_LINK.sub(lambda m: f'<a{m.group(1)} data-page="{pages[htmllib.unescape(m.group(2))]}" '
                                        f'href="#{m.group(2)}"', html)
