"""The window on a 0-byte or damaged database (issue 21): no set-up screen is offered over it;
the store's one message (the file, the newest backup to restore) reaches the user instead."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from app.context import AppContext, probe_center
from app.storage.db import DamagedDatabase
from app.ui.shell.main_window import MainWindow


@pytest.fixture
def window(qtbot, qapp_ready):
    made: list[MainWindow] = []

    def _start(data_dir) -> tuple[MainWindow, list[Exception]]:
        win = MainWindow(open_context=lambda: AppContext.open(data_dir), preview=probe_center(data_dir))
        failures: list[Exception] = []
        win.context_failed.connect(failures.append)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        made.append(win)
        return win, failures

    yield _start
    for win in made:
        win.close_store()
        win.idle.stop()
    while QApplication.overrideCursor() is not None:
        QApplication.restoreOverrideCursor()


@pytest.mark.parametrize("content", [b"", b"not a database\n" * 50])
def test_no_set_up_screen_over_an_empty_or_damaged_database(qtbot, window, tmp_path, content):
    backups = tmp_path / "backups"
    backups.mkdir()
    latest = backups / "zhizao-before-0002-20260301-090000.sqlite"
    source = AppContext.open(tmp_path / "source")
    source.close()
    latest.write_bytes((tmp_path / "source" / "zhizao.sqlite").read_bytes())
    db = tmp_path / "zhizao.sqlite"
    db.write_bytes(content)

    win, failures = window(tmp_path)
    assert win.setup_page is None or win.stack.currentWidget() is not win.setup_page
    qtbot.waitUntil(lambda: bool(failures), timeout=20000)
    assert isinstance(failures[0], DamagedDatabase)
    message = str(failures[0])
    assert str(db) in message and str(latest) in message and "zhizao db restore" in message
    assert win.ctx is None and win.setup_page is None
    assert db.read_bytes() == content
