"""Strip symbol tables and debug info from the bundle's Linux libraries without changing what the loader maps.

    python packaging/elf_strip.py LIB [LIB...]    # prints what stripping would save, changes nothing

Wheel libraries ship their full symbol tables (``.symtab``: cryptography's Rust module,
Pillow, pdfium, ICU...; about 10 MB in all) and a source-built Python keeps debug info.
Neither is used at run time: the dynamic loader reads only the loadable segments, and
symbols are resolved through ``.dynsym``, which strip never touches.

``strip`` may also re-lay out a file, and that breaks libraries patched by auditwheel/patchelf
(numpy's OpenBLAS: GNU strip truncates segments, "ELF load command address/offset not
page-aligned"). So a stripped copy is used only if it maps exactly as the original: the same
segments (addresses, sizes, flags) with, byte for byte, the same contents, a segment moved
within the file only to a page-congruent offset (the ELF header's section-table fields and
the program header offsets aside). GNU strip is tried first, then llvm-strip where installed
(it keeps patchelf's segments whole more often); otherwise the original is kept.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

PT_LOAD = 1
PAGE = 4096
# e_shoff (8 bytes at 0x28), e_shnum and e_shstrndx (2 bytes each at 0x3C, 0x3E): the section header table,
# which strip rewrites and the loader never reads.
_SECTION_TABLE_FIELDS = ((0x28, 8), (0x3C, 4))


def _program_headers(image: bytes) -> list[tuple[int, ...]] | None:
    """The program headers of a 64-bit little-endian ELF file, or None for anything else."""
    if len(image) < 0x40 or image[:4] != b"\x7fELF" or image[4] != 2 or image[5] != 1:
        return None
    phoff, = struct.unpack_from("<Q", image, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", image, 0x36)
    # p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align
    return [struct.unpack_from("<IIQQQQQQ", image, phoff + i * phentsize) for i in range(phnum)]


def _loaded_bytes(image: bytes, headers: list[tuple[int, ...]]) -> list[bytes]:
    """The bytes of every PT_LOAD segment, with the section-table fields of the ELF header and the program
    header table (compared on their own) blanked."""
    masked = bytearray(image)
    for at, size in _SECTION_TABLE_FIELDS:
        masked[at:at + size] = b"\0" * size
    phoff, = struct.unpack_from("<Q", image, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", image, 0x36)
    masked[phoff:phoff + phentsize * phnum] = b"\0" * (phentsize * phnum)
    return [bytes(masked[h[2]:h[2] + h[5]]) for h in headers if h[0] == PT_LOAD]


def maps_the_same(original: bytes, stripped: bytes) -> bool:
    """Whether the loader maps both files identically: the same segments (type, flags, addresses, sizes,
    alignment) with the same bytes; a segment may only have moved within the file to an offset that is
    still congruent to its address modulo the page size and its alignment."""
    before, after = _program_headers(original), _program_headers(stripped)
    if before is None or after is None or len(before) != len(after):
        return False
    for old, new in zip(before, after, strict=True):
        if old[:2] + old[3:] != new[:2] + new[3:]:
            return False
        if old[2] != new[2] and old[0] == PT_LOAD:
            align = max(PAGE, old[7])
            if (new[2] - new[3]) % align:
                return False
    return _loaded_bytes(original, before) == _loaded_bytes(stripped, after)


def strip_copy(source: Path, target: Path) -> bool:
    """Write a stripped copy of source to target if it maps the same; True if target was written. GNU strip
    first; where its copy does not map the same (libraries patchelf moved segments in), llvm-strip's. A file GNU
    strip cannot shrink is left as it is."""
    original = Path(source).read_bytes()
    if _program_headers(original) is None:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    for tool in ("strip", "llvm-strip"):
        path = shutil.which(tool)
        if path is None:
            continue
        proc = subprocess.run([path, "--strip-unneeded", "-o", str(target), str(source)], capture_output=True)
        if proc.returncode == 0 and target.is_file():
            stripped = target.read_bytes()
            if len(stripped) < len(original) and maps_the_same(original, stripped):
                shutil.copymode(source, target)
                return True
            if len(stripped) >= len(original):
                # Nothing to strip (half of the bundle's 228 libraries): llvm-strip finds nothing either.
                target.unlink()
                return False
        target.unlink(missing_ok=True)
    return False


def main(argv: list[str]) -> int:
    saved = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(argv[1:]):
            path, out = Path(name), Path(tmp) / str(i)
            if strip_copy(path, out):
                saved += path.stat().st_size - out.stat().st_size
                print(f"{(path.stat().st_size - out.stat().st_size) / 2**20:7.2f} MB  {path}")
            else:
                print(f"   kept     {path}")
    print(f"{saved / 2**20:7.2f} MB  in all")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
