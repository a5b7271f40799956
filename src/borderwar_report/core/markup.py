"""Markdown from the data as safe HTML: raw HTML off, only absolute http(s) and mailto links kept.

Below the documents and the exports, which both print data's Markdown."""

from __future__ import annotations

from markupsafe import Markup


def _markdown_renderer():
    from markdown_it import MarkdownIt

    # "commonmark" with html=False: <script>, <img src=file://…> and friends come out as literal text.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
    md.disable("image")  # an image URL in data would be a fetch; the fetcher refuses it anyway
    # A heading in a summary would become a top-level bookmark and running head: it prints as a bold line.
    md.add_render_rule("heading_open", lambda self, tokens, idx, options, env: "<p><strong>")
    md.add_render_rule("heading_close", lambda self, tokens, idx, options, env: "</strong></p>\n")
    # Only absolute web and mail links are links. A relative one would resolve against the staging folder
    # (its path would land in the PDF and break byte-reproducibility); it prints as its text.
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("link_close", _link_close)
    return md


_LINK_SCHEMES = ("http://", "https://", "mailto:")


def _is_absolute(token) -> bool:
    return (token.attrGet("href") or "").lower().startswith(_LINK_SCHEMES)


def _link_open(self, tokens, idx, options, env):
    token = tokens[idx]
    if not _is_absolute(token):
        token.meta["plain"] = True
        return ""
    return self.renderToken(tokens, idx, options, env)


def _link_close(self, tokens, idx, options, env):
    # The matching link_open is the nearest unclosed one before idx (links do not nest in CommonMark).
    depth = 0
    for i in range(idx - 1, -1, -1):
        if tokens[i].type == "link_close":
            depth += 1
        elif tokens[i].type == "link_open":
            if depth == 0:
                return "" if tokens[i].meta.get("plain") else self.renderToken(tokens, idx, options, env)
            depth -= 1
    return self.renderToken(tokens, idx, options, env)


_MD = None


def markdown(text: str | None, inline: bool = False) -> Markup:
    global _MD
    if _MD is None:
        _MD = _markdown_renderer()
    if not text:
        return Markup("")
    html = _MD.renderInline(text) if inline else _MD.render(text)
    return Markup(html)
