"""Tokens of one program line, with 1-based columns as typed.

Full-width punctuation typed with a Chinese input method (（，）［］＝％) reads as its ASCII twin, so a
trainee is not told that "（" is wrong when it looks right. Nothing here raises: a character that is not
part of the language becomes a ``bad`` token and a diagnostic, and reading goes on.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from simulators.errors import Diagnostic

# One pattern, tried in order at each position: ASCII digits and letters only (a digit of another script is a
# character the language does not know, not a number), quotes straight or curly.
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>["\u201c\u201d][^"\u201c\u201d]*["\u201c\u201d])
  | (?P<unclosed>["\u201c\u201d].*)
  | (?P<op><=|>=|==|<>|!=|[()\[\],=+\-*/<>%])
  | (?P<bad>.)
""", re.VERBOSE | re.DOTALL)


class Token(NamedTuple):  # a tuple: a line makes dozens, and a frozen dataclass costs more to build
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
    if line.isascii() and '"' not in line:
        cut = line.find("#")
        return line if cut < 0 else line[:cut]
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"' or ch == "\u201c" or ch == "\u201d" or ch == "\uff02":
            quoted = not quoted
        elif (ch == "#" or ch == "\uff03") and not quoted:
            return line[:i]
    return line


def tokenize(line: str, number: int) -> tuple[list[Token], list[Diagnostic]]:
    """Tokens of one line (comment already stripped), ending with an ``end`` token, and its bad characters."""
    text = line if line.isascii() else "".join(_fold(c) for c in line)
    tokens: list[Token] = []
    errors: list[Diagnostic] = []
    for m in _TOKEN.finditer(text):
        kind, i = m.lastgroup, m.start()
        if kind == "ws":
            continue
        col, word = i + 1, m.group()
        if kind == "name":
            tokens.append(Token("name", line[i:m.end()], col, word.upper()))
        elif kind == "number":
            tokens.append(Token("number", word, col, word))
        elif kind == "op":
            tokens.append(Token("op", line[i:m.end()], col, "<>" if word == "!=" else word))
        elif kind == "string":
            tokens.append(Token("string", line[i:m.end()], col, word[1:-1]))
        elif kind == "unclosed":
            errors.append(Diagnostic("arm.lang.string.unclosed", number, col))
            tokens.append(Token("bad", line[i:], col))
        else:
            ch = line[i]
            shown = ch if ch.isprintable() else f"U+{ord(ch):04X}"
            errors.append(Diagnostic("arm.lang.char.unexpected", number, col, {"char": shown}))
            tokens.append(Token("bad", ch, col))
    tokens.append(Token("end", "", len(text) + 1))
    return tokens, errors
