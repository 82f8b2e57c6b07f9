"""Size of the offline bundle (dist/zhizao, built by `make package`) against the Qt it must carry.

ours = the whole unpacked folder; floor = the QtCore+QtGui+QtWidgets libraries inside
it, which any PySide6 widgets app ships. Goal: ours <= 250 MB on Linux.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.benchmarks._report import report

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "dist" / "zhizao"
MB = 1024 * 1024


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
    top = ", ".join(f"{label} {size / MB:.0f}" for label, size in rows[:4])
    report("bundle size (dist/zhizao unpacked)", total / MB, floor / MB, unit="MB",
           note=f"goal <= 250 MB; biggest: {top}")
