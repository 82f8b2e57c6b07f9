"""What a click on a lesson link may do: the one decision, without Qt.

A course package comes from someone else, so a link is treated like a download
link on a web page: programs and scripts never run, course files open only when
they are documents or pictures, and leaving the app always asks first.

* ``anchor``: a ``#fragment`` in the same lesson; scroll to it.
* ``view``: a picture or text file in the course folder; shown inside the app.
* ``open``: a document the app cannot show (PDF, office files, media) in the
  course folder; handed to the desktop's opener only after a confirmation
  naming the file, and only when its first bytes match its type.
* ``external``: an http(s) or mailto address; opened in the browser after asking.
* ``refuse``: everything else, with ``reason`` saying why.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from app.i18n import _

LinkKind = Literal["anchor", "view", "open", "external", "refuse"]

# Shown inside the app: Qt decodes these itself and nothing in them can start a program.
VIEW_IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".bmp", ".webp"})
VIEW_TEXT_SUFFIXES = frozenset({".txt", ".md", ".csv"})
# Opened by the desktop after confirmation; the first bytes must match (see ``_MAGIC``).
OPEN_SUFFIXES = frozenset({".pdf", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp",
                           ".mp4", ".webm", ".mp3", ".wav", ".ogg"})
# Named only to give a clearer message: the allow-lists above already refuse them.
PROGRAM_SUFFIXES = frozenset({
    ".exe", ".com", ".bat", ".cmd", ".ps1", ".psm1", ".psd1", ".ps1xml", ".vbs", ".vbe", ".js", ".jse", ".wsf",
    ".wsh", ".hta", ".scr", ".pif", ".cpl", ".msc", ".msi", ".msp", ".mst", ".dll", ".sys", ".reg", ".inf",
    ".lnk", ".url", ".scf", ".website", ".appref-ms", ".application", ".gadget", ".chm", ".jar", ".class",
    ".sh", ".bash", ".zsh", ".csh", ".ksh", ".fish", ".command", ".desktop", ".run", ".bin", ".appimage",
    ".py", ".pyw", ".pyc", ".pl", ".rb", ".php", ".lua", ".tcl", ".so", ".dylib", ".app", ".pkg", ".dmg",
    ".deb", ".rpm", ".apk", ".html", ".htm", ".xhtml", ".docm", ".xlsm", ".pptm", ".dotm", ".xltm",
})
EXTERNAL_SCHEMES = frozenset({"http", "https", "mailto"})

# First bytes each openable type must start with (offset, bytes); zip covers OOXML and ODF.
_ZIP = ((0, b"PK\x03\x04"),)
_MAGIC: dict[str, tuple[tuple[int, bytes], ...]] = {
    ".pdf": ((0, b"%PDF-"),),
    ".docx": _ZIP, ".xlsx": _ZIP, ".pptx": _ZIP, ".odt": _ZIP, ".ods": _ZIP, ".odp": _ZIP,
    ".mp4": ((4, b"ftyp"),),
    ".webm": ((0, b"\x1a\x45\xdf\xa3"),),
    ".mp3": ((0, b"ID3"), (0, b"\xff\xfb"), (0, b"\xff\xf3"), (0, b"\xff\xf2")),
    ".wav": ((0, b"RIFF"),),
    ".ogg": ((0, b"OggS"),),
}


@dataclass(frozen=True)
class SafeLink:
    """The decision for one link. ``path`` for course files, ``url`` for addresses and anchors."""

    kind: LinkKind
    path: Path | None = None
    url: str | None = None
    needs_confirm: bool = False
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.kind != "refuse"


def _refuse(reason: str) -> SafeLink:
    return SafeLink("refuse", reason=reason)


def effective_suffix(name: str) -> str:
    # Windows ignores trailing dots and spaces: "setup.exe. " runs as setup.exe.
    return Path(name.rstrip(". ")).suffix.lower()


def _is_executable(st: os.stat_result) -> bool:
    return os.name != "nt" and bool(st.st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))


def _starts_like(path: Path, suffix: str) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:
        return False
    return any(head[offset:offset + len(magic)] == magic for offset, magic in _MAGIC.get(suffix, ()))


def _course_file(course_dir: Path, href: str) -> Path | SafeLink:
    """The file a local link names, or a refusal."""
    if href.lower().startswith("file:"):
        parts = urlsplit(href)
        if parts.netloc not in ("", "localhost"):
            return _refuse(_("links to network shares are not opened"))
        path_text = unquote(parts.path)
        if os.name == "nt" and len(path_text) > 2 and path_text[0] == "/" and path_text[2] == ":":
            path_text = path_text[1:]  # /C:/x → C:/x
        candidate = Path(path_text)
        if not candidate.is_absolute():
            return _refuse(_("the link does not name a file in the course"))
    else:
        if href.startswith(("/", "\\")) or "\\" in href or ":" in href:
            return _refuse(_("the link does not name a file in the course"))
        path_text = unquote(href.split("#", 1)[0].split("?", 1)[0])
        if not path_text:
            return _refuse(_("the link does not name a file in the course"))
        candidate = course_dir / path_text
    if "\x00" in path_text:
        return _refuse(_("the link does not name a file in the course"))
    try:
        root = course_dir.resolve()
        resolved = candidate.resolve()
    except (OSError, RuntimeError, ValueError):
        return _refuse(_("the link does not name a file in the course"))
    if not resolved.is_relative_to(root) or resolved == root:
        return _refuse(_("“{name}” is outside the course folder").format(name=candidate.name))
    return resolved


def classify_link(course_dir: Path, href: str) -> SafeLink:
    """Decide what clicking ``href`` in a lesson of the course at ``course_dir`` may do.

    ``href`` is either the target as written in the lesson (relative to
    ``course_dir``) or the ``file:`` URL the renderer made of it.
    """
    href = (href or "").strip()
    if not href:
        return _refuse(_("the link is empty"))
    if href.startswith("#"):
        return SafeLink("anchor", url=href)
    if ":" in href.split("/", 1)[0] and not href.lower().startswith("file:"):
        scheme = href.split(":", 1)[0].lower()
        if scheme in EXTERNAL_SCHEMES and len(href) > len(scheme) + 1:
            return SafeLink("external", url=href, needs_confirm=True)
        return _refuse(_("links of the kind “{scheme}:” are not opened").format(scheme=scheme))
    found = _course_file(Path(course_dir), href)
    if isinstance(found, SafeLink):
        return found
    path = found
    name = path.name
    suffix = effective_suffix(name)
    try:
        st = path.stat()
    except OSError:
        return _refuse(_("“{name}” is not in the course").format(name=name))
    if not stat.S_ISREG(st.st_mode):
        return _refuse(_("“{name}” is not a file").format(name=name))
    if suffix in PROGRAM_SUFFIXES:
        return _refuse(_("“{name}” is a program or script; links in courses never start programs").format(
            name=name))
    if _is_executable(st):
        return _refuse(_("“{name}” is marked as a program; links in courses never start programs").format(
            name=name))
    if suffix in VIEW_IMAGE_SUFFIXES or suffix in VIEW_TEXT_SUFFIXES:
        return SafeLink("view", path=path)
    if suffix in OPEN_SUFFIXES:
        if not _starts_like(path, suffix):
            return _refuse(_("“{name}” is not really a {type} file, so it is not opened").format(
                name=name, type=suffix[1:].upper()))
        return SafeLink("open", path=path, needs_confirm=True)
    return _refuse(_("“{name}” is not a document or picture Zhizao Academy opens").format(name=name))


def is_viewable_text(link: SafeLink) -> bool:
    """A ``view`` link to a text file (shown as text) rather than a picture."""
    return link.kind == "view" and link.path is not None and effective_suffix(link.path.name) in VIEW_TEXT_SUFFIXES
