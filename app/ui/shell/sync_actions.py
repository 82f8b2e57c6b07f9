"""File menu actions for offline workstations: export and import a signed progress bundle.

The import report uses the same wording as ``zhizao import progress`` (app/cli/progress_io.py):
who sent the bundle and with what rights, what was added or updated, what was moved back in
time, what was refused and why. Changes that make or touch an administrator are refused
unless the center's administrator approves them: the GUI lists them and asks before
importing the bundle again with the approval (importing twice changes nothing else).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from app.i18n import _, format_number, ngettext
from app.services.auth import Role, ServiceError, role_label
from app.services.sync import SyncService
from app.ui.common import messages
from app.ui.common.background import run_in_background

REPORT_LINES = 10  # refusals listed in the message itself; all of them are in the details


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


def escalation_suffix() -> str:
    """The words the service appends to a refused change that needs the administrator's approval."""
    return _("(an administrator of this center can approve it: import again with --approve-escalations)")


def pending_escalations(res) -> list[str]:
    """The refused changes an administrator of this center could approve, in words."""
    suffix = escalation_suffix()
    return [r.reason[:-len(suffix)].strip() for r in res.refused if r.reason.endswith(suffix)]


@dataclass(frozen=True)
class ImportReport:
    summary: str  # shown in the message
    detail: str  # every refusal and clamped time
    warning: bool  # something was refused or moved back


def import_report(res, filename: str) -> ImportReport:
    """The report of one import in the CLI's words (``print_import_report``)."""
    lines = [_("Bundle from workstation {name} ({fp}), accepted with the rights of: {role}.").format(
        name=res.workstation_name, fp=res.fingerprint, role=role_label(res.authority))]
    if not res.total_added and not res.updated:
        lines.append(_("Nothing new in {file}: everything was here already.").format(file=filename))
    else:
        lines.append(_("Imported {file}: {added} records added ({attempts} attempts), {updated} updated.").format(
            file=filename, added=format_number(res.total_added),
            attempts=format_number(res.added.get("step_attempts", 0)),
            updated=format_number(sum(res.updated.values()))))
    if res.merged_logins:
        lines.append(_("Accounts merged by login: {logins}.").format(logins=", ".join(sorted(set(res.merged_logins)))))
    lines.extend(_("Approved: {change}.").format(change=text) for text in res.approved)
    detail: list[str] = []
    if res.clamped:
        head = ngettext("{n} time was later than this import and was moved back to it:",
                        "{n} times were later than this import and were moved back to it:",
                        len(res.clamped)).format(n=format_number(len(res.clamped)))
        lines.append(head)
        detail.append(head)
        for c in res.clamped:
            detail.append("  " + _("line {line}, {table} {id}: {column} {sent} → {kept}").format(
                line=c.line, table=c.table, id=c.record_id, column=c.column, sent=c.sent.isoformat(),
                kept=c.kept.isoformat()))
    if res.refused:
        head = ngettext("{n} record was refused:", "{n} records were refused:",
                        len(res.refused)).format(n=format_number(len(res.refused)))
        lines.append(head)
        detail.append(head)
        for i, r in enumerate(res.refused):
            text = "  " + _("line {line}, {table} {id}: {reason}").format(
                line=r.line, table=r.table, id=r.record_id or "?", reason=r.reason)
            detail.append(text)
            if i < REPORT_LINES:
                lines.append(text)
        if len(res.refused) > REPORT_LINES:
            lines.append("  " + _("… and {n} more.").format(n=format_number(len(res.refused) - REPORT_LINES)))
    return ImportReport("\n".join(lines), "\n".join(detail), bool(res.refused or res.clamped))


class ImportRefused(ServiceError):
    """The bundle was refused whole; ``hint`` says what to do in this window (enrol its workstation)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def enrol_hint(ctx, actor, path: Path, error: str) -> str:
    """How to enrol the bundle's workstation here, when that is why it was refused ("" otherwise)."""
    svc = _service(ctx)
    try:
        fp = svc.open_bundle(path).fingerprint
        if fp == svc.fingerprint() or fp not in error:
            return ""
    except ServiceError:
        return ""  # damaged or not a bundle: the error says so
    if actor.role is Role.ADMIN:
        known = ctx.workstations.get(actor, fp)
        if known is not None and not known.active:
            return _("Workstation {name} ({fp}) was revoked. If you trust it again, enrol it again under "
                     "Instructor workspace → Workstations, then import the file again.").format(name=known.name,
                                                                                              fp=fp)
        return _("To accept bundles from this workstation: on it, open Settings (or run 'zhizao sync enroll') "
                 "and read its fingerprint. If it is {fp}, enrol it here under Instructor workspace → "
                 "Workstations → Enrol, then import the file again.").format(fp=fp)
    return _("Ask an administrator of this center to compare the fingerprint {fp} with the one the sending "
             "workstation shows in its Settings and to enrol it (Instructor workspace → Workstations). "
             "Then import the file again.").format(fp=fp)


def import_progress(parent: QWidget, ctx, actor, path: Path | None = None, on_done=None,
                    approve_escalations: bool = False) -> None:
    """Merge a bundle from an enrolled workstation (idempotent: importing twice changes nothing).

    ``on_done(message, error)`` replaces the message box (tests, embedding screens).
    """
    if path is None:
        chosen, _filter = QFileDialog.getOpenFileName(parent, _("Import progress"), "",
                                                      _("Progress bundles (*.zip)"))
        if not chosen:
            return
        path = Path(chosen)
    title = _("Import progress")

    def work():
        try:
            return _service(ctx).import_bundle(actor, path, approve_escalations=approve_escalations)
        except ServiceError as exc:
            raise ImportRefused(str(exc), enrol_hint(ctx, actor, path, str(exc))) from exc

    def done(res) -> None:
        report = import_report(res, path.name)
        pending = pending_escalations(res) if actor.role is Role.ADMIN and not approve_escalations else []
        _report(parent, title, report.summary, on_done, warning=report.warning, detail=report.detail)
        if pending and _approve(parent, pending):
            import_progress(parent, ctx, actor, path, on_done, approve_escalations=True)

    def failed(exc) -> None:
        text = str(exc)
        hint = getattr(exc, "hint", "")
        _report(parent, title, text + ("\n\n" + hint if hint else ""), on_done, error=True)

    run_in_background(work, done, failed)


def _approve(parent: QWidget, changes: list[str]) -> bool:
    """The center administrator's explicit approval of changes that make or touch an administrator."""
    listed = "\n".join("• " + c for c in changes)
    text = ngettext("This bundle asks for {n} change to an administrator account, which was not imported:",
                    "This bundle asks for {n} changes to administrator accounts, which were not imported:",
                    len(changes)).format(n=format_number(len(changes)))
    return messages.ask(parent, _("Approve administrator changes?"),
                        text + "\n\n" + listed + "\n\n" + _("Approve them only if you know who made them and why. "
                                                           "Approve and import the file again?"),
                        yes_label=_("Approve and import"), destructive=True)


def _report(parent: QWidget, title: str, message: str, on_done, error: bool = False, warning: bool = False,
            detail: str = "") -> None:
    if on_done is not None:
        on_done(message, error)
        return
    if error or warning:
        messages.warn(parent, title, message, detail)
    else:
        messages.inform(parent, title, message)
