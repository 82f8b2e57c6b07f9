"""Which Qt plugins and data files the bundle keeps (used by the PySide6 hooks beside this file).

PyInstaller's own PySide6 hooks collect every plugin of a type (all platform
backends, the virtual keyboard, the GTK theme...). Filtering here, inside the
hooks, happens before PyInstaller follows the plugins' shared-library
dependencies, so a dropped plugin drags nothing in (libgtk-3, the QML/Quick
libraries, libcups...).

Kept, per plugin type (file names without ``lib`` and extension):

* platforms: X11 (xcb), Wayland, Windows, macOS, and offscreen/minimal for the
  self-test and headless use. Not eglfs/linuxfb/vnc/vkkhrdisplay (kiosk/embedded).
* platforminputcontexts: compose and IBus (typing Chinese names); not the Qt
  virtual keyboard (it needs QML/Quick).
* platformthemes: xdg-desktop-portal (native file dialogs); not GTK3 (pulls GTK).
* imageformats: SVG, JPEG, GIF, WebP, ICO (course pictures: docs/course-format-safety.md lists
  png jpg gif svg bmp webp; PNG and BMP are built into QtGui).
* iconengines, styles, xcbglintegrations, wayland-*, accessiblebridge: all.

* printsupport: all (certificates are printed through the system print dialog; on Linux
  this brings libcups).

Of Qt's own translations only ``qtbase_<locale>.qm`` of the languages the app
ships (the folders of i18n/) stay: the app installs a QTranslator for the UI
language so Qt's standard buttons and dialogs follow it.
"""

from __future__ import annotations

import re
from pathlib import Path

KEEP: dict[str, set[str] | None] = {  # None = every plugin of that type
    "platforms": {"qxcb", "qwayland", "qwayland-egl", "qwayland-generic", "qwindows", "qdirect2d", "qcocoa",
                  "qoffscreen", "qminimal"},
    "platforminputcontexts": {"composeplatforminputcontextplugin", "ibusplatforminputcontextplugin"},
    "platformthemes": {"qxdgdesktopportal"},
    "imageformats": {"qsvg", "qjpeg", "qgif", "qwebp", "qico"},
    "iconengines": None,
    "styles": None,
    "xcbglintegrations": None,
    "wayland-decoration-client": None,
    "wayland-graphics-integration-client": None,
    "wayland-shell-integration": None,
    "accessiblebridge": None,
    "printsupport": None,
    "platforms/darwin": None,
}

_PLUGIN = re.compile(r"(?:^|/)plugins/(.+)/([^/]+)$")


def _basename(path: str) -> str:
    return re.split(r"[\\/]", path)[-1]  # either separator, whatever OS runs the build


def plugin_name(filename: str) -> str:
    stem = _basename(filename).split(".")[0]
    return stem[3:] if stem.startswith("lib") else stem


def keep_plugin(src: str, dest_dir: str) -> bool:
    """Whether a collected plugin (source file, destination folder) stays in the bundle."""
    match = _PLUGIN.search(dest_dir.replace("\\", "/").rstrip("/") + "/" + _basename(src))
    if not match:
        return True  # not a plugin: a Qt library or the like
    kind, _file = match.groups()
    if kind not in KEEP:
        return False
    names = KEEP[kind]
    return names is None or plugin_name(src) in names


def shipped_locales() -> set[str]:
    """The UI languages with a catalog in i18n/ (a new language's Qt texts come along by themselves)."""
    i18n = Path(__file__).resolve().parents[2] / "i18n"
    return {p.name for p in i18n.iterdir() if (p / "LC_MESSAGES").is_dir()} if i18n.is_dir() else set()


def keep_data(src: str, dest: str, locales: set[str]) -> bool:
    if "translations" not in dest.replace("\\", "/").split("/"):
        return True
    name = _basename(src)
    return name.startswith("qtbase_") and name[len("qtbase_"):].split(".")[0] in locales


def trim(binaries: list, datas: list, locales: set[str] | None = None) -> tuple[list, list]:
    locales = shipped_locales() if locales is None else locales
    binaries = [(src, dest) for src, dest in binaries if keep_plugin(src, dest)]
    datas = [(src, dest) for src, dest in datas if keep_data(src, dest, locales)]
    return binaries, datas
