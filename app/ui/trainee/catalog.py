"""Catalog: the courses as cards, filtered by track and searched; opening one shows the course view.

The number of card columns follows the page's width only (not the scroll area's viewport, which
changes with its scroll bar and is 0 before the first show), and is never more than the number of
courses, so the cards look the same on every visit (review #31). A trainee's first visit shows the
first-steps tour above the cards.
"""

from __future__ import annotations

import logging

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_number, format_percent
from app.ui.common import messages
from app.ui.common.background import run_in_background
from app.ui.common.content import TRACKS, content_text, level_label, track_label
from app.ui.common.page import Page
from app.ui.common.qt_i18n import on_language_changed

log = logging.getLogger(__name__)

CARD_MIN_WIDTH = 300



class CourseCard(QFrame):
    open_clicked = Signal(str)

    def __init__(self, course, fraction: float, locked_by: list[str], enrolled: bool = False,
                 complete: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("courseCard")
        self.course = course
        self.fraction = fraction
        self.locked_by = locked_by
        self.enrolled = enrolled
        self.complete = complete
        self.setProperty("locked", bool(locked_by))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 14, 16, 14)
        lay.setSpacing(6)
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
        self.button.setProperty("primary", not locked_by)
        self.button.clicked.connect(lambda: self.open_clicked.emit(course.id))
        for w in (self.title, self.meta, self.summary):
            lay.addWidget(w)
        lay.addStretch(1)
        lay.addWidget(self.progress)
        lay.addWidget(self.lock_note)
        row = QHBoxLayout()
        self.state = QLabel(objectName="cardState")
        row.addWidget(self.state)
        row.addStretch(1)
        row.addWidget(self.button)
        lay.addLayout(row)
        self.setMinimumWidth(CARD_MIN_WIDTH)
        on_language_changed(self, self.retranslate)

    def keyPressEvent(self, event) -> None:
        # Enter on the focused card button opens the course (outside dialogs buttons ignore Enter).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.button.isEnabled():
            self.button.click()
            event.accept()
            return
        super().keyPressEvent(event)

    def retranslate(self) -> None:
        c = self.course
        self.title.setText(content_text(c.title))
        self.meta.setText(_("{track} · {level} · {hours} h").format(
            track=track_label(c.track), level=level_label(c.level), hours=format_number(c.estimated_hours)))
        self.summary.setText(content_text(c.summary))
        self.progress.setFormat(_("{percent} complete").format(percent=format_percent(self.fraction)))
        self.progress.setAccessibleName(self.progress.format())
        if self.locked_by:
            self.lock_note.setText(_("Locked: complete {courses} first.").format(courses=", ".join(self.locked_by)))
            self.lock_note.show()
        else:
            self.lock_note.hide()
        if self.locked_by:
            self.button.setText(_("Locked"))
            self.state.setText("")
        elif self.complete:
            self.button.setText(_("Review"))
            self.state.setText(_("✔ Completed"))
        elif self.enrolled or self.fraction > 0:
            self.button.setText(_("Continue"))
            self.state.setText(_("Enrolled"))
        else:
            self.button.setText(_("Enroll and start"))
            self.state.setText("")
        self.button.setAccessibleName(_("{action}: {course}").format(action=self.button.text(),
                                                                     course=self.title.text()))


class CatalogPage(Page):
    """The catalog, and the course view in its place while a course is open."""

    key = "catalog"
    open_course = Signal(str)

    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)
        self.catalog_panel = QWidget(objectName="catalogPanel")
        self.stack.addWidget(self.catalog_panel)
        lay = self.page_layout(self.catalog_panel)
        self.first_steps = None
        from app.ui.help.first_steps import FirstStepsCards, should_show

        if should_show(ctx, actor):
            self.first_steps = FirstStepsCards(self.catalog_panel)
            self.first_steps.finished.connect(self._first_steps_done)
            lay.addWidget(self.first_steps)
        bar = QHBoxLayout()
        self.search = QLineEdit(objectName="catalogSearch", clearButtonEnabled=True)
        self.search.textChanged.connect(self._apply_filter)
        self.track = QComboBox(objectName="trackFilter")
        self.track.currentIndexChanged.connect(self._apply_filter)
        self.track.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        bar.addWidget(self.search, 2)
        bar.addWidget(self.track, 1)
        lay.addLayout(bar)
        self.problems = QLabel(objectName="warningLabel", wordWrap=True)
        self.problems.hide()
        lay.addWidget(self.problems)
        self.empty = QLabel(objectName="emptyLabel", alignment=Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        lay.addWidget(self.empty)
        self.loading = QLabel(objectName="emptyLabel", alignment=Qt.AlignmentFlag.AlignCenter)
        self.loading.hide()
        lay.addWidget(self.loading)
        self.scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        self.grid_host = QWidget(objectName="cardGrid")
        host_lay = QVBoxLayout(self.grid_host)
        host_lay.setContentsMargins(0, 4, 4, 4)
        self.grid = QGridLayout()
        self.grid.setSpacing(16)
        host_lay.addLayout(self.grid)
        host_lay.addStretch(1)  # cards keep their natural height
        self.scroll.setWidget(self.grid_host)
        lay.addWidget(self.scroll, 1)
        self.cards: list[CourseCard] = []
        self.course_view = None
        self._columns = 0
        self._resumed = False
        self._loading = False
        self.open_course.connect(self.show_course)
        on_language_changed(self, self.retranslate)
        self.reload()

    @classmethod
    def title(cls) -> str:  # the shell names the page before building it
        return _("Catalog")

    def retranslate(self) -> None:
        self.heading.setText(_("Course catalog"))
        self.search.setPlaceholderText(_("Search courses…"))
        self.search.setAccessibleName(_("Search courses"))
        self.track.setAccessibleName(_("Track"))
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
        self.loading.setText(_("Loading courses…"))
        self._show_problems()

    def activated(self) -> None:
        if self.course_view is not None:
            self.course_view.refresh()
        else:
            self.reload()
        if not self._resumed and not self._loading:
            self._resumed = True
            self.resume_last()

    # --- the catalog -------------------------------------------------------------------------

    def _courses(self) -> list:
        try:
            return self.ctx.library.courses()
        except Exception:
            log.exception("loading the course library failed")
            return []

    def reload(self) -> None:
        """Rebuild the cards; the first load of the library (parsing every course) runs off the UI thread."""
        library = self.ctx.library
        if not getattr(library, "_loaded", True):
            if not self._loading:
                self._loading = True
                self.loading.show()
                self.empty.hide()
                run_in_background(library.courses, lambda _c: self._library_ready(),
                                  lambda _exc: self._library_ready())
            return
        self._build_cards()

    def _library_ready(self) -> None:
        if not shiboken6.isValid(self):  # logged out while the courses were loading
            return
        self._loading = False
        self.loading.hide()
        self._build_cards()
        if not self._resumed and self.isVisible():
            self._resumed = True
            self.resume_last()

    def _build_cards(self) -> None:
        for card in self.cards:
            self.grid.removeWidget(card)
            # Hidden and deleted in place: a parentless card would pop up as a window of its own.
            card.hide()
            card.deleteLater()
        self.cards = []
        courses = self._courses()
        try:
            enrolled = {e.course_id for e in self.ctx.progress.enrollments(self.actor, self.actor.user_id)}
        except Exception:
            log.exception("reading enrollments failed")
            enrolled = set()
        complete = set()
        fractions = {}
        for course in courses:
            prog = self.ctx.progress.course_progress(self.actor, self.actor.user_id, course.id, course.step_kinds())
            fractions[course.id] = prog.fraction
            if prog.complete:
                complete.add(course.id)
        titles = {c.id: content_text(c.title) for c in courses}
        for course in courses:
            missing = [titles.get(p, p) for p in course.prerequisites if p not in complete]
            # Parented at once: a parentless card shown by the filter would flash up as its own window.
            card = CourseCard(course, fractions[course.id], missing, course.id in enrolled, course.id in complete,
                              parent=self.grid_host)
            card.open_clicked.connect(self.open_course)
            self.cards.append(card)
        self._columns = 0
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
        self._layout_cards(visible)
        self.empty.setVisible(not visible)

    def columns(self) -> int:
        """Card columns for the page's width (what fits, at most 3, never more than there are courses)."""
        margins = self.catalog_panel.layout().contentsMargins()
        width = (self.width() if self.width() > 100 else 1100) - margins.left() - margins.right() - 24
        fit = max(1, min(3, (width + 16) // (CARD_MIN_WIDTH + 16)))
        return max(1, min(fit, len(self.cards) or 1))

    def _layout_cards(self, visible: list[CourseCard]) -> None:
        for card in self.cards:
            self.grid.removeWidget(card)
        columns = self.columns()
        self._columns = columns
        for i, card in enumerate(visible):
            self.grid.addWidget(card, i // columns, i % columns)
        for col in range(3):
            self.grid.setColumnStretch(col, 1 if col < columns else 0)

    def visible_course_ids(self) -> list[str]:
        return [c.course.id for c in self.cards if not c.isHidden()]

    def card(self, course_id: str) -> CourseCard | None:
        return next((c for c in self.cards if c.course.id == course_id), None)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.columns() != self._columns:
            self._layout_cards([c for c in self.cards if not c.isHidden()])

    # --- first steps, focus, back ------------------------------------------------------------

    def _first_steps_done(self) -> None:
        from app.ui.help.first_steps import mark_seen

        mark_seen(self.ctx, self.actor)
        if self.first_steps is not None:
            self.first_steps.hide()
            self.first_steps.deleteLater()
            self.first_steps = None
        self.focus_first()

    def focus_first(self) -> bool:
        """The first focus on this page: the tour, the open course's steps, else the first course's button."""
        if self.course_view is not None:
            self.course_view.tree.setFocus()
            return True
        if self.first_steps is not None:
            self.first_steps.next_btn.setFocus()
            return True
        card = next((c for c in self.cards if not c.isHidden() and c.button.isEnabled()), None)
        (card.button if card is not None else self.search).setFocus()
        return True

    def go_back(self) -> bool:
        """From an open course back to the list (Esc in the navigation, a click on Catalog)."""
        if self.course_view is None:
            return False
        self.back_to_catalog()
        return True

    # --- the course view ---------------------------------------------------------------------

    def show_item(self, item: object) -> None:
        """Another page asked to open a course (its id)."""
        if isinstance(item, str):
            self.show_course(item)

    def show_course(self, course_id: str, step_key: str | None = None):
        """Open ``course_id`` in place of the catalog (enrolling the trainee); returns the CourseView."""
        from app.ui.trainee.course_view import CourseView

        try:
            course = self.ctx.library.get(course_id)
        except KeyError:
            messages.warn(self, _("Course not found"),
                          _("The course “{id}” is not installed on this workstation.").format(id=course_id))
            return None
        card = self.card(course_id)
        if card is not None and card.locked_by:
            messages.inform(self, _("Locked"), _("Complete {courses} first.").format(
                courses=", ".join(card.locked_by)))
            return None
        self.close_course(forget=False)
        view = CourseView(self.ctx, self.actor, course)
        view.back_requested.connect(self.back_to_catalog)
        self.course_view = view
        self.stack.addWidget(view)
        self.stack.setCurrentWidget(view)
        key = step_key if step_key and course.step(step_key) else None
        if key is None:
            key = view.progress.next_incomplete(course.step_keys()) if view.progress else None
            key = key or (course.step_keys() or [None])[0]
        if key:
            view.open_step(key)
        view.tree.setFocus()
        return view

    def back_to_catalog(self) -> None:
        course_id = self.course_view.course.id if self.course_view is not None else ""
        self.close_course(forget=True)
        self.reload()
        card = self.card(course_id)
        (card.button if card is not None and card.button.isEnabled() else self.search).setFocus()

    def close_course(self, forget: bool = True) -> None:
        view = self.course_view
        if view is None:
            return
        if forget:
            view.close_course()
        else:
            view.leave_step()
        self.stack.setCurrentWidget(self.catalog_panel)
        self.stack.removeWidget(view)
        view.deleteLater()
        self.course_view = None

    def resume_last(self) -> None:
        """Reopen the step the trainee was on when the app closed (a quiz resumes from its draft)."""
        from app.ui.trainee.course_view import RESUME_PREF

        try:
            value = self.ctx.accounts.get_preference(self.actor, RESUME_PREF) or ""
        except Exception:  # noqa: BLE001 - nothing to resume
            return
        course_id, _sep, key = value.partition("|")
        if course_id and key and course_id in self.ctx.library and self.course_view is None:
            self.show_course(course_id, key)

    def save_state(self) -> None:
        if self.course_view is not None:
            self.course_view.save_state()


def _texts(value) -> list[str]:
    from app.ui.common.content import as_dict

    d = as_dict(value)
    if isinstance(d, dict):
        return [v for v in d.values() if v]
    return [d] if d else []
