"""Center-wide settings kept in the store (so every workstation of a center shares them)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from app.i18n import _
from app.services.auth import Actor, ServiceError, require_role
from app.services.errors import storage_errors
from app.storage.ids import uuid7
from app.storage.models import Role, Setting

DEFAULTS: dict[str, str] = {
    "center_name": "Zhizao Academy Training Center",
    "center_name_zh": "智造学院培训中心",
    "idle_lock_minutes": "10",
    "center_id": "",
}


@storage_errors
class SettingsService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def get(self, key: str) -> str:
        with self._sessions() as s:
            row = s.get(Setting, key)
            return row.value if row is not None else DEFAULTS.get(key, "")

    def all(self) -> dict[str, str]:
        with self._sessions() as s:
            stored = {r.key: r.value for r in s.query(Setting)}
        return {**DEFAULTS, **stored}

    def set(self, actor: Actor, key: str, value: str) -> None:
        require_role(actor, Role.ADMIN)
        if key == "idle_lock_minutes":
            try:
                minutes = int(value)
            except ValueError:
                raise ServiceError(_("The idle time must be a whole number of minutes.")) from None
            if not 1 <= minutes <= 240:
                raise ServiceError(_("The idle time must be between 1 and 240 minutes."))
        self._put(key, value)

    def _put(self, key: str, value: str) -> None:
        with self._sessions() as s, s.begin():
            row = s.get(Setting, key)
            if row is None:
                s.add(Setting(key=key, value=value))
            else:
                row.value = value

    def idle_lock_minutes(self) -> int:
        try:
            return max(1, int(self.get("idle_lock_minutes")))
        except ValueError:
            return 10

    def ensure_center_id(self) -> str:
        """A stable id for this center, made once (certificates name their issuer by it)."""
        value = self.get("center_id")
        if not value:
            value = uuid7()
            self._put("center_id", value)
        return value
