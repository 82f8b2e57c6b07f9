"""Course → modules → steps, with drag and drop restricted to what the course format allows.

Modules move among modules; steps move within their module or into another module.
The tree never moves its own items: a drop asks for a move (an undoable command) and
the tree is rebuilt from the draft.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTreeWidget, QTreeWidgetItem

from app.courses.authoring import CourseDraft
from app.i18n import N_, _
from app.ui.common.content import content_text

Node = tuple[str, ...]
Move = tuple[Node, str | None, int]  # (node, destination module for a step, final index)
ABOVE, BELOW, ON = "above", "below", "on"
STEP_KINDS = {"lesson": N_("Lesson"), "quiz": N_("Quiz"), "lab": N_("Lab"), "practical": N_("Practical")}
_ICONS = {"course": QStyle.StandardPixmap.SP_DirHomeIcon, "module": QStyle.StandardPixmap.SP_DirIcon,
          "lesson": QStyle.StandardPixmap.SP_FileDialogDetailedView,
          "quiz": QStyle.StandardPixmap.SP_MessageBoxQuestion, "lab": QStyle.StandardPixmap.SP_ComputerIcon,
          "practical": QStyle.StandardPixmap.SP_DialogApplyButton}


def kind_label(kind: str | None) -> str:
    return _(STEP_KINDS[kind]) if kind in STEP_KINDS else _("Unknown kind")


class CourseTree(QTreeWidget):
    node_selected = Signal(object)
    move_requested = Signal(object, object, int)

    def __init__(self) -> None:
        super().__init__(objectName="authoringTree")
        self.setColumnCount(2)
        self.set_headers()  # before any course is open too (not "1 | 2")
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.header().setStretchLastSection(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDropIndicatorShown(True)
        self.draft: CourseDraft | None = None
        self.currentItemChanged.connect(lambda cur, _prev: self.node_selected.emit(self.node_of(cur)))

    # --- contents ----------------------------------------------------------------------------------

    @staticmethod
    def node_of(item: QTreeWidgetItem | None) -> Node | None:
        return tuple(item.data(0, Qt.ItemDataRole.UserRole)) if item is not None else None

    def current_node(self) -> Node | None:
        return self.node_of(self.currentItem())

    def set_headers(self) -> None:
        self.setHeaderLabels([_("Course structure"), _("Kind")])

    def rebuild(self, draft: CourseDraft, select: Node | None = None) -> None:
        """Show ``draft``; select ``select`` (or the nearest existing node) without emitting a selection."""
        self.draft = draft
        select = select or self.current_node() or ("course",)
        self.blockSignals(True)
        self.clear()
        self.set_headers()
        style = self.style()
        course = QTreeWidgetItem([content_text(draft.get("course.yaml", ["title"])) or draft.course_id,
                                  _("Course")])
        course.setData(0, Qt.ItemDataRole.UserRole, ["course"])
        course.setIcon(0, style.standardIcon(_ICONS["course"]))
        course.setFlags(course.flags() & ~Qt.ItemFlag.ItemIsDragEnabled)
        self.addTopLevelItem(course)
        for mid in draft.module_ids():
            doc = draft.doc(draft.module_rel(mid))
            title = content_text(doc.get("title")) if isinstance(doc, dict) else ""
            item = QTreeWidgetItem([title or mid, _("Module")])
            item.setData(0, Qt.ItemDataRole.UserRole, ["module", mid])
            item.setIcon(0, style.standardIcon(_ICONS["module"]))
            item.setToolTip(0, mid)
            course.addChild(item)
            for entry in draft.step_entries(mid):
                sid = entry.get("id")
                if not isinstance(sid, str):
                    continue
                kind = entry.get("kind")
                child = QTreeWidgetItem([content_text(entry.get("title")) or sid, kind_label(kind)])
                child.setData(0, Qt.ItemDataRole.UserRole, ["step", mid, sid])
                child.setIcon(0, style.standardIcon(_ICONS.get(kind, _ICONS["lesson"])))
                child.setToolTip(0, f"{mid}/{sid}")
                child.setFlags(child.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
                item.addChild(child)
        self.expandAll()
        parent = ("module", select[1]) if select[0] == "step" else None
        target = self.item_for(select) or self.item_for(parent) or course
        self.setCurrentItem(target)
        self.blockSignals(False)

    def item_for(self, node: Node | None) -> QTreeWidgetItem | None:
        if node is None:
            return None
        stack = [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if self.node_of(item) == tuple(node):
                return item
            stack.extend(item.child(i) for i in range(item.childCount()))
        return None

    def select(self, node: Node) -> bool:
        item = self.item_for(node)
        if item is not None:
            self.setCurrentItem(item)
            self.scrollToItem(item)
        return item is not None

    def mark_problems(self, counts: dict[Node, tuple[int, int]]) -> None:
        """Colour nodes that have errors (red) or warnings (amber); the tooltip gives the counts."""
        stack = [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        while stack:
            item = stack.pop()
            errors, warnings = counts.get(self.node_of(item) or (), (0, 0))
            color = QColor("#b42318") if errors else QColor("#9a6700") if warnings else None
            item.setForeground(0, QBrush(color) if color else QBrush())
            item.setToolTip(1, _("{errors} errors, {warnings} warnings").format(errors=errors, warnings=warnings)
                            if errors or warnings else "")
            stack.extend(item.child(i) for i in range(item.childCount()))

    # --- drag and drop -----------------------------------------------------------------------------

    def drop_position(self, item: QTreeWidgetItem, point: QPoint) -> str:
        rect = self.visualItemRect(item)
        margin = max(2, min(12, int(rect.height() / 5.5)))
        if point.y() - rect.top() < margin:
            return ABOVE
        if rect.bottom() - point.y() < margin:
            return BELOW
        return ON

    def plan_move(self, source: Node | None, target: Node | None, position: str) -> Move | None:
        """The move a drop of ``source`` at ``position`` of ``target`` means, or None if not allowed."""
        draft = self.draft
        if draft is None or source is None or target is None or source == target:
            return None
        if source[0] == "module":
            mods = draft.module_ids()
            if target[0] == "module":
                ti = mods.index(target[1])
                before = ti + 1 if position == BELOW else ti
            elif target[0] == "course" and position == ON:
                before = len(mods)
            else:
                return None
            si = mods.index(source[1])
            dst = before - 1 if si < before else before
            return None if dst == si else (source, None, dst)
        if source[0] != "step":
            return None
        if target[0] == "step":
            module = target[1]
            ti = draft.step_ids(module).index(target[2])
            before = ti if position == ABOVE else ti + 1
        elif target[0] == "module" and position in (ON, BELOW):
            module = target[1]
            before = 0 if position == BELOW else len(draft.step_ids(module))
        else:
            return None
        if module != source[1]:
            return (source, module, before)
        si = draft.step_ids(module).index(source[2])
        dst = before - 1 if si < before else before
        return None if dst == si else (source, module, dst)

    def _plan_for_event(self, event) -> Move | None:
        point = event.position().toPoint()
        item = self.itemAt(point)
        # Only rows dragged inside this tree (a synthetic event in tests has no source).
        if item is None or event.source() not in (self, None) or not event.mimeData().hasFormat(
                "application/x-qabstractitemmodeldatalist"):
            return None
        return self.plan_move(self.current_node(), self.node_of(item), self.drop_position(item, point))

    def dragMoveEvent(self, event) -> None:
        super().dragMoveEvent(event)
        if self._plan_for_event(event) is None:
            event.ignore()
        else:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        plan = self._plan_for_event(event)
        # Never let Qt move (or, after a "move" drop, delete) items itself: the tree is rebuilt from the draft.
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if plan is not None:
            QTimer.singleShot(0, lambda: self.move_requested.emit(*plan))
