"""Chinese typography of the bundled courses: the mistakes a Chinese editor marks first.

* ASCII quotes (``"`` / ``'``) next to Chinese text: Chinese running text uses “” and ‘’.
* A space or a line break between two Chinese characters. Markdown turns a line break inside a
  paragraph into a space, and a YAML folded scalar (``>``) joins its lines with one, so a Chinese
  sentence wrapped in the source shows a stray gap on screen.

Checked: every ``lesson.zh_CN.md`` (outside code) and every text under a ``zh_CN`` key of the
course YAML files, as loaded. Code spans and fenced code are left alone (program text keeps
its ASCII quotes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from app.paths import courses_dir

BUNDLED = sorted(p for p in courses_dir().iterdir() if (p / "course.yaml").exists() and not p.name.startswith("_"))

# Han ideographs, CJK and full-width punctuation; a gap also counts next to the punctuation Chinese
# shares with other scripts (—— … “” ‘’), which is never spaced in Chinese text.
_CJK_CHARS = r"\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK = rf"[{_CJK_CHARS}]"
_CJK_OR_PUNCT = rf"[{_CJK_CHARS}\u2014\u2026\u2018\u2019\u201c\u201d]"
STRAY_GAP = re.compile(rf"(?<={_CJK_OR_PUNCT})(?:[ \t\u00a0]+|[ \t]*\n[ \t]*)(?={_CJK_OR_PUNCT})")
ASCII_QUOTE = re.compile(rf"(?<={_CJK})[\"']|[\"'](?={_CJK})")
# A Chinese standard's title separates its elements with a space: 《机器状态监测与诊断 一般指南》.
_BOOK_TITLE = re.compile(r"《[^》\n]*》")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)


def _blank_code(markdown: str) -> str:
    """The Markdown with fenced blocks emptied and code spans masked (offsets and line numbers kept)."""
    lines, in_fence = [], False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            lines.append("")
        else:
            lines.append("" if in_fence else line)
    return _CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", "x", m.group(0)), "\n".join(lines))


def problems_in_text(text: str) -> list[tuple[int, str]]:
    """``(offset, message)`` for each typography problem in Chinese text (code already blanked)."""
    titles = [m.span() for m in _BOOK_TITLE.finditer(text)]
    found = [(m.start(), "stray space between Chinese characters") for m in STRAY_GAP.finditer(text)
             if not any(a < m.start() < b for a, b in titles)]
    found += [(m.start(), "ASCII quote in Chinese text; use “” or ‘’") for m in ASCII_QUOTE.finditer(text)]
    return sorted(found)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _zh_strings(node: object, line: int) -> Iterator[tuple[int, str]]:
    """Every string below a ``zh_CN`` key, with the line its key is on (1-based)."""
    if isinstance(node, dict):
        for key, value in node.items():
            pos = node.lc.key(key)[0] + 1 if hasattr(node, "lc") else line
            if key == "zh_CN":
                yield from _all_strings(value, pos)
            else:
                yield from _zh_strings(value, pos)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            pos = node.lc.item(i)[0] + 1 if hasattr(node, "lc") else line
            yield from _zh_strings(item, pos)


def _all_strings(node: object, line: int) -> Iterator[tuple[int, str]]:
    if isinstance(node, str):
        yield line, str(node)
    elif isinstance(node, list):
        for item in node:
            yield from _all_strings(item, line)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _all_strings(value, line)


def markdown_problems(path: Path) -> list[str]:
    text = _blank_code(path.read_text(encoding="utf-8"))
    return [f"{path}:{_line_of(text, off)}: {msg}" for off, msg in problems_in_text(text)]


def yaml_problems(path: Path) -> list[str]:
    data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    out = []
    for line, text in _zh_strings(data, 1):
        blanked = _CODE_SPAN.sub(lambda m: "x" * len(m.group(0)), text)
        for off, msg in problems_in_text(blanked):
            out.append(f"{path}:{line}: {msg}: …{text[max(0, off - 8):off + 8]!r}…")
    return out


def _course_files(suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(p for course in BUNDLED for p in course.rglob("*") if p.name.endswith(suffixes))


@pytest.mark.parametrize("path", _course_files(("lesson.zh_CN.md",)), ids=lambda p: str(p.relative_to(courses_dir())))
def test_zh_lesson_typography(path):
    assert markdown_problems(path) == []


@pytest.mark.parametrize("path", _course_files((".yaml",)), ids=lambda p: str(p.relative_to(courses_dir())))
def test_zh_yaml_typography(path):
    assert yaml_problems(path) == []


@pytest.mark.parametrize("text, expected", [
    ("第一行\n第二行", ["stray space between Chinese characters"]),
    ("逗号，\n下一句", ["stray space between Chinese characters"]),
    ("中文 中文", ["stray space between Chinese characters"]),
    ('他说"停"了', ["ASCII quote in Chinese text; use “” or ‘’"] * 2),
    ("段落。\n\n新段落", []),
    ("第 1 类，ISO 10218 标准", []),
    ("他说“停”了", []),
    ("列表\n- 项目", []),
    ("反而可能——\n每一次", ["stray space between Chinese characters"]),
    ("GB/T 22393《机器状态监测与诊断 一般指南》规定", []),
])
def test_checker_finds_what_it_should(text, expected):
    assert [msg for _off, msg in problems_in_text(text)] == expected


def test_checker_leaves_code_alone():
    md = "程序里写 `WAIT DI[2]=\"ON\"` 即可\n\n```\n! 注释\n注释\n```\n"
    assert problems_in_text(_blank_code(md)) == []
