"""Instructor workspace: tabs for staff only (the services check the role again)."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from app.i18n import _
from app.services.auth import Role, require_staff
from app.ui.certificates.panel import CertificatesPanel
from app.ui.common.page import Page
from app.ui.common.qt_i18n import on_language_changed
from app.ui.instructor.accounts import AccountsPanel
from app.ui.instructor.authoring import AuthoringPanel
from app.ui.instructor.classes import CohortsPanel
from app.ui.instructor.dashboard import DashboardPanel
from app.ui.instructor.exams import ExamsPanel
from app.ui.instructor.signoffs import SignOffPanel
from app.ui.instructor.workstations import WorkstationsPanel


class InstructorPage(Page):
    key = "instructor"

    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        require_staff(actor)
        super().__init__(ctx, actor, parent)
        lay = self.page_layout()
        self.tabs = QTabWidget(objectName="instructorTabs")
        self.cohorts = CohortsPanel(ctx, actor)
        self.accounts = AccountsPanel(ctx, actor)
        self.signoffs = SignOffPanel(ctx, actor)
        self.certificates = CertificatesPanel(ctx, actor)
        self.tabs.addTab(self.cohorts, "")
        self.tabs.addTab(self.signoffs, "")
        self.tabs.addTab(self.certificates, "")
        self.exams = ExamsPanel(ctx, actor)
        self.tabs.addTab(self.exams, "")
        self.tabs.addTab(self.accounts, "")
        self.workstations = WorkstationsPanel(ctx, actor) if actor.role is Role.ADMIN else None
        if self.workstations is not None:
            self.tabs.addTab(self.workstations, "")
        self.dashboard = DashboardPanel(ctx, actor)
        self.tabs.insertTab(0, self.dashboard, "")
        self.tabs.setCurrentWidget(self.dashboard)
        self.authoring = AuthoringPanel(ctx, actor)
        self.tabs.insertTab(0, self.authoring, "")  # course authoring is the first tab
        lay.addWidget(self.tabs, 1)
        on_language_changed(self, self.retranslate)

    def title(self) -> str:
        return _("Instructor workspace")

    def retranslate(self) -> None:
        self.heading.setText(_("Instructor workspace"))
        self.tabs.setTabText(self.tabs.indexOf(self.dashboard), _("Dashboard"))
        self.tabs.setTabText(self.tabs.indexOf(self.authoring), _("Courses"))
        self.tabs.setTabText(self.tabs.indexOf(self.cohorts), _("Classes"))
        self.tabs.setTabText(self.tabs.indexOf(self.signoffs), _("Sign-offs"))
        self.tabs.setTabText(self.tabs.indexOf(self.certificates), _("Certificates"))
        self.tabs.setTabText(self.tabs.indexOf(self.exams), _("Exams"))
        self.tabs.setTabText(self.tabs.indexOf(self.accounts), _("Accounts"))
        if self.workstations is not None:
            self.tabs.setTabText(self.tabs.indexOf(self.workstations), _("Workstations"))

    def activated(self) -> None:
        self.authoring.refresh_courses()
        self.dashboard.mark_stale()
        self.accounts.refresh()
        self.cohorts.refresh()
        self.signoffs.refresh()
        self.certificates.reload_filters()
        self.exams.refresh()
        if self.workstations is not None:
            self.workstations.refresh()

    def save_state(self) -> None:
        self.authoring.save_state()
