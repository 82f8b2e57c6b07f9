"""A picture or text file of the course, shown inside the app (what ``classify_link`` calls "view")."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from app.courses.links import SafeLink, is_viewable_text
from app.courses.render import render_markdown
from app.i18n import _

log = logging.getLogger(__name__)

MAX_TEXT_BYTES = 1024 * 1024


class CourseFileDialog(QDialog):
    """Shows one course file read-only; links in it are not followed (the lesson is where links work)."""

    def __init__(self, link: SafeLink, course_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert link.kind == "view" and link.path is not None
        self.path = link.path
        self.setWindowTitle(self.path.name)
        self.resize(760, 560)
        lay = QVBoxLayout(self)
        self.browser = QTextBrowser(objectName="courseFileBrowser")
        self.browser.setOpenLinks(False)
        self.browser.setOpenExternalLinks(False)
        lay.addWidget(self.browser, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self._fill(link, course_dir)

    def _fill(self, link: SafeLink, course_dir: Path) -> None:
        path = self.path
        if not is_viewable_text(link):
            # The lesson renderer's own rules: only this file, SVGs sanitised and inlined.
            self.browser.setHtml(render_markdown(f"![{path.stem}](<{path.name}>)", path.parent, course_dir))
            return
        try:
            with path.open("rb") as fh:
                data = fh.read(MAX_TEXT_BYTES + 1)
        except OSError as exc:
            self.browser.setPlainText(_("The file could not be read: {reason}").format(reason=exc.strerror or exc))
            return
        text = data[:MAX_TEXT_BYTES].decode("utf-8", "replace")
        if len(data) > MAX_TEXT_BYTES:
            text += "\n\n" + _("[Only the first megabyte is shown.]")
        if path.suffix.lower() == ".md":
            self.browser.setHtml(render_markdown(text, path.parent, course_dir, title=path.name))
        else:
            self.browser.setPlainText(text)
