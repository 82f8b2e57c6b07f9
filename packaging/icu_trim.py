"""A smaller ICU data library for the Linux bundle: Qt's libicudata with only what Qt can ask for in en and zh.

    python packaging/icu_trim.py SRC/libicudata.so.73 OUT/libicudata.so.73   # prints what stays

PySide6's QtCore links ICU, whose data library (``libicudata.so.NN``, 30 MB) holds the
locale data of every language. Qt calls ICU only for collation (QCollator), case mapping,
time-zone display names and legacy text codecs (QStringConverter by name): the symbols
``libQt6Core`` imports are ``ucol_*``, ``u_strTo{Upper,Lower}``, ``ucal_*`` and ``ucnv_*``.
So the bundle keeps

* the files that are not per-locale: normalisation, character properties, the converter
  alias table, the time-zone rules and the supplemental data;
* in the locale trees Qt's calls read (the main tree, collation, zone and region names) root,
  en* and zh* and the tree's shared files (``pool.res``, ``res_index.res``, ``coll/ucadata.icu``...);
* the converters for Chinese (GB18030, GBK, GB2312, Big5) and Windows-1252; UTF-8/16/32,
  Latin-1 and ASCII are built into ICU's code;

and leaves out the data of the ICU services Qt never calls (transliteration, break iteration
and its dictionaries, display names of languages, currencies and units, spelled-out numbers,
character names, spoof checking, StringPrep) and the other languages' data.
A locale missing here falls back to root, as ICU does for any locale it has no data for.

The kept files are written back as an ICU common-data package (the ``CmnD`` format:
header, table of contents sorted by name, items 16-byte aligned) and linked with the
binutils PyInstaller already needs on Linux (``as``, ``ld``) into a library exporting the
same symbol (``icudtNN_dat``). Stdlib only.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

LOCALES = re.compile(r"^(root|en|zh)(_|$)")
# Per-locale data: a language code with optional script/region/variant subtags ("sr_Latn_BA", "en_001").
LOCALE_NAME = re.compile(r"^(root|[a-z]{2,3}(_[A-Za-z0-9]+)*)$")
SHARED = ("res_index", "pool")  # per-tree index and string pool: not locales
# Trees of APIs Qt never calls: transliteration (utrans_*), break iteration and its dictionaries (ubrk_*),
# currency, language, unit names and spelled-out numbers (ucurr_*, uloc_getDisplay*, unum_*/number formatting).
DROPPED_TREES = ("translit", "brkitr", "curr", "lang", "unit", "rbnf")
# Character names (u_charName), spoof checking (uspoof_*), StringPrep/IDNA2003 (usprep_*, uidna_* -- Qt has its
# own IDNA): not called by Qt either.
DROPPED_FILES = re.compile(r"^(unames\.icu|confusables\.cfu|.*\.spp)$")
CONVERTERS = re.compile(r"^(gb18030|windows-936-2000|ibm-1383_P110-1999|ibm-1386_P100-2001|ibm-5478_P100-1995|"
                        r"windows-950-2000|ibm-950_P110-1999|ibm-1373_P100-2002|ibm-5348_P100-1997)\.cnv$")


def keep(name: str) -> bool:
    """Whether a package item ("coll/zh.res", "nfkc.nrm", "brkitr/cjdict.dict", ...) stays."""
    parts = name.split("/")
    if parts[0] in DROPPED_TREES or DROPPED_FILES.match(name):
        return False
    stem, _, ext = parts[-1].rpartition(".")
    if ext == "cnv":
        return bool(CONVERTERS.match(parts[-1]))
    if ext == "res" and stem not in SHARED and LOCALE_NAME.match(stem):
        return bool(LOCALES.match(stem))
    return True


def read_package(blob: bytes) -> tuple[bytes, list[tuple[str, bytes]], str]:
    """(header, [(name, item bytes)], prefix such as "icudt73l/") of an ICU common-data package."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", blob, 0)
    if (magic1, magic2) != (0xDA, 0x27) or blob[12:16] != b"CmnD":
        raise ValueError("not an ICU common data package (CmnD)")
    toc = blob[header_size:]
    (count,) = struct.unpack_from("<I", toc, 0)
    entries = [struct.unpack_from("<II", toc, 4 + 8 * i) for i in range(count)]
    items = []
    for i, (name_at, data_at) in enumerate(entries):
        end = entries[i + 1][1] if i + 1 < count else len(toc)
        name = toc[name_at:toc.index(b"\0", name_at)].decode("ascii")
        items.append((name, toc[data_at:end]))
    prefix = items[0][0].split("/")[0] + "/"
    return blob[:header_size], [(n[len(prefix):], data) for n, data in items], prefix


def write_package(header: bytes, items: list[tuple[str, bytes]], prefix: str) -> bytes:
    """The package with these items: names sorted (ICU binary-searches them), data 16-byte aligned."""
    items = sorted(items, key=lambda item: (prefix + item[0]).encode("ascii"))
    names = b"".join((prefix + name).encode("ascii") + b"\0" for name, _ in items)
    table = 4 + 8 * len(items)
    at = _align(table + len(names))
    offsets, name_at = [], table
    for name, data in items:
        offsets.append((name_at, at))
        name_at += len(prefix + name) + 1
        at = _align(at + len(data))
    out = bytearray(header)
    out += struct.pack("<I", len(items)) + b"".join(struct.pack("<II", *o) for o in offsets) + names
    for (_, data_at), (_, data) in zip(offsets, items, strict=True):
        out += b"\0" * (len(header) + data_at - len(out)) + data
    return bytes(out)


def _align(n: int) -> int:
    return (n + 15) & ~15


def _data_symbol(library: Path) -> tuple[str, int, int]:
    """(symbol name, file offset, size) of the icudtNN_dat blob in the library (readelf)."""
    syms = subprocess.run(["readelf", "--dyn-syms", "-W", str(library)], capture_output=True, text=True,
                          check=True).stdout
    match = re.search(r"^\s*\d+:\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+OBJECT\s+GLOBAL\s+\S+\s+(\d+)\s+"
                      r"(icudt\d+_dat)\s*$", syms, re.M)
    if not match:
        raise ValueError(f"{library}: no icudtNN_dat symbol")
    value, size, section, name = int(match[1], 16), int(match[2], 0), int(match[3]), match[4]
    sections = subprocess.run(["readelf", "-S", "-W", str(library)], capture_output=True, text=True,
                              check=True).stdout
    row = re.search(rf"^\s*\[\s*{section}\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)", sections, re.M)
    if not row:
        raise ValueError(f"{library}: section {section} not found")
    address, offset = int(row[1], 16), int(row[2], 16)
    return name, value - address + offset, size


def trim_library(source: Path, target: Path) -> tuple[int, int, list[str]]:
    """Write the trimmed library to target; (items kept, items in the original, dropped top groups)."""
    symbol, offset, size = _data_symbol(source)
    blob = source.read_bytes()[offset:offset + size]
    header, items, prefix = read_package(blob)
    kept = [(name, data) for name, data in items if keep(name)]
    package = write_package(header, kept, prefix)
    # Round trip: what was written reads back as the kept items, in ICU's order.
    if read_package(package)[1] != sorted(kept, key=lambda item: (prefix + item[0]).encode("ascii")):
        raise RuntimeError("ICU package round trip failed")
    soname = source.name
    with tempfile.TemporaryDirectory() as tmp:
        dat, asm, obj = Path(tmp) / "icudt.dat", Path(tmp) / "icudt.s", Path(tmp) / "icudt.o"
        dat.write_bytes(package)
        asm.write_text(f'\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, STT_OBJECT\n\t.balign 16\n'
                       f'{symbol}:\n\t.incbin "{dat}"\n\t.size {symbol}, . - {symbol}\n'
                       '\t.section .note.GNU-stack,"",%progbits\n')
        subprocess.run([_tool("as"), "-o", str(obj), str(asm)], check=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([_tool("ld"), "-shared", "-soname", soname, "-z", "noexecstack", "-o", str(target),
                        str(obj)], check=True)
    if _data_symbol(target)[0] != symbol:
        raise RuntimeError(f"{target}: {symbol} missing after linking")
    dropped = sorted({name.split("/")[0] if "/" in name else "(top)" for name, _ in items if not keep(name)})
    return len(kept), len(items), dropped


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise FileNotFoundError(f"{name} (binutils) is needed to build the trimmed ICU data library")
    return path


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    source, target = Path(argv[1]), Path(argv[2])
    kept, total, dropped = trim_library(source, target)
    print(f"{source.name}: {kept} of {total} items kept, {source.stat().st_size / 2**20:.1f} MB -> "
          f"{target.stat().st_size / 2**20:.1f} MB (trimmed in: {', '.join(dropped)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
