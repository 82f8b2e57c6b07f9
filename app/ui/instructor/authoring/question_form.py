"""One quiz question: the fields every type has, and the form of its type.

Options tables carry the answer: a "correct" column for single and multiple choice,
the row order for ordering questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QTableWidgetItem, QVBoxLayout, QWidget

from app.courses import authoring as au
from app.i18n import N_, _
from app.ui.instructor.authoring.binding import Binder
from app.ui.instructor.authoring.forms import EditorPage
from app.ui.instructor.authoring.model import DraftModel
from app.ui.instructor.authoring.tables import BoundTable, Column

QUESTION_TYPE_LABELS = {
    "single": N_("Single choice"), "multiple": N_("Multiple choice"), "true_false": N_("True / false"),
    "numeric": N_("Numeric answer"), "ordering": N_("Put in order"), "matching": N_("Matching pairs"),
    "fill_blank": N_("Fill in the blank"),
}
CHOICE_TYPES = ("single", "multiple", "ordering")


def type_label(qtype: Any) -> str:
    return _(QUESTION_TYPE_LABELS[qtype]) if qtype in QUESTION_TYPE_LABELS else str(qtype)


def _next_option_id(items: list[Any]) -> str:
    taken = {str(o.get("id")) for o in items if isinstance(o, dict)}
    for letter in "abcdefghijklmnopqrstuvwxyz":
        if letter not in taken:
            return letter
    return au.unique_id("option", taken)


class OptionsTable(BoundTable):
    """Options of a choice question; the first column marks correct options (or the order is the answer)."""

    def __init__(self, model: DraftModel, rel: str, base, qtype: str) -> None:
        self.qtype = qtype
        cols = [Column(N_("Id"), ("id",), optional=False, width=70),
                Column(N_("English"), ("text", "en"), flag_missing=True),
                Column(N_("Chinese"), ("text", "zh_CN"), flag_missing=True)]
        if qtype != "ordering":
            cols.insert(0, Column(N_("Correct"), ("__correct__",), kind="check", width=70))
        super().__init__(model, rel, ["options"], cols,
                         lambda items: {"id": _next_option_id(items), "text": au.localized("", "")},
                         object_name="optionsTable", base=base, min_rows=2)

    def _answer_path(self) -> list[str | int]:
        return [*self.base(), "answer"]

    def _ids(self) -> list[str]:
        return [str(o.get("id")) for o in self.items() if isinstance(o, dict)]

    def reload(self) -> None:
        super().reload()
        if self.qtype == "ordering":
            return
        answer = self.model.get(self.rel, self._answer_path())
        chosen = {answer} if isinstance(answer, str) else set(answer) if isinstance(answer, list) else set()
        self._loading = True
        for r, oid in enumerate(self._ids()):
            cell = self.table.item(r, 0)
            if cell is not None:
                cell.setCheckState(Qt.CheckState.Checked if oid in chosen else Qt.CheckState.Unchecked)
        self._loading = False

    def _item_changed(self, cell: QTableWidgetItem) -> None:
        column = self.columns[cell.column()]
        if self._loading or column.path != ("__correct__",):
            if not self._loading and column.path == ("id",):
                self._rename_option(cell.row(), cell.text().strip())
                return
            super()._item_changed(cell)
            return
        ids = self._ids()
        oid = ids[cell.row()]
        on = cell.checkState() == Qt.CheckState.Checked
        if self.qtype == "single":
            value: Any = oid if on else au.MISSING
        else:
            current = self.model.get(self.rel, self._answer_path())
            chosen = set(current) if isinstance(current, list) else set()
            chosen = chosen | {oid} if on else chosen - {oid}
            value = [i for i in ids if i in chosen]
        self.model.set_value(self.rel, self._answer_path(), value, origin=self, label=_("Mark the correct answer"))
        self.reload()

    def _rename_option(self, row: int, new: str) -> None:
        old = self._ids()[row] if row < len(self._ids()) else ""
        if not new or new == old:
            self.reload()
            return
        rel, base = self.rel, list(self.base())

        def rename(d: au.CourseDraft) -> None:
            doc = d.edit_doc(rel)
            q = doc
            for part in base:
                q = q[part]
            q["options"][row]["id"] = new
            ans = q.get("answer")
            if isinstance(ans, str) and ans == old:
                q["answer"] = new
            elif isinstance(ans, list):
                ans[:] = [new if a == old else a for a in ans]

        self.model.change(_("Rename option"), rename)
        self._select(row, self.table.currentColumn())

    def _sync_order(self, d: au.CourseDraft) -> None:
        if self.qtype == "ordering":
            ids = [str(o.get("id")) for o in d.get(self.rel, [*self.base(), "options"]) or [] if isinstance(o, dict)]
            d.set_value(self.rel, self._answer_path(), ids)

    def add_row(self) -> None:
        items = self.items()
        row = self.table.currentRow() + 1 if self.table.currentRow() >= 0 else len(items)
        item = self.new_item(items)

        def add(d: au.CourseDraft) -> None:
            d.insert_item(self.rel, self.full_list_path(), row, item)
            self._sync_order(d)

        self.model.change(_("Add option"), add)
        self._select(row, 1 if self.qtype != "ordering" else 0)

    def remove_row(self) -> None:
        row = self.table.currentRow()
        ids = self._ids()
        if row < 0 or len(ids) <= self.min_rows:
            return
        gone = ids[row]

        def remove(d: au.CourseDraft) -> None:
            d.remove_item(self.rel, self.full_list_path(), row)
            ans = d.get(self.rel, self._answer_path())
            if isinstance(ans, str) and ans == gone:
                d.delete_value(self.rel, self._answer_path())
            elif isinstance(ans, list) and gone in ans:
                d.set_value(self.rel, self._answer_path(), [a for a in ans if a != gone])
            self._sync_order(d)

        self.model.change(_("Remove option"), remove)
        self._select(min(row, len(ids) - 2), 0)

    def move_row(self, delta: int) -> None:
        row, dst = self.table.currentRow(), self.table.currentRow() + delta
        if row < 0 or not 0 <= dst < len(self.items()):
            return

        def move(d: au.CourseDraft) -> None:
            d.move_item(self.rel, self.full_list_path(), row, dst)
            self._sync_order(d)

        self.model.change(_("Move option"), move)
        self._select(dst, max(self.table.currentColumn(), 0))


class QuestionForm(QWidget):
    """The form of question ``index`` of the quiz file ``rel`` (rebuilt when the question's type changes)."""

    def __init__(self, page: EditorPage, rel: str, index: int) -> None:
        super().__init__()
        self.page, self.model, self.rel, self.index = page, page.model, rel, index
        self.qtype = self.model.get(rel, ["questions", index, "type"])
        base = lambda: ["questions", self.index]
        b = Binder(self.model, rel, self, base)
        self.binder = b
        page.binders.append(b)
        g = page.grid()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(g)
        self.id_edit = b.line(["id"], optional=False, object_name="questionId")
        g.add_row(N_("Question id"), self.id_edit, span=1)
        self.type_combo = QComboBox(objectName="questionType")
        for t in QUESTION_TYPE_LABELS:
            self.type_combo.addItem(type_label(t), t)
        self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(self.qtype)))
        self.type_combo.activated.connect(lambda i: self.change_type(self.type_combo.itemData(i)))
        self.type_combo.setEnabled(not self.model.read_only)
        g.add_row(N_("Type"), self.type_combo, span=1)
        self.points = b.spin(["points"], 0, 1000, decimals=1, step=0.5, optional=True, object_name="questionPoints")
        g.add_row(N_("Points"), self.points, span=1)
        g.header()
        self.prompt = b.localized(["prompt"], multiline=True, lines=2, object_name="questionPrompt")
        g.add_localized(N_("Question"), self.prompt)
        self.table: BoundTable | None = None
        self._type_fields(g, b, base)
        self.explanation = b.localized(["explanation"], multiline=True, lines=2, object_name="questionExplanation")
        g.add_localized(N_("Explanation"), self.explanation)
        self.retranslate()

    def _type_fields(self, g, b: Binder, base) -> None:
        t = self.qtype
        if t in CHOICE_TYPES:
            g.add_section(N_("Options") if t != "ordering" else N_("Options, in the correct order"))
            self.table = OptionsTable(self.model, self.rel, base, t)
            b.register(["options"], self.table)
            b.register(["answer"], self.table)
            g.add_wide(self.table)
        elif t == "true_false":
            self.tf = b.combo(["answer"], [(True, ""), (False, "")], object_name="trueFalseAnswer")
            g.add_row(N_("Correct answer"), self.tf, span=1)
        elif t == "numeric":
            self.answer = b.spin(["answer"], -1e9, 1e9, decimals=4, object_name="numericAnswer")
            g.add_row(N_("Correct answer"), self.answer, span=1)
            self.tolerance = b.spin(["tolerance"], 0, 1e9, decimals=4, object_name="numericTolerance")
            g.add_row(N_("Tolerance (±)"), self.tolerance, span=1)
            self.unit = b.line(["unit"], object_name="numericUnit")
            g.add_row(N_("Unit"), self.unit, span=1)
        elif t == "matching":
            g.add_section(N_("Pairs"))
            cols = [Column(N_("Id"), ("id",), optional=False, width=70),
                    Column(N_("Left (English)"), ("left", "en"), flag_missing=True),
                    Column(N_("Left (Chinese)"), ("left", "zh_CN"), flag_missing=True),
                    Column(N_("Right (English)"), ("right", "en"), flag_missing=True),
                    Column(N_("Right (Chinese)"), ("right", "zh_CN"), flag_missing=True)]
            self.table = BoundTable(self.model, self.rel, ["pairs"], cols, _new_pair, object_name="pairsTable",
                                    base=base, min_rows=2)
            b.register(["pairs"], self.table)
            g.add_wide(self.table)
        elif t == "fill_blank":
            self.blank_hint = QLabel(objectName="questionHint", wordWrap=True)
            g.add_wide(self.blank_hint)
            self.accepted = {loc: b.lines(["accepted", loc], 2, object_name=f"accepted_{loc}")
                             for loc in ("en", "zh_CN")}
            g.grid.addWidget(self.accepted["en"], g.row, 1)
            g.grid.addWidget(self.accepted["zh_CN"], g.row, 2)
            g.grid.addWidget(g._label(N_("Accepted answers (one per line)"), self.accepted["en"]), g.row, 0)
            g.row += 1
        if self.table is not None:
            self.page.reloadables.append(self.table)

    def change_type(self, qtype: str) -> None:
        if qtype == self.qtype:
            return
        rel, i = self.rel, self.index

        def change(d: au.CourseDraft) -> None:
            seq = d.list_at(rel, ["questions"])
            old = seq[i]
            new = au.to_yaml(au.question_template(qtype, old))
            seq[i] = new

        try:
            self.model.change(_("Change the question type"), change)
        except au.AuthoringError:
            self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(self.qtype)))

    def focus_path(self, path: Sequence[str | int]) -> bool:
        return self.binder.focus(path)

    def retranslate(self) -> None:
        for i in range(self.type_combo.count()):
            self.type_combo.setItemText(i, type_label(self.type_combo.itemData(i)))
        self.points.setSpecialValueText(_("1 (default)"))
        if self.qtype == "true_false":
            self.tf.setItemText(0, _("True"))
            self.tf.setItemText(1, _("False"))
        if self.qtype == "fill_blank":
            self.blank_hint.setText(_("Write the blank as ___ (three underscores), exactly once in each language."))


def _new_pair(items: list[Any]) -> dict[str, Any]:
    taken = {str(p.get("id")) for p in items if isinstance(p, dict)}
    return {"id": au.unique_id(f"p{len(items) + 1}", taken), "left": au.localized("", ""),
            "right": au.localized("", "")}
