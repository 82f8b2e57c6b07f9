"""Practical step: instructions and the checklist an instructor signs off."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.courses import authoring as au
from app.i18n import N_
from app.ui.instructor.authoring.forms import EditorPage, StepHeader
from app.ui.instructor.authoring.model import DraftModel
from app.ui.instructor.authoring.tables import BoundTable, Column


def _new_item(items: list[Any]) -> dict[str, Any]:
    taken = {str(i.get("id")) for i in items if isinstance(i, dict)}
    return {"id": au.unique_id(f"item-{len(items) + 1}", taken), "text": au.localized("", "")}


class PracticalEditor(EditorPage):
    def __init__(self, model: DraftModel, module_id: str, step_id: str) -> None:
        super().__init__(model)
        self.rel = model.draft.step_file(module_id, step_id) or ""
        body = QWidget()
        lay = QVBoxLayout(body)
        self.header = StepHeader(self, module_id, step_id)
        lay.addWidget(self.header)
        b = self.binder(self.rel)
        g = self.grid()
        g.header()
        self.instructions = b.localized(["instructions"], multiline=True, lines=6, object_name="practicalInstructions")
        g.add_localized(N_("Instructions (Markdown)"), self.instructions)
        g.add_section(N_("Checklist"))
        cols = [Column(N_("Id"), ("id",), optional=False, width=120),
                Column(N_("English"), ("text", "en"), flag_missing=True),
                Column(N_("Chinese"), ("text", "zh_CN"), flag_missing=True)]
        self.checklist = BoundTable(model, self.rel, ["checklist"], cols, _new_item, object_name="checklistTable",
                                    min_rows=1)
        b.register(["checklist"], self.checklist)
        g.add_wide(self.checklist)
        self.reloadables.append(self.checklist)
        lay.addWidget(g)
        lay.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scrolled(body))
        self.start_translating()

    def retranslate(self) -> None:
        super().retranslate()
        self.header.retranslate()
