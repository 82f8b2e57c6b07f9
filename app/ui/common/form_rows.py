"""Rows of a settings-style form: labelled fields, then a status line beside the form's action button."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from app.ui.common.status_line import StatusLine


def labelled_rows(form: QFormLayout, fields: Sequence[QWidget]) -> list[QLabel]:
    """A row per field. Each label is its field's buddy (its Alt+letter moves the focus there);
    the caller sets the label texts in ``retranslate``."""
    labels = []
    for field in fields:
        label = QLabel()
        label.setBuddy(field)
        form.addRow(label, field)
        labels.append(label)
    return labels


def action_row(form: QFormLayout, button: QPushButton) -> StatusLine:
    """The form's last row: the status line saying what the action did (or why not), then its button."""
    status = StatusLine()
    row = QHBoxLayout()
    row.addWidget(status, 1)
    row.addWidget(button)
    form.addRow(row)
    return status
