"""Generated course files must never crash the validator, the loader or the renderer:
whatever is wrong comes back as reported problems."""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from app.courses.errors import CourseError, Problem
from app.courses.loader import load_course
from app.courses.render import render_markdown
from app.courses.validator import validate_path

from .conftest import FIXTURE

YAML_FILES = [
    "course.yaml", "modules/basics/module.yaml", "modules/line/module.yaml", "modules/basics/quiz/quiz.yaml",
    "modules/line/buffer-lab/lab.yaml", "modules/line/practical/practical.yaml",
]
VOCAB = [
    "id", "type", "kind", "title", "summary", "prompt", "options", "answer", "pairs", "left", "right", "accepted",
    "questions", "draw", "shuffle", "pass_mark", "steps", "modules", "en", "zh_CN", "fr", "single", "multiple",
    "true_false", "numeric", "ordering", "matching", "fill_blank", "lesson", "quiz", "lab", "practical", "a", "b",
    "basics", "line", "controls", "objectives", "metric", "op", ">=", "target", "path", "min", "max", "default",
    "choices", "value", "scenario", "scenario_file", "simulator", "checklist", "text", "version", "format",
    "prerequisites", "passing", "required", "basics/quiz", "1.0.0", "___", "../x", "oee", "program",
    "buffers.B1.capacity", "stations.Mill.servers", "basic-three-station-line", "robot_cell",
]

scalars = (st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats()
           | st.text(max_size=20) | st.sampled_from(VOCAB))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(VOCAB) | st.text(max_size=6),
                                                                inner, max_size=4),
    max_leaves=12,
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _dump(data: Any) -> str | None:
    out = io.StringIO()
    try:
        YAML(typ="safe", pure=True).dump(data, out)
    except (YAMLError, TypeError, ValueError, RecursionError):
        return None
    return out.getvalue()


def _check(root: Path) -> list[Problem]:
    problems = validate_path(root, catalog_dirs=[])
    assert isinstance(problems, list)
    for p in problems:
        assert isinstance(p, Problem) and p.severity in ("error", "warning") and p.message
        assert p.line is None or p.line >= 1
    try:
        course = load_course(root)
    except CourseError as exc:
        assert any(p.is_error for p in exc.problems)  # noqa: PT017 - any input: it may load or fail
    else:
        assert course.step_keys()
        assert not any(p.is_error for p in problems)
    return problems


def _with_copy(change) -> list[Problem]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "fixture-mini"
        shutil.copytree(FIXTURE, root)
        change(root)
        return _check(root)


@FUZZ
@given(data=st.data())
def test_mutated_yaml_files_are_reported_not_crashed(data):
    rel = data.draw(st.sampled_from(YAML_FILES), label="file")
    doc = _load(FIXTURE / rel)
    node, parent, key = doc, None, None
    for _ in range(data.draw(st.integers(0, 5), label="depth")):
        if isinstance(node, dict) and node:
            k = data.draw(st.sampled_from(sorted(node, key=str)))
        elif isinstance(node, list) and node:
            k = data.draw(st.integers(0, len(node) - 1))
        else:
            break
        parent, key, node = node, k, node[k]
    if parent is not None and data.draw(st.booleans(), label="delete"):
        del parent[key]
    else:
        replacement = data.draw(values, label="value")
        if parent is None:
            doc = replacement
        else:
            parent[key] = replacement
    text = _dump(doc)
    assume(text is not None)
    _with_copy(lambda root: (root / rel).write_text(text, encoding="utf-8"))


@FUZZ
@given(rel=st.sampled_from(YAML_FILES), text=st.text(max_size=300))
def test_arbitrary_text_in_yaml_files(rel, text):
    _with_copy(lambda root: (root / rel).write_text(text, encoding="utf-8"))


@FUZZ
@given(rel=st.sampled_from([*YAML_FILES, "modules/basics/lesson/lesson.en.md"]), blob=st.binary(max_size=200))
def test_arbitrary_bytes(rel, blob):
    _with_copy(lambda root: (root / rel).write_bytes(blob))


@FUZZ
@given(text=st.text(max_size=400) | st.lists(st.sampled_from(
    ["# h", "![x](line.svg)", "![y](../../../../../etc/passwd)", "[l](https://a.b)", "| a | b |", "|---|---|",
     "```", "<b>", "`code`", "\n", "- item", "1. one", "> q", "[r](javascript:x)", "![z](<a b.svg>)"]),
    max_size=30).map(" ".join))
def test_arbitrary_markdown(text):
    _with_copy(lambda root: (root / "modules/basics/lesson/lesson.zh_CN.md").write_text(text, encoding="utf-8"))
    html = render_markdown(text, FIXTURE / "modules/basics/lesson", FIXTURE)
    assert html.startswith("<html>") and "<script" not in html.lower()
