"""Zhizao override of pyinstaller-hooks-contrib's pyqtgraph hook: the same collection, with the Qt UI templates
(``*Template*`` modules) listed from pyqtgraph's folders instead of by collect_submodules, which imports every
pyqtgraph module in a child Python (0.7 s of build CPU) only to keep the template names."""

import importlib.util
import pkgutil
from pathlib import Path

from PyInstaller.utils.hooks import collect_data_files
from PyInstaller.utils.hooks.qt import exclude_extraneous_qt_bindings

datas = collect_data_files("pyqtgraph", excludes=["**/examples/*"])


def _templates() -> list[str]:
    root = Path(importlib.util.find_spec("pyqtgraph").origin).parent
    found, todo = [], [("pyqtgraph", root)]
    while todo:
        package, folder = todo.pop()
        for info in pkgutil.iter_modules([str(folder)], package + "."):
            if info.name in ("pyqtgraph.examples", "pyqtgraph.flowchart"):  # flowchart: in the spec's excludes
                continue
            if info.ispkg:
                todo.append((info.name, folder / info.name.rpartition(".")[2]))
            elif "Template" in info.name:
                found.append(info.name)
    return sorted(found)


hiddenimports = [*_templates(), "pyqtgraph.multiprocess.bootstrap"]  # bootstrap: the contrib runtime hook's
excludedimports = exclude_extraneous_qt_bindings(hook_name="hook-pyqtgraph", qt_bindings_order=None)
