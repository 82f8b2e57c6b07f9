"""The one top-level window: setup, login/lock and the logged-in shell in a stack."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QPoint, QRect, QSize, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QStackedWidget

from app import __version__, i18n
from app.i18n import _
from app.ui.common.qt_i18n import on_language_changed
from app.ui.shell.idle import IdleWatcher
from app.ui.shell.opening import StoreOpener

# The store and the services are imported when the window attaches its context, after the
# first paint (on a thread when the start-up probe could read the database): the window shows
# at once on old PCs.
if TYPE_CHECKING:
    from app.context import AppContext, CenterProbe
    from app.services.auth import Actor
    from app.ui.shell.navigation import Shell

log = logging.getLogger(__name__)

DEFAULT_SIZE = QSize(1280, 760)
MINIMUM_SIZE = QSize(960, 600)
# An available area this small (1366×768 less a taskbar is ≈ 1366×728) gets a maximized window.
SMALL_SCREEN = QSize(1366, 800)


def default_pages(actor: Actor) -> list[type]:
    """The shell's page classes for this user; the instructor workspace only for staff."""
    from app.ui.instructor.page import InstructorPage
    from app.ui.shell.settings_page import SettingsPage
    from app.ui.trainee.catalog import CatalogPage
    from app.ui.trainee.progress_page import ProgressPage
    from app.ui.trainee.review_page import ReviewPage
    from app.ui.trainee.skills_page import SkillsPage

    pages = [CatalogPage, ProgressPage, ReviewPage, SkillsPage]
    if actor.is_staff:
        pages.append(InstructorPage)
    pages.append(SettingsPage)
    return pages


class MainWindow(QMainWindow):
    session_started = Signal(object)  # Actor
    context_ready = Signal()
    context_failed = Signal(object)  # the exception

    def __init__(self, ctx: AppContext | None = None,
                 open_context: Callable[[], AppContext] | None = None,
                 preview: CenterProbe | None = None) -> None:
        """With ``ctx`` the window is ready at once. With ``open_context`` it paints first and
        opens the store right after (see :meth:`attach`): given ``preview`` (what the start-up
        probe read) the first paint is already the set-up or login screen and the store opens
        on a thread while the user types; without it a "Starting…" page shows meanwhile."""
        super().__init__()
        self.ctx: AppContext | None = None
        self.setup_page = self.login_page = None
        self._preview = preview
        self._opener: StoreOpener | None = None
        self.actor: Actor | None = None
        self.shell: Shell | None = None
        self.setObjectName("mainWindow")
        self.setMinimumSize(MINIMUM_SIZE)
        self.resize(DEFAULT_SIZE)
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.starting = QLabel(objectName="startingLabel")
        self.stack.addWidget(self.starting)
        self.idle = IdleWatcher(10, self)
        self.idle.idle.connect(self.lock)
        self.idle.warning.connect(lambda s: self.shell.show_idle_warning(s) if self.shell is not None else None)
        self.idle.warning_cancelled.connect(lambda: self.shell.hide_idle_warning() if self.shell else None)
        self._build_menus()
        if preview is None:
            self._qt_namespace_settings()
        on_language_changed(self, self.retranslate)
        if ctx is not None:
            self.attach(ctx)
        elif open_context is not None:
            self._open_context = open_context
            if preview is not None:
                self._build_pages(None)
                self._show_page(preview.has_users, list(preview.logins))
                self.retranslate()
            # Open once the first page is on screen; the fallback covers a window never painted.
            QTimer.singleShot(1000, self._open_deferred)

    def event(self, event) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.Paint and getattr(self, "_open_context", None) is not None:
            QTimer.singleShot(0, self._open_deferred)
        return handled

    def _open_deferred(self) -> None:
        if getattr(self, "_open_context", None) is None:
            return  # already opened (paint and fallback timer both fire)
        open_context, self._open_context = self._open_context, None
        if self._preview is not None:
            self._qt_namespace_settings()
            # Queued: the worker thread emits, the GUI thread attaches.
            self._opener = StoreOpener(open_context)
            from PySide6.QtCore import Qt

            self._opener.finished.connect(self._opened, Qt.ConnectionType.QueuedConnection)
            self._opener.start()
            return
        try:
            ctx = open_context()
        except Exception as exc:  # noqa: BLE001 - reported to whoever started the window
            self.context_failed.emit(exc)
            return
        self.attach(ctx)

    def _opened(self, ctx: AppContext | None, exc: Exception | None) -> None:
        if exc is not None:
            for page in (self.setup_page, self.login_page):
                page.cancel_wait()
            self.context_failed.emit(exc)
            return
        self.attach(ctx)

    @property
    def store_pending(self) -> bool:
        """The set-up/login screen shows, the store is still opening."""
        return self.ctx is None and self.login_page is not None

    def close_store(self) -> None:
        """At exit: wait for a store still opening (a migration is never cut short), then close it."""
        opener, self._opener = self._opener, None
        if opener is not None:
            opener.join()
            if self.ctx is None and opener.result is not None:
                opener.result.close()
        if self.ctx is not None:
            self.ctx.close()

    def _build_pages(self, accounts) -> None:
        from app.ui.shell.login import LoginPage, SetupPage

        self.setup_page = SetupPage(accounts)
        self.login_page = LoginPage(accounts)
        self.stack.addWidget(self.setup_page)
        self.stack.addWidget(self.login_page)
        self.setup_page.created.connect(self._logged_in)
        self.login_page.logged_in.connect(self._logged_in)

    def _show_page(self, has_users: bool, choices: list[tuple[str, str]] | None = None) -> None:
        if has_users:
            self.login_page.prepare(None, choices)
            self.stack.setCurrentWidget(self.login_page)
        else:
            self.stack.setCurrentWidget(self.setup_page)

    def attach(self, ctx: AppContext) -> None:
        """Bind the setup/login pages to an open store and show the right one.

        Pages painted from the start-up probe keep what was typed; a submit that waited for
        the store is carried out now. Should the store disagree with the probe (another
        workstation created the first account meanwhile), the store wins."""
        self.ctx = ctx
        if self.login_page is None:
            self._build_pages(ctx.accounts)
        pages = (self.setup_page, self.login_page)
        for page in pages:
            page.bind(ctx.accounts)
        self.idle.set_minutes(ctx.settings.idle_lock_minutes())
        has_users = ctx.accounts.has_users()
        if self._preview is None or self._preview.has_users != has_users:
            for page in pages:
                page.cancel_wait()
            self._show_page(has_users)
        self.retranslate()
        self.context_ready.emit()
        for page in pages:
            page.resume()

    # --- menus -------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.lock_action = QAction(self, triggered=self.lock)  # shortcuts: _qt_namespace_settings
        self.logout_action = QAction(self, triggered=self.logout)
        self.quit_action = QAction(self, triggered=self.close)
        for a in (self.lock_action, self.logout_action):
            self.file_menu.addAction(a)
        self.file_menu.addSeparator()
        self.export_progress_action = QAction(self, triggered=self._export_progress)
        self.import_progress_action = QAction(self, triggered=self._import_progress)
        self.file_menu.addAction(self.export_progress_action)
        self.file_menu.addAction(self.import_progress_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        self.lang_menu = bar.addMenu("")
        self.lang_group = QActionGroup(self, exclusive=True)
        self.lang_actions: dict[str, QAction] = {}
        for code in i18n.available_locales():
            act = QAction(i18n.locale_display_name(code), self, checkable=True)
            act.triggered.connect(lambda _checked=False, c=code: self.change_language(c))
            self.lang_group.addAction(act)
            self.lang_menu.addAction(act)
            self.lang_actions[code] = act
        self.help_menu = bar.addMenu("")
        # F1 opens the guide at the section about the widget with the focus (app.ui.help.context).
        self.guide_action = QAction(self, triggered=self.open_context_help)
        self.guide_action.setObjectName("userGuideAction")
        self.first_steps_action = QAction(self, triggered=self.open_first_steps)
        self.first_steps_action.setObjectName("firstStepsAction")
        self.help_menu.addAction(self.guide_action)
        self.help_menu.addAction(self.first_steps_action)
        self.help_menu.addSeparator()
        self.guide_dialog = None
        self.first_steps_dialog = None
        # Available before login: employers check certificates without an account.
        self.verify_action = QAction(self, triggered=self.open_verify)
        self.verify_action.setObjectName("verifyCertificateAction")
        self.help_menu.addAction(self.verify_action)
        self.help_menu.addSeparator()
        self.about_action = QAction(self, triggered=self._about)
        self.help_menu.addAction(self.about_action)
        self.verify_dialog = None

    def _qt_namespace_settings(self) -> None:
        """What needs PySide6's ``Qt`` namespace (setting a shortcut does too), whose enum types
        cost 16-19 ms of CPU to build on first use: done after the first paint when the window
        paints from the start-up probe (issue 20)."""
        from PySide6.QtCore import Qt

        self.starting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.guide_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        # F1 from any window of the app (the guide's own included).
        self.guide_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Zhizao Academy"))
        self.starting.setText(_("Starting Zhizao Academy…"))
        self.file_menu.setTitle(_("&File"))
        self.lock_action.setText(_("&Lock screen"))
        self.logout_action.setText(_("Log &out"))
        self.quit_action.setText(_("&Quit"))
        self.lang_menu.setTitle(_("&Language"))
        self.help_menu.setTitle(_("&Help"))
        self.about_action.setText(_("&About Zhizao Academy"))
        self.verify_action.setText(_("&Verify a certificate…"))
        self.guide_action.setText(_("&User guide"))
        self.first_steps_action.setText(_("&First steps"))
        act = self.lang_actions.get(i18n.current_locale())
        if act:
            act.setChecked(True)
        logged_in = self.actor is not None
        self.lock_action.setEnabled(logged_in)
        self.logout_action.setEnabled(logged_in)
        self.export_progress_action.setText(_("&Export progress…"))
        self.import_progress_action.setText(_("&Import progress…"))
        staff = logged_in and self.actor.is_staff and self.ctx is not None and not self.ctx.store.readonly
        self.export_progress_action.setVisible(staff)
        self.import_progress_action.setVisible(staff)

    def _export_progress(self) -> None:
        from app.ui.shell.sync_actions import export_progress

        export_progress(self, self.ctx, self.actor)

    def _import_progress(self) -> None:
        from app.ui.shell.sync_actions import import_progress

        import_progress(self, self.ctx, self.actor, on_done=None)

    def change_language(self, code: str) -> None:
        if self.actor is not None:
            self.ctx.accounts.set_locale(self.actor, code)
        i18n.set_locale(code)

    def open_verify(self):
        """The Verify dialog (non-modal, one per window)."""
        from app.ui.certificates.verify_dialog import VerifyDialog

        if self.ctx is None:
            return None
        if self.verify_dialog is None:
            self.verify_dialog = VerifyDialog(self.ctx.certificates, self)
        self.verify_dialog.show()
        self.verify_dialog.raise_()
        self.verify_dialog.activateWindow()
        return self.verify_dialog

    def open_guide(self, chapter: str = "", anchor: str = ""):
        """Help → User guide (non-modal, one per window), at ``chapter``/``anchor`` when given."""
        from app.ui.help.guide_dialog import GuideDialog

        if self.guide_dialog is None:
            self.guide_dialog = GuideDialog(self)
        if chapter:
            self.guide_dialog.show_topic(chapter, anchor)
        self.guide_dialog.show()
        self.guide_dialog.raise_()
        self.guide_dialog.activateWindow()
        return self.guide_dialog

    def open_context_help(self):
        """F1: the guide's section about what has the focus (or about the page shown)."""
        from app.ui.help.context import topic_for

        in_shell = self.shell is not None and self.stack.currentWidget() is self.shell
        widget = QApplication.focusWidget()
        if self.guide_dialog is not None and widget is not None and widget.window() is self.guide_dialog:
            return self.guide_dialog  # F1 inside the guide: it is already open
        if widget is None or widget.window() is not self or (
                in_shell and not self.shell.stack.isAncestorOf(widget)):  # the navigation: the page shown
            widget = self.shell.current_page() if in_shell else self.stack.currentWidget()
        staff = self.actor is not None and self.actor.is_staff
        return self.open_guide(*topic_for(widget, staff))

    def open_first_steps(self):
        """Help → First steps: the tour again, in a small window."""
        from app.ui.help.first_steps import FirstStepsDialog, mark_seen

        if self.first_steps_dialog is None:
            self.first_steps_dialog = FirstStepsDialog(self)
            self.first_steps_dialog.accepted.connect(lambda: mark_seen(self.ctx, self.actor))
        self.first_steps_dialog.cards.show_card(0)
        self.first_steps_dialog.show()
        self.first_steps_dialog.raise_()
        self.first_steps_dialog.activateWindow()
        return self.first_steps_dialog

    def _about(self) -> None:
        from app.ui.common import messages

        messages.about(self, _("About Zhizao Academy"),
                          _("Zhizao Academy {version}\nSmart-factory training for robotics control and "
                            "AI-driven predictive maintenance.\nData folder: {path}").format(
                              version=__version__, path=self.ctx.data_dir if self.ctx else "—"))

    # --- session -------------------------------------------------------------

    def show_login(self) -> None:
        self._show_page(True)
        self.retranslate()

    def _logged_in(self, actor: Actor) -> None:
        resuming = self.shell is not None and self.actor is not None and self.actor.user_id == actor.user_id
        if not resuming:
            self._close_shell()
            self.actor = actor
            locale = self.ctx.accounts.get_locale(actor)
            if locale:
                i18n.set_locale(locale)
            else:
                self.ctx.accounts.set_locale(actor, i18n.current_locale())
            from app.ui.shell.navigation import Shell

            self.shell = Shell(self.ctx, actor, default_pages(actor), self.stack)  # parent: see Shell._page_at
            self.shell.lock_requested.connect(self.lock)
            self.shell.logout_requested.connect(self.logout)
            self.shell.settings_changed.connect(self.apply_idle_setting)
            self.stack.addWidget(self.shell)
            self._restore_geometry()
        self.stack.setCurrentWidget(self.shell)
        self.idle.start()
        self.retranslate()
        # A sensible first focus (review #37): back where the user was after an unlock, else the page's own.
        self.shell.restore_focus() if resuming else self.shell.focus_page()
        if not resuming:
            self._remind_certificates(actor)
        self.session_started.emit(actor)

    def _remind_certificates(self, actor: Actor) -> None:
        """Certificates expiring within 30 days, or expired (issue 19): said once per login, not blocking.

        When the trainee has done the refresher, the reminder offers "Renew now" instead (asked
        once the session is on screen); the service decides whether the renewal is allowed."""
        from app.ui.common import messages

        reminders = self.ctx.recertification.reminders(actor)
        renewable = self.ctx.recertification.renewable(actor)
        if renewable:
            QTimer.singleShot(0, lambda: self._offer_renewal(actor, reminders, renewable))
        elif reminders:
            messages.warn_later(self, _("Certificate renewal"), "\n\n".join(reminders))

    def _offer_renewal(self, actor: Actor, reminders: list[str], numbers: list[str]) -> None:
        from app.services.auth import ServiceError
        from app.ui.common import messages

        offer = _("You have completed the refresher, so you can renew certificate {numbers} now.").format(
            numbers=", ".join(numbers))
        if not messages.ask(self, _("Certificate renewal"), "\n\n".join([*reminders, offer]),
                            yes_label=_("Renew now")):
            return
        done = []
        for number in numbers:
            try:
                done.append(self.ctx.recertification.renew(actor, number))
            except ServiceError as exc:
                messages.warn(self, _("Certificate renewal"), str(exc))
        if done:
            messages.inform(self, _("Certificate renewal"), "\n".join(
                _("Certificate {old} is renewed as {number}, valid until {date}.").format(
                    old=info.claims.get("renews", ""), number=info.number,
                    date=i18n.format_date(info.expires_on) if info.expires_on else "—") for info in done))

    def lock(self) -> None:
        """Back to the login screen for this user; work in progress stays (and is saved)."""
        if self.actor is None or self.shell is None:
            return
        self.shell.save_state()
        self.shell.remember_focus()
        self.idle.stop()
        self.login_page.prepare(self.actor)
        self.stack.setCurrentWidget(self.login_page)
        self.retranslate()

    def logout(self) -> None:
        self._close_shell()
        self.actor = None
        self.idle.stop()
        self.show_login()

    def _close_shell(self) -> None:
        if self.shell is not None:
            self.shell.save_state()
            self._save_geometry()
            self.stack.removeWidget(self.shell)
            self.shell.deleteLater()
            self.shell = None

    def apply_idle_setting(self) -> None:
        self.idle.set_minutes(self.ctx.settings.idle_lock_minutes())

    # --- geometry, per user --------------------------------------------------

    def _available(self) -> QRect | None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry() if screen is not None else None

    def show_fitted(self, available: QRect | None = None) -> None:
        """Show the window so it fits the screen: maximized when the available area is small
        (≤ 1366×800), otherwise the default size within it, centred (never under the taskbar)."""
        if self._small(available or self._available()):
            self.showMaximized()  # as fit_to_screen would, without the Qt namespace before the first paint
            return
        self.fit_to_screen(available)
        self.show()

    @staticmethod
    def _small(avail: QRect | None) -> bool:
        return (avail is not None and not avail.isEmpty() and avail.width() <= SMALL_SCREEN.width()
                and avail.height() <= SMALL_SCREEN.height())

    def fit_to_screen(self, available: QRect | None = None) -> None:
        from PySide6.QtCore import Qt

        avail = available or self._available()
        if avail is None or avail.isEmpty():
            return
        if self._small(avail):
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
            return
        if self.isMaximized():
            self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMaximized)
        size = DEFAULT_SIZE.boundedTo(avail.size() - QSize(40, 60))   # room for the frame and title bar
        self.resize(size.expandedTo(self.minimumSize()).boundedTo(avail.size()))
        self.move(avail.center() - QPoint(self.width() // 2, self.height() // 2))
        self.keep_on_screen(avail)

    def keep_on_screen(self, available: QRect | None = None) -> None:
        """Shrink and move the window back into the available area (a geometry saved on a bigger or
        a second screen may no longer fit)."""
        avail = available or self._available()
        if avail is None or avail.isEmpty() or self.isMaximized() or self.isFullScreen():
            return
        frame = self.frameGeometry()
        extra = QSize(frame.width() - self.width(), frame.height() - self.height())
        if avail.contains(frame):
            return
        room = avail.size() - extra
        if self.minimumWidth() > room.width() or self.minimumHeight() > room.height():
            from PySide6.QtCore import Qt

            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)   # cannot fit otherwise
            return
        size = self.size().boundedTo(room)
        self.resize(size)
        frame = self.frameGeometry()
        x = min(max(frame.x(), avail.left()), avail.right() - frame.width() + 1)
        y = min(max(frame.y(), avail.top()), avail.bottom() - frame.height() + 1)
        self.move(x, y)

    def _save_geometry(self) -> None:
        if self.actor is not None and not self.ctx.store.readonly:
            data = base64.b64encode(bytes(self.saveGeometry().data())).decode("ascii")
            self.ctx.accounts.set_preference(self.actor, "window_geometry", data)

    def _restore_geometry(self) -> None:
        if self.actor is None:
            return
        data = self.ctx.accounts.get_preference(self.actor, "window_geometry")
        if data:
            self.restoreGeometry(QByteArray(base64.b64decode(data)))
            self.keep_on_screen()

    def closeEvent(self, event) -> None:
        try:
            self._close_shell()
        except Exception:
            log.exception("saving state on close failed")
        super().closeEvent(event)
