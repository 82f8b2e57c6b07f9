"""The problems list: the same checks as ``zhizao validate``, run on the draft shortly after each edit.

The draft is copied (on the UI thread, cheap) and written to a scratch folder and
validated in the background; a result that an edit has overtaken is dropped. Each problem
is said in the form's words (``app.courses.authoring.wording``), with the file:line and the
validator's own message kept beside it as the detail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QStyle, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.courses.authoring import validate_files
from app.courses.authoring.wording import form_wording
from app.courses.errors import Problem, has_errors, summary
from app.i18n import _
from app.ui.common.background import run_in_background
from app.ui.common.qt_i18n import on_language_changed
from app.ui.instructor.authoring.model import DraftModel

log = logging.getLogger(__name__)
DELAY_MS = 400


class ValidationPanel(QWidget):
    problem_activated = Signal(object)  # Problem
    updated = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel(objectName="validationSummary")
        lay.addWidget(self.summary)
        self.list = QTreeWidget(objectName="problemList")
        self.list.setColumnCount(2)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setMinimumHeight(4 * self.fontMetrics().height() + 16)  # four problems in view at 700 px
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        lay.addWidget(self.list, 1)
        self.model: DraftModel | None = None
        self.catalog_dirs: list[Path] = []
        self.problems: list[Problem] = []
        self.generation = 0  # edits seen
        self.checked = -1  # the edit generation the shown problems belong to
        self.error: str | None = None
        self._timer = QTimer(self, singleShot=True, interval=DELAY_MS)
        self._timer.timeout.connect(self.run)
        self._running = False
        on_language_changed(self, self.retranslate)

    def attach(self, model: DraftModel | None, catalog_dirs: Iterable[Path]) -> None:
        self.model = model
        self.catalog_dirs = list(catalog_dirs)
        self.problems = []
        self.list.clear()
        if model is not None:
            model.edited.connect(self.schedule)
            self.schedule()

    @property
    def busy(self) -> bool:
        return self.checked != self.generation

    def schedule(self) -> None:
        if self.sender() is not None and self.sender() is not self.model and isinstance(self.sender(), DraftModel):
            return  # an old model's late signal
        self.generation += 1
        self._show_summary()
        self._timer.start()

    def run(self) -> None:
        """Validate the draft as it is now, in the background."""
        if self.model is None or self._running:
            if self._running:
                self._timer.start()  # try again when the running check is done
            return
        gen, model = self.generation, self.model
        files = model.draft.files()
        course_id = model.draft.course_id
        dirs = self.catalog_dirs
        self._running = True
        run_in_background(lambda: validate_files(files, course_id, dirs),
                          lambda problems: self._done(gen, model, problems),
                          lambda exc: self._failed(gen, model, exc))

    def validate_now(self) -> list[Problem]:
        """Validate synchronously (before publishing); also shows the result."""
        if self.model is None:
            return []
        problems = validate_files(self.model.draft.files(), self.model.draft.course_id, self.catalog_dirs)
        self._show(problems)
        self.checked = self.generation
        self._show_summary()
        return problems

    def _done(self, gen: int, model: DraftModel, problems: list[Problem]) -> None:
        if not shiboken6.isValid(self):
            return
        self._running = False
        if model is not self.model:
            return
        if gen == self.generation:
            self.error = None
            self._show(problems)
            self.checked = gen
        self._show_summary()
        self.updated.emit()

    def _failed(self, gen: int, model: DraftModel, exc: Exception) -> None:
        if not shiboken6.isValid(self):
            return
        self._running = False
        if model is self.model and gen == self.generation:
            log.warning("validating the draft failed: %s", exc)
            self.error = str(exc)
            self.checked = gen
            self._show_summary()
            self.updated.emit()

    def _show(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.list.clear()
        style = self.style()
        for p in problems:
            where = p.file + (f":{p.line}" if p.line else "")
            words = form_wording(p)
            detail = f"{where}: {p.message}" if words else where
            item = QTreeWidgetItem([words or p.message, detail])
            icon = QStyle.StandardPixmap.SP_MessageBoxCritical if p.is_error else \
                QStyle.StandardPixmap.SP_MessageBoxWarning
            item.setIcon(0, style.standardIcon(icon))
            item.setToolTip(0, f"{where}: {p.message}")
            item.setToolTip(1, f"{where}: {p.message}")
            self.list.addTopLevelItem(item)
        self.list.resizeColumnToContents(0)
        self.list.setColumnWidth(0, min(self.list.columnWidth(0), 520))

    def _activated(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        i = self.list.indexOfTopLevelItem(item)
        if 0 <= i < len(self.problems):
            self.problem_activated.emit(self.problems[i])

    def activate(self, index: int) -> None:
        """Act as if the user clicked problem ``index``."""
        item = self.list.topLevelItem(index)
        self.list.setCurrentItem(item)
        self._activated(item)

    def has_errors(self) -> bool:
        return has_errors(self.problems)

    def _show_summary(self) -> None:
        if self.model is None:
            self.summary.setText("")
        elif self.error:
            self.summary.setText(_("The course could not be checked: {reason}").format(reason=self.error))
        elif self.busy:
            self.summary.setText(_("Checking…"))
        elif not self.problems:
            self.summary.setText(_("No problems found."))
        else:
            self.summary.setText(_("Problems: {summary}. Click one to go to the field.").format(
                summary=summary(self.problems)))

    def retranslate(self) -> None:
        self.list.setHeaderLabels([_("Problem"), _("Where (file:line) and detail")])
        if self.model is not None and self.problems:
            self.schedule()  # the messages come in the interface language
        self._show_summary()
