"""One course: its modules and steps with their status on the left, the open step on the right."""

from __future__ import annotations

import logging

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QKeySequence, QPainter, QPen, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_number, format_percent
from app.services.errors import WRITE_ERRORS
from app.services.progress import CourseProgress, StepStatus
from app.ui.common.content import content_text, level_label, track_label
from app.ui.common.qt_i18n import on_language_changed
from app.ui.trainee.steps import make_step_view

log = logging.getLogger(__name__)

KEY_ROLE = Qt.ItemDataRole.UserRole
STATUS_ROLE = Qt.ItemDataRole.UserRole + 1  # (text, colour) under a step's title; a module's "n/m"
RESUME_PREF = "resume_step"  # "course-id|module/step": reopened after a restart
TREE_PREF = "course_tree"    # "hidden" when the trainee folded the steps list away
TREE_WIDTH = 260             # the steps list's first width: a lab beside it needs ~850 px at 1366 px
TREE_SHORTCUT = "Ctrl+B"

_COLOURS = {
    StepStatus.NOT_STARTED: "#6b7a89",
    StepStatus.IN_PROGRESS: "#2f6fab",
    StepStatus.PASSED: "#1a7f37",
    StepStatus.FAILED: "#b42318",
    StepStatus.AWAITING_SIGNOFF: "#9a6700",
}


def status_text(status: StepStatus, kind: str) -> str:
    """The status in words (the icon's colour is never the only cue)."""
    if status is StepStatus.PASSED:
        return {"lesson": _("Read"), "practical": _("Signed off")}.get(kind, _("Passed"))
    if status is StepStatus.FAILED:
        return _("Not passed")
    if status is StepStatus.IN_PROGRESS:
        return _("In progress")
    if status is StepStatus.AWAITING_SIGNOFF:
        return _("Awaiting sign-off")
    return _("Not started")


def kind_label(kind: str) -> str:
    return {"lesson": _("Lesson"), "quiz": _("Quiz"), "lab": _("Lab"), "practical": _("Practical")}.get(kind, kind)


_icon_cache: dict[StepStatus, QIcon] = {}


def status_icon(status: StepStatus) -> QIcon:
    """A small round badge: empty, half, tick, cross or clock, in the status colour."""
    if status in _icon_cache:
        return _icon_cache[status]
    size = 32  # drawn large, shown small: crisp on high-DPI screens
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(_COLOURS[status])
    rect = QRectF(3, 3, size - 6, size - 6)
    pen = QPen(colour, 3)
    p.setPen(pen)
    if status is StepStatus.NOT_STARTED:
        p.drawEllipse(rect)
    elif status is StepStatus.IN_PROGRESS:
        p.drawEllipse(rect)
        p.setBrush(colour)
        p.drawPie(rect, 90 * 16, 180 * 16)
    else:
        p.setBrush(colour)
        p.drawEllipse(rect)
        p.setPen(QPen(QColor("white"), 3.5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        c = size / 2
        if status is StepStatus.PASSED:
            p.drawPolyline([QPointF(c - 7, c), QPointF(c - 2, c + 6), QPointF(c + 8, c - 6)])
        elif status is StepStatus.FAILED:
            p.drawLine(QPointF(c - 6, c - 6), QPointF(c + 6, c + 6))
            p.drawLine(QPointF(c + 6, c - 6), QPointF(c - 6, c + 6))
        else:
            p.drawLine(QPointF(c, c - 8), QPointF(c, c))
            p.drawLine(QPointF(c, c), QPointF(c + 6, c + 4))
    p.end()
    icon = QIcon(pix)
    _icon_cache[status] = icon
    return icon


class StepDelegate(QStyledItemDelegate):
    """Draws a step as its title with the status in words, in colour, on a second line."""

    PAD = 6

    def _lines(self, option) -> tuple[QFontMetrics, QFontMetrics]:
        small = option.font
        small.setPointSizeF(max(7.0, option.font.pointSizeF() - 1))
        return QFontMetrics(option.font), QFontMetrics(small)

    def sizeHint(self, option, index) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        big, small = self._lines(opt)
        if index.data(KEY_ROLE):
            return QSize(opt.rect.width(), big.height() + small.height() + 2 * self.PAD + 2)
        return QSize(opt.rect.width(), big.height() + 2 * self.PAD)

    def paint(self, painter: QPainter, option, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget else None
        title = opt.text
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        opt.text = ""
        opt.icon = QIcon()
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        painter.save()
        rect = opt.rect.adjusted(4, self.PAD, -6, -self.PAD)
        status = index.data(STATUS_ROLE)
        if isinstance(icon, QIcon) and not icon.isNull():
            size = 18
            icon.paint(painter, QRect(rect.left(), rect.top() + (rect.height() - size) // 2, size, size))
            rect.setLeft(rect.left() + size + 8)
        big, small = self._lines(opt)
        painter.setFont(opt.font)
        painter.setPen(QColor("#1f2d3d"))
        if index.data(KEY_ROLE):
            painter.drawText(QRect(rect.left(), rect.top(), rect.width(), big.height()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             big.elidedText(title, Qt.TextElideMode.ElideRight, rect.width()))
            if status:
                text, colour = status
                font = opt.font
                font.setPointSizeF(max(7.0, opt.font.pointSizeF() - 1))
                painter.setFont(font)
                painter.setPen(QColor(colour))
                painter.drawText(QRect(rect.left(), rect.top() + big.height() + 2, rect.width(), small.height()),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                 small.elidedText(text, Qt.TextElideMode.ElideRight, rect.width()))
        else:
            count = status or ""
            count_w = big.horizontalAdvance(count) + 4 if count else 0
            painter.drawText(QRect(rect.left(), rect.top(), rect.width() - count_w, rect.height()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             big.elidedText(title, Qt.TextElideMode.ElideRight, rect.width() - count_w))
            if count:
                painter.setPen(QColor("#4a5a6a"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, count)
        painter.restore()



class CourseView(QWidget):
    """Emits ``back_requested`` for the back button, Alt+Left or Escape."""

    back_requested = Signal()
    progress_changed = Signal()

    def __init__(self, ctx, actor, course, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("courseView")
        self.ctx = ctx
        self.actor = actor
        self.course = course
        self.view: QWidget | None = None
        self.current_key: str | None = None
        self.progress: CourseProgress | None = None
        self.items: dict[str, QTreeWidgetItem] = {}
        self.module_items: dict[str, QTreeWidgetItem] = {}

        root = QVBoxLayout(self)
        root.setContentsMargins(16, 12, 16, 8)
        root.setSpacing(8)
        head = QHBoxLayout()
        self.back_btn = QPushButton(objectName="backButton")
        self.back_btn.setAutoDefault(False)
        self.back_btn.clicked.connect(self.back_requested)
        head.addWidget(self.back_btn, 0, Qt.AlignmentFlag.AlignTop)
        # Hides the steps list, giving a lab or lesson the whole width (Ctrl+B or drag the divider).
        self.tree_btn = QPushButton(objectName="toggleTree", checkable=True, checked=True)
        self.tree_btn.setAutoDefault(False)
        self.tree_btn.toggled.connect(self.set_tree_visible)
        head.addWidget(self.tree_btn, 0, Qt.AlignmentFlag.AlignTop)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self.title = QLabel(objectName="pageTitle", wordWrap=True)
        self.meta = QLabel(objectName="cardMeta", wordWrap=True)
        titles.addWidget(self.title)
        titles.addWidget(self.meta)
        head.addLayout(titles, 1)
        side = QVBoxLayout()
        side.setSpacing(4)
        self.bar = QProgressBar(objectName="courseProgress")
        self.bar.setRange(0, 100)
        self.bar.setMinimumWidth(200)
        self.continue_btn = QPushButton(objectName="continueButton")
        self.continue_btn.setAutoDefault(False)
        self.continue_btn.setProperty("primary", True)
        self.continue_btn.clicked.connect(self.continue_course)
        side.addWidget(self.bar)
        side.addWidget(self.continue_btn)
        head.addLayout(side)
        root.addLayout(head)
        self.done_banner = QLabel(objectName="doneBanner", wordWrap=True)
        self.done_banner.hide()
        root.addWidget(self.done_banner)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, objectName="courseSplitter")
        self.tree = QTreeWidget(objectName="courseTree")
        self.tree.setColumnCount(1)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(14)
        self.tree.setUniformRowHeights(False)
        self.tree.setItemDelegate(StepDelegate(self.tree))
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.itemClicked.connect(self._item_chosen)
        self.tree.itemActivated.connect(self._item_chosen)
        self.splitter.addWidget(self.tree)
        self.host = QStackedWidget(objectName="stepHost")
        self.splitter.addWidget(self.host)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([TREE_WIDTH, 860])
        self.splitter.setCollapsible(0, True)    # the steps list folds away completely
        self.splitter.setCollapsible(1, False)
        self.splitter.splitterMoved.connect(self._splitter_moved)
        self.tree.setMinimumWidth(180)
        self._tree_width = TREE_WIDTH
        root.addWidget(self.splitter, 1)

        ctx_ = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Alt+Left"), self, activated=self.back_requested.emit, context=ctx_)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.back_requested.emit, context=ctx_)
        QShortcut(QKeySequence(TREE_SHORTCUT), self, activated=self.tree_btn.toggle, context=ctx_)

        self._build_tree()
        if self._pref(TREE_PREF) == "hidden":
            self.tree_btn.setChecked(False)
        try:
            self.ctx.progress.enroll(actor, course.id, course.version)
        except WRITE_ERRORS:
            log.warning("cannot store the enrollment in %s", course.id)
        on_language_changed(self, self.retranslate)

    # --- the steps list: shown or folded away ----------------------------------------------------

    def tree_visible(self) -> bool:
        return not self.tree.isHidden() and self.splitter.sizes()[0] > 0

    def set_tree_visible(self, show: bool) -> None:
        """Show or fold away the steps list (remembered for the next course opened)."""
        sizes = self.splitter.sizes()
        total = sum(sizes) or self.splitter.width()
        if show:
            self.tree.setHidden(False)
            if self.splitter.sizes()[0] == 0:
                width = max(self.tree.minimumWidth(), min(self._tree_width, total // 2))
                self.splitter.setSizes([width, max(1, total - width)])
        else:
            if sizes[0] > 0:
                self._tree_width = sizes[0]
            self.tree.setHidden(True)
        self._sync_tree_button(show)

    def _splitter_moved(self, _pos: int, _index: int) -> None:
        self._sync_tree_button(self.tree_visible())

    def _sync_tree_button(self, shown: bool) -> None:
        if self.tree_btn.isChecked() != shown:
            self.tree_btn.blockSignals(True)
            self.tree_btn.setChecked(shown)
            self.tree_btn.blockSignals(False)
        self._tree_button_text()
        if self._pref(TREE_PREF) != ("" if shown else "hidden"):
            try:
                self.ctx.accounts.set_preference(self.actor, TREE_PREF, "" if shown else "hidden")
            except WRITE_ERRORS:
                pass

    def _tree_button_text(self) -> None:
        shown = self.tree_btn.isChecked()
        self.tree_btn.setText(_("◀ Steps") if shown else _("▶ Steps"))
        self.tree_btn.setToolTip((_("Hide the list of steps ({key})") if shown
                                  else _("Show the list of steps ({key})")).format(key=TREE_SHORTCUT))

    def _pref(self, key: str) -> str:
        try:
            return self.ctx.accounts.get_preference(self.actor, key) or ""
        except WRITE_ERRORS:
            return ""

    # --- tree and status ---------------------------------------------------------------------

    def _build_tree(self) -> None:
        self.tree.clear()
        self.items.clear()
        self.module_items.clear()
        for module in self.course.modules:
            mitem = QTreeWidgetItem(self.tree)
            mitem.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = mitem.font(0)
            font.setBold(True)
            mitem.setFont(0, font)
            self.module_items[module.id] = mitem
            for step in module.steps:
                key = step.key
                item = QTreeWidgetItem(mitem)
                item.setData(0, KEY_ROLE, key)
                self.items[key] = item
            mitem.setExpanded(True)

    def retranslate(self) -> None:
        c = self.course
        self.back_btn.setText(_("← Catalog"))
        self.back_btn.setToolTip(_("Back to the catalog (Alt+Left or Esc)"))
        self._tree_button_text()
        self.title.setText(content_text(c.title))
        self.meta.setText(_("{track} · {level} · {hours} h · version {version}").format(
            track=track_label(c.track), level=level_label(c.level), hours=format_number(c.estimated_hours),
            version=c.version))
        self.tree.setAccessibleName(_("Modules and steps"))
        for module in c.modules:
            self.module_items[module.id].setText(0, content_text(module.title))
            for step in module.steps:
                item = self.items[step.key]
                item.setText(0, content_text(step.title))
        self.refresh()

    def refresh(self) -> None:
        """Read the statuses again (after a step recorded something)."""
        prog = self.ctx.progress.course_progress(self.actor, self.actor.user_id, self.course.id,
                                                 self.course.step_kinds())
        self.progress = prog
        for module in self.course.modules:
            done = 0
            for step in module.steps:
                key = step.key
                status = prog.status(key)
                done += status is StepStatus.PASSED
                item = self.items[key]
                text = status_text(status, step.kind)
                item.setIcon(0, status_icon(status))
                item.setData(0, STATUS_ROLE, (text, _COLOURS[status]))
                minutes = step.estimated_minutes
                tip = _("{kind} · {status}").format(kind=kind_label(step.kind), status=text)
                if minutes:
                    tip += " · " + _("about {n} min").format(n=format_number(minutes))
                item.setToolTip(0, f"{content_text(step.title)}\n{tip}")
                item.setData(0, Qt.ItemDataRole.AccessibleTextRole,
                             f"{content_text(step.title)}, {kind_label(step.kind)}, {text}")
            mitem = self.module_items[module.id]
            mitem.setData(0, STATUS_ROLE, f"{done}/{len(module.steps)}")
            mitem.setToolTip(0, _("{done} of {total} steps done").format(done=done, total=len(module.steps)))
        self.bar.setValue(round(prog.fraction * 100))
        self.bar.setFormat(_("{percent} complete").format(percent=format_percent(prog.fraction)))
        nxt = prog.next_incomplete(self.course.step_keys(), after=self.current_key)
        self._offer_certificate(prog)
        if prog.complete:
            self.continue_btn.setText(_("Course complete"))
            self.continue_btn.setEnabled(False)
            self.done_banner.setText(_("✔ You have completed every step of this course."))
            self.done_banner.show()
            try:
                self.ctx.progress.mark_course_completed(self.actor, self.course.id, self.course.version)
            except WRITE_ERRORS:
                log.warning("cannot mark %s completed", self.course.id)
        else:
            self.continue_btn.setText(_("Continue ▶"))
            self.continue_btn.setEnabled(nxt is not None and nxt != self.current_key)
            self.continue_btn.setToolTip(_("Go to the next step you have not finished"))
            self.done_banner.hide()
        self.progress_changed.emit()

    def _offer_certificate(self, prog: CourseProgress) -> None:
        """Issue the certificate once the passing rules are met (cheap when nothing changed)."""
        if self.course.certificate is None:
            return
        try:
            from app.ui.certificates.actions import offer_certificate
        except ImportError:  # certificates not installed in this build
            log.exception("the certificate module cannot be loaded")
            return
        offer_certificate(self, self.ctx, self.actor, self.course, prog)

    def status(self, key: str) -> StepStatus:
        return self.progress.status(key) if self.progress else StepStatus.NOT_STARTED

    # --- opening steps -----------------------------------------------------------------------

    def _item_chosen(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        key = item.data(0, KEY_ROLE)
        if key:
            self.open_step(key)
        elif item.childCount():
            item.setExpanded(True)

    def continue_course(self) -> None:
        prog = self.progress
        if prog is None:
            return
        nxt = prog.next_incomplete(self.course.step_keys(), after=self.current_key)
        if nxt:
            self.open_step(nxt)

    def open_step(self, key: str) -> QWidget | None:
        if key == self.current_key and self.view is not None:
            return self.view
        module_id, _sep, step_id = key.partition("/")
        module = self.course.module(module_id)
        step = module.step(step_id) if module else None
        if step is None:
            return None
        self.leave_step()
        view = make_step_view(step.kind, self.ctx, self.actor, self.course, module, step)
        for name in ("completed", "status_changed"):
            sig = getattr(view, name, None)
            if sig is not None:
                sig.connect(self.refresh)
        self.host.addWidget(view)
        self.host.setCurrentWidget(view)
        self.view = view
        self.current_key = key
        item = self.items.get(key)
        if item is not None:
            self.tree.setCurrentItem(item)
        self._remember(key)
        self.refresh()
        return view

    def leave_step(self) -> None:
        """Close the open step, letting it store its time and draft first."""
        view = self.view
        if view is None:
            return
        try:
            (getattr(view, "leave", None) or getattr(view, "save_state", lambda: None))()
        except Exception:
            log.exception("leaving step %s failed", self.current_key)
        self.host.removeWidget(view)
        view.hide()
        view.deleteLater()
        self.view = None
        self.current_key = None

    def save_state(self) -> None:
        if self.view is not None and hasattr(self.view, "save_state"):
            self.view.save_state()

    def close_course(self) -> None:
        self.leave_step()
        self._forget()

    def _remember(self, key: str) -> None:
        try:
            self.ctx.accounts.set_preference(self.actor, RESUME_PREF, f"{self.course.id}|{key}")
        except WRITE_ERRORS:
            pass

    def _forget(self) -> None:
        try:
            self.ctx.accounts.set_preference(self.actor, RESUME_PREF, "")
        except WRITE_ERRORS:
            pass
