"""Reading an alarm rule: tokens and a small expression tree, with our own error codes.

Grammar (loosest first; as in Python, ``not`` binds looser than a comparison)::

    rule       := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := sum (("<" | "<=" | ">" | ">=") sum)*      # chains like 1 < x <= 3
    sum        := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | primary
    primary    := number | name | name "(" [rule ("," rule)*] ")" | "(" rule ")"

Columns and lines are 1-based and count characters of the text as typed. Full-width
punctuation typed with a Chinese input method (（，）＞) reads as its ASCII twin. After the
first syntax error in a clause the reader skips to the next ``and``/``or`` outside parentheses and
reads on, keeping the tree read so far (holes are ``Missing``), so that every clause's first syntax
error is reported and the meaning checks can still report, say, a misspelt signal.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from simulators.errors import Diagnostic

KEYWORDS = ("and", "or", "not")
MAX_NESTING = 30  # parentheses, signs, not and calls inside each other: the reader recurses once per level
MAX_DEPTH = 100  # of the finished tree (a chain a + b + c … deepens it too): checking and evaluating recurse
COMPARISONS = ("<", "<=", ">", ">=", "==", "!=", "=")  # the last three are read, then refused
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NUMBER_TAIL = re.compile(r"[\w.]+")
_TWO_CHAR = ("<=", ">=", "==", "!=")
_ONE_CHAR = "<>=+-*/(),"


@dataclass(frozen=True)
class Token:
    kind: str      # "number" | "name" | "op" | "end" | "bad" (a character already reported)
    text: str      # as typed
    line: int
    column: int
    value: str = ""  # folded text: the operator, keyword (lower case) or number


def _fold(ch: str) -> str:
    """The ASCII twin of a full-width character (（ → (), else the character itself."""
    if ord(ch) < 128:
        return ch
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 and ord(folded) < 128 else ch


def tokenize(text: str) -> tuple[list[Token], list[Diagnostic]]:
    """Tokens (ending with an ``end`` token) and the characters that are not part of the language."""
    folded = "".join(_fold(c) for c in text)
    tokens: list[Token] = []
    errors: list[Diagnostic] = []
    i, line, line_start = 0, 1, 0
    last_end = (1, 1)  # where the end token goes: just after the last token

    def add(kind: str, start: int, end: int, value: str = "") -> None:
        nonlocal last_end
        tokens.append(Token(kind, text[start:end], line, start - line_start + 1, value))
        last_end = (line, end - line_start + 1)

    while i < len(folded):
        c = folded[i]
        if c == "\n":
            i += 1
            line, line_start = line + 1, i
            continue
        if c.isspace():
            i += 1
            continue
        if c.isdigit() or (c == "." and folded[i + 1:i + 2].isdigit()):
            m = _NUMBER.match(folded, i)
            assert m is not None
            tail = _NUMBER_TAIL.match(folded, m.end())
            end = tail.end() if tail else m.end()
            if tail:  # 1.2.3, 4mm, 0x10
                errors.append(Diagnostic("rule.syntax.bad_number", line, i - line_start + 1, {"text": text[i:end]}))
                add("bad", i, end)
            else:
                add("number", i, end, m.group())
            i = end
            continue
        if c.isalpha() or c == "_":
            j = i + 1
            while j < len(folded) and (folded[j].isalnum() or folded[j] == "_"):
                j += 1
            word = folded[i:j]
            if word.lower() in KEYWORDS:
                add("op", i, j, word.lower())
            else:
                add("name", i, j, word)
            i = j
            continue
        if c in "'\"":  # up to the closing quote, or the end of the line
            end_of_line = folded.find("\n", i + 1)
            end_of_line = len(folded) if end_of_line < 0 else end_of_line
            j = folded.find(c, i + 1, end_of_line)
            j = end_of_line if j < 0 else j + 1
            errors.append(Diagnostic("rule.syntax.text_not_allowed", line, i - line_start + 1))
            add("bad", i, j)
            i = j
            continue
        if folded[i:i + 2] in _TWO_CHAR:
            add("op", i, i + 2, folded[i:i + 2])
            i += 2
            continue
        if c in _ONE_CHAR:
            add("op", i, i + 1, c)
            i += 1
            continue
        errors.append(Diagnostic("rule.syntax.unexpected_char", line, i - line_start + 1, {"char": text[i]}))
        add("bad", i, i + 1)
        i += 1
    tokens.append(Token("end", "", last_end[0], last_end[1]))
    return tokens, errors


# --- the tree -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    line: int
    column: int


@dataclass(frozen=True)
class Missing(Node):
    """Where the reader stopped at a syntax error (already reported)."""


@dataclass(frozen=True)
class Number(Node):
    value: float


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Node, ...] = ()
    complete: bool = True  # False when a syntax error cut the argument list short


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-" | "+" | "not"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # "+" "-" "*" "/"
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare(Node):
    terms: tuple[Node, ...]
    ops: tuple[Token, ...]


@dataclass(frozen=True)
class Logic(Node):
    op: str  # "and" | "or"
    values: tuple[Node, ...]


# --- the reader ---------------------------------------------------------------------------------


class _Reader:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.errors: list[Diagnostic] = []
        self.stopped = False
        self.failed = False  # a syntax error anywhere
        self.nesting = 0
        self.depth = []  # parenthesis depth before each token, for resuming after an error
        level = 0
        for tok in tokens:
            self.depth.append(level)
            if tok.kind == "op" and tok.value == "(":
                level += 1
            elif tok.kind == "op" and tok.value == ")" and level > 0:
                level -= 1

    def deeper(self, tok: Token) -> bool:
        """One level further in; False (and reading stops) past ``MAX_NESTING``."""
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            self.stop("rule.syntax.too_deep", tok, max=MAX_NESTING)
            return False
        return True

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def is_op(self, *values: str) -> bool:
        return self.tok.kind == "op" and self.tok.value in values

    def take(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "end":
            self.i += 1
        return tok

    def stop(self, code: str | None = None, tok: Token | None = None, **args: str | int) -> Missing:
        """Record a syntax error at ``tok`` (unless the lexer already did) and read no further in this clause."""
        tok = tok or self.tok
        if code is not None and not self.stopped and tok.kind != "bad":
            self.errors.append(Diagnostic(code, tok.line, tok.column, args))
        self.stopped = self.failed = True
        return Missing(tok.line, tok.column)

    def rule(self) -> Node:
        """Clauses joined by and/or; after a syntax error, reading resumes at the next and/or outside any
        parentheses, so that every clause's first error is reported (the tree then only serves the meaning
        checks, as the rule will not run)."""
        clauses = [self.clause()]
        while self.stopped and self.resume():
            clauses.append(self.clause())
        if len(clauses) == 1:
            return clauses[0]
        return Logic(clauses[0].line, clauses[0].column, "and", tuple(clauses))

    def clause(self) -> Node:
        node = self.logic("or", self.logic_and)
        if not self.stopped and self.tok.kind != "end":
            if self.is_op(")"):
                self.stop("rule.syntax.unmatched_paren")
            else:
                self.stop("rule.syntax.unexpected_token", token=self.tok.text)
        return node

    def resume(self) -> bool:
        """Skip to the next and/or at parenthesis depth 0 and past it; False if there is none."""
        for j in range(self.i, len(self.tokens)):
            tok = self.tokens[j]
            if tok.kind == "op" and tok.value in ("and", "or") and self.depth[j] == 0:
                self.i, self.stopped, self.nesting = j + 1, False, 0
                return True
        return False

    def logic(self, op: str, inner: Callable[[], Node]) -> Node:
        first = inner()
        values = [first]
        while not self.stopped and self.is_op(op):
            self.take()
            values.append(inner())
        return first if len(values) == 1 else Logic(first.line, first.column, op, tuple(values))

    def logic_and(self) -> Node:
        return self.logic("and", self.logic_not)

    def logic_not(self) -> Node:
        if self.is_op("not"):
            tok = self.take()
            if not self.deeper(tok):
                return Missing(tok.line, tok.column)
            node = Unary(tok.line, tok.column, "not", self.logic_not())
            self.nesting -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        first = self.arith(("+", "-"), self.term)
        terms, ops = [first], []
        while not self.stopped and self.is_op(*COMPARISONS):
            ops.append(self.take())
            terms.append(self.arith(("+", "-"), self.term))
        return first if not ops else Compare(first.line, first.column, tuple(terms), tuple(ops))

    def arith(self, symbols: tuple[str, ...], inner: Callable[[], Node]) -> Node:
        node = inner()
        while not self.stopped and self.is_op(*symbols):
            op = self.take().value
            node = Binary(node.line, node.column, op, node, inner())
        return node

    def term(self) -> Node:
        return self.arith(("*", "/"), self.unary)

    def unary(self) -> Node:
        if self.is_op("-", "+"):
            tok = self.take()
            if not self.deeper(tok):
                return Missing(tok.line, tok.column)
            node = Unary(tok.line, tok.column, tok.value, self.unary())
            self.nesting -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        if self.stopped:
            return Missing(self.tok.line, self.tok.column)
        tok = self.tok
        if tok.kind == "number":
            value = float(tok.value)
            if not math.isfinite(value):  # 1e999
                return self.stop("rule.syntax.number_too_large", text=tok.text)
            self.take()
            return Number(tok.line, tok.column, value)
        if tok.kind == "name":
            self.take()
            if self.is_op("("):
                if not self.deeper(tok):
                    return Missing(tok.line, tok.column)
                node = self.call(tok)
                self.nesting -= 1
                return node
            return Name(tok.line, tok.column, tok.value)
        if self.is_op("("):
            self.take()
            if not self.deeper(tok):
                return Missing(tok.line, tok.column)
            node = self.rule_inside(tok)
            self.nesting -= 1
            return node
        if tok.kind == "end":
            previous = self.tokens[self.i - 1] if self.i > 0 else None
            if previous is None:
                return self.stop("rule.syntax.empty")
            return self.stop("rule.syntax.incomplete", after=previous.text)
        return self.stop("rule.syntax.expected_value", token=tok.text)

    def rule_inside(self, opening: Token) -> Node:
        """``( rule )`` after the opening parenthesis."""
        node = self.logic("or", self.logic_and)
        self.close(opening, allow_comma=False)
        return node

    def call(self, name: Token) -> Node:
        opening = self.take()
        args: list[Node] = []
        if self.is_op(")"):
            self.take()
        else:
            while True:
                args.append(self.logic("or", self.logic_and))
                if not self.stopped and self.is_op(","):
                    self.take()
                    continue
                self.close(opening, allow_comma=True)
                break
        return Call(name.line, name.column, name.value, tuple(args), not self.stopped)

    def close(self, opening: Token, allow_comma: bool) -> None:
        if self.stopped:
            return
        if self.is_op(")"):
            self.take()
        elif self.tok.kind == "end":
            self.stop("rule.syntax.unclosed_paren", open_column=opening.column)
        elif allow_comma:
            self.stop("rule.syntax.expected_comma", token=self.tok.text)
        else:
            self.stop("rule.syntax.unexpected_token", token=self.tok.text)


def parse(text: str) -> tuple[Node, list[Diagnostic]]:
    """The tree (with ``Missing`` holes after a syntax error) and the syntax errors."""
    tokens, errors = tokenize(text)
    reader = _Reader(tokens)
    if tokens[0].kind == "end":
        return Missing(1, 1), [Diagnostic("rule.syntax.empty", 1, 1)]
    tree = reader.rule()
    if not reader.failed and (deep := _too_deep(tree)) is not None:
        return Missing(deep.line, deep.column), [
            *errors, Diagnostic("rule.syntax.too_deep", deep.line, deep.column, {"max": MAX_DEPTH})]
    return tree, errors + reader.errors


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Compare):
        return node.terms
    if isinstance(node, Logic):
        return node.values
    if isinstance(node, Call):
        return node.args
    return ()


def _too_deep(tree: Node) -> Node | None:
    """The first node deeper than ``MAX_DEPTH`` (found without recursion), or None."""
    todo = [(tree, 1)]
    while todo:
        node, depth = todo.pop()
        if depth > MAX_DEPTH:
            return node
        todo.extend((child, depth + 1) for child in _children(node))
    return None
