"""One widget per question type of the course format, all operable with the keyboard.

The choice and number types live here with the base class; ordering, matching
and fill-in-the-blank are in ``app.ui.trainee.quiz.question_arrange``. Every widget has the
same surface: ``changed`` (the trainee changed the answer), ``response()`` /
``set_response()`` in the shape the grader takes, ``set_locked()`` and
``show_solution()`` after an answer is checked, and number keys 1–9 choose
options where the type has options. Responses:

* single → option id; multiple → list of option ids; true_false → bool;
  numeric → float; ordering → list of option ids; matching → {left pair id:
  chosen pair id}; fill_blank → text. ``None`` means not answered.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.style import set_style_property

BLANK = "___"
_NUMBER_RE = r"^\s*[+\-−－]?[0-9０-９]*([.,．，][0-9０-９]*)?\s*$"


def parse_number(text: str) -> float | None:
    """A number typed with a dot or a comma, half- or full-width; None if it is not one."""
    s = unicodedata.normalize("NFKC", text).strip().replace("−", "-").replace(",", ".")
    if not s or s in ("-", "+", ".", "-.", "+."):
        return None
    try:
        return float(s)
    except ValueError:
        return None


def _number_text(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


class QuestionWidget(QWidget):
    """Base: the prompt on top, the type's answer controls below."""

    changed = Signal()

    def __init__(self, question, order: list[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = question
        self.order = list(order) if order else self.default_order()
        self.locked = False
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(10)
        self.prompt = QLabel(objectName="questionPrompt", wordWrap=True)
        self.prompt.setTextFormat(Qt.TextFormat.PlainText)
        self.prompt.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._lay.addWidget(self.prompt)
        self.hint = QLabel(objectName="questionHint", wordWrap=True)
        self._lay.addWidget(self.hint)
        self.build()
        self._lay.addStretch(1)
        on_language_changed(self, self.retranslate)

    # --- for subclasses -------------------------------------------------------

    def default_order(self) -> list[str]:
        return [o.id for o in getattr(self.question, "options", [])]

    def build(self) -> None:
        raise NotImplementedError

    def retranslate(self) -> None:
        self.prompt.setText(content_text(self.question.prompt))
        self.hint.setText(self.hint_text())
        self.hint.setVisible(bool(self.hint.text()))

    def hint_text(self) -> str:
        return ""

    def response(self) -> Any:
        raise NotImplementedError

    def set_response(self, value: Any) -> None:
        raise NotImplementedError

    def set_locked(self, locked: bool) -> None:
        self.locked = locked

    def choose(self, number: int) -> bool:
        """Number key ``number`` (1-based) pressed; True if it meant something here."""
        return False

    def show_solution(self) -> None:
        """After checking: mark the right options (where the type has options to mark)."""

    @staticmethod
    def _mark(button: QWidget, tick: bool = True) -> None:
        if tick:
            button.setText(button.text() + "  ✔")
        button.setAccessibleDescription(_("This is the correct answer."))
        set_style_property(button, "solution", True)

    def focus_first(self) -> None:
        self.focusNextChild()

    def answered(self) -> bool:
        value = self.response()
        return value not in (None, "", [], {})

    def keyPressEvent(self, event) -> None:
        key = event.key()
        plain = not (event.modifiers() & ~(Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier))
        if plain and Qt.Key.Key_1 <= key <= Qt.Key.Key_9 and not self.locked:
            if self.choose(key - Qt.Key.Key_0):
                event.accept()
                return
        super().keyPressEvent(event)


class OptionLabel(QLabel):
    """The wrapped text of an option; clicking it clicks its button (radio buttons cannot wrap text)."""

    def __init__(self, button: QAbstractButton, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="optionText", wordWrap=True)
        self.button = button
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setBuddy(button)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.button.isEnabled():
            self.button.setFocus(Qt.FocusReason.MouseFocusReason)
            self.button.click()
            event.accept()
            return
        super().mousePressEvent(event)


class _OptionsWidget(QuestionWidget):
    """Single and multiple choice: one button per option, numbered, its text wrapping beside it."""

    multiple = False

    def build(self) -> None:
        self.group = QButtonGroup(self)
        self.group.setExclusive(not self.multiple)
        self.buttons: dict[str, QAbstractButton] = {}
        self.labels: dict[str, OptionLabel] = {}
        options = {o.id: o for o in self.question.options}
        for n, oid in enumerate(self.order, start=1):
            if oid not in options:
                continue
            btn: QAbstractButton = QCheckBox() if self.multiple else QRadioButton()
            btn.setObjectName("option")
            btn.setProperty("option_id", oid)
            btn.setProperty("number", n)
            self.group.addButton(btn, n)
            self.buttons[oid] = btn
            label = OptionLabel(btn)
            self.labels[oid] = label
            row = QHBoxLayout()
            row.setSpacing(4)
            row.addWidget(btn, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(label, 1)
            self._lay.addLayout(row)
        self.group.buttonToggled.connect(lambda *_: self.changed.emit())

    def retranslate(self) -> None:
        super().retranslate()
        options = {o.id: o for o in self.question.options}
        for oid, btn in self.buttons.items():
            n = btn.property("number")
            text = content_text(options[oid].text)
            btn.setText(f"{n}." if n <= 9 else "")
            self.labels[oid].setText(text + ("  ✔" if btn.property("solution") else ""))
            btn.setAccessibleName(text)

    def hint_text(self) -> str:
        return _("Choose all that apply.") if self.multiple else ""

    def show_solution(self) -> None:
        answer = self.question.answer
        right = set(answer) if isinstance(answer, list) else {answer}
        for oid, btn in self.buttons.items():
            if oid in right:
                self._mark(btn, tick=False)
                self._mark(self.labels[oid])

    def choose(self, number: int) -> bool:
        btn = self.group.button(number)
        if btn is None:
            return False
        btn.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if self.multiple:
            btn.toggle()
        else:
            btn.setChecked(True)
        return True

    def set_locked(self, locked: bool) -> None:
        super().set_locked(locked)
        for btn in self.buttons.values():
            btn.setEnabled(not locked)
        for label in self.labels.values():
            label.setEnabled(not locked)

    def focus_first(self) -> None:
        checked = self.group.checkedButton()
        target = checked or next(iter(self.buttons.values()), None)
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)


class SingleWidget(_OptionsWidget):
    def response(self) -> str | None:
        btn = self.group.checkedButton()
        return btn.property("option_id") if btn else None

    def set_response(self, value: Any) -> None:
        btn = self.buttons.get(value) if isinstance(value, str) else None
        if btn is not None:
            btn.setChecked(True)


class MultipleWidget(_OptionsWidget):
    multiple = True

    def response(self) -> list[str] | None:
        chosen = [oid for oid in self.order if oid in self.buttons and self.buttons[oid].isChecked()]
        return chosen or None

    def set_response(self, value: Any) -> None:
        chosen = set(value or [])
        for oid, btn in self.buttons.items():
            btn.setChecked(oid in chosen)


class TrueFalseWidget(QuestionWidget):
    def default_order(self) -> list[str]:
        return ["true", "false"]

    def build(self) -> None:
        self.group = QButtonGroup(self)
        self.true_btn = QRadioButton(objectName="optionTrue")
        self.false_btn = QRadioButton(objectName="optionFalse")
        self.group.addButton(self.true_btn, 1)
        self.group.addButton(self.false_btn, 2)
        self._lay.addWidget(self.true_btn)
        self._lay.addWidget(self.false_btn)
        self.group.buttonToggled.connect(lambda *_: self.changed.emit())

    def retranslate(self) -> None:
        super().retranslate()
        self.true_btn.setText(_("1.  True") + ("  ✔" if self.true_btn.property("solution") else ""))
        self.false_btn.setText(_("2.  False") + ("  ✔" if self.false_btn.property("solution") else ""))
        self.true_btn.setAccessibleName(_("True"))
        self.false_btn.setAccessibleName(_("False"))

    def response(self) -> bool | None:
        if self.true_btn.isChecked():
            return True
        if self.false_btn.isChecked():
            return False
        return None

    def set_response(self, value: Any) -> None:
        if value is True:
            self.true_btn.setChecked(True)
        elif value is False:
            self.false_btn.setChecked(True)

    def answered(self) -> bool:
        return self.response() is not None

    def show_solution(self) -> None:
        self._mark(self.true_btn if self.question.answer else self.false_btn)

    def choose(self, number: int) -> bool:
        btn = self.group.button(number)
        if btn is None:
            return False
        btn.setChecked(True)
        btn.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True

    def set_locked(self, locked: bool) -> None:
        super().set_locked(locked)
        self.true_btn.setEnabled(not locked)
        self.false_btn.setEnabled(not locked)

    def focus_first(self) -> None:
        (self.group.checkedButton() or self.true_btn).setFocus(Qt.FocusReason.OtherFocusReason)


class NumericWidget(QuestionWidget):
    def build(self) -> None:
        row = QHBoxLayout()
        self.edit = QLineEdit(objectName="numericAnswer")
        self.edit.setValidator(QRegularExpressionValidator(_NUMBER_RE, self.edit))
        self.edit.setMaximumWidth(220)
        self.edit.textChanged.connect(lambda *_: self.changed.emit())
        self.unit = QLabel(objectName="unitLabel")
        self.unit.setText(self.question.unit or "")
        self.unit.setBuddy(self.edit)
        row.addWidget(self.edit)
        row.addWidget(self.unit)
        row.addStretch(1)
        self._lay.addLayout(row)

    def retranslate(self) -> None:
        super().retranslate()
        self.edit.setPlaceholderText(_("Type a number"))
        self.edit.setAccessibleName(_("Your answer") + (f" ({self.question.unit})" if self.question.unit else ""))

    def hint_text(self) -> str:
        return _("A number; a decimal point or a comma both work.")

    def response(self) -> float | None:
        return parse_number(self.edit.text())

    def set_response(self, value: Any) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.edit.setText(_number_text(value))

    def set_locked(self, locked: bool) -> None:
        super().set_locked(locked)
        self.edit.setReadOnly(locked)

    def focus_first(self) -> None:
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)
