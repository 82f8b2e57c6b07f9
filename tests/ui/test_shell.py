"""The real first-run dialog, login, lockout, language switch, role gating and idle lock."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app import i18n
from app.services.auth import PermissionDenied
from app.storage.models import Role
from tests.ui.conftest import login, type_text


def test_first_run_creates_the_administrator(qtbot, window, ctx):
    assert window.stack.currentWidget() is window.setup_page
    page = window.setup_page
    type_text(qtbot, page.name, "王主任")
    qtbot.keyClicks(page.login, "director")
    qtbot.keyClicks(page.password, "director-pw")
    qtbot.keyClicks(page.repeat, "director-pw")
    qtbot.mouseClick(page.create_btn, Qt.MouseButton.LeftButton)
    assert window.shell is not None and window.stack.currentWidget() is window.shell
    assert "instructor" in window.shell.page_keys()
    admin = ctx.accounts.authenticate("director", "director-pw")
    assert admin.role is Role.ADMIN and admin.display_name == "王主任"


def test_first_run_refuses_mismatched_passwords(qtbot, window, ctx):
    page = window.setup_page
    qtbot.keyClicks(page.name, "Admin")
    qtbot.keyClicks(page.login, "admin")
    qtbot.keyClicks(page.password, "one-password")
    qtbot.keyClicks(page.repeat, "other-password")
    qtbot.mouseClick(page.create_btn, Qt.MouseButton.LeftButton)
    assert page.error.isVisible() and "do not match" in page.error.text()
    assert not ctx.accounts.has_users()


def _relogin_window(window):
    window.show_login()
    return window


def test_login_wrong_then_right_password(qtbot, window, trainee):
    _relogin_window(window)
    login(qtbot, window, "zhangwei", "wrong-pass")
    assert window.shell is None
    assert window.login_page.error.isVisible()
    assert "wrong password" in window.login_page.error.text()
    assert window.login_page.password.text() == ""
    login(qtbot, window, "zhangwei", "trainee-pass")
    assert window.shell is not None
    assert window.shell.actor.login == "zhangwei"


def test_lockout_after_five_failures_shown(qtbot, window, trainee):
    _relogin_window(window)
    for _ in range(5):
        login(qtbot, window, "zhangwei", "bad-password")
    assert "locked for 5 min" in window.login_page.error.text()
    login(qtbot, window, "zhangwei", "trainee-pass")
    assert window.shell is None
    assert "Too many failed attempts" in window.login_page.error.text()


def test_trainee_never_reaches_instructor_workspace(qtbot, window, ctx, trainee):
    _relogin_window(window)
    login(qtbot, window, "zhangwei", "trainee-pass")
    keys = window.shell.page_keys()
    assert "instructor" not in keys and keys[0] == "catalog"
    assert window.shell.show_page("instructor") is None
    # The service refuses whatever the UI shows.
    from app.ui.instructor.page import InstructorPage

    try:
        InstructorPage(ctx, trainee)
    except PermissionDenied:
        pass
    else:
        raise AssertionError("a trainee built the instructor workspace")


def test_language_switch_retranslates_at_once_and_is_remembered(qtbot, window, ctx, trainee):
    _relogin_window(window)
    login(qtbot, window, "zhangwei", "trainee-pass")
    nav = window.shell.nav
    assert nav.item(0).text() == "Catalog"
    window.lang_actions["zh_CN"].trigger()
    assert nav.item(0).text() == "课程目录"
    assert window.shell.page("catalog").heading.text() != "Course catalog"
    assert window.file_menu.title().startswith("文件")
    assert ctx.accounts.get_locale(trainee) == "zh_CN"
    window.logout()
    i18n.set_locale("en")
    login(qtbot, window, "zhangwei", "trainee-pass")
    assert i18n.current_locale() == "zh_CN"
    assert window.shell.nav.item(0).text() == "课程目录"


def test_a_login_builds_what_is_shown_and_a_page_built_later_speaks_the_current_language(qtbot, window, instructor):
    from PySide6.QtWidgets import QApplication

    from app.i18n import _

    _relogin_window(window)
    login(qtbot, window, "teacher", "teach-pass")
    shell = window.shell
    # The catalog (shown) and Review (its title counts the due cards); the other pages when first shown.
    assert [p.key for p in shell.built_pages()] == ["catalog", "review"]
    english = ["Catalog", "My progress", "Review", "My skills", "Instructor workspace", "Settings"]
    assert [shell.nav.item(i).text() for i in range(shell.nav.count())] == english
    window.lang_actions["zh_CN"].trigger()
    titles = [shell.nav.item(i).text() for i in range(shell.nav.count())]
    assert titles == [_(t) for t in english] and not set(titles) & set(english)
    qtbot.keyClick(shell, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    page = shell.current_page()
    assert page.key == "instructor" and shell.stack.currentWidget() is page and page.isVisible()
    assert page.heading.text() == _("Instructor workspace") != "Instructor workspace"
    assert page.isAncestorOf(QApplication.focusWidget())
    assert shell.page("skills").heading.text() == _("My skills") != "My skills"  # built on access
    assert [p.key for p in shell.built_pages()] == ["catalog", "review", "skills", "instructor"]


def test_idle_lock_keeps_the_session(qtbot, window, trainee):
    _relogin_window(window)
    login(qtbot, window, "zhangwei", "trainee-pass")
    shell = window.shell
    shell.show_page("settings")
    window.idle.set_minutes(0.001)  # 60 ms
    window.idle.start()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.login_page, timeout=3000)
    assert window.login_page.locked_actor.login == "zhangwei"
    assert not window.login_page.user.isEnabled()
    qtbot.keyClicks(window.login_page.password, "trainee-pass")
    qtbot.keyClick(window.login_page.password, Qt.Key.Key_Return)
    assert window.shell is shell  # same widgets: nothing in progress was lost
    assert shell.stack.currentWidget().key == "settings"


def test_keyboard_navigation_between_pages(qtbot, window, admin):
    _relogin_window(window)
    login(qtbot, window, "admin", "admin-pass")
    qtbot.keyClick(window.shell, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.shell.stack.currentWidget().key == window.shell.page_keys()[2]
    from PySide6.QtWidgets import QApplication

    assert window.shell.stack.currentWidget().isAncestorOf(QApplication.focusWidget())  # focus in the page


def test_qt_standard_buttons_follow_the_language(qtbot, window):
    from PySide6.QtWidgets import QDialogButtonBox

    from app.ui.common.qt_i18n import notifier

    notifier()
    i18n.set_locale("zh_CN")
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"


def test_no_stray_top_level_windows(qtbot, window, ctx, trainee):
    """Widgets shown before they have a parent flash up as windows and steal focus."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QWidget

    shown: list[str] = []

    class Spy(QObject):
        def eventFilter(self, obj, event):
            if (event.type() == QEvent.Type.Show and isinstance(obj, QWidget) and obj.isWindow()
                    and obj is not window and not obj.inherits("QMenu")):
                shown.append(f"{type(obj).__name__}({obj.objectName()})")
            return False

    spy = Spy()
    QApplication.instance().installEventFilter(spy)
    try:
        window.show_login()
        login(qtbot, window, "zhangwei", "trainee-pass")
        catalog = window.shell.show_page("catalog")
        catalog.reload()
        qtbot.waitUntil(lambda: bool(catalog.cards), timeout=20000)
        window.shell.show_page("progress")
        qtbot.wait(200)
    finally:
        QApplication.instance().removeEventFilter(spy)
    assert not shown, shown


def test_unhandled_error_shows_a_dialog_and_the_app_keeps_running(qtbot, window, tmp_path):
    import sys

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.ui.shell.application import install_excepthook

    log_path = tmp_path / "zhizao.log"
    old = sys.excepthook
    install_excepthook(log_path)
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.accept()

    QTimer.singleShot(200, answer)
    try:
        try:
            raise RuntimeError("boom in a slot")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = old
    assert seen and "boom in a slot" in seen[0] and str(log_path) in seen[0]
    assert window.isVisible()


# --- review #19, #20, #21, #22, #31, #37 --------------------------------------------------------


def test_setup_focuses_the_first_field_and_enter_submits_from_any_field(qtbot, window, ctx):
    page = window.setup_page
    qtbot.waitUntil(lambda: page.name.hasFocus())
    type_text(qtbot, page.name, "王主任")
    qtbot.keyClicks(page.login, "director")
    qtbot.keyClicks(page.password, "director-pw")
    qtbot.keyClick(page.login, Qt.Key.Key_Return)  # Enter in Login, not in Repeat
    assert "do not match" in page.error.text() and page.repeat.hasFocus()
    i18n.set_locale("zh_CN")
    assert page.error.text() == "两次输入的密码不一致。"  # the error follows the language
    i18n.set_locale("en")
    qtbot.keyClicks(page.repeat, "director-pw")
    qtbot.keyClick(page.name, Qt.Key.Key_Enter)
    assert window.stack.currentWidget() is window.shell
    assert ctx.accounts.authenticate("director", "director-pw").display_name == "王主任"


def test_login_focuses_the_user_and_enter_moves_on(qtbot, window, trainee):
    _relogin_window(window)
    page = window.login_page
    qtbot.waitUntil(lambda: page.user.hasFocus())
    qtbot.keyClicks(page.user.lineEdit(), "zhangwei")
    qtbot.keyClick(page.user.lineEdit(), Qt.Key.Key_Return)
    assert page.password.hasFocus() and window.shell is None
    qtbot.keyClicks(page.password, "trainee-pass")
    qtbot.keyClick(page.password, Qt.Key.Key_Return)
    assert window.shell is not None


def test_attempts_left_are_said_before_the_lockout(qtbot, window, trainee):
    _relogin_window(window)
    said = []
    for _ in range(5):
        login(qtbot, window, "zhangwei", "bad-password")
        said.append(window.login_page.error.text())
    assert "attempts left" not in said[0]
    assert "3 attempts left before the account is locked for 5 min" in said[1]
    assert "2 attempts left" in said[2] and "1 attempt left" in said[3]
    assert "locked for 5 min" in said[4] and "left" not in said[4]


def test_idle_warning_counts_down_and_any_input_cancels_it(qtbot, window, trainee, monkeypatch):
    from app.ui.shell import navigation

    # The banner is rendered from the number when the language changes (the marker shows which language).
    monkeypatch.setattr(navigation, "ngettext", lambda one, many, n: f"[{i18n.current_locale()}] " + (
        one if n == 1 else many))
    _relogin_window(window)
    login(qtbot, window, "zhangwei", "trainee-pass")
    shell = window.shell
    window.idle.set_minutes(0.1)  # 6 s: the warning comes at 3 s, with 3 s to go
    window.idle.start()
    qtbot.waitUntil(shell.idle_banner.isVisible, timeout=5000)
    assert window.stack.currentWidget() is shell
    assert "The screen locks in" in shell.idle_banner.text()
    seconds = [int(w) for w in shell.idle_banner.text().split() if w.isdigit()]
    assert seconds and 1 <= seconds[0] <= 3
    i18n.set_locale("zh_CN")
    assert shell.idle_banner.text().startswith("[zh_CN] The screen locks in")  # follows a language switch
    i18n.set_locale("en")
    qtbot.keyClick(shell.nav, Qt.Key.Key_Shift)  # any input
    assert not shell.idle_banner.isVisible() and window.stack.currentWidget() is shell
    qtbot.waitUntil(shell.idle_banner.isVisible, timeout=5000)  # and the wait starts again
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.login_page, timeout=5000)
    assert not shell.idle_banner.isVisible()


def test_first_focus_after_login_and_unlock(qtbot, window, ctx, trainee, admin):
    from PySide6.QtWidgets import QApplication

    _relogin_window(window)
    ctx.accounts.set_preference(trainee, "first_steps_seen", "1")
    login(qtbot, window, "zhangwei", "trainee-pass")
    catalog = window.shell.page("catalog")
    qtbot.waitUntil(lambda: bool(catalog.cards), timeout=20000)
    window.shell.focus_page()
    focus = QApplication.focusWidget()
    assert focus is not None and catalog.isAncestorOf(focus)
    assert focus in [c.button for c in catalog.cards]
    catalog.search.setFocus()
    window.lock()
    assert window.login_page.password.hasFocus()
    qtbot.keyClicks(window.login_page.password, "trainee-pass")
    qtbot.keyClick(window.login_page.password, Qt.Key.Key_Return)
    assert catalog.search.hasFocus()  # back where the trainee was
    window.logout()
    login(qtbot, window, "admin", "admin-pass")
    page = window.shell.current_page()
    assert QApplication.focusWidget() is not None and page.isAncestorOf(QApplication.focusWidget())


def test_enter_presses_the_focused_button_and_esc_or_catalog_closes_a_course(qtbot, window, ctx, trainee,
                                                                              fixture_course):
    _relogin_window(window)
    ctx.accounts.set_preference(trainee, "first_steps_seen", "1")
    login(qtbot, window, "zhangwei", "trainee-pass")
    catalog = window.shell.show_page("catalog")
    catalog.reload()
    qtbot.waitUntil(lambda: catalog.card("fixture-mini") is not None, timeout=20000)
    button = catalog.card("fixture-mini").button
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: catalog.course_view is not None, timeout=3000)
    view = catalog.course_view
    window.shell.nav.setFocus()
    qtbot.keyClick(window.shell.nav, Qt.Key.Key_Escape)  # Esc from the navigation
    assert catalog.course_view is None and catalog.stack.currentWidget() is catalog.catalog_panel
    catalog.show_course("fixture-mini")
    assert catalog.course_view is not None and catalog.course_view is not view
    item = window.shell.nav.item(0)
    rect = window.shell.nav.visualItemRect(item)
    qtbot.mouseClick(window.shell.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert catalog.course_view is None  # a click on Catalog shows the list
    # Enter on an ordinary focused button outside any dialog presses it.
    from PySide6.QtWidgets import QPushButton

    clicked = []
    extra = QPushButton("extra", catalog.catalog_panel)
    extra.clicked.connect(lambda: clicked.append(True))
    extra.show()
    extra.setFocus()
    qtbot.keyClick(extra, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: clicked == [True], timeout=2000)


def test_catalog_columns_are_the_same_on_every_visit(qtbot, window, ctx, trainee, fixture_course):
    _relogin_window(window)
    ctx.accounts.set_preference(trainee, "first_steps_seen", "1")
    window.resize(1366, 700)
    login(qtbot, window, "zhangwei", "trainee-pass")
    catalog = window.shell.show_page("catalog")
    qtbot.waitUntil(lambda: len(catalog.cards) >= 2, timeout=20000)
    catalog.reload()

    def layout():
        return [(catalog.grid.getItemPosition(catalog.grid.indexOf(c))[:2], c.width()) for c in catalog.cards]

    qtbot.wait(50)
    first = layout()
    assert catalog._columns == min(len(catalog.cards), 3)
    catalog.show_course("fixture-mini")
    catalog.back_to_catalog()
    window.shell.show_page("progress")
    window.shell.show_page("catalog")
    qtbot.wait(50)
    assert layout() == first
