"""The store's own errors: each carries one clear, translated line for the user.

Light (no SQLAlchemy) so that the backup helpers and the CLI can raise and catch them.
"""

from __future__ import annotations


class StoreError(RuntimeError):
    """A problem with the database the user must be told about (one clear line)."""


class WriteRefused(StoreError):
    """The disk is full or read-only: nothing was written, reading still works."""


class DamagedDatabase(StoreError):
    """The database file is empty, damaged or not Zhizao's: nothing is written to it (issue 21)."""
