"""A YAML file that does not parse, shown as text to repair it (the forms need a parsed file)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from app.courses import authoring as au
from app.i18n import _
from app.ui.instructor.authoring.binding import block_text
from app.ui.instructor.authoring.forms import EditorPage
from app.ui.instructor.authoring.model import DraftModel


class RawFileEditor(EditorPage):
    def __init__(self, model: DraftModel, rel: str, select: tuple[str, ...]) -> None:
        super().__init__(model)
        self.rel, self.select = rel, select
        lay = QVBoxLayout(self)
        self.note = QLabel(objectName="errorLabel", wordWrap=True)
        lay.addWidget(self.note)
        self.edit = QPlainTextEdit(objectName="rawYaml")
        self.edit.setReadOnly(model.read_only)
        self.edit.setUndoRedoEnabled(False)
        self.edit.textChanged.connect(lambda: model.set_text(rel, self.edit.toPlainText(), origin=self.edit,
                                                             merge_key=("raw", rel)))
        lay.addWidget(self.edit, 1)
        row = QHBoxLayout()
        self.apply_btn = QPushButton(objectName="applyYaml")
        self.apply_btn.clicked.connect(self.apply)
        self.apply_btn.setEnabled(not model.read_only)
        row.addWidget(self.apply_btn)
        row.addStretch(1)
        lay.addLayout(row)
        model.values_changed.connect(self._values_changed)
        self.start_translating()
        self.reload()

    def _values_changed(self, origin: object) -> None:
        if origin is not self.edit:
            self.reload()

    def reload(self) -> bool:
        entry = self.model.draft.entry(self.rel)
        if entry is None or entry.kind != "text":
            return False  # it parses now: the page for the file takes over
        block_text(self.edit, entry.data)
        return True

    def apply(self) -> None:
        text = self.edit.toPlainText()
        entry = au.yaml_entry(text)
        if entry.kind != "yaml":
            self.note.setText(_("{file} is still not valid YAML: {reason}").format(file=self.rel, reason=entry.error))
            return
        rel = self.rel
        self.model.change(_("Repair {file}").format(file=rel), lambda d: d.entries.__setitem__(rel, entry),
                          select=self.select)

    def retranslate(self) -> None:
        entry = self.model.draft.entry(self.rel)
        reason = entry.error if entry is not None and entry.error else ""
        self.note.setText(_("{file} is not valid YAML ({reason}). Correct it here, then apply.").format(
            file=self.rel, reason=reason))
        self.apply_btn.setText(_("Apply"))
