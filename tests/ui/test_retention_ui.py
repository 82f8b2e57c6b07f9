"""The Review page (issue 19): today's cards, the count on the navigation, answering, both languages."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app import i18n
from tests.stored_progress import store_quiz_attempt
from tests.ui.conftest import login

GLOSSARY = """\
terms:
  - term: {en: Buffer, zh_CN: 缓冲区}
    definition: {en: A place where parts wait between two stations., zh_CN: 两个工位之间存放待加工工件的位置。}
    aliases: [WIP buffer]
"""


def _course_with_glossary(ctx, fixture_course):
    (ctx.library_dir / fixture_course.id / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    ctx.library.reload()
    return ctx.library.get(fixture_course.id)


def _missed(ctx, trainee, course, qid: str) -> None:
    questions = [{"id": qid, "type": "single", "response": "b", "correct": False, "points": 0.0, "max_points": 1.0}]
    store_quiz_attempt(ctx.progress, trainee, course.id, course.version, "basics/quiz",
                       answers={"questions": questions, "seed": 1}, score=0.0, passed=False, duration_s=10)


def _nav_text(window, key: str) -> str:
    return window.shell.nav.item(window.shell.page_keys().index(key)).text()


def test_review_page_counts_shows_and_rates_the_due_cards(qtbot, window, ctx, trainee, fixture_course, messages):
    course = _course_with_glossary(ctx, fixture_course)
    ctx.progress.enroll(trainee, course.id, course.version)
    _missed(ctx, trainee, course, "q-single")
    login(qtbot, window, "zhangwei", "trainee-pass")
    assert _nav_text(window, "review") == "Review (2)"
    page = window.shell.show_page("review")
    assert page.summary.text() == "2 cards to review today."
    assert page.show_btn.isVisible() and not any(b.isVisible() for b in page.rate_btns.values())
    # Reviews before new cards, both new here: the missed question (course order) comes first.
    assert "A question you missed" in page.origin.text() and "Fixture mini course" in page.origin.text()
    question = course.step("basics/quiz").quiz.question("q-single")
    assert question.prompt["en"] in page.front.text()
    assert not page.back.isVisible()
    qtbot.mouseClick(page.show_btn, Qt.MouseButton.LeftButton)
    assert page.back.isVisible() and "Correct answer:" in page.back.text()
    assert all(b.isVisible() for b in page.rate_btns.values()) and not page.show_btn.isVisible()
    qtbot.mouseClick(page.rate_btns[4], Qt.MouseButton.LeftButton)  # Easy: not due again today
    assert _nav_text(window, "review") == "Review (1)"
    assert "Glossary term" in page.origin.text() and "Buffer" in page.front.text()
    qtbot.keyClick(page, Qt.Key.Key_Space)  # show the answer from the keyboard
    assert "缓冲区" in page.back.text() and "WIP buffer" in page.back.text()
    qtbot.keyClick(page, Qt.Key.Key_1)  # Again: back in a minute, not now
    assert _nav_text(window, "review") == "Review"
    assert page.empty.isVisible() and "Nothing to review now" in page.empty.text()
    assert "The next card is due" in page.empty.text()
    with ctx.store.session() as s:
        from sqlalchemy import select

        from app.storage.models import ReviewLog

        assert sorted(s.scalars(select(ReviewLog.rating))) == [1, 4]
    assert messages.shown == []


def test_review_page_in_chinese(qtbot, window, ctx, trainee, fixture_course):
    """Course texts in Chinese, the other language's term on the back; UI texts through the catalog."""
    course = _course_with_glossary(ctx, fixture_course)
    ctx.progress.enroll(trainee, course.id, course.version)
    login(qtbot, window, "zhangwei", "trainee-pass")
    window.lang_actions["zh_CN"].trigger()
    try:
        assert _nav_text(window, "review") == i18n._("Review ({n})").format(n=1)
        page = window.shell.show_page("review")
        assert "缓冲区" in page.front.text() and "Buffer" not in page.front.text()
        assert page.origin.text().startswith(i18n._("{kind} · {course} · new").format(
            kind=i18n._("Glossary term"), course="测试用迷你课程"))
        page.reveal()
        assert "Buffer" in page.back.text() and "两个工位之间" in page.back.text()
        assert page.rate_btns[3].text() == i18n._("{label} ({key})").format(label=i18n._("Good"), key=3)
    finally:
        i18n.set_locale("en")


def _dashboard_on(qtbot, ctx, instructor, course_id: str):
    """The instructor's dashboard, loaded and showing ``course_id``."""
    from app.ui.instructor.dashboard.panel import DashboardPanel

    panel = DashboardPanel(ctx, instructor)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.show()
    if panel.course.currentData() != course_id:
        with qtbot.waitSignal(panel.loaded, timeout=10000):
            panel.course.setCurrentIndex(panel.course.findData(course_id))
    return panel


def test_dashboard_retention_tab_shows_the_class_figures(qtbot, qapp_ready, ctx, instructor, trainee, fixture_course):
    course = _course_with_glossary(ctx, fixture_course)
    ctx.progress.enroll(trainee, course.id, course.version)
    _missed(ctx, trainee, course, "q-single")
    cards = ctx.review.due_cards(trainee)
    ctx.review.answer(trainee, cards[0].id, 3)
    ctx.review.answer(trainee, cards[1].id, 1)
    panel = _dashboard_on(qtbot, ctx, instructor, course.id)
    tab = panel.retention_tab
    assert panel.tabs.tabText(panel.tabs.indexOf(tab)) == "Retention"
    qtbot.waitUntil(lambda: tab.retention is not None and tab.retention.course_id == course.id, timeout=10000)
    values = {key: label.text() for key, label in tab.values.items()}
    assert values == {"trainees": "1", "cards": "2", "due": "0", "reviews": "2", "recall": "50%"}
    # Recertification: the class's certificates expiring within the days chosen.
    import datetime as dt

    from app.storage.models import Certificate

    today = dt.datetime.now().astimezone().date()
    with ctx.store.session() as s, s.begin():
        s.add(Certificate(number="ZA-01-0007", user_id=trainee.user_id, course_id=course.id, course_version="1.0.0",
                          issued_on=today - dt.timedelta(days=345), expires_on=today + dt.timedelta(days=20),
                          claims={"course_title_en": "Fixture mini course"}))
    tab.expiring_days.setValue(19)
    qtbot.waitUntil(lambda: tab.expiring.rowCount() == 0, timeout=5000)
    tab.expiring_days.setValue(20)
    qtbot.waitUntil(lambda: tab.expiring.rowCount() == 1, timeout=5000)
    assert [tab.expiring.item(0, c).text() for c in range(3)] == ["张伟", "Fixture mini course", "ZA-01-0007"]


COMPETENCIES = """\
competencies:
  - id: line-basics
    name: {en: Line basics, zh_CN: 产线基础}
    evidence:
      - {step: basics/quiz, level: beginner}
      - {step: line/practical, level: intermediate}
"""


def _course_with_competencies(ctx, fixture_course):
    path = ctx.library_dir / fixture_course.id / "course.yaml"
    path.write_text(path.read_text(encoding="utf-8") + COMPETENCIES, encoding="utf-8")
    ctx.library.reload()
    return ctx.library.get(fixture_course.id)


def test_my_skills_page_and_the_class_matrix(qtbot, qapp_ready, window, ctx, instructor, trainee, fixture_course,
                                             tmp_path):
    from openpyxl import load_workbook

    course = _course_with_competencies(ctx, fixture_course)
    ctx.progress.enroll(trainee, course.id, course.version)
    store_quiz_attempt(ctx.progress, trainee, course.id, course.version, "basics/quiz", answers={}, score=1.0,
                       passed=True, duration_s=10)
    login(qtbot, window, "zhangwei", "trainee-pass")
    page = window.shell.show_page("skills")
    assert _nav_text(window, "skills") == "My skills"
    cells = [[page.table.item(0, c).text() for c in range(4)]]
    assert cells == [["Fixture mini course", "Line basics", "Beginner", "quiz"]]
    ctx.progress.sign_off(instructor, trainee.user_id, course.id, "line/practical", {"ok": True})
    page.activated()
    assert page.table.item(0, 2).text() == "Intermediate" and page.table.item(0, 3).text() == "quiz, practical sign-off"

    panel = _dashboard_on(qtbot, ctx, instructor, course.id)
    tab = panel.skills_tab
    qtbot.waitUntil(lambda: tab.matrix is not None and tab.matrix.course_id == course.id, timeout=10000)
    assert tab.table.horizontalHeaderItem(0).text() == "Line basics"
    assert tab.table.verticalHeaderItem(0).text() == "张伟"
    assert tab.table.item(0, 0).text() == "Intermediate (quiz, practical sign-off)"
    assert tab.table.item(0, 0).background().color().name() == "#c6e0b4"
    saved = tab.export(tmp_path / "matrix.xlsx")
    assert load_workbook(saved).active["C3"].value == "Intermediate (quiz, practical sign-off)"


def test_a_trainee_is_reminded_of_an_expiring_certificate_on_login(qtbot, window, ctx, trainee, messages):
    import datetime as dt

    from app.storage.models import Certificate

    today = dt.datetime.now().astimezone().date()
    with ctx.store.session() as s, s.begin():
        s.add(Certificate(number="ZA-01-0042", user_id=trainee.user_id, course_id="fixture-mini",
                          course_version="1.0.0", issued_on=today - dt.timedelta(days=340),
                          expires_on=today + dt.timedelta(days=25), claims={"course_title_en": "Fixture mini course"}))
    login(qtbot, window, "zhangwei", "trainee-pass")
    assert [m.title for m in messages.shown] == ["Certificate renewal"]
    assert "ZA-01-0042" in messages.shown[0].text and "in 25 days" in messages.shown[0].text
    window.lock()
    login(qtbot, window, "zhangwei", "trainee-pass")  # an unlock is not a new login: said once
    assert len(messages.shown) == 1


def _expiring_certificate(ctx, instructor, trainee, course):
    """A signed certificate issued 330 days ago (expires in about a month): in the renewal window."""
    from app.services.certificates import CertificateService
    from tests.core.test_recertification import Today, _old_certificate

    today = Today(None)
    certs = CertificateService(ctx.store.sessions, ctx.keys_dir, ctx.data_dir / "certificates", ctx.settings,
                               ctx.progress, ctx.workstation_id, today=today)
    return _old_certificate(ctx, instructor, trainee, course, certs, today)


def test_instructor_renews_the_selected_certificate(qtbot, window, ctx, instructor, trainee, fixture_course,
                                                    messages):
    old = _expiring_certificate(ctx, instructor, trainee, fixture_course)
    login(qtbot, window, "teacher", "teach-pass")
    page = window.shell.show_page("instructor")
    page.tabs.setCurrentWidget(page.certificates)
    panel = page.certificates
    panel.refresh()
    assert panel.table.rowCount() == 1 and panel.renew_btn.text() == "Renew…"
    panel.table.selectRow(0)
    assert panel.renew_btn.isEnabled()
    messages.answer("yes")
    qtbot.mouseClick(panel.renew_btn, Qt.MouseButton.LeftButton)
    assert messages.shown[-1].title == "Renew certificate" and old.number in messages.shown[-1].text
    assert panel.table.rowCount() == 2
    new = panel.selected()[0]
    assert new.number != old.number and new.claims["renews"] == old.number
    assert f"Certificate {old.number} is renewed as {new.number}." == panel.status.text()
    assert ctx.certificates.get(old.number).is_current()  # not revoked, still valid


def test_trainee_reminder_offers_renew_now_after_the_refresher(qtbot, window, ctx, instructor, trainee,
                                                               fixture_course, messages):
    from tests.core.test_recertification import _pass_final_quiz_again

    old = _expiring_certificate(ctx, instructor, trainee, fixture_course)
    _pass_final_quiz_again(ctx, trainee, fixture_course)
    messages.answer("yes")
    login(qtbot, window, "zhangwei", "trainee-pass")
    qtbot.waitUntil(lambda: len(messages.shown) == 2, timeout=10000)
    asked, told = messages.shown
    assert asked.choices[0] == ("yes", "Renew now") and old.number in asked.text and "refresher" in asked.text
    new = ctx.certificates.list_for_user(trainee, trainee.user_id)[0]
    assert new.claims["renews"] == old.number
    assert told.text.startswith(f"Certificate {old.number} is renewed as {new.number}, valid until ")
