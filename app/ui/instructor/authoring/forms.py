"""The editor pages' common base, and the forms for course, module and step metadata."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from app.courses.authoring import MISSING, AuthoringError, to_plain
from app.courses.competencies import EVIDENCE_KINDS
from app.i18n import N_, _
from app.ui.common.content import LEVELS, TRACKS
from app.ui.common.qt_i18n import on_language_changed
from app.ui.instructor.authoring.binding import Binder, FormGrid
from app.ui.instructor.authoring.model import DraftModel
from app.ui.instructor.authoring.tables import BoundTable, Column
from app.ui.instructor.authoring.tree import kind_label


class EditorPage(QWidget):
    """One node's editor. Subclasses build widgets through ``binder()`` and ``grid()``."""

    def __init__(self, model: DraftModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.binders: list[Binder] = []
        self.grids: list[FormGrid] = []
        self.reloadables: list[Any] = []  # objects with reload() (tables, lists)
        self.focusables: list[Any] = []  # objects with focus_target(rel, path)

    def binder(self, rel: str, base: Callable[[], Sequence[str | int]] | None = None) -> Binder:
        b = Binder(self.model, rel, self, base)
        self.binders.append(b)
        return b

    def grid(self) -> FormGrid:
        g = FormGrid()
        self.grids.append(g)
        return g

    @staticmethod
    def scrolled(body: QWidget) -> QScrollArea:
        area = QScrollArea(widgetResizable=True, objectName="editorScroll")
        area.setWidget(body)
        return area

    def reload(self) -> bool:
        """Show the draft again after a structural change; False if the page must be rebuilt instead."""
        for b in self.binders:
            b.refresh()
        for r in self.reloadables:
            r.reload()
        return True

    def focus_target(self, rel: str, path: Sequence[str | int]) -> bool:
        for f in self.focusables:
            if f.focus_target(rel, path):
                return True
        return any(b.rel == rel and b.focus(path) for b in self.binders)

    def retranslate(self) -> None:
        for g in self.grids:
            g.retranslate()

    def start_translating(self) -> None:
        on_language_changed(self, self.retranslate)


class IdEdit(QWidget):
    """An id field that renames on Enter / leaving the field; a refused id is explained and reverted."""

    def __init__(self, current: Callable[[], str], rename: Callable[[str], None], read_only: bool) -> None:
        super().__init__()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(objectName="idEdit")
        self.edit.setReadOnly(read_only)
        self.error = QLabel(objectName="errorLabel", wordWrap=True)
        self.error.hide()
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.error, 2)
        self.current, self.rename = current, rename
        self.edit.setText(current())
        self.edit.editingFinished.connect(self._finished)

    def _finished(self) -> None:
        new = self.edit.text().strip()
        if new == self.current():
            self.error.hide()
            return
        try:
            self.rename(new)
        except AuthoringError as exc:
            self.error.setText(str(exc))
            self.error.show()
            self.edit.setText(self.current())
            return
        self.error.hide()

    def focus_path(self, _rest: Sequence[str | int]) -> bool:
        self.edit.setFocus()
        self.edit.selectAll()
        return True


class CourseForm(EditorPage):
    """course.yaml: titles, track, level, passing rules, certificate and competencies (skills matrix)."""

    def __init__(self, model: DraftModel) -> None:
        super().__init__(model)
        b = self.binder("course.yaml")
        g = self.grid()
        self.id_label = QLabel(objectName="courseIdLabel",
                               textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        g.add_row(N_("Id"), self.id_label)
        self.version_label = QLabel(objectName="courseVersionLabel")
        g.add_row(N_("Version"), self.version_label)
        g.header()
        self.title = b.localized(["title"], object_name="courseTitle")
        g.add_localized(N_("Title"), self.title)
        self.summary = b.localized(["summary"], multiline=True, object_name="courseSummary")
        g.add_localized(N_("Summary"), self.summary)
        self.track = b.combo(["track"], [(k, "") for k in TRACKS], object_name="courseTrack")
        g.add_row(N_("Track"), self.track, span=1)
        self.level = b.combo(["level"], [(k, "") for k in LEVELS], object_name="courseLevel")
        g.add_row(N_("Level"), self.level, span=1)
        self.hours = b.spin(["estimated_hours"], 0, 10000, decimals=1, step=0.5, object_name="courseHours")
        g.add_row(N_("Estimated hours"), self.hours, span=1)
        self.prereqs = b.id_list(["prerequisites"], object_name="coursePrerequisites")
        g.add_row(N_("Prerequisites (course ids)"), self.prereqs)
        g.add_section(N_("Passing"))
        self.min_score = b.spin(["passing", "min_overall_score"], 0, 1, decimals=2, step=0.05,
                                object_name="courseMinScore")
        g.add_row(N_("Minimum overall score (0–1)"), self.min_score, span=1)
        self.required = b.id_list(["passing", "required"], object_name="courseRequired")
        g.add_row(N_("Required modules or steps"), self.required)
        g.add_section(N_("Certificate"))
        self.cert_check = QCheckBox(objectName="courseCertificate")
        self.cert_check.toggled.connect(self._toggle_certificate)
        self.cert_check.setEnabled(not model.read_only)
        g.add_row(N_("Issue a certificate"), self.cert_check)
        self.cert_title = b.localized(["certificate", "title"], object_name="certificateTitle")
        g.add_localized(N_("Certificate title"), self.cert_title)
        self.validity = b.spin(["certificate", "validity_months"], 0, 600, optional=True,
                               object_name="certificateValidity")
        g.add_row(N_("Valid for (months)"), self.validity, span=1)
        self._competency_tables(b, g)
        g.grid.setRowStretch(g.row, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scrolled(g))
        self.start_translating()
        self.reload()

    def _competency_tables(self, b: Binder, g: FormGrid) -> None:
        """Competencies, and the evidence steps of the one selected (issue 19)."""
        g.add_section(N_("Competencies"))
        cols = [Column(N_("Id"), ("id",), optional=False, width=150),
                Column(N_("Name (English)"), ("name", "en"), flag_missing=True),
                Column(N_("Name (Chinese)"), ("name", "zh_CN"), flag_missing=True)]
        self.competencies = BoundTable(self.model, "course.yaml", ["competencies"], cols, _new_competency,
                                       object_name="competenciesTable", movable=True, rows_visible=3)
        b.register(["competencies"], self.competencies)
        g.add_wide(self.competencies)
        self.evidence_label = g.add_section(N_("Steps that show the selected competency"))
        ev_cols = [Column(N_("Step"), ("step",), kind="combo", choices=self._evidence_steps),
                   Column(N_("Level"), ("level",), kind="combo", width=130,
                          choices=lambda: [(k, _(v)) for k, v in LEVELS.items()])]
        self.evidence = BoundTable(self.model, "course.yaml", ["evidence"], ev_cols, self._new_evidence,
                                   object_name="evidenceTable", base=self._competency_base, rows_visible=3)
        g.add_wide(self.evidence)
        self.reloadables += [self.competencies, self.evidence]
        self.competencies.current_row_changed.connect(lambda _r: self._show_evidence())
        self.competencies.rows_changed.connect(self._show_evidence)

    def _competency_base(self) -> list[str | int]:
        return ["competencies", max(self.competencies.table.currentRow(), 0)]

    def _evidence_steps(self) -> list[tuple[str, str]]:
        """The graded steps of the course as "module/step" keys (the steps a competency can point at)."""
        d = self.model.draft
        return [(f"{mod}/{step}", f"{mod}/{step}") for mod in d.module_ids() for step in d.step_ids(mod)
                if d.step_kind(mod, step) in EVIDENCE_KINDS]

    def _new_evidence(self, _items: list[Any]) -> dict[str, Any]:
        steps = self._evidence_steps()
        return {"step": steps[0][0] if steps else "", "level": "beginner"}

    def _show_evidence(self) -> None:
        has = self.competencies.table.currentRow() >= 0 and bool(self.competencies.items())
        self.evidence.setEnabled(has)
        self.evidence.reload()

    def _toggle_certificate(self, on: bool) -> None:
        if on and not isinstance(self.model.get("course.yaml", ["certificate"]), dict):
            title = to_plain(self.model.get("course.yaml", ["title"])) or {}
            self.model.set_value("course.yaml", ["certificate"], {"title": title, "validity_months": None},
                                 label=_("Add the certificate"))
        elif not on:
            self.model.set_value("course.yaml", ["certificate"], MISSING, label=_("Remove the certificate"))
        self._show_certificate()

    def _show_certificate(self) -> None:
        has = isinstance(self.model.get("course.yaml", ["certificate"]), dict)
        self.cert_check.blockSignals(True)
        self.cert_check.setChecked(has)
        self.cert_check.blockSignals(False)
        for w in (*self.cert_title.widgets.values(), self.validity):
            w.setEnabled(has)

    def reload(self) -> bool:
        super().reload()
        self.id_label.setText(self.model.draft.course_id)
        self.version_label.setText(self.model.draft.version)
        self._show_certificate()
        return True

    def retranslate(self) -> None:
        super().retranslate()
        for combo, labels in ((self.track, TRACKS), (self.level, LEVELS)):
            for i in range(combo.count()):
                combo.setItemText(i, _(labels[combo.itemData(i)]))
        self.validity.setSpecialValueText(_("No expiry"))
        self.prereqs.setPlaceholderText(_("course ids, separated by commas"))
        self.required.setPlaceholderText(_("module or module/step ids, separated by commas"))
        for r in range(self.evidence.table.rowCount()):  # level combos were filled in the old language
            combo = self.evidence.table.cellWidget(r, 1)
            for i in range(combo.count() if combo is not None else 0):
                combo.setItemText(i, _(LEVELS[combo.itemData(i)]))


def _new_competency(items: list[Any]) -> dict[str, Any]:
    taken = {i.get("id") for i in items if isinstance(i, dict)}
    new_id = next(f"competency-{n}" for n in range(1, len(items) + 2) if f"competency-{n}" not in taken)
    return {"id": new_id, "name": {"en": "", "zh_CN": ""}, "evidence": []}


class ModuleForm(EditorPage):
    """module.yaml: id (renames the folder), title, summary."""

    def __init__(self, model: DraftModel, module_id: str) -> None:
        super().__init__(model)
        self.module_id = module_id
        rel = model.draft.module_rel(module_id)
        b = self.binder(rel)
        g = self.grid()
        self.id_edit = IdEdit(lambda: self.module_id, self._rename, model.read_only)
        b.register(["id"], self.id_edit)
        g.add_row(N_("Id"), self.id_edit)
        g.header()
        self.title = b.localized(["title"], object_name="moduleTitle")
        g.add_localized(N_("Title"), self.title)
        self.summary = b.localized(["summary"], multiline=True, object_name="moduleSummary")
        g.add_localized(N_("Summary"), self.summary)
        g.grid.setRowStretch(g.row, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scrolled(g))
        self.start_translating()

    def _rename(self, new: str) -> None:
        old = self.module_id
        self.model.change(_("Rename module"), lambda d: d.rename_module(old, new), select=("module", new))


class StepHeader(QWidget):
    """A step's entry in module.yaml: id (renames the folder), kind, title, estimated minutes."""

    def __init__(self, page: EditorPage, module_id: str, step_id: str) -> None:
        super().__init__()
        self.page, self.model = page, page.model
        self.module_id, self.step_id = module_id, step_id
        draft = self.model.draft
        b = page.binder(draft.module_rel(module_id), base=lambda: ["steps", self._index()])
        g = page.grid()
        self.id_edit = IdEdit(lambda: self.step_id, self._rename, self.model.read_only)
        b.register(["id"], self.id_edit)
        g.grid.addWidget(g._label(N_("Id"), self.id_edit.edit), g.row, 0)
        g.grid.addWidget(self.id_edit, g.row, 1)
        side = QHBoxLayout()
        self.kind = QLabel(objectName="stepKind")
        self.minutes = b.spin(["estimated_minutes"], 0, 10000, step=5, object_name="stepMinutes")
        self.minutes_label = g._label(N_("Minutes"), self.minutes)
        side.addWidget(self.kind)
        side.addStretch(1)
        side.addWidget(self.minutes_label)
        side.addWidget(self.minutes)
        g.grid.addLayout(side, g.row, 2)
        g.row += 1
        g.header()
        self.title = b.localized(["title"], object_name="stepTitle")
        g.add_localized(N_("Title"), self.title)
        self.retranslate()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(g)

    def _index(self) -> int:
        try:
            return self.model.draft.step_index(self.module_id, self.step_id)
        except AuthoringError:
            return -1

    def _rename(self, new: str) -> None:
        mid, old = self.module_id, self.step_id
        self.model.change(_("Rename step"), lambda d: d.rename_step(mid, old, new), select=("step", mid, new))

    def retranslate(self) -> None:
        self.kind.setText(_("Kind: {kind}").format(kind=kind_label(self.model.draft.step_kind(self.module_id,
                                                                                              self.step_id))))
