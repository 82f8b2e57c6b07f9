"""Instructor workspace: tabs for staff only (the services check the role again)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

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


class _LazyTab(QWidget):
    """A tab page that builds its content the first time it is shown (``build`` adds it here)."""

    def __init__(self, build: Callable[[], QWidget]) -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self._build: Callable[[], QWidget] | None = build

    def showEvent(self, event) -> None:
        if self._build is not None:
            build, self._build = self._build, None
            build()
        super().showEvent(event)


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
        # The dashboard (five charts, its queries) is built when its tab is first shown or asked for,
        # not at every staff login: a login took 0.53 s of CPU, 0.2 s of it this panel (issue 20).
        self._dashboard: DashboardPanel | None = None
        self.dashboard_tab = _LazyTab(lambda: self.dashboard)
        self.tabs.insertTab(0, self.dashboard_tab, "")
        self.tabs.setCurrentWidget(self.dashboard_tab)
        self.authoring = AuthoringPanel(ctx, actor)
        self.tabs.insertTab(0, self.authoring, "")  # course authoring is the first tab
        lay.addWidget(self.tabs, 1)
        on_language_changed(self, self.retranslate)

    @property
    def dashboard(self) -> DashboardPanel:
        if self._dashboard is None:
            self._dashboard = DashboardPanel(self.ctx, self.actor, self.dashboard_tab)  # made in place
            self.dashboard_tab.layout().addWidget(self._dashboard)
            if self.dashboard_tab.isVisible():
                self._dashboard.show()  # now, not at the next event-loop turn (Qt queues it)
        return self._dashboard

    @classmethod
    def title(cls) -> str:  # the shell names the page before building it
        return _("Instructor workspace")

    def retranslate(self) -> None:
        self.heading.setText(_("Instructor workspace"))
        self.tabs.setTabText(self.tabs.indexOf(self.dashboard_tab), _("Dashboard"))
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
        if self._dashboard is not None:
            self._dashboard.mark_stale()
        self.accounts.refresh()
        self.cohorts.refresh()
        self.signoffs.refresh()
        self.certificates.reload_filters()
        self.exams.refresh()
        if self.workstations is not None:
            self.workstations.refresh()

    def save_state(self) -> None:
        self.authoring.save_state()
