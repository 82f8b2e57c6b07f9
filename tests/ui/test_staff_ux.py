"""The administrator's and instructor's screens, driven as a user would (review ux-2026-12, issue 14 GUI)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.services.auth import SYSTEM, Role
from app.storage.models import User
from app.ui.instructor.workstations import WorkstationsPanel
from app.ui.shell.sync_actions import import_progress
from tests.attacks.test_sync_attacks import Site
from tests.ui.conftest import login, type_text

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Same code path, cheaper argon2 parameters: the site makes several accounts."""
    from argon2 import PasswordHasher

    from app.services import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def site(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ZHIZAO_LANG", "en")
    s = Site(tmp_path, capsys)
    yield s
    s.center.close()
    s.ws.close()


def _import(qtbot, panel, site, bundle) -> list[tuple[str, bool]]:
    got: list[tuple[str, bool]] = []
    import_progress(panel, site.center, site.admin, bundle, on_done=lambda m, e: got.append((m, e)))
    qtbot.waitUntil(lambda: bool(got), timeout=30000)
    return got


def _role_of(ctx, login_name: str) -> str | None:
    with ctx.store.session() as s:
        return s.scalar(select(User.role).where(User.login == login_name))


def test_workstations_screen_enrols_by_fingerprint_and_import_reports(qtbot, messages, site):
    panel = WorkstationsPanel(site.center, site.admin)
    qtbot.addWidget(panel)
    panel.resize(1300, 640)
    panel.show()
    assert panel.own_fp.text() == site.fingerprint(site.center)  # the same as `zhizao sync enroll` shows
    ws_fp = site.fingerprint(site.ws)

    site.ws.accounts.add_user(SYSTEM, "deputy", "Deputy", Role.ADMIN, "deputy-pass")
    site.ws.accounts.add_user(SYSTEM, "wu", "吴", Role.TRAINEE, "secret-wu")
    bundle = site.export()

    # Not enrolled yet: refused whole, and the message says where to enrol it in this window.
    got = _import(qtbot, panel, site, bundle)
    assert got[0][1] and ws_fp in got[0][0] and "Instructor workspace → Workstations → Enrol" in got[0][0]
    assert _role_of(site.center, "wu") is None

    # A typo in the fingerprint: said beside the field, no confirmation, nothing enrolled.
    qtbot.keyClicks(panel.fp_edit, "K7QW-3MZD")
    qtbot.mouseClick(panel.enrol_btn, LEFT)
    assert "is not a workstation fingerprint" in panel.enrol_msg.text() and not messages.shown
    assert panel.model.rowCount() == 0

    # Pasted in lower case without dashes: the confirmation shows it in groups to compare.
    panel.fp_edit.clear()
    qtbot.keyClicks(panel.fp_edit, ws_fp.replace("-", "").lower())
    qtbot.keyClicks(panel.name_edit, "Office")
    panel.kind.setCurrentIndex(panel.kind.findData(Role.ADMIN.value))
    messages.answer("yes")
    qtbot.mouseClick(panel.enrol_btn, LEFT)
    assert ws_fp in messages.shown[-1].text and "Office" in messages.shown[-1].text
    assert panel.model.rowCount() == 1
    row = [panel.model.index(0, c).data() for c in range(panel.model.columnCount())]
    assert row[:4] == ["Office", ws_fp, "Administrator workstation", "admin"] and "nothing imported" in row[5]
    assert panel.model.index(0, 1).data(Qt.ItemDataRole.FontRole).bold()  # the fingerprint stands out

    # Imported: the report names the sender and lists the refused escalation; the administrator
    # is asked, with the change listed, and approving imports it.
    messages.answer("yes")
    got = _import(qtbot, panel, site, bundle)
    qtbot.waitUntil(lambda: len(got) == 2, timeout=30000)
    first, second = got[0][0], got[1][0]
    assert f"Bundle from workstation Office ({ws_fp})" in first and "2 records were refused" in first
    assert "A new administrator account deputy" in first
    question = messages.shown[-1]
    assert question.title == "Approve administrator changes?"
    assert "• A new administrator account deputy" in question.text
    assert "Approved: new administrator deputy." in second
    assert _role_of(site.center, "deputy") == "admin" and _role_of(site.center, "wu") == "trainee"

    # Revoked: its bundles are refused again, and the hint says it was revoked.
    panel.refresh()
    panel.table.selectRow(0)
    messages.answer("yes")
    qtbot.mouseClick(panel.revoke_btn, LEFT)
    assert panel.status.text() == f"Revoked Office ({ws_fp})."
    assert "Revoked" in panel.model.index(0, 5).data()
    assert not site.center.workstations.get(site.admin, ws_fp).active
    got = _import(qtbot, panel, site, bundle)
    assert got[0][1] and "was revoked" in got[0][0] and "enrol it again" in got[0][0]


def test_an_instructor_is_told_to_ask_an_administrator(qtbot, site):
    panel = WorkstationsPanel(site.center, site.admin)
    qtbot.addWidget(panel)
    bundle = site.export()
    got: list[tuple[str, bool]] = []
    import_progress(panel, site.center, site.teacher, bundle, on_done=lambda m, e: got.append((m, e)))
    qtbot.waitUntil(lambda: bool(got), timeout=30000)
    fp = site.fingerprint(site.ws)
    assert got[0][1] and f"Ask an administrator of this center to compare the fingerprint {fp}" in got[0][0]


def test_escalation_declined_imports_nothing_more(qtbot, messages, site):
    panel = WorkstationsPanel(site.center, site.admin)
    qtbot.addWidget(panel)
    site.center.workstations.enroll(site.admin, site.fingerprint(site.ws), "Office", Role.ADMIN)
    site.ws.accounts.add_user(SYSTEM, "deputy", "Deputy", Role.ADMIN, "deputy-pass")
    messages.answer("no")
    got = _import(qtbot, panel, site, site.export())
    qtbot.wait(200)
    assert len(got) == 1 and messages.shown[-1].level == "question"
    assert _role_of(site.center, "deputy") is None


def test_workstations_tab_for_administrators_only_and_fingerprint_in_settings(qtbot, window, ctx, admin,
                                                                             instructor):
    window.show_login()
    login(qtbot, window, "teacher", "teach-pass")
    page = window.shell.page("instructor")
    assert page.workstations is None
    settings = window.shell.page("settings")
    assert settings.sync_fp.text() == ctx.workstations.own_fingerprint()
    window.show_login()
    login(qtbot, window, "admin", "admin-pass")
    page = window.shell.page("instructor")
    tabs = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert "Workstations" in tabs
    assert page.workstations.own_fp.text() == ctx.workstations.own_fingerprint()


# --- accounts (review #15, #16) ------------------------------------------------------------------

def _accounts_panel(qtbot, ctx, actor):
    from app.ui.instructor.accounts import AccountsPanel

    panel = AccountsPanel(ctx, actor)
    qtbot.addWidget(panel)
    panel.resize(1300, 600)
    panel.show()
    return panel


def test_new_account_dialog_keeps_input_on_errors_and_asks_password_twice(qtbot, ctx, admin):

    panel = _accounts_panel(qtbot, ctx, admin)
    dlg = panel.new_account_dialog()
    qtbot.addWidget(dlg)
    dlg.show()
    assert dlg.width() >= 480
    type_text(qtbot, dlg.name, "Maria 🏭")
    qtbot.keyClicks(dlg.login, "maria")
    qtbot.keyClicks(dlg.password, "secret-1")
    qtbot.keyClicks(dlg.repeat, "secret-2")
    qtbot.mouseClick(dlg.ok_btn, LEFT)
    assert dlg.isVisible() and dlg.error.text() == "The passwords do not match."
    dlg.repeat.clear()
    qtbot.keyClicks(dlg.repeat, "secret-1")
    qtbot.mouseClick(dlg.ok_btn, LEFT)
    # The service's own name rule, inside the dialog; everything typed is still there.
    assert dlg.isVisible() and "emoji" in dlg.error.text()
    assert (dlg.name.text(), dlg.login.text(), dlg.password.text()) == ("Maria 🏭", "maria", "secret-1")
    assert dlg.name.hasFocus() or dlg.focusWidget() is dlg.name
    dlg.name.clear()
    qtbot.keyClicks(dlg.name, "Maria Chen")
    qtbot.mouseClick(dlg.ok_btn, LEFT)
    assert not dlg.isVisible() and dlg.created.login == "maria"
    assert ctx.accounts.get_user(admin, "maria").display_name == "Maria Chen"


def test_accounts_refresh_rename_and_lockout(qtbot, ctx, admin, trainee):
    from app.services.accounts import LoginFailed
    from app.storage.models import AuditEntry

    panel = _accounts_panel(qtbot, ctx, admin)
    logins = lambda: [u.login for u in panel.model.rows]
    assert "lina" not in logins()
    ctx.accounts.add_user(admin, "lina", "李娜", Role.TRAINEE, "secret-lina")  # as `zhizao users add` would
    qtbot.mouseClick(panel.refresh_btn, LEFT)
    assert "lina" in logins()

    for _attempt in range(5):
        with pytest.raises(LoginFailed):
            ctx.accounts.authenticate("lina", "wrong-password")
    panel.hide()
    panel.show()  # shown again: refreshed
    row = logins().index("lina")
    assert panel.model.index(row, 3).data().startswith("Locked until")
    assert panel.model.index(row, 3).data(Qt.ItemDataRole.ForegroundRole).name() == "#b3261e"  # shown in red
    assert panel.model.index(logins().index("admin"), 3).data(Qt.ItemDataRole.ForegroundRole) is None

    # Rename: the service's rule refuses inside the dialog, then the corrected name is stored and audited.
    panel.table.selectRow(row)
    dlg = panel.rename_dialog(panel._selected())
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.name.clear()
    qtbot.keyClicks(dlg.name, "x" * 70)
    dlg.accept()
    assert dlg.isVisible() and "at most 64" in dlg.error.text()
    dlg.name.clear()
    type_text(qtbot, dlg.name, "李娜娜")
    dlg.accept()
    assert not dlg.isVisible() and ctx.accounts.get_user(admin, "lina").display_name == "李娜娜"
    with ctx.store.session() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "user.rename"))
        assert entry.details["old_name"] == "李娜" and entry.details["new_name"] == "李娜娜"


def test_instructors_have_no_rename(qtbot, ctx, instructor):
    panel = _accounts_panel(qtbot, ctx, instructor)
    assert not panel.rename_btn.isVisible() and panel.refresh_btn.isVisible()


# --- classes (review #12, #32) ------------------------------------------------------------------

def test_classes_search_add_remove_rename_delete(qtbot, ctx, admin, instructor, trainee, messages, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from app.services.auth import ServiceError
    from app.ui.instructor.classes import CohortsPanel

    ctx.accounts.add_user(admin, "li01", "李娜", Role.TRAINEE, "secret-li")
    ctx.accounts.add_user(admin, "wang02", "王强", Role.TRAINEE, "secret-wang")
    cid = ctx.cohorts.create(instructor, "重庆一班")
    panel = CohortsPanel(ctx, instructor)
    qtbot.addWidget(panel)
    panel.resize(1300, 600)
    panel.show()
    panel.refresh()

    dlg = panel.add_dialog()
    qtbot.addWidget(dlg)
    dlg.show()
    everyone = [dlg.matches.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dlg.matches.count())]
    assert everyone == ["li01", "wang02", "zhangwei"]  # trainees only: no teacher, no admin
    type_text(qtbot, dlg.search, "李")
    assert dlg.matches.count() == 1 and "李娜" in dlg.matches.item(0).text()
    qtbot.keyClick(dlg.search, Qt.Key.Key_Return)  # one match: Enter ticks and adds it
    assert dlg.result() == dlg.DialogCode.Accepted and dlg.chosen() == ["li01"]
    panel.add_members(dlg.chosen())
    dlg2 = panel.add_dialog()
    qtbot.addWidget(dlg2)
    qtbot.keyClicks(dlg2.search, "WEI")  # any case, part of a login
    assert dlg2.matches.count() == 1
    dlg2.matches.item(0).setCheckState(Qt.CheckState.Checked)
    panel.add_members(dlg2.chosen())
    assert [panel.members.item(r, 0).text() for r in range(panel.members.rowCount())] == ["li01", "zhangwei"]
    dlg3 = panel.add_dialog()  # members already in the class cannot be ticked again
    qtbot.addWidget(dlg3)
    type_text(qtbot, dlg3.search, "李")
    assert "already in the class" in dlg3.matches.item(0).text()
    assert not dlg3.matches.item(0).flags() & Qt.ItemFlag.ItemIsUserCheckable

    with pytest.raises(ServiceError, match="only trainees"):  # the service refuses staff, whatever the UI does
        ctx.cohorts.add_member(instructor, cid, "teacher")

    # Remove one member (asked first); the class keeps the other.
    panel.members.selectRow(0)
    assert panel.remove_btn.isEnabled()
    messages.answer("yes")
    qtbot.mouseClick(panel.remove_btn, LEFT)
    assert "李娜 (li01)" in messages.shown[-1].text
    assert [m[1] for m in ctx.cohorts.members(instructor, cid)] == ["zhangwei"]

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("重庆二班", True))
    qtbot.mouseClick(panel.rename_btn, LEFT)
    assert panel.list.item(0).text().startswith("重庆二班")
    messages.answer("no")
    qtbot.mouseClick(panel.delete_btn, LEFT)
    assert panel.list.count() == 1
    messages.answer("yes")
    qtbot.mouseClick(panel.delete_btn, LEFT)
    assert panel.list.count() == 0 and ctx.cohorts.list(instructor) == []
    assert ctx.cohorts.create(instructor, "重庆二班")  # the name is free again


@pytest.mark.parametrize(("locale", "shown"), [("en", "Jan 6, 2027"), ("zh_CN", "2027年1月6日")])
def test_due_date_is_unambiguous(qtbot, locale, shown):
    from PySide6.QtCore import QDate

    from app import i18n
    from app.ui.instructor.classes import AssignDialog

    i18n.set_locale(locale)
    dlg = AssignDialog([])
    qtbot.addWidget(dlg)
    dlg.due.setDate(QDate(2027, 1, 6))
    assert dlg.due.text() == shown


# --- sign-offs (review #11) -----------------------------------------------------------------------

def test_signoffs_enrolled_only_with_course_search_waiting_and_markdown(qtbot, ctx, admin, instructor, trainee,
                                                                      fixture_course):
    from app.ui.instructor.signoffs import SignOffPanel
    from tests.stored_progress import store_quiz_attempt

    ctx.accounts.add_user(admin, "li01", "李娜", Role.TRAINEE, "secret-li")
    ctx.accounts.add_user(admin, "wang02", "王强", Role.TRAINEE, "secret-wang")  # not enrolled anywhere
    li = ctx.accounts.authenticate("li01", "secret-li")
    for who in (trainee, li):
        ctx.progress.enroll(who, fixture_course.id, fixture_course.version)
    # 张伟 has worked in the practical's module ("line"); 李娜 has not started it.
    store_quiz_attempt(ctx.progress, trainee, fixture_course.id, fixture_course.version, "line/buffer-lab",
                       answers={}, score=0.5, passed=False, duration_s=5)
    panel = SignOffPanel(ctx, instructor)
    qtbot.addWidget(panel)
    panel.resize(1300, 600)
    panel.show()
    panel.refresh()

    def rows():
        return [tuple(panel.table.item(r, c).text() for c in range(4)) for r in range(panel.table.rowCount())]

    assert [r[0] for r in rows()] == ["李娜 (li01)", "张伟 (zhangwei)"]  # 王强 is not enrolled
    assert all(r[1] == "Fixture mini course" and r[2] == "Lockout/tagout sign-off" for r in rows())
    assert rows()[1][3] == "Working on the module"
    qtbot.keyClicks(panel.search, "ZHANG")
    assert [r[0] for r in rows()] == ["张伟 (zhangwei)"]
    panel.search.clear()
    qtbot.mouseClick(panel.waiting, LEFT)
    assert [r[0] for r in rows()] == ["张伟 (zhangwei)"] and "1 of 2" in panel.count.text()

    # The instructions are rendered Markdown (no '##' or '**' left), the checklist wraps.
    panel.select(0)
    shown = panel.instructions.toPlainText()
    # Markdown joins the source lines of a paragraph; plain text would keep the line break.
    assert "training line. Work through the checklist" in shown
    assert len(panel.checks) == 4
    panel.resize(1366, 700)
    qtbot.wait(50)
    for item in panel._items:
        assert item.label.wordWrap() and item.label.height() >= item.label.fontMetrics().height()
    # Recorded as not passed: still listed, marked so, and kept by "waiting only".
    qtbot.mouseClick(panel.fail_btn, LEFT)
    assert "Recorded as not passed for 张伟." == panel.status.text()
    assert rows() == [("张伟 (zhangwei)", "Fixture mini course", "Lockout/tagout sign-off", "Not passed before")]


def test_enrol_a_trainees_own_device(qtbot, messages, site):
    panel = WorkstationsPanel(site.center, site.admin)
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.trainee_login.isEnabled()
    panel.kind.setCurrentIndex(panel.kind.findData(Role.TRAINEE.value))
    assert panel.trainee_login.isEnabled()
    offered = panel.trainee_login.completer().model().stringList()
    assert "zhang" in offered and "teacher" not in offered and "admin" not in offered
    fp = site.fingerprint(site.ws)
    qtbot.keyClicks(panel.fp_edit, fp)
    qtbot.keyClicks(panel.name_edit, "Zhang's laptop")
    qtbot.keyClicks(panel.trainee_login, "zhang")
    messages.answer("yes")
    qtbot.mouseClick(panel.enrol_btn, LEFT)
    assert "A trainee's own device (zhang)" in messages.shown[-1].text
    info = site.center.workstations.get(site.admin, fp)
    assert info.role is Role.TRAINEE and info.account_login == "zhang"
    assert panel.model.index(0, 2).data() == "A trainee's own device (zhang)"


@pytest.mark.parametrize(("locale", "shown"), [("en", "Jan 6, 2027, 9:05\u202fAM"), ("zh_CN", "2027年1月6日 09:05")])
def test_staff_date_times_name_the_month(locale, shown):
    """Review #32: never "1/6/27" (6 January or 1 June?)."""
    import datetime as dt

    from app import i18n
    from app.ui.instructor.dates import when

    i18n.set_locale(locale)
    assert when(dt.datetime(2027, 1, 6, 9, 5)) == shown
