"""Tokens of one program line, with 1-based columns as typed.

Full-width punctuation typed with a Chinese input method (（，）［］＝％) reads as its ASCII twin, so a
trainee is not told that "（" is wrong when it looks right. Nothing here raises: a character that is not
part of the language becomes a ``bad`` token and a diagnostic, and reading goes on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from simulators.errors import Diagnostic

_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TWO_CHAR = ("<=", ">=", "==", "<>", "!=")
_ONE_CHAR = "()[],=+-*/<>%"


@dataclass(frozen=True)
class Token:
    kind: str    # "name" | "number" | "string" | "op" | "bad" | "end"
    text: str    # as typed (for messages)
    column: int  # 1-based
    value: str = ""  # name: upper-cased; op: the ASCII operator ("!=" reads as "<>"); string: its content


def _fold(ch: str) -> str:
    if ord(ch) < 128:
        return ch
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 and ord(folded) < 128 else ch


def strip_comment(line: str) -> str:
    """The line without its ``#`` comment (a ``#`` inside a quoted string does not start one)."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"' or ch == "\u201c" or ch == "\u201d" or ch == "\uff02":
            quoted = not quoted
        elif (ch == "#" or ch == "\uff03") and not quoted:
            return line[:i]
    return line


def tokenize(line: str, number: int) -> tuple[list[Token], list[Diagnostic]]:
    """Tokens of one line (comment already stripped), ending with an ``end`` token, and its bad characters."""
    text = "".join(_fold(c) for c in line)
    tokens: list[Token] = []
    errors: list[Diagnostic] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        col = i + 1
        if c.isdigit() or (c == "." and text[i + 1:i + 2].isdigit()):
            m = _NUMBER.match(text, i)
            assert m is not None
            tokens.append(Token("number", m.group(), col, m.group()))
            i = m.end()
        elif c.isascii() and (c.isalpha() or c == "_"):
            m = _NAME.match(text, i)
            assert m is not None
            tokens.append(Token("name", m.group(), col, m.group().upper()))
            i = m.end()
        elif c in "\"\u201c\u201d":
            end = i + 1
            while end < n and text[end] not in "\"\u201c\u201d":
                end += 1
            if end >= n:
                errors.append(Diagnostic("arm.lang.string.unclosed", number, col))
                tokens.append(Token("bad", text[i:], col))
                i = n
            else:
                tokens.append(Token("string", line[i:end + 1], col, text[i + 1:end]))
                i = end + 1
        elif text[i:i + 2] in _TWO_CHAR:
            op = text[i:i + 2]
            tokens.append(Token("op", line[i:i + 2], col, "<>" if op == "!=" else op))
            i += 2
        elif c in _ONE_CHAR:
            tokens.append(Token("op", line[i], col, c))
            i += 1
        else:
            shown = line[i] if line[i].isprintable() else f"U+{ord(line[i]):04X}"
            errors.append(Diagnostic("arm.lang.char.unexpected", number, col, {"char": shown}))
            tokens.append(Token("bad", line[i], col))
            i += 1
    tokens.append(Token("end", "", n + 1))
    return tokens, errors
