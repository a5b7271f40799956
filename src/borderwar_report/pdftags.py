"""Finishing WeasyPrint 70's tagged PDF for PDF/UA-1 (ISO 14289-1), as far as a post-process can.

WeasyPrint 70 (``pdf_tags=True``) writes a structure tree, but
- tags the running heads, footers and page numbers (the @page margin boxes) as Span elements whose
  NonStruct parent hangs off the Document without being one of its kids: reachable by no reader, and
  not marked as page furniture (PDF/UA-1 7.8 wants pagination artifacts);
- tags each footnote as a Span in a NonStruct footnote area (PDF/UA-1 7.9 wants Note, with an ID);
- gives table header cells no Scope (PDF/UA-1 7.5);
- drops the ``lang`` of an element inside the text (PDF/UA-1 7.2 wants a Lang on text in another language).

``finish`` fixes those four things with pikepdf and leaves everything else byte for byte as it was
written, so two builds of the same input still give identical files. Each property has a test; an
upgrade of WeasyPrint that changes the tree it writes makes those tests fail rather than pass silently.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict

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


def _mcid_texts(pdf_bytes: bytes) -> dict[int, dict[int, str]]:
    """Per page index, the text of each marked-content id (pypdf decodes the fonts)."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    out: dict[int, dict[int, str]] = {}
    for index, page in enumerate(reader.pages):
        texts: dict[int, list[str]] = defaultdict(list)
        current: list[int | None] = [None]

        def before(op, args, cm, tm, _current=current):
            if op == b"BDC" and len(args) > 1 and hasattr(args[1], "get") and "/MCID" in args[1]:
                _current[0] = int(args[1]["/MCID"])
            elif op == b"EMC":
                _current[0] = None

        def text(t, cm, tm, font, size, _current=current, _texts=texts):
            if _current[0] is not None and t:
                _texts[_current[0]].append(t)

        page.extract_text(visitor_operand_before=before, visitor_text=text)
        out[index] = {k: "".join(v) for k, v in texts.items()}
    return out


def finish(pdf_bytes: bytes, languages: dict[str, str] | None = None) -> bytes:
    """The PDF with pagination artifacts, Note elements, header Scope and inline Lang (see the module).

    ``languages`` maps a text in another language (a native name) to its BCP 47 tag; a Span whose whole
    text is one of them gets that Lang."""
    import pikepdf

    languages = {k.strip(): v for k, v in (languages or {}).items() if k.strip()}
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
            entry[mcid] = pikepdf.Null() if hasattr(pikepdf, "Null") else None

    # 2. Footnotes: the Document's NonStruct footnote areas hold one Span per note, each starting with
    #    its marker (a NonStruct); they become Note elements with an ID.
    note_number = 0
    for area in _kids(document):
        if not (_is_element(area) and area.S == "/NonStruct"):
            continue
        notes = [k for k in _kids(area) if _is_element(k)]
        if not notes or not all(n.S == "/Span" and _kids(n) and _is_element(_kids(n)[0])
                                and _kids(n)[0].S == "/NonStruct" for n in notes):
            continue
        for n in notes:
            note_number += 1
            n.S = pikepdf.Name("/Note")
            n.ID = pikepdf.String(f"note-{note_number}")

    # 3. Table header cells: Scope Column in a header row group or when spanning the whole table (a
    #    sub-heading row), Row otherwise (the first cell of a body row).
    texts = _mcid_texts(pdf_bytes) if languages else {}
    page_index = {p.objgen: i for i, p in enumerate(pdf.pages)}
    stack = [document]
    while stack:
        element = stack.pop()
        kids = [k for k in _kids(element) if _is_element(k)]
        stack.extend(kids)
        if element.S == "/TH":
            attributes = element.get("/A")
            if not isinstance(attributes, pikepdf.Dictionary):
                attributes = pikepdf.Dictionary(O=pikepdf.Name("/Table"))
                element.A = attributes
            if "/Scope" not in attributes:
                row = element.get("/P")
                group = row.get("/P") if _is_element(row) else None
                columns = len([k for k in _kids(row) if _is_element(k)]) if _is_element(row) else 1
                spans_all = int(attributes.get("/ColSpan", 1)) > 1 and columns == 1
                header = _is_element(group) and group.S == "/THead"
                attributes.Scope = pikepdf.Name("/Column" if header or spans_all else "/Row")
        # 4. Lang on a Span whose text is a name in another language.
        if languages and element.S == "/Span" and "/Lang" not in element:
            text = _element_text(element, texts, page_index)
            lang = languages.get(text.strip()) if text else None
            if lang:
                element.Lang = pikepdf.String(lang)

    out = io.BytesIO()
    # Same objects, same order, no new ID: the save is as deterministic as WeasyPrint's own output.
    pdf.save(out, deterministic_id=True, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.preserve,
             stream_decode_level=pikepdf.StreamDecodeLevel.none, preserve_pdfa=True)
    return out.getvalue()


def _element_text(element, texts: dict[int, dict[int, str]], page_index: dict) -> str:
    """The text of an element's own marked content (its direct MCIDs, on its page)."""
    page = element.get("/Pg")
    if page is None:
        return ""
    index = page_index.get(page.objgen)
    if index is None:
        return ""
    parts = []
    for k in _kids(element):
        if isinstance(k, int) or (hasattr(k, "__int__") and not hasattr(k, "keys")):
            try:
                parts.append(texts.get(index, {}).get(int(k), ""))
            except (TypeError, ValueError):
                return ""
        else:
            return ""  # an element with child elements is not one name
    return "".join(parts)
