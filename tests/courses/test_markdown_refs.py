"""``plain_refs`` (the scan without markdown-it) against ``parsed_refs`` (markdown-it's parsers).

Where the scan answers, it must give exactly markdown-it's images and links with the same
positions; where it is unsure it must say so (None). Checked on every bundled lesson and on
random texts built from the pieces that change what Markdown makes of a bracket.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from app.courses.render import Ref, markdown_refs, parsed_refs, plain_refs

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "courses").rglob("*.md"))


def _agree(text: str) -> bool:
    """Whether the scan answered; fails the test if it answered differently from markdown-it."""
    quick = plain_refs(text)
    if quick is None:
        return False
    assert quick == parsed_refs(text), text
    return True


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: str(p.relative_to(ROOT / "courses")))
def test_bundled_lessons_same_refs_as_markdown_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    _agree(text)
    assert markdown_refs(text) == parsed_refs(text)


def test_a_plain_lesson_is_read_without_markdown_it() -> None:
    text = ("# Loading\n\nSee the [manual](https://example.com/m) and [the table](data/t.csv#top).\n\n"
            "![The cell](cell.png)\n\n- a list item with ![a figure](img/b.png \"B\")\n\n"
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n[not a link] [x] (y), [b](b.md)\n")
    assert _agree(text)
    assert plain_refs(text) == [
        Ref("link", "https://example.com/m", 3, 18), Ref("link", "data/t.csv#top", 3, 57),
        Ref("image", "cell.png", 5, 13), Ref("image", "img/b.png", 7, 32), Ref("link", "b.md", 13, 27)]


@pytest.mark.parametrize("text", [
    "```\n[a](b.png)\n```\n",                 # fenced code
    "    [a](b.png)\n",                        # indented code
    "-     [a](b.png)\n",                       # code inside a list item
    "a `[a](b.png)` b\n",                      # code span
    "a `x\n[a](b.png)` b\n",                   # code span across lines
    "\\[a](b.png)\n",                          # escaped bracket
    "[a](b.png\n",                             # no closing parenthesis
    "[a]\n\n[a]: b.png\n",                     # reference definition
    "<https://example.com>\n",                 # autolink
    "[a [b](c.png)](d.png)\n",                 # nested
    "[a\nb](c.png)\n",                         # across lines
    "| [a | b](c.png) |\n|---|---|\n",         # a table cell boundary inside
    "| a |\n|---|\n| b | [c](c.png) |\n",     # a table row is cut to the header's columns
    "| a [c](c.png)\n---\n",                   # a one-column table
    "> | a |\n> |---|\n> | b | [c](c.png) |\n",  # a table in a quote
    "- | a |\n  |---|\n  | b | [c](c.png) |\n",  # a table in a list item
    "[a](<b c.png>)\n",                        # angle-bracket destination
    "b.png\n[a](b.png)\n",                     # markdown-it would place it on the line before
    "[a](b&amp;c.png)\n",                      # entity in the destination
    "a\tb [a](b.png)\n",                       # tab
    ">" * 21 + " [a](b.png)\n",               # past markdown-it's nesting limit: dropped
])
def test_unsure_texts_are_left_to_markdown_it(text: str) -> None:
    assert plain_refs(text) is None
    assert markdown_refs(text) == parsed_refs(text)


def test_links_markdown_it_refuses_are_not_links() -> None:
    text = "[a](javascript:alert) ![b](file:///etc/passwd) [c](vbscript:x) ![d](data:image/png;base64,AA)\n"
    assert _agree(text)
    assert [r.target for r in plain_refs(text) or []] == ["data:image/png;base64,AA"]


@pytest.mark.parametrize("marker", [">", "> ", "- ", "1. ", ">- ", "- > "])
def test_nested_containers_same_refs_as_markdown_it(marker: str) -> None:
    """Up to and past markdown-it's nesting limit (it drops deeper content), with a lazy line."""
    for depth in range(1, 30):
        _agree(marker * depth + "[a](b.png)\nlazy [c](c.png)\n")
        _agree("".join("  " * k + "- item\n" for k in range(depth)) + "[a](b.png)\n")


_PIECES = [
    "[", "]", "(", ")", "![", "](", "[a](b.png)", "![x](img/c.png)", "[m](https://e.com/a?b=1#c)",
    "[t](t.pdf \"T\")", "[](e.md)", "[u](%E5%9B%BE.png)", "[v](图.png)", "[w](a%20b.png)", "[j](javascript:x)",
    "`", "``", "```", "~~~", "\\", "<", "<https://x.y>", ">", "&amp;", "&#91;", "*", "_", "**", "|", "!", "#",
    "# ", "## ", "- ", "* ", "+ ", "1. ", "2) ", "> ", "  ", "    ", "\t", "---", "===", "|---|---|", "| a | b |",
    "text", "文字", "b.png", "img", " ", "\n", "\n", "\n\n", "[r]: b.png", "[r]", "[[", "]]", "\"", "'", "#frag",
]


def test_random_hostile_texts_same_refs_as_markdown_it() -> None:
    rng = random.Random(20)
    answered = 0
    for _ in range(4000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 40)))
        answered += _agree(text)
        assert markdown_refs(text) == parsed_refs(text), text
    assert answered > 200  # the scan does answer for many of them (and each answer was checked)


def test_random_lesson_like_texts_same_refs_as_markdown_it() -> None:
    """Whole lessons made of blocks (headings, paragraphs, lists, tables, quotes, code) with links."""
    rng = random.Random(21)
    inline = ["plain words", "[a](a.md)", "![f](fig/f.png)", "[web](https://example.com/x)", "`code`",
              "**bold**", "[x]", "(y)", "文字，[链接](链接.md)。", "[b](b.png \"t\")", "a & b", "a < b", "x\\*y"]
    blocks = ["# {i}", "## {i} {i}", "{i} {i}", "{i}\n{i}", "- {i}\n- {i}", "1. {i}\n   {i}", "> {i}",
              "| h | {i} |\n|---|---|\n| {i} | c |", "```\n{i}\n```", "    {i}", "{i}\n---", "- {i}\n\n  {i}"]
    answered = 0
    for _ in range(1500):
        parts = []
        for _ in range(rng.randint(1, 8)):
            block = rng.choice(blocks)
            while "{i}" in block:
                block = block.replace("{i}", " ".join(rng.choice(inline) for _ in range(rng.randint(1, 3))), 1)
            parts.append(block)
        text = "\n\n".join(parts) + "\n"
        answered += _agree(text)
    assert answered > 100


def test_random_structure_characters_same_refs_as_markdown_it() -> None:
    """Texts mostly of the characters that make block structure (quotes, lists, tables, headings)."""
    alphabet = [*"[]()!>-|#:= *+.1)ab \n\n", "b.png", "](", "![", "[a](b.png)", "    ", "---", "|---|", "> ", "- ",
                "1. ", '"t"', "%20", "图", "#x", "http://h/", "javascript:"]
    rng = random.Random(22)
    answered = 0
    for _ in range(5000):
        answered += _agree("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 50))))
    assert answered > 500
