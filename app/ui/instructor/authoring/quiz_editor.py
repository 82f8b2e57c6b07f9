"""Quiz step: settings (bank size and draw count, pass mark, attempts, feedback) and the question bank."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.courses import authoring as au
from app.i18n import N_, _, ngettext
from app.ui.common.content import content_text
from app.ui.instructor.authoring.forms import EditorPage, StepHeader
from app.ui.instructor.authoring.model import DraftModel
from app.ui.instructor.authoring.question_form import QUESTION_TYPE_LABELS, QuestionForm, type_label


class QuizEditor(EditorPage):
    def __init__(self, model: DraftModel, module_id: str, step_id: str) -> None:
        super().__init__(model)
        self.module_id, self.step_id = module_id, step_id
        self.rel = model.draft.step_file(module_id, step_id) or ""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.header = StepHeader(self, module_id, step_id)
        outer.addWidget(self.header)
        self.tabs = QTabWidget(objectName="quizTabs")
        outer.addWidget(self.tabs, 1)
        b = self.binder(self.rel)
        g = self.grid()
        draw_row = QWidget()
        dl = QHBoxLayout(draw_row)
        dl.setContentsMargins(0, 0, 0, 0)
        self.draw = b.spin(["draw"], 0, 1000, optional=True, object_name="quizDraw")
        self.bank = QLabel(objectName="quizBank")
        dl.addWidget(self.draw)
        dl.addWidget(self.bank, 1)
        g.add_row(N_("Questions per attempt"), draw_row)
        self.shuffle = b.check(["shuffle"], default=True, object_name="quizShuffle")
        g.add_row(N_("Shuffle questions and options"), self.shuffle)
        self.pass_mark = b.spin(["pass_mark"], 0.05, 1, decimals=2, step=0.05, object_name="quizPassMark")
        g.add_row(N_("Pass mark (fraction of points)"), self.pass_mark, span=1)
        self.attempts = b.spin(["max_attempts"], 0, 100, optional=True, object_name="quizAttempts")
        g.add_row(N_("Attempts allowed"), self.attempts, span=1)
        self.feedback = b.combo(["feedback"], [("immediate", ""), ("end", "")], object_name="quizFeedback")
        g.add_row(N_("Feedback"), self.feedback, span=1)
        g.grid.setRowStretch(g.row, 1)
        settings = QWidget()
        QVBoxLayout(settings).addWidget(g)
        split = QSplitter()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.questions = QListWidget(objectName="questionList", wordWrap=True)
        self.questions.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.questions.currentRowChanged.connect(self._show_question)
        ll.addWidget(self.questions, 1)
        bar, bar2 = QHBoxLayout(), QHBoxLayout()
        self.add_btn = QPushButton(objectName="addQuestion")  # sized for its text and the menu arrow
        self.add_menu = QMenu(self.add_btn)
        self.add_actions = {t: self.add_menu.addAction("", lambda t=t: self.add_question(t))
                            for t in QUESTION_TYPE_LABELS}
        self.add_btn.setMenu(self.add_menu)
        self.dup_btn = QPushButton(objectName="duplicateQuestion")
        self.del_btn = QPushButton(objectName="deleteQuestion")
        self.up_btn, self.down_btn = QPushButton(), QPushButton()
        self.dup_btn.clicked.connect(self.duplicate_question)
        self.del_btn.clicked.connect(self.delete_question)
        self.up_btn.clicked.connect(lambda: self.move_question(-1))
        self.down_btn.clicked.connect(lambda: self.move_question(1))
        for row, widgets in ((bar, (self.add_btn, self.dup_btn, self.del_btn)), (bar2, (self.up_btn, self.down_btn))):
            for w in widgets:
                row.addWidget(w)
                w.setEnabled(not model.read_only)
            row.addStretch(1)
            ll.addLayout(row)
        split.addWidget(left)
        self.form_host = QWidget()
        self.form_lay = QVBoxLayout(self.form_host)
        self.form_lay.setContentsMargins(0, 0, 6, 0)
        self.form_lay.addStretch(1)
        self.form: QuestionForm | None = None
        split.addWidget(self.scrolled(self.form_host))
        split.setSizes([250, 650])
        split.setChildrenCollapsible(False)
        self.tabs.addTab(split, "")
        self.tabs.addTab(settings, "")
        model.values_changed.connect(self._values_changed)
        self.start_translating()
        self.reload()
        if self.questions.count():
            self.questions.setCurrentRow(0)

    # --- questions ---------------------------------------------------------------------------------

    def items(self) -> list[Any]:
        qs = self.model.get(self.rel, ["questions"])
        return list(qs) if isinstance(qs, list) else []

    def _label(self, i: int, q: Any) -> str:
        if not isinstance(q, dict):
            return f"{i + 1}. ?"
        prompt = content_text(q.get("prompt"), mark_fallback=False).replace("\n", " ")
        return f"{i + 1}. [{type_label(q.get('type'))}] {prompt[:60]}"

    def _values_changed(self, _origin: object) -> None:
        self._refresh_list()

    def _refresh_list(self) -> None:
        items = self.items()
        row = self.questions.currentRow()
        self.questions.blockSignals(True)
        while self.questions.count() > len(items):
            self.questions.takeItem(self.questions.count() - 1)
        for i, q in enumerate(items):
            if i >= self.questions.count():
                self.questions.addItem(QListWidgetItem())
            self.questions.item(i).setText(self._label(i, q))
        self.questions.setCurrentRow(min(row, len(items) - 1) if row >= 0 else (0 if items else -1))
        self.questions.blockSignals(False)
        n = len(items)
        draw = self.model.get(self.rel, ["draw"])
        per = min(draw, n) if isinstance(draw, int) and not isinstance(draw, bool) and draw > 0 else n
        self.bank.setText(ngettext("of {n} question in the bank ({per} drawn per attempt)",
                                   "of {n} questions in the bank ({per} drawn per attempt)", n).format(n=n, per=per))
        self.del_btn.setEnabled(not self.model.read_only and n > 1)

    def _show_question(self, row: int) -> None:
        if self.form is not None:
            self.page_binders_remove(self.form)
            self.form.setParent(None)
            self.form.deleteLater()
            self.form = None
        if 0 <= row < len(self.items()):
            self.form = QuestionForm(self, self.rel, row)
            self.form_lay.insertWidget(0, self.form)
            self.form.show()

    def page_binders_remove(self, form: QuestionForm) -> None:
        self.binders = [b for b in self.binders if b is not form.binder]
        if form.table is not None and form.table in self.reloadables:
            self.reloadables.remove(form.table)
        for g in list(self.grids):
            if g.parent() is form:
                self.grids.remove(g)

    def current_index(self) -> int:
        return self.questions.currentRow()

    def _new_id(self, base: str = "q") -> str:
        taken = {str(q.get("id")) for q in self.items() if isinstance(q, dict)}
        n = len(taken) + 1
        while f"{base}{n}" in taken:
            n += 1
        return f"{base}{n}"

    def _select(self, row: int) -> None:
        self._refresh_list()
        self.questions.setCurrentRow(row)
        self._show_question(row)

    def add_question(self, qtype: str) -> None:
        q = au.question_template(qtype)
        q["id"] = self._new_id()
        at = self.current_index() + 1 if self.current_index() >= 0 else len(self.items())
        self.model.change(_("Add a question"), lambda d: d.insert_item(self.rel, ["questions"], at, q))
        self._select(at)

    def duplicate_question(self) -> None:
        i = self.current_index()
        if i < 0:
            return
        q = au.to_plain(self.items()[i])
        taken = {str(x.get("id")) for x in self.items() if isinstance(x, dict)}
        q["id"] = au.unique_id(str(q.get("id", "q")), taken)
        self.model.change(_("Duplicate the question"), lambda d: d.insert_item(self.rel, ["questions"], i + 1, q))
        self._select(i + 1)

    def delete_question(self) -> None:
        i = self.current_index()
        if i < 0 or len(self.items()) <= 1:
            return
        self.model.change(_("Delete the question"), lambda d: d.remove_item(self.rel, ["questions"], i))
        self._select(min(i, len(self.items()) - 1))

    def move_question(self, delta: int) -> None:
        i, dst = self.current_index(), self.current_index() + delta
        if i < 0 or not 0 <= dst < len(self.items()):
            return
        self.model.change(_("Move the question"), lambda d: d.move_item(self.rel, ["questions"], i, dst))
        self._select(dst)

    # --- page --------------------------------------------------------------------------------------

    def reload(self) -> bool:
        super().reload()
        self._refresh_list()
        row = self.questions.currentRow()
        items = self.items()
        want = items[row].get("type") if 0 <= row < len(items) and isinstance(items[row], dict) else None
        if self.form is None or self.form.index != row or self.form.qtype != want:
            self._show_question(row)
        return True

    def focus_target(self, rel: str, path: Sequence[str | int]) -> bool:
        if rel == self.rel and len(path) >= 2 and path[0] == "questions" and isinstance(path[1], int):
            if path[1] < len(self.items()):
                self._select(path[1])
                if self.form is not None and self.form.focus_path(path):
                    return True
        return super().focus_target(rel, path)

    def retranslate(self) -> None:
        super().retranslate()
        self.header.retranslate()
        self.draw.setSpecialValueText(_("All"))
        self.attempts.setSpecialValueText(_("Unlimited"))
        self.feedback.setItemText(0, _("After each question"))
        self.feedback.setItemText(1, _("At the end"))
        self.add_btn.setText(_("Add question"))
        self.tabs.setTabText(0, _("Question bank"))
        self.tabs.setTabText(1, _("Quiz settings"))
        for t, act in self.add_actions.items():
            act.setText(type_label(t))
        self.dup_btn.setText(_("Duplicate"))
        self.del_btn.setText(_("Delete"))
        self.up_btn.setText(_("Move up"))
        self.down_btn.setText(_("Move down"))
        self._refresh_list()
        if self.form is not None:
            self.form.retranslate()

