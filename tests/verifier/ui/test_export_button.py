"""Certificates → Export verification page…: the button asks where, writes the page through the service,
and says where it went; a failure is one message (issue 22)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from tests.ui.conftest import login
from tests.verifier.test_export import embedded


def _panel(qtbot, window):
    window.show_login()
    login(qtbot, window, "teacher", "teach-pass")
    page = window.shell.show_page("instructor")
    page.tabs.setCurrentWidget(page.certificates)
    return page.certificates


def test_export_button_writes_the_page_where_chosen(qtbot, window, ctx, instructor, tmp_path, monkeypatch):
    panel = _panel(qtbot, window)
    assert panel.verifier_page_btn.text() == "Export verification page…"
    asked = []
    target = tmp_path / "site" / "check-certificates"  # no suffix typed: .html is added
    target.parent.mkdir()

    def choose(parent, caption, start, filters):
        asked.append((caption, filters))
        return str(target), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    qtbot.mouseClick(panel.verifier_page_btn, Qt.MouseButton.LeftButton)
    written = tmp_path / "site" / "check-certificates.html"
    assert asked == [("Export verification page", "Web pages (*.html)")]
    data = embedded(written.read_text(encoding="utf-8"))
    assert data["keys"][0]["fingerprint"] == ctx.certificates.center_keys().fingerprint()
    assert str(written) in panel.status.text()


def test_export_cancelled_or_failing(qtbot, window, ctx, instructor, tmp_path, monkeypatch, messages):
    panel = _panel(qtbot, window)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: ("", ""))
    qtbot.mouseClick(panel.verifier_page_btn, Qt.MouseButton.LeftButton)
    assert list(tmp_path.glob("**/*.html")) == [] and messages.texts() == []
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(blocker / "verify.html"), ""))
    qtbot.mouseClick(panel.verifier_page_btn, Qt.MouseButton.LeftButton)
    assert len(messages.texts()) == 1 and "could not be written" in messages.texts()[0]
