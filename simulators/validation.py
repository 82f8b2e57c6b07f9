"""Turn pydantic errors into one ScenarioError that names the field, in the user's terms."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from simulators.errors import Diagnostic, ScenarioError

_FIELD_ERROR = "zhizao_field"

# Work limits no scenario, lab or command line can exceed (documented in docs/simulators.md, "Limits").
# Each is far above every bundled scenario and course lab (the longest shift is 8 h, the busiest run
# ~43,000 events, the most replications 20), and low enough that a run ends in seconds, not never.
MAX_REPLICATIONS = 10_000
MAX_SIM_TIME_S = 31_536_000.0      # a line's shift (and its warm-up): one year of simulated time
MAX_SERIES_POINTS = 100_000        # a line's time-series points, (warm-up + shift) / series_step_s
MAX_EVENTS_PER_RUN = 5_000_000     # the runner's budget of simulation events per replication (~10 s CPU)
MAX_ORDERS = 2_000                 # a line's orders (a bundled line has at most 32)
MAX_ORDERED_UNITS = 100_000        # units over all orders (the bundled most: 1,200)
MAX_VIBRATION_SAMPLES = 4_194_304  # samples over all machines of a vibration record (~300 MB; bundled 229,376)
MAX_PATH_POINTS = 500_000          # a robot cycle's sampled path (~100 MB; a bundled cycle has ~100 points)
# A scenario file (YAML/JSON) as read: bundled and course ones are under 10 kB, 8 levels and 310 values.
MAX_SCENARIO_CHARS = 2_000_000
MAX_SCENARIO_DEPTH = 32
MAX_SCENARIO_VALUES = 500_000      # after YAML aliases are expanded (a "billion laughs" file stops here)


def field_error(sub: str, message: str, diagnostics: Iterable[Diagnostic] | None = None) -> PydanticCustomError:
    """Raise from a model validator to blame ``sub`` (dotted, relative to the model).

    ``diagnostics`` (a program's or rule's problems) travel on to the ScenarioError; by default
    those of the exception being handled, so ``except RuleError: raise field_error(...)`` keeps them.
    """
    if diagnostics is None:
        diagnostics = getattr(sys.exc_info()[1], "diagnostics", ())
    return PydanticCustomError(_FIELD_ERROR, "{message}",
                               {"sub": sub, "message": message, "diagnostics": tuple(diagnostics)})


def _walk_loc(loc: tuple[Any, ...], data: Any) -> list[str]:
    """Keep the loc parts that exist in the input; drop union tags and validator names."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(node, dict) and isinstance(item, str) and item in (
                node.get("type"), node.get("dist"), node.get("model"), node.get("kind")):
            continue  # the tag pydantic adds for a discriminated union
        if isinstance(node, dict) and item in node:
            parts.append(str(item))
            node = node[item]
        elif isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
            parts.append(str(item))
            node = node[item]
        elif isinstance(item, str) and ("[" in item or item in _TAG_LIKE or not isinstance(node, (dict, list))):
            continue  # a discriminated-union tag or validator wrapper, not a field
        else:
            parts.append(str(item))  # a missing field: still name it
            node = None
    return parts


_TAG_LIKE = frozenset(
    {"fixed", "exponential", "normal", "lognormal", "triangular", "uniform", "weibull",
     "saturated", "arrivals", "run_to_failure", "fixed_interval", "condition_based", "rule",
     "gamma", "int", "str", "float", "list", "dict", "none", "function-after", "function-before"}
)


def _message(err: dict[str, Any]) -> tuple[str | None, str]:
    """(extra field suffix, message) for one pydantic error."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == _FIELD_ERROR:
        return ctx.get("sub") or None, ctx["message"]
    if kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "")).strip("'\"")
        what = "distribution" if key == "dist" else key
        return key or None, f"unknown {what} '{ctx.get('tag')}' (expected one of: {ctx.get('expected_tags')})"
    if kind == "union_tag_not_found":
        key = str(ctx.get("discriminator", "")).strip("'\"")
        return key or None, f"required field '{key}' is missing"
    if kind == "extra_forbidden":
        return None, "unknown field"
    if kind == "missing":
        return None, "required field is missing"
    msg: str = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    return None, msg[:1].lower() + msg[1:]


def convert(exc: ValidationError, data: Any) -> ScenarioError:
    """The first error of ``exc`` as a ScenarioError naming the dotted field."""
    err = exc.errors()[0]
    parts = _walk_loc(tuple(err["loc"]), data)
    sub, message = _message(err)
    if sub:
        parts.extend(sub.split("."))
    field = ".".join(parts) or "scenario"
    diagnostics = (err.get("ctx") or {}).get("diagnostics", ()) if err["type"] == _FIELD_ERROR else ()
    return ScenarioError(field, message, diagnostics=diagnostics)


# --- a bound on YAML nesting, before any parser sees the text ------------------------------------------
# ruamel's scanner looks ahead through every '[' of a flow collection before its composer counts
# levels: a file 1,250 levels deep took 3.4 s of CPU to be refused. This linear scan bounds the
# depth from above (flow brackets counted exactly outside quotes and comments; each block column at
# most twice: a mapping and its indentless list) and refuses a bound over MAX_YAML_NESTING_BOUND,
# far above MAX_SCENARIO_DEPTH and the course limit (64), so a file the parser accepts is never refused.
MAX_YAML_NESTING_BOUND = 256

_FLOW_STOP = re.compile(r"""[\[\]{},:?"'#]""")
_BLOCK_PREFIX = re.compile(r"^[ \t]*(?:[-?:][ \t]+)*", re.MULTILINE)
_KEY_OR_COMMENT = re.compile(r":(?=[ \t]|$)|[ \t]#")
_BLOCK_HEADER = re.compile(r"[|>][+-]?([1-9])?")


def _quote_end(line: str, start: int, quote: str) -> int:
    """Index after the closing ``quote`` searched from ``start``, or -1 when the line ends first."""
    i = start
    while True:
        i = line.find(quote, i)
        if i < 0:
            return -1
        if quote == "'":
            if line.startswith("''", i):
                i += 2
                continue
            return i + 1
        slashes = 0
        while i - slashes - 1 >= start and line[i - slashes - 1] == "\\":
            slashes += 1
        if slashes % 2 == 0:
            return i + 1
        i += 1


def yaml_nesting_exceeds(text: str, limit: int = MAX_YAML_NESTING_BOUND) -> tuple[int, int] | None:
    """1-based (line, column) where an upper bound of the YAML's nesting passes ``limit``, else None."""
    # A coarser bound first, in C: block collections start at most at every column of the widest
    # line prefix of indentation and indicators (two at one column), flow ones at a bracket (a list
    # may hold a pair). A course file passes here in a tenth of the line-by-line scan's time.
    prefix = max(map(len, _BLOCK_PREFIX.findall(text)), default=0)
    if 2 * (prefix + 1) + 2 * text.count("[") + text.count("{") <= limit:
        return None
    stack: list[list[int]] = []  # open block columns: [column, 1 mapping/list there, +1 the other]
    kinds: list[set[str]] = []
    flow = 0  # open flow levels, counting a pair in a flow list (``[a: b]``) as a mapping level
    opened: list[list[Any]] = []  # open flow collections: [bracket, whether its entry is a pair]
    expect_node = json_like = False
    quote = ""
    scalar_owner: int | None = None  # a block scalar (| or >): its lines are indented past this column
    scalar_indent: int | None = None
    plain_owner: int | None = None  # a plain scalar may continue on lines indented past this column

    def block_levels() -> int:
        return sum(min(2, len(k)) for k in kinds)

    def mark(column: int, kind: str) -> bool:
        while stack and stack[-1][0] > column:
            stack.pop()
            kinds.pop()
        if not stack or stack[-1][0] < column:
            stack.append([column])
            kinds.append(set())
        kinds[-1].add(kind)
        return block_levels() + flow > limit

    for lineno, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        p = 0
        owner = -1
        node_col = 0
        state = "flow" if flow else "node"
        if quote:
            end = _quote_end(line, 0, quote)
            if end < 0:
                continue
            quote, p, json_like, expect_node = "", end, True, False
            state = "flow" if flow else "after"
        elif scalar_owner is not None:
            body = line.lstrip(" ")
            indent = len(line) - len(body)
            marker = line[:3] in ("---", "...") and line[3:4] in ("", " ", "\t")  # ends the document
            if not marker and (not body.strip() or (
                    indent > scalar_owner if scalar_indent is None else indent >= scalar_indent)):
                if body.strip() and scalar_indent is None:
                    scalar_indent = indent
                continue
            scalar_owner = scalar_indent = None
        if state == "node":
            body = line.lstrip(" ")
            indent = len(line) - len(body)
            if not body.strip():
                continue
            if body[0] == "#":
                plain_owner = None
                continue
            if indent == 0 and line[:3] in ("---", "...") and line[3:4] in ("", " ", "\t"):
                stack.clear()
                kinds.clear()
                plain_owner = None
                if line[:3] == "...":
                    continue
                p = 3
            elif indent == 0 and body[0] == "%":
                continue  # a directive
            elif plain_owner is not None and indent > plain_owner:
                continue  # the next line of a multi-line plain scalar
            else:
                while stack and stack[-1][0] > indent:
                    stack.pop()
                    kinds.pop()
                owner = max((s[0] for s in stack if s[0] < indent), default=-1)
                p = indent
            plain_owner = None
        n = len(line)
        while p < n or state == "flow":
            if state == "node":  # a block node starts at p (indicators, properties, then the node)
                while p < n and line[p] in " \t":
                    p += 1
                if p >= n or line[p] == "#":
                    break
                c = line[p]
                if c in "-?:" and (p + 1 == n or line[p + 1] in " \t"):
                    if mark(p, "list" if c == "-" else "map"):
                        return lineno, p + 1
                    owner, p = p, p + 1
                elif c in "&!":
                    while p < n and line[p] not in " \t":
                        p += 1
                elif c in "[{":
                    state, node_col, expect_node, json_like = "flow", p, True, False
                    flow += 1
                    opened.append([c, False])
                    if block_levels() + flow > limit:
                        return lineno, p + 1
                    p += 1
                elif c in "\"'":
                    end = _quote_end(line, p + 1, c)
                    node_col = p
                    if end < 0:
                        quote = c
                        break
                    p, state = end, "after"
                elif c in "|>":
                    header = _BLOCK_HEADER.match(line, p)
                    scalar_owner = owner
                    scalar_indent = owner + int(header.group(1)) if header and header.group(1) else None
                    if scalar_indent is not None and owner < 0:
                        scalar_indent += 1  # at the top level, ruamel counts the indicator from column 0
                    break
                else:  # a plain scalar: a key when ': ' follows on this line
                    found = _KEY_OR_COMMENT.search(line, p)
                    if found is None or line[found.start()] != ":":
                        plain_owner = owner
                        break
                    if mark(p, "map"):
                        return lineno, p + 1
                    owner, p = p, found.end()
            elif state == "after":  # after a quoted scalar or flow collection in block context
                while p < n and line[p] in " \t":
                    p += 1
                if p < n and line[p] == ":" and (p + 1 == n or line[p + 1] in " \t"):
                    if mark(node_col, "map"):
                        return lineno, node_col + 1
                    owner, p, state = node_col, p + 1, "node"
                    continue
                break
            else:  # flow context: every bracket outside quotes and comments counts
                found = _FLOW_STOP.search(line, p)
                stop = found.start() if found else n
                between = line[p:stop].split()
                if between and not all(w[0] in "&!" for w in between):
                    expect_node = json_like = False
                if found is None:
                    break
                c, p = line[stop], stop + 1
                if c in "[{":
                    flow += 1
                    opened.append([c, False])
                    expect_node, json_like = True, False
                    if block_levels() + flow > limit:
                        return lineno, stop + 1
                elif c in "]}":
                    if opened:
                        flow -= 1 + opened.pop()[1]
                    expect_node, json_like = False, True
                    if not opened:
                        flow, state = 0, "after"
                elif c == ",":
                    expect_node, json_like = True, False
                    if opened and opened[-1][1]:
                        flow -= 1
                        opened[-1][1] = False
                elif c in ":?":
                    if (json_like or c == ":" or expect_node) and (p == n or line[p] in " \t,[]{}" or (
                            json_like and c == ":")):
                        expect_node, json_like = True, False
                        if opened and opened[-1][0] == "[" and not opened[-1][1]:
                            opened[-1][1] = True
                            flow += 1
                            if block_levels() + flow > limit:
                                return lineno, stop + 1
                    else:
                        expect_node = json_like = False
                elif c in "\"'":
                    if expect_node:
                        end = _quote_end(line, p, c)
                        if end < 0:
                            quote = c
                            break
                        p, expect_node, json_like = end, False, True
                    else:
                        json_like = False
                elif stop == 0 or line[stop - 1] in " \t":  # '#': a comment
                    break
                else:
                    expect_node = json_like = False
    return None
