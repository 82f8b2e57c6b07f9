"""Issue 20: the set-up/login screen paints from the start-up probe before the store is open;
what the user types then is kept, and a submit pressed too early waits and is carried out
once the store has opened (on its thread). The accounts service still checks the password."""

from __future__ import annotations

import argparse
import sys
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox

from app import i18n
from app.context import AppContext, probe_center
from app.i18n import _
from app.storage.db import StoreError
from app.ui.shell.main_window import MainWindow
from tests.ui.conftest import type_text


class HeldOpen:
    """``open_context`` for the window that opens the real store only when the test lets it."""

    def __init__(self, data_dir, fail: Exception | None = None) -> None:
        self.data_dir = data_dir
        self.fail = fail
        self.release = threading.Event()
        self.thread: str | None = None

    def __call__(self) -> AppContext:
        self.thread = threading.current_thread().name
        assert self.release.wait(30), "the test never released the store"
        if self.fail is not None:
            raise self.fail
        return AppContext.open(self.data_dir)


@pytest.fixture
def start(qtbot, qapp_ready):
    """Start a window as run_gui does (probe, then the store on a thread after the first paint)."""
    made: list[tuple[MainWindow, HeldOpen]] = []

    def _start(data_dir, fail: Exception | None = None) -> tuple[MainWindow, HeldOpen]:
        opener = HeldOpen(data_dir, fail)
        win = MainWindow(open_context=opener, preview=probe_center(data_dir))
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        made.append((win, opener))
        return win, opener

    yield _start
    for win, opener in made:
        opener.release.set()
        win.close_store()
        win.idle.stop()
    while QApplication.overrideCursor() is not None:
        QApplication.restoreOverrideCursor()


def _center_with_trainee(path) -> None:
    ctx = AppContext.open(path)
    admin = ctx.accounts.create_first_admin("admin", "管理员", "admin-pass")
    ctx.accounts.add_user(admin, "zhangwei", "张伟", "trainee", "trainee-pass")
    ctx.close()


def test_login_typed_before_the_store_is_open_waits_then_logs_in(qtbot, start, tmp_path):
    _center_with_trainee(tmp_path / "center")
    win, opener = start(tmp_path / "center")
    page = win.login_page
    assert win.store_pending and win.stack.currentWidget() is page
    assert [page.user.itemData(i) for i in range(page.user.count())] == ["zhangwei", "admin"]  # 张伟 < 管理员
    qtbot.waitUntil(lambda: opener.thread == "zhizao-open-store")  # started after the first paint
    # Set right after the first paint (they build PySide6's Qt namespace), before any typing.
    assert win.lock_action.shortcut().toString() == "Ctrl+L"
    assert win.guide_action.shortcutContext() == Qt.ShortcutContext.ApplicationShortcut
    qtbot.waitUntil(lambda: page.user.hasFocus())
    qtbot.keyClicks(page.user.lineEdit(), "zhangwei")
    qtbot.keyClick(page.user.lineEdit(), Qt.Key.Key_Return)
    qtbot.keyClicks(page.password, "trainee-pa")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)  # pressed before the store is open
    assert page.waiting and win.shell is None and page.error.isHidden()
    assert QApplication.overrideCursor().shape() == Qt.CursorShape.WaitCursor
    qtbot.keyClicks(page.password, "ss")  # still typing while it waits: nothing is lost
    opener.release.set()
    qtbot.waitUntil(lambda: win.shell is not None, timeout=20000)
    assert win.actor.login == "zhangwei" and win.stack.currentWidget() is win.shell
    assert QApplication.overrideCursor() is None and not page.waiting


def test_a_wrong_password_typed_early_is_refused_by_the_service(qtbot, start, tmp_path):
    _center_with_trainee(tmp_path / "center")
    win, opener = start(tmp_path / "center")
    page = win.login_page
    page.user.setEditText("zhangwei")
    qtbot.keyClicks(page.password, "not-the-password")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    assert page.waiting
    opener.release.set()
    qtbot.waitUntil(lambda: not page.error.isHidden(), timeout=20000)
    assert "wrong password" in page.error.text() and win.shell is None
    assert QApplication.overrideCursor() is None


def test_first_start_shows_set_up_before_the_database_exists(qtbot, start, tmp_path):
    data = tmp_path / "new"
    win, opener = start(data)
    page = win.setup_page
    assert win.stack.currentWidget() is page and win.store_pending
    assert not (data / "zhizao.sqlite").exists()
    qtbot.waitUntil(lambda: page.name.hasFocus())
    combo = page.findChild(QComboBox, "languageCombo")
    combo.setCurrentIndex(combo.findData("zh_CN"))  # before the store is open: the page follows
    assert i18n.current_locale() == "zh_CN"
    assert page.create_btn.text() == _("Create administrator") != "Create administrator"
    i18n.set_locale("en")
    type_text(qtbot, page.name, "王主任")
    qtbot.keyClicks(page.login, "director")
    qtbot.keyClicks(page.password, "director-pw")
    qtbot.keyClicks(page.repeat, "director-pw")
    qtbot.keyClick(page.repeat, Qt.Key.Key_Return)
    assert page.waiting and win.shell is None
    opener.release.set()  # created and migrated now, while the administrator "typed"
    qtbot.waitUntil(lambda: win.shell is not None, timeout=30000)
    assert win.actor.display_name == "王主任" and (data / "zhizao.sqlite").exists()
    assert win.ctx.accounts.authenticate("director", "director-pw").login == "director"


def test_the_store_wins_when_it_disagrees_with_the_probe(qtbot, start, tmp_path):
    """Another workstation created the first administrator between the probe and the open."""
    data = tmp_path / "center"
    AppContext.open(data).close()
    win, opener = start(data)
    assert win.stack.currentWidget() is win.setup_page
    _ctx = AppContext.open(data)
    _ctx.accounts.create_first_admin("admin", "Admin", "admin-password-1")
    _ctx.close()
    opener.release.set()
    qtbot.waitUntil(lambda: win.ctx is not None, timeout=20000)
    assert win.stack.currentWidget() is win.login_page
    assert win.login_page.user.itemData(0) == "admin"


def test_a_store_that_fails_to_open_is_reported_and_the_wait_dropped(qtbot, start, tmp_path):
    _center_with_trainee(tmp_path / "center")
    win, opener = start(tmp_path / "center", fail=StoreError("database upgrade failed: boom"))
    failures: list[Exception] = []
    win.context_failed.connect(failures.append)
    page = win.login_page
    page.user.setEditText("zhangwei")
    qtbot.keyClicks(page.password, "trainee-pass")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    opener.release.set()
    qtbot.waitUntil(lambda: bool(failures), timeout=20000)
    assert "boom" in str(failures[0]) and win.ctx is None and win.shell is None
    assert not page.waiting and QApplication.overrideCursor() is None


def test_without_a_probe_the_window_opens_the_store_first(qtbot, qapp_ready, tmp_path):
    """The ordinary path (PostgreSQL, a damaged or locked file): "Starting…", then the store."""
    _center_with_trainee(tmp_path / "center")
    opened: list[str] = []

    def open_context():
        opened.append(threading.current_thread().name)
        return AppContext.open(tmp_path / "center")

    win = MainWindow(open_context=open_context)
    qtbot.addWidget(win)
    assert win.stack.currentWidget() is win.starting and win.login_page is None
    win.show()
    qtbot.waitUntil(lambda: win.ctx is not None, timeout=20000)
    assert opened == [threading.main_thread().name] and win.stack.currentWidget() is win.login_page
    win.close_store()


@pytest.fixture
def gui_run(monkeypatch, messages, tmp_path):
    """run_gui as `python -m app --data-dir …` calls it, with the log and excepthook kept local."""
    from app.ui.shell import application

    monkeypatch.setattr(application, "setup_logging", lambda data_dir, verbose=False: tmp_path / "zhizao.log")
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)

    def run(data_dir) -> int:
        return application.run_gui(argparse.Namespace(data_dir=str(data_dir), db=None, verbose=False))

    return run


def test_a_damaged_database_gives_its_one_clear_message(qapp_ready, gui_run, messages, tmp_path):
    data = tmp_path / "center"
    data.mkdir()
    (data / "zhizao.sqlite").write_bytes(b"this is not a database, " * 400)
    assert probe_center(data) is None
    assert gui_run(data) == 1
    assert len(messages.texts("error")) == 1
    assert messages.texts("error")[0].startswith("The database cannot be opened:")


def test_a_database_from_a_newer_release_is_reported_after_the_login_screen(qapp_ready, gui_run, messages,
                                                                             tmp_path):
    """The probe reads it (the login screen paints), the store then refuses it with one message."""
    data = tmp_path / "center"
    _center_with_trainee(data)
    import sqlite3

    conn = sqlite3.connect(data / "zhizao.sqlite")
    conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    conn.commit()
    conn.close()
    assert probe_center(data) is not None and probe_center(data).has_users
    assert gui_run(data) == 1
    assert len(messages.texts("error")) == 1
    assert messages.texts("error")[0].startswith("The database cannot be opened:")


def test_quitting_while_the_store_opens_waits_for_it_then_closes_it(qtbot, start, tmp_path, monkeypatch):
    """A migration is never cut short: the exit waits for the opening thread, then closes the store."""
    closed: list[AppContext] = []
    real_close = AppContext.close
    monkeypatch.setattr(AppContext, "close", lambda self: (closed.append(self), real_close(self)))
    win, opener = start(tmp_path / "new")
    qtbot.waitUntil(lambda: opener.thread == "zhizao-open-store")
    win.close()
    threading.Timer(0.3, opener.release.set).start()
    win.close_store()  # what run_gui does once the event loop has ended
    assert win.ctx is None and len(closed) == 1
    assert (tmp_path / "new" / "zhizao.sqlite").exists()


def test_show_fitted_maximizes_on_a_small_screen_and_centres_on_a_large_one(qtbot, qapp_ready, tmp_path):
    """show_fitted (what run_gui calls) maximizes without the Qt namespace on the small-screen path."""
    from PySide6.QtCore import QRect

    small = MainWindow(open_context=lambda: AppContext.open(tmp_path / "a"), preview=probe_center(tmp_path / "a"))
    qtbot.addWidget(small)
    small.show_fitted(QRect(0, 0, 1366, 728))
    assert small.isMaximized() and small.isVisible()
    big = MainWindow(open_context=lambda: AppContext.open(tmp_path / "b"), preview=probe_center(tmp_path / "b"))
    qtbot.addWidget(big)
    screen = QRect(0, 0, 1920, 1040)
    big.show_fitted(screen)
    assert not big.isMaximized() and big.isVisible() and big.width() >= 1200
    for win in (small, big):
        qtbot.waitUntil(lambda w=win: w.ctx is not None, timeout=20000)
        win.close_store()
