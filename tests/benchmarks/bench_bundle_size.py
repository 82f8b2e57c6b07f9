"""Size of the offline bundle (dist/zhizao and its .tar.xz, built by `make package`) against the Qt it must carry.

ours = the whole unpacked folder; floor = the QtCore+QtGui+QtWidgets libraries inside it, which any PySide6
widgets app ships. Goal (issue 20): ours <= 180 MB on Linux. The archive line: ours = the .tar.xz; floor = those
three Qt libraries compressed here with the same xz preset; goal <= 80 MB.

What it is, measured on Linux x86-64 (packaging/bundle_size.py prints it for every build): 177 MB of files
(180 MB by du -sm), 58 MB as .tar.xz (242 MB / 101 MB .tar.gz before issue 20). What dominates: numpy's OpenBLAS
24 MB (kernels for every x86 CPU; numpy's only BLAS on PyPI, and pyqtgraph needs numpy), the Qt floor itself
26 MB, the PySide6 bindings 15 MB, the Python runtime 17 MB (with the one OpenSSL it now shares with psycopg;
the LRS upload needs https), the compiled Python code 13 MB, cryptography with its built-in OpenSSL 11 MB.
Qt's OpenGL bindings (9 MB) are left out: pyqtgraph imports them by name but uses them only for OpenGL
rendering, which the app never switches on; packaging/pyi_hooks/rthook_no_opengl.py stands in for them and
refuses any real use (tests/test_packaging_hooks.py), and the bundle's self-test draws a plot.
Left to cut without a dependency change, small: Wayland support (2.0 MB), Python's Japanese/Korean codecs (0.5 MB).
What was cut and why: packaging/zhizao.spec, icu_trim.py, elf_strip.py, system_libs.py.
"""

from __future__ import annotations

import importlib.util
import lzma
from pathlib import Path

import pytest

from tests.benchmarks._report import report

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "zhizao"
MB = 1024 * 1024
XZ_PRESET = 6  # packaging/build.sh's default (ZHIZAO_XZ_PRESET)


def _bundle_size_module():
    spec = importlib.util.spec_from_file_location("bundle_size", ROOT / "packaging" / "bundle_size.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bundle_size():
    if not (BUNDLE / "_internal").is_dir():
        print("BENCH bundle size: skipped, no dist/zhizao (build it with `make package`)", flush=True)
        pytest.skip("no dist/zhizao: build it with `make package`")
    sizes = _bundle_size_module()
    total, rows = sizes.breakdown(BUNDLE)
    floor = sizes.qt_floor(BUNDLE)
    assert floor > 0, "no QtCore/QtGui/QtWidgets libraries found in the bundle"
    top = ", ".join(f"{label} {size / MB:.0f}" for label, size in rows[:5])
    report("bundle size (dist/zhizao unpacked)", total / MB, floor / MB, unit="MB",
           note=f"goal <= 180 MB; biggest: {top}")
    archives = sorted(BUNDLE.parent.glob("zhizao-*.tar.xz"))
    if not archives:
        print("BENCH bundle archive: skipped, no dist/zhizao-*.tar.xz", flush=True)
        return
    compressor = lzma.LZMACompressor(preset=XZ_PRESET)
    packed = sum(len(compressor.compress(path.read_bytes())) for path in sizes.qt_floor_files(BUNDLE))
    packed += len(compressor.flush())
    report("bundle archive (.tar.xz)", archives[-1].stat().st_size / MB, packed / MB, unit="MB",
           note=f"goal <= 80 MB; floor: the Qt core libraries alone, xz -{XZ_PRESET}")
