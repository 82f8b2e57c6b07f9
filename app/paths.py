"""Where bundled resources and user data live.

Resources are found next to the installed packages so that a non-editable
``pip install .`` and the PyInstaller bundle both work.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

from app import APP_NAME


def _root() -> Path:
    # PyInstaller unpacks data files under sys._MEIPASS.
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def package_dir(name: str) -> Path:
    """The folder of a top-level package we ship (courses, i18n, simulators)."""
    return _root() / name


def courses_dir() -> Path:
    return package_dir("courses")


def i18n_dir() -> Path:
    return package_dir("i18n")


def resources_dir() -> Path:
    return _root() / "app" / "resources"


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


def migrations_dir() -> Path:
    return _root() / "app" / "storage" / "migrations"


def default_data_dir() -> Path:
    env = os.environ.get("ZHIZAO_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
