"""The parts every lab view shares: metric names in words, the controls form, the objectives panel."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from babel.numbers import format_currency
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import i18n
from app.courses import models as m
from app.courses.grading import LabConfigError, check_control_value, objective_met, objective_value
from app.i18n import N_, _, format_decimal, format_percent, ngettext
from app.ui.common.content import content_text

log = logging.getLogger(__name__)

# Metric names the simulators report → (label, unit). Units are SI symbols, not translated.
METRICS: dict[str, tuple[str, str]] = {
    "throughput_per_hour": (N_("Good parts per hour"), ""),
    "good_parts": (N_("Good parts"), ""),
    "scrap": (N_("Scrapped parts"), ""),
    "rework": (N_("Reworked parts"), ""),
    "started_parts": (N_("Parts started"), ""),
    "lost_arrivals": (N_("Lost arrivals"), ""),
    "mean_wip": (N_("Average work in progress"), ""),
    "mean_lead_time_s": (N_("Average lead time"), "s"),
    "availability": (N_("Availability"), ""),
    "performance": (N_("Performance"), ""),
    "quality": (N_("Quality"), ""),
    "oee": (N_("OEE"), ""),
    "unplanned_failures": (N_("Unplanned failures"), ""),
    "planned_stops": (N_("Planned stops"), ""),
    "false_alarms": (N_("False alarms"), ""),
    "missed_failures": (N_("Failures without warning"), ""),
    "alarms": (N_("Alarms"), ""),
    "replacements": (N_("Part replacements"), ""),
    "downtime_h": (N_("Downtime"), "h"),
    "unplanned_downtime_h": (N_("Unplanned downtime"), "h"),
    "planned_downtime_h": (N_("Planned downtime"), "h"),
    "total_cost": (N_("Total cost"), ""),
    "downtime_cost": (N_("Downtime cost"), ""),
    "repair_cost": (N_("Repair cost"), ""),
    "spare_parts_cost": (N_("Spare parts cost"), ""),
    "mean_warning_lead_time_h": (N_("Average warning time"), "h"),
    "mean_replacement_age_h": (N_("Average part age at replacement"), "h"),
    "cost_per_operating_h": (N_("Cost per operating hour"), ""),
    "cycle_time_s": (N_("Cycle time"), "s"),
    "violations": (N_("Safety violations"), ""),
    "parts_per_hour": (N_("Parts per hour"), ""),
    "parts_per_cycle": (N_("Parts per cycle"), ""),
    "path_length_mm": (N_("Path length"), "mm"),
    "max_tcp_speed_mm_s": (N_("Highest TCP speed"), "mm/s"),
    "moves": (N_("Moves"), ""),
    "machines": (N_("Machines on the route"), ""),
    "correct_diagnoses": (N_("Correct diagnoses"), ""),
    "wrong_diagnoses": (N_("Wrong diagnoses"), ""),
    "undiagnosed": (N_("Machines not diagnosed"), ""),
    "diagnosis_accuracy": (N_("Share of correct diagnoses"), ""),
    "max_velocity_rms_mm_s": (N_("Highest overall velocity"), "mm/s"),
}
# Per machine of a vibration route: ``machine.<name>.<metric>`` → (label, unit).
MACHINE_METRICS = {
    "correct": (N_("{element}: diagnosis correct"), ""),
    "velocity_rms_mm_s": (N_("{element}: overall velocity"), "mm/s"),
    "acceleration_rms_g": (N_("{element}: acceleration RMS"), "g"),
    "acceleration_peak_g": (N_("{element}: acceleration peak"), "g"),
    "crest_factor": (N_("{element}: crest factor"), ""),
    "kurtosis": (N_("{element}: kurtosis"), ""),
    "frequency_error_hz": (N_("{element}: frequency reading error"), "Hz"),
}
STATION_METRICS = {
    "working": N_("{element}: working"), "starved": N_("{element}: starved"), "blocked": N_("{element}: blocked"),
    "down": N_("{element}: down"), "maintenance": N_("{element}: maintenance"), "setup": N_("{element}: setup"),
    "minor_stop": N_("{element}: minor stops"), "reduced_speed": N_("{element}: reduced speed"),
    "availability": N_("{element}: availability"), "performance": N_("{element}: performance"),
    "quality": N_("{element}: quality"), "oee": N_("{element}: OEE"), "failures": N_("{element}: failures"),
    "produced": N_("{element}: parts produced"), "scrap": N_("{element}: scrap"), "uptime": N_("{element}: uptime"),
    "mean_level": N_("{element}: average level"),
}
# Unit words a course may write (``unit: parts``), in the plural form the number needs ("1 part",
# "3 parts"); SI symbols are shown as they are.
UNIT_WORDS = ("parts", "part", "pcs", "machines", "machine")
OPS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}


def unit_text(unit: str, n: float | None = None) -> str:
    """``unit`` for a count of ``n`` (None: the plural)."""
    count = 2 if n is None or not float(n).is_integer() else abs(int(n))
    if unit in ("parts", "part", "pcs"):
        return ngettext("part", "parts", count)
    if unit in ("machines", "machine"):
        return ngettext("machine", "machines", count)
    return unit


def metric_label(name: str) -> str:
    if name in METRICS:
        return _(METRICS[name][0])
    head, _sep, rest = name.partition(".")
    element, _sep2, metric = rest.rpartition(".")
    if head in ("station", "buffer") and element and metric in STATION_METRICS:
        return _(STATION_METRICS[metric]).format(element=element)
    if head == "machine" and element and metric in MACHINE_METRICS:
        return _(MACHINE_METRICS[metric][0]).format(element=element)
    return name


def metric_unit(name: str) -> str:
    if name in METRICS:
        return METRICS[name][1]
    head, _sep, rest = name.partition(".")
    if head == "machine":
        return MACHINE_METRICS.get(rest.rpartition(".")[2], ("", ""))[1]
    return ""


# Money metrics: shown in yuan with the locale's currency sign (the simulators' costs are in CNY).
COST_METRICS = {"total_cost", "downtime_cost", "repair_cost", "spare_parts_cost", "cost_per_operating_h"}


# Shares of time or of parts (0…1), shown as percentages.
SHARE_METRICS = {"availability", "performance", "quality", "oee", "diagnosis_accuracy"}
STATION_SHARES = {"working", "starved", "blocked", "down", "maintenance", "setup", "minor_stop", "reduced_speed",
                  "availability", "performance", "quality", "oee", "uptime"}


def is_share(name: str) -> bool:
    if name in SHARE_METRICS:
        return True
    head, _sep, rest = name.partition(".")
    return head == "station" and rest.rpartition(".")[2] in STATION_SHARES


def format_money(value: float, digits: int = 0) -> str:
    pattern = "¤#,##0" if digits == 0 else "¤#,##0." + "0" * digits
    return format_currency(value, "CNY", locale=i18n.babel_locale(), format=pattern, currency_digits=False)


def format_metric(name: str, value: float | None) -> str:
    """A metric value for people: digits by magnitude, locale separators, the unit if it has one."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    a = abs(value)
    digits = 3 if a < 1 else 2 if a < 10 else 1 if a < 1000 else 0
    if float(value).is_integer():
        digits = 0
    if name in COST_METRICS:
        money = format_money(value, 0 if a >= 1000 or float(value).is_integer() else 2)
        return money + ("/h" if name == "cost_per_operating_h" else "")
    if is_share(name):
        return format_percent(value, 1)   # OEE 0.732 reads as 73.2 %, as the objectives are worded
    text = format_decimal(value, digits)
    unit = metric_unit(name)
    return f"{text} {unit}" if unit else text


def objective_goal(obj: m.Objective) -> str:
    """The rule in words: "cost ≤ 8.9", "interval between 900 and 1,400", "upper 95 % bound of cost ≤ 9"."""
    metric = metric_label(obj.metric)
    if obj.stat == "ci_upper":
        metric = _("upper 95 % bound of {metric}").format(metric=metric)
    elif obj.stat == "ci_lower":
        metric = _("lower 95 % bound of {metric}").format(metric=metric)
    if obj.op == "between":
        return _("{metric} between {low} and {high}").format(
            metric=metric, low=format_metric(obj.metric, obj.target),
            high=format_metric(obj.metric, obj.target if obj.target_max is None else obj.target_max))
    return _("{metric} {op} {target}").format(metric=metric, op=OPS.get(obj.op, obj.op),
                                              target=format_metric(obj.metric, obj.target))


def objective_text(obj: m.Objective) -> str:
    label = content_text(obj.label) if obj.label else ""
    return label or objective_goal(obj)


def control_default(control: m.Control) -> Any:
    if control.default is not None:
        return control.default_in(i18n.current_locale())  # a starting program in the trainee's language
    if control.type in ("int", "float"):
        return control.min if control.min is not None else 0
    if control.type == "choice" and control.choices:
        return control.choices[0].value
    if control.type == "pendant":
        return []  # an empty pendant log
    return ""


def _decimals(control: m.Control) -> int:
    numbers = [v for v in (control.step, control.min, control.max, control.default) if isinstance(v, int | float)]
    digits = 0
    for v in numbers:
        text = f"{float(v):.6f}".rstrip("0")
        digits = max(digits, len(text.split(".")[1]) if "." in text else 0)
    return min(max(digits, 1), 6)


def restore_values(lab: m.Lab, stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """The lab's defaults, overlaid with the stored values that are still allowed (a lab may have changed)."""
    values = {c.id: control_default(c) for c in lab.controls}
    for control in lab.controls:
        if stored and control.id in stored:
            if control.type == "program":
                # Programs are checked where they are edited (robot programs and alarm rules differ).
                if isinstance(stored[control.id], str):
                    values[control.id] = stored[control.id]
                continue
            try:
                values[control.id] = check_control_value(control, stored[control.id])
            except (LabConfigError, ImportError):
                log.info("dropping stored value of %s: no longer allowed", control.id)
    return values


# --- the parts ---------------------------------------------------------------------------------


class WheelOnlyWhenFocused(QObject):
    """Spin boxes and combos take the mouse wheel only once focused (clicked or tabbed into).

    Without this, scrolling a settings panel changes every graded value that passes under the
    pointer. The ignored wheel event goes on to the parent, so the panel scrolls instead."""

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(obj, QWidget) and not obj.hasFocus():
            area = _scroll_area_of(obj)
            if area is not None:
                # Straight to the panel's scroll bar: Qt only passes spontaneous wheel events up to parents.
                QApplication.sendEvent(area.verticalScrollBar(), event)
            else:
                event.ignore()
            return True
        return super().eventFilter(obj, event)


def _scroll_area_of(widget: QWidget) -> QScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    return parent


_wheel_guard: WheelOnlyWhenFocused | None = None


def guard_wheel(editor: QWidget) -> QWidget:
    """Make ``editor`` (a spin box or combo) change by the wheel only when it has the focus."""
    global _wheel_guard
    if _wheel_guard is None:
        _wheel_guard = WheelOnlyWhenFocused()
    editor.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    if isinstance(editor, QAbstractSpinBox):
        editor.setKeyboardTracking(False)
    editor.installEventFilter(_wheel_guard)
    return editor


class ControlsForm(QWidget):
    """Editors for the lab's int/float/choice controls, each with its label above and its help below.

    Program controls are the view's business; it may add their editors with ``add_field``.
    """

    changed = Signal()

    def __init__(self, controls: list[m.Control], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labControls")
        self.controls = [c for c in controls if c.type not in ("program", "pendant")]  # the lab's own editors
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(0, 0, 0, 0)
        self.lay.setSpacing(3)
        self.editors: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.helps: dict[str, QLabel] = {}
        self.extra: list[m.Control] = []
        for c in self.controls:
            editor = guard_wheel(self._editor(c))
            editor.setObjectName(f"control-{c.id}")
            if c.unit in UNIT_WORDS and isinstance(editor, QSpinBox | QDoubleSpinBox):
                # "1 part", "2 parts": the unit word follows the value.
                editor.valueChanged.connect(lambda _v, c=c, e=editor: self._suffix(c, e))
            self.editors[c.id] = editor
            self.add_field(c, editor, own=True)

    def add_field(self, c: m.Control, editor: QWidget, own: bool = False) -> None:
        """Label, editor and help (if any) for ``c``; ``own`` = an editor of this form."""
        label = QLabel(wordWrap=True, objectName="controlLabel")
        label.setStyleSheet("QLabel#controlLabel { font-weight: bold; color: #1f2d3d; padding-top: 4px; }")
        label.setBuddy(editor)
        self.labels[c.id] = label
        self.lay.addWidget(label)
        self.lay.addWidget(editor)
        if c.help:
            help_label = QLabel(objectName="controlHelp", wordWrap=True)
            help_label.setStyleSheet("QLabel#controlHelp { color: #4a5a6a; }")
            self.lay.addWidget(help_label)
            self.helps[c.id] = help_label
        if not own:
            self.extra.append(c)

    def _editor(self, c: m.Control) -> QWidget:
        if c.type == "int":
            box = QSpinBox()
            box.setRange(int(c.min) if c.min is not None else -1_000_000_000,
                         int(c.max) if c.max is not None else 1_000_000_000)
            box.setSingleStep(int(c.step or 1))
            box.setKeyboardTracking(False)
            box.valueChanged.connect(self.changed)
            return box
        if c.type == "float":
            dbox = QDoubleSpinBox()
            dbox.setDecimals(_decimals(c))
            dbox.setRange(c.min if c.min is not None else -1e12, c.max if c.max is not None else 1e12)
            dbox.setSingleStep(c.step or 10 ** -_decimals(c))
            dbox.setKeyboardTracking(False)
            dbox.valueChanged.connect(self.changed)
            return dbox
        combo = QComboBox()
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(8)
        for choice in c.choices or []:
            combo.addItem("", choice.value)
        combo.currentIndexChanged.connect(self.changed)
        return combo

    def retranslate(self) -> None:
        for c in [*self.controls, *self.extra]:
            text = content_text(c.label) or c.id
            self.labels[c.id].setText(text)
            editor = self.editors.get(c.id) or self.labels[c.id].buddy()
            editor.setAccessibleName(text)
            if c.unit and isinstance(editor, QSpinBox | QDoubleSpinBox):
                self._suffix(c, editor)
            if c.help:
                self.helps[c.id].setText(content_text(c.help))
                editor.setToolTip(content_text(c.help))
            if isinstance(editor, QComboBox):
                for i, choice in enumerate(c.choices or []):
                    editor.setItemText(i, content_text(choice.label) or str(choice.value))

    @staticmethod
    def _suffix(c: m.Control, editor: QSpinBox | QDoubleSpinBox) -> None:
        suffix = f" {unit_text(c.unit, editor.value())}"
        if editor.suffix() != suffix:
            editor.setSuffix(suffix)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for c in self.controls:
            editor = self.editors[c.id]
            if isinstance(editor, QSpinBox):
                out[c.id] = int(editor.value())
            elif isinstance(editor, QDoubleSpinBox):
                out[c.id] = round(float(editor.value()), editor.decimals())
            elif isinstance(editor, QComboBox):
                out[c.id] = editor.currentData()
        return out

    def set_values(self, values: Mapping[str, Any]) -> None:
        for c in self.controls:
            if c.id not in values:
                continue
            editor = self.editors[c.id]
            editor.blockSignals(True)
            try:
                value = values[c.id]
                if isinstance(editor, QSpinBox):
                    editor.setValue(int(value))
                elif isinstance(editor, QDoubleSpinBox):
                    editor.setValue(float(value))
                elif isinstance(editor, QComboBox):
                    index = next((i for i in range(editor.count()) if _same_choice(editor.itemData(i), value)), -1)
                    if index >= 0:
                        editor.setCurrentIndex(index)
            finally:
                editor.blockSignals(False)
            if c.unit in UNIT_WORDS and isinstance(editor, QSpinBox | QDoubleSpinBox):
                self._suffix(c, editor)


def _same_choice(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


class ObjectivesPanel(QFrame):
    """One row per objective: ✓/✗ (or … while unknown) in colour, its text, the current value."""

    def __init__(self, objectives: list[m.Objective], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("labObjectives")
        self.setStyleSheet(
            "QFrame#labObjectives { background: white; border: 1px solid #d5dde5; border-radius: 6px; }"
            "QLabel[state=\"met\"] { color: #1a7f37; font-weight: bold; }"
            "QLabel[state=\"unmet\"] { color: #b42318; font-weight: bold; }"
            "QLabel[state=\"pending\"] { color: #6b7a89; font-weight: bold; }"
            "QFrame#objectiveRow { border: none; border-radius: 4px; }"
            "QFrame#objectiveRow[state=\"met\"] { background: #e9f7ee; }"
            "QFrame#objectiveRow[state=\"unmet\"] { background: #fdeceb; }")
        self.objectives = objectives
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 6, 6, 6)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        self.marks: list[QLabel] = []
        self.texts: list[QLabel] = []
        self.values: list[QLabel] = []
        self.rows: list[QWidget] = []
        self.state: list[str] = ["pending"] * len(objectives)
        self._last: tuple[Mapping[str, float] | None, bool] = (None, False)
        for i, _obj in enumerate(objectives):
            row = QFrame(objectName="objectiveRow")
            lay = QHBoxLayout(row)
            lay.setContentsMargins(6, 3, 6, 3)
            lay.setSpacing(8)
            mark = QLabel(objectName="objectiveMark")
            mark.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            text = QLabel(objectName="objectiveText", wordWrap=True)
            text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            value = QLabel(objectName="objectiveValue")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            lay.addWidget(mark, 0, Qt.AlignmentFlag.AlignTop)
            lay.addWidget(text, 1)
            lay.addWidget(value, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(row, i, 0)
            self.marks.append(mark)
            self.texts.append(text)
            self.values.append(value)
            self.rows.append(row)

    def retranslate(self) -> None:
        for obj, text in zip(self.objectives, self.texts):
            text.setText(objective_text(obj))
        self.show_metrics(*self._last)

    def show_metrics(self, metrics: Mapping[str, float] | None, final: bool) -> None:
        """Judge each objective on ``metrics`` (live values so far unless ``final``)."""
        self._last = (metrics, final)
        for i, obj in enumerate(self.objectives):
            # The graded value (a mean or a confidence bound); while running, the mean so far.
            value = (objective_value(obj, metrics) if final else metrics.get(obj.metric)) if metrics else None
            if value is None:
                state = "pending"
            else:
                state = "met" if objective_met(obj, value) else "unmet"
            if value is None:
                shown = "—"
            elif final:
                shown = format_metric(obj.metric, value)
            else:
                shown = _("so far {value}").format(value=format_metric(obj.metric, value))
            self._set(i, state, shown)
            self.rows[i].setToolTip(_("Target: {goal}").format(goal=objective_goal(obj)))

    def _set(self, i: int, state: str, value_text: str) -> None:
        mark = {"met": _("✓ met"), "unmet": _("✗ not met"), "pending": _("… open")}[state]
        if self.marks[i].text() != mark:
            self.marks[i].setText(mark)
        if self.values[i].text() != value_text:
            self.values[i].setText(value_text)
        if self.state[i] != state:
            self.state[i] = state
            for w in (self.marks[i], self.rows[i]):
                w.setProperty("state", state)
                w.style().unpolish(w)
                w.style().polish(w)

    def states(self) -> list[str]:
        return list(self.state)


