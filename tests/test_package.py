"""The offline bundle: build it with PyInstaller, then run its self-test with no network.

Marked ``package`` (about 1–2 minutes on CI's 2 cores). It runs in `make test` and so
in CI; skip it locally with ``make test PYTEST_ARGS='-m "not package"'``. `make
package` builds and smoke-tests the bundle the same way (packaging/build.sh).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
SIZE_GOAL_MB = 250  # the budget for the unpacked Linux folder (du -sm)


def built_bundle(test):
    """Marks for the tests that need the bundle built (one build per module)."""
    for mark in (pytest.mark.package,
                 pytest.mark.timeout(1200),  # the build runs in the first test's setup
                 pytest.mark.skipif(not sys.platform.startswith("linux"),
                                    reason="builds with packaging/build.sh (Linux)")):
        test = mark(test)
    return test


def _load(name: str):
    """A script from packaging/ (not a package) as a module."""
    module_name = f"zhizao_packaging_{name}"
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "packaging" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Build into a temp folder with the same script as `make package` (its smoke step off: run below)."""
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail("PyInstaller is not installed: pip install -e '.[test,postgres]' (the test extra has it)")
    out = tmp_path_factory.mktemp("package")
    env = {**os.environ, "PYTHON": sys.executable, "ZHIZAO_DIST": str(out / "dist"),
           "ZHIZAO_WORK": str(out / "work"), "ZHIZAO_SMOKE": "0"}
    proc = subprocess.run(["bash", str(ROOT / "packaging" / "build.sh")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1100)
    assert proc.returncode == 0, f"build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    print(proc.stdout[proc.stdout.find("PACKAGE"):])
    return out / "dist"


@built_bundle
def test_bundle_runs_its_self_test_offline(built):
    smoke = _load("smoke")
    result = smoke.run_smoke(built / "zhizao")
    output = result.stdout + result.stderr
    if not result.isolated:
        warnings.warn("unshare -n is not permitted here: the self-test ran WITHOUT network isolation", stacklevel=1)
    assert result.returncode == 0, output
    assert not result.missing, f"no ok line for {result.missing}:\n{output}"
    assert "Traceback" not in output
    assert "STARTUP_MS" in result.stdout


@built_bundle
def test_bundle_carries_the_data_and_leaves_out_what_is_unused(built):
    internal = built / "zhizao" / "_internal"
    names = {p.relative_to(internal).as_posix() for p in internal.rglob("*")}
    for needed in ("courses/industrial-robot-operation/course.yaml", "courses/ai-predictive-maintenance/course.yaml",
                   "i18n/zh_CN/LC_MESSAGES/messages.mo", "i18n/en/LC_MESSAGES/messages.mo",
                   "app/resources/fonts/NotoSansSC-Regular.ttf", "app/resources/fonts/OFL.txt",
                   "app/storage/migrations/env.py", "app/storage/migrations/script.py.mako",
                   "app/storage/migrations/versions/0001_initial.py", "app/ui/style.qss",
                   "simulators/scenarios/basic-three-station-line.yaml",
                   "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms/libqoffscreen.so",
                   "PySide6/Qt/plugins/imageformats/libqsvg.so",
                   "PySide6/Qt/translations/qtbase_zh_CN.qm"):
        assert needed in names, f"{needed} missing from the bundle"
    unwanted = [n for n in names if n.startswith("courses/_") or n.endswith((".po", ".pot")) or "__pycache__" in n
                or ("/translations/" in n and "qtbase_" not in n) or "libQt6Quick" in n or "libQt6Qml" in n
                or "WebEngine" in n
                or "libQt6Pdf" in n or "libqeglfs" in n or "libqgtk3" in n or "virtualkeyboard" in n.lower()
                or n.startswith(("pytest", "_pytest", "hypothesis", "PyInstaller", "fontTools", "tkinter"))]
    assert not unwanted, f"unused parts in the bundle: {sorted(unwanted)[:20]}"
    babel = {Path(n).stem for n in names if n.startswith("babel/locale-data/")}
    assert {"root", "en", "zh_Hans_CN"} <= babel and len(babel) < 10


@built_bundle
def test_archive_and_size_budget(built):
    archives = list(built.glob("zhizao-*.tar.gz"))
    assert len(archives) == 1
    with tarfile.open(archives[0]) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert "zhizao/zhizao" in members and members["zhizao/zhizao"].mode & 0o111
    assert all(m.uid == 0 and m.gid == 0 for m in members.values())
    size = _load("bundle_size")
    total, rows = size.breakdown(built / "zhizao")
    print("bundle:", f"{total / MB:.0f} MB;", ", ".join(f"{k} {v / MB:.0f}" for k, v in rows[:5]))
    if sys.platform.startswith("linux"):
        assert total / MB <= SIZE_GOAL_MB, f"bundle is {total / MB:.0f} MB, budget {SIZE_GOAL_MB} MB: {rows[:5]}"


def test_qt_plugin_selection_for_linux_and_windows_names():
    """The hooks' filter (no build needed): the plugins the app needs stay, kiosk/QML/GTK ones go."""
    sys.path.insert(0, str(ROOT / "packaging" / "pyi_hooks"))
    try:
        qt_trim = importlib.import_module("qt_trim")
    finally:
        sys.path.remove(str(ROOT / "packaging" / "pyi_hooks"))
    linux = "PySide6/Qt/plugins/"
    windows = "PySide6\\plugins\\"
    kept = [("/x/libqxcb.so", linux + "platforms"), ("/x/libqoffscreen.so", linux + "platforms"),
            ("/x/libqsvg.so", linux + "imageformats"), ("/x/libibusplatforminputcontextplugin.so",
                                                         linux + "platforminputcontexts"),
            ("C:\\q\\qwindows.dll", windows + "platforms"), ("C:\\q\\qmodernwindowsstyle.dll", windows + "styles"),
            ("C:\\q\\qjpeg.dll", windows + "imageformats"), ("/x/libQt6Core.so.6", "PySide6/Qt/lib"),
            ("/x/libcupsprintersupport.so", linux + "printsupport")]
    dropped = [("/x/libqeglfs.so", linux + "platforms"), ("/x/libqgtk3.so", linux + "platformthemes"),
               ("/x/libqtvirtualkeyboardplugin.so", linux + "platforminputcontexts"),
               ("/x/libqtiff.so", linux + "imageformats"),
               ("C:\\q\\qtuiotouchplugin.dll", windows + "generic"), ("C:\\q\\qpdf.dll", windows + "imageformats")]
    assert all(qt_trim.keep_plugin(src, dest) for src, dest in kept)
    assert not any(qt_trim.keep_plugin(src, dest) for src, dest in dropped)
    binaries, datas = qt_trim.trim(kept + dropped, [("/t/qtbase_zh_CN.qm", "PySide6/Qt/translations"),
                                                    ("/t/qtbase_de.qm", "PySide6/Qt/translations"),
                                                    ("/t/qtdeclarative_zh_CN.qm", "PySide6/Qt/translations"),
                                                    ("/x/a.txt", "PySide6")])
    assert binaries == kept
    assert "zh_CN" in qt_trim.shipped_locales()
    assert datas == [("/t/qtbase_zh_CN.qm", "PySide6/Qt/translations"), ("/x/a.txt", "PySide6")]
