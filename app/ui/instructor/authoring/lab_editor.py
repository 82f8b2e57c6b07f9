"""Lab step: task, scenario (bundled, or a scenario file edited in tables), trainee controls, objectives,
hints, grading; "Try it" runs the simulator with the controls' defaults and shows what a trainee would get."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.courses import authoring as au
from app.courses import models as m
from app.courses.grading import LabGrade, run_and_grade_lab
from app.i18n import N_, _, format_decimal, format_number
from app.ui.common.background import run_in_background
from app.ui.common.status_line import StatusLine
from app.ui.common.style import repolish
from app.ui.instructor.authoring import lab_tables as lt
from app.ui.instructor.authoring.binding import Binder
from app.ui.instructor.authoring.forms import EditorPage, StepHeader
from app.ui.instructor.authoring.model import DraftModel
from app.ui.instructor.authoring.tables import BoundTable

SOURCES = {"bundled": N_("Bundled scenario"), "file": N_("Scenario file in the step folder"),
           "inline": N_("Scenario written in lab.yaml")}


class LabEditor(EditorPage):
    def __init__(self, model: DraftModel, module_id: str, step_id: str) -> None:
        super().__init__(model)
        self.module_id, self.step_id = module_id, step_id
        self.step_rel = model.draft.step_rel(module_id, step_id)
        self.rel = model.draft.step_file(module_id, step_id) or ""
        self.last_grade: LabGrade | None = None
        self.last_metrics: dict[str, float] = {}
        self.running = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.header = StepHeader(self, module_id, step_id)
        outer.addWidget(self.header)
        self.tabs = QTabWidget(objectName="labTabs")
        outer.addWidget(self.tabs, 1)
        b = self.binder(self.rel)
        for build in (self._task_page, self._controls_page, self._objectives_page, self._try_page):
            page = QWidget()
            lay = QVBoxLayout(page)
            build(b, lay)
            self.tabs.addTab(self.scrolled(page), "")
        self.reloadables += [self.controls, self.objectives, self.hints]
        self.start_translating()
        self._rebuild_scenario()
        self._show_program(-1)
        model.values_changed.connect(self._check_scenario)

    def _check_scenario(self, _origin: object = None) -> None:
        if shiboken6.isValid(self) and self._scenario_state != (self.source_kind(), self.kind(),
                                                                self.scenario_location()):
            self._rebuild_scenario()

    def _task_page(self, b: Binder, lay: QVBoxLayout) -> None:
        g = self.grid()
        g.header()
        self.task = b.localized(["task"], multiline=True, lines=4, object_name="labTask")
        g.add_localized(N_("Task (Markdown)"), self.task)
        g.add_section(N_("Scenario"))
        kinds = ("line", "maintenance", "robot_cell", "vibration", "robot_arm")
        self.simulator = b.combo(["simulator"], [(k, k) for k in kinds], object_name="labSimulator")
        g.add_row(N_("Simulator"), self.simulator, span=1)
        self.source = QComboBox(objectName="labScenarioSource")
        for key in SOURCES:
            self.source.addItem("", key)
        self.source.activated.connect(lambda i: self.set_source(self.source.itemData(i)))
        self.source.setEnabled(not self.model.read_only)
        g.add_row(N_("Scenario from"), self.source, span=1)
        lay.addWidget(g)
        self.scenario_host = QWidget()
        self.scenario_lay = QVBoxLayout(self.scenario_host)
        self.scenario_lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scenario_host)
        self.scenario_parts: list[QWidget] = []
        self.scenario_binder: Binder | None = None
        g = self.grid()
        g.add_section(N_("Hints"))
        self.hints = BoundTable(self.model, self.rel, ["hints"], lt.hint_columns(), lt.new_hint,
                                object_name="hintsTable", rows_visible=2)
        b.register(["hints"], self.hints)
        g.add_wide(self.hints)
        lay.addWidget(g)
        lay.addStretch(1)

    def _controls_page(self, b: Binder, lay: QVBoxLayout) -> None:
        self.controls = BoundTable(self.model, self.rel, ["controls"], lt.control_columns(self._paths),
                                   lt.new_control, object_name="controlsTable", rows_visible=5)
        b.register(["controls"], self.controls)
        lay.addWidget(self.controls)
        self.program_label = QLabel(objectName="sectionTitle")
        lay.addWidget(self.program_label)
        self.program_host = QWidget()
        QVBoxLayout(self.program_host).setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.program_host)
        self.program_binder: Binder | None = None
        self.controls.current_row_changed.connect(self._show_program)
        lay.addStretch(1)

    def _objectives_page(self, b: Binder, lay: QVBoxLayout) -> None:
        g = self.grid()
        self.objectives = BoundTable(self.model, self.rel, ["objectives"], lt.objective_columns(self._metrics),
                                     lt.new_objective, object_name="objectivesTable", min_rows=1)
        b.register(["objectives"], self.objectives)
        g.add_wide(self.objectives)
        self.scoring = b.combo(["scoring"], [("all", ""), ("weighted", "")], object_name="labScoring")
        g.add_row(N_("Scoring"), self.scoring, span=1)
        self.pass_score = b.spin(["pass_score"], 0, 1, decimals=2, step=0.05, object_name="labPassScore")
        g.add_row(N_("Pass score (weighted scoring)"), self.pass_score, span=1)
        g.add_section(N_("Grading"))
        self.seed = b.spin(["grading_seed"], 0, 2**31 - 1, object_name="labSeed")
        g.add_row(N_("Grading seed"), self.seed, span=1)
        self.replications = b.spin(["grading_replications"], 1, 100, object_name="labReplications")
        g.add_row(N_("Replications"), self.replications, span=1)
        lay.addWidget(g)
        lay.addStretch(1)

    def _try_page(self, _b: Binder, lay: QVBoxLayout) -> None:
        self.try_note = QLabel(objectName="questionHint", wordWrap=True)
        lay.addWidget(self.try_note)
        row = QHBoxLayout()
        self.try_btn = QPushButton(objectName="tryLab")
        self.try_btn.clicked.connect(self.try_it)
        self.try_status = StatusLine()
        row.addWidget(self.try_btn)
        row.addWidget(self.try_status, 1)
        lay.addLayout(row)
        self.results = QTableWidget(0, 4, objectName="tryResults")
        self.results.verticalHeader().hide()
        head = self.results.horizontalHeader()
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.results.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.results.hide()
        lay.addWidget(self.results, 1)

    # --- scenario ----------------------------------------------------------------------------------

    def kind(self) -> str:
        k = self.model.get(self.rel, ["simulator"])
        return k if isinstance(k, str) else "line"

    def source_kind(self) -> str:
        if isinstance(self.model.get(self.rel, ["scenario_file"]), str):
            return "file"
        return "inline" if isinstance(self.model.get(self.rel, ["scenario"]), dict) else "bundled"

    def scenario_location(self) -> tuple[str, list[str | int]] | None:
        """(file, key path) of the scenario mapping being edited, or None for a bundled one."""
        src = self.source_kind()
        if src == "file":
            return f"{self.step_rel}/{self.model.get(self.rel, ['scenario_file'])}", []
        if src == "inline":
            return self.rel, ["scenario"]
        return None

    def scenario_data(self) -> dict[str, Any] | None:
        loc = self.scenario_location()
        source = self.model.get(self.rel, ["scenario"]) if loc is None else self.model.get(loc[0], loc[1])
        return lt.scenario_dict(self.kind(), source)

    def _paths(self) -> list[tuple[str, str]]:
        return lt.path_choices(self.kind(), self.scenario_data())

    def _metrics(self) -> list[tuple[str, str]]:
        return lt.metric_choices(self.kind(), self.scenario_data())

    def set_source(self, source: str) -> None:
        """Switch between a bundled scenario and an editable copy in the step folder (one undoable step)."""
        current = self.source_kind()
        if source == current or source == "inline":
            self.source.setCurrentIndex(self.source.findData(current))
            return
        rel, step_rel, kind = self.rel, self.step_rel, self.kind()
        if source == "file":
            name = self.model.get(rel, ["scenario"])
            names = lt.bundled_names(kind)
            name = name if isinstance(name, str) and name in names else (names[0] if names else None)

            def to_file(d: au.CourseDraft) -> None:
                sims = lt.simulators_or_none()
                if name is None or sims is None:
                    raise au.AuthoringError(_("no bundled scenario to copy for the {kind} simulator").format(kind=kind))
                text = Path(sims.bundled_scenarios()[name][1]).read_text(encoding="utf-8")
                d.entries[f"{step_rel}/scenario.yaml"] = au.yaml_entry(text)
                doc = d.edit_doc(rel)
                keys = list(doc)
                pos = keys.index("scenario") if "scenario" in keys else len(keys)
                doc.pop("scenario", None)
                doc.insert(pos, "scenario_file", "scenario.yaml")

            self.model.change(_("Copy the scenario into the step folder"), to_file)
        else:
            names = lt.bundled_names(kind)
            file_rel = self.scenario_location()

            def to_bundled(d: au.CourseDraft) -> None:
                doc = d.edit_doc(rel)
                keys = list(doc)
                pos = keys.index("scenario_file") if "scenario_file" in keys else keys.index("scenario") \
                    if "scenario" in keys else len(keys)
                doc.pop("scenario_file", None)
                doc.pop("scenario", None)
                doc.insert(pos, "scenario", names[0] if names else "")
                if file_rel is not None and file_rel[0] != rel:
                    d.entries.pop(file_rel[0], None)

            self.model.change(_("Use a bundled scenario"), to_bundled)
        self._rebuild_scenario()

    def _rebuild_scenario(self) -> None:
        for w in self.scenario_parts:
            self.reloadables = [r for r in self.reloadables if r is not w]
            self.grids = [g for g in self.grids if g is not w]
            w.setParent(None)
            w.deleteLater()
        self.scenario_parts = []
        if self.scenario_binder is not None:
            self.binders = [x for x in self.binders if x is not self.scenario_binder]
            self.scenario_binder.deleteLater()
            self.scenario_binder = None
        source = self.source_kind()
        self.source.setCurrentIndex(self.source.findData(source))
        kind = self.kind()
        self._scenario_state = (source, kind, self.scenario_location())
        if source == "bundled":
            b = self.binder(self.rel)
            self.scenario_binder = b
            g = self.grid()
            self.scenario_combo = b.combo(["scenario"], [(n, n) for n in lt.bundled_names(kind)],
                                          object_name="labScenario")
            g.add_row(N_("Bundled scenario"), self.scenario_combo, span=1)
            self.scenario_parts.append(g)
            self.scenario_lay.addWidget(g)
            g.retranslate()
            g.show()
        else:
            rel, base = self.scenario_location() or (self.rel, [])
            if self.model.draft.doc(rel) is None:
                note = QLabel(_("The scenario file {file} is missing or is not valid YAML.").format(file=rel),
                              objectName="errorLabel", wordWrap=True)
                self.scenario_parts.append(note)
                self.scenario_lay.addWidget(note)
            elif kind == "line":
                for msgid, key, cols, new in ((N_("Stations"), "stations", lt.station_columns(), lt.new_station),
                                              (N_("Buffers"), "buffers", lt.buffer_columns(), lt.new_buffer)):
                    title = QLabel(_(msgid), objectName="sectionTitle")
                    table = BoundTable(self.model, rel, [*base, key], cols, new, object_name=f"{key}Table",
                                       rows_visible=3)
                    self.scenario_parts += [title, table]
                    self.reloadables.append(table)
                    self.scenario_lay.addWidget(title)
                    self.scenario_lay.addWidget(table)
                    title.show()
                    table.show()
            else:
                note = QLabel(_("Only line scenarios are edited in tables; the other fields of {file} are kept "
                                "as written.").format(file=rel), objectName="warningLabel", wordWrap=True)
                self.scenario_parts.append(note)
                self.scenario_lay.addWidget(note)

    def _show_program(self, row: int) -> None:
        host_lay = self.program_host.layout()
        while host_lay.count():
            w = host_lay.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        if self.program_binder is not None:
            self.binders = [x for x in self.binders if x is not self.program_binder]
            self.program_binder.deleteLater()
            self.program_binder = None
        items = self.controls.items()
        show = 0 <= row < len(items) and isinstance(items[row], dict) and items[row].get("type") == "program"
        self.program_label.setVisible(show)
        if show:
            self.program_binder = b = self.binder(self.rel, base=lambda r=row: ["controls", r])
            if isinstance(items[row].get("default"), dict):  # a starting program per language
                pair = b.localized(["default"], multiline=True, lines=6, object_name="programDefault")
                edits: list[QPlainTextEdit] = [w for w in pair.widgets.values() if isinstance(w, QPlainTextEdit)]
            else:
                edits = [b.plain(["default"], lines=6, object_name="programDefault")]
            for edit in edits:
                host_lay.addWidget(edit)
                edit.show()

    # --- Try it ------------------------------------------------------------------------------------

    def build_lab(self) -> tuple[m.Lab, Path]:
        """The lab as the app would load it, with its step folder materialized in a scratch folder."""
        doc = self.model.draft.doc(self.rel)
        lab = m.Lab.model_validate(au.to_plain(doc))
        tmp = Path(tempfile.mkdtemp(prefix="zhizao-try-"))
        prefix = self.step_rel + "/"
        au.write_tree({r[len(prefix):]: c for r, c in self.model.draft.files().items() if r.startswith(prefix)}, tmp)
        lab._step_dir = tmp
        return lab, tmp

    def try_it(self) -> None:
        if self.running:
            return
        try:
            lab, tmp = self.build_lab()
        except Exception as exc:  # noqa: BLE001 - the message says what is wrong; the problems list has details
            reason = _first_line(exc)
            self.try_status.say(lambda: _("The lab cannot run yet: {reason}").format(reason=reason))
            self.try_status.setObjectName("errorLabel")
            repolish(self.try_status)
            return
        self.running = True
        self.try_btn.setEnabled(False)
        self.try_status.say(lambda: _("Running the simulation with the controls' default values…"))

        def work() -> tuple[LabGrade, dict[str, float]]:
            try:
                return run_and_grade_lab(lab, None)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)

        run_in_background(work, self._done, self._failed)

    def _done(self, result: tuple[LabGrade, dict[str, float]]) -> None:
        if not shiboken6.isValid(self):
            return
        self.running = False
        self.try_btn.setEnabled(True)
        grade, metrics = result
        self.last_grade, self.last_metrics = grade, metrics
        self.try_status.say(lambda: _("Score {score}: {verdict} with the default values.").format(
            score=format_decimal(grade.score, 2), verdict=_("passed") if grade.passed else _("not passed")))
        self.try_status.setObjectName("statusLabel" if grade.passed else "warningLabel")
        repolish(self.try_status)
        shown = [(r.objective.metric, r.value, f"{r.objective.op} {au.to_plain(r.objective.target):g}",
                  "✔" if r.met else "✘") for r in grade.objectives]
        objective_metrics = {r.objective.metric for r in grade.objectives}
        shown += [(k, v, "", "") for k, v in sorted(metrics.items()) if k not in objective_metrics]
        self.results.setRowCount(len(shown))
        for r, (name, value, target, met) in enumerate(shown):
            for c, text in enumerate((name, _number(value), target, met)):
                self.results.setItem(r, c, QTableWidgetItem(text))
        self.results.show()

    def _failed(self, exc: Exception) -> None:
        if not shiboken6.isValid(self):
            return
        self.running = False
        self.try_btn.setEnabled(True)
        reason = _first_line(exc)
        self.try_status.say(lambda: _("The lab cannot run: {reason}").format(reason=reason))
        self.try_status.setObjectName("errorLabel")
        repolish(self.try_status)

    # --- page --------------------------------------------------------------------------------------

    def reload(self) -> bool:
        super().reload()
        if self._scenario_state != (self.source_kind(), self.kind(), self.scenario_location()):
            self._rebuild_scenario()
        self._show_program(self.controls.table.currentRow())
        return True

    def focus_target(self, rel: str, path: Sequence[str | int]) -> bool:
        if self.scenario_location() is not None and rel == self.scenario_location()[0] and rel != self.rel:
            for part in self.scenario_parts:
                if isinstance(part, BoundTable) and list(path[:1]) == list(part.list_path[-1:]):
                    return part.focus_path(path[1:])
        return super().focus_target(rel, path)

    def retranslate(self) -> None:
        super().retranslate()
        self.header.retranslate()
        for i in range(self.source.count()):
            self.source.setItemText(i, _(SOURCES[self.source.itemData(i)]))
        self.scoring.setItemText(0, _("All objectives must be met"))
        self.scoring.setItemText(1, _("Weighted score"))
        self.program_label.setText(_("Starting program of the selected control"))
        self.try_btn.setText(_("Try it"))
        for i, msgid in enumerate((N_("Task and scenario"), N_("Trainee controls"), N_("Objectives and grading"),
                                   N_("Try it"))):
            self.tabs.setTabText(i, _(msgid))
        self.try_note.setText(_("Runs the simulator as the grading does (grading seed and replications) with "
                                "every control at its default value, and shows the metrics the objectives see."))
        self.results.setHorizontalHeaderLabels([_("Metric"), _("Value"), _("Objective"), _("Met")])


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return format_number(int(value)) if float(value).is_integer() else format_decimal(value, 3)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
