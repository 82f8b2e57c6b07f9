"""The logged-in part of the main window: navigation on the left, pages on the right.

Keyboard (review #31, #37): Enter presses the focused button on every page (outside dialogs Qt's
buttons ignore it); Esc in the navigation and a second click on the page already shown take the
page back to its start (``go_back``: the catalog closes an open course); after login the page's
first focus is set, and after an unlock the focus returns where it was.

A page is built when it is first shown or asked for (``page``), not at login: a page class whose
``title`` is a classmethod names itself in the navigation without being built. A page whose title
needs its data (Review's count of due cards) is built at login (issue 20).
"""

from __future__ import annotations

import inspect

import shiboken6
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.context import AppContext
from app.i18n import _, ngettext
from app.services.auth import Actor, role_label
from app.ui.common.page import Page
from app.ui.common.qt_i18n import on_language_changed


class Shell(QWidget):
    lock_requested = Signal()
    logout_requested = Signal()
    settings_changed = Signal()

    def __init__(self, ctx: AppContext, actor: Actor, page_classes: list[type[Page]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        root = QHBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        side = QWidget(objectName="sidebar")
        side.setFixedWidth(210)
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(12, 16, 12, 12)
        self.brand = QLabel(objectName="brand")
        side_lay.addWidget(self.brand)
        self.nav = QListWidget(objectName="nav")
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        side_lay.addWidget(self.nav, 1)
        self.user_label = QLabel(objectName="userLabel", wordWrap=True)
        side_lay.addWidget(self.user_label)
        btns = QHBoxLayout()
        self.lock_btn = QPushButton(objectName="lockButton")
        self.logout_btn = QPushButton(objectName="logoutButton")
        self.lock_btn.clicked.connect(self.lock_requested)
        self.logout_btn.clicked.connect(self.logout_requested)
        btns.addWidget(self.lock_btn)
        btns.addWidget(self.logout_btn)
        side_lay.addLayout(btns)
        root.addWidget(side)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        # The idle-lock countdown (review #21): above the page, pushing it down, never covering it.
        self.idle_banner = QLabel(objectName="idleBanner", wordWrap=True)
        self.idle_banner.setStyleSheet("#idleBanner { background: #fff3cd; color: #5c3c00; padding: 8px 16px;"
                                       " border-bottom: 1px solid #e0c36c; font-weight: bold; }")
        self.idle_banner.hide()
        self._idle_seconds = 0
        right.addWidget(self.idle_banner)
        self.stack = QStackedWidget(objectName="pages")
        right.addWidget(self.stack, 1)
        root.addLayout(right, 1)
        self._classes = list(page_classes)
        self._pages: list[Page | None] = [None] * len(self._classes)
        for row, cls in enumerate(self._classes):
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, cls.key)
            self.nav.addItem(item)
            if not inspect.ismethod(cls.title):  # its title needs the page: built now
                self._page_at(row)
        self.nav.currentRowChanged.connect(self._show)
        self.nav.itemClicked.connect(self._clicked)
        self.nav.installEventFilter(self)
        self.nav.viewport().installEventFilter(self)
        self._row_at_press = -1
        self._focus: QWidget | None = None
        for i in range(min(9, len(self._classes))):
            QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self, activated=lambda i=i: self._jump(i))
        on_language_changed(self, self.retranslate)
        self.nav.setCurrentRow(0)
        self._locked_to: QWidget | None = None
        from app.ui.trainee.exam_view import attach_exam  # issue 19: an open exam locks the shell to it

        attach_exam(self)

    def _page_at(self, row: int) -> Page:
        """The page in navigation row ``row``, built now if it was not yet (in the current language:
        pages translate themselves when built)."""
        page = self._pages[row]
        if page is None:
            # Made in its place: a widget tree made parentless gets its style again, widget by widget,
            # when added (with the shell's own parent: 15 of 60 ms of a login's CPU).
            page = self._pages[row] = self._classes[row](self.ctx, self.actor, self.stack)
            page.open_requested.connect(self.open_item)
            page.settings_changed.connect(self.settings_changed)
            page.title_changed.connect(lambda r=row: self._retitle(r))
            self.stack.addWidget(page)
        return page

    def _title(self, row: int) -> str:
        page = self._pages[row]
        return page.title() if page is not None else self._classes[row].title()

    def _retitle(self, row: int) -> None:
        """A page's title changed (the Review page's count of due cards)."""
        self.nav.item(row).setText(self._title(row))

    def retranslate(self) -> None:
        self.brand.setText(_("Zhizao Academy"))
        for row in range(len(self._classes)):
            self._retitle(row)
        self.user_label.setText(_("{name}\n{role}").format(name=self.actor.display_name,
                                                           role=role_label(self.actor.role)))
        self.lock_btn.setText(_("Lock"))
        self.logout_btn.setText(_("Log out"))
        self._idle_text()

    # --- the idle-lock warning ---------------------------------------------------------------

    def show_idle_warning(self, seconds: int) -> None:
        self._idle_seconds = seconds
        self._idle_text()
        self.idle_banner.show()

    def hide_idle_warning(self) -> None:
        self.idle_banner.hide()

    def _idle_text(self) -> None:
        # Kept as a number and rendered here, so a language switch during the countdown re-renders it.
        n = self._idle_seconds
        self.idle_banner.setText(ngettext(
            "The screen locks in {n} second because nothing was pressed. Move the mouse or press a key to "
            "stay; your work is saved either way.",
            "The screen locks in {n} seconds because nothing was pressed. Move the mouse or press a key to "
            "stay; your work is saved either way.", n).format(n=n))

    def _show(self, row: int) -> None:
        if self.locked_to() is not None:
            return
        if 0 <= row < len(self._classes):
            page = self._page_at(row)
            self.stack.setCurrentWidget(page)
            page.activated()

    def _jump(self, row: int) -> None:
        """Ctrl+1…9: that page, with the keyboard focus in it (not left behind in the previous page)."""
        if self.locked_to() is not None:
            return
        self.nav.setCurrentRow(row)
        self.focus_page()

    def _clicked(self, item: QListWidgetItem) -> None:
        # A click on the row that was already shown (before the press) takes its page back to its start.
        if self.nav.row(item) == self._row_at_press:
            self.go_back()

    def go_back(self) -> bool:
        """The current page back to its start (the catalog from an open course); False if already there."""
        if self.locked_to() is not None:
            return False
        page = self.current_page()
        back = getattr(page, "go_back", None)
        return bool(back()) if callable(back) else False

    def current_page(self) -> Page | None:
        row = self.nav.currentRow()
        return self._page_at(row) if 0 <= row < len(self._classes) else None

    def eventFilter(self, obj, event) -> bool:
        if obj is self.nav and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            return self.go_back()
        if obj is self.nav.viewport() and event.type() == QEvent.Type.MouseButtonPress:
            self._row_at_press = self.nav.currentRow()
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event) -> None:
        # A key no widget took reaches the shell: Enter presses the focused button, as Space does.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() in (
                Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            button = self.focusWidget()
            if isinstance(button, QAbstractButton) and button.isEnabled() and button.isVisible():
                button.animateClick()
                event.accept()
                return
        super().keyPressEvent(event)

    # --- focus -------------------------------------------------------------------------------

    def focus_page(self) -> None:
        """Give the page shown its first focus: its own ``focus_first``, else its first focusable field."""
        page = self.current_page()
        if page is None:
            return
        first = getattr(page, "focus_first", None)
        if callable(first) and first():
            return
        w = page.nextInFocusChain()
        while w is not None and w is not page:
            if (page.isAncestorOf(w) and w.isVisibleTo(page) and w.isEnabled()
                    and w.focusPolicy() & Qt.FocusPolicy.TabFocus):
                w.setFocus(Qt.FocusReason.OtherFocusReason)
                return
            w = w.nextInFocusChain()
        self.nav.setFocus()

    def remember_focus(self) -> None:
        w = self.focusWidget()
        self._focus = w if w is not None and self.isAncestorOf(w) else None

    def restore_focus(self) -> None:
        w, self._focus = self._focus, None
        if w is not None and shiboken6.isValid(w) and w.isVisible():
            w.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.focus_page()

    def _row(self, key: str) -> int:
        return next((row for row, cls in enumerate(self._classes) if cls.key == key), -1)

    def page(self, key: str) -> Page | None:
        """Page ``key`` (built now if it was not yet, without showing it); None if this user has none."""
        row = self._row(key)
        return self._page_at(row) if row >= 0 else None

    def show_page(self, key: str) -> Page | None:
        if self.locked_to() is not None:
            return None
        row = self._row(key)
        if row < 0:
            return None
        self.nav.setCurrentRow(row)
        return self._page_at(row)

    def open_item(self, key: str, item: object) -> None:
        """Show page ``key`` and, on it, ``item`` (what another page asked for)."""
        page = self.show_page(key)
        if page is not None:
            page.show_item(item)

    # --- the exam lock (issue 19) -------------------------------------------------------------

    def lock_to(self, widget: QWidget | None) -> None:
        """Show ``widget`` alone: the navigation, Ctrl+1…9 and requests to open pages do nothing until
        ``lock_to(None)`` (a running exam: no lessons, no other courses, no other pages)."""
        previous, self._locked_to = self._locked_to, widget
        if previous is not None and previous is not widget:
            self.stack.removeWidget(previous)
            previous.deleteLater()
        self.nav.setEnabled(widget is None)
        if widget is not None:
            self.stack.addWidget(widget)
            self.stack.setCurrentWidget(widget)
        else:
            self._show(self.nav.currentRow())

    def locked_to(self) -> QWidget | None:
        w = getattr(self, "_locked_to", None)
        return w if w is not None and shiboken6.isValid(w) else None

    def page_keys(self) -> list[str]:
        return [cls.key for cls in self._classes]

    def built_pages(self) -> list[Page]:
        """The pages built so far (shown, or asked for by ``page``)."""
        return [p for p in self._pages if p is not None]

    def save_state(self) -> None:
        for page in self.built_pages():
            page.save_state()
