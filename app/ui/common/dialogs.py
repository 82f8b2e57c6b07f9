"""What every small form dialog has at its foot: the line where a refusal is said, and OK / Cancel.

A dialog that asks a service on OK keeps itself open when the service refuses, says why on its
error line and leaves everything typed in place; OK carries the action's name ("Create account").
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QPushButton

Button = QDialogButtonBox.StandardButton


def error_line() -> QLabel:
    """The dialog's line for a refusal (red, wrapped, empty until something goes wrong)."""
    label = QLabel(objectName="dialogError", wordWrap=True)
    label.setStyleSheet("color: #b3261e;")
    return label


def ok_cancel(dialog: QDialog, ok_text: str | None = None) -> QDialogButtonBox:
    """OK (named ``ok_text`` when given) and Cancel, wired to the dialog's ``accept`` and ``reject``."""
    buttons = QDialogButtonBox(Button.Ok | Button.Cancel)
    if ok_text is not None:
        buttons.button(Button.Ok).setText(ok_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def ok_button(buttons: QDialogButtonBox) -> QPushButton:
    return buttons.button(Button.Ok)


def add_form_footer(dialog: QDialog, form: QFormLayout, ok_text: str | None = None) -> tuple[QLabel, QPushButton]:
    """Put the error line and OK / Cancel under the fields of ``form``; returns (error line, OK)."""
    error = error_line()
    form.addRow(error)
    buttons = ok_cancel(dialog, ok_text)
    form.addRow(buttons)
    return error, ok_button(buttons)
