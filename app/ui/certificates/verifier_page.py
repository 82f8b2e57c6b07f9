"""Certificates → Export verification page…: the one-file HTML page employers open to verify this
center's certificates in any browser, offline (issue 22). The service gathers and writes it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from app.i18n import _
from app.services.auth import ServiceError
from app.ui.common import messages


def export_verifier_page(parent: QWidget | None, service, actor, status=None,
                         target: Path | None = None) -> Path | None:
    """Ask where (unless ``target``), write the page, say where it went on ``status``; None if not written."""
    if target is None:
        chosen, _filter = QFileDialog.getSaveFileName(parent, _("Export verification page"),
                                                      str(Path.home() / "verify.html"), _("Web pages (*.html)"))
        if not chosen:
            return None
        target = Path(chosen)
    if target.suffix.lower() not in (".html", ".htm"):
        target = target.with_name(target.name + ".html")
    try:
        path = service.export_verifier_page(actor, target)
    except ServiceError as exc:
        messages.warn(parent, _("Not exported"), str(exc))
        return None
    if status is not None:
        status.say(lambda: _("Verification page written to {path}. Publish it on the center's web site or send "
                             "it to employers; export it again after each revocation.").format(path=path))
    return path
