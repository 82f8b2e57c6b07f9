"""What the set-up/login screen shows, read before the store opens (issue 20).

Standard-library ``sqlite3`` only, read-only, two SELECTs: no SQLAlchemy, no models, no
Alembic. The GUI paints the set-up or login screen from this while the real store (the
ORM import, migrations on a first start) opens behind it, so a trainee can type at once.

The probe decides nothing about authentication: passwords are checked by the accounts
service once the store is open. ``None`` means "not sure" (PostgreSQL, a damaged or
locked file, an unexpected schema): the caller then opens the store first, as before,
and that path reports any problem with its one clear message.

The SQLite URL helpers live here too so that reading a URL costs no SQLAlchemy import.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

# Short: a locked database falls back to the ordinary path, which waits as long as it should.
PROBE_TIMEOUT_S = 0.2


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    if not is_sqlite(url):
        return None
    raw = url.split("///", 1)[1] if "///" in url else ""
    return Path(raw) if raw and raw != ":memory:" else None


@dataclass(frozen=True)
class CenterProbe:
    """``has_users``: some account exists (the login screen, else the set-up screen).
    ``logins``: (login, display name) of enabled accounts, ordered as the login list shows them.
    ``exists``: the database file exists (False on a first start: the store creates it).
    A file the store would refuse (0 bytes, not a database) gives no probe at all, so the window
    shows no set-up screen for it; the store's refusal message is what the user sees."""

    has_users: bool
    logins: tuple[tuple[str, str], ...] = ()
    exists: bool = True


def probe_url(url: str) -> CenterProbe | None:
    """Probe a database URL; only a SQLite file is probed, anything else gives None."""
    path = sqlite_path(url)
    if path is None or "?" in url:
        return None  # PostgreSQL, in-memory or a URL with options: the ordinary path
    return probe_sqlite(path)


def probe_sqlite(path: Path) -> CenterProbe | None:
    try:
        if not path.exists():
            return CenterProbe(has_users=False, exists=False)
        if not path.is_file() or path.stat().st_size == 0:
            return None  # a 0-byte file is refused by the store, never set up as a new center (issue 21)
        uri = path.absolute().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=PROBE_TIMEOUT_S)
    except (OSError, ValueError, sqlite3.Error):
        return None
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return CenterProbe(has_users=False)  # an empty database file: the store creates the schema
        if "users" not in tables or "alembic_version" not in tables:
            return None
        count = conn.execute("SELECT count(*) FROM users").fetchone()[0]
        rows = conn.execute("SELECT login, display_name FROM users WHERE disabled = 0 "
                            "ORDER BY display_name").fetchall()
    except sqlite3.Error:
        return None  # damaged, locked, not a database, another schema: the store decides and says why
    finally:
        conn.close()
    return CenterProbe(has_users=count > 0, logins=tuple((str(a), str(b)) for a, b in rows))
