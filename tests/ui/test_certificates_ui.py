"""Certificates in the GUI: the Verify dialog, the instructor's tab (issue, override, revoke, batch with
progress and cancel, print), and the automatic issue with its notice in the course view."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QPushButton
from sqlalchemy import func, select

from app.certificates.claims import canonical_bytes
from app.certificates.qr import decode_payload, encode_payload, qr_image
from app.storage.models import AuditEntry, Certificate, Role
from tests.stored_progress import store_lab_run, store_quiz_attempt
from tests.ui.conftest import login
from tests.ui.test_trainee_support import FIXTURE_ID, install_fixture


def _meet(ctx, actor, instructor, course) -> None:
    p = ctx.progress
    store_quiz_attempt(p, actor, course.id, course.version, "basics/quiz", answers={}, score=1.0, passed=True,
                          duration_s=5)
    store_lab_run(p, actor, course.id, course.version, "line/buffer-lab", parameters={}, seed=1,
                     metrics={"oee": 0.9}, score=0.9, passed=True, duration_s=3)
    checklist = {item.id: True for item in course.step("line/practical").practical.checklist}
    p.sign_off(instructor, actor.user_id, course.id, "line/practical", checklist)


def _count(ctx) -> int:
    with ctx.store.sessions() as s:
        return s.scalar(select(func.count()).select_from(Certificate)) or 0


def _payload(pdf) -> str:
    from pypdf import PdfReader

    return str(PdfReader(str(pdf)).metadata["/ZhizaoCertificate"])


def _wait_result(qtbot, dlg):
    qtbot.waitUntil(lambda: not dlg.busy and dlg.result is not None, timeout=20000)
    return dlg.result


def _field_values(dlg) -> list[str]:
    return [dlg.form.itemAt(i, dlg.form.ItemRole.FieldRole).widget().text() for i in range(dlg.form.rowCount())]


@pytest.fixture
def issued(ctx, trainee, instructor, tmp_path):
    course = install_fixture(ctx, tmp_path)
    _meet(ctx, trainee, instructor, course)
    info = ctx.certificates.check_and_issue(trainee, trainee.user_id, course)
    return course, info, ctx.certificates.pdf_path(info)


# --- Verify dialog --------------------------------------------------------------------------------------

def test_verify_dialog_before_login_valid_pdf_then_tampered_text(qtbot, window, ctx, issued, monkeypatch):
    _course, info, pdf = issued
    assert window.actor is None  # the login screen: employers have no account
    assert window.verify_action.isEnabled()
    window.verify_action.trigger()
    dlg = window.verify_dialog
    assert dlg is not None and dlg.isVisible()
    assert dlg.status.text() == "Choose a certificate to check."

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(pdf), ""))
    qtbot.mouseClick(dlg.pdf_btn, Qt.MouseButton.LeftButton)
    result = _wait_result(qtbot, dlg)
    assert result.status == "valid"
    assert "Valid" in dlg.status.text() and info.number in dlg.message.text()
    values = _field_values(dlg)
    assert info.number in values and "张伟 (zhangwei)" in values and "测试用迷你课程 / Fixture mini course" in values
    assert "printed QR code matches" in dlg.notes.text()
    assert "SHA-256" in dlg.signer.text()

    # Someone edits the learner's name inside the QR text but cannot sign it: tampered.
    signed = decode_payload(_payload(pdf))
    forged_claims = dataclasses.replace(signed.claims(), learner_name="李四")
    forged = encode_payload(canonical_bytes(forged_claims), signed.signature, signed.key_id)
    dlg.qr_text.setPlainText(forged)
    qtbot.mouseClick(dlg.qr_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dlg.busy and dlg.result is not None and dlg.result.status != "valid", timeout=20000)
    assert dlg.result.status == "tampered"
    assert "Tampered" in dlg.status.text()
    assert "do not trust" in dlg.details.title()
    assert any("李四" in v for v in _field_values(dlg))

    dlg.qr_text.setPlainText("hello")
    qtbot.mouseClick(dlg.qr_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dlg.busy and dlg.result.status == "unreadable", timeout=20000)
    assert dlg.details.isHidden()


def test_verify_dialog_reports_revoked_from_a_photo_of_the_qr(qtbot, window, ctx, issued, instructor, tmp_path):
    _course, info, pdf = issued
    ctx.certificates.revoke(instructor, info.number, "wrong person")
    photo = tmp_path / "qr.png"
    qr_image(_payload(pdf), box_size=6).save(photo)
    dlg = window.open_verify()
    # Dropped on the dialog, as from a file manager.
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    dlg.dropEvent(drop)
    result = _wait_result(qtbot, dlg)
    assert result.status == "revoked" and "wrong person" in dlg.message.text()
    assert "Revoked" in dlg.status.text()


def test_verify_dialog_answers_in_the_new_language(qtbot, window, ctx, issued):
    from app import i18n

    _course, info, pdf = issued
    dlg = window.open_verify()
    dlg.verify_file(pdf)
    first = _wait_result(qtbot, dlg)
    i18n.set_locale("zh_CN")
    assert dlg.windowTitle() != "Verify a certificate" or dlg.busy  # re-checked in the new language
    qtbot.waitUntil(lambda: not dlg.busy and dlg.result is not first, timeout=20000)
    assert dlg.result.status == "valid"
    assert "2026" in "".join(_field_values(dlg)) or "年" in "".join(_field_values(dlg))


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_verify_dialog_signed_facts_first_and_fits_700_px(qtbot, window, ctx, issued, locale):
    """Review #1/#35: the facts to compare come first and large; Close stays in view; nothing clipped."""
    from app import i18n

    i18n.set_locale(locale)
    _course, info, pdf = issued
    window.resize(1366, 700)
    dlg = window.open_verify()
    dlg.verify_file(pdf)
    result = _wait_result(qtbot, dlg)
    assert result.status == "valid"
    qtbot.wait(50)
    facts = [dlg.facts_form.itemAt(i, dlg.facts_form.ItemRole.FieldRole).widget().text()
             for i in range(dlg.facts_form.rowCount())]
    assert facts[0] == "张伟" and "Fixture mini course" in facts[1]
    assert dlg.facts.isVisible() and dlg.facts.title() == i18n._("Compare these with the paper")
    # The facts are above the verdict, in the scrolling part.
    body = dlg.scroll.widget()
    top = dlg.facts.mapTo(body, dlg.facts.rect().topLeft()).y()
    assert top < dlg.status.mapTo(body, dlg.status.rect().topLeft()).y()
    # The dialog fits 700 px with Close inside it; the answer scrolls instead.
    assert dlg.frameGeometry().height() <= 700
    close = dlg.buttons.buttons()[0]
    assert close.isVisible() and close.mapTo(dlg, close.rect().bottomLeft()).y() <= dlg.height()
    # No cut descenders: every fact and detail label is at least one line of its font tall.
    for form in (dlg.facts_form, dlg.form):
        for i in range(form.rowCount()):
            label = form.itemAt(i, form.ItemRole.FieldRole).widget()
            assert label.height() >= label.fontMetrics().height(), label.text()


# --- the instructor's tab ----------------------------------------------------------------------------------

def _panel(qtbot, window, ctx, tmp_path):
    install_fixture(ctx, tmp_path)
    window.show_login()
    login(qtbot, window, "teacher", "teach-pass")
    page = window.shell.show_page("instructor")
    page.tabs.setCurrentWidget(page.certificates)
    return page.certificates


def _choose(combo, data) -> None:
    i = combo.findData(data)
    assert i >= 0, data
    combo.setCurrentIndex(i)


def _class_of(ctx, admin, instructor, n: int, meeting: int, course):
    cohort = ctx.cohorts.create(instructor, "焊接一班")
    people = []
    for i in range(n):
        ctx.accounts.add_user(admin, f"w{i:02d}", f"工人{i}", Role.TRAINEE, "trainee-pass")
        ctx.cohorts.add_member(instructor, cohort, f"w{i:02d}")
        people.append(ctx.accounts.authenticate(f"w{i:02d}", "trainee-pass"))
    for p in people[:meeting]:
        _meet(ctx, p, instructor, course)
    return cohort, people


def test_batch_issue_for_a_class_with_progress_dialog(qtbot, window, ctx, admin, instructor, tmp_path,
                                                     monkeypatch, messages):
    panel = _panel(qtbot, window, ctx, tmp_path)
    course = ctx.library.get(FIXTURE_ID)
    cohort, _people = _class_of(ctx, admin, instructor, 3, 2, course)
    panel.reload_filters()
    assert not panel.batch_btn.isEnabled()  # needs a class and a course
    _choose(panel.cohort, cohort)
    _choose(panel.course, FIXTURE_ID)
    assert panel.batch_btn.isEnabled() and panel.table.rowCount() == 0 and panel.empty.isVisible()

    messages.answer("yes")
    qtbot.mouseClick(panel.batch_btn, Qt.MouseButton.LeftButton)
    assert panel.progress_dialog is not None and panel.progress_dialog.isVisible()
    assert not panel.batch_btn.isEnabled()  # one batch at a time
    qtbot.waitUntil(lambda: panel.batch_result is not None, timeout=30000)
    result = panel.batch_result
    assert [c.login for c in result.issued] == ["w00", "w01"] and not result.cancelled
    assert panel.progress_dialog is None and panel.batch_btn.isEnabled()
    assert "2 certificates issued." in panel.status.text() and "工人2 (w02)" in panel.status.text()
    assert panel.table.rowCount() == 2 and _count(ctx) == 2
    assert {panel.table.item(r, 2).text() for r in range(2)} == {"w00", "w01"}
    assert {panel.table.item(r, 7).text() for r in range(2)} == {"Valid"}
    assert len(panel.selected()) == 2  # the new certificates are selected, ready to print


def test_batch_cancel_stops_between_certificates(qtbot, window, ctx, admin, instructor, tmp_path):
    panel = _panel(qtbot, window, ctx, tmp_path)
    course = ctx.library.get(FIXTURE_ID)
    cohort, _people = _class_of(ctx, admin, instructor, 4, 4, course)
    panel.reload_filters()
    # Hold the worker inside the second trainee until Cancel has been clicked, so the test is not a race.
    release = threading.Event()
    real_rules = ctx.certificates.rules
    calls = []

    def rules(actor, user_id, course_):
        calls.append(user_id)
        if len(calls) == 2:
            release.wait(20)
        return real_rules(actor, user_id, course_)

    ctx.certificates.rules = rules
    panel.start_batch(cohort, course)
    dlg = panel.progress_dialog
    qtbot.waitUntil(lambda: len(calls) >= 2, timeout=20000)
    cancel = next(b for b in dlg.findChildren(QPushButton))
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert panel.batch_task is None or panel.batch_task.cancelled
    release.set()
    qtbot.waitUntil(lambda: panel.batch_result is not None, timeout=30000)
    result = panel.batch_result
    assert result.cancelled and [c.login for c in result.issued] == ["w00", "w01"]
    assert len(calls) == 2 and _count(ctx) == 2  # w02 and w03 were never looked at
    assert "Cancelled" in panel.status.text()
    files = sorted(p.name for p in (ctx.data_dir / "certificates").iterdir())
    assert files == sorted(f"{c.number}{ext}" for c in result.issued for ext in (".pdf", ".openbadge.json"))


def test_manual_issue_with_override_then_revoke(qtbot, window, ctx, trainee, instructor, tmp_path, monkeypatch,
                                                messages):
    panel = _panel(qtbot, window, ctx, tmp_path)
    course = ctx.library.get(FIXTURE_ID)
    messages.answer("yes")
    seen = {}

    def fill_in() -> None:
        """The override dialog: an empty reason is said inside it and it stays open (review #34)."""
        from PySide6.QtWidgets import QApplication

        dlg = QApplication.activeModalWidget()
        qtbot.mouseClick(dlg.ok_btn, Qt.MouseButton.LeftButton)
        seen["error"], seen["open"] = dlg.error.text(), dlg.isVisible()
        dlg.basis.setCurrentIndex(dlg.basis.findData("assessed_elsewhere"))
        qtbot.keyClicks(dlg.reason, "paper records checked")
        qtbot.mouseClick(dlg.ok_btn, Qt.MouseButton.LeftButton)

    QTimer.singleShot(50, fill_in)
    info = panel.issue_for("zhangwei", course)
    assert seen == {"error": "Write the reason for the override: it goes into the audit log.", "open": True}
    asked = messages.texts()
    assert info is not None and "Lockout/tagout sign-off" in asked[0] and "audit log" in asked[0]
    with ctx.store.sessions() as s:
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.override"))
    assert audit.actor_id == instructor.user_id and audit.details["reason"] == "paper records checked"
    assert ctx.certificates.verify_pdf(ctx.certificates.pdf_path(info)).claims.override_reason == "assessed_elsewhere"
    assert panel.table.rowCount() == 1 and panel.selected()[0].number == info.number
    assert info.number in panel.status.text()

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("issued by mistake", True))
    assert panel.revoke_btn.isEnabled()
    qtbot.mouseClick(panel.revoke_btn, Qt.MouseButton.LeftButton)
    assert panel.table.item(0, 7).text() == "Revoked"
    assert "issued by mistake" in panel.table.item(0, 7).toolTip()
    assert ctx.certificates.verify_pdf(ctx.certificates.pdf_path(info)).status == "revoked"
    panel.table.selectRow(0)
    assert not panel.revoke_btn.isEnabled()


def test_print_listed_certificates_to_a_pdf_printer(qtbot, window, ctx, admin, instructor, tmp_path):
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrinter

    from app.ui.certificates.actions import make_printer

    panel = _panel(qtbot, window, ctx, tmp_path)
    course = ctx.library.get(FIXTURE_ID)
    cohort, _people = _class_of(ctx, admin, instructor, 2, 2, course)
    ctx.certificates.issue_batch(instructor, cohort, course)
    panel.reload_filters()
    assert panel.table.rowCount() == 2 and panel.print_all_btn.isEnabled()
    out = tmp_path / "printed.pdf"
    printer = make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setResolution(100)
    done = []
    from app.ui.certificates import actions as certificate_actions

    task = certificate_actions.print_pdfs(panel, [ctx.certificates.pdf_path(c) for c in panel.listed_current()],
                                          printer, on_finished=done.append)
    assert task is not None
    qtbot.waitUntil(lambda: bool(done), timeout=30000)
    assert done == [2]
    pages = PdfReader(str(out)).pages
    assert len(pages) == 2
    box = pages[0].mediabox
    assert float(box.width) > float(box.height)  # A4 landscape


def test_print_preview_shows_the_pages_then_confirms_the_print(qtbot, window, ctx, admin, instructor, tmp_path,
                                                               messages):
    """Review #34: Print… shows the certificates first; after printing, the user is told what went where."""
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewWidget

    from app.ui.certificates.actions import make_printer, preview_and_print

    panel = _panel(qtbot, window, ctx, tmp_path)
    course = ctx.library.get(FIXTURE_ID)
    cohort, _people = _class_of(ctx, admin, instructor, 2, 2, course)
    ctx.certificates.issue_batch(instructor, cohort, course)
    panel.reload_filters()
    paths = [ctx.certificates.pdf_path(c) for c in panel.listed_current()]
    out = tmp_path / "printed.pdf"
    printer = make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    seen = {}

    def look_then_print(dialog) -> None:
        preview = dialog.findChild(QPrintPreviewWidget)
        seen["pages"] = preview.pageCount()
        seen["title"] = dialog.windowTitle()
        preview.print()  # the preview's Print button, without the system dialog
        dialog.accept()

    done = preview_and_print(panel, paths, printer, on_open=look_then_print)
    assert seen == {"pages": 2, "title": "Print preview: 2 certificates"}
    assert done == 2 and len(PdfReader(str(out)).pages) == 2
    assert messages.texts("info") == ["2 pages were sent to printed.pdf."]

    # Closed without printing: nothing printed, nothing confirmed.
    messages.shown.clear()
    assert preview_and_print(panel, paths[:1], make_printer(), on_open=lambda d: d.reject()) is None
    assert not messages.shown


def test_save_pdf_copies_the_badge_too(qtbot, window, ctx, issued, tmp_path, monkeypatch):
    from app.ui.certificates.actions import CertificateActions

    _course, _info, pdf = issued
    actions = CertificateActions(lambda: pdf)
    qtbot.addWidget(actions)
    target = tmp_path / "out" / "mine"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(actions.save_btn, Qt.MouseButton.LeftButton)
    assert (tmp_path / "out" / "mine.pdf").read_bytes() == pdf.read_bytes()
    assert (tmp_path / "out" / "mine.openbadge.json").is_file()
    opened = []
    monkeypatch.setattr("app.ui.certificates.actions.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toLocalFile()))
    qtbot.mouseClick(actions.open_btn, Qt.MouseButton.LeftButton)
    assert opened == [str(pdf)]


# --- automatic issue in the course view ----------------------------------------------------------------

def test_course_view_issues_the_certificate_and_shows_the_notice(qtbot, window, ctx, trainee, instructor, tmp_path):
    from app.ui.trainee.course_view import CourseView

    course = install_fixture(ctx, tmp_path)
    p = ctx.progress
    store_quiz_attempt(p, trainee, course.id, course.version, "basics/quiz", answers={}, score=1.0, passed=True,
                          duration_s=5)
    store_lab_run(p, trainee, course.id, course.version, "line/buffer-lab", parameters={}, seed=1,
                     metrics={}, score=1.0, passed=True, duration_s=3)
    view = CourseView(ctx, trainee, course)
    qtbot.addWidget(view)
    assert view.findChild(QDialog, "certificateEarned") is None and _count(ctx) == 0  # the practical is missing
    checklist = {item.id: True for item in course.step("line/practical").practical.checklist}
    p.sign_off(instructor, trainee.user_id, course.id, "line/practical", checklist)
    view.refresh()
    notice = view.findChild(QDialog, "certificateEarned")
    assert notice is not None and notice.isVisible() and not notice.isModal()
    number = ctx.certificates.list_for_user(trainee, trainee.user_id)[0].number
    assert number in notice.text.text() and "Fixture mini course" in notice.text.text()
    view.refresh()
    view.refresh()
    assert _count(ctx) == 1 and len(view.findChildren(QDialog, "certificateEarned")) == 1
    assert notice.actions.print_btn.isEnabled() and notice.actions.save_btn.isEnabled()
