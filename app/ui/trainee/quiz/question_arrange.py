"""The question types the trainee arranges or completes: ordering, matching, fill in the blank.

Same surface as the choice widgets in ``app.ui.trainee.quiz.question_widgets`` (responses: ordering → every
option id in the chosen order; matching → {left pair id: chosen pair id}; fill_blank → text).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.ui.common.content import content_text
from app.ui.common.flow_layout import FlowLayout, wrap_tokens
from app.ui.trainee.quiz.question_widgets import BLANK, QuestionWidget


class OrderingWidget(QuestionWidget):
    """A list to put in order with Move up / Move down, Ctrl+Up / Ctrl+Down or drag and drop."""

    def build(self) -> None:
        self._touched = False
        row = QHBoxLayout()
        self.list = QListWidget(objectName="orderingList")
        self.list.setDragDropMode(QListWidget.DragDropMode.InternalMove)
        self.list.setWordWrap(True)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.model().rowsMoved.connect(lambda *_: self._moved_by_drag())
        options = {o.id: o for o in self.question.options}
        for oid in self.order:
            if oid in options:
                item = QListWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, oid)
                self.list.addItem(item)
        self.list.setCurrentRow(0)
        row.addWidget(self.list, 1)
        col = QVBoxLayout()
        self.up_btn = QPushButton(objectName="moveUp")
        self.down_btn = QPushButton(objectName="moveDown")
        self.up_btn.setAutoDefault(False)
        self.down_btn.setAutoDefault(False)
        self.up_btn.clicked.connect(lambda: self.move(-1))
        self.down_btn.clicked.connect(lambda: self.move(1))
        col.addWidget(self.up_btn)
        col.addWidget(self.down_btn)
        col.addStretch(1)
        row.addLayout(col)
        self._lay.addLayout(row)
        # Ctrl+Up/Down: the list's own key handling would only move the cursor, so filter its keys;
        # the shortcuts serve while the focus is on the buttons.
        self.list.installEventFilter(self)
        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+Up"), self, activated=lambda: self.move(-1), context=ctx)
        QShortcut(QKeySequence("Ctrl+Down"), self, activated=lambda: self.move(1), context=ctx)
        self._fit_list()

    def _texts(self) -> dict[str, str]:
        return {o.id: content_text(o.text) for o in self.question.options}

    def retranslate(self) -> None:
        super().retranslate()
        self.up_btn.setText(_("Move &up"))
        self.down_btn.setText(_("Move &down"))
        self.up_btn.setToolTip(_("Ctrl+Up"))
        self.down_btn.setToolTip(_("Ctrl+Down"))
        self.list.setAccessibleName(_("Items to put in order"))
        self._renumber()
        self._fit_list()

    def hint_text(self) -> str:
        return _("Put the items in the right order: select one, then Move up / Move down (Ctrl+Up / Ctrl+Down).")

    def _renumber(self) -> None:
        texts = self._texts()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setText(f"{i + 1}.  {texts.get(item.data(Qt.ItemDataRole.UserRole), '')}")

    def eventFilter(self, obj, event) -> bool:
        if obj is self.list and event.type() == QEvent.Type.Resize and \
                event.size().width() != event.oldSize().width():
            QTimer.singleShot(0, self._fit_list)  # wrapped rows change height with the width
        if obj is self.list and event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) and \
                event.modifiers() & Qt.KeyboardModifier.ControlModifier and \
                event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            if event.type() == QEvent.Type.KeyPress:
                self.move(-1 if event.key() == Qt.Key.Key_Up else 1)
            event.accept()
            return True
        return super().eventFilter(obj, event)

    def _fit_list(self) -> None:
        """Tall enough to show every item (long ones wrap) without scrolling, up to 10 items."""
        n = self.list.count()
        if not n:
            return
        heights = [max(self.list.visualItemRect(self.list.item(i)).height(), self.list.sizeHintForRow(i), 1)
                   for i in range(min(10, n))]
        spacing = self.list.spacing() * 2 * len(heights)
        self.list.setFixedHeight(sum(heights) + spacing + 2 * self.list.frameWidth() + 12)
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff if n <= 10
                                             else Qt.ScrollBarPolicy.ScrollBarAsNeeded)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit_list()  # row heights are known once the style sheet has been applied

    def _moved_by_drag(self) -> None:
        self._touched = True
        self._renumber()
        self.changed.emit()

    def answered(self) -> bool:
        """The starting order is not an answer until the trainee has moved something."""
        return self._touched

    def move(self, delta: int) -> None:
        if self.locked:
            return
        row = self.list.currentRow()
        target = row + delta
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)
        self._touched = True
        self._renumber()
        self.changed.emit()

    def response(self) -> list[str] | None:
        return self.current_order() if self._touched else None

    def current_order(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def set_response(self, value: Any) -> None:
        if not isinstance(value, list) or sorted(value) != sorted(self.current_order()):
            return
        self._touched = True
        items = {self.list.item(i).data(Qt.ItemDataRole.UserRole): i for i in range(self.list.count())}
        taken = {}
        for oid in list(items):
            for i in range(self.list.count()):
                if self.list.item(i).data(Qt.ItemDataRole.UserRole) == oid:
                    taken[oid] = self.list.takeItem(i)
                    break
        for oid in value:
            self.list.addItem(taken[oid])
        self.list.setCurrentRow(0)
        self._renumber()

    def choose(self, number: int) -> bool:
        if number > self.list.count():
            return False
        self.list.setCurrentRow(number - 1)
        self.list.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True

    def set_locked(self, locked: bool) -> None:
        super().set_locked(locked)
        self.up_btn.setEnabled(not locked)
        self.down_btn.setEnabled(not locked)
        self.list.setDragDropMode(QListWidget.DragDropMode.NoDragDrop if locked
                                  else QListWidget.DragDropMode.InternalMove)

    def focus_first(self) -> None:
        self.list.setFocus(Qt.FocusReason.OtherFocusReason)


class MatchingWidget(QuestionWidget):
    """For each left item a drop-down of the right items, in shuffled order (``order`` = pair ids)."""

    def default_order(self) -> list[str]:
        return [p.id for p in self.question.pairs]

    def build(self) -> None:
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        self.left_labels: dict[str, QLabel] = {}
        self.combos: dict[str, QComboBox] = {}
        self.chosen_labels: dict[str, QLabel] = {}
        for row, pair in enumerate(self.question.pairs):
            label = QLabel(objectName="matchLeft", wordWrap=True)
            combo = QComboBox(objectName="matchChoice")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(16)
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            combo.view().setTextElideMode(Qt.TextElideMode.ElideNone)
            # A long answer does not fit the closed drop-down: it is shown in full, wrapped, under it (review #26).
            chosen = QLabel(objectName="matchChosen", wordWrap=True)
            chosen.setTextFormat(Qt.TextFormat.PlainText)
            chosen.hide()
            cell = QVBoxLayout()
            cell.setSpacing(2)
            cell.addWidget(combo)
            cell.addWidget(chosen)
            label.setBuddy(combo)
            combo.currentIndexChanged.connect(lambda *_a, pid=pair.id: self._chosen(pid))
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addLayout(cell, row, 1)
            self.left_labels[pair.id] = label
            self.combos[pair.id] = combo
            self.chosen_labels[pair.id] = chosen
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        self._lay.addLayout(grid)

    def retranslate(self) -> None:
        super().retranslate()
        rights = {p.id: content_text(p.right) for p in self.question.pairs}
        for pair in self.question.pairs:
            left = content_text(pair.left)
            self.left_labels[pair.id].setText(left)
            combo = self.combos[pair.id]
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(_("— choose —"), None)
            for pid in self.order:
                if pid in rights:
                    combo.addItem(rights[pid], pid)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)
            combo.setAccessibleName(_("Match for: {item}").format(item=left))
            widest = max((combo.fontMetrics().horizontalAdvance(combo.itemText(i)) for i in range(combo.count())),
                         default=0)
            combo.view().setMinimumWidth(min(widest + 40, 900))  # the list shows every answer whole
            self._show_chosen(pair.id)

    def _chosen(self, pid: str) -> None:
        self._show_chosen(pid)
        self.changed.emit()

    def _show_chosen(self, pid: str) -> None:
        combo, label = self.combos[pid], self.chosen_labels[pid]
        text = combo.currentText() if combo.currentData() else ""
        room = combo.width() - 40 if combo.isVisible() else combo.fontMetrics().averageCharWidth() * 30
        label.setText(text)
        label.setVisible(bool(text) and combo.fontMetrics().horizontalAdvance(text) > room)
        combo.setToolTip(text)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        for pid in self.combos:
            self._show_chosen(pid)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        for pid in self.combos:
            self._show_chosen(pid)

    def answered(self) -> bool:
        """Only when every item has its match: a half-matched question is not answered (review #26)."""
        return all(combo.currentData() for combo in self.combos.values())

    def hint_text(self) -> str:
        return _("Match each item on the left with one on the right.")

    def response(self) -> dict[str, str] | None:
        chosen = {pid: combo.currentData() for pid, combo in self.combos.items() if combo.currentData()}
        return chosen or None

    def set_response(self, value: Any) -> None:
        if not isinstance(value, dict):
            return
        for pid, combo in self.combos.items():
            idx = combo.findData(value.get(pid))
            combo.setCurrentIndex(max(0, idx))

    def set_locked(self, locked: bool) -> None:
        super().set_locked(locked)
        for combo in self.combos.values():
            combo.setEnabled(not locked)

    def focus_first(self) -> None:
        first = next(iter(self.combos.values()), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)


class FillBlankWidget(QuestionWidget):
    """The prompt with a text box where its ``___`` is."""

    def build(self) -> None:
        self.prompt.hide()
        self.flow_host = QWidget(objectName="blankPrompt")
        self.flow = FlowLayout(self.flow_host)
        self.flow.setContentsMargins(0, 8, 0, 4)
        self.edit = QLineEdit(objectName="blankAnswer")
        self.edit.setMinimumWidth(120)
        self.edit.setMaximumWidth(220)
        self.edit.textChanged.connect(lambda *_: self.changed.emit())
        self._lay.insertWidget(self._lay.indexOf(self.hint), self.flow_host)

    def retranslate(self) -> None:
        text = content_text(self.question.prompt)
        self.prompt.setText(text)
        self.hint.setText(self.hint_text())
        while self.flow.count():
            item = self.flow.takeAt(0)
            w = item.widget()
            if w is not None and w is not self.edit:
                w.deleteLater()
        before, sep, after = text.partition(BLANK)
        for token in wrap_tokens(before):
            self._add_word(token)
        if sep:
            self.flow.addWidget(self.edit)
            for token in wrap_tokens(after):
                self._add_word(token)
        else:
            self.flow.addWidget(self.edit)
        self.hint.setVisible(True)
        self.edit.setAccessibleName(text.replace(BLANK, _("(blank)")))
        self.edit.setPlaceholderText(_("answer"))
        self.flow_host.updateGeometry()

    def _add_word(self, token: str) -> None:
        label = QLabel(token.replace(" ", "\u00a0"), objectName="blankWord")
        label.setTextFormat(Qt.TextFormat.PlainText)
        self.flow.addWidget(label)

    def hint_text(self) -> str:
        return _("Type the missing word or number in the box.")

    def response(self) -> str | None:
        return self.edit.text() or None

    def set_response(self, value: Any) -> None:
        if isinstance(value, str):
            self.edit.setText(value)

    def set_locked(self, locked: bool) -> None:
        super().set_locked(locked)
        self.edit.setReadOnly(locked)

    def focus_first(self) -> None:
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)
