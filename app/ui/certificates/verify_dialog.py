"""Verify a certificate: open its PDF, a photo or scan of its QR code, or paste the QR text.

Works before anyone logs in (employers use it): it needs only the trusted
public keys in ``<data>/keys`` and, for "revoked", this center's records.
The check runs off the UI thread. The signed facts (name, course, date, score,
hours, issuer, validity, and the basis of an override) come first and large, under
"Compare these with the paper"; then the verdict (valid / expired / revoked / unknown
issuer / tampered / unreadable), every signed detail and what was checked. All of
that scrolls inside the dialog, so it fits a 1366×700 screen with Close in view.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.ui.certificates.actions import PDFIUM_LOCK
from app.ui.common.background import LatestOnly
from app.ui.common.qt_i18n import on_language_changed

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
# (text colour, background, border) per outcome; the words always say it too.
STATUS_COLOURS = {
    "valid": ("#0f5c2a", "#e3f4e8", "#1a7f37"),
    "expired": ("#7a4f00", "#fff4d6", "#9a6700"),
    "revoked": ("#8a1c13", "#fde7e5", "#b42318"),
    "tampered": ("#8a1c13", "#fde7e5", "#b42318"),
    "unknown_issuer": ("#7a4f00", "#fff4d6", "#9a6700"),
    "unreadable": ("#33414f", "#eef1f4", "#6b7a89"),
}
STATUS_SIGNS = {"valid": "✔", "expired": "⏱", "revoked": "✖", "tampered": "✖", "unknown_issuer": "?",
                "unreadable": "?"}


class VerifyDialog(QDialog):
    """``service`` is an object with ``verify_pdf(path)``, ``verify_image(path)``, ``verify_qr(text)``
    (:class:`app.services.certificates.CertificateService`)."""

    def __init__(self, service, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verifyDialog")
        self.service = service
        self.result = None          # the last Verification
        self.busy = False
        self._source: tuple[str, object] | None = None  # ("pdf"|"image"|"qr", value) of the last check
        self._checks = LatestOnly(self)
        self.setAcceptDrops(True)
        self.setMinimumWidth(620)

        lay = QVBoxLayout(self)
        lay.setSpacing(10)
        self.intro = QLabel(wordWrap=True, objectName="subtitle")
        lay.addWidget(self.intro)
        row = QHBoxLayout()
        self.pdf_btn = QPushButton(objectName="verifyOpenPdf")
        self.image_btn = QPushButton(objectName="verifyOpenImage")
        self.pdf_btn.clicked.connect(self._choose_pdf)
        self.image_btn.clicked.connect(self._choose_image)
        for b in (self.pdf_btn, self.image_btn):
            b.setAutoDefault(False)
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        self.qr_label = QLabel()
        lay.addWidget(self.qr_label)
        qr_row = QHBoxLayout()
        self.qr_text = QPlainTextEdit(objectName="verifyQrText")
        self.qr_text.setPlaceholderText("ZZC1:…")
        self.qr_text.setTabChangesFocus(True)
        self.qr_text.setFixedHeight(46)
        self.qr_label.setBuddy(self.qr_text)
        self.qr_btn = QPushButton(objectName="verifyQrButton")
        self.qr_btn.setAutoDefault(False)
        self.qr_btn.clicked.connect(lambda: self.verify_text(self.qr_text.toPlainText()))
        qr_row.addWidget(self.qr_text, 1)
        qr_row.addWidget(self.qr_btn, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(qr_row)

        line = QFrame(frameShape=QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        lay.addWidget(line)

        # The answer scrolls; the inputs above and Close below always stay in view.
        self.scroll = QScrollArea(objectName="verifyScroll", widgetResizable=True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        bl = QVBoxLayout(body)
        bl.setContentsMargins(0, 0, 8, 0)
        bl.setSpacing(10)
        self.facts = QGroupBox(objectName="verifyFacts")
        self.facts_form = QFormLayout(self.facts)
        self.facts_form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.facts_form.setVerticalSpacing(2)
        bl.addWidget(self.facts)
        self.status = QLabel(objectName="verifyStatus", wordWrap=True)
        self.status.setAccessibleName("verification result")
        bl.addWidget(self.status)
        self.message = QLabel(objectName="verifyMessage", wordWrap=True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bl.addWidget(self.message)
        self.details = QGroupBox(objectName="verifyDetails")
        self.form = QFormLayout(self.details)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        bl.addWidget(self.details)
        self.signer = QLabel(objectName="verifySigner", wordWrap=True)
        self.signer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bl.addWidget(self.signer)
        self.notes = QLabel(objectName="verifyNotes", wordWrap=True)
        bl.addWidget(self.notes)
        bl.addStretch(1)
        self.scroll.setWidget(body)
        lay.addWidget(self.scroll, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self._fit_screen()
        on_language_changed(self, self.retranslate)

    def _fit_screen(self) -> None:
        """Start at a comfortable size that never reaches under a taskbar (1366×700 and up)."""
        screen = (self.parentWidget().screen() if self.parentWidget() is not None else None) or self.screen()
        avail = screen.availableGeometry() if screen is not None else None
        width, height = 860, 680
        if avail is not None:
            width, height = min(width, avail.width() - 40), min(height, avail.height() - 40)
        self.resize(width, height)

    # --- texts -------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(_("Verify a certificate"))
        self.intro.setText(_("Check a Zhizao Academy certificate offline: open its PDF, open a photo or scan of "
                             "its QR code, or paste the text a QR scanner app reads from it."))
        self.pdf_btn.setText(_("Open PDF…"))
        self.image_btn.setText(_("Open photo or scan…"))
        self.qr_label.setText(_("QR code &text:"))
        self.qr_btn.setText(_("Check text"))
        self.details.setTitle(_("What the certificate says"))
        self.facts.setTitle(_("Compare these with the paper"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        if self._source is not None and not self.busy:
            self._start(*self._source)  # messages and labels come from the check: run it in the new language
        elif not self.busy:
            self._show(None)

    # --- inputs ------------------------------------------------------------------------------------

    def _choose_pdf(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Open a certificate PDF"), "", _("PDF files (*.pdf)"))
        if path:
            self.verify_file(Path(path))

    def _choose_image(self) -> None:
        patterns = " ".join("*" + s for s in IMAGE_SUFFIXES)
        path, _filter = QFileDialog.getOpenFileName(self, _("Open a photo or scan of the QR code"), "",
                                                    _("Images ({patterns})").format(patterns=patterns))
        if path:
            self.verify_file(Path(path))

    def verify_file(self, path: Path) -> None:
        """A PDF, or else a picture of the QR code (by the file's suffix)."""
        path = Path(path)
        self._start("pdf" if path.suffix.lower() == ".pdf" else "image", path)

    def verify_text(self, text: str) -> None:
        self._start("qr", text)

    def dragEnterEvent(self, event) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
        elif event.mimeData().hasText():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            self.verify_file(Path(urls[0].toLocalFile()))
        elif event.mimeData().hasText():
            self.qr_text.setPlainText(event.mimeData().text())
            self.verify_text(event.mimeData().text())
        event.acceptProposedAction()

    # --- checking ------------------------------------------------------------------------------------

    def _start(self, kind: str, value) -> None:
        self._source = (kind, value)
        self._set_busy(True)
        service = self.service

        def work():
            if kind == "qr":
                return service.verify_qr(str(value))
            with PDFIUM_LOCK:  # the PDF check renders the page to read the printed QR code
                if kind == "pdf":
                    return service.verify_pdf(Path(value))
                return service.verify_image(Path(value))

        self._checks.run(work, self._done, self._failed)  # a newer check, or closing, drops the answer

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for w in (self.pdf_btn, self.image_btn, self.qr_btn):
            w.setEnabled(not busy)
        if busy:
            self.status.setText(_("Checking…"))
            self.status.setStyleSheet("")

    def _done(self, result) -> None:
        self._set_busy(False)
        self._show(result)

    def _failed(self, exc: Exception) -> None:
        from app.certificates.verify import Verification

        self._set_busy(False)
        self._show(Verification("unreadable", None, _("Unreadable: {reason}").format(reason=exc)))

    # --- the answer ------------------------------------------------------------------------------------

    def _show(self, result) -> None:
        from app.certificates.verify import claims_rows, status_label

        self.result = result
        for form in (self.form, self.facts_form):
            while form.rowCount():
                form.removeRow(0)
        if result is None:
            self.status.setText(_("Choose a certificate to check."))
            self.status.setStyleSheet("")
            for w in (self.message, self.signer, self.notes):
                w.clear()
            self.details.hide()
            self.facts.hide()
            return
        self._show_facts(result)
        fg, bg, border = STATUS_COLOURS.get(result.status, STATUS_COLOURS["unreadable"])
        self.status.setText(f"{STATUS_SIGNS.get(result.status, '')}  {status_label(result.status)}")
        self.status.setProperty("status", result.status)
        self.status.setStyleSheet(f"QLabel {{ color: {fg}; background: {bg}; border: 1px solid {border}; "
                                  "border-radius: 4px; padding: 8px 12px; font-size: 15pt; font-weight: bold; }")
        self.message.setText(result.message)
        if result.claims is not None:
            untrusted = result.status in ("tampered", "unknown_issuer")
            for label, value in claims_rows(result.claims):
                field = QLabel(value, wordWrap=len(value) > 60)  # wrapping labels measure badly; only long ones
                field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                if untrusted:
                    field.setStyleSheet("color: #6b7a89;")
                self.form.addRow(_("{label}:").format(label=label), field)
            self.details.setTitle(_("What the certificate says (do not trust these details)") if untrusted
                                  else _("What the certificate says"))
            self.details.show()
        else:
            self.details.hide()
        issuer = _("this center") if result.issuer == "this center" else result.issuer  # keys.py's own-key name
        if not result.fingerprint:
            self.signer.clear()
        elif result.status == "tampered":  # the key the data names, whose signature did not match
            self.signer.setText(_("The certificate names the key {name}, SHA-256 fingerprint {fp}, but that key's "
                                  "signature does not match.").format(name=issuer, fp=result.fingerprint))
        else:
            self.signer.setText(_("Signed by key {name}, SHA-256 fingerprint {fp}").format(
                name=issuer, fp=result.fingerprint))
        self.notes.setText("\n".join("• " + n for n in result.notes))
        self.scroll.verticalScrollBar().setValue(0)

    def _show_facts(self, result) -> None:
        """The signed facts, large and first: what the employer compares with the paper, word for word."""
        facts = result.facts()
        self.facts.setVisible(bool(facts))
        untrusted = result.status in ("tampered", "unknown_issuer")
        self.facts.setTitle(_("Compare these with the paper") if not untrusted
                            else _("Compare these with the paper (but do not trust them: see below)"))
        for label, value in facts:
            name = QLabel(_("{label}:").format(label=label))
            field = QLabel(value, wordWrap=True, objectName="verifyFact")
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            colour = "#6b7a89" if untrusted else "#1b2733"
            field.setStyleSheet(f"QLabel {{ font-size: 13pt; font-weight: bold; color: {colour}; }}")
            name.setStyleSheet("QLabel { font-size: 11pt; }")
            self.facts_form.addRow(name, field)
