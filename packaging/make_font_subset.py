"""Build the bundled CJK font: Noto Sans CJK SC → TrueType (glyf) subset.

reportlab embeds only TrueType-outline fonts and the upstream Noto Sans CJK
fonts are CFF, so we take the SC face of the Debian TTC, subset it (GB2312 +
Latin + punctuation + technical symbols + extra characters common in given
names), and convert its cubic outlines to quadratic ones with cu2qu the way
fontTools' ``snippets/otf2ttf.py`` does. Characters Noto Sans CJK lacks
(most of Latin Extended-A, a few ballot marks) are copied from Noto Sans and
Noto Sans Symbols 2, both OFL 1.1 as well.

Reproduce (Debian bookworm; see app/resources/fonts/README.md)::

    apt-get download fonts-noto-cjk fonts-noto-core
    dpkg-deb -x fonts-noto-cjk_*_all.deb /tmp/noto
    dpkg-deb -x fonts-noto-core_*_all.deb /tmp/noto
    SOURCE_DATE_EPOCH=1643241600 python packaging/make_font_subset.py \\
        --cjk /tmp/noto/usr/share/fonts/opentype/noto \\
        --donors /tmp/noto/usr/share/fonts/truetype/noto \\
        --out app/resources/fonts

``--fallback`` builds the small per-character fallback instead: the
characters listed in ``app/resources/fonts/fallback-chars.txt`` (rare CJK
Extension A/B… characters found in names) as "Noto Sans SC Ext"::

    SOURCE_DATE_EPOCH=1643241600 python packaging/make_font_subset.py --fallback \\
        --cjk /tmp/noto/usr/share/fonts/opentype/noto --out app/resources/fonts

Needs only fontTools; a build-time tool, not a runtime dependency.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.transformPen import TransformPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

# Cubic→quadratic tolerance in font units (UPM 1000): what otf2ttf uses,
# invisible at any print size.
MAX_ERR = 1.0
SC_FACE = "Noto Sans CJK SC"
FAMILY = "Noto Sans SC"
FALLBACK_FAMILY = "Noto Sans SC Ext"
FALLBACK_LIST = Path(__file__).resolve().parent.parent / "app/resources/fonts/fallback-chars.txt"

# Ranges beyond GB2312 (inclusive).
RANGES: list[tuple[int, int]] = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement (° ± × ÷ µ · ² ³ ¥ é ü)
    (0x0100, 0x017F),  # Latin Extended-A (Łukasz, Dvořák; most from Noto Sans)
    (0x2000, 0x206F),  # general punctuation (— – … “ ” ‘ ’ • ‰ ※)
    (0x2070, 0x209F),  # superscripts and subscripts
    (0x20A0, 0x20CF),  # currency (€)
    (0x2100, 0x214F),  # letterlike (№ ℃ Ω ™)
    (0x2150, 0x218F),  # number forms (Ⅰ Ⅱ ⅓)
    (0x2190, 0x21FF),  # arrows (→ ⇒)
    (0x2200, 0x22FF),  # mathematical operators (≤ ≥ ≈ ∑)
    (0x2460, 0x24FF),  # enclosed alphanumerics (① ②)
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes (■ □ ● ○ ▲)
    (0x2600, 0x26FF),  # miscellaneous symbols (☆ ★ ⚠)
    (0x2700, 0x27BF),  # dingbats (✓ ✗)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x32FF),  # enclosed CJK (㈠)
    (0x3300, 0x33FF),  # CJK compatibility (㎜ ㎡ ㎏)
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half-width and full-width forms
]

# Characters outside GB2312 that are common in given names (GB2312 predates
# many of them); a certificate must print the learner's name correctly.
# Those already in GB2312 are harmless duplicates.
NAME_CHARS = (
    "喆堃赟玥珺琤昉昇旻晞晟祎翀彧璟瑄瑆珣玙璠瑒埼崟镕铖锘淏沄湉洺浛汐芃棽桉槿"
    "翊翾姮玓镔琮瑀頔昶炅炘焓熠燊濛伋偲垚犇骉昀旸曌妤嫚婳琇珩瑨玹琀瑢璘璐"
    "翃翚旼昕晙暐烜炜煊熹燚鋆钖钧钰铠锴鑫铭锶镓镱铄珈珞琍瑗璿奕妍妘妧姞娪婕嫱"
    "嬅孺宸峣崑嵛嵩巍彬徕恺悦悫慜懋斐晏晖晗晔暄曦朴朗杉杺枫柘栎栩桢梓棠楷榕"
    "樾橦檀汭沅沣泓泷洵浔浠涵淇渲湘溱滢潆澄澍濂瀚灿炯烨焜煜熙燕珏珑琛"
    "琦琨琪琰琳瑛瑜瑞瑶璇璋璨瓒甯皓睿祺禹稷穆筠箐紫缇羲翔翡聿臻舜芮苒茗荟莘"
    "菡萱蔚蕙蕾薇蘅诩谦谨赫跃轩辰逸遥邈铮锦镛雯霏霖韬颀颢飏馨骁骞鸿鹏黛"
)

# Noto Sans CJK's curly quotes are full-width (1000 units), which looks gappy
# in English text; map them to the font's own proportional ("pwid") forms.
PROPORTIONAL = "‘’“”"

# Donor fonts (OFL 1.1, TrueType, UPM 1000) for characters Noto Sans CJK lacks.
# Noto Sans's Latin is scaled to Noto Sans CJK's cap height (733 vs 714).
LATIN_DONOR = {"Regular": "NotoSans-Regular.ttf", "Bold": "NotoSans-Bold.ttf"}
LATIN_SCALE = 733 / 714
SYMBOL_DONOR = "NotoSansSymbols2-Regular.ttf"  # no Bold upstream
SYMBOL_CHARS = "✔✕✖✗✘☐☑☒"

OPTIONS = {
    # Horizontal SC typesetting only: "locl" alone would pull in ~6000 JP/KR/TC
    # glyph variants, and vertical forms are never used by the app.
    "layout_features": ["kern", "liga", "ccmp", "palt", "halt", "chws"],
    "name_IDs": ["*"],          # keep copyright (0), licence (13) and URL (14)
    "name_legacy": True,
    "name_languages": ["*"],
    "notdef_outline": True,
    "recalc_bounds": True,
    "hinting": False,           # CFF hints do not survive the conversion anyway
    "drop_tables": ["VORG", "BASE", "DSIG", "vhea", "vmtx"],
}


def gb2312_codepoints() -> set[int]:
    """Every character GB2312 encodes (6763 hanzi plus 682 symbols)."""
    found: set[int] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return found


def wanted_codepoints() -> set[int]:
    cps = gb2312_codepoints()
    for lo, hi in RANGES:
        cps.update(range(lo, hi + 1))
    cps.update(ord(c) for c in NAME_CHARS)
    return cps


def open_sc_face(ttc: Path) -> TTFont:
    for font in TTCollection(str(ttc)).fonts:
        if font["name"].getDebugName(1) == SC_FACE:
            return font
    sys.exit(f"{ttc}: no '{SC_FACE}' face in this collection")


def use_proportional_quotes(font: TTFont) -> None:
    """Point the cmap of PROPORTIONAL at the glyphs the 'pwid' feature selects."""
    gsub = font["GSUB"].table
    lookups = {i for fr in gsub.FeatureList.FeatureRecord if fr.FeatureTag == "pwid"
               for i in fr.Feature.LookupListIndex}
    mapping: dict[str, str] = {}
    for i in lookups:
        for st in gsub.LookupList.Lookup[i].SubTable:
            st = getattr(st, "ExtSubTable", st)
            mapping.update(getattr(st, "mapping", None) or {})
    for table in font["cmap"].tables:
        if table.isUnicode():
            for ch in PROPORTIONAL:
                glyph = table.cmap.get(ord(ch))
                if glyph in mapping:
                    table.cmap[ord(ch)] = mapping[glyph]


def cff_to_glyf(font: TTFont, max_err: float = MAX_ERR) -> None:
    """Replace the CFF table by quadratic glyf/loca (after fontTools' otf2ttf)."""
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyphs[name] = pen.glyph()

    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs
    del font["CFF "]

    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1  # the TrueType minimum

    post = font["post"]
    post.formatType = 3.0  # no glyph names: smaller, and CID names help nobody
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = None

    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def borrow_glyphs(font: TTFont, donor_path: Path, chars: str, scale: float = 1.0) -> str:
    """Copy the outlines of ``chars`` that ``font`` lacks from a TrueType donor.

    Components are decomposed and hints dropped (they would reference the
    donor's fpgm/prep). Returns the characters actually added.
    """
    donor = TTFont(str(donor_path))
    if donor["head"].unitsPerEm != font["head"].unitsPerEm:
        sys.exit(f"{donor_path}: units per em differ from the CJK font")
    donor_cmap = donor.getBestCmap()
    donor_glyphs = donor.getGlyphSet()
    cmap = font.getBestCmap()
    order = list(font.getGlyphOrder())
    glyf, hmtx = font["glyf"], font["hmtx"]
    added = ""
    for ch in chars:
        cp = ord(ch)
        if cp in cmap or cp not in donor_cmap:
            continue
        src_name = donor_cmap[cp]
        rec = DecomposingRecordingPen(donor_glyphs)
        donor_glyphs[src_name].draw(rec)
        pen = TTGlyphPen(None)
        rec.replay(TransformPen(pen, (scale, 0, 0, scale, 0, 0)))
        glyph = pen.glyph()
        name = f"uni{cp:04X}"
        order.append(name)
        font.setGlyphOrder(order)
        glyf.glyphOrder = order
        glyf[name] = glyph
        glyph.recalcBounds(glyf)
        advance = round(donor["hmtx"][src_name][0] * scale)
        hmtx[name] = (advance, glyph.xMin if glyph.numberOfContours else 0)
        for table in font["cmap"].tables:
            if table.isUnicode():
                table.cmap[cp] = name
        added += ch
    return added


DONOR_COPYRIGHT = (" Portions (Latin Extended-A, ballot marks) from Noto Sans,"
                   " Copyright 2015 Google LLC, and Noto Sans Symbols 2,"
                   " Copyright 2017 Google Inc.")


def rename(font: TTFont, style: str, borrowed: bool, family: str = FAMILY) -> None:
    """Name the subset "Noto Sans SC" so it never shadows a full system Noto CJK.

    Trademark (7), designers (9, 10), URLs and the licence (13, 14) are kept
    verbatim; the copyright (0) gains the donors' notices when glyphs were
    borrowed.
    """
    ps_name = f"{family.replace(' ', '')}-{style}"
    version = (font["name"].getDebugName(5) or "").split(";")[0].replace("Version ", "")
    new = {
        1: family,
        2: style,
        3: f"{version};ZHIZAO;{ps_name}-subset",
        4: family if style == "Regular" else f"{family} {style}",
        6: ps_name,
    }
    name = font["name"]
    name.names = [r for r in name.names if r.nameID not in (16, 17, 21, 22)]
    for rec in name.names:
        if rec.nameID in new:
            rec.string = new[rec.nameID]
        elif rec.nameID == 0 and borrowed:
            rec.string = rec.toUnicode() + DONOR_COPYRIGHT


def build(cjk_dir: Path, donor_dir: Path | None, out_dir: Path, styles: list[str]) -> list[Path]:
    cps = wanted_codepoints()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for style in styles:
        font = open_sc_face(cjk_dir / f"NotoSansCJK-{style}.ttc")
        use_proportional_quotes(font)
        subsetter = subset.Subsetter(options=subset.Options(**OPTIONS))
        subsetter.populate(unicodes=cps)
        subsetter.subset(font)  # subset first: converting 65k glyphs takes minutes
        rename(font, style, borrowed=donor_dir is not None)
        cff_to_glyf(font)
        if donor_dir is not None:
            latin = "".join(chr(c) for c in range(0x100, 0x180))
            got = borrow_glyphs(font, donor_dir / LATIN_DONOR[style], latin, LATIN_SCALE)
            got += borrow_glyphs(font, donor_dir / SYMBOL_DONOR, SYMBOL_CHARS)
            print(f"{style}: {len(got)} characters from Noto Sans / Symbols 2")
        out = out_dir / f"NotoSansSC-{style}.ttf"
        font.save(str(out))
        cmap = TTFont(str(out)).getBestCmap()
        missing = "".join(sorted(c for c in NAME_CHARS if ord(c) not in cmap))
        print(f"{out}: {out.stat().st_size / 1e6:.2f} MB, {len(cmap)} characters"
              + (f"; name characters absent upstream: {missing}" if missing else ""))
        written.append(out)
    return written


def fallback_characters(path: Path = FALLBACK_LIST) -> str:
    """The first character of every line that is not blank or a ``#`` comment."""
    chars = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and line[0] not in chars:
            chars.append(line[0])
    return "".join(chars)


def build_fallback(cjk_dir: Path, out_dir: Path, styles: list[str], chars: str) -> list[Path]:
    """The per-character fallback face: only ``chars``, from the same Noto Sans CJK SC."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for style in styles:
        font = open_sc_face(cjk_dir / f"NotoSansCJK-{style}.ttc")
        absent = "".join(c for c in chars if ord(c) not in font.getBestCmap())
        if absent:
            sys.exit(f"Noto Sans CJK SC {style} lacks {absent}: remove them from {FALLBACK_LIST.name}")
        subsetter = subset.Subsetter(options=subset.Options(**{**OPTIONS, "layout_features": []}))
        subsetter.populate(unicodes={ord(c) for c in chars})
        subsetter.subset(font)
        rename(font, style, borrowed=False, family=FALLBACK_FAMILY)
        cff_to_glyf(font)
        out = out_dir / f"{FALLBACK_FAMILY.replace(' ', '')}-{style}.ttf"
        font.save(str(out))
        print(f"{out}: {out.stat().st_size / 1e3:.1f} kB, {len(chars)} characters")
        written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--cjk", type=Path, required=True,
                    help="folder with NotoSansCJK-Regular.ttc and NotoSansCJK-Bold.ttc")
    ap.add_argument("--donors", type=Path, default=None,
                    help="folder with NotoSans-{Regular,Bold}.ttf, NotoSansSymbols2-Regular.ttf")
    ap.add_argument("--out", type=Path, default=Path("app/resources/fonts"))
    ap.add_argument("--styles", nargs="+", default=["Regular", "Bold"])
    ap.add_argument("--fallback", action="store_true",
                    help=f"build the fallback face from {FALLBACK_LIST.name} instead")
    args = ap.parse_args(argv)
    if args.fallback:
        build_fallback(args.cjk, args.out, args.styles, fallback_characters())
    else:
        build(args.cjk, args.donors, args.out, args.styles)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
