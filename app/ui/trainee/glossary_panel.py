"""The course glossary, searchable in both languages; opened from any lesson (button or Ctrl+G)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app import i18n
from app.courses import models as m
from app.courses.glossary import search
from app.i18n import _, ngettext
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed


def _other(text: dict[str, str], locale: str) -> str:
    """The term in the course language that is not the UI language (empty if it is the same text)."""
    shown = m.text_for(text, locale)
    for loc in m.COURSE_LOCALES:
        if loc != locale and text.get(loc) and text[loc] != shown:
            return text[loc]
    return ""


class GlossaryPanel(QDialog):
    """A non-modal window beside the lesson: type to filter, pick a term to read its definition."""

    def __init__(self, course: m.Course, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.course = course
        self.setObjectName("glossaryPanel")
        self.setModal(False)
        self.resize(720, 520)
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.search_box = QLineEdit(objectName="glossarySearch")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(self.refresh)
        top.addWidget(self.search_box, 1)
        self.count = QLabel(objectName="statusLabel")
        top.addWidget(self.count)
        lay.addLayout(top)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.results = QListWidget(objectName="glossaryTerms")
        self.results.currentItemChanged.connect(self._show_current)
        split.addWidget(self.results)
        self.detail = QTextBrowser(objectName="glossaryDefinition")
        self.detail.setOpenLinks(False)
        split.addWidget(self.detail)
        split.setSizes([260, 460])
        lay.addWidget(split, 1)
        self.search_box.returnPressed.connect(self._focus_results)
        on_language_changed(self, self.retranslate)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Glossary: {course}").format(course=content_text(self.course.title)))
        self.search_box.setPlaceholderText(_("Search terms in English or Chinese"))
        self.search_box.setAccessibleName(_("Search the glossary"))
        self.results.setAccessibleName(_("Glossary terms"))
        self.refresh()

    def set_query(self, text: str) -> None:
        self.search_box.setText(text)

    def shown_terms(self) -> list[str]:
        """The terms listed, as shown (for tests and accessibility checks)."""
        return [self.results.item(i).text() for i in range(self.results.count())]

    def refresh(self) -> None:
        locale = i18n.current_locale()
        current = self.results.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole) if current is not None else None
        hits = search(self.course.glossary, self.search_box.text(), locale)
        self.results.clear()
        for index, hit in enumerate(hits):
            term = m.text_for(hit.entry.term, locale)
            other = _other(hit.entry.term, locale)
            item = QListWidgetItem(f"{term} — {other}" if other else term)
            item.setData(Qt.ItemDataRole.UserRole, self.course.glossary.index(hit.entry))
            self.results.addItem(item)
            if keep is not None and item.data(Qt.ItemDataRole.UserRole) == keep:
                self.results.setCurrentRow(index)
        if self.results.currentRow() < 0 and self.results.count():
            self.results.setCurrentRow(0)
        self.count.setText(ngettext("{n} term", "{n} terms", len(hits)).format(n=len(hits)))
        if not hits:
            self.detail.setHtml("<p>{}</p>".format(html.escape(
                _("No term matches “{query}”.").format(query=self.search_box.text().strip()))))

    def _focus_results(self) -> None:
        if self.results.count():
            self.results.setFocus()

    def _show_current(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None = None) -> None:
        if item is None:
            return
        entry = self.course.glossary[item.data(Qt.ItemDataRole.UserRole)]
        self.detail.setHtml(self.entry_html(entry))

    @staticmethod
    def entry_html(entry: m.GlossaryEntry) -> str:
        """Term and definition in the UI language first, then in the other course language."""
        locale = i18n.current_locale()
        order = [locale, *[loc for loc in m.COURSE_LOCALES if loc != locale]]
        parts = []
        for n, loc in enumerate(order):
            term, definition = entry.term.get(loc), entry.definition.get(loc)
            if not term and not definition:
                continue
            tag = "h2" if n == 0 else "h3"
            parts.append(f"<{tag}>{html.escape(term or '')}</{tag}><p>{html.escape(definition or '')}</p>")
        if entry.aliases:
            parts.append("<p><i>{}</i></p>".format(html.escape(
                _("Also: {names}").format(names=_(", ").join(entry.aliases)))))
        return "".join(parts)
