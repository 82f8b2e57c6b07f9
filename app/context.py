"""What a running Zhizao needs, wired once at start: data dir, store, services.

Shared by the GUI and the CLI. No Qt here.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from app.logs import setup_logging  # noqa: F401 - re-exported for callers of app.context
from app.paths import default_data_dir
from app.services.accounts import AccountService
from app.services.certificates import CertificateService
from app.services.cohorts import CohortService
from app.services.dashboard_queries import DashboardQueries
from app.services.exams import ExamService
from app.services.practicals import PracticalService
from app.services.progress import ProgressService
from app.services.reports import ReportService
from app.services.settings import SettingsService
from app.services.workstations import WorkstationService
from app.storage.db import Store, StoreError, sqlite_url

log = logging.getLogger(__name__)


def resolve_db_url(data_dir: Path, db_url: str | None = None) -> str:
    return db_url or os.environ.get("ZHIZAO_DB_URL") or sqlite_url(data_dir / "zhizao.sqlite")


def workstation_id(data_dir: Path) -> str:
    """This PC's id, kept in the data dir (a center database is shared; the PC is not)."""
    path = data_dir / "workstation-id"
    try:
        value = path.read_text(encoding="ascii").strip()
        uuid.UUID(value)
        return value
    except (OSError, ValueError):
        value = str(uuid.uuid4())
        try:
            path.write_text(value, encoding="ascii")
        except OSError:
            log.warning("cannot store the workstation id in %s", path)
        return value


@dataclass
class AppContext:
    data_dir: Path
    store: Store
    workstation_id: str
    accounts: AccountService = field(init=False)
    settings: SettingsService = field(init=False)
    progress: ProgressService = field(init=False)
    cohorts: CohortService = field(init=False)
    practicals: PracticalService = field(init=False)
    certificates: CertificateService = field(init=False)
    reports: ReportService = field(init=False)
    dashboards: DashboardQueries = field(init=False)
    workstations: WorkstationService = field(init=False)
    exams: ExamService = field(init=False)
    _library: object = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.accounts = AccountService(self.store.sessions, self.workstation_id)
        self.settings = SettingsService(self.store.sessions)
        self.progress = ProgressService(self.store.sessions, self.workstation_id)
        self.cohorts = CohortService(self.store.sessions, self.accounts, self.workstation_id)
        self.practicals = PracticalService(self.store.sessions)
        self.certificates = CertificateService(self.store.sessions, self.keys_dir, self.data_dir / "certificates",
                                               self.settings, self.progress, self.workstation_id)
        self.reports = ReportService(self.store.sessions)
        self.dashboards = DashboardQueries(self.store.sessions, self.reports, self.progress)
        self.workstations = WorkstationService(self.store.sessions, self.workstation_id, self.keys_dir)
        self.exams = ExamService(self.store.sessions, self.workstation_id, lambda cid: self.library.get(cid))

    @property
    def library(self):
        """The course library (bundled courses + the instructor library), loaded on first use."""
        if self._library is None:
            from app.courses.library import CourseLibrary
            from app.paths import courses_dir

            self._library = CourseLibrary(courses_dir(), self.library_dir, self.data_dir / "cache")
        return self._library

    @classmethod
    def open(cls, data_dir: Path | None = None, db_url: str | None = None) -> AppContext:
        data_dir = Path(data_dir) if data_dir else default_data_dir()
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data folder {data_dir}: {exc.strerror}") from exc
        store = Store.open(resolve_db_url(data_dir, db_url), backups_dir=data_dir / "backups")
        ctx = cls(data_dir=data_dir, store=store, workstation_id=workstation_id(data_dir))
        if not store.readonly:
            ctx.settings.ensure_center_id()
        return ctx

    @property
    def library_dir(self) -> Path:
        return self.data_dir / "library"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    def close(self) -> None:
        self.store.dispose()
