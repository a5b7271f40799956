"""Typographer's quotes for rendered HTML: straight quotes and apostrophes in text become curly ones.

Runs on the HTML a template produced, so it reaches every string from the data (titles, notes, claimants,
Markdown) in one place. Tags and attributes are left alone, and so is text inside ``<code>``, ``<pre>``,
``<kbd>``, ``<samp>``, ``<style>``, ``<script>`` and links that print a URL (``<a class="url">``): there a
straight quote is part of what the reader must type.
"""

from __future__ import annotations

import re

_TOKENS = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
_VERBATIM = {"code", "pre", "kbd", "samp", "style", "script"}
_OPENERS = set(" \t\n\u00a0\u2009\u200b([{<‘“—–-/")
_ENTITIES = (("&#34;", '"'), ("&quot;", '"'), ("&#39;", "'"), ("&#x27;", "'"), ("&apos;", "'"))


def smart_quotes(text: str, before: str = " ") -> str:
    """Curly quotes in plain text; ``before`` is the character that precedes it (from earlier text)."""
    out = []
    prev = before
    for i, ch in enumerate(text):
        nxt = text[i + 1] if i + 1 < len(text) else " "
        if ch == '"':
            ch = "“" if prev in _OPENERS else "”"
        elif ch == "'":
            if prev.isalnum() or prev in ".,!?’”)":
                ch = "’"  # it's, Iyun' 1941, the 1930s'
            elif nxt.isdigit():
                ch = "’"  # '30s
            elif prev in _OPENERS:
                ch = "‘"
            else:
                ch = "’"
        out.append(ch)
        prev = ch
    return "".join(out)


def smarten_html(html: str) -> str:
    """``smart_quotes`` on every text node of ``html`` outside verbatim elements and URL links."""
    out = []
    stack: list[str] = []  # open verbatim elements (and url links)
    prev = " "
    for token in _TOKENS.split(html):
        if not token:
            continue
        if token.startswith("<"):
            out.append(token)
            m = re.match(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)", token)
            if m:
                closing, name = m.group(1) == "/", m.group(2).lower()
                is_url = name == "a" and re.search(r'class="[^"]*\burl\b', token)
                if not closing and (name in _VERBATIM or is_url) and not token.endswith("/>"):
                    stack.append(name)
                elif closing and stack and stack[-1] == name:
                    stack.pop()
                if name in ("p", "li", "td", "th", "br", "div", "h1", "h2", "h3", "caption", "tr"):
                    prev = " "
            continue
        if stack:
            out.append(token)
            prev = token[-1]
            continue
        text = token
        for entity, char in _ENTITIES:
            text = text.replace(entity, char)
        curled = smart_quotes(text, prev)
        # Any straight quote left (none, after smart_quotes) would need escaping again; curly ones do not.
        out.append(curled)
        prev = curled[-1]
    return "".join(out)
