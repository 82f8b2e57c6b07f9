"""What a built bundle weighs, and what dominates it.

    python packaging/bundle_size.py dist/zhizao            # one line per group, biggest first
    python packaging/bundle_size.py dist/zhizao --files 25 # and the 25 biggest files

Also imported by tests/benchmarks/bench_bundle_size.py (stdlib only).
"""

from __future__ import annotations

import sys
from pathlib import Path

MB = 1024 * 1024

# (label, path prefixes under the bundle's _internal/ folder); first match wins. Linux and Windows names.
GROUPS: list[tuple[str, tuple[str, ...]]] = [
    ("Qt core libs (QtCore+QtGui+QtWidgets)", ("PySide6/Qt/lib/libQt6Core.", "PySide6/Qt/lib/libQt6Gui.",
                                               "PySide6/Qt/lib/libQt6Widgets.", "PySide6/Qt6Core.dll",
                                               "PySide6/Qt6Gui.dll", "PySide6/Qt6Widgets.dll")),
    ("ICU (QtCore's Unicode library; its data for en/zh only)", ("PySide6/Qt/lib/libicu", "PySide6/icu")),
    ("Qt plugins", ("PySide6/Qt/plugins/", "PySide6/plugins/")),
    ("other Qt libs (Svg, OpenGL, DBus, Xcb, Wayland)", ("PySide6/Qt/lib/", "PySide6/Qt6", "PySide6/opengl32sw",
                                                        "PySide6/d3dcompiler")),
    ("PySide6 bindings", ("PySide6/", "shiboken6/")),
    ("numpy + OpenBLAS (pyqtgraph needs numpy)", ("numpy/", "numpy.libs/")),
    ("cryptography (Rust, OpenSSL built in)", ("cryptography/", "cryptography.libs/")),
    ("PostgreSQL driver (psycopg, libpq; OpenSSL shared with Python)", ("psycopg",)),
    ("Python runtime, stdlib, its OpenSSL", ("libpython", "python3", "base_library.zip", "libcrypto", "libssl",
                                             "_ssl", "_hashlib", "lib-dynload/")),
    ("Pillow", ("PIL/", "pillow.libs/")),
    ("PDF rendering and reading (pypdfium2, pypdf)", ("pypdfium2", "pypdf/")),
    ("pydantic", ("pydantic",)),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("zxing-cpp (QR decoding)", ("zxingcpp",)),
    ("fonts (Noto Sans SC subset)", ("app/resources/fonts/",)),
    ("courses", ("courses/",)),
]


def _files(root: Path) -> list[tuple[str, int]]:
    # PyInstaller links some libraries into _internal/ as well: count each file once, like du.
    return [(p.relative_to(root).as_posix(), p.stat().st_size) for p in root.rglob("*")
            if p.is_file() and not p.is_symlink()]


def breakdown(bundle: Path) -> tuple[int, list[tuple[str, int]]]:
    """(total bytes, [(group, bytes)] biggest first); the executables count as "launcher + app code"."""
    bundle = Path(bundle)
    groups: dict[str, int] = {}
    total = 0
    for rel, size in _files(bundle):
        total += size
        inner = rel[len("_internal/"):] if rel.startswith("_internal/") else None
        if inner is None:
            label = "launcher + compiled app code (PYZ in the executable)"
        else:
            label = next((name for name, prefixes in GROUPS if inner.startswith(prefixes)), "")
            if not label and "/" not in inner and (".so" in inner or inner.endswith(".dll")):
                label = "system libraries (libstdc++, glib, zstd, sqlite...; the desktop's own: system_libs.py)"
            label = label or f"other: {inner.split('/')[0]}"
        groups[label] = groups.get(label, 0) + size
    small = sum(v for k, v in groups.items() if k.startswith("other: ") and v < 2 * MB)
    rows = [(k, v) for k, v in groups.items() if not (k.startswith("other: ") and v < 2 * MB)]
    if small:
        rows.append(("other small packages and data", small))
    return total, sorted(rows, key=lambda kv: -kv[1])


def qt_floor_files(bundle: Path) -> list[Path]:
    """The QtCore+QtGui+QtWidgets library files in the bundle."""
    internal = Path(bundle) / "_internal"
    return [internal / rel for rel, _size in _files(internal) if rel.startswith(GROUPS[0][1])]


def qt_floor(bundle: Path) -> int:
    """Bytes of the QtCore+QtGui+QtWidgets libraries in the bundle: what any PySide6 widgets app carries."""
    total, rows = breakdown(bundle)
    return dict(rows).get(GROUPS[0][0], 0)


def main(argv: list[str]) -> int:
    count = int(argv[argv.index("--files") + 1]) if "--files" in argv else 0
    args = [a for i, a in enumerate(argv[1:], 1) if not a.startswith("--") and argv[i - 1] != "--files"]
    bundle = Path(args[0] if args else "dist/zhizao")
    if not bundle.is_dir():
        print(f"{bundle}: no bundle (build it with `make package`)", file=sys.stderr)
        return 1
    total, rows = breakdown(bundle)
    for label, size in rows:
        print(f"{size / MB:7.1f}  {label}")
    print(f"{total / MB:7.1f}  total")
    if count:
        print(f"the {count} biggest files:")
        for rel, size in sorted(_files(bundle), key=lambda f: -f[1])[:count]:
            print(f"{size / MB:7.1f}  {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
