"""Help inside the app: the searchable bilingual user guide (docs/guide), F1 context help and the
first-steps tour (review #18)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget

from app import i18n
from app.ui.help.chapters import CHAPTER_KEYS, guide_dir, headings, load_chapter, slug
from app.ui.help.context import TOPICS
from app.ui.help.first_steps import CARDS, FIRST_STEPS_PREF
from tests.ui.conftest import login

ROOT = Path(__file__).resolve().parents[2]


def test_the_guide_is_the_docs_folder():
    assert guide_dir().resolve() == (ROOT / "docs" / "guide").resolve()
    for key in CHAPTER_KEYS:
        assert (guide_dir() / f"{key}.md").is_file()


@pytest.mark.parametrize("key", CHAPTER_KEYS)
def test_translations_keep_the_english_sections(key):
    """A translation has the English file's headings in the same order and levels, so anchors map."""
    english = [level for level, _t, _l in headings((guide_dir() / f"{key}.md").read_text(encoding="utf-8"))]
    for path in guide_dir().glob(f"{key}.*.md"):
        assert [lvl for lvl, _t, _l in headings(path.read_text(encoding="utf-8"))] == english, path.name


def test_every_context_topic_names_a_section():
    for cls, (key, anchor) in TOPICS.items():
        chapter = load_chapter(key, "en")
        assert chapter.section(anchor) is not None, f"{cls}: {key}#{anchor}"


def test_chinese_chapter_uses_the_english_anchors():
    zh = load_chapter("trainee", "zh_CN")
    assert zh.locale == "zh_CN" and zh.title == "学员指南"
    robot = zh.section("robot-cell-labs-robot_cell")
    assert robot is not None and "机器人工作站" in robot.title
    assert robot.own_anchor == slug(robot.title)
    assert 'name="robot-cell-labs-robot_cell"' in zh.html()


@pytest.mark.parametrize("key, title, anchor, heading", [
    ("exams", "考试", "regrading-after-a-key-correction", "更正答案后重新评分"),
    ("retention", "记忆保持：间隔复习、技能与重新认证", "skills-matrix", "技能矩阵"),
])
def test_exams_and_retention_chapters_in_chinese(key, title, anchor, heading):
    zh = load_chapter(key, "zh_CN")
    assert zh.locale == "zh_CN" and zh.title == title
    assert zh.section(anchor).title == heading
    assert f'name="{anchor}"' in zh.html()


def test_user_guide_opens_searches_and_highlights(qtbot, window, trainee):
    login(qtbot, window, "zhangwei", "trainee-pass")
    assert window.guide_action.shortcut().toString() == "F1"
    window.guide_action.trigger()
    dialog = window.guide_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.tree.topLevelItemCount() == 5
    titles = [dialog.tree.topLevelItem(i).text(0) for i in range(5)]
    assert titles == ["Trainee guide", "Instructor guide", "Administrator guide", "Exams",
                      "Review, skills and recertification"]
    dialog.search.setText("EWMA")
    dialog.apply_search()
    assert dialog.found.text().endswith("sections") and not dialog.found.text().startswith("0")
    shown = [it.text(0) for it in _items(dialog.tree) if not it.isHidden()]
    assert "Robot-cell labs (robot_cell)" not in shown
    assert any("predictive-maintenance labs" in t for t in shown)
    assert dialog.highlighted() and all(t.lower() == "ewma" for t in dialog.highlighted())
    assert "ewma" in dialog.browser.toPlainText().lower()
    dialog.search.setText("no-such-word-anywhere")
    dialog.apply_search()
    assert dialog.found.text() == "0 sections" and dialog.highlighted() == []
    dialog.search.clear()
    dialog.apply_search()
    assert all(not it.isHidden() for it in _items(dialog.tree))


def test_clicking_a_section_and_a_link_between_chapters(qtbot, window, trainee):
    window.open_guide("trainee")
    dialog = window.guide_dialog
    item = next(it for it in _items(dialog.tree) if it.text(0) == "Keyboard")
    dialog.tree.itemClicked.emit(item, 0)
    assert dialog.tree.currentItem() is item
    assert dialog.browser.verticalScrollBar().value() > 0
    from PySide6.QtCore import QUrl

    dialog.browser.anchorClicked.emit(QUrl("#@administrator/checking-an-installation"))
    assert dialog.current.key == "administrator"
    assert dialog.tree.currentItem().text(0) == "Checking an installation"


def test_guide_follows_a_language_switch(qtbot, window, trainee):
    dialog = window.open_guide("trainee", "logging-in")
    assert "Choose your name" in dialog.browser.toPlainText()
    i18n.set_locale("zh_CN")
    assert "从列表中选择你的姓名" in dialog.browser.toPlainText()
    assert dialog.current.locale == "zh_CN"
    assert dialog.tree.currentItem().text(0) == "登录"  # still at the same section
    i18n.set_locale("en")
    assert "Choose your name" in dialog.browser.toPlainText()


def _open_lab(window, ctx, simulator):
    from tests.ui.test_labs_layout import bundled_labs

    course_id, key = bundled_labs(ctx)[simulator]
    return window.shell.show_page("catalog").show_course(course_id, key)


@pytest.mark.parametrize("simulator, section", [
    ("robot_cell", "Robot-cell labs (robot_cell)"),
    ("line", "Production line and predictive-maintenance labs (line, maintenance)"),
])
def test_f1_on_a_lab_opens_its_section(qtbot, window, ctx, trainee, simulator, section):
    login(qtbot, window, "zhangwei", "trainee-pass")
    cview = _open_lab(window, ctx, simulator)
    cview.view.submit_btn.setFocus()
    QApplication.processEvents()
    dialog = window.open_context_help()
    assert dialog.current.key == "trainee"
    assert dialog.tree.currentItem().text(0) == section


def test_f1_in_the_course_editor_and_dashboard(qtbot, window, instructor):
    login(qtbot, window, "teacher", "teach-pass")
    page = window.shell.show_page("instructor")
    from app.ui.instructor.authoring.panel import AuthoringPanel
    from app.ui.instructor.dashboard.panel import DashboardPanel

    editor = page.findChild(AuthoringPanel)
    board = page.findChild(DashboardPanel)
    expected = {editor: "Writing courses in the app: the Courses tab", board: "Instructor dashboard"}
    for panel, title in expected.items():
        tabs = panel.parentWidget()
        while not isinstance(tabs, QTabWidget):
            tabs = tabs.parentWidget()
        tabs.setCurrentIndex(tabs.indexOf(panel) if tabs.indexOf(panel) >= 0 else tabs.indexOf(panel.parentWidget()))
        QApplication.processEvents()
        field = next(w for w in panel.findChildren(QWidget)
                     if w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus)
        field.setFocus()
        QApplication.processEvents()
        assert QApplication.focusWidget() is field
        dialog = window.open_context_help()
        assert (dialog.current.key, dialog.tree.currentItem().text(0)) == ("instructor", title)
        dialog.close()
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_first_steps_on_a_trainees_first_login_only(qtbot, window, ctx, trainee):
    login(qtbot, window, "zhangwei", "trainee-pass")
    catalog = window.shell.page("catalog")
    tour = catalog.first_steps
    assert tour is not None and tour.isVisible()
    assert QApplication.focusWidget() is tour.next_btn
    assert tour.title.text() == "Welcome to Zhizao Academy" and tour.counter.text() == f"1 of {len(CARDS)}"
    qtbot.keyClick(tour.next_btn, Qt.Key.Key_Return)  # Enter goes on
    assert tour.index == 1 and tour.title.text() == "A course"
    qtbot.mouseClick(tour.back_btn, Qt.MouseButton.LeftButton)
    assert tour.index == 0 and not tour.back_btn.isEnabled()
    for _ in range(len(CARDS) - 1):
        qtbot.mouseClick(tour.next_btn, Qt.MouseButton.LeftButton)
    assert tour.title.text() == "Help is always here" and tour.next_btn.text() == "Start learning"
    i18n.set_locale("zh_CN")
    i18n.set_locale("en")
    assert tour.title.text() == "Help is always here"  # the card survives a language switch
    qtbot.mouseClick(tour.next_btn, Qt.MouseButton.LeftButton)
    assert catalog.first_steps is None
    assert ctx.accounts.get_preference(trainee, FIRST_STEPS_PREF) == "1"
    window.logout()
    login(qtbot, window, "zhangwei", "trainee-pass")
    assert window.shell.page("catalog").first_steps is None  # seen: not again


def test_first_steps_skipped_with_esc_and_reopened_from_help(qtbot, window, ctx, trainee):
    login(qtbot, window, "zhangwei", "trainee-pass")
    tour = window.shell.page("catalog").first_steps
    qtbot.keyClick(tour.next_btn, Qt.Key.Key_Escape)
    assert window.shell.page("catalog").first_steps is None
    assert ctx.accounts.get_preference(trainee, FIRST_STEPS_PREF) == "1"
    dialog = window.open_first_steps()
    assert dialog.isVisible() and dialog.cards.index == 0
    qtbot.mouseClick(dialog.cards.skip_btn, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_no_tour_for_staff(qtbot, window, instructor):
    login(qtbot, window, "teacher", "teach-pass")
    assert window.shell.page("catalog").first_steps is None


def _items(tree):
    out = []
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        it = stack.pop(0)
        out.append(it)
        stack.extend(it.child(i) for i in range(it.childCount()))
    return out
