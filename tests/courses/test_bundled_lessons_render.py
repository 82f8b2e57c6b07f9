"""Every bundled lesson renders without stray Markdown syntax (CJK emphasis included)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.courses.render import render_body
from app.paths import courses_dir

LESSONS = sorted(p for p in courses_dir().glob("*/modules/*/*/lesson.*.md"))


def test_there_are_bundled_lessons():
    assert len(LESSONS) >= 24


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: "/".join(p.parts[-5:]))
def test_no_literal_emphasis_markers(path: Path):
    html = render_body(path.read_text(encoding="utf-8"), path.parent)
    text = re.sub(r"<pre>.*?</pre>|<code>.*?</code>", "", html, flags=re.S)
    assert "**" not in text, "unrendered ** in " + text[max(0, text.find("**") - 60): text.find("**") + 60]


def test_cjk_emphasis_next_to_fullwidth_punctuation():
    html = render_body("还要记录**形态（配置）**信息，**注意：**先断电。", Path("."))
    assert html.count("<strong>") == 2 and "**" not in html
