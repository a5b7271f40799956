"""One PDF from the parts chunks.py renders: what one WeasyPrint render of the whole would have written.

With pikepdf (qpdf). The parts' pages follow one another; then the pieces each part wrote for itself are
made one:
- **the tag tree**: one Document element holding every part's elements, one parent tree numbered as
  WeasyPrint numbers it (page i is key i, the link annotations follow the last page);
- **the bookmarks**: made again from every page's bookmarks by WeasyPrint's own rule (so a part that
  starts below another part's heading nests as in one render), then made unique as pdftags.finish does;
- **the named destinations** that the links point to: each anchor's from the part that holds it (a part
  holds an empty stand-in for every link target in another part, so that WeasyPrint writes those links);
- **the fonts**: the parts embed the same subset of each font (they pool their glyphs before embedding), so
  every page refers to the first part's copy and the others are not written.
The first part's catalog stays (metadata, language, attachments, output intent). qpdf writes only the objects
still referred to, so what the other parts wrote for themselves and no page uses is left out.
"""

from __future__ import annotations

import io
import warnings


def _flat_nums(tree) -> list[tuple[int, object]]:
    out, stack = [], [tree]
    while stack:
        node = stack.pop()
        if "/Nums" in node:
            nums = node.Nums
            out.extend((int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2))
        stack.extend(node.get("/Kids", []))
    return sorted(out, key=lambda item: item[0])


def bookmark_tree(pages: list[tuple[list, float]]) -> list:
    """The outline of the whole document from each page's bookmarks (``Page.bookmarks``: level, label, point,
    state) and height, by WeasyPrint's own rule (``make_page_bookmark_tree``, as ``Document.make_bookmark_tree``
    calls it): a part that starts below a heading of another part nests as it would in one render."""
    from types import SimpleNamespace

    from weasyprint.anchors import make_page_bookmark_tree
    from weasyprint.matrix import Matrix

    root: list = []
    skipped: list = []
    last_by_depth, previous = [root], 0
    for number, (bookmarks, height) in enumerate(pages):
        page = SimpleNamespace(bookmarks=bookmarks, height=height)
        previous = make_page_bookmark_tree(page, skipped, last_by_depth, previous, number,
                                           Matrix(a=0.75, d=-0.75, f=height * 0.75))
    return root


def _write_outline(pdf, tree: list) -> None:
    """The outline as WeasyPrint writes it (pdf/anchors.add_outlines), from a bookmark tree."""
    import pikepdf

    if "/Outlines" in pdf.Root:
        del pdf.Root["/Outlines"]
    if not tree:
        return
    page_objects = [p.obj for p in pdf.pages]

    def write(entries, parent) -> tuple[list, int]:
        made, count = [], len(entries)
        for label, (page, x, y), children, state in entries:
            node = pdf.make_indirect(pikepdf.Dictionary(
                Title=pikepdf.String(label), Dest=pikepdf.Array([page_objects[page], pikepdf.Name.XYZ, x, y, 0])))
            kids, kid_count = write(children, node)
            node.Count = -kid_count if state == "closed" else kid_count
            if state != "closed":
                count += kid_count
            if made:
                node.Prev = made[-1]
                made[-1].Next = node
            if kids:
                node.First, node.Last = kids[0], kids[-1]
            node.Parent = parent
            made.append(node)
        return made, count

    root = pdf.make_indirect(pikepdf.Dictionary())
    tops, count = write(tree, root)
    root.First, root.Last, root.Count = tops[0], tops[-1], count
    pdf.Root.Outlines = root


def _dests(pdf, pages: dict, skip: set[str]) -> list[tuple[str, int, list]]:
    import pikepdf

    names = pdf.Root.get("/Names")
    dests = names.get("/Dests") if names is not None else None
    if dests is None:
        return []
    out, stack = [], [dests]
    while stack:
        node = stack.pop()
        if "/Names" in node:
            array = node.Names
            for i in range(0, len(array), 2):
                name, dest = str(array[i]), array[i + 1]
                if name in skip or not isinstance(dest, pikepdf.Array) or not len(dest):
                    continue
                page = pages.get(dest[0].objgen)
                if page is not None:
                    out.append((name, page, list(dest[1:])))
        stack.extend(node.get("/Kids", []))
    return out


def merge(parts: list[bytes], stand_ins: list[list[str]], bookmarks: list[tuple[list, float]]) -> bytes:
    """The parts (PDF bytes, in order) as one PDF. ``stand_ins[i]``: the anchors part i holds only as a
    stand-in for a link target in another part; ``bookmarks``: every page's bookmarks and height (bookmark_tree)."""
    import pikepdf

    from borderwar_report.documents.pdftags import save, unique_outline

    sources = [pikepdf.open(io.BytesIO(data)) for data in parts]
    base = sources[0]
    counts = [len(src.pages) for src in sources]
    offsets = [sum(counts[:i]) for i in range(len(sources))]
    dests, trees = {}, []
    for src, offset, skip in zip(sources, offsets, stand_ins, strict=True):
        local = {p.obj.objgen: offset + i for i, p in enumerate(src.pages)}
        for name, page, tail in _dests(src, local, set(skip)):
            dests.setdefault(name, (page, tail))
    # (Read before the pages move: outline and destinations refer to the parts' own page objects.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning if hasattr(pikepdf, "PageCopyWarning") else Warning)
        for src in sources[1:]:
            base.pages.extend(src.pages)  # named destinations are rebuilt below
    pages = list(base.pages)

    # Fonts: one copy per resource name (the parts embed the same pooled subset under the font's hash).
    canonical, seen_dicts = {}, set()
    for page in pages:
        fonts = page.obj.get("/Resources", {}).get("/Font")
        if fonts is None or fonts.objgen in seen_dicts:
            continue
        seen_dicts.add(fonts.objgen)
        for key in list(fonts.keys()):
            if key in canonical:
                fonts[key] = canonical[key]
            else:
                canonical[key] = fonts[key]

    # Tag tree.
    if "/StructTreeRoot" in base.Root:
        root = base.Root.StructTreeRoot
        document = root.K[0] if isinstance(root.K, pikepdf.Array) else root.K
        trees.append((_flat_nums(root.ParentTree), 0))
        for index, src in enumerate(sources[1:], 1):
            copied = base.copy_foreign(src.Root.StructTreeRoot)
            other = copied.K[0] if isinstance(copied.K, pikepdf.Array) else copied.K
            for kid in (other.K if isinstance(other.K, pikepdf.Array) else [other.K]):
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    kid.P = document
                document.K.append(kid)
            if "/IDTree" in copied:
                ids = root.get("/IDTree")
                if ids is None:
                    root.IDTree = pikepdf.Dictionary(Names=pikepdf.Array())
                root.IDTree.Names.extend(list(copied.IDTree.get("/Names", [])))
            trees.append((_flat_nums(copied.ParentTree), index))
        nums, annot_key = [], len(pages)
        for (entries, _index), offset, count in zip(trees, offsets, counts, strict=True):
            renumbered = {}
            for i in range(count):
                page = pages[offset + i].obj
                page.StructParents = offset + i
                for annot in page.get("/Annots", []):
                    if "/StructParent" in annot:
                        renumbered[int(annot.StructParent)] = annot_key
                        annot.StructParent = annot_key
                        annot_key += 1
            for key, value in entries:
                if key < count:
                    nums.append((offset + key, value))
                elif key in renumbered:
                    nums.append((renumbered[key], value))
        flat = pikepdf.Array()
        for key, value in sorted(nums, key=lambda item: item[0]):
            flat.append(key)
            flat.append(value)
        root.ParentTree = base.make_indirect(pikepdf.Dictionary(Nums=flat))
        root.ParentTreeNextKey = annot_key
        if "/IDTree" in root:
            names = list(root.IDTree.Names)
            pairs = sorted(((str(names[i]), names[i + 1]) for i in range(0, len(names), 2)), key=lambda p: p[0])
            root.IDTree.Names = pikepdf.Array([x for name, ref in pairs for x in (pikepdf.String(name), ref)])

    # Named destinations, sorted as a name tree must be.
    if dests:
        array = pikepdf.Array()
        for name in sorted(dests):
            page, tail = dests[name]
            array.append(pikepdf.String(name))
            array.append(pikepdf.Array([pages[page].obj, *tail]))
        if "/Names" not in base.Root:
            base.Root.Names = pikepdf.Dictionary()
        base.Root.Names.Dests = base.make_indirect(pikepdf.Dictionary(Names=array))

    _write_outline(base, bookmark_tree(bookmarks))
    unique_outline(base)
    return save(base, pack=True)
