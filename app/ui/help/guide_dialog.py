"""Help → User guide: the guide's chapters and sections on the left, a search box, the text on the right.

Non-modal, one per window; it follows a language switch (the chapters are read again in the new
language) and F1 opens it at a section (:meth:`GuideDialog.show_topic`). Search keeps the sections
whose text holds every word and highlights the words in the chapter shown.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QTextBrowser,
    QTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import i18n
from app.i18n import _, ngettext
from app.ui.common.qt_i18n import on_language_changed
from app.ui.help.chapters import CHAPTERS, Chapter, load_guide, search_words

log = logging.getLogger(__name__)

ROLE = Qt.ItemDataRole.UserRole  # (chapter key, anchor) of a tree item
HIGHLIGHT = QColor("#ffe066")


class GuideDialog(QDialog):
    """The user guide in the user's language, searchable."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guideDialog")
        self.setModal(False)
        self.resize(1000, 640)
        self.chapters: list[Chapter] = []
        self.current: Chapter | None = None
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.search = QLineEdit(objectName="guideSearch", clearButtonEnabled=True)
        self.search.textChanged.connect(self._search_soon)
        self.search.returnPressed.connect(self._next_match)
        self.found = QLabel(objectName="guideFound")
        top.addWidget(self.search, 1)
        top.addWidget(self.found)
        lay.addLayout(top)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.tree = QTreeWidget(objectName="guideTree", headerHidden=True)
        self.tree.itemClicked.connect(self._open_item)
        self.tree.itemActivated.connect(self._open_item)
        self.browser = QTextBrowser(objectName="guideText", openLinks=False)
        self.browser.anchorClicked.connect(self._link)
        split.addWidget(self.tree)
        split.addWidget(self.browser)
        split.setStretchFactor(1, 1)
        split.setSizes([280, 720])
        lay.addWidget(split, 1)
        self.empty = QLabel(objectName="emptyLabel", wordWrap=True)
        self.empty.hide()
        lay.addWidget(self.empty)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay.addWidget(buttons)
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self.apply_search)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.search.setFocus)
        on_language_changed(self, self.retranslate)
        self.retranslate()

    # --- language ----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(_("User guide — Zhizao Academy"))
        self.search.setPlaceholderText(_("Search the guide…"))
        self.search.setAccessibleName(_("Search the guide"))
        self.tree.setAccessibleName(_("Chapters"))
        position = (self.current.key, self._visible_anchor()) if self.current else None
        self.load()
        if position:
            self.show_topic(*position)

    def load(self) -> None:
        """Read the chapters in the current language and rebuild the list."""
        try:
            self.chapters = load_guide(i18n.current_locale())
        except OSError:
            log.exception("the user guide cannot be read")
            self.chapters = []
        self.tree.clear()
        names = dict(CHAPTERS)
        for chapter in self.chapters:
            top = QTreeWidgetItem([_(names[chapter.key])])
            top.setData(0, ROLE, (chapter.key, ""))
            self.tree.addTopLevelItem(top)
            parents = {1: top}
            for section in chapter.sections[1:]:
                parent = parents.get(section.level - 1) or parents[max(k for k in parents if k < section.level)]
                item = QTreeWidgetItem(parent, [section.title])
                item.setData(0, ROLE, (chapter.key, section.anchor))
                parents = {k: v for k, v in parents.items() if k < section.level}
                parents[section.level] = item
            top.setExpanded(True)
        self.empty.setText(_("The user guide is missing from this installation."))
        self.empty.setVisible(not self.chapters)
        self.current = None
        self.apply_search()

    # --- showing ----------------------------------------------------------------------------

    def chapter(self, key: str) -> Chapter | None:
        return next((c for c in self.chapters if c.key == key), None)

    def show_topic(self, key: str, anchor: str = "") -> bool:
        """Show chapter ``key`` at the section with ``anchor`` (an English heading's anchor)."""
        chapter = self.chapter(key) or (self.chapters[0] if self.chapters else None)
        if chapter is None:
            return False
        if chapter is not self.current:
            self.current = chapter
            self.browser.setHtml(chapter.html())
        self._highlight()
        section = chapter.section(anchor) if anchor else None
        if section is not None:
            self.browser.scrollToAnchor(section.anchor)
        else:
            self.browser.verticalScrollBar().setValue(0)
        self._select(chapter.key, section.anchor if section else "")
        return section is not None or not anchor

    def _select(self, key: str, anchor: str) -> None:
        it = self._find_item(key, anchor)
        if it is not None:
            self.tree.blockSignals(True)
            self.tree.setCurrentItem(it)
            self.tree.blockSignals(False)

    def _find_item(self, key: str, anchor: str) -> QTreeWidgetItem | None:
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            it = stack.pop(0)
            if it.data(0, ROLE) == (key, anchor):
                return it
            stack.extend(it.child(i) for i in range(it.childCount()))
        return None

    def _visible_anchor(self) -> str:
        it = self.tree.currentItem()
        data = it.data(0, ROLE) if it is not None else None
        return data[1] if data and self.current and data[0] == self.current.key else ""

    def _open_item(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        key, anchor = item.data(0, ROLE)
        self.show_topic(key, anchor)

    def _link(self, url: QUrl) -> None:
        fragment = url.fragment()
        if url.scheme() in ("http", "https", "mailto"):
            from app.ui.common import messages

            messages.inform(self, _("Web link"), _("This guide works offline. The link is:\n{url}").format(
                url=url.toString()))
            return
        if fragment.startswith("@"):
            key, _sep, anchor = fragment[1:].partition("/")
            self.show_topic(key, anchor)
        elif fragment and self.current is not None:
            self.show_topic(self.current.key, fragment)

    # --- search ------------------------------------------------------------------------------

    def _search_soon(self) -> None:
        self._timer.start()

    def apply_search(self) -> None:
        """Show only the sections that hold every word of the search; highlight the words."""
        self._timer.stop()
        words = search_words(self.search.text())
        hits = 0
        first: tuple[str, str] | None = None
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            chapter = self.chapter(top.data(0, ROLE)[0])
            matching = set()
            for it in _descendants(top):
                section = chapter.section(it.data(0, ROLE)[1]) if chapter else None
                if words and section is not None and section.matches(words):
                    matching.add(id(it))
                    hits += 1
                    first = first or it.data(0, ROLE)
            for it in _descendants(top):
                shown = not words or id(it) in matching or any(id(c) in matching for c in _descendants(it))
                it.setHidden(not shown)
            top.setHidden(bool(words) and not matching)
        if words:
            self.found.setText(ngettext("{n} section", "{n} sections", hits).format(n=hits))
            shown = self.current.section(self._visible_anchor()) if self.current else None
            if first is not None and (shown is None or not shown.matches(words)):
                self.show_topic(*first)
        else:
            self.found.setText("")
        if self.current is None and self.chapters:
            self.show_topic(self.chapters[0].key)
        self._highlight()

    def _highlight(self) -> None:
        """Mark every occurrence of the search words in the chapter shown."""
        selections = []
        doc = self.browser.document()
        fmt = QTextCharFormat()
        fmt.setBackground(HIGHLIGHT)
        for word in search_words(self.search.text()):
            cursor = doc.find(word, 0)
            while not cursor.isNull() and len(selections) < 2000:
                sel = QTextEdit.ExtraSelection()
                sel.cursor = cursor
                sel.format = fmt
                selections.append(sel)
                cursor = doc.find(word, cursor)
        self.browser.setExtraSelections(selections)

    def highlighted(self) -> list[str]:
        """The texts highlighted now (for tests and the screenshot script)."""
        return [s.cursor.selectedText() for s in self.browser.extraSelections()]

    def _next_match(self) -> None:
        words = search_words(self.search.text())
        if words and not self.browser.find(words[0]):
            self.browser.moveCursor(self.browser.textCursor().MoveOperation.Start)
            self.browser.find(words[0], QTextDocument.FindFlag(0))


def _descendants(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    out = []
    for i in range(item.childCount()):
        child = item.child(i)
        out.append(child)
        out.extend(_descendants(child))
    return out
