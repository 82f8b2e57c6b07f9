"""Catalog: the courses as cards, filtered by track and searched by title."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
                               QPushButton, QScrollArea, QVBoxLayout, QWidget)

from app.i18n import _, format_number, format_percent
from app.ui.content import TRACKS, content_text, level_label, track_label
from app.ui.qt_i18n import on_language_changed
from app.ui.shell import Page

log = logging.getLogger(__name__)


def course_steps(course) -> list[tuple[str, str]]:
    """(step key, kind) for every step of a course, in order."""
    return [(f"{m.id}/{s.id}", s.kind) for m in course.modules for s in m.steps]


class CourseCard(QFrame):
    open_clicked = Signal(str)

    def __init__(self, course, fraction: float, locked_by: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("courseCard")
        self.course = course
        self.fraction = fraction
        self.locked_by = locked_by
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 14, 16, 14)
        self.title = QLabel(objectName="cardTitle", wordWrap=True)
        self.meta = QLabel(objectName="cardMeta", wordWrap=True)
        self.summary = QLabel(objectName="cardSummary", wordWrap=True)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.progress = QProgressBar(objectName="cardProgress")
        self.progress.setRange(0, 100)
        self.progress.setValue(round(fraction * 100))
        self.lock_note = QLabel(objectName="lockNote", wordWrap=True)
        self.button = QPushButton(objectName="openCourse")
        self.button.setEnabled(not locked_by)
        self.button.clicked.connect(lambda: self.open_clicked.emit(course.id))
        for w in (self.title, self.meta, self.summary):
            lay.addWidget(w)
        lay.addStretch(1)
        lay.addWidget(self.progress)
        lay.addWidget(self.lock_note)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.button)
        lay.addLayout(row)
        self.setMinimumWidth(300)
        on_language_changed(self, self.retranslate)

    def retranslate(self) -> None:
        c = self.course
        self.title.setText(content_text(c.title))
        self.meta.setText(_("{track} · {level} · {hours} h").format(
            track=track_label(c.track), level=level_label(c.level), hours=format_number(c.estimated_hours)))
        self.summary.setText(content_text(c.summary))
        self.progress.setFormat(_("{percent} complete").format(percent=format_percent(self.fraction)))
        if self.locked_by:
            self.lock_note.setText(_("Locked: complete {courses} first.").format(courses=", ".join(self.locked_by)))
            self.lock_note.show()
        else:
            self.lock_note.hide()
        if self.locked_by:
            self.button.setText(_("Locked"))
        elif self.fraction > 0:
            self.button.setText(_("Continue"))
        else:
            self.button.setText(_("Start"))
        self.button.setAccessibleName(self.title.text())


class CatalogPage(Page):
    key = "catalog"
    open_course = Signal(str)

    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 12)
        self.heading = QLabel(objectName="pageTitle")
        lay.addWidget(self.heading)
        bar = QHBoxLayout()
        self.search = QLineEdit(objectName="catalogSearch", clearButtonEnabled=True)
        self.search.textChanged.connect(self._apply_filter)
        self.track = QComboBox(objectName="trackFilter")
        self.track.currentIndexChanged.connect(self._apply_filter)
        bar.addWidget(self.search, 2)
        bar.addWidget(self.track, 1)
        lay.addLayout(bar)
        self.problems = QLabel(objectName="warningLabel", wordWrap=True)
        self.problems.hide()
        lay.addWidget(self.problems)
        self.empty = QLabel(objectName="emptyLabel", alignment=Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        lay.addWidget(self.empty)
        self.scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(16)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.scroll.setWidget(self.grid_host)
        lay.addWidget(self.scroll, 1)
        self.cards: list[CourseCard] = []
        on_language_changed(self, self.retranslate)
        self.reload()

    def title(self) -> str:
        return _("Catalog")

    def retranslate(self) -> None:
        self.heading.setText(_("Course catalog"))
        self.search.setPlaceholderText(_("Search courses…"))
        current = self.track.currentData()
        self.track.blockSignals(True)
        self.track.clear()
        self.track.addItem(_("All tracks"), "")
        for key in TRACKS:
            self.track.addItem(track_label(key), key)
        idx = self.track.findData(current)
        self.track.setCurrentIndex(max(0, idx))
        self.track.blockSignals(False)
        self.empty.setText(_("No course matches your search."))
        self._show_problems()

    def activated(self) -> None:
        self.reload()

    def reload(self) -> None:
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        try:
            courses = self.ctx.library.courses()
        except Exception:  # noqa: BLE001 - a broken library must not take the catalog down
            log.exception("loading the course library failed")
            courses = []
        passed_courses = set()
        fractions = {}
        for course in courses:
            prog = self.ctx.progress.course_progress(self.actor, self.actor.user_id, course.id, course_steps(course))
            fractions[course.id] = prog.fraction
            if prog.total_steps and prog.passed_steps == prog.total_steps:
                passed_courses.add(course.id)
        titles = {c.id: content_text(c.title) for c in courses}
        for course in courses:
            missing = [titles.get(p, p) for p in course.prerequisites if p not in passed_courses]
            card = CourseCard(course, fractions[course.id], missing)
            card.open_clicked.connect(self.open_course)
            self.cards.append(card)
        self._show_problems()
        self._apply_filter()

    def _show_problems(self) -> None:
        problems = getattr(getattr(self.ctx, "_library", None), "problems", None) or []
        if problems and self.actor.is_staff:
            self.problems.setText(_("{n} course folders could not be loaded; run “zhizao validate” on them.")
                                  .format(n=len(problems)))
            self.problems.show()
        else:
            self.problems.hide()

    def _apply_filter(self) -> None:
        needle = self.search.text().strip().lower()
        track = self.track.currentData() or ""
        visible = []
        for card in self.cards:
            c = card.course
            hay = " ".join(str(v) for v in (c.id, *_texts(c.title), *_texts(c.summary))).lower()
            ok = (not needle or needle in hay) and (not track or c.track == track)
            card.setVisible(ok)
            if ok:
                visible.append(card)
        for card in self.cards:
            self.grid.removeWidget(card)
        columns = max(1, min(3, (self.scroll.viewport().width() or 900) // 320))
        for i, card in enumerate(visible):
            self.grid.addWidget(card, i // columns, i % columns)
        self.empty.setVisible(not visible)

    def visible_course_ids(self) -> list[str]:
        return [c.course.id for c in self.cards if not c.isHidden()]

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._apply_filter()


def _texts(value) -> list[str]:
    from app.ui.content import as_dict

    d = as_dict(value)
    if isinstance(d, dict):
        return [v for v in d.values() if v]
    return [d] if d else []
