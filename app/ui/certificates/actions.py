"""Open, save and print certificate PDFs; the "Certificate earned" notice; the automatic-issue hook.

Reusable by any page that shows certificates:

* :func:`open_pdf`, :func:`save_pdf`, :func:`print_pdfs` — plain functions;
* :class:`CertificateActions` — an Open / Save… / Print… button row bound to
  a callable that returns the PDF path(s) (``ctx.certificates.pdf_path(info)``
  draws a missing PDF again from the store);
* :func:`offer_certificate` — call after a trainee's step is recorded: issues
  the certificate when the course's passing rules are met and shows the notice.

Printing rasterises each page with pypdfium2 (QtPdf is not in
PySide6-Essentials) and paints it onto a QPrinter. :func:`preview_and_print`
shows those pages in a print preview first (Print… in the certificate buttons
and the instructor's tab) and confirms what was printed; :func:`print_pdfs`
prints straight to a chosen printer off the UI thread with a cancellable
progress dialog.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QRectF, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QPageLayout, QPageSize, QPaintEngine, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date, ngettext
from app.services.auth import ServiceError
from app.ui.common import messages
from app.ui.common.qt_i18n import on_language_changed

log = logging.getLogger(__name__)

PDFIUM_LOCK = threading.Lock()
"""pdfium is not thread-safe: every use of pypdfium2 from the UI goes through this lock."""

MAX_PRINT_DPI = 300  # a certificate is text and a QR code: 300 dpi is sharp, more only costs memory


class PrintCancelled(Exception):
    """The user cancelled printing between pages."""


# --- open and save ------------------------------------------------------------------------------------

def open_pdf(path: Path) -> bool:
    """Show the PDF in the system's PDF viewer."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def save_pdf(parent: QWidget | None, path: Path, target: Path | None = None) -> Path | None:
    """Copy the PDF (and its Open Badges file, if there is one) where the user chooses."""
    from app.certificates.issue import badge_path_for

    path = Path(path)
    if target is None:
        chosen, _filter = QFileDialog.getSaveFileName(parent, _("Save certificate"), str(Path.home() / path.name),
                                                      _("PDF files (*.pdf)"))
        if not chosen:
            return None
        target = Path(chosen)
    if target.suffix.lower() != ".pdf":
        target = target.with_name(target.name + ".pdf")
    try:
        shutil.copyfile(path, target)
        badge = badge_path_for(path)
        if badge.is_file():
            shutil.copyfile(badge, badge_path_for(target))
    except OSError as exc:
        messages.warn(parent, _("Not saved"), _("The certificate could not be saved to {path}: {error}")
                      .format(path=target, error=exc.strerror or exc))
        return None
    return target


# --- print ------------------------------------------------------------------------------------------

def page_count(paths: Sequence[Path]) -> int:
    import pypdfium2 as pdfium

    total = 0
    with PDFIUM_LOCK:
        for path in paths:
            pdf = pdfium.PdfDocument(str(path))
            try:
                total += len(pdf)
            finally:
                pdf.close()
    return total


def _page_image(pdf, index: int, dpi: int) -> QImage:
    page = pdf[index]
    try:
        pil = page.render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        page.close()
    data = pil.tobytes("raw", "RGB")
    return QImage(data, pil.width, pil.height, 3 * pil.width, QImage.Format.Format_RGB888).copy()


def paint_pdfs(printer, paths: Sequence[Path], progress: Callable[[int, int], None] | None = None,
               is_cancelled: Callable[[], bool] | None = None, max_dpi: int = MAX_PRINT_DPI) -> int:
    """Rasterise every page of ``paths`` onto ``printer`` (one sheet per page); returns the pages printed.

    Safe off the UI thread (QPainter may paint on a QPrinter in a worker).
    Raises :class:`PrintCancelled` when ``is_cancelled`` turns true; the job
    is aborted then, so nothing half-done comes out of the printer.
    """
    import pypdfium2 as pdfium

    total = page_count(paths)
    dpi = max(72, min(max_dpi, printer.resolution()))
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(_("The printer could not be started."))
    done = 0
    try:
        for path in paths:
            with PDFIUM_LOCK:
                pdf = pdfium.PdfDocument(str(path))
                try:
                    for index in range(len(pdf)):
                        if is_cancelled is not None and is_cancelled():
                            printer.abort()
                            raise PrintCancelled
                        image = _page_image(pdf, index, dpi)
                        if done:
                            printer.newPage()
                        area = painter.viewport()
                        scale = min(area.width() / image.width(), area.height() / image.height())
                        w, h = image.width() * scale, image.height() * scale
                        target = QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)
                        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                        painter.drawImage(target, image)
                        done += 1
                        if progress is not None:
                            progress(done, total)
                finally:
                    pdf.close()
    finally:
        if painter.isActive():
            painter.end()
    return done


def make_printer():
    """A printer set up for certificates: A4 landscape, high resolution."""
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(QPageLayout.Orientation.Landscape)
    printer.setDocName(_("Certificates"))
    return printer


def print_pdfs(parent: QWidget | None, paths: Sequence[Path], printer=None,
               on_finished: Callable[[int | None], None] | None = None) -> object | None:
    """Print certificates through the system print dialog, with progress and Cancel.

    ``printer`` skips the dialog (tests, "print again"). The work runs off the
    UI thread; ``on_finished(pages)`` is called on the UI thread (None when
    cancelled or failed). Returns the background task, or None if nothing starts.
    """
    from app.ui.common.background import run_in_background

    paths = [Path(p) for p in paths]
    if not paths:
        return None
    if printer is None:
        from PySide6.QtPrintSupport import QPrintDialog

        printer = make_printer()
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle(ngettext("Print {n} certificate", "Print {n} certificates", len(paths))
                              .format(n=len(paths)))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
    progress = QProgressDialog(_("Printing certificates…"), _("Cancel"), 0, 0, parent)
    progress.setObjectName("printProgress")
    progress.setWindowTitle(_("Print"))
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(300)
    progress.setAutoClose(False)
    progress.setAutoReset(False)
    holder: dict[str, object] = {"printer": printer}  # the printer must outlive the worker

    def work(report, is_cancelled):
        return paint_pdfs(printer, paths, report, is_cancelled)

    def step(done: int, total: int) -> None:
        progress.setMaximum(total)
        progress.setValue(done)
        progress.setLabelText(_("Printing page {done} of {total}…").format(done=done, total=total))

    def finished(pages) -> None:
        holder.clear()
        progress.close()
        progress.deleteLater()
        if on_finished is not None:
            on_finished(pages)

    def failed(exc: Exception) -> None:
        holder.clear()
        progress.close()
        progress.deleteLater()
        if not isinstance(exc, PrintCancelled):
            messages.warn(parent, _("Not printed"), _("The certificates could not be printed: {error}")
                          .format(error=exc))
        if on_finished is not None:
            on_finished(None)

    task = run_in_background(work, finished, failed, step)
    progress.canceled.connect(lambda: setattr(task, "cancelled", True))
    progress.show()
    return task


PREVIEW_DPI = 110  # the preview shows the page on screen: its own resolution is enough, and quick


def preview_and_print(parent: QWidget | None, paths: Sequence[Path], printer=None,
                      on_open: Callable[[QDialog], None] | None = None) -> int | None:
    """Show the certificates in a print preview; the preview's Print button prints them.

    Returns the pages printed (None when the preview was closed without printing) and
    confirms a print with a message naming the printer or file. ``on_open(dialog)`` runs
    once the preview is shown (tests drive it from there).
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

    paths = [Path(p) for p in paths]
    if not paths:
        return None
    printer = printer or make_printer()
    pages: list[int] = []  # of each real print (not the preview's own painting)

    def paint(target) -> None:
        # The preview records pages for the screen (a picture engine): screen resolution is enough
        # there, and keeps a class's worth of pages small; the real job uses the printer's resolution.
        preview = target.paintEngine() is not None and target.paintEngine().type() == QPaintEngine.Type.Picture
        try:
            done = paint_pdfs(target, paths, max_dpi=PREVIEW_DPI if preview else MAX_PRINT_DPI)
            if not preview:
                pages.append(done)
        except OSError as exc:
            messages.warn(parent, _("Not printed"), _("The certificates could not be printed: {error}")
                          .format(error=exc))

    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setObjectName("certificatePreview")
    dialog.setWindowTitle(ngettext("Print preview: {n} certificate", "Print preview: {n} certificates",
                                   len(paths)).format(n=len(paths)))
    dialog.paintRequested.connect(paint)
    screen = (parent.screen() if parent is not None else None) or dialog.screen()
    if screen is not None:
        avail = screen.availableGeometry()
        dialog.resize(min(1100, avail.width() - 40), min(760, avail.height() - 40))
    if on_open is not None:
        QTimer.singleShot(0, lambda: on_open(dialog))
    printed = dialog.exec() == QDialog.DialogCode.Accepted and bool(pages)
    dialog.deleteLater()
    if not printed:
        return None
    done = pages[-1]
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
        where = Path(printer.outputFileName()).name
    else:
        where = printer.printerName() or _("the printer")
    messages.inform(parent, _("Printed"), ngettext("{n} page was sent to {printer}.",
                                                   "{n} pages were sent to {printer}.", done).format(
        n=done, printer=where))
    return done


# --- the button row -------------------------------------------------------------------------------------

class CertificateActions(QWidget):
    """Open / Save… / Print… for the certificate(s) ``source()`` returns (a path, a list, or None)."""

    def __init__(self, source: Callable[[], Path | Sequence[Path] | None], parent: QWidget | None = None,
                 *, show_open: bool = True) -> None:
        super().__init__(parent)
        self.source = source
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.open_btn = QPushButton(objectName="certOpen")
        self.save_btn = QPushButton(objectName="certSave")
        self.print_btn = QPushButton(objectName="certPrint")
        for b in (self.open_btn, self.save_btn, self.print_btn):
            b.setAutoDefault(False)
            lay.addWidget(b)
        # Only after it has a parent: showing a parentless widget makes it a window of its own.
        self.open_btn.setVisible(show_open)
        self.open_btn.clicked.connect(self.open)
        self.save_btn.clicked.connect(self.save)
        self.print_btn.clicked.connect(self.print_)
        on_language_changed(self, self.retranslate)

    def retranslate(self) -> None:
        self.open_btn.setText(_("Open"))
        self.open_btn.setToolTip(_("Show the PDF in your PDF viewer"))
        self.save_btn.setText(_("Save PDF…"))
        self.print_btn.setText(_("Print…"))

    def _paths(self) -> list[Path]:
        try:
            got = self.source()
        except (ServiceError, OSError) as exc:
            messages.warn(self, _("Certificate"), str(exc))
            return []
        if got is None:
            return []
        return [Path(got)] if isinstance(got, (str, Path)) else [Path(p) for p in got]

    def open(self) -> None:
        for path in self._paths()[:1]:
            open_pdf(path)

    def save(self) -> None:
        paths = self._paths()
        if len(paths) == 1:
            save_pdf(self, paths[0])
        elif paths:
            folder = QFileDialog.getExistingDirectory(self, _("Save certificates to a folder"), str(Path.home()))
            if folder:
                for path in paths:
                    if save_pdf(self, path, Path(folder) / path.name) is None:
                        break

    def print_(self) -> None:
        preview_and_print(self, self._paths())


# --- "Certificate earned" ------------------------------------------------------------------------------

class CertificateEarnedNotice(QDialog):
    """A small, non-modal notice with Open / Save PDF… / Print…."""

    def __init__(self, service, info, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("certificateEarned")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setModal(False)
        self.service = service
        self.info = info
        lay = QVBoxLayout(self)
        self.heading = QLabel(objectName="pageTitle", wordWrap=True)
        self.text = QLabel(wordWrap=True, objectName="certificateEarnedText")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.heading)
        lay.addWidget(self.text)
        self.actions = CertificateActions(lambda: self.service.pdf_path(self.info), self)
        lay.addWidget(self.actions)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.close)
        lay.addWidget(self.buttons)
        on_language_changed(self, self.retranslate)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Certificate earned"))
        self.heading.setText(_("Congratulations!"))
        info = self.info
        text = _("You have earned the certificate for “{course}”.\nCertificate No. {number}").format(
            course=info.course_title(), number=info.number)
        if info.expires_on:
            text += "\n" + _("Valid until {date}").format(date=format_date(info.expires_on))
        text += "\n" + _("It is also listed under My progress → Certificates.")
        self.text.setText(text)


_failed_once: set[tuple[str, str]] = set()


def offer_certificate(parent: QWidget, ctx, actor, course, progress=None):
    """Issue the learner's certificate if the rules are now met, and show the notice.

    Cheap when nothing changes (the rules are judged on ``progress`` when
    given; an existing certificate is one indexed query). Never raises: a
    failure is logged and shown once per course and session.
    """
    from app.services.errors import WRITE_ERRORS

    service = getattr(ctx, "certificates", None)
    if service is None or ctx.store.readonly:
        return None
    try:
        info = service.check_and_issue(actor, actor.user_id, course, progress)
    except (ServiceError, *WRITE_ERRORS) as exc:
        log.warning("automatic certificate for %s in %s failed: %s", actor.login, course.id, exc)
        key = (actor.user_id, course.id)
        if key not in _failed_once:
            _failed_once.add(key)
            messages.warn_later(parent, _("Certificate"),
                                _("You meet the course's passing rules, but the certificate could not be issued: "
                                  "{error}\nYour instructor can issue it.").format(error=exc))
        return None
    if info is not None:
        notice = CertificateEarnedNotice(service, info, parent)
        notice.show()
    return info
