#!/usr/bin/env python3
"""Dev-time script: rebuild the font subsets shipped in templates/fonts/.

The build never runs this; the subsets are committed. Run it only to change
the subsets (other characters, other features, a newer Noto release).

Inputs (downloaded once, at development time, from Debian and PyPI only):

  fonts-noto-core_20201225-1_all.deb       Debian bookworm, `apt-get download fonts-noto-core`
      -> usr/share/fonts/truetype/noto/NotoSerif-{Regular,Italic,Bold,BoldItalic}.ttf
      -> usr/share/fonts/truetype/noto/NotoSans-{Regular,Italic,Bold,BoldItalic}.ttf
      -> usr/share/fonts/truetype/noto/NotoSansMath-Regular.ttf
  noto_cjk_sans_jp_regular-0.0.1-py3-none-any.whl   PyPI `noto-cjk-sans-jp-regular`
      -> noto_cjk_sans_jp_regular/NotoSansCJKjp-Regular.otf
  noto_cjk_sans_jp_bold-0.0.1-py3-none-any.whl      PyPI `noto-cjk-sans-jp-bold`
      -> noto_cjk_sans_jp_bold/NotoSansCJKjp-Bold.otf

  fonts-noto-cjk_1%3a20220127+repack1-1_all.deb   Debian bookworm, `apt-get download fonts-noto-cjk`
      -> usr/share/fonts/opentype/noto/NotoSansCJK-{Regular,Bold}.ttc: faces 2 (SC) and 3 (TC)

`fetch` lays them out under --src as deb/usr/share/..., deb-cjk/usr/share/... and cjk/noto_cjk_sans_jp_*/.
Every original is checked against the sha256 in ORIGINALS before use, so a
rebuild either reproduces the committed files byte for byte (same fontTools
version, see README.md) or fails loudly.

Usage (from the repository root, with a venv that has fonttools; `check`
also needs matplotlib, weasyprint and pypdf):

  python tools/make_fonts.py fetch --src /tmp/fontsrc   # apt-get download + pip download, unpack
  python tools/make_fonts.py build --src /tmp/fontsrc   # write templates/fonts/*.subset.ttf + fonts.json
  python tools/make_fonts.py check                      # Matplotlib + WeasyPrint + pypdf checks

`build` writes only into templates/fonts/ (*.subset.ttf and fonts.json);
README.md and OFL.txt there are maintained by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "templates" / "fonts"

DEB = "fonts-noto-core_20201225-1_all.deb"
DEB_FONT_DIR = "deb/usr/share/fonts/truetype/noto"
CJK_DEB = "fonts-noto-cjk_1%3a20220127+repack1-1_all.deb"
CJK_DEB_DIR = "deb-cjk/usr/share/fonts/opentype/noto"
TTC_FACE = {"Noto Sans CJK SC": 2, "Noto Sans CJK TC": 3}  # face index in NotoSansCJK-*.ttc
WHEELS = {
    "noto-cjk-sans-jp-regular": "noto_cjk_sans_jp_regular-0.0.1-py3-none-any.whl",
    "noto-cjk-sans-jp-bold": "noto_cjk_sans_jp_bold-0.0.1-py3-none-any.whl",
}

# Original file (relative to --src after `fetch`) -> sha256.
ORIGINALS = {
    f"{DEB_FONT_DIR}/NotoSerif-Regular.ttf": "9d7583b7dc9e812afd32a14280c5cac3160012efe50c8d08938f4fea266ff67f",
    f"{DEB_FONT_DIR}/NotoSerif-Italic.ttf": "bc25600aa27cd409e1e5b3d86340df3a329bb860fcfbe57a03a95070b229e1b0",
    f"{DEB_FONT_DIR}/NotoSerif-Bold.ttf": "0af0ff2be8f84910fb21ec5fe1b6b7395e3073250502a334baf6ca2f860c88fe",
    f"{DEB_FONT_DIR}/NotoSerif-BoldItalic.ttf": "78a6d685e5690b7dcda0f336b689193afc03b6bab5cf18fc1a9ecc3aa0600059",
    f"{DEB_FONT_DIR}/NotoSans-Regular.ttf": "89c3c497f618fdaa0b2d1e98fef93582f28c71debd2c4a8cdf41f190ced2909d",
    f"{DEB_FONT_DIR}/NotoSans-Italic.ttf": "5d7618dda819443fd07301c84adcee9fe8960c873ea5e5e1f0f59db384b78082",
    f"{DEB_FONT_DIR}/NotoSans-Bold.ttf": "e83493c945848ecd4a9ad0f6d19164541a0d3e23a9c952304a00a46e00272ac5",
    f"{DEB_FONT_DIR}/NotoSans-BoldItalic.ttf": "4315b26e5afb62f70f5ffe0edaa3363e57765ff2af2beda12b6fef197e3e5f5a",
    f"{DEB_FONT_DIR}/NotoSansMath-Regular.ttf": "8242bd1e55368b27e32455260754cf9aa58f3ad7ea80664b66c21f1b09910d6c",
    "cjk/noto_cjk_sans_jp_regular/NotoSansCJKjp-Regular.otf": "68a3fc98800b2a27b371f2fb79991daf3633bd89309d4ffaa6946fd587f375b5",
    "cjk/noto_cjk_sans_jp_bold/NotoSansCJKjp-Bold.otf": "e53dcb0dcb2922e45d01aae1ebd2f382bb81d4229b18b6b883bd170678af1f76",
    f"{CJK_DEB_DIR}/NotoSansCJK-Regular.ttc": "b76b0433203017ca80401b2ee0dd69350349871c4b19d504c34dbdd80541690a",
}

# (output file, original, family, weight, style, role)
FONTS = [
    ("NotoSerif-Regular.subset.ttf", f"{DEB_FONT_DIR}/NotoSerif-Regular.ttf", "Noto Serif", 400, "normal", "text"),
    ("NotoSerif-Italic.subset.ttf", f"{DEB_FONT_DIR}/NotoSerif-Italic.ttf", "Noto Serif", 400, "italic", "text"),
    ("NotoSerif-Bold.subset.ttf", f"{DEB_FONT_DIR}/NotoSerif-Bold.ttf", "Noto Serif", 700, "normal", "text"),
    ("NotoSerif-BoldItalic.subset.ttf", f"{DEB_FONT_DIR}/NotoSerif-BoldItalic.ttf", "Noto Serif", 700, "italic", "text"),
    ("NotoSans-Regular.subset.ttf", f"{DEB_FONT_DIR}/NotoSans-Regular.ttf", "Noto Sans", 400, "normal", "sans"),
    ("NotoSans-Italic.subset.ttf", f"{DEB_FONT_DIR}/NotoSans-Italic.ttf", "Noto Sans", 400, "italic", "sans"),
    ("NotoSans-Bold.subset.ttf", f"{DEB_FONT_DIR}/NotoSans-Bold.ttf", "Noto Sans", 700, "normal", "sans"),
    ("NotoSans-BoldItalic.subset.ttf", f"{DEB_FONT_DIR}/NotoSans-BoldItalic.ttf", "Noto Sans", 700, "italic", "sans"),
    ("NotoSansMath-Regular.subset.ttf", f"{DEB_FONT_DIR}/NotoSansMath-Regular.ttf", "Noto Sans Math", 400, "normal", "symbols"),
    ("NotoSansCJKjp-Regular.subset.ttf", "cjk/noto_cjk_sans_jp_regular/NotoSansCJKjp-Regular.otf", "Noto Sans CJK JP", 400, "normal", "cjk"),
    ("NotoSansCJKjp-Bold.subset.ttf", "cjk/noto_cjk_sans_jp_bold/NotoSansCJKjp-Bold.otf", "Noto Sans CJK JP", 700, "normal", "cjk"),
    # Chinese glyph forms, chosen by language; Regular only, to keep the size down (bold is synthesized) (CSS :lang(zh-Hans) / :lang(zh-Hant), the charts by a name's lang)
    ("NotoSansCJKsc-Regular.subset.ttf", f"{CJK_DEB_DIR}/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC", 400, "normal", "cjk-sc"),
    ("NotoSansCJKtc-Regular.subset.ttf", f"{CJK_DEB_DIR}/NotoSansCJK-Regular.ttc", "Noto Sans CJK TC", 400, "normal", "cjk-tc"),
]

# Fallback order for CSS font-family and Matplotlib's font.family lists. The
# symbols face must follow the text face: Noto Serif/Sans lack − ≈ ≤ ≥ and
# arrows; the CJK face lacks Mongolian Ү ү Ө ө, so Latin/Cyrillic come first.
STACKS = {
    "text": ["Noto Serif", "Noto Sans Math", "Noto Sans CJK JP"],
    "sans": ["Noto Sans", "Noto Sans Math", "Noto Sans CJK JP"],
}

# --- character sets -----------------------------------------------------------

# Latin / Greek / Cyrillic text faces (Noto Serif, Noto Sans). Whole Unicode
# blocks; only code points the font actually has end up in the subset.
LATIN_BLOCKS = [
    (0x0020, 0x007E, "Basic Latin"),
    (0x00A0, 0x00FF, "Latin-1 Supplement"),
    (0x0100, 0x017F, "Latin Extended-A"),
    (0x0180, 0x024F, "Latin Extended-B"),
    (0x02B0, 0x02FF, "Spacing Modifier Letters"),  # ʹ ʺ ʻ ʼ ˘ ˙ ˚ ˛ ˜ ˝
    (0x0300, 0x036F, "Combining Diacritical Marks"),
    (0x0370, 0x03FF, "Greek and Coptic"),
    (0x0400, 0x04FF, "Cyrillic"),  # incl. Mongolian Ү ү Ө ө (U+04AE/04AF, U+04E8/04E9)
    (0x0500, 0x052F, "Cyrillic Supplement"),
    (0x1E00, 0x1EFF, "Latin Extended Additional"),
    (0x2000, 0x206F, "General Punctuation"),  # – — ‘ ’ “ ” • … ‰ ′ ″ nbsp variants
    (0x2070, 0x209F, "Superscripts and Subscripts"),
    (0x20A0, 0x20CF, "Currency Symbols"),
    (0x2100, 0x214F, "Letterlike Symbols"),  # № ℃ ™
    (0x2150, 0x218F, "Number Forms"),
    (0x25A0, 0x25FF, "Geometric Shapes"),  # only ◊ ◌ in these fonts
    (0xFB00, 0xFB06, "Alphabetic Presentation Forms (Latin ligatures)"),
    (0xFFFD, 0xFFFD, "Replacement character"),
]

# Noto Serif / Noto Sans have no arrows and no mathematical operators (not even
# U+2212 MINUS SIGN in release 2.004, nor ≈ ≤ ≥ in any release): Noto Sans Math
# supplies them as a fallback face placed right after the text face.
SYMBOL_BLOCKS = [
    (0x0020, 0x007E, "Basic Latin (space, digits for spacing/context)"),
    (0x2190, 0x21FF, "Arrows"),
    (0x2200, 0x22FF, "Mathematical Operators"),
    (0x2300, 0x23FF, "Miscellaneous Technical"),  # ⌀ ⌈ ⌉ ⌊ ⌋
    (0x27F0, 0x27FF, "Supplemental Arrows-A"),  # ⟶ ⟹
    (0x2A7D, 0x2A7E, "⩽ ⩾ (slanted ≤ ≥, usual in Russian typography)"),
]

# CJK face: blocks kept whole (again, only what the font has) ...
CJK_BLOCKS = [
    (0x0020, 0x007E, "Basic Latin"),
    (0x3000, 0x303F, "CJK Symbols and Punctuation"),
    (0x3040, 0x309F, "Hiragana"),
    (0x30A0, 0x30FF, "Katakana"),
    (0x31F0, 0x31FF, "Katakana Phonetic Extensions"),
    (0xFF00, 0xFFEF, "Halfwidth and Fullwidth Forms"),
]
# ... plus every character of these legacy double-byte character sets, found
# by decoding each 2-byte code with Python's codecs.
CJK_CHARSETS = [
    ("JIS X 0208 (levels 1+2, via euc_jp)", "euc_jp", range(0xA1, 0xFF), range(0xA1, 0xFF)),
    ("JIS X 0208 (via iso2022_jp)", "iso2022_jp", range(0x21, 0x7F), range(0x21, 0x7F)),
    ("Shift_JIS", "shift_jis", [*range(0x81, 0xA0), *range(0xE0, 0xF0)], [*range(0x40, 0x7F), *range(0x80, 0xFD)]),
    # Windows-31J adds the NEC row 13 symbols (①, Ⅰ, ㈱) and the NEC/IBM
    # extension kanji (髙, 﨑, 德 …) common in Japanese personal names.
    ("CP932 (Windows-31J) extensions", "cp932", [*range(0x81, 0xA0), *range(0xE0, 0xFD)], [*range(0x40, 0x7F), *range(0x80, 0xFD)]),
    ("GB 2312", "gb2312", range(0xA1, 0xFF), range(0xA1, 0xFF)),
    ("Big5", "big5", range(0xA1, 0xFA), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
    # CP950 = Big5 + the ETEN extensions (碁 銹 裏 墻 恒 粧 嫺 and box drawing).
    ("CP950 (Big5 + ETEN)", "cp950", range(0xA1, 0xFA), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
]


# The Chinese faces: the shared blocks, and the characters of one standard set each (the JP face, later
# in every stack, still draws anything rarer, in Japanese forms).
ZH_BLOCKS = [
    (0x0020, 0x007E, "Basic Latin"),
    (0x3000, 0x303F, "CJK Symbols and Punctuation"),
    (0xFF00, 0xFFEF, "Halfwidth and Fullwidth Forms"),
]
ZH_CHARSETS = {
    # GB 2312: all 6,763 hanzi of simplified Chinese use, levels 1 and 2; and Big5 level 1, since names
    # tagged plain "zh" (set in SC) often keep traditional forms (滿洲國)
    "cjk-sc": [("GB 2312", "gb2312", range(0xA1, 0xFF), range(0xA1, 0xFF)),
               ("Big5 level 1", "big5", range(0xA1, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)])],
    # Big5 symbols (rows A1–A3) and its level 1, the 5,401 frequently used hanzi (rows A4–C6)
    "cjk-tc": [("Big5 level 1", "big5", range(0xA1, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)])],
}


def zh_unicodes(role: str, verbose: bool = False) -> set[int]:
    cps = blocks_to_set(ZH_BLOCKS)
    for name, codec, leads, trails in ZH_CHARSETS[role]:
        got = charset_codepoints(codec, leads, trails)
        if verbose:
            print(f"  {role} {name}: {len(got)} code points")
        cps |= got
    return cps


def blocks_to_set(blocks) -> set[int]:
    return {cp for lo, hi, _ in blocks for cp in range(lo, hi + 1)}


def charset_codepoints(codec: str, leads, trails) -> set[int]:
    out: set[int] = set()
    for lead in leads:
        for trail in trails:
            raw = bytes((lead, trail))
            if codec == "iso2022_jp":
                raw = b"\x1b$B" + raw + b"\x1b(B"
            try:
                s = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            # skip ASCII and the Private Use Area (CP932/CP950 user-defined rows)
            if len(s) == 1 and ord(s) >= 0x80 and unicodedata.category(s) != "Co":
                out.add(ord(s))
    return out


def latin_unicodes() -> set[int]:
    return blocks_to_set(LATIN_BLOCKS)


def symbol_unicodes() -> set[int]:
    return blocks_to_set(SYMBOL_BLOCKS)


def cjk_unicodes(verbose: bool = False) -> set[int]:
    cps = blocks_to_set(CJK_BLOCKS)
    for name, codec, leads, trails in CJK_CHARSETS:
        got = charset_codepoints(codec, leads, trails)
        if verbose:
            print(f"  {name}: {len(got)} code points ({len(got - cps)} new)")
        cps |= got
    return cps


# --- fetch ------------------------------------------------------------------------


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cmd_fetch(src: Path) -> None:
    """Download the originals (Debian + PyPI only) and unpack them under src."""
    src.mkdir(parents=True, exist_ok=True)
    if not (src / DEB).exists():
        # needs `apt-get update` to have run once on this machine
        subprocess.run(["apt-get", "download", "fonts-noto-core=20201225-1"], cwd=src, check=True)
    subprocess.run(["dpkg-deb", "-x", DEB, "deb"], cwd=src, check=True)
    if not (src / CJK_DEB).exists():
        subprocess.run(["apt-get", "download", "fonts-noto-cjk=1:20220127+repack1-1"], cwd=src, check=True)
    subprocess.run(["dpkg-deb", "-x", CJK_DEB, "deb-cjk"], cwd=src, check=True)
    for pkg, whl in WHEELS.items():
        if not (src / whl).exists():
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(src), f"{pkg}==0.0.1"], check=True)
        with zipfile.ZipFile(src / whl) as z:
            z.extractall(src / "cjk")
    verify_originals(src)


def verify_originals(src: Path, only: set[str] | None = None) -> None:
    bad = []
    for rel, want in ORIGINALS.items():
        if only is not None and rel not in only:
            continue
        p = src / rel
        if not p.exists():
            bad.append(f"missing {p}")
        elif sha256(p) != want:
            bad.append(f"sha256 mismatch {p}")
    if bad:
        sys.exit("originals not as expected:\n  " + "\n  ".join(bad))


# --- build ------------------------------------------------------------------------


def subset_font(src_path: Path, out_path: Path, unicodes: set[int], role: str, face: int = -1) -> dict:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    opts = subset.Options()
    opts.name_IDs = ["*"]  # keep copyright, licence, trademark, typographic names
    opts.name_languages = ["*"]
    opts.name_legacy = True
    opts.notdef_outline = True
    opts.glyph_names = False
    opts.hinting = True
    opts.legacy_kern = True
    opts.drop_tables = list(opts.drop_tables) + ["DSIG"]
    if role.startswith("cjk"):
        # Horizontal text only, no locale switching: drop every GSUB/GPOS
        # feature (vert, locl, fwid, hwid, jp78/jp83/jp90, aalt, palt, ...).
        # Alternate glyphs reachable only through them are dropped too.
        opts.layout_features = []
        opts.drop_tables += ["vhea", "vmtx", "VORG"]  # vertical metrics: unused
    else:
        opts.layout_features = ["*"]  # kern, liga, onum/lnum/tnum/pnum, smcp, frac, case, ...
    # recalcTimestamp=False keeps the original head.modified: byte-reproducible.
    font = TTFont(str(src_path), recalcTimestamp=False, lazy=False, fontNumber=face)
    sub = subset.Subsetter(options=opts)
    sub.populate(unicodes=unicodes)
    sub.subset(font)
    if "CFF " in font:
        cff_to_truetype(font)
    font.save(str(out_path))
    font.close()
    return inspect_font(out_path)


def cff_to_truetype(font, max_err: float = 1.0) -> None:
    """Replace CFF (cubic) outlines with TrueType (quadratic) glyf outlines, in place.

    Why: Matplotlib's PDF/PS backends cannot embed CFF-flavoured OpenType as
    Type 42 (matplotlib/matplotlib#2869: with pdf.fonttype 42 it writes the CFF
    font into /FontFile2, which the PDF spec reserves for TrueType). A glyf
    font works with every backend and with WeasyPrint/HarfBuzz alike.
    max_err is in font units (1/1000 em): the approximation is invisible.
    The CFF hints are lost; Matplotlib's and PDF viewers' rasterizers do not
    need them. Costs ~13 % in file size.
    """
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyphset = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        glyphset[name].draw(Cu2QuPen(pen, max_err=max_err, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]
    for tag in ("VORG",):
        if tag in font:
            del font[tag]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    head = font["head"]
    head.glyphDataFormat = 0
    head.indexToLocFormat = 0  # recomputed on save
    post = font["post"]
    post.formatType = 3.0  # no glyph names, as in the other subsets
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"


def inspect_font(path: Path) -> dict:
    from fontTools.ttLib import TTFont

    f = TTFont(str(path), lazy=True)
    names = {r.nameID: str(r) for r in f["name"].names if r.platformID == 3 and r.langID == 0x409}
    feats = {}
    for t in ("GSUB", "GPOS"):
        if t in f and f[t].table.FeatureList:
            feats[t] = sorted({fr.FeatureTag for fr in f[t].table.FeatureList.FeatureRecord})
    info = {
        "codepoints": len(f.getBestCmap()),
        "glyphs": f["maxp"].numGlyphs,
        "family_name_id1": names.get(1),
        "subfamily_name_id2": names.get(2),
        "typographic_family_id16": names.get(16),
        "postscript_name": names.get(6),
        "version": names.get(5),
        "features": feats,
        "outlines": "CFF" if "CFF " in f else "TrueType",
    }
    f.close()
    return info


def cmd_build(src: Path, only: str | None = None) -> None:
    """Write the subsets (with ``only``: just the files whose name starts with it, keeping the other
    fonts.json entries as they are) and fonts.json."""
    prefixes = tuple(only.split(",")) if only else ()
    wanted = [f for f in FONTS if only is None or f[0].startswith(prefixes)]
    verify_originals(src, {f[1] for f in wanted})
    OUT.mkdir(parents=True, exist_ok=True)
    latin = latin_unicodes()
    symbols = symbol_unicodes()
    print("CJK character sets:")
    cjk = cjk_unicodes(verbose=True)
    print(f"  requested CJK code points: {len(cjk)}; Latin/Greek/Cyrillic requested: {len(latin)}")
    old = {e["file"]: e for e in load_fonts_json()} if only is not None else {}
    entries = []
    for out_name, orig, family, weight, style, role in FONTS:
        if only is not None and not out_name.startswith(prefixes):
            if out_name in old:
                entries.append(old[out_name])
            continue
        out_path = OUT / out_name
        if role in ZH_CHARSETS:
            unicodes = zh_unicodes(role, verbose=True)
        else:
            unicodes = {"cjk": cjk, "symbols": symbols}.get(role, latin)
        info = subset_font(src / orig, out_path, unicodes, role, TTC_FACE.get(family, -1))
        if info["family_name_id1"] != family:
            sys.exit(f"{out_name}: family name is {info['family_name_id1']!r}, expected {family!r}")
        size = out_path.stat().st_size
        print(f"{out_name}: {size:,} bytes, {info['codepoints']} code points, {info['glyphs']} glyphs, features {info['features']}")
        entries.append(
            {
                "file": out_name,
                "family": family,
                "weight": weight,
                "style": style,
                "role": role,
                "format": "truetype",
                "codepoints": info["codepoints"],
                "bytes": size,
                "sha256": sha256(out_path),
                "source": Path(orig).name + (f" (face {TTC_FACE[family]})" if family in TTC_FACE else ""),
                "source_sha256": ORIGINALS[orig],
            }
        )
    doc = {
        "comment": "Generated by tools/make_fonts.py build; see README.md. Fonts: SIL OFL 1.1 (OFL.txt).",
        "stacks": STACKS,
        "fonts": entries,
    }
    (OUT / "fonts.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print("wrote", OUT / "fonts.json")


# --- check ------------------------------------------------------------------------

# In the charsets but not in Noto Sans CJK JP 2.004 itself (not lost by subsetting).
CJK_ABSENT_UPSTREAM = "\u02cd\u203e\u223c\u2252"  # ˍ ‾ ∼ ≒

SAMPLES_CJK = ["乾岔子島事件", "张鼓峰事件", "滿洲國", "ノモンハン事件", "ハルハ河", "髙橋"]
SAMPLES_LATIN = ["Халхын гол", "Үүрийн Өлзий ү ө", "Tōkyō Ōsaka Ryūkyū", "Zhāng Gǔfēng shì jiàn ǎ ǔ ì",
                 "1939–1945 — “quoted” ‘q’ • … × − ≤ ≥ ~ ≈ 45° № ½"]


def load_fonts_json() -> list[dict]:
    return json.loads((OUT / "fonts.json").read_text(encoding="utf-8"))["fonts"]


def check_coverage(fonts: list[dict]) -> None:
    from fontTools.ttLib import TTFont

    cm = {}
    for e in fonts:
        assert sha256(OUT / e["file"]) == e["sha256"], f"{e['file']}: sha256 differs from fonts.json"
        cm[e["file"]] = have = set(TTFont(str(OUT / e["file"]), lazy=True).getBestCmap())
        assert len(have) == e["codepoints"], e["file"]
    symbols = set().union(*(cm[e["file"]] for e in fonts if e["role"] == "symbols"))
    for e in fonts:
        have = cm[e["file"]]
        if e["role"] == "cjk":
            missing = {c for c in "".join(SAMPLES_CJK) if ord(c) not in have}
            for name, codec, leads, trails in CJK_CHARSETS:
                s = charset_codepoints(codec, leads, trails)
                lack = "".join(map(chr, sorted(s - have)))
                print(f"  {e['file']}: {name}: {len(s) - len(lack)}/{len(s)}; lacking {lack!r}")
                assert set(lack) <= set(CJK_ABSENT_UPSTREAM), f"{e['file']}: {name} lacks {lack!r}"
        elif e["role"] in ("text", "sans"):
            sample = {c for c in "".join(SAMPLES_LATIN) if c != " "}
            missing = {c for c in sample if ord(c) not in have and ord(c) not in symbols}
            from_symbols = "".join(sorted(c for c in sample if ord(c) not in have))
            print(f"  {e['file']}: samples ok; from the symbols face: {from_symbols!r}")
        else:
            missing = set()
        assert not missing, f"{e['file']} lacks {''.join(sorted(missing))}"
    print("coverage: ok")


def check_matplotlib(fonts: list[dict], outdir: Path) -> None:
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    for e in fonts:
        font_manager.fontManager.addfont(str(OUT / e["file"]))
    for e in fonts:
        prop = font_manager.FontProperties(family=e["family"], weight=e["weight"], style=e["style"])
        p = font_manager.findfont(prop, fallback_to_default=False)
        assert Path(p).name == e["file"], (e["file"], p)
        print(f"  findfont({e['family']!r}, {e['weight']}, {e['style']}) -> {Path(p).name}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fonttype in (3, 42):
            for families in (STACKS["sans"], STACKS["text"], ["Noto Sans CJK JP"]):
                matplotlib.rcParams["pdf.fonttype"] = fonttype
                matplotlib.rcParams["svg.fonttype"] = "none"
                fig, ax = plt.subplots(figsize=(7, 5))
                texts = SAMPLES_CJK + ["Халхын"] if families == ["Noto Sans CJK JP"] else SAMPLES_CJK + SAMPLES_LATIN
                for i, t in enumerate(texts):
                    ax.text(0.02, 0.95 - i * 0.08, t, family=families, fontsize=11, transform=ax.transAxes,
                            weight="bold" if i % 2 else "normal", style="italic" if i % 4 == 3 else "normal")
                ax.set_title("張鼓峰 / 张鼓峰 / Халхын гол", family=families)
                ax.plot([-2, 3], [-1, 2])  # negative ticks: U+2212 MINUS SIGN (axes.unicode_minus)
                for lab in ax.get_xticklabels() + ax.get_yticklabels():
                    lab.set_family(families)
                tag = "_".join(f.replace(" ", "") for f in families) + f"_t{fonttype}"
                for ext in ("png", "svg", "pdf"):
                    fig.savefig(outdir / f"mpl_{tag}.{ext}", dpi=100)
                plt.close(fig)
    print(f"matplotlib: ok (PNG/SVG/PDF, pdf.fonttype 3 and 42, warnings as errors) -> {outdir}")


def check_weasyprint(fonts: list[dict], outdir: Path) -> None:
    import pypdf
    import weasyprint

    css = []
    for e in fonts:
        css.append(
            "@font-face { font-family: '%s'; src: url('%s') format('%s'); font-weight: %d; font-style: %s; }"
            % (e["family"], (OUT / e["file"]).as_uri(), e["format"], e["weight"], e["style"])
        )
    body = "".join(f"<p>{t}</p><p><b>{t}</b></p>" for t in SAMPLES_CJK + SAMPLES_LATIN)

    def stack(role: str) -> str:
        return ", ".join(f"'{f}'" for f in STACKS[role])

    html = f"""<html lang="en"><head><style>{''.join(css)}
      body {{ font-family: {stack("text")}; }}
      h1, .sans {{ font-family: {stack("sans")}; }}
      </style></head><body><h1>乾岔子島事件 Халхын</h1><div class="sans"><i>Ōsaka Үү Өө</i> {body}</div>
      <p>{body}</p><p><i>Italic Ōsaka Үү Өө</i> <b><i>Bold italic ǎ ǔ ì</i></b></p></body></html>"""
    pdf = outdir / "weasyprint.pdf"
    weasyprint.HTML(string=html).write_pdf(pdf)
    reader = pypdf.PdfReader(pdf)
    text = "".join(p.extract_text() for p in reader.pages)
    compact = "".join(text.split())
    for t in SAMPLES_CJK + SAMPLES_LATIN + ["Халхын"]:
        assert "".join(t.split()) in compact, f"pypdf did not extract {t!r}"
    used = set()
    for page in reader.pages:
        for f in page["/Resources"]["/Font"].values():
            used.add(str(f.get_object()["/BaseFont"]))
    print(f"weasyprint: ok ({pdf.stat().st_size:,} bytes, {len(reader.pages)} page(s)); fonts embedded: {sorted(used)}")
    bad = [u for u in used if "Noto" not in u]
    assert not bad, f"non-Noto fonts embedded (fontconfig substitution): {bad}"
    assert any("Noto-Sans-Math" in u for u in used), "symbols face not used for − ≈ ≤ ≥"


def cmd_check(outdir: Path | None) -> None:
    fonts = load_fonts_json()
    outdir = outdir or Path(tempfile.mkdtemp(prefix="fontcheck-"))
    outdir.mkdir(parents=True, exist_ok=True)
    check_coverage(fonts)
    check_matplotlib(fonts, outdir)
    check_weasyprint(fonts, outdir)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sp = ap.add_subparsers(dest="cmd", required=True)
    for name in ("fetch", "build"):
        p = sp.add_parser(name)
        p.add_argument("--src", type=Path, default=Path(os.environ.get("FONT_SRC", "/tmp/fontsrc")),
                       help="folder holding the downloaded originals (default $FONT_SRC or /tmp/fontsrc)")
        if name == "build":
            p.add_argument("--only", default=None,
                           help="rebuild only the files whose names start with these (comma-separated, e.g. NotoSansCJKsc,NotoSansCJKtc)")
    p = sp.add_parser("check")
    p.add_argument("--out", type=Path, default=None, help="folder for the test PNG/SVG/PDF files")
    a = ap.parse_args(argv)
    if a.cmd == "fetch":
        cmd_fetch(a.src)
    elif a.cmd == "build":
        cmd_build(a.src, a.only)
    else:
        cmd_check(a.out)


if __name__ == "__main__":
    main()
