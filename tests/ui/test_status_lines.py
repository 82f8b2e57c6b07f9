"""Status lines follow a language switch (review #22): the outcome of an action is told again in the new
language, in the staff screens (accounts, certificates, course editor, settings, workstations)."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget

from app import i18n
from app.i18n import _
from app.ui.common.status_line import StatusLine
from app.ui.instructor.authoring.dialogs import PublishDialog
from tests.ui.test_authoring import _library_with, _open_fixture
from tests.ui.test_certificates_ui import _meet
from tests.ui.test_trainee_support import install_fixture

LEFT = Qt.MouseButton.LeftButton
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Same code path, cheaper argon2 parameters."""
    from argon2 import PasswordHasher

    from app.services import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _in(locale: str, render) -> str:
    """What ``render()`` says in ``locale`` (the catalog's words, not ours)."""
    before = i18n.current_locale()
    i18n.set_locale(locale)
    try:
        return render()
    finally:
        i18n.set_locale(before)


def _follows_switches(line, render) -> None:
    """``line`` shows ``render()`` in English, then in Chinese after a switch, then in English again."""
    english, chinese = _in("en", render), _in("zh_CN", render)
    assert chinese != english and CJK.search(chinese), "the catalog has no Chinese for this message"
    for locale, expected in (("en", english), ("zh_CN", chinese), ("en", english)):
        i18n.set_locale(locale)
        assert line.text() == expected, (locale, line.text())


def test_status_line_rerenders_and_drops_a_fixed_text(qtbot, qapp_ready):
    host = QWidget()
    qtbot.addWidget(host)
    line = StatusLine(host)
    line.say(lambda: _("Saved {path}").format(path="/tmp/a.xlsx"))
    _follows_switches(line, lambda: _("Saved {path}").format(path="/tmp/a.xlsx"))
    line.say_lines([lambda: _("Saved."), lambda: "wang: 12345"])
    i18n.set_locale("zh_CN")
    assert line.text() == "已保存。\nwang: 12345"
    # A fixed text (a service's refusal, translated when raised) cannot follow: the switch empties the line.
    i18n.set_locale("en")
    line.setText("This login is taken.")
    i18n.set_locale("zh_CN")
    assert line.text() == ""
    line.say(lambda: _("Saved."))
    line.clear()
    i18n.set_locale("en")
    assert line.text() == ""


def test_accounts_tab_created_message_follows_the_language(qtbot, ctx, admin, monkeypatch):
    from app.ui.instructor.accounts import AccountsPanel, NewUserDialog

    panel = AccountsPanel(ctx, admin)
    qtbot.addWidget(panel)
    panel.show()

    def fill_in(dlg):
        dlg.show()
        qtbot.keyClicks(dlg.name, "Long Name")
        qtbot.keyClicks(dlg.login, "longname")
        qtbot.keyClicks(dlg.password, "secret-12")
        qtbot.keyClicks(dlg.repeat, "secret-12")
        qtbot.mouseClick(dlg.ok_btn, LEFT)
        return QDialog.DialogCode(dlg.result())

    monkeypatch.setattr(NewUserDialog, "exec", fill_in)
    qtbot.mouseClick(panel.add_btn, LEFT)
    assert panel.status.text() == "Created longname."
    _follows_switches(panel.status, lambda: _("Created {login}.").format(login="longname"))
    assert _in("zh_CN", lambda: panel.status.text()) == "已创建 longname。"


def _shown(qtbot, panel):
    qtbot.addWidget(panel)
    panel.resize(1300, 700)
    panel.show()
    return panel


def test_certificates_tab_issued_and_revoked_follow_the_language(qtbot, qapp_ready, ctx, trainee, instructor,
                                                                 tmp_path):
    from app.ui.certificates.panel import CertificatesPanel

    course = install_fixture(ctx, tmp_path)
    panel = _shown(qtbot, CertificatesPanel(ctx, instructor))
    _meet(ctx, trainee, instructor, course)
    i18n.set_locale("zh_CN")  # issued in Chinese, read in English (review #22: it stayed Chinese)
    info = panel.issue_for("zhangwei", course)
    assert info is not None and panel.status.text() == f"已为 张伟 签发证书 {info.number}。"
    i18n.set_locale("en")
    assert panel.status.text() == f"Issued certificate {info.number} to 张伟."
    _follows_switches(panel.status, lambda: _("Issued certificate {number} to {name}.").format(
        number=info.number, name="张伟"))
    assert panel.revoke(info.number, "issued by mistake")
    _follows_switches(panel.status, lambda: _("Certificate {number} is revoked.").format(number=info.number))


def test_course_editor_published_message_follows_the_language(qtbot, qapp_ready, ctx, instructor, tmp_path,
                                                              monkeypatch):
    from app.ui.instructor.authoring import AuthoringPanel

    _library_with(ctx, tmp_path, bundled=False)
    panel = _shown(qtbot, AuthoringPanel(ctx, instructor))
    panel.refresh_courses()
    _open_fixture(panel, "library")
    monkeypatch.setattr(PublishDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    assert panel.publish()
    assert panel.status.text() == "Published version 1.1.0."
    _follows_switches(panel.status, lambda: _("Published version {version}.").format(version="1.1.0"))
    i18n.set_locale("zh_CN")
    assert panel.status.text() == "已发布版本 1.1.0。"


def test_settings_and_workstations_messages_follow_the_language(qtbot, ctx, admin):
    from app.ui.instructor.workstations import WorkstationsPanel
    from app.ui.shell.settings_page import SettingsPage

    page = SettingsPage(ctx, admin)
    qtbot.addWidget(page)
    page.show()
    qtbot.keyClicks(page.old_pw, "admin-pass")
    qtbot.keyClicks(page.new_pw, "new-pass-1")
    qtbot.keyClicks(page.rep_pw, "new-pass-2")
    qtbot.mouseClick(page.pw_btn, LEFT)
    _follows_switches(page.pw_msg, lambda: _("The passwords do not match."))
    qtbot.mouseClick(page.center_btn, LEFT)
    _follows_switches(page.center_msg, lambda: _("Saved."))

    panel = WorkstationsPanel(ctx, admin)
    qtbot.addWidget(panel)
    panel.show()
    # (Its own messages have their Chinese in a fragment, not yet in the compiled catalog.)
    # A refusal from the service is in the language it was raised in: a switch takes it away.
    panel.fp_edit.setText("not a fingerprint")
    panel._enrol()
    assert "fingerprint" in panel.enrol_msg.text()
    i18n.set_locale("zh_CN")
    assert panel.enrol_msg.text() == ""
