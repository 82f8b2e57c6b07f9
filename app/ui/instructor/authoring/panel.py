"""The Courses tab of the instructor workspace: pick or create a course, edit it, check it, save, publish, export."""

from __future__ import annotations

import logging

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.courses import authoring as au
from app.courses.errors import Problem
from app.i18n import _
from app.ui.common import messages
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.status_line import StatusLine
from app.ui.instructor.authoring.course_files import CourseFiles
from app.ui.instructor.authoring.forms import CourseForm, EditorPage, ModuleForm
from app.ui.instructor.authoring.lab_editor import LabEditor
from app.ui.instructor.authoring.lesson_editor import AssetMirror, LessonEditor
from app.ui.instructor.authoring.model import DraftModel
from app.ui.instructor.authoring.practical_editor import PracticalEditor
from app.ui.instructor.authoring.quiz_editor import QuizEditor
from app.ui.instructor.authoring.raw_editor import RawFileEditor
from app.ui.instructor.authoring.tree import STEP_KINDS, CourseTree, kind_label
from app.ui.instructor.authoring.validation import ValidationPanel

log = logging.getLogger(__name__)
Node = tuple[str, ...]


class AuthoringPanel(CourseFiles, QWidget):
    """The Courses tab: course picker and actions on top, the tree on the left, the editor and problems."""

    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.actor = ctx, actor
        self.model: DraftModel | None = None
        self.editor: QWidget | None = None
        self.shown: Node | None = None
        self.never_saved = False
        self.mirror = AssetMirror()
        self.destroyed.connect(lambda *_a, m=self.mirror: m.close())
        self.undo_group = QUndoGroup(self)
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 6, 0, 0)
        top = QHBoxLayout()
        self.course_label = QLabel()
        self.course_combo = QComboBox(objectName="authoringCourse")
        self.course_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.course_combo.setMinimumContentsLength(24)
        self.course_combo.activated.connect(self._picked)
        self.course_label.setBuddy(self.course_combo)
        self.new_btn = QPushButton(objectName="newCourse", clicked=self.new_course)
        self.copy_btn = QPushButton(objectName="copyCourse", clicked=self.copy_to_library)
        self.save_btn = QPushButton(objectName="saveCourse", clicked=self.save)
        self.publish_btn = QPushButton(objectName="publishCourse", clicked=self.publish)
        self.export_btn = QPushButton(objectName="exportCourse", clicked=self.export)
        self.undo_action = QAction(self, triggered=self.undo_group.undo, enabled=False)
        self.redo_action = QAction(self, triggered=self.undo_group.redo, enabled=False)
        self.undo_group.canUndoChanged.connect(self.undo_action.setEnabled)
        self.undo_group.canRedoChanged.connect(self.redo_action.setEnabled)
        self.undo_group.undoTextChanged.connect(lambda t: self.undo_action.setToolTip(t))
        self.undo_group.redoTextChanged.connect(lambda t: self.redo_action.setToolTip(t))
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action.setShortcuts([QKeySequence.StandardKey.Redo, QKeySequence("Ctrl+Y"),
                                       QKeySequence("Ctrl+Shift+Z")])
        self.save_action = QAction(self, shortcut=QKeySequence.StandardKey.Save, triggered=self.save)
        for act in (self.undo_action, self.redo_action, self.save_action):
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(act)
        self.undo_btn, self.redo_btn = QToolButton(objectName="undoButton"), QToolButton(objectName="redoButton")
        self.undo_btn.setDefaultAction(self.undo_action)
        self.redo_btn.setDefaultAction(self.redo_action)
        top.addWidget(self.course_label)
        top.addWidget(self.course_combo, 1)
        for w in (self.new_btn, self.copy_btn, self.undo_btn, self.redo_btn, self.save_btn, self.publish_btn,
                  self.export_btn):
            top.addWidget(w)
        root.addLayout(top)
        self.banner = QLabel(objectName="warningLabel", wordWrap=True)
        self.banner.hide()
        root.addWidget(self.banner)
        self.status = StatusLine()
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.tree = CourseTree()
        self.tree.node_selected.connect(self.show_node)
        self.tree.move_requested.connect(self.move)
        for key, delta in (("Alt+Up", -1), ("Alt+Down", 1)):
            move = QAction(self, shortcut=QKeySequence(key), triggered=lambda _c=False, d=delta: self.move_by(d))
            move.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.tree.addAction(move)
        ll.addWidget(self.tree, 1)
        bar1, bar2 = QHBoxLayout(), QHBoxLayout()
        self.add_module_btn = QPushButton(objectName="addModule", clicked=self.add_module)
        # A push button with a menu sizes itself for its text and the menu arrow (a tool button cuts the text).
        self.add_step_btn = QPushButton(objectName="addStep")
        self.step_menu = QMenu(self.add_step_btn)
        self.step_actions = {k: self.step_menu.addAction("", lambda k=k: self.add_step(k)) for k in STEP_KINDS}
        self.add_step_btn.setMenu(self.step_menu)
        self.dup_btn = QPushButton(objectName="duplicateNode", clicked=self.duplicate)
        self.del_btn = QPushButton(objectName="deleteNode", clicked=self.delete)
        self.up_btn = QPushButton("↑", objectName="moveUp", clicked=lambda: self.move_by(-1))
        self.down_btn = QPushButton("↓", objectName="moveDown", clicked=lambda: self.move_by(1))
        for b in (self.up_btn, self.down_btn):
            b.setFixedWidth(b.fontMetrics().horizontalAdvance("↑") + 28)
        for w in (self.add_module_btn, self.add_step_btn):
            bar1.addWidget(w)
        for w in (self.dup_btn, self.del_btn, self.up_btn, self.down_btn):
            bar2.addWidget(w)
        ll.addLayout(bar1)
        ll.addLayout(bar2)
        split.addWidget(left)
        right = QSplitter(Qt.Orientation.Vertical)
        self.editor_host = QWidget(objectName="editorHost")
        self.host_lay = QVBoxLayout(self.editor_host)
        self.host_lay.setContentsMargins(0, 0, 0, 0)
        self.placeholder = QLabel(objectName="emptyLabel", wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        self.host_lay.addWidget(self.placeholder)
        right.addWidget(self.editor_host)
        self.validation = ValidationPanel()
        self.validation.problem_activated.connect(self.jump_to)
        self.validation.updated.connect(self._mark_tree)
        right.addWidget(self.validation)
        right.setStretchFactor(0, 1)
        right.setStretchFactor(1, 0)
        right.setCollapsible(0, False)
        right.setSizes([520, 120])  # the problems list shows several rows at 700 px
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([285, 835])
        root.addWidget(split, 1)
        root.addWidget(self.status)
        on_language_changed(self, self.retranslate)
        self.refresh_courses()
        self._update_actions()

    def _set_model(self, model: DraftModel, new: bool) -> None:
        if self.model is not None:
            self.undo_group.removeStack(self.model.stack)
            self.model.deleteLater()
        self.model = model
        self.never_saved = new
        self.undo_group.addStack(model.stack)
        self.undo_group.setActiveStack(model.stack)
        model.structure_changed.connect(self._structure_changed)
        model.values_changed.connect(self._values_changed)
        model.stack.cleanChanged.connect(self._clean_changed)
        lib = self.ctx.library
        dirs = [d for d in (getattr(lib, "bundled_dir", None), self.ctx.library_dir) if d is not None]
        self.validation.attach(model, dirs)
        self.shown = None
        self.tree.rebuild(model.draft, ("course",))
        self.show_node(("course",))
        self.refresh_courses()
        self._update_actions()

    # --- the editor --------------------------------------------------------------------------------

    def show_node(self, node: Node | None) -> None:
        if self.model is None or node is None:
            return
        self.model.current_node = node
        if self.editor is not None:
            self.host_lay.removeWidget(self.editor)
            self.editor.hide()
            self.editor.deleteLater()
            self.editor = None
        self.placeholder.hide()
        self.shown = node
        try:
            self.editor = self._make_editor(node)
        except au.AuthoringError as exc:
            self.editor = QLabel(str(exc), objectName="errorLabel", wordWrap=True)
        self.host_lay.addWidget(self.editor)
        self.editor.show()  # added to a visible parent: show now, not at the next event loop turn
        self._update_actions()

    def _make_editor(self, node: Node) -> QWidget:
        model, draft = self.model, self.model.draft
        if node[0] == "course":
            rel = "course.yaml"
        elif node[0] == "module":
            rel = draft.module_rel(node[1])
        else:
            rel = draft.step_file(node[1], node[2]) or draft.module_rel(node[1])
        entry = draft.entry(rel)
        if entry is not None and entry.kind == "text":
            return RawFileEditor(model, rel, node)
        if entry is None and node[0] != "step":
            return QLabel(_("{file} is missing.").format(file=rel), objectName="errorLabel", wordWrap=True)
        if node[0] == "course":
            return CourseForm(model)
        if node[0] == "module":
            return ModuleForm(model, node[1])
        kind = draft.step_kind(node[1], node[2])
        if kind == "lesson":
            return LessonEditor(model, node[1], node[2], self.mirror)
        if entry is None:
            return QLabel(_("{file} is missing.").format(file=rel), objectName="errorLabel", wordWrap=True)
        cls = {"quiz": QuizEditor, "lab": LabEditor, "practical": PracticalEditor}.get(kind or "")
        if cls is None:
            return QLabel(_("Unknown step kind."), objectName="errorLabel")
        return cls(model, node[1], node[2])

    def _editor_focus(self) -> tuple[type, str, int] | None:
        """Where the keyboard focus is inside the editor: (widget type, object name, index among those)."""
        w = QApplication.focusWidget()
        if w is None or self.editor is None or not shiboken6.isValid(self.editor) or not self.editor.isAncestorOf(w):
            return None
        same = [x for x in self.editor.findChildren(type(w)) if x.objectName() == w.objectName()]
        return type(w), w.objectName(), same.index(w) if w in same else 0

    def _restore_focus(self, where: tuple[type, str, int] | None) -> None:
        """Keep typing in the form after it was rebuilt (review #8): never let the focus fall to the navigation."""
        if where is None or self.editor is None or not shiboken6.isValid(self.editor):
            return
        now = QApplication.focusWidget()
        if now is not None and self.editor.isAncestorOf(now):
            return  # still in the form
        kind, name, index = where
        same = [x for x in self.editor.findChildren(kind) if x.objectName() == name]
        target = same[index] if index < len(same) else None
        if target is None or not target.isVisibleTo(self.editor) or not target.isEnabled():
            target = next((x for x in self.editor.findChildren(QWidget)
                           if x.focusPolicy() & Qt.FocusPolicy.TabFocus and x.isVisibleTo(self.editor)
                           and x.isEnabled()), None)
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def _structure_changed(self, select: Node | None) -> None:
        if self.model is None:
            return
        focus = self._editor_focus()
        self.tree.rebuild(self.model.draft, select or self.tree.current_node())
        node = self.tree.current_node()
        if node == self.shown and isinstance(self.editor, EditorPage) and shiboken6.isValid(self.editor) \
                and self.editor.reload():
            self._update_actions()
            self._restore_focus(focus)
            return
        self.show_node(node)
        self._restore_focus(focus)

    def _values_changed(self, _origin: object) -> None:
        focus = self._editor_focus()
        if self.model is not None:
            self.tree.rebuild(self.model.draft, self.tree.current_node())
        self._update_actions()
        self._restore_focus(focus)

    def jump_to(self, problem: Problem) -> None:
        """Show the node a problem belongs to and focus the field it points at."""
        if self.model is None:
            return
        target = au.resolve_pointer(self.model.draft, problem.pointer)
        node = target.node
        if self.tree.item_for(node) is None:  # e.g. a step folder the module does not list
            parent = ("module", node[1]) if len(node) > 1 else ("course",)
            node = parent if self.tree.item_for(parent) is not None else ("course",)
        if node != self.shown:
            self.tree.select(node)
        if isinstance(self.editor, EditorPage):
            self.editor.focus_target(target.rel, list(target.path))

    def _mark_tree(self) -> None:
        if self.model is None:
            return
        counts: dict[Node, list[int]] = {}
        for p in self.validation.problems:
            node = au.resolve_pointer(self.model.draft, p.pointer).node
            for n in {node, ("module", node[1]) if len(node) > 1 else node, ("course",)}:
                c = counts.setdefault(n, [0, 0])
                c[0 if p.is_error else 1] += 1
        self.tree.mark_problems({k: (v[0], v[1]) for k, v in counts.items()})

    # --- structure ---------------------------------------------------------------------------------

    def _change(self, label: str, fn, select=None, select_from=None):
        try:
            return self.model.change(label, fn, select=select, select_from=select_from)
        except au.AuthoringError as exc:
            messages.warn(self, label, str(exc))
            return None

    def _module_for_new_step(self) -> str | None:
        node = self.tree.current_node() or ("course",)
        if node[0] in ("module", "step"):
            return node[1]
        mods = self.model.draft.module_ids()
        return mods[-1] if mods else None

    def add_module(self) -> str | None:
        if self.model is None:
            return None
        node = self.tree.current_node() or ("course",)
        mods = self.model.draft.module_ids()
        at = mods.index(node[1]) + 1 if node[0] in ("module", "step") and node[1] in mods else None
        return self._change(_("Add module"), lambda d: d.add_module(index=at), select_from=lambda mid: ("module", mid))

    def add_step(self, kind: str) -> str | None:
        if self.model is None:
            return None
        mid = self._module_for_new_step()
        if mid is None:
            messages.inform(self, _("Add step"), _("Add a module first."))
            return None
        node = self.tree.current_node() or ()
        at = None
        if node and node[0] == "step" and node[1] == mid:
            at = self.model.draft.step_ids(mid).index(node[2]) + 1
        return self._change(_("Add {kind}").format(kind=kind_label(kind)), lambda d: d.add_step(mid, kind, index=at),
                            select_from=lambda sid: ("step", mid, sid))

    def duplicate(self) -> None:
        node = self.tree.current_node()
        if self.model is None or node is None or node[0] == "course":
            return
        if node[0] == "module":
            self._change(_("Duplicate module"), lambda d: d.duplicate_module(node[1]),
                         select_from=lambda mid: ("module", mid))
        else:
            self._change(_("Duplicate step"), lambda d: d.duplicate_step(node[1], node[2]),
                         select_from=lambda sid: ("step", node[1], sid))

    def delete(self) -> None:
        node = self.tree.current_node()
        if self.model is None or node is None or node[0] == "course":
            return
        if node[0] == "module":
            self._change(_("Delete module"), lambda d: d.remove_module(node[1]), select=("course",))
        else:
            self._change(_("Delete step"), lambda d: d.remove_step(node[1], node[2]), select=("module", node[1]))
        self.status.say(lambda: _("Deleted. Undo brings it back."))

    def move(self, node: Node, dst_module: str | None, index: int) -> None:
        """Move a module to ``index``, or a step to ``index`` of ``dst_module`` (from drag and drop)."""
        if self.model is None:
            return
        if node[0] == "module":
            self._change(_("Move module"), lambda d: d.move_module(node[1], index), select=node)
        elif node[0] == "step" and dst_module is not None:
            self._change(_("Move step"), lambda d: d.move_step(node[1], node[2], dst_module, index),
                         select_from=lambda sid: ("step", dst_module, sid))

    def move_by(self, delta: int) -> None:
        node = self.tree.current_node()
        if self.model is None or node is None or node[0] == "course":
            return
        draft = self.model.draft
        ids = draft.module_ids() if node[0] == "module" else draft.step_ids(node[1])
        i = ids.index(node[-1]) + delta
        if 0 <= i < len(ids):
            self.move(node, None if node[0] == "module" else node[1], i)

    # --- state -------------------------------------------------------------------------------------

    def _clean_changed(self, _clean: bool) -> None:
        if shiboken6.isValid(self.tree):
            self._update_actions()

    def _update_actions(self) -> None:
        has = self.model is not None
        writable = has and not self.model.read_only
        node = self.tree.current_node() if has else None
        for w in (self.add_module_btn, self.add_step_btn):
            w.setEnabled(writable)
        for w in (self.dup_btn, self.del_btn, self.up_btn, self.down_btn):
            w.setEnabled(writable and node is not None and node[0] != "course")
        self.save_btn.setEnabled(writable and self.dirty)
        self.save_action.setEnabled(writable)
        self.publish_btn.setEnabled(writable)
        self.export_btn.setEnabled(has)
        self.copy_btn.setVisible(has and self.model.read_only)
        self.banner.setVisible(has and self.model.read_only)
        self.placeholder.setVisible(not has)
        if not has:
            self.placeholder.setText(_("Choose a course above, or create a new one."))

    def retranslate(self) -> None:
        self.course_label.setText(_("Course:"))
        self.new_btn.setText(_("New course…"))
        self.copy_btn.setText(_("Copy to my library to edit…"))
        self.save_btn.setText(_("Save"))
        self.publish_btn.setText(_("Publish…"))
        self.export_btn.setText(_("Export .zhizao…"))
        self.undo_action.setText(_("Undo"))
        self.redo_action.setText(_("Redo"))
        self.add_module_btn.setText(_("Add module"))
        self.add_step_btn.setText(_("Add step"))
        self.tree.set_headers()
        for k, act in self.step_actions.items():
            act.setText(kind_label(k))
        self.dup_btn.setText(_("Duplicate"))
        self.del_btn.setText(_("Delete"))
        for b, text in ((self.up_btn, _("Move up (Alt+Up)")), (self.down_btn, _("Move down (Alt+Down)"))):
            b.setToolTip(text)
            b.setAccessibleName(text)
        self.banner.setText(_("Bundled courses are read-only. Use “Copy to my library to edit” to change this one."))
        self.refresh_courses()
        if self.model is not None:
            self.tree.rebuild(self.model.draft, self.tree.current_node())
        self._update_actions()
