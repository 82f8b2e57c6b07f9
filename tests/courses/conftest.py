"""Fixtures for the course tests: a private copy of the fixture course, and YAML editing helpers."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from app.courses.errors import Problem
from app.courses.validator import validate_path
from app.paths import courses_dir

FIXTURE = courses_dir() / "_fixture-mini"


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A writable copy of courses/_fixture-mini, in a folder named after its id."""
    target = tmp_path / "courses" / "fixture-mini"
    shutil.copytree(FIXTURE, target)
    return target


def edit_yaml(path: Path, change: Callable[[Any], Any]) -> None:
    """Round-trip edit: ``change`` mutates the document in place (its return value is ignored)."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    doc = yaml.load(path.read_text(encoding="utf-8"))
    change(doc)
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(doc, fh)


def validate(path: Path) -> list[Problem]:
    """validate_path without looking at the real bundled courses or the user's library."""
    return validate_path(path, catalog_dirs=[])


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def warnings(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "warning"]


def having(problems: Iterable[Problem], fragment: str) -> list[Problem]:
    return [p for p in problems if fragment in p.message]


def only(problems: Iterable[Problem], fragment: str) -> Problem:
    found = having(problems, fragment)
    assert len(found) == 1, f"expected one problem with {fragment!r}, got {[p.message for p in problems]}"
    return found[0]
