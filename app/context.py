"""What a running Zhizao needs, wired once at start: data dir, store, services.

Shared by the GUI and the CLI. No Qt here.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.logs import setup_logging  # noqa: F401 - re-exported for callers of app.context
from app.paths import default_data_dir
from app.storage.probe import CenterProbe, probe_url, sqlite_url

# The store (SQLAlchemy, the models) is imported when it opens, not with this module: the GUI
# reads what its login screen shows with the probe and paints before the ORM loads (issue 20).
if TYPE_CHECKING:
    from app.services.accounts import AccountService
    from app.services.certificates import CertificateService
    from app.services.cohorts import CohortService
    from app.services.dashboard_queries import DashboardQueries
    from app.services.exams import ExamService
    from app.services.practicals import PracticalService
    from app.services.progress import ProgressService
    from app.services.recertification import RecertificationService
    from app.services.reports import ReportService
    from app.services.review import ReviewService
    from app.services.settings import SettingsService
    from app.services.skills import SkillsService
    from app.services.workstations import WorkstationService
    from app.storage.db import Store

log = logging.getLogger(__name__)


def resolve_db_url(data_dir: Path, db_url: str | None = None) -> str:
    return db_url or os.environ.get("ZHIZAO_DB_URL") or sqlite_url(data_dir / "zhizao.sqlite")


def probe_center(data_dir: Path, db_url: str | None = None) -> CenterProbe | None:
    """Set-up or login, and the login list, read without opening the store (None: open it first)."""
    return probe_url(resolve_db_url(data_dir, db_url))


def workstation_id(data_dir: Path) -> str:
    """This PC's id, kept in the data dir (a center database is shared; the PC is not)."""
    import uuid  # not at import: the GUI imports this module before its first paint

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
    """The services are built on first use: the login screen needs only accounts and
    settings, and importing the rest (course models, grading, simulators, certificates)
    would double the time to a usable login screen (issue 20)."""

    data_dir: Path
    store: Store
    workstation_id: str
    _library: object = None

    @functools.cached_property
    def accounts(self) -> AccountService:
        from app.services.accounts import AccountService

        return AccountService(self.store.sessions, self.workstation_id)

    @functools.cached_property
    def settings(self) -> SettingsService:
        from app.services.settings import SettingsService

        return SettingsService(self.store.sessions)

    @functools.cached_property
    def progress(self) -> ProgressService:
        from app.services.progress import ProgressService

        return ProgressService(self.store.sessions, self.workstation_id)

    @functools.cached_property
    def cohorts(self) -> CohortService:
        from app.services.cohorts import CohortService

        return CohortService(self.store.sessions, self.accounts, self.workstation_id)

    @functools.cached_property
    def practicals(self) -> PracticalService:
        from app.services.practicals import PracticalService

        return PracticalService(self.store.sessions)

    @functools.cached_property
    def certificates(self) -> CertificateService:
        from app.services.certificates import CertificateService

        return CertificateService(self.store.sessions, self.keys_dir, self.data_dir / "certificates",
                                  self.settings, self.progress, self.workstation_id)

    @functools.cached_property
    def reports(self) -> ReportService:
        from app.services.reports import ReportService

        return ReportService(self.store.sessions)

    @functools.cached_property
    def dashboards(self) -> DashboardQueries:
        from app.services.dashboard_queries import DashboardQueries

        return DashboardQueries(self.store.sessions, self.reports, self.progress)

    @functools.cached_property
    def workstations(self) -> WorkstationService:
        from app.services.workstations import WorkstationService

        return WorkstationService(self.store.sessions, self.workstation_id, self.keys_dir)

    @functools.cached_property
    def exams(self) -> ExamService:
        from app.services.exams import ExamService

        return ExamService(self.store.sessions, self.workstation_id, lambda cid: self.library.get(cid),
                           gate=lambda actor, user_id, course: self.review.check_exam_streak(actor, user_id, course))

    @functools.cached_property
    def review(self) -> ReviewService:
        from app.services.review import ReviewService

        return ReviewService(self.store.sessions, self.workstation_id, lambda cid: self.library.get(cid))

    @functools.cached_property
    def skills(self) -> SkillsService:
        from app.services.skills import SkillsService

        return SkillsService(self.store.sessions, self.progress, lambda cid: self.library.get(cid))

    @functools.cached_property
    def recertification(self) -> RecertificationService:
        from app.services.recertification import RecertificationService

        return RecertificationService(self.store.sessions, certificates=self.certificates,
                                      course_of=lambda cid: self.library.get(cid), review=self.review)

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
        from app.storage.db import Store, StoreError

        data_dir = Path(data_dir) if data_dir else default_data_dir()
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            from app.storage.health import folder_refused

            raise StoreError(folder_refused(data_dir, exc)) from exc
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
