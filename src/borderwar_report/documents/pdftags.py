"""Finishing WeasyPrint 70's tagged PDF for PDF/UA-1 (ISO 14289-1): what its tagging leaves out.

WeasyPrint 70 (``pdf_tags=True``) writes a structure tree, but
- tags the running heads, footers and page numbers (the @page margin boxes) as Span elements whose
  NonStruct parent hangs off the Document without being one of its kids: reachable by no reader, and
  not marked as page furniture (PDF/UA-1 7.8 wants pagination artifacts). ``finish`` rewrites that
  marked content as ``/Artifact <</Type /Pagination /Subtype /Header|/Footer>>`` with pikepdf and drops
  the orphans from the parent tree;
- leaves empty elements (an empty span) in the tree: ``finish`` removes them;
- tags each footnote as a Span, gives table header cells no Scope and drops an inline ``lang``: those are
  set while WeasyPrint builds the tree (``tag_hook`` in pdf.py), where the HTML element is still known.

The save is deterministic (same objects, same order, an ID derived from the content), so two builds of
the same input still give identical files. Each property has a test; a WeasyPrint upgrade that changes
the tree it writes makes those tests fail rather than pass silently.
"""

from __future__ import annotations

import io
import re

_MARK = re.compile(rb"/(\w+)\s*<<\s*/MCID (\d+)\s*>>\s*BDC")


def _kids(element) -> list:
    import pikepdf

    k = element.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, pikepdf.Array) else [k]


def _is_element(obj) -> bool:
    import pikepdf

    return isinstance(obj, pikepdf.Dictionary) and "/S" in obj


def _parent_arrays(tree) -> dict[int, object]:
    """The structure parent tree's number → array (or element) entries, leaves flattened."""
    out: dict[int, object] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if "/Nums" in node:
            nums = node.Nums
            for i in range(0, len(nums), 2):
                out[int(nums[i])] = nums[i + 1]
        stack.extend(node.get("/Kids", []))
    return out


def finish(pdf_bytes: bytes, outline: bool = True) -> bytes:
    """The PDF with its page furniture marked as pagination artifacts (see the module). ``outline=False``
    leaves the bookmarks as they are (a part of a document, whose pages are not yet numbered: chunks.py)."""
    import pikepdf

    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    root = pdf.Root
    if "/StructTreeRoot" not in root:
        return pdf_bytes
    st = root.StructTreeRoot
    documents = [k for k in _kids(st) if _is_element(k)]
    if not documents:
        return pdf_bytes
    document = documents[0]
    in_document = {k.objgen for k in _kids(document) if _is_element(k)}
    parents = _parent_arrays(st.ParentTree)

    # 1. Page furniture: marked content whose element's NonStruct hangs off the Document unlisted.
    for page in pdf.pages:
        if "/StructParents" not in page.obj:
            continue
        entry = parents.get(int(page.obj.StructParents))
        if not isinstance(entry, pikepdf.Array):
            continue
        furniture: set[int] = set()
        for mcid, element in enumerate(entry):
            if not _is_element(element):
                continue
            parent = element.get("/P")
            if (_is_element(parent) and parent.S == "/NonStruct" and "/P" in parent
                    and parent.P.objgen == document.objgen and parent.objgen not in in_document):
                furniture.add(mcid)
        if not furniture:
            continue
        height = float(page.mediabox[3]) - float(page.mediabox[1])
        contents = page.obj.Contents
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        for stream in streams:
            data = stream.read_bytes()

            def mark(m, _data=data):
                mcid = int(m.group(2))
                if mcid not in furniture:
                    return m.group(0)
                at = re.search(rb"Tm", _data[m.end(): m.end() + 400])
                ys = re.findall(rb"([-\d.]+) Tm", _data[m.end(): m.end() + (at.end() if at else 0)])
                # WeasyPrint draws in a flipped, 0.75-scaled space: a small y is near the top of the page.
                top = bool(ys) and float(ys[-1]) * 0.75 < height / 2
                kind = b"/Header" if top or not ys else b"/Footer"
                return b"/Artifact\n<</Type /Pagination /Subtype " + kind + b">>\nBDC"

            new = _MARK.sub(mark, data)
            if new != data:
                stream.write(new)
        for mcid in furniture:
            entry[mcid] = None

    _drop_empty(st)
    if outline:
        unique_outline(pdf)
    return save(pdf)


def save(pdf, pack: bool = False) -> bytes:
    """The bytes of a pikepdf document, saved deterministically; ``pack``: objects written by pikepdf, which
    are in no object stream yet, are packed into new ones (the merged briefing: else its tag tree is stored
    uncompressed)."""
    import pikepdf

    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if pack else pikepdf.ObjectStreamMode.preserve
    # Same objects, same order, no new ID: the save is as deterministic as WeasyPrint's own output.
    pdf.save(out, deterministic_id=True, compress_streams=True, object_stream_mode=mode,
             stream_decode_level=pikepdf.StreamDecodeLevel.none, preserve_pdfa=True)
    return out.getvalue()


# Elements that only group others: empty, they mean nothing. (An empty table cell stays: the table's grid needs it.)
_GROUPING = {"/Span", "/Div", "/NonStruct"}


def _drop_empty(node) -> bool:
    """Remove the grouping elements under ``node`` that hold no content and say nothing (no Alt, no
    ActualText), such as the empty span that carries a running head's mark: a reader would announce an
    empty element. True if ``node`` itself is such an element."""
    import pikepdf

    k = node.get("/K")
    if isinstance(k, pikepdf.Array):
        kept = [c for c in k if not (_is_element(c) and _drop_empty(c))]
        if len(kept) != len(k):
            node.K = pikepdf.Array(kept)
    elif _is_element(k) and _drop_empty(k):
        del node["/K"]
    empty = node.get("/K") is None or (isinstance(node.get("/K"), pikepdf.Array) and not len(node.K))
    return (_is_element(node) and empty and str(node.S) in _GROUPING and "/Alt" not in node
            and "/ActualText" not in node)


def unique_outline(pdf) -> None:
    """Bookmarks a reader can tell apart (PDF/UA-1 asks for a usable outline): a title that repeats one
    before it gets its page, "Title (p. 31)"."""
    import pikepdf

    outlines = pdf.Root.get("/Outlines")
    if outlines is None or "/First" not in outlines:
        return
    pages = {p.objgen: i + 1 for i, p in enumerate(pdf.pages)}
    seen: set[str] = set()
    stack = [outlines.First]
    while stack:
        item = stack.pop()
        if "/Next" in item:
            stack.append(item.Next)
        if "/First" in item:
            stack.append(item.First)
        title = str(item.get("/Title", ""))
        if title in seen:
            dest = item.get("/Dest")
            if dest is None and "/A" in item:
                dest = item.A.get("/D")
            page = pages.get(dest[0].objgen) if isinstance(dest, pikepdf.Array) and len(dest) else None
            item.Title = pikepdf.String(f"{title} (p. {page})" if page else f"{title} (2)")
        seen.add(str(item.Title))
