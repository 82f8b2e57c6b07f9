"""The GUI on a read-only data folder opens read-only and says so once (issue 21; the README's
promise). The folder is made read-only for real: a small tmpfs remounted read-only (needs root,
as in CI; skipped with the reason elsewhere)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.context import AppContext


@pytest.fixture
def read_only_center(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a read-only tmpfs needs root (the CI runs as root)")
    point = tmp_path / "disk"
    point.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(point)], capture_output=True,
                         text=True, timeout=30)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
    data = point / "data"
    ctx = AppContext.open(data)
    admin = ctx.accounts.create_first_admin("admin", "Admin", "admin-pass")
    ctx.accounts.add_user(admin, "wang", "Wang Wei", "trainee", "trainee-pass")
    ctx.close()

    def seal(keep_logs: bool) -> None:
        if not keep_logs:
            subprocess.run(["rm", "-rf", str(data / "logs")], check=True, timeout=30)
        subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True, timeout=30)

    try:
        yield data, seal
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True, timeout=30)


@pytest.mark.parametrize("keep_logs", [True, False], ids=["with-logs-folder", "without-logs-folder"])
def test_a_read_only_data_folder_opens_read_only_with_one_warning(qapp_ready, messages, monkeypatch,
                                                                  read_only_center, keep_logs):
    from app.ui.shell import application
    from app.ui.shell.main_window import MainWindow

    data, seal = read_only_center
    seal(keep_logs)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    opened: list = []
    real_attach = MainWindow.attach

    def attach(win, ctx):
        opened.append(ctx)
        real_attach(win, ctx)

    monkeypatch.setattr(MainWindow, "attach", attach)

    def quit_when_told(parent, msg):
        result = messages(parent, msg)
        QTimer.singleShot(0, QApplication.quit)
        return result

    from app.ui.common import messages as ui_messages

    ui_messages.set_sink(quit_when_told)
    # Never hang the suite; but stopped once run_gui returns: a stray QApplication.quit() firing during a later
    # test sets Qt's quit flag, and every later event loop (qtbot.wait) returns at once without delivering events.
    guard = QTimer(singleShot=True, interval=60_000)
    guard.timeout.connect(QApplication.quit)
    guard.start()
    try:
        code = application.run_gui(argparse.Namespace(data_dir=str(data), db=None, verbose=False))
    finally:
        guard.stop()
        _settle_quits()
    assert code == 0
    assert messages.texts("error") == []
    assert len(messages.texts("warning")) == 1 and "cannot be written" in messages.texts("warning")[0]
    assert opened and opened[0].store.readonly
    assert [login for login, _name in opened[0].accounts.login_choices()] == ["admin", "wang"]


def _settle_quits() -> None:
    """Deliver, inside an application loop, any quit still queued by this test's message sink: a quit() that
    lands outside QApplication.exec() sets Qt's quit flag, and every later event loop (qtbot.wait, other tests)
    then returns at once without delivering events. exec() clears the flag when it starts and when it returns."""
    stop = QTimer(singleShot=True, interval=0)
    stop.timeout.connect(QApplication.quit)
    stop.start()
    QApplication.exec()
    stop.stop()
