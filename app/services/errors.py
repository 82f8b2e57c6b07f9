"""What a failed service write looks like to its callers.

The UI catches ``WRITE_ERRORS`` around a write (a read-only or full disk, a lost
center database) and keeps the trainee's work on screen; it never imports the
storage layer or SQLAlchemy to know what those are.
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from app.storage.db import StoreError

WRITE_ERRORS: tuple[type[BaseException], ...] = (StoreError, SQLAlchemyError, OSError)
