"""File menu actions for offline workstations: export and import a signed progress bundle."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from app.i18n import _, format_number
from app.services.sync import SyncService
from app.ui.common import messages
from app.ui.common.background import run_in_background


def _service(ctx) -> SyncService:
    return SyncService(ctx.store.sessions, ctx.workstation_id, ctx.keys_dir)


def export_progress(parent: QWidget, ctx, actor, path: Path | None = None, on_done=None) -> None:
    """Write every record of this workstation to a signed bundle chosen by the user."""
    if path is None:
        default = f"zhizao-progress-{dt.date.today():%Y%m%d}.zip"
        chosen, _filter = QFileDialog.getSaveFileName(parent, _("Export progress"), default,
                                                      _("Progress bundles (*.zip)"))
        if not chosen:
            return
        path = Path(chosen)

    def done(res) -> None:
        message = _("Exported {n} records to {file}.").format(n=format_number(res.total), file=path.name)
        _report(parent, _("Export progress"), message, on_done)

    run_in_background(lambda: _service(ctx).export_bundle(actor, path), done,
                      lambda exc: _report(parent, _("Export progress"), str(exc), on_done, error=True))


def import_progress(parent: QWidget, ctx, actor, path: Path | None = None, on_done=None) -> None:
    """Merge a bundle from another workstation (idempotent: importing twice changes nothing)."""
    if path is None:
        chosen, _filter = QFileDialog.getOpenFileName(parent, _("Import progress"), "",
                                                      _("Progress bundles (*.zip)"))
        if not chosen:
            return
        path = Path(chosen)

    def done(res) -> None:
        if not res.total_added and not res.updated:
            message = _("Nothing new in {file}: everything was here already.").format(file=path.name)
        else:
            message = _("Imported {file}: {added} records added, {updated} updated.").format(
                file=path.name, added=format_number(res.total_added), updated=format_number(sum(res.updated.values())))
        _report(parent, _("Import progress"), message, on_done)

    run_in_background(lambda: _service(ctx).import_bundle(actor, path), done,
                      lambda exc: _report(parent, _("Import progress"), str(exc), on_done, error=True))


def _report(parent: QWidget, title: str, message: str, on_done, error: bool = False) -> None:
    if on_done is not None:
        on_done(message, error)
        return
    if error:
        messages.warn(parent, title, message)
    else:
        messages.inform(parent, title, message)


