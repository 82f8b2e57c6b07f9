"""What the lesson editor's Markdown toolbar does to the text (review #36), as plain functions.

Each function takes the text and the selection (``start`` ≤ ``end``, Python string indexes) and
returns an :class:`Edit`: the one range of the old text to replace, its replacement and the
selection afterwards. The editor applies it with a text cursor, so the rest of the text, the
scroll position and the undo history stay as they were. No Qt here: the rules are tested as
plain Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

LINK_TARGET = "https://"


@dataclass(frozen=True)
class Edit:
    start: int  # the range of the old text that is replaced …
    end: int
    text: str  # … by this
    select: tuple[int, int]  # the selection afterwards, in the new text


Tool = Callable[[str, int, int], Edit]  # (text, start, end) -> Edit


def wrap(text: str, start: int, end: int, marker: str) -> Edit:
    """Bold (``**``), italic (``*``) or inline code (`````): wrap the selection, or unwrap it when
    it is already wrapped (markers inside or just around it). No selection: a pair of markers with
    the cursor between them."""
    chosen = text[start:end]
    n = len(marker)

    def alone(left: str, right: str) -> bool:
        """Italic's ``*`` is not one star of a bold ``**``."""
        return marker != "*" or (left != "*" and right != "*")

    if len(chosen) > 2 * n and chosen.startswith(marker) and chosen.endswith(marker) \
            and alone(chosen[n], chosen[-n - 1]):
        inner = chosen[n:-n]
        return Edit(start, end, inner, (start, start + len(inner)))
    if chosen and start >= n and text[start - n:start] == marker and text[end:end + n] == marker \
            and alone(text[start - n - 1:start - n], text[end + n:end + n + 1]):
        return Edit(start - n, end + n, chosen, (start - n, end - n))
    return Edit(start, end, f"{marker}{chosen}{marker}", (start + n, end + n))


def _line_range(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole lines the selection touches (a selection ending at a line's start leaves that line out)."""
    first = text.rfind("\n", 0, start) + 1
    if end > start and text[end - 1:end] == "\n":
        end -= 1
    last = text.find("\n", end)
    return first, len(text) if last < 0 else last


def prefix_lines(text: str, start: int, end: int, prefix: str) -> Edit:
    """Heading (``## ``) or list (``- ``): prefix every line the selection touches, or remove the
    prefix when every one of those lines already has it. An existing heading level is replaced."""
    first, last = _line_range(text, start, end)
    lines = text[first:last].split("\n")
    if all(line.startswith(prefix) for line in lines):
        new = [line[len(prefix):] for line in lines]
    elif prefix.startswith("#"):
        new = [prefix + line.lstrip("#").lstrip(" ") for line in lines]
    else:
        new = [line if line.startswith(prefix) else prefix + line for line in lines]
    block = "\n".join(new)
    if len(lines) == 1:  # keep the cursor where it was in the line's words
        old_head = len(lines[0]) - len(_words(lines[0], prefix))
        new_head = len(new[0]) - len(_words(new[0], prefix))

        def moved(at: int) -> int:
            return first + max(new_head, at - first - old_head + new_head)

        return Edit(first, last, block, (moved(start), moved(end)))
    return Edit(first, last, block, (first, first + len(block)))


def _words(line: str, prefix: str) -> str:
    """The line without its heading marks or list prefix."""
    if prefix.startswith("#"):
        return line.lstrip("#").lstrip(" ")
    return line[len(prefix):] if line.startswith(prefix) else line


def link(text: str, start: int, end: int) -> Edit:
    """``[selection](https://)`` with the address selected, to be typed over; no selection: the
    cursor goes between the brackets for the link's words."""
    chosen = text[start:end]
    inserted = f"[{chosen}]({LINK_TARGET})"
    if chosen:
        at = start + len(chosen) + 3
        return Edit(start, end, inserted, (at, at + len(LINK_TARGET)))
    return Edit(start, end, inserted, (start + 1, start + 1))


def _own_block(text: str, start: int, end: int, block: str) -> tuple[str, int]:
    """``block`` made to stand as its own paragraph at start…end: blank lines before and after
    where the text around it needs them. Returns the text to insert and where ``block`` begins in it."""
    before = text[:start]
    lead = "" if not before or before.endswith("\n\n") else ("\n" if before.endswith("\n") else "\n\n")
    after = text[end:]
    if not after:
        tail = "\n"
    elif after.startswith("\n\n"):
        tail = ""
    else:
        tail = "\n" if after.startswith("\n") else "\n\n"
    return lead + block + tail, len(lead)


def table(text: str, start: int, end: int, columns: int = 2) -> Edit:
    """A table of ``columns`` columns (a header row, the separator, one row), as its own paragraph,
    with the cursor in the first header cell. A selection of lines becomes the first column."""
    chosen = text[start:end].strip("\n")
    cells = chosen.split("\n") if chosen else [""]
    rows = ["| " + " | ".join([first] + [""] * (columns - 1)) + " |" for first in ["", *cells]]
    lines = [rows[0], "|" + "---|" * columns, *rows[1:]]
    inserted, at = _own_block(text, start, end, "\n".join(lines))
    caret = start + at + 2
    return Edit(start, end, inserted, (caret, caret))


def code(text: str, start: int, end: int) -> Edit:
    """Code: words within a line become inline code; whole lines, or nothing, a fenced block as its
    own paragraph (the cursor inside it)."""
    chosen = text[start:end]
    whole_lines = (start, end) == _line_range(text, start, end)
    if chosen and "\n" not in chosen and not whole_lines:
        return wrap(text, start, end, "`")
    body = chosen.strip("\n")
    inserted, at = _own_block(text, start, end, f"```\n{body}\n```")
    inside = start + at + 4
    return Edit(start, end, inserted, (inside, inside + len(body)))
